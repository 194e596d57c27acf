// DWARF attribute forms (DWARF 5 §7.5.6, table 7.6), shared by the DWARF 5 line-table header
// (directory and file entry formats) and .debug_info. Values are read raw; strings behind
// offsets and indices are resolved separately because DW_AT_str_offsets_base, which strx forms
// need, may come after the strx attributes in the same DIE.

import { ByteReader } from './byte-reader';
import type { SectionData } from './wasm-sections';

export const DW_FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  GNU_ref_alt: 0x1f20,
  GNU_strp_alt: 0x1f21,
} as const;

/** The DWARF string sections a form may point into. */
export interface DwarfStrings {
  str: SectionData | undefined;
  lineStr: SectionData | undefined;
  strOffsets: SectionData | undefined;
}

export interface FormContext {
  version: number;
  /** 4 in the 32-bit DWARF format, 8 in the 64-bit one. */
  offsetSize: number;
  addressSize: number;
  strings: DwarfStrings;
  /** DW_AT_str_offsets_base of the unit, once known. */
  strOffsetsBase: number | undefined;
}

/**
 * Reads one value of `form`. Returns a number for constants, addresses, offsets, indices and
 * references (CU-relative as stored), a string for DW_FORM_string, undefined for blocks and
 * values we never use (data16 MD5 sums, type signatures).
 */
export function readForm(r: ByteReader, form: number, ctx: FormContext, implicitConst = 0): number | string | undefined {
  switch (form) {
    case DW_FORM.addr:
      return r.uint(ctx.addressSize);
    case DW_FORM.data1:
    case DW_FORM.ref1:
    case DW_FORM.flag:
    case DW_FORM.strx1:
    case DW_FORM.addrx1:
      return r.u8();
    case DW_FORM.data2:
    case DW_FORM.ref2:
    case DW_FORM.strx2:
    case DW_FORM.addrx2:
      return r.u16();
    case DW_FORM.strx3:
    case DW_FORM.addrx3:
      return r.u16() + r.u8() * 0x10000;
    case DW_FORM.data4:
    case DW_FORM.ref4:
    case DW_FORM.ref_sup4:
    case DW_FORM.strx4:
    case DW_FORM.addrx4:
      return r.u32();
    case DW_FORM.data8:
    case DW_FORM.ref8:
    case DW_FORM.ref_sup8:
      return r.u64();
    case DW_FORM.ref_sig8:
      r.skip(8);
      return undefined;
    case DW_FORM.data16:
      r.skip(16);
      return undefined;
    case DW_FORM.string:
      return r.cstring();
    case DW_FORM.sdata:
      return r.sleb();
    case DW_FORM.udata:
    case DW_FORM.ref_udata:
    case DW_FORM.strx:
    case DW_FORM.addrx:
    case DW_FORM.loclistx:
    case DW_FORM.rnglistx:
      return r.uleb();
    case DW_FORM.strp:
    case DW_FORM.line_strp:
    case DW_FORM.sec_offset:
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      return r.uint(ctx.offsetSize);
    case DW_FORM.ref_addr:
      // DWARF 2 sized DW_FORM_ref_addr like an address; later versions like an offset.
      return r.uint(ctx.version <= 2 ? ctx.addressSize : ctx.offsetSize);
    case DW_FORM.flag_present:
      return 1;
    case DW_FORM.implicit_const:
      return implicitConst;
    case DW_FORM.block1:
      return skipBlock(r, r.u8());
    case DW_FORM.block2:
      return skipBlock(r, r.u16());
    case DW_FORM.block4:
      return skipBlock(r, r.u32());
    case DW_FORM.block:
    case DW_FORM.exprloc:
      return skipBlock(r, r.uleb());
    case DW_FORM.indirect:
      return readForm(r, r.uleb(), ctx, implicitConst);
    default:
      return r.fail(`unsupported DWARF form 0x${form.toString(16)}`);
  }
}

function skipBlock(r: ByteReader, length: number): undefined {
  r.skip(length);
  return undefined;
}

/** The string a string-class value denotes, or undefined if `form` is not a string form. */
export function formString(form: number, value: number | string | undefined, ctx: FormContext): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined) return undefined;
  switch (form) {
    case DW_FORM.strp:
      return stringAt(ctx.strings.str, value, '.debug_str');
    case DW_FORM.line_strp:
      return stringAt(ctx.strings.lineStr, value, '.debug_line_str');
    case DW_FORM.strx:
    case DW_FORM.strx1:
    case DW_FORM.strx2:
    case DW_FORM.strx3:
    case DW_FORM.strx4:
      return stringAt(ctx.strings.str, strOffset(value, ctx), '.debug_str');
    default:
      return undefined;
  }
}

function strOffset(index: number, ctx: FormContext): number {
  const table = ctx.strings.strOffsets;
  if (!table) throw new Error('DWARF uses DW_FORM_strx but the module has no .debug_str_offsets');
  // Without DW_AT_str_offsets_base, the first contribution's header (length, version, padding) is skipped.
  const base = ctx.strOffsetsBase ?? 2 * ctx.offsetSize;
  const r = new ByteReader(table.bytes, '.debug_str_offsets', table.offset, base + index * ctx.offsetSize);
  return r.uint(ctx.offsetSize);
}

/** The NUL-terminated string at `offset` in a string section. */
export function stringAt(section: SectionData | undefined, offset: number, name: string): string {
  if (!section) throw new Error(`DWARF refers to ${name} but the module has no such section`);
  if (offset >= section.bytes.length) {
    throw new Error(`DWARF string offset 0x${offset.toString(16)} is past the end of ${name}`);
  }
  return new ByteReader(section.bytes, name, section.offset, offset).cstring();
}

/** The string sections of a module, from its custom sections. */
export function dwarfStrings(custom: Map<string, SectionData>): DwarfStrings {
  return { str: custom.get('.debug_str'), lineStr: custom.get('.debug_line_str'), strOffsets: custom.get('.debug_str_offsets') };
}
