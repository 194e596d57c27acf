import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import { lineOf, runDriverSource } from './testing';

const template = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/minimal-miniport.c'), 'utf8');
const INIT_ONLY: ScenarioInput = { steps: [{ step: 'load' }, { step: 'add-device' }] };

/** The minimal miniport with `code` run at the start of MiniportInitializeEx and `globals` before it. */
function withInit(globals: string, code: string): Record<string, string> {
  const marker = '    TheAdapter.Handle = MiniportAdapterHandle;';
  const anchor = 'static ADAPTER TheAdapter;';
  return { 'driver.c': template.replace(anchor, `${anchor}\n${globals}`).replace(marker, `${marker}\n${code}`) };
}

describe('lookaside lists', () => {
  it("take entries from the driver's Allocate callback and give them back through its Free callback", async () => {
    const files = withInit(
      [
        'static NPAGED_LOOKASIDE_LIST List;',
        'static ULONG Allocs, Frees;',
        'static PVOID LabAlloc(POOL_TYPE t, SIZE_T n, ULONG tag) { UNREFERENCED_PARAMETER(t); Allocs++; return NdisAllocateMemoryWithTagPriority(TheAdapter.Handle, (UINT)n, tag, NormalPoolPriority); }',
        'static VOID LabFree(PVOID p) { Frees++; NdisFreeMemory(p, 0, 0); }',
      ].join('\n'),
      [
        "    ExInitializeNPagedLookasideList(&List, LabAlloc, LabFree, 0, 128, 'kooL', 0);",
        '    {',
        '        PVOID a = ExAllocateFromNPagedLookasideList(&List);',
        '        PVOID b = ExAllocateFromNPagedLookasideList(&List);',
        '        ExFreeToNPagedLookasideList(&List, a);',
        '        ExFreeToNPagedLookasideList(&List, b);',
        '        PVOID c = ExAllocateFromNPagedLookasideList(&List);',
        '        ExFreeToNPagedLookasideList(&List, c);',
        '    }',
        '    ExDeleteNPagedLookasideList(&List);',
        '    DbgPrint("allocs=%u frees=%u\\n", Allocs, Frees);',
      ].join('\n'),
    );
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.result.result).toBe('clean');
    // Two entries made by the driver's callback; the third allocation reused a cached one; delete freed both.
    expect(run.events.find((e) => e.kind === 'debug.print')).toMatchObject({ text: 'allocs=2 frees=2\n' });
  });

  it('used before initialization: a lab stop at the line', async () => {
    const files = withInit('static NPAGED_LOOKASIDE_LIST List;', '    ExAllocateFromNPagedLookasideList(&List); /* VIOLATION */');
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'LOOKASIDE-UNINITIALIZED', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
  });
});

describe('device objects', () => {
  it('NdisMGetDeviceProperty gives distinct PDO, FDO and lower device objects, and a virtual device has no resources', async () => {
    const files = withInit(
      '',
      [
        '    {',
        '        PDEVICE_OBJECT pdo = NULL, fdo = NULL, next = NULL;',
        '        PCM_RESOURCE_LIST res = (PCM_RESOURCE_LIST)1;',
        '        NdisMGetDeviceProperty(MiniportAdapterHandle, &pdo, &fdo, &next, &res, NULL);',
        '        DbgPrint("%d %d %d %d\\n", pdo != NULL, fdo != NULL && fdo != pdo, next != NULL && next != fdo, res == NULL);',
        '    }',
      ].join('\n'),
    );
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.events.find((e) => e.kind === 'debug.print')).toMatchObject({ text: '1 1 1 1\n' });
  });
});

describe('the memory cap', () => {
  it('a driver that allocates without end is stopped at the allocation, naming the cap', async () => {
    const files = withInit('', "    for (;;) { if (!NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 4096, 'kaeL', NormalPoolPriority)) break; } /* VIOLATION */");
    const run = await runDriverSource(files, { scenario: INIT_ONLY, limits: { memoryCapBytes: 4 * 1024 * 1024 } });
    expect(run.result.bugcheck).toMatchObject({ rule: 'MEMORY-CAP', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(run.result.bugcheck!.message).toContain("reached the lab's cap of 4,194,304 bytes");
  });
});

describe('rules around OIDs and flags', () => {
  it('OID-NETPNP: NdisMNetPnPEvent from inside an OID request', async () => {
    const files = {
      'driver.c': template.replace(
        'static NDIS_STATUS MpOid(NDIS_HANDLE c, PNDIS_OID_REQUEST r) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(r); return NDIS_STATUS_NOT_SUPPORTED; }',
        'static NDIS_STATUS MpOid(NDIS_HANDLE c, PNDIS_OID_REQUEST r) { NET_PNP_EVENT_NOTIFICATION e; UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(r); NdisZeroMemory(&e, sizeof(e));\n    NdisMNetPnPEvent(TheAdapter.Handle, &e); /* VIOLATION */\n    return NDIS_STATUS_NOT_SUPPORTED; }',
      ),
    };
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'OID-NETPNP', file: 'driver.c', line: lineOf(files['driver.c'], 'VIOLATION') });
  });

  it('IRQL-FLAGS: asking for the IRQL in MiniportSendNetBufferLists is a warning, and the run stays clean', async () => {
    const files = {
      'driver.c': template.replace(
        '    TheAdapter.Sends++;\n',
        '    TheAdapter.Sends++;\n    if (KeGetCurrentIrql() == DISPATCH_LEVEL) TheAdapter.Sends++; /* VIOLATION */\n',
      ),
    };
    const run = await runDriverSource(files, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'send', count: 1 }] } });
    expect(run.result.findings[0]).toMatchObject({ rule: 'IRQL-FLAGS', severity: 'warn', line: lineOf(files['driver.c'], 'VIOLATION') });
    expect(run.result.result).toBe('clean');
  });
});

describe('check for hang during a slow initialization', () => {
  it('INIT-CFH-WINDOW: NDIS calls MiniportCheckForHangEx while init sleeps past the interval; TRUE is a warning', async () => {
    const files = {
      'driver.c': template
        .replace(
          'static NDIS_STATUS MpSetOptions',
          'static BOOLEAN MpCheckForHang(NDIS_HANDLE c) { UNREFERENCED_PARAMETER(c); return TRUE; }\nstatic NDIS_STATUS MpReset(NDIS_HANDLE c, PBOOLEAN a) { UNREFERENCED_PARAMETER(c); *a = FALSE; return NDIS_STATUS_SUCCESS; }\nstatic NDIS_STATUS MpSetOptions',
        )
        .replace('    chars.ShutdownHandlerEx = MpShutdown;', '    chars.ShutdownHandlerEx = MpShutdown;\n    chars.CheckForHangHandlerEx = MpCheckForHang;\n    chars.ResetHandlerEx = MpReset;')
        .replace('    TheAdapter.Handle = MiniportAdapterHandle;', '    TheAdapter.Handle = MiniportAdapterHandle;\n    NdisMSleep(3000000); /* three seconds of "hardware self-test" */'),
    };
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    const callbacks = run.events.filter((e) => e.kind === 'driver.callback' && e.handler === 'MiniportCheckForHangEx' && e.phase === 'enter');
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.t).toBe(2 * 10_000_000);
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-CFH-WINDOW', severity: 'warn' });
    expect(run.result.adapters[0]!.state).toBe('Paused');
  });
});

describe('the C runtime under the driver', () => {
  it('a NULL buffer given to NdisZeroMemory (memset) is a page fault at the driver line, not a silent write to address 0', async () => {
    const files = withInit('', "    {\n        PUCHAR buffer = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 64, 'ffuB', NormalPoolPriority);\n        NdisZeroMemory(buffer, 64); /* VIOLATION */\n        if (buffer) NdisFreeMemory(buffer, 0, 0);\n    }");
    const run = await runDriverSource(files, { scenario: INIT_ONLY, faults: ['NdisAllocateMemoryWithTagPriority@1'] });
    expect(run.result.bugcheck).toMatchObject({ code: '0x00000050', rule: 'UB-NULL', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(run.result.bugcheck!.message).toBe('memset of 64 byte(s) through a NULL pointer');
  });
});

describe('registration attribute flags and the IRQL init returns at', () => {
  it('INIT-ATTR-FLAGS: HARDWARE_DEVICE together with NDIS_WDM is contradictory', async () => {
    const files = { 'driver.c': template.replace('    reg.InterfaceType = NdisInterfaceInternal;', '    reg.InterfaceType = NdisInterfaceInternal;\n    reg.AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE | NDIS_MINIPORT_ATTRIBUTES_NDIS_WDM;') };
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-FLAGS', file: 'driver.c', line: lineOf(files['driver.c'], 'status = NdisMSetMiniportAttributes') });
  });

  it('INIT-EXIT-IRQL: MiniportInitializeEx must return at PASSIVE_LEVEL', async () => {
    const files = {
      'driver.c': template.replace(
        '    return NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&gen);',
        '    status = NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&gen);\n    (VOID)KfRaiseIrql(DISPATCH_LEVEL); /* never lowered */\n    return status;',
      ),
    };
    const run = await runDriverSource(files, { scenario: INIT_ONLY });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['INIT-EXIT-IRQL']);
    expect(run.result.findings[0]!.message).toContain('returned at IRQL 2');
  });
});

describe('a wait nothing can satisfy', () => {
  it('stops as WAIT-FOREVER even while NDIS keeps calling MiniportCheckForHangEx in the background', async () => {
    const files = {
      'driver.c': template
        .replace(
          'static NDIS_STATUS MpSetOptions',
          'static NDIS_EVENT Never;\nstatic BOOLEAN MpCheckForHang(NDIS_HANDLE c) { UNREFERENCED_PARAMETER(c); return FALSE; }\nstatic NDIS_STATUS MpReset(NDIS_HANDLE c, PBOOLEAN a) { UNREFERENCED_PARAMETER(c); *a = FALSE; return NDIS_STATUS_SUCCESS; }\nstatic NDIS_STATUS MpSetOptions',
        )
        .replace('    chars.ShutdownHandlerEx = MpShutdown;', '    chars.ShutdownHandlerEx = MpShutdown;\n    chars.CheckForHangHandlerEx = MpCheckForHang;\n    chars.ResetHandlerEx = MpReset;')
        .replace(
          'static NDIS_STATUS MpRestart(NDIS_HANDLE c, PNDIS_MINIPORT_RESTART_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p); return NDIS_STATUS_SUCCESS; }',
          'static NDIS_STATUS MpRestart(NDIS_HANDLE c, PNDIS_MINIPORT_RESTART_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p);\n    NdisInitializeEvent(&Never);\n    NdisWaitEvent(&Never, 0); /* VIOLATION */\n    return NDIS_STATUS_SUCCESS; }',
        ),
    };
    const started = performance.now();
    const run = await runDriverSource(files, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }] } });
    expect(run.result.bugcheck).toMatchObject({ rule: 'WAIT-FOREVER', file: 'driver.c', line: lineOf(files['driver.c'], 'VIOLATION') });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
