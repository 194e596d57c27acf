import { HostInterrupt } from '../../sim/session/session';
import type { SourceSite } from '../../sim/session/source-site';
import type { LiveStep } from '../../../src-shared/contract/scenario';
import { Pacer } from './pacer';

/**
 * Control of a running session, shared between the engine thread and the session worker. The
 * simulator runs synchronously in the worker, so it cannot receive messages while it runs: the
 * engine writes requests into shared memory and the worker reads them at every event and before
 * every NDIS call, blocking in Atomics.wait while paused.
 */
export const enum Slot {
  Request = 0,
  /** Events still allowed before pausing again (step mode); -1 = run freely. */
  Steps = 1,
  State = 2,
  Wake = 3,
  /** Incremented at every NDIS call: the wall-clock watchdog sees progress. */
  Heartbeat = 4,
  BreakpointGeneration = 5,
  BreakpointBytes = 6,
  /** The run's speed: at most this many events per wall-clock second; 0 = as fast as it goes. */
  Speed = 7,
  /** Live steps the engine has posted to the worker's live port (run.act), in all. */
  LivePosted = 8,
  /** Live steps the worker has taken from it, in all. */
  LiveTaken = 9,
}

export const enum Request {
  Run = 0,
  Pause = 1,
  Stop = 2,
}

export const enum RunState {
  Running = 0,
  Paused = 1,
  Finished = 2,
  /** Waiting out its speed limit (not stuck: the wall-clock watchdog looks away). */
  Pacing = 3,
}

/** The fastest speed a run can be limited to, events per second (any more is as good as unlimited). */
export const MAX_EVENTS_PER_SECOND = 10_000_000;

export interface Breakpoints {
  /** NDIS function names: stop before each call. */
  apis: string[];
  /** Source lines: stop before any NDIS call made from them. */
  lines: Array<{ file: string; line: number }>;
}

const BREAKPOINT_CAPACITY = 64 * 1024;

export interface ControlBuffers {
  control: SharedArrayBuffer;
  breakpoints: SharedArrayBuffer;
}

export function createControlBuffers(eventsPerSecond = 0): ControlBuffers {
  const buffers = { control: new SharedArrayBuffer(16 * 4), breakpoints: new SharedArrayBuffer(BREAKPOINT_CAPACITY) };
  const control = new Int32Array(buffers.control);
  Atomics.store(control, Slot.Steps, -1);
  Atomics.store(control, Slot.Speed, clampSpeed(eventsPerSecond));
  return buffers;
}

function clampSpeed(eventsPerSecond: number): number {
  if (!Number.isFinite(eventsPerSecond) || eventsPerSecond <= 0) return 0;
  return Math.min(MAX_EVENTS_PER_SECOND, Math.round(eventsPerSecond));
}

/** The engine's side: requests for the worker. */
export class RunController {
  private readonly control: Int32Array;
  private readonly breakpointBytes: Uint8Array;

  constructor(readonly buffers: ControlBuffers) {
    this.control = new Int32Array(buffers.control);
    this.breakpointBytes = new Uint8Array(buffers.breakpoints);
  }

  get state(): RunState {
    return Atomics.load(this.control, Slot.State) as RunState;
  }

  get heartbeat(): number {
    return Atomics.load(this.control, Slot.Heartbeat);
  }

  pause(): void {
    this.request(Request.Pause, -1);
  }

  resume(): void {
    this.request(Request.Run, -1);
  }

  /** Lets `events` more events happen, then pauses again. */
  step(events = 1): void {
    this.request(Request.Run, Math.max(1, events));
  }

  stop(): void {
    this.request(Request.Stop, -1);
  }

  get speed(): number {
    return Atomics.load(this.control, Slot.Speed);
  }

  /** Limits the run to `eventsPerSecond` events per wall-clock second (0: no limit), from now on. */
  setSpeed(eventsPerSecond: number): number {
    const speed = clampSpeed(eventsPerSecond);
    Atomics.store(this.control, Slot.Speed, speed);
    Atomics.add(this.control, Slot.Wake, 1);
    Atomics.notify(this.control, Slot.Wake);
    return speed;
  }

  /**
   * Gives the run steps to take at its next idle point (run.act): posted on `port`, the worker's
   * live port, and counted in shared memory so the worker looks at the port only when there is
   * something on it. Returns how many steps wait, these included.
   */
  act(port: { postMessage(value: unknown): void }, steps: readonly LiveStep[]): number {
    port.postMessage(steps);
    Atomics.add(this.control, Slot.LivePosted, steps.length);
    return this.liveWaiting;
  }

  /** Live steps posted that the worker has not taken (act). */
  get liveWaiting(): number {
    return Atomics.load(this.control, Slot.LivePosted) - Atomics.load(this.control, Slot.LiveTaken);
  }

  setBreakpoints(breakpoints: Breakpoints): void {
    const bytes = new TextEncoder().encode(JSON.stringify(breakpoints));
    if (bytes.length > BREAKPOINT_CAPACITY) throw new Error(`too many breakpoints (${bytes.length} bytes of ${BREAKPOINT_CAPACITY})`);
    this.breakpointBytes.set(bytes);
    Atomics.store(this.control, Slot.BreakpointBytes, bytes.length);
    Atomics.add(this.control, Slot.BreakpointGeneration, 1);
  }

  private request(request: Request, steps: number): void {
    Atomics.store(this.control, Slot.Steps, steps);
    Atomics.store(this.control, Slot.Request, request);
    Atomics.add(this.control, Slot.Wake, 1);
    Atomics.notify(this.control, Slot.Wake);
  }
}

/** Thrown inside the worker when the engine asked the run to stop; unwinds through the driver. */
export class RunStopped extends HostInterrupt {}

export type PauseReason = { kind: 'pause' } | { kind: 'step' } | { kind: 'breakpoint'; api: string; site?: SourceSite };

/** The worker's side: checks requests at every event and NDIS call, and blocks while paused. */
export class RunGate {
  private readonly control: Int32Array;
  private readonly breakpointBytes: Uint8Array;
  private generation = -1;
  private apis = new Set<string>();
  private lines = new Set<string>();
  private readonly pacer = new Pacer();

  /**
   * `onIdle` runs before the worker sleeps to keep its speed: whatever it holds back (a batch of
   * events) should go out, or a slow run would show nothing for seconds.
   */
  constructor(
    buffers: ControlBuffers,
    private readonly onPause: (reason: PauseReason) => void,
    private readonly onResume: () => void,
    private readonly onIdle: () => void = () => undefined,
  ) {
    this.control = new Int32Array(buffers.control);
    this.breakpointBytes = new Uint8Array(buffers.breakpoints);
  }

  /** After each event: honour stop, pause and step requests. */
  afterEvent(): void {
    const request = Atomics.load(this.control, Slot.Request);
    if (request === Request.Stop) throw new RunStopped('the run was stopped');
    if (request === Request.Pause) return this.block({ kind: 'pause' });
    const steps = Atomics.load(this.control, Slot.Steps);
    if (steps > 0 && Atomics.sub(this.control, Slot.Steps, 1) === 1) {
      Atomics.store(this.control, Slot.Request, Request.Pause);
      return this.block({ kind: 'step' });
    }
    this.pace();
  }

  /** Keeps the run to its speed: sleeps until the next event is due, waking for stop, pause and a new speed. */
  private pace(): void {
    this.followSpeed();
    let wait = this.pacer.afterEvent(performance.now());
    if (wait <= 0) return;
    this.onIdle();
    Atomics.store(this.control, Slot.State, RunState.Pacing);
    while (wait > 0) {
      const wake = Atomics.load(this.control, Slot.Wake);
      const request = Atomics.load(this.control, Slot.Request);
      if (request === Request.Stop) {
        Atomics.store(this.control, Slot.State, RunState.Running);
        throw new RunStopped('the run was stopped');
      }
      if (request === Request.Pause) return this.block({ kind: 'pause' });
      if (this.followSpeed()) break;
      Atomics.wait(this.control, Slot.Wake, wake, wait);
      wait = this.pacer.remaining(performance.now());
    }
    Atomics.store(this.control, Slot.State, RunState.Running);
  }

  /** Takes up a speed the engine changed; true when it did. */
  private followSpeed(): boolean {
    const speed = Atomics.load(this.control, Slot.Speed);
    if (speed === this.pacer.rate) return false;
    this.pacer.setRate(speed, performance.now());
    return true;
  }

  /** Before each NDIS call: the heartbeat, and breakpoints on the function or the calling line. */
  beforeCall(api: string, site: () => SourceSite | undefined): void {
    Atomics.add(this.control, Slot.Heartbeat, 1);
    this.loadBreakpoints();
    if (this.apis.size === 0 && this.lines.size === 0) return;
    if (this.apis.has(api)) return this.breakAt({ kind: 'breakpoint', api, ...siteOf(site()) });
    if (this.lines.size > 0) {
      const where = site();
      if (where && this.lines.has(`${where.file}:${where.line}`)) this.breakAt({ kind: 'breakpoint', api, site: where });
    }
  }

  /**
   * The live steps the engine posted (RunController.act), in order, from the worker's end of the
   * live port; none (without touching the port) when nothing was posted since the last look.
   */
  takeLive(receive: () => { message: unknown } | undefined): LiveStep[] {
    const posted = Atomics.load(this.control, Slot.LivePosted);
    if (posted === Atomics.load(this.control, Slot.LiveTaken)) return [];
    const steps: LiveStep[] = [];
    for (let message = receive(); message; message = receive()) steps.push(...(message.message as LiveStep[]));
    Atomics.add(this.control, Slot.LiveTaken, steps.length);
    return steps;
  }

  /** An NDIS call of lab code (the driver below a binding): progress for the watchdog, never a breakpoint. */
  heartbeat(): void {
    Atomics.add(this.control, Slot.Heartbeat, 1);
  }

  finished(): void {
    Atomics.store(this.control, Slot.State, RunState.Finished);
  }

  private breakAt(reason: PauseReason): void {
    Atomics.store(this.control, Slot.Request, Request.Pause);
    this.block(reason);
  }

  private block(reason: PauseReason): void {
    this.onPause(reason);
    Atomics.store(this.control, Slot.State, RunState.Paused);
    for (;;) {
      const wake = Atomics.load(this.control, Slot.Wake);
      const request = Atomics.load(this.control, Slot.Request);
      if (request === Request.Stop) {
        Atomics.store(this.control, Slot.State, RunState.Running);
        throw new RunStopped('the run was stopped');
      }
      if (request === Request.Run) break;
      Atomics.wait(this.control, Slot.Wake, wake);
    }
    Atomics.store(this.control, Slot.State, RunState.Running);
    this.pacer.restart(performance.now());
    this.onResume();
  }

  private loadBreakpoints(): void {
    const generation = Atomics.load(this.control, Slot.BreakpointGeneration);
    if (generation === this.generation) return;
    this.generation = generation;
    const length = Atomics.load(this.control, Slot.BreakpointBytes);
    if (length === 0) {
      this.apis = new Set();
      this.lines = new Set();
      return;
    }
    const parsed = JSON.parse(new TextDecoder().decode(this.breakpointBytes.slice(0, length))) as Breakpoints;
    this.apis = new Set(parsed.apis);
    this.lines = new Set(parsed.lines.map((l) => `${l.file}:${l.line}`));
  }
}

function siteOf(site: SourceSite | undefined): { site?: SourceSite } {
  return site ? { site } : {};
}
