import { BugCheck, hex } from '../kernel/bugcheck';
import { HIGH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { args, defineImports } from './imports';
import { allocateDriverBlock, describeSite, releaseDriverBlock } from './memory';
import { K } from './status';

/**
 * Counted strings: ANSI <-> Unicode conversion, upcasing, freeing what the Rtl routines allocated,
 * NdisInitializeString, and the version and routine look-ups.
 *
 * The ANSI code page is taken as Latin-1 (the lab's system locale): each byte is one character;
 * a Unicode character outside it converts to '?', as the system's default character does.
 * Buffers the routines allocate belong to the driver (leak-checked with the line of the call) and
 * are freed with RtlFreeUnicodeString / RtlFreeAnsiString (NdisFreeString for NdisInitializeString).
 */

const STATUS_NO_MEMORY = 0xc0000017;
const STATUS_INVALID_PARAMETER_2 = 0xc00000f0;
const MAXUSHORT = 0xffff;
/** The Windows version the lab simulates: Windows 11 22H2 (NTDDI_WIN10_NI), which ships NDIS 6.87. */
const NTDDI_SIMULATED = 0x0a00000c;
/** The pool tag the string routines allocate with. */
const STRING_TAG = 0x67727453; // 'Strg'

/** The allocators whose buffers each free routine accepts. */
const UNICODE_ALLOCATORS = new Set(['RtlAnsiStringToUnicodeString', 'RtlUpcaseUnicodeString']);
const ANSI_ALLOCATORS = new Set(['RtlUnicodeStringToAnsiString']);

interface Counted {
  length: number;
  maximumLength: number;
  buffer: number;
}

function readCounted(session: Session, struct: 'UNICODE_STRING' | 'STRING', address: number): Counted {
  const m = session.memory;
  return { length: m.field(struct, address, 'Length'), maximumLength: m.field(struct, address, 'MaximumLength'), buffer: m.field(struct, address, 'Buffer') };
}

function writeCounted(session: Session, struct: 'UNICODE_STRING' | 'STRING', address: number, value: Counted): void {
  const m = session.memory;
  m.setField(struct, address, 'Length', value.length);
  m.setField(struct, address, 'MaximumLength', value.maximumLength);
  m.setField(struct, address, 'Buffer', value.buffer);
}

function checkStruct(session: Session, api: string, name: string, address: number): void {
  if (address === 0) throw new BugCheck(0x50, [0, 0, 0, 0], `${api}: ${name} is NULL`, 'UB-NULL', session.site());
}

function ansiToCodes(bytes: Uint8Array): number[] {
  return [...bytes];
}

function unicodeToAnsi(codes: number[]): number[] {
  return codes.map((c) => (c <= 0xff ? c : 0x3f));
}

function readUtf16Units(session: Session, address: number, lengthBytes: number): number[] {
  const units: number[] = [];
  for (let i = 0; i + 1 < lengthBytes; i += 2) units.push(session.memory.u16(address + i));
  return units;
}

function writeUnits(session: Session, address: number, units: number[]): void {
  units.forEach((u, i) => session.memory.setU16(address + 2 * i, u));
}

function upcase(unit: number): number {
  const upper = String.fromCharCode(unit).toUpperCase();
  return upper.length === 1 ? upper.charCodeAt(0) : unit;
}

/** Writes UTF-16 units as a UNICODE_STRING, allocating its buffer or into the caller's. */
function storeUnicode(session: Session, api: string, destination: number, units: number[], allocate: boolean, terminate: boolean): number {
  const bytes = units.length * 2;
  if (bytes > MAXUSHORT - (terminate ? 2 : 0)) return STATUS_INVALID_PARAMETER_2;
  if (allocate) {
    const maximumLength = bytes + (terminate ? 2 : 0);
    const buffer = allocateDriverBlock(session, api, Math.max(maximumLength, 1), STRING_TAG, 'string');
    if (buffer === 0) return STATUS_NO_MEMORY;
    writeUnits(session, buffer, terminate ? [...units, 0] : units);
    writeCounted(session, 'UNICODE_STRING', destination, { length: bytes, maximumLength, buffer });
    return K.STATUS_SUCCESS;
  }
  const current = readCounted(session, 'UNICODE_STRING', destination);
  if (bytes > current.maximumLength) return K.STATUS_BUFFER_OVERFLOW;
  writeUnits(session, current.buffer, units);
  if (terminate && bytes + 2 <= current.maximumLength) session.memory.setU16(current.buffer + bytes, 0);
  session.memory.setField('UNICODE_STRING', destination, 'Length', bytes);
  return K.STATUS_SUCCESS;
}

function freeString(session: Session, api: string, struct: 'UNICODE_STRING' | 'STRING', address: number, allocators: Set<string>): void {
  checkStruct(session, api, struct === 'STRING' ? 'AnsiString' : 'UnicodeString', address);
  const { buffer } = readCounted(session, struct, address);
  if (buffer === 0) return;
  const allocation = session.pool.lookup(buffer);
  if (!allocation || allocation.owner !== 'driver' || !allocators.has(allocation.api)) {
    const what = allocation ? `a block from ${allocation.api} (at ${describeSite(allocation.site)})` : 'not a buffer a string routine allocated';
    throw new BugCheck(0xc4, [0x10, buffer, 0, 0], `${api}(${hex(address)}): Buffer ${hex(buffer)} is ${what}; free only a string that ${[...allocators].join(' or ')} allocated`, 'POOL-FREE', session.site());
  }
  releaseDriverBlock(session, buffer, 'string');
  writeCounted(session, struct, address, { length: 0, maximumLength: 0, buffer: 0 });
}

defineImports([
  {
    name: 'RtlAnsiStringToUnicodeString',
    args: args('DestinationString:ptr', 'SourceString:ptr', 'AllocateDestinationString:bool'),
    result: 'status',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [destination, source, allocate]) {
      const api = 'RtlAnsiStringToUnicodeString';
      checkStruct(session, api, 'DestinationString', destination!);
      checkStruct(session, api, 'SourceString', source!);
      const src = readCounted(session, 'STRING', source!);
      const units = ansiToCodes(session.memory.read(src.buffer, src.length));
      return storeUnicode(session, api, destination!, units, (allocate! & 0xff) !== 0, true);
    },
  },
  {
    name: 'RtlUnicodeStringToAnsiString',
    args: args('DestinationString:ptr', 'SourceString:ptr', 'AllocateDestinationString:bool'),
    result: 'status',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [destination, source, allocate]) {
      const api = 'RtlUnicodeStringToAnsiString';
      checkStruct(session, api, 'DestinationString', destination!);
      checkStruct(session, api, 'SourceString', source!);
      const src = readCounted(session, 'UNICODE_STRING', source!);
      const bytes = unicodeToAnsi(readUtf16Units(session, src.buffer, src.length));
      if (bytes.length + 1 > MAXUSHORT) return STATUS_INVALID_PARAMETER_2;
      const m = session.memory;
      if ((allocate! & 0xff) !== 0) {
        const buffer = allocateDriverBlock(session, api, bytes.length + 1, STRING_TAG, 'string');
        if (buffer === 0) return STATUS_NO_MEMORY;
        m.write(buffer, Uint8Array.from([...bytes, 0]));
        writeCounted(session, 'STRING', destination!, { length: bytes.length, maximumLength: bytes.length + 1, buffer });
        return K.STATUS_SUCCESS;
      }
      const current = readCounted(session, 'STRING', destination!);
      // The caller's buffer holds the string and its NUL; if it is too small, what fits is converted
      // (still NUL-terminated) and the status says the result was cut short.
      if (bytes.length >= current.maximumLength) {
        if (current.maximumLength === 0) return K.STATUS_BUFFER_OVERFLOW;
        const fit = bytes.slice(0, current.maximumLength - 1);
        m.write(current.buffer, Uint8Array.from([...fit, 0]));
        m.setField('STRING', destination!, 'Length', fit.length);
        return K.STATUS_BUFFER_OVERFLOW;
      }
      m.write(current.buffer, Uint8Array.from([...bytes, 0]));
      m.setField('STRING', destination!, 'Length', bytes.length);
      return K.STATUS_SUCCESS;
    },
  },
  {
    name: 'RtlUpcaseUnicodeString',
    args: args('DestinationString:ptr', 'SourceString:ptr', 'AllocateDestinationString:bool'),
    result: 'status',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [destination, source, allocate]) {
      const api = 'RtlUpcaseUnicodeString';
      checkStruct(session, api, 'DestinationString', destination!);
      checkStruct(session, api, 'SourceString', source!);
      const src = readCounted(session, 'UNICODE_STRING', source!);
      const units = readUtf16Units(session, src.buffer, src.length).map(upcase);
      return storeUnicode(session, api, destination!, units, (allocate! & 0xff) !== 0, false);
    },
  },
  {
    name: 'RtlFreeUnicodeString',
    args: args('UnicodeString:ptr'),
    result: 'void',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [address]) {
      freeString(session, 'RtlFreeUnicodeString', 'UNICODE_STRING', address!, UNICODE_ALLOCATORS);
    },
  },
  {
    name: 'RtlFreeAnsiString',
    args: args('AnsiString:ptr'),
    result: 'void',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [address]) {
      freeString(session, 'RtlFreeAnsiString', 'STRING', address!, ANSI_ALLOCATORS);
    },
  },
  {
    name: 'NdisInitializeString',
    args: args('Destination:ptr', 'Source:ptr'),
    result: 'void',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [destination, source]) {
      checkStruct(session, 'NdisInitializeString', 'Destination', destination!);
      checkStruct(session, 'NdisInitializeString', 'Source', source!);
      const text = session.memory.cString(source!, MAXUSHORT);
      const units = [...text].map((c) => c.charCodeAt(0) & 0xff);
      const maximumLength = units.length * 2 + 2;
      // NDIS allocates the buffer with NdisAllocateMemoryWithTag: the driver frees it with
      // NdisFreeString (NdisFreeMemory of the Buffer). On failure the string is left empty.
      const buffer = allocateDriverBlock(session, 'NdisAllocateMemoryWithTag', maximumLength, STRING_TAG, 'string');
      if (buffer === 0) {
        writeCounted(session, 'UNICODE_STRING', destination!, { length: 0, maximumLength: 0, buffer: 0 });
        return;
      }
      writeUnits(session, buffer, [...units, 0]);
      writeCounted(session, 'UNICODE_STRING', destination!, { length: units.length * 2, maximumLength, buffer });
    },
  },
  {
    name: 'RtlIsNtDdiVersionAvailable',
    args: args('Version:hex'),
    result: 'bool',
    maxIrql: HIGH_LEVEL,
    impl: (_session, [version]) => ((version! >>> 0) <= NTDDI_SIMULATED ? 1 : 0),
  },
  {
    name: 'NdisGetRoutineAddress',
    args: args('NdisRoutineName:ptr'),
    result: 'ptr',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [name]) {
      checkStruct(session, 'NdisGetRoutineAddress', 'NdisRoutineName', name!);
      // The driver would call the result through its own function table, which holds only the
      // driver's own WebAssembly functions: a simulator routine cannot be placed there. The lab
      // therefore answers as NDIS does for a routine it does not export — NULL — and a driver must
      // handle that (the documented contract). Drivers call the routines they need directly.
      return 0;
    },
  },
]);
