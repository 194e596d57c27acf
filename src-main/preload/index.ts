// The preload runs sandboxed: it may use only contextBridge and ipcRenderer, and exposes a raw frame
// pipe. Meaning and validation live in src-shared/rpc/client.ts, on the renderer's side.
import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannels, PRELOAD_GLOBAL, type PreloadBridge } from '../../src-shared/contract/channels';

const listeners = new Set<(frame: unknown) => void>();

ipcRenderer.on(ipcChannels.eventPort, (event) => {
  const port = event.ports[0];
  if (!port) return;
  port.onmessage = (message: { data: unknown }) => {
    for (const listener of listeners) listener(message.data);
  };
  port.start();
});
ipcRenderer.send(ipcChannels.requestEventPort);

const bridge: PreloadBridge = {
  request: (frame) => ipcRenderer.invoke(ipcChannels.frame, frame),
  onFrame: (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, bridge);
