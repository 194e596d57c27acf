import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { lifecycle, miniport } from './family-test-driver';

const INIT_ONLY = { steps: [{ step: 'load' }, { step: 'add-device' }] } as const;
const texts = (events: Array<{ kind: string }>) => events.filter((e): e is { kind: 'debug.print'; text: string } => e.kind === 'debug.print').map((e) => e.text);

describe('DbgPrint formatting', () => {
  it('formats integers, 64-bit values, strings, wide and counted strings, pointers and widths like the kernel', async () => {
    const source = miniport({
      init: `{ UNICODE_STRING us; ANSI_STRING as; static WCHAR w[] = L"wide"; static CHAR a[] = "ansi";
        RtlInitUnicodeString(&us, L"ustr"); as.Buffer = a; as.Length = 4; as.MaximumLength = 5;
        DbgPrint("%d %i %u %x %X %o %c %s %%\\n", -5, 42, 4000000000u, 0xbeef, 0xbeef, 8, 'Z', "str"); /* PRINT */
        DbgPrint("%ld %lu %lx %lld %llu %llx %I64x\\n", -1L, 7UL, 0xABCUL, -1234567890123LL, 18446744073709551615ULL, 0x1122334455667788ULL, 0xFFULL);
        DbgPrint("[%08x] [%-8s] [%8s] [%.2s] [%+d] [%#x] [%5d] [%-5d] [%05d] [%*d]\\n", 0x1f, "ab", "cd", "xyz", 3, 255, 42, 42, -42, 4, 7);
        DbgPrintEx(DPFLTR_IHVNETWORK_ID, DPFLTR_ERROR_LEVEL, "%S %ws %wZ %Z %p %s\\n", w, w, &us, &as, (PVOID)0x1234, (PCSTR)NULL);
        DbgPrint("mixed %d %lld %d\\n", 1, 2LL, 3); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.findings).toEqual([]);
    expect(texts(run.events)).toEqual([
      '-5 42 4000000000 beef BEEF 10 Z str %\n',
      '-1 7 abc -1234567890123 18446744073709551615 1122334455667788 ff\n',
      '[0000001f] [ab      ] [      cd] [xy] [+3] [0xff] [   42] [42   ] [-0042] [   7]\n',
      'wide wide ustr ansi 00001234 (null)\n',
      'mixed 1 2 3\n',
    ]);
    const first = run.events.find((e) => e.kind === 'debug.print');
    expect(first).toMatchObject({ file: 'driver.c', line: lineOf(source, 'PRINT') });
    // DbgPrint is traced as its output, not twice.
    expect(run.events.some((e) => e.kind === 'ndis.call' && e.api.startsWith('DbgPrint'))).toBe(false);
  });
});

describe('error log, time, version, and the driver stopping itself', () => {
  it('NdisWriteErrorLogEntry emits the code and its ULONG values', async () => {
    const source = miniport({ init: 'NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 3, 1, 2, 0xFFFFFFFF); /* LOG */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    const log = run.events.find((e) => e.kind === 'error.log');
    expect(log).toMatchObject({ values: [1, 2, 0xffffffff], line: lineOf(source, 'LOG') });
    expect((log as { code: number }).code).toBeGreaterThan(0);
  });

  it('system time, tick count, performance counter, up time and version follow virtual time', async () => {
    const source = miniport({
      restart: `{ LARGE_INTEGER t0, t1, tick, freq, pc0, pc1, up;
        NdisGetCurrentSystemTime(&t0); KeQueryTickCount(&tick); pc0 = KeQueryPerformanceCounter(&freq);
        NdisMSleep(31250);
        NdisGetCurrentSystemTime(&t1); pc1 = KeQueryPerformanceCounter(NULL); NdisGetSystemUpTimeEx(&up);
        DbgPrint("dt=%I64d dpc=%I64d freq=%I64d ver=%08x inc=%u cpu=%u", t1.QuadPart - t0.QuadPart, pc1.QuadPart - pc0.QuadPart, freq.QuadPart, NdisGetVersion(), KeQueryTimeIncrement(), KeGetCurrentProcessorNumberEx(NULL)); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(texts(run.events)).toEqual(['dt=312500 dpc=312500 freq=10000000 ver=00060057 inc=156250 cpu=0']);
  });

  it('KeBugCheckEx stops with the driver\'s code and parameters; DbgBreakPoint without a debugger is 0x1E/0x80000003', async () => {
    const source = miniport({ init: 'KeBugCheckEx(0xDEAD, 1, 2, 3, 4); /* BUGCHECK */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000DEAD', params: ['0x00000001', '0x00000002', '0x00000003', '0x00000004'], line: lineOf(source, 'BUGCHECK') });
    const brk = miniport({ init: 'DbgBreakPoint(); /* BREAK */' });
    const b = await runDriverSource({ 'driver.c': brk }, { scenario: INIT_ONLY });
    expect(b.result.bugcheck).toMatchObject({ code: '0x0000001E', line: lineOf(brk, 'BREAK') });
    expect(b.result.bugcheck!.params[0]).toBe('0x80000003');
  });
});
