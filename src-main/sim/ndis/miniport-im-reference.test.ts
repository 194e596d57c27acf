import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriver } from '../../engine/session/run-driver';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { testBuilder } from '../../engine/session/testing';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { resourcesDir } from '../../engine/resources';
import { oidName } from './oid';

/**
 * The reference miniport-intermediate driver (resources/examples/miniport-im): a physical and an
 * NDIS_INTERMEDIATE_DRIVER registration, a protocol edge, and an unload that deregisters all
 * three; and variants of it with one mistake each.
 */

const DIR = path.join(resourcesDir(), 'examples', 'miniport-im');
const FILES: Record<string, string> = Object.fromEntries(fs.readdirSync(DIR).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));
type Builder = Awaited<ReturnType<typeof testBuilder>>;
let builder: Builder;
let build: ReturnType<Builder['build']>;

beforeAll(async () => {
  builder = await testBuilder();
  build = builder.build({ files: FILES, implementedImports: null });
}, 180_000);

function run(scenario: ScenarioInput, options: { files?: Record<string, string>; systematicTarget?: string } = {}) {
  const events: SimEvent[] = [];
  const driver = options.files ? builder.build({ files: options.files, implementedImports: null }) : build;
  expect(driver.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal')).toEqual([]);
  const out = runDriver({ build: driver, driverName: 'miniport-im', scenario, onEvent: (e) => events.push(e), ...(options.systematicTarget ? { systematicTarget: options.systematicTarget } : {}) });
  return { ...out, events };
}

/** driverentry.c with `from` replaced by `to`, and so on for each further pair (the replaced text must be there). */
function variant(...pairs: string[]): Record<string, string> {
  let source = FILES['driverentry.c']!;
  for (let i = 0; i < pairs.length; i += 2) {
    if (!source.includes(pairs[i]!)) throw new Error(`driverentry.c has no ${JSON.stringify(pairs[i])}`);
    source = source.replace(pairs[i]!, pairs[i + 1]!);
  }
  return { ...FILES, 'driverentry.c': source };
}

function prints(events: SimEvent[]): string[] {
  return events.filter((e): e is Extract<SimEvent, { kind: 'debug.print' }> => e.kind === 'debug.print').map((e) => e.text);
}

describe('the reference miniport-intermediate driver', () => {
  it('builds with zero diagnostics', () => {
    expect(build.ok).toBe(true);
    expect(build.diagnostics).toEqual([]);
  });

  it('runs the built-in miniport-im scenario clean: the device instance with IMMiniport = 1 gets the intermediate MiniportInitializeEx, the other the physical one', () => {
    const r = run(BUILT_IN_SCENARIOS['miniport-im']!);
    expect({ result: r.result.result, findings: r.result.findings, failed: r.result.expectations.filter((e) => !e.ok) }).toEqual({ result: 'clean', findings: [], failed: [] });
    expect(prints(r.events).filter((t) => t.includes('MiniportInitializeEx'))).toEqual([
      'MiniportIm: MiniportInitializeEx (physical registration)\n',
      'MiniportIm: MiniportInitializeEx (intermediate registration, IMMiniport = 1)\n',
    ]);
    expect(r.result.adapters.map((a) => [a.name, a.state])).toEqual([
      ['physical0', 'Halted'],
      ['virtual0', 'Halted'],
    ]);
    // The unload deregisters the protocol and both miniport registrations.
    const calls = r.events.filter((e): e is Extract<SimEvent, { kind: 'ndis.call' }> => e.kind === 'ndis.call' && /^Ndis(M?Deregister|IMAssociate)/.test(e.api)).map((e) => e.api);
    expect(calls).toEqual(['NdisIMAssociateMiniport', 'NdisDeregisterProtocolDriver', 'NdisMDeregisterMiniportDriver', 'NdisMDeregisterMiniportDriver']);
  });

  it('both kinds of adapter carry sends (completed at once while Running) and answer OIDs; the protocol edge binds to a lower adapter and unbinds cleanly', () => {
    const r = run({
      steps: [
        { step: 'load' },
        { step: 'add-device', name: 'physical0' },
        { step: 'add-device', name: 'virtual0', registry: { IMMiniport: 1 } },
        { step: 'restart', adapter: 'physical0' },
        { step: 'restart', adapter: 'virtual0' },
        { step: 'bind', below: 'model' },
        { step: 'expect-binding', state: 'Running' },
        { step: 'send', adapter: 'physical0', count: 8 },
        { step: 'send', adapter: 'virtual0', count: 5 },
        { step: 'inject-frame', lower: 'lower0', count: 4 },
        { step: 'advance-time', ms: 10 },
        { step: 'oid', adapter: 'virtual0', oid: 0x00020101, request: 'query' }, // OID_GEN_XMIT_OK
        { step: 'unbind' },
        { step: 'expect-binding', state: 'Unbound' },
        { step: 'pause', adapter: 'virtual0' },
        { step: 'halt', adapter: 'virtual0' },
        { step: 'pause', adapter: 'physical0' },
        { step: 'halt', adapter: 'physical0' },
        { step: 'unload' },
      ],
    });
    expect(r.result.findings).toEqual([]);
    expect(r.result.result).toBe('clean');
    expect(prints(r.events)).toEqual(expect.arrayContaining(['MiniportIm: MiniportHaltEx (intermediate, action 0): 5 frame(s) sent\n', 'MiniportIm: MiniportHaltEx (physical, action 0): 8 frame(s) sent\n']));
    const oid = r.events.find((e): e is Extract<SimEvent, { kind: 'oid.complete' }> => e.kind === 'oid.complete' && e.adapter === 'virtual0' && e.oid === oidName(0x00020101));
    expect([oid?.status, oid?.bytes]).toEqual(['NDIS_STATUS_SUCCESS', 8]);
    expect(r.events.filter((e) => e.kind === 'nbl' && e.op === 'return' && e.adapter === 'lower0').length).toBeGreaterThan(0);
  });

  it('handles every fallible call site failing once (systematic) with no finding', () => {
    const scenario = BUILT_IN_SCENARIOS['miniport-im']!;
    const first = run(scenario);
    expect(first.sitesSeen.length).toBeGreaterThan(3);
    for (const site of first.sitesSeen) {
      const r = run(scenario, { systematicTarget: site });
      const serious = r.result.findings.filter((f) => f.severity !== 'warn');
      expect({ site, serious, bugcheck: r.result.bugcheck }).toEqual({ site, serious: [], bugcheck: null });
    }
  });

  it('IM-UNLOAD: an unload that deregisters only one of the two miniport handles', () => {
    const files = variant('    NdisMDeregisterMiniportDriver(GlobalDriver.VirtualDriverHandle);\n    GlobalDriver.VirtualDriverHandle = NULL;\n    NdisMDeregisterMiniportDriver(GlobalDriver.PhysicalDriverHandle);', '    NdisMDeregisterMiniportDriver(GlobalDriver.PhysicalDriverHandle); /* ONE-HANDLE */');
    const r = run(BUILT_IN_SCENARIOS['miniport-im']!, { files });
    expect(r.result.findings.map((f) => f.rule)).toEqual(['IM-UNLOAD']);
    expect(r.result.findings[0]!.message).toContain('deregistered 1 of the driver\'s 2 miniport registrations');
  });

  it('IM-UNLOAD: an unload that leaves the protocol edge registered', () => {
    const files = variant('    NdisDeregisterProtocolDriver(GlobalDriver.ProtocolHandle);\n', '    /* NO-PROTOCOL-DEREGISTER */\n');
    const r = run(BUILT_IN_SCENARIOS['miniport-im']!, { files });
    expect(r.result.findings.map((f) => f.rule)).toEqual(['IM-UNLOAD']);
    expect(r.result.findings[0]!.message).toContain('protocol "MiniportIm" still registered');
  });

  it('IM-DE-ASSOC: the second registration without NDIS_INTERMEDIATE_DRIVER: NdisIMAssociateMiniport gets a miniport that is not intermediate', () => {
    const files = variant('    Chars.Flags = Kind == MimVirtual ? NDIS_INTERMEDIATE_DRIVER : 0;', '    Chars.Flags = 0; /* NO-IM-FLAG */');
    const r = run(BUILT_IN_SCENARIOS['miniport-im']!, { files });
    expect(r.result.findings.map((f) => f.rule)).toEqual(['IM-DE-ASSOC']);
    expect(r.result.findings[0]!.message).toContain('NdisIMAssociateMiniport with a miniport registered without NDIS_INTERMEDIATE_DRIVER');
  });

  it('IM-IMMINIPORT: without the intermediate registration, the device instance with IMMiniport = 1 has nowhere to go', () => {
    const files = variant(
      '    /* 2. The intermediate miniport. */\n    Status = MimRegisterMiniport(DriverObject, RegistryPath, MimVirtual, &GlobalDriver.VirtualDriverHandle);',
      '    /* 2. (NO-VIRTUAL) */\n    Status = NDIS_STATUS_SUCCESS;',
      '    NdisIMAssociateMiniport(GlobalDriver.VirtualDriverHandle, GlobalDriver.ProtocolHandle);',
      '    /* nothing to associate */',
    );
    const r = run({ steps: [{ step: 'load' }, { step: 'add-device', name: 'virtual0', registry: { IMMiniport: 1 } }] }, { files });
    expect(r.result.findings.map((f) => f.rule)).toContain('IM-IMMINIPORT');
  });

  it('IM-DE-ASSOC: a DriverEntry that never ties the protocol edge to the intermediate registration, at DriverEntry\'s return', () => {
    const files = variant('    NdisIMAssociateMiniport(GlobalDriver.VirtualDriverHandle, GlobalDriver.ProtocolHandle);', '    /* NO-ASSOCIATE */');
    const r = run(BUILT_IN_SCENARIOS['miniport-im']!, { files });
    expect(r.result.findings.map((f) => f.rule)).toEqual(['IM-DE-ASSOC']);
    expect(r.result.findings[0]!.message).toContain('without NdisIMAssociateMiniport(DriverHandle, ProtocolHandle)');
  });
});
