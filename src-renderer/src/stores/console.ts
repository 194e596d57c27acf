import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef } from 'vue';
import type { LabEvent, SimEvent } from '../../../src-shared/contract';
import { ALL_CATEGORIES, Category, describeEngine } from '../consoles/describe';
import type { FindingRecord } from '../consoles/findings';
import { hex } from '../bench/hardware-model';
import { encodeRunBatch, type LineBlock } from '../consoles/line-block';
import { LineStore, type LineView } from '../consoles/line-store';
import { parseQuery, SearchJob, type Query } from '../consoles/search';
import { TimelineModel } from '../timeline/timeline-model';
import type { CheckedRunEvents } from '../transport/event-pipeline';
import { useEngineStore } from './engine';
import { afterQuiet, publishOnTick, quietRemaining } from './publish-clock';

/** The consoles, each a view on the same lines by category. `testid` is the console's data-testid. */
export const CONSOLES = [
  { id: 'all', label: 'All', mask: ALL_CATEGORIES, testid: 'console-engine', title: 'every line: engine, run, NDIS, debug, hardware, findings' },
  { id: 'ndis', label: 'NDIS calls', mask: Category.Ndis | Category.Run, testid: 'console-ndis', title: 'NDIS calls with arguments and results, callbacks, states, OIDs, NBLs, resources, registry, scenario steps' },
  { id: 'debug', label: 'Debug output', mask: Category.Debug, testid: 'console-debug', title: "the driver's DbgPrint output" },
  { id: 'hardware', label: 'Hardware', mask: Category.Hardware, testid: 'console-hardware', title: 'register accesses, interrupts, DMA rings, snapshots, hardware faults, frames on the wire' },
  { id: 'findings', label: 'Findings', mask: Category.Finding, testid: 'findings-list', title: 'checker findings and bug checks' },
] as const;
export type ConsoleId = (typeof CONSOLES)[number]['id'];

/** Findings kept for the findings console (apart from the lines, so chatter never pushes them out). */
export const MAX_FINDINGS = 100_000;

/** The run the window follows (the newest), summed up for the status bar. */
export interface RunSummary {
  runId: string | undefined;
  /** Virtual time of its latest event, 100 ns ticks. */
  clock: number;
  events: number;
  adapters: Array<{ name: string; state: string }>;
  bindings: Array<{ name: string; state: string }>;
  /** Checker findings (bug checks apart). */
  findings: number;
  /** The bug check that stopped the run, if one did: "0x0000007C". */
  bugcheck: string | undefined;
  /** The scenario step under way (index from 0, name), if any. */
  step: { index: number; name: string } | undefined;
  finished: boolean;
}

interface ConsoleState {
  query: string;
  /** Show only the matching lines (filter), or every line with the matches marked (find). */
  onlyMatching: boolean;
  /** The match the next/previous buttons are at, as an index into the matches. */
  current: number;
}


/** The first position of the ascending `list` holding a value ≥ `value`. */
function lowerBound(list: Int32Array, value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keys typed into a search box less than this apart start one search, when the typing settles, ms. */
export const QUERY_SETTLE_MS = 150;

/** Search slices: this long each, with a pause between for input and painting. */
const SEARCH_SLICE_MS = 5;
/** Ingest slices (events becoming lines): this long each. */
const INGEST_SLICE_MS = 6;

/**
 * The session's log as the window shows it: every event becomes a console line in a compact store
 * (consoles/line-store.ts), checker findings a record, and the newest run's states and markers feed
 * the timeline. Nothing per line is reactive: `version` moves at most once per animation frame
 * and the views read what they show.
 */
export const useConsoleStore = defineStore('console', () => {
  // markRaw: the store hands these out as they are, never as deep reactive proxies (a million lines).
  const store = markRaw(new LineStore());
  const timeline = markRaw(new TimelineModel());
  const findings: FindingRecord[] = markRaw([]);
  let findingsDropped = 0;
  const summary: RunSummary = { runId: undefined, clock: 0, events: 0, adapters: [], bindings: [], findings: 0, bugcheck: undefined, step: undefined, finished: false };
  const adapterStates = new Map<string, string>();
  const bindingStates = new Map<string, string>();
  /** Events seen per run (an event's index in its run). */
  const runEvents = new Map<string, number>();

  /**
   * Moves when lines, findings, timeline or summary changed: at most once per animation frame, and
   * while events stream at most every PUBLISH_INTERVAL_MS of publish-clock.ts, with the hardware panel (a log scrolling at 25 frames a second
   * reads as smoothly as at 60, and leaves the frames in between to input and everything else).
   */
  const version = ref(0);
  const bump = (): void => void version.value++;
  function publish(): void {
    publishOnTick(bump);
  }

  const active = ref<ConsoleId>('all');
  const consoles = reactive(Object.fromEntries(CONSOLES.map((c) => [c.id, { query: '', onlyMatching: true, current: -1 } satisfies ConsoleState]))) as Record<ConsoleId, ConsoleState>;
  const views = Object.fromEntries(CONSOLES.map((c) => [c.id, store.view(c.mask)])) as Record<ConsoleId, LineView>;
  /** The running or finished search of each console with a query; not reactive (jobs change per slice). */
  const jobs = new Map<ConsoleId, SearchJob>();
  const queries = shallowRef<Partial<Record<ConsoleId, Query>>>({});

  /** The selected line (a row clicked, a timeline mark clicked), and a counter that moves on every selection. */
  const selected = ref<number>();
  const selection = ref(0);

  store.onDrop((first) => {
    for (const job of jobs.values()) job.dropBelow(first);
  });

  // --- ingest -------------------------------------------------------------------------------
  // Events wait in a queue and become lines in slices of a few milliseconds, so that a burst of
  // tens of thousands (a fast run) never holds the window for longer than a slice: input and
  // painting get their turn between slices.

  /** A run batch the socket worker already made lines of (transport/event-pipeline.ts): `events` are its model kinds, `at` their lines. */
  interface Block {
    kind: 'block';
    runId: string;
    lines: LineBlock;
    events: readonly SimEvent[];
    at: Int32Array;
    /** Lines of the timeline's IRQ and DMA marks. */
    irq: Int32Array;
    dma: Int32Array;
  }
  const queue: Array<LabEvent | Block | { kind: 'replay'; runId: string; events: readonly SimEvent[] }> = [];
  let queueHead = 0;
  /** How far into the run batch at the head of the queue the lines have got. */
  let batchOffset = 0;
  let ingestScheduled = false;
  const ingestChannel = typeof MessageChannel === 'function' ? new MessageChannel() : undefined;
  if (ingestChannel) ingestChannel.port1.onmessage = () => ingest(INGEST_SLICE_MS);

  function scheduleIngest(): void {
    if (ingestScheduled) return;
    ingestScheduled = true;
    if (ingestChannel) ingestChannel.port2.postMessage(0);
    else setTimeout(() => ingest(INGEST_SLICE_MS), 0);
  }

  /** The engine's events, in order (as they arrive). */
  function append(events: LabEvent[]): void {
    for (const event of events) {
      const checked = event as CheckedRunEvents;
      if (checked.kind === 'run.events' && checked.lines && checked.at && checked.irq && checked.dma)
        queue.push({ kind: 'block', runId: checked.runId, lines: checked.lines, events: checked.events, at: checked.at, irq: checked.irq, dma: checked.dma });
      else queue.push(event);
    }
    scheduleIngest();
  }

  /** A run's events, in order, from elsewhere than the engine's stream (a session replayed from a file). */
  function appendRun(runId: string, events: readonly SimEvent[]): void {
    queue.push({ kind: 'replay', runId, events });
    scheduleIngest();
  }

  /** Events waiting to become lines. */
  function backlog(): number {
    let n = 0;
    for (let i = queueHead; i < queue.length; i++) {
      const e = queue[i]!;
      n += e.kind === 'block' ? e.lines.count : e.kind === 'run.events' || e.kind === 'replay' ? e.events.length : 1;
    }
    return n - batchOffset;
  }

  /** Turns queued events into lines for up to `budgetMs` (Infinity: all of them, for tests). */
  function ingest(budgetMs: number): void {
    // Right after an input, its frame comes first: the slice waits for the quiet period to end.
    if (Number.isFinite(budgetMs) && quietRemaining() > 0) {
      afterQuiet(() => ingest(budgetMs));
      return;
    }
    ingestScheduled = false;
    const deadline = performance.now() + budgetMs;
    let changed = false;
    while (queueHead < queue.length) {
      let event = queue[queueHead]!;
      // A batch that came as objects (Electron, a replayed file) becomes lines here, as the socket worker makes them.
      if (event.kind === 'run.events' || event.kind === 'replay') event = queue[queueHead] = asBlock(event.runId, event.events);
      if (event.kind === 'block') {
        // Lines made in the worker: copying them is cheap, so more go per check of the clock.
        const end = Math.min(event.lines.count, batchOffset + 512);
        addBlockLines(event, batchOffset, end);
        batchOffset = end;
        if (batchOffset >= event.lines.count) {
          queueHead++;
          batchOffset = 0;
        }
      } else {
        addLine(describeEngine(event), { category: Category.Engine, kind: 0, t: -1, run: 0, index: event.seq });
        queueHead++;
      }
      changed = true;
      if (performance.now() >= deadline) break;
    }
    if (queueHead >= queue.length) {
      queue.length = 0;
      queueHead = 0;
    } else if (queueHead > 1024) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
    if (changed) publish();
    if (queueHead < queue.length) scheduleIngest();
  }

  function asBlock(runId: string, events: readonly SimEvent[]): Block {
    const batch = encodeRunBatch(events);
    return { kind: 'block', runId, lines: batch.lines, events: batch.events, at: batch.at, irq: batch.irq, dma: batch.dma };
  }

  /** Lines `from` … `to` of a worker-made block, and the model events among them, as addRunEvents would add them. */
  function addBlockLines(block: Block, from: number, to: number): void {
    const { runId, lines, events, at } = block;
    const run = store.runNumber(runId);
    const index = runEvents.get(runId) ?? 0;
    const first = store.appendBlock(lines, from, to, run, index);
    // Searches under way test the new lines as they come (in their bytes, where the query allows).
    for (const job of jobs.values()) job.offerBytes(first, lines.bytes, lines.ends, lines.category, from, to);
    // The model events of the range, and its IRQ and DMA marks: the first of each at or after `from` (all ascend).
    let e = lowerBound(at, from);
    let q = lowerBound(block.irq, from);
    let d = lowerBound(block.dma, from);
    for (let k = from; k < to; k++) {
      const id = first + (k - from);
      if (q < block.irq.length && block.irq[q] === k) {
        q++;
        timeline.mark(runId, 'irq', lines.t[k]!, id);
      }
      if (d < block.dma.length && block.dma[d] === k) {
        d++;
        timeline.mark(runId, 'dma', lines.t[k]!, id);
      }
      if (e < at.length && at[e] === k) {
        const event = events[e++]!;
        // A register access kept for the hardware panel was marked above (DMA) from the block's own list; interrupts never come as objects.
        if (event.kind !== 'hw.register') timeline.add(runId, event, id);
        if (timeline.runId === runId) follow(runId, event);
        if (event.kind === 'finding' || event.kind === 'bugcheck') addFinding(runId, index + (k - from), event, id);
      } else {
        const t = lines.t[k]!;
        timeline.advance(runId, t);
        if (timeline.runId === runId) followTime(runId, t);
      }
    }
    runEvents.set(runId, index + (to - from));
  }

  function addLine(text: string, meta: Parameters<LineStore['append']>[1]): number {
    const id = store.append(text, meta);
    for (const job of jobs.values()) job.offer(id, text, meta.category);
    return id;
  }

  function addFinding(runId: string, index: number, event: Extract<SimEvent, { kind: 'finding' | 'bugcheck' }>, lineId: number): void {
    if (event.kind === 'finding') {
      findings.push({ lineId, runId, index, t: event.t, kind: 'finding', rule: event.rule, severity: event.severity, message: event.message, doc: event.doc, file: event.file, line: event.line });
    } else {
      // The bug check that stopped the system: its code and parameters, and the documentation of the finding that caused it.
      const code = hex(event.code);
      const params = event.params.map((p) => `0x${(p >>> 0).toString(16).toUpperCase()}`).join(', ');
      const cause = findings.findLast((f) => f.runId === runId && f.kind === 'finding' && f.rule === event.rule);
      findings.push({ lineId, runId, index, t: event.t, kind: 'bugcheck', rule: event.rule ?? code, severity: 'bug check', message: `BUG CHECK ${code} (${params}): ${event.message}`, doc: cause?.doc, file: event.file, line: event.line });
    }
    if (findings.length > MAX_FINDINGS) {
      const excess = findings.length - MAX_FINDINGS;
      findings.splice(0, excess);
      findingsDropped += excess;
    }
  }

  /** Keeps the newest run's summary for the status bar. */
  function follow(runId: string, event: SimEvent): void {
    followTime(runId, event.t);
    switch (event.kind) {
      case 'adapter.state':
        adapterStates.set(event.adapter, event.to);
        summary.adapters = [...adapterStates].map(([name, state]) => ({ name, state }));
        break;
      case 'binding.state':
        bindingStates.set(`${event.protocol} over ${event.lower}`, event.to);
        summary.bindings = [...bindingStates].map(([name, state]) => ({ name, state }));
        break;
      case 'finding':
        summary.findings++;
        break;
      case 'bugcheck':
        summary.bugcheck = hex(event.code);
        break;
      case 'scenario.step':
        // The scenario's progress: a live step (run.act) happens inside one of its steps.
        if (event.status === 'started' && !event.live) summary.step = { index: event.index, name: event.step };
        break;
      case 'run.finished':
        summary.finished = true;
        break;
      default:
        break;
    }
  }

  /** The summary's event count and clock, for any event of the run. */
  function followTime(runId: string, t: number): void {
    if (summary.runId !== runId) {
      summary.runId = runId;
      summary.events = 0;
      summary.findings = 0;
      summary.bugcheck = undefined;
      summary.step = undefined;
      summary.finished = false;
      adapterStates.clear();
      bindingStates.clear();
    }
    summary.events++;
    summary.clock = t;
  }

  // --- search --------------------------------------------------------------------------------

  let searching = false;
  const searchProgress = ref(1);
  /** Runs unfinished search jobs a slice at a time until all are done. */
  function runSearches(): void {
    if (searching) return;
    searching = true;
    const slice = (): void => {
      if (quietRemaining() > 0) {
        afterQuiet(slice);
        return;
      }
      let pending = 0;
      let remaining = 0;
      let total = 0;
      const started = performance.now();
      for (const job of jobs.values()) {
        if (job.done) continue;
        const budget = SEARCH_SLICE_MS - (performance.now() - started);
        if (budget > 0) job.step(budget);
        if (!job.done) pending++;
        remaining += job.remaining;
        total += job.boundary - store.first;
      }
      searchProgress.value = total > 0 ? 1 - remaining / total : 1;
      publish();
      if (pending > 0) setTimeout(slice, 0);
      else searching = false;
    };
    setTimeout(slice, 0);
  }

  /** When each console's search box last changed, and the search waiting for the typing to settle. */
  const typed = new Map<ConsoleId, { at: number; timer: ReturnType<typeof setTimeout> | undefined; text: string }>();

  /** Sets a console's search text: a new search starts over history in the background. */
  function setQuery(id: ConsoleId, text: string): void {
    const pending = typed.get(id);
    if (pending?.timer !== undefined) {
      clearTimeout(pending.timer);
      pending.timer = undefined;
    }
    const state = consoles[id];
    state.query = text;
    state.current = -1;
    const query = parseQuery(text);
    const next = { ...queries.value };
    if (query && query.kind !== 'invalid') {
      const old = jobs.get(id);
      if (!old || old.query.source !== query.source || old.query.kind !== query.kind) {
        jobs.set(id, new SearchJob(store, CONSOLES.find((c) => c.id === id)!.mask, query));
        runSearches();
      }
      next[id] = query;
    } else {
      jobs.delete(id);
      if (query) next[id] = query;
      else delete next[id];
    }
    queries.value = next;
    publish();
  }

  /**
   * The search box changed (a key typed): the box shows the text at once; the search starts at once
   * too, unless the previous key was less than QUERY_SETTLE_MS ago and its search is still going
   * through history — then it starts when the typing settles, so typing "ndism" over a million
   * lines searches them twice ("n", "ndism"), not five times.
   */
  function typeQuery(id: ConsoleId, text: string): void {
    const now = performance.now();
    const last = typed.get(id);
    if (last?.timer !== undefined) clearTimeout(last.timer);
    const running = jobs.get(id)?.done === false;
    if (!last || now - last.at >= QUERY_SETTLE_MS || !running) {
      typed.set(id, { at: now, timer: undefined, text });
      setQuery(id, text);
      return;
    }
    consoles[id].query = text;
    const timer = setTimeout(() => settleQuery(id), QUERY_SETTLE_MS);
    typed.set(id, { at: now, timer, text });
  }

  /** Starts the search typed into a console's box now, if it waits for the typing to settle. */
  function settleQuery(id: ConsoleId): void {
    const last = typed.get(id);
    if (last?.timer === undefined) return;
    clearTimeout(last.timer);
    last.timer = undefined;
    setQuery(id, last.text);
  }

  function setOnlyMatching(id: ConsoleId, value: boolean): void {
    consoles[id].onlyMatching = value;
  }

  /** The lines a console shows: all of its lines, or only the matching ones. */
  function shown(id: ConsoleId): { length: number; at(i: number): number; indexOf(lineId: number): number; lowerBound(lineId: number): number } {
    const job = jobs.get(id);
    if (job && consoles[id].onlyMatching) return job;
    return views[id].ids;
  }

  /** Lines a console holds (matching or not). */
  function lineCount(id: ConsoleId): number {
    return views[id].length;
  }

  function matches(id: ConsoleId): SearchJob | undefined {
    return jobs.get(id);
  }

  /** Moves a console's current match forward (+1) or back (-1), wrapping; returns the match's line id. */
  function stepMatch(id: ConsoleId, direction: 1 | -1): number | undefined {
    const job = jobs.get(id);
    if (!job || job.length === 0) return undefined;
    const state = consoles[id];
    if (state.current < 0 || state.current >= job.length) {
      // From the selected line, if any, else from the end (the newest lines are the ones in view).
      const from = selected.value;
      state.current = from === undefined ? (direction > 0 ? 0 : job.length - 1) : direction > 0 ? job.lowerBound(from + 1) % job.length : (job.lowerBound(from) - 1 + job.length) % job.length;
    } else state.current = (state.current + direction + job.length) % job.length;
    const lineId = job.at(state.current);
    selected.value = lineId;
    selection.value++;
    return lineId;
  }

  // --- selection ----------------------------------------------------------------------------

  /**
   * Selects a line and brings it into view: in the console shown if that console has it, else in
   * the one that has lines of its kind. A filter that hides it turns into find (every line shown).
   */
  function select(lineId: number): void {
    if (!store.has(lineId)) return;
    const category = store.category(lineId);
    const current = CONSOLES.find((c) => c.id === active.value)!;
    if (!(current.mask & category)) active.value = (CONSOLES.find((c) => c.id !== 'all' && c.mask & category) ?? CONSOLES[0]).id;
    const id = active.value;
    const job = jobs.get(id);
    if (job && consoles[id].onlyMatching && job.indexOf(lineId) < 0) consoles[id].onlyMatching = false;
    selected.value = lineId;
    selection.value++;
  }

  function clear(): void {
    store.clear();
    findingsDropped += findings.length;
    findings.length = 0;
    for (const [id, job] of jobs) jobs.set(id, new SearchJob(store, job.mask, job.query));
    selected.value = undefined;
    publish();
  }

  function start(): void {
    useEngineStore().onEvents(append);
  }

  /** Makes a computed follow the lines (which are not reactive themselves). */
  const track = (): number => version.value;

  return {
    store,
    timeline,
    /** The findings kept, oldest first (read inside something that calls track()). */
    findings: findings as readonly FindingRecord[],
    summary: computed<Readonly<RunSummary>>(() => {
      track();
      return { ...summary };
    }),
    findingsDropped: computed(() => (track(), findingsDropped)),
    version,
    active,
    consoles,
    queries,
    selected,
    selection,
    searchProgress,
    track,
    append,
    appendRun,
    backlog,
    ingest,
    setQuery,
    typeQuery,
    settleQuery,
    setOnlyMatching,
    shown,
    lineCount,
    matches,
    stepMatch,
    select,
    clear,
    start,
  };
});
