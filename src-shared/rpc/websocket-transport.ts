import { Emitter, toDisposable, type Disposable } from './disposable';
import { parseFrame, type FrameTransport } from './transport';

/** The part of the WebSocket API we use; the browser's WebSocket and the `ws` package both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

const OPEN = 1;

/** Frames as JSON text over a WebSocket. Waits for the socket to open before it sends. */
export class WebSocketTransport implements FrameTransport {
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private queue: string[] | undefined = [];
  private closed = false;

  constructor(private readonly socket: WebSocketLike) {
    if (socket.readyState === OPEN) this.flush();
    socket.addEventListener('open', () => this.flush());
    socket.addEventListener('message', (event) => {
      this.frames.fire(parseFrame(typeof event.data === 'string' ? event.data : String(event.data)));
    });
    socket.addEventListener('close', (event) => this.finish(`socket closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`));
    socket.addEventListener('error', () => this.finish('socket error'));
  }

  send(frame: unknown): void {
    if (this.closed) return;
    const text = JSON.stringify(frame);
    if (this.queue) this.queue.push(text);
    else this.socket.send(text);
  }

  onFrame(listener: (frame: unknown) => void): Disposable {
    return this.frames.event(listener);
  }

  onClose(listener: (reason: string) => void): Disposable {
    if (this.closed) {
      listener('already closed');
      return toDisposable(() => undefined);
    }
    return this.closes.event(listener);
  }

  close(): void {
    this.socket.close(1000, 'client closed');
    this.finish('closed by client');
  }

  private flush(): void {
    const queue = this.queue ?? [];
    this.queue = undefined;
    for (const text of queue) this.socket.send(text);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closes.fire(reason);
  }
}
