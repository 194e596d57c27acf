import { describe, expect, it } from 'vitest';
import { Scenario } from '../../../src-shared/contract/scenario';
import { actionSteps, actionTimes, benchTargets, describeAction, type BenchAction, type BindSettings } from './bench-actions';
import { LiveStep } from '../../../src-shared/contract/scenario';
import { buildScenario, BUILT_IN_SCENARIO_NAMES } from './scenario-builder';

const kinds = (scenario: ReturnType<typeof buildScenario>): string[] => scenario.steps.map((s) => s.step);
const LABNIC_BENCH = { device: 'labnic', registry: { MSISupported: 1 } };
const INSIDE: BindSettings = { start: 'inside', startAfterMs: 100, pend: [], below: 'labnic' };

describe('bind settings (PnP start, pended operations, what is below)', () => {
  it('set every bind of the scenario', () => {
    const later = buildScenario({ scenario: 'im-start-inside', faults: [], labnic: false, bind: { start: 'later', startAfterMs: 250, pend: ['open', 'oid'], below: 'model' } });
    expect(later.steps[1]).toEqual({ step: 'bind', start: 'later', startAfterMs: 250, pend: ['open', 'oid'], below: 'model' });
    expect(later.name).toBe('im-start-inside + start later 250 ms, below model, pend open/oid');
    const never = buildScenario({ scenario: 'im-start-later', faults: [], labnic: false, bind: { ...INSIDE, start: 'never' } });
    // startAfterMs only means something for a later start.
    expect(never.steps[1]).toEqual({ step: 'bind', start: 'never', pend: [], below: 'labnic' });
    const two = buildScenario({ scenario: 'im-two-adapters', faults: [], labnic: false, bind: { ...INSIDE, pend: ['close'] } });
    expect(two.steps.filter((s) => s.step === 'bind')).toEqual([
      { step: 'bind', lower: 'lower0', start: 'inside', pend: ['close'], below: 'labnic' },
      { step: 'bind', lower: 'lower1', start: 'inside', pend: ['close'], below: 'labnic' },
    ]);
  });

  it('leave a scenario without binds alone', () => {
    expect(buildScenario({ scenario: 'default', faults: [], labnic: false, bind: INSIDE })).toEqual(buildScenario({ scenario: 'default', faults: [], labnic: false }));
  });
});

describe('actions placed in the run', () => {
  it('count virtual time from the waits before them', () => {
    const actions: BenchAction[] = [{ kind: 'wait', ms: 10 }, { kind: 'unbind', lower: 'lower0' }, { kind: 'wait', ms: 5 }, { kind: 'wait', ms: 2.5 }, { kind: 'surprise-remove', adapter: 'lower0' }];
    expect(actionTimes(actions)).toEqual([10, 10, 15, 17.5, 17.5]);
    expect(describeAction({ kind: 'inject', target: { lower: 'lower0' }, count: 8, bytes: 128, burst: 4, intervalUs: 50 })).toBe('inject 8 × 128 B below the binding at lower0 (bursts of 4, 50 µs apart)');
  });

  it('know what a scenario has to act on', () => {
    expect(benchTargets(buildScenario({ scenario: 'faults', faults: [], labnic: false }).steps)).toEqual({ adapters: ['adapter0', 'adapter1', 'adapter2', 'adapter3', 'adapter4'], lowers: [], labnicLowers: [] });
    expect(benchTargets(buildScenario({ scenario: 'im-two-adapters', faults: [], labnic: false, bind: { ...INSIDE, below: 'model' } }).steps)).toEqual({ adapters: [], lowers: ['lower0', 'lower1'], labnicLowers: [] });
    expect(benchTargets(buildScenario({ scenario: 'im-over-labnic', faults: [], labnic: false }).steps)).toEqual({ adapters: [], lowers: ['lower0'], labnicLowers: ['lower0'] });
  });

  it('miniport: frames onto the wire and time, after the adapter is up', () => {
    const built = buildScenario({
      scenario: 'default',
      faults: [],
      labnic: false,
      bench: LABNIC_BENCH,
      actions: [
        { kind: 'wait', ms: 20 },
        { kind: 'inject', target: { adapter: 'adapter0' }, count: 32, bytes: 256, burst: 8, intervalUs: 100 },
        { kind: 'wait', ms: 30 },
      ],
    });
    expect(kinds(built)).toEqual(['load', 'add-device', 'restart', 'send', 'advance-time', 'advance-time', 'inject-frame', 'advance-time', 'pause', 'halt', 'unload']);
    expect(built.steps.slice(5, 8)).toEqual([
      { step: 'advance-time', ms: 20 },
      { step: 'inject-frame', adapter: 'adapter0', count: 32, bytes: 256, burst: 8, intervalUs: 100 },
      { step: 'advance-time', ms: 30 },
    ]);
    expect(built.name).toBe("default + inject 32 × 256 B onto adapter0's wire (bursts of 8, 100 µs apart)");
  });

  it('miniport: a surprise removal at a time; the scenario no longer pauses or halts what is gone', () => {
    const built = buildScenario({ scenario: 'default', faults: [], labnic: false, bench: LABNIC_BENCH, actions: [{ kind: 'wait', ms: 40 }, { kind: 'surprise-remove', adapter: 'adapter0' }] });
    expect(kinds(built)).toEqual(['load', 'add-device', 'restart', 'send', 'advance-time', 'advance-time', 'surprise-remove', 'expect-state', 'unload']);
    expect(built.steps[6]).toEqual({ step: 'surprise-remove', adapter: 'adapter0' });
    expect(built.steps[7]).toEqual({ step: 'expect-state', adapter: 'adapter0', state: 'Halted' });
    // traffic: the checks of a working adapter after the removal go too; a second removal of it is left out.
    const traffic = buildScenario({ scenario: 'traffic', faults: [], labnic: false, actions: [{ kind: 'surprise-remove', adapter: 'adapter0' }, { kind: 'remove', adapter: 'adapter0' }] });
    expect(kinds(traffic)).toEqual(['load', 'add-device', 'restart', 'advance-time', 'surprise-remove', 'expect-state', 'advance-time', 'unload']);
  });

  it('miniport: an orderly removal pauses and halts the adapter, then checks it is Halted', () => {
    const built = buildScenario({ scenario: 'miniport-im', faults: [], labnic: false, actions: [{ kind: 'wait', ms: 5 }, { kind: 'remove', adapter: 'virtual0' }] });
    expect(kinds(built)).toEqual(['load', 'add-device', 'add-device', 'restart', 'restart', 'advance-time', 'advance-time', 'pause', 'halt', 'expect-state', 'pause', 'halt', 'unload']);
    expect(built.steps.slice(7, 12)).toEqual([
      { step: 'pause', adapter: 'virtual0' },
      { step: 'halt', adapter: 'virtual0' },
      { step: 'expect-state', adapter: 'virtual0', state: 'Halted' },
      { step: 'pause', adapter: 'physical0' },
      { step: 'halt', adapter: 'physical0' },
    ]);
  });

  it('intermediate driver: unbind at a time; the binding is checked Unbound and not unbound twice', () => {
    const built = buildScenario({ scenario: 'im-start-inside', faults: [], labnic: false, actions: [{ kind: 'wait', ms: 10 }, { kind: 'unbind', lower: 'lower0' }] });
    expect(built.steps).toEqual([
      { step: 'load' },
      { step: 'bind', start: 'inside' },
      { step: 'expect-binding', state: 'Running' },
      { step: 'advance-time', ms: 10 },
      { step: 'unbind', lower: 'lower0' },
      { step: 'expect-binding', lower: 'lower0', state: 'Unbound' },
      { step: 'advance-time', ms: 50 },
      { step: 'unload' },
    ]);
  });

  it('intermediate driver: the LabNIC below surprise-removed; NDIS unbinds first, so the binding and the virtual miniport go', () => {
    const built = buildScenario({
      scenario: 'im-over-labnic',
      faults: [],
      labnic: false,
      actions: [
        { kind: 'inject', target: { lower: 'lower0' }, count: 16, bytes: 128, burst: 4, intervalUs: 100 },
        { kind: 'wait', ms: 5 },
        { kind: 'surprise-remove', adapter: 'lower0' },
        { kind: 'inject', target: { lower: 'lower0' }, count: 1, bytes: 64, burst: 1, intervalUs: 100 },
      ],
    });
    // Sends, OIDs, frames and link checks through the binding are gone; the waits and the checks that things ended Halted stay.
    expect(kinds(built)).toEqual(['load', 'bind', 'expect-binding', 'inject-frame', 'advance-time', 'surprise-remove', 'expect-binding', 'expect-state', ...Array(5).fill('advance-time'), 'expect-state', 'expect-state', 'unload']);
    expect(built.steps.slice(5, 8)).toEqual([
      { step: 'surprise-remove', adapter: 'lower0' },
      { step: 'expect-binding', lower: 'lower0', state: 'Unbound' },
      { step: 'expect-state', adapter: 'lower0', state: 'Halted' },
    ]);
    expect(built.steps.slice(13, 15)).toEqual([
      { step: 'expect-state', state: 'Halted' },
      { step: 'expect-state', adapter: 'lower0', state: 'Halted' },
    ]);
  });

  it('leave out actions on things the scenario does not have', () => {
    const built = buildScenario({ scenario: 'default', faults: [], labnic: false, actions: [{ kind: 'unbind', lower: 'lower0' }, { kind: 'surprise-remove', adapter: 'adapter9' }, { kind: 'inject', target: { lower: 'lower0' }, count: 1, bytes: 64, burst: 1, intervalUs: 0 }] });
    expect(built).toEqual(buildScenario({ scenario: 'default', faults: [], labnic: false }));
  });

  it('come after the toggled faults', () => {
    const built = buildScenario({ scenario: 'traffic', faults: ['dma-error'], labnic: false, actions: [{ kind: 'wait', ms: 7 }] });
    expect(kinds(built).slice(3, 8)).toEqual(['advance-time', 'hw-fault', 'advance-time', 'advance-time', 'expect-link']);
    expect(built.steps[6]).toEqual({ step: 'advance-time', ms: 7 });
  });

  it('always give a valid scenario', () => {
    const actions: BenchAction[] = [
      { kind: 'wait', ms: 1 },
      { kind: 'inject', target: { adapter: 'adapter0' }, count: 2, bytes: 64, burst: 1, intervalUs: 10 },
      { kind: 'inject', target: { lower: 'lower0' }, count: 2, bytes: 64, burst: 1, intervalUs: 10 },
      { kind: 'unbind', lower: 'lower0' },
      { kind: 'remove', adapter: 'adapter0' },
      { kind: 'surprise-remove', adapter: 'lower0' },
    ];
    for (const scenario of BUILT_IN_SCENARIO_NAMES) {
      const built = buildScenario({ scenario, faults: ['link-flap'], labnic: true, bind: { start: 'later', startAfterMs: 5, pend: ['open', 'close', 'oid'], below: 'labnic' }, actions });
      const parsed = Scenario.safeParse(built);
      expect(parsed.success, `${scenario}: ${parsed.error?.message}`).toBe(true);
    }
  });
});

describe('an action done now (run.act)', () => {
  it('is the steps of its kind, each one a running run can take', () => {
    const actions: BenchAction[] = [
      { kind: 'inject', target: { adapter: 'adapter0' }, count: 4, bytes: 128, burst: 2, intervalUs: 50 },
      { kind: 'inject', target: { lower: 'lower0' }, count: 1, bytes: 64, burst: 1, intervalUs: 0 },
      { kind: 'unbind', lower: 'lower0' },
      { kind: 'remove', adapter: 'adapter0' },
      { kind: 'surprise-remove', adapter: 'lower0' },
    ];
    const steps = actions.map(actionSteps);
    expect(steps).toEqual([
      [{ step: 'inject-frame', adapter: 'adapter0', count: 4, bytes: 128, burst: 2, intervalUs: 50 }],
      [{ step: 'inject-frame', lower: 'lower0', count: 1, bytes: 64, burst: 1, intervalUs: 0 }],
      [{ step: 'unbind', lower: 'lower0' }],
      [{ step: 'pause', adapter: 'adapter0' }, { step: 'halt', adapter: 'adapter0' }],
      [{ step: 'surprise-remove', adapter: 'lower0' }],
    ]);
    for (const step of steps.flat()) expect(LiveStep.safeParse(step).success).toBe(true);
    // A wait is the scenario's own time, not something done to a run.
    expect(LiveStep.safeParse(actionSteps({ kind: 'wait', ms: 5 })[0]).success).toBe(false);
  });
});
