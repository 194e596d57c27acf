import type { SimEvent } from '../../../src-shared/contract';
import { isDmaHandOff } from '../timeline/timeline-model';
import { describeSim, kindCode, simCategory } from './describe';
import { writeUtf8Line } from './line-store';

/**
 * A run batch's console lines, made off the main thread (transport/event-pipeline.ts, in the
 * socket worker) in the line store's own form: the text as UTF-8 with a newline after each line,
 * and each line's facts in typed-array columns. Its buffers are transferred to the window, which
 * copies them into its chunks (LineStore.appendBlock) without describing or encoding anything.
 */
export interface LineBlock {
  count: number;
  /** UTF-8 text, each line followed by a newline. */
  bytes: Uint8Array;
  /** Where each line's text ends, newline included (line i is bytes[ends[i-1] … ends[i])). */
  ends: Uint32Array;
  category: Uint8Array;
  kind: Uint8Array;
  t: Float64Array;
  /** The line's source file as an index into `files` + 1 (0: none). */
  file: Uint16Array;
  line: Int32Array;
  files: string[];
}

/**
 * The simulator events the window's models fold besides the lines: the timeline (states, interrupts,
 * DMA tail writes, findings, the run's end), the hardware panel (registers, interrupts, snapshots,
 * hardware faults, link indications, the scenario step) and the status bar. A batch that comes with
 * its lines carries only these kinds as objects; the others (NDIS calls, callbacks, the wire, NBLs,
 * debug output, …), most of a busy run, are lines alone.
 */
export const MODEL_KINDS: ReadonlySet<SimEvent['kind']> = new Set<SimEvent['kind']>([
  'run.started',
  'run.finished',
  'scenario.step',
  'adapter.state',
  'binding.state',
  'finding',
  'bugcheck',
  'hw.register',
  'hw.interrupt',
  'hw.snapshot',
  'hw.fault',
  'status.indication',
]);

/** What a batch's register accesses and interrupts that are not kept as objects add to an adapter's counts. */
export interface HardwareTally {
  adapter: string;
  /** Register accesses (hw.register) besides the ones kept as objects. */
  accesses: number;
  /** Interrupts by outcome (hw.interrupt: claimed, not-claimed, …). */
  interrupts: Record<string, number>;
}

/**
 * A run batch as the socket worker hands it over: every event as a line, the model kinds also as
 * objects, except the busiest: interrupts and register accesses (a tenth of a busy run's events)
 * come as the timeline's IRQ and DMA marks (line positions) and per-adapter counts, and of the
 * register accesses only those the hardware panel shows as an adapter's last access are objects
 * (the last before each of the adapter's snapshots, and the batch's last).
 */
export interface RunBatchLines {
  lines: LineBlock;
  /** The events of MODEL_KINDS, in order, but for the interrupts and the register accesses not kept. */
  events: SimEvent[];
  /** For each of `events`, its line's position in `lines`. */
  at: Int32Array;
  /** Lines of interrupts (hw.interrupt), ascending. */
  irq: Int32Array;
  /** Lines of DMA hand-offs (writes of a ring's tail register, TDT/RDT), ascending. */
  dma: Int32Array;
  hardware: HardwareTally[];
}

/** Describes and encodes a run batch's events as lines, and keeps the events the models need. */
export function encodeRunBatch(events: readonly SimEvent[]): RunBatchLines {
  const n = events.length;
  const texts: string[] = new Array<string>(n);
  let room = 0;
  for (let i = 0; i < n; i++) {
    const text = describeSim(events[i]!);
    texts[i] = text;
    room += text.length * 3 + 1;
  }
  const bytes = new Uint8Array(room);
  const lines: LineBlock = {
    count: n,
    bytes,
    ends: new Uint32Array(n),
    category: new Uint8Array(n),
    kind: new Uint8Array(n),
    t: new Float64Array(n),
    file: new Uint16Array(n),
    line: new Int32Array(n),
    files: [],
  };
  const fileIds = new Map<string, number>();
  const kept: SimEvent[] = [];
  const at: number[] = [];
  const irq: number[] = [];
  const dma: number[] = [];
  const tallies = new Map<string, HardwareTally>();
  const tally = (adapter: string): HardwareTally => {
    let entry = tallies.get(adapter);
    if (!entry) tallies.set(adapter, (entry = { adapter, accesses: 0, interrupts: {} }));
    return entry;
  };
  const keepAccess = lastAccesses(events);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const event = events[i]!;
    pos = writeUtf8Line(bytes, pos, texts[i]!);
    lines.ends[i] = pos;
    lines.category[i] = simCategory(event.kind);
    lines.kind[i] = kindCode(event.kind);
    lines.t[i] = event.t;
    const file = 'file' in event ? event.file : undefined;
    if (file) {
      let id = fileIds.get(file);
      if (id === undefined && lines.files.length < 0xfffe) {
        id = lines.files.push(file);
        fileIds.set(file, id);
      }
      lines.file[i] = id ?? 0;
      lines.line[i] = ('line' in event ? event.line : undefined) ?? 0;
    }
    if (event.kind === 'hw.interrupt') {
      irq.push(i);
      const counts = tally(event.adapter).interrupts;
      counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
      continue;
    }
    if (event.kind === 'hw.register') {
      if (isDmaHandOff(event)) dma.push(i);
      if (!keepAccess[i]) {
        tally(event.adapter).accesses++;
        continue;
      }
    }
    if (MODEL_KINDS.has(event.kind)) {
      kept.push(event);
      at.push(i);
    }
  }
  // The text's exact length, so that the transfer moves no spare room.
  lines.bytes = pos < bytes.length ? bytes.slice(0, pos) : bytes;
  return { lines, events: kept, at: Int32Array.from(at), irq: Int32Array.from(irq), dma: Int32Array.from(dma), hardware: [...tallies.values()] };
}

/**
 * Which register accesses of a batch the hardware panel needs as objects: an adapter's last access
 * before each of its snapshots (a snapshot keeps the access before it), and its last in the batch.
 */
function lastAccesses(events: readonly SimEvent[]): Uint8Array {
  const keep = new Uint8Array(events.length);
  /** Adapters with a later access before their next snapshot (scanning backwards). */
  const later = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.kind === 'hw.snapshot') later.delete(event.adapter);
    else if (event.kind === 'hw.register') {
      if (!later.has(event.adapter)) keep[i] = 1;
      later.add(event.adapter);
    }
  }
  return keep;
}

/** The buffers of a batch's lines, to transfer (not copy) to another thread. */
export function blockBuffers(batch: RunBatchLines): ArrayBuffer[] {
  const { lines } = batch;
  return [lines.bytes, lines.ends, lines.category, lines.kind, lines.t, lines.file, lines.line, batch.at, batch.irq, batch.dma].map((a) => a.buffer as ArrayBuffer);
}
