import { Emitter, toDisposable, type Disposable, type FrameTransport } from '../../../src-shared/rpc';
import { INPUT_QUIET_MS, INPUT_TYPES } from '../stores/publish-clock';
import type { FromSocketWorker, ToSocketWorker } from './event-pipeline';

/** Inputs closer together than this share one quiet request to the worker, ms. */
const QUIET_REQUEST_GAP_MS = 20;

/**
 * Frames over the web host's WebSocket, which a worker holds (socket.worker.ts): the worker parses
 * each frame, validates its events against the contract and describes run events as console
 * lines, so the window's main thread only takes the results. `checksEvents` tells LabClient that
 * the events were validated there. Each input (key, click, wheel) asks the worker to hold the
 * stream back for INPUT_QUIET_MS, as the publish clock holds the views back: the input's frame
 * gets the CPU first.
 */
export class WorkerSocketTransport implements FrameTransport {
  readonly checksEvents = true;
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private closed = false;
  private stopListening: () => void = () => undefined;

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
    if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
      let last = -Infinity;
      const onInput = (): void => {
        const now = performance.now();
        if (now - last < QUIET_REQUEST_GAP_MS) return;
        last = now;
        this.post({ t: 'quiet', ms: INPUT_QUIET_MS });
      };
      for (const type of INPUT_TYPES) window.addEventListener(type, onInput, { capture: true, passive: true });
      this.stopListening = () => {
        for (const type of INPUT_TYPES) window.removeEventListener(type, onInput, { capture: true });
      };
    }
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
    if (!this.closed) this.worker.postMessage(message);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.closes.fire(reason);
    this.worker.terminate();
  }
}
