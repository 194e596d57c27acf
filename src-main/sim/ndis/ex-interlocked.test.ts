import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { lifecycle, miniport } from './family-test-driver';

const FIELDS = 'KSPIN_LOCK Lock; LIST_ENTRY Head; LIST_ENTRY E[3]; SINGLE_LIST_ENTRY SHead; SINGLE_LIST_ENTRY S[2]; ULONG Count; LARGE_INTEGER Big;';
const INIT_ONLY = { steps: [{ step: 'load' }, { step: 'add-device' }] } as const;

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

describe('Ex interlocked helpers', () => {
  it('insert head/tail and remove head on a LIST_ENTRY, push/pop on a SINGLE_LIST_ENTRY, add to counters', async () => {
    const source = miniport({
      fields: FIELDS,
      init: `{ PLIST_ENTRY r0, r1, r2, x0, x1, x2, x3; PSINGLE_LIST_ENTRY p0, p1, q0, q1, q2; ULONG old;
        KeInitializeSpinLock(&Adapter.Lock);
        InitializeListHead(&Adapter.Head);
        r0 = ExInterlockedInsertTailList(&Adapter.Head, &Adapter.E[0], &Adapter.Lock);
        r1 = ExInterlockedInsertTailList(&Adapter.Head, &Adapter.E[1], &Adapter.Lock);
        r2 = ExInterlockedInsertHeadList(&Adapter.Head, &Adapter.E[2], &Adapter.Lock);
        x0 = ExInterlockedRemoveHeadList(&Adapter.Head, &Adapter.Lock);
        x1 = ExInterlockedRemoveHeadList(&Adapter.Head, &Adapter.Lock);
        x2 = ExInterlockedRemoveHeadList(&Adapter.Head, &Adapter.Lock);
        x3 = ExInterlockedRemoveHeadList(&Adapter.Head, &Adapter.Lock);
        DbgPrint("list %d %d %d | %d %d %d %d | empty=%d", r0 == NULL, r1 == &Adapter.E[0], r2 == &Adapter.E[0],
            x0 == &Adapter.E[2], x1 == &Adapter.E[0], x2 == &Adapter.E[1], x3 == NULL, IsListEmpty(&Adapter.Head));
        Adapter.SHead.Next = NULL;
        p0 = ExInterlockedPushEntryList(&Adapter.SHead, &Adapter.S[0], &Adapter.Lock);
        p1 = ExInterlockedPushEntryList(&Adapter.SHead, &Adapter.S[1], &Adapter.Lock);
        q0 = ExInterlockedPopEntryList(&Adapter.SHead, &Adapter.Lock);
        q1 = ExInterlockedPopEntryList(&Adapter.SHead, &Adapter.Lock);
        q2 = ExInterlockedPopEntryList(&Adapter.SHead, &Adapter.Lock);
        DbgPrint("single %d %d | %d %d %d", p0 == NULL, p1 == &Adapter.S[0], q0 == &Adapter.S[1], q1 == &Adapter.S[0], q2 == NULL);
        Adapter.Count = 40;
        old = ExInterlockedAddUlong(&Adapter.Count, 2, &Adapter.Lock);
        Adapter.Big.QuadPart = 0xFFFFFFFFLL;
        ExInterlockedAddLargeStatistic(&Adapter.Big, 1);
        DbgPrint("add %u %u %I64x irql=%d", old, Adapter.Count, Adapter.Big.QuadPart, KeGetCurrentIrql()); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['list 1 1 1 | 1 1 1 1 | empty=1', 'single 1 1 | 1 1 1', 'add 40 42 100000000 irql=0']);
  });

  it('LOCK-DISCIPLINE: an interlocked operation while this CPU holds its spin lock spins forever', async () => {
    const source = miniport({
      fields: FIELDS,
      init: `{ KIRQL old;
        KeInitializeSpinLock(&Adapter.Lock);
        InitializeListHead(&Adapter.Head);
        KeAcquireSpinLock(&Adapter.Lock, &old);
        ExInterlockedInsertTailList(&Adapter.Head, &Adapter.E[0], &Adapter.Lock); /* DEADLOCK */
        KeReleaseSpinLock(&Adapter.Lock, old); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'LOCK-DISCIPLINE', line: lineOf(source, 'DEADLOCK') });
  });

  it('LIST-UNINITIALIZED: a list head never initialized stops at the call', async () => {
    const source = miniport({
      fields: FIELDS,
      init: 'KeInitializeSpinLock(&Adapter.Lock); ExInterlockedInsertHeadList(&Adapter.Head, &Adapter.E[0], &Adapter.Lock); /* USE */',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ rule: 'LIST-UNINITIALIZED', line: lineOf(source, 'USE') });
  });
});
