// A bounds-checked cursor over a wasm module for the instrumenter. The engine has its own reader
// for DWARF, but the simulator sits below the engine and may not import it. Every failure names
// the absolute module offset, so a bad byte can be found with a hex viewer.

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class WasmReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** A reader over [start, end) of the same bytes, for a length-prefixed part that must not overrun. */
  sub(start: number, end: number): WasmReader {
    if (end > this.end) this.fail(`needs ${end - start} byte(s) but only ${Math.max(0, this.end - start)} remain (truncated module?)`, start);
    return new WasmReader(this.bytes, start, end);
  }

  fail(message: string, at = this.pos): never {
    throw new Error(`Malformed wasm module at offset 0x${at.toString(16)}: ${message}`);
  }

  skip(count: number): void {
    if (this.pos + count > this.end) {
      this.fail(`needs ${count} byte(s) but only ${Math.max(0, this.end - this.pos)} remain (truncated module?)`);
    }
    this.pos += count;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end (truncated module?)');
    return this.bytes[this.pos++] as number;
  }

  peek(): number {
    if (this.pos >= this.end) this.fail('unexpected end (truncated module?)');
    return this.bytes[this.pos] as number;
  }

  /** The spec's u32 LEB128: at most 5 bytes and below 2^32. */
  u32(): number {
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

  /** Skips a LEB128 whose value nothing here needs (s32, s33, s64, u64 immediates). */
  skipLeb(maxBytes: number): void {
    const at = this.pos;
    for (let i = 0; i < maxBytes; i++) {
      if ((this.u8() & 0x80) === 0) return;
    }
    this.fail(`LEB128 longer than ${maxBytes} bytes`, at);
  }

  /** A wasm name: u32 length, then UTF-8. */
  name(): string {
    const length = this.u32();
    const start = this.pos;
    this.skip(length);
    return utf8.decode(this.bytes.subarray(start, this.pos));
  }
}

/** Unsigned LEB128 of a u32, shortest form. */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}
