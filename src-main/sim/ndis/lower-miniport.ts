import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { BugCheck } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { LabNic, LABNIC } from '../hw/labnic';
import { formatValue, Session, siteFields, type Finding, type SessionOptions } from '../session/session';
import type { SourceMap } from '../session/source-site';
import { addAdapterChecks, adapters, haltAdapter, initializeAdapter, pauseAdapter, restartAdapter, writeHeader, type Adapter, type AdapterState, type GeneralAttributes } from './adapter';
import { openBindingOver, unbindProtocol, type Binding } from './binding';
import { driverState, hexStatus, loadDriver, unloadDriver } from './driver';
import { lastLinkState } from './indication';
import { buildForwardedSendNbl, buildReceiveCopies, handBackFromSend, nblFrames, reclaimLowerReceives, returnIndicated } from './nbl';
import { cancelOutstandingOid, issueOidAsync, oidName, oidOutstanding, type OidResult } from './oid';
import { isSuccess, K } from './status';
import { setUpperStack, type UpperStack } from './upper-edge';
import { checkTraffic, injectFrames, sequenceOf, wireLedger, type InjectOptions } from './wire';

/**
 * The miniport below a binding (ndis-rules §3.3–§3.4, issue #6): a LabNIC device run by the lab's
 * reference LabNIC driver (resources/examples/labnic-miniport), built like any driver, in a second
 * Session that shares the learner's simulated CPU (clock, scheduler, DPC queue, IRQL). The `bind`
 * step (below: 'labnic') loads it on first use, adds a LabNIC device named after the lower adapter
 * (lower0…), lets NDIS initialize and restart it and its link come up, and only then calls the
 * learner's ProtocolBindAdapterEx, with NDIS_BIND_PARAMETERS from what the miniport reported.
 *
 * What NDIS does between the two drivers lives here. The two drivers have separate memories, so
 * frames and OID buffers are copied; ownership follows NDIS all the same:
 *  - NdisSendNetBufferLists on the binding → NBLs NDIS builds in the miniport's memory →
 *    MiniportSendNetBufferLists; NdisMSendNetBufferListsComplete → the protocol's NBLs complete,
 *    with the miniport's status, through ProtocolSendNetBufferListsComplete (inside that call).
 *  - NdisMIndicateReceiveNetBufferLists → copies in the protocol's memory to
 *    ProtocolReceiveNetBufferLists (inside that call, at the miniport's IRQL, with its
 *    NDIS_RECEIVE_FLAGS_RESOURCES); the miniport's NBLs go back (MiniportReturnNetBufferLists) when
 *    the protocol returns the copies, or at once when it was told RESOURCES, after which the copies
 *    are NDIS's again.
 *  - NdisOidRequest → an NDIS_OID_REQUEST in the miniport's memory → MiniportOidRequest at
 *    PASSIVE_LEVEL, one at a time; a PENDING answer pends the protocol's request too, and
 *    NdisMOidRequestComplete copies the results back and calls ProtocolOidRequestComplete.
 *  - NdisMIndicateStatusEx → ProtocolStatusEx with the binding handle as SourceHandle.
 *  - A removal of the device (surprise removal, NdisMRemoveMiniport): PnP tells the miniport first
 *    (MiniportDevicePnPEventNotify, so sends stuck in vanished hardware can complete), then NDIS
 *    unbinds the protocol (NetEventPause, ProtocolUnbindAdapterEx), then pauses and halts the
 *    miniport. At the end of the run NDIS halts the adapters no binding uses and unloads the driver.
 *
 * The lower driver gets no fault injection. Its events carry `driver: 'lower'` and its files are
 * named ndis-lab:examples/<driver>/<file>; its findings appear in the run result with a prefix
 * (they would mean the reference driver, or the lab, is wrong).
 */

/** A lab reference driver, built and instrumented by the engine, to run below a binding. */
export interface LowerDriverImage {
  /** Its service name and example folder: 'labnic-miniport'. */
  name: string;
  wasm: Uint8Array;
  sourceMap?: SourceMap;
  fuelGlobal?: string;
  siteGlobal?: string;
  callSiteOffsets?: Uint32Array;
  /** Before each of its NDIS calls (the host's liveness heartbeat; no breakpoints in lab code). */
  beforeCall?: SessionOptions['beforeCall'];
  /** Also show its internals: its NDIS calls, callbacks, prints, register accesses (off: only what the adapter does). */
  traceInternals?: boolean;
}

/** What NDIS_BIND_PARAMETERS says of a lower adapter: its general attributes, updated by its link indications. */
export type LowerBindInfo = GeneralAttributes;

/** A protocol's NdisOidRequest waiting for the miniport (NDIS sends it one request at a time, at PASSIVE_LEVEL). */
interface QueuedOid {
  binding: Binding;
  request: number;
}

/** One lower adapter: the LabNIC device, its adapter in the lower session, and NDIS's books between it and the binding above. */
interface Link {
  name: string;
  adapter: Adapter;
  /** The NIC itself (its cable, for lower-link). */
  nic: LabNic;
  /** Sends in the miniport: NBL NDIS built there → the protocol's NBL and the binding it came down. */
  sends: Map<number, { nbl: number; binding: Binding }>;
  /** Receive copies the protocol holds → the miniport's NBL each was copied from. */
  copies: Map<number, number>;
  /** The link as the miniport last indicated it (NDIS_STATUS_LINK_STATE). */
  link: { connect: number; duplex: number; xmit: bigint; rcv: bigint } | undefined;
  oids: QueuedOid[];
  oidRunning: boolean;
  /** Traffic books for expect-traffic: frames given to the protocol, per wire sequence number. */
  toProtocol: Map<number, number>;
  givenToProtocol: number;
  givenTwice: number[];
  /** Frames the miniport indicated while no Running binding could take them (NDIS gave them back). */
  notTaken: number;
  /** Frames sent down, and those of them without a usable lab sequence number (not in the wire ledger). */
  sentDown: number;
  unnumbered: number;
}

interface LowerState {
  image: LowerDriverImage | undefined;
  session: Session | undefined;
  links: Map<string, Link>;
  /** Lower adapters bound as the built-in model. */
  models: Set<string>;
}

/** How long the bind waits for the link of a freshly started LabNIC (auto-negotiation takes 50 ms). */
const LINK_WAIT_TICKS = 200 * TICKS_PER_MILLISECOND;
/** How long a lower-link step waits for the miniport to indicate the change (a plugged cable: auto-negotiation, 50 ms). */
const LINK_CHANGE_WAIT_TICKS = 200 * TICKS_PER_MILLISECOND;
/** The registry a LabNIC device instance gets from its INF: MSI asked for. */
const LABNIC_REGISTRY = { MSISupported: 1 } as const;
const TAG_LOWER = 0x52574f4c; // 'LOWR'

/** An adapter's state now (after calls that change it: TypeScript's narrowing does not know). */
const stateOf = (adapter: Adapter): AdapterState => adapter.state;

/** The EEPROM address of the n-th LabNIC below (each NIC its own): 02:4C:41:42:00:01, 02:4C:41:42:10:01, … */
function stationAddress(n: number): number[] {
  const mac: number[] = [...LABNIC.defaultMac];
  mac[4] = (mac[4]! + 0x10 * n) & 0xff;
  return mac;
}

function lowerState(session: Session): LowerState {
  return session.state<LowerState>('lower-miniport', () => ({ image: undefined, session: undefined, links: new Map(), models: new Set() }));
}

/** The learner's session each lower session serves. */
const owners = new WeakMap<Session, Session>();

/** Gives the run the reference driver to put below its bindings (the engine builds it). */
export function setLowerDriverImage(session: Session, image: LowerDriverImage): void {
  lowerState(session).image = image;
}

/** The lower driver's session, if the run has one. */
export function lowerSessionOf(session: Session): Session | undefined {
  return lowerState(session).session;
}

function linkOf(session: Session, lower: string): Link | undefined {
  const link = lowerState(session).links.get(lower);
  return link && link.adapter.state !== 'Halted' ? link : undefined;
}

function linkByAdapter(session: Session, adapter: Adapter): Link | undefined {
  for (const link of lowerState(session).links.values()) if (link.adapter === adapter) return link;
  return undefined;
}

/** `ndis-lab:examples/<driver>/`: where the lower driver's files are, in events and findings. */
function filePrefix(name: string): string {
  return `ndis-lab:examples/${name}/`;
}

/**
 * The lower driver's internals, which the learner's run leaves out unless asked (traceInternals):
 * what the lab's own driver does inside is not the learner's to read through. What its adapter
 * does (states, link, frames, NBLs handed over, interrupts, the hardware panel) and anything it
 * did wrong (findings, bug checks) are shown, marked.
 */
const INTERNALS = new Set<SimEvent['kind']>(['ndis.call', 'driver.callback', 'debug.print', 'hw.register', 'resource', 'registry.read', 'registry.write', 'driver.state', 'ndis.note']);

/** An event of the lower driver, as the learner's run shows it (undefined: left out). */
function marked(event: SimEvent, prefix: string, internals: boolean): SimEvent | undefined {
  if (!internals && INTERNALS.has(event.kind)) return undefined;
  const out = { ...event, driver: 'lower' } as SimEvent & { file?: string };
  if (typeof out.file === 'string') out.file = prefix + out.file;
  return out;
}

/** Loads the reference driver below (DriverEntry) on first use. */
function lowerSession(session: Session): Session {
  const state = lowerState(session);
  if (state.session) return state.session;
  const image = state.image;
  if (!image) {
    throw new Error('this bind puts a LabNIC adapter below (below: labnic), but the run was started without the reference LabNIC driver; use below: model for the built-in stand-in');
  }
  const prefix = filePrefix(image.name);
  const lower = new Session({
    wasm: image.wasm,
    driverName: image.name,
    seed: session.options.seed,
    kernel: session.kernel,
    lower: true,
    tracing: session.tracing,
    emit: (event) => {
      const shown = marked(event, prefix, image.traceInternals === true);
      if (shown) session.options.emit(shown);
    },
    ...(image.sourceMap ? { sourceMap: image.sourceMap } : {}),
    ...(image.fuelGlobal ? { fuelGlobal: image.fuelGlobal } : {}),
    ...(image.siteGlobal ? { siteGlobal: image.siteGlobal } : {}),
    ...(image.callSiteOffsets ? { callSiteOffsets: image.callSiteOffsets } : {}),
    ...(session.options.limits ? { limits: session.options.limits } : {}),
    ...(image.beforeCall ? { beforeCall: image.beforeCall } : {}),
  });
  state.session = lower;
  owners.set(lower, session);
  // Sends and OID requests from above that the miniport holds: its watchdog may yet finish them.
  session.kernel.addOwedWork(() => {
    for (const link of state.links.values()) if (link.adapter.state !== 'Halted' && (link.sends.size > 0 || link.oidRunning)) return true;
    return false;
  });
  setUpperStack(lower, upperStackFor(session, lower));
  const status = session.kernel.atIrql(PASSIVE_LEVEL, () => loadDriver(lower, image.name));
  if (!isSuccess(status) || driverState(lower).phase !== 'registered') {
    throw new Error(`the reference driver ${image.name} below failed to load: DriverEntry returned ${hexStatus(status)}`);
  }
  return lower;
}

// --- the bind step ------------------------------------------------------------------------------------

/**
 * Before a bind to `lower` (below: 'labnic'): the LabNIC device arrives, NDIS initializes and
 * restarts its miniport, and its link comes up; only then does NDIS bind protocols to it. An
 * adapter that is up already (a second bind after an unbind) is used as it is.
 */
export function bringUpLower(session: Session, lower: string): void {
  const state = lowerState(session);
  if (state.models.has(lower)) throw new Error(`${lower} was bound as the built-in model (below: model); a lower adapter is one or the other for a run`);
  if (linkOf(session, lower)) return;
  const nested = lowerSession(session);
  const nic = new LabNic({ mac: stationAddress(state.links.size) });
  session.kernel.atIrql(PASSIVE_LEVEL, () => initializeAdapter(nested, lower, { ...LABNIC_REGISTRY }, nic));
  const adapter = [...adapters(nested).values()].reverse().find((a) => a.name === lower);
  if (!adapter || adapter.state !== 'Paused') {
    throw new Error(`the LabNIC adapter ${lower} below did not initialize (the reference driver left it ${adapter?.state ?? 'absent'})`);
  }
  session.kernel.atIrql(PASSIVE_LEVEL, () => restartAdapter(nested, adapter));
  if (stateOf(adapter) !== 'Running') throw new Error(`the LabNIC adapter ${lower} below did not restart (it is ${adapter.state})`);
  const link: Link = {
    name: lower,
    adapter,
    nic,
    sends: new Map(),
    copies: new Map(),
    link: undefined,
    oids: [],
    oidRunning: false,
    toProtocol: new Map(),
    givenToProtocol: 0,
    givenTwice: [],
    notTaken: 0,
    sentDown: 0,
    unnumbered: 0,
  };
  state.links.set(lower, link);
  // The miniport indicates its link once auto-negotiation completes: NDIS binds with that state.
  session.kernel.waitUntil(() => lastLinkState(nested, adapter.handle) === 'up' || adapter.state !== 'Running', LINK_WAIT_TICKS);
}

/** Before a bind to `lower` as the built-in model (below: 'model'). */
export function useModelBelow(session: Session, lower: string): void {
  if (linkOf(session, lower)) throw new Error(`${lower} is a LabNIC adapter (bound with below: labnic); a lower adapter is one or the other for a run`);
  lowerState(session).models.add(lower);
}

/** NDIS_BIND_PARAMETERS for a binding over a LabNIC adapter; undefined for the model. */
export function bindInfo(session: Session, lower: string): LowerBindInfo | undefined {
  const link = linkOf(session, lower);
  const general = link?.adapter.general;
  if (!link || !general) return undefined;
  const now = link.link;
  return {
    ...general,
    xmitLinkSpeed: now?.xmit ?? general.xmitLinkSpeed,
    rcvLinkSpeed: now?.rcv ?? general.rcvLinkSpeed,
    mediaConnectState: now?.connect ?? general.mediaConnectState,
    mediaDuplexState: now?.duplex ?? general.mediaDuplexState,
  };
}

// --- sends: protocol → miniport ------------------------------------------------------------------------

/** NdisSendNetBufferLists on a binding over a LabNIC adapter (the NBLs are NDIS's already). False for the model. */
export function send(session: Session, binding: Binding, nbls: readonly number[]): boolean {
  const link = lowerState(session).links.get(binding.lower);
  if (!link) return false;
  const lower = lowerState(session).session!;
  const adapter = link.adapter;
  session.emit({ kind: 'nbl', op: 'send', adapter: link.name, count: nbls.length, detail: `down the binding of ${binding.protocol.name} to the LabNIC miniport`, ...siteFields(session.site()) });
  if (adapter.state !== 'Running') {
    // NDIS does not pass sends to a miniport that is not Running: it completes them itself.
    const status = adapter.state === 'Halted' ? K.NDIS_STATUS_ADAPTER_REMOVED : K.NDIS_STATUS_PAUSED;
    session.kernel.queueDpc({ label: `NDIS completes ${nbls.length} send(s) on ${link.name}`, run: () => completeToProtocol(session, link, binding, nbls.map((nbl) => ({ nbl, status }))) });
    return true;
  }
  const chain: number[] = [];
  const failed: Array<{ nbl: number; status: number }> = [];
  for (const nbl of nbls) {
    const frames = nblFrames(session, nbl);
    const down = buildForwardedSendNbl(lower, adapter, frames);
    if (!down) {
      failed.push({ nbl, status: K.NDIS_STATUS_RESOURCES });
      continue;
    }
    // The cancel ID travels with the send, so the miniport's MiniportCancelSend can match it.
    const cancelInfo = session.memory.offsetOf('NET_BUFFER_LIST', 'NetBufferListInfo') + 4 * K.NetBufferListCancelId;
    lower.memory.setU32(down.nbl + cancelInfo, session.memory.u32(nbl + cancelInfo));
    link.sentDown += frames.length;
    link.unnumbered += frames.length - down.numbered;
    link.sends.set(down.nbl, { nbl, binding });
    chain.push(down.nbl);
  }
  if (failed.length > 0) session.kernel.queueDpc({ label: `NDIS fails ${failed.length} send(s) on ${link.name}`, run: () => completeToProtocol(session, link, binding, failed) });
  if (chain.length === 0) return true;
  chain.forEach((nbl, i) => lower.memory.setField('NET_BUFFER_LIST', nbl, 'Next', chain[i + 1] ?? 0));
  const irql = session.irql;
  const flags = irql >= DISPATCH_LEVEL ? K.NDIS_SEND_FLAGS_DISPATCH_LEVEL : 0;
  lower.callDriver('MiniportSendNetBufferLists', adapter.registration.handlers.sendNetBufferLists, [adapter.context, chain[0]!, K.NDIS_DEFAULT_PORT_NUMBER, flags], irql, adapter.handle);
  return true;
}

/**
 * NdisCancelSendNetBufferLists on a binding over a LabNIC adapter: NDIS calls the miniport's
 * MiniportCancelSend with the cancel ID; the sends it still holds with that ID come back through
 * NdisMSendNetBufferListsComplete (NDIS_STATUS_SEND_ABORTED) and on to the protocol. False when
 * the adapter below is not a LabNIC one.
 */
export function cancelSend(session: Session, binding: Binding, cancelId: number): boolean {
  const link = lowerState(session).links.get(binding.lower);
  if (!link) return false;
  const lower = lowerState(session).session!;
  const adapter = link.adapter;
  const handler = adapter.registration.handlers.cancelSend;
  session.emit({ kind: 'ndis.note', api: 'NdisCancelSendNetBufferLists', text: `NDIS calls MiniportCancelSend of ${link.name} with cancel ID 0x${(cancelId >>> 0).toString(16).padStart(8, '0')}: the sends it still holds with that ID come back with NDIS_STATUS_SEND_ABORTED`, ...siteFields(session.site()) });
  if (adapter.state !== 'Halted' && handler !== 0) lower.callDriver('MiniportCancelSend', handler, [adapter.context, cancelId], session.irql, adapter.handle);
  return true;
}

/** The protocol's NBLs come back to it, each with its status, through ProtocolSendNetBufferListsComplete. */
function completeToProtocol(session: Session, link: Link, binding: Binding, done: ReadonlyArray<{ nbl: number; status: number }>): void {
  if (done.length === 0) return;
  const chain = done.map((d) => d.nbl);
  handBackFromSend(session, chain, K.NDIS_STATUS_SUCCESS);
  for (const d of done) session.memory.setField('NET_BUFFER_LIST', d.nbl, 'Status', d.status);
  const failed = done.filter((d) => d.status !== K.NDIS_STATUS_SUCCESS).length;
  session.emit({ kind: 'nbl', op: 'send-complete', adapter: link.name, count: chain.length, ...(failed > 0 ? { detail: `${failed} completed with a failure status` } : {}) });
  const irql = session.irql;
  session.callDriver('ProtocolSendNetBufferListsComplete', binding.protocol.handlers.sendNetBufferListsComplete, [binding.bindingContext, chain[0]!, irql >= DISPATCH_LEVEL ? K.NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0], irql);
}

// --- receives: miniport → protocol ----------------------------------------------------------------------

/** NdisReturnNetBufferLists on a binding: copies back from the protocol; the miniport gets its own NBLs back. */
export function returned(session: Session, binding: Binding, copies: readonly number[]): void {
  const link = lowerState(session).links.get(binding.lower);
  if (!link || link.copies.size === 0) return;
  const back: number[] = [];
  for (const copy of copies) {
    const original = link.copies.get(copy);
    if (original === undefined) continue;
    link.copies.delete(copy);
    back.push(original);
  }
  const lower = lowerState(session).session!;
  if (back.length > 0) returnIndicated(lower, link.adapter, back);
}

function receiveFromBelow(session: Session, lower: Session, adapter: Adapter, chain: readonly number[], flags: number): boolean {
  const link = linkByAdapter(session, adapter);
  const binding = link ? openBindingOver(session, link.name) : undefined;
  const resources = (flags & K.NDIS_RECEIVE_FLAGS_RESOURCES) !== 0;
  if (!link || !binding || binding.state !== 'Running') {
    // No protocol takes receives on this adapter now (unbound, or the binding is not Running).
    if (link) for (const nbl of chain) link.notTaken += nblFrames(lower, nbl).length;
    return false;
  }
  // One copy per NBL, with a NET_BUFFER for each of the miniport's (nblFrames copies the bytes out).
  const perNbl = chain.map((nbl) => nblFrames(lower, nbl));
  for (const frames of perNbl) {
    for (const frame of frames) {
      const sequence = sequenceOf(frame);
      if (sequence > 0) {
        const seen = link.toProtocol.get(sequence) ?? 0;
        if (seen === 1 && link.givenTwice.length < 8) link.givenTwice.push(sequence);
        link.toProtocol.set(sequence, seen + 1);
      }
      link.givenToProtocol++;
    }
  }
  const copies = buildReceiveCopies(session, perNbl, { cannotPend: resources });
  copies.forEach((copy, i) => {
    binding.received.add(copy);
    if (!resources) link.copies.set(copy, chain[i]!);
  });
  session.emit({ kind: 'nbl', op: 'indicate', adapter: link.name, count: copies.length, detail: `to ${binding.protocol.name}${resources ? ' with NDIS_RECEIVE_FLAGS_RESOURCES (NDIS takes them back when the handler returns)' : ''}` });
  const irql = session.irql;
  const upFlags = (irql >= DISPATCH_LEVEL ? K.NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL : 0) | (resources ? K.NDIS_RECEIVE_FLAGS_RESOURCES : 0);
  try {
    session.callDriver('ProtocolReceiveNetBufferLists', binding.protocol.handlers.receiveNetBufferLists, [binding.bindingContext, copies[0]!, K.NDIS_DEFAULT_PORT_NUMBER, copies.length, upFlags], irql);
  } finally {
    if (resources) {
      for (const copy of copies) binding.received.delete(copy);
      reclaimLowerReceives(session, copies);
    }
  }
  return true;
}

// --- OID requests: protocol → miniport ------------------------------------------------------------------

/** NdisOidRequest on a binding over a LabNIC adapter: the miniport's answer, or PENDING. Undefined for the model. */
export function oid(session: Session, binding: Binding, request: number): number | undefined {
  const link = lowerState(session).links.get(binding.lower);
  if (!link) return undefined;
  const m = session.memory;
  const type = m.field('NDIS_OID_REQUEST', request, 'RequestType');
  if (type !== K.NdisRequestQueryInformation && type !== K.NdisRequestSetInformation) {
    return K.NDIS_STATUS_NOT_SUPPORTED;
  }
  if (link.adapter.state === 'Halted') return K.NDIS_STATUS_ADAPTER_REMOVED;
  // NDIS calls MiniportOidRequest at PASSIVE_LEVEL, one request at a time: otherwise it queues the request.
  let status: number;
  if (link.oidRunning || link.oids.length > 0 || session.irql !== PASSIVE_LEVEL || oidOutstanding(lowerState(session).session!, link.adapter)) {
    link.oids.push({ binding, request });
    scheduleNextOid(session, link);
    status = K.NDIS_STATUS_PENDING;
  } else {
    status = startOid(session, link, binding, request, false);
  }
  // A pended request can be cancelled (NdisCancelOidRequest), and the binding's close waits for it.
  if (status === K.NDIS_STATUS_PENDING) binding.oidsPending.set(request, { cancel: () => cancelOid(session, link, binding, request) });
  return status;
}

/**
 * NdisCancelOidRequest for a request pended below: still queued in NDIS, it completes with
 * NDIS_STATUS_REQUEST_ABORTED without reaching the miniport; in the miniport, NDIS calls its
 * MiniportCancelOidRequest and the request completes when the miniport completes it.
 */
function cancelOid(session: Session, link: Link, binding: Binding, request: number): void {
  const queued = link.oids.findIndex((q) => q.request === request);
  if (queued >= 0) {
    link.oids.splice(queued, 1);
    session.kernel.queueDpc({
      label: `ProtocolOidRequestComplete(${link.name}, aborted)`,
      run: () => completeOidToProtocol(session, link, binding, request, K.NDIS_STATUS_REQUEST_ABORTED),
    });
    return;
  }
  const lower = lowerState(session).session!;
  const requestId = session.memory.field('NDIS_OID_REQUEST', request, 'RequestId');
  if (!cancelOutstandingOid(lower, link.adapter, requestId)) {
    session.emit({ kind: 'ndis.note', api: 'NdisCancelOidRequest', text: `${link.name} has no cancel handler for the request in progress: it completes when the miniport finishes it` });
  }
}

function scheduleNextOid(session: Session, link: Link): void {
  if (link.oidRunning || link.oids.length === 0) return;
  session.kernel.queueWorkItem({
    label: `NDIS passes a queued OID request to ${link.name}`,
    run: () => {
      if (link.oidRunning) return;
      const next = link.oids.shift();
      if (!next) return;
      const lower = lowerState(session).session!;
      if (oidOutstanding(lower, link.adapter)) {
        link.oids.unshift(next);
        session.kernel.scheduler.at(session.now + TICKS_PER_MILLISECOND, { label: `OID to ${link.name} waits`, run: () => scheduleNextOid(session, link) });
        return;
      }
      const status = startOid(session, link, next.binding, next.request, true);
      if (status !== K.NDIS_STATUS_PENDING) {
        // The protocol was told PENDING when it asked: its completion handler gets the result.
        completeOidToProtocol(session, link, next.binding, next.request, status);
        scheduleNextOid(session, link);
      }
    },
  });
}

/** Passes one request down; returns its final status, or PENDING (completion comes later). */
function startOid(session: Session, link: Link, binding: Binding, request: number, queued: boolean): number {
  const m = session.memory;
  const lower = lowerState(session).session!;
  const set = m.field('NDIS_OID_REQUEST', request, 'RequestType') === K.NdisRequestSetInformation;
  const f = set ? 'SET_INFORMATION' : 'QUERY_INFORMATION';
  const oidValue = m.field('NDIS_OID_REQUEST', request, `DATA.${f}.Oid`);
  const buffer = m.field('NDIS_OID_REQUEST', request, `DATA.${f}.InformationBuffer`);
  const length = m.field('NDIS_OID_REQUEST', request, `DATA.${f}.InformationBufferLength`);
  if (length > 0 && buffer === 0) return K.NDIS_STATUS_INVALID_PARAMETER;
  const data = set && length > 0 ? [...m.read(buffer, length)] : [];
  const requestId = m.field('NDIS_OID_REQUEST', request, 'RequestId');
  link.oidRunning = true;
  const finishWith = (result: OidResult): number => {
    link.oidRunning = false;
    writeOidResult(session, request, set, result);
    return result.status;
  };
  let result: OidResult | undefined;
  try {
    result = session.kernel.atIrql(PASSIVE_LEVEL, () =>
      issueOidAsync(lower, link.adapter, { oid: oidValue, type: set ? 'set' : 'query', data, bufferLength: length, requestId }, (late) => {
        finishWith(late);
        completeOidToProtocol(session, link, binding, request, late.status);
        scheduleNextOid(session, link);
      }),
    );
  } catch (error) {
    link.oidRunning = false;
    throw error;
  }
  if (result) return finishWith(result);
  if (!queued) session.emit({ kind: 'ndis.note', api: 'NdisOidRequest', text: `${link.name} pended ${oidName(oidValue)}: NdisOidRequest returns NDIS_STATUS_PENDING; ProtocolOidRequestComplete follows when the miniport completes it` });
  return K.NDIS_STATUS_PENDING;
}

/** The miniport's answer, copied into the protocol's request (BytesWritten/BytesRead/BytesNeeded, and a query's data). */
function writeOidResult(session: Session, request: number, set: boolean, result: OidResult): void {
  const m = session.memory;
  if (set) {
    m.setField('NDIS_OID_REQUEST', request, 'DATA.SET_INFORMATION.BytesRead', result.bytes);
    m.setField('NDIS_OID_REQUEST', request, 'DATA.SET_INFORMATION.BytesNeeded', result.needed);
    return;
  }
  const buffer = m.field('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.InformationBuffer');
  const length = m.field('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.InformationBufferLength');
  const bytes = Math.min(result.data.length, length);
  if (bytes > 0 && buffer !== 0) m.write(buffer, Uint8Array.from(result.data.slice(0, bytes)));
  m.setField('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.BytesWritten', isSuccess(result.status) ? bytes : 0);
  m.setField('NDIS_OID_REQUEST', request, 'DATA.QUERY_INFORMATION.BytesNeeded', result.needed);
}

/** ProtocolOidRequestComplete for a request that pended (the protocol's binding must still be open). */
function completeOidToProtocol(session: Session, link: Link, binding: Binding, request: number, status: number): void {
  binding.oidsPending.delete(request);
  const m = session.memory;
  const set = m.field('NDIS_OID_REQUEST', request, 'RequestType') === K.NdisRequestSetInformation;
  const oidValue = m.field('NDIS_OID_REQUEST', request, set ? 'DATA.SET_INFORMATION.Oid' : 'DATA.QUERY_INFORMATION.Oid');
  session.emit({ kind: 'oid.complete', adapter: link.name, oid: oidName(oidValue), status: formatValue('status', status), mode: 'pended', bytes: m.field('NDIS_OID_REQUEST', request, set ? 'DATA.SET_INFORMATION.BytesRead' : 'DATA.QUERY_INFORMATION.BytesWritten') });
  if (!binding.opened || binding.closed) {
    session.emit({ kind: 'ndis.note', api: 'ProtocolOidRequestComplete', text: `${oidName(oidValue)} completed after the binding over ${link.name} was closed: NDIS drops the completion` });
    return;
  }
  const irql = session.irql;
  session.callDriver('ProtocolOidRequestComplete', binding.protocol.handlers.oidRequestComplete, [binding.bindingContext, request, status], irql);
}

// --- status: miniport → protocol ------------------------------------------------------------------------

function statusFromBelow(session: Session, lower: Session, adapter: Adapter, code: number, buffer: number, size: number): void {
  const link = linkByAdapter(session, adapter);
  if (!link) return;
  const lm = lower.memory;
  if (code === K.NDIS_STATUS_LINK_STATE && buffer !== 0 && size >= K.NDIS_SIZEOF_LINK_STATE_REVISION_1) {
    link.link = {
      connect: lm.field('NDIS_LINK_STATE', buffer, 'MediaConnectState'),
      duplex: lm.field('NDIS_LINK_STATE', buffer, 'MediaDuplexState'),
      xmit: lm.u64(buffer + lm.offsetOf('NDIS_LINK_STATE', 'XmitLinkSpeed')),
      rcv: lm.u64(buffer + lm.offsetOf('NDIS_LINK_STATE', 'RcvLinkSpeed')),
    };
  }
  const binding = openBindingOver(session, link.name);
  if (!binding) return;
  // The same indication, in the protocol's memory, from the binding.
  const m = session.memory;
  const head = Math.ceil(m.sizeOf('NDIS_STATUS_INDICATION') / 8) * 8;
  const indication = session.pool.allocate(head + Math.max(size, 1), TAG_LOWER, 'ProtocolStatusEx', 'ndis');
  if (indication === 0) return;
  try {
    m.fill(indication, head + size, 0);
    writeHeader(session, indication, K.NDIS_OBJECT_TYPE_STATUS_INDICATION, K.NDIS_STATUS_INDICATION_REVISION_1, K.NDIS_SIZEOF_STATUS_INDICATION_REVISION_1);
    m.setField('NDIS_STATUS_INDICATION', indication, 'SourceHandle', binding.bindingHandle);
    m.setField('NDIS_STATUS_INDICATION', indication, 'StatusCode', code);
    if (size > 0 && buffer !== 0) {
      m.write(indication + head, lm.read(buffer, size));
      m.setField('NDIS_STATUS_INDICATION', indication, 'StatusBuffer', indication + head);
      m.setField('NDIS_STATUS_INDICATION', indication, 'StatusBufferSize', size);
    }
    const irql = session.irql;
    session.callDriver('ProtocolStatusEx', binding.protocol.handlers.status, [binding.bindingContext, indication], irql);
  } finally {
    session.pool.release(indication);
  }
}

function upperStackFor(session: Session, lower: Session): UpperStack {
  return {
    receive: (adapter, chain, flags) => receiveFromBelow(session, lower, adapter, chain, flags),
    sendsCompleted(adapter, done) {
      const link = linkByAdapter(session, adapter);
      if (!link) return;
      // One ProtocolSendNetBufferListsComplete per binding, in the order the miniport completed them.
      const byBinding = new Map<Binding, Array<{ nbl: number; status: number }>>();
      for (const d of done) {
        const up = link.sends.get(d.nbl);
        if (!up) continue;
        link.sends.delete(d.nbl);
        const list = byBinding.get(up.binding) ?? [];
        list.push({ nbl: up.nbl, status: d.status });
        byBinding.set(up.binding, list);
      }
      for (const [binding, list] of byBinding) completeToProtocol(session, link, binding, list);
    },
    status: (adapter, code, buffer, size) => statusFromBelow(session, lower, adapter, code, buffer, size),
  };
}

// --- the wire and the link ------------------------------------------------------------------------------

/** `inject-frame` with `lower` naming a LabNIC adapter: the frames arrive on its wire. False for the model. */
export function inject(session: Session, lower: string, options: InjectOptions): boolean {
  const link = lowerState(session).links.get(lower);
  if (!link) return false;
  if (link.adapter.state === 'Halted') throw new Error(`the LabNIC adapter ${lower} below is gone (halted)`);
  injectFrames(lowerState(session).session!, link.adapter, options);
  return true;
}

/**
 * `lower-link` on a LabNIC adapter: its cable is pulled (down) or plugged back in (up: the PHY
 * auto-negotiates, 50 ms). The miniport sees the change (LSC) and indicates it; the step waits for
 * that indication. False for the model.
 */
export function linkChange(session: Session, lower: string, up: boolean): boolean {
  const link = lowerState(session).links.get(lower);
  if (!link) return false;
  const nested = lowerState(session).session!;
  if (link.adapter.state === 'Halted') throw new Error(`the LabNIC adapter ${lower} below is gone (halted)`);
  const want = up ? 'up' : 'down';
  session.emit({ kind: 'ndis.note', api: 'PnP', text: `${lower}: the cable is ${up ? 'plugged back in' : 'pulled'}` });
  link.nic.setCable(up);
  session.kernel.waitUntil(() => lastLinkState(nested, link.adapter.handle) === want, LINK_CHANGE_WAIT_TICKS);
  return true;
}

/** A lower adapter by name, for steps that name it as an adapter (hw-fault, surprise-remove, expect-*). */
export function lowerAdapter(session: Session, name: string): { session: Session; adapter: Adapter } | undefined {
  const link = lowerState(session).links.get(name);
  const nested = lowerState(session).session;
  return link && nested ? { session: nested, adapter: link.adapter } : undefined;
}

/**
 * `expect-traffic` for the binding over a LabNIC adapter: the NIC's own books (every stored frame
 * indicated once by the miniport; every frame sent down and completed with success on the wire
 * once), and NDIS's between the miniport and the protocol (every frame indicated while the binding
 * ran given to the protocol exactly once).
 */
export function checkBindingTraffic(session: Session, lower: string, minIndicated: number, minSent: number): { ok: boolean; message: string } {
  const link = lowerState(session).links.get(lower);
  const nested = lowerState(session).session;
  if (!link || !nested) {
    return { ok: false, message: lowerState(session).models.has(lower) ? `expect-traffic at ${lower} needs the LabNIC below (bind with below: labnic); the built-in model keeps no wire ledger` : `expected traffic over ${lower}, found no LabNIC adapter there` };
  }
  // After an injected failure the driver may drop frames as NDIS allows (a send completed with a
  // failure status): every frame is still accounted for exactly once, but the minimums do not apply.
  const injected = session.faults.injected > 0;
  const wire = checkTraffic(nested, link.adapter, 0, injected ? 0 : minSent);
  const problems: string[] = wire.ok ? [] : [wire.message];
  if (link.givenTwice.length > 0) problems.push(`frame(s) ${link.givenTwice.join(', ')} were given to the protocol more than once`);
  const ledger = wireLedger(nested, link.adapter);
  const untaken = link.notTaken;
  if (!injected && link.givenToProtocol < minIndicated) problems.push(`only ${link.givenToProtocol} frame(s) reached the protocol, at least ${minIndicated} expected`);
  if (link.givenToProtocol + untaken !== ledger.indicated) problems.push(`the miniport indicated ${ledger.indicated} frame(s) but ${link.givenToProtocol} reached the protocol and ${untaken} were given back unseen`);
  if (link.unnumbered > 0) problems.push(`${link.unnumbered} frame(s) sent down carried no lab sequence number of their own, so the wire could not account for them`);
  const summary = `${link.sentDown} frame(s) sent down the binding, ${ledger.onWire} on ${lower}'s wire${ledger.lostOnLinkDown > 0 ? ` (${ledger.lostOnLinkDown} lost while its link was down)` : ''}; ${ledger.offered} frame(s) offered to the NIC, ${ledger.indicated} indicated by its miniport, ${link.givenToProtocol} given to the protocol${untaken > 0 ? `, ${untaken} while no Running binding could take them` : ''}`;
  return problems.length === 0 ? { ok: true, message: `traffic over the binding to ${lower} balances: ${summary}` } : { ok: false, message: `traffic over the binding to ${lower}: ${problems.join('; ')} (${summary})` };
}

// --- removal and the end of the run ---------------------------------------------------------------------

addAdapterChecks({
  beforeRemove(nested, adapter) {
    const session = owners.get(nested);
    if (!session) return true;
    const link = linkByAdapter(session, adapter);
    if (!link) return true;
    const binding = openBindingOver(session, link.name);
    if (!binding) return true;
    // The protocol's driver is inside a callback of its own: NDIS unbinds once it is back.
    if (session.callbacks.length > 0) return false;
    session.emit({ kind: 'ndis.note', api: 'PnP', text: `${link.name} is being removed: NDIS unbinds ${binding.protocol.name} from it first` });
    unbindProtocol(session, link.name);
    return true;
  },
});

/**
 * The end of the run: NDIS halts the LabNIC adapters no binding uses any more and unloads the
 * reference driver (not while a binding stays open: its protocol never let go).
 */
export function finishLowerDrivers(session: Session): void {
  const nested = lowerState(session).session;
  if (!nested || nested.bugCheck) return;
  let allDown = true;
  for (const link of lowerState(session).links.values()) {
    const adapter = link.adapter;
    if (adapter.state === 'Halted') continue;
    if (openBindingOver(session, link.name) || link.oidRunning || (adapter.state !== 'Running' && adapter.state !== 'Paused')) {
      allDown = false;
      continue;
    }
    session.kernel.atIrql(PASSIVE_LEVEL, () => {
      if (adapter.state === 'Running') pauseAdapter(nested, adapter);
      if (stateOf(adapter) === 'Paused') haltAdapter(nested, adapter);
    });
    if (stateOf(adapter) !== 'Halted') allDown = false;
  }
  if (allDown && driverState(nested).phase === 'registered') session.kernel.atIrql(PASSIVE_LEVEL, () => unloadDriver(nested));
}

/** The lower driver's findings, for the run result: prefixed, its files named as lab files. */
export function lowerFindings(session: Session): Finding[] {
  const nested = lowerState(session).session;
  if (!nested) return [];
  const name = nested.options.driverName;
  return nested.findings.map((f) => ({
    ...f,
    message: `[the lab's ${name} driver below the binding — this would be a bug in the lab, not in your driver] ${f.message}`,
    ...(f.site ? { site: { ...f.site, file: filePrefix(name) + f.site.file } } : {}),
  }));
}

/** The rule that stopped the lower driver ('stop' severity), if any. */
export function lowerStopRule(session: Session): string | undefined {
  return lowerState(session).session?.stopRule;
}

/** A bug check the lower driver raised, as the learner's run records it (message prefixed, file named as a lab file). */
export function asLowerBugCheck(session: Session, check: BugCheck): BugCheck | undefined {
  const nested = lowerState(session).session;
  if (!nested || check.origin !== nested.options.driverName) return undefined;
  const name = nested.options.driverName;
  const out = new BugCheck(
    check.code,
    check.params,
    `[the lab's ${name} driver below the binding] ${check.message}`,
    check.rule,
    check.site ? { ...check.site, file: filePrefix(name) + check.site.file } : undefined,
  );
  out.origin = check.origin;
  nested.bugCheck ??= check;
  return out;
}

/** What ran below, for the run result. */
export function lowerSummary(session: Session): Array<{ driver: string; adapters: Array<{ name: string; state: string; history: string[] }>; ndisCalls: number }> | undefined {
  const nested = lowerState(session).session;
  if (!nested) return undefined;
  return [{ driver: nested.options.driverName, adapters: [...adapters(nested).values()].map((a) => ({ name: a.name, state: a.state, history: [...a.history] })), ndisCalls: nested.calls }];
}
