import type { PreloadBridge } from '../contract/channels';
import { Emitter, toDisposable, type Disposable } from './disposable';
import { parseFrame, type FrameTransport } from './transport';

/**
 * Frames over the Electron preload bridge: client frames go out as `ipcRenderer.invoke` requests
 * whose answers come back as frames; event batches arrive through the MessagePort the preload holds,
 * as JSON text. (The window itself hands that port to a worker instead: transport/worker-transport.ts.)
 */
export class BridgeTransport implements FrameTransport {
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly bridge: PreloadBridge) {
    this.unsubscribe = bridge.onFrame((frame) => this.frames.fire(typeof frame === 'string' ? parseFrame(frame) : frame));
  }

  send(frame: unknown): void {
    if (this.closed) return;
    requestOverBridge(this.bridge, frame, (answer) => this.frames.fire(answer));
  }

  onFrame(listener: (frame: unknown) => void): Disposable {
    return this.frames.event(listener);
  }

  onClose(listener: (reason: string) => void): Disposable {
    return this.closed ? toDisposable(() => undefined) : this.closes.event(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.closes.fire('closed by client');
  }
}

/** Sends a client frame through the preload bridge: its answer frame, if any, or an error frame when IPC failed, goes to `deliver`. */
export function requestOverBridge(bridge: PreloadBridge, frame: unknown, deliver: (answer: unknown) => void): void {
  bridge.request(frame).then(
    (answer) => {
      if (answer !== null && answer !== undefined) deliver(answer);
    },
    (error: unknown) => deliver({ t: 'error', error: { code: 'E_INTERNAL', message: `IPC failed: ${String(error)}` } }),
  );
}
