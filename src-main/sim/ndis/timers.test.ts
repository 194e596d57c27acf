import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { lifecycle, miniport } from './family-test-driver';

const FIELDS = 'NDIS_HANDLE Timer; LONG Fired;';
const GLOBALS = `
static VOID TimerFn(PVOID s1, PVOID ctx, PVOID s2, PVOID s3) {
    UNREFERENCED_PARAMETER(s1); UNREFERENCED_PARAMETER(s2); UNREFERENCED_PARAMETER(s3);
    ((PADAPTER)ctx)->Fired++;
}
static NDIS_STATUS MakeTimer(USHORT size) {
    NDIS_TIMER_CHARACTERISTICS tc;
    NdisZeroMemory(&tc, sizeof(tc));
    tc.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    tc.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    tc.Header.Size = size;
    tc.AllocationTag = 'rmiT';
    tc.TimerFunction = TimerFn;
    tc.FunctionContext = &Adapter;
    return NdisAllocateTimerObject(Adapter.Handle, &tc, &Adapter.Timer); /* ALLOC */
}
`;
const OK_SIZE = 'NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1';
const INIT = `if (MakeTimer(${OK_SIZE}) != NDIS_STATUS_SUCCESS) return NDIS_STATUS_RESOURCES;`;

describe('NDIS timer objects', () => {
  it('a periodic timer set in MiniportRestart fires at DISPATCH_LEVEL every period during advance-time', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: INIT,
      restart: '{ LARGE_INTEGER due; due.QuadPart = -10 * 10000; NdisSetTimerObject(Adapter.Timer, due, 20, NULL); }',
      pause: 'NdisCancelTimerObject(Adapter.Timer);',
      halt: 'NdisFreeTimerObject(Adapter.Timer);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle(100) });
    expect(run.result.result).toBe('clean');
    const fires = run.events.filter((e) => e.kind === 'driver.callback' && e.handler === 'TimerFunction' && e.phase === 'enter');
    // due 10 ms after restart, then every 20 ms: 10, 30, 50, 70, 90 ms within the 100 ms step.
    const restartAt = run.events.find((e) => e.kind === 'adapter.state' && e.to === 'Running')!.t;
    expect(fires.map((e) => (e.t - restartAt) / 10_000)).toEqual([10, 30, 50, 70, 90]);
    expect(fires.every((e) => (e as { irql: number }).irql === 2)).toBe(true);
    const objects = run.events.filter((e) => e.kind === 'resource' && e.resource === 'timer');
    expect(objects).toMatchObject([{ op: 'alloc', tag: 'Timr' }, { op: 'free' }]);
  });

  it('NdisSetTimerObject returns TRUE when the timer was queued; an absolute due time and the FunctionContext override work', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: `${GLOBALS}
static ADAPTER Other;`,
      init: INIT,
      restart: `{ LARGE_INTEGER due, now; BOOLEAN a, b, c;
        due.QuadPart = -50 * 10000;
        a = NdisSetTimerObject(Adapter.Timer, due, 0, NULL);
        NdisGetCurrentSystemTime(&now); now.QuadPart += 5 * 10000;
        b = NdisSetTimerObject(Adapter.Timer, now, 0, &Other);
        NdisMSleep(10000);
        c = NdisCancelTimerObject(Adapter.Timer);
        DbgPrint("%d %d %d %d %d", a, b, c, Adapter.Fired, Other.Fired); }`,
      halt: 'NdisFreeTimerObject(Adapter.Timer);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(run.events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text)).toEqual(['0 1 0 0 1']);
  });

  it('INIT-TIMER-CHARS: a wrong header size fails the allocation with NDIS_STATUS_BAD_CHARACTERISTICS', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, init: 'if (MakeTimer(4) != NDIS_STATUS_SUCCESS) return NDIS_STATUS_FAILURE;' });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }] } });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-TIMER-CHARS', severity: 'api-fail', line: lineOf(source, 'ALLOC') });
    expect(run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisAllocateTimerObject')).toMatchObject({ result: 'NDIS_STATUS_BAD_CHARACTERISTICS' });
  });

  it('HALT-TIMER: halt returning with a timer queued is bug check 0x7C/0x09, pointing at the set', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: INIT,
      restart: '{ LARGE_INTEGER due; due.QuadPart = -1000 * 10000; NdisSetTimerObject(Adapter.Timer, due, 0, NULL); /* SET */ }',
      halt: '',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'HALT-TIMER', line: lineOf(source, 'SET') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00000009');
  });

  it('INIT-FAIL-TIMER: a failing init with a timer queued is bug check 0x7C/0x0C; cancelling and freeing first is clean', async () => {
    const bad = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: `${INIT} { LARGE_INTEGER due; due.QuadPart = -1000 * 10000; NdisSetTimerObject(Adapter.Timer, due, 0, NULL); /* SET */ }
        return NDIS_STATUS_FAILURE;`,
    });
    const scenario = { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'unload' }] } as const;
    const run = await runDriverSource({ 'driver.c': bad }, { scenario });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'INIT-FAIL-TIMER', line: lineOf(bad, 'SET') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000000C');
    const good = bad.replace('return NDIS_STATUS_FAILURE;', 'NdisCancelTimerObject(Adapter.Timer); NdisFreeTimerObject(Adapter.Timer); return NDIS_STATUS_FAILURE;');
    const clean = await runDriverSource({ 'driver.c': good }, { scenario });
    expect(clean.result.findings.filter((f) => f.severity !== 'warn')).toEqual([]);
    expect(clean.result.bugcheck).toBeNull();
  });

  it('a timer object never freed is an INIT-FAIL-LEAK / HALT-LEAK with its allocation line', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, init: INIT });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK' });
    expect(run.result.findings[0]!.message).toContain(`NdisAllocateTimerObject at driver.c:${lineOf(source, 'ALLOC')}`);
  });

  it('TMR-PERIODIC-IRQL: cancelling a periodic timer at DISPATCH_LEVEL', async () => {
    const source = miniport({
      fields: `${FIELDS} NDIS_SPIN_LOCK Lock;`,
      globals: GLOBALS,
      init: `${INIT} NdisAllocateSpinLock(&Adapter.Lock);`,
      restart: '{ LARGE_INTEGER due; due.QuadPart = -10 * 10000; NdisSetTimerObject(Adapter.Timer, due, 20, NULL); }',
      pause: 'NdisAcquireSpinLock(&Adapter.Lock); NdisCancelTimerObject(Adapter.Timer); /* CANCEL */ NdisReleaseSpinLock(&Adapter.Lock);',
      halt: 'NdisFreeTimerObject(Adapter.Timer);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'TMR-PERIODIC-IRQL', line: lineOf(source, 'CANCEL') });
  });

  it('TMR-CANCEL-RACE: freeing a timer that is still queued', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      init: INIT,
      restart: '{ LARGE_INTEGER due; due.QuadPart = -1000 * 10000; NdisSetTimerObject(Adapter.Timer, due, 0, NULL); }',
      halt: 'NdisFreeTimerObject(Adapter.Timer); /* FREE */',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'TMR-CANCEL-RACE', line: lineOf(source, 'FREE') });
  });
});
