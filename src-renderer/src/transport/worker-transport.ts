import { EVENT_PORT_MESSAGE, type PreloadBridge } from '../../../src-shared/contract';
import { Emitter, requestOverBridge, toDisposable, type Disposable, type FrameTransport } from '../../../src-shared/rpc';
import { onQuietChange } from '../stores/publish-clock';
import type { FromSocketWorker, ToSocketWorker } from './event-pipeline';

/** Where the worker's frames come from: the web host's WebSocket, or Electron's preload bridge. */
export type WorkerSource = { kind: 'socket'; url: string } | { kind: 'bridge'; bridge: PreloadBridge };

/**
 * Frames from the engine through a worker (socket.worker.ts): the web host's WebSocket, which the
 * worker holds, or in Electron the event port the preload hands over (client frames then go out
 * through the bridge's requests, and their answers come back here). The worker parses each frame,
 * validates its events against the contract and describes run events as console lines, so the
 * window's main thread only takes the results. `checksEvents` tells LabClient that
 * the events were validated there. While the window answers an input (key, click, wheel) the
 * worker holds the stream back, as the publish clock holds the views back: the input's frame gets
 * the CPU first.
 */
export class WorkerTransport implements FrameTransport {
  readonly checksEvents = true;
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private closed = false;
  private stopListening: () => void = () => undefined;
  private stopPortListening: () => void = () => undefined;

  constructor(
    private readonly worker: Worker,
    private readonly source: WorkerSource,
  ) {
    worker.onmessage = (event: MessageEvent<FromSocketWorker>) => {
      const message = event.data;
      if (message.t === 'frame') this.frames.fire(message.frame);
      else if (message.t === 'closed') this.finish(message.reason);
    };
    worker.onerror = (event) => this.finish(`the event worker failed: ${event.message || 'could not start'}`);
    if (source.kind === 'socket') this.post({ t: 'connect', url: source.url });
    else {
      // The preload posts the port to this window (never another's: the source is checked), and it goes on to the worker.
      const onPort = (event: MessageEvent<unknown>): void => {
        if (event.source !== window || event.data !== EVENT_PORT_MESSAGE || !event.ports[0]) return;
        const port = event.ports[0];
        if (this.closed) port.close();
        else this.worker.postMessage({ t: 'port', port } satisfies ToSocketWorker, [port]);
      };
      window.addEventListener('message', onPort);
      this.stopPortListening = () => window.removeEventListener('message', onPort);
      source.bridge.handOverEvents!();
    }
    // The worker holds the stream back while the window answers an input (publish-clock.ts's quiet period).
    this.stopListening = onQuietChange((ms) => this.post({ t: 'quiet', ms }));
  }

  send(frame: unknown): void {
    if (this.closed) return;
    if (this.source.kind === 'socket') {
      this.post({ t: 'send', text: JSON.stringify(frame) });
      return;
    }
    // Answers go through the worker too: no frame reaches the client unchecked, whichever way it came.
    requestOverBridge(this.source.bridge, frame, (answer) => this.post({ t: 'answer', text: typeof answer === 'string' ? answer : JSON.stringify(answer) }));
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
    if (!this.closed) this.worker.postMessage(message);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.stopPortListening();
    this.closes.fire(reason);
    this.worker.terminate();
  }
}
