// DWARF .debug_line (versions 2 to 5; clang 22 emits version 4 for wasm32 by default and 5 with
// -gdwarf-5) flattened into one address-sorted table, so that mapping a wasm stack frame's
// module offset to a C source position is a binary search over typed arrays.
//
// Layout per DWARF 5 §6.2 and LLVM's DWARFDebugLine.cpp; DWARF addresses in wasm are relative
// to the Code section's payload (WebAssembly tool-conventions, Debugging.md).

import { ByteReader } from './byte-reader';
import { dwarfStrings, formString, readForm, type DwarfStrings, type FormContext } from './dwarf-forms';
import { readWasmSections, type SectionData } from './wasm-sections';

export interface LineTable {
  /** File paths as 'dir/name' from the line-program headers, as clang stored them (e.g. 'src/driver.c'). */
  files: string[];
  // Rows sorted by address, as parallel arrays: fast to search and cheap to structured-clone.
  /** Code-section-relative address (the DWARF address). */
  address: Uint32Array;
  /** Index into files. */
  file: Uint32Array;
  /** 1-based; 0 = no line. */
  line: Uint32Array;
  /** 1-based; 0 = unknown. */
  column: Uint32Array;
  /** 1 where a sequence ends (the address is one past the sequence's last instruction). */
  endSequence: Uint8Array;
  /** Payload start of the Code section in the module bytes. */
  codeSectionOffset: number;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

// Standard opcodes (DWARF 5 §6.2.5.2).
const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
// Extended opcodes (§6.2.5.3).
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;
// Entry content types of the DWARF 5 header (§6.2.4.1).
const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

/** wasm-ld writes these addresses for code it discarded (-1, and -2 in range lists). */
const TOMBSTONE_MIN = 0xfffffffe;

/** One sequence's rows as flat [address, file, line, column] quadruples, before sorting. */
interface Sequence {
  rows: number[];
  /** Address one past the last instruction. */
  end: number;
}

interface FileEntry {
  path: string;
  dir: number;
}

/** Interns paths so a header included by several .c files gets one index. */
class FileList {
  readonly paths: string[] = [];
  private readonly index = new Map<string, number>();

  intern(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.paths.push(path);
      this.index.set(path, i);
    }
    return i;
  }
}

interface LineHeader {
  version: number;
  addressSize: number;
  minInstLength: number;
  maxOpsPerInst: number;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /** Directory paths; '' for the compilation directory, so paths stay as clang stored them. */
  dirs: string[];
  files: FileEntry[];
  programStart: number;
  unitEnd: number;
}

export function readLineTable(wasm: Uint8Array): LineTable {
  const { codeSectionOffset, custom } = readWasmSections(wasm);
  const section = custom.get('.debug_line');
  if (!section) throw new Error('The wasm module has no .debug_line section (built without -g?)');
  if (codeSectionOffset === undefined) throw new Error('The wasm module has debug info but no Code section');
  const strings = dwarfStrings(custom);
  const files = new FileList();
  const sequences: Sequence[] = [];
  const r = new ByteReader(section.bytes, '.debug_line', section.offset);
  while (!r.atEnd) {
    const header = readHeader(r, strings);
    runProgram(new ByteReader(r.bytes, r.what, r.base, header.programStart, header.unitEnd), header, files, sequences);
    r.pos = header.unitEnd;
  }
  return pack(sequences, files.paths, codeSectionOffset);
}

function readHeader(r: ByteReader, strings: DwarfStrings): LineHeader {
  const unitStart = r.pos;
  let offsetSize = 4;
  let length = r.u32();
  if (length === 0xffffffff) {
    offsetSize = 8;
    length = r.u64();
  } else if (length >= 0xfffffff0) {
    r.fail(`reserved unit length 0x${length.toString(16)}`, unitStart);
  }
  const unitEnd = r.pos + length;
  if (unitEnd > r.end) r.fail(`line table unit of ${length} bytes runs past the end of the section`, unitStart);
  const version = r.u16();
  if (version < 2 || version > 5) r.fail(`unsupported line table version ${version}`, r.pos - 2);
  let addressSize = 4;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size: no segments in wasm
  }
  const headerLength = r.uint(offsetSize);
  const programStart = r.pos + headerLength;
  if (programStart > unitEnd) r.fail('header_length runs past the end of the unit', r.pos - offsetSize);
  const minInstLength = r.u8();
  const maxOpsPerInst = version >= 4 ? r.u8() : 1;
  r.u8(); // default_is_stmt: every row counts for lookups, statement or not
  const lineBase = (r.u8() << 24) >> 24;
  const lineRange = r.u8();
  if (lineRange === 0) r.fail('line_range is 0', r.pos - 1);
  if (maxOpsPerInst === 0) r.fail('maximum_operations_per_instruction is 0');
  const opcodeBase = r.u8();
  const standardOpcodeLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8());
  const ctx: FormContext = { version, offsetSize, addressSize, strings, strOffsetsBase: undefined };
  const { dirs, files } = version >= 5 ? readV5Entries(r, ctx) : readV4Entries(r);
  const fixed = { version, addressSize, minInstLength, maxOpsPerInst, lineBase, lineRange, opcodeBase };
  return { ...fixed, standardOpcodeLengths, dirs, files, programStart, unitEnd };
}

/** DWARF 2–4: NUL-terminated include directories, then (name, dir, mtime, length) file entries. */
function readV4Entries(r: ByteReader): { dirs: string[]; files: FileEntry[] } {
  const dirs = [''];
  for (let dir = r.cstring(); dir !== ''; dir = r.cstring()) dirs.push(dir);
  const files: FileEntry[] = [];
  for (let path = r.cstring(); path !== ''; path = r.cstring()) files.push(readV4FileTail(r, path));
  return { dirs, files };
}

function readV4FileTail(r: ByteReader, path: string): FileEntry {
  const dir = r.uleb();
  r.uleb(); // modification time
  r.uleb(); // file length
  return { path, dir };
}

/** DWARF 5: self-describing directory and file tables (entry formats of content type and form). */
function readV5Entries(r: ByteReader, ctx: FormContext): { dirs: string[]; files: FileEntry[] } {
  const dirEntries = readV5EntryTable(r, ctx);
  // Directory 0 is the compilation directory; dropping it keeps paths relative as clang stored them.
  const dirs = dirEntries.map((entry, i) => (i === 0 ? '' : entry.path));
  return { dirs, files: readV5EntryTable(r, ctx) };
}

function readV5EntryTable(r: ByteReader, ctx: FormContext): FileEntry[] {
  const formatCount = r.u8();
  const formats: Array<[number, number]> = [];
  for (let i = 0; i < formatCount; i++) formats.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  const entries: FileEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry: FileEntry = { path: '', dir: 0 };
    for (const [contentType, form] of formats) {
      const value = readForm(r, form, ctx);
      if (contentType === DW_LNCT_path) entry.path = formString(form, value, ctx) ?? '';
      else if (contentType === DW_LNCT_directory_index && typeof value === 'number') entry.dir = value;
    }
    entries.push(entry);
  }
  return entries;
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}

function joinPath(dir: string, name: string): string {
  if (dir === '' || isAbsolute(name)) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The path of file number `n` of a unit (as in its line program and DW_AT_call_file). */
function filePath(h: LineHeader, n: number): string {
  const entry = h.files[h.version >= 5 ? n : n - 1];
  return entry ? joinPath(h.dirs[entry.dir] ?? '', entry.path) : `<unknown file ${n}>`;
}

/**
 * The file paths of the line-table unit at `stmtList` (a CU's DW_AT_stmt_list), indexed by the
 * unit's file numbers, for resolving DW_AT_call_file.
 */
export function unitFilePaths(section: SectionData, stmtList: number, strings: DwarfStrings): (n: number) => string {
  const header = readHeader(new ByteReader(section.bytes, '.debug_line', section.offset, stmtList), strings);
  return (n) => filePath(header, n);
}

/** The line-number state machine registers we keep (§6.2.2). */
interface Registers {
  address: number;
  opIndex: number;
  file: number;
  line: number;
  column: number;
}

function initialRegisters(): Registers {
  return { address: 0, opIndex: 0, file: 1, line: 1, column: 0 };
}

/** Runs one unit's line-number program, appending its valid sequences. */
function runProgram(r: ByteReader, h: LineHeader, files: FileList, sequences: Sequence[]): void {
  // Unit file numbers are 1-based up to DWARF 4 and 0-based in DWARF 5; resolved lazily because
  // DW_LNE_define_file may add entries mid-program.
  const fileIndex: number[] = [];
  const globalFile = (n: number): number => (fileIndex[n] ??= files.intern(filePath(h, n)));
  let regs = initialRegisters();
  let rows: number[] = [];
  const emit = (): void => {
    rows.push(regs.address, globalFile(regs.file), regs.line, regs.column);
  };
  const advance = (operations: number): void => {
    const ops = regs.opIndex + operations;
    regs.address += h.minInstLength * Math.floor(ops / h.maxOpsPerInst);
    regs.opIndex = ops % h.maxOpsPerInst;
  };
  const adjustedConstAddPc = Math.floor((255 - h.opcodeBase) / h.lineRange);
  while (!r.atEnd) {
    const opcode = r.u8();
    if (opcode >= h.opcodeBase) {
      const adjusted = opcode - h.opcodeBase;
      advance(Math.floor(adjusted / h.lineRange));
      regs.line += h.lineBase + (adjusted % h.lineRange);
      emit();
    } else if (opcode === 0) {
      const length = r.uleb();
      const next = r.pos + length;
      if (length === 0 || next > r.end) r.fail(`extended opcode of length ${length} runs past the unit`);
      const sub = r.u8();
      if (sub === DW_LNE_end_sequence) {
        commitSequence(rows, regs.address, sequences);
        regs = initialRegisters();
        rows = [];
      } else if (sub === DW_LNE_set_address) {
        regs.address = r.uint(length - 1);
        regs.opIndex = 0;
      } else if (sub === DW_LNE_define_file) {
        h.files.push(readV4FileTail(r, r.cstring()));
      }
      // Unknown extended opcodes (DW_LNE_set_discriminator, vendor ones) are skipped by length.
      r.pos = next;
    } else {
      runStandardOpcode(r, opcode, h, regs, emit, advance, adjustedConstAddPc);
    }
  }
}

function runStandardOpcode(
  r: ByteReader,
  opcode: number,
  h: LineHeader,
  regs: Registers,
  emit: () => void,
  advance: (operations: number) => void,
  adjustedConstAddPc: number,
): void {
  switch (opcode) {
    case DW_LNS_copy:
      emit();
      break;
    case DW_LNS_advance_pc:
      advance(r.uleb());
      break;
    case DW_LNS_advance_line:
      regs.line += r.sleb();
      break;
    case DW_LNS_set_file:
      regs.file = r.uleb();
      break;
    case DW_LNS_set_column:
      regs.column = r.uleb();
      break;
    case DW_LNS_const_add_pc:
      advance(adjustedConstAddPc);
      break;
    case DW_LNS_fixed_advance_pc:
      regs.address += r.u16();
      regs.opIndex = 0;
      break;
    default:
      // negate_stmt, basic_block, prologue_end, epilogue_begin, set_isa and unknown opcodes:
      // nothing we keep; skip their ULEB operands as the header declares.
      for (let n = h.standardOpcodeLengths[opcode - 1] ?? 0; n > 0; n--) r.uleb();
  }
}

/**
 * Keeps a sequence unless it is empty or belongs to code the linker discarded: wasm-ld points
 * such sequences at a tombstone address, and LLVM likewise ignores sequences with no extent.
 */
function commitSequence(rows: number[], end: number, sequences: Sequence[]): void {
  const start = rows[0];
  if (start === undefined || start >= end || start >= TOMBSTONE_MIN || end > 0xffffffff) return;
  sequences.push({ rows, end });
}

function pack(sequences: Sequence[], files: string[], codeSectionOffset: number): LineTable {
  sequences.sort((a, b) => (a.rows[0] as number) - (b.rows[0] as number));
  const count = sequences.reduce((sum, s) => sum + s.rows.length / 4 + 1, 0);
  const table: LineTable = {
    files,
    address: new Uint32Array(count),
    file: new Uint32Array(count),
    line: new Uint32Array(count),
    column: new Uint32Array(count),
    endSequence: new Uint8Array(count),
    codeSectionOffset,
  };
  let n = 0;
  for (const { rows, end } of sequences) {
    for (let i = 0; i < rows.length; i += 4) {
      table.address[n] = rows[i] as number;
      table.file[n] = rows[i + 1] as number;
      table.line[n] = rows[i + 2] as number;
      table.column[n] = rows[i + 3] as number;
      n++;
    }
    // The end row carries the last row's file so every row indexes a real file.
    table.address[n] = end;
    table.file[n] = rows[rows.length - 3] as number;
    table.endSequence[n] = 1;
    n++;
  }
  return table;
}

/**
 * Index of the row covering a DWARF address: the last row at or below it, or -1 when the
 * address is before every sequence or in a gap after an end_sequence. A plain binary search,
 * because the simulator resolves a call site on every NDIS call.
 */
export function findRow(table: LineTable, address: number): number {
  const addresses = table.address;
  let lo = 0;
  let hi = addresses.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((addresses[mid] as number) <= address) lo = mid + 1;
    else hi = mid;
  }
  const row = lo - 1;
  return row < 0 || table.endSequence[row] === 1 ? -1 : row;
}

/**
 * Maps a module-relative byte offset (as in a wasm stack frame, 0x7b) to a source position.
 * A row with line 0 (compiler-generated code) is returned as is.
 */
export function lookupModuleOffset(table: LineTable, moduleOffset: number): SourcePosition | undefined {
  const row = findRow(table, moduleOffset - table.codeSectionOffset);
  if (row < 0) return undefined;
  return {
    file: table.files[table.file[row] as number] ?? '',
    line: table.line[row] as number,
    column: table.column[row] as number,
  };
}

const WASM_FRAME = /wasm-function\[\d+\]:0x([0-9a-f]+)/i;

/**
 * Parses a V8 stack frame line like 'at f (wasm://wasm/xxx:wasm-function[3]:0x1a2)' or
 * 'at wasm://wasm/xxx:wasm-function[3]:0x1a2' and returns the module offset, or undefined.
 */
export function wasmFrameOffset(frameLine: string): number | undefined {
  const hex = WASM_FRAME.exec(frameLine)?.[1];
  return hex === undefined ? undefined : parseInt(hex, 16);
}
