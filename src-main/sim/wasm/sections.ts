// The section layout of a wasm module, and the few facts the instrumenter needs from the Import,
// Global and Export sections. Binary format per the WebAssembly core spec, "Modules".

import { skipValType } from './instructions';
import { WasmReader } from './reader';

export const SECTION = {
  custom: 0,
  import: 2,
  global: 6,
  export: 7,
  code: 10,
} as const;

/**
 * Position of each known section id in the required order. Tag (13) sits between Memory and
 * Global, DataCount (12) before Code; custom sections (0) may appear anywhere.
 */
const SECTION_ORDER = new Map([1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11].map((id, rank) => [id, rank]));

export function sectionRank(id: number): number | undefined {
  return SECTION_ORDER.get(id);
}

export interface Section {
  id: number;
  /** Module offset of the id byte. */
  start: number;
  /** Module offset of the size LEB (right after the id byte). */
  sizeStart: number;
  /** Module offset of the payload. */
  payloadStart: number;
  /** Module offset one past the payload. */
  end: number;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
export const HEADER_SIZE = HEADER.length;

export function readSections(wasm: Uint8Array): Section[] {
  const r = new WasmReader(wasm);
  for (const expected of HEADER) {
    if (r.u8() !== expected) r.fail('not a wasm module (bad magic number or version)', r.pos - 1);
  }
  const sections: Section[] = [];
  while (!r.atEnd) sections.push(readSection(r, sections.at(-1)));
  return sections;
}

function readSection(r: WasmReader, previous: Section | undefined): Section {
  const start = r.pos;
  const id = r.u8();
  const rank = sectionRank(id);
  if (id !== SECTION.custom && rank === undefined) r.fail(`unknown section id ${id}`, start);
  const sizeStart = r.pos;
  const size = r.u32();
  const payloadStart = r.pos;
  if (payloadStart + size > r.end) {
    r.fail(`section ${id} declares ${size} bytes but only ${r.end - payloadStart} remain (truncated module?)`, start);
  }
  const previousRank = previous === undefined ? undefined : sectionRank(previous.id);
  if (rank !== undefined && previousRank !== undefined && previousRank >= rank) {
    r.fail(`section ${id} out of order or repeated`, start);
  }
  r.pos = payloadStart + size;
  return { id, start, sizeStart, payloadStart, end: r.pos };
}

/** A reader over a section's payload that fails rather than read past it. */
export function payloadReader(wasm: Uint8Array, section: Section): WasmReader {
  return new WasmReader(wasm, section.payloadStart, section.end);
}

const IMPORT_KIND_GLOBAL = 0x03;
export const EXPORT_KIND_GLOBAL = 0x03;

/** Imported globals come first in the global index space, so the new global's index counts them. */
export function countImportedGlobals(wasm: Uint8Array, section: Section): number {
  return countImports(wasm, section, IMPORT_KIND_GLOBAL);
}

/** Imported functions come first in the function index space: calls to indices below this count are imports. */
export function countImportedFunctions(wasm: Uint8Array, section: Section): number {
  return countImports(wasm, section, 0x00);
}

function countImports(wasm: Uint8Array, section: Section, kind: number): number {
  const r = payloadReader(wasm, section);
  const count = r.u32();
  let found = 0;
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    if (skipImportDescriptor(r) === kind) found++;
  }
  return found;
}

function skipImportDescriptor(r: WasmReader): number {
  const at = r.pos;
  const kind = r.u8();
  switch (kind) {
    case 0x00: // function: type index
      r.u32();
      break;
    case 0x01: // table: reference type, limits
      skipValType(r);
      skipLimits(r);
      break;
    case 0x02: // memory: limits
      skipLimits(r);
      break;
    case IMPORT_KIND_GLOBAL: // global: value type, mutability
      skipValType(r);
      r.u8();
      break;
    case 0x04: // tag: attribute, type index
      r.u8();
      r.u32();
      break;
    default:
      r.fail(`unknown import kind ${kind}`, at);
  }
  return kind;
}

/** Flags bit 0: a maximum follows. Bounds are u64 under memory64, hence the 10-byte LEBs. */
function skipLimits(r: WasmReader): void {
  const flags = r.u8();
  r.skipLeb(10);
  if (flags & 0x01) r.skipLeb(10);
}

/** The vector count at the start of a section's payload, and where the entries begin. */
export function readCount(wasm: Uint8Array, section: Section): { count: number; entriesStart: number } {
  const r = payloadReader(wasm, section);
  const count = r.u32();
  return { count, entriesStart: r.pos };
}

export function readExportNames(wasm: Uint8Array, section: Section): string[] {
  const r = payloadReader(wasm, section);
  const count = r.u32();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    names.push(r.name());
    r.u8();
    r.u32();
  }
  return names;
}
