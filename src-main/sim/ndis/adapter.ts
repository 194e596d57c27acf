import { BugCheck } from '../kernel/bugcheck';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { createDevice, type BenchDevice } from '../hw/device';
import type { Session } from '../session/session';
import { describeLeaks, driverState, hexStatus, type MiniportRegistration } from './driver';
import { errorLogCount } from './debug';
import { addCallCheck, args, defineImports } from './imports';
import { isSuccess, K } from './status';

/** The adapter states of ndis-rules §3.2. */
export type AdapterState = 'Halted' | 'Initializing' | 'Paused' | 'Restarting' | 'Running' | 'Pausing' | 'Shutdown';

export interface RegistrationAttributes {
  context: number;
  flags: number;
  checkForHangSeconds: number;
  interfaceType: number;
}

export interface Adapter {
  handle: number;
  name: string;
  index: number;
  registration: MiniportRegistration;
  state: AdapterState;
  history: AdapterState[];
  /** MiniportAdapterContext from the registration attributes, passed to every handler. */
  context: number;
  registrationAttributes?: RegistrationAttributes;
  generalAttributesSet: boolean;
  otherAttributes: string[];
  pausePending: boolean;
  restartPending: boolean;
  /** Allocation serial when init began, to tell adapter resources from driver-wide ones. */
  firstSerial: number;
  /** Registry values of the device instance (IMMiniport, NetworkAddress, keywords). */
  registry: Record<string, number | string>;
  initParameters: number;
  /** The hardware under the adapter (a NullDevice for a virtual miniport). */
  device: BenchDevice;
  /** What the general attributes said (NDIS keeps them for the protocols that bind to the adapter). */
  general?: GeneralAttributes;
}

/** The parts of NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES NDIS passes on to protocols in NDIS_BIND_PARAMETERS. */
export interface GeneralAttributes {
  mediaType: number;
  physicalMediumType: number;
  mtuSize: number;
  maxXmitLinkSpeed: bigint;
  xmitLinkSpeed: bigint;
  maxRcvLinkSpeed: bigint;
  rcvLinkSpeed: bigint;
  mediaConnectState: number;
  mediaDuplexState: number;
  lookaheadSize: number;
  macOptions: number;
  supportedPacketFilters: number;
  maxMulticastListSize: number;
  permanentAddress: Uint8Array;
  currentAddress: Uint8Array;
  dataBackFillSize: number;
  contextBackFillSize: number;
}

function readGeneralAttributes(session: Session, a: number): GeneralAttributes {
  const m = session.memory;
  const f = (name: Parameters<typeof m.field<'NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES'>>[2]) => m.field('NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES', a, name);
  const u64 = (name: 'MaxXmitLinkSpeed' | 'XmitLinkSpeed' | 'MaxRcvLinkSpeed' | 'RcvLinkSpeed') => m.u64(a + m.offsetOf('NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES', name));
  const length = Math.min(f('MacAddressLength'), 32);
  return {
    mediaType: f('MediaType'),
    physicalMediumType: f('PhysicalMediumType'),
    mtuSize: f('MtuSize'),
    maxXmitLinkSpeed: u64('MaxXmitLinkSpeed'),
    xmitLinkSpeed: u64('XmitLinkSpeed'),
    maxRcvLinkSpeed: u64('MaxRcvLinkSpeed'),
    rcvLinkSpeed: u64('RcvLinkSpeed'),
    mediaConnectState: f('MediaConnectState'),
    mediaDuplexState: f('MediaDuplexState'),
    lookaheadSize: f('LookaheadSize'),
    macOptions: f('MacOptions'),
    supportedPacketFilters: f('SupportedPacketFilters'),
    maxMulticastListSize: f('MaxMulticastListSize'),
    permanentAddress: m.read(a + m.offsetOf('NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES', 'PermanentMacAddress'), length).slice(),
    currentAddress: m.read(a + m.offsetOf('NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES', 'CurrentMacAddress'), length).slice(),
    dataBackFillSize: f('DataBackFillSize'),
    contextBackFillSize: f('ContextBackFillSize'),
  };
}

/** Checks other families run at the adapter's milestones (timers still queued at halt, …). */
export interface AdapterChecks {
  /** The adapter exists and its init parameters are built; MiniportInitializeEx is about to be called. */
  beforeInit?(session: Session, adapter: Adapter): void;
  /** MiniportInitializeEx succeeded and the adapter is Paused: what NDIS does next (the first OIDs). */
  afterInitSuccess?(session: Session, adapter: Adapter): void;
  /** MiniportInitializeEx returned a failure status. */
  afterInitFailure?(session: Session, adapter: Adapter): void;
  /** MiniportHaltEx returned. */
  afterHalt?(session: Session, adapter: Adapter): void;
  /** A pause is about to complete: anything that must be finished by now. */
  beforePauseComplete?(session: Session, adapter: Adapter): void;
  /**
   * NDIS is about to take the adapter away (a removal: pause if Running, then halt). First it
   * unbinds the protocols bound to it; false means that cannot happen yet (a driver above is
   * still in a callback) and NDIS tries again a little later.
   */
  beforeRemove?(session: Session, adapter: Adapter): boolean;
}

/** The removal of `adapter` may start now (every family's beforeRemove agreed and did its part). */
export function readyForRemoval(session: Session, adapter: Adapter): boolean {
  for (const c of checks) if (c.beforeRemove && !c.beforeRemove(session, adapter)) return false;
  return true;
}

const checks: AdapterChecks[] = [];
export function addAdapterChecks(c: AdapterChecks): void {
  checks.push(c);
}

export function adapters(session: Session): Map<number, Adapter> {
  return session.state('adapters', () => new Map<number, Adapter>());
}

/** The adapter a handle names, or a bug check as NDIS.SYS would raise for a bad handle. */
export function adapterOf(session: Session, handle: number, api: string): Adapter {
  const adapter = adapters(session).get(handle);
  if (!adapter) throw new BugCheck(0x7c, [0x21, handle, 0, 0], `${api}: 0x${(handle >>> 0).toString(16)} is not a miniport adapter handle`, 'BAD-HANDLE', session.site());
  return adapter;
}

export function adapterByName(session: Session, name: string): Adapter | undefined {
  return [...adapters(session).values()].find((a) => a.name === name);
}

function transition(session: Session, adapter: Adapter, to: AdapterState): void {
  const from = adapter.state;
  adapter.state = to;
  adapter.history.push(to);
  session.emit({ kind: 'adapter.state', adapter: adapter.name, from, to });
}

export function writeHeader(session: Session, address: number, type: number, revision: number, size: number): void {
  session.memory.setU8(address, type);
  session.memory.setU8(address + 1, revision);
  session.memory.setU16(address + 2, size);
}

/**
 * A device arrives: NDIS calls MiniportInitializeEx at PASSIVE_LEVEL with init parameters it owns.
 * Returns the status the driver returned.
 */
export function initializeAdapter(
  session: Session,
  name: string,
  registry: Record<string, number | string> = {},
  device: string | BenchDevice = 'virtual',
  options: { registration?: MiniportRegistration; imDeviceContext?: number } = {},
): number {
  const driver = driverState(session);
  const registration = options.registration ?? chooseRegistration(session, name, registry);
  if (driver.phase !== 'registered' || !registration) throw new Error(`cannot add device ${name}: the driver is ${driver.phase}`);
  const map = adapters(session);
  const size = session.memory.sizeOf('NDIS_MINIPORT_INIT_PARAMETERS');
  const params = session.pool.allocate(size, 0x4e494e49, 'MiniportInitializeEx', 'ndis');
  writeHeader(session, params, K.NDIS_OBJECT_TYPE_MINIPORT_INIT_PARAMETERS, K.NDIS_MINIPORT_INIT_PARAMETERS_REVISION_1, K.NDIS_SIZEOF_MINIPORT_INIT_PARAMETER_REVISION_1);
  const adapter: Adapter = {
    handle: session.newHandle(),
    name,
    index: map.size,
    registration,
    state: 'Halted',
    history: ['Halted'],
    context: 0,
    generalAttributesSet: false,
    otherAttributes: [],
    pausePending: false,
    restartPending: false,
    firstSerial: session.pool.liveAllocations.reduce((m, a) => Math.max(m, a.serial + 1), 0),
    registry,
    initParameters: params,
    device: typeof device === 'string' ? createDevice(device) : device,
  };
  session.memory.setField('NDIS_MINIPORT_INIT_PARAMETERS', params, 'IfIndex', 10 + adapter.index);
  if (options.imDeviceContext !== undefined) session.memory.setField('NDIS_MINIPORT_INIT_PARAMETERS', params, 'IMDeviceInstanceContext', options.imDeviceContext);
  map.set(adapter.handle, adapter);
  transition(session, adapter, 'Initializing');
  scheduleCheckForHangDuringInit(session, adapter);
  for (const c of checks) c.beforeInit?.(session, adapter);
  const status = session.callDriver('MiniportInitializeEx', registration.handlers.initialize, [adapter.handle, registration.context, params], PASSIVE_LEVEL, adapter.handle);
  if (session.returnIrql !== PASSIVE_LEVEL) {
    session.violation('INIT-EXIT-IRQL', `MiniportInitializeEx returned at IRQL ${session.returnIrql}; it must return at PASSIVE_LEVEL (a spin lock still held, or a raise never lowered?)`);
  }
  if (status === K.NDIS_STATUS_PENDING) {
    session.violation('INIT-STATUS', 'MiniportInitializeEx returned NDIS_STATUS_PENDING; initialization must complete synchronously');
  }
  if (isSuccess(status) && status !== K.NDIS_STATUS_PENDING) {
    const missing = [!adapter.registrationAttributes && 'registration', !adapter.generalAttributesSet && 'general'].filter(Boolean);
    if (missing.length > 0) {
      session.violation('INIT-ATTR-MISSING', `MiniportInitializeEx returned NDIS_STATUS_SUCCESS without setting ${missing.join(' and ')} attributes`);
      haltAdapter(session, adapter, K.NdisHaltDeviceInitializationFailed);
      return status;
    }
    transition(session, adapter, 'Paused');
    for (const c of checks) c.afterInitSuccess?.(session, adapter);
    return status;
  }
  // Failure: everything the adapter allocated must be gone (ndis-rules O9), and the reason logged.
  if (errorLogCount(session, adapter.handle) === 0) {
    session.violation('INIT-FAIL-NOLOG', `MiniportInitializeEx failed (${hexStatus(status)}) without logging why with NdisWriteErrorLogEntry`, { site: undefined });
  }
  for (const c of checks) c.afterInitFailure?.(session, adapter);
  const leaks = adapterLeaks(session, adapter);
  if (leaks.length > 0) session.violation('INIT-FAIL-LEAK', `MiniportInitializeEx failed (${hexStatus(status)}) and left ${leaks.length} allocation(s) behind: ${describeLeaks(leaks)}`);
  transition(session, adapter, 'Halted');
  return status;
}

/**
 * Which of the driver's miniport registrations NDIS initializes a device instance with: a
 * miniport-intermediate driver registers a physical and an intermediate miniport, and the device
 * instance's IMMiniport registry value (DWORD 1) selects the intermediate one (ndis-rules §3.4).
 */
function chooseRegistration(session: Session, name: string, registry: Record<string, number | string>): MiniportRegistration | undefined {
  const live = driverState(session).registrations.filter((r) => !r.deregistered);
  const im = live.find((r) => (r.flags & K.NDIS_INTERMEDIATE_DRIVER) !== 0);
  const physical = live.find((r) => (r.flags & K.NDIS_INTERMEDIATE_DRIVER) === 0);
  if (registry['IMMiniport'] === 1) {
    if (!im) session.violation('IM-IMMINIPORT', `device ${name} has IMMiniport = 1 but the driver registered no NDIS_INTERMEDIATE_DRIVER miniport`);
    return im ?? physical;
  }
  if (!physical && im && live.length > 0) {
    session.violation('IM-IMMINIPORT', `device ${name} is a physical device instance (no IMMiniport = 1) but the driver registered only an NDIS_INTERMEDIATE_DRIVER miniport: its virtual miniports start with NdisIMInitializeDeviceInstanceEx`);
  }
  return physical ?? im;
}

/** CheckForHangTimeInSeconds 0 means NDIS's default: about every two seconds. */
const DEFAULT_CHECK_FOR_HANG_TICKS = 2 * 10_000_000;

/**
 * NDIS may call MiniportCheckForHangEx (at PASSIVE_LEVEL) while an initialization outlasts the
 * check-for-hang interval; answering TRUE then asks for a reset of an adapter still starting.
 */
function scheduleCheckForHangDuringInit(session: Session, adapter: Adapter): void {
  const handler = adapter.registration.handlers.checkForHang;
  if (handler === 0) return;
  const schedule = (): void => {
    const seconds = adapter.registrationAttributes?.checkForHangSeconds ?? 0;
    session.kernel.scheduler.at(session.now + (seconds > 0 ? seconds * 10_000_000 : DEFAULT_CHECK_FOR_HANG_TICKS), { label: `check for hang ${adapter.name}`, run: tick, background: true });
  };
  const tick = (): void => {
    if (adapter.state !== 'Initializing') return;
    session.kernel.queueWorkItem({
      label: `MiniportCheckForHangEx(${adapter.name})`,
      run: () => {
        if (adapter.state !== 'Initializing') return;
        const hung = session.callDriver('MiniportCheckForHangEx', handler, [adapter.context], PASSIVE_LEVEL, adapter.handle);
        if (hung !== 0) {
          session.violation(
            'INIT-CFH-WINDOW',
            `MiniportCheckForHangEx returned TRUE while ${adapter.name} was still initializing: make CheckForHangTimeInSeconds longer than initialization takes, and never report a hang before init completes`,
            { severity: 'warn' },
          );
        }
        schedule();
      },
    });
  };
  schedule();
}

/**
 * Driver allocations of this adapter that are still live: those made against its handle, and,
 * for APIs that take no handle, those made since its init began (unless made against the driver).
 */
function adapterLeaks(session: Session, adapter: Adapter) {
  return session.pool.liveAllocations.filter(
    (a) => a.owner === 'driver' && (a.scope === adapter.handle || (a.scope === undefined && a.serial >= adapter.firstSerial)),
  );
}

/** NDIS restarts a paused adapter (MiniportRestart); the restart may pend until NdisMRestartComplete. */
export function restartAdapter(session: Session, adapter: Adapter): void {
  if (adapter.state !== 'Paused') throw new Error(`cannot restart ${adapter.name}: it is ${adapter.state}`);
  const params = session.pool.allocate(session.memory.sizeOf('NDIS_MINIPORT_RESTART_PARAMETERS'), 0x54535452, 'MiniportRestart', 'ndis');
  writeHeader(session, params, K.NDIS_OBJECT_TYPE_DEFAULT, K.NDIS_MINIPORT_RESTART_PARAMETERS_REVISION_1, K.NDIS_SIZEOF_MINIPORT_RESTART_PARAMETERS_REVISION_1);
  transition(session, adapter, 'Restarting');
  adapter.restartPending = true;
  const status = session.callDriver('MiniportRestart', adapter.registration.handlers.restart, [adapter.context, params], PASSIVE_LEVEL, adapter.handle);
  session.pool.release(params);
  if (status === K.NDIS_STATUS_PENDING) {
    session.kernel.waitUntil(() => !adapter.restartPending);
    if (adapter.restartPending) session.violation('ST-RESTART', 'MiniportRestart returned NDIS_STATUS_PENDING and never called NdisMRestartComplete');
    return;
  }
  const allowed = [K.NDIS_STATUS_SUCCESS, K.NDIS_STATUS_RESOURCES, K.NDIS_STATUS_FAILURE];
  if (!allowed.includes(status)) session.violation('ST-RESTART', `MiniportRestart returned ${hexStatus(status)}; only SUCCESS, PENDING, RESOURCES or FAILURE are allowed`);
  completeRestart(session, adapter, status);
}

function completeRestart(session: Session, adapter: Adapter, status: number): void {
  adapter.restartPending = false;
  transition(session, adapter, isSuccess(status) ? 'Running' : 'Paused');
  if (!isSuccess(status)) session.violation('ST-RESTART', `the restart failed with ${hexStatus(status)}`);
}

/** NDIS pauses a running adapter (MiniportPause); a pause cannot fail, and may pend until NdisMPauseComplete. */
export function pauseAdapter(session: Session, adapter: Adapter): void {
  if (adapter.state !== 'Running') throw new Error(`cannot pause ${adapter.name}: it is ${adapter.state}`);
  const params = session.pool.allocate(session.memory.sizeOf('NDIS_MINIPORT_PAUSE_PARAMETERS'), 0x53554150, 'MiniportPause', 'ndis');
  writeHeader(session, params, K.NDIS_OBJECT_TYPE_DEFAULT, K.NDIS_MINIPORT_PAUSE_PARAMETERS_REVISION_1, K.NDIS_SIZEOF_MINIPORT_PAUSE_PARAMETERS_REVISION_1);
  transition(session, adapter, 'Pausing');
  adapter.pausePending = true;
  const status = session.callDriver('MiniportPause', adapter.registration.handlers.pause, [adapter.context, params], PASSIVE_LEVEL, adapter.handle);
  session.pool.release(params);
  if (status === K.NDIS_STATUS_PENDING) {
    session.kernel.waitUntil(() => !adapter.pausePending);
    if (adapter.pausePending) session.violation('ST-PAUSE-INCOMPLETE', 'MiniportPause returned NDIS_STATUS_PENDING and never called NdisMPauseComplete');
    return;
  }
  if (status !== K.NDIS_STATUS_SUCCESS) session.violation('ST-PAUSE-RET', `MiniportPause returned ${hexStatus(status)}; a pause can only return NDIS_STATUS_SUCCESS or NDIS_STATUS_PENDING`);
  completePause(session, adapter);
}

function completePause(session: Session, adapter: Adapter): void {
  for (const c of checks) c.beforePauseComplete?.(session, adapter);
  adapter.pausePending = false;
  transition(session, adapter, 'Paused');
}

/** NDIS halts a paused adapter (MiniportHaltEx); afterwards everything it allocated must be released. */
export function haltAdapter(session: Session, adapter: Adapter, action = K.NdisHaltDeviceDisabled): void {
  if (adapter.state !== 'Paused' && !(adapter.state === 'Initializing' && action === K.NdisHaltDeviceInitializationFailed)) {
    throw new Error(`cannot halt ${adapter.name}: it is ${adapter.state}`);
  }
  session.callDriver('MiniportHaltEx', adapter.registration.handlers.halt, [adapter.context, action], PASSIVE_LEVEL, adapter.handle);
  for (const c of checks) c.afterHalt?.(session, adapter);
  const leaks = adapterLeaks(session, adapter);
  if (leaks.length > 0) session.violation('HALT-LEAK', `MiniportHaltEx returned with ${leaks.length} allocation(s) of the adapter still live: ${describeLeaks(leaks)}`);
  transition(session, adapter, 'Halted');
  session.pool.release(adapter.initParameters);
}

/** System shutdown (MiniportShutdownEx, NdisShutdownPowerOff at PASSIVE_LEVEL). */
export function shutdownAdapter(session: Session, adapter: Adapter): void {
  if (!['Paused', 'Restarting', 'Running', 'Pausing'].includes(adapter.state)) throw new Error(`cannot shut down ${adapter.name}: it is ${adapter.state}`);
  session.callDriver('MiniportShutdownEx', adapter.registration.handlers.shutdown, [adapter.context, K.NdisShutdownPowerOff], PASSIVE_LEVEL, adapter.handle);
  transition(session, adapter, 'Shutdown');
}

const ATTRIBUTE_NAMES: Record<number, string> = {
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES]: 'registration',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES]: 'general',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES]: 'offload',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_NATIVE_802_11_ATTRIBUTES]: 'native 802.11',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES]: 'hardware assist',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_NDK_ATTRIBUTES]: 'NDK',
  [K.NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES]: 'packet direct',
};

function setAttributes(session: Session, adapter: Adapter, attributes: number): number {
  const m = session.memory;
  const type = m.u8(attributes);
  const revision = m.u8(attributes + 1);
  const size = m.u16(attributes + 2);
  const kind = ATTRIBUTE_NAMES[type];
  if (!kind) {
    throw new BugCheck(0x7c, [0x21, adapter.registration.handle, attributes, 0], `NdisMSetMiniportAttributes: object header Type 0x${type.toString(16)} is not an adapter attribute type`, 'INIT-ATTR-HDR', session.site());
  }
  if (adapter.state !== 'Initializing') {
    session.violation('INIT-ATTR-GEN-ORDER', `NdisMSetMiniportAttributes(${kind}) called while the adapter is ${adapter.state}; attributes are set during MiniportInitializeEx`);
    return K.NDIS_STATUS_FAILURE;
  }
  if (kind === 'registration') {
    const sizes: Record<number, number> = {
      [K.NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1]: K.NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1,
      [K.NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2]: K.NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2,
    };
    const expected = sizes[revision];
    if (expected === undefined) {
      session.violation('INIT-ATTR-HDR', `registration attributes revision ${revision} is not supported`);
      return K.NDIS_STATUS_BAD_VERSION;
    }
    if (size < expected) {
      throw new BugCheck(0x7c, [0x21, adapter.registration.handle, attributes, 0], `NdisMSetMiniportAttributes: registration attributes Size ${size} is smaller than ${expected}`, 'INIT-ATTR-HDR', session.site());
    }
    const attrs: RegistrationAttributes = {
      context: m.field('NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES', attributes, 'MiniportAdapterContext'),
      flags: m.field('NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES', attributes, 'AttributeFlags'),
      checkForHangSeconds: m.field('NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES', attributes, 'CheckForHangTimeInSeconds'),
      interfaceType: m.field('NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES', attributes, 'InterfaceType'),
    };
    if ((attrs.flags & K.NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE) !== 0 && (attrs.flags & K.NDIS_MINIPORT_ATTRIBUTES_NDIS_WDM) !== 0) {
      session.violation('INIT-ATTR-FLAGS', 'registration attributes claim both HARDWARE_DEVICE and NDIS_WDM');
    }
    adapter.registrationAttributes = attrs;
    adapter.context = attrs.context;
    return K.NDIS_STATUS_SUCCESS;
  }
  if (!adapter.registrationAttributes) {
    session.violation('INIT-ATTR-GEN-ORDER', `${kind} attributes were set before the registration attributes`);
    return K.NDIS_STATUS_FAILURE;
  }
  if (kind === 'general') {
    const sizes: Record<number, number> = {
      [K.NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_1]: K.NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_1,
      [K.NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2]: K.NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2,
    };
    const expected = sizes[revision];
    if (expected === undefined) {
      session.violation('INIT-ATTR-HDR', `general attributes revision ${revision} is not supported`);
      return K.NDIS_STATUS_BAD_VERSION;
    }
    if (size < expected) {
      throw new BugCheck(0x7c, [0x21, adapter.registration.handle, attributes, 0], `NdisMSetMiniportAttributes: general attributes Size ${size} is smaller than ${expected}`, 'INIT-ATTR-HDR', session.site());
    }
    adapter.generalAttributesSet = true;
    adapter.general = readGeneralAttributes(session, attributes);
    return K.NDIS_STATUS_SUCCESS;
  }
  if (!adapter.generalAttributesSet) {
    session.violation('INIT-ATTR-GEN-ORDER', `${kind} attributes were set before the general attributes`);
    return K.NDIS_STATUS_FAILURE;
  }
  adapter.otherAttributes.push(kind);
  return K.NDIS_STATUS_SUCCESS;
}

defineImports([
  {
    name: 'NdisMSetMiniportAttributes',
    args: args('NdisMiniportAdapterHandle:handle', 'MiniportAttributes:ptr'),
    result: 'status',
    maxIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_BAD_VERSION, label: 'NDIS_STATUS_BAD_VERSION' },
    impl: (session, [handle, attributes]) => setAttributes(session, adapterOf(session, handle!, 'NdisMSetMiniportAttributes'), attributes!),
  },
  {
    name: 'NdisMNetPnPEvent',
    args: args('MiniportAdapterHandle:handle', 'NetPnPEvent:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const adapter = adapterOf(session, handle!, 'NdisMNetPnPEvent');
      if (session.inCallback('MiniportOidRequest')) {
        session.violation('OID-NETPNP', 'NdisMNetPnPEvent called while handling an OID request: NDIS can deadlock, because the event goes up to the protocols that issued the OID');
        return K.NDIS_STATUS_FAILURE;
      }
      // No protocol bound above this adapter handles the event: NDIS completes it at once.
      return adapter.state === 'Halted' ? K.NDIS_STATUS_INVALID_STATE : K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisMPauseComplete',
    args: args('MiniportAdapterHandle:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle]) {
      const adapter = adapterOf(session, handle!, 'NdisMPauseComplete');
      if (!adapter.pausePending || adapter.state !== 'Pausing') {
        session.violation('ST-SPURIOUS-COMPLETE', `NdisMPauseComplete called with no pause pending (the adapter is ${adapter.state})`, { params: [1, handle!, 0] });
        return;
      }
      completePause(session, adapter);
    },
  },
  {
    name: 'NdisMRestartComplete',
    args: args('MiniportAdapterHandle:handle', 'Status:status'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, status]) {
      const adapter = adapterOf(session, handle!, 'NdisMRestartComplete');
      if (!adapter.restartPending || adapter.state !== 'Restarting') {
        session.violation('ST-SPURIOUS-COMPLETE', `NdisMRestartComplete called with no restart pending (the adapter is ${adapter.state})`, { params: [2, handle!, 0] });
        return;
      }
      completeRestart(session, adapter, status!);
    },
  },
]);

/**
 * During MiniportShutdownEx a driver only quiets its hardware: freeing or deregistering anything is
 * a stop (SHUT-NO-NDIS); any other NDIS call is reported as a warning, as the rule documents.
 */
addCallCheck((session, spec) => {
  if (!session.inCallback('MiniportShutdownEx')) return;
  // Quieting the hardware through its registers and ports is what a shutdown handler is for.
  if (/^(READ|WRITE)_(REGISTER|PORT)_/.test(spec.name) || spec.name === 'NdisStallExecution') return;
  const releases = /Free|Deregister|Unmap|Cancel/.test(spec.name);
  session.violation(
    'SHUT-NO-NDIS',
    releases
      ? `${spec.name} called from MiniportShutdownEx: shutdown must leave resources allocated and only put the hardware in a safe state`
      : `${spec.name} called from MiniportShutdownEx: a shutdown handler should call no NDIS functions`,
    releases ? {} : { severity: 'warn' },
  );
});

/**
 * Callbacks that receive a flag telling whether they run at DISPATCH_LEVEL should test the flag
 * (NDIS_TEST_SEND_AT_DISPATCH_LEVEL and friends) rather than ask for the IRQL.
 */
const FLAGGED_CALLBACKS = ['MiniportSendNetBufferLists', 'MiniportReturnNetBufferLists', 'MiniportCancelSend'];
addCallCheck((session, spec) => {
  if (spec.name !== 'KeGetCurrentIrql') return;
  const callback = session.currentCallback?.handler;
  if (callback && FLAGGED_CALLBACKS.includes(callback)) {
    session.violation('IRQL-FLAGS', `KeGetCurrentIrql called in ${callback}: test the DISPATCH_LEVEL flag NDIS passed instead`, { severity: 'warn' });
  }
});
