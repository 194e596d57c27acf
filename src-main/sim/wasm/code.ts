// Walks the Code section's function bodies instruction by instruction to find every loop header.

import { OP_LOOP, skipInstruction, skipValType, skipVector } from './instructions';
import { payloadReader, type Section } from './sections';
import type { WasmReader } from './reader';

export interface FunctionBody {
  /** Module offset of the body's size LEB. */
  sizeStart: number;
  /** Module offset of the locals vector (right after the size). */
  start: number;
  /** Module offset one past the body's last byte. */
  end: number;
  /** Module offsets of the body's `loop` opcodes, in order. */
  loopOpcodes: number[];
  /** Module offsets right after each loop's block type, where its body starts. */
  loopBodies: number[];
}

export interface CodeSection {
  /** Module offset of the first body's size (right after the function count). */
  entriesStart: number;
  bodies: FunctionBody[];
}

export function readCodeSection(wasm: Uint8Array, section: Section): CodeSection {
  const r = payloadReader(wasm, section);
  const count = r.u32();
  const entriesStart = r.pos;
  const bodies: FunctionBody[] = [];
  for (let i = 0; i < count; i++) bodies.push(readFunctionBody(r));
  if (!r.atEnd) r.fail(`${r.end - r.pos} byte(s) after the last function body of the Code section`);
  return { entriesStart, bodies };
}

function readFunctionBody(r: WasmReader): FunctionBody {
  const sizeStart = r.pos;
  const size = r.u32();
  const start = r.pos;
  const end = start + size;
  // A sub-reader, so an instruction running past the declared size fails here and not later.
  const body = r.sub(start, end);
  skipVector(body, skipLocals);
  const loopOpcodes: number[] = [];
  const loopBodies: number[] = [];
  while (!body.atEnd) {
    const at = body.pos;
    if (skipInstruction(body) === OP_LOOP) {
      loopOpcodes.push(at);
      loopBodies.push(body.pos);
    }
  }
  r.pos = end;
  return { sizeStart, start, end, loopOpcodes, loopBodies };
}

/** One locals entry: how many, and their type. */
function skipLocals(r: WasmReader): void {
  r.u32();
  skipValType(r);
}
