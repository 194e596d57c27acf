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
  /**
   * Set by a transport whose events frames were already validated against the contract (LabEvent,
   * one by one, invalid ones reported as error frames) before they reached it, as the renderer's
   * socket worker does: the client then checks their order but does not validate them again.
   */
  readonly checksEvents?: boolean;
}

/** A frame's JSON text as a frame; text that is not JSON becomes an unparseable frame the client reports. */
export function parseFrame(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { t: 'unparseable', text: text.slice(0, 200) };
  }
}
