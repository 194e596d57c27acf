import { PRELOAD_GLOBAL, WEB_SOCKET_PATH, WEB_TOKEN_PARAM, type PreloadBridge } from '../../../src-shared/contract';
import { BridgeTransport, LabClient, WebSocketTransport, type FrameTransport } from '../../../src-shared/rpc';
import { WorkerSocketTransport } from './worker-transport';

const TOKEN_KEY = 'ndis-lab.token';

/**
 * Picks the transport this window was given: the Electron preload bridge when present, otherwise
 * the web host's WebSocket with the token from the page URL (kept for reloads, then hidden from
 * the address bar). The WebSocket lives in a worker (socket.worker.ts) that parses, validates and
 * describes the event stream off the main thread; without workers, it is the page's own.
 * Everything above this sees only a LabClient.
 */
export function createTransport(): { transport: FrameTransport; kind: 'electron' | 'websocket' } {
  const bridge = (window as unknown as Record<string, PreloadBridge | undefined>)[PRELOAD_GLOBAL];
  if (bridge) return { transport: new BridgeTransport(bridge), kind: 'electron' };

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
  if (typeof Worker === 'function') {
    const worker = new Worker(new URL('./socket.worker.ts', import.meta.url), { type: 'module', name: 'engine-socket' });
    return { transport: new WorkerSocketTransport(worker, socketUrl), kind: 'websocket' };
  }
  return { transport: new WebSocketTransport(new WebSocket(socketUrl)), kind: 'websocket' };
}

export function connectLab(): Promise<{ client: LabClient; kind: 'electron' | 'websocket' }> {
  const { transport, kind } = createTransport();
  return LabClient.connect(transport).then((client) => ({ client, kind }));
}
