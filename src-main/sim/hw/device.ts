/**
 * The hardware under an adapter, as the simulated NDIS sees it: what PnP assigned to the device
 * (ports, memory ranges, an interrupt), its PCI configuration space, and its registers. NDIS never
 * lets a driver touch a device directly: every register and port access goes through an NDIS /
 * kernel call (READ_REGISTER_ULONG, WRITE_PORT_UCHAR, …), and the simulator forwards it here.
 *
 * A device talks back through the `DeviceHost` the simulator gives it when the adapter starts:
 * it raises its interrupt and reaches shared memory by physical address (bus-master DMA).
 *
 * Devices are plain objects with no simulator dependencies, so a virtual NIC (LabNIC) or a tiny
 * test device can be written against this file alone.
 */

import type { HardwareFaultInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';

export type AccessSize = 1 | 2 | 4;

/** A fault the device itself can suffer (the wire-level and bench-level ones are the simulator's). */
export type DeviceFault = Exclude<HardwareFaultInput, { kind: 'receive-overrun' | 'clear' }>;

/** A device's state for the hardware panel (the simulator adds what it knows: ISR calls, MSI). */
export type DeviceSnapshot = Omit<Extract<SimEvent, { kind: 'hw.snapshot' }>, 't' | 'kind' | 'adapter' | 'device' | 'irq'> & {
  irq: { asserted: boolean; causes: number; mask: number; raised: number };
};

/** One named field of a register value. */
export interface DecodedField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  readonly access: string;
  readonly value: number;
  /** The value's meaning, for fields with named values. */
  readonly text?: string;
}

/** What happened to a frame offered to a device by the wire. */
export type ReceiveResult = 'delivered' | 'missed' | 'filtered' | 'dropped' | 'dma-error';

/** A resource the PnP manager assigned to the device (one CM_PARTIAL_RESOURCE_DESCRIPTOR each). */
export type DeviceResource =
  | { type: 'port'; start: number; length: number }
  | { type: 'memory'; start: number; length: number }
  | { type: 'interrupt'; vector: number; level: number; messageBased: boolean; messageCount?: number };

/** What the simulator offers a device once it is attached to an adapter. */
export interface DeviceHost {
  /**
   * The device raises its interrupt: the line goes active (or, for message-based interrupts, a
   * message is sent). The simulator calls the driver's ISR when the CPU may take it; a level line
   * is taken again after the ISR as long as `interruptPending()` stays true.
   */
  interrupt(messageId?: number): void;
  /**
   * Bus-master DMA: reads `length` bytes at a bus (physical) address the driver gave the device.
   * Undefined when the bus aborts the transfer: the address is not memory the driver mapped for
   * DMA (the simulator reports the driver's mistake; the device sees a master abort).
   */
  dmaRead(physical: bigint, length: number): Uint8Array | undefined;
  /** Bus-master DMA: writes bytes at a bus (physical) address the driver gave the device; false when the bus aborts it. */
  dmaWrite(physical: bigint, data: Uint8Array): boolean;
  /**
   * Bus-master DMA without a copy, for a device's hot path: the offset of a bus range (below 2^53)
   * in `dmaMemory()` (the bytes of all DMA-able memory), or -1 when the bus aborts the access, as
   * for dmaRead. Valid until the next host call.
   */
  dmaOffset?(physical: number, length: number): number;
  dmaMemory?(): Uint8Array;
  /** Virtual time, in 100 ns ticks. */
  now(): number;
  /** Runs `run` after `delayTicks` of virtual time (a device's own timing: link-up, a frame arriving). */
  after(delayTicks: number, label: string, run: () => void): void;
}

export interface BenchDevice {
  /** 'virtual' (no hardware at all) or 'pci'. */
  readonly kind: string;
  /** The device model's name for the hardware panel (LabNIC). */
  readonly model?: string;
  /** 256 bytes of PCI configuration space (vendor/device ids, BARs, interrupt line); absent off PCI. */
  readonly pciConfig?: Uint8Array;
  /** What PnP assigned, in the order the resource list shows them. */
  readonly resources: readonly DeviceResource[];
  /** A memory-mapped register read; `offset` is relative to the start of memory resource number `bar` (0 = the first memory resource). */
  readRegister(offset: number, size: AccessSize, bar: number): number;
  writeRegister(offset: number, size: AccessSize, value: number, bar: number): void;
  /** An I/O port read or write; `port` is the bus port number. */
  readPort(port: number, size: AccessSize): number;
  writePort(port: number, size: AccessSize, value: number): void;
  /** The register's name at `offset` of memory resource `bar` (or of port `offset` when `bar` is 'port'), for the timeline. */
  registerName?(offset: number, bar: number | 'port'): string | undefined;
  /** A register value split into its fields (by the name `registerName` gave), for events and the panel. */
  decodeFields?(name: string, value: number): readonly DecodedField[] | undefined;
  /** The device's state, read without side effects (no read-to-clear), for the hardware panel. */
  snapshot?(): DeviceSnapshot;
  /** True while the device is asserting its interrupt (a level-triggered line stays active until the driver clears the cause). */
  interruptPending?(): boolean;
  /** The simulator attaches the device when its adapter is added. */
  attach?(host: DeviceHost): void;
  /** The adapter halted (or failed to start): the device is idle again. */
  detach?(): void;
  /** Message-signalled interrupts the device can use (its MSI capability); absent: line-based only. */
  readonly msiMessages?: number;
  /** True when PnP must grant a line-based interrupt even though MSI was asked for (the msi-as-line fault). */
  msiDenied?(): boolean;
  /** A network device's port: every frame it puts on the wire. */
  onTransmit?: ((frame: Uint8Array) => void) | undefined;
  /** A frame the device transmitted while the link was down: completed, but lost. */
  onTransmitLost?: ((frame: Uint8Array) => void) | undefined;
  /** A frame arrives from the wire (the bench or a scenario plays the link partner). */
  receiveFrame?(frame: Uint8Array): ReceiveResult;
  /** The unicast address the device's receive filter accepts now. */
  stationAddress?(): Uint8Array;
  /** How many frames the device can hold for the driver at most (its receive ring), for sizing floods. */
  receiveCapacity?(): number;
  /** A hardware fault happens now. */
  inject?(fault: DeviceFault): void;
  /** Ends the faults that can end (interrupt, DMA, reset faults). */
  clearFaults?(): void;
}

/**
 * A device with no hardware at all: a virtual miniport's adapter (no resources, no registers, no
 * configuration space). The simulator never forwards an access here, since nothing can be mapped.
 */
export class NullDevice implements BenchDevice {
  readonly kind = 'virtual';
  readonly resources: readonly DeviceResource[] = [];

  readRegister(): number {
    throw new Error('a virtual device has no registers');
  }

  writeRegister(): void {
    throw new Error('a virtual device has no registers');
  }

  readPort(): number {
    throw new Error('a virtual device has no I/O ports');
  }

  writePort(): void {
    throw new Error('a virtual device has no I/O ports');
  }
}

/** Builds the device for an `add-device` step's `device` choice. */
export type DeviceFactory = () => BenchDevice;

const kinds = new Map<string, DeviceFactory>([['virtual', () => new NullDevice()]]);

/** Makes a device kind available to scenarios (`add-device` with `device: name`). LabNIC registers itself here. */
export function registerDeviceKind(name: string, factory: DeviceFactory): void {
  kinds.set(name, factory);
}

export function createDevice(name: string): BenchDevice {
  const factory = kinds.get(name);
  if (!factory) throw new Error(`no device kind "${name}" (known: ${[...kinds.keys()].join(', ')})`);
  return factory();
}

/** Little-endian access to a byte array: a helper for devices' register files and config space. */
export function readLe(bytes: Uint8Array, offset: number, size: AccessSize): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0xff);
  return value >>> 0;
}

export function writeLe(bytes: Uint8Array, offset: number, size: AccessSize, value: number): void {
  for (let i = 0; i < size && offset + i < bytes.length; i++) bytes[offset + i] = (value >>> (8 * i)) & 0xff;
}
