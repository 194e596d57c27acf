/// <reference lib="webworker" />
import { FrameQueue, readFrame, type FromSocketWorker, type ToSocketWorker } from './event-pipeline';

/**
 * The engine's event stream, off the window's main thread: the web host's WebSocket, or in Electron
 * the MessagePort the preload hands over. Frames arrive here, are parsed, checked
 * and turned into console lines (event-pipeline.ts), and go on to the window with their buffers
 * transferred, one frame per task and none while the window asks for quiet (an input's frame is
 * being made). What the window sends goes out as it is.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
let socket: WebSocket | undefined;
let pending: string[] | undefined = [];
let closed = false;

const post = (message: FromSocketWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

function finish(reason: string): void {
  if (closed) return;
  closed = true;
  post({ t: 'closed', reason });
}

/** One frame from the engine, read and posted on to the window. */
function read(text: string): void {
  try {
    const { frames, transfer } = readFrame(text);
    // The buffers go with the last frame (the events frame): each frame is a message of its own.
    frames.forEach((frame, i) => post({ t: 'frame', frame }, i === frames.length - 1 ? transfer : []));
  } catch (error) {
    // Never expected (readFrame validates before it describes), but a frame it cannot read is reported, not fatal.
    const message = `the socket worker could not read a frame from the engine (${text.length} characters, starting ${JSON.stringify(text.slice(0, 80))}): ${error instanceof Error ? error.message : String(error)}`;
    post({ t: 'frame', frame: { t: 'error', error: { code: 'E_INTERNAL', message } } });
  }
}

/** The next task: a message to itself (timers of 0 ms are clamped once nested), or a timer for a delay. */
const nextTask: (callback: () => void, delayMs: number) => void = (() => {
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return (callback, delayMs) => {
    if (delayMs > 0) {
      setTimeout(callback, delayMs);
      return;
    }
    waiting.push(callback);
    channel.port2.postMessage(0);
  };
})();

const frames = new FrameQueue(read, nextTask);

scope.onmessage = (event: MessageEvent<ToSocketWorker>) => {
  const message = event.data;
  switch (message.t) {
    case 'connect': {
      if (socket) return;
      socket = new WebSocket(message.url);
      socket.addEventListener('open', () => {
        for (const text of pending ?? []) socket!.send(text);
        pending = undefined;
        post({ t: 'open' });
      });
      socket.addEventListener('message', (e: MessageEvent<unknown>) => frames.push(typeof e.data === 'string' ? e.data : String(e.data)));
      // The window gets every frame that came before it hears that the socket closed.
      socket.addEventListener('close', (e) => frames.after(() => finish(`socket closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`)));
      socket.addEventListener('error', () => frames.after(() => finish('socket error')));
      return;
    }
    case 'port': {
      // Electron: frames come from the main process over this port (as JSON text; an object from an older one).
      const port = message.port;
      port.onmessage = (e: MessageEvent<unknown>) => frames.push(typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
      port.onmessageerror = () => frames.after(() => post({ t: 'frame', frame: { t: 'error', error: { code: 'E_INTERNAL', message: 'an event frame from the main process could not be received (messageerror)' } } }));
      port.start();
      return;
    }
    case 'answer':
      frames.push(message.text);
      return;
    case 'send':
      if (closed) return;
      if (pending) pending.push(message.text);
      else socket?.send(message.text);
      return;
    case 'quiet':
      frames.quiet(message.ms);
      return;
    case 'close':
      socket?.close(1000, 'client closed');
      finish('closed by client');
      return;
  }
};
