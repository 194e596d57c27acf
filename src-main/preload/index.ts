// The preload runs sandboxed: it may use only contextBridge and ipcRenderer, and exposes a raw frame
// pipe. Meaning and validation live in src-shared/rpc/client.ts, on the renderer's side.
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_PORT_MESSAGE, ipcChannels, PRELOAD_GLOBAL, type PreloadBridge } from '../../src-shared/contract/channels';

/** The page's window, as much of it as the preload uses (this file is compiled without the DOM's types). */
declare const window: { postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void };
type EventPort = Electron.IpcRendererEvent['ports'][number];

const listeners = new Set<(frame: unknown) => void>();
/** The port event frames arrive on; it is not read until the page says how it takes them. */
let port: EventPort | undefined;
/** How the page takes the frames: through onFrame's listeners, or the port itself (handOverEvents). */
let mode: 'listeners' | 'port' | undefined;

/** Puts the port to use the way the page asked; messages wait in an unstarted port until then. */
function usePort(): void {
  if (!port || !mode) return;
  if (mode === 'port') {
    // Transferred to the page's window: from there it can go on to a worker (Electron's documented
    // way to reach the main world of a context-isolated page with a MessagePort).
    window.postMessage(EVENT_PORT_MESSAGE, '*', [port]);
    port = undefined;
    return;
  }
  port.onmessage = (message: { data: unknown }) => {
    for (const listener of listeners) listener(message.data);
  };
  port.start();
}

ipcRenderer.on(ipcChannels.eventPort, (event) => {
  const next = event.ports[0];
  if (!next) return;
  port?.close();
  port = next;
  usePort();
});
ipcRenderer.send(ipcChannels.requestEventPort);

const bridge: PreloadBridge = {
  request: (frame) => ipcRenderer.invoke(ipcChannels.frame, frame),
  onFrame: (listener) => {
    listeners.add(listener);
    if (!mode) {
      mode = 'listeners';
      usePort();
    }
    return () => listeners.delete(listener);
  },
  handOverEvents: () => {
    if (mode) return;
    mode = 'port';
    usePort();
  },
};
contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, bridge);
