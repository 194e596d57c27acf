import type { RunResultData } from '../contract/run';
import type { SimEvent } from '../contract/sim-events';

/**
 * Replays a run's events into the state the run ended in: the adapters' states and histories, the
 * bindings, the findings, the bug check, the expectations, and the result the engine reported — the
 * same RunResult, from the events alone. Also keeps what a report draws: state lanes over virtual
 * time and markers. Pure: the window replays an imported log with it, the engine writes reports with it.
 */

/** One stretch of a lane: the state from `start` to `end` (virtual time, 100 ns ticks). */
export interface LaneSegment {
  state: string;
  start: number;
  /** Undefined while the state lasts (to the end of the run). */
  end: number | undefined;
}

export interface StateLane {
  /** The adapter's name, or "protocol over lower" for a binding. */
  name: string;
  segments: LaneSegment[];
}

export interface TimelineMarker {
  t: number;
  kind: 'finding' | 'bugcheck' | 'hw-fault' | 'fault-injected';
  label: string;
  severity?: string;
  file?: string;
  line?: number;
}

export interface ReplayTimeline {
  /** Virtual time of the last event. */
  end: number;
  adapters: StateLane[];
  bindings: StateLane[];
  markers: TimelineMarker[];
  /** When the devices raised interrupts (for a density strip). */
  interrupts: number[];
}

export interface RunIdentity {
  driver: string;
  seed: number;
  scenario: string;
  faults: string[];
}

export interface ReplayState {
  run: RunIdentity | undefined;
  /** The run reached its end (run.finished); `result` is then the engine's RunResult. */
  finished: boolean;
  result: RunResultData | undefined;
  adapters: RunResultData['adapters'];
  findings: RunResultData['findings'];
  bugcheck: RunResultData['bugcheck'];
  expectations: RunResultData['expectations'];
  /** Events per kind. */
  counts: Record<string, number>;
  events: number;
  timeline: ReplayTimeline;
}

/** A bug check's code and parameters as the engine prints them: 0x0000007C. */
function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function site(event: { file?: string | undefined; line?: number | undefined }): { file?: string; line?: number } {
  return event.file !== undefined && event.line !== undefined ? { file: event.file, line: event.line } : {};
}

interface AdapterTrack {
  name: string;
  state: string;
  history: string[];
  lane: StateLane;
}

/** Folds one run's events, in order, into its state. */
export class SessionReplay {
  private run: RunIdentity | undefined;
  private readonly adapterList: AdapterTrack[] = [];
  private readonly adapterByName = new Map<string, AdapterTrack>();
  /** Adapters of the lab's driver below a binding (events marked driver: 'lower'). */
  private readonly lowerAdapterList: AdapterTrack[] = [];
  private readonly lowerAdapterByName = new Map<string, AdapterTrack>();
  private readonly bindingLanes = new Map<string, StateLane>();
  private readonly findings: RunResultData['findings'] = [];
  private bugcheck: RunResultData['bugcheck'] = null;
  private readonly expectations: RunResultData['expectations'] = [];
  private stopRule: string | undefined;
  private stoppedAt: RunResultData['stoppedAt'];
  private loadStarted = false;
  private driverPhase = 'not-loaded';
  private finishedWith: { result: RunResultData['result']; t: number; ndisCalls: number | undefined; lower: Array<{ driver: string; ndisCalls: number }> | undefined } | undefined;
  private readonly counts: Record<string, number> = {};
  private eventCount = 0;
  private lastT = 0;
  private readonly markers: TimelineMarker[] = [];
  private readonly interrupts: number[] = [];

  get finished(): boolean {
    return this.finishedWith !== undefined;
  }

  apply(event: SimEvent): void {
    this.eventCount++;
    this.counts[event.kind] = (this.counts[event.kind] ?? 0) + 1;
    if (event.t > this.lastT) this.lastT = event.t;
    switch (event.kind) {
      case 'run.started':
        this.run = { driver: event.driver, seed: event.seed, scenario: event.scenario, faults: [...event.faults] };
        return;
      case 'scenario.step':
        if (event.status === 'started' && event.step === 'load') this.loadStarted = true;
        if (event.ok !== undefined) {
          this.expectations.push({ step: event.index, ok: event.ok, message: event.status === 'failed' ? `${event.step}: ${event.detail ?? ''}` : (event.detail ?? '') });
        }
        // A step that ends normally after a "stop" finding ends the scenario there (scenario.ts).
        if (event.status === 'done' && this.stopRule !== undefined && this.stoppedAt === undefined) this.stoppedAt = { step: event.index, rule: this.stopRule };
        return;
      case 'driver.state':
        this.driverPhase = event.state;
        return;
      case 'adapter.state':
        return this.adapterState(event.adapter, event.from, event.to, event.t, event.driver === 'lower');
      case 'binding.state':
        return this.bindingState(`${event.protocol} over ${event.lower}`, event.to, event.t);
      case 'finding':
        this.findings.push({ rule: event.rule, severity: event.severity, message: event.message, doc: event.doc, ...site(event) });
        if (event.severity === 'stop') this.stopRule ??= event.rule;
        this.markers.push({ t: event.t, kind: 'finding', label: `${event.rule}: ${event.message}`, severity: event.severity, ...site(event) });
        return;
      case 'bugcheck':
        if (this.bugcheck) return;
        this.bugcheck = {
          code: hex(event.code),
          params: event.params.map(hex),
          message: event.message,
          ...(event.rule !== undefined ? { rule: event.rule } : {}),
          ...site(event),
        };
        this.markers.push({ t: event.t, kind: 'bugcheck', label: `bug check ${hex(event.code)}${event.rule ? ` ${event.rule}` : ''}: ${event.message}`, ...site(event) });
        return;
      case 'hw.interrupt':
        this.interrupts.push(event.t);
        return;
      case 'hw.fault':
        this.markers.push({ t: event.t, kind: 'hw-fault', label: `${event.adapter}: ${event.fault}${event.detail ? ` (${event.detail})` : ''}` });
        return;
      case 'fault.injected':
        this.markers.push({ t: event.t, kind: 'fault-injected', label: `${event.api} call ${event.call}: ${event.outcome}`, ...site(event) });
        return;
      case 'run.finished':
        this.finishedWith = { result: event.result, t: event.t, ndisCalls: event.ndisCalls, lower: event.lower };
        return;
      default:
        return;
    }
  }

  private adapterState(name: string, from: string, to: string, t: number, lower: boolean): void {
    const list = lower ? this.lowerAdapterList : this.adapterList;
    const byName = lower ? this.lowerAdapterByName : this.adapterByName;
    let track = byName.get(name);
    // A device added again under a halted adapter's name is a new adapter (NDIS made a new one).
    if (!track || (track.state === 'Halted' && track.history.length > 1 && from === 'Halted')) {
      track = { name, state: from, history: [from], lane: { name, segments: [{ state: from, start: t, end: undefined }] } };
      list.push(track);
      byName.set(name, track);
    }
    track.state = to;
    track.history.push(to);
    const segments = track.lane.segments;
    const last = segments[segments.length - 1];
    if (last) last.end = t;
    segments.push({ state: to, start: t, end: undefined });
  }

  private bindingState(name: string, to: string, t: number): void {
    let lane = this.bindingLanes.get(name);
    if (!lane) {
      lane = { name, segments: [] };
      this.bindingLanes.set(name, lane);
    }
    const last = lane.segments[lane.segments.length - 1];
    if (last) last.end = t;
    lane.segments.push({ state: to, start: t, end: undefined });
  }

  /** The RunResult the engine reported for this run, rebuilt from the events; undefined before run.finished. */
  result(): RunResultData | undefined {
    const finished = this.finishedWith;
    if (!finished) return undefined;
    const phase = this.driverPhase;
    return {
      result: finished.result,
      driver: { loaded: this.loadStarted && phase !== 'failed' && phase !== 'not-loaded', unloaded: phase === 'unloaded' },
      adapters: this.adapterList.map((a) => ({ name: a.name, state: a.state, history: [...a.history] })),
      findings: this.findings.map((f) => ({ ...f })),
      bugcheck: this.bugcheck ? { ...this.bugcheck, params: [...this.bugcheck.params] } : null,
      expectations: this.expectations.map((e) => ({ ...e })),
      ...(this.stoppedAt && !this.bugcheck ? { stoppedAt: { ...this.stoppedAt } } : {}),
      virtualTime: finished.t,
      ndisCalls: finished.ndisCalls ?? this.counts['ndis.call'] ?? 0,
      ...(finished.lower
        ? { lower: finished.lower.map((l) => ({ driver: l.driver, adapters: this.lowerAdapterList.map((a) => ({ name: a.name, state: a.state, history: [...a.history] })), ndisCalls: l.ndisCalls })) }
        : {}),
    };
  }

  state(): ReplayState {
    return {
      run: this.run,
      finished: this.finished,
      result: this.result(),
      adapters: this.adapterList.map((a) => ({ name: a.name, state: a.state, history: [...a.history] })),
      findings: [...this.findings],
      bugcheck: this.bugcheck,
      expectations: [...this.expectations],
      counts: { ...this.counts },
      events: this.eventCount,
      timeline: {
        end: this.lastT,
        adapters: [...this.adapterList, ...this.lowerAdapterList].map((a) => a.lane),
        bindings: [...this.bindingLanes.values()],
        markers: [...this.markers],
        interrupts: this.interrupts,
      },
    };
  }
}

/**
 * Replays a log's events; a log may hold several runs (the command line's systematic fault
 * injection writes each run after the first), split where a run.started begins a new one.
 */
export function replayRuns(events: Iterable<SimEvent>): ReplayState[] {
  const runs: ReplayState[] = [];
  let current: SessionReplay | undefined;
  for (const event of events) {
    if (event.kind === 'run.started' && current && current.finished) {
      runs.push(current.state());
      current = undefined;
    }
    current ??= new SessionReplay();
    current.apply(event);
  }
  if (current) runs.push(current.state());
  return runs;
}

/** JSON with every object's keys sorted and undefined members dropped: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Whether two run results say the same (whatever order their fields were written in). */
export function sameResult(a: RunResultData | undefined, b: RunResultData | undefined): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}
