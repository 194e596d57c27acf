// Inlined call chains from .debug_info: clang inlines static functions from -O1 on (the lab
// builds with -O1), so one wasm instruction can stand for a call inside a helper inside the
// handler. The line table gives only the innermost position; the DW_TAG_inlined_subroutine tree
// gives the call sites around it, as `llvm-addr2line -f -i` prints them.
//
// Formats per DWARF 5 §7.5 (unit headers, abbreviations), §2.17 (ranges) and LLVM's DWARFUnit.cpp.

import { ByteReader } from './byte-reader';
import { DW_FORM, dwarfStrings, formString, readForm, type DwarfStrings, type FormContext } from './dwarf-forms';
import { findRow, unitFilePaths, type LineTable } from './line-table';
import { readWasmSections, type SectionData } from './wasm-sections';

/** A function body or an inlined call, with the inlined calls nested inside it. */
export interface Scope {
  name: string;
  /** Flat [low, high) pairs of DWARF addresses. */
  ranges: number[];
  /** Where an inlined subroutine was called from; undefined for a function body. */
  call: { file: string; line: number; column: number } | undefined;
  inlined: Scope[];
}

export interface InlineTable {
  /** Function bodies sorted by their first address, for binary search. */
  functions: Scope[];
  lows: Uint32Array;
  codeSectionOffset: number;
}

export interface InlineFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

const DW_TAG_compile_unit = 0x11;
const DW_TAG_partial_unit = 0x3c;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_inlined_subroutine = 0x1d;

const DW_AT = {
  name: 0x03,
  stmt_list: 0x10,
  low_pc: 0x11,
  high_pc: 0x12,
  abstract_origin: 0x31,
  specification: 0x47,
  ranges: 0x55,
  call_column: 0x57,
  call_file: 0x58,
  call_line: 0x59,
  str_offsets_base: 0x72,
  addr_base: 0x73,
  rnglists_base: 0x74,
} as const;

const DW_UT_compile = 1;
const DW_UT_partial = 3;

/** wasm-ld's tombstones for discarded code: -1, and -2 in range lists where -1 means "base". */
const TOMBSTONE_MIN = 0xfffffffe;

interface AbbrevAttr {
  at: number;
  form: number;
  implicitConst: number;
}

interface Abbrev {
  tag: number;
  hasChildren: boolean;
  attrs: AbbrevAttr[];
}

/** A DIE's raw attributes that we use, resolved once the unit's bases are known. */
type RawAttrs = Map<number, { form: number; value: number | string | undefined }>;

interface Sections {
  info: SectionData;
  abbrev: SectionData;
  line: SectionData | undefined;
  ranges: SectionData | undefined;
  rnglists: SectionData | undefined;
  addr: SectionData | undefined;
  strings: DwarfStrings;
}

/** Per-unit reading state. */
interface Unit {
  ctx: FormContext;
  unitOffset: number;
  baseAddress: number;
  addrBase: number;
  rnglistsBase: number | undefined;
  file: (n: number) => string;
}

/** Names of DIEs by .debug_info offset, and the origin an unnamed DIE takes its name from. */
interface NameIndex {
  names: Map<number, string>;
  origins: Map<number, number>;
}

export function readInlineChains(wasm: Uint8Array): InlineTable {
  const { codeSectionOffset, custom } = readWasmSections(wasm);
  const info = custom.get('.debug_info');
  const abbrev = custom.get('.debug_abbrev');
  if (!info || !abbrev) throw new Error('The wasm module has no .debug_info (built without -g?)');
  const sections: Sections = {
    info, abbrev, line: custom.get('.debug_line'), ranges: custom.get('.debug_ranges'),
    rnglists: custom.get('.debug_rnglists'), addr: custom.get('.debug_addr'), strings: dwarfStrings(custom),
  };
  const index: NameIndex = { names: new Map(), origins: new Map() };
  const pending: Array<{ scope: Scope; die: number }> = [];
  const functions: Scope[] = [];
  const r = new ByteReader(info.bytes, '.debug_info', info.offset);
  while (!r.atEnd) readUnit(r, sections, index, pending, functions);
  // Inlined subroutines name their function by DW_AT_abstract_origin, possibly in a later unit.
  for (const { scope, die } of pending) scope.name = nameOf(index, die);
  const live = functions.filter((f) => f.ranges.length > 0).sort((a, b) => (a.ranges[0] as number) - (b.ranges[0] as number));
  return { functions: live, lows: Uint32Array.from(live, (f) => f.ranges[0] as number), codeSectionOffset: codeSectionOffset ?? 0 };
}

function nameOf(index: NameIndex, die: number): string {
  for (let at: number | undefined = die, hops = 0; at !== undefined && hops < 8; at = index.origins.get(at), hops++) {
    const name = index.names.get(at);
    if (name !== undefined) return name;
  }
  return '??';
}

function readUnit(r: ByteReader, s: Sections, index: NameIndex, pending: Array<{ scope: Scope; die: number }>, functions: Scope[]): void {
  const unitOffset = r.pos;
  let offsetSize = 4;
  let length = r.u32();
  if (length === 0xffffffff) {
    offsetSize = 8;
    length = r.u64();
  }
  const unitEnd = r.pos + length;
  if (unitEnd > r.end) r.fail(`unit of ${length} bytes runs past the end of the section`, unitOffset);
  const version = r.u16();
  if (version < 2 || version > 5) r.fail(`unsupported unit version ${version}`, r.pos - 2);
  let unitType = DW_UT_compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = r.u8();
    addressSize = r.u8();
    abbrevOffset = r.uint(offsetSize);
  } else {
    abbrevOffset = r.uint(offsetSize);
    addressSize = r.u8();
  }
  // Type, skeleton and split units carry no code of ours.
  if (unitType === DW_UT_compile || unitType === DW_UT_partial) {
    const ctx: FormContext = { version, offsetSize, addressSize, strings: s.strings, strOffsetsBase: undefined };
    const abbrevs = readAbbrevs(s.abbrev, abbrevOffset);
    const dies = new ByteReader(r.bytes, r.what, r.base, r.pos, unitEnd);
    // Until the unit DIE says otherwise, .debug_addr entries start after its 8-byte header.
    const unit: Unit = { ctx, unitOffset, baseAddress: 0, addrBase: 8, rnglistsBase: undefined, file: () => '??' };
    readDies(dies, abbrevs, unit, s, index, pending, functions);
  }
  r.pos = unitEnd;
}

function readAbbrevs(section: SectionData, offset: number): Map<number, Abbrev> {
  const r = new ByteReader(section.bytes, '.debug_abbrev', section.offset, offset);
  const abbrevs = new Map<number, Abbrev>();
  for (let code = r.uleb(); code !== 0; code = r.uleb()) {
    const tag = r.uleb();
    const hasChildren = r.u8() !== 0;
    const attrs: AbbrevAttr[] = [];
    for (let at = r.uleb(), form = r.uleb(); at !== 0 || form !== 0; at = r.uleb(), form = r.uleb()) {
      attrs.push({ at, form, implicitConst: form === DW_FORM.implicit_const ? r.sleb() : 0 });
    }
    abbrevs.set(code, { tag, hasChildren, attrs });
  }
  return abbrevs;
}

const WANTED = new Set<number>(Object.values(DW_AT));

/** Walks a unit's DIE tree, building Scopes for subprograms and the inlined calls inside them. */
function readDies(
  r: ByteReader, abbrevs: Map<number, Abbrev>, unit: Unit, s: Sections,
  index: NameIndex, pending: Array<{ scope: Scope; die: number }>, functions: Scope[],
): void {
  // The innermost enclosing Scope at each tree depth (undefined outside functions).
  const stack: Array<Scope | undefined> = [];
  while (!r.atEnd) {
    const dieOffset = r.pos; // a section offset, as references resolve to
    const code = r.uleb();
    if (code === 0) {
      stack.pop();
      continue;
    }
    const abbrev = abbrevs.get(code);
    if (!abbrev) r.fail(`unknown abbreviation code ${code}`);
    const raw: RawAttrs = new Map();
    for (const { at, form, implicitConst } of abbrev.attrs) {
      const value = readForm(r, form, unit.ctx, implicitConst);
      if (WANTED.has(at)) raw.set(at, { form, value });
    }
    const parent = stack.at(-1);
    const scope = visitDie(abbrev.tag, dieOffset, raw, unit, s, index, pending);
    if (scope && abbrev.tag === DW_TAG_subprogram) functions.push(scope);
    else if (scope && parent) parent.inlined.push(scope);
    if (abbrev.hasChildren) stack.push(abbrev.tag === DW_TAG_subprogram || abbrev.tag === DW_TAG_inlined_subroutine ? scope : parent);
  }
}

function numberAttr(raw: RawAttrs, at: number): number | undefined {
  const value = raw.get(at)?.value;
  return typeof value === 'number' ? value : undefined;
}

function visitDie(
  tag: number, dieOffset: number, raw: RawAttrs, unit: Unit, s: Sections,
  index: NameIndex, pending: Array<{ scope: Scope; die: number }>,
): Scope | undefined {
  const num = (at: number): number | undefined => numberAttr(raw, at);
  if (tag === DW_TAG_compile_unit || tag === DW_TAG_partial_unit) {
    startUnit(raw, unit, s);
    return undefined;
  }
  const name = raw.get(DW_AT.name);
  if (name) index.names.set(dieOffset, formString(name.form, name.value, unit.ctx) ?? '??');
  const origin = raw.get(DW_AT.abstract_origin) ?? raw.get(DW_AT.specification);
  if (origin && typeof origin.value === 'number') {
    index.origins.set(dieOffset, origin.form === DW_FORM.ref_addr ? origin.value : unit.unitOffset + origin.value);
  }
  if (tag !== DW_TAG_subprogram && tag !== DW_TAG_inlined_subroutine) return undefined;
  const scope: Scope = { name: '??', ranges: scopeRanges(raw, unit, s), call: undefined, inlined: [] };
  if (tag === DW_TAG_inlined_subroutine) {
    scope.call = { file: unit.file(num(DW_AT.call_file) ?? 0), line: num(DW_AT.call_line) ?? 0, column: num(DW_AT.call_column) ?? 0 };
  }
  pending.push({ scope, die: dieOffset });
  return scope;
}

/** The compile unit DIE sets the bases every later DIE of the unit resolves against. */
function startUnit(raw: RawAttrs, unit: Unit, s: Sections): void {
  const num = (at: number): number | undefined => numberAttr(raw, at);
  unit.ctx.strOffsetsBase = num(DW_AT.str_offsets_base);
  unit.addrBase = num(DW_AT.addr_base) ?? unit.addrBase;
  unit.rnglistsBase = num(DW_AT.rnglists_base);
  const low = raw.get(DW_AT.low_pc);
  if (low) unit.baseAddress = address(low.form, low.value, unit, s);
  const stmtList = num(DW_AT.stmt_list);
  if (stmtList !== undefined && s.line) unit.file = unitFilePaths(s.line, stmtList, s.strings);
}

function address(form: number, value: number | string | undefined, unit: Unit, s: Sections): number {
  if (typeof value !== 'number') return 0;
  if (form === DW_FORM.addr) return value;
  return addressAt(value, unit, s);
}

/** Entry `index` of the unit's .debug_addr table (DW_FORM_addrx*, DW_RLE_*x). */
function addressAt(index: number, unit: Unit, s: Sections): number {
  if (!s.addr) throw new Error('DWARF uses DW_FORM_addrx but the module has no .debug_addr');
  const size = unit.ctx.addressSize;
  return new ByteReader(s.addr.bytes, '.debug_addr', s.addr.offset, unit.addrBase + index * size).uint(size);
}

function scopeRanges(raw: RawAttrs, unit: Unit, s: Sections): number[] {
  const low = raw.get(DW_AT.low_pc);
  const high = raw.get(DW_AT.high_pc);
  const ranges = raw.get(DW_AT.ranges);
  let pairs: number[] = [];
  if (low && high) {
    const start = address(low.form, low.value, unit, s);
    const isAddress = high.form === DW_FORM.addr || (high.form >= DW_FORM.addrx1 && high.form <= DW_FORM.addrx4) || high.form === DW_FORM.addrx;
    const end = isAddress ? address(high.form, high.value, unit, s) : start + (typeof high.value === 'number' ? high.value : 0);
    pairs = [start, end];
  } else if (ranges && typeof ranges.value === 'number') {
    pairs = unit.ctx.version >= 5 ? rnglist(ranges.form, ranges.value, unit, s) : debugRanges(ranges.value, unit, s);
  }
  return dropDiscarded(pairs);
}

function dropDiscarded(pairs: number[]): number[] {
  const kept: number[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const low = pairs[i] as number;
    const high = pairs[i + 1] as number;
    if (low < high && low < TOMBSTONE_MIN) kept.push(low, high);
  }
  return kept;
}

/** DWARF 2–4 .debug_ranges: (start, end) pairs relative to the base address, ended by (0, 0). */
function debugRanges(offset: number, unit: Unit, s: Sections): number[] {
  if (!s.ranges) throw new Error('DWARF refers to .debug_ranges but the module has no such section');
  const size = unit.ctx.addressSize;
  const max = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
  const r = new ByteReader(s.ranges.bytes, '.debug_ranges', s.ranges.offset, offset);
  const pairs: number[] = [];
  let base = unit.baseAddress;
  for (;;) {
    const start = r.uint(size);
    const end = r.uint(size);
    if (start === 0 && end === 0) return pairs;
    if (start === max) base = end;
    else if (start >= TOMBSTONE_MIN) continue;
    else pairs.push(base + start, base + end);
  }
}

// DWARF 5 range list entry kinds (§7.25).
const DW_RLE = { end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, base_address: 5, start_end: 6, start_length: 7 } as const;

/** DWARF 5 .debug_rnglists, by offset (DW_FORM_sec_offset) or by index (DW_FORM_rnglistx). */
function rnglist(form: number, value: number, unit: Unit, s: Sections): number[] {
  const section = s.rnglists;
  if (!section) throw new Error('DWARF refers to .debug_rnglists but the module has no such section');
  let offset = value;
  if (form === DW_FORM.rnglistx) {
    // Offsets in the table are relative to the base, which points just past the table's header.
    const base = unit.rnglistsBase ?? 3 * unit.ctx.offsetSize;
    const table = new ByteReader(section.bytes, '.debug_rnglists', section.offset, base + value * unit.ctx.offsetSize);
    offset = base + table.uint(unit.ctx.offsetSize);
  }
  const r = new ByteReader(section.bytes, '.debug_rnglists', section.offset, offset);
  const size = unit.ctx.addressSize;
  const pairs: number[] = [];
  let base = unit.baseAddress;
  for (let kind = r.u8(); kind !== DW_RLE.end_of_list; kind = r.u8()) {
    if (kind === DW_RLE.base_addressx) base = addressAt(r.uleb(), unit, s);
    else if (kind === DW_RLE.base_address) base = r.uint(size);
    else if (kind === DW_RLE.offset_pair) pairs.push(base + r.uleb(), base + r.uleb());
    else if (kind === DW_RLE.startx_endx) pairs.push(addressAt(r.uleb(), unit, s), addressAt(r.uleb(), unit, s));
    else if (kind === DW_RLE.startx_length) {
      const start = addressAt(r.uleb(), unit, s);
      pairs.push(start, start + r.uleb());
    } else if (kind === DW_RLE.start_end) pairs.push(r.uint(size), r.uint(size));
    else if (kind === DW_RLE.start_length) {
      const start = r.uint(size);
      pairs.push(start, start + r.uleb());
    } else r.fail(`unknown range list entry kind ${kind}`, r.pos - 1);
  }
  return pairs;
}

function contains(scope: Scope, address: number): boolean {
  const ranges = scope.ranges;
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    if (address >= (ranges[i] as number) && address < (ranges[i + 1] as number)) return true;
  }
  return false;
}

/** The function body containing `address`, by binary search on the first address. */
function functionAt(table: InlineTable, address: number): Scope | undefined {
  let lo = 0;
  let hi = table.lows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((table.lows[mid] as number) <= address) lo = mid + 1;
    else hi = mid;
  }
  const candidate = table.functions[lo - 1];
  return candidate && contains(candidate, address) ? candidate : undefined;
}

/**
 * The source frames of a module offset, innermost first, like `llvm-addr2line -f -i`: the
 * innermost takes its position from the line table, each outer one from the call site of the
 * inlined call it contains. Empty when no function covers the offset.
 */
export function lookupInlined(inline: InlineTable, lines: LineTable, moduleOffset: number): InlineFrame[] {
  const address = moduleOffset - inline.codeSectionOffset;
  const outer = functionAt(inline, address);
  if (!outer) return [];
  const chain = [outer];
  for (let scope: Scope | undefined = outer; scope; ) {
    scope = scope.inlined.find((child) => contains(child, address));
    if (scope) chain.push(scope);
  }
  const row = findRow(lines, address);
  let position = row < 0
    ? { file: '??', line: 0, column: 0 }
    : { file: lines.files[lines.file[row] as number] ?? '??', line: lines.line[row] as number, column: lines.column[row] as number };
  const frames: InlineFrame[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const scope = chain[i] as Scope;
    frames.push({ function: scope.name, ...position });
    if (scope.call) position = scope.call;
  }
  return frames;
}
