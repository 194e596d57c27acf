import { hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, irqlName, PASSIVE_LEVEL } from '../kernel/irql';
import type { TimerHandle } from '../kernel/scheduler';
import type { Session } from '../session/session';
import { adapters, addAdapterChecks, type Adapter } from './adapter';
import { args, defineImports } from './imports';
import { allocateDriverBlock, describeSite, releaseDriverBlock, shortSite } from './memory';
import { K } from './status';
import { checkLocksReleased } from './sync';

/**
 * NDIS timer objects (NdisAllocateTimerObject & co.). A timer object is a block of the driver's
 * pool tagged with the characteristics' AllocationTag, so a timer object never freed shows up in
 * the leak checks with the line that allocated it. Expiry queues a DPC; the DPC calls the driver's
 * NDIS_TIMER_FUNCTION at DISPATCH_LEVEL. A periodic timer is re-armed at expiry, one period after
 * the time it was due.
 */

type Site = { file: string; line: number } | undefined;

interface TimerObject {
  handle: number;
  function: number;
  context: number;
  tag: number;
  /** The adapter whose handle allocated the timer (undefined for a driver-handle timer). */
  adapter: number | undefined;
  allocatedAt: Site;
  setAt?: Site;
  entry?: TimerHandle;
  periodMs: number;
  /** The context of the last NdisSetTimerObject. */
  setContext: number;
  freed: boolean;
  fired: number;
}

function timers(session: Session): Map<number, TimerObject> {
  return session.state('timers', () => new Map<number, TimerObject>());
}

function timerOf(session: Session, api: string, handle: number): TimerObject {
  const timer = timers(session).get(handle);
  if (!timer || timer.freed) {
    session.labStop(
      'TIMER-HANDLE',
      `${api}(${hex(handle)}): ${timer ? `the timer object (allocated at ${describeSite(timer.allocatedAt)}) was freed with NdisFreeTimerObject` : 'not a timer object from NdisAllocateTimerObject — did NdisAllocateTimerObject fail?'}`,
    );
  }
  return timer;
}

function isQueued(session: Session, timer: TimerObject): boolean {
  return timer.entry !== undefined && session.kernel.scheduler.isQueued(timer.entry);
}

function arm(session: Session, timer: TimerObject, due: number): void {
  timer.entry = session.kernel.scheduler.at(due, {
    label: `NDIS timer ${hex(timer.handle)}`,
    run: () => expire(session, timer, due),
    // The periodic timers of the lab's driver below a binding (its watchdog) run for as long as it does.
    ...(session.options.lower && timer.periodMs > 0 ? { background: true } : {}),
  });
}

/** The timer is due: a periodic timer is queued again, and the timer's DPC is queued. */
function expire(session: Session, timer: TimerObject, due: number): void {
  if (timer.periodMs > 0) arm(session, timer, due + timer.periodMs * TICKS_PER_MILLISECOND);
  const context = timer.setContext;
  session.kernel.queueDpc({
    label: `NDIS timer ${hex(timer.handle)} DPC`,
    run: () => {
      if (timer.freed) {
        session.violation(
          'TMR-CANCEL-RACE',
          `the timer (allocated at ${describeSite(timer.allocatedAt)}) expired, but its object was freed before its callback could run: wait for a callback that NdisCancelTimerObject could not stop (it returned FALSE) before freeing`,
          timer.allocatedAt ? { site: timer.allocatedAt } : {},
        );
        return;
      }
      timer.fired++;
      session.callDriver('TimerFunction', timer.function, [0, context, 0, 0], DISPATCH_LEVEL, timer.adapter);
      checkLocksReleased(session);
    },
  });
}

function queuedTimersOf(session: Session, adapter: Adapter): TimerObject[] {
  return [...timers(session).values()].filter((t) => !t.freed && t.adapter === adapter.handle && isQueued(session, t));
}

function describeTimers(list: TimerObject[]): string {
  return list.map((t) => `the timer allocated at ${describeSite(t.allocatedAt)}, set at ${describeSite(t.setAt)}${t.periodMs > 0 ? ` (periodic, ${t.periodMs} ms)` : ''}`).join('; ');
}

addAdapterChecks({
  afterInitFailure(session, adapter) {
    const queued = queuedTimersOf(session, adapter);
    const first = queued[0];
    if (first) {
      session.violation('INIT-FAIL-TIMER', `MiniportInitializeEx failed with ${queued.length} timer(s) still queued: ${describeTimers(queued)}; cancel them with NdisCancelTimerObject before failing`, {
        params: [adapter.handle, first.handle, 0],
        ...(first.setAt ? { site: first.setAt } : {}),
      });
    }
  },
  afterHalt(session, adapter) {
    const queued = queuedTimersOf(session, adapter);
    const first = queued[0];
    if (first) {
      session.violation('HALT-TIMER', `MiniportHaltEx returned with ${queued.length} timer(s) still queued: ${describeTimers(queued)}; cancel them with NdisCancelTimerObject before returning`, {
        params: [adapter.handle, first.handle, 0],
        ...(first.setAt ? { site: first.setAt } : {}),
      });
    }
  },
});

defineImports([
  {
    name: 'NdisAllocateTimerObject',
    args: args('NdisHandle:handle', 'TimerCharacteristics:ptr', 'pTimerObject:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [handle, chars, out]) {
      const m = session.memory;
      const type = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'Header.Type');
      const revision = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'Header.Revision');
      const size = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'Header.Size');
      const fn = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'TimerFunction');
      const problem =
        type !== K.NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS
          ? `Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS (${hex(K.NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS)})`
          : revision !== K.NDIS_TIMER_CHARACTERISTICS_REVISION_1
            ? `Header.Revision is ${revision}, not NDIS_TIMER_CHARACTERISTICS_REVISION_1`
            : size < K.NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1
              ? `Header.Size is ${size}, smaller than NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 (${K.NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1})`
              : fn === 0
                ? 'TimerFunction is NULL'
                : undefined;
      if (problem) {
        session.violation('INIT-TIMER-CHARS', `NdisAllocateTimerObject: ${problem}`);
        return K.NDIS_STATUS_BAD_CHARACTERISTICS;
      }
      const tag = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'AllocationTag');
      const address = allocateDriverBlock(session, 'NdisAllocateTimerObject', 64, tag, 'timer', handle || undefined);
      if (address === 0) return K.NDIS_STATUS_RESOURCES;
      const context = m.field('NDIS_TIMER_CHARACTERISTICS', chars!, 'FunctionContext');
      const adapter = adapters(session).has(handle!) ? handle! : undefined;
      timers(session).set(address, {
        handle: address,
        function: fn,
        context,
        tag,
        adapter,
        allocatedAt: shortSite(session.site()),
        periodMs: 0,
        setContext: context,
        freed: false,
        fired: 0,
      });
      m.setU32(out!, address);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisSetTimerObject',
    args: args('TimerObject:handle', 'DueTime:ptr', 'MillisecondsPeriod:i32', 'FunctionContext:ptr'),
    result: 'bool',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, dueTimePointer, period, context]) {
      checkLocksReleased(session);
      const timer = timerOf(session, 'NdisSetTimerObject', handle!);
      // LARGE_INTEGER by value: the import receives a pointer to the caller's copy.
      const dueTime = session.memory.i64(dueTimePointer!);
      const now = session.now;
      const due = dueTime < 0n ? now + Number(-dueTime) : Math.max(now, Number(dueTime - session.kernel.clock.systemTime()) + now);
      const wasQueued = isQueued(session, timer);
      if (wasQueued) session.kernel.scheduler.cancel(timer.entry!);
      timer.periodMs = Math.max(0, period! | 0);
      timer.setContext = context !== 0 ? context! : timer.context;
      timer.setAt = shortSite(session.site());
      arm(session, timer, due);
      return wasQueued ? 1 : 0;
    },
  },
  {
    name: 'NdisCancelTimerObject',
    args: args('TimerObject:handle'),
    result: 'bool',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle]) {
      checkLocksReleased(session);
      const timer = timerOf(session, 'NdisCancelTimerObject', handle!);
      if (timer.periodMs > 0 && session.irql !== PASSIVE_LEVEL) {
        session.violation('TMR-PERIODIC-IRQL', `NdisCancelTimerObject on a periodic timer (set at ${describeSite(timer.setAt)}) at ${irqlName(session.irql)}; a periodic timer is cancelled at PASSIVE_LEVEL`);
      }
      const wasQueued = isQueued(session, timer);
      if (wasQueued) session.kernel.scheduler.cancel(timer.entry!);
      timer.periodMs = 0;
      return wasQueued ? 1 : 0;
    },
  },
  {
    name: 'NdisFreeTimerObject',
    args: args('TimerObject:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle]) {
      const timer = timerOf(session, 'NdisFreeTimerObject', handle!);
      if (isQueued(session, timer)) {
        session.violation(
          'TMR-CANCEL-RACE',
          `NdisFreeTimerObject(${hex(handle!)}): the timer set at ${describeSite(timer.setAt)} is still queued; cancel it with NdisCancelTimerObject (and wait for a callback that may be running) before freeing it`,
        );
        session.kernel.scheduler.cancel(timer.entry!);
      }
      timer.freed = true;
      releaseDriverBlock(session, handle!, 'timer');
    },
  },
]);

/** How many times each timer's callback has run (for tests and the timeline). */
export function timerFirings(session: Session): Array<{ handle: number; fired: number }> {
  return [...timers(session).values()].map((t) => ({ handle: t.handle, fired: t.fired }));
}
