import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, SimEvent } from '../../../src-shared/contract';
import { LabClient, type Disposable, type FrameTransport } from '../../../src-shared/rpc';
import { encodeRunBatch, MODEL_KINDS } from '../consoles/line-block';
import { LineStore } from '../consoles/line-store';
import { HardwareModel } from '../bench/hardware-model';
import { useConsoleStore } from '../stores/console';
import { TimelineModel } from '../timeline/timeline-model';
import { FrameQueue, MAX_QUIET_MS, readFrame, type CheckedEventsFrame, type CheckedRunEvents } from './event-pipeline';

const LIFE: SimEvent[] = [
  { kind: 'run.started', t: 0, driver: 'driver', seed: 1, scenario: 'default', faults: [] },
  { kind: 'scenario.step', t: 0, index: 0, step: 'load', status: 'started' },
  { kind: 'ndis.call', t: 10, api: 'NdisMRegisterMiniportDriver', args: ['DriverObject=0x00001000'], result: 'NDIS_STATUS_SUCCESS', irql: 0, file: 'miniport.c', line: 88 },
  { kind: 'debug.print', t: 12, text: 'LabNic: héllo ✓ 𝄞\nsecond line\n', file: 'miniport.c', line: 90 },
  { kind: 'adapter.state', t: 20, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
  { kind: 'hw.register', t: 25, adapter: 'adapter0', space: 'memory', op: 'write', offset: 0x3818, size: 4, value: 4, register: 'TDT', file: 'hardware.c', line: 140 },
  { kind: 'hw.interrupt', t: 26, adapter: 'adapter0', outcome: 'claimed', dpc: true },
  { kind: 'wire.frame', t: 27, adapter: 'adapter0', direction: 'rx', length: 64, head: '024c41420001024c4142000288b5' },
  { kind: 'finding', t: 30, rule: 'HALT-TIMER', severity: 'stop', message: 'a timer is still set', doc: 'https://learn.microsoft.com/x', file: 'driver.c', line: 209 },
  { kind: 'adapter.state', t: 40, adapter: 'adapter0', from: 'Initializing', to: 'Paused' },
  { kind: 'run.finished', t: 50, result: 'findings', findings: 1 },
];

const eventsText = (events: unknown[]): string => JSON.stringify({ t: 'events', events });

beforeEach(() => setActivePinia(createPinia()));

describe('the socket worker pipeline', () => {
  it('makes the lines of a run batch exactly as the store makes them one by one, and keeps only the events the models fold', () => {
    const batch = encodeRunBatch(LIFE);
    const fromBlock = new LineStore({ chunkLines: 4, maxChunks: 8 });
    const oneByOne = new LineStore({ chunkLines: 4, maxChunks: 8 });
    fromBlock.appendBlock(batch.lines, 0, 5, 1, 100);
    fromBlock.appendBlock(batch.lines, 5, LIFE.length, 1, 105);
    const consoles = useConsoleStore();
    consoles.appendRun('run-1', LIFE);
    consoles.ingest(Number.POSITIVE_INFINITY);
    for (let id = 0; id < LIFE.length; id++) {
      oneByOne.append(consoles.store.text(id), { category: consoles.store.category(id), kind: consoles.store.kind(id), t: consoles.store.t(id), run: 1, index: 100 + id, ...consoles.store.site(id) });
    }
    for (let id = 0; id < LIFE.length; id++) {
      expect([fromBlock.text(id), fromBlock.category(id), fromBlock.kind(id), fromBlock.t(id), fromBlock.index(id), fromBlock.site(id)]).toEqual([oneByOne.text(id), oneByOne.category(id), oneByOne.kind(id), oneByOne.t(id), oneByOne.index(id), oneByOne.site(id)]);
    }
    expect(fromBlock.text(3)).toBe('    0.001 ms  DbgPrint: LabNic: héllo ✓ 𝄞⏎second line (miniport.c:90)');
    // The model kinds as objects, but the interrupt (an IRQ mark and a count) …
    const modelled = (e: SimEvent): boolean => MODEL_KINDS.has(e.kind) && e.kind !== 'hw.interrupt';
    expect(batch.events.map((e) => e.kind)).toEqual(LIFE.filter(modelled).map((e) => e.kind));
    expect(Array.from(batch.at)).toEqual(LIFE.flatMap((e, i) => (modelled(e) ? [i] : [])));
    expect(Array.from(batch.irq)).toEqual([6]);
    // … and the TDT write is a DMA mark, kept as an object too: it is the adapter's last access.
    expect(Array.from(batch.dma)).toEqual([5]);
    expect(batch.hardware).toEqual([{ adapter: 'adapter0', accesses: 0, interrupts: { claimed: 1 } }]);
    // The transferred text holds no spare room.
    expect(batch.lines.bytes.length).toBe(batch.lines.ends[LIFE.length - 1]);
  });

  it('validates every event and reports a bad one by position, with what is wrong; the others go on', () => {
    const bad = { seq: 2, kind: 'run.events', runId: 'run-1', events: [{ kind: 'hw.interrupt', t: -1, adapter: 'adapter0', outcome: 'claimed' }] };
    const { frames, transfer } = readFrame(eventsText([{ seq: 1, kind: 'engine.heartbeat', uptimeMs: 5 }, bad, { seq: 3, kind: 'run.events', runId: 'run-1', events: LIFE }]));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ t: 'error', error: { code: 'E_SCHEMA', message: expect.stringContaining('invalid event from the engine: events[1].events[0].t') } });
    const events = (frames[1] as CheckedEventsFrame).events;
    expect(events.map((e) => e.seq)).toEqual([1, 3]);
    const run = events[1] as CheckedRunEvents;
    expect(run.lines?.count).toBe(LIFE.length);
    expect(run.events).toHaveLength(LIFE.filter((e) => MODEL_KINDS.has(e.kind) && e.kind !== 'hw.interrupt').length);
    // Every buffer of the lines is in the transfer list (a copy would cost the window what the worker saved).
    expect(transfer).toContain(run.lines!.bytes.buffer);
    expect(transfer).toContain(run.at!.buffer);
    expect(transfer).toContain(run.irq!.buffer);
    expect(transfer).toContain(run.dma!.buffer);
  });

  it('gives the hardware panel and the timeline what all the events would: the last access before each snapshot, the counts, every IRQ and DMA mark', () => {
    // A busy stretch: register accesses and interrupts on two adapters, with snapshots between them.
    const busy: SimEvent[] = [
      { kind: 'run.started', t: 0, driver: 'driver', seed: 1, scenario: 'default', faults: [] },
      { kind: 'adapter.state', t: 1, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
      { kind: 'adapter.state', t: 2, adapter: 'adapter1', from: 'Halted', to: 'Initializing' },
    ];
    for (let i = 0; i < 300; i++) {
      const adapter = i % 3 ? 'adapter0' : 'adapter1';
      const t = 10 + i;
      if (i % 7 === 0) busy.push({ kind: 'hw.interrupt', t, adapter, outcome: i % 14 ? 'claimed' : 'not-claimed', dpc: i % 14 !== 0 });
      else busy.push({ kind: 'hw.register', t, adapter, space: 'memory', op: i % 2 ? 'write' : 'read', offset: 0x3818 + (i % 4) * 4, size: 4, value: i, register: ['TDT', 'RDT', 'ICR', 'IMS'][i % 4] });
      if (i % 50 === 49) busy.push({ kind: 'hw.snapshot', t, adapter, device: 'LabNIC', registers: [], irq: { asserted: false, causes: 0, mask: 0, messageBased: true, raised: 0, isrCalls: 0 }, rings: [], pci: '', link: 'up', faults: [] });
    }
    const all = new HardwareModel();
    all.apply('run-1', busy);
    const viaBlocks = new HardwareModel();
    const timelineAll = new TimelineModel();
    busy.forEach((event, i) => timelineAll.add('run-1', event, i));
    const timelineBlocks = new TimelineModel();
    for (let from = 0; from < busy.length; from += 64) {
      const batch = encodeRunBatch(busy.slice(from, from + 64));
      viaBlocks.apply('run-1', batch.events);
      viaBlocks.tally('run-1', batch.hardware);
      for (const k of batch.irq) timelineBlocks.mark('run-1', 'irq', busy[from + k]!.t, from + k);
      for (const k of batch.dma) timelineBlocks.mark('run-1', 'dma', busy[from + k]!.t, from + k);
      // The events the window folds are a small share of a busy stretch.
      expect(batch.events.length).toBeLessThan(8);
    }
    const view = (m: HardwareModel) => [...m.adapters.values()].map((a) => ({ name: a.name, accesses: a.accesses, interrupts: a.interrupts, lastAccess: a.lastAccess, snapshots: a.snapshots.map((s) => s.lastAccess) }));
    expect(view(viaBlocks)).toEqual(view(all));
    expect(view(all)[0]!.snapshots.length).toBeGreaterThan(0);
    const marks = (m: TimelineModel) => ({ irq: Array.from(m.irq.ids.subarray(0, m.irq.length)), dma: Array.from(m.dma.ids.subarray(0, m.dma.length)), t: Array.from(m.dma.t.subarray(0, m.dma.length)) });
    expect(marks(timelineBlocks)).toEqual(marks(timelineAll));
    expect(marks(timelineAll).dma.length).toBeGreaterThan(50);
  });

  it('passes other frames on unvalidated for the client, and text that is not JSON as an unparseable frame', () => {
    expect(readFrame('{"t":"result","id":1,"ok":true,"output":{}}').frames).toEqual([{ t: 'result', id: 1, ok: true, output: {} }]);
    expect(readFrame('{not json').frames).toEqual([{ t: 'unparseable', text: '{not json' }]);
  });

  it('feeds the client and the console store: the same lines, findings, timeline and summary as events validated on the main thread', async () => {
    const listeners: Array<(frame: unknown) => void> = [];
    const sent: unknown[] = [];
    const transport: FrameTransport = {
      checksEvents: true,
      send: (frame) => {
        sent.push(frame);
        if ((frame as { t: string }).t === 'hello') queueMicrotask(() => deliver(JSON.stringify({ t: 'welcome', contract: (frame as { contract: number }).contract, engine: { name: 'e', version: '1' }, lastSeq: 0 })));
      },
      onFrame: (listener): Disposable => (listeners.push(listener), { dispose: () => undefined }),
      onClose: (): Disposable => ({ dispose: () => undefined }),
      close: () => undefined,
    };
    const deliver = (text: string): void => {
      for (const frame of readFrame(text).frames) for (const l of listeners) l(frame);
    };
    const client = await LabClient.connect(transport);
    const errors: string[] = [];
    client.onError((e) => errors.push(e.message));
    const received: LabEvent[][] = [];
    client.onEvents((events) => received.push(events));
    deliver(eventsText([{ seq: 1, kind: 'run.events', runId: 'run-2', events: LIFE.slice(0, 4) }, { seq: 2, kind: 'run.events', runId: 'run-2', events: LIFE.slice(4) }]));
    deliver(eventsText([{ seq: 4, kind: 'engine.heartbeat', uptimeMs: 5 }]));
    expect(errors).toEqual(['event sequence gap: expected 3, got 4']);

    const viaWorker = useConsoleStore();
    for (const events of received) viaWorker.append(events);
    viaWorker.ingest(Number.POSITIVE_INFINITY);
    setActivePinia(createPinia());
    const direct = useConsoleStore();
    direct.append([{ seq: 1, kind: 'run.events', runId: 'run-2', events: LIFE }, { seq: 4, kind: 'engine.heartbeat', uptimeMs: 5 }]);
    direct.ingest(Number.POSITIVE_INFINITY);

    const all = (s: typeof direct): string[] => Array.from({ length: s.shown('all').length }, (_, i) => s.store.text(s.shown('all').at(i)));
    expect(all(viaWorker)).toEqual(all(direct));
    expect(all(viaWorker)).toHaveLength(LIFE.length + 1);
    expect(viaWorker.findings).toEqual(direct.findings);
    expect(viaWorker.summary).toEqual(direct.summary);
    expect(viaWorker.summary).toMatchObject({ runId: 'run-2', clock: 50, events: LIFE.length, finished: true });
    const shape = (s: typeof direct) => ({ lanes: s.timeline.lanes, tEnd: s.timeline.tEnd, irq: Array.from(s.timeline.irq.ids.subarray(0, s.timeline.irq.length)), dma: s.timeline.dma.length, finished: s.timeline.finished });
    expect(shape(viaWorker)).toEqual(shape(direct));
  });

  it('tests lines made in the worker against a search under way', () => {
    const consoles = useConsoleStore();
    consoles.setQuery('all', 'adapter0: Initializing');
    const batch = encodeRunBatch(LIFE);
    consoles.append([{ seq: 1, kind: 'run.events', runId: 'run-1', events: batch.events, lines: batch.lines, at: batch.at } as CheckedRunEvents]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    const job = consoles.matches('all')!;
    expect(Array.from({ length: job.length }, (_, i) => consoles.store.text(job.at(i)))).toEqual(['    0.004 ms  adapter adapter0: Initializing → Paused']);
  });
});

/** A FrameQueue on a fake clock: tasks run when `run` is called, timers when the clock reaches them. */
function queueOnFakeClock(): { queue: FrameQueue; handled: string[]; advance: (ms: number) => void } {
  let now = 0;
  const handled: string[] = [];
  let pending: Array<{ at: number; callback: () => void }> = [];
  const queue = new FrameQueue(
    (text) => handled.push(text),
    (callback, delayMs) => pending.push({ at: now + delayMs, callback }),
    () => now,
  );
  /** Moves the clock on, running every task due by then, in order. */
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      const due = pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      pending = pending.filter((p) => p !== due);
      now = Math.max(now, due.at);
      due.callback();
    }
    now = end;
  };
  return { queue, handled, advance };
}

describe('the socket worker frame queue', () => {
  it('reads frames in order, one per task, so a quiet request is seen between two frames', () => {
    const { queue, handled, advance } = queueOnFakeClock();
    queue.push('a');
    queue.push('b');
    queue.push('c');
    expect(handled).toEqual([]);
    advance(0);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(queue.length).toBe(0);
  });

  it('holds frames back while the window asks for quiet, then reads them in order; what follows the last frame waits for it', () => {
    const { queue, handled, advance } = queueOnFakeClock();
    queue.push('a');
    queue.quiet(50);
    queue.push('b');
    let closed = false;
    queue.after(() => {
      closed = true;
    });
    advance(49);
    expect(handled).toEqual([]);
    expect(closed).toBe(false);
    // A second input during the quiet period extends it from its own time.
    queue.quiet(50);
    advance(40);
    expect(handled).toEqual([]);
    advance(10);
    expect(handled).toEqual(['a', 'b']);
    expect(closed).toBe(true);
  });

  it('goes on at once when the window says the quiet is over (the input\'s frame is out)', () => {
    const { queue, handled, advance } = queueOnFakeClock();
    queue.quiet(MAX_QUIET_MS);
    queue.push('a');
    advance(30);
    expect(handled).toEqual([]);
    queue.quiet(0);
    advance(0);
    expect(handled).toEqual(['a']);
  });

  it('never holds the stream back longer than MAX_QUIET_MS, whatever it is asked', () => {
    const { queue, handled, advance } = queueOnFakeClock();
    queue.quiet(60_000);
    queue.push('a');
    advance(MAX_QUIET_MS - 1);
    expect(handled).toEqual([]);
    advance(1);
    expect(handled).toEqual(['a']);
    // Not a number: no quiet at all.
    queue.quiet(Number.NaN);
    queue.push('b');
    advance(0);
    expect(handled).toEqual(['a', 'b']);
  });

  it('goes on with the next frame when one throws', () => {
    const handled: string[] = [];
    const tasks: Array<() => void> = [];
    const queue = new FrameQueue(
      (text) => {
        if (text === 'bad') throw new Error('unreadable');
        handled.push(text);
      },
      (callback) => tasks.push(callback),
      () => 0,
    );
    queue.push('bad');
    queue.push('good');
    expect(() => tasks.shift()!()).toThrow('unreadable');
    tasks.shift()!();
    expect(handled).toEqual(['good']);
  });
});
