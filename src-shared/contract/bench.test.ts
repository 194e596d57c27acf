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

  it("gives one device instance its own values over every instance's, under the scenario's", () => {
    const scenario = applyBench(
      { steps: [{ step: 'add-device', name: 'physical0' }, { step: 'add-device', name: 'virtual0', registry: { IMMiniport: 1 } }] },
      { registry: { MaxFrames: 16 }, adapters: { physical0: { registry: { MaxFrames: 8, NetworkAddress: '02:4c:41:42:00:99' } }, virtual0: { registry: { IMMiniport: 0, Lookahead: 64 } } } },
    );
    expect(Scenario.parse(scenario).steps).toEqual([
      { step: 'add-device', name: 'physical0', registry: { MaxFrames: 8, NetworkAddress: '02:4c:41:42:00:99' } },
      { step: 'add-device', name: 'virtual0', registry: { MaxFrames: 16, IMMiniport: 1, Lookahead: 64 } },
    ]);
    expect(parseBench('{ "adapters": { "adapter0": { "registry": { "IMMiniport": 1 } } } }')).toEqual({ adapters: { adapter0: { registry: { IMMiniport: 1 } } } });
    expect(() => parseBench('{ "adapters": { "adapter0": { "registry": { "a b": 1 } } } }')).toThrow(/adapters\.adapter0\.registry\.a b/);
  });

  it('says what is wrong with a bad bench.json', () => {
    expect(() => parseBench('{ "registry": ')).toThrow(/bench.json is not valid JSON/);
    expect(() => parseBench('{ "registry": { "bad name!": 1 } }')).toThrow(/bench.json: registry\.bad name!/);
    expect(() => parseBench('{ "devices": "labnic" }')).toThrow(/Unrecognized key/);
    expect(parseBench('{ "device": "labnic" }')).toEqual({ device: 'labnic' });
  });
});
