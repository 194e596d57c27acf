import { beforeAll, describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader';
import { findRow, lookupModuleOffset, readLineTable, wasmFrameOffset, type LineTable } from './line-table';
import { addr2line, CLANG_LOAD_TIMEOUT_MS, compileDriver, runProbes } from './test-support';
import { SOURCES, TREE } from './test-fixture';
import { readWasmSections } from './wasm-sections';

let o0: Uint8Array;
let o0v5: Uint8Array;
let o2: Uint8Array;

beforeAll(async () => {
  o0 = await compileDriver(TREE, SOURCES);
  o0v5 = await compileDriver(TREE, SOURCES, { flags: ['-gdwarf-5'] });
  o2 = await compileDriver(TREE, SOURCES, { opt: '-O2' });
}, CLANG_LOAD_TIMEOUT_MS);

function lineTableVersions(wasm: Uint8Array): number[] {
  const section = readWasmSections(wasm).custom.get('.debug_line');
  if (!section) throw new Error('no .debug_line');
  const r = new ByteReader(section.bytes, '.debug_line', section.offset);
  const versions: number[] = [];
  while (!r.atEnd) {
    const length = r.u32();
    const next = r.pos + length;
    versions.push(r.u16());
    r.pos = next;
  }
  return versions;
}

/** 'file:line' of the driver frame `depth` levels below the import (0 = the call of the import). */
function frameAt(table: LineTable, stack: string[], depth: number): string {
  const offsets = stack.map(wasmFrameOffset).filter((o): o is number => o !== undefined);
  const offset = offsets[depth];
  if (offset === undefined) return 'no frame';
  const position = lookupModuleOffset(table, offset);
  return position ? `${position.file}:${position.line}` : 'no position';
}

describe('the DWARF clang 22 emits for wasm32', () => {
  it('is line table version 4 by default and 5 with -gdwarf-5, one unit per .c file', () => {
    expect(lineTableVersions(o0)).toEqual([4, 4]);
    expect(lineTableVersions(o0v5)).toEqual([5, 5]);
  });

  it('reads both versions to the same table, paths relative as clang stored them', () => {
    const v4 = readLineTable(o0);
    const v5 = readLineTable(o0v5);
    expect(v4.files).toEqual(['src/a.c', 'include/lab.h', 'src/b.c']);
    expect(v5.files).toEqual(v4.files);
    expect(v5.address).toEqual(v4.address);
    expect(v5.line).toEqual(v4.line);
    expect(v5.column).toEqual(v4.column);
  });
});

describe('lookupModuleOffset on a stack frame', () => {
  it('gives the exact line of every call of an import, in two .c files and a header inline function', async () => {
    const table = readLineTable(o0);
    const calls = await runProbes(o0, 2);
    const at = calls.map(({ value, stack }) => [value, frameAt(table, stack, 0), frameAt(table, stack, 1)]);
    expect(at).toEqual([
      [1, 'src/a.c:8', 'no frame'],
      [2, 'src/a.c:4', 'src/a.c:9'],
      [9, 'include/lab.h:4', 'src/a.c:10'],
      [2, 'src/a.c:11', 'no frame'],
      [100, 'src/b.c:5', 'src/a.c:12'],
      [101, 'src/b.c:5', 'src/a.c:12'],
    ]);
  });

  it('gives the innermost line of calls inlined by -O2', async () => {
    const table = readLineTable(o2);
    const calls = await runProbes(o2, 1);
    expect(calls.map(({ value, stack }) => [value, frameAt(table, stack, 0)])).toEqual([
      [1, 'src/a.c:8'],
      [1, 'src/a.c:4'],
      [6, 'include/lab.h:4'],
      [2, 'src/a.c:11'],
      [100, 'src/b.c:5'],
    ]);
  });
});

describe('readLineTable against llvm-addr2line', () => {
  for (const [name, get] of [['-O0', () => o0], ['-O2', () => o2], ['-O0 -gdwarf-5', () => o0v5]] as const) {
    it(`agrees at every address of the ${name} build`, async () => {
      const wasm = get();
      const table = readLineTable(wasm);
      const last = table.address[table.address.length - 1] ?? 0;
      const addresses = Array.from({ length: last + 2 }, (_, i) => i);
      const reference = await addr2line(wasm, addresses);
      const mismatches = addresses.filter((a) => {
        const mine = lookupModuleOffset(table, a + table.codeSectionOffset);
        // addr2line joins the compilation directory ('/') that we leave out.
        return (mine ? `/${mine.file}:${mine.line}` : '??:0') !== reference.get(a);
      });
      expect(reference.size).toBe(addresses.length);
      expect(mismatches).toEqual([]);
    });
  }
});

describe('sequences', () => {
  it('ends each function with an end_sequence row and finds nothing in the gaps between them', () => {
    const table = readLineTable(o0);
    const ends = [...table.endSequence.keys()].filter((i) => table.endSequence[i] === 1);
    // entry, helper, lab_inline, other; dead_code was discarded by the linker (a tombstone sequence).
    expect(ends).toHaveLength(4);
    for (const end of ends) {
      const address = table.address[end] as number;
      expect(findRow(table, address - 1)).toBe(end - 1);
      // Between functions lie the next body's size and local declarations: no source there.
      const next = table.address[end + 1];
      if (next !== undefined && next > address) expect(findRow(table, address)).toBe(-1);
    }
    expect(findRow(table, (table.address[0] as number) - 1)).toBe(-1);
    expect(lookupModuleOffset(table, table.codeSectionOffset + (table.address.at(-1) as number))).toBeUndefined();
    expect(lookupModuleOffset(table, 0)).toBeUndefined();
  });

  it('drops the sequence of code the linker discarded', () => {
    const table = readLineTable(o0);
    const codeSize = readWasmSections(o0).sections.find((s) => s.id === 10);
    const maxAddress = (codeSize?.end ?? 0) - (codeSize?.payloadStart ?? 0);
    expect(Math.max(...table.address)).toBeLessThanOrEqual(maxAddress);
    expect(table.line.includes(9) && table.files[table.file[table.line.indexOf(9)] as number] === 'src/b.c').toBe(false);
  });
});

describe('errors', () => {
  it('says a module without -g has no line table', async () => {
    const wasm = await compileDriver(TREE, SOURCES, { noDebug: true });
    expect(() => readLineTable(wasm)).toThrow(/no \.debug_line section \(built without -g\?\)/);
  });

  it('names the offset of a truncated module', () => {
    const { sections } = readWasmSections(o0);
    const line = sections.find((s) => s.name === '.debug_line');
    if (!line) throw new Error('no .debug_line');
    expect(() => readLineTable(o0.subarray(0, line.end - 10))).toThrow(
      `Malformed wasm module at offset 0x${line.start.toString(16)}: section 0 declares`,
    );
  });

  it('names the offset of a corrupt line program', () => {
    const wasm = o0.slice();
    const line = readWasmSections(wasm).sections.find((s) => s.name === '.debug_line');
    if (!line) throw new Error('no .debug_line');
    wasm[line.dataStart + 4] = 9; // version 9
    expect(() => readLineTable(wasm)).toThrow(
      `Malformed .debug_line at offset 0x${(line.dataStart + 4).toString(16)}: unsupported line table version 9`,
    );
  });
});

describe('wasmFrameOffset', () => {
  it('reads V8 wasm frames, named or not, and nothing else', () => {
    expect(wasmFrameOffset('    at entry (wasm://wasm/1a2b3c4d:wasm-function[3]:0x1a2)')).toBe(0x1a2);
    expect(wasmFrameOffset('    at wasm://wasm/1a2b3c4d:wasm-function[12]:0x7b')).toBe(0x7b);
    expect(wasmFrameOffset('    at $f (wasm://wasm/drv-1a2b3c4d:wasm-function[0]:0xABC)')).toBe(0xabc);
    expect(wasmFrameOffset('    at probe (file:///work/sim.js:10:5)')).toBeUndefined();
  });
});

describe('lookup cost', () => {
  it('is a binary search: O(log n) reads of a million-row table', () => {
    const rows = 1_000_000;
    const address = new Uint32Array(rows).map((_, i) => i * 4);
    let reads = 0;
    const counted = new Proxy(address, {
      get(target, key) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const table: LineTable = {
      files: ['f.c'], address: counted, file: new Uint32Array(rows), line: new Uint32Array(rows).fill(7),
      column: new Uint32Array(rows), endSequence: new Uint8Array(rows), codeSectionOffset: 100,
    };
    table.endSequence[rows - 1] = 1;
    expect(lookupModuleOffset(table, 100 + 123_457)).toEqual({ file: 'f.c', line: 7, column: 0 });
    expect(reads).toBeLessThanOrEqual(21);
    expect(findRow(table, 4 * rows)).toBe(-1);
  });
});
