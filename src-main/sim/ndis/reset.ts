import { BugCheck, hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND, TICKS_PER_SECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import type { TimerHandle } from '../kernel/scheduler';
import { siteFields, type Session } from '../session/session';
import { adapterOf, addAdapterChecks, haltAdapter, pauseAdapter, readyForRemoval, type Adapter } from './adapter';
import { hexStatus } from './driver';
import { args, defineImports } from './imports';
import { issueInitialOids } from './oid';
import { K } from './status';
import { checkLocksReleased } from './sync';

/**
 * Check for hang and reset (network/miniport-adapter-check-for-hang-and-reset-operations), and
 * NdisMRemoveMiniport.
 *
 * Once MiniportInitializeEx has succeeded, NDIS calls MiniportCheckForHangEx at PASSIVE_LEVEL every
 * CheckForHangTimeInSeconds (0 means the 2-second default; NDIS works in multiples of 2 seconds)
 * while the adapter is Running or Paused, from a job re-armed each period and stopped by the halt.
 * (The calls while the adapter is still Initializing are adapter.ts's.) A TRUE answer makes NDIS
 * call MiniportResetEx (at DISPATCH_LEVEL, the highest level its documentation allows), which
 * completes at once or returns NDIS_STATUS_PENDING and later calls NdisMResetComplete exactly once.
 * After a reset that reports AddressingReset TRUE, NDIS sets the packet filter and multicast list
 * again. Reset does not change the adapter's state, and no check for hang is made while a reset
 * is in progress.
 *
 * NdisMRemoveMiniport: NDIS removes the adapter later, from its own thread — pausing it if it is
 * Running, then halting it with NdisHaltDeviceFailed.
 */

interface ResetState {
  entry?: TimerHandle;
  resetPending: boolean;
  /** Where the pending reset was started (the CFH answer) — for diagnostics. */
  resets: number;
  removeRequested: boolean;
}

function resetState(session: Session, adapter: Adapter): ResetState {
  const all = session.state('reset', () => new Map<number, ResetState>());
  let state = all.get(adapter.handle);
  if (!state) {
    state = { resetPending: false, resets: 0, removeRequested: false };
    all.set(adapter.handle, state);
  }
  return state;
}

/** The check-for-hang period in ticks: CheckForHangTimeInSeconds rounded up to a multiple of 2 s, 2 s for 0. */
export function checkForHangPeriod(adapter: Adapter): number {
  const seconds = adapter.registrationAttributes?.checkForHangSeconds ?? 0;
  const rounded = seconds <= 0 ? 2 : Math.ceil(seconds / 2) * 2;
  return rounded * TICKS_PER_SECOND;
}

function scheduleCheckForHang(session: Session, adapter: Adapter): void {
  const state = resetState(session, adapter);
  state.entry = session.kernel.scheduler.at(session.now + checkForHangPeriod(adapter), {
    label: `check for hang ${adapter.name}`,
    background: true,
    run: () => {
      if (adapter.state === 'Halted' || adapter.state === 'Shutdown') return;
      scheduleCheckForHang(session, adapter);
      session.kernel.queueWorkItem({ label: `MiniportCheckForHangEx(${adapter.name})`, run: () => checkForHang(session, adapter) });
    },
  });
}

function checkForHang(session: Session, adapter: Adapter): void {
  const state = resetState(session, adapter);
  if ((adapter.state !== 'Running' && adapter.state !== 'Paused') || state.resetPending || state.removeRequested) return;
  const hung = session.callDriver('MiniportCheckForHangEx', adapter.registration.handlers.checkForHang, [adapter.context], PASSIVE_LEVEL, adapter.handle) & 0xff;
  checkLocksReleased(session);
  session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'check-for-hang', hung: hung !== 0 });
  if (hung !== 0) startReset(session, adapter);
}

function startReset(session: Session, adapter: Adapter): void {
  const state = resetState(session, adapter);
  const handler = adapter.registration.handlers.reset;
  if (handler === 0) return;
  // NDIS owns the BOOLEAN the miniport writes AddressingReset into.
  const flag = session.pool.allocate(4, 0x54534552 /* 'REST' */, 'MiniportResetEx', 'ndis');
  session.memory.setU32(flag, 0);
  state.resetPending = true;
  state.resets++;
  session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'reset' });
  let status: number;
  try {
    status = session.callDriver('MiniportResetEx', handler, [adapter.context, flag], DISPATCH_LEVEL, adapter.handle);
  } finally {
    checkLocksReleased(session);
  }
  const addressingReset = session.memory.u8(flag) !== 0;
  session.pool.release(flag);
  if (status === K.NDIS_STATUS_PENDING) {
    // NdisMResetComplete may already have been called from inside the handler before it returned PENDING.
    if (state.resetPending) session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'pended' });
    return;
  }
  if (!state.resetPending) {
    // The handler completed the reset itself and then returned a final status: NDIS completes it a second time.
    return;
  }
  completeReset(session, adapter, status, addressingReset);
}

function completeReset(session: Session, adapter: Adapter, status: number, addressingReset: boolean): void {
  const state = resetState(session, adapter);
  state.resetPending = false;
  session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'completed', status: hexStatus(status), addressingReset, ...siteFields(session.site()) });
  if (!addressingReset) return;
  // NDIS restores the addressing (packet filter, multicast list) from its own thread.
  session.kernel.queueWorkItem({
    label: `restore addressing ${adapter.name}`,
    run: () => {
      if (adapter.state !== 'Running' && adapter.state !== 'Paused') return;
      try {
        issueInitialOids(session, adapter);
      } catch (error) {
        // An OID already outstanding: the protocols' own request will carry the settings.
        if (error instanceof BugCheck || !(error instanceof Error) || !error.message.includes('outstanding')) throw error;
      }
    },
  });
}

/** Runs the removal once no driver code is on the stack and the adapter can be paused or halted. */
function removeWhenIdle(session: Session, adapter: Adapter, action: number = K.NdisHaltDeviceFailed): void {
  const retry = (): void => {
    session.kernel.scheduler.at(session.now + TICKS_PER_MILLISECOND, { label: `remove ${adapter.name}`, run: () => removeWhenIdle(session, adapter, action) });
  };
  if (adapter.state === 'Halted' || adapter.state === 'Shutdown') return;
  if (session.callbacks.length > 0 || (adapter.state !== 'Running' && adapter.state !== 'Paused')) {
    retry();
    return;
  }
  session.kernel.atIrql(PASSIVE_LEVEL, () => {
    // The protocols bound to the adapter go first (lower-miniport.ts: a binding above a LabNIC).
    if (!readyForRemoval(session, adapter)) {
      retry();
      return;
    }
    if (adapter.state === 'Halted' || adapter.state === 'Shutdown') return;
    if (adapter.state === 'Running') pauseAdapter(session, adapter);
    if (adapter.state !== 'Paused') {
      retry();
      return;
    }
    haltAdapter(session, adapter, action);
    session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'removed' });
  });
}

/**
 * PnP reports the device surprise-removed (the bus found it gone): NDIS calls
 * MiniportDevicePnPEventNotify(NdisDevicePnPEventSurpriseRemoved) at PASSIVE_LEVEL, then pauses the
 * adapter if it is running and halts it with NdisHaltDeviceSurpriseRemoved. The driver must not
 * touch the hardware any more: its registers read all ones.
 */
export function surpriseRemove(session: Session, adapter: Adapter): void {
  if (adapter.state === 'Halted' || adapter.state === 'Shutdown') throw new Error(`cannot surprise-remove ${adapter.name}: it is ${adapter.state}`);
  session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'surprise-removed' });
  notifyDevicePnPEvent(session, adapter, K.NdisDevicePnPEventSurpriseRemoved);
  resetState(session, adapter).removeRequested = true;
  removeWhenIdle(session, adapter, K.NdisHaltDeviceSurpriseRemoved);
}

/** The power source of the lab's machine, as NdisDevicePnPEventPowerProfileChanged reports it: AC. */
const POWER_PROFILE = K.NdisPowerProfileAcOnLine;

/**
 * MiniportDevicePnPEventNotify at PASSIVE_LEVEL with a NET_DEVICE_PNP_EVENT NDIS owns for the call;
 * a power-profile event carries the power source as a ULONG at InformationBuffer.
 */
function notifyDevicePnPEvent(session: Session, adapter: Adapter, code: number): void {
  const m = session.memory;
  const size = m.sizeOf('NET_DEVICE_PNP_EVENT');
  const profile = code === K.NdisDevicePnPEventPowerProfileChanged;
  const event = session.pool.allocate(size + (profile ? 4 : 0), 0x50504e50 /* 'PNPP' */, 'MiniportDevicePnPEventNotify', 'ndis');
  m.fill(event, size, 0);
  m.setField('NET_DEVICE_PNP_EVENT', event, 'Header.Type', K.NDIS_OBJECT_TYPE_DEFAULT);
  m.setField('NET_DEVICE_PNP_EVENT', event, 'Header.Revision', K.NET_DEVICE_PNP_EVENT_REVISION_1);
  m.setField('NET_DEVICE_PNP_EVENT', event, 'Header.Size', K.NDIS_SIZEOF_NET_DEVICE_PNP_EVENT_REVISION_1);
  m.setField('NET_DEVICE_PNP_EVENT', event, 'DevicePnPEvent', code);
  if (profile) {
    m.setU32(event + size, POWER_PROFILE);
    m.setField('NET_DEVICE_PNP_EVENT', event, 'InformationBuffer', event + size);
    m.setField('NET_DEVICE_PNP_EVENT', event, 'InformationBufferLength', 4);
  }
  try {
    session.kernel.atIrql(PASSIVE_LEVEL, () => {
      session.callDriver('MiniportDevicePnPEventNotify', adapter.registration.handlers.devicePnPEventNotify, [adapter.context, event], PASSIVE_LEVEL, adapter.handle);
    });
  } finally {
    session.pool.release(event);
  }
}

addAdapterChecks({
  afterInitSuccess(session, adapter) {
    if (adapter.registration.handlers.checkForHang !== 0) scheduleCheckForHang(session, adapter);
    // "NDIS calls MiniportDevicePnPEventNotify with NdisDevicePnPEventPowerProfileChanged after driver initialization is complete."
    notifyDevicePnPEvent(session, adapter, K.NdisDevicePnPEventPowerProfileChanged);
  },
  afterHalt(session, adapter) {
    const state = resetState(session, adapter);
    if (state.entry) session.kernel.scheduler.cancel(state.entry);
    state.entry = undefined;
  },
});

defineImports([
  {
    name: 'NdisMResetComplete',
    args: args('MiniportAdapterHandle:handle', 'Status:status', 'AddressingReset:bool'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, status, addressing]) {
      const adapter = adapterOf(session, handle!, 'NdisMResetComplete');
      const state = resetState(session, adapter);
      const addressingReset = (addressing! & 0xff) !== 0;
      if (!state.resetPending) {
        const message = `NdisMResetComplete(${hexStatus(status!)}) called with no reset pending on ${adapter.name}${state.resets > 0 ? ' (the last reset was completed already: complete a reset once, and only after MiniportResetEx returned NDIS_STATUS_PENDING)' : ' (NDIS never asked for a reset)'}`;
        const params: [number, number, number, number] = [0x0f, handle!, status!, addressingReset ? 1 : 0];
        try {
          session.violation('ST-SPURIOUS-COMPLETE', message, { params: [handle!, status!, addressingReset ? 1 : 0] });
        } catch (error) {
          // The rule's primary code is the pause/restart one (0x7C/0x1F); for a reset the documented code is 0x7C/0x0F.
          if (error instanceof BugCheck && error.rule === 'ST-SPURIOUS-COMPLETE') throw new BugCheck(0x7c, params, message, 'ST-SPURIOUS-COMPLETE', session.site());
          throw error;
        }
        throw new BugCheck(0x7c, params, message, 'ST-SPURIOUS-COMPLETE', session.site());
      }
      completeReset(session, adapter, status!, addressingReset);
    },
  },
  {
    name: 'NdisMRemoveMiniport',
    args: args('MiniportAdapterHandle:handle'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle]) {
      const adapter = adapterOf(session, handle!, 'NdisMRemoveMiniport');
      const state = resetState(session, adapter);
      session.emit({ kind: 'adapter.reset', adapter: adapter.name, phase: 'remove-requested', ...siteFields(session.site()) });
      if (!state.removeRequested && adapter.state !== 'Halted') {
        state.removeRequested = true;
        session.kernel.queueWorkItem({ label: `remove ${adapter.name} (${hex(handle!)})`, run: () => removeWhenIdle(session, adapter) });
      }
      return K.NDIS_STATUS_SUCCESS;
    },
  },
]);
