import { LabNic, LABNIC, PCI, type LabNicOptions } from './device';
import { REG, type RegName } from './registers';
import { FakeHost } from './test-host';

/** Shared setup for LabNIC's register-level tests: an attached device, its fake host, and ring helpers. */
export interface Bench {
  nic: LabNic;
  host: FakeHost;
  rd(name: RegName): number;
  wr(name: RegName, value: number): void;
  wire: Uint8Array[];
}

export const RING_BASE = 0x1000_0000n;
export const BUFFERS = 0x2000_0000n;

export function bench(options: LabNicOptions & { attach?: boolean; busMaster?: boolean } = {}): Bench {
  const nic = new LabNic({ busMaster: true, ...options });
  const host = new FakeHost();
  const wire: Uint8Array[] = [];
  nic.onTransmit = (frame) => wire.push(frame);
  if (options.attach ?? true) nic.attach(host);
  return {
    nic,
    host,
    wire,
    rd: (name) => nic.readRegister(REG[name], 4, 0),
    wr: (name, value) => nic.writeRegister(REG[name], 4, value >>> 0, 0),
  };
}

/** Attached, link up (after auto-negotiation), ICR cleared. */
export function linkedBench(options: LabNicOptions = {}): Bench {
  const b = bench(options);
  b.host.advanceMs(50);
  b.rd('ICR');
  return b;
}

export function setBusMaster(nic: LabNic, on: boolean): void {
  const c = nic.pciConfig;
  c[PCI.COMMAND] = on ? (c[PCI.COMMAND] ?? 0) | PCI.BUS_MASTER : (c[PCI.COMMAND] ?? 0) & ~PCI.BUS_MASTER;
}

export function setU64(bytes: Uint8Array, offset: number, value: bigint): void {
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(offset, value, true);
}

export function frameTo(dest: readonly number[], length: number, fill: number): Uint8Array {
  const f = new Uint8Array(length).fill(fill);
  f.set(dest, 0);
  return f;
}

export const OUR_MAC = LABNIC.defaultMac;
export const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
