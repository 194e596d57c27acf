import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Clang } from './clang';
import { COMPILE_FLAGS, LINK_FLAGS } from './flags';
import { loadTestBuilder } from './testing';
import { getFile } from './vfs';
import { formatSignature, readImportedFunctions } from './wasm-signatures';

let clang: Clang;
let headers: never;
beforeAll(async () => {
  const loaded = await loadTestBuilder();
  clang = loaded.clang;
  headers = (loaded.builder as unknown as { setup: { headers: { tree: never } } }).setup.headers.tree;
}, 120_000);

/** The import signatures clang emits for the ABI probe (by-value structs, struct returns, variadics). */
function probeSignatures(): Map<string, string> {
  const source = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/abi-probe.c'), 'utf8');
  const files = { src: { 'abi.c': source }, include: headers, gen: {} };
  const run = clang.run([...COMPILE_FLAGS, ...LINK_FLAGS.filter((f) => f !== '--target=wasm32'), '-Wl,--export-all', 'src/abi.c', '-o', 'abi.wasm'], files, [
    'src/abi.c',
  ]);
  expect(run.stderr).toBe('');
  const wasm = getFile(run.files, 'abi.wasm') as Uint8Array;
  return new Map(readImportedFunctions(wasm).map((i) => [`${i.module}.${i.name}`, formatSignature(i)]));
}

describe('the wasm32 ABI of NDIS imports, as clang emits it', () => {
  it('passes a LARGE_INTEGER by value as a pointer to the caller’s copy', () => {
    expect(probeSignatures().get('ndis.NdisSetTimerObject')).toBe('(i32,i32,i32,i32)->(i32)');
  });

  it('returns a LARGE_INTEGER through a hidden first pointer', () => {
    expect(probeSignatures().get('ndis.KeQueryPerformanceCounter')).toBe('(i32,i32)->()');
  });

  it('passes variadic arguments as one pointer to a buffer after the fixed ones', () => {
    const signatures = probeSignatures();
    expect(signatures.get('ndis.DbgPrint')).toBe('(i32,i32)->(i32)');
    expect(signatures.get('ndis.NdisWriteErrorLogEntry')).toBe('(i32,i32,i32,i32)->()');
  });

  it('reports a malformed module by offset', () => {
    expect(() => readImportedFunctions(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 5, 1]))).toThrow(/offset 0x/);
  });
});
