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
  /** Module offsets of the body's `call` / `return_call` opcodes whose callee is an imported function. */
  importCalls: number[];
}

export interface CodeSection {
  /** Module offset of the first body's size (right after the function count). */
  entriesStart: number;
  bodies: FunctionBody[];
}

export function readCodeSection(wasm: Uint8Array, section: Section, importedFunctions = 0): CodeSection {
  const r = payloadReader(wasm, section);
  const count = r.u32();
  const entriesStart = r.pos;
  const bodies: FunctionBody[] = [];
  for (let i = 0; i < count; i++) bodies.push(readFunctionBody(r, importedFunctions));
  if (!r.atEnd) r.fail(`${r.end - r.pos} byte(s) after the last function body of the Code section`);
  return { entriesStart, bodies };
}

const OP_CALL = 0x10;
const OP_RETURN_CALL = 0x12;

function readFunctionBody(r: WasmReader, importedFunctions: number): FunctionBody {
  const sizeStart = r.pos;
  const size = r.u32();
  const start = r.pos;
  const end = start + size;
  // A sub-reader, so an instruction running past the declared size fails here and not later.
  const body = r.sub(start, end);
  skipVector(body, skipLocals);
  const loopOpcodes: number[] = [];
  const loopBodies: number[] = [];
  const importCalls: number[] = [];
  while (!body.atEnd) {
    const at = body.pos;
    const op = skipInstruction(body);
    if (op === OP_LOOP) {
      loopOpcodes.push(at);
      loopBodies.push(body.pos);
    } else if ((op === OP_CALL || op === OP_RETURN_CALL) && importedFunctions > 0) {
      const next = body.pos;
      body.pos = at + 1;
      if (body.u32() < importedFunctions) importCalls.push(at);
      body.pos = next;
    }
  }
  r.pos = end;
  return { sizeStart, start, end, loopOpcodes, loopBodies, importCalls };
}

/** One locals entry: how many, and their type. */
function skipLocals(r: WasmReader): void {
  r.u32();
  skipValType(r);
}
