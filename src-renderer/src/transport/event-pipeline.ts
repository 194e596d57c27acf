import { LabEvent, schemaError, type LabErrorData } from '../../../src-shared/contract';
import { blockBuffers, encodeRunBatch, type RunBatchLines } from '../consoles/line-block';

/**
 * What the socket worker (socket.worker.ts) does with each text frame from the engine, as pure
 * functions: parse the JSON, validate every event of an events frame against the contract (the
 * checks LabClient makes on the main thread for other transports), and turn each run batch into
 * console lines in the line store's form. The window's main thread then gets frames it need not
 * parse, validate or describe, and buffers it need not copy twice.
 */

/** A run batch as the worker delivers it: its lines, and of its events only those the models fold. */
export type CheckedRunEvents = Extract<LabEvent, { kind: 'run.events' }> & Partial<Omit<RunBatchLines, 'events'>>;

/** What the worker posts to the window. */
export type FromSocketWorker =
  | { t: 'frame'; frame: unknown }
  | { t: 'open' }
  | { t: 'closed'; reason: string };

/**
 * What the window posts to the worker. `quiet`: the user just gave an input (a key, a click, the
 * wheel); the worker holds the stream back for the next `ms` (0: no longer) so the window's main
 * thread and the compositor have the CPU for that input's frame (on a 2-CPU machine a busy worker
 * takes one of them).
 */
export type ToSocketWorker =
  | { t: 'connect'; url: string }
  /** Electron: the port the engine's event frames arrive on, from the preload (PreloadBridge.handOverEvents). */
  | { t: 'port'; port: MessagePort }
  /** Electron: an answer to a client frame, as its JSON text; it is read in order with the events, through the same checks. */
  | { t: 'answer'; text: string }
  | { t: 'send'; text: string }
  | { t: 'close' }
  | { t: 'quiet'; ms: number };

/** The longest a quiet request holds the stream back, ms, however it is asked. */
export const MAX_QUIET_MS = 200;

/**
 * The frames from the engine as the socket worker takes them on: in order, one per task (so a
 * quiet request from the window is seen between two frames), and none while a quiet period lasts.
 * `handle` reads a frame; `schedule` runs a callback as the worker's next task, or after `delayMs`.
 */
export class FrameQueue {
  /** Frames' text, and callbacks to run in their place (what follows the last frame: the socket closed). */
  private readonly texts: Array<string | (() => void)> = [];
  private head = 0;
  private quietUntil = -Infinity;
  /** The scheduled callback that may read the next frame; an older one does nothing when it runs. */
  private generation = 0;
  private scheduled = false;

  constructor(
    private readonly handle: (text: string) => void,
    private readonly schedule: (callback: () => void, delayMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Frames waiting. */
  get length(): number {
    return this.texts.length - this.head;
  }

  push(text: string): void {
    this.texts.push(text);
    this.wake();
  }

  /** Runs `callback` once the frames pushed before it have been handled. */
  after(callback: () => void): void {
    this.texts.push(callback);
    this.wake();
  }

  /**
   * The window's quiet period now ends `ms` from now (0: it is over): a new input lengthens it, the
   * input's frame being out ends it. Never more than MAX_QUIET_MS.
   */
  quiet(ms: number): void {
    this.quietUntil = this.now() + Math.max(0, Math.min(MAX_QUIET_MS, Number.isFinite(ms) ? ms : 0));
    // The wait already scheduled was for the old end.
    this.scheduled = false;
    this.wake();
  }

  private wake(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    const generation = ++this.generation;
    this.schedule(
      () => {
        if (generation !== this.generation) return;
        this.scheduled = false;
        this.next();
      },
      Math.max(0, this.quietUntil - this.now()),
    );
  }

  private next(): void {
    if (this.length === 0) return;
    if (this.quietUntil > this.now()) return this.wake();
    const item = this.texts[this.head++]!;
    if (this.head === this.texts.length) {
      this.texts.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.texts.splice(0, this.head);
      this.head = 0;
    }
    try {
      if (typeof item === 'string') this.handle(item);
      else item();
    } finally {
      this.wake();
    }
  }
}

/** An events frame whose events passed validation in the worker (LabClient trusts these, see rpc/transport.ts). */
export interface CheckedEventsFrame {
  t: 'events';
  events: LabEvent[];
}

/**
 * One text frame from the engine, as frames for the client and the buffers to transfer with them.
 * An event that fails validation becomes an error frame that says which one and why (the others
 * still arrive); text that is not JSON passes on as an unparseable frame the client reports.
 */
export function readFrame(text: string): { frames: unknown[]; transfer: ArrayBuffer[] } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { frames: [{ t: 'unparseable', text: text.slice(0, 200) }], transfer: [] };
  }
  if (!isEventsFrame(frame)) return { frames: [frame], transfer: [] };
  const frames: unknown[] = [];
  const transfer: ArrayBuffer[] = [];
  const events: LabEvent[] = [];
  for (let i = 0; i < frame.events.length; i++) {
    const parsed = LabEvent.safeParse(frame.events[i]);
    if (!parsed.success) {
      frames.push({ t: 'error', error: schemaError('invalid event from the engine', parsed.error, `events[${i}]`).toData() satisfies LabErrorData });
      continue;
    }
    const event = parsed.data;
    if (event.kind === 'run.events') {
      const batch = encodeRunBatch(event.events);
      const checked: CheckedRunEvents = { ...event, ...batch };
      events.push(checked);
      transfer.push(...blockBuffers(batch));
    } else events.push(event);
  }
  // The errors first: the events after a bad one still arrive, in order, in one frame.
  if (events.length > 0) frames.push({ t: 'events', events } satisfies CheckedEventsFrame);
  return { frames, transfer };
}

function isEventsFrame(frame: unknown): frame is { t: 'events'; events: unknown[] } {
  return typeof frame === 'object' && frame !== null && (frame as { t?: unknown }).t === 'events' && Array.isArray((frame as { events?: unknown }).events);
}
