import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { ipcChannels, type PreloadBridge } from '../../src-shared/contract';
import type { LabServer } from '../engine/lab-server';
import { attachIpcBridge, type IpcMainLike } from '../electron/ipc-bridge';

/**
 * No Electron binary can run here, so tests and the bench drive the IPC bridge through the same
 * interfaces Electron gives it: an ipcMain with handle/on, a sender WebContents, and MessagePorts
 * (Node's MessageChannel has the MessagePortMain API the bridge uses). Frames are structured-cloned
 * as Electron's IPC does. The Electron e2e covers the real thing where a binary exists.
 */
export class StandInIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  readonly listeners = new EventEmitter();
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): this {
    this.listeners.on(channel, listener);
    return this;
  }
  removeListener(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): this {
    this.listeners.removeListener(channel, listener);
    return this;
  }
}

let nextSenderId = 1;

/** A renderer: its WebContents as main sees it, and a preload bridge built the way preload/index.ts builds it. */
export function standInRenderer(ipc: StandInIpcMain, options: { url?: string } = {}) {
  const listeners = new Set<(frame: unknown) => void>();
  let eventPort: MessagePort | undefined;
  const sender = Object.assign(new EventEmitter(), {
    id: nextSenderId++,
    postMessage(channel: string, _message: unknown, ports: MessagePort[]) {
      if (channel !== ipcChannels.eventPort) return;
      eventPort = ports[0]!;
      eventPort.on('message', (data: unknown) => {
        for (const listener of listeners) listener(data);
      });
    },
  });
  const event = { sender, senderFrame: { url: options.url ?? 'app://renderer/index.html' } };
  const bridge: PreloadBridge = {
    request: async (frame) =>
      structuredClone(await ipc.handlers.get(ipcChannels.frame)!(event as unknown as IpcMainInvokeEvent, structuredClone(frame))),
    onFrame: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  ipc.listeners.emit(ipcChannels.requestEventPort, event);
  return {
    bridge,
    sender,
    /** The renderer goes away, as when its window closes. */
    destroy: () => {
      sender.emit('destroyed');
      eventPort?.close();
    },
  };
}

export function attachStandInBridge(ipc: StandInIpcMain, server: LabServer): () => void {
  return attachIpcBridge({
    ipcMain: ipc,
    server,
    createChannel: () => {
      const channel = new MessageChannel();
      return { port1: channel.port1, port2: channel.port2 };
    },
    isTrustedSender: (event) => event.senderFrame?.url.startsWith('app://renderer/') === true,
  });
}
