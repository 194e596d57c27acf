import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAULTS_SCENARIO, TRAFFIC_SCENARIO } from '../../../../src-shared/contract/built-in-scenarios';
import type { HardwareFaultInput, ScenarioInput } from '../../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriver } from '../../../engine/session/run-driver';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { testBuilder } from '../../../engine/session/testing';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { resourcesDir } from '../../../engine/resources';

/**
 * The reference LabNIC miniport (resources/examples/labnic-miniport) against the LabNIC model:
 * the built-in traffic and faults scenarios, and each hardware fault on its own, showing what a
 * correct driver sees and does. Built once; each run is a fresh session.
 */

const DIR = path.join(resourcesDir(), 'examples', 'labnic-miniport');
type BuildResult = ReturnType<Awaited<ReturnType<typeof testBuilder>>['build']>;
let sources: Record<string, string>;
let builder: Awaited<ReturnType<typeof testBuilder>>;
let build: BuildResult;

beforeAll(async () => {
  sources = Object.fromEntries(fs.readdirSync(DIR).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));
  builder = await testBuilder();
  build = builder.build({ files: sources, implementedImports: null });
}, 180_000);

function run(scenario: ScenarioInput, options: { faults?: string[]; systematicTarget?: string; files?: Record<string, string> } = {}) {
  const events: SimEvent[] = [];
  const built = options.files ? builder.build({ files: options.files, implementedImports: null }) : build;
  const out = runDriver({ build: built, driverName: 'labnic-miniport', scenario, onEvent: (e) => events.push(e), ...(options.faults ? { faults: options.faults } : {}), ...(options.systematicTarget ? { systematicTarget: options.systematicTarget } : {}) });
  return { ...out, events };
}


const up = (extra: ScenarioInput['steps'][number][] = [], addDevice: Partial<Extract<ScenarioInput['steps'][number], { step: 'add-device' }>> = {}): ScenarioInput => ({
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 1 }, ...addDevice },
    { step: 'restart' },
    { step: 'advance-time', ms: 60 },
    ...extra,
  ],
});

const traffic = (count: number): ScenarioInput['steps'][number][] => [
  { step: 'inject-frame', count, burst: 8, intervalUs: 100 },
  { step: 'send', count },
  { step: 'advance-time', ms: 20 },
];

const fault = (f: HardwareFaultInput): ScenarioInput['steps'][number] => ({ step: 'hw-fault', fault: f });

function ofKind<K extends SimEvent['kind']>(events: SimEvent[], kind: K): Array<Extract<SimEvent, { kind: K }>> {
  return events.filter((e): e is Extract<SimEvent, { kind: K }> => e.kind === kind);
}

function expectClean(r: ReturnType<typeof run>): void {
  expect(r.result.findings, JSON.stringify(r.result.findings)).toEqual([]);
  expect(r.result.bugcheck).toBeNull();
  for (const e of r.result.expectations) expect(e.ok, e.message).toBe(true);
  expect(r.result.result).toBe('clean');
}

describe('the reference LabNIC miniport', () => {
  it('builds with zero diagnostics', () => {
    expect(build.ok).toBe(true);
    expect(build.diagnostics).toEqual([]);
  });

  it('traffic: 10,000 frames each way, every injected frame indicated once, every sent frame on the wire once', () => {
    const r = run(TRAFFIC_SCENARIO);
    expectClean(r);
    const balance = r.result.expectations.find((e) => e.message.includes('balances'));
    expect(balance?.message).toContain('10000 frame(s) offered (10000 stored');
    expect(balance?.message).toContain('10000 indicated; 10000 sent with success, 10000 on the wire');
    const wire = ofKind(r.events, 'wire.frame');
    expect(wire.filter((w) => w.direction === 'rx')).toHaveLength(10_000);
    expect(wire.filter((w) => w.direction === 'tx')).toHaveLength(10_000);
    const indicated = ofKind(r.events, 'nbl').filter((n) => n.op === 'indicate').reduce((sum, n) => sum + n.count, 0);
    expect(indicated).toBe(10_000);
    // Every register access names the register, decodes its fields and carries the driver's line.
    const rctl = ofKind(r.events, 'hw.register').find((e) => e.register === 'RCTL' && e.op === 'write' && (e.value & 2) !== 0);
    expect(rctl?.fields).toMatch(/(^| )EN=1( |$)/);
    expect(rctl?.file).toMatch(/\.c$/);
    expect(rctl?.line).toBeGreaterThan(0);
    expect(sources[rctl!.file!]!.split('\n')[rctl!.line! - 1]).toMatch(/LN_WRITE|WRITE_REGISTER|NdisWriteRegisterUlong/);
    // The hardware panel's snapshots follow every step: rings, IRQ and registers as the device holds them.
    // (the one after the traffic was checked, while the adapter still runs)
    const checkedAt = r.events.findIndex((e) => e.kind === 'scenario.step' && e.step.startsWith('expect-traffic') && e.status === 'done');
    const snapshot = ofKind(r.events.slice(0, checkedAt + 1), 'hw.snapshot').at(-1)!;
    expect(snapshot.device).toBe('LabNIC');
    expect(snapshot.rings.map((ring) => [ring.name, ring.descriptors])).toEqual([
      ['receive', 256],
      ['transmit', 256],
    ]);
    expect(snapshot.registers.find((reg) => reg.name === 'RCTL')!.fields.find((f) => f.name === 'EN')!.value).toBe(1);
  }, 120_000);

  it('faults: every hardware fault in turn, with what a driver must report and no finding', () => {
    const r = run(FAULTS_SCENARIO);
    expectClean(r);
    expect(r.result.expectations.length).toBeGreaterThanOrEqual(13);
    expect(r.result.adapters.map((a) => [a.name, a.history.includes('Running')])).toEqual([
      ['adapter0', true],
      ['adapter1', false],
      ['adapter2', false],
      ['adapter3', true],
      ['adapter4', true],
    ]);
    expect(ofKind(r.events, 'hw.fault').map((f) => f.fault)).toEqual(
      expect.arrayContaining(['lost-interrupt', 'stuck-interrupt', 'interrupt-storm', 'dma-error', 'receive-overrun', 'link-flap', 'surprise-removal', 'bad-eeprom-checksum', 'reset-hang', 'reset-late', 'msi-as-line']),
    );
  }, 120_000);

  it('every call site that can fail, failed once in its own run (systematic), is handled without a finding', () => {
    const scenario = up([...traffic(64), { step: 'pause' }, { step: 'halt' }, { step: 'unload' }]);
    const first = run(scenario);
    expectClean(first);
    expect(first.sitesSeen.length).toBeGreaterThan(15);
    for (const site of first.sitesSeen) {
      const r = run(scenario, { systematicTarget: site });
      expect({ site, findings: r.result.findings, bugcheck: r.result.bugcheck, failed: r.result.expectations.filter((e) => !e.ok) }).toEqual({ site, findings: [], bugcheck: null, failed: [] });
    }
  }, 180_000);
});

describe('LabNIC hardware faults: what the reference driver sees', () => {
  it('lost interrupts: the causes stay latched in ICR; the watchdog finds them and no frame is lost', () => {
    const r = run(up([fault({ kind: 'lost-interrupt', count: 3 }), { step: 'inject-frame', count: 3, burst: 1, intervalUs: 5000 }, { step: 'advance-time', ms: 20 }, { step: 'expect-traffic', minIndicated: 3 }]));
    expectClean(r);
    const injectAt = r.events.find((e) => e.kind === 'hw.fault')!.t;
    // No interrupt was taken for the three frames, yet all three were indicated.
    expect(ofKind(r.events, 'hw.interrupt').filter((i) => i.t >= injectAt && i.outcome === 'claimed')).toHaveLength(0);
  });

  it('a stuck line: the ISR reads ICR 0 and says "not mine"; traffic still flows', () => {
    const r = run(up([fault({ kind: 'stuck-interrupt' }), ...traffic(32), { step: 'expect-traffic', minIndicated: 32, minSent: 32 }], { registry: { MSISupported: 0 } }));
    expectClean(r);
    expect(ofKind(r.events, 'hw.interrupt').some((i) => i.outcome === 'not-claimed')).toBe(true);
  });

  it('an interrupt storm: the driver masks the cause, logs it, and the run has no INT-STORM', () => {
    const r = run(up([fault({ kind: 'interrupt-storm' }), { step: 'advance-time', ms: 300 }, { step: 'expect-error-log', min: 1 }, fault({ kind: 'clear' }), ...traffic(16), { step: 'expect-state', state: 'Running' }]));
    expectClean(r);
    expect(ofKind(r.events, 'error.log').length).toBeGreaterThanOrEqual(1);
  });

  it('a DMA error: DMAERR in ICR, the receiver stops; check-for-hang and reset bring it back', () => {
    const r = run(up([fault({ kind: 'dma-error', count: 1 }), { step: 'inject-frame', count: 4 }, { step: 'advance-time', ms: 4500 }, ...traffic(16), { step: 'expect-traffic', minIndicated: 16, minSent: 16 }]));
    expectClean(r);
    expect(ofKind(r.events, 'hw.register').some((e) => e.register === 'ICR' && e.op === 'read' && (e.value & (1 << 20)) !== 0)).toBe(true);
    const resets = ofKind(r.events, 'adapter.reset').map((e) => e.phase);
    expect(resets).toContain('reset');
    expect(resets).toContain('completed');
    expect(ofKind(r.events, 'error.log').length).toBeGreaterThanOrEqual(1);
  });

  it('surprise removal: the device vanishes, PnP notifies, NDIS pauses and halts; the driver touches nothing after', () => {
    const r = run(up([...traffic(8), fault({ kind: 'surprise-removal' }), { step: 'advance-time', ms: 20 }, { step: 'expect-state', state: 'Halted' }]));
    expectClean(r);
    // The notification of the removal (the first one, after the initialization, is the power profile).
    const removed = r.events.findIndex((e) => e.kind === 'hw.fault' && e.fault === 'surprise-removal');
    const notified = r.events.findIndex((e, i) => i > removed && e.kind === 'driver.callback' && e.handler === 'MiniportDevicePnPEventNotify');
    expect(removed).toBeGreaterThan(0);
    expect(notified).toBeGreaterThan(removed);
    // Once told, the driver never touches the device again: not in pause, not in halt.
    expect(r.events.slice(notified).filter((e) => e.kind === 'hw.register')).toEqual([]);
    expect(r.result.adapters[0]!.history.slice(-3)).toEqual(['Pausing', 'Paused', 'Halted']);
    expect(ofKind(r.events, 'status.indication').some((e) => e.detail?.startsWith('disconnected'))).toBe(true);
  });

  it('a bad EEPROM checksum: initialization fails cleanly, with an error log entry', () => {
    const r = run({ steps: [{ step: 'load' }, { step: 'add-device', device: 'labnic', faults: [{ kind: 'bad-eeprom-checksum' }] }, { step: 'expect-state', state: 'Halted' }, { step: 'expect-error-log', min: 1 }, { step: 'unload' }] });
    expectClean(r);
    expect(r.result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Halted']);
  });

  it('a reset that never completes fails initialization; one that completes late (20 ms) does not', () => {
    const hang = run({ steps: [{ step: 'load' }, { step: 'add-device', device: 'labnic', faults: [{ kind: 'reset-hang' }] }, { step: 'expect-state', state: 'Halted' }, { step: 'expect-error-log', min: 1 }, { step: 'unload' }] });
    expectClean(hang);
    const late = run(up([...traffic(8), { step: 'expect-traffic', minIndicated: 8, minSent: 8 }], { faults: [{ kind: 'reset-late', delayMs: 20 }] }));
    expectClean(late);
  });

  it('a link flap: link-state indications say disconnected, then connected', () => {
    const r = run(up([fault({ kind: 'link-flap', downMs: 50 }), { step: 'advance-time', ms: 5 }, { step: 'expect-link', state: 'down' }, { step: 'advance-time', ms: 100 }, { step: 'expect-link', state: 'up' }, ...traffic(8)]));
    expectClean(r);
    const links = ofKind(r.events, 'status.indication').filter((s) => s.status === 'NDIS_STATUS_LINK_STATE').map((s) => s.detail?.split(',')[0]);
    expect(links).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('a receive overrun: the NIC drops what does not fit (MPC, RXO), later traffic is whole', () => {
    const r = run(up([fault({ kind: 'receive-overrun', frames: 1024 }), { step: 'advance-time', ms: 20 }, { step: 'expect-traffic' }, ...traffic(16)]));
    expectClean(r);
    const balance = r.result.expectations.find((e) => e.message.includes('balances'))!.message;
    expect(balance).toMatch(/\d+ stored, [1-9]\d* missed/);
  });

  it('MSI asked for and granted: message interrupts; granted as a line instead: the line ISR does the work', () => {
    const msi = run(up([...traffic(8), { step: 'expect-traffic', minIndicated: 8 }]));
    expectClean(msi);
    expect(ofKind(msi.events, 'hw.interrupt').filter((i) => i.outcome === 'claimed').every((i) => i.message !== undefined)).toBe(true);
    const line = run(up([...traffic(8), { step: 'expect-traffic', minIndicated: 8 }], { faults: [{ kind: 'msi-as-line' }] }));
    expectClean(line);
    const claimed = ofKind(line.events, 'hw.interrupt').filter((i) => i.outcome === 'claimed');
    expect(claimed.length).toBeGreaterThan(0);
    expect(claimed.every((i) => i.message === undefined)).toBe(true);
  });

  it('a driver that gives the NIC a wrong buffer address: the bus aborts (DMAERR) and the lab names the mistake', () => {
    const broken = { ...sources, 'datapath.c': sources['datapath.c']!.replace('Desc->BufferAddress = Buffer->Pa;', 'Desc->BufferAddress = Buffer->Pa + 0x10000000;') };
    expect(broken['datapath.c']).not.toBe(sources['datapath.c']);
    const r = run(up([{ step: 'inject-frame', count: 1 }, { step: 'advance-time', ms: 5 }]), { files: broken });
    expect(r.result.findings.map((f) => f.rule)).toEqual(['DMA-UNMAPPED']);
    expect(r.result.findings[0]!.message).toContain('neither shared memory nor part of a live scatter/gather list');
    expect(r.result.bugcheck).toBeNull();
  });
});
