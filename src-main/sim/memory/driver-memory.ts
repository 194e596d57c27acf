import { LAYOUTS } from '../layouts/generated';
import type { LayoutSpec, StructName } from '../layouts/spec';

/** Thrown when the simulator itself would read or write outside the driver's memory. */
export class MemoryAccessError extends Error {}

/**
 * Typed access to the driver's linear memory, the way NDIS reads the structures a driver passes.
 * The view is rebuilt whenever the memory has grown. Offsets of fields come from LAYOUTS (clang).
 */
export class DriverMemory {
  private view: DataView;
  private bytes: Uint8Array;

  constructor(readonly memory: WebAssembly.Memory) {
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
  }

  get size(): number {
    return this.refresh().byteLength;
  }

  u8(address: number): number {
    this.check(address, 1);
    return this.view.getUint8(address);
  }
  u16(address: number): number {
    this.check(address, 2);
    return this.view.getUint16(address, true);
  }
  u32(address: number): number {
    this.check(address, 4);
    return this.view.getUint32(address, true);
  }
  i32(address: number): number {
    this.check(address, 4);
    return this.view.getInt32(address, true);
  }
  i64(address: number): bigint {
    this.check(address, 8);
    return this.view.getBigInt64(address, true);
  }
  u64(address: number): bigint {
    this.check(address, 8);
    return this.view.getBigUint64(address, true);
  }
  setU8(address: number, value: number): void {
    this.check(address, 1);
    this.view.setUint8(address, value);
  }
  setU16(address: number, value: number): void {
    this.check(address, 2);
    this.view.setUint16(address, value, true);
  }
  setU32(address: number, value: number): void {
    this.check(address, 4);
    this.view.setUint32(address, value >>> 0, true);
  }
  setU64(address: number, value: bigint): void {
    this.check(address, 8);
    this.view.setBigUint64(address, BigInt.asUintN(64, value), true);
  }
  fill(address: number, length: number, value: number): void {
    this.check(address, length);
    this.bytes.fill(value, address, address + length);
  }
  read(address: number, length: number): Uint8Array {
    this.check(address, length);
    return this.bytes.slice(address, address + length);
  }
  /** All of driver memory as bytes (valid until the memory grows). */
  get allBytes(): Uint8Array {
    // A grown memory detaches the old buffer: only then is there anything to refresh.
    if (this.bytes.length === 0) this.refresh();
    return this.bytes;
  }

  /** A live view of driver memory (no copy): valid until the memory grows. */
  window(address: number, length: number): Uint8Array {
    this.check(address, length);
    return this.bytes.subarray(address, address + length);
  }
  write(address: number, data: Uint8Array): void {
    this.check(address, data.length);
    this.bytes.set(data, address);
  }

  /** A field of a structure at `base`, by its name in sim/layouts/spec.ts; sized reads by the field's size. */
  field<S extends StructName>(struct: S, base: number, name: LayoutSpec[S][number]): number {
    const f = (LAYOUTS[struct].fields as Record<string, { offset: number; size: number }>)[name]!;
    switch (f.size) {
      case 1:
        return this.u8(base + f.offset);
      case 2:
        return this.u16(base + f.offset);
      case 4:
        return this.u32(base + f.offset);
      case 8:
        return Number(this.u64(base + f.offset));
      default:
        throw new MemoryAccessError(`${struct}.${name} is ${f.size} bytes: read it with read()`);
    }
  }

  setField<S extends StructName>(struct: S, base: number, name: LayoutSpec[S][number], value: number): void {
    const f = (LAYOUTS[struct].fields as Record<string, { offset: number; size: number }>)[name]!;
    switch (f.size) {
      case 1:
        return this.setU8(base + f.offset, value);
      case 2:
        return this.setU16(base + f.offset, value);
      case 4:
        return this.setU32(base + f.offset, value);
      case 8:
        return this.setU64(base + f.offset, BigInt(value));
      default:
        throw new MemoryAccessError(`${struct}.${name} is ${f.size} bytes: write it with write()`);
    }
  }

  offsetOf<S extends StructName>(struct: S, name: LayoutSpec[S][number]): number {
    return (LAYOUTS[struct].fields as Record<string, { offset: number }>)[name]!.offset;
  }

  sizeOf(struct: StructName): number {
    return LAYOUTS[struct].size;
  }

  /** A NUL-terminated 8-bit string. */
  cString(address: number, max = 4096): string {
    this.refresh();
    this.check(address, 1);
    let end = address;
    while (end < this.bytes.length && end - address < max && this.bytes[end] !== 0) end++;
    return new TextDecoder('latin1').decode(this.bytes.subarray(address, end));
  }

  /** A UTF-16 string of `length` bytes. */
  utf16(address: number, lengthBytes: number): string {
    this.check(address, lengthBytes);
    const units: number[] = [];
    for (let i = 0; i + 1 < lengthBytes; i += 2) units.push(this.view.getUint16(address + i, true));
    return String.fromCharCode(...units);
  }

  /** A UNICODE_STRING (NDIS_STRING) at `address`. */
  unicodeString(address: number): string {
    const length = this.field('UNICODE_STRING', address, 'Length');
    const buffer = this.field('UNICODE_STRING', address, 'Buffer');
    return length === 0 ? '' : this.utf16(buffer, length);
  }

  writeUtf16(address: number, text: string): void {
    for (let i = 0; i < text.length; i++) this.setU16(address + 2 * i, text.charCodeAt(i));
  }

  private refresh(): ArrayBuffer {
    const buffer = this.memory.buffer;
    if (buffer !== this.view.buffer) {
      this.view = new DataView(buffer);
      this.bytes = new Uint8Array(buffer);
    }
    return buffer;
  }

  private check(address: number, length: number): void {
    // Fast path: a grown memory detaches the old buffer, whose views then have length 0.
    if (address > 0 && length >= 0 && address + length <= this.bytes.length && Number.isInteger(address)) return;
    this.slowCheck(address, length);
  }

  private slowCheck(address: number, length: number): void {
    if (this.view.buffer !== this.memory.buffer) this.refresh();
    if (!Number.isInteger(address) || address <= 0 || address + length > this.bytes.length || length < 0) {
      throw new MemoryAccessError(
        address === 0 ? 'NULL pointer' : `address 0x${(address >>> 0).toString(16)} (+${length}) is outside the driver's memory (${this.bytes.length} bytes)`,
      );
    }
  }
}
