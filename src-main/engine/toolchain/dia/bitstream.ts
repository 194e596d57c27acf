/**
 * A reader for the LLVM bitstream container (llvm/docs/BitCodeFormat.rst): the bit-packed format
 * underneath LLVM bitcode and clang's serialized diagnostics.
 *
 * Bits are read least-significant first from consecutive bytes. Each block declares the width of
 * its abbreviation ids; ids 0–3 are the standard ones below, ids from 4 on select the block's
 * abbreviations: first those the BLOCKINFO block registered for its block id, then those the block
 * defines itself. Every malformed input ends in a BitstreamError naming the bit offset, and every
 * read consumes at least one bit or fails, so no input can make the reader loop forever.
 */

const END_BLOCK = 0;
const ENTER_SUBBLOCK = 1;
const DEFINE_ABBREV = 2;
const UNABBREV_RECORD = 3;
const FIRST_APPLICATION_ABBREV = 4;

const BLOCKINFO_BLOCK_ID = 0;
const BLOCKINFO_CODE_SETBID = 1;

/** Abbreviation ids at the top level, outside any block. */
const TOP_LEVEL_ABBREV_WIDTH = 2;
/** LLVM's own limit on abbreviation id widths and VBR chunk widths. */
const MAX_CHUNK_WIDTH = 32;
const MAX_FIXED_WIDTH = 64;
/** Real files nest a handful of blocks; the limit turns hostile input into an error, not a stack overflow. */
const MAX_BLOCK_DEPTH = 64;

export class BitstreamError extends Error {
  constructor(
    detail: string,
    readonly bitOffset: number,
  ) {
    super(`${detail} at bit ${bitOffset}`);
    this.name = 'BitstreamError';
  }
}

/** Little-endian bit reader over a byte array. */
class BitReader {
  /** The input plus 8 zero bytes, so a 32-bit load near the end needs no bounds logic. */
  private readonly view: DataView;
  private pos: number;
  readonly endBit: number;

  constructor(
    private readonly bytes: Uint8Array,
    startBit: number,
  ) {
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes);
    this.view = new DataView(padded.buffer);
    this.pos = startBit;
    this.endBit = bytes.length * 8;
  }

  get position(): number {
    return this.pos;
  }

  get remainingBits(): number {
    return this.endBit - this.pos;
  }

  seek(bit: number): void {
    this.pos = bit;
  }

  /**
   * An unsigned field of 1–32 bits. This is the hot path: it often runs before the JIT has
   * optimized it (the toolchain's wasm tier-up keeps the compiler threads busy), so it does
   * one unaligned 32-bit load and a few shifts.
   */
  read(width: number): number {
    const pos = this.pos;
    if (width > this.endBit - pos) {
      throw new BitstreamError(`unexpected end of data reading ${width} bits (file truncated?)`, pos);
    }
    const byte = pos >>> 3;
    const shift = pos & 7;
    const word = this.view.getUint32(byte, true) >>> shift;
    this.pos = pos + width;
    const spill = shift + width - 32;
    // Shifting left drops the bits above the field; >>> keeps bit 31 from making it negative.
    if (spill <= 0) return (word << (32 - width)) >>> (32 - width);
    // The field straddles a fifth byte, whose low `spill` bits are the field's top bits.
    return word + (this.view.getUint8(byte + 4) & ((1 << spill) - 1)) * 2 ** (32 - shift);
  }

  /** A fixed field of up to 64 bits; values beyond 2^53 cannot be numbers, so they are errors. */
  readWide(width: number): number {
    if (width <= 32) return this.read(width);
    const at = this.pos;
    const low = this.read(32);
    const high = this.read(width - 32);
    if (high >= 2 ** 21) throw new BitstreamError(`${width}-bit value exceeds 2^53`, at);
    return high * 2 ** 32 + low;
  }

  /** A variable bit rate value: chunks of `width` bits whose top bit says another chunk follows. */
  readVbr(width: number): number {
    const first = this.read(width);
    return first >>> (width - 1) === 0 ? first : this.readVbrTail(first, width);
  }

  private readVbrTail(first: number, width: number): number {
    const at = this.pos - width;
    const payloadBits = width - 1;
    const continueBit = 2 ** payloadBits;
    let value = first - continueBit;
    for (let shift = payloadBits; ; shift += payloadBits) {
      const chunk = this.read(width);
      value += (chunk % continueBit) * 2 ** shift;
      // Also ends endless zero-payload chunks: 2 ** shift reaches Infinity and the sum NaN.
      if (!Number.isSafeInteger(value)) throw new BitstreamError(`VBR${width} value exceeds 2^53`, at);
      if (chunk < continueBit) return value;
    }
  }

  alignTo32(): void {
    const aligned = Math.ceil(this.pos / 32) * 32;
    if (aligned > this.endBit) throw new BitstreamError('unexpected end of data at 32-bit alignment (file truncated?)', this.pos);
    this.pos = aligned;
  }

  /** `count` whole bytes; the caller has aligned to a byte boundary. */
  takeBytes(count: number): Uint8Array {
    if (count * 8 > this.remainingBits) {
      throw new BitstreamError(`blob of ${count} bytes runs past the end of data (file truncated?)`, this.pos);
    }
    const start = this.pos >>> 3;
    this.pos += count * 8;
    return this.bytes.subarray(start, start + count);
  }
}

type ScalarOp =
  | { kind: 'literal'; value: number }
  | { kind: 'fixed'; width: number }
  | { kind: 'vbr'; width: number }
  | { kind: 'char6' };
type AbbrevOp = ScalarOp | { kind: 'array'; element: ScalarOp } | { kind: 'blob' };
/** An abbreviation: how to read a record's code, then its operands. */
interface Abbrev {
  code: ScalarOp;
  operands: AbbrevOp[];
}

const CHAR6 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._';

export type BitstreamEntry =
  | { kind: 'enterBlock'; blockId: number; bit: number }
  | { kind: 'endBlock'; blockId: number; bit: number }
  | BitstreamRecord
  | { kind: 'endOfStream'; bit: number };

/** `fields` are the operands after the code, array elements inlined as LLVM's reader does. */
export interface BitstreamRecord {
  kind: 'record';
  code: number;
  fields: number[];
  blob: Uint8Array | undefined;
  bit: number;
}

interface Scope {
  blockId: number;
  abbrevWidth: number;
  abbrevs: Abbrev[];
  /** Where the block's length word says it ends; END_BLOCK must land exactly there. */
  endBit: number;
}

/**
 * Walks a bitstream entry by entry. BLOCKINFO blocks are consumed internally (their abbreviations
 * apply to later blocks), so callers see only their application's blocks and records.
 */
export class BitstreamCursor {
  private readonly bits: BitReader;
  /** The innermost block being read (a pseudo-block at the top level), and the blocks around it. */
  private scope: Scope;
  private readonly outer: Scope[] = [];
  private readonly blockInfoAbbrevs = new Map<number, Abbrev[]>();

  constructor(bytes: Uint8Array, startBit: number) {
    this.bits = new BitReader(bytes, startBit);
    this.scope = { blockId: -1, abbrevWidth: TOP_LEVEL_ABBREV_WIDTH, abbrevs: [], endBit: this.bits.endBit };
  }

  next(): BitstreamEntry {
    for (;;) {
      const bit = this.bits.position;
      const scope = this.scope;
      if (bit === this.bits.endBit && this.outer.length === 0) return { kind: 'endOfStream', bit };
      const id = this.bits.read(scope.abbrevWidth);
      switch (id) {
        case END_BLOCK:
          this.exitBlock(bit);
          return { kind: 'endBlock', blockId: scope.blockId, bit };
        case ENTER_SUBBLOCK: {
          const blockId = this.enterBlock(bit);
          if (blockId !== BLOCKINFO_BLOCK_ID) return { kind: 'enterBlock', blockId, bit };
          this.readBlockInfo();
          continue;
        }
        case DEFINE_ABBREV:
          scope.abbrevs.push(this.readAbbrevDefinition());
          continue;
        case UNABBREV_RECORD:
          return this.readUnabbreviatedRecord(bit);
        default:
          return this.readAbbreviatedRecord(scope, id, bit);
      }
    }
  }

  /** Skips the rest of the block just entered (or being read), including its END_BLOCK. */
  skipBlock(): void {
    this.bits.seek(this.scope.endBit);
    this.popScope('skipBlock outside any block');
  }

  private popScope(problem: string): void {
    const enclosing = this.outer.pop();
    if (enclosing === undefined) throw new BitstreamError(problem, this.bits.position);
    this.scope = enclosing;
  }

  private enterBlock(bit: number): number {
    const blockId = this.bits.readVbr(8);
    const abbrevWidth = this.bits.readVbr(4);
    this.bits.alignTo32();
    const lengthWords = this.bits.read(32);
    const endBit = this.bits.position + lengthWords * 32;
    if (abbrevWidth < 1 || abbrevWidth > MAX_CHUNK_WIDTH) {
      throw new BitstreamError(`block ${blockId} declares invalid abbreviation width ${abbrevWidth}`, bit);
    }
    if (endBit > this.bits.endBit) {
      throw new BitstreamError(
        `block ${blockId} declares ${lengthWords} words, more than the data holds (file truncated?); the block starts`,
        bit,
      );
    }
    if (this.outer.length >= MAX_BLOCK_DEPTH) throw new BitstreamError(`blocks nested deeper than ${MAX_BLOCK_DEPTH}`, bit);
    const abbrevs = [...(this.blockInfoAbbrevs.get(blockId) ?? [])];
    this.outer.push(this.scope);
    this.scope = { blockId, abbrevWidth, abbrevs, endBit };
    return blockId;
  }

  private exitBlock(bit: number): void {
    const scope = this.scope;
    if (this.outer.length === 0) throw new BitstreamError('END_BLOCK outside any block', bit);
    this.bits.alignTo32();
    if (this.bits.position !== scope.endBit) {
      throw new BitstreamError(
        `block ${scope.blockId} ends at bit ${this.bits.position} but its header says bit ${scope.endBit}`,
        bit,
      );
    }
    this.popScope('END_BLOCK outside any block');
  }

  /** BLOCKINFO: SETBID records choose a block id, and the DEFINE_ABBREVs that follow belong to it. */
  private readBlockInfo(): void {
    const scope = this.scope;
    let target: Abbrev[] | undefined;
    for (;;) {
      const bit = this.bits.position;
      const id = this.bits.read(scope.abbrevWidth);
      if (id === END_BLOCK) return this.exitBlock(bit);
      if (id === ENTER_SUBBLOCK) {
        this.enterBlock(bit);
        this.skipBlock();
      } else if (id === DEFINE_ABBREV) {
        if (target === undefined) throw new BitstreamError('BLOCKINFO defines an abbreviation before any SETBID', bit);
        target.push(this.readAbbrevDefinition());
      } else if (id === UNABBREV_RECORD) {
        const record = this.readUnabbreviatedRecord(bit);
        if (record.code === BLOCKINFO_CODE_SETBID) target = this.blockInfoTarget(record.fields, bit);
      } else {
        throw new BitstreamError(`BLOCKINFO uses abbreviation id ${id}, but it can define none for itself`, bit);
      }
    }
  }

  private blockInfoTarget(fields: number[], bit: number): Abbrev[] {
    const blockId = fields[0];
    if (blockId === undefined) throw new BitstreamError('SETBID record without a block id', bit);
    let abbrevs = this.blockInfoAbbrevs.get(blockId);
    if (abbrevs === undefined) {
      abbrevs = [];
      this.blockInfoAbbrevs.set(blockId, abbrevs);
    }
    return abbrevs;
  }

  private readAbbrevDefinition(): Abbrev {
    const bit = this.bits.position;
    const count = this.bits.readVbr(5);
    const ops: AbbrevOp[] = [];
    for (let i = 0; i < count; i++) {
      const op = this.readAbbrevOp(bit);
      if (op.kind === 'array') {
        if (i !== count - 2) throw new BitstreamError('array operand is not second to last in its abbreviation', bit);
        i++;
        ops.push({ kind: 'array', element: this.readArrayElementOp(bit) });
      } else {
        if (op.kind === 'blob' && i !== count - 1) throw new BitstreamError('blob operand is not last in its abbreviation', bit);
        ops.push(op);
      }
    }
    const [code, ...operands] = ops;
    if (code === undefined || code.kind === 'array' || code.kind === 'blob') {
      throw new BitstreamError('abbreviation does not start with a scalar record code', bit);
    }
    return { code, operands };
  }

  /** One operand; an array's element operand is read separately by the caller. */
  private readAbbrevOp(bit: number): ScalarOp | { kind: 'array' } | { kind: 'blob' } {
    if (this.bits.read(1) === 1) return { kind: 'literal', value: this.bits.readVbr(8) };
    const encoding = this.bits.read(3);
    switch (encoding) {
      case 1:
      case 2: {
        const kind = encoding === 1 ? 'fixed' : 'vbr';
        const width = this.bits.readVbr(5);
        // LLVM reads a zero-width field as the literal 0.
        if (width === 0) return { kind: 'literal', value: 0 };
        const max = kind === 'fixed' ? MAX_FIXED_WIDTH : MAX_CHUNK_WIDTH;
        if (width > max || (kind === 'vbr' && width < 2)) throw new BitstreamError(`invalid ${kind} width ${width}`, bit);
        return { kind, width };
      }
      case 3:
        return { kind: 'array' };
      case 4:
        return { kind: 'char6' };
      case 5:
        return { kind: 'blob' };
      default:
        throw new BitstreamError(`unknown abbreviation operand encoding ${encoding}`, bit);
    }
  }

  private readArrayElementOp(bit: number): ScalarOp {
    const element = this.readAbbrevOp(bit);
    if (element.kind === 'array' || element.kind === 'blob' || element.kind === 'literal') {
      throw new BitstreamError(`array element operand cannot be ${element.kind}`, bit);
    }
    return element;
  }

  private readUnabbreviatedRecord(bit: number): BitstreamRecord {
    const code = this.bits.readVbr(6);
    const count = this.bits.readVbr(6);
    const fields: number[] = [];
    // Each operand takes at least 6 bits, so a corrupt count runs out of data instead of memory.
    for (let i = 0; i < count; i++) fields.push(this.bits.readVbr(6));
    return { kind: 'record', code, fields, blob: undefined, bit };
  }

  private readAbbreviatedRecord(scope: Scope, id: number, bit: number): BitstreamRecord {
    const abbrev = scope.abbrevs[id - FIRST_APPLICATION_ABBREV];
    if (abbrev === undefined) throw new BitstreamError(`undefined abbreviation id ${id} in block ${scope.blockId}`, bit);
    const code = this.readScalar(abbrev.code);
    const fields: number[] = [];
    let blob: Uint8Array | undefined;
    const { operands } = abbrev;
    // An indexed loop: this runs for every record, often before the JIT has warmed up.
    for (let i = 0; i < operands.length; i++) {
      const op = operands[i] as AbbrevOp;
      if (op.kind === 'array') this.readArray(op.element, fields);
      else if (op.kind === 'blob') blob = this.readBlob();
      else fields.push(this.readScalar(op));
    }
    return { kind: 'record', code, fields, blob, bit };
  }

  private readScalar(op: ScalarOp): number {
    switch (op.kind) {
      case 'literal':
        return op.value;
      case 'fixed':
        return this.bits.readWide(op.width);
      case 'vbr':
        return this.bits.readVbr(op.width);
      case 'char6':
        return CHAR6.charCodeAt(this.bits.read(6));
    }
  }

  private readArray(element: ScalarOp, into: number[]): void {
    const bit = this.bits.position;
    const length = this.bits.readVbr(6);
    if (length > this.bits.remainingBits) throw new BitstreamError(`array of ${length} elements runs past the end of data`, bit);
    for (let i = 0; i < length; i++) into.push(this.readScalar(element));
  }

  private readBlob(): Uint8Array {
    const length = this.bits.readVbr(6);
    this.bits.alignTo32();
    const blob = this.bits.takeBytes(length);
    this.bits.alignTo32();
    return blob;
  }
}
