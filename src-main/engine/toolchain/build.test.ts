import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeUbsanReport } from '../../sim/kernel/ubsan';
import type { DriverBuilder } from './build';
import type { Clang } from './clang';
import { lookupModuleOffset, wasmFrameOffset } from './dwarf/line-table';
import { COMPILE_FLAGS } from './flags';
import { ProjectFiles } from './project';
import { callDriverEntry, inertImports, loadTestBuilder, readExample } from './testing';

let clang: Clang;
let builder: DriverBuilder;
let declaredImports: string[];

beforeAll(async () => {
  ({ clang, builder, declaredImports } = await loadTestBuilder());
}, 120_000);

const PROLOGUE = '#define NDIS_MINIPORT_DRIVER 1\n#define NDIS620_MINIPORT 1\n#include <ndis.h>\n';

function driver(body: string): Record<string, string> {
  return { 'driver.c': `${PROLOGUE}${body}` };
}

describe('diagnostics', () => {
  it('puts an error and a warning at their exact line and column', () => {
    const out = builder.build({
      files: driver(
        [
          'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)', // 4
          '{', // 5
          '    UNREFERENCED_PARAMETER(DriverObject);', // 6
          '    UNREFERENCED_PARAMETER(RegistryPath);', // 7
          '    return NDIS_STATUS_SUCCESS;', // 8
          '}', // 9
          // clang reports unused variables only in functions without errors.
          'VOID Helper(VOID) { ULONG unused; }', // 10
          'NDIS_STATUS Other(VOID) { return NDIS_STATUS_SUCESS; }', // 11
          '',
        ].join('\n'),
      ),
      implementedImports: null,
    });
    expect(out.ok).toBe(false);
    const error = out.diagnostics.find((d) => d.severity === 'error')!;
    expect(error).toMatchObject({ file: 'driver.c', line: 11, column: 34, endLine: 11, endColumn: 52 });
    expect(error.message).toContain("use of undeclared identifier 'NDIS_STATUS_SUCESS'");
    const warning = out.diagnostics.find((d) => d.severity === 'warning')!;
    expect(warning).toMatchObject({ file: 'driver.c', line: 10, column: 27, endColumn: 33, option: '-Wunused-variable' });
  });

  it('names the project header an error is in, and lab headers as read-only lab files', () => {
    const out = builder.build({
      files: {
        'hw/regs.h': '#pragma once\n#define REG_CTRL 0x0000\nULONG RegisterCount = ;\n',
        'driver.c': `${PROLOGUE}#include "hw/regs.h"\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return NdisMRegisterMiniportDriver(d, r, NULL, NULL, NULL, NULL); }\n`,
      },
      implementedImports: null,
    });
    expect(out.ok).toBe(false);
    const files = out.diagnostics.map((d) => `${d.file}:${d.line}`);
    expect(files).toContain('hw/regs.h:3');
    const fromHeader = out.diagnostics.find((d) => d.file.startsWith('ndis-lab:include/'));
    if (fromHeader) expect(fromHeader.severity).not.toBe('ignored');
  });

  it('survives malformed C and says where', () => {
    for (const source of ['int x = ;\n', '/* never closed\nint y;\n', '\u0000\u0001garbage }}}{{{\n', 'NTSTATUS DriverEntry(']) {
      const out = builder.build({ files: { 'bad.c': source }, implementedImports: null });
      expect(out.ok).toBe(false);
      expect(out.diagnostics.some((d) => d.severity === 'error' && d.file === 'bad.c' && d.line >= 1)).toBe(true);
    }
  });

  it('refuses project paths that could leave the project', () => {
    for (const bad of ['../x.c', '/etc/x.c', 'a/../b.c', 'notes.txt', 'a//b.c']) {
      expect(ProjectFiles.safeParse({ [bad]: 'int x;', 'ok.c': '' }).success, bad).toBe(false);
    }
    expect(ProjectFiles.safeParse({ 'src/ok.c': '', 'hw/regs.h': '' }).success).toBe(true);
  });
});

describe('WDK compatibility', () => {
  it('compiles the WDK-style sample miniport with zero diagnostics', () => {
    const out = builder.build({ files: readExample('wdk-sample-miniport'), implementedImports: null });
    expect(out.diagnostics).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.exports.map((e) => e.name).sort()).toEqual(['DriverEntry', '__heap_base', '__indirect_function_table', 'memory']);
    const foreign = out.imports.filter((i) => i.module !== 'ndis' && !(i.module === 'env' && i.name.startsWith('__ubsan_handle_')));
    expect(foreign).toEqual([]);
    expect(out.imports.map((i) => i.name)).toContain('NdisMRegisterMiniportDriver');
  });

  it('matches every value of ndis-rules.md §4.4 (and a wrong value fails)', () => {
    const fixture = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/constants-44.c'), 'utf8');
    const check = (source: string) => {
      const files = { src: { 'constants.c': source }, include: builderHeaders(), gen: {} };
      return clang.run([...COMPILE_FLAGS, '-fsyntax-only', 'src/constants.c'], files, ['src/constants.c']);
    };
    const good = check(fixture);
    expect(good.stderr).toBe('');
    expect(good.ok).toBe(true);
    const wrong = check(fixture.replace('CHECK(NDIS_STATUS_BAD_VERSION, 0xC0010004UL);', 'CHECK(NDIS_STATUS_BAD_VERSION, 0xC0230004UL);'));
    expect(wrong.ok).toBe(false);
    expect(wrong.stderr).toContain('NDIS_STATUS_BAD_VERSION must be 0xC0230004UL');
  });

  it('checks the §4.4 fixture against ndis-rules.md itself, where the reference is beside the checkout', () => {
    const reference = path.resolve(import.meta.dirname, '../../../../shared/reference/ndis-rules.md');
    if (!fs.existsSync(reference)) return;
    const fixture = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/constants-44.c'), 'utf8');
    const checked = new Map<string, bigint>();
    for (const m of fixture.matchAll(/CHECK\((\w+), (0x[0-9A-Fa-f]+|\d+)UL?\)/g)) checked.set(m[1]!, BigInt(m[2]!));
    const doc = fs.readFileSync(reference, 'utf8');
    const section = doc.slice(doc.indexOf('### 4.4'), doc.indexOf('## 5.'));
    const expected = new Map<string, bigint>();
    for (const row of section.split('\n').filter((l) => l.startsWith('| NDIS_'))) {
      const [name, value] = row.split('|').slice(1, 3).map((c) => c.trim());
      if (/^\w+( \([^)]*\))?$/.test(name!) && /^(0x[0-9A-Fa-f]+|\d+)$/.test(value!)) expected.set(name!.split(' ')[0]!, BigInt(value!));
    }
    for (const m of section.matchAll(/(NDIS_\w+) = (0x[0-9A-Fa-f]+|\d+)/g)) expected.set(m[1]!, BigInt(m[2]!));
    expect(expected.size).toBeGreaterThan(70);
    for (const [name, value] of expected) expect(checked.get(name), name).toBe(value);
  });
});

describe('NDIS functions the simulator lacks', () => {
  const source = driver(
    [
      'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)', // 4
      '{', // 5
      '    UNREFERENCED_PARAMETER(DriverObject);', // 6
      '    UNREFERENCED_PARAMETER(RegistryPath);', // 7
      '    NdisMSleep(10);', // 8
      '    return STATUS_SUCCESS;',
      '}',
      '',
    ].join('\n'),
  );

  it('fail the build by name, at the line of the call', () => {
    expect(declaredImports).toContain('NdisMSleep');
    const out = builder.build({ files: source, implementedImports: [] });
    expect(out.ok).toBe(false);
    const error = out.diagnostics.find((d) => d.severity === 'error')!;
    expect(error).toMatchObject({ file: 'driver.c', line: 8, column: 5 });
    expect(error.message).toBe("'NdisMSleep' is unavailable: NdisMSleep is not implemented by the NDIS Lab simulator yet");
  });

  it('build once the simulator implements them', () => {
    const out = builder.build({ files: source, implementedImports: ['NdisMSleep'] });
    expect(out.diagnostics).toEqual([]);
    expect(out.imports).toContainEqual({ module: 'ndis', name: 'NdisMSleep', kind: 'function', params: ['i32'], results: [] });
  });

  it('do not break a driver that includes headers whose inline helpers use them', () => {
    const out = builder.build({ files: readExample('wdk-sample-miniport'), implementedImports: [] });
    expect(out.ok).toBe(false);
    expect(out.diagnostics.filter((d) => d.file.startsWith('ndis-lab:'))).toEqual([]);
  });

  it('are told apart from functions declared but never defined', () => {
    const out = builder.build({
      files: driver('ULONG HelperNobodyWrote(ULONG x);\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r)\n{ UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r); return (NTSTATUS)HelperNobodyWrote(1); }\n'),
      implementedImports: null,
    });
    expect(out.ok).toBe(false);
    expect(out.diagnostics.map((d) => d.message)).toContain(
      'HelperNobodyWrote is declared but never defined: a driver can call only its own functions and the NDIS functions the lab provides',
    );
  });

  it('and a driver without DriverEntry is refused', () => {
    const out = builder.build({ files: driver('ULONG Helper(ULONG x) { return x + 1; }\n'), implementedImports: null });
    expect(out.ok).toBe(false);
    expect(out.diagnostics.map((d) => d.message).join('\n')).toContain('no DriverEntry');
  });
});

describe('what the simulator gets from a build', () => {
  it('a null dereference after a failed allocation reports its source line through UBSan', async () => {
    const out = builder.build({
      files: driver(
        [
          'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)', // 4
          '{', // 5
          "    PULONG counters = NdisAllocateMemoryWithTagPriority(NULL, 64, 'tseT', NormalPoolPriority);", // 6
          '    UNREFERENCED_PARAMETER(DriverObject);', // 7
          '    UNREFERENCED_PARAMETER(RegistryPath);', // 8
          '    *counters = 5;', // 9
          '    return STATUS_SUCCESS;',
          '}',
          '',
        ].join('\n'),
      ),
      implementedImports: null,
    });
    expect(out.diagnostics).toEqual([]);
    const module = new WebAssembly.Module(out.wasm!);
    const memory: { current?: WebAssembly.Memory } = {};
    const reports: ReturnType<typeof decodeUbsanReport>[] = [];
    const imports = inertImports(module, {
      env: {
        __ubsan_handle_type_mismatch_v1_abort: (...args: number[]) => {
          reports.push(decodeUbsanReport('__ubsan_handle_type_mismatch_v1_abort', memory.current!.buffer, args));
          throw new Error('bug check');
        },
      },
    });
    const instance = new WebAssembly.Instance(module, imports);
    memory.current = instance.exports['memory'] as WebAssembly.Memory;
    expect(() => callDriverEntry(instance)).toThrow('bug check');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ check: 'null-pointer', file: 'src/driver.c', line: 9, column: 5 });
    expect(reports[0]!.message).toBe("store to null pointer of type 'unsigned long'");
  });

  it('maps the wasm stack frame of an NDIS call to the line that made it', () => {
    const out = builder.build({
      files: driver(
        [
          'static VOID Log(ULONG step)', // 4
          '{', // 5
          '    DbgPrint("step %u\\n", step);', // 6
          '}', // 7
          'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)', // 8
          '{', // 9
          '    UNREFERENCED_PARAMETER(DriverObject);', // 10
          '    UNREFERENCED_PARAMETER(RegistryPath);', // 11
          '    Log(1);', // 12
          '    NdisMSleep(100);', // 13
          '    return STATUS_SUCCESS;',
          '}',
          '',
        ].join('\n'),
      ),
      implementedImports: null,
    });
    expect(out.ok).toBe(true);
    const calls: Record<string, string[]> = {};
    const record = (name: string) => () => {
      calls[name] = new Error().stack!.split('\n');
      return 0;
    };
    const module = new WebAssembly.Module(out.wasm!);
    const instance = new WebAssembly.Instance(module, inertImports(module, { ndis: { DbgPrint: record('DbgPrint'), NdisMSleep: record('NdisMSleep') } }));
    callDriverEntry(instance);
    const lineOf = (name: string) => {
      const frame = calls[name]!.map(wasmFrameOffset).find((o) => o !== undefined)!;
      return lookupModuleOffset(out.lineTable!, frame);
    };
    expect(lineOf('NdisMSleep')).toMatchObject({ file: 'src/driver.c', line: 13 });
    // Log() is inlined at -O1: the line table names the call inside it.
    expect(lineOf('DbgPrint')).toMatchObject({ file: 'src/driver.c', line: 6 });
  });

  it('caches objects: an unchanged project compiles nothing again', () => {
    const files = readExample('wdk-sample-miniport');
    builder.build({ files, implementedImports: null });
    const again = builder.build({ files, implementedImports: null });
    expect(again.ok).toBe(true);
    expect(again.timings.compiledFiles).toBe(0);
    const edited = builder.build({ files: { ...files, 'oid.c': `${files['oid.c']}\n/* edit */\n` }, implementedImports: null });
    expect(edited.timings.compiledFiles).toBe(1);
  });
});

function builderHeaders() {
  return (builder as unknown as { setup: { headers: { tree: Record<string, unknown> } } }).setup.headers.tree as never;
}
