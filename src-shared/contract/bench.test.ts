import { describe, expect, it } from 'vitest';
import { applyBench, parseBench } from './bench';
import { DEFAULT_SCENARIO, Scenario } from './scenario';

describe('bench.json', () => {
  it('gives every add-device its device and registry, under what the scenario says itself', () => {
    const scenario = applyBench(
      { steps: [{ step: 'load' }, { step: 'add-device', name: 'a' }, { step: 'add-device', name: 'b', device: 'virtual', registry: { MaxFrames: 4 } }] },
      { device: 'labnic', registry: { MaxFrames: 16, MSISupported: 1 } },
    );
    expect(Scenario.parse(scenario).steps).toEqual([
      { step: 'load' },
      { step: 'add-device', name: 'a', device: 'labnic', registry: { MaxFrames: 16, MSISupported: 1 } },
      { step: 'add-device', name: 'b', device: 'virtual', registry: { MaxFrames: 4, MSISupported: 1 } },
    ]);
    expect(applyBench(DEFAULT_SCENARIO, undefined)).toBe(DEFAULT_SCENARIO);
  });

  it('says what is wrong with a bad bench.json', () => {
    expect(() => parseBench('{ "registry": ')).toThrow(/bench.json is not valid JSON/);
    expect(() => parseBench('{ "registry": { "bad name!": 1 } }')).toThrow(/bench.json: registry\.bad name!/);
    expect(() => parseBench('{ "devices": "labnic" }')).toThrow(/Unrecognized key/);
    expect(parseBench('{ "device": "labnic" }')).toEqual({ device: 'labnic' });
  });
});
