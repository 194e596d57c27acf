import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { lifecycle, miniport } from './family-test-driver';

const FIELDS = 'KDPC Dpc; KTIMER Timer; KEVENT Event; KMUTEX Mutex; LONG Ran; PVOID A1; PVOID A2; KIRQL Irql; BOOLEAN DpcOk;';
const GLOBALS = `
static VOID DpcRoutine(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2) {
    PADAPTER a = (PADAPTER)Context;
    a->Ran++; a->A1 = A1; a->A2 = A2; a->Irql = KeGetCurrentIrql(); a->DpcOk = (Dpc == &a->Dpc);
}
static VOID SetEventDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2) {
    UNREFERENCED_PARAMETER(Dpc); UNREFERENCED_PARAMETER(A1); UNREFERENCED_PARAMETER(A2);
    KeSetEvent(&((PADAPTER)Context)->Event, 0, FALSE);
}
static ULONG Ms(ULONGLONG from) { return (ULONG)((KeQueryInterruptTime() - from) / 10000); }
`;
const INIT_ONLY = { steps: [{ step: 'load' }, { step: 'add-device' }] } as const;

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

describe('KDPC and KTIMER', () => {
  it('a timer queues its DPC, which runs the deferred routine at DISPATCH_LEVEL with its context', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      restart: `{ LARGE_INTEGER due; BOOLEAN q;
        KeInitializeDpc(&Adapter.Dpc, DpcRoutine, &Adapter);
        KeInitializeTimer(&Adapter.Timer);
        due.QuadPart = -10 * 10000;
        q = KeSetTimer(&Adapter.Timer, due, &Adapter.Dpc);
        DbgPrint("set %d", q); }`,
      pause: 'DbgPrint("ran=%d irql=%d ok=%d cancel=%d", Adapter.Ran, Adapter.Irql, Adapter.DpcOk, KeCancelTimer(&Adapter.Timer));',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle(50) });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['set 0', 'ran=1 irql=2 ok=1 cancel=0']);
    const calls = run.events.filter((e) => e.kind === 'driver.callback' && e.handler === 'DeferredRoutine' && e.phase === 'enter');
    expect(calls).toHaveLength(1);
    const restartAt = run.events.find((e) => e.kind === 'adapter.state' && e.to === 'Running')!.t;
    expect((calls[0]!.t - restartAt) / 10_000).toBe(10);
  });

  it('KeSetTimerEx with a period fires every period; KeSetTimer on a queued timer returns TRUE', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      restart: `{ LARGE_INTEGER due; BOOLEAN a, b;
        KeInitializeDpc(&Adapter.Dpc, DpcRoutine, &Adapter);
        KeInitializeTimerEx(&Adapter.Timer, NotificationTimer);
        due.QuadPart = -1000 * 10000;
        a = KeSetTimer(&Adapter.Timer, due, &Adapter.Dpc);
        due.QuadPart = -10 * 10000;
        b = KeSetTimerEx(&Adapter.Timer, due, 20, &Adapter.Dpc);
        DbgPrint("%d %d", a, b); }`,
      pause: 'DbgPrint("ran=%d cancel=%d", Adapter.Ran, KeCancelTimer(&Adapter.Timer));',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle(100) });
    expect(run.result.result).toBe('clean');
    // due 10 ms after restart, then every 20 ms: 10, 30, 50, 70, 90 ms.
    expect(prints(run.events)).toEqual(['0 1', 'ran=5 cancel=1']);
  });

  it('KeInsertQueueDpc passes the system arguments, refuses a DPC already queued; KeRemoveQueueDpc dequeues it', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      restart: `{ BOOLEAN a, b, r1, r2, c;
        KeInitializeDpc(&Adapter.Dpc, DpcRoutine, &Adapter);
        a = KeInsertQueueDpc(&Adapter.Dpc, (PVOID)0x11, (PVOID)0x22);
        b = KeInsertQueueDpc(&Adapter.Dpc, (PVOID)0x33, (PVOID)0x44);
        r1 = KeRemoveQueueDpc(&Adapter.Dpc);
        r2 = KeRemoveQueueDpc(&Adapter.Dpc);
        c = KeInsertQueueDpc(&Adapter.Dpc, (PVOID)0x55, (PVOID)0x66);
        DbgPrint("%d %d %d %d %d ran=%d", a, b, r1, r2, c, Adapter.Ran); }`,
      pause: 'DbgPrint("ran=%d a1=%p a2=%p irql=%d", Adapter.Ran, Adapter.A1, Adapter.A2, Adapter.Irql);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    const [first, second] = prints(run.events);
    expect(first).toBe('1 0 1 0 1 ran=0');
    expect(second).toMatch(/^ran=1 a1=(0x)?0*55 a2=(0x)?0*66 irql=2$/i);
  });

  it('KE-UNINITIALIZED: queuing a DPC never initialized stops at its line', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, init: 'KeInsertQueueDpc(&Adapter.Dpc, NULL, NULL); /* USE */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'KE-UNINITIALIZED', line: lineOf(source, 'USE') });
    expect(run.result.bugcheck!.message).toContain('KeInitializeDpc');
  });
});

describe('KEVENT, KMUTEX and waits', () => {
  it('KeWaitForSingleObject is satisfied by a timer DPC that sets the event while the wait is on the stack', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `{ LARGE_INTEGER due; NTSTATUS s; ULONGLONG t0 = KeQueryInterruptTime();
        KeInitializeEvent(&Adapter.Event, NotificationEvent, FALSE);
        KeInitializeDpc(&Adapter.Dpc, SetEventDpc, &Adapter);
        KeInitializeTimer(&Adapter.Timer);
        due.QuadPart = -5 * 10000;
        KeSetTimer(&Adapter.Timer, due, &Adapter.Dpc);
        s = KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, NULL);
        DbgPrint("status=%x after=%u state=%d", s, Ms(t0), KeReadStateEvent(&Adapter.Event)); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['status=0 after=5 state=1']);
    const dpc = run.events.find((e) => e.kind === 'driver.callback' && e.handler === 'DeferredRoutine');
    const initExit = run.events.find((e) => e.kind === 'driver.callback' && e.handler === 'MiniportInitializeEx' && e.phase === 'exit');
    expect(run.events.indexOf(dpc!)).toBeLessThan(run.events.indexOf(initExit!));
  });

  it('a wait times out with STATUS_TIMEOUT after its relative timeout; KeDelayExecutionThread lets time pass', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `{ LARGE_INTEGER timeout; NTSTATUS s, d; ULONGLONG t0 = KeQueryInterruptTime(); ULONG w;
        KeInitializeEvent(&Adapter.Event, NotificationEvent, FALSE);
        timeout.QuadPart = -20 * 10000;
        s = KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, &timeout);
        w = Ms(t0);
        timeout.QuadPart = -3 * 10000;
        d = KeDelayExecutionThread(KernelMode, FALSE, &timeout);
        DbgPrint("status=%x after=%u delay=%x total=%u", s, w, d, Ms(t0)); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['status=102 after=20 delay=0 total=23']);
  });

  it('a synchronization event resets when a wait is satisfied; a notification event stays signaled; KeSetEvent/KeResetEvent return the previous state', async () => {
    const source = miniport({
      fields: `${FIELDS} KEVENT Note;`,
      globals: GLOBALS,
      init: `{ LARGE_INTEGER zero; NTSTATUS s1, s2, n1, n2; LONG p1, p2, r1;
        zero.QuadPart = 0;
        KeInitializeEvent(&Adapter.Event, SynchronizationEvent, TRUE);
        s1 = KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, &zero);
        s2 = KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, &zero);
        KeInitializeEvent(&Adapter.Note, NotificationEvent, FALSE);
        p1 = KeSetEvent(&Adapter.Note, 0, FALSE);
        p2 = KeSetEvent(&Adapter.Note, 0, FALSE);
        n1 = KeWaitForSingleObject(&Adapter.Note, Executive, KernelMode, FALSE, &zero);
        n2 = KeWaitForSingleObject(&Adapter.Note, Executive, KernelMode, FALSE, &zero);
        r1 = KeResetEvent(&Adapter.Note);
        KeClearEvent(&Adapter.Note);
        DbgPrint("%x %x %d %d %x %x %d %d %d", s1, s2, p1, p2, n1, n2, r1, KeReadStateEvent(&Adapter.Note), Adapter.Event.Header.SignalState); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['0 102 0 1 0 0 1 0 0']);
  });

  it('a mutex is acquired by a wait and released by KeReleaseMutex; releasing it again stops the run', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `{ NTSTATUS s; LONG r;
        KeInitializeMutex(&Adapter.Mutex, 0);
        s = KeWaitForSingleObject(&Adapter.Mutex, Executive, KernelMode, FALSE, NULL);
        DbgPrint("wait=%x held=%d", s, Adapter.Mutex.Header.SignalState);
        r = KeReleaseMutex(&Adapter.Mutex, FALSE);
        DbgPrint("release=%d free=%d", r, Adapter.Mutex.Header.SignalState);
        KeReleaseMutex(&Adapter.Mutex, FALSE); /* AGAIN */ }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(prints(run.events)).toEqual(['wait=0 held=0', 'release=0 free=1']);
    expect(run.result.bugcheck).toMatchObject({ rule: 'KE-MUTEX-NOT-OWNED', line: lineOf(source, 'AGAIN') });
  });

  it('WAIT-FOREVER: a wait with no timeout that nothing can satisfy stops at the wait', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: 'KeInitializeEvent(&Adapter.Event, NotificationEvent, FALSE); KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, NULL); /* WAIT */',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'WAIT-FOREVER', line: lineOf(source, 'WAIT') });
    expect(run.result.bugcheck!.message).toContain('KEVENT');
  });

  it('KE-UNINITIALIZED: setting an event never initialized stops at its line', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, init: 'KeSetEvent(&Adapter.Event, 0, FALSE); /* USE */' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'KE-UNINITIALIZED', line: lineOf(source, 'USE') });
    expect(run.result.bugcheck!.message).toContain('KeInitializeEvent');
  });

  it('IRQL-TABLE: an unbounded wait at DISPATCH_LEVEL is refused; a zero-timeout test there is allowed', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `{ KIRQL old; LARGE_INTEGER zero; NTSTATUS s; zero.QuadPart = 0;
        KeInitializeEvent(&Adapter.Event, NotificationEvent, TRUE);
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        s = KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, &zero);
        DbgPrint("zero=%x", s);
        KeWaitForSingleObject(&Adapter.Event, Executive, KernelMode, FALSE, NULL); /* WAIT */
        KeLowerIrql(old); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(prints(run.events)).toEqual(['zero=0']);
    const finding = run.result.findings.find((f) => f.rule === 'IRQL-TABLE');
    const reported = finding ?? run.result.bugcheck;
    expect(reported).toMatchObject({ rule: 'IRQL-TABLE', line: lineOf(source, 'WAIT') });
  });
});
