/// <reference lib="webworker" />
import { readFrame, type FromSocketWorker, type ToSocketWorker } from './event-pipeline';

/**
 * The web host's WebSocket, off the window's main thread: frames arrive here, are parsed, checked
 * and turned into console lines (event-pipeline.ts), and go on to the window with their buffers
 * transferred. What the window sends goes out as it is.
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
      socket.addEventListener('message', (e: MessageEvent<unknown>) => {
        const text = typeof e.data === 'string' ? e.data : String(e.data);
        try {
          const { frames, transfer } = readFrame(text);
          // The buffers go with the last frame (the events frame): each frame is a message of its own.
          frames.forEach((frame, i) => post({ t: 'frame', frame }, i === frames.length - 1 ? transfer : []));
        } catch (error) {
          // Never expected (readFrame validates before it describes), but a frame it cannot read is reported, not fatal.
          const message = `the socket worker could not read a frame from the engine (${text.length} characters, starting ${JSON.stringify(text.slice(0, 80))}): ${error instanceof Error ? error.message : String(error)}`;
          post({ t: 'frame', frame: { t: 'error', error: { code: 'E_INTERNAL', message } } });
        }
      });
      socket.addEventListener('close', (e) => finish(`socket closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`));
      socket.addEventListener('error', () => finish('socket error'));
      return;
    }
    case 'send':
      if (closed) return;
      if (pending) pending.push(message.text);
      else socket?.send(message.text);
      return;
    case 'close':
      socket?.close(1000, 'client closed');
      finish('closed by client');
      return;
  }
};
