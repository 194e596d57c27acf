import { PRELOAD_GLOBAL, WEB_SOCKET_PATH, WEB_TOKEN_PARAM, type PreloadBridge } from '../../../src-shared/contract';
import { BridgeTransport, LabClient, WebSocketTransport, type FrameTransport } from '../../../src-shared/rpc';
import { WorkerTransport } from './worker-transport';

/** The worker that reads the engine's event stream (socket.worker.ts). */
function eventWorker(): Worker {
  return new Worker(new URL('./socket.worker.ts', import.meta.url), { type: 'module', name: 'engine-events' });
}

const TOKEN_KEY = 'ndis-lab.token';

/**
 * Picks the transport this window was given: the Electron preload bridge when present, otherwise
 * the web host's WebSocket with the token from the page URL (kept for reloads, then hidden from
 * the address bar). Either way the event stream goes to a worker (socket.worker.ts) that parses,
 * validates and describes it off the main thread: it holds the WebSocket, or takes the event port
 * the preload hands over; without workers, the page reads the stream itself.
 * Everything above this sees only a LabClient.
 */
export function createTransport(): { transport: FrameTransport; kind: 'electron' | 'websocket' } {
  const bridge = (window as unknown as Record<string, PreloadBridge | undefined>)[PRELOAD_GLOBAL];
  if (bridge) {
    // The event stream goes to a worker, as the web host's does; a preload without handOverEvents is read here.
    if (typeof Worker === 'function' && typeof bridge.handOverEvents === 'function') return { transport: new WorkerTransport(eventWorker(), { kind: 'bridge', bridge }), kind: 'electron' };
    return { transport: new BridgeTransport(bridge), kind: 'electron' };
  }

  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(WEB_TOKEN_PARAM);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(WEB_TOKEN_PARAM);
    window.history.replaceState(null, '', url.toString());
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socketUrl = `${scheme}//${window.location.host}${WEB_SOCKET_PATH}?${WEB_TOKEN_PARAM}=${encodeURIComponent(token)}`;
  if (typeof Worker === 'function') return { transport: new WorkerTransport(eventWorker(), { kind: 'socket', url: socketUrl }), kind: 'websocket' };
  return { transport: new WebSocketTransport(new WebSocket(socketUrl)), kind: 'websocket' };
}

export function connectLab(): Promise<{ client: LabClient; kind: 'electron' | 'websocket' }> {
  const { transport, kind } = createTransport();
  return LabClient.connect(transport).then((client) => ({ client, kind }));
}
