import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IM_OVER_LABNIC, IM_START_INSIDE } from '../../../src-shared/contract/built-in-scenarios';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriver } from '../../engine/session/run-driver';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { labnicReferenceBuild, lineOf, testBuilder } from '../../engine/session/testing';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { resourcesDir } from '../../engine/resources';
import { K } from './status';

/**
 * The reference pass-through intermediate driver (resources/examples/passthru-im) over a LabNIC
 * adapter run by the reference LabNIC miniport (resources/examples/labnic-miniport), both built
 * by the lab's clang and run in one simulated system: traffic both ways, a pended OID, a link
 * flap, a surprise removal below, and an intermediate driver that keeps what it must not.
 */

type Build = ReturnType<Awaited<ReturnType<typeof testBuilder>>['build']>;
const DIR = path.join(resourcesDir(), 'examples', 'passthru-im');
const VIRTUAL = '\\DEVICE\\PASSTHRU_{LAB-LOWER0}';
let sources: Record<string, string>;
let builder: Awaited<ReturnType<typeof testBuilder>>;
let passthru: Build;
let labnic: Build;

beforeAll(async () => {
  sources = Object.fromEntries(fs.readdirSync(DIR).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));
  builder = await testBuilder();
  passthru = build(sources);
  labnic = await labnicReferenceBuild();
}, 180_000);

/** Builds sources (a violating variant too); compile errors fail the test. */
function build(files: Record<string, string>): Build {
  const out = builder.build({ files, implementedImports: null });
  if (!out.ok) throw new Error(out.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return out;
}

function run(scenario: ScenarioInput, options: { build?: Build; lower?: Build; traceLower?: boolean; faults?: string[] } = {}) {
  const events: SimEvent[] = [];
  const out = runDriver({
    build: options.build ?? passthru,
    lower: options.lower ?? labnic,
    driverName: 'passthru-im',
    scenario,
    ...(options.traceLower ? { traceLower: true } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    onEvent: (e) => events.push(e),
  });
  return { ...out, events };
}

function ofKind<T extends SimEvent['kind']>(events: SimEvent[], kind: T): Array<Extract<SimEvent, { kind: T }>> {
  return events.filter((e): e is Extract<SimEvent, { kind: T }> => e.kind === kind);
}

const prints = (events: SimEvent[]): string[] => ofKind(events, 'debug.print').filter((e) => e.driver !== 'lower').map((e) => e.text.trim());

function expectClean(r: ReturnType<typeof run>): void {
  expect(r.result.findings, JSON.stringify(r.result.findings)).toEqual([]);
  expect(r.result.bugcheck).toBeNull();
  for (const e of r.result.expectations) expect(e.ok, e.message).toBe(true);
  expect(r.result.result).toBe('clean');
}

/** Callbacks entered, in order: [driver, handler] with 'lower' for the LabNIC miniport below. */
function callbacks(events: SimEvent[]): Array<[string, string]> {
  return ofKind(events, 'driver.callback')
    .filter((e) => e.phase === 'enter')
    .map((e) => [e.driver ?? 'im', e.handler]);
}

describe('passthru-im over the reference LabNIC miniport', () => {
  it('NDIS calls ProtocolBindAdapterEx after all underlying miniport drivers have initialized; higher protocols bind to the virtual miniport after its MiniportInitializeEx succeeded', () => {
    const r = run(IM_START_INSIDE);
    expectClean(r);
    const at = (test: (e: SimEvent) => boolean): number => r.events.findIndex(test);
    const lowerInitialized = at((e) => e.kind === 'adapter.state' && e.driver === 'lower' && e.adapter === 'lower0' && e.from === 'Initializing' && e.to === 'Paused');
    const bind = at((e) => e.kind === 'driver.callback' && e.driver === undefined && e.handler === 'ProtocolBindAdapterEx' && e.phase === 'enter');
    const virtualInitialized = at((e) => e.kind === 'adapter.state' && e.driver === undefined && e.adapter === VIRTUAL && e.from === 'Initializing' && e.to === 'Paused');
    const higherBinds = at((e) => e.kind === 'binding.state' && e.protocol === 'LABTCPIP' && e.to === 'Opening');
    expect(lowerInitialized).toBeGreaterThan(-1);
    expect(bind).toBeGreaterThan(lowerInitialized);
    expect(virtualInitialized).toBeGreaterThan(bind);
    expect(higherBinds).toBeGreaterThan(virtualInitialized);
    // A virtual miniport whose MiniportInitializeEx fails gets no protocol bound above it.
    const failed = run(IM_START_INSIDE, { faults: ['NdisMSetMiniportAttributes@1'] });
    expect(failed.events.some((e) => e.kind === 'adapter.state' && e.adapter === VIRTUAL && e.from === 'Initializing' && e.to === 'Halted')).toBe(true);
    expect(failed.events.some((e) => e.kind === 'binding.state' && e.protocol === 'LABTCPIP')).toBe(false);
  });

  it('runs im-over-labnic clean: 80 frames each way, counted on the LabNIC wire and at the protocol', () => {
    const r = run(IM_OVER_LABNIC);
    expectClean(r);
    const traffic = r.result.expectations.filter((e) => e.message.startsWith('traffic over the binding'));
    expect(traffic.map((e) => e.message.split(': ')[1])).toEqual([
      "64 frame(s) sent down the binding, 64 on lower0's wire; 64 frame(s) offered to the NIC, 64 indicated by its miniport, 64 given to the protocol",
      "80 frame(s) sent down the binding, 80 on lower0's wire; 80 frame(s) offered to the NIC, 80 indicated by its miniport, 80 given to the protocol",
    ]);
    // The frames really crossed the LabNIC's wire (the device's own transmit), and went up the virtual miniport.
    const wire = ofKind(r.events, 'wire.frame').filter((w) => w.adapter === 'lower0');
    expect(wire.filter((w) => w.direction === 'tx')).toHaveLength(80);
    expect(wire.filter((w) => w.direction === 'rx')).toHaveLength(80);
    expect(wire.every((w) => w.driver === 'lower')).toBe(true);
    const up = ofKind(r.events, 'nbl').filter((n) => n.op === 'indicate' && n.adapter === VIRTUAL).reduce((sum, n) => sum + n.count, 0);
    expect(up).toBe(80);
    // NDIS completed the driver's sends with the miniport's status and took its receives back.
    const sent = ofKind(r.events, 'nbl').filter((n) => n.adapter === 'lower0' && n.driver === undefined);
    expect(sent.filter((n) => n.op === 'send').reduce((s, n) => s + n.count, 0)).toBe(80);
    expect(sent.filter((n) => n.op === 'send-complete').reduce((s, n) => s + n.count, 0)).toBe(80);
    // The bind parameters came from the adapter below: its EEPROM address, its link as it indicated it.
    expect(prints(r.events)).toContain('PassthruIm: lower \\DEVICE\\{LAB-LOWER0}: MTU 1500, MAC 02-4c-41-42-00-01, 1000000000 bit/s, connected');
    // The link flap below reached the virtual miniport; the hardware panel shows the NIC below.
    expect(ofKind(r.events, 'status.indication').filter((s) => s.adapter === VIRTUAL).map((s) => s.detail?.split(',')[0])).toEqual(['disconnected', 'connected', 'disconnected']);
    expect(ofKind(r.events, 'hw.snapshot').some((s) => s.adapter === 'lower0' && s.device === 'LabNIC' && s.driver === 'lower')).toBe(true);
    expect(r.result.lower).toEqual([
      { driver: 'labnic-miniport', adapters: [{ name: 'lower0', state: 'Halted', history: ['Halted', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted'] }], ndisCalls: expect.any(Number) },
    ]);
  });

  it('im-over-labnic with every fallible call site of the IM failing once (systematic): handled, no finding, and the checks of what could not happen are skipped', () => {
    const first = run(IM_OVER_LABNIC);
    expect(first.sitesSeen.length).toBeGreaterThan(8);
    for (const site of first.sitesSeen) {
      const r = runDriver({ build: passthru, lower: labnic, driverName: 'passthru-im', scenario: IM_OVER_LABNIC, tracing: false, systematicTarget: site });
      const serious = r.result.findings.filter((f) => f.severity !== 'warn');
      expect({ site, serious, failed: r.result.expectations.filter((e) => !e.ok), bugcheck: r.result.bugcheck }).toEqual({ site, serious: [], failed: [], bugcheck: null });
    }
  });

  it('a pended OID: OID_GEN_LINK_STATE goes down the binding, the LabNIC miniport pends it on a PHY read, and ProtocolOidRequestComplete finishes the request above', () => {
    const r = run({
      steps: [{ step: 'load' }, { step: 'bind' }, { step: 'oid', oid: 0x00010207, request: 'query' }, { step: 'pause' }, { step: 'unbind' }, { step: 'unload' }],
    });
    expectClean(r);
    const oids = ofKind(r.events, 'oid.complete').filter((o) => o.oid === 'OID_GEN_LINK_STATE');
    // Below: the miniport completed it later (NdisMOidRequestComplete from its DPC); above: so did the IM.
    expect(oids.map((o) => [o.adapter, o.driver ?? 'im', o.mode, o.status, o.bytes])).toEqual([
      ['lower0', 'lower', 'pended', 'NDIS_STATUS_SUCCESS', 40],
      ['lower0', 'im', 'pended', 'NDIS_STATUS_SUCCESS', 40],
      [VIRTUAL, 'im', 'pended', 'NDIS_STATUS_SUCCESS', 40],
    ]);
    expect(oids[0]!.file).toBe('ndis-lab:examples/labnic-miniport/oid.c');
    expect(oids[2]!.file).toBe('oid.c');
    // NdisOidRequest returned PENDING to the IM's MiniportOidRequest, which returned PENDING to NDIS.
    const oidCall = ofKind(r.events, 'driver.callback').filter((e) => e.handler === 'MiniportOidRequest' && e.phase === 'exit');
    expect(oidCall.at(-1)!.result).toBe('0x00000103');
    const complete = ofKind(r.events, 'driver.callback').find((e) => e.handler === 'ProtocolOidRequestComplete' && e.phase === 'enter')!;
    expect(complete.irql).toBe(2);
    expect(complete.t - oidCall.at(-1)!.t).toBe(100); // an MDIC access: 10 µs
    expect(prints(r.events)).toContain('PassthruIm: OID 0x00010207 completed below: 0x00000000');
  });

  it('surprise removal below: PnP tells the miniport, NDIS unbinds the IM (which de-initializes its virtual miniport), then pauses and halts the miniport (SurpriseRemoved)', () => {
    const r = run(IM_OVER_LABNIC, { traceLower: true });
    expectClean(r);
    const removedAt = r.events.findIndex((e) => e.kind === 'hw.fault' && e.fault === 'surprise-removal');
    const order = callbacks(r.events.slice(removedAt)).filter(([, h]) => /PnP|Unbind|Pause|Halt|NetPnPEvent/.test(h));
    expect(order).toEqual([
      ['lower', 'MiniportDevicePnPEventNotify'],
      ['im', 'ProtocolNetPnPEvent'],
      ['im', 'ProtocolUnbindAdapterEx'],
      ['im', 'MiniportPause'],
      ['im', 'MiniportHaltEx'],
      ['lower', 'MiniportPause'],
      ['lower', 'MiniportHaltEx'],
    ]);
    const halt = ofKind(r.events, 'debug.print').find((e) => e.driver === 'lower' && e.text.includes('MiniportHaltEx, action'))!;
    expect(halt.text).toContain(`action ${K.NdisHaltDeviceSurpriseRemoved}:`);
    // The IM's binding over lower0 (LABTCPIP's binding above its virtual miniport goes first).
    const bindings = ofKind(r.events, 'binding.state').filter((b) => b.lower === 'lower0').map((b) => b.to);
    expect(bindings.slice(-4)).toEqual(['Pausing', 'Paused', 'Closing', 'Unbound']);
  });

  it('lost interrupts below while the IM unbinds with sends in flight: the LabNIC watchdog finishes them, the IM is not blamed (no WAIT-FOREVER)', () => {
    const r = run({
      steps: [
        { step: 'load' },
        { step: 'bind' },
        { step: 'hw-fault', adapter: 'lower0', fault: { kind: 'lost-interrupt', count: 1000 } },
        { step: 'send', count: 40 },
        { step: 'unbind' },
        { step: 'expect-traffic', lower: 'lower0', minSent: 40 },
        { step: 'unload' },
      ],
    });
    expectClean(r);
    // NetEventPause returned only once the 40 sends were back: at the LabNIC watchdog's next tick (every 2 ms).
    const unbindAt = r.events.findIndex((e) => e.kind === 'scenario.step' && e.step.startsWith('unbind') && e.status === 'started');
    const pause = ofKind(r.events.slice(unbindAt), 'driver.callback').find((e) => e.handler === 'ProtocolNetPnPEvent' && e.phase === 'exit')!;
    const waited = pause.t - r.events[unbindAt]!.t;
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(2 * 10_000);
  });

  it('the driver below stays out of the learner\'s way: its events are marked, name lab files, and its internals show only when asked', () => {
    const quiet = run(IM_START_INSIDE);
    expectClean(quiet);
    expect(quiet.events.filter((e) => e.driver === 'lower' && ['ndis.call', 'driver.callback', 'debug.print', 'hw.register'].includes(e.kind))).toEqual([]);
    expect(ofKind(quiet.events, 'adapter.state').filter((e) => e.adapter === 'lower0').every((e) => e.driver === 'lower')).toBe(true);
    const traced = run(IM_START_INSIDE, { traceLower: true });
    const lowerFiles = traced.events.filter((e) => e.driver === 'lower' && 'file' in e && e.file).map((e) => (e as { file: string }).file);
    expect(lowerFiles.length).toBeGreaterThan(100);
    expect(lowerFiles.every((f) => f.startsWith('ndis-lab:examples/labnic-miniport/'))).toBe(true);
    // Nothing of the learner's is marked, and no learner event names a lab file.
    const learner = traced.events.filter((e) => e.driver === undefined && 'file' in e && e.file).map((e) => (e as { file: string }).file);
    expect(learner.length).toBeGreaterThan(0);
    expect(learner.some((f) => f.startsWith('ndis-lab:'))).toBe(false);
    expect(callbacks(traced.events).filter(([d]) => d === 'lower').map(([, h]) => h).slice(0, 3)).toEqual(['DriverEntry', 'MiniportSetOptions', 'MiniportInitializeEx']);
  });

  it('NDIS_RECEIVE_FLAGS_RESOURCES: the reference IM copies nothing and keeps nothing (clean); an IM that passes them up without the flag is caught when the NBL comes back (NBL-OWNERSHIP at its line)', () => {
    // A flood: the LabNIC runs low on receive buffers and indicates with NDIS_RECEIVE_FLAGS_RESOURCES.
    const flood: ScenarioInput = {
      steps: [
        { step: 'load' },
        { step: 'bind' },
        { step: 'inject-frame', lower: 'lower0', count: 3000, bytes: 64, burst: 64, intervalUs: 10 },
        { step: 'advance-time', ms: 30 },
        { step: 'expect-traffic', lower: 'lower0', minIndicated: 3000 },
        { step: 'pause' },
        { step: 'unbind' },
        { step: 'unload' },
      ],
    };
    const good = run(flood);
    expectClean(good);
    const resourcesToProtocol = ofKind(good.events, 'nbl').filter((n) => n.adapter === 'lower0' && n.driver === undefined && n.op === 'indicate' && n.detail?.includes('RESOURCES'));
    expect(resourcesToProtocol.reduce((s, n) => s + n.count, 0)).toBeGreaterThan(100);

    const keeps = sources['protocol.c']!
      .replace(
        `    if (NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        PtReceiveCannotPend(Binding, NetBufferLists, ReceiveFlags);
        return;
    }`,
        '',
      )
      .replace(
        'UpCount, ReceiveFlags);',
        'UpCount, ReceiveFlags & ~NDIS_RECEIVE_FLAGS_RESOURCES); /* KEEPS */',
      );
    expect(keeps).toContain('/* KEEPS */');
    expect(keeps).not.toContain('PtReceiveCannotPend(Binding, NetBufferLists, ReceiveFlags);');
    const bad = run(flood, { build: build({ ...sources, 'protocol.c': keeps }) });
    expect(bad.result.result).toBe('bugcheck');
    expect(bad.result.bugcheck).toMatchObject({ rule: 'NBL-OWNERSHIP', file: 'miniport.c', line: lineOf(sources['miniport.c']!, 'NdisFreeNetBufferListContext(Nbl, PT_NBL_CONTEXT_SIZE);') });
    expect(bad.result.bugcheck!.message).toContain('NDIS_RECEIVE_FLAGS_RESOURCES');
    // The lab's own driver did nothing wrong.
    expect(bad.result.findings.filter((f) => f.message.includes('below the binding'))).toEqual([]);
  });

  it('a finding of the driver below is reported with a prefix and the lab file it is in', () => {
    const labnicDir = path.join(resourcesDir(), 'examples', 'labnic-miniport');
    const files = Object.fromEntries(fs.readdirSync(labnicDir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(labnicDir, f), 'utf8')]));
    // A LabNIC driver whose halt forgets its NBL pool.
    const leaky = files['adapter.c']!.replace(/NdisFreeNetBufferListPool\(Adapter->NblPool\);/, '/* LEAK */');
    expect(leaky).toContain('/* LEAK */');
    const r = run(IM_START_INSIDE, { lower: build({ ...files, 'adapter.c': leaky }) });
    const below = r.result.findings.filter((f) => f.message.startsWith("[the lab's labnic-miniport driver below the binding"));
    expect(below.map((f) => f.rule)).toContain('HALT-LEAK');
    expect(r.result.result).toBe('findings');
  });

  it('below: model keeps the built-in stand-in (no driver below, no LabNIC wire)', () => {
    const r = run({ steps: [{ step: 'load' }, { step: 'bind', below: 'model' }, { step: 'expect-traffic', lower: 'lower0' }, { step: 'unbind' }, { step: 'unload' }] });
    expect(r.result.lower).toBeUndefined();
    expect(r.result.expectations[0]).toMatchObject({ ok: false, message: expect.stringContaining('needs the LabNIC below (bind with below: labnic)') });
    expect(prints(r.events).find((t) => t.startsWith('PassthruIm: lower'))).toContain('MAC 02-4c-41-42-00-01, 1000000000 bit/s, connected');
  });

  it('a run that binds to a LabNIC without the reference driver says so', () => {
    expect(() => runDriver({ build: passthru, driverName: 'passthru-im', scenario: IM_START_INSIDE })).toThrow(/needs the reference LabNIC driver/);
  });
});
