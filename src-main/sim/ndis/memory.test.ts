import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { lifecycle, miniport } from './family-test-driver';

const FIELDS = 'PUCHAR Buffer;';

function driver(init: string, halt: string): string {
  return miniport({ fields: FIELDS, init, halt });
}

describe('memory (NdisAllocateMemoryWithTagPriority / NdisFreeMemory, Ex pool)', () => {
  it('allocates in init, frees in halt: clean, with alloc/free resource events naming tag and line', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 64, 'tseT', NormalPoolPriority); /* ALLOC */
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;
       NdisZeroMemory(Adapter.Buffer, 64);`,
      `NdisFreeMemory(Adapter.Buffer, 64, 0); /* FREE */`,
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    const resources = run.events.filter((e) => e.kind === 'resource' && e.resource === 'memory');
    expect(resources).toMatchObject([
      { op: 'alloc', size: 64, tag: 'Test', file: 'driver.c', line: lineOf(source, 'ALLOC') },
      { op: 'free', size: 64, tag: 'Test', line: lineOf(source, 'FREE') },
    ]);
  });

  it('INIT-MEM-TAG: a zero tag is a warning at the allocating line; a proper tag is not', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 16, 0, NormalPoolPriority); /* BAD */
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      'NdisFreeMemory(Adapter.Buffer, 16, 0);',
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings).toHaveLength(1);
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-MEM-TAG', severity: 'warn', line: lineOf(source, 'BAD') });
    const nonPrintable = await runDriverSource({ 'driver.c': source.replace(', 16, 0,', ', 16, 0x01020304,') }, { scenario: lifecycle() });
    expect(nonPrintable.result.findings[0]).toMatchObject({ rule: 'INIT-MEM-TAG' });
    expect(nonPrintable.result.findings[0]!.message).toContain('printable');
  });

  it('a double free is bug check 0xC4/0x13 at the second free', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 16, 'tseT', NormalPoolPriority);
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      `NdisFreeMemory(Adapter.Buffer, 16, 0);
       NdisFreeMemory(Adapter.Buffer, 16, 0); /* AGAIN */`,
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'POOL-FREE', line: lineOf(source, 'AGAIN') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00000013');
    expect(run.result.bugcheck!.message).toContain('double free');
  });

  it('freeing an interior pointer or an address never allocated stops with 0xC4 (0x16 / 0x10)', async () => {
    const interior = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 16, 'tseT', NormalPoolPriority);
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      'NdisFreeMemory(Adapter.Buffer + 4, 12, 0); /* INTERIOR */',
    );
    const a = await runDriverSource({ 'driver.c': interior }, { scenario: lifecycle() });
    expect(a.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'POOL-FREE', line: lineOf(interior, 'INTERIOR') });
    expect(a.result.bugcheck!.params[0]).toBe('0x00000016');
    const never = driver('', 'static UCHAR local[8]; NdisFreeMemory(local, 8, 0); /* NEVER */');
    const b = await runDriverSource({ 'driver.c': never }, { scenario: lifecycle() });
    expect(b.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'POOL-FREE', line: lineOf(never, 'NEVER') });
    expect(b.result.bugcheck!.params[0]).toBe('0x00000010');
  });

  it('POOL-OVERRUN: writing past the end is caught when the block is freed, naming the allocation line', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 16, 'tseT', NormalPoolPriority); /* ALLOC */
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;
       { volatile UCHAR *p = Adapter.Buffer; ULONG i; for (i = 0; i <= 16; i++) p[i] = 0x41; }`,
      'NdisFreeMemory(Adapter.Buffer, 16, 0); /* FREE */',
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C1', rule: 'POOL-OVERRUN', line: lineOf(source, 'FREE') });
    expect(run.result.bugcheck!.params[3]).toBe('0x00000024');
    expect(run.result.bugcheck!.message).toContain(`driver.c:${lineOf(source, 'ALLOC')}`);
    expect(run.result.bugcheck!.message).toContain('offset 16');
  });

  it('HALT-LEAK names the line of a block halt did not free', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 32, 'tseT', NormalPoolPriority); /* ALLOC */
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      '',
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK' });
    expect(run.result.findings[0]!.message).toContain(`32 bytes from NdisAllocateMemoryWithTagPriority at driver.c:${lineOf(source, 'ALLOC')}`);
  });

  it('an injected fault makes the allocation return NULL, and a driver that checks fails init cleanly', async () => {
    const source = driver(
      `Adapter.Buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 32, 'tseT', NormalPoolPriority);
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      'NdisFreeMemory(Adapter.Buffer, 32, 0);',
    );
    const run = await runDriverSource({ 'driver.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'unload' }] }, faults: ['NdisAllocateMemoryWithTagPriority@1'] });
    expect(run.result.findings.filter((f) => f.severity !== 'warn')).toEqual([]);
    expect(run.result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Halted']);
    expect(run.events.some((e) => e.kind === 'fault.injected' && e.api === 'NdisAllocateMemoryWithTagPriority')).toBe(true);
  });

  it('NdisFreeMemoryWithTagPriority / ExFreePoolWithTag with another tag than the allocation is 0xC2/0x0A', async () => {
    const good = driver(
      `Adapter.Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'tseT');
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      "ExFreePoolWithTag(Adapter.Buffer, 'tseT'); /* FREE */",
    );
    expect((await runDriverSource({ 'driver.c': good }, { scenario: lifecycle() })).result.result).toBe('clean');
    const bad = good.replace("ExFreePoolWithTag(Adapter.Buffer, 'tseT')", "ExFreePoolWithTag(Adapter.Buffer, 'xxxT')");
    const run = await runDriverSource({ 'driver.c': bad }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C2', rule: 'POOL-FREE-TAG', line: lineOf(bad, 'FREE') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000000A');
  });

  it('ExAllocatePool2 takes 64-bit POOL_FLAGS; paged pool at DISPATCH_LEVEL is 0xC4/0x01', async () => {
    const good = driver(
      `Adapter.Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'tseT');
       if (Adapter.Buffer == NULL) return NDIS_STATUS_RESOURCES;`,
      'ExFreePool(Adapter.Buffer);',
    );
    expect((await runDriverSource({ 'driver.c': good }, { scenario: lifecycle() })).result.result).toBe('clean');
    const bad = miniport({
      fields: FIELDS + ' NDIS_SPIN_LOCK Lock;',
      init: `NdisAllocateSpinLock(&Adapter.Lock);
             NdisAcquireSpinLock(&Adapter.Lock);
             Adapter.Buffer = ExAllocatePool2(POOL_FLAG_PAGED, 16, 'tseT'); /* PAGED */
             NdisReleaseSpinLock(&Adapter.Lock);`,
    });
    const run = await runDriverSource({ 'driver.c': bad }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'POOL-ALLOC', line: lineOf(bad, 'PAGED') });
    expect(run.result.bugcheck!.params.slice(0, 2)).toEqual(['0x00000001', '0x00000002']);
  });
});
