import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../../src-shared/contract';
import { causeNames, decodePci, fieldsText, HardwareModel, MAX_SNAPSHOTS, type HwSnapshot } from './hardware-model';
import { buildScenario } from './scenario-builder';

const PCI = '414c494e0700000001000002000000000000bcfe01c000000000000000000000000000000000000000000000414c01000000000000000000000000000b010000';

function snapshot(t: number, rdt: number): HwSnapshot {
  return {
    t,
    kind: 'hw.snapshot',
    adapter: 'adapter0',
    device: 'LabNIC',
    registers: [
      { name: 'ICR', offset: 0xc0, value: 0, fields: [{ name: 'TXDW', lsb: 0, width: 1, access: 'RC/W1C', value: 0 }, { name: 'LSC', lsb: 2, width: 1, access: 'RC/W1C', value: 0 }] },
      { name: 'RCTL', offset: 0x100, value: 2, fields: [{ name: 'EN', lsb: 1, width: 1, access: 'RW', value: 1 }, { name: 'BSIZE', lsb: 16, width: 2, access: 'RW', value: 0, text: '2048 bytes' }] },
      { name: 'RDT', offset: 0x2818, value: rdt, fields: [{ name: 'RDT', lsb: 0, width: 16, access: 'RW', value: rdt }] },
    ],
    irq: { asserted: false, causes: 5, mask: 4, messageBased: true, raised: 3, isrCalls: 3 },
    rings: [{ name: 'receive', base: '0x40018000', descriptors: 256, head: 0, tail: rdt, enabled: true, deviceOwned: rdt }],
    pci: PCI,
    link: 'up',
    faults: [],
  };
}

describe('HardwareModel', () => {
  it('shows the topology: each adapter with its driver (the lab\'s below a binding), and the bindings with their states', () => {
    const model = new HardwareModel();
    const VIRTUAL = '\\DEVICE\\PASSTHRU_{LAB-LOWER0}';
    model.apply('run-1', [
      { t: 0, kind: 'run.started', driver: 'passthru-im', seed: 1, scenario: 'im-start-inside', faults: [] },
      { t: 1, kind: 'adapter.state', adapter: 'lower0', from: 'Halted', to: 'Initializing', driver: 'lower' },
      { t: 2, kind: 'adapter.state', adapter: 'lower0', from: 'Initializing', to: 'Paused', driver: 'lower' },
      { t: 3, kind: 'binding.state', lower: 'lower0', protocol: 'PASSTHRU', from: 'Unbound', to: 'Opening' },
      { t: 4, kind: 'adapter.state', adapter: VIRTUAL, from: 'Halted', to: 'Initializing' },
      { t: 5, kind: 'adapter.state', adapter: VIRTUAL, from: 'Initializing', to: 'Paused' },
      { t: 6, kind: 'binding.state', lower: 'lower0', protocol: 'PASSTHRU', from: 'Opening', to: 'Paused' },
      { t: 7, kind: 'binding.state', lower: VIRTUAL, protocol: 'LABTCPIP', from: 'Unbound', to: 'Opening' },
    ]);
    expect([...model.adapters.values()].map((a) => [a.name, a.driver, a.below, a.state])).toEqual([
      ['lower0', "labnic-miniport (the lab's, below the binding)", true, 'Paused'],
      [VIRTUAL, 'passthru-im', false, 'Paused'],
    ]);
    expect([...model.bindings.values()]).toEqual([
      { protocol: 'PASSTHRU', adapter: 'lower0', state: 'Paused', history: ['Unbound', 'Opening', 'Paused'] },
      { protocol: 'LABTCPIP', adapter: VIRTUAL, state: 'Opening', history: ['Unbound', 'Opening'] },
    ]);
    // A new run starts the topology afresh.
    model.apply('run-2', [{ t: 0, kind: 'run.started', driver: 'd', seed: 1, scenario: 'default', faults: [] }]);
    expect(model.bindings.size).toBe(0);
  });

  it('starts afresh with each run, showing the devices its scenario adds', () => {
    const model = new HardwareModel();
    model.expect(buildScenario({ scenario: 'faults', faults: [], labnic: false }));
    model.apply('run-1', [{ t: 0, kind: 'run.started', driver: 'd', seed: 1, scenario: 'faults', faults: [] }]);
    expect([...model.adapters.keys()]).toEqual(['adapter0', 'adapter1', 'adapter2', 'adapter3', 'adapter4']);
    expect(model.adapters.get('adapter1')!.device).toBe('labnic');
    // Another run (started elsewhere, with no scenario of ours) replaces it.
    model.apply('run-2', [{ t: 0, kind: 'run.started', driver: 'd', seed: 1, scenario: 'default', faults: [] }]);
    expect(model.runId).toBe('run-2');
    expect(model.adapters.size).toBe(0);
    // Late events of the old run are ignored.
    expect(model.apply('run-1', [{ t: 1, kind: 'adapter.state', adapter: 'adapter0', from: 'Halted', to: 'Initializing' }])).toBe(false);
    expect(model.adapters.size).toBe(0);
  });

  it('folds states, snapshots with their step, the latest access, interrupts, link and faults', () => {
    const model = new HardwareModel();
    const before = model.version;
    const events: SimEvent[] = [
      { t: 0, kind: 'run.started', driver: 'd', seed: 1, scenario: 'traffic', faults: [] },
      { t: 0, kind: 'scenario.step', index: 1, step: 'add-device name=adapter0', status: 'started' },
      { t: 0, kind: 'adapter.state', adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
      { t: 1, kind: 'hw.register', adapter: 'adapter0', space: 'memory', op: 'write', offset: 0x2818, bar: 0, size: 4, value: 255, register: 'RDT', fields: 'RDT=0xff', file: 'hardware.c', line: 10 },
      snapshot(2, 255),
      { t: 3, kind: 'hw.interrupt', adapter: 'adapter0', outcome: 'claimed', dpc: true },
      { t: 3, kind: 'hw.interrupt', adapter: 'adapter0', outcome: 'claimed', dpc: true },
      { t: 4, kind: 'status.indication', adapter: 'adapter0', status: 'NDIS_STATUS_LINK_STATE', detail: 'disconnected, duplex unknown, unknown' },
      { t: 5, kind: 'hw.fault', adapter: 'adapter0', fault: 'link-flap', detail: 'downMs=100' },
      { t: 6, kind: 'hw.register', adapter: 'adapter0', space: 'memory', op: 'read', offset: 0xc0, bar: 0, size: 4, value: 4, register: 'ICR' },
    ];
    expect(model.apply('run-7', events)).toBe(true);
    expect(model.version).toBeGreaterThan(before);
    const adapter = model.adapters.get('adapter0')!;
    expect(adapter.device).toBe('LabNIC');
    expect(adapter.state).toBe('Initializing');
    expect(adapter.history).toEqual(['Halted', 'Initializing']);
    expect(adapter.snapshots).toHaveLength(1);
    expect(adapter.snapshots[0]!.step).toBe('#1 add-device name=adapter0');
    expect(adapter.snapshots[0]!.lastAccess?.register).toBe('RDT');
    expect(adapter.lastAccess?.register).toBe('ICR');
    expect(adapter.accesses).toBe(2);
    expect(adapter.interrupts).toEqual({ claimed: 2 });
    expect(adapter.linkIndication?.detail).toMatch(/^disconnected/);
    expect(adapter.faultEvents.map((f) => f.fault)).toEqual(['link-flap']);
  });

  it('keeps a bounded history of snapshots', () => {
    const model = new HardwareModel();
    model.apply('r', [{ t: 0, kind: 'run.started', driver: 'd', seed: 1, scenario: 'x', faults: [] }]);
    const many = Array.from({ length: MAX_SNAPSHOTS + 5 }, (_, i) => snapshot(i, i % 256));
    model.apply('r', many);
    const adapter = model.adapters.get('adapter0')!;
    expect(adapter.snapshots).toHaveLength(MAX_SNAPSHOTS);
    expect(adapter.snapshots[0]!.snapshot.t).toBe(5);
  });
});

describe('decoding', () => {
  it("reads LabNIC's PCI configuration space", () => {
    const pci = decodePci(PCI)!;
    expect(pci.vendorId).toBe(0x4c41);
    expect(pci.deviceId).toBe(0x4e49);
    expect(pci.command).toBe(7);
    expect(pci.commandBits).toEqual(['IO', 'MEM', 'BUS-MASTER']);
    expect(pci.classCode).toBe(0x020000);
    expect(pci.bars[0]).toBe(0xfebc0000);
    expect(pci.bars[1]).toBe(0xc001);
    expect(pci.subsystemVendorId).toBe(0x4c41);
    expect(pci.subsystemId).toBe(1);
    expect(pci.interruptLine).toBe(11);
    expect(pci.interruptPin).toBe(1);
    expect(decodePci('ffff')).toBeUndefined();
    expect(decodePci('ff'.repeat(64))!.vendorId).toBe(0xffff);
  });

  it('names fields and interrupt causes', () => {
    const snap = snapshot(0, 1);
    expect(fieldsText(snap.registers[1]!.fields)).toBe('EN=1 BSIZE=0x0 (2048 bytes)');
    expect(causeNames(snap, 'ICR', 5)).toBe('TXDW LSC');
    expect(causeNames(snap, 'ICR', 0)).toBe('none');
    expect(causeNames(snap, 'ICR', 0x100000)).toBe('0x00100000');
  });
});
