// A bounds-checked little-endian cursor over a byte range, shared by the wasm section reader and
// the DWARF parsers. Every failure names the absolute offset in the module, so a learner (or we)
// can find the bad byte with a hex viewer.

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class ByteReader {
  pos: number;

  /**
   * @param bytes the whole buffer being read (offsets in errors are relative to it plus `base`)
   * @param what  a name for error messages, e.g. 'wasm module' or '.debug_line'
   * @param base  the offset of `bytes[0]` in the module, so errors report module offsets
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    readonly base = 0,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string, at = this.pos): never {
    throw new Error(`Malformed ${this.what} at offset 0x${(this.base + at).toString(16)}: ${message}`);
  }

  /** Throws unless `count` more bytes lie inside the range. */
  need(count: number): void {
    if (count < 0 || this.pos + count > this.end) {
      this.fail(`needs ${count} byte(s) but only ${Math.max(0, this.end - this.pos)} remain`);
    }
  }

  skip(count: number): void {
    this.need(count);
    this.pos += count;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 2;
    return (b[p] as number) | ((b[p + 1] as number) << 8);
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) + (b[p + 3] as number) * 0x1000000;
  }

  /** A 64-bit value as a number; DWARF in a wasm32 module never needs more than 2^53. */
  u64(): number {
    const at = this.pos;
    const low = this.u32();
    const high = this.u32();
    if (high >= 0x200000) this.fail('64-bit value too large', at);
    return high * 0x100000000 + low;
  }

  /** Fixed-size unsigned integer of 1, 2, 4 or 8 bytes. */
  uint(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default:
        return this.fail(`unsupported integer size ${size}`);
    }
  }

  /** Unsigned LEB128; values past 2^53 lose precision, which only skipped fields could reach. */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
  }

  sleb(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return byte & 0x40 ? result - scale : result;
    }
  }

  /** The wasm spec's u32 LEB128: at most 5 bytes and below 2^32. */
  wasmU32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('u32 LEB128 out of range', at);
        return result;
      }
    }
    return this.fail('u32 LEB128 longer than 5 bytes', at);
  }

  /** A NUL-terminated UTF-8 string (DW_FORM_string and the DWARF 4 line header). */
  cstring(): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) this.fail('unterminated string', start);
    this.pos = nul + 1;
    return utf8.decode(this.bytes.subarray(start, nul));
  }

  /** A string of `length` UTF-8 bytes (wasm names). */
  utf8(length: number): string {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return utf8.decode(this.bytes.subarray(start, start + length));
  }
}
