import { hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { siteFields, type Session } from '../session/session';
import { adapterOf, adapters, addAdapterChecks, haltAdapter, initializeAdapter, pauseAdapter, writeHeader, type Adapter } from './adapter';
import { oidName } from './oid';
import { driverState, hexStatus, type MiniportRegistration } from './driver';
import { args, defineImports } from './imports';
import { buildLowerReceiveNbls, handBackFromSend, handDownForSend, heldLowerReceives, nblFrames, returnLowerReceives } from './nbl';
import { protocolState, type ProtocolRegistration } from './protocol';
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

export interface Binding {
  lower: string;
  protocol: ProtocolRegistration;
  state: BindingState;
  bindContext: number;
  unbindContext: number;
  /** The protocol's ProtocolBindingContext (from NdisOpenAdapterEx) and NDIS's binding handle. */
  bindingContext: number;
  bindingHandle: number;
  opened: boolean;
  closed: boolean;
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

interface BindingStateStore {
  bindings: Binding[];
  instances: DeviceInstance[];
}

addAdapterChecks({
  // NDIS halted a virtual miniport itself (a halt step, a removal): the device instance is gone,
  // and the driver has nothing left to de-initialize.
  afterHalt(session, adapter) {
    for (const instance of store(session).instances) if (instance.adapter === adapter && instance.state === 'initialized') instance.state = 'deinitialized';
  },
});

function store(session: Session): BindingStateStore {
  return session.state<BindingStateStore>('binding', () => ({ bindings: [], instances: [] }));
}

const LOWER_MAC = [0x02, 0x4c, 0x41, 0x42, 0x00, 0x01];
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
  const section = ndisString(session, binding.protocol.name);
  const name = ndisString(session, `\\DEVICE\\{LAB-${binding.lower.toUpperCase()}}`);
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
    return session.callDriver('ProtocolNetPnPEvent', binding.protocol.handlers.netPnPEvent, [binding.bindingContext, n], PASSIVE_LEVEL);
  } finally {
    session.pool.release(n);
  }
}

/** The `bind` step: NDIS binds the driver's protocol to the lower adapter `lower` (created on first use). */
export function bindProtocol(session: Session, lower: string, start: DeviceStart, startAfterMs: number): void {
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
    closed: false,
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
  if (!isSuccess(status)) {
    if (binding.opened && !binding.closed) {
      session.violation('BIND-FAIL-CLEANUP', `ProtocolBindAdapterEx for ${lower} failed (${hexStatus(status)}) with the adapter still open: close it (NdisCloseAdapterEx) before failing the bind`);
    }
    transition(session, binding, 'Unbound');
    return;
  }
  if (!binding.opened) {
    session.violation('BIND-FAIL-CLEANUP', `ProtocolBindAdapterEx for ${lower} returned success without a successful NdisOpenAdapterEx: a bind succeeds only with the adapter open`);
    transition(session, binding, 'Unbound');
    return;
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
  } else {
    instance.state = 'failed';
    session.violation('IM-INIT-FAIL', `the virtual miniport ${instance.name} failed to initialize (${hexStatus(status)}): NDIS records a live dump (0x15E, code 72)`, { severity: 'warn' });
  }
}

/** The `start-device` step: the PnP manager starts a virtual device whose start was left pending. */
export function startDeviceByName(session: Session, name: string): void {
  const instance = store(session).instances.find((i) => i.name === name && i.state === 'pending');
  if (!instance) throw new Error(`no virtual device ${name} is waiting to start`);
  if (instance.startEntry) instance.startEntry.cancelled = true;
  startDevice(session, instance);
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
      if (binding.opened && !binding.closed) {
        session.violation('BIND-OPEN-CONTEXT', `NdisOpenAdapterEx called twice in one bind of ${binding.lower}`);
        return K.NDIS_STATUS_FAILURE;
      }
      const count = m.field('NDIS_OPEN_PARAMETERS', open!, 'MediumArraySize');
      const media = m.field('NDIS_OPEN_PARAMETERS', open!, 'MediumArray');
      let selected = -1;
      for (let i = 0; i < count && media !== 0; i++) if (m.u32(media + 4 * i) === K.NdisMedium802_3) selected = i;
      if (selected < 0) return K.NDIS_STATUS_UNSUPPORTED_MEDIA;
      const selectedOut = m.field('NDIS_OPEN_PARAMETERS', open!, 'SelectedMediumIndex');
      if (selectedOut) m.setU32(selectedOut, selected);
      binding.opened = true;
      binding.closed = false;
      binding.bindingContext = bindingContext!;
      binding.bindingHandle = session.newHandle();
      m.setU32(handleOut!, binding.bindingHandle);
      session.emit({ kind: 'resource', op: 'alloc', resource: 'binding', address: binding.bindingHandle, ...siteFields(session.site()) });
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisSendNetBufferLists',
    args: args('NdisBindingHandle:handle', 'NetBufferLists:ptr', 'PortNumber:u32', 'SendFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, first]) {
      const binding = store(session).bindings.find((b) => b.bindingHandle === handle && b.opened && !b.closed);
      if (!binding) return session.labStop('BAD-HANDLE', `NdisSendNetBufferLists(${hex(handle!)}): not an open binding handle`);
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
      session.kernel.scheduler.at(session.now + TICKS_PER_MILLISECOND, {
        label: `${binding.lower} completes ${nbls.length} send(s)`,
        run: () =>
          session.kernel.queueDpc({
            label: `ProtocolSendNetBufferListsComplete(${binding.lower})`,
            run: () => {
              handBackFromSend(session, nbls, K.NDIS_STATUS_SUCCESS);
              session.emit({ kind: 'nbl', op: 'send-complete', adapter: binding.lower, count: nbls.length });
              session.callDriver('ProtocolSendNetBufferListsComplete', binding.protocol.handlers.sendNetBufferListsComplete, [binding.bindingContext, nbls[0]!, K.NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL], DISPATCH_LEVEL);
            },
          }),
      });
    },
  },
  {
    name: 'NdisReturnNetBufferLists',
    args: args('NdisBindingHandle:handle', 'NetBufferLists:ptr', 'ReturnFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, first]) {
      const binding = store(session).bindings.find((b) => b.bindingHandle === handle && b.opened);
      if (!binding) return session.labStop('BAD-HANDLE', `NdisReturnNetBufferLists(${hex(handle!)}): not a binding handle from NdisOpenAdapterEx`);
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
      const binding = store(session).bindings.find((b) => b.bindingHandle === handle && b.opened);
      if (!binding) return session.labStop('BAD-HANDLE', `NdisOidRequest(${hex(handle!)}): not a binding handle from NdisOpenAdapterEx`);
      if (binding.closed || binding.state === 'Unbound') {
        session.violation('BIND-STATE-IO', `NdisOidRequest on the binding over ${binding.lower} after it was closed: OID requests need an open binding`);
        return K.NDIS_STATUS_CLOSING;
      }
      // below: the LabNIC miniport answers (MiniportOidRequest), perhaps later (ProtocolOidRequestComplete).
      return below.oid(session, binding, request!) ?? lowerOid(session, binding, request!);
    },
  },
  {
    name: 'NdisCloseAdapterEx',
    args: args('NdisBindingHandle:handle'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const binding = store(session).bindings.find((b) => b.bindingHandle === handle && b.opened && !b.closed);
      if (!binding) return session.labStop('BAD-HANDLE', `NdisCloseAdapterEx(${hex(handle!)}): not an open binding handle (closed already, or never opened)`);
      binding.closed = true;
      session.emit({ kind: 'resource', op: 'free', resource: 'binding', address: binding.bindingHandle, ...siteFields(session.site()) });
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
      if (s.instances.some((i) => i.name === name && (i.state === 'pending' || i.state === 'starting' || i.state === 'initialized'))) return K.NDIS_STATUS_NOT_ACCEPTED;
      const instance: DeviceInstance = { name, context: deviceContext!, registration, state: 'pending', ...(binding ? { binding } : {}) };
      s.instances.push(instance);
      const start = binding?.start ?? 'inside';
      if (start === 'inside') {
        // The PnP manager starts the device at once: MiniportInitializeEx runs inside this call.
        startDevice(session, instance);
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
      // NDIS unbinds what is above the virtual miniport (here: pauses it), then halts it.
      if (adapter.state === 'Running') pauseAdapter(session, adapter);
      if (adapter.state === 'Paused') haltAdapter(session, adapter, K.NdisHaltDeviceInstanceDeInitialized);
      instance.state = 'deinitialized';
      return K.NDIS_STATUS_SUCCESS;
    },
  },
]);
