/**
 * Reads clang's serialized diagnostics (`--serialize-diagnostics out.dia`): the LLVM bitstream
 * file IDEs consume, so we never have to scrape clang's human-readable output.
 *
 * Layout, per clang/include/clang/Frontend/SerializedDiagnostics.h and SerializedDiagnosticPrinter.cpp:
 * the magic `DIAG`, a BLOCKINFO block holding the record abbreviations, a META block with the
 * format version, then one top-level DIAG block per diagnostic. A DIAG block holds one DIAG record,
 * its SOURCE_RANGE and FIXIT records, and nested DIAG blocks for its notes. File names, categories
 * and warning flags are interned: a FILENAME / CATEGORY / DIAG_FLAG record appears (in whichever
 * block needs it first) before any record that refers to its id, and stays valid for the whole file.
 *
 * Locations: lines and columns are 1-based, columns count bytes (as clang does; a tab is one column).
 * Range ends are exclusive: clang turns token ranges into "column after the last character", and its
 * character ranges (fix-its) are exclusive already. A fix-it that inserts text has start === end.
 */
import { BitstreamCursor, BitstreamError, type BitstreamRecord } from './bitstream';

// The shapes are the contract's: the renderer, the CLI and this reader share one definition.
import type { CompilerDiagnostic, DiagnosticSeverity, FixIt, SourceRange } from '../../../../src-shared/contract/build';

export type { CompilerDiagnostic, DiagnosticSeverity, FixIt, SourceRange };

const MAGIC = 'DIAG';
/** llvm::bitc::FIRST_APPLICATION_BLOCKID, then clang's BlockIDs in order. */
const BLOCK_META = 8;
const BLOCK_DIAG = 9;

const RECORD_VERSION = 1;
const RECORD_DIAG = 2;
const RECORD_SOURCE_RANGE = 3;
const RECORD_DIAG_FLAG = 4;
const RECORD_CATEGORY = 5;
const RECORD_FILENAME = 6;
const RECORD_FIXIT = 7;

/** clang's serialized_diags::VersionNumber; newer files may carry records we would misread. */
const SUPPORTED_VERSION = 2;

/** Indexed by clang's stable serialized_diags::Level. */
const SEVERITIES: readonly DiagnosticSeverity[] = ['ignored', 'note', 'warning', 'error', 'fatal', 'remark'];

const utf8 = new TextDecoder();

/** The interned strings, shared by every block of the file. */
interface Tables {
  files: Map<number, string>;
  categories: Map<number, string>;
  flags: Map<number, string>;
}

interface Location {
  file: string;
  line: number;
  column: number;
}

/** What a DIAG block collects before its END_BLOCK; include-stack notes precede the DIAG record. */
interface PendingDiagnostic {
  head: Omit<CompilerDiagnostic, 'endLine' | 'endColumn' | 'ranges' | 'fixIts' | 'notes'> | undefined;
  ranges: SourceRange[];
  fixIts: FixIt[];
  notes: CompilerDiagnostic[];
}

/** Parses a .dia file; throws an Error naming the problem and its bit offset if it is truncated or corrupt. */
export function readSerializedDiagnostics(bytes: Uint8Array): CompilerDiagnostic[] {
  checkMagic(bytes);
  const cursor = new BitstreamCursor(bytes, MAGIC.length * 8);
  const tables: Tables = { files: new Map(), categories: new Map(), flags: new Map() };
  const diagnostics: CompilerDiagnostic[] = [];
  let version: number | undefined;
  for (;;) {
    const entry = cursor.next();
    if (entry.kind === 'endOfStream') {
      if (version === undefined) throw new BitstreamError('serialized diagnostics have no META block with a version', entry.bit);
      return diagnostics;
    }
    if (entry.kind !== 'enterBlock') throw new BitstreamError(`unexpected ${entry.kind} at the top level`, entry.bit);
    if (entry.blockId === BLOCK_META) version = readMetaBlock(cursor, entry.bit);
    else if (entry.blockId === BLOCK_DIAG) diagnostics.push(readDiagBlock(cursor, tables));
    else cursor.skipBlock();
  }
}

function checkMagic(bytes: Uint8Array): void {
  const found = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (found !== MAGIC) {
    throw new BitstreamError(`not a clang serialized diagnostics file: expected magic 'DIAG', found ${JSON.stringify(found)}`, 0);
  }
}

function readMetaBlock(cursor: BitstreamCursor, blockBit: number): number {
  let version: number | undefined;
  for (;;) {
    const entry = cursor.next();
    if (entry.kind === 'enterBlock') cursor.skipBlock();
    else if (entry.kind === 'record' && entry.code === RECORD_VERSION) version = readVersion(entry);
    else if (entry.kind === 'endBlock') {
      if (version === undefined) throw new BitstreamError('META block has no VERSION record', blockBit);
      return version;
    }
  }
}

function readVersion(entry: BitstreamRecord): number {
  expectFields(entry, 1, 'VERSION');
  const version = field(entry, 0);
  if (version > SUPPORTED_VERSION) {
    throw new BitstreamError(`serialized diagnostics version ${version} is newer than the supported ${SUPPORTED_VERSION}`, entry.bit);
  }
  return version;
}

/** Reads a DIAG block whose ENTER_SUBBLOCK was just returned, notes (nested DIAG blocks) included. */
function readDiagBlock(cursor: BitstreamCursor, tables: Tables): CompilerDiagnostic {
  const pending: PendingDiagnostic = { head: undefined, ranges: [], fixIts: [], notes: [] };
  for (;;) {
    const entry = cursor.next();
    switch (entry.kind) {
      case 'enterBlock':
        if (entry.blockId === BLOCK_DIAG) pending.notes.push(readDiagBlock(cursor, tables));
        else cursor.skipBlock();
        break;
      case 'record':
        readDiagBlockRecord(entry, tables, pending);
        break;
      case 'endBlock':
        return finishDiagnostic(pending, entry.bit);
      case 'endOfStream':
        throw new BitstreamError('end of stream inside a DIAG block', entry.bit);
    }
  }
}

function readDiagBlockRecord(entry: BitstreamRecord, tables: Tables, pending: PendingDiagnostic): void {
  switch (entry.code) {
    case RECORD_FILENAME:
      // ID, then two legacy fields (size, mtime) clang always writes as 0, then the name's length.
      expectFields(entry, 4, 'FILENAME');
      tables.files.set(field(entry, 0), blobText(entry, 3, 'FILENAME'));
      return;
    case RECORD_CATEGORY:
      expectFields(entry, 2, 'CATEGORY');
      tables.categories.set(field(entry, 0), blobText(entry, 1, 'CATEGORY'));
      return;
    case RECORD_DIAG_FLAG:
      expectFields(entry, 2, 'DIAG_FLAG');
      tables.flags.set(field(entry, 0), blobText(entry, 1, 'DIAG_FLAG'));
      return;
    case RECORD_DIAG:
      if (pending.head !== undefined) throw new BitstreamError('second DIAG record in one DIAG block', entry.bit);
      pending.head = readDiagRecord(entry, tables);
      return;
    case RECORD_SOURCE_RANGE:
      expectFields(entry, 8, 'SOURCE_RANGE');
      pending.ranges.push(readRange(entry, 0, tables));
      return;
    case RECORD_FIXIT:
      expectFields(entry, 9, 'FIXIT');
      pending.fixIts.push({ range: readRange(entry, 0, tables), replacement: blobText(entry, 8, 'FIXIT') });
      return;
    default:
      // Newer records (e.g. SOURCE_FILE_CONTENTS) carry nothing we report; clang's reader skips them too.
      return;
  }
}

/** DIAG: severity, location (file, line, column, offset), category id, flag id, message length + blob. */
function readDiagRecord(entry: BitstreamRecord, tables: Tables): PendingDiagnostic['head'] {
  expectFields(entry, 8, 'DIAG');
  const severity = SEVERITIES[field(entry, 0)];
  if (severity === undefined) throw new BitstreamError(`DIAG record has unknown severity ${field(entry, 0)}`, entry.bit);
  const message = blobText(entry, 7, 'DIAG');
  const { file, line, column } = readLocation(entry, 1, tables);
  const head: NonNullable<PendingDiagnostic['head']> = { severity, message, file, line, column };
  const category = lookup(tables.categories, field(entry, 5), 'category', entry.bit);
  if (category) head.category = category;
  const flag = lookup(tables.flags, field(entry, 6), 'warning flag', entry.bit);
  // clang stores the group name; its text output adds -R for remarks and -W otherwise.
  if (flag) head.option = `${severity === 'remark' ? '-R' : '-W'}${flag}`;
  return head;
}

function finishDiagnostic(pending: PendingDiagnostic, endBit: number): CompilerDiagnostic {
  const { head, ranges, fixIts, notes } = pending;
  if (head === undefined) throw new BitstreamError('DIAG block ends without a DIAG record', endBit);
  const underline = ranges.find((range) => contains(range, head));
  // Spelled out rather than spread: spreading objects of varying shape is the slowest step by far.
  const diagnostic: CompilerDiagnostic = {
    severity: head.severity,
    message: head.message,
    file: head.file,
    line: head.line,
    column: head.column,
    endLine: underline?.endLine ?? head.line,
    endColumn: underline?.endColumn ?? head.column,
    ranges,
    fixIts,
    notes,
  };
  if (head.option !== undefined) diagnostic.option = head.option;
  if (head.category !== undefined) diagnostic.category = head.category;
  return diagnostic;
}

function contains(range: SourceRange, at: Location): boolean {
  if (range.file !== at.file) return false;
  const afterStart = at.line > range.line || (at.line === range.line && at.column >= range.column);
  const beforeEnd = at.line < range.endLine || (at.line === range.endLine && at.column <= range.endColumn);
  return afterStart && beforeEnd;
}

/** Two locations at fields[start..start+8). */
function readRange(entry: BitstreamRecord, start: number, tables: Tables): SourceRange {
  const from = readLocation(entry, start, tables);
  const to = readLocation(entry, start + 4, tables);
  return { file: from.file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}

/** A location is four fields: file id (0 = none), line, column, byte offset (unused here). */
function readLocation(entry: BitstreamRecord, start: number, tables: Tables): Location {
  const file = lookup(tables.files, field(entry, start), 'file', entry.bit);
  return { file, line: field(entry, start + 1), column: field(entry, start + 2) };
}

/** Id 0 means "none" (clang's category 0 is interned, but its name is ''); other ids must be interned already. */
function lookup(table: Map<number, string>, id: number, what: string, bit: number): string {
  if (id === 0) return '';
  const value = table.get(id);
  if (value === undefined) throw new BitstreamError(`record refers to ${what} id ${id}, which was never defined`, bit);
  return value;
}

function expectFields(entry: BitstreamRecord, count: number, name: string): void {
  if (entry.fields.length !== count) {
    throw new BitstreamError(`${name} record has ${entry.fields.length} fields, expected ${count}`, entry.bit);
  }
}

function field(entry: BitstreamRecord, index: number): number {
  const value = entry.fields[index];
  if (value === undefined) throw new BitstreamError(`record ${entry.code} lacks field ${index}`, entry.bit);
  return value;
}

/** The record's blob as text, checked against the length field clang writes before it. */
function blobText(entry: BitstreamRecord, lengthField: number, name: string): string {
  const length = field(entry, lengthField);
  if (entry.blob === undefined || entry.blob.length !== length) {
    throw new BitstreamError(`${name} record declares ${length} bytes of text but carries ${entry.blob?.length ?? 'no'} blob`, entry.bit);
  }
  return utf8.decode(entry.blob);
}
