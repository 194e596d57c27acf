import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndisLab, repoRoot } from './testing';

const root = repoRoot;

const sample = path.join(root, 'resources/examples/wdk-sample-miniport');

describe('ndis-lab build', () => {
  it('builds a folder, prints JSON with diagnostics, imports and exports, and writes the module', async () => {
    const out = path.join(os.tmpdir(), `ndis-lab-${process.pid}.wasm`);
    const result = await ndisLab('build', sample, '--headers-only', '--json', '-o', out);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(true);
    expect(json.diagnostics).toEqual([]);
    expect(json.exports.map((e: { name: string }) => e.name)).toContain('DriverEntry');
    expect(json.imports).toContainEqual({ module: 'ndis', name: 'NdisMRegisterMiniportDriver', kind: 'function', params: ['i32', 'i32', 'i32', 'i32', 'i32'], results: ['i32'] });
    expect(WebAssembly.validate(fs.readFileSync(out))).toBe(true);
  }, 120_000);

  it('exits 2 on compile errors, with file:line:col: severity: message', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-bad-'));
    const file = path.join(dir, 'driver.c');
    fs.writeFileSync(file, '#define NDIS_MINIPORT_DRIVER 1\n#define NDIS620_MINIPORT 1\n#include <ndis.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return oops; }\n');
    const text = await ndisLab('build', file, '--headers-only');
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("driver.c:4:68: error: use of undeclared identifier 'oops'");
    const json = await ndisLab('build', file, '--headers-only', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).diagnostics[0]).toMatchObject({ file: 'driver.c', line: 4, column: 68, severity: 'error' });
  }, 120_000);

  it('exits 3 on usage errors', async () => {
    expect((await ndisLab('build')).code).toBe(3);
    const missing = await ndisLab('build', 'no/such/driver.c');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no such file or folder: no/such/driver.c');
    expect((await ndisLab('build', sample, '--frobnicate')).code).toBe(3);
  });
});
