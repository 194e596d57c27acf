import { Emitter, toDisposable, type Disposable, type FrameTransport } from '../../../src-shared/rpc';
import type { FromSocketWorker, ToSocketWorker } from './event-pipeline';

/**
 * Frames over the web host's WebSocket, which a worker holds (socket.worker.ts): the worker parses
 * each frame, validates its events against the contract and describes run events as console
 * lines, so the window's main thread only takes the results. `checksEvents` tells LabClient that
 * the events were validated there.
 */
export class WorkerSocketTransport implements FrameTransport {
  readonly checksEvents = true;
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private closed = false;

  constructor(
    private readonly worker: Worker,
    url: string,
  ) {
    worker.onmessage = (event: MessageEvent<FromSocketWorker>) => {
      const message = event.data;
      if (message.t === 'frame') this.frames.fire(message.frame);
      else if (message.t === 'closed') this.finish(message.reason);
    };
    worker.onerror = (event) => this.finish(`the socket worker failed: ${event.message || 'could not start'}`);
    this.post({ t: 'connect', url });
  }

  send(frame: unknown): void {
    if (this.closed) return;
    this.post({ t: 'send', text: JSON.stringify(frame) });
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
    this.post({ t: 'close' });
    this.finish('closed by client');
  }

  private post(message: ToSocketWorker): void {
    this.worker.postMessage(message);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closes.fire(reason);
    this.worker.terminate();
  }
}
