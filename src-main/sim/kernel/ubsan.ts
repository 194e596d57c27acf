/**
 * Reads the reports that clang's UndefinedBehaviorSanitizer makes a driver send through its
 * `__ubsan_handle_*_abort(data, …)` imports. `data` points at static data in the driver's memory
 * whose layout is compiler-rt's (ubsan_handlers.h): it starts with a SourceLocation
 * { const char *file; u32 line; u32 column } and, for most checks, continues with pointers to
 * TypeDescriptor { u16 kind; u16 info; char name[] } (the name comes quoted: "'int'"). wasm32: 4-byte pointers.
 */
export type UbsanCheck =
  | 'null-pointer'
  | 'misaligned-pointer'
  | 'object-size'
  | 'signed-integer-overflow'
  | 'shift'
  | 'array-bounds'
  | 'division'
  | 'other';

export interface UbsanReport {
  check: UbsanCheck;
  handler: string;
  file: string;
  line: number;
  column: number;
  /** In the words clang's runtime would use, e.g. "load of null pointer of type 'int'". */
  message: string;
}

/** What the access was, by TypeMismatchData.TypeCheckKind (compiler-rt's order). */
const TYPE_CHECK_KINDS = [
  'load of',
  'store to',
  'reference binding to',
  'member access within',
  'member call on',
  'constructor call on',
  'downcast of',
  'downcast of',
  'upcast of',
  'cast to virtual base of',
  '_Nonnull binding to',
  'dynamic operation on',
];

interface TypeDescriptor {
  kind: number;
  info: number;
  name: string;
}

class DriverMemory {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  constructor(buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }
  u8(address: number): number {
    return this.inRange(address, 1) ? this.view.getUint8(address) : 0;
  }
  u16(address: number): number {
    return this.inRange(address, 2) ? this.view.getUint16(address, true) : 0;
  }
  u32(address: number): number {
    return this.inRange(address, 4) ? this.view.getUint32(address, true) : 0;
  }
  i64(address: number): bigint {
    return this.inRange(address, 8) ? this.view.getBigInt64(address, true) : 0n;
  }
  u64(address: number): bigint {
    return this.inRange(address, 8) ? this.view.getBigUint64(address, true) : 0n;
  }
  /** A NUL-terminated string, bounded so a corrupt pointer cannot run away. */
  cString(address: number, max = 4096): string {
    if (!this.inRange(address, 1)) return '<invalid>';
    let end = address;
    while (end < this.bytes.length && end - address < max && this.bytes[end] !== 0) end++;
    return new TextDecoder().decode(this.bytes.subarray(address, end));
  }
  private inRange(address: number, size: number): boolean {
    return address >= 0 && address + size <= this.bytes.length;
  }
}

function typeAt(memory: DriverMemory, address: number): TypeDescriptor {
  return { kind: memory.u16(address), info: memory.u16(address + 2), name: memory.cString(address + 4, 256) };
}

/** An integer operand as the handler received it: inline when it fits a pointer, else by address. */
function integerValue(memory: DriverMemory, type: TypeDescriptor, handle: number): string {
  const isInteger = type.kind === 0;
  const signed = (type.info & 1) === 1;
  const bits = isInteger ? 1 << (type.info >> 1) : 32;
  if (bits <= 32) {
    if (!signed) return String(handle >>> 0);
    const shift = 32 - bits;
    return String(((handle << shift) >> shift) | 0);
  }
  return String(signed ? memory.i64(handle) : memory.u64(handle));
}

export function isUbsanHandler(name: string): boolean {
  return /^__ubsan_handle_\w+$/.test(name);
}

export function decodeUbsanReport(handler: string, buffer: ArrayBuffer, args: readonly number[]): UbsanReport {
  const memory = new DriverMemory(buffer);
  const data = args[0] ?? 0;
  const file = memory.cString(memory.u32(data));
  const line = memory.u32(data + 4);
  const column = memory.u32(data + 8);
  const base = { handler, file, line, column };
  const name = handler.replace(/^__ubsan_handle_/, '').replace(/_abort$/, '');
  switch (name) {
    case 'type_mismatch_v1': {
      const type = typeAt(memory, memory.u32(data + 12));
      const logAlignment = memory.u8(data + 16);
      const action = TYPE_CHECK_KINDS[memory.u8(data + 17)] ?? 'access of';
      const pointer = (args[1] ?? 0) >>> 0;
      if (pointer === 0) return { ...base, check: 'null-pointer', message: `${action} null pointer of type ${type.name}` };
      const alignment = 2 ** logAlignment;
      if (logAlignment > 0 && pointer % alignment !== 0) {
        return {
          ...base,
          check: 'misaligned-pointer',
          message: `${action} misaligned address 0x${pointer.toString(16).padStart(8, '0')} for type ${type.name}, which requires ${alignment} byte alignment`,
        };
      }
      return { ...base, check: 'object-size', message: `${action} address 0x${pointer.toString(16)} with insufficient space for an object of type ${type.name}` };
    }
    case 'add_overflow':
    case 'sub_overflow':
    case 'mul_overflow': {
      const type = typeAt(memory, memory.u32(data + 12));
      const op = name === 'add_overflow' ? '+' : name === 'sub_overflow' ? '-' : '*';
      const lhs = integerValue(memory, type, args[1] ?? 0);
      const rhs = integerValue(memory, type, args[2] ?? 0);
      return { ...base, check: 'signed-integer-overflow', message: `signed integer overflow: ${lhs} ${op} ${rhs} cannot be represented in type ${type.name}` };
    }
    case 'negate_overflow': {
      const type = typeAt(memory, memory.u32(data + 12));
      const value = integerValue(memory, type, args[1] ?? 0);
      return { ...base, check: 'signed-integer-overflow', message: `negation of ${value} cannot be represented in type ${type.name}` };
    }
    case 'divrem_overflow': {
      const type = typeAt(memory, memory.u32(data + 12));
      const rhs = integerValue(memory, type, args[2] ?? 0);
      const message =
        rhs === '0' ? 'division by zero' : `division of ${integerValue(memory, type, args[1] ?? 0)} by -1 cannot be represented in type ${type.name}`;
      return { ...base, check: 'division', message };
    }
    case 'shift_out_of_bounds': {
      const lhsType = typeAt(memory, memory.u32(data + 12));
      const rhsType = typeAt(memory, memory.u32(data + 16));
      const lhs = integerValue(memory, lhsType, args[1] ?? 0);
      const rhs = integerValue(memory, rhsType, args[2] ?? 0);
      const width = 1 << (lhsType.info >> 1);
      const message =
        Number(rhs) < 0 || Number(rhs) >= width
          ? `shift exponent ${rhs} is ${Number(rhs) < 0 ? 'negative' : `too large for ${width}-bit type ${lhsType.name}`}`
          : `left shift of ${lhs} by ${rhs} places cannot be represented in type ${lhsType.name}`;
      return { ...base, check: 'shift', message };
    }
    case 'out_of_bounds': {
      const arrayType = typeAt(memory, memory.u32(data + 12));
      const indexType = typeAt(memory, memory.u32(data + 16));
      const index = integerValue(memory, indexType, args[1] ?? 0);
      return { ...base, check: 'array-bounds', message: `index ${index} out of bounds for type ${arrayType.name}` };
    }
    default:
      return { ...base, check: 'other', message: `undefined behaviour (${name.replace(/_/g, ' ')})` };
  }
}
