import { BugCheck, hex } from '../kernel/bugcheck';
import { HIGH_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { args, defineImports, importSpecs, runNullDereferenceChecks } from './imports';

/**
 * The Ex interlocked list and counter helpers. Each one takes the caller's KSPIN_LOCK for the
 * duration of the operation, through the same spin-lock tracking as KeAcquireSpinLock (sync.ts):
 * calling one while this CPU already holds the lock spins forever and is reported as such. The
 * lists are the driver's LIST_ENTRY / SINGLE_LIST_ENTRY structures, changed in its memory.
 */

/** Runs `operation` with the spin lock held, as the kernel routine does; the IRQL is restored afterwards. */
function underLock<T>(session: Session, lock: number, operation: () => T): T {
  const specs = importSpecs();
  const old = specs.get('KeAcquireSpinLockRaiseToDpc')!.impl(session, [lock]) as number;
  try {
    return operation();
  } finally {
    specs.get('KeReleaseSpinLock')!.impl(session, [lock, old]);
  }
}

function checkPointer(session: Session, api: string, name: string, address: number): void {
  if (address === 0) {
    // The kernel dereferences the pointer: a NULL list head or entry faults like the driver's own NULL access.
    runNullDereferenceChecks(session);
    throw new BugCheck(0x50, [0, 0, 0, 0], `${api}: ${name} is NULL`, 'UB-NULL', session.site());
  }
}

function flink(session: Session, entry: number): number {
  return session.memory.field('LIST_ENTRY', entry, 'Flink');
}
function blink(session: Session, entry: number): number {
  return session.memory.field('LIST_ENTRY', entry, 'Blink');
}
function setFlink(session: Session, entry: number, value: number): void {
  session.memory.setField('LIST_ENTRY', entry, 'Flink', value);
}
function setBlink(session: Session, entry: number, value: number): void {
  session.memory.setField('LIST_ENTRY', entry, 'Blink', value);
}

function checkHead(session: Session, api: string, head: number): void {
  // A head that was never set up with InitializeListHead has NULL links: the list walk faults.
  if (flink(session, head) === 0 || blink(session, head) === 0) {
    session.labStop('LIST-UNINITIALIZED', `${api}(${hex(head)}): the list head has a NULL link; initialize it with InitializeListHead first`);
  }
}

defineImports([
  {
    name: 'ExInterlockedInsertHeadList',
    args: args('ListHead:ptr', 'ListEntry:ptr', 'Lock:ptr'),
    result: 'ptr',
    maxIrql: HIGH_LEVEL,
    impl(session, [head, entry, lock]) {
      checkPointer(session, 'ExInterlockedInsertHeadList', 'ListHead', head!);
      checkPointer(session, 'ExInterlockedInsertHeadList', 'ListEntry', entry!);
      return underLock(session, lock!, () => {
        checkHead(session, 'ExInterlockedInsertHeadList', head!);
        const first = flink(session, head!);
        setFlink(session, entry!, first);
        setBlink(session, entry!, head!);
        setBlink(session, first, entry!);
        setFlink(session, head!, entry!);
        return first === head ? 0 : first;
      });
    },
  },
  {
    name: 'ExInterlockedInsertTailList',
    args: args('ListHead:ptr', 'ListEntry:ptr', 'Lock:ptr'),
    result: 'ptr',
    maxIrql: HIGH_LEVEL,
    impl(session, [head, entry, lock]) {
      checkPointer(session, 'ExInterlockedInsertTailList', 'ListHead', head!);
      checkPointer(session, 'ExInterlockedInsertTailList', 'ListEntry', entry!);
      return underLock(session, lock!, () => {
        checkHead(session, 'ExInterlockedInsertTailList', head!);
        // The routine returns the entry that was at the head of the list before the insertion.
        const first = flink(session, head!);
        const last = blink(session, head!);
        setFlink(session, entry!, head!);
        setBlink(session, entry!, last);
        setFlink(session, last, entry!);
        setBlink(session, head!, entry!);
        return first === head ? 0 : first;
      });
    },
  },
  {
    name: 'ExInterlockedRemoveHeadList',
    args: args('ListHead:ptr', 'Lock:ptr'),
    result: 'ptr',
    maxIrql: HIGH_LEVEL,
    impl(session, [head, lock]) {
      checkPointer(session, 'ExInterlockedRemoveHeadList', 'ListHead', head!);
      return underLock(session, lock!, () => {
        checkHead(session, 'ExInterlockedRemoveHeadList', head!);
        const first = flink(session, head!);
        if (first === head) return 0;
        const next = flink(session, first);
        setFlink(session, head!, next);
        setBlink(session, next, head!);
        return first;
      });
    },
  },
  {
    name: 'ExInterlockedPushEntryList',
    args: args('ListHead:ptr', 'ListEntry:ptr', 'Lock:ptr'),
    result: 'ptr',
    maxIrql: HIGH_LEVEL,
    impl(session, [head, entry, lock]) {
      checkPointer(session, 'ExInterlockedPushEntryList', 'ListHead', head!);
      checkPointer(session, 'ExInterlockedPushEntryList', 'ListEntry', entry!);
      return underLock(session, lock!, () => {
        const m = session.memory;
        const first = m.field('SINGLE_LIST_ENTRY', head!, 'Next');
        m.setField('SINGLE_LIST_ENTRY', entry!, 'Next', first);
        m.setField('SINGLE_LIST_ENTRY', head!, 'Next', entry!);
        return first;
      });
    },
  },
  {
    name: 'ExInterlockedPopEntryList',
    args: args('ListHead:ptr', 'Lock:ptr'),
    result: 'ptr',
    maxIrql: HIGH_LEVEL,
    impl(session, [head, lock]) {
      checkPointer(session, 'ExInterlockedPopEntryList', 'ListHead', head!);
      return underLock(session, lock!, () => {
        const m = session.memory;
        const first = m.field('SINGLE_LIST_ENTRY', head!, 'Next');
        if (first !== 0) m.setField('SINGLE_LIST_ENTRY', head!, 'Next', m.field('SINGLE_LIST_ENTRY', first, 'Next'));
        return first;
      });
    },
  },
  {
    name: 'ExInterlockedAddUlong',
    args: args('Addend:ptr', 'Increment:u32', 'Lock:ptr'),
    result: 'u32',
    maxIrql: HIGH_LEVEL,
    impl(session, [addend, increment, lock]) {
      checkPointer(session, 'ExInterlockedAddUlong', 'Addend', addend!);
      return underLock(session, lock!, () => {
        const old = session.memory.u32(addend!);
        session.memory.setU32(addend!, (old + (increment! >>> 0)) >>> 0);
        return old;
      });
    },
  },
  {
    name: 'ExInterlockedAddLargeStatistic',
    args: args('Addend:ptr', 'Increment:u32'),
    result: 'void',
    maxIrql: HIGH_LEVEL,
    impl(session, [addend, increment]) {
      checkPointer(session, 'ExInterlockedAddLargeStatistic', 'Addend', addend!);
      const m = session.memory;
      m.setU64(addend!, (m.u64(addend!) + BigInt(increment! >>> 0)) & 0xffffffffffffffffn);
    },
  },
]);
