import type { SimEvent } from '../../../src-shared/contract';

/**
 * What the timeline draws for one run, folded from its events as they arrive: a lane per adapter
 * and per protocol binding with the states it went through, and markers for interrupts, DMA
 * hand-offs and findings. Each entry keeps the console line id of the event it came from, so a
 * click on the timeline finds the event in the consoles. Plain data, no reactivity.
 */

/** One state a lane entered: at virtual time `t` (100 ns ticks), by the event on console line `lineId`. */
export interface StateChange {
  t: number;
  state: string;
  lineId: number;
}

export interface StateLane {
  key: string;
  kind: 'adapter' | 'binding';
  label: string;
  /** The state before the first change (an adapter starts Halted, a binding Unbound). */
  initial: string;
  changes: StateChange[];
}

/** Times and line ids of point events, in arrival (and so time) order, in growable typed arrays. */
export class MarkerSeries {
  t = new Float64Array(256);
  ids = new Int32Array(256);
  length = 0;

  constructor(
    readonly key: 'irq' | 'dma' | 'finding',
    readonly label: string,
  ) {}

  push(t: number, lineId: number): void {
    if (this.length === this.t.length) {
      const t2 = new Float64Array(this.length * 2);
      t2.set(this.t);
      const ids2 = new Int32Array(this.length * 2);
      ids2.set(this.ids);
      this.t = t2;
      this.ids = ids2;
    }
    this.t[this.length] = t;
    this.ids[this.length] = lineId;
    this.length++;
  }

  /** The first marker at or after `t`. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first marker after `t`. */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The marker nearest to `t` (-1 when there is none). */
  nearest(t: number): number {
    if (this.length === 0) return -1;
    const i = this.lowerBound(t);
    if (i === 0) return 0;
    if (i === this.length) return this.length - 1;
    return t - this.t[i - 1]! <= this.t[i]! - t ? i - 1 : i;
  }
}

/**
 * The ring tail registers of the lab's NIC (LabNIC's TDT and RDT): a write hands descriptors to the
 * device's DMA engine, which then moves the frames — the DMA marks on the timeline.
 */
export const DMA_TAIL_REGISTER = /^[TR]DT\d*$/;

/** Whether an event hands descriptors to a DMA engine: a write of a ring's tail register. */
export function isDmaHandOff(event: SimEvent): boolean {
  return event.kind === 'hw.register' && event.op === 'write' && event.register !== undefined && DMA_TAIL_REGISTER.test(event.register);
}

/** The engine numbers runs run-1, run-2, …: their order. */
export function runOrder(runId: string): number {
  const match = /(\d+)$/.exec(runId);
  return match ? Number(match[1]) : 0;
}

export class TimelineModel {
  runId: string | undefined;
  /** The latest virtual time seen in the run (the virtual clock). */
  tEnd = 0;
  finished = false;
  readonly lanes: StateLane[] = [];
  private readonly laneByKey = new Map<string, StateLane>();
  readonly irq = new MarkerSeries('irq', 'IRQ');
  readonly dma = new MarkerSeries('dma', 'DMA');
  readonly findings = new MarkerSeries('finding', 'findings');
  /** Bumped on every change, so a view knows when to redraw. */
  version = 0;

  get markers(): MarkerSeries[] {
    return [this.irq, this.dma, this.findings];
  }

  /** Starts over for a new run. */
  reset(runId: string): void {
    this.runId = runId;
    this.tEnd = 0;
    this.finished = false;
    this.lanes.length = 0;
    this.laneByKey.clear();
    for (const series of this.markers) series.length = 0;
    this.version++;
  }

  /** An IRQ or DMA mark of the run at `t`, from the event on console line `lineId`. */
  mark(runId: string, series: 'irq' | 'dma', t: number, lineId: number): void {
    if (!this.advance(runId, t)) return;
    this[series].push(t, lineId);
  }

  /** Folds one event of the run in; `lineId` is its console line. */
  add(runId: string, event: SimEvent, lineId: number): void {
    if (!this.advance(runId, event.t)) return;
    switch (event.kind) {
      case 'adapter.state':
        this.lane(`adapter:${event.adapter}`, 'adapter', event.adapter, event.from).changes.push({ t: event.t, state: event.to, lineId });
        break;
      case 'binding.state':
        this.lane(`binding:${event.protocol}/${event.lower}`, 'binding', `${event.protocol} over ${event.lower}`, event.from).changes.push({ t: event.t, state: event.to, lineId });
        break;
      case 'hw.interrupt':
        this.irq.push(event.t, lineId);
        break;
      case 'hw.register':
        if (isDmaHandOff(event)) this.dma.push(event.t, lineId);
        break;
      case 'finding':
      case 'bugcheck':
        this.findings.push(event.t, lineId);
        break;
      case 'run.finished':
        this.finished = true;
        break;
      default:
        break;
    }
  }

  /**
   * An event of the run at `t` that draws nothing but moves the clock (add does this for every
   * event); false when the run is older than the one the timeline follows.
   */
  advance(runId: string, t: number): boolean {
    if (runId !== this.runId) {
      // A run that ended before this one may still be draining: the newest run keeps the timeline.
      if (this.runId !== undefined && runOrder(runId) < runOrder(this.runId)) return false;
      this.reset(runId);
    }
    if (t > this.tEnd) this.tEnd = t;
    this.version++;
    return true;
  }

  private lane(key: string, kind: StateLane['kind'], label: string, initial: string): StateLane {
    let lane = this.laneByKey.get(key);
    if (!lane) {
      lane = { key, kind, label, initial, changes: [] };
      this.laneByKey.set(key, lane);
      this.lanes.push(lane);
    }
    return lane;
  }
}
