import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { ipcChannels, type ServerFrame } from '../../src-shared/contract';
import type { LabServer, ServerConnection } from '../engine/lab-server';
import { frameText } from '../engine/event-text';

/** The parts of a MessagePortMain the bridge uses (Node's MessagePort has them too). */
export interface EventPort {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** The parts of Electron's ipcMain the bridge uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  server: LabServer;
  /** A fresh port pair: `port1` stays in main, `port2` is transferred to the renderer. */
  createChannel(): { port1: EventPort; port2: unknown };
  /** Whether a message comes from our own window and page; everything else is refused. */
  isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent): boolean;
}

interface RendererLink {
  connection: ServerConnection;
  port: EventPort | undefined;
  /** Frames produced before the renderer's event port exists. */
  backlog: ServerFrame[];
}

/**
 * Bridges the contract to renderers: client frames arrive by `ipcRenderer.invoke` and are answered
 * in the reply (the sender is checked on every call); event batches go out over a MessagePort per
 * renderer, as JSON text (a run's batches are spliced in as the session worker wrote them, and a
 * string crosses the port and the context bridge without a structured clone of every event). Returns a function that detaches everything.
 */
export function attachIpcBridge(options: IpcBridgeOptions): () => void {
  const { ipcMain, server } = options;
  const links = new Map<number, RendererLink>();

  const linkFor = (event: IpcMainEvent | IpcMainInvokeEvent): RendererLink => {
    const id = event.sender.id;
    let link = links.get(id);
    if (!link) {
      const created: RendererLink = {
        port: undefined,
        backlog: [],
        connection: server.connect((frame) => {
          if (created.port) created.port.postMessage(frameText(frame));
          else created.backlog.push(frame);
        }),
      };
      link = created;
      links.set(id, link);
      event.sender.once('destroyed', () => {
        created.connection.close();
        created.port?.close();
        links.delete(id);
      });
    }
    return link;
  };

  ipcMain.handle(ipcChannels.frame, async (event, frame) => {
    if (!options.isTrustedSender(event)) {
      return { t: 'error', error: { code: 'E_FORBIDDEN', message: 'this sender may not talk to the engine' } } satisfies ServerFrame;
    }
    return linkFor(event).connection.request(frame);
  });

  const onPortRequest = (event: IpcMainEvent): void => {
    if (!options.isTrustedSender(event)) return;
    const link = linkFor(event);
    link.port?.close();
    const { port1, port2 } = options.createChannel();
    link.port = port1;
    port1.start();
    event.sender.postMessage(ipcChannels.eventPort, null, [port2 as Electron.MessagePortMain]);
    for (const frame of link.backlog.splice(0)) port1.postMessage(frameText(frame));
  };
  ipcMain.on(ipcChannels.requestEventPort, onPortRequest);

  return () => {
    ipcMain.removeHandler(ipcChannels.frame);
    ipcMain.removeListener(ipcChannels.requestEventPort, onPortRequest);
    for (const link of links.values()) {
      link.connection.close();
      link.port?.close();
    }
    links.clear();
  };
}
