import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { lifecycle, miniport } from './family-test-driver';

const FIELDS = 'NDIS_HANDLE WorkItem; LONG Ran; KIRQL Irql;';
const GLOBALS = `
static VOID WorkFn(PVOID ctx, NDIS_HANDLE item) {
    UNREFERENCED_PARAMETER(item);
    ((PADAPTER)ctx)->Ran++;
    ((PADAPTER)ctx)->Irql = KeGetCurrentIrql();
}`;
const ALLOC = 'Adapter.WorkItem = NdisAllocateIoWorkItem(MiniportAdapterHandle); /* ALLOC */ if (Adapter.WorkItem == NULL) return NDIS_STATUS_RESOURCES;';

describe('NDIS I/O work items', () => {
  it('a queued work item runs later at PASSIVE_LEVEL with its context and handle', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: ALLOC,
      restart: 'NdisQueueIoWorkItem(Adapter.WorkItem, WorkFn, &Adapter); DbgPrint("queued ran=%d", Adapter.Ran);',
      pause: 'DbgPrint("pause ran=%d irql=%d", Adapter.Ran, Adapter.Irql);',
      halt: 'NdisFreeIoWorkItem(Adapter.WorkItem);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(run.events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text)).toEqual(['queued ran=0', 'pause ran=1 irql=0']);
  });

  it('queueing an item that is still queued stops at the second queue call', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: ALLOC,
      restart: 'NdisQueueIoWorkItem(Adapter.WorkItem, WorkFn, &Adapter); NdisQueueIoWorkItem(Adapter.WorkItem, WorkFn, &Adapter); /* AGAIN */',
      halt: 'NdisFreeIoWorkItem(Adapter.WorkItem);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ rule: 'WORKITEM-REQUEUE', line: lineOf(source, 'AGAIN') });
  });

  it('HALT-LEAK names a work item halt did not free; an injected fault returns NULL', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, init: ALLOC });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK' });
    expect(run.result.findings[0]!.message).toContain(`NdisAllocateIoWorkItem at driver.c:${lineOf(source, 'ALLOC')}`);
    const faulted = await runDriverSource({ 'driver.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'unload' }] }, faults: ['NdisAllocateIoWorkItem@1'] });
    expect(faulted.result.findings.filter((f) => f.severity !== 'warn')).toEqual([]);
    expect(faulted.result.adapters[0]!.state).toBe('Halted');
  });

  it('REG-UNLOAD: a driver-handle work item not freed by unload', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: `${GLOBALS}
static NDIS_HANDLE DriverItem;`,
      unload: 'DriverItem = NdisAllocateIoWorkItem(DriverHandle); /* ALLOC */',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'pause' }, { step: 'halt' }, { step: 'unload' }] } });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-UNLOAD' });
    expect(run.result.findings[0]!.message).toContain(`NdisAllocateIoWorkItem at driver.c:${lineOf(source, 'ALLOC')}`);
  });

  it('freeing an item that is still queued stops at the free', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `${ALLOC} NdisQueueIoWorkItem(Adapter.WorkItem, WorkFn, &Adapter); NdisFreeIoWorkItem(Adapter.WorkItem); /* FREE */`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ rule: 'WORKITEM-FREE-QUEUED', line: lineOf(source, 'FREE') });
  });
});
