import { beforeAll, describe, expect, it } from 'vitest';
import { lookupInlined, readInlineChains } from './inline-chains';
import { readLineTable, wasmFrameOffset } from './line-table';
import { SOURCES, TREE } from './test-fixture';
import { addr2line, CLANG_LOAD_TIMEOUT_MS, compileDriver, runProbes } from './test-support';

const builds = new Map<string, Uint8Array>();
const VARIANTS: Array<[string, string, string[]]> = [
  ['-O0', '-O0', []],
  ['-O1 (the lab build)', '-O1', []],
  ['-O1 -gdwarf-5', '-O1', ['-gdwarf-5']],
  ['-O2', '-O2', []],
];

beforeAll(async () => {
  for (const [name, opt, flags] of VARIANTS) builds.set(name, await compileDriver(TREE, SOURCES, { opt, flags }));
}, CLANG_LOAD_TIMEOUT_MS);

function build(name: string): Uint8Array {
  const wasm = builds.get(name);
  if (!wasm) throw new Error(`no ${name} build`);
  return wasm;
}

describe('lookupInlined', () => {
  for (const [name] of VARIANTS) {
    it(`agrees with llvm-addr2line -i at every address of the ${name} build`, async () => {
      const wasm = build(name);
      const lines = readLineTable(wasm);
      const inline = readInlineChains(wasm);
      const last = lines.address[lines.address.length - 1] ?? 0;
      const addresses = Array.from({ length: last + 2 }, (_, i) => i);
      const reference = await addr2line(wasm, addresses, true);
      const mismatches = addresses.filter((a) => {
        const frames = lookupInlined(inline, lines, a + lines.codeSectionOffset);
        // addr2line joins the compilation directory ('/') that we leave out.
        const mine = frames.map((f) => `${f.function}|${f.file === '??' ? '??' : `/${f.file}`}:${f.line}`).join('|');
        return (mine || '??|??:0') !== reference.get(a);
      });
      expect(mismatches).toEqual([]);
    });
  }

  it('unwinds calls inlined at -O1 into their call sites, innermost first', async () => {
    const wasm = build('-O1 (the lab build)');
    const lines = readLineTable(wasm);
    const inline = readInlineChains(wasm);
    const calls = await runProbes(wasm, 1);
    const chains = calls.map(({ value, stack }) => {
      const offset = stack.map(wasmFrameOffset).find((o) => o !== undefined) ?? -1;
      return [value, ...lookupInlined(inline, lines, offset).map((f) => `${f.function} ${f.file}:${f.line}:${f.column}`)];
    });
    expect(chains).toEqual([
      [1, 'entry src/a.c:8:3'],
      [1, 'helper src/a.c:4:3', 'entry src/a.c:9:11'],
      [6, 'lab_inline include/lab.h:4:3', 'entry src/a.c:10:8'],
      [2, 'entry src/a.c:11:3'],
      [100, 'other src/b.c:5:5'],
    ]);
  });

  it('finds no frames outside every function', () => {
    const wasm = build('-O1 (the lab build)');
    const inline = readInlineChains(wasm);
    expect(lookupInlined(inline, readLineTable(wasm), 0)).toEqual([]);
  });
});
