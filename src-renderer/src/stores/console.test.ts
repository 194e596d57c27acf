import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, SimEvent } from '../../../src-shared/contract';
import { QUERY_SETTLE_MS, useConsoleStore } from './console';
import { INPUT_QUIET_MS, inputArrived } from './publish-clock';

let seq = 0;
const runEvents = (runId: string, events: SimEvent[]): LabEvent => ({ kind: 'run.events', seq: ++seq, runId, events });
const lines = (store: ReturnType<typeof useConsoleStore>, id: Parameters<ReturnType<typeof useConsoleStore>['shown']>[0]): string[] => {
  const shown = store.shown(id);
  return Array.from({ length: shown.length }, (_, i) => store.store.text(shown.at(i)));
};

const LIFE: SimEvent[] = [
  { kind: 'run.started', t: 0, driver: 'driver', seed: 1, scenario: 'default', faults: [] },
  { kind: 'scenario.step', t: 0, index: 0, step: 'load', status: 'started' },
  { kind: 'ndis.call', t: 10, api: 'NdisMRegisterMiniportDriver', args: ['DriverObject=0x00001000'], result: 'NDIS_STATUS_SUCCESS', irql: 0, file: 'miniport.c', line: 88 },
  { kind: 'debug.print', t: 12, text: 'LabNic: hello\nsecond line\n' },
  { kind: 'adapter.state', t: 20, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
  { kind: 'hw.register', t: 25, adapter: 'adapter0', space: 'memory', op: 'write', offset: 0x3818, size: 4, value: 4, register: 'TDT', file: 'hardware.c', line: 140 },
  { kind: 'hw.interrupt', t: 26, adapter: 'adapter0', outcome: 'claimed', dpc: true },
  { kind: 'finding', t: 30, rule: 'HALT-TIMER', severity: 'stop', message: 'a timer is still set', doc: 'https://learn.microsoft.com/x', file: 'driver.c', line: 209 },
  { kind: 'adapter.state', t: 40, adapter: 'adapter0', from: 'Initializing', to: 'Paused' },
  { kind: 'run.finished', t: 50, result: 'findings', findings: 1 },
];

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('the console store', () => {
  it('turns events into lines in slices: each console shows its kinds, with the event\'s number in its run and source line', () => {
    const consoles = useConsoleStore();
    consoles.append([{ kind: 'engine.heartbeat', seq: ++seq, uptimeMs: 1500 }, runEvents('run-1', LIFE.slice(0, 6)), runEvents('run-1', LIFE.slice(6))]);
    expect(consoles.backlog()).toBe(11);
    expect(consoles.store.count).toBe(0);
    consoles.ingest(Number.POSITIVE_INFINITY);
    expect(consoles.backlog()).toBe(0);
    expect(consoles.lineCount('all')).toBe(11);
    expect(lines(consoles, 'debug')).toEqual(['    0.001 ms  DbgPrint: LabNic: hello⏎second line']);
    expect(lines(consoles, 'hardware')).toEqual(['    0.003 ms  hw adapter0: write TDT ← 0x00000004 (hardware.c:140)', '    0.003 ms  hw adapter0: interrupt claimed, DPC queued']);
    expect(lines(consoles, 'ndis')[2]).toBe('    0.001 ms  NdisMRegisterMiniportDriver(DriverObject=0x00001000) = NDIS_STATUS_SUCCESS (miniport.c:88)');
    expect(lines(consoles, 'findings')).toEqual(['    0.003 ms  FINDING HALT-TIMER (stop): a timer is still set (driver.c:209)']);
    const call = consoles.shown('ndis').at(2);
    expect(consoles.store.site(call)).toEqual({ file: 'miniport.c', line: 88 });
    expect(consoles.store.index(call)).toBe(2);
    expect(consoles.store.runName(consoles.store.run(call))).toBe('run-1');
    // The engine's own line carries no run.
    expect(consoles.store.text(consoles.shown('all').at(0))).toBe('engine heartbeat, up 1.5 s');
    expect(consoles.store.run(consoles.shown('all').at(0))).toBe(0);
  });

  it('keeps findings with their rule, explanation, documentation and line; sums the run up; feeds the timeline', () => {
    const consoles = useConsoleStore();
    consoles.append([runEvents('run-3', LIFE)]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    expect(consoles.findings).toEqual([
      { lineId: 7, runId: 'run-3', index: 7, t: 30, kind: 'finding', rule: 'HALT-TIMER', severity: 'stop', message: 'a timer is still set', doc: 'https://learn.microsoft.com/x', file: 'driver.c', line: 209 },
    ]);
    const timeline = consoles.timeline;
    expect(timeline.lanes.map((l) => l.changes.map((c) => consoles.store.text(c.lineId).trim()))).toEqual([['0.002 ms  adapter adapter0: Halted → Initializing', '0.004 ms  adapter adapter0: Initializing → Paused']]);
    expect([timeline.irq.length, timeline.dma.length, timeline.findings.length, timeline.finished]).toEqual([1, 1, 1, true]);
    expect(consoles.summary).toMatchObject({ runId: 'run-3', clock: 50, events: 10, adapters: [{ name: 'adapter0', state: 'Paused' }], findings: 1, bugcheck: undefined, step: { index: 0, name: 'load' }, finished: true });
  });

  it('a bug check is listed with its code, parameters and the documentation of the finding behind it', () => {
    const consoles = useConsoleStore();
    consoles.append([
      runEvents('run-4', [
        LIFE[7]!,
        { kind: 'bugcheck', t: 31, code: 0x7c, params: [0x10, 0, 0x1234, 0], rule: 'HALT-TIMER', message: 'a timer is still set', file: 'driver.c', line: 209 },
      ]),
    ]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    expect(consoles.findings[1]).toMatchObject({ kind: 'bugcheck', rule: 'HALT-TIMER', severity: 'bug check', message: 'BUG CHECK 0x0000007C (0x10, 0x0, 0x1234, 0x0): a timer is still set', doc: 'https://learn.microsoft.com/x', file: 'driver.c', line: 209 });
    expect(consoles.summary).toMatchObject({ findings: 1, bugcheck: '0x0000007C' });
  });

  it('searches a console (text or regex) over history and new lines; next/previous move through the matches', () => {
    const consoles = useConsoleStore();
    consoles.append([runEvents('run-1', LIFE)]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    consoles.setQuery('all', 'adapter0');
    const job = consoles.matches('all')!;
    while (!job.step(1000));
    expect(lines(consoles, 'all')).toHaveLength(4);
    consoles.append([runEvents('run-1', [{ kind: 'adapter.state', t: 60, adapter: 'adapter0', from: 'Paused', to: 'Halted' }])]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    expect(lines(consoles, 'all')).toHaveLength(5);
    // Find mode: every line shown, the matches walked through.
    consoles.setOnlyMatching('all', false);
    expect(consoles.shown('all').length).toBe(11);
    const first = consoles.stepMatch('all', 1)!;
    expect(consoles.store.text(first)).toContain('adapter adapter0: Halted → Initializing');
    expect(consoles.consoles.all.current).toBe(0);
    consoles.stepMatch('all', -1);
    expect(consoles.consoles.all.current).toBe(4);
    consoles.setQuery('all', '/^\\s+[\\d.]+ ms  hw /');
    while (!consoles.matches('all')!.step(1000));
    expect(consoles.matches('all')!.length).toBe(2);
    consoles.setQuery('all', '/(/');
    expect(consoles.queries.all?.kind).toBe('invalid');
    expect(consoles.matches('all')).toBeUndefined();
    consoles.setQuery('all', '');
    expect(consoles.queries.all).toBeUndefined();
  });

  it('selecting a line shows it in a console that has it, and lifts a filter that hides it', () => {
    const consoles = useConsoleStore();
    consoles.append([runEvents('run-1', LIFE)]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    consoles.active = 'debug';
    const irq = consoles.timeline.irq.ids[0]!;
    consoles.select(irq);
    expect(consoles.active).toBe('hardware');
    expect(consoles.selected).toBe(irq);
    consoles.setQuery('hardware', 'TDT');
    while (!consoles.matches('hardware')!.step(1000));
    consoles.select(irq);
    expect(consoles.consoles.hardware.onlyMatching).toBe(false);
    consoles.select(consoles.timeline.findings.ids[0]!);
    expect(consoles.active).toBe('findings');
    // A line of the engine goes to All.
    consoles.append([{ kind: 'engine.heartbeat', seq: ++seq, uptimeMs: 1 }]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    consoles.select(consoles.store.end - 1);
    expect(consoles.active).toBe('all');
  });

  it('a session replayed from a file goes in like a live one; clear forgets the lines, not the numbering', () => {
    const consoles = useConsoleStore();
    consoles.appendRun('run-7', LIFE);
    consoles.ingest(Number.POSITIVE_INFINITY);
    expect(consoles.lineCount('all')).toBe(10);
    expect(consoles.timeline.runId).toBe('run-7');
    consoles.clear();
    expect([consoles.lineCount('all'), consoles.findings.length]).toEqual([0, 0]);
    consoles.appendRun('run-7', LIFE.slice(0, 1));
    consoles.ingest(Number.POSITIVE_INFINITY);
    // The run goes on from its 11th event.
    expect(consoles.store.index(consoles.shown('all').at(0))).toBe(10);
  });
});

describe('typing into a search box', () => {
  it('shows the text at once and starts one search when the typing settles; Enter starts it at once', async () => {
    setActivePinia(createPinia());
    const consoles = useConsoleStore();
    consoles.append([runEvents('run-1', LIFE)]);
    consoles.ingest(Number.POSITIVE_INFINITY);
    consoles.typeQuery('all', 'a');
    // The first key searches at once.
    expect(consoles.matches('all')?.query.source).toBe('a');
    consoles.typeQuery('all', 'ad');
    consoles.typeQuery('all', 'adapter0: I');
    expect(consoles.consoles.all.query).toBe('adapter0: I');
    expect(consoles.matches('all')?.query.source).toBe('a');
    await new Promise((resolve) => setTimeout(resolve, QUERY_SETTLE_MS + 50));
    expect(consoles.matches('all')?.query.source).toBe('adapter0: I');
    consoles.typeQuery('all', 'adapter0: Initializing →');
    consoles.typeQuery('all', 'adapter0: Initializing → P');
    consoles.settleQuery('all');
    const job = consoles.matches('all')!;
    expect(job.query.source).toBe('adapter0: Initializing → P');
    while (!job.done) job.step(Number.POSITIVE_INFINITY);
    expect(consoles.stepMatch('all', 1)).toBe(8);
  });

  it('lets an input\'s frame go first: ingest and search slices wait out the quiet period after a key or click', async () => {
    const consoles = useConsoleStore();
    const waitFor = async (done: () => boolean): Promise<number> => {
      const began = performance.now();
      while (!done() && performance.now() - began < 2000) await new Promise((resolve) => setTimeout(resolve, 2));
      return performance.now() - began;
    };
    inputArrived();
    const asked = performance.now();
    consoles.append([runEvents('run-1', LIFE)]);
    await new Promise((resolve) => setTimeout(resolve, INPUT_QUIET_MS / 2));
    expect(consoles.store.count).toBe(0);
    await waitFor(() => consoles.store.count === LIFE.length);
    expect(consoles.store.count).toBe(LIFE.length);
    expect(performance.now() - asked).toBeGreaterThanOrEqual(INPUT_QUIET_MS - 2);

    // A search typed now starts over history once the key's quiet period is over.
    inputArrived();
    const typed = performance.now();
    consoles.setQuery('all', 'adapter0');
    await new Promise((resolve) => setTimeout(resolve, INPUT_QUIET_MS / 2));
    expect(consoles.matches('all')!.done).toBe(false);
    await waitFor(() => consoles.matches('all')!.done);
    expect(consoles.matches('all')!.length).toBe(4);
    expect(performance.now() - typed).toBeGreaterThanOrEqual(INPUT_QUIET_MS - 2);
  });
});
