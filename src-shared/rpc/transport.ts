import type { Disposable } from './disposable';

/**
 * Moves frames between a client and the engine and nothing else. One implementation per transport
 * (Electron, WebSocket, in-memory); the client on top cannot tell them apart.
 */
export interface FrameTransport {
  /** Sends one client frame. Delivery failures surface through `onClose`. */
  send(frame: unknown): void;
  /** Every frame that arrives from the engine, not yet validated. */
  onFrame(listener: (frame: unknown) => void): Disposable;
  /** Fires once when the transport is gone, with a human-readable reason. */
  onClose(listener: (reason: string) => void): Disposable;
  close(): void;
}
