import { hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { siteFields, type Session } from '../session/session';
import { adapterOf, adapters, addAdapterChecks, haltAdapter, initializeAdapter, pauseAdapter, restartAdapter, writeHeader, type Adapter } from './adapter';
import { openBindingConfiguration, type Registry } from './config';
import { oidName } from './oid';
import { addDriverChecks, driverState, hexStatus, type MiniportRegistration } from './driver';
import { allocateDriverBlock, describeSite } from './memory';
import { args, defineImports } from './imports';
import { buildLowerReceiveNbls, handBackFromSend, handDownForSend, heldLowerReceives, nblFrames, returnLowerReceives } from './nbl';
import { protocolState, type ProtocolRegistration } from './protocol';
import { addHangExplainer } from './sync';
import { base64, destinationAddress, FrameBuilder, headHex } from './wire';
// The LabNIC driver below a binding (lower-miniport.ts): each `below.*` call is a dispatch point.
import * as below from './lower-miniport';
import { isSuccess, K } from './status';

/**
 * Protocol bindings (ndis-rules §3.3) and the virtual miniports of intermediate drivers (§3.4).
 *
 * NDIS binds the driver's protocol edge to a lower adapter — a built-in physical adapter standing
 * for the miniport below (02:4C:41:42:00:01, 802.3, 1 Gb/s, Running) — by calling
 * ProtocolBindAdapterEx; inside it the protocol opens the adapter with NdisOpenAdapterEx. The
 * binding then goes Opening → Paused → (NetEventRestart) Running; an unbind pauses it
 * (NetEventPause) and calls ProtocolUnbindAdapterEx, which closes the adapter.
 *
 * An intermediate driver asks for each virtual miniport with NdisIMInitializeDeviceInstanceEx,
 * usually from its bind. Whether and when the PnP manager starts that virtual device is the
 * scenario's choice: inside the call, later, or never; the virtual MiniportInitializeEx then gets
 * the DeviceContext as IMDeviceInstanceContext. Before that the driver may withdraw the request
 * (NdisIMCancelInitializeDeviceInstance); afterwards it de-initializes the device
 * (NdisIMDeInitializeDeviceInstance), which halts the virtual miniport with
 * NdisHaltDeviceInstanceDeInitialized.
 */

export type BindingState = 'Unbound' | 'Opening' | 'Closing' | 'Paused' | 'Restarting' | 'Running' | 'Pausing';
export type DeviceStart = 'inside' | 'later' | 'never';
/** Which of the lower adapter's operations complete asynchronously (ndis-rules §5.8, S6). */
export type PendedOperation = 'open' | 'close' | 'oid';

export interface BindOptions {
  start: DeviceStart;
  startAfterMs: number;
  /** Operations NDIS completes later through the protocol's completion handlers. */
  pend: readonly PendedOperation[];
  /** Values of the binding's registry key over the lab's defaults (UpperBindings, see bindingRegistry). */
  registry?: Registry;
}

/** How long a pended open, close or OID request takes to complete. */
const PEND_TICKS = TICKS_PER_MILLISECOND;

export interface Binding {
  lower: string;
  protocol: ProtocolRegistration;
  state: BindingState;
  bindContext: number;
  unbindContext: number;
  /** The protocol's ProtocolBindingContext (from NdisOpenAdapterEx) and NDIS's binding handle. */
  bindingContext: number;
  bindingHandle: number;
  /** The open completed with success (synchronously, or in ProtocolOpenAdapterCompleteEx). */
  opened: boolean;
  /** NdisOpenAdapterEx returned NDIS_STATUS_PENDING and ProtocolOpenAdapterCompleteEx has not run yet. */
  openPending: boolean;
  /** NdisCloseAdapterEx was called: the binding handle is invalid from then on. */
  closed: boolean;
  /** NdisCloseAdapterEx returned NDIS_STATUS_PENDING and ProtocolCloseAdapterCompleteEx has not run yet. */
  closePending: boolean;
  /** The protocol's ProtocolBindingContext was pool memory (so freeing it early can be seen). */
  contextInPool: boolean;
  /** The bind failed: NdisReEnumerateProtocolBindings offers the adapter again. */
  failed: boolean;
  /** A device instance NdisIMInitializeDeviceInstanceEx refused in this bind (NOT_ACCEPTED) because another binding's virtual miniport has it. */
  refusedInstance: string | undefined;
  /** OID requests NdisOidRequest returned PENDING for, not completed yet, and how to cancel each (NdisCancelOidRequest). */
  oidsPending: Map<number, { cancel(): void }>;
  /** A network PnP event ProtocolNetPnPEvent returned PENDING for, waiting for NdisCompleteNetPnPEvent. */
  netPnPPending: { notification: number; status: number | undefined } | undefined;
  /** NBLs sent down this binding that the lower adapter has not completed yet. */
  sendsInFlight: Set<number>;
  pend: ReadonlySet<PendedOperation>;
  bindPending: { done: boolean; status: number } | undefined;
  unbindPending: { done: boolean } | undefined;
  start: DeviceStart;
  startAfterMs: number;
  params: number;
  /** Receive NBLs NDIS indicated on this binding (live until returned). */
  received: Set<number>;
  /** The lower adapter's station address (NDIS_BIND_PARAMETERS.CurrentMacAddress). */
  mac: Uint8Array;
  /** What the protocol set on the lower adapter (packet filter, lookahead). */
  packetFilter: number;
  lookahead: number;
  /** Frames the lower adapter received so far (numbered in each frame after the header, like the LabNIC wire). */
  nextSequence: number;
  /** The protocol's key for this binding (NdisOpenProtocolConfiguration with ProtocolSection). */
  registry: Registry;
  /** NDIS_BIND_PARAMETERS.ProtocolSection: the key's name, `<protocol>\Parameters\Adapters\<adapter>`. */
  section: string;
  /** Scenario values given for the key (kept for a re-bind by NdisReEnumerateProtocolBindings). */
  registryOverrides: Registry | undefined;
}

interface DeviceInstance {
  name: string;
  context: number;
  registration: MiniportRegistration;
  state: 'pending' | 'starting' | 'initialized' | 'failed' | 'cancelled' | 'deinitialized';
  adapter?: Adapter;
  binding?: Binding;
  startEntry?: { cancelled: boolean };
}

/**
 * The lab's built-in higher-level protocol (a stand-in for TCP/IP) bound to a virtual miniport:
 * NDIS binds it once the virtual miniport's initialization succeeded, and unbinds it before the
 * virtual miniport is halted.
 */
interface HigherBinding {
  instance: DeviceInstance;
  state: BindingState;
  /** What NdisIMGetBindingContext returned to it: the IM driver's DeviceContext. */
  deviceContext: number;
}

interface BindingStateStore {
  bindings: Binding[];
  instances: DeviceInstance[];
  higher: HigherBinding[];
  /** Device instances whose MiniportInitializeEx runs inside the driver's own NdisIMInitializeDeviceInstanceEx call now. */
  initializingInside: DeviceInstance[];
  /** Name buffers NdisQueryBindInstanceName handed out (the driver frees them): address → lower adapter. */
  instanceNames: Map<number, string>;
}

/** The built-in higher-level protocol's name (what it registers as, in events). */
export const HIGHER_PROTOCOL = 'LABTCPIP';

addAdapterChecks({
  // NDIS halted a virtual miniport itself (a halt step, a removal): the device instance is gone,
  // and the driver has nothing left to de-initialize.
  afterHalt(session, adapter) {
    for (const instance of store(session).instances) {
      if (instance.adapter !== adapter) continue;
      if (instance.state === 'initialized') instance.state = 'deinitialized';
      unbindHigher(session, instance);
    }
  },
});

// The name buffers of NdisQueryBindInstanceName are the protocol's to free (SDV rule
// NdisQueryBindInstanceName): one still allocated when the driver has unloaded is BIND-DE.
addDriverChecks({
  afterUnload(session) {
    const names = store(session).instanceNames;
    for (const allocation of session.pool.liveAllocations) {
      const lower = names.get(allocation.address);
      if (lower === undefined || allocation.api !== 'NdisQueryBindInstanceName') continue;
      session.violation(
        'BIND-DE',
        `the driver unloaded without freeing the name buffer NdisQueryBindInstanceName returned for the bind to ${lower} (${allocation.size} bytes, allocated at ${describeSite(allocation.site)}): NDIS allocates the instance name's Buffer for the protocol, which frees it with NdisFreeMemory once it no longer needs the name`,
        allocation.site ? { site: allocation.site } : {},
      );
      // Reported here: the driver's general leak check need not count it again.
      session.pool.release(allocation.address);
    }
  },
});

// MiniportInitializeEx inside the driver's own NdisIMInitializeDeviceInstanceEx call: a wait or
// lock that hangs there usually waits for something the bind does only after that call returns.
addHangExplainer((session, what) => {
  const inside = store(session).initializingInside;
  const instance = inside[inside.length - 1];
  if (!instance) return;
  session.violation(
    'IM-REENTRANT-INIT',
    `${what} while MiniportInitializeEx for ${instance.name} runs inside the driver's own NdisIMInitializeDeviceInstanceEx call (the PnP manager started the virtual device at once): the bind has not returned from that call, so whatever it does after it has not happened; hold no lock and expect no bind progress across NdisIMInitializeDeviceInstanceEx`,
  );
});

function store(session: Session): BindingStateStore {
  return session.state<BindingStateStore>('binding', () => ({ bindings: [], instances: [], higher: [], initializingInside: [], instanceNames: new Map() }));
}

const LOWER_MAC = [0x02, 0x4c, 0x41, 0x42, 0x00, 0x01];

/** The lower adapter's device name (NDIS_BIND_PARAMETERS.AdapterName): `\DEVICE\{LAB-LOWER0}`. */
function adapterDeviceName(lower: string): string {
  return `\\DEVICE\\{LAB-${lower.toUpperCase()}}`;
}

/**
 * The binding's registry key as the lab's installer fills it: for an intermediate driver,
 * UpperBindings (REG_MULTI_SZ) names the virtual device instance over this lower adapter,
 * `\DEVICE\PASSTHRU_{LAB-LOWER0}` — the name NdisIMInitializeDeviceInstanceEx must be given.
 * A scenario's `registry` values replace the defaults of the same (case-insensitive) name.
 */
function bindingRegistry(lower: string, overrides: Registry | undefined): Registry {
  const registry: Registry = { UpperBindings: [`\\DEVICE\\PASSTHRU_{LAB-${lower.toUpperCase()}}`] };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    for (const k of Object.keys(registry)) if (k.toLowerCase() === name.toLowerCase()) delete registry[k];
    registry[name] = value;
  }
  return registry;
}

/** The device instance names UpperBindings defines in a binding's key (REG_SZ or REG_MULTI_SZ). */
function upperBindings(registry: Registry): string[] {
  const entry = Object.entries(registry).find(([k]) => k.toLowerCase() === 'upperbindings');
  if (!entry) return [];
  const value = entry[1];
  return typeof value === 'string' ? [value] : typeof value === 'number' ? [] : [...value];
}
const TAG_BIND = 0x444e4942; // 'BIND'

function transition(session: Session, binding: Binding, to: BindingState): void {
  const from = binding.state;
  binding.state = to;
  session.emit({ kind: 'binding.state', lower: binding.lower, protocol: binding.protocol.name, from, to });
}

function ndisString(session: Session, text: string): number {
  const m = session.memory;
  const s = session.pool.allocate(m.sizeOf('UNICODE_STRING') + text.length * 2 + 2, TAG_BIND, 'ProtocolBindAdapterEx', 'ndis');
  const buffer = s + m.sizeOf('UNICODE_STRING');
  m.writeUtf16(buffer, text);
  m.setField('UNICODE_STRING', s, 'Length', text.length * 2);
  m.setField('UNICODE_STRING', s, 'MaximumLength', text.length * 2 + 2);
  m.setField('UNICODE_STRING', s, 'Buffer', buffer);
  return s;
}

/** NDIS_BIND_PARAMETERS for a lower adapter, NDIS-owned for the binding's life. */
function bindParameters(session: Session, binding: Binding, index: number): { params: number; strings: number[] } {
  const m = session.memory;
  const params = session.pool.allocate(m.sizeOf('NDIS_BIND_PARAMETERS'), TAG_BIND, 'ProtocolBindAdapterEx', 'ndis');
  m.fill(params, m.sizeOf('NDIS_BIND_PARAMETERS'), 0);
  writeHeader(session, params, K.NDIS_OBJECT_TYPE_BIND_PARAMETERS, K.NDIS_BIND_PARAMETERS_REVISION_3, K.NDIS_SIZEOF_BIND_PARAMETERS_REVISION_3);
  const section = ndisString(session, binding.section);
  const name = ndisString(session, adapterDeviceName(binding.lower));
  const set = (f: Parameters<typeof m.setField<'NDIS_BIND_PARAMETERS'>>[2], v: number) => m.setField('NDIS_BIND_PARAMETERS', params, f, v);
  set('ProtocolSection', section);
  set('AdapterName', name);
  set('BoundAdapterName', name);
  // below: what the LabNIC miniport below said of itself (its general attributes, its link), else the model's.
  const real = below.bindInfo(session, binding.lower);
  set('MediaType', real?.mediaType ?? K.NdisMedium802_3);
  set('MtuSize', real?.mtuSize ?? 1500);
  const speeds = { MaxXmitLinkSpeed: real?.maxXmitLinkSpeed, XmitLinkSpeed: real?.xmitLinkSpeed, MaxRcvLinkSpeed: real?.maxRcvLinkSpeed, RcvLinkSpeed: real?.rcvLinkSpeed };
  for (const [f, v] of Object.entries(speeds) as Array<[keyof typeof speeds, bigint | undefined]>) m.setU64(params + m.offsetOf('NDIS_BIND_PARAMETERS', f), v ?? 1_000_000_000n);
  set('MediaConnectState', real?.mediaConnectState ?? K.MediaConnectStateConnected);
  set('MediaDuplexState', real?.mediaDuplexState ?? 2); // MediaDuplexStateFull
  set('LookaheadSize', real?.lookaheadSize ?? 1500);
  set('SupportedPacketFilters', real?.supportedPacketFilters ?? 0x2f);
  set('MaxMulticastListSize', real?.maxMulticastListSize ?? 32);
  set('MacAddressLength', 6);
  if (real) set('MacOptions', real.macOptions);
  binding.mac = real ? real.currentAddress.slice(0, 6) : Uint8Array.from([...LOWER_MAC.slice(0, 5), (LOWER_MAC[5]! + index) & 0xff]);
  m.write(params + m.offsetOf('NDIS_BIND_PARAMETERS', 'CurrentMacAddress'), binding.mac);
  set('PhysicalMediumType', real?.physicalMediumType ?? 0); // NdisPhysicalMediumUnspecified
  set('BoundIfIndex', 100 + index);
  set('LowestIfIndex', 100 + index);
  return { params, strings: [section, name] };
}

function liveProtocol(session: Session): ProtocolRegistration {
  const protocol = protocolState(session).registrations.find((p) => !p.deregistered);
  if (!protocol) throw new Error('no protocol is registered: the driver must call NdisRegisterProtocolDriver in DriverEntry to be bound');
  return protocol;
}

function netPnPEvent(session: Session, binding: Binding, event: number): number {
  const m = session.memory;
  const size = m.sizeOf('NET_PNP_EVENT_NOTIFICATION');
  const n = session.pool.allocate(size, TAG_BIND, 'ProtocolNetPnPEvent', 'ndis');
  m.fill(n, size, 0);
  writeHeader(session, n, K.NDIS_OBJECT_TYPE_DEFAULT, K.NET_PNP_EVENT_NOTIFICATION_REVISION_1, K.NDIS_SIZEOF_NET_PNP_EVENT_NOTIFICATION_REVISION_1);
  m.setField('NET_PNP_EVENT_NOTIFICATION', n, 'NetPnPEvent.NetEvent', event);
  try {
    const status = session.callDriver('ProtocolNetPnPEvent', binding.protocol.handlers.netPnPEvent, [binding.bindingContext, n], PASSIVE_LEVEL);
    if (status !== K.NDIS_STATUS_PENDING) return status;
    // The protocol finishes the event later with NdisCompleteNetPnPEvent; NDIS waits for it.
    const pending = { notification: n, status: undefined as number | undefined };
    binding.netPnPPending = pending;
    session.kernel.waitUntil(() => pending.status !== undefined);
    binding.netPnPPending = undefined;
    if (pending.status === undefined) {
      session.violation('BIND-STATE-IO', `ProtocolNetPnPEvent (${event === K.NetEventPause ? 'NetEventPause' : event === K.NetEventRestart ? 'NetEventRestart' : `event ${event}`}) for the binding over ${binding.lower} returned NDIS_STATUS_PENDING and never called NdisCompleteNetPnPEvent`);
      return K.NDIS_STATUS_FAILURE;
    }
    return pending.status;
  } finally {
    session.pool.release(n);
  }
}

/** The `bind` step: NDIS binds the driver's protocol to the lower adapter `lower` (created on first use). */
export function bindProtocol(session: Session, lower: string, options: BindOptions): void {
  const { start, startAfterMs } = options;
  const s = store(session);
  if (s.bindings.some((b) => b.lower === lower && b.state !== 'Unbound')) throw new Error(`the protocol is already bound to ${lower}`);
  const protocol = liveProtocol(session);
  const binding: Binding = {
    lower,
    protocol,
    state: 'Unbound',
    bindContext: session.newHandle(),
    unbindContext: session.newHandle(),
    bindingContext: 0,
    bindingHandle: 0,
    opened: false,
    openPending: false,
    closed: false,
    closePending: false,
    contextInPool: false,
    failed: false,
    oidsPending: new Map(),
    sendsInFlight: new Set(),
    netPnPPending: undefined,
    refusedInstance: undefined,
    pend: new Set(options.pend),
    bindPending: undefined,
    unbindPending: undefined,
    start,
    startAfterMs,
    params: 0,
    received: new Set(),
    mac: Uint8Array.from(LOWER_MAC),
    packetFilter: 0,
    lookahead: 1500,
    nextSequence: 1,
    registry: bindingRegistry(lower, options.registry),
    section: `${protocol.name}\\Parameters\\Adapters\\{LAB-${lower.toUpperCase()}}`,
    registryOverrides: options.registry,
  };
  s.bindings.push(binding);
  const { params, strings } = bindParameters(session, binding, s.bindings.length - 1);
  binding.params = params;
  transition(session, binding, 'Opening');
  let status = session.callDriver('ProtocolBindAdapterEx', protocol.handlers.bindAdapter, [protocol.context, binding.bindContext, params], PASSIVE_LEVEL);
  if (status === K.NDIS_STATUS_PENDING) {
    binding.bindPending ??= { done: false, status: 0 };
    session.kernel.waitUntil(() => binding.bindPending!.done);
    if (!binding.bindPending.done) {
      session.violation('BIND-COMPLETE', `ProtocolBindAdapterEx for ${lower} returned NDIS_STATUS_PENDING and never called NdisCompleteBindAdapterEx`);
      return;
    }
    status = binding.bindPending.status;
  } else if (binding.bindPending?.done) {
    session.violation('BIND-COMPLETE', `ProtocolBindAdapterEx for ${lower} called NdisCompleteBindAdapterEx and then returned ${hexStatus(status)}: a bind is completed either by its return value or, after NDIS_STATUS_PENDING, by NdisCompleteBindAdapterEx — never both`);
  }
  for (const str of strings) session.pool.release(str);
  session.pool.release(params);
  binding.params = 0;
  if (binding.openPending) {
    session.violation(
      'BIND-OPEN-PENDING',
      `ProtocolBindAdapterEx for ${lower} ${isSuccess(status) ? 'succeeded' : `failed (${hexStatus(status)})`} while its NdisOpenAdapterEx was still pending: wait for ProtocolOpenAdapterCompleteEx (or return NDIS_STATUS_PENDING and complete the bind from it)`,
    );
  }
  if (!isSuccess(status)) {
    binding.failed = true;
    if (binding.opened && !binding.closed) {
      session.violation('BIND-FAIL-CLEANUP', `ProtocolBindAdapterEx for ${lower} failed (${hexStatus(status)}) with the adapter still open: close it (NdisCloseAdapterEx) before failing the bind`);
    }
    transition(session, binding, 'Unbound');
    return;
  }
  if (!binding.opened) {
    if (!binding.openPending) session.violation('BIND-FAIL-CLEANUP', `ProtocolBindAdapterEx for ${lower} returned success without a successful NdisOpenAdapterEx: a bind succeeds only with the adapter open`);
    binding.failed = true;
    transition(session, binding, 'Unbound');
    return;
  }
  if (binding.refusedInstance !== undefined && !s.instances.some((i) => i.binding === binding)) {
    session.violation(
      'IM-INIT-CALL',
      `the bind to ${lower} succeeded with no virtual miniport of its own: NdisIMInitializeDeviceInstanceEx returned NDIS_STATUS_NOT_ACCEPTED for ${binding.refusedInstance}, which another binding's virtual miniport already is; NOT_ACCEPTED is not success — call it for each virtual miniport, with that miniport's own device instance name`,
      { severity: 'warn' },
    );
  }
  transition(session, binding, 'Paused');
  // NDIS restarts a new binding (NetEventRestart) once the bind has completed.
  transition(session, binding, 'Restarting');
  const restart = netPnPEvent(session, binding, K.NetEventRestart);
  transition(session, binding, isSuccess(restart) ? 'Running' : 'Paused');
}

/** The `unbind` step: NDIS pauses the binding, then calls ProtocolUnbindAdapterEx, which must close the adapter. */
export function unbindProtocol(session: Session, lower: string): void {
  const binding = store(session).bindings.find((b) => b.lower === lower && b.state !== 'Unbound');
  if (!binding) throw new Error(`the protocol is not bound to ${lower}`);
  if (binding.state === 'Running') {
    transition(session, binding, 'Pausing');
    netPnPEvent(session, binding, K.NetEventPause);
    // A pause completes only once the protocol has returned what it was indicated.
    const held = heldLowerReceives(session, binding.received);
    if (held > 0) {
      session.violation('BIND-STATE-IO', `the binding over ${lower} finished pausing with ${held} received NBL(s) never returned: a protocol returns receives promptly (NdisReturnNetBufferLists), and a pause completes only when they are back`);
    }
    transition(session, binding, 'Paused');
  }
  transition(session, binding, 'Closing');
  const status = session.callDriver('ProtocolUnbindAdapterEx', binding.protocol.handlers.unbindAdapter, [binding.unbindContext, binding.bindingContext], PASSIVE_LEVEL);
  if (status === K.NDIS_STATUS_PENDING) {
    binding.unbindPending ??= { done: false };
    session.kernel.waitUntil(() => binding.unbindPending!.done);
    if (!binding.unbindPending.done) session.violation('BIND-COMPLETE', `ProtocolUnbindAdapterEx for ${lower} returned NDIS_STATUS_PENDING and never called NdisCompleteUnbindAdapterEx`);
  } else if (!isSuccess(status)) {
    session.violation('BIND-UNBIND', `ProtocolUnbindAdapterEx for ${lower} returned ${hexStatus(status)}: an unbind cannot fail (NDIS_STATUS_SUCCESS or NDIS_STATUS_PENDING)`);
  } else if (binding.closePending) {
    session.violation('BIND-UNBIND', `ProtocolUnbindAdapterEx for ${lower} returned NDIS_STATUS_SUCCESS while its NdisCloseAdapterEx was still pending: wait for ProtocolCloseAdapterCompleteEx, or return NDIS_STATUS_PENDING and call NdisCompleteUnbindAdapterEx from it`);
  }
  if (!binding.closed) session.violation('BIND-UNBIND', `ProtocolUnbindAdapterEx for ${lower} returned without NdisCloseAdapterEx: the binding stays open to an adapter NDIS is removing`);
  for (const instance of store(session).instances) {
    if (instance.binding === binding && (instance.state === 'pending' || instance.state === 'starting' || instance.state === 'initialized')) {
      session.violation(
        'IM-CANCEL-DEINIT',
        `the unbind from ${lower} finished with virtual miniport ${instance.name} still ${instance.state === 'initialized' ? 'initialized: call NdisIMDeInitializeDeviceInstance' : 'waiting to start: call NdisIMCancelInitializeDeviceInstance'}`,
      );
    }
  }
  transition(session, binding, 'Unbound');
}

/**
 * `inject-frame` with `lower`: frames arrive at the lower adapter and NDIS indicates them to the
 * bound protocol (ProtocolReceiveNetBufferLists at DISPATCH_LEVEL), a burst at a time; a binding
 * that is not Running gets nothing (NDIS drops them).
 */
export function injectToBinding(session: Session, lower: string, options: { count: number; bytes: number; burst: number; intervalUs: number; dest: string }): void {
  // below: frames for a LabNIC adapter arrive on its wire, whether or not a protocol is bound.
  if (below.inject(session, lower, options)) return;
  const binding = store(session).bindings.find((b) => b.lower === lower && b.state !== 'Unbound');
  if (!binding) throw new Error(`the protocol is not bound to ${lower}: bind it first`);
  let left = options.count;
  const builder = new FrameBuilder(options.bytes, destinationAddress(options.dest, binding.mac));
  const burst = (): void => {
    const n = Math.min(options.burst, left);
    left -= n;
    if (binding.state === 'Running') {
      const frames: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        // A copy each: NDIS keeps every frame of the burst until it builds their NBLs.
        const frame = builder.fill(binding.nextSequence++, session.kernel.rng.nextU32()).slice();
        if (session.tracing) session.emit({ kind: 'wire.frame', adapter: lower, direction: 'rx', length: frame.length, head: headHex(frame), data: base64(frame) });
        frames.push(frame);
      }
      const chain = buildLowerReceiveNbls(session, frames);
      for (const nbl of chain) binding.received.add(nbl);
      session.emit({ kind: 'nbl', op: 'indicate', adapter: lower, count: chain.length, detail: `to ${binding.protocol.name}` });
      session.kernel.queueDpc({
        label: `ProtocolReceiveNetBufferLists(${lower})`,
        run: () => {
          session.callDriver('ProtocolReceiveNetBufferLists', binding.protocol.handlers.receiveNetBufferLists, [binding.bindingContext, chain[0]!, K.NDIS_DEFAULT_PORT_NUMBER, chain.length, K.NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL], DISPATCH_LEVEL);
        },
      });
      session.kernel.runReady();
    }
    if (left > 0) session.kernel.scheduler.at(session.now + Math.round(options.intervalUs * 10), { label: `${lower}: frames arrive`, run: burst });
  };
  burst();
}

/**
 * The `lower-link` step: the lower adapter's link goes up or down, and NDIS tells the bound
 * protocol with an NDIS_STATUS_LINK_STATE indication (ProtocolStatusEx, at DISPATCH_LEVEL).
 */
export function lowerLinkChange(session: Session, lower: string, up: boolean): void {
  // below: a LabNIC adapter's link goes down or up on its wire; its miniport tells NDIS.
  if (below.linkChange(session, lower, up)) return;
  const binding = store(session).bindings.find((b) => b.lower === lower && b.state !== 'Unbound');
  if (!binding) throw new Error(`the protocol is not bound to ${lower}: bind it first`);
  const m = session.memory;
  const linkSize = m.sizeOf('NDIS_LINK_STATE');
  // NDIS_LINK_STATE holds ULONG64s: it starts 8-byte aligned after the indication.
  const size = Math.ceil(m.sizeOf('NDIS_STATUS_INDICATION') / 8) * 8;
  const indication = session.pool.allocate(size + linkSize, TAG_BIND, 'ProtocolStatusEx', 'ndis');
  const link = indication + size;
  m.fill(indication, size + linkSize, 0);
  writeHeader(session, link, K.NDIS_OBJECT_TYPE_DEFAULT, K.NDIS_LINK_STATE_REVISION_1, K.NDIS_SIZEOF_LINK_STATE_REVISION_1);
  m.setField('NDIS_LINK_STATE', link, 'MediaConnectState', up ? K.MediaConnectStateConnected : K.MediaConnectStateDisconnected);
  m.setField('NDIS_LINK_STATE', link, 'MediaDuplexState', up ? 2 : 0);
  const speed = up ? 1_000_000_000n : 0n;
  m.setU64(link + m.offsetOf('NDIS_LINK_STATE', 'XmitLinkSpeed'), speed);
  m.setU64(link + m.offsetOf('NDIS_LINK_STATE', 'RcvLinkSpeed'), speed);
  writeHeader(session, indication, K.NDIS_OBJECT_TYPE_STATUS_INDICATION, K.NDIS_STATUS_INDICATION_REVISION_1, K.NDIS_SIZEOF_STATUS_INDICATION_REVISION_1);
  m.setField('NDIS_STATUS_INDICATION', indication, 'SourceHandle', binding.bindingHandle);
  m.setField('NDIS_STATUS_INDICATION', indication, 'StatusCode', K.NDIS_STATUS_LINK_STATE);
  m.setField('NDIS_STATUS_INDICATION', indication, 'StatusBuffer', link);
  m.setField('NDIS_STATUS_INDICATION', indication, 'StatusBufferSize', linkSize);
  session.emit({ kind: 'status.indication', adapter: lower, status: 'NDIS_STATUS_LINK_STATE', detail: `${up ? 'connected' : 'disconnected'} (to ${binding.protocol.name})` });
  try {
    session.kernel.atIrql(DISPATCH_LEVEL, () => session.callDriver('ProtocolStatusEx', binding.protocol.handlers.status, [binding.bindingContext, indication], DISPATCH_LEVEL));
  } finally {
    session.pool.release(indication);
  }
}

export function bindingStateOf(session: Session, lower: string): BindingState | undefined {
  return [...store(session).bindings].reverse().find((b) => b.lower === lower)?.state;
}

function higherTransition(session: Session, higher: HigherBinding, to: BindingState): void {
  const from = higher.state;
  higher.state = to;
  session.emit({ kind: 'binding.state', lower: higher.instance.name, protocol: HIGHER_PROTOCOL, from, to });
}

/**
 * NDIS binds the built-in higher protocol to an initialized virtual miniport: the protocol reads
 * the IM driver's device context (NdisIMGetBindingContext) in its bind, and NDIS restarts the
 * virtual miniport so the binding can run.
 */
function bindHigher(session: Session, instance: DeviceInstance): void {
  const adapter = instance.adapter;
  if (instance.state !== 'initialized' || !adapter || adapter.state !== 'Paused') return;
  const higher: HigherBinding = { instance, state: 'Unbound', deviceContext: instance.context };
  store(session).higher.push(higher);
  higherTransition(session, higher, 'Opening');
  session.emit({ kind: 'ndis.note', api: 'NdisIMGetBindingContext', text: `${HIGHER_PROTOCOL} bound to ${instance.name} reads the device context the intermediate driver gave NdisIMInitializeDeviceInstanceEx: ${hex(higher.deviceContext)}` });
  higherTransition(session, higher, 'Paused');
  higherTransition(session, higher, 'Restarting');
  restartAdapter(session, adapter);
  const after: string = adapter.state;
  higherTransition(session, higher, after === 'Running' ? 'Running' : 'Paused');
}

/** NDIS unbinds the built-in higher protocol from a virtual miniport (before halting it). */
function unbindHigher(session: Session, instance: DeviceInstance): void {
  const higher = store(session).higher.find((h) => h.instance === instance && h.state !== 'Unbound');
  if (!higher) return;
  if (higher.state === 'Running') higherTransition(session, higher, 'Pausing');
  if (instance.adapter?.state === 'Running') pauseAdapter(session, instance.adapter);
  if (higher.state !== 'Paused') higherTransition(session, higher, 'Paused');
  higherTransition(session, higher, 'Closing');
  higherTransition(session, higher, 'Unbound');
}

/** The binding over `lower` whose adapter is open (NdisOpenAdapterEx succeeded, NdisCloseAdapterEx not called yet). */
export function openBindingOver(session: Session, lower: string): Binding | undefined {
  return store(session).bindings.find((b) => b.lower === lower && b.opened && !b.closed && b.state !== 'Unbound');
}

/** The PnP manager starts a virtual device: NDIS calls the IM driver's MiniportInitializeEx for it. */
export function startDevice(session: Session, instance: DeviceInstance): void {
  if (instance.state !== 'pending') return;
  instance.state = 'starting';
  const status = initializeAdapter(session, instance.name, {}, 'virtual', { registration: instance.registration, imDeviceContext: instance.context });
  const adapter = [...adapters(session).values()].reverse().find((a) => a.name === instance.name);
  if (adapter) instance.adapter = adapter;
  if (isSuccess(status) && adapter?.state === 'Paused') {
    instance.state = 'initialized';
    // Higher protocols bind to a virtual miniport only once its initialization has succeeded.
    session.kernel.queueWorkItem({ label: `${HIGHER_PROTOCOL} binds to ${instance.name}`, run: () => bindHigher(session, instance) });
  } else {
    instance.state = 'failed';
    session.violation('IM-INIT-FAIL', `the virtual miniport ${instance.name} failed to initialize (${hexStatus(status)}): NDIS records a live dump (0x15E, code 72)`, { severity: 'warn' });
  }
}

/**
 * The `start-device` step: the PnP manager starts a virtual device whose start was left pending,
 * the one named, or without a name every one waiting (in the order the driver asked for them).
 */
export function startDeviceByName(session: Session, name: string | undefined): void {
  const waiting = store(session).instances.filter((i) => i.state === 'pending' && (name === undefined || i.name === name));
  if (waiting.length === 0) throw new Error(name === undefined ? 'no virtual device is waiting to start' : `no virtual device ${name} is waiting to start`);
  for (const instance of waiting) {
    // Starting one can end another's wait (its binding gone with a failure): only those still pending start.
    if (instance.state !== 'pending') continue;
    if (instance.startEntry) instance.startEntry.cancelled = true;
    startDevice(session, instance);
  }
}

/** The lower adapter answers a protocol's OID request at once (the built-in miniport below completes synchronously). */
function lowerOid(session: Session, binding: Binding, request: number): number {
  const m = session.memory;
  const f = (name: Parameters<typeof m.field<'NDIS_OID_REQUEST'>>[2]) => m.field('NDIS_OID_REQUEST', request, name);
  const type = f('RequestType');
  const mac = Uint8Array.from(LOWER_MAC);
  if (type === K.NdisRequestQueryInformation) {
    const oid = f('DATA.QUERY_INFORMATION.Oid');
    const buffer = f('DATA.QUERY_INFORMATION.InformationBuffer');
    const length = f('DATA.QUERY_INFORMATION.InformationBufferLength');
    const answer = (bytes: Uint8Array): number => {
      m.setField('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.BytesNeeded', bytes.length);
      if (length < bytes.length || buffer === 0) {
        m.setField('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.BytesWritten', 0);
        return K.NDIS_STATUS_BUFFER_TOO_SHORT;
      }
      m.write(buffer, bytes);
      m.setField('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.BytesWritten', bytes.length);
      return K.NDIS_STATUS_SUCCESS;
    };
    const u32 = (v: number) => Uint8Array.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
    let status: number;
    switch (oid) {
      case K.OID_GEN_MAXIMUM_FRAME_SIZE:
        status = answer(u32(1500));
        break;
      case K.OID_GEN_LINK_SPEED:
        status = answer(u32(10_000_000)); // in 100 b/s units: 1 Gb/s
        break;
      case K.OID_GEN_MEDIA_CONNECT_STATUS:
        status = answer(u32(0)); // NdisMediaStateConnected
        break;
      case K.OID_802_3_PERMANENT_ADDRESS:
      case K.OID_802_3_CURRENT_ADDRESS:
        status = answer(mac);
        break;
      case K.OID_GEN_CURRENT_PACKET_FILTER:
        status = answer(u32(binding.packetFilter));
        break;
      case K.OID_GEN_CURRENT_LOOKAHEAD:
        status = answer(u32(binding.lookahead));
        break;
      default:
        status = K.NDIS_STATUS_NOT_SUPPORTED;
    }
    session.emit({ kind: 'oid.complete', adapter: binding.lower, oid: oidName(oid), status: hexStatus(status), mode: 'sync', bytes: status === K.NDIS_STATUS_SUCCESS ? f('DATA.QUERY_INFORMATION.BytesWritten') : 0 });
    return status;
  }
  if (type === K.NdisRequestSetInformation) {
    const oid = f('DATA.SET_INFORMATION.Oid');
    const buffer = f('DATA.SET_INFORMATION.InformationBuffer');
    const length = f('DATA.SET_INFORMATION.InformationBufferLength');
    let status: number = K.NDIS_STATUS_SUCCESS;
    const need = (n: number): boolean => {
      if (length >= n && buffer !== 0) return true;
      m.setField('NDIS_OID_REQUEST', request, 'DATA.SET_INFORMATION.BytesNeeded', n);
      status = K.NDIS_STATUS_INVALID_LENGTH;
      return false;
    };
    switch (oid) {
      case K.OID_GEN_CURRENT_PACKET_FILTER:
        if (need(4)) binding.packetFilter = m.u32(buffer);
        break;
      case K.OID_GEN_CURRENT_LOOKAHEAD:
        if (need(4)) binding.lookahead = m.u32(buffer);
        break;
      case K.OID_802_3_MULTICAST_LIST:
        if (length % 6 !== 0) status = K.NDIS_STATUS_INVALID_LENGTH;
        break;
      default:
        status = K.NDIS_STATUS_NOT_SUPPORTED;
    }
    if (status === K.NDIS_STATUS_SUCCESS) m.setField('NDIS_OID_REQUEST', request, 'DATA.SET_INFORMATION.BytesRead', length);
    session.emit({ kind: 'oid.complete', adapter: binding.lower, oid: oidName(oid), status: hexStatus(status), mode: 'sync', bytes: status === K.NDIS_STATUS_SUCCESS ? length : 0 });
    return status;
  }
  return K.NDIS_STATUS_NOT_SUPPORTED;
}

function bindingInCallback(session: Session, bindContext?: number): Binding | undefined {
  if (!session.inCallback('ProtocolBindAdapterEx')) return undefined;
  const opening = store(session).bindings.filter((b) => b.state === 'Opening');
  return bindContext === undefined ? opening[opening.length - 1] : opening.find((b) => b.bindContext === bindContext);
}

/**
 * The binding a protocol names by its NdisBindingHandle, usable for `api`: a handle that was never
 * returned is a bad handle (a lab stop); a handle whose open is still pending (BIND-OPEN-PENDING) or
 * that was closed (BIND-UNBIND) is a violation, and the call does nothing (undefined).
 */
function usableBinding(session: Session, handle: number, api: string): Binding | undefined {
  const binding = [...store(session).bindings].reverse().find((b) => b.bindingHandle === handle && handle !== 0);
  if (!binding) return session.labStop('BAD-HANDLE', `${api}(${hex(handle)}): not a binding handle from NdisOpenAdapterEx`);
  if (binding.openPending) {
    session.violation('BIND-OPEN-PENDING', `${api} on the binding over ${binding.lower} before ProtocolOpenAdapterCompleteEx: NdisOpenAdapterEx returned NDIS_STATUS_PENDING, so the binding handle is not usable until the open completes`);
    return undefined;
  }
  if (binding.closed) {
    session.violation('BIND-UNBIND', `${api} on the binding over ${binding.lower} after NdisCloseAdapterEx: the binding handle is invalid once the close is called`);
    return undefined;
  }
  return binding;
}

/** NDIS finishes a pended open: the handle becomes usable, and ProtocolOpenAdapterCompleteEx runs at PASSIVE_LEVEL. */
function completeOpen(session: Session, binding: Binding, selectedOut: number, selected: number): void {
  binding.openPending = false;
  binding.opened = true;
  if (selectedOut) session.memory.setU32(selectedOut, selected);
  session.emit({ kind: 'ndis.note', api: 'NdisOpenAdapterEx', text: `the pended open of ${binding.lower} completes: ProtocolOpenAdapterCompleteEx(NDIS_STATUS_SUCCESS)` });
  session.callDriver('ProtocolOpenAdapterCompleteEx', binding.protocol.handlers.openAdapterComplete, [binding.bindingContext, K.NDIS_STATUS_SUCCESS], PASSIVE_LEVEL);
}

/** NDIS finishes a pended close: ProtocolCloseAdapterCompleteEx runs at PASSIVE_LEVEL with the binding context, which must still be there. */
function completeClose(session: Session, binding: Binding): void {
  binding.closePending = false;
  if (binding.contextInPool && !session.pool.containing(binding.bindingContext)) {
    session.violation('BIND-UNBIND', `the protocol freed its binding context ${hex(binding.bindingContext)} for ${binding.lower} before ProtocolCloseAdapterCompleteEx: NDIS passes that context to the close completion, so it must live until then`);
    return;
  }
  session.emit({ kind: 'ndis.note', api: 'NdisCloseAdapterEx', text: `the pended close of ${binding.lower} completes: ProtocolCloseAdapterCompleteEx` });
  session.callDriver('ProtocolCloseAdapterCompleteEx', binding.protocol.handlers.closeAdapterComplete, [binding.bindingContext], PASSIVE_LEVEL);
}

/** The lower adapter completes sends: NDIS gives them back through ProtocolSendNetBufferListsComplete at DISPATCH_LEVEL. */
function completeSends(session: Session, binding: Binding, nbls: number[], status: number): void {
  if (nbls.length === 0) return;
  for (const nbl of nbls) binding.sendsInFlight.delete(nbl);
  session.kernel.queueDpc({
    label: `ProtocolSendNetBufferListsComplete(${binding.lower})`,
    run: () => {
      handBackFromSend(session, nbls, status);
      session.emit({ kind: 'nbl', op: 'send-complete', adapter: binding.lower, count: nbls.length, ...(status === K.NDIS_STATUS_SUCCESS ? {} : { status: hexStatus(status) }) });
      session.callDriver('ProtocolSendNetBufferListsComplete', binding.protocol.handlers.sendNetBufferListsComplete, [binding.bindingContext, nbls[0]!, K.NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL], DISPATCH_LEVEL);
    },
  });
}

/** After `ticks`, a PASSIVE_LEVEL work item of NDIS runs `run` (how pended binding operations complete). */
function later(session: Session, label: string, run: () => void): void {
  session.kernel.scheduler.at(session.now + PEND_TICKS, { label, run: () => session.kernel.queueWorkItem({ label, run }) });
}

defineImports([
  {
    name: 'NdisOpenAdapterEx',
    args: args('NdisProtocolHandle:handle', 'ProtocolBindingContext:ptr', 'OpenParameters:ptr', 'BindContext:handle', 'NdisBindingHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [protocolHandle, bindingContext, open, bindContext, handleOut]) {
      const m = session.memory;
      if (handleOut) m.setU32(handleOut, 0);
      const binding = bindingInCallback(session, bindContext);
      if (!binding) {
        session.violation('BIND-OPEN-CONTEXT', `NdisOpenAdapterEx outside ProtocolBindAdapterEx (or with a BindContext that is not the one NDIS passed it): NDIS opens adapters only for the bind in progress; the call fails`);
        return K.NDIS_STATUS_FAILURE;
      }
      if (protocolHandle !== binding.protocol.handle) {
        session.violation('BIND-OPEN-CONTEXT', `NdisOpenAdapterEx: NdisProtocolHandle ${hex(protocolHandle!)} is not the handle NdisRegisterProtocolDriver returned`);
        return K.NDIS_STATUS_FAILURE;
      }
      if ((binding.opened || binding.openPending) && !binding.closed) {
        session.violation('BIND-OPEN-CONTEXT', `NdisOpenAdapterEx called twice in one bind of ${binding.lower}`);
        return K.NDIS_STATUS_FAILURE;
      }
      const count = m.field('NDIS_OPEN_PARAMETERS', open!, 'MediumArraySize');
      const media = m.field('NDIS_OPEN_PARAMETERS', open!, 'MediumArray');
      let selected = -1;
      for (let i = 0; i < count && media !== 0; i++) if (m.u32(media + 4 * i) === K.NdisMedium802_3) selected = i;
      if (selected < 0) return K.NDIS_STATUS_UNSUPPORTED_MEDIA;
      const selectedOut = m.field('NDIS_OPEN_PARAMETERS', open!, 'SelectedMediumIndex');
      binding.closed = false;
      binding.bindingContext = bindingContext!;
      binding.contextInPool = session.pool.containing(bindingContext!) !== undefined;
      binding.bindingHandle = session.newHandle();
      m.setU32(handleOut!, binding.bindingHandle);
      session.emit({ kind: 'resource', op: 'alloc', resource: 'binding', address: binding.bindingHandle, ...siteFields(session.site()) });
      if (binding.pend.has('open')) {
        // The open completes later: the handle and SelectedMediumIndex are valid only from ProtocolOpenAdapterCompleteEx on.
        binding.openPending = true;
        later(session, `${binding.lower}: the open completes`, () => completeOpen(session, binding, selectedOut, selected));
        return K.NDIS_STATUS_PENDING;
      }
      if (selectedOut) m.setU32(selectedOut, selected);
      binding.opened = true;
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisSendNetBufferLists',
    args: args('NdisBindingHandle:handle', 'NetBufferLists:ptr', 'PortNumber:u32', 'SendFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, first]) {
      const binding = usableBinding(session, handle!, 'NdisSendNetBufferLists');
      if (!binding) return;
      if (binding.state !== 'Running') {
        session.violation('BIND-STATE-IO', `NdisSendNetBufferLists on the binding over ${binding.lower} while it is ${binding.state}: a protocol sends only on a Running binding (the NBLs are not sent)`);
        return;
      }
      const nbls = handDownForSend(session, 'NdisSendNetBufferLists', first!);
      // below: the LabNIC miniport below takes them (MiniportSendNetBufferLists).
      if (below.send(session, binding, nbls)) return;
      // The miniport below puts the frames on its wire and completes the sends shortly after.
      if (session.tracing) {
        for (const nbl of nbls) for (const frame of nblFrames(session, nbl)) session.emit({ kind: 'wire.frame', adapter: binding.lower, direction: 'tx', length: frame.length, head: headHex(frame), data: base64(frame) });
      }
      session.emit({ kind: 'nbl', op: 'send', adapter: binding.lower, count: nbls.length, detail: `down the binding of ${binding.protocol.name}`, ...siteFields(session.site()) });
      for (const nbl of nbls) binding.sendsInFlight.add(nbl);
      session.kernel.scheduler.at(session.now + TICKS_PER_MILLISECOND, {
        label: `${binding.lower} completes ${nbls.length} send(s)`,
        // Those cancelled in the meantime (NdisCancelSendNetBufferLists) went back already.
        run: () => completeSends(session, binding, nbls.filter((nbl) => binding.sendsInFlight.has(nbl)), K.NDIS_STATUS_SUCCESS),
      });
    },
  },
  {
    name: 'NdisReturnNetBufferLists',
    args: args('NdisBindingHandle:handle', 'NetBufferLists:ptr', 'ReturnFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, first]) {
      const binding = usableBinding(session, handle!, 'NdisReturnNetBufferLists');
      if (!binding) return;
      const returned = returnLowerReceives(session, 'NdisReturnNetBufferLists', first!);
      for (const nbl of returned) binding.received.delete(nbl);
      session.emit({ kind: 'nbl', op: 'return', adapter: binding.lower, count: returned.length, ...siteFields(session.site()) });
      // below: the LabNIC miniport's own NBLs go back to it once their copies are back.
      below.returned(session, binding, returned);
    },
  },
  {
    name: 'NdisOidRequest',
    args: args('NdisBindingHandle:handle', 'OidRequest:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, request]) {
      const binding = usableBinding(session, handle!, 'NdisOidRequest');
      if (!binding) return K.NDIS_STATUS_CLOSING;
      // §3.3 lists no OID requests in Opening: until the open has completed there is no binding
      // handle to issue them on (usableBinding reports BIND-OPEN-PENDING). Once NdisOpenAdapterEx
      // has succeeded, a bind may query the adapter it opened, as protocols do.
      // below: the LabNIC miniport answers (MiniportOidRequest), perhaps later (ProtocolOidRequestComplete).
      const viaMiniport = below.oid(session, binding, request!);
      if (viaMiniport !== undefined) return viaMiniport;
      if (!binding.pend.has('oid')) return lowerOid(session, binding, request!);
      // The miniport below pends the request: NDIS completes it through ProtocolOidRequestComplete.
      session.emit({ kind: 'ndis.note', api: 'NdisOidRequest', text: `the lower adapter ${binding.lower} pends the request: it completes through ProtocolOidRequestComplete`, ...siteFields(session.site()) });
      const complete = (aborted: boolean): void => {
        if (!binding.oidsPending.delete(request!)) return;
        session.kernel.queueDpc({
          label: `ProtocolOidRequestComplete(${binding.lower})`,
          run: () => {
            const status = aborted ? K.NDIS_STATUS_REQUEST_ABORTED : lowerOid(session, binding, request!);
            session.callDriver('ProtocolOidRequestComplete', binding.protocol.handlers.oidRequestComplete, [binding.bindingContext, request!, status], DISPATCH_LEVEL);
          },
        });
      };
      binding.oidsPending.set(request!, { cancel: () => complete(true) });
      session.kernel.scheduler.at(session.now + PEND_TICKS, { label: `${binding.lower} completes an OID request`, run: () => complete(false) });
      return K.NDIS_STATUS_PENDING;
    },
  },
  {
    name: 'NdisCloseAdapterEx',
    args: args('NdisBindingHandle:handle'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const binding = usableBinding(session, handle!, 'NdisCloseAdapterEx');
      if (!binding) return K.NDIS_STATUS_FAILURE;
      binding.closed = true;
      session.emit({ kind: 'resource', op: 'free', resource: 'binding', address: binding.bindingHandle, ...siteFields(session.site()) });
      if (binding.pend.has('close') || binding.oidsPending.size > 0) {
        // NDIS completes the close once the binding is quiet (an OID still pending holds it open).
        binding.closePending = true;
        const finish = (): void => {
          if (binding.oidsPending.size > 0) later(session, `${binding.lower}: the close waits for OID requests`, finish);
          else completeClose(session, binding);
        };
        later(session, `${binding.lower}: the close completes`, finish);
        return K.NDIS_STATUS_PENDING;
      }
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisCompleteBindAdapterEx',
    args: args('BindAdapterContext:handle', 'Status:status'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [bindContext, status]) {
      const binding = store(session).bindings.find((b) => b.bindContext === bindContext && b.state === 'Opening');
      if (!binding || binding.bindPending?.done) {
        session.violation('BIND-COMPLETE', `NdisCompleteBindAdapterEx(${hex(bindContext!)}): no bind of this context is waiting to complete${binding ? ' (it was completed already)' : ''}`);
        return;
      }
      binding.bindPending = { done: true, status: status! };
    },
  },
  {
    name: 'NdisCompleteUnbindAdapterEx',
    args: args('UnbindContext:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [unbindContext]) {
      const binding = store(session).bindings.find((b) => b.unbindContext === unbindContext && b.state === 'Closing');
      if (!binding || binding.unbindPending?.done) {
        session.violation('BIND-COMPLETE', `NdisCompleteUnbindAdapterEx(${hex(unbindContext!)}): no unbind of this context is waiting to complete`);
        return;
      }
      binding.unbindPending = { done: true };
    },
  },
  {
    name: 'NdisIMInitializeDeviceInstanceEx',
    args: args('DriverHandle:handle', 'DriverInstance:ptr', 'DeviceContext:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [driverHandle, driverInstance, deviceContext]) {
      const registration = driverState(session).registrations.find((r) => r.handle === driverHandle && !r.deregistered);
      if (!registration || (registration.flags & K.NDIS_INTERMEDIATE_DRIVER) === 0) {
        session.violation('IM-INIT-CALL', `NdisIMInitializeDeviceInstanceEx(${hex(driverHandle!)}): ${registration ? 'the miniport was registered without NDIS_INTERMEDIATE_DRIVER' : 'not a miniport driver handle'}; only an intermediate miniport has virtual device instances`);
        return K.NDIS_STATUS_FAILURE;
      }
      const binding = bindingInCallback(session);
      if (!binding) {
        session.violation('IM-INIT-CALL', 'NdisIMInitializeDeviceInstanceEx outside ProtocolBindAdapterEx: a virtual miniport is normally brought up from the bind to the adapter below it', { severity: 'warn' });
      } else if (!binding.opened) {
        session.violation('IM-INIT-CALL', `NdisIMInitializeDeviceInstanceEx before NdisOpenAdapterEx succeeded for ${binding.lower}: open the lower adapter first`, { severity: 'warn' });
      }
      const name = session.memory.unicodeString(driverInstance!);
      const s = store(session);
      // The device instance must be one the installation defined: UpperBindings in the binding's
      // key names it. NDIS would wait for any other name forever (no such device is ever added).
      const defined = [...new Set(s.bindings.flatMap((b) => upperBindings(b.registry)))];
      if (!defined.some((d) => d.toLowerCase() === name.toLowerCase())) {
        session.violation(
          'IM-INIT-CALL',
          `NdisIMInitializeDeviceInstanceEx(DriverInstance ${JSON.stringify(name)}): no virtual device instance of that name is installed, so the PnP manager would never start it and the virtual miniport would never come up. The instance names are in UpperBindings of the binding's registry key — NdisOpenProtocolConfiguration(BindParameters->ProtocolSection), then NdisReadConfiguration("UpperBindings", NdisParameterMultiString) — here ${defined.length ? defined.map((d) => JSON.stringify(d)).join(', ') : 'none (no binding defines one)'}; the lab fails the call`,
        );
        return K.NDIS_STATUS_FAILURE;
      }
      const existing = s.instances.find((i) => i.name === name && (i.state === 'pending' || i.state === 'starting' || i.state === 'initialized'));
      if (existing) {
        if (binding && existing.binding !== binding) binding.refusedInstance = name;
        return K.NDIS_STATUS_NOT_ACCEPTED;
      }
      const instance: DeviceInstance = { name, context: deviceContext!, registration, state: 'pending', ...(binding ? { binding } : {}) };
      s.instances.push(instance);
      const start = binding?.start ?? 'inside';
      if (start === 'inside') {
        // The PnP manager starts the device at once: MiniportInitializeEx runs inside this call.
        s.initializingInside.push(instance);
        try {
          startDevice(session, instance);
        } finally {
          s.initializingInside.pop();
        }
      } else if (start === 'later') {
        const entry = { cancelled: false };
        instance.startEntry = entry;
        session.kernel.scheduler.at(session.now + Math.round((binding?.startAfterMs ?? 0) * TICKS_PER_MILLISECOND), {
          label: `PnP starts ${name}`,
          run: () => {
            if (!entry.cancelled) session.kernel.queueWorkItem({ label: `start ${name}`, run: () => startDevice(session, instance) });
          },
        });
      }
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisIMCancelInitializeDeviceInstance',
    args: args('DriverHandle:handle', 'DeviceInstance:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [, deviceInstance]) {
      const name = session.memory.unicodeString(deviceInstance!);
      const instance = [...store(session).instances].reverse().find((i) => i.name === name);
      if (!instance) return K.NDIS_STATUS_FAILURE;
      if (instance.state !== 'pending') {
        // Too late: MiniportInitializeEx has run (or is running). The driver must de-initialize instead.
        return K.NDIS_STATUS_FAILURE;
      }
      instance.state = 'cancelled';
      if (instance.startEntry) instance.startEntry.cancelled = true;
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisIMDeInitializeDeviceInstance',
    args: args('NdisMiniportHandle:handle'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const instance = store(session).instances.find((i) => i.adapter?.handle === handle);
      if (!instance) {
        const pending = store(session).instances.find((i) => i.state === 'pending');
        if (pending) session.violation('IM-CANCEL-DEINIT', `NdisIMDeInitializeDeviceInstance before the virtual miniport ${pending.name} was initialized: cancel the request with NdisIMCancelInitializeDeviceInstance instead`);
        return K.NDIS_STATUS_FAILURE;
      }
      if (instance.state !== 'initialized') return K.NDIS_STATUS_FAILURE;
      const adapter = adapterOf(session, handle!, 'NdisIMDeInitializeDeviceInstance');
      // NDIS unbinds the protocols above the virtual miniport (pausing it), then halts it.
      unbindHigher(session, instance);
      if (adapter.state === 'Running') pauseAdapter(session, adapter);
      if (adapter.state === 'Paused') haltAdapter(session, adapter, K.NdisHaltDeviceInstanceDeInitialized);
      instance.state = 'deinitialized';
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisIMGetBindingContext',
    args: args('NdisBindingHandle:handle'),
    result: 'handle',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const binding = usableBinding(session, handle!, 'NdisIMGetBindingContext');
      if (!binding) return 0;
      // The device context exists only when the adapter below is an intermediate driver's virtual
      // miniport; the lab's lower adapters are physical miniports, so there is none.
      const virtual = store(session).instances.find((i) => i.name === binding.lower && i.state === 'initialized');
      return virtual ? virtual.context : 0;
    },
  },
  {
    name: 'NdisUnbindAdapter',
    args: args('NdisBindingHandle:handle'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [handle]) {
      if (session.inCallback('ProtocolBindAdapterEx') || session.inCallback('ProtocolUnbindAdapterEx')) {
        session.violation('BIND-UNBIND', 'NdisUnbindAdapter inside ProtocolBindAdapterEx or ProtocolUnbindAdapterEx: a protocol asks for its own unbind only outside those functions (fail the bind instead, or let the unbind run)');
        return K.NDIS_STATUS_FAILURE;
      }
      const binding = usableBinding(session, handle!, 'NdisUnbindAdapter');
      if (!binding) return K.NDIS_STATUS_FAILURE;
      // NDIS queues a work item that pauses the binding and calls ProtocolUnbindAdapterEx; the handle may be gone when this returns.
      session.kernel.queueWorkItem({
        label: `NDIS unbinds ${binding.protocol.name} from ${binding.lower}`,
        run: () => {
          if (binding.state === 'Running' || binding.state === 'Paused') unbindProtocol(session, binding.lower);
        },
      });
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisReEnumerateProtocolBindings',
    args: args('NdisProtocolHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [protocolHandle]) {
      for (const handler of ['ProtocolBindAdapterEx', 'ProtocolUnbindAdapterEx', 'ProtocolNetPnPEvent']) {
        if (session.inCallback(handler)) {
          session.violation('BIND-REENUM', `NdisReEnumerateProtocolBindings inside ${handler}: NDIS would re-enter the binding it is changing; call it from outside the binding callbacks (a work item, DriverEntry after registration)`);
          return;
        }
      }
      const protocol = protocolState(session).registrations.find((p) => p.handle === protocolHandle && !p.deregistered);
      if (!protocol) return session.labStop('BAD-HANDLE', `NdisReEnumerateProtocolBindings(${hex(protocolHandle!)}): not a protocol handle from NdisRegisterProtocolDriver`);
      // NDIS offers again every adapter whose bind failed and that the protocol is not bound to.
      const s = store(session);
      const latest = new Map<string, Binding>();
      for (const b of s.bindings) latest.set(b.lower, b);
      const failed = [...latest.values()].filter((b) => b.state === 'Unbound' && b.failed);
      session.emit({ kind: 'ndis.note', api: 'NdisReEnumerateProtocolBindings', text: failed.length ? `NDIS offers ${failed.map((b) => b.lower).join(', ')} to ${protocol.name} again` : `no adapter to offer ${protocol.name} again (every bind succeeded or was removed by NDIS)`, ...siteFields(session.site()) });
      for (const b of failed) {
        const options: BindOptions = { start: b.start, startAfterMs: b.startAfterMs, pend: [...b.pend], ...(b.registryOverrides ? { registry: b.registryOverrides } : {}) };
        session.kernel.queueWorkItem({ label: `NDIS binds ${protocol.name} to ${b.lower} again`, run: () => bindProtocol(session, b.lower, options) });
      }
    },
  },
  {
    name: 'NdisCancelSendNetBufferLists',
    args: args('NdisBindingHandle:handle', 'CancelId:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, cancelId]) {
      const binding = usableBinding(session, handle!, 'NdisCancelSendNetBufferLists');
      if (!binding) return;
      // below: a LabNIC miniport cancels what it holds (MiniportCancelSend).
      if (below.cancelSend(session, binding, cancelId!)) return;
      // The miniport below gives back, with NDIS_STATUS_SEND_ABORTED, every send it still holds that carries this cancel ID.
      const m = session.memory;
      const info = m.offsetOf('NET_BUFFER_LIST', 'NetBufferListInfo') + 4 * K.NetBufferListCancelId; // NET_BUFFER_LIST_INFO(nbl, NetBufferListCancelId)
      const cancelled = [...binding.sendsInFlight].filter((nbl) => m.u32(nbl + info) === cancelId && cancelId !== 0);
      session.emit({ kind: 'ndis.note', api: 'NdisCancelSendNetBufferLists', text: `${cancelled.length} send(s) with cancel ID ${hex(cancelId!)} still held by ${binding.lower}: ${cancelled.length ? 'they come back with NDIS_STATUS_SEND_ABORTED' : 'nothing to cancel'}`, ...siteFields(session.site()) });
      completeSends(session, binding, cancelled, K.NDIS_STATUS_SEND_ABORTED);
    },
  },
  {
    name: 'NdisCancelOidRequest',
    args: args('NdisBindingHandle:handle', 'RequestId:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, requestId]) {
      const binding = usableBinding(session, handle!, 'NdisCancelOidRequest');
      if (!binding) return;
      // A pended request with this RequestId completes now with NDIS_STATUS_REQUEST_ABORTED.
      const pending = [...binding.oidsPending].find(([request]) => session.memory.field('NDIS_OID_REQUEST', request, 'RequestId') === requestId);
      session.emit({ kind: 'ndis.note', api: 'NdisCancelOidRequest', text: pending ? `the pended request ${hex(pending[0])} completes with NDIS_STATUS_REQUEST_ABORTED` : `no pended request with RequestId ${hex(requestId!)} on ${binding.lower}: nothing to cancel`, ...siteFields(session.site()) });
      pending?.[1].cancel();
    },
  },
  {
    name: 'NdisCompleteNetPnPEvent',
    args: args('NdisBindingHandle:handle', 'NetPnPEventNotification:ptr', 'Status:status'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, notification, status]) {
      const binding = usableBinding(session, handle!, 'NdisCompleteNetPnPEvent');
      if (!binding) return;
      const pending = binding.netPnPPending;
      if (!pending || pending.notification !== notification || pending.status !== undefined) {
        session.violation('BIND-COMPLETE', `NdisCompleteNetPnPEvent(${hex(handle!)}, ${hex(notification!)}): no network PnP event of this binding is waiting for completion${pending && pending.notification !== notification ? ' (that is not the notification NDIS passed to ProtocolNetPnPEvent)' : ''}`);
        return;
      }
      pending.status = status!;
    },
  },
  {
    name: 'NdisOpenProtocolConfiguration',
    args: args('Status:ptr', 'ConfigurationHandle:ptr', 'ProtocolSection:ptr'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'custom', label: 'NDIS_STATUS_RESOURCES', apply: (session, [statusOut]) => session.memory.setU32(statusOut!, K.NDIS_STATUS_RESOURCES) },
    impl(session, [statusOut, handleOut, section]) {
      const m = session.memory;
      if (handleOut) m.setU32(handleOut, 0);
      if (!section) {
        return session.labStop('BAD-HANDLE', 'NdisOpenProtocolConfiguration(…, ProtocolSection NULL): pass BindParameters->ProtocolSection, the name of the binding\'s key that NDIS gave ProtocolBindAdapterEx');
      }
      const name = m.unicodeString(section!);
      // The key of the binding whose section this is (the newest, if the adapter was bound again).
      const binding = [...store(session).bindings].reverse().find((b) => b.section.toLowerCase() === name.toLowerCase());
      if (!binding) {
        session.emit({ kind: 'ndis.note', api: 'NdisOpenProtocolConfiguration', text: `no key ${JSON.stringify(name)}: ProtocolSection names the binding's key, e.g. ${JSON.stringify(store(session).bindings[0]?.section ?? 'PassthruIm\\Parameters\\Adapters\\{LAB-LOWER0}')} — pass BindParameters->ProtocolSection unchanged (NDIS_STATUS_FAILURE)`, ...siteFields(session.site()) });
        m.setU32(statusOut!, K.NDIS_STATUS_FAILURE);
        return;
      }
      m.setU32(statusOut!, openBindingConfiguration(session, binding.registry, binding.section, handleOut!));
    },
  },
  {
    name: 'NdisQueryBindInstanceName',
    args: args('pAdapterInstanceName:ptr', 'BindingContext:handle'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [out, bindContext]) {
      const m = session.memory;
      const binding = store(session).bindings.find((b) => b.bindContext === bindContext);
      if (!binding) return session.labStop('BAD-HANDLE', `NdisQueryBindInstanceName(…, ${hex(bindContext!)}): not a BindContext NDIS passed to ProtocolBindAdapterEx`);
      if (bindingInCallback(session, bindContext) !== binding) {
        session.emit({ kind: 'ndis.note', api: 'NdisQueryBindInstanceName', text: `the bind to ${binding.lower} is over: its BindContext is valid only inside ProtocolBindAdapterEx (NDIS_STATUS_FAILURE)`, ...siteFields(session.site()) });
        return K.NDIS_STATUS_FAILURE;
      }
      // The adapter's friendly name, in a buffer NDIS allocates for the protocol (freed with NdisFreeMemory).
      const text = below.bindInfo(session, binding.lower) ? `LabNIC Gigabit Ethernet Adapter (${binding.lower})` : `NDIS Lab Ethernet Adapter (${binding.lower})`;
      const bytes = text.length * 2;
      const buffer = allocateDriverBlock(session, 'NdisQueryBindInstanceName', bytes + 2, TAG_BIND);
      if (buffer === 0) return K.NDIS_STATUS_RESOURCES;
      m.writeUtf16(buffer, text);
      m.setU16(buffer + bytes, 0);
      store(session).instanceNames.set(buffer, binding.lower);
      m.setField('UNICODE_STRING', out!, 'Length', bytes);
      m.setField('UNICODE_STRING', out!, 'MaximumLength', bytes + 2);
      m.setField('UNICODE_STRING', out!, 'Buffer', buffer);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
]);
