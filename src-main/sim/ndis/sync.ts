import { BugCheck, hex } from '../kernel/bugcheck';
import { TICKS_PER_MICROSECOND, TICKS_PER_MILLISECOND } from '../kernel/clock';
import { APC_LEVEL, DISPATCH_LEVEL, HIGH_LEVEL, irqlName, PASSIVE_LEVEL } from '../kernel/irql';
import type { CallbackFrame, Session } from '../session/session';
import { addAdapterChecks } from './adapter';
import { args, defineImports } from './imports';
import { allocateDriverBlock, describeSite, releaseDriverBlock, shortSite } from './memory';
import { K } from './status';

/**
 * Spin locks (NDIS and Ke), NDIS_RW_LOCK_EX, IRQL, NDIS events, sleeping and stalling, on the one
 * simulated CPU. Lock state is kept by the address of the lock in the driver's memory. On one CPU
 * acquiring a lock the CPU already holds spins forever: the lab reports LOCK-DISCIPLINE and stops.
 * A lock still held when the handler that took it has returned to NDIS is reported the next time
 * the simulator looks (the next lock, wait or timer call, a timer or work item returning, pause,
 * halt, or a failed initialization), naming the line that acquired it.
 */

type Site = { file: string; line: number } | undefined;

interface SpinLockState {
  kind: 'ndis' | 'ke';
  allocated: boolean;
  freed: boolean;
  held: boolean;
  /** How the holder acquired it: NdisAcquireSpinLock / NdisDprAcquireSpinLock / KeAcquire…. */
  acquiredWith?: string;
  acquiredAt?: Site;
  /** The driver callback that acquired it; when it is no longer running, it returned holding the lock. */
  frame?: CallbackFrame | undefined;
  allocatedAt?: Site;
}

interface RwLockState {
  allocatedAt: Site;
  readers: number;
  writer: boolean;
}

interface RwAcquisition {
  lock: number;
  mode: 'read' | 'write';
  at: Site;
  frame: CallbackFrame | undefined;
}

interface EventState {
  signaled: boolean;
  initializedAt: Site;
}

interface SyncState {
  spinLocks: Map<number, SpinLockState>;
  rwLocks: Map<number, RwLockState>;
  /** RW lock acquisitions by the address of their LOCK_STATE_EX. */
  rwHeld: Map<number, RwAcquisition>;
  events: Map<number, EventState>;
}

function syncState(session: Session): SyncState {
  return session.state('sync', () => ({ spinLocks: new Map(), rwLocks: new Map(), rwHeld: new Map(), events: new Map() }));
}

function here(session: Session): Site {
  return shortSite(session.site());
}

function running(session: Session, frame: CallbackFrame | undefined): boolean {
  return frame === undefined || session.callbacks.includes(frame);
}

/**
 * Reports every lock whose acquiring callback has returned to NDIS while still holding it
 * (SDV SpinLockBalanced / SpinLock). Each lock is reported once and then treated as released.
 */
export function checkLocksReleased(session: Session): void {
  const state = syncState(session);
  for (const [address, lock] of state.spinLocks) {
    if (!lock.held || running(session, lock.frame)) continue;
    lock.held = false;
    session.violation(
      'LOCK-DISCIPLINE',
      `${lock.frame!.handler} returned to NDIS still holding the spin lock at ${hex(address)}, acquired with ${lock.acquiredWith} at ${describeSite(lock.acquiredAt)}; release every lock before returning`,
      lock.acquiredAt ? { site: lock.acquiredAt } : {},
    );
  }
  for (const [stateAddress, held] of state.rwHeld) {
    if (running(session, held.frame)) continue;
    state.rwHeld.delete(stateAddress);
    const rw = state.rwLocks.get(held.lock);
    if (rw) {
      if (held.mode === 'write') rw.writer = false;
      else rw.readers = Math.max(0, rw.readers - 1);
    }
    session.violation(
      'LOCK-DISCIPLINE',
      `${held.frame!.handler} returned to NDIS still holding the RW lock at ${hex(held.lock)} for ${held.mode}, acquired at ${describeSite(held.at)}; call NdisReleaseRWLock before returning`,
      held.at ? { site: held.at } : {},
    );
  }
}

/** Spin locks currently held (for diagnostics of other families). */
export function heldLocks(session: Session): Array<{ address: number; at: Site }> {
  return [...syncState(session).spinLocks].filter(([, l]) => l.held).map(([address, l]) => ({ address, at: l.acquiredAt }));
}

/**
 * Families that know why a thread can hang (a wait nobody can satisfy, a lock this CPU holds) in
 * their context report their own rule first, e.g. a virtual MiniportInitializeEx running inside
 * the driver's own NdisIMInitializeDeviceInstanceEx call (IM-REENTRANT-INIT).
 */
type HangExplainer = (session: Session, what: string) => void;
const hangExplainers: HangExplainer[] = [];

export function addHangExplainer(explainer: HangExplainer): void {
  hangExplainers.push(explainer);
}

export function explainHang(session: Session, what: string): void {
  for (const explainer of hangExplainers) explainer(session, what);
}

function deadlock(session: Session, api: string, address: number, what: string, at: Site): never {
  const message = `${api}(${hex(address)}): this CPU already holds the ${what} (acquired at ${describeSite(at)}); acquiring it again spins forever`;
  explainHang(session, `${api}(${hex(address)}) spins on a ${what} this CPU already holds (acquired at ${describeSite(at)})`);
  session.violation('LOCK-DISCIPLINE', message);
  session.labStop('LOCK-DISCIPLINE', message);
}

function spinLockFor(session: Session, api: string, address: number, kind: SpinLockState['kind']): SpinLockState | undefined {
  const locks = syncState(session).spinLocks;
  let lock = locks.get(address);
  if (kind === 'ke' && !lock) {
    // KeInitializeSpinLock is inline (it only zeroes the lock), so a KSPIN_LOCK is usable at any address.
    lock = { kind: 'ke', allocated: true, freed: false, held: false };
    locks.set(address, lock);
  }
  if (!lock || !lock.allocated) {
    session.violation('LOCK-DISCIPLINE', `${api}(${hex(address)}): the spin lock was never set up with NdisAllocateSpinLock`);
    return undefined;
  }
  if (lock.freed) {
    session.violation('LOCK-DISCIPLINE', `${api}(${hex(address)}): the spin lock was freed with NdisFreeSpinLock; allocate it again before use`);
    return undefined;
  }
  return lock;
}

function acquireSpin(session: Session, api: string, address: number, kind: SpinLockState['kind']): SpinLockState | undefined {
  checkLocksReleased(session);
  const lock = spinLockFor(session, api, address, kind);
  if (!lock) return undefined;
  if (lock.held) deadlock(session, api, address, 'spin lock', lock.acquiredAt);
  lock.held = true;
  lock.acquiredWith = api;
  lock.acquiredAt = here(session);
  lock.frame = session.currentCallback;
  return lock;
}

/** Marks the lock released; false (after reporting) when it was not held. */
function releaseSpin(session: Session, api: string, address: number, kind: SpinLockState['kind'], pairs: readonly string[]): boolean {
  checkLocksReleased(session);
  const lock = spinLockFor(session, api, address, kind);
  if (!lock) return false;
  if (!lock.held) {
    session.violation('LOCK-DISCIPLINE', `${api}(${hex(address)}): the spin lock is not held; release only a lock you acquired`);
    return false;
  }
  if (!pairs.includes(lock.acquiredWith ?? '')) {
    session.violation('LOCK-DISCIPLINE', `${api}(${hex(address)}): the lock was acquired with ${lock.acquiredWith} at ${describeSite(lock.acquiredAt)}; release it with the matching routine (${pairs.join(' / ')} pairs with it)`);
  }
  lock.held = false;
  lock.frame = undefined;
  return true;
}

function lowerTo(session: Session, api: string, irql: number): void {
  if (irql > session.irql) session.labStop('IRQL-LOWER', `${api}: cannot lower the IRQL from ${irqlName(session.irql)} to ${irqlName(irql)}, which is higher`);
  session.kernel.setIrql(irql);
}

function eventOf(session: Session, api: string, address: number): EventState {
  const event = syncState(session).events.get(address);
  if (!event) session.labStop('EVENT-UNINITIALIZED', `${api}(${hex(address)}): the event was never initialized with NdisInitializeEvent`);
  return event;
}

function setSignal(session: Session, address: number, event: EventState, signaled: boolean): void {
  event.signaled = signaled;
  session.memory.setU32(address + session.memory.offsetOf('NDIS_EVENT', 'Event.Header.SignalState'), signaled ? 1 : 0);
}

addAdapterChecks({
  afterInitFailure: (session) => checkLocksReleased(session),
  afterHalt: (session) => checkLocksReleased(session),
  beforePauseComplete: (session) => checkLocksReleased(session),
});

const OLD_IRQL = (session: Session, lock: number) => lock + session.memory.offsetOf('NDIS_SPIN_LOCK', 'OldIrql');

defineImports([
  // ---- NDIS spin locks ---------------------------------------------------------------------
  {
    name: 'NdisAllocateSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    maxIrql: HIGH_LEVEL,
    impl(session, [address]) {
      const locks = syncState(session).spinLocks;
      const existing = locks.get(address!);
      if (existing?.held) {
        session.violation('LOCK-DISCIPLINE', `NdisAllocateSpinLock(${hex(address!)}): the lock is held (acquired at ${describeSite(existing.acquiredAt)}); initializing it again loses that state`);
      }
      session.memory.fill(address!, session.memory.sizeOf('NDIS_SPIN_LOCK'), 0);
      locks.set(address!, { kind: 'ndis', allocated: true, freed: false, held: false, allocatedAt: here(session) });
    },
  },
  {
    name: 'NdisFreeSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    maxIrql: HIGH_LEVEL,
    impl(session, [address]) {
      const lock = spinLockFor(session, 'NdisFreeSpinLock', address!, 'ndis');
      if (!lock) return;
      if (lock.held) session.violation('LOCK-DISCIPLINE', `NdisFreeSpinLock(${hex(address!)}): the lock is still held (acquired at ${describeSite(lock.acquiredAt)})`);
      lock.freed = true;
      lock.held = false;
    },
  },
  {
    name: 'NdisAcquireSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      if (!acquireSpin(session, 'NdisAcquireSpinLock', address!, 'ndis')) return;
      const old = session.kernel.setIrql(DISPATCH_LEVEL);
      session.memory.setU8(OLD_IRQL(session, address!), old);
    },
  },
  {
    name: 'NdisReleaseSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    impl(session, [address]) {
      if (!releaseSpin(session, 'NdisReleaseSpinLock', address!, 'ndis', ['NdisAcquireSpinLock'])) return;
      // As NDIS does: back to the IRQL saved in the lock's OldIrql.
      lowerTo(session, 'NdisReleaseSpinLock', session.memory.u8(OLD_IRQL(session, address!)));
    },
  },
  {
    name: 'NdisDprAcquireSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      acquireSpin(session, 'NdisDprAcquireSpinLock', address!, 'ndis');
    },
  },
  {
    name: 'NdisDprReleaseSpinLock',
    args: args('SpinLock:ptr'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      releaseSpin(session, 'NdisDprReleaseSpinLock', address!, 'ndis', ['NdisDprAcquireSpinLock']);
    },
  },
  // ---- Kernel spin locks and IRQL ------------------------------------------------------------
  {
    name: 'KeAcquireSpinLockRaiseToDpc',
    args: args('SpinLock:ptr'),
    result: 'irql',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      acquireSpin(session, 'KeAcquireSpinLockRaiseToDpc', address!, 'ke');
      return session.kernel.setIrql(DISPATCH_LEVEL);
    },
  },
  {
    name: 'KeReleaseSpinLock',
    args: args('SpinLock:ptr', 'NewIrql:irql'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [address, newIrql]) {
      releaseSpin(session, 'KeReleaseSpinLock', address!, 'ke', ['KeAcquireSpinLockRaiseToDpc']);
      lowerTo(session, 'KeReleaseSpinLock', newIrql! & 0xff);
    },
  },
  {
    name: 'KeAcquireSpinLockAtDpcLevel',
    args: args('SpinLock:ptr'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      acquireSpin(session, 'KeAcquireSpinLockAtDpcLevel', address!, 'ke');
    },
  },
  {
    name: 'KeReleaseSpinLockFromDpcLevel',
    args: args('SpinLock:ptr'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      releaseSpin(session, 'KeReleaseSpinLockFromDpcLevel', address!, 'ke', ['KeAcquireSpinLockAtDpcLevel']);
    },
  },
  {
    name: 'KeGetCurrentIrql',
    args: args(),
    result: 'irql',
    maxIrql: HIGH_LEVEL,
    impl: (session) => session.irql,
  },
  {
    name: 'KfRaiseIrql',
    args: args('NewIrql:irql'),
    result: 'irql',
    impl(session, [newIrql]) {
      const target = newIrql! & 0xff;
      if (target < session.irql) {
        throw new BugCheck(0x09, [session.irql, target, 0, 0], `KeRaiseIrql(${irqlName(target)}) at ${irqlName(session.irql)}: the new IRQL is lower than the current one (IRQL_NOT_GREATER_OR_EQUAL)`, 'IRQL-RAISE', session.site());
      }
      return session.kernel.setIrql(target);
    },
  },
  {
    name: 'KeRaiseIrqlToDpcLevel',
    args: args(),
    result: 'irql',
    maxIrql: DISPATCH_LEVEL,
    impl: (session) => session.kernel.setIrql(DISPATCH_LEVEL),
  },
  {
    name: 'KeLowerIrql',
    args: args('NewIrql:irql'),
    result: 'void',
    impl(session, [newIrql]) {
      checkLocksReleased(session);
      lowerTo(session, 'KeLowerIrql', newIrql! & 0xff);
    },
  },
  // ---- NDIS_RW_LOCK_EX ---------------------------------------------------------------------
  {
    name: 'NdisAllocateRWLock',
    args: args('NdisHandle:handle'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [handle]) {
      const address = allocateDriverBlock(session, 'NdisAllocateRWLock', 16, 0x6b4c5752 /* 'RWLk' */, 'rw-lock', handle || undefined);
      if (address !== 0) syncState(session).rwLocks.set(address, { allocatedAt: here(session), readers: 0, writer: false });
      return address;
    },
  },
  {
    name: 'NdisFreeRWLock',
    args: args('Lock:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      const rw = syncState(session).rwLocks.get(address!);
      if (!rw) return session.labStop('LOCK-DISCIPLINE', `NdisFreeRWLock(${hex(address!)}): not a lock from NdisAllocateRWLock (or freed already)`);
      if (rw.writer || rw.readers > 0) session.violation('LOCK-DISCIPLINE', `NdisFreeRWLock(${hex(address!)}): the lock is still held (${rw.writer ? 'for write' : `by ${rw.readers} reader(s)`})`);
      syncState(session).rwLocks.delete(address!);
      releaseDriverBlock(session, address!, 'rw-lock');
    },
  },
  ...(['read', 'write'] as const).map((mode) => ({
    name: mode === 'read' ? 'NdisAcquireRWLockRead' : 'NdisAcquireRWLockWrite',
    args: args('Lock:ptr', 'LockState:ptr', 'Flags:hex'),
    result: 'void' as const,
    maxIrql: DISPATCH_LEVEL,
    impl(session: Session, [lock, lockState, flags]: number[]) {
      const api = mode === 'read' ? 'NdisAcquireRWLockRead' : 'NdisAcquireRWLockWrite';
      checkLocksReleased(session);
      const state = syncState(session);
      const rw = state.rwLocks.get(lock!);
      if (!rw) session.labStop('LOCK-DISCIPLINE', `${api}(${hex(lock!)}): not a lock from NdisAllocateRWLock (or freed already)`);
      if ((flags! & K.NDIS_RWL_AT_DISPATCH_LEVEL) !== 0 && session.irql !== DISPATCH_LEVEL) {
        session.violation('IRQL-TABLE', `${api} with NDIS_RWL_AT_DISPATCH_LEVEL at IRQL ${session.irql}; the flag says the caller is at DISPATCH_LEVEL`);
      }
      const holder = [...state.rwHeld.values()].find((h) => h.lock === lock && (mode === 'write' || h.mode === 'write'));
      if (holder) deadlock(session, api, lock!, `RW lock for ${holder.mode}`, holder.at);
      if (state.rwHeld.has(lockState!)) {
        session.violation('LOCK-DISCIPLINE', `${api}: the LOCK_STATE_EX at ${hex(lockState!)} already records a held lock (acquired at ${describeSite(state.rwHeld.get(lockState!)!.at)}); use one LOCK_STATE_EX per acquisition`);
      }
      if (mode === 'write') rw.writer = true;
      else rw.readers++;
      state.rwHeld.set(lockState!, { lock: lock!, mode, at: here(session), frame: session.currentCallback });
      const m = session.memory;
      m.setField('LOCK_STATE_EX', lockState!, 'LockState', mode === 'write' ? 2 : 1);
      m.setField('LOCK_STATE_EX', lockState!, 'Flags', flags! & 0xff);
      m.setField('LOCK_STATE_EX', lockState!, 'OldIrql', session.kernel.setIrql(DISPATCH_LEVEL));
    },
  })),
  {
    name: 'NdisReleaseRWLock',
    args: args('Lock:ptr', 'LockState:ptr'),
    result: 'void',
    impl(session, [lock, lockState]) {
      checkLocksReleased(session);
      const state = syncState(session);
      const held = state.rwHeld.get(lockState!);
      if (!held || held.lock !== lock) {
        session.violation('LOCK-DISCIPLINE', `NdisReleaseRWLock(${hex(lock!)}, ${hex(lockState!)}): this LOCK_STATE_EX does not record an acquisition of this lock; release with the state the acquire filled in`);
        return;
      }
      state.rwHeld.delete(lockState!);
      const rw = state.rwLocks.get(lock!);
      if (rw) {
        if (held.mode === 'write') rw.writer = false;
        else rw.readers = Math.max(0, rw.readers - 1);
      }
      lowerTo(session, 'NdisReleaseRWLock', session.memory.field('LOCK_STATE_EX', lockState!, 'OldIrql'));
    },
  },
  // ---- Events --------------------------------------------------------------------------------
  {
    name: 'NdisInitializeEvent',
    args: args('Event:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      session.memory.fill(address!, session.memory.sizeOf('NDIS_EVENT'), 0);
      const event: EventState = { signaled: false, initializedAt: here(session) };
      syncState(session).events.set(address!, event);
      setSignal(session, address!, event, false);
    },
  },
  {
    name: 'NdisSetEvent',
    args: args('Event:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      setSignal(session, address!, eventOf(session, 'NdisSetEvent', address!), true);
    },
  },
  {
    name: 'NdisResetEvent',
    args: args('Event:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      setSignal(session, address!, eventOf(session, 'NdisResetEvent', address!), false);
    },
  },
  {
    name: 'NdisWaitEvent',
    args: args('Event:ptr', 'MsToWait:u32'),
    result: 'bool',
    impl(session, [address, msToWait]) {
      checkLocksReleased(session);
      if (session.irql !== PASSIVE_LEVEL) {
        session.violation('IRQL-WAITEVENT', `NdisWaitEvent called at ${irqlName(session.irql)}; a thread can wait only at PASSIVE_LEVEL`, { params: [session.irql, 0, 0] });
      }
      const event = eventOf(session, 'NdisWaitEvent', address!);
      if (event.signaled) return 1;
      const ms = msToWait! >>> 0;
      const result = session.kernel.waitUntil(() => event.signaled, ms === 0 ? undefined : ms * TICKS_PER_MILLISECOND);
      if (result.satisfied) return 1;
      if (ms === 0 && result.stuck) {
        explainHang(session, `NdisWaitEvent(${hex(address!)}, 0) waits for an event nothing can set now`);
        session.labStop(
          'WAIT-FOREVER',
          `NdisWaitEvent(${hex(address!)}, 0) waits forever: the event (initialized at ${describeSite(event.initializedAt)}) is not set, and no timer, DPC or work item is pending that could set it`,
        );
      }
      return 0;
    },
  },
  // ---- Sleeping and stalling -------------------------------------------------------------------
  {
    name: 'NdisMSleep',
    args: args('MicrosecondsToSleep:u32'),
    result: 'void',
    maxIrql: APC_LEVEL,
    impl(session, [us]) {
      checkLocksReleased(session);
      session.kernel.advance((us! >>> 0) * TICKS_PER_MICROSECOND);
    },
  },
  {
    name: 'NdisStallExecution',
    args: args('MicrosecondsToStall:u32'),
    result: 'void',
    impl(session, [us]) {
      const micros = us! >>> 0;
      if (micros > 50) {
        session.violation('STALL-50US', `NdisStallExecution(${micros}) busy-waits ${micros} µs; stall at most 50 µs, and use NdisMSleep or a timer for longer delays`);
      }
      // At DISPATCH_LEVEL or above no DPC runs meanwhile: the kernel keeps them queued.
      session.kernel.advance(micros * TICKS_PER_MICROSECOND);
    },
  },
  {
    name: 'KeStallExecutionProcessor',
    args: args('MicroSeconds:u32'),
    result: 'void',
    impl(session, [us]) {
      session.kernel.advance((us! >>> 0) * TICKS_PER_MICROSECOND);
    },
  },
  {
    name: 'KeFlushQueuedDpcs',
    args: args(),
    result: 'void',
    maxIrql: PASSIVE_LEVEL,
    impl(session) {
      session.kernel.runReady();
    },
  },
]);
