import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import { Scenario, type ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriver } from '../../engine/session/run-driver';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { labnicReferenceBuild, testBuilder } from '../../engine/session/testing';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { resourcesDir } from '../../engine/resources';

/** The reference pass-through intermediate driver (resources/examples/passthru-im) through the IM scenarios. */

const DIR = path.join(resourcesDir(), 'examples', 'passthru-im');
type Build = ReturnType<Awaited<ReturnType<typeof testBuilder>>['build']>;
let build: Build;
/** The reference LabNIC driver: what the bindings stand on (below: labnic, the default). */
let lower: Build;

beforeAll(async () => {
  const files = Object.fromEntries(fs.readdirSync(DIR).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));
  build = (await testBuilder()).build({ files, implementedImports: null });
  lower = await labnicReferenceBuild();
}, 180_000);

function run(scenario: ScenarioInput, systematicTarget?: string) {
  const events: SimEvent[] = [];
  const out = runDriver({ build, lower, driverName: 'passthru-im', scenario, onEvent: (e) => events.push(e), ...(systematicTarget ? { systematicTarget } : {}) });
  return { ...out, events };
}

describe('the reference pass-through intermediate driver', () => {
  it('builds with zero diagnostics', () => {
    expect(build.ok).toBe(true);
    expect(build.diagnostics).toEqual([]);
  });

  it('runs every built-in IM scenario clean', () => {
    const im = Object.keys(BUILT_IN_SCENARIOS).filter((n) => n.startsWith('im-'));
    expect(im).toEqual(['im-start-inside', 'im-start-later', 'im-start-never', 'im-unbind-before-start', 'im-pended', 'im-two-adapters', 'im-over-labnic']);
    for (const name of im) {
      const r = run(BUILT_IN_SCENARIOS[name]!);
      expect({ name, result: r.result.result, findings: r.result.findings, failed: r.result.expectations.filter((e) => !e.ok) }).toEqual({ name, result: 'clean', findings: [], failed: [] });
    }
  });

  it('passes traffic both ways: sends from above reach the lower wire, frames from below are indicated up and returned', () => {
    const scenario = Scenario.parse(JSON.parse(fs.readFileSync(path.join(DIR, 'scenario-traffic.json'), 'utf8')));
    const r = run(scenario);
    expect(r.result.findings).toEqual([]);
    expect(r.result.result).toBe('clean');
    const lowerTx = r.events.filter((e) => e.kind === 'wire.frame' && e.adapter === 'lower0' && e.direction === 'tx').length;
    expect(lowerTx).toBe(48);
    const upIndicated = r.events.filter((e): e is Extract<SimEvent, { kind: 'nbl' }> => e.kind === 'nbl' && e.op === 'indicate' && e.adapter.startsWith('\\DEVICE\\PASSTHRU')).reduce((n, e) => n + e.count, 0);
    expect(upIndicated).toBe(48);
  });

  it('one call per virtual miniport: over two lower adapters it calls NdisIMInitializeDeviceInstanceEx once for each, with each virtual miniport\'s own name, and NDIS initializes two virtual miniports', () => {
    const r = run(BUILT_IN_SCENARIOS['im-two-adapters']!);
    expect(r.result.result).toBe('clean');
    const calls = r.events.filter((e): e is Extract<SimEvent, { kind: 'ndis.call' }> => e.kind === 'ndis.call' && e.api === 'NdisIMInitializeDeviceInstanceEx');
    expect(calls.map((c) => c.result)).toEqual(['NDIS_STATUS_SUCCESS', 'NDIS_STATUS_SUCCESS']);
    const virtuals = r.result.adapters.map((a) => a.name);
    expect(virtuals).toEqual(['\\DEVICE\\PASSTHRU_{LAB-LOWER0}', '\\DEVICE\\PASSTHRU_{LAB-LOWER1}']);
    expect(r.result.adapters.every((a) => a.history.includes('Running') && a.state === 'Halted')).toBe(true);
  });

  it('handles every fallible call site failing once (systematic) with no finding', () => {
    const scenario = BUILT_IN_SCENARIOS['im-start-inside']!;
    const first = run(scenario);
    expect(first.sitesSeen.length).toBeGreaterThan(5);
    for (const site of first.sitesSeen) {
      const r = run(scenario, site);
      const serious = r.result.findings.filter((f) => f.severity !== 'warn');
      expect({ site, serious, failed: r.result.expectations.filter((e) => !e.ok), bugcheck: r.result.bugcheck }).toEqual({ site, serious: [], failed: [], bugcheck: null });
    }
  });

  it('forwards the lower adapter\'s link changes (ProtocolStatusEx) up its virtual miniport', () => {
    const virtual = '\\DEVICE\\PASSTHRU_{LAB-LOWER0}';
    const r = run({
      steps: [
        { step: 'load' },
        { step: 'bind' },
        { step: 'expect-state', adapter: virtual, state: 'Running' },
        { step: 'lower-link', state: 'down' },
        { step: 'expect-link', adapter: virtual, state: 'down' },
        { step: 'lower-link', state: 'up' },
        { step: 'expect-link', adapter: virtual, state: 'up' },
        { step: 'unbind' },
        { step: 'unload' },
      ],
    });
    expect(r.result.findings).toEqual([]);
    expect(r.result.expectations.map((e) => e.ok)).toEqual([true, true, true]);
    expect(r.events.some((e) => e.kind === 'driver.callback' && e.handler === 'ProtocolStatusEx')).toBe(true);
  });
});
