import { beforeAll, describe, expect, it } from 'vitest';
import { decodeUbsanReport, type UbsanReport } from '../../sim/kernel/ubsan';
import type { DriverBuilder } from './build';
import { callDriverEntry, inertImports, loadTestBuilder, type ImportFunction } from './testing';

let builder: DriverBuilder;
beforeAll(async () => {
  ({ builder } = await loadTestBuilder());
}, 120_000);

/**
 * Builds a driver whose DriverEntry runs `body` with `ULONG value` taken from an NDIS call the test
 * answers (so the compiler cannot fold it), and returns the UBSan report it raises.
 */
function runUntilReport(body: string, value: number): UbsanReport {
  const source = [
    '#define NDIS_MINIPORT_DRIVER 1',
    '#define NDIS620_MINIPORT 1',
    '#include <ndis.h>',
    'volatile LONG Sink;',
    'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)', // 5
    '{',
    '    ULONG value = NdisGetVersion();', // 7
    '    UNREFERENCED_PARAMETER(DriverObject);',
    '    UNREFERENCED_PARAMETER(RegistryPath);',
    `    ${body}`, // 10
    '    return STATUS_SUCCESS;',
    '}',
    '',
  ].join('\n');
  const out = builder.build({ files: { 'driver.c': source }, implementedImports: null });
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const module = new WebAssembly.Module(out.wasm!);
  const memory: { current?: WebAssembly.Memory } = {};
  let report: UbsanReport | undefined;
  const env: Record<string, ImportFunction> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module === 'env') {
      env[i.name] = (...args: number[]) => {
        report = decodeUbsanReport(i.name, memory.current!.buffer, args);
        throw new Error('bug check');
      };
    }
  }
  const instance = new WebAssembly.Instance(module, inertImports(module, { env, ndis: { NdisGetVersion: () => value } }));
  memory.current = instance.exports['memory'] as WebAssembly.Memory;
  expect(() => callDriverEntry(instance)).toThrow('bug check');
  return report!;
}

describe('UBSan reports, decoded from the driver memory', () => {
  it('signed integer overflow, with its operands', () => {
    const report = runUntilReport('Sink = (LONG)value + 0x7FFFFFFF;', 5);
    expect(report).toMatchObject({ check: 'signed-integer-overflow', file: 'src/driver.c', line: 10 });
    expect(report.message).toBe("signed integer overflow: 5 + 2147483647 cannot be represented in type 'LONG' (aka 'long')");
  });

  it('a shift past the width of its type', () => {
    const report = runUntilReport('Sink = (LONG)(1 << value);', 40);
    expect(report).toMatchObject({ check: 'shift', line: 10 });
    expect(report.message).toBe("shift exponent 40 is too large for 32-bit type 'int'");
  });

  it('an array index out of bounds', () => {
    const report = runUntilReport('LONG table[4] = {0}; Sink = table[value];', 9);
    expect(report).toMatchObject({ check: 'array-bounds', line: 10 });
    expect(report.message).toBe("index 9 out of bounds for type 'LONG[4]' (aka 'long[4]')");
  });

  it('a misaligned access', () => {
    // clang does not instrument volatile accesses, so the pointer is a plain one.
    const report = runUntilReport('Sink = *(PLONG)(ULONG_PTR)value;', 1026);
    expect(report.check).toBe('misaligned-pointer');
    expect(report.line).toBe(10);
    expect(report.message).toBe("load of misaligned address 0x00000402 for type 'long', which requires 4 byte alignment");
  });

  it('the one signed division that overflows', () => {
    const report = runUntilReport('Sink = (LONG)0x80000000 / (LONG)value;', 0xffffffff);
    expect(report).toMatchObject({ check: 'division', line: 10 });
    expect(report.message).toBe("division of -2147483648 by -1 cannot be represented in type 'LONG' (aka 'long')");
  });
});
