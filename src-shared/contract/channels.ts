/**
 * Names shared by the Electron main process and the preload script. One place, so that the two
 * sides cannot drift apart.
 */
export const ipcChannels = {
  /** renderer → main, invoke: one client frame in, one server frame (or null) out. */
  frame: 'ndis-lab:frame',
  /** renderer → main, send: asks for the event port; main answers on `eventPort`. */
  requestEventPort: 'ndis-lab:request-event-port',
  /** main → renderer: carries the MessagePort on which event batches arrive. */
  eventPort: 'ndis-lab:event-port',
} as const;

/** The global the Electron preload exposes to the renderer through contextBridge. */
export const PRELOAD_GLOBAL = 'ndisLabBridge';

/** What the preload exposes: a raw frame pipe, no meaning attached (see rpc/client.ts). */
export interface PreloadBridge {
  /** Sends a client frame; resolves with the engine's answer frame, if any. */
  request(frame: unknown): Promise<unknown>;
  /**
   * Receives server frames that arrive unasked (event batches), each as its JSON text (or, from an
   * older main process, as an object). Returns an unsubscribe function.
   */
  onFrame(listener: (frame: unknown) => void): () => void;
  /**
   * Instead of onFrame: hands the page the MessagePort the frames arrive on, posted to the page's
   * own window as `window.postMessage(EVENT_PORT_MESSAGE, '*', [port])` (now, or when the port
   * comes), so that the page can give it to a worker and read the stream off its main thread.
   */
  handOverEvents?(): void;
}

/** The message the preload posts to the page's window with the event port (PreloadBridge.handOverEvents). */
export const EVENT_PORT_MESSAGE = 'ndis-lab:event-port';

/** Path and query parameter of the web host's WebSocket endpoint. */
export const WEB_SOCKET_PATH = '/lab';
export const WEB_TOKEN_PARAM = 'token';
