// Skips one wasm instruction with its immediates, so that a function body can be walked exactly
// and every `loop` found. Covers what clang's wasm32 targets emit: the MVP, sign extension,
// non-trapping float-to-int, bulk memory, reference types, multi-value block types, multi-memory
// memargs, tail calls and SIMD. Exception handling and atomics are rejected by name: the lab
// does not enable them, and guessing their immediates would silently corrupt the walk.
// Encodings per the WebAssembly core spec, binary format, section "Instructions".

import type { WasmReader } from './reader';

export const OP_LOOP = 0x03;

/** What follows an opcode byte. */
const enum Imm {
  Invalid,
  None,
  BlockType,
  Index,
  TwoIndices,
  BrTable,
  MemArg,
  I32,
  I64,
  F32,
  F64,
  SelectTypes,
  HeapType,
  PrefixFC,
  PrefixFD,
  Atomic,
  ExceptionHandling,
}

const IMMEDIATES = buildImmediateTable();

function buildImmediateTable(): Uint8Array {
  const table = new Uint8Array(256).fill(Imm.Invalid);
  const set = (from: number, to: number, kind: Imm): void => {
    table.fill(kind, from, to + 1);
  };
  set(0x00, 0x01, Imm.None); // unreachable, nop
  set(0x02, 0x04, Imm.BlockType); // block, loop, if
  set(0x05, 0x05, Imm.None); // else
  set(0x06, 0x0a, Imm.ExceptionHandling); // try, catch, throw, rethrow, throw_ref
  set(0x0b, 0x0b, Imm.None); // end
  set(0x0c, 0x0d, Imm.Index); // br, br_if
  set(0x0e, 0x0e, Imm.BrTable);
  set(0x0f, 0x0f, Imm.None); // return
  set(0x10, 0x10, Imm.Index); // call
  set(0x11, 0x11, Imm.TwoIndices); // call_indirect type table
  set(0x12, 0x12, Imm.Index); // return_call
  set(0x13, 0x13, Imm.TwoIndices); // return_call_indirect
  set(0x18, 0x19, Imm.ExceptionHandling); // delegate, catch_all
  set(0x1a, 0x1b, Imm.None); // drop, select
  set(0x1c, 0x1c, Imm.SelectTypes);
  set(0x1f, 0x1f, Imm.ExceptionHandling); // try_table
  set(0x20, 0x26, Imm.Index); // local.get/set/tee, global.get/set, table.get/set
  set(0x28, 0x3e, Imm.MemArg); // loads and stores
  set(0x3f, 0x40, Imm.Index); // memory.size, memory.grow (memory index)
  set(0x41, 0x41, Imm.I32);
  set(0x42, 0x42, Imm.I64);
  set(0x43, 0x43, Imm.F32);
  set(0x44, 0x44, Imm.F64);
  set(0x45, 0xc4, Imm.None); // numeric operators, sign extension
  set(0xd0, 0xd0, Imm.HeapType); // ref.null
  set(0xd1, 0xd1, Imm.None); // ref.is_null
  set(0xd2, 0xd2, Imm.Index); // ref.func
  set(0xfc, 0xfc, Imm.PrefixFC);
  set(0xfd, 0xfd, Imm.PrefixFD);
  set(0xfe, 0xfe, Imm.Atomic);
  return table;
}

/** Reads one instruction (opcode and immediates) and returns its first opcode byte. */
export function skipInstruction(r: WasmReader): number {
  const at = r.pos;
  const opcode = r.u8();
  switch (IMMEDIATES[opcode] as Imm) {
    case Imm.None:
      break;
    case Imm.BlockType:
      skipBlockType(r);
      break;
    case Imm.Index:
      r.u32();
      break;
    case Imm.TwoIndices:
      r.u32();
      r.u32();
      break;
    case Imm.BrTable:
      skipBrTable(r);
      break;
    case Imm.MemArg:
      skipMemArg(r);
      break;
    case Imm.I32:
      r.skipLeb(5);
      break;
    case Imm.I64:
      r.skipLeb(10);
      break;
    case Imm.F32:
      r.skip(4);
      break;
    case Imm.F64:
      r.skip(8);
      break;
    case Imm.SelectTypes:
      skipVector(r, skipValType);
      break;
    case Imm.HeapType:
      r.skipLeb(5); // s33: an abstract heap type byte or a type index
      break;
    case Imm.PrefixFC:
      skipPrefixFC(r, at);
      break;
    case Imm.PrefixFD:
      skipPrefixFD(r, at);
      break;
    case Imm.Atomic:
      return r.fail(`atomic instruction 0xfe 0x${r.u32().toString(16)} is not supported (threads are not enabled for drivers)`, at);
    case Imm.ExceptionHandling:
      return r.fail(`exception-handling instruction 0x${opcode.toString(16)} is not supported`, at);
    default:
      return r.fail(`unknown opcode 0x${opcode.toString(16)}`, at);
  }
  return opcode;
}

/**
 * 0x40 (empty), a value type, or a type index as a non-negative s33. A single LEB byte in
 * 0x40–0x7f would be negative, so it is the empty type or a value type.
 */
function skipBlockType(r: WasmReader): void {
  const first = r.peek();
  if (first === 0x40) r.skip(1);
  else if (first > 0x40 && first < 0x80) skipValType(r);
  else r.skipLeb(5);
}

/** A value type: one byte, except the typed references (ref ht) 0x64 and (ref null ht) 0x63. */
export function skipValType(r: WasmReader): void {
  const type = r.u8();
  if (type === 0x63 || type === 0x64) r.skipLeb(5);
}

export function skipVector(r: WasmReader, skipElement: (r: WasmReader) => void): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) skipElement(r);
}

function skipBrTable(r: WasmReader): void {
  const count = r.u32();
  for (let i = 0; i <= count; i++) r.u32(); // the labels, then the default label
}

/** Alignment with bit 6 set announces a memory index (multi-memory); the offset is u64 under memory64. */
function skipMemArg(r: WasmReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb(10);
}

/** 0xFC: saturating truncations (0–7), bulk memory (8–11) and table instructions (12–17). */
function skipPrefixFC(r: WasmReader, at: number): void {
  const sub = r.u32();
  if (sub <= 7) return;
  switch (sub) {
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    case 8: // memory.init data memory
    case 10: // memory.copy memory memory
    case 12: // table.init elem table
    case 14: // table.copy table table
      r.u32();
      r.u32();
      return;
    default:
      r.fail(`unknown instruction 0xfc ${sub}`, at);
  }
}

/** Highest SIMD opcode (relaxed SIMD ends at 0x113); all but those below take no immediates. */
const LAST_SIMD_OPCODE = 0x113;

/** 0xFD: the fixed-width SIMD instructions, immediates per the spec's vector instruction table. */
function skipPrefixFD(r: WasmReader, at: number): void {
  const sub = r.u32();
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) {
    skipMemArg(r); // v128.load*, v128.store, v128.load32_zero, v128.load64_zero
  } else if (sub === 0x0c || sub === 0x0d) {
    r.skip(16); // v128.const bytes, i8x16.shuffle lane indices
  } else if (sub >= 0x15 && sub <= 0x22) {
    r.skip(1); // extract_lane / replace_lane lane index
  } else if (sub >= 0x54 && sub <= 0x5b) {
    skipMemArg(r); // v128.load*_lane, v128.store*_lane
    r.skip(1);
  } else if (sub > LAST_SIMD_OPCODE) {
    r.fail(`unknown SIMD instruction 0xfd 0x${sub.toString(16)}`, at);
  }
}
