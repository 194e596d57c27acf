import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../../src-shared/contract';
import { AXIS_HEIGHT, bands, clampView, formatTickTime, fullView, hitTest, laneRows, markColumns, MIN_SPAN, panBy, STATE_LANE_HEIGHT, ticks, timeToX, xToTime, zoomAt } from './timeline-layout';
import { MarkerSeries, runOrder, TimelineModel } from './timeline-model';

const MS = 10_000;

/** An adapter's life as the simulator reports it, one console line per event from 100. */
function lifecycle(model: TimelineModel, runId = 'run-1'): void {
  const events: SimEvent[] = [
    { kind: 'run.started', t: 0, driver: 'd', seed: 1, scenario: 'default', faults: [] },
    { kind: 'adapter.state', t: 1 * MS, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
    { kind: 'adapter.state', t: 2 * MS, adapter: 'adapter0', from: 'Initializing', to: 'Paused' },
    { kind: 'hw.interrupt', t: 2.5 * MS, adapter: 'adapter0', outcome: 'claimed', dpc: true },
    { kind: 'hw.register', t: 2.6 * MS, adapter: 'adapter0', space: 'memory', op: 'write', offset: 0x3818, size: 4, value: 3, register: 'TDT' },
    { kind: 'hw.register', t: 2.7 * MS, adapter: 'adapter0', space: 'memory', op: 'write', offset: 0xd0, size: 4, value: 3, register: 'IMS' },
    { kind: 'adapter.state', t: 3 * MS, adapter: 'adapter0', from: 'Paused', to: 'Restarting' },
    { kind: 'adapter.state', t: 3 * MS, adapter: 'adapter0', from: 'Restarting', to: 'Running' },
    { kind: 'binding.state', t: 4 * MS, lower: 'lower0', protocol: 'passthru', from: 'Unbound', to: 'Opening' },
    { kind: 'finding', t: 8 * MS, rule: 'HALT-TIMER', severity: 'stop', message: 'a timer still set', doc: 'https://example.invalid', file: 'adapter.c', line: 40 },
    { kind: 'adapter.state', t: 9 * MS, adapter: 'adapter0', from: 'Running', to: 'Pausing' },
    { kind: 'run.finished', t: 10 * MS, result: 'findings', findings: 1 },
  ];
  events.forEach((e, i) => model.add(runId, e, 100 + i));
}

describe('TimelineModel', () => {
  it('folds adapter and binding states, IRQ, DMA (ring tail writes) and findings, with their console lines', () => {
    const model = new TimelineModel();
    lifecycle(model);
    expect(model.runId).toBe('run-1');
    expect(model.tEnd).toBe(10 * MS);
    expect(model.finished).toBe(true);
    expect(model.lanes.map((l) => [l.key, l.initial, l.changes.map((c) => c.state)])).toEqual([
      ['adapter:adapter0', 'Halted', ['Initializing', 'Paused', 'Restarting', 'Running', 'Pausing']],
      ['binding:passthru/lower0', 'Unbound', ['Opening']],
    ]);
    expect(model.lanes[0]!.changes[1]).toEqual({ t: 2 * MS, state: 'Paused', lineId: 102 });
    expect([model.irq.length, model.irq.ids[0]]).toEqual([1, 103]);
    // TDT is a DMA hand-off; IMS is not.
    expect([model.dma.length, model.dma.ids[0]]).toEqual([1, 104]);
    expect([model.findings.length, model.findings.ids[0]]).toEqual([1, 109]);
  });

  it('a newer run starts over; an older run still draining does not take the timeline back', () => {
    const model = new TimelineModel();
    lifecycle(model, 'run-9');
    model.add('run-10', { kind: 'run.started', t: 0, driver: 'd', seed: 1, scenario: 'x', faults: [] }, 500);
    expect([model.runId, model.lanes.length, model.irq.length, model.tEnd]).toEqual(['run-10', 0, 0, 0]);
    model.add('run-9', { kind: 'hw.interrupt', t: 99 * MS, adapter: 'adapter0', outcome: 'claimed' }, 501);
    expect([model.runId, model.irq.length]).toEqual(['run-10', 0]);
    expect(runOrder('run-12')).toBe(12);
  });

  it('MarkerSeries grows and finds markers by time', () => {
    const series = new MarkerSeries('irq', 'IRQ');
    for (let i = 0; i < 1000; i++) series.push(i * 10, i);
    expect(series.length).toBe(1000);
    expect(series.lowerBound(55)).toBe(6);
    expect(series.upperBound(60)).toBe(7);
    expect(series.nearest(54)).toBe(5);
    expect(series.nearest(56)).toBe(6);
    expect(series.nearest(-5)).toBe(0);
    expect(series.nearest(1e9)).toBe(999);
  });
});

describe('timeline layout', () => {
  it('maps time to x and back, zooms around the pointer and pans, within the run', () => {
    const view = { start: 0, end: 1000 * MS };
    expect(timeToX(view, 500, 500 * MS)).toBe(250);
    expect(xToTime(view, 500, 125)).toBe(250 * MS);
    const zoomed = zoomAt(view, 500, 125, 0.5, 1000 * MS);
    // The time under the pointer stays under it.
    expect(xToTime(zoomed, 500, 125)).toBeCloseTo(250 * MS, 6);
    expect(zoomed.end - zoomed.start).toBeCloseTo(500 * MS, 6);
    const panned = panBy(zoomed, 500, -100, 1000 * MS);
    expect(panned.start).toBeCloseTo(zoomed.start + 100 * MS, 6);
    // Never before 0, past the end, wider than the run or narrower than MIN_SPAN.
    expect(panBy(view, 500, 300, 1000 * MS)).toEqual(view);
    expect(zoomAt(view, 500, 250, 10, 1000 * MS)).toEqual(view);
    const tiny = zoomAt(view, 500, 250, 1e-12, 1000 * MS);
    expect(tiny.end - tiny.start).toBe(MIN_SPAN);
    expect(clampView({ start: -50, end: 50 }, 0)).toEqual({ start: 0, end: MIN_SPAN });
    expect(fullView({ tEnd: 0 })).toEqual({ start: 0, end: MIN_SPAN });
  });

  it('lays out lanes and draws states as bands from the first change to the run\'s end', () => {
    const model = new TimelineModel();
    lifecycle(model);
    const rows = laneRows(model);
    expect(rows.map((r) => [r.key, r.y])).toEqual([
      ['adapter:adapter0', AXIS_HEIGHT],
      ['binding:passthru/lower0', AXIS_HEIGHT + STATE_LANE_HEIGHT],
      ['irq', AXIS_HEIGHT + 2 * STATE_LANE_HEIGHT],
      ['dma', AXIS_HEIGHT + 2 * STATE_LANE_HEIGHT + 14],
      ['finding', AXIS_HEIGHT + 2 * STATE_LANE_HEIGHT + 28],
    ]);
    const view = fullView(model);
    const adapter = bands(model.lanes[0]!, view, 1000, model.tEnd);
    expect(adapter.map((b) => [b.state, Math.round(b.x), Math.round(b.width)])).toEqual([
      ['Halted', 0, 100],
      ['Initializing', 100, 100],
      ['Paused', 200, 100],
      // Restarting lasted no virtual time at all, and still gets a pixel.
      ['Restarting', 300, 1],
      ['Running', 300, 600],
      ['Pausing', 900, 100],
    ]);
    // Zoomed into 2.5–3.5 ms: only the bands there, clipped to the canvas.
    const zoomed = bands(model.lanes[0]!, { start: 2.5 * MS, end: 3.5 * MS }, 1000, model.tEnd);
    expect(zoomed.map((b) => [b.state, Math.round(b.x), Math.round(b.width)])).toEqual([
      ['Paused', 0, 500],
      ['Restarting', 500, 1],
      ['Running', 500, 500],
    ]);
  });

  it('draws a million markers as one mark per pixel column', () => {
    const series = new MarkerSeries('irq', 'IRQ');
    for (let i = 0; i < 1_000_000; i++) series.push(i, i);
    const columns = markColumns(series, { start: 0, end: 1_000_000 }, 800);
    expect(columns.length).toBe(800);
    expect(columns.reduce((n, c) => n + c.count, 0)).toBe(1_000_000);
    expect(columns[0]).toEqual({ x: 0, count: 1250, first: 0 });
    // Sparse markers: one mark each, at their own column, gaps skipped.
    const sparse = new MarkerSeries('dma', 'DMA');
    for (const t of [10, 500, 501, 990]) sparse.push(t, t);
    expect(markColumns(sparse, { start: 0, end: 1000 }, 100)).toEqual([
      { x: 1, count: 1, first: 0 },
      { x: 50, count: 2, first: 1 },
      { x: 99, count: 1, first: 3 },
    ]);
    expect(markColumns(sparse, { start: 600, end: 900 }, 100)).toEqual([]);
  });

  it('puts ticks at 1-2-5 steps with time in words', () => {
    const marks = ticks({ start: 0, end: 10 * MS }, 900, 90);
    expect(marks.map((t) => t.label)).toEqual(['0', '1 ms', '2 ms', '3 ms', '4 ms', '5 ms', '6 ms', '7 ms', '8 ms', '9 ms', '10 ms']);
    expect(marks[1]!.x).toBeCloseTo(90, 9);
    expect(ticks({ start: 1000, end: 1500 }, 500, 100).map((t) => t.label)).toEqual(['100 µs', '110 µs', '120 µs', '130 µs', '140 µs', '150 µs']);
    expect(formatTickTime(25_000_000, 10_000_000)).toBe('2.5 s');
    expect(ticks({ start: 0, end: 0 }, 100)).toEqual([]);
  });

  it('says what is under the pointer: the nearest state change of a lane, or a marker within a few pixels', () => {
    const model = new TimelineModel();
    lifecycle(model);
    const rows = laneRows(model);
    const view = fullView(model);
    const adapterY = rows[0]!.y + 5;
    // At x=290 (2.9 ms) the adapter is Paused: the change that made it so (line 102) is the event.
    expect(hitTest(model, rows, view, 1000, 290, adapterY)).toEqual({ lineId: 102, t: 2 * MS, label: 'adapter0: Paused, 2.000 ms – 3.000 ms', row: 'adapter:adapter0' });
    // In the Running band (3–9 ms): Restarting → Running (line 107), not the zero-length Restarting before it.
    expect(hitTest(model, rows, view, 1000, 600, adapterY)?.lineId).toBe(107);
    // Before the first change (the Halted it started in): the first change.
    expect(hitTest(model, rows, view, 1000, 50, adapterY)?.lineId).toBe(101);
    const irqY = rows[2]!.y + 3;
    expect(hitTest(model, rows, view, 1000, 252, irqY)?.lineId).toBe(103);
    expect(hitTest(model, rows, view, 1000, 252, irqY)?.label).toBe('IRQ at 2.500 ms');
    expect(hitTest(model, rows, view, 1000, 400, irqY)).toBeUndefined();
    expect(hitTest(model, rows, view, 1000, 801, rows[4]!.y + 2)?.lineId).toBe(109);
    expect(hitTest(model, rows, view, 1000, 500, 2)).toBeUndefined();
  });
});
