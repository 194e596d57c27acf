import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { lifecycle, miniport } from './family-test-driver';

const LOCK = 'NDIS_SPIN_LOCK Lock; NDIS_EVENT Event; NDIS_HANDLE Timer; NDIS_HANDLE WorkItem; LONG Fired;';
const INIT_ONLY = { steps: [{ step: 'load' }, { step: 'add-device' }] } as const;

const prints = (events: Array<{ kind: string }>) => events.filter((e): e is { kind: 'debug.print'; text: string } => e.kind === 'debug.print').map((e) => e.text);

const TIMER_GLOBALS = `
static VOID TimerFn(PVOID s1, PVOID ctx, PVOID s2, PVOID s3) {
    UNREFERENCED_PARAMETER(s1); UNREFERENCED_PARAMETER(s2); UNREFERENCED_PARAMETER(s3);
    ((PADAPTER)ctx)->Fired++;
    NdisSetEvent(&((PADAPTER)ctx)->Event);
}
static NDIS_STATUS MakeTimer(void) {
    NDIS_TIMER_CHARACTERISTICS tc;
    NdisZeroMemory(&tc, sizeof(tc));
    tc.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    tc.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    tc.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    tc.AllocationTag = 'rmiT';
    tc.TimerFunction = TimerFn;
    tc.FunctionContext = &Adapter;
    return NdisAllocateTimerObject(Adapter.Handle, &tc, &Adapter.Timer);
}
static VOID WorkFn(PVOID ctx, NDIS_HANDLE item) {
    UNREFERENCED_PARAMETER(item);
    NdisSetEvent(&((PADAPTER)ctx)->Event);
}
`;

describe('NDIS spin locks', () => {
  it('acquire raises to DISPATCH_LEVEL and release restores the saved IRQL; balanced use is clean', async () => {
    const source = miniport({
      fields: LOCK,
      init: 'NdisAllocateSpinLock(&Adapter.Lock);',
      restart: `{ KIRQL inside, outside;
        NdisAcquireSpinLock(&Adapter.Lock);
        inside = KeGetCurrentIrql();
        NdisReleaseSpinLock(&Adapter.Lock);
        outside = KeGetCurrentIrql();
        DbgPrint("in=%d out=%d\\n", inside, outside); }`,
      halt: 'NdisFreeSpinLock(&Adapter.Lock);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['in=2 out=0\n']);
  });

  it('LOCK-DISCIPLINE: acquiring a lock this CPU holds deadlocks, reported at the second acquire', async () => {
    const source = miniport({
      fields: LOCK,
      init: 'NdisAllocateSpinLock(&Adapter.Lock);',
      restart: `NdisAcquireSpinLock(&Adapter.Lock); /* FIRST */
        NdisAcquireSpinLock(&Adapter.Lock); /* SECOND */
        NdisReleaseSpinLock(&Adapter.Lock);`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(source, 'SECOND') });
    expect(run.result.findings[0]!.message).toContain(`acquired at driver.c:${lineOf(source, 'FIRST')}`);
    expect(run.result.bugcheck).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(source, 'SECOND') });
  });

  it('LOCK-DISCIPLINE: releasing a lock that is not held, and using one never allocated', async () => {
    const unheld = miniport({ fields: LOCK, init: 'NdisAllocateSpinLock(&Adapter.Lock);', restart: 'NdisDprReleaseSpinLock(&Adapter.Lock); /* BAD */' });
    const a = await runDriverSource({ 'driver.c': unheld }, { scenario: lifecycle() });
    // The Dpr release at PASSIVE_LEVEL is also an IRQL violation; the unheld lock is reported at the same line.
    expect(a.result.findings.map((f) => f.rule)).toEqual(['IRQL-TABLE', 'LOCK-DISCIPLINE']);
    expect(a.result.findings[1]).toMatchObject({ line: lineOf(unheld, 'BAD') });
    expect(a.result.findings[1]!.message).toContain('not held');
    const never = miniport({ fields: LOCK, restart: 'NdisAcquireSpinLock(&Adapter.Lock); /* BAD */ NdisReleaseSpinLock(&Adapter.Lock);' });
    const b = await runDriverSource({ 'driver.c': never }, { scenario: lifecycle() });
    expect(b.result.findings[0]).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(never, 'BAD') });
    expect(b.result.findings[0]!.message).toContain('NdisAllocateSpinLock');
  });

  it('LOCK-DISCIPLINE: a handler that returns holding a lock is reported at the line that acquired it', async () => {
    const source = miniport({ fields: LOCK, init: 'NdisAllocateSpinLock(&Adapter.Lock);', restart: 'NdisAcquireSpinLock(&Adapter.Lock); /* TAKE */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(source, 'TAKE') });
    expect(run.result.findings[0]!.message).toContain('MiniportRestart returned to NDIS still holding');
  });

  it('IRQL-TABLE: NdisDprAcquireSpinLock below DISPATCH_LEVEL; the clean variant raises first', async () => {
    const bad = miniport({ fields: LOCK, init: 'NdisAllocateSpinLock(&Adapter.Lock);', restart: 'NdisDprAcquireSpinLock(&Adapter.Lock); /* DPR */ NdisDprReleaseSpinLock(&Adapter.Lock);' });
    const run = await runDriverSource({ 'driver.c': bad }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'IRQL-TABLE', line: lineOf(bad, 'DPR') });
    const good = miniport({
      fields: LOCK,
      init: 'NdisAllocateSpinLock(&Adapter.Lock);',
      restart: '{ KIRQL old; KeRaiseIrql(DISPATCH_LEVEL, &old); NdisDprAcquireSpinLock(&Adapter.Lock); NdisDprReleaseSpinLock(&Adapter.Lock); KeLowerIrql(old); }',
    });
    expect((await runDriverSource({ 'driver.c': good }, { scenario: lifecycle() })).result.result).toBe('clean');
  });

  it('RW locks: read and write acquisitions save and restore the IRQL; a second write acquisition deadlocks', async () => {
    const fields = 'PNDIS_RW_LOCK_EX Rw;';
    const good = miniport({
      fields,
      init: 'Adapter.Rw = NdisAllocateRWLock(MiniportAdapterHandle); if (Adapter.Rw == NULL) return NDIS_STATUS_RESOURCES;',
      restart: `{ LOCK_STATE_EX a, b; KIRQL irql;
        NdisAcquireRWLockRead(Adapter.Rw, &a, 0); NdisAcquireRWLockRead(Adapter.Rw, &b, 0);
        irql = KeGetCurrentIrql();
        NdisReleaseRWLock(Adapter.Rw, &b); NdisReleaseRWLock(Adapter.Rw, &a);
        NdisAcquireRWLockWrite(Adapter.Rw, &a, 0); NdisReleaseRWLock(Adapter.Rw, &a);
        DbgPrint("%d %d", irql, KeGetCurrentIrql()); }`,
      halt: 'NdisFreeRWLock(Adapter.Rw);',
    });
    const a = await runDriverSource({ 'driver.c': good }, { scenario: lifecycle() });
    expect(a.result.result).toBe('clean');
    expect(prints(a.events)).toEqual(['2 0']);
    const bad = good.replace('NdisAcquireRWLockRead(Adapter.Rw, &b, 0);', 'NdisAcquireRWLockWrite(Adapter.Rw, &b, 0); /* DEADLOCK */');
    const b = await runDriverSource({ 'driver.c': bad }, { scenario: lifecycle() });
    expect(b.result.bugcheck).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(bad, 'DEADLOCK') });
  });
});

describe('NDIS events, sleeping and stalling', () => {
  it('NdisWaitEvent in MiniportInitializeEx is satisfied by a work item that runs while the wait is on the stack', async () => {
    const source = miniport({
      fields: LOCK,
      globals: TIMER_GLOBALS,
      init: `{ BOOLEAN ok;
        NdisInitializeEvent(&Adapter.Event);
        Adapter.WorkItem = NdisAllocateIoWorkItem(MiniportAdapterHandle);
        if (Adapter.WorkItem == NULL) return NDIS_STATUS_RESOURCES;
        NdisQueueIoWorkItem(Adapter.WorkItem, WorkFn, &Adapter);
        ok = NdisWaitEvent(&Adapter.Event, 0);
        DbgPrint("waited=%d", ok); }`,
      halt: 'NdisFreeIoWorkItem(Adapter.WorkItem);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['waited=1']);
    const order = run.events.filter((e) => e.kind === 'driver.callback' && e.phase === 'enter').map((e) => (e as { handler: string }).handler);
    expect(order.slice(0, 3)).toEqual(['DriverEntry', 'MiniportInitializeEx', 'IoWorkItemRoutine']);
  });

  it('NdisWaitEvent is satisfied by a timer after its due time, and times out with FALSE when nothing sets it', async () => {
    const source = miniport({
      fields: LOCK,
      globals: TIMER_GLOBALS,
      init: `{ BOOLEAN ok; LARGE_INTEGER due, t0, t1;
        NdisInitializeEvent(&Adapter.Event);
        if (MakeTimer() != NDIS_STATUS_SUCCESS) return NDIS_STATUS_RESOURCES;
        due.QuadPart = -5 * 10000; /* 5 ms, relative */
        NdisGetCurrentSystemTime(&t0);
        NdisSetTimerObject(Adapter.Timer, due, 0, NULL);
        ok = NdisWaitEvent(&Adapter.Event, 0);
        NdisGetCurrentSystemTime(&t1);
        DbgPrint("ok=%d after=%I64d", ok, t1.QuadPart - t0.QuadPart);
        NdisResetEvent(&Adapter.Event);
        ok = NdisWaitEvent(&Adapter.Event, 20);
        NdisGetCurrentSystemTime(&t0);
        DbgPrint("ok=%d after=%I64d", ok, t0.QuadPart - t1.QuadPart); }`,
      halt: 'NdisFreeTimerObject(Adapter.Timer);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['ok=1 after=50000', 'ok=0 after=200000']);
  });

  it('WAIT-FOREVER: an infinite wait nothing can satisfy stops at the wait', async () => {
    const source = miniport({ fields: LOCK, init: 'NdisInitializeEvent(&Adapter.Event); NdisWaitEvent(&Adapter.Event, 0); /* WAIT */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'WAIT-FOREVER', line: lineOf(source, 'WAIT') });
    expect(run.result.bugcheck!.message).toContain('no timer, DPC or work item');
  });

  it('IRQL-WAITEVENT: NdisWaitEvent at DISPATCH_LEVEL is bug check 0x7C/0x14 with the IRQL', async () => {
    const source = miniport({
      fields: LOCK,
      init: `NdisAllocateSpinLock(&Adapter.Lock); NdisInitializeEvent(&Adapter.Event); NdisSetEvent(&Adapter.Event);
        NdisAcquireSpinLock(&Adapter.Lock);
        NdisWaitEvent(&Adapter.Event, 10); /* WAIT */
        NdisReleaseSpinLock(&Adapter.Lock);`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'IRQL-WAITEVENT', line: lineOf(source, 'WAIT') });
    expect(run.result.bugcheck!.params.slice(0, 2)).toEqual(['0x00000014', '0x00000002']);
  });

  it('NdisMSleep lets virtual time pass and a timer fire during the sleep', async () => {
    const source = miniport({
      fields: LOCK,
      globals: TIMER_GLOBALS,
      init: `{ LARGE_INTEGER due; NdisInitializeEvent(&Adapter.Event);
        if (MakeTimer() != NDIS_STATUS_SUCCESS) return NDIS_STATUS_RESOURCES;
        due.QuadPart = -10000; NdisSetTimerObject(Adapter.Timer, due, 0, NULL);
        DbgPrint("before=%d", Adapter.Fired);
        NdisMSleep(2000);
        DbgPrint("after=%d", Adapter.Fired); }`,
      halt: 'NdisFreeTimerObject(Adapter.Timer);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['before=0', 'after=1']);
  });

  it('STALL-50US: stalling more than 50 µs is a warning at the call; 50 µs is fine', async () => {
    const source = miniport({ init: 'NdisStallExecution(50); NdisStallExecution(51); /* LONG */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings).toHaveLength(1);
    expect(run.result.findings[0]).toMatchObject({ rule: 'STALL-50US', severity: 'warn', line: lineOf(source, 'LONG') });
  });
});
