import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import type { LiveStep, ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { readExample } from '../toolchain/testing';
import { runDriverSource } from './testing';

/**
 * Steps given to a run while it goes (run.act): the run takes them at its idle points, between its
 * scenario's steps and inside an advance-time step whenever nothing runs, as the real system takes
 * a PnP IRP or a frame on the wire while the driver waits.
 */

const labnic = readExample('labnic-miniport');
/** Frames arrive one per millisecond for 200 ms while the adapter runs (step 4 injects, step 5 lets the time pass). */
const TRAFFIC: ScenarioInput = {
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'adapter0', device: 'labnic' },
    { step: 'restart' },
    { step: 'advance-time', ms: 60 },
    { step: 'inject-frame', adapter: 'adapter0', count: 200, bytes: 64, burst: 1, intervalUs: 1000 },
    { step: 'advance-time', ms: 300 },
    { step: 'pause' },
    { step: 'halt' },
    { step: 'unload' },
  ],
};

/** A frame received and indicated up (the wire's record of it). */
const isRx = (event: SimEvent): boolean => event.kind === 'wire.frame' && event.direction === 'rx';

/** Runs TRAFFIC, giving `live` to the run once `when` holds for an event of it. */
async function runGiving(live: LiveStep[], when: (event: SimEvent, seen: { step: number; indicated: number }) => boolean) {
  const seen = { step: -1, indicated: 0 };
  let due = false;
  let given = false;
  const run = await runDriverSource(labnic, {
    scenario: TRAFFIC,
    onEvent(event) {
      if (event.kind === 'scenario.step' && event.status === 'started' && !event.live) seen.step = event.index;
      if (isRx(event)) seen.indicated++;
      if (!given && when(event, seen)) due = true;
    },
    takeLive: () => {
      if (!due || given) return [];
      given = true;
      return live;
    },
  });
  const liveEvents = run.events.filter((e): e is Extract<SimEvent, { kind: 'scenario.step' }> => e.kind === 'scenario.step' && e.live === true);
  return { ...run, liveEvents, seen };
}

describe('live steps (run.act)', () => {
  it('a surprise removal given while frames arrive happens at the next idle point inside the advance-time step, and the traffic stops there', async () => {
    const run = await runGiving([{ step: 'surprise-remove', adapter: 'adapter0' }], (_, seen) => seen.step === 5 && seen.indicated >= 50);
    expect(run.liveEvents.map((e) => [e.index, e.step, e.status])).toEqual([
      [5, 'surprise-remove adapter=adapter0', 'started'],
      [5, 'surprise-remove adapter=adapter0', 'done'],
    ]);
    // Inside step 5: after its start and before its end, in virtual time and in the log.
    const stepEvents = run.events.filter((e) => e.kind === 'scenario.step' && !e.live && e.index === 5);
    const started = run.events.indexOf(stepEvents[0]!);
    const done = run.events.indexOf(stepEvents[1]!);
    const live = run.events.indexOf(run.liveEvents[0]!);
    expect(started).toBeLessThan(live);
    expect(live).toBeLessThan(done);
    expect(run.liveEvents[0]!.t).toBeGreaterThan(stepEvents[0]!.t);
    expect(run.liveEvents[0]!.t).toBeLessThan(stepEvents[1]!.t);
    // NDIS told the driver, then paused and halted it: once the removal is done, no frame comes up.
    expect(run.result.adapters[0]!.history.at(-1)).toBe('Halted');
    expect(run.events.slice(run.events.indexOf(run.liveEvents[1]!)).filter(isRx)).toEqual([]);
    const indicated = run.events.filter(isRx).length;
    expect(indicated).toBeGreaterThanOrEqual(50);
    expect(indicated).toBeLessThan(200);
    // The scenario's own pause and halt of the adapter that is gone cannot happen any more.
    const later = run.events.filter((e) => e.kind === 'scenario.step' && !e.live && (e.index === 6 || e.index === 7));
    expect(later.map((e) => (e as { status: string }).status)).toEqual(['skipped', 'skipped']);
    expect(run.result.result).toBe('clean');
  });

  it('steps given between two scenario steps happen there, in order', async () => {
    const run = await runGiving(
      [
        { step: 'inject-frame', adapter: 'adapter0', count: 3, bytes: 64, burst: 3, intervalUs: 0, dest: 'station' },
        { step: 'inject-frame', adapter: 'adapter0', count: 2, bytes: 64, burst: 2, intervalUs: 0, dest: 'broadcast' },
      ],
      (event) => event.kind === 'scenario.step' && event.status === 'done' && !event.live && event.index === 3,
    );
    expect(run.liveEvents.map((e) => [e.index, /count=(\d)/.exec(e.step)?.[1], e.status])).toEqual([
      [3, '3', 'started'],
      [3, '3', 'done'],
      [3, '2', 'started'],
      [3, '2', 'done'],
    ]);
    // After step 3 ended and before step 4 began.
    const step3Done = run.events.findIndex((e) => e.kind === 'scenario.step' && !e.live && e.index === 3 && e.status === 'done');
    const step4Started = run.events.findIndex((e) => e.kind === 'scenario.step' && !e.live && e.index === 4 && e.status === 'started');
    const first = run.events.indexOf(run.liveEvents[0]!);
    expect(step3Done).toBeLessThan(first);
    expect(first).toBeLessThan(step4Started);
    // The five frames were indicated too, besides the scenario's 200.
    expect(run.events.filter(isRx)).toHaveLength(205);
    expect(run.result.result).toBe('clean');
  });

  it('a live step that cannot happen says why; the run goes on, and its result does not count it as an expectation', async () => {
    const run = await runGiving([{ step: 'unbind', lower: 'lower0' }], (_, seen) => seen.step === 5);
    expect(run.liveEvents.map((e) => e.status)).toEqual(['started', 'failed']);
    expect(run.liveEvents[1]!.detail).toMatch(/lower0/);
    expect(run.liveEvents[1]!.ok).toBeUndefined();
    expect(run.result.expectations).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(run.result.adapters[0]!.history.at(-1)).toBe('Halted');
    expect(run.result.driver.unloaded).toBe(true);
  });

  it('start-device without a name starts the virtual device an intermediate driver asked for that the PnP manager left waiting (start: never)', async () => {
    const scenario = BUILT_IN_SCENARIOS['im-start-never']!;
    const advance = scenario.steps.findIndex((s) => s.step === 'advance-time');
    let given = false;
    let inAdvance = false;
    const run = await runDriverSource(readExample('passthru-im'), {
      scenario,
      onEvent(event) {
        if (event.kind === 'scenario.step' && !event.live && event.status === 'started') inAdvance = event.index === advance;
      },
      takeLive: () => {
        if (!inAdvance || given) return [];
        given = true;
        return [{ step: 'start-device' }];
      },
    });
    const live = run.events.filter((e) => e.kind === 'scenario.step' && e.live === true);
    expect(live.map((e) => (e.kind === 'scenario.step' ? `${e.index} ${e.step} ${e.status}` : ''))).toEqual([`${advance} start-device started`, `${advance} start-device done`]);
    // NDIS initialized the virtual miniport (MiniportInitializeEx of the driver), and the protocol above bound to it.
    const virtual = run.result.adapters.find((a) => a.name.includes('PASSTHRU'));
    expect(virtual?.history.slice(0, 3)).toEqual(['Halted', 'Initializing', 'Paused']);
    expect(virtual?.history.at(-1)).toBe('Halted');
    expect(run.events.some((e) => e.kind === 'binding.state' && e.protocol === 'LABTCPIP' && e.to === 'Running')).toBe(true);
    expect(run.result.result).toBe('clean');
  });
});
