import { hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { APC_LEVEL, DISPATCH_LEVEL, HIGH_LEVEL, irqlName } from '../kernel/irql';
import type { TimerHandle } from '../kernel/scheduler';
import type { Session } from '../session/session';
import { args, defineImports } from './imports';
import { describeSite, shortSite } from './memory';
import { K } from './status';
import { checkLocksReleased, explainHang } from './sync';

/**
 * Kernel dispatcher objects and DPCs the driver keeps in its own memory: KDPC, KTIMER, KEVENT and
 * KMUTEX. Each object is known by its address; using one that was never initialized stops the run
 * naming the call. The signal state lives where the WDK keeps it, in DISPATCHER_HEADER.SignalState
 * of the object, so the driver (and its debugger view) sees what the simulator sees. On the one
 * simulated CPU a wait runs the pending timers, DPCs and work items while the wait is on the stack.
 */

type Site = { file: string; line: number } | undefined;

interface DpcObject {
  routine: number;
  context: number;
  initializedAt: Site;
  /** The queued instance (a KeRemoveQueueDpc makes a queued job a no-op). */
  queued: symbol | undefined;
}

type DispatcherKind = 'event' | 'mutex' | 'timer';

interface DispatcherObject {
  kind: DispatcherKind;
  /** Synchronization events and timers reset when a wait is satisfied. */
  synchronization: boolean;
  initializedAt: Site;
  /** A timer's queue entry. */
  entry?: TimerHandle;
  periodMs?: number;
  setAt?: Site;
}

interface KeState {
  dpcs: Map<number, DpcObject>;
  objects: Map<number, DispatcherObject>;
}

function keState(session: Session): KeState {
  return session.state('ke-objects', () => ({ dpcs: new Map(), objects: new Map() }));
}

function here(session: Session): Site {
  return shortSite(session.site());
}

const KIND_NAMES: Record<DispatcherKind, { type: string; init: string }> = {
  event: { type: 'KEVENT', init: 'KeInitializeEvent' },
  mutex: { type: 'KMUTEX', init: 'KeInitializeMutex' },
  timer: { type: 'KTIMER', init: 'KeInitializeTimer or KeInitializeTimerEx' },
};

function objectOf(session: Session, api: string, address: number, kinds: readonly DispatcherKind[]): DispatcherObject {
  const object = keState(session).objects.get(address);
  if (!object || !kinds.includes(object.kind)) {
    const what = kinds.map((k) => KIND_NAMES[k].type).join(' or ');
    const init = kinds.map((k) => KIND_NAMES[k].init).join(', ');
    session.labStop(
      'KE-UNINITIALIZED',
      object
        ? `${api}(${hex(address)}): the object at this address is a ${KIND_NAMES[object.kind].type} (initialized at ${describeSite(object.initializedAt)}), not a ${what}`
        : `${api}(${hex(address)}): the ${what} was never initialized (call ${init} first)`,
    );
  }
  return object;
}

function dpcOf(session: Session, api: string, address: number): DpcObject {
  const dpc = keState(session).dpcs.get(address);
  if (!dpc) session.labStop('KE-UNINITIALIZED', `${api}(${hex(address)}): the KDPC was never initialized (call KeInitializeDpc first)`);
  return dpc;
}

function signalOffset(session: Session): number {
  return session.memory.offsetOf('DISPATCHER_HEADER', 'SignalState');
}

function signalState(session: Session, address: number): number {
  return session.memory.i32(address + signalOffset(session));
}

function setSignalState(session: Session, address: number, value: number): void {
  session.memory.setU32(address + signalOffset(session), value >>> 0);
}

/** Fills a DISPATCHER_HEADER: no lock, the signal state, an empty wait list. */
function initHeader(session: Session, address: number, signal: number): void {
  const m = session.memory;
  m.fill(address, m.sizeOf('DISPATCHER_HEADER'), 0);
  setSignalState(session, address, signal);
  const waitList = address + m.offsetOf('DISPATCHER_HEADER', 'WaitListHead');
  m.setU32(waitList + m.offsetOf('LIST_ENTRY', 'Flink'), waitList);
  m.setU32(waitList + m.offsetOf('LIST_ENTRY', 'Blink'), waitList);
}

/** Queues the DPC unless it is queued already; the routine runs at DISPATCH_LEVEL. */
function insertDpc(session: Session, address: number, dpc: DpcObject, arg1: number, arg2: number): boolean {
  if (dpc.queued) return false;
  const token = Symbol('dpc');
  dpc.queued = token;
  const m = session.memory;
  m.setField('KDPC', address, 'SystemArgument1', arg1);
  m.setField('KDPC', address, 'SystemArgument2', arg2);
  session.kernel.queueDpc({
    label: `KDPC ${hex(address)}`,
    run: () => {
      if (dpc.queued !== token) return;
      dpc.queued = undefined;
      session.callDriver('DeferredRoutine', dpc.routine, [address, dpc.context, arg1, arg2], DISPATCH_LEVEL);
      checkLocksReleased(session);
    },
  });
  return true;
}

/** A by-value or pointed-to LARGE_INTEGER due time (negative relative, positive absolute) as an absolute tick. */
function dueTick(session: Session, value: bigint): number {
  const now = session.now;
  if (value < 0n) return now + Number(-value);
  return Math.max(now, Number(value - session.kernel.clock.systemTime()) + now);
}

function isTimerQueued(session: Session, timer: DispatcherObject): boolean {
  return timer.entry !== undefined && session.kernel.scheduler.isQueued(timer.entry);
}

function armTimer(session: Session, address: number, timer: DispatcherObject, due: number, dpcAddress: number): void {
  timer.entry = session.kernel.scheduler.at(due, {
    label: `KTIMER ${hex(address)}`,
    run: () => {
      // The timer is signaled at expiry; a periodic timer is queued again one period after it was due.
      setSignalState(session, address, 1);
      if ((timer.periodMs ?? 0) > 0) armTimer(session, address, timer, due + timer.periodMs! * TICKS_PER_MILLISECOND, dpcAddress);
      if (dpcAddress !== 0) {
        const dpc = keState(session).dpcs.get(dpcAddress);
        if (!dpc) {
          session.labStop('KE-UNINITIALIZED', `the KTIMER at ${hex(address)} (set at ${describeSite(timer.setAt)}) expired with a KDPC at ${hex(dpcAddress)} that was never initialized with KeInitializeDpc`, timer.setAt);
        }
        const time = session.kernel.clock.systemTime();
        insertDpc(session, dpcAddress, dpc, Number(time & 0xffffffffn), Number((time >> 32n) & 0xffffffffn));
      }
    },
  });
}

function setTimer(session: Session, api: string, address: number, duePointer: number, periodMs: number, dpcAddress: number): number {
  const timer = objectOf(session, api, address, ['timer']);
  if (dpcAddress !== 0) dpcOf(session, api, dpcAddress);
  if (periodMs < 0) session.labStop('KE-TIMER-PERIOD', `${api}(${hex(address)}): Period ${periodMs} is negative; give the period in milliseconds, 0 for a one-shot timer`);
  const m = session.memory;
  const wasQueued = isTimerQueued(session, timer);
  if (wasQueued) session.kernel.scheduler.cancel(timer.entry!);
  const due = dueTick(session, m.i64(duePointer));
  setSignalState(session, address, 0);
  timer.periodMs = periodMs;
  timer.setAt = here(session);
  m.setU64(address + m.offsetOf('KTIMER', 'DueTime'), BigInt(due));
  m.setField('KTIMER', address, 'Dpc', dpcAddress);
  m.setField('KTIMER', address, 'Period', periodMs);
  armTimer(session, address, timer, due, dpcAddress);
  return wasQueued ? 1 : 0;
}

/** True when a wait on the object would be satisfied now. */
function signaled(session: Session, address: number, object: DispatcherObject): boolean {
  // On the one simulated thread a mutex is always available to its waiter: it is free, or already
  // owned by this thread (a mutex may be acquired recursively).
  if (object.kind === 'mutex') return true;
  return signalState(session, address) > 0;
}

/** The side effect of a satisfied wait: synchronization objects reset, a mutex is owned once more. */
function satisfy(session: Session, address: number, object: DispatcherObject): void {
  if (object.kind === 'mutex') setSignalState(session, address, signalState(session, address) - 1);
  else if (object.synchronization) setSignalState(session, address, 0);
}

defineImports([
  // ---- DPCs ---------------------------------------------------------------------------------------
  {
    name: 'KeInitializeDpc',
    args: args('Dpc:ptr', 'DeferredRoutine:ptr', 'DeferredContext:ptr'),
    result: 'void',
    impl(session, [address, routine, context]) {
      const m = session.memory;
      const existing = keState(session).dpcs.get(address!);
      if (existing?.queued) session.labStop('KE-DPC-QUEUED', `KeInitializeDpc(${hex(address!)}): the DPC is queued; initializing it again corrupts the DPC queue`);
      m.fill(address!, m.sizeOf('KDPC'), 0);
      m.setField('KDPC', address!, 'DeferredRoutine', routine!);
      m.setField('KDPC', address!, 'DeferredContext', context!);
      keState(session).dpcs.set(address!, { routine: routine!, context: context!, initializedAt: here(session), queued: undefined });
    },
  },
  {
    name: 'KeInsertQueueDpc',
    args: args('Dpc:ptr', 'SystemArgument1:ptr', 'SystemArgument2:ptr'),
    result: 'bool',
    maxIrql: HIGH_LEVEL, // an ISR queues its DPC
    impl(session, [address, arg1, arg2]) {
      return insertDpc(session, address!, dpcOf(session, 'KeInsertQueueDpc', address!), arg1!, arg2!) ? 1 : 0;
    },
  },
  {
    name: 'KeRemoveQueueDpc',
    args: args('Dpc:ptr'),
    result: 'bool',
    maxIrql: HIGH_LEVEL,
    impl(session, [address]) {
      const dpc = dpcOf(session, 'KeRemoveQueueDpc', address!);
      if (!dpc.queued) return 0;
      dpc.queued = undefined;
      return 1;
    },
  },
  // ---- Timers --------------------------------------------------------------------------------------
  ...(['KeInitializeTimer', 'KeInitializeTimerEx'] as const).map((name) => ({
    name,
    args: name === 'KeInitializeTimer' ? args('Timer:ptr') : args('Timer:ptr', 'Type:u32'),
    result: 'void' as const,
    maxIrql: DISPATCH_LEVEL,
    impl(session: Session, [address, type]: number[]) {
      const existing = keState(session).objects.get(address!);
      if (existing?.kind === 'timer' && isTimerQueued(session, existing)) {
        session.labStop('KE-TIMER-QUEUED', `${name}(${hex(address!)}): the timer is set (at ${describeSite(existing.setAt)}); cancel it with KeCancelTimer before initializing it again`);
      }
      const m = session.memory;
      m.fill(address!, m.sizeOf('KTIMER'), 0);
      initHeader(session, address!, 0);
      keState(session).objects.set(address!, { kind: 'timer', synchronization: name === 'KeInitializeTimerEx' && type === 1, initializedAt: here(session) });
    },
  })),
  {
    name: 'KeSetTimer',
    args: args('Timer:ptr', 'DueTime:ptr', 'Dpc:ptr'),
    result: 'bool',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [address, due, dpc]) => setTimer(session, 'KeSetTimer', address!, due!, 0, dpc!),
  },
  {
    name: 'KeSetTimerEx',
    args: args('Timer:ptr', 'DueTime:ptr', 'Period:i32', 'Dpc:ptr'),
    result: 'bool',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [address, due, period, dpc]) => setTimer(session, 'KeSetTimerEx', address!, due!, period! | 0, dpc!),
  },
  {
    name: 'KeCancelTimer',
    args: args('Timer:ptr'),
    result: 'bool',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      const timer = objectOf(session, 'KeCancelTimer', address!, ['timer']);
      const wasQueued = isTimerQueued(session, timer);
      if (wasQueued) session.kernel.scheduler.cancel(timer.entry!);
      timer.periodMs = 0;
      return wasQueued ? 1 : 0;
    },
  },
  // ---- Events -------------------------------------------------------------------------------------
  {
    name: 'KeInitializeEvent',
    args: args('Event:ptr', 'Type:u32', 'State:bool'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, type, state]) {
      if (type !== 0 && type !== 1) session.labStop('KE-EVENT-TYPE', `KeInitializeEvent(${hex(address!)}, ${type}): Type must be NotificationEvent (0) or SynchronizationEvent (1)`);
      initHeader(session, address!, (state! & 0xff) !== 0 ? 1 : 0);
      keState(session).objects.set(address!, { kind: 'event', synchronization: type === 1, initializedAt: here(session) });
    },
  },
  {
    name: 'KeSetEvent',
    args: args('Event:ptr', 'Increment:i32', 'Wait:bool'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      objectOf(session, 'KeSetEvent', address!, ['event']);
      const previous = signalState(session, address!);
      setSignalState(session, address!, 1);
      return previous;
    },
  },
  {
    name: 'KeResetEvent',
    args: args('Event:ptr'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      objectOf(session, 'KeResetEvent', address!, ['event']);
      const previous = signalState(session, address!);
      setSignalState(session, address!, 0);
      return previous;
    },
  },
  {
    name: 'KeClearEvent',
    args: args('Event:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      objectOf(session, 'KeClearEvent', address!, ['event']);
      setSignalState(session, address!, 0);
    },
  },
  {
    name: 'KeReadStateEvent',
    args: args('Event:ptr'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      objectOf(session, 'KeReadStateEvent', address!, ['event']);
      return signalState(session, address!);
    },
  },
  // ---- Mutexes ------------------------------------------------------------------------------------
  {
    name: 'KeInitializeMutex',
    args: args('Mutex:ptr', 'Level:u32'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      const m = session.memory;
      m.fill(address!, m.sizeOf('KMUTEX'), 0);
      initHeader(session, address!, 1);
      keState(session).objects.set(address!, { kind: 'mutex', synchronization: true, initializedAt: here(session) });
    },
  },
  {
    name: 'KeReleaseMutex',
    args: args('Mutex:ptr', 'Wait:bool'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      objectOf(session, 'KeReleaseMutex', address!, ['mutex']);
      const previous = signalState(session, address!);
      if (previous > 0) {
        session.labStop('KE-MUTEX-NOT-OWNED', `KeReleaseMutex(${hex(address!)}): the mutex is not owned; release only a mutex you acquired with KeWaitForSingleObject`);
      }
      setSignalState(session, address!, previous + 1);
      return previous;
    },
  },
  // ---- Waiting ------------------------------------------------------------------------------------
  {
    name: 'KeWaitForSingleObject',
    args: args('Object:ptr', 'WaitReason:u32', 'WaitMode:u32', 'Alertable:bool', 'Timeout:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, , , , timeoutPointer]) {
      const object = objectOf(session, 'KeWaitForSingleObject', address!, ['event', 'mutex', 'timer']);
      const timeout = timeoutPointer === 0 ? undefined : session.memory.i64(timeoutPointer!);
      // A zero timeout only tests the state and may be used up to DISPATCH_LEVEL; a real wait needs ≤ APC_LEVEL.
      if (timeout !== 0n && session.irql > APC_LEVEL) {
        session.violation(
          'IRQL-TABLE',
          `KeWaitForSingleObject with ${timeout === undefined ? 'no timeout (NULL)' : 'a nonzero timeout'} at ${irqlName(session.irql)}; a thread can wait only at IRQL <= APC_LEVEL (at DISPATCH_LEVEL only with a zero timeout)`,
          { params: [session.irql, 0, 0] },
        );
        return K.STATUS_TIMEOUT;
      }
      checkLocksReleased(session);
      if (signaled(session, address!, object)) {
        satisfy(session, address!, object);
        return K.STATUS_SUCCESS;
      }
      if (timeout === 0n) return K.STATUS_TIMEOUT;
      const ticks = timeout === undefined ? undefined : Math.max(0, dueTick(session, timeout) - session.now);
      const result = session.kernel.waitUntil(() => signaled(session, address!, object), ticks);
      if (result.satisfied) {
        satisfy(session, address!, object);
        return K.STATUS_SUCCESS;
      }
      if (timeout === undefined) {
        explainHang(session, `KeWaitForSingleObject(${hex(address!)}) waits for an object nothing can signal now`);
        session.labStop(
          'WAIT-FOREVER',
          `KeWaitForSingleObject(${hex(address!)}, no timeout) waits forever: the ${KIND_NAMES[object.kind].type} (initialized at ${describeSite(object.initializedAt)}) is not signaled, and no timer, DPC or work item is pending that could signal it`,
        );
      }
      return K.STATUS_TIMEOUT;
    },
  },
  {
    name: 'KeDelayExecutionThread',
    args: args('WaitMode:u32', 'Alertable:bool', 'Interval:ptr'),
    result: 'status',
    maxIrql: APC_LEVEL,
    impl(session, [, , intervalPointer]) {
      checkLocksReleased(session);
      const target = dueTick(session, session.memory.i64(intervalPointer!));
      session.kernel.advanceTo(target);
      return K.STATUS_SUCCESS;
    },
  },
]);
