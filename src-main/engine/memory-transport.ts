import { Emitter, toDisposable, type Disposable } from '../../src-shared/rpc/disposable';
import type { FrameTransport } from '../../src-shared/rpc/transport';
import type { LabServer, ServerConnection } from './lab-server';

/**
 * A transport inside one process (unit tests, the CLI). Frames are structured-cloned both ways, so
 * it catches what would not survive a real transport, and delivered asynchronously, as a real one would.
 */
export class MemoryTransport implements FrameTransport {
  private readonly frames = new Emitter<unknown>();
  private readonly closes = new Emitter<string>();
  private readonly connection: ServerConnection;
  private closed = false;

  constructor(server: LabServer) {
    this.connection = server.connect((frame) => {
      const copy = structuredClone(frame);
      queueMicrotask(() => {
        if (!this.closed) this.frames.fire(copy);
      });
    });
  }

  send(frame: unknown): void {
    if (this.closed) return;
    const copy = structuredClone(frame);
    queueMicrotask(() => this.connection.receive(copy));
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
    this.connection.close();
    this.closes.fire('closed by client');
  }
}
