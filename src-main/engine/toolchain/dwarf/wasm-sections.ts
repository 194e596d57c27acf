// Reads the section layout of a wasm binary: enough to find the DWARF custom sections and the Code
// section, whose payload start is the origin of every DWARF address in a wasm module
// (WebAssembly tool-conventions, Debugging.md).

import { ByteReader } from './byte-reader';

export const CUSTOM_SECTION_ID = 0;
export const CODE_SECTION_ID = 10;

export interface WasmSection {
  id: number;
  /** The custom section's name; undefined for the known sections. */
  name: string | undefined;
  /** Module offset of the section id byte. */
  start: number;
  /** Module offset of the payload: the byte right after the section size. */
  payloadStart: number;
  /** Module offset of the data: after the name for custom sections, else payloadStart. */
  dataStart: number;
  /** Module offset one past the section's last byte. */
  end: number;
}

/** A custom section's data, with its module offset so parsers can report module offsets. */
export interface SectionData {
  bytes: Uint8Array;
  offset: number;
}

export interface WasmSections {
  sections: WasmSection[];
  /** Payload start of the Code section, or undefined if the module has no code. */
  codeSectionOffset: number | undefined;
  /** Custom sections by name (the first one, if a name repeats); views into the module bytes. */
  custom: Map<string, SectionData>;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = 1;

export function readWasmSections(wasm: Uint8Array): WasmSections {
  const reader = new ByteReader(wasm, 'wasm module');
  readHeader(reader);
  const sections: WasmSection[] = [];
  const custom = new Map<string, SectionData>();
  let codeSectionOffset: number | undefined;
  while (!reader.atEnd) {
    const section = readSection(reader);
    sections.push(section);
    if (section.id === CODE_SECTION_ID) codeSectionOffset = section.payloadStart;
    if (section.name !== undefined && !custom.has(section.name)) {
      custom.set(section.name, { bytes: wasm.subarray(section.dataStart, section.end), offset: section.dataStart });
    }
  }
  return { sections, codeSectionOffset, custom };
}

function readHeader(reader: ByteReader): void {
  for (const expected of MAGIC) {
    if (reader.u8() !== expected) reader.fail('not a wasm module (bad magic number)', reader.pos - 1);
  }
  const version = reader.u32();
  if (version !== VERSION) reader.fail(`unsupported wasm version ${version}`, reader.pos - 4);
}

function readSection(reader: ByteReader): WasmSection {
  const start = reader.pos;
  const id = reader.u8();
  const size = reader.wasmU32();
  const payloadStart = reader.pos;
  if (payloadStart + size > reader.end) {
    reader.fail(`section ${id} declares ${size} bytes but only ${reader.end - payloadStart} remain (truncated module?)`, start);
  }
  const end = payloadStart + size;
  let name: string | undefined;
  if (id === CUSTOM_SECTION_ID) {
    // The name must fit inside the section, so read it with the section's end as the limit.
    const inner = new ByteReader(reader.bytes, 'wasm module', 0, payloadStart, end);
    name = inner.utf8(inner.wasmU32());
    reader.pos = inner.pos;
  }
  const dataStart = reader.pos;
  reader.pos = end;
  return { id, name, start, payloadStart, dataStart, end };
}
