import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import { HardwareFault, Scenario } from '../../../src-shared/contract/scenario';
import {
  buildScenario,
  BUILT_IN_SCENARIO_NAMES,
  FAULT_SETTLE_MS,
  FAULT_TOGGLES,
  hasLabnicDevice,
  hasVirtualDevice,
  POWER_ON_FAULTS,
  RUNNING_FAULTS,
} from './scenario-builder';

const kinds = (scenario: ReturnType<typeof buildScenario>): string[] => scenario.steps.map((s) => s.step);

describe('the fault toggles', () => {
  it('cover every LabNIC hardware fault (but clear), each once', () => {
    const all = HardwareFault.options.map((o) => o.shape.kind.value).filter((k) => k !== 'clear');
    expect([...FAULT_TOGGLES].sort()).toEqual([...all].sort());
    expect(new Set(FAULT_TOGGLES).size).toBe(FAULT_TOGGLES.length);
    expect(RUNNING_FAULTS.at(-1)).toBe('surprise-removal');
  });
});

describe('buildScenario', () => {
  it('gives each built-in scenario unchanged when nothing is toggled', () => {
    expect(BUILT_IN_SCENARIO_NAMES).toEqual(expect.arrayContaining(['default', 'traffic', 'faults']));
    for (const name of BUILT_IN_SCENARIO_NAMES) {
      const built = buildScenario({ scenario: name, faults: [], labnic: false });
      expect(built).toEqual(BUILT_IN_SCENARIOS[name]);
      expect(built).not.toBe(BUILT_IN_SCENARIOS[name]);
    }
    expect(() => buildScenario({ scenario: 'nope', faults: [], labnic: false })).toThrow('no built-in scenario named "nope"');
  });

  it('never changes the shared built-in scenarios', () => {
    const before = JSON.stringify(BUILT_IN_SCENARIOS);
    buildScenario({ scenario: 'traffic', faults: [...FAULT_TOGGLES], labnic: true, bench: { device: 'labnic', registry: { X: 1 } } });
    buildScenario({ scenario: 'default', faults: ['link-flap'], labnic: true });
    expect(JSON.stringify(BUILT_IN_SCENARIOS)).toBe(before);
  });

  it('switches the default scenario to a LabNIC device with MSI asked for', () => {
    expect(hasVirtualDevice('default')).toBe(true);
    expect(hasVirtualDevice('traffic')).toBe(false);
    expect(hasLabnicDevice({ scenario: 'default', labnic: false })).toBe(false);
    expect(hasLabnicDevice({ scenario: 'default', labnic: true })).toBe(true);
    expect(hasLabnicDevice({ scenario: 'traffic', labnic: false })).toBe(true);
    const built = buildScenario({ scenario: 'default', faults: [], labnic: true });
    expect(built.steps[1]).toEqual({ step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 1 } });
    expect(built.name).toBe('default + labnic');
    // The switch leaves a scenario that already has LabNIC alone.
    expect(buildScenario({ scenario: 'traffic', faults: [], labnic: true })).toEqual(BUILT_IN_SCENARIOS['traffic']);
  });

  it('puts power-on faults into the first LabNIC add-device', () => {
    const built = buildScenario({ scenario: 'traffic', faults: ['reset-late', 'bad-eeprom-checksum'], labnic: false });
    const device = built.steps[1]!;
    expect(device).toMatchObject({ step: 'add-device', device: 'labnic', faults: [{ kind: 'bad-eeprom-checksum' }, { kind: 'reset-late' }] });
    expect(kinds(built)).toEqual(kinds(BUILT_IN_SCENARIOS['traffic'] as never));
    // The faults scenario's other devices keep their own faults; a fault already there is not doubled.
    const faults = buildScenario({ scenario: 'faults', faults: ['msi-as-line'], labnic: false });
    expect(faults.steps.filter((s) => s.step === 'add-device').map((s) => (s.step === 'add-device' ? s.faults?.map((f) => f.kind) : undefined))).toEqual([
      ['msi-as-line'],
      ['bad-eeprom-checksum'],
      ['reset-hang'],
      ['reset-late'],
      ['msi-as-line'],
    ]);
  });

  it('inserts running faults after the first advance-time that follows restart, each followed by time', () => {
    const built = buildScenario({ scenario: 'traffic', faults: ['surprise-removal', 'link-flap', 'dma-error'], labnic: false });
    expect(kinds(built).slice(0, 11)).toEqual([
      'load',
      'add-device',
      'restart',
      'advance-time',
      'hw-fault',
      'advance-time',
      'hw-fault',
      'advance-time',
      'hw-fault',
      'advance-time',
      'expect-link',
    ]);
    expect(built.steps[4]).toEqual({ step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'link-flap', downMs: 100 } });
    // The link is back up before the scenario's expect-link.
    expect(built.steps[5]).toEqual({ step: 'advance-time', ms: 150 });
    expect(built.steps[6]).toEqual({ step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'dma-error' } });
    expect(built.steps[7]).toEqual({ step: 'advance-time', ms: FAULT_SETTLE_MS });
    expect(built.steps[8]).toEqual({ step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'surprise-removal' } });
    expect(built.name).toBe('traffic + link-flap, dma-error, surprise-removal');

    const def = buildScenario({ scenario: 'default', faults: ['stuck-interrupt'], labnic: true });
    // default: load, add-device, restart, send, advance-time 100, [fault, advance], pause, halt, unload
    expect(kinds(def)).toEqual(['load', 'add-device', 'restart', 'send', 'advance-time', 'hw-fault', 'advance-time', 'pause', 'halt', 'unload']);
  });

  it('leaves faults out where there is no LabNIC to act on', () => {
    const built = buildScenario({ scenario: 'default', faults: ['link-flap', 'reset-hang'], labnic: false });
    expect(built).toEqual(BUILT_IN_SCENARIOS['default']);
  });

  it("applies the project's bench.json to every device, the scenario's own settings first", () => {
    const built = buildScenario({ scenario: 'traffic', faults: [], labnic: false, bench: { registry: { MSISupported: 0, ReceiveBuffers: 128 } } });
    expect(built.steps[1]).toMatchObject({ registry: { MSISupported: 1, ReceiveBuffers: 128 } });
    const def = buildScenario({ scenario: 'default', faults: [], labnic: false, bench: { registry: { MaxFrames: 16 } } });
    expect(def.steps[1]).toEqual({ step: 'add-device', name: 'adapter0', registry: { MaxFrames: 16 } });
  });

  it('takes the device from bench.json: a LabNIC driver stands on a LabNIC in the default scenario', () => {
    const bench = { device: 'labnic', registry: { MSISupported: 1, ReceiveBuffers: 256 } };
    expect(hasVirtualDevice('default', bench)).toBe(false);
    expect(hasLabnicDevice({ scenario: 'default', labnic: false, bench })).toBe(true);
    const built = buildScenario({ scenario: 'default', faults: ['link-flap', 'msi-as-line'], labnic: false, bench });
    expect(built.steps[1]).toEqual({ step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 1, ReceiveBuffers: 256 }, faults: [{ kind: 'msi-as-line' }] });
    expect(kinds(built)).toEqual(['load', 'add-device', 'restart', 'send', 'advance-time', 'hw-fault', 'advance-time', 'pause', 'halt', 'unload']);
    // The switch has nothing left to switch.
    expect(buildScenario({ scenario: 'default', faults: [], labnic: true, bench }).name).toBe('default');
  });

  it('always builds a valid scenario, whatever is toggled', () => {
    for (const scenario of BUILT_IN_SCENARIO_NAMES) {
      for (const labnic of [false, true]) {
        for (const faults of [[], [...RUNNING_FAULTS], [...POWER_ON_FAULTS], [...FAULT_TOGGLES]]) {
          const built = buildScenario({ scenario, faults, labnic, bench: { registry: { MSISupported: 1, ReceiveBuffers: 256 } } });
          const parsed = Scenario.safeParse(built);
          expect(parsed.success, `${scenario} ${labnic} ${faults.join(',')}: ${parsed.error?.message}`).toBe(true);
        }
      }
    }
  });
});
