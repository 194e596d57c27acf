import type { DecodedField } from '../device';
/**
 * LabNIC's register map, as data: every register's name, offset, reset value and bit fields with
 * their access types. The device (device.ts) dispatches register accesses through this table, the
 * hardware panel decodes values with it, and the datasheet (resources/docs/labnic.md) is generated
 * from it (datasheet.ts). The layout follows the Intel 8254x (e1000) family where it can, so what a
 * learner reads here carries over to real hardware; DMAERR and the I/O window details are LabNIC's own.
 */

/**
 * How a field reacts to the driver:
 * - RW: read/write.  RO: read-only (writes ignored).  WO: write-only (reads return 0).
 * - W1C: writing 1 clears the bit, writing 0 has no effect.  W1S: writing 1 sets the bit.
 * - RC: read-to-clear (the read returns the value, then the bits are 0).  RC/W1C: both.
 * - SC: self-clearing; write 1 to start an action, the bit reads 1 until the device finishes it.
 */
export type Access = 'RW' | 'RO' | 'WO' | 'W1C' | 'W1S' | 'RC' | 'RC/W1C' | 'SC';

export interface FieldSpec {
  readonly name: string;
  /** Lowest bit of the field. */
  readonly lsb: number;
  readonly width: number;
  readonly access: Access;
  readonly description: string;
  /** Names of a multi-bit field's values (e.g. a speed code). */
  readonly values?: Readonly<Record<number, string>>;
}

/** Register offsets in the memory BAR (BAR 0), 8254x-compatible. */
export const REG = {
  CTRL: 0x0000,
  STATUS: 0x0008,
  EERD: 0x0014,
  MDIC: 0x0020,
  ICR: 0x00c0,
  ICS: 0x00c8,
  IMS: 0x00d0,
  IMC: 0x00d8,
  RCTL: 0x0100,
  TCTL: 0x0400,
  RDBAL: 0x2800,
  RDBAH: 0x2804,
  RDLEN: 0x2808,
  RDH: 0x2810,
  RDT: 0x2818,
  TDBAL: 0x3800,
  TDBAH: 0x3804,
  TDLEN: 0x3808,
  TDH: 0x3810,
  TDT: 0x3818,
  MPC: 0x4010,
  GPRC: 0x4074,
  GPTC: 0x4080,
  GORCL: 0x4088,
  GORCH: 0x408c,
  GOTCL: 0x4090,
  GOTCH: 0x4094,
  TPR: 0x40d0,
  TPT: 0x40d4,
  RAL0: 0x5400,
  RAH0: 0x5404,
} as const;

export type RegName = keyof typeof REG;

export interface RegisterSpec {
  readonly name: RegName;
  readonly offset: number;
  readonly reset: number;
  /** When the reset value is not a constant (e.g. loaded from the EEPROM). */
  readonly resetNote?: string;
  readonly group: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
}

const bit = (n: number): number => (1 << n) >>> 0;

/** Interrupt causes: the bits of ICR, ICS, IMS and IMC. */
export const CAUSE = {
  TXDW: bit(0),
  TXQE: bit(1),
  LSC: bit(2),
  RXDMT0: bit(4),
  RXO: bit(6),
  RXT0: bit(7),
  MDAC: bit(9),
  DMAERR: bit(20),
} as const;
export type CauseName = keyof typeof CAUSE;
export const ALL_CAUSES = Object.values(CAUSE).reduce((a, b) => (a | b) >>> 0, 0);

export const CAUSE_TEXT: Readonly<Record<CauseName, string>> = {
  TXDW: 'Transmit descriptor written back: a descriptor with RS set got its DD bit.',
  TXQE: 'Transmit queue empty: the device caught up with TDT (TDH == TDT).',
  LSC: 'Link status change: STATUS.LU went up or down.',
  RXDMT0: 'Receive descriptors minimum threshold: few free receive descriptors are left (see RCTL.RDMTS).',
  RXO: 'Receiver overrun: a frame arrived and no receive descriptor was free; it was dropped and counted in MPC.',
  RXT0: 'Receiver timer: a frame was stored and its descriptors written back.',
  MDAC: 'MDI access complete: an MDIC PHY access with MDIC.I set finished.',
  DMAERR: "DMA error (LabNIC's own cause): a bus-master access hit an address that is not the driver's shared memory; the engine that failed stopped.",
};

export const CTRL = { FD: bit(0), SLU: bit(6), SPEED_MASK: 0x300, RST: bit(26), PHY_RST: bit(31) } as const;
export const STATUS = { FD: bit(0), LU: bit(1), SPEED_1000: 0x80 } as const;
export const EERD = { START: bit(0), DONE: bit(4), ADDR_SHIFT: 8, ADDR_MASK: 0xff00, DATA_SHIFT: 16 } as const;
export const MDIC = { DATA_MASK: 0xffff, REG_SHIFT: 16, PHY_SHIFT: 21, OP_SHIFT: 26, OP_WRITE: 1, OP_READ: 2, R: bit(28), I: bit(29), E: bit(30) } as const;
export const RCTL = { EN: bit(1), UPE: bit(3), MPE: bit(4), RDMTS_SHIFT: 8, BAM: bit(15), BSIZE_SHIFT: 16 } as const;
export const TCTL = { EN: bit(1), PSP: bit(3) } as const;
export const RAH_AV = bit(31);

/** Transmit descriptor command bits (byte 11) and status bits (byte 12). */
export const TXD_CMD = { EOP: bit(0), IFCS: bit(1), RS: bit(3) } as const;
export const TXD_STA = { DD: bit(0) } as const;
/** Receive descriptor status bits (byte 12). */
export const RXD_STA = { DD: bit(0), EOP: bit(1) } as const;

/** RCTL.BSIZE: receive buffer size for each code. */
export const RX_BUFFER_SIZES = [2048, 1024, 512, 256] as const;

function f(name: string, lsb: number, width: number, access: Access, description: string, values?: Record<number, string>): FieldSpec {
  return values ? { name, lsb, width, access, description, values } : { name, lsb, width, access, description };
}

function causeFields(access: Access, verb: string): FieldSpec[] {
  return (Object.keys(CAUSE) as CauseName[]).map((name) => f(name, Math.log2(CAUSE[name]), 1, access, `${verb} ${name}. ${CAUSE_TEXT[name]}`));
}

const SPEED_VALUES = { 0: '10 Mb/s', 1: '100 Mb/s', 2: '1000 Mb/s', 3: '1000 Mb/s' };

function counter(name: RegName, description: string): RegisterSpec {
  return { name, offset: REG[name], reset: 0, group: 'Statistics', description: `${description} Cleared when read.`, fields: [f('COUNT', 0, 32, 'RC', 'The count (wraps at 2^32).')] };
}

export const REGISTERS: readonly RegisterSpec[] = [
  {
    name: 'CTRL',
    offset: REG.CTRL,
    reset: 0x0000_0241,
    group: 'General',
    description: 'Device control.',
    fields: [
      f('FD', 0, 1, 'RW', 'Full duplex.'),
      f('SLU', 6, 1, 'RW', 'Set link up: the MAC uses the link the PHY negotiated. With SLU clear, STATUS.LU stays 0.'),
      f('SPEED', 8, 2, 'RW', 'Speed selection (informational; the PHY negotiates 1000 Mb/s).', SPEED_VALUES),
      f('RST', 26, 1, 'SC', 'Device reset. Write 1: interrupts are masked and both DMA engines stop at once; after the reset time every register returns to its reset value and RST reads 0 again. Writes are ignored while RST reads 1: poll it before programming the device.'),
      f('PHY_RST', 31, 1, 'SC', 'PHY reset: the link goes down and auto-negotiation starts again (self-clearing).'),
    ],
  },
  {
    name: 'STATUS',
    offset: REG.STATUS,
    reset: 0,
    group: 'General',
    description: 'Device status (read-only).',
    fields: [
      f('FD', 0, 1, 'RO', 'Full duplex (with the link).'),
      f('LU', 1, 1, 'RO', 'Link up: the PHY has a link and CTRL.SLU is set.'),
      f('SPEED', 6, 2, 'RO', 'Link speed.', SPEED_VALUES),
    ],
  },
  {
    name: 'EERD',
    offset: REG.EERD,
    reset: 0,
    group: 'General',
    description: 'EEPROM read: write START with ADDR, poll DONE, then take DATA.',
    fields: [
      f('START', 0, 1, 'SC', 'Start a read of the word at ADDR; clears itself when DONE is set.'),
      f('DONE', 4, 1, 'RO', 'The read finished: DATA is valid. Cleared by the next START.'),
      f('ADDR', 8, 8, 'RW', 'Word address (0x00..0x3F; other addresses read 0xFFFF).'),
      f('DATA', 16, 16, 'RO', 'The word read.'),
    ],
  },
  {
    name: 'MDIC',
    offset: REG.MDIC,
    reset: MDIC.R,
    group: 'General',
    description: 'MDI control: reads and writes PHY registers. Write PHYADD, REGADD, OP (and DATA to write), then poll R.',
    fields: [
      f('DATA', 0, 16, 'RW', 'Data to write, or the data read once R is set.'),
      f('REGADD', 16, 5, 'RW', 'PHY register address.'),
      f('PHYADD', 21, 5, 'RW', 'PHY address: LabNIC\'s PHY answers at address 1 only.'),
      f('OP', 26, 2, 'RW', 'Operation: 01 write, 10 read (writing one starts the access).', { 0: 'none', 1: 'write', 2: 'read', 3: 'invalid' }),
      f('R', 28, 1, 'RO', 'Ready: the access finished (0 while it runs).'),
      f('I', 29, 1, 'RW', 'Raise the MDAC interrupt cause when the access finishes.'),
      f('E', 30, 1, 'RO', 'Error: no PHY at PHYADD, or an invalid OP.'),
    ],
  },
  {
    name: 'ICR',
    offset: REG.ICR,
    reset: 0,
    group: 'Interrupts',
    description: 'Interrupt cause read. Reading returns the causes and clears them all; writing 1s also clears. The interrupt line is active while ICR & IMS is not 0.',
    fields: causeFields('RC/W1C', 'Cause'),
  },
  {
    name: 'ICS',
    offset: REG.ICS,
    reset: 0,
    group: 'Interrupts',
    description: 'Interrupt cause set: writing 1s sets those ICR bits, as if the events happened (for testing an ISR).',
    fields: causeFields('WO', 'Set'),
  },
  {
    name: 'IMS',
    offset: REG.IMS,
    reset: 0,
    group: 'Interrupts',
    description: 'Interrupt mask set / read: writing 1s enables those causes; reading returns the mask.',
    fields: causeFields('W1S', 'Enable'),
  },
  {
    name: 'IMC',
    offset: REG.IMC,
    reset: 0,
    group: 'Interrupts',
    description: 'Interrupt mask clear: writing 1s disables those causes (clears the IMS bits).',
    fields: causeFields('WO', 'Disable'),
  },
  {
    name: 'RCTL',
    offset: REG.RCTL,
    reset: 0,
    group: 'Receive',
    description: 'Receive control.',
    fields: [
      f('EN', 1, 1, 'RW', 'Receiver enable. Cleared by the device on a receive DMA error.'),
      f('UPE', 3, 1, 'RW', 'Unicast promiscuous: accept every unicast frame.'),
      f('MPE', 4, 1, 'RW', 'Multicast promiscuous: accept every multicast frame (LabNIC has no multicast table).'),
      f('RDMTS', 8, 2, 'RW', 'Free-descriptor threshold for RXDMT0, as a fraction of the ring.', { 0: '1/2', 1: '1/4', 2: '1/8', 3: 'reserved (1/8)' }),
      f('BAM', 15, 1, 'RW', 'Broadcast accept mode.'),
      f('BSIZE', 16, 2, 'RW', 'Receive buffer size of every descriptor.', { 0: '2048 bytes', 1: '1024 bytes', 2: '512 bytes', 3: '256 bytes' }),
    ],
  },
  {
    name: 'TCTL',
    offset: REG.TCTL,
    reset: 0,
    group: 'Transmit',
    description: 'Transmit control.',
    fields: [
      f('EN', 1, 1, 'RW', 'Transmitter enable. Cleared by the device on a transmit DMA error.'),
      f('PSP', 3, 1, 'RW', 'Pad short packets to 60 bytes.'),
    ],
  },
  ring('RDBAL', 'Receive', 'Receive descriptor base address, low 32 bits (16-byte aligned).', [f('BASE', 4, 28, 'RW', 'Address bits 31:4.')]),
  ring('RDBAH', 'Receive', 'Receive descriptor base address, high 32 bits.', [f('BASE', 0, 32, 'RW', 'Address bits 63:32.')]),
  ring('RDLEN', 'Receive', 'Receive ring length in bytes (a multiple of 128: 8 descriptors).', [f('LEN', 7, 13, 'RW', 'Length bits 19:7.')]),
  ring('RDH', 'Receive', 'Receive descriptor head: the next descriptor the device fills. The device advances it.', [f('RDH', 0, 16, 'RW', 'Descriptor index.')]),
  ring('RDT', 'Receive', 'Receive descriptor tail: the driver writes it to hand descriptors to the device (it owns RDH..RDT-1).', [f('RDT', 0, 16, 'RW', 'Descriptor index.')]),
  ring('TDBAL', 'Transmit', 'Transmit descriptor base address, low 32 bits (16-byte aligned).', [f('BASE', 4, 28, 'RW', 'Address bits 31:4.')]),
  ring('TDBAH', 'Transmit', 'Transmit descriptor base address, high 32 bits.', [f('BASE', 0, 32, 'RW', 'Address bits 63:32.')]),
  ring('TDLEN', 'Transmit', 'Transmit ring length in bytes (a multiple of 128: 8 descriptors).', [f('LEN', 7, 13, 'RW', 'Length bits 19:7.')]),
  ring('TDH', 'Transmit', 'Transmit descriptor head: the next descriptor the device processes. The device advances it.', [f('TDH', 0, 16, 'RW', 'Descriptor index.')]),
  ring('TDT', 'Transmit', 'Transmit descriptor tail: the driver writes it past new descriptors to start transmitting them.', [f('TDT', 0, 16, 'RW', 'Descriptor index.')]),
  counter('MPC', 'Missed packets: frames dropped because no receive descriptor was free.'),
  counter('GPRC', 'Good packets received.'),
  counter('GPTC', 'Good packets transmitted.'),
  counter('GORCL', 'Good octets received, low 32 bits (frame bytes; the lab wire carries no FCS).'),
  counter('GORCH', 'Good octets received, high 32 bits.'),
  counter('GOTCL', 'Good octets transmitted, low 32 bits.'),
  counter('GOTCH', 'Good octets transmitted, high 32 bits.'),
  counter('TPR', 'Total packets received (delivered to the ring).'),
  counter('TPT', 'Total packets transmitted.'),
  {
    name: 'RAL0',
    offset: REG.RAL0,
    reset: 0,
    resetNote: 'MAC bytes 0..3 from the EEPROM',
    group: 'Receive',
    description: 'Receive address low: bytes 0..3 of the station (MAC) address, byte 0 in bits 7:0. Loaded from the EEPROM at reset.',
    fields: [f('RAL', 0, 32, 'RW', 'Address bytes 0..3.')],
  },
  {
    name: 'RAH0',
    offset: REG.RAH0,
    reset: 0,
    resetNote: 'MAC bytes 4..5 from the EEPROM, AV set',
    group: 'Receive',
    description: 'Receive address high: bytes 4..5 of the station address, and the valid bit. Unicast frames to this address are accepted.',
    fields: [f('RAH', 0, 16, 'RW', 'Address bytes 4..5.'), f('AV', 31, 1, 'RW', 'Address valid: the filter uses RAL0/RAH0.')],
  },
];

function ring(name: RegName, group: string, description: string, fields: FieldSpec[]): RegisterSpec {
  return { name, offset: REG[name], reset: 0, group, description, fields };
}

/** The bits of one field, in place. */
export function fieldMask(field: FieldSpec): number {
  const ones = field.width >= 32 ? 0xffff_ffff : (1 << field.width) - 1;
  return (ones << field.lsb) >>> 0;
}

/** A register's bits grouped by access type (reserved bits belong to none: they read 0). */
export interface AccessMasks {
  readonly readable: number;
  readonly rw: number;
  readonly w1c: number;
  readonly w1s: number;
  readonly rc: number;
}

export function accessMasks(spec: RegisterSpec): AccessMasks {
  let readable = 0;
  let rw = 0;
  let w1c = 0;
  let w1s = 0;
  let rc = 0;
  for (const field of spec.fields) {
    const m = fieldMask(field);
    if (field.access !== 'WO') readable |= m;
    if (field.access === 'RW' || field.access === 'SC') rw |= m;
    if (field.access === 'W1C' || field.access === 'RC/W1C') w1c |= m;
    if (field.access === 'W1S') w1s |= m;
    if (field.access === 'RC' || field.access === 'RC/W1C') rc |= m;
  }
  return { readable: readable >>> 0, rw: rw >>> 0, w1c: w1c >>> 0, w1s: w1s >>> 0, rc: rc >>> 0 };
}

export const REGISTER_BY_OFFSET: ReadonlyMap<number, RegisterSpec> = new Map(REGISTERS.map((r) => [r.offset, r]));
export const REGISTER_BY_NAME: ReadonlyMap<string, RegisterSpec> = new Map(REGISTERS.map((r) => [r.name, r]));

/** I/O BAR (BAR 1): an address/data window onto the memory-BAR registers, like e1000's. */
export const IO_PORTS = [
  { name: 'IOADDR', offset: 0, description: 'Register offset (in the memory BAR) that IODATA reaches; bits 16:2, 4-byte aligned.' },
  { name: 'IODATA', offset: 4, description: 'Reads and writes the register at IOADDR, with the same side effects as a memory access (reading ICR through IODATA clears it).' },
] as const;

/** One named field of a decoded register value. */
export type { DecodedField };

/** A register value split into its named fields (for the hardware panel); undefined for an unknown register. */
export function decodeFields(name: string, value: number): DecodedField[] | undefined {
  const spec = REGISTER_BY_NAME.get(name);
  if (!spec) return undefined;
  return spec.fields.map((field) => {
    const v = ((value >>> 0) & fieldMask(field)) >>> field.lsb;
    const text = field.values?.[v];
    return { name: field.name, lsb: field.lsb, width: field.width, access: field.access, value: v >>> 0, ...(text === undefined ? {} : { text }) };
  });
}

/** Descriptor layouts (16 bytes each, little-endian), for the datasheet. */
export const TX_DESCRIPTOR = [
  { offset: 0, size: 8, name: 'Buffer address', description: 'Bus address of the data (shared memory or an S/G element).' },
  { offset: 8, size: 2, name: 'Length', description: 'Bytes in this buffer; a frame may span several descriptors.' },
  { offset: 10, size: 1, name: 'CSO', description: 'Checksum offset (ignored by LabNIC).' },
  { offset: 11, size: 1, name: 'CMD', description: 'EOP (bit 0): last descriptor of the frame. IFCS (bit 1): insert FCS (accepted; the lab wire has no FCS). RS (bit 3): report status, i.e. write DD back.' },
  { offset: 12, size: 1, name: 'STA', description: 'DD (bit 0): descriptor done, written by the device when CMD.RS is set.' },
  { offset: 13, size: 1, name: 'CSS', description: 'Checksum start (ignored).' },
  { offset: 14, size: 2, name: 'Special', description: 'VLAN tag (ignored).' },
] as const;

export const RX_DESCRIPTOR = [
  { offset: 0, size: 8, name: 'Buffer address', description: 'Bus address of an RCTL.BSIZE-byte buffer, written by the driver.' },
  { offset: 8, size: 2, name: 'Length', description: 'Bytes the device stored in this buffer.' },
  { offset: 10, size: 2, name: 'Checksum', description: 'Packet checksum (LabNIC writes 0).' },
  { offset: 12, size: 1, name: 'Status', description: 'DD (bit 0): descriptor done. EOP (bit 1): last descriptor of the frame.' },
  { offset: 13, size: 1, name: 'Errors', description: 'Receive errors (LabNIC writes 0).' },
  { offset: 14, size: 2, name: 'Special', description: 'VLAN tag (LabNIC writes 0).' },
] as const;
