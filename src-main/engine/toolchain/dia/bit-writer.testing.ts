/**
 * Test-only: writes LLVM bitstreams by hand, to reach constructs clang never emits (char6, arrays,
 * wide fixed fields) and precisely broken files.
 */
export type OpSpec = number | ['fixed' | 'vbr', number] | 'array' | 'char6' | 'blob';

export class BitWriter {
  private readonly bits: number[] = [];
  private readonly blocks: { width: number; lengthAt: number }[] = [];

  /** The abbreviation id width of the block being written (2 at the top level). */
  width = 2;

  fixed(value: number, width: number): this {
    for (let i = 0; i < width; i++) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  vbr(value: number, width: number): this {
    const payload = 2 ** (width - 1);
    let rest = value;
    do {
      const chunk = rest % payload;
      rest = Math.floor(rest / payload);
      this.fixed(chunk + (rest > 0 ? payload : 0), width);
    } while (rest > 0);
    return this;
  }

  align(): this {
    while (this.bits.length % 32 !== 0) this.bits.push(0);
    return this;
  }

  bytesOf(text: string): this {
    for (const byte of new TextEncoder().encode(text)) this.fixed(byte, 8);
    return this;
  }

  enterBlock(blockId: number, width: number): this {
    this.fixed(1, this.width).vbr(blockId, 8).vbr(width, 4).align();
    this.blocks.push({ width: this.width, lengthAt: this.bits.length });
    this.fixed(0, 32);
    this.width = width;
    return this;
  }

  /** END_BLOCK, then the block's length word is patched; `extraWords` falsifies it. */
  endBlock(extraWords = 0): this {
    this.fixed(0, this.width).align();
    const block = this.blocks.pop();
    if (block === undefined) throw new Error('endBlock without enterBlock');
    const words = (this.bits.length - block.lengthAt - 32) / 32 + extraWords;
    for (let i = 0; i < 32; i++) this.bits[block.lengthAt + i] = Math.floor(words / 2 ** i) % 2;
    this.width = block.width;
    return this;
  }

  defineAbbrev(ops: OpSpec[]): this {
    this.fixed(2, this.width).vbr(ops.length, 5);
    for (const op of ops) {
      if (typeof op === 'number') this.fixed(1, 1).vbr(op, 8);
      else if (Array.isArray(op)) this.fixed(0, 1).fixed(op[0] === 'fixed' ? 1 : 2, 3).vbr(op[1], 5);
      else this.fixed(0, 1).fixed({ array: 3, char6: 4, blob: 5 }[op], 3);
    }
    return this;
  }

  unabbreviated(code: number, fields: number[]): this {
    this.fixed(3, this.width).vbr(code, 6).vbr(fields.length, 6);
    for (const field of fields) this.vbr(field, 6);
    return this;
  }

  abbreviated(id: number): this {
    return this.fixed(id, this.width);
  }

  /** A blob operand: length, alignment, bytes, alignment. */
  blob(text: string): this {
    return this.vbr(new TextEncoder().encode(text).length, 6).align().bytesOf(text).align();
  }

  finish(): Uint8Array {
    const bytes = new Uint8Array(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      if (bit) bytes[i >>> 3] = (bytes[i >>> 3] ?? 0) | (1 << (i & 7));
    });
    return bytes;
  }
}
