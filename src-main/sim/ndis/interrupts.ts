import { BugCheck, hex } from '../kernel/bugcheck';
import { DEVICE_LEVEL, DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { siteFields, type Session } from '../session/session';
import { adapterOf, type Adapter } from './adapter';
import { allHardware, describeSite, hardwareOf, hardwareState, noteClaim, registrationAttributesFirst, siteNow, type AdapterHardware, type InterruptObject } from './hw-state';
import { args, defineImports } from './imports';
import { K } from './status';
import { checkLocksReleased } from './sync';

/**
 * Interrupts: NdisMRegisterInterruptEx / NdisMDeregisterInterruptEx, the ISR at DIRQL and its DPC
 * at DISPATCH_LEVEL, NdisMSynchronizeWithInterruptEx and NdisMQueueDpc(Ex).
 *
 * A device raises its interrupt through its DeviceHost (hardware.ts), which calls `raiseInterrupt`.
 * The CPU takes it at once when it runs below DIRQL (in a wait, between scenario steps, inside a
 * register write, in a DPC); at or above DIRQL (inside the ISR or a synchronized function) it stays
 * pending until that returns. A level-triggered line is taken again after the ISR as long as the
 * device keeps asserting it.
 */

/** After this many ISR calls in a row for one raised line, the interrupt is a storm. */
const STORM_LIMIT = 1000;
const TAG_INTERRUPT = 0x544e4953; // 'SINT'

function interruptByHandle(session: Session, handle: number): { hw: AdapterHardware; interrupt: InterruptObject } | undefined {
  for (const hw of allHardware(session)) if (hw.interrupt?.handle === handle) return { hw, interrupt: hw.interrupt };
  return undefined;
}

function deregisteredSite(session: Session, handle: number): { found: boolean; site: ReturnType<typeof siteNow> } {
  for (const hw of allHardware(session)) if (hw.deregisteredInterrupts.has(handle)) return { found: true, site: hw.deregisteredInterrupts.get(handle) };
  return { found: false, site: undefined };
}

function interruptOf(session: Session, handle: number, api: string): { hw: AdapterHardware; interrupt: InterruptObject } {
  const found = interruptByHandle(session, handle);
  if (found) return found;
  const gone = deregisteredSite(session, handle);
  session.labStop(
    'BAD-HANDLE',
    gone.found
      ? `${api}(${hex(handle)}): the interrupt was deregistered at ${describeSite(gone.site)}`
      : `${api}(${hex(handle)}): not an interrupt handle from NdisMRegisterInterruptEx (did the registration fail?)`,
  );
}

/** NDIS 6.20 and later pass the DPC a NDIS_RECEIVE_THROTTLE_PARAMETERS pointer; NDIS 6.0/6.1 reserved pointers. */
function usesNdis620(adapter: Adapter): boolean {
  const r = adapter.registration;
  return r.majorNdisVersion > 6 || (r.majorNdisVersion === 6 && r.minorNdisVersion >= 20);
}

function queueInterruptDpc(session: Session, hw: AdapterHardware, interrupt: InterruptObject, dpcContext: number, messageId: number): boolean {
  if (interrupt.dpcQueued || !interrupt.registered) return false;
  interrupt.dpcQueued = true;
  const adapter = hw.adapter;
  session.kernel.queueDpc({
    label: `interrupt DPC of ${adapter.name}`,
    run: () => {
      interrupt.dpcQueued = false;
      if (!interrupt.registered) return;
      const throttle = interrupt.throttle;
      if (throttle) {
        session.memory.setU32(throttle, 0xffffffff); // MaxNblsToIndicate = NDIS_INDICATE_ALL_NBLS
        session.memory.setU32(throttle + 4, 0);
      }
      if (interrupt.messageBased) {
        session.callDriver('MiniportMessageInterruptDPC', interrupt.messageDpc, [interrupt.context, messageId, dpcContext, throttle, 0], DISPATCH_LEVEL, adapter.handle);
      } else {
        session.callDriver('MiniportInterruptDPC', interrupt.dpc, [interrupt.context, dpcContext, throttle, 0], DISPATCH_LEVEL, adapter.handle);
      }
      checkLocksReleased(session);
    },
  });
  return true;
}

/** Calls the ISR once at DIRQL; returns whether it claimed the interrupt. */
function callIsr(session: Session, hw: AdapterHardware, interrupt: InterruptObject, messageId: number, spurious: boolean): boolean {
  const m = session.memory;
  m.setU32(interrupt.scratch, 0);
  m.setU32(interrupt.scratch + 4, 0);
  interrupt.inIsr = true;
  interrupt.isrCalls++;
  let claimed: number;
  try {
    claimed = interrupt.messageBased
      ? session.callDriver('MiniportMessageInterrupt', interrupt.messageIsr, [interrupt.context, messageId, interrupt.scratch, interrupt.scratch + 4], DEVICE_LEVEL, hw.adapter.handle)
      : session.callDriver('MiniportInterrupt', interrupt.isr, [interrupt.context, interrupt.scratch, interrupt.scratch + 4], DEVICE_LEVEL, hw.adapter.handle);
  } catch (error) {
    if (error instanceof BugCheck && interrupt.registering) {
      session.violation(
        'INIT-INT-EARLY',
        `the ISR ran inside NdisMRegisterInterruptEx (called at ${describeSite(interrupt.site)}) and crashed: the ISR can run as soon as the interrupt is being registered, so everything it touches must be ready before the call (${error.message})`,
        error.site ? { site: error.site } : {},
      );
    }
    throw error;
  } finally {
    interrupt.inIsr = false;
  }
  const queueDefault = m.u8(interrupt.scratch) !== 0;
  const targets = m.u32(interrupt.scratch + 4);
  const dpc = (queueDefault || (targets & 1) !== 0) && queueInterruptDpc(session, hw, interrupt, 0, messageId);
  if (session.tracing) session.emit({
    kind: 'hw.interrupt',
    adapter: hw.adapter.name,
    outcome: spurious ? 'spurious' : (claimed & 0xff) !== 0 ? 'claimed' : 'not-claimed',
    dpc,
    ...(interrupt.messageBased ? { message: messageId } : {}),
  });
  return (claimed & 0xff) !== 0;
}

/**
 * The device raised its interrupt. Taken now if the CPU is below DIRQL, otherwise left pending
 * until the ISR or synchronized function running now returns.
 */
export function raiseInterrupt(session: Session, hw: AdapterHardware, messageId = 0): void {
  const interrupt = hw.interrupt;
  if (!interrupt || !interrupt.registered) {
    session.emit({ kind: 'hw.interrupt', adapter: hw.adapter.name, outcome: 'no-handler' });
    return;
  }
  if (session.irql >= DEVICE_LEVEL || interrupt.inIsr) {
    if (!interrupt.pending) session.emit({ kind: 'hw.interrupt', adapter: hw.adapter.name, outcome: 'deferred' });
    interrupt.pending = true;
    interrupt.pendingMessage = messageId;
    return;
  }
  service(session, hw, interrupt, messageId);
}

function service(session: Session, hw: AdapterHardware, interrupt: InterruptObject, messageId: number): void {
  const device = hw.adapter.device;
  for (let round = 0; ; round++) {
    if (round >= STORM_LIMIT) {
      session.labStop(
        'INT-STORM',
        `interrupt storm: the device kept its interrupt asserted through ${STORM_LIMIT} ISR calls in a row; the ISR must clear the device's interrupt cause (or mask it) before returning TRUE`,
      );
    }
    interrupt.pending = false;
    const claimed = callIsr(session, hw, interrupt, messageId, false);
    if (!interrupt.registered) return;
    // A level line is still active if the device asserts it; a raise during the ISR was remembered.
    const again = interrupt.pending || (claimed && !interrupt.messageBased && device.interruptPending?.() === true);
    if (!again) return;
    messageId = interrupt.pending ? interrupt.pendingMessage : messageId;
  }
}

/** Delivers what became pending while the CPU was at DIRQL, once it is below again. */
function deliverPending(session: Session, hw: AdapterHardware, interrupt: InterruptObject): void {
  if (interrupt.pending && interrupt.registered && session.irql < DEVICE_LEVEL && !interrupt.inIsr) service(session, hw, interrupt, interrupt.pendingMessage);
}

/** Whether NDIS calls the ISR once inside the registration (a shared-line interrupt of another device). */
function isrDuringRegistration(session: Session): boolean {
  switch (hardwareState(session).options.isrDuringRegistration) {
    case 'always':
      return true;
    case 'never':
      return false;
    default:
      return session.kernel.rng.below(2) === 0;
  }
}

function checkCharacteristics(session: Session, chars: number): string | undefined {
  const m = session.memory;
  const type = m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, 'Header.Type');
  const revision = m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, 'Header.Revision');
  const size = m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, 'Header.Size');
  if (type !== K.NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT) return `Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT (${hex(K.NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT)})`;
  if (revision !== K.NDIS_MINIPORT_INTERRUPT_REVISION_1) return `Header.Revision is ${revision}, not NDIS_MINIPORT_INTERRUPT_REVISION_1`;
  if (size < K.NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1) {
    return `Header.Size is ${size}, smaller than NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1 (${K.NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1})`;
  }
  const missing = (['InterruptHandler', 'InterruptDpcHandler', 'DisableInterruptHandler', 'EnableInterruptHandler'] as const).filter(
    (f) => m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, f) === 0,
  );
  if (missing.length > 0) return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} NULL; the line-based handlers are required (MSI handlers only come in addition to them)`;
  if (m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, 'MsiSupported') !== 0) {
    const msiMissing = (['MessageInterruptHandler', 'MessageInterruptDpcHandler', 'DisableMessageInterruptHandler', 'EnableMessageInterruptHandler'] as const).filter(
      (f) => m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars, f) === 0,
    );
    if (msiMissing.length > 0) return `MsiSupported is TRUE but ${msiMissing.join(', ')} ${msiMissing.length === 1 ? 'is' : 'are'} NULL`;
  }
  return undefined;
}

/** Builds the IO_INTERRUPT_MESSAGE_INFO NDIS hands a driver granted message-signalled interrupts. */
function messageInfoTable(session: Session, count: number, vector: number): number {
  const m = session.memory;
  const entrySize = m.sizeOf('IO_INTERRUPT_MESSAGE_INFO_ENTRY');
  const table = session.pool.allocate(m.offsetOf('IO_INTERRUPT_MESSAGE_INFO', 'MessageInfo') + count * entrySize, TAG_INTERRUPT, 'NdisMRegisterInterruptEx', 'ndis');
  m.setField('IO_INTERRUPT_MESSAGE_INFO', table, 'UnifiedIrql', DEVICE_LEVEL);
  m.setField('IO_INTERRUPT_MESSAGE_INFO', table, 'MessageCount', count);
  for (let i = 0; i < count; i++) {
    const entry = table + m.offsetOf('IO_INTERRUPT_MESSAGE_INFO', 'MessageInfo') + i * entrySize;
    m.setU64(entry + m.offsetOf('IO_INTERRUPT_MESSAGE_INFO_ENTRY', 'MessageAddress'), 0xfee0_0000n);
    m.setField('IO_INTERRUPT_MESSAGE_INFO_ENTRY', entry, 'TargetProcessorSet', 1);
    m.setField('IO_INTERRUPT_MESSAGE_INFO_ENTRY', entry, 'MessageData', vector + i);
    m.setField('IO_INTERRUPT_MESSAGE_INFO_ENTRY', entry, 'Vector', vector + i);
    m.setField('IO_INTERRUPT_MESSAGE_INFO_ENTRY', entry, 'Irql', DEVICE_LEVEL);
    m.setField('IO_INTERRUPT_MESSAGE_INFO_ENTRY', entry, 'Mode', 1); // Latched
  }
  return table;
}

function freeInterrupt(session: Session, interrupt: InterruptObject): void {
  session.pool.release(interrupt.scratch);
  if (interrupt.throttle) session.pool.release(interrupt.throttle);
  if (interrupt.messageInfo) session.pool.release(interrupt.messageInfo);
}

/** NdisMDeregisterInterruptEx: waits for the DPCs in flight, then no ISR or DPC runs any more. */
function deregister(session: Session, hw: AdapterHardware, interrupt: InterruptObject): void {
  if (interrupt.dpcQueued && session.irql < DISPATCH_LEVEL) session.kernel.runReady();
  interrupt.registered = false;
  interrupt.dpcQueued = false;
  interrupt.pending = false;
  hw.interrupt = undefined;
  hw.deregisteredInterrupts.set(interrupt.handle, siteNow(session));
  freeInterrupt(session, interrupt);
  session.emit({ kind: 'resource', op: 'free', resource: 'interrupt', address: interrupt.handle, ...siteFields(session.site()) });
}

/** Adapter milestones: an interrupt still registered when init fails or halt returns is NDIS's bug check. */
export function interruptChecks(session: Session, adapter: Adapter, when: 'init-failure' | 'halt'): void {
  const hw = hardwareOf(session, adapter);
  const interrupt = hw.interrupt;
  if (!interrupt) return;
  const site = interrupt.site ? { site: interrupt.site } : {};
  if (when === 'init-failure') {
    session.violation(
      'INIT-FAIL-INT',
      `MiniportInitializeEx failed with its interrupt still registered (NdisMRegisterInterruptEx at ${describeSite(interrupt.site)}); call NdisMDeregisterInterruptEx on the failure path`,
      { ...site, params: [adapter.handle, interrupt.handle, 0] },
    );
  } else {
    session.violation(
      'HALT-INT',
      `MiniportHaltEx returned with its interrupt still registered (NdisMRegisterInterruptEx at ${describeSite(interrupt.site)}); call NdisMDeregisterInterruptEx in halt`,
      { ...site, params: [adapter.handle, interrupt.handle, 0] },
    );
  }
}

/** Init returned SUCCESS although an interrupt registration failed and was never retried successfully. */
export function checkInterruptOutcome(session: Session, adapter: Adapter): void {
  const hw = hardwareOf(session, adapter);
  const failed = hw.failedClaims.find((f) => f.api === 'NdisMRegisterInterruptEx');
  if (failed && !hw.interrupt) {
    session.violation(
      'INIT-INT-REG',
      `NdisMRegisterInterruptEx failed at ${describeSite(failed.site)} and MiniportInitializeEx still returned NDIS_STATUS_SUCCESS: without its interrupt the adapter cannot work; fail initialization instead`,
      failed.site ? { site: failed.site } : {},
    );
  }
}

export function forgetInterrupt(session: Session, hw: AdapterHardware): void {
  if (hw.interrupt) {
    hw.interrupt.registered = false;
    freeInterrupt(session, hw.interrupt);
    hw.interrupt = undefined;
  }
}

defineImports([
  {
    name: 'NdisMRegisterInterruptEx',
    args: args('MiniportAdapterHandle:handle', 'MiniportInterruptContext:ptr', 'MiniportInterruptCharacteristics:ptr', 'NdisInterruptHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: {
      kind: 'custom',
      label: 'NDIS_STATUS_RESOURCES',
      apply(session, [handle, , , out]) {
        if (out) session.memory.setU32(out, 0);
        noteClaim(session, hardwareOf(session, adapterOf(session, handle!, 'NdisMRegisterInterruptEx')), 'NdisMRegisterInterruptEx', '', false);
        return K.NDIS_STATUS_RESOURCES;
      },
    },
    impl(session, [handle, context, chars, out]) {
      const m = session.memory;
      const adapter = adapterOf(session, handle!, 'NdisMRegisterInterruptEx');
      const hw = hardwareOf(session, adapter);
      m.setU32(out!, 0);
      const fail = (status: number): number => {
        noteClaim(session, hw, 'NdisMRegisterInterruptEx', '', false);
        return status;
      };
      if (!registrationAttributesFirst(session, adapter, 'NdisMRegisterInterruptEx')) return fail(K.NDIS_STATUS_FAILURE);
      const problem = checkCharacteristics(session, chars!);
      if (problem) {
        session.violation('INIT-INT-REG', `NdisMRegisterInterruptEx: ${problem}`);
        return fail(K.NDIS_STATUS_INVALID_PARAMETER);
      }
      if (hw.interrupt) {
        session.violation('INIT-INT-REG', `NdisMRegisterInterruptEx called again; the adapter's interrupt was registered at ${describeSite(hw.interrupt.site)}`);
        return fail(K.NDIS_STATUS_FAILURE);
      }
      const resource = hw.resources.find((r) => r.type === 'interrupt');
      // No interrupt assigned to the device (a virtual adapter): connecting it fails.
      if (!resource || resource.type !== 'interrupt') return fail(K.NDIS_STATUS_RESOURCES);
      const msiSupported = m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars!, 'MsiSupported') !== 0;
      const messageBased = msiSupported && resource.messageBased;
      const f = (name: Parameters<typeof m.field<'NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS'>>[2]) => m.field('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars!, name);
      const interrupt: InterruptObject = {
        handle: session.newHandle(),
        context: context!,
        isr: f('InterruptHandler'),
        dpc: f('InterruptDpcHandler'),
        enable: f('EnableInterruptHandler'),
        disable: f('DisableInterruptHandler'),
        messageIsr: f('MessageInterruptHandler'),
        messageDpc: f('MessageInterruptDpcHandler'),
        messageBased,
        scratch: session.pool.allocate(8, TAG_INTERRUPT, 'NdisMRegisterInterruptEx', 'ndis'),
        throttle: usesNdis620(adapter) ? session.pool.allocate(8, TAG_INTERRUPT, 'NdisMRegisterInterruptEx', 'ndis') : 0,
        messageInfo: messageBased ? messageInfoTable(session, resource.messageCount ?? 1, resource.vector) : 0,
        registered: true,
        registering: true,
        inIsr: false,
        dpcQueued: false,
        pending: false,
        pendingMessage: 0,
        isrCalls: 0,
        site: siteNow(session),
      };
      m.setField('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars!, 'InterruptType', messageBased ? K.NDIS_CONNECT_MESSAGE_BASED : K.NDIS_CONNECT_LINE_BASED);
      m.setField('NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS', chars!, 'MessageInfoTable', interrupt.messageInfo);
      hw.interrupt = interrupt;
      session.emit({ kind: 'resource', op: 'alloc', resource: 'interrupt', address: interrupt.handle, ...siteFields(interrupt.site) });
      noteClaim(session, hw, 'NdisMRegisterInterruptEx', '', true);
      try {
        // The interrupt is connected: the ISR may run before NdisMRegisterInterruptEx returns (ndis-rules O5).
        if (adapter.device.interruptPending?.() === true) service(session, hw, interrupt, 0);
        else if (isrDuringRegistration(session)) callIsr(session, hw, interrupt, 0, true);
      } finally {
        interrupt.registering = false;
      }
      m.setU32(out!, interrupt.handle);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisMDeregisterInterruptEx',
    args: args('NdisInterruptHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const { hw, interrupt } = interruptOf(session, handle!, 'NdisMDeregisterInterruptEx');
      deregister(session, hw, interrupt);
    },
  },
  {
    name: 'NdisMSynchronizeWithInterruptEx',
    args: args('NdisInterruptHandle:handle', 'MessageId:u32', 'SynchronizeFunction:ptr', 'SynchronizeContext:ptr'),
    result: 'bool',
    maxIrql: DEVICE_LEVEL,
    impl(session, [handle, , fn, context]) {
      const found = interruptByHandle(session, handle!);
      if (!found) {
        const gone = deregisteredSite(session, handle!);
        if (gone.found) {
          session.violation('HALT-AFTER', `NdisMSynchronizeWithInterruptEx after NdisMDeregisterInterruptEx (at ${describeSite(gone.site)}): the interrupt no longer exists; the synchronized function is not called`);
          return 0;
        }
        return interruptOf(session, handle!, 'NdisMSynchronizeWithInterruptEx') && 0;
      }
      const { hw, interrupt } = found;
      const result = session.callDriver('MiniportSynchronizeInterrupt', fn!, [context!], Math.max(session.irql, DEVICE_LEVEL), hw.adapter.handle);
      deliverPending(session, hw, interrupt);
      return result & 0xff;
    },
  },
  {
    name: 'NdisMQueueDpc',
    args: args('NdisInterruptHandle:handle', 'MessageId:u32', 'TargetProcessors:hex', 'MiniportDpcContext:ptr'),
    result: 'u32',
    maxIrql: DEVICE_LEVEL,
    impl(session, [handle, messageId, targets, dpcContext]) {
      const { hw, interrupt } = interruptOf(session, handle!, 'NdisMQueueDpc');
      // One processor in the lab: only processor 0 can receive a DPC.
      if ((targets! & 1) === 0) return 0;
      return queueInterruptDpc(session, hw, interrupt, dpcContext!, messageId!) ? 1 : 0;
    },
  },
  {
    name: 'NdisMQueueDpcEx',
    args: args('NdisInterruptHandle:handle', 'MessageId:u32', 'TargetProcessors:ptr', 'MiniportDpcContext:ptr'),
    result: 'u32',
    maxIrql: DEVICE_LEVEL,
    impl(session, [handle, messageId, affinity, dpcContext]) {
      const { hw, interrupt } = interruptOf(session, handle!, 'NdisMQueueDpcEx');
      // GROUP_AFFINITY starts with its KAFFINITY Mask; group 0, processor 0 is the only one.
      const mask = affinity ? session.memory.u32(affinity) : 0;
      if ((mask & 1) === 0) return 0;
      return queueInterruptDpc(session, hw, interrupt, dpcContext!, messageId!) ? 1 : 0;
    },
  },
]);
