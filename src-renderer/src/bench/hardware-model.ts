import type { ScenarioInput, SimEvent } from '../../../src-shared/contract';
import type { HardwareTally } from '../consoles/line-block';

export type HwSnapshot = Extract<SimEvent, { kind: 'hw.snapshot' }>;
export type HwRegisterAccess = Extract<SimEvent, { kind: 'hw.register' }>;
export type HwFaultEvent = Extract<SimEvent, { kind: 'hw.fault' }>;

/** A device snapshot, with the scenario step it was taken in and the register access just before it. */
export interface SnapshotEntry {
  snapshot: HwSnapshot;
  /** The scenario step running when it was taken ("#7 advance-time ms=250"). */
  step: string;
  lastAccess: HwRegisterAccess | undefined;
  /** The link-state indication and the faults that had happened by then. */
  linkIndication: LinkIndication | undefined;
  faultEvents: readonly HwFaultEvent[];
}

export interface LinkIndication {
  detail: string;
  t: number;
}

export interface AdapterView {
  name: string;
  /** The driver running it: the learner's, or the lab's reference driver below a binding. */
  driver: string;
  /** True for an adapter of the lab's driver below a binding (events marked driver: 'lower'). */
  below: boolean;
  /** The device model: the snapshot's (LabNIC), else what the scenario asked for, else virtual. */
  device: string;
  state: string;
  history: string[];
  /** Snapshots of its device, oldest first (at most MAX_SNAPSHOTS; the oldest go first). */
  snapshots: SnapshotEntry[];
  /** The most recent register or port access of the driver. */
  lastAccess: HwRegisterAccess | undefined;
  accesses: number;
  /** hw.interrupt outcomes: claimed, not-claimed, … → count. */
  interrupts: Record<string, number>;
  /** The last NDIS_STATUS_LINK_STATE the driver indicated. */
  linkIndication: LinkIndication | undefined;
  /** The latest hardware faults that happened (at most MAX_FAULTS). */
  faultEvents: HwFaultEvent[];
}

/** A protocol's binding to an adapter: the intermediate driver's over the adapter below, LABTCPIP's over a virtual miniport. */
export interface BindingView {
  protocol: string;
  /** The adapter it is bound to. */
  adapter: string;
  state: string;
  history: string[];
}

export const MAX_SNAPSHOTS = 1000;
export const MAX_FAULTS = 16;

/**
 * What the hardware panel shows of a run, folded from its events: adapters (from the scenario and
 * adapter.state), device snapshots, the latest register access, interrupts, link and faults. Only
 * what the panel needs is kept; one event costs a few field writes, so a long run stays cheap.
 */
export class HardwareModel {
  runId: string | undefined;
  readonly adapters = new Map<string, AdapterView>();
  /** By "protocol over adapter", in the order they first appeared. */
  readonly bindings = new Map<string, BindingView>();
  /** The run's driver (run.started). */
  driver = 'driver';
  /** Bumped on every change, so a view knows when to redraw. */
  version = 0;
  private step = '';
  private expected: ScenarioInput | undefined;

  /** The scenario the next run will start with (the bench sent it): its devices show before they start. */
  expect(scenario: ScenarioInput | undefined): void {
    this.expected = scenario;
  }

  reset(runId: string | undefined, scenario?: ScenarioInput): void {
    this.runId = runId;
    this.adapters.clear();
    this.bindings.clear();
    this.step = '';
    this.version++;
    for (const step of scenario?.steps ?? []) {
      if (step.step !== 'add-device') continue;
      const adapter = this.adapter(step.name ?? 'adapter0');
      adapter.device = step.device ?? 'virtual';
    }
  }

  /** Folds one batch of a run's events; a batch that starts a run starts the model afresh. */
  apply(runId: string, events: readonly SimEvent[]): boolean {
    let changed = false;
    for (const event of events) {
      if (event.kind === 'run.started') {
        this.reset(runId, this.expected?.name === event.scenario ? this.expected : undefined);
        this.driver = event.driver;
        for (const adapter of this.adapters.values()) adapter.driver = event.driver;
        this.expected = undefined;
        changed = true;
        continue;
      }
      if (runId !== this.runId) continue;
      if (this.fold(event)) changed = true;
    }
    if (changed) this.version++;
    return changed;
  }

  /** A batch's counts of the run's interrupts and register accesses that came without their events (line-block.ts). */
  tally(runId: string, tallies: readonly HardwareTally[]): boolean {
    if (runId !== this.runId || tallies.length === 0) return false;
    for (const { adapter: name, accesses, interrupts } of tallies) {
      const adapter = this.adapter(name);
      adapter.accesses += accesses;
      for (const [outcome, count] of Object.entries(interrupts)) adapter.interrupts[outcome] = (adapter.interrupts[outcome] ?? 0) + count;
    }
    this.version++;
    return true;
  }

  private fold(event: SimEvent): boolean {
    switch (event.kind) {
      case 'scenario.step':
        if (event.status === 'started') this.step = event.live ? `#${event.index}, live: ${event.step}` : `#${event.index} ${event.step}`;
        return false;
      case 'adapter.state': {
        const adapter = this.adapter(event.adapter);
        if (event.driver === 'lower' && !adapter.below) {
          adapter.below = true;
          adapter.driver = 'labnic-miniport (the lab\'s, below the binding)';
        }
        adapter.state = event.to;
        if (adapter.history.length === 0) adapter.history.push(event.from);
        adapter.history.push(event.to);
        return true;
      }
      case 'binding.state': {
        const key = `${event.protocol} over ${event.lower}`;
        let binding = this.bindings.get(key);
        if (!binding) {
          binding = { protocol: event.protocol, adapter: event.lower, state: event.from, history: [event.from] };
          this.bindings.set(key, binding);
        }
        binding.state = event.to;
        binding.history.push(event.to);
        return true;
      }
      case 'hw.snapshot': {
        const adapter = this.adapter(event.adapter);
        adapter.device = event.device;
        adapter.snapshots.push({
          snapshot: event,
          step: this.step,
          lastAccess: adapter.lastAccess,
          linkIndication: adapter.linkIndication,
          faultEvents: adapter.faultEvents.slice(),
        });
        if (adapter.snapshots.length > MAX_SNAPSHOTS) adapter.snapshots.splice(0, adapter.snapshots.length - MAX_SNAPSHOTS);
        return true;
      }
      case 'hw.register': {
        const adapter = this.adapter(event.adapter);
        adapter.lastAccess = event;
        adapter.accesses++;
        return true;
      }
      case 'hw.interrupt': {
        const adapter = this.adapter(event.adapter);
        adapter.interrupts[event.outcome] = (adapter.interrupts[event.outcome] ?? 0) + 1;
        return true;
      }
      case 'hw.fault': {
        const adapter = this.adapter(event.adapter);
        adapter.faultEvents.push(event);
        if (adapter.faultEvents.length > MAX_FAULTS) adapter.faultEvents.shift();
        return true;
      }
      case 'status.indication': {
        if (event.status !== 'NDIS_STATUS_LINK_STATE') return false;
        this.adapter(event.adapter).linkIndication = { detail: event.detail ?? '', t: event.t };
        return true;
      }
      default:
        return false;
    }
  }

  private adapter(name: string): AdapterView {
    let adapter = this.adapters.get(name);
    if (!adapter) {
      adapter = {
        name,
        driver: this.driver,
        below: false,
        device: 'virtual',
        state: '—',
        history: [],
        snapshots: [],
        lastAccess: undefined,
        accesses: 0,
        interrupts: {},
        linkIndication: undefined,
        faultEvents: [],
      };
      this.adapters.set(name, adapter);
    }
    return adapter;
  }
}

// --- decoding for the panel ---------------------------------------------------------------------

export function hex(value: number, digits = 8): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** A register's decoded fields as text: "EN=1 BAM=1 BSIZE=0 (2048 bytes)". */
export function fieldsText(fields: HwSnapshot['registers'][number]['fields']): string {
  return fields.map((f) => `${f.name}=${f.width > 1 ? `0x${f.value.toString(16)}` : f.value}${f.text ? ` (${f.text})` : ''}`).join(' ');
}

/** The names of the bits set in `value`, by the fields of a cause register (ICR/IMS) of the snapshot. */
export function causeNames(snapshot: HwSnapshot, register: string, value: number): string {
  const fields = snapshot.registers.find((r) => r.name === register)?.fields ?? [];
  const names = fields.filter((f) => f.width === 1 && (value >>> f.lsb) & 1).map((f) => f.name);
  return names.length > 0 ? names.join(' ') : value === 0 ? 'none' : hex(value);
}

export interface PciConfig {
  vendorId: number;
  deviceId: number;
  command: number;
  /** The command register's bits that are set, by name. */
  commandBits: string[];
  status: number;
  revision: number;
  classCode: number;
  bars: number[];
  subsystemVendorId: number;
  subsystemId: number;
  interruptLine: number;
  interruptPin: number;
}

const COMMAND_BITS: ReadonlyArray<[number, string]> = [
  [0, 'IO'],
  [1, 'MEM'],
  [2, 'BUS-MASTER'],
  [6, 'PARITY'],
  [8, 'SERR'],
  [10, 'INTX-DISABLE'],
];

/** The standard header of PCI configuration space, from the snapshot's hex (little-endian). */
export function decodePci(text: string): PciConfig | undefined {
  if (!/^(?:[0-9a-fA-F]{2}){64,}$/.test(text)) return undefined;
  const byte = (i: number): number => parseInt(text.slice(i * 2, i * 2 + 2), 16);
  const word = (i: number): number => byte(i) | (byte(i + 1) << 8);
  const dword = (i: number): number => (word(i) | (word(i + 2) << 16)) >>> 0;
  const command = word(4);
  return {
    vendorId: word(0),
    deviceId: word(2),
    command,
    commandBits: COMMAND_BITS.filter(([bit]) => (command >> bit) & 1).map(([, name]) => name),
    status: word(6),
    revision: byte(8),
    classCode: (byte(0x0b) << 16) | (byte(0x0a) << 8) | byte(0x09),
    bars: [0x10, 0x14, 0x18, 0x1c, 0x20, 0x24].map(dword),
    subsystemVendorId: word(0x2c),
    subsystemId: word(0x2e),
    interruptLine: byte(0x3c),
    interruptPin: byte(0x3d),
  };
}
