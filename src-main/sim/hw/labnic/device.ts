import { readLe, writeLe, type AccessSize, type BenchDevice, type DeviceFault, type DeviceSnapshot, type DeviceHost, type DeviceResource, type ReceiveResult } from '../device';
import { buildEeprom, EEPROM_CHECKSUM_WORD, EEPROM_WORDS } from './eeprom';
import { LabNicPhy, PHY_ADDRESS, type PhyAction } from './phy';
import {
  accessMasks,
  ALL_CAUSES,
  CAUSE,
  CTRL,
  decodeFields,
  EERD,
  MDIC,
  RAH_AV,
  RCTL,
  REGISTER_BY_OFFSET,
  REGISTERS,
  RX_BUFFER_SIZES,
  RXD_STA,
  STATUS,
  TCTL,
  TXD_CMD,
  TXD_STA,
  type AccessMasks,
  type DecodedField,
  type RegName,
} from './registers';

/** PCI identity and the resources PnP assigns to a LabNIC. */
export const LABNIC = {
  vendorId: 0x4c41,
  deviceId: 0x4e49,
  subsystemVendorId: 0x4c41,
  subsystemId: 0x0001,
  revision: 0x01,
  classCode: 0x02,
  bar0: 0xfebc_0000,
  bar0Length: 0x2_0000,
  portBase: 0xc000,
  portCount: 8,
  vector: 0x3b,
  irql: 5,
  interruptLine: 11,
  defaultMac: [0x02, 0x4c, 0x41, 0x42, 0x00, 0x01],
} as const;

/** Offsets in PCI configuration space. */
export const PCI = { COMMAND: 0x04, BUS_MASTER: 0x4, MEMORY_SPACE: 0x2, IO_SPACE: 0x1 } as const;

/** 100 ns ticks per millisecond / microsecond. */
export const TICKS_PER_MS = 10_000;
export const TICKS_PER_US = 10;

/** How long the device's internal work takes, in 100 ns ticks of virtual time. */
export interface LabNicTiming {
  /** CTRL.RST: from the write to RST reading 0. */
  reset: number;
  /** Auto-negotiation: from attach / PHY reset / restart to the link coming up. */
  linkUp: number;
  /** EERD: from START to DONE. */
  eepromRead: number;
  /** MDIC: from the write to R. */
  mdic: number;
  /** Transmit: from the TDT write (or TCTL.EN) to the descriptors being processed. */
  transmitStart: number;
}

export const DEFAULT_TIMING: Readonly<LabNicTiming> = {
  reset: 1 * TICKS_PER_MS,
  linkUp: 50 * TICKS_PER_MS,
  eepromRead: 5 * TICKS_PER_US,
  mdic: 10 * TICKS_PER_US,
  transmitStart: 2 * TICKS_PER_US,
};

export interface LabNicOptions {
  /** The MAC address stored in the EEPROM (default 02:4C:41:42:00:01). */
  mac?: readonly number[];
  /** Start with bus mastering enabled in the PCI command register (default: the driver enables it). */
  busMaster?: boolean;
  timing?: Partial<LabNicTiming>;
}

/** A deterministic hardware fault, injected with `LabNic.inject` (see the datasheet's Faults section). */
export type LabNicFault = DeviceFault;

export type { ReceiveResult };

export interface DmaErrorInfo {
  readonly at: number;
  readonly what: string;
  readonly address: bigint;
  readonly length: number;
  readonly reason: string;
}

const MASKS = new Map<RegName, AccessMasks>(REGISTERS.map((r) => [r.name, accessMasks(r)]));
function masksOf(name: RegName): AccessMasks {
  const m = MASKS.get(name);
  if (!m) throw new Error(`LabNIC: no register ${name}`);
  return m;
}

function sizeMask(size: AccessSize): number {
  return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
}

function resetValues(): Record<RegName, number> {
  return Object.fromEntries(REGISTERS.map((r) => [r.name, r.reset])) as Record<RegName, number>;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u64(bytes: Uint8Array, offset: number): bigint {
  return (BigInt(readLe(bytes, offset + 4, 4)) << 32n) | BigInt(readLe(bytes, offset, 4));
}

/**
 * LabNIC: a gigabit Ethernet controller modelled on the Intel 8254x. See resources/docs/labnic.md
 * for the register map; registers.ts holds it as data, and every access is dispatched through it.
 */
export class LabNic implements BenchDevice {
  readonly kind = 'pci';
  readonly model = 'LabNIC';
  readonly pciConfig = new Uint8Array(256);
  readonly resources: readonly DeviceResource[];
  /** The wire: every frame the device transmits (while the link is up). */
  onTransmit: ((frame: Uint8Array) => void) | undefined;
  /** Frames completed while the link was down: they never reach the wire. */
  onTransmitLost: ((frame: Uint8Array) => void) | undefined;
  readonly eeprom: Uint16Array;
  readonly phy = new LabNicPhy();
  readonly timing: LabNicTiming;
  /** LabNIC's MSI capability: one message. */
  readonly msiMessages = 1;
  /** The last DMA error (for the hardware panel). */
  lastDmaError: DmaErrorInfo | undefined;

  private r = resetValues();
  private host: DeviceHost | undefined;
  private lineHigh = false;
  /** Interrupts signalled to the host (rising edges, or messages). */
  private raised = 0;
  private resetting = false;
  /** Bumped on attach / detach: callbacks from an earlier life do nothing. */
  private life = 0;
  /** Bumped by a MAC reset: cancels pending EEPROM, MDIC and transmit work. */
  private macEpoch = 0;
  /** Bumped whenever the link state is driven anew: cancels a pending link-up. */
  private phyEpoch = 0;
  /** A cable to a link partner is plugged in (without one, auto-negotiation never completes). */
  private cable = true;
  private txScheduled = false;
  /** Bumped by each EERD / MDIC start: only the latest access completes. */
  private eerdSeq = 0;
  private mdicSeq = 0;
  /** Parts of a frame whose EOP descriptor the driver has not handed over yet. */
  private txPartial: Uint8Array[] = [];
  private readonly ioAddr = new Uint8Array(4);
  private readonly fault = { storm: 0, stuck: false, lostEdges: 0, hidden: 0, dmaErrors: 0, removed: false, resetHang: false, resetLate: 0, msiDenied: false };

  /** Register behaviour beyond the access types of the table: what a write sets in motion. */
  private readonly afterWrite: Partial<Record<RegName, (written: number, old: number) => void>> = {
    CTRL: (written, old) => this.ctrlWritten(written, old),
    EERD: (written) => this.eerdWritten(written),
    MDIC: (written) => this.mdicWritten(written),
    ICR: () => this.causesCleared(),
    ICS: (written) => this.raise(written & ALL_CAUSES),
    IMS: () => this.updateIrq(),
    IMC: (written) => {
      this.r.IMS = (this.r.IMS & ~written) >>> 0;
      this.updateIrq();
    },
    TCTL: (written, old) => {
      if (written & TCTL.EN && !(old & TCTL.EN)) this.kickTransmit();
    },
    TDT: () => this.kickTransmit(),
  };

  constructor(options: LabNicOptions = {}) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.resources = [
      { type: 'memory', start: LABNIC.bar0, length: LABNIC.bar0Length },
      { type: 'port', start: LABNIC.portBase, length: LABNIC.portCount },
      { type: 'interrupt', vector: LABNIC.vector, level: LABNIC.irql, messageBased: false },
    ];
    this.eeprom = buildEeprom(options.mac ?? LABNIC.defaultMac, LABNIC);
    const c = this.pciConfig;
    writeLe(c, 0x00, 2, LABNIC.vendorId);
    writeLe(c, 0x02, 2, LABNIC.deviceId);
    writeLe(c, PCI.COMMAND, 2, PCI.IO_SPACE | PCI.MEMORY_SPACE | (options.busMaster ? PCI.BUS_MASTER : 0));
    c[0x08] = LABNIC.revision;
    c[0x0b] = LABNIC.classCode;
    writeLe(c, 0x10, 4, LABNIC.bar0);
    writeLe(c, 0x14, 4, LABNIC.portBase | 1);
    writeLe(c, 0x2c, 2, LABNIC.subsystemVendorId);
    writeLe(c, 0x2e, 2, LABNIC.subsystemId);
    c[0x3c] = LABNIC.interruptLine;
    c[0x3d] = 1;
    this.loadResetValues();
  }

  // --- the BenchDevice interface ---------------------------------------------------------------

  attach(host: DeviceHost): void {
    this.host = host;
    this.life++;
    this.startAutoneg();
  }

  detach(): void {
    this.host = undefined;
    this.life++;
    this.macEpoch++;
    this.phyEpoch++;
    this.resetting = false;
    this.txScheduled = false;
    this.phy.reset();
    this.loadResetValues();
    this.lineHigh = false;
  }

  interruptPending(): boolean {
    return this.level();
  }

  msiDenied(): boolean {
    return this.fault.msiDenied;
  }

  /** The station address the receive filter uses now (RAL0/RAH0). */
  stationAddress(): Uint8Array {
    const out = new Uint8Array(6);
    writeLe(out, 0, 4, this.r.RAL0);
    writeLe(out, 4, 2, this.r.RAH0 & 0xffff);
    return out;
  }

  /** The device's state for the hardware panel: no side effects (read-to-clear registers keep their value). */
  snapshot(): DeviceSnapshot {
    const registers = REGISTERS.map((spec) => {
      const value = this.r[spec.name] >>> 0;
      return { name: spec.name, offset: spec.offset, value, fields: (decodeFields(spec.name, value) ?? []).map((f) => ({ ...f })) };
    });
    const ring = (name: string, low: RegName, high: RegName, len: RegName, headReg: RegName, tailReg: RegName, enabled: boolean) => {
      const descriptors = this.r[len] >>> 4;
      const head = this.r[headReg];
      const tail = this.r[tailReg];
      const base = (BigInt(this.r[high]) << 32n) | BigInt(this.r[low]);
      return { name, base: `0x${base.toString(16)}`, descriptors, head, tail, enabled, deviceOwned: descriptors > 0 ? (tail - head + descriptors) % descriptors : 0 };
    };
    const f = this.fault;
    const faults = [
      ...(f.storm ? ['interrupt-storm'] : []),
      ...(f.stuck ? ['stuck-interrupt'] : []),
      ...(f.lostEdges ? [`lost-interrupt ×${f.lostEdges}`] : []),
      ...(f.dmaErrors ? [`dma-error ×${f.dmaErrors}`] : []),
      ...(f.removed ? ['surprise-removal'] : []),
      ...(f.resetHang ? ['reset-hang'] : []),
      ...(f.resetLate ? [`reset-late ${f.resetLate / TICKS_PER_MS} ms`] : []),
      ...(f.msiDenied ? ['msi-as-line'] : []),
    ];
    const e = this.lastDmaError;
    return {
      registers,
      irq: { asserted: this.level(), causes: this.r.ICR, mask: this.r.IMS, raised: this.raised },
      rings: [
        ring('receive', 'RDBAL', 'RDBAH', 'RDLEN', 'RDH', 'RDT', (this.r.RCTL & RCTL.EN) !== 0),
        ring('transmit', 'TDBAL', 'TDBAH', 'TDLEN', 'TDH', 'TDT', (this.r.TCTL & TCTL.EN) !== 0),
      ],
      pci: [...this.pciConfig.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      link: this.r.STATUS & STATUS.LU ? 'up' : 'down',
      faults,
      ...(e ? { lastDmaError: `${e.what}: ${e.length} bytes at 0x${e.address.toString(16)} (${e.reason})` } : {}),
    };
  }

  /** The receive ring's size in descriptors (0 until the driver programs RDLEN). */
  receiveCapacity(): number {
    return this.r.RDLEN >>> 4;
  }

  registerName(offset: number, bar: number | 'port'): string | undefined {
    if (bar === 'port') {
      const at = offset - LABNIC.portBase;
      if (at >= 0 && at < 4) return 'IOADDR';
      if (at >= 4 && at < 8) {
        const target = REGISTER_BY_OFFSET.get(this.ioTarget());
        return target ? `IODATA(${target.name})` : 'IODATA';
      }
      return undefined;
    }
    return bar === 0 ? REGISTER_BY_OFFSET.get(offset & ~3)?.name : undefined;
  }

  /** A register value split into named fields, for the hardware panel. */
  decodeFields(name: string, value: number): DecodedField[] | undefined {
    return decodeFields(name, value);
  }

  readRegister(offset: number, size: AccessSize, bar: number): number {
    if (this.fault.removed) return sizeMask(size);
    if (bar !== 0) return 0;
    const shift = (offset & 3) * 8;
    return ((this.read32(offset & ~3) >>> shift) & sizeMask(size)) >>> 0;
  }

  writeRegister(offset: number, size: AccessSize, value: number, bar: number): void {
    if (this.fault.removed || bar !== 0) return;
    const shift = (offset & 3) * 8;
    const byteMask = (sizeMask(size) << shift) >>> 0;
    this.write32(offset & ~3, ((value << shift) & byteMask) >>> 0, byteMask);
  }

  readPort(port: number, size: AccessSize): number {
    if (this.fault.removed) return sizeMask(size);
    const at = port - LABNIC.portBase;
    if (at >= 0 && at < 4) return readLe(this.ioAddr, at, size);
    if (at >= 4 && at < 8) return this.readRegister(this.ioTarget() + (at - 4), size, 0);
    return sizeMask(size);
  }

  writePort(port: number, size: AccessSize, value: number): void {
    if (this.fault.removed) return;
    const at = port - LABNIC.portBase;
    if (at >= 0 && at < 4) writeLe(this.ioAddr, at, Math.min(size, 4 - at) as AccessSize, value);
    else if (at >= 4 && at < 8) this.writeRegister(this.ioTarget() + (at - 4), size, value, 0);
  }

  // --- the wire ----------------------------------------------------------------------------------

  /** A frame arrives from the wire (the bench or a scenario plays the link partner). */
  receiveFrame(frame: Uint8Array): ReceiveResult {
    if (this.fault.removed || !this.host || this.resetting) return 'dropped';
    if (!(this.r.STATUS & STATUS.LU) || !(this.r.RCTL & RCTL.EN) || frame.length < 14) return 'dropped';
    if (!this.accepts(frame)) return 'filtered';
    if (!this.busMaster) return 'dropped';
    const count = this.r.RDLEN >>> 4;
    let head = this.r.RDH;
    const tail = this.r.RDT;
    const bufferSize = RX_BUFFER_SIZES[(this.r.RCTL >>> RCTL.BSIZE_SHIFT) & 3] ?? 2048;
    const needed = Math.max(1, Math.ceil(frame.length / bufferSize));
    const free = count > 0 && head < count && tail < count ? (tail - head + count) % count : 0;
    if (free < needed) {
      this.r.MPC = (this.r.MPC + 1) >>> 0;
      this.raise(CAUSE.RXO);
      return 'missed';
    }
    const base = this.r.RDBAH * 0x1_0000_0000 + this.r.RDBAL;
    for (let i = 0; i < needed; i++) {
      const chunk = frame.subarray(i * bufferSize, Math.min(frame.length, (i + 1) * bufferSize));
      const status = RXD_STA.DD | (i === needed - 1 ? RXD_STA.EOP : 0);
      if (!this.storeReceived(base + head * 16, head, chunk, status)) {
        this.r.RCTL = (this.r.RCTL & ~RCTL.EN) >>> 0;
        return 'dma-error';
      }
      head = (head + 1) % count;
      this.r.RDH = head;
    }
    this.r.GPRC = (this.r.GPRC + 1) >>> 0;
    this.r.TPR = (this.r.TPR + 1) >>> 0;
    this.addOctets('GORCL', 'GORCH', frame.length);
    let causes: number = CAUSE.RXT0;
    const left = (tail - head + count) % count;
    if (left <= count >>> (1 + Math.min(2, (this.r.RCTL >>> RCTL.RDMTS_SHIFT) & 3))) causes |= CAUSE.RXDMT0;
    this.raise(causes);
    return 'delivered';
  }

  /**
   * One receive descriptor: reads the buffer address from it, stores the bytes there, writes the
   * length and status back. Through the host's DMA window when it has one (no copies), else
   * through dmaRead / dmaWrite; false when the bus aborted an access (DMAERR is raised).
   */
  private storeReceived(at: number, index: number, chunk: Uint8Array, status: number): boolean {
    const host = this.host;
    if (!host?.dmaOffset || !host.dmaMemory || this.fault.dmaErrors > 0) {
      const desc = this.dmaRead(BigInt(at), 16, `receive descriptor ${index}`);
      const writeBack = new Uint8Array(8);
      writeLe(writeBack, 0, 2, chunk.length);
      writeBack[4] = status;
      return desc !== undefined && this.dmaWrite(u64(desc, 0), chunk, `receive buffer ${index}`) && this.dmaWrite(BigInt(at) + 8n, writeBack, `receive descriptor ${index}`);
    }
    const d = host.dmaOffset(at, 16);
    if (d < 0) {
      this.dmaFailed(BigInt(at), 16, `receive descriptor ${index}`, 'master abort: not memory the driver mapped for DMA');
      return false;
    }
    let mem = host.dmaMemory();
    const address = ((mem[d + 4]! | (mem[d + 5]! << 8) | (mem[d + 6]! << 16) | (mem[d + 7]! << 24)) >>> 0) * 0x1_0000_0000 + ((mem[d]! | (mem[d + 1]! << 8) | (mem[d + 2]! << 16) | (mem[d + 3]! << 24)) >>> 0);
    const b = host.dmaOffset(address, chunk.length);
    if (b < 0) {
      this.dmaFailed(BigInt(address), chunk.length, `receive buffer ${index}`, 'master abort: not memory the driver mapped for DMA');
      return false;
    }
    mem = host.dmaMemory();
    mem.set(chunk, b);
    mem[d + 8] = chunk.length & 0xff;
    mem[d + 9] = chunk.length >>> 8;
    mem[d + 10] = 0;
    mem[d + 11] = 0;
    mem[d + 12] = status;
    mem[d + 13] = 0;
    mem[d + 14] = 0;
    mem[d + 15] = 0;
    return true;
  }

  // --- faults ------------------------------------------------------------------------------------

  inject(fault: LabNicFault): void {
    switch (fault.kind) {
      case 'interrupt-storm':
        this.fault.storm = (fault.causes ?? CAUSE.TXDW) & ALL_CAUSES;
        this.raise(this.fault.storm);
        break;
      case 'stuck-interrupt':
        this.fault.stuck = true;
        this.updateIrq();
        break;
      case 'lost-interrupt':
        this.fault.lostEdges += fault.count ?? 1;
        break;
      case 'dma-error':
        this.fault.dmaErrors += fault.count ?? 1;
        break;
      case 'surprise-removal':
        this.fault.removed = true;
        this.pciConfig.fill(0xff);
        this.lineHigh = false;
        break;
      case 'bad-eeprom-checksum':
        this.eeprom[EEPROM_CHECKSUM_WORD] = ((this.eeprom[EEPROM_CHECKSUM_WORD] ?? 0) + 1) & 0xffff;
        break;
      case 'link-flap': {
        this.phy.linkDown();
        const epoch = ++this.phyEpoch;
        this.updateStatus();
        this.later(Math.round((fault.downMs ?? 100) * TICKS_PER_MS), 'link flap: link up', () => {
          if (epoch !== this.phyEpoch || this.phy.poweredDown || !this.cable) return;
          this.phy.setLinkUp();
          this.updateStatus();
        });
        break;
      }
      case 'reset-hang':
        this.fault.resetHang = true;
        break;
      case 'reset-late':
        this.fault.resetLate = Math.round((fault.delayMs ?? 20) * TICKS_PER_MS);
        break;
      case 'msi-as-line':
        this.fault.msiDenied = true;
        break;
    }
  }

  /**
   * The cable to the link partner is pulled (the link goes down and stays down) or plugged back in
   * (auto-negotiation runs, and the link comes up after it, as at power-on).
   */
  setCable(connected: boolean): void {
    if (connected === this.cable) return;
    this.cable = connected;
    if (connected) {
      if (this.host && !this.phy.poweredDown) this.startAutoneg();
      return;
    }
    this.phy.linkDown();
    this.phyEpoch++;
    this.updateStatus();
  }

  /** Ends the interrupt faults, DMA errors and reset faults (a surprise removal is for good). */
  clearFaults(): void {
    Object.assign(this.fault, { storm: 0, stuck: false, lostEdges: 0, hidden: 0, dmaErrors: 0, resetHang: false, resetLate: 0 });
    this.updateIrq();
  }

  // --- register dispatch -------------------------------------------------------------------------

  private read32(offset: number): number {
    const spec = REGISTER_BY_OFFSET.get(offset);
    if (!spec) return 0;
    const m = masksOf(spec.name);
    const value = (this.r[spec.name] & m.readable) >>> 0;
    if (m.rc && !this.resetting) {
      this.r[spec.name] = (this.r[spec.name] & ~m.rc) >>> 0;
      if (spec.name === 'ICR') this.causesCleared();
    }
    return value;
  }

  private write32(offset: number, value: number, byteMask: number): void {
    const spec = REGISTER_BY_OFFSET.get(offset);
    if (!spec || this.resetting) return;
    const m = masksOf(spec.name);
    const old = this.r[spec.name];
    const rw = m.rw & byteMask;
    let next = (old & ~rw) | (value & rw);
    next &= ~(value & m.w1c);
    next |= value & m.w1s;
    this.r[spec.name] = next >>> 0;
    this.afterWrite[spec.name]?.(value >>> 0, old);
  }

  private loadResetValues(): void {
    this.r = resetValues();
    const mac = [0, 1, 2].flatMap((i) => [(this.eeprom[i] ?? 0) & 0xff, ((this.eeprom[i] ?? 0) >>> 8) & 0xff]);
    this.r.RAL0 = ((mac[0] ?? 0) | ((mac[1] ?? 0) << 8) | ((mac[2] ?? 0) << 16) | ((mac[3] ?? 0) << 24)) >>> 0;
    this.r.RAH0 = ((mac[4] ?? 0) | ((mac[5] ?? 0) << 8) | RAH_AV) >>> 0;
    this.txPartial = [];
    this.fault.hidden = 0;
    this.r.STATUS = this.statusValue();
  }

  private ioTarget(): number {
    return readLe(this.ioAddr, 0, 4) & 0x1_fffc;
  }

  // --- control, reset, EEPROM, PHY ---------------------------------------------------------------

  private ctrlWritten(written: number, old: number): void {
    if (written & CTRL.PHY_RST) {
      this.r.CTRL = (this.r.CTRL & ~CTRL.PHY_RST) >>> 0;
      this.phy.reset();
      this.startAutoneg();
    }
    if (written & CTRL.RST) {
      this.startReset();
      return;
    }
    if ((written ^ old) & CTRL.SLU) this.updateStatus();
  }

  private startReset(): void {
    this.resetting = true;
    this.macEpoch++;
    this.txScheduled = false;
    this.r.IMS = 0;
    this.r.RCTL = (this.r.RCTL & ~RCTL.EN) >>> 0;
    this.r.TCTL = (this.r.TCTL & ~TCTL.EN) >>> 0;
    this.updateIrq();
    if (this.fault.resetHang) return;
    const epoch = this.macEpoch;
    this.later(this.fault.resetLate || this.timing.reset, 'reset complete', () => {
      if (epoch !== this.macEpoch || this.fault.resetHang) return;
      this.resetting = false;
      this.loadResetValues();
      this.causesCleared();
    });
  }

  private eerdWritten(written: number): void {
    if (!(written & EERD.START)) return;
    this.r.EERD = (this.r.EERD & ~EERD.DONE) >>> 0;
    const epoch = this.macEpoch;
    const seq = ++this.eerdSeq;
    this.later(this.timing.eepromRead, 'EEPROM read', () => {
      if (epoch !== this.macEpoch || seq !== this.eerdSeq) return;
      const address = (this.r.EERD & EERD.ADDR_MASK) >>> EERD.ADDR_SHIFT;
      const data = address < EEPROM_WORDS ? (this.eeprom[address] ?? 0xffff) : 0xffff;
      this.r.EERD = ((this.r.EERD & EERD.ADDR_MASK) | EERD.DONE | (data << EERD.DATA_SHIFT)) >>> 0;
    });
  }

  private mdicWritten(written: number): void {
    const op = (written >>> MDIC.OP_SHIFT) & 3;
    if (op !== MDIC.OP_READ && op !== MDIC.OP_WRITE) return;
    this.r.MDIC = (this.r.MDIC & ~(MDIC.R | MDIC.E)) >>> 0;
    const epoch = this.macEpoch;
    const seq = ++this.mdicSeq;
    this.later(this.timing.mdic, 'MDIC access', () => {
      if (epoch !== this.macEpoch || seq !== this.mdicSeq) return;
      const v = this.r.MDIC;
      const phyAddress = (v >>> MDIC.PHY_SHIFT) & 31;
      const reg = (v >>> MDIC.REG_SHIFT) & 31;
      let data = v & MDIC.DATA_MASK;
      let error = 0;
      if (phyAddress !== PHY_ADDRESS) {
        error = MDIC.E;
        data = 0xffff;
      } else if (op === MDIC.OP_READ) {
        data = this.phy.read(reg);
      } else {
        this.phyAction(this.phy.write(reg, data));
      }
      this.r.MDIC = ((v & ~(MDIC.DATA_MASK | MDIC.E)) | data | MDIC.R | error) >>> 0;
      if (v & MDIC.I) this.raise(CAUSE.MDAC);
    });
  }

  private phyAction(action: PhyAction): void {
    if (action === 'reset' || action === 'restart-an' || action === 'power-up') this.startAutoneg();
    else if (action === 'power-down') {
      this.phy.linkDown();
      this.phyEpoch++;
      this.updateStatus();
    }
  }

  /** The link goes down (if up) and comes up after the auto-negotiation time. */
  private startAutoneg(): void {
    this.phy.linkDown();
    const epoch = ++this.phyEpoch;
    this.updateStatus();
    this.later(this.timing.linkUp, 'auto-negotiation complete', () => {
      if (epoch !== this.phyEpoch || this.phy.poweredDown || !this.cable) return;
      this.phy.setLinkUp();
      this.updateStatus();
    });
  }

  private statusValue(): number {
    return this.phy.linkUp && this.r.CTRL & CTRL.SLU ? STATUS.FD | STATUS.LU | STATUS.SPEED_1000 : 0;
  }

  /** STATUS follows the PHY and CTRL.SLU; a change of LU raises LSC. */
  private updateStatus(): void {
    const old = this.r.STATUS;
    this.r.STATUS = this.statusValue();
    if ((old ^ this.r.STATUS) & STATUS.LU) this.raise(CAUSE.LSC);
  }

  // --- interrupts --------------------------------------------------------------------------------

  private raise(causes: number): void {
    if (causes === 0) return;
    this.r.ICR = (this.r.ICR | causes) >>> 0;
    this.updateIrq();
  }

  /** ICR bits were cleared (read, W1C or reset): the line may drop; a storm re-asserts its causes. */
  private causesCleared(): void {
    this.fault.hidden &= this.r.ICR;
    this.updateIrq();
    if (this.fault.storm && (this.r.ICR & this.fault.storm) !== this.fault.storm) this.raise(this.fault.storm);
  }

  private level(): boolean {
    if (this.fault.removed) return false;
    if (this.fault.stuck) return true;
    return (this.r.ICR & this.r.IMS & ~this.fault.hidden) !== 0;
  }

  /** The one place the interrupt line is computed: ICR & IMS; a rising edge interrupts the host. */
  private updateIrq(): void {
    let high = this.level();
    if (high && !this.lineHigh && this.fault.lostEdges > 0 && !this.fault.stuck) {
      this.fault.lostEdges--;
      this.fault.hidden |= this.r.ICR & this.r.IMS;
      high = this.level();
    }
    const rising = high && !this.lineHigh;
    this.lineHigh = high;
    if (rising && this.host) {
      this.raised++;
      this.host.interrupt();
    }
  }

  // --- DMA ---------------------------------------------------------------------------------------

  private get busMaster(): boolean {
    return ((this.pciConfig[PCI.COMMAND] ?? 0) & PCI.BUS_MASTER) !== 0;
  }

  private dmaRead(address: bigint, length: number, what: string): Uint8Array | undefined {
    const host = this.host;
    if (!host) return undefined;
    if (this.fault.dmaErrors > 0) {
      this.fault.dmaErrors--;
      this.dmaFailed(address, length, what, 'injected DMA error');
      return undefined;
    }
    const data = host.dmaRead(address, length);
    if (!data) this.dmaFailed(address, length, what, 'master abort: not memory the driver mapped for DMA');
    return data;
  }

  private dmaWrite(address: bigint, data: Uint8Array, what: string): boolean {
    const host = this.host;
    if (!host) return false;
    if (this.fault.dmaErrors > 0) {
      this.fault.dmaErrors--;
      this.dmaFailed(address, data.length, what, 'injected DMA error');
      return false;
    }
    if (host.dmaWrite(address, data)) return true;
    this.dmaFailed(address, data.length, what, 'master abort: not memory the driver mapped for DMA');
    return false;
  }

  private dmaFailed(address: bigint, length: number, what: string, reason: string): void {
    this.lastDmaError = { at: this.host?.now() ?? 0, what, address, length, reason };
    this.raise(CAUSE.DMAERR);
  }

  // --- transmit ----------------------------------------------------------------------------------

  private kickTransmit(): void {
    if (this.txScheduled || !(this.r.TCTL & TCTL.EN) || !this.host) return;
    this.txScheduled = true;
    const epoch = this.macEpoch;
    this.later(this.timing.transmitStart, 'transmit', () => {
      if (epoch !== this.macEpoch) return;
      this.txScheduled = false;
      this.transmit();
    });
  }

  /** Processes descriptors from TDH up to TDT: gathers frames, puts them on the wire, writes DD back. */
  private transmit(): void {
    if (!(this.r.TCTL & TCTL.EN) || !this.busMaster) return;
    const count = this.r.TDLEN >>> 4;
    if (count === 0 || this.r.TDH >= count || this.r.TDT >= count) return;
    const base = (BigInt(this.r.TDBAH) << 32n) | BigInt(this.r.TDBAL);
    let wroteBack = false;
    while (this.r.TDH !== this.r.TDT) {
      const head = this.r.TDH;
      const at = base + BigInt(head * 16);
      const desc = this.dmaRead(at, 16, `transmit descriptor ${head}`);
      const length = desc ? readLe(desc, 8, 2) : 0;
      const cmd = desc?.[11] ?? 0;
      const data = desc && length > 0 ? this.dmaRead(u64(desc, 0), length, `transmit buffer ${head}`) : new Uint8Array(0);
      const ok = desc && data && (!(cmd & TXD_CMD.RS) || this.dmaWrite(at + 12n, Uint8Array.of((desc[12] ?? 0) | TXD_STA.DD), `transmit descriptor ${head}`));
      if (!ok || !data) {
        this.r.TCTL = (this.r.TCTL & ~TCTL.EN) >>> 0;
        this.txPartial = [];
        break;
      }
      if (cmd & TXD_CMD.RS) wroteBack = true;
      this.txPartial.push(data);
      this.r.TDH = (head + 1) % count;
      if (cmd & TXD_CMD.EOP) {
        this.putOnWire(concat(this.txPartial));
        this.txPartial = [];
      }
    }
    this.raise((wroteBack ? CAUSE.TXDW : 0) | (this.r.TDH === this.r.TDT ? CAUSE.TXQE : 0));
  }

  private putOnWire(frame: Uint8Array): void {
    let out = frame;
    if (this.r.TCTL & TCTL.PSP && out.length < 60) {
      out = new Uint8Array(60);
      out.set(frame);
    }
    if (!(this.r.STATUS & STATUS.LU)) {
      this.onTransmitLost?.(out);
      return;
    }
    this.r.GPTC = (this.r.GPTC + 1) >>> 0;
    this.r.TPT = (this.r.TPT + 1) >>> 0;
    this.addOctets('GOTCL', 'GOTCH', out.length);
    this.onTransmit?.(out);
  }

  // --- receive helpers ---------------------------------------------------------------------------

  private accepts(frame: Uint8Array): boolean {
    const low = (frame[0]! | (frame[1]! << 8) | (frame[2]! << 16) | (frame[3]! << 24)) >>> 0;
    const high = frame[4]! | (frame[5]! << 8);
    if (low === 0xffff_ffff && high === 0xffff) return (this.r.RCTL & RCTL.BAM) !== 0;
    if (frame[0]! & 1) return (this.r.RCTL & RCTL.MPE) !== 0;
    if (this.r.RCTL & RCTL.UPE) return true;
    if (!(this.r.RAH0 & RAH_AV)) return false;
    return low === this.r.RAL0 && high === (this.r.RAH0 & 0xffff);
  }

  private addOctets(low: 'GORCL' | 'GOTCL', high: 'GORCH' | 'GOTCH', n: number): void {
    const sum = this.r[low] + n;
    this.r[low] = sum >>> 0;
    if (sum > 0xffff_ffff) this.r[high] = (this.r[high] + 1) >>> 0;
  }

  // --- time --------------------------------------------------------------------------------------

  /** Work that takes virtual time; with no host (not attached) it happens at once. */
  private later(delay: number, label: string, run: () => void): void {
    const host = this.host;
    if (!host) {
      run();
      return;
    }
    const life = this.life;
    host.after(delay, `LabNIC ${label}`, () => {
      if (life === this.life && !this.fault.removed) run();
    });
  }
}
