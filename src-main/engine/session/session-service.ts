import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { LiveStep } from '../../../src-shared/contract/scenario';
import type { RunResultData, RunState } from '../../../src-shared/contract/run';
import type { Breakpoints } from './run-control';
import { createControlBuffers, RunController, RunState as SharedState } from './run-control';
import type { FromSessionWorker, WorkerRun } from './session-worker';
import { startWorker } from '../worker-entry';
import type { RunEventsText } from '../event-text';
import type { SessionLogHeaderInput } from './ndjson';
import type { RunRecordings } from './recording';

export interface SessionServiceEvents {
  /** A batch of the run's events, as the JSON text of their array (event-text.ts). */
  onEvents(batch: RunEventsText): void;
  onStatus(runId: string, state: RunState, detail: { reason?: string; result?: RunResultData }): void;
}

interface ActiveRun {
  worker: Worker;
  controller: RunController;
  /** The engine's end of the worker's live port (run.act). */
  live: MessagePort;
  state: RunState;
  watchdog: ReturnType<typeof setInterval>;
  done: Promise<RunResultData | undefined>;
}

/** A run that makes no NDIS call for this long while running is stopped (the wall-clock watchdog). */
const WALL_WATCHDOG_MS = 2000;

/** Runs drivers in session workers, one worker per run, and relays their events and control. */
export class SessionService {
  private readonly runs = new Map<string, ActiveRun>();
  private nextRun = 1;

  /** `recordings`: where runs started with a `record` header are recorded (recording.ts). */
  constructor(
    private readonly events: SessionServiceEvents,
    private readonly recordings?: RunRecordings,
  ) {}

  start(
    run: WorkerRun,
    options: { breakpoints?: Breakpoints; paused?: boolean; eventsPerSecond?: number; record?: SessionLogHeaderInput } = {},
  ): { runId: string; done: Promise<RunResultData | undefined> } {
    const runId = `run-${this.nextRun++}`;
    const buffers = createControlBuffers(options.eventsPerSecond ?? 0);
    const controller = new RunController(buffers);
    if (options.breakpoints) controller.setBreakpoints(options.breakpoints);
    if (options.paused) controller.step(1);
    const recording = options.record && this.recordings ? this.recordings.create(runId, options.record) : undefined;
    const live = new MessageChannel();
    const worker = startWorker('session/session-worker', { workerData: { run, buffers, livePort: live.port2, ...(recording ? { recording } : {}) }, transferList: [live.port2] });
    let resolveDone!: (result: RunResultData | undefined) => void;
    const done = new Promise<RunResultData | undefined>((resolve) => (resolveDone = resolve));
    let lastBeat = controller.heartbeat;
    let lastProgress = performance.now();
    // The watchdog counts from the moment the driver runs, not while the worker starts up.
    let armed = false;
    const active: ActiveRun = {
      worker,
      controller,
      live: live.port1,
      state: 'running',
      done,
      watchdog: setInterval(() => {
        const beat = controller.heartbeat;
        if (!armed || beat !== lastBeat || controller.state !== SharedState.Running) {
          lastBeat = beat;
          lastProgress = performance.now();
          return;
        }
        if (performance.now() - lastProgress > WALL_WATCHDOG_MS) {
          this.finish(runId, 'failed', { reason: `watchdog: the driver ran ${WALL_WATCHDOG_MS / 1000} s of wall time without calling NDIS; the run was stopped` });
          resolveDone(undefined);
        }
      }, 100),
    };
    this.runs.set(runId, active);
    worker.on('message', (message: FromSessionWorker) => {
      switch (message.type) {
        case 'ready':
          armed = true;
          lastProgress = performance.now();
          return;
        case 'events':
          return this.events.onEvents({ runId, json: message.json, count: message.count });
        case 'paused':
          active.state = 'paused';
          return this.events.onStatus(runId, 'paused', { reason: describePause(message.reason) });
        case 'resumed':
          active.state = 'running';
          return this.events.onStatus(runId, 'running', {});
        case 'finished': {
          // Steps given after the run's last idle point were never taken: the status says so.
          const waiting = controller.liveWaiting;
          const reason = waiting > 0 ? `${waiting} live step${waiting === 1 ? '' : 's'} came after the run's last idle point and ${waiting === 1 ? 'was' : 'were'} not taken` : undefined;
          this.finish(runId, 'finished', { result: message.result, ...(reason ? { reason } : {}) });
          return resolveDone(message.result);
        }
        case 'stopped':
          this.finish(runId, 'stopped', { reason: 'stopped on request' });
          return resolveDone(undefined);
        case 'failed':
          this.finish(runId, 'failed', { reason: message.message });
          return resolveDone(undefined);
        case 'recording-failed':
          return this.recordings?.failed(runId, message.message);
      }
    });
    worker.on('error', (error) => {
      this.finish(runId, 'failed', { reason: `the session worker crashed: ${error.message}` });
      resolveDone(undefined);
    });
    return { runId, done };
  }

  control(runId: string, action: 'pause' | 'resume' | 'step' | 'stop', events = 1): RunState {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no active run ${runId}`);
    if (action === 'pause') run.controller.pause();
    else if (action === 'resume') run.controller.resume();
    else if (action === 'step') run.controller.step(events);
    else run.controller.stop();
    return run.state;
  }

  /**
   * Gives a running or paused run steps to take at its next idle point (run.act); returns how many
   * wait, these included. A paused run takes them once it goes on.
   */
  act(runId: string, steps: readonly LiveStep[]): number {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no active run ${runId}: it has ended, or never was`);
    return run.controller.act(run.live, steps);
  }

  /** Limits a run to `eventsPerSecond` events per wall-clock second (0: no limit); returns the speed in effect. */
  setSpeed(runId: string, eventsPerSecond: number): number {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no active run ${runId}`);
    return run.controller.setSpeed(eventsPerSecond);
  }

  setBreakpoints(runId: string, breakpoints: Breakpoints): void {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no active run ${runId}`);
    run.controller.setBreakpoints(breakpoints);
  }

  stateOf(runId: string): RunState | undefined {
    return this.runs.get(runId)?.state;
  }

  async dispose(): Promise<void> {
    for (const [runId, run] of this.runs) {
      clearInterval(run.watchdog);
      this.runs.delete(runId);
      run.live.close();
      await run.worker.terminate();
    }
  }

  private finish(runId: string, state: RunState, detail: { reason?: string; result?: RunResultData }): void {
    const run = this.runs.get(runId);
    if (!run) return;
    this.runs.delete(runId);
    clearInterval(run.watchdog);
    run.live.close();
    run.state = state;
    // The recording's end record goes after the worker is gone, so nothing of it can follow.
    void run.worker.terminate().then(
      () => this.recordings?.finish(runId, { state, ...detail }),
      () => this.recordings?.finish(runId, { state, ...detail }),
    );
    this.events.onStatus(runId, state, detail);
  }
}

function describePause(reason: { kind: string; api?: string; site?: { file: string; line: number } }): string {
  if (reason.kind === 'breakpoint') return `breakpoint: ${reason.api}${reason.site ? ` at ${reason.site.file}:${reason.site.line}` : ''}`;
  return reason.kind === 'step' ? 'step' : 'paused';
}
