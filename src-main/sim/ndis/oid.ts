import { BugCheck, hex } from '../kernel/bugcheck';
import { TICKS_PER_SECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import { formatValue, type Session, siteFields } from '../session/session';
import type { SourceSite } from '../session/source-site';
import { addAdapterChecks, adapterOf, type Adapter } from './adapter';
import { args, defineImports } from './imports';
import { scenarioHooks } from './scenario-hooks';
import { K } from './status';

/**
 * OID requests NDIS (and the protocols above it) issue to a miniport. NDIS builds an
 * NDIS_OID_REQUEST with an InformationBuffer it owns and calls MiniportOidRequest at PASSIVE_LEVEL,
 * one request at a time per adapter. The miniport finishes it either by returning a status, or by
 * returning NDIS_STATUS_PENDING and calling NdisMOidRequestComplete exactly once within 12 seconds
 * (Driver Verifier's NdisTimedOidComplete). After completion the request and its buffer go back to
 * NDIS (they are freed, so a driver that touches them later reads freed memory).
 */

export interface OidRequestInput {
  oid: number;
  type: 'query' | 'set' | 'method';
  /** Set: the bytes written into the InformationBuffer. Query: ignored except for its length. */
  data?: readonly number[];
  /** InformationBufferLength; defaults to data.length for a set and 256 for a query. */
  bufferLength?: number;
  /** The request's RequestId (a protocol's, when NDIS forwards its request; MiniportCancelOidRequest names it). */
  requestId?: number;
}

export interface OidResult {
  status: number;
  mode: 'sync' | 'pended';
  /** BytesWritten (query) or BytesRead (set). */
  bytes: number;
  /** BytesNeeded (a buffer that was too short). */
  needed: number;
  /** Query: the first BytesWritten bytes of the InformationBuffer. */
  data: number[];
}

interface OidRecord {
  request: number;
  buffer: number;
  bufferLength: number;
  adapter: Adapter;
  input: OidRequestInput;
  /** MiniportOidRequest returned a final status for it. */
  returnedSync?: number;
  completed?: { status: number; site?: SourceSite };
  finished: boolean;
  /** Issued without waiting (issueOidAsync): told the result when a pended request completes. */
  onDone?: () => void;
  timeout?: ReturnType<Session['kernel']['scheduler']['at']>;
}

interface OidState {
  /** By request address; finished records stay (until the address is reused) to recognise late completions. */
  requests: Map<number, OidRecord>;
  outstanding: Map<number, OidRecord>;
}

const TAG_OID = 0x44494f4e; // 'NOID'
const OID_TIMEOUT_TICKS = 12 * TICKS_PER_SECOND;
const DEFAULT_QUERY_LENGTH = 256;

/** OIDs whose completion Driver Verifier (NdisOidComplete) restricts to a few statuses. */
const REMOVAL_OIDS = new Map<number, number[]>([
  [K.OID_PNP_SET_POWER, [K.NDIS_STATUS_SUCCESS, K.NDIS_STATUS_NOT_ACCEPTED]],
  [K.OID_802_3_DELETE_MULTICAST_ADDRESS, [K.NDIS_STATUS_SUCCESS, K.NDIS_STATUS_NOT_ACCEPTED, K.NDIS_STATUS_REQUEST_ABORTED]],
  [K.OID_PM_REMOVE_WOL_PATTERN, [K.NDIS_STATUS_SUCCESS, K.NDIS_STATUS_NOT_ACCEPTED, K.NDIS_STATUS_REQUEST_ABORTED]],
  [K.OID_PM_REMOVE_PROTOCOL_OFFLOAD, [K.NDIS_STATUS_SUCCESS, K.NDIS_STATUS_NOT_ACCEPTED, K.NDIS_STATUS_REQUEST_ABORTED]],
]);

const OID_NAMES: Record<number, string> = {
  [K.OID_GEN_CURRENT_PACKET_FILTER]: 'OID_GEN_CURRENT_PACKET_FILTER',
  [K.OID_802_3_MULTICAST_LIST]: 'OID_802_3_MULTICAST_LIST',
  [K.OID_GEN_STATISTICS]: 'OID_GEN_STATISTICS',
  [K.OID_GEN_CURRENT_LOOKAHEAD]: 'OID_GEN_CURRENT_LOOKAHEAD',
  [0x00010207]: 'OID_GEN_LINK_STATE',
  [K.OID_GEN_VENDOR_DESCRIPTION]: 'OID_GEN_VENDOR_DESCRIPTION',
  [K.OID_GEN_INTERRUPT_MODERATION]: 'OID_GEN_INTERRUPT_MODERATION',
  [K.OID_PNP_SET_POWER]: 'OID_PNP_SET_POWER',
  [K.OID_802_3_DELETE_MULTICAST_ADDRESS]: 'OID_802_3_DELETE_MULTICAST_ADDRESS',
  [K.OID_PM_REMOVE_WOL_PATTERN]: 'OID_PM_REMOVE_WOL_PATTERN',
  [K.OID_PM_REMOVE_PROTOCOL_OFFLOAD]: 'OID_PM_REMOVE_PROTOCOL_OFFLOAD',
};

export function oidName(oid: number): string {
  return OID_NAMES[oid >>> 0] ?? hex(oid);
}

function oidState(session: Session): OidState {
  return session.state<OidState>('oid', () => ({ requests: new Map(), outstanding: new Map() }));
}

function at(site: SourceSite | undefined): string {
  return site ? ` at ${site.file}:${site.line}` : '';
}

const status = (value: number): string => formatValue('status', value);

function field(type: OidRequestInput['type']): 'QUERY_INFORMATION' | 'SET_INFORMATION' {
  return type === 'set' ? 'SET_INFORMATION' : 'QUERY_INFORMATION';
}

/**
 * Issues one OID request to `adapter` and waits for it to finish. Returns the final status;
 * OID-DOUBLE / OID-STATUS / OID-TIMEOUT violations stop the run as bug checks.
 */
export function issueOid(session: Session, adapter: Adapter, input: OidRequestInput): OidResult {
  const state = oidState(session);
  const record = prepare(session, adapter, input);
  let result: OidResult;
  try {
    const returned = callMiniport(session, record);
    if (returned !== K.NDIS_STATUS_PENDING) {
      result = finish(session, record, returned, 'sync');
    } else {
      const wait = session.kernel.waitUntil(() => record.completed !== undefined, OID_TIMEOUT_TICKS);
      if (!wait.satisfied) {
        session.violation('OID-TIMEOUT', `MiniportOidRequest(${oidName(input.oid)}) returned NDIS_STATUS_PENDING and NdisMOidRequestComplete was not called within 12 seconds`, {
          params: [record.request, adapter.handle, 0],
        });
      }
      result = finish(session, record, record.completed!.status, 'pended');
    }
  } finally {
    state.outstanding.delete(adapter.handle);
  }
  return result;
}

/**
 * NDIS cancels the request outstanding at the adapter whose RequestId is `requestId`: it calls
 * MiniportCancelOidRequest, and the miniport completes the request (NDIS_STATUS_REQUEST_ABORTED) if
 * it still holds it. False when no such request is outstanding or the driver has no cancel handler.
 */
export function cancelOutstandingOid(session: Session, adapter: Adapter, requestId: number): boolean {
  const record = oidState(session).outstanding.get(adapter.handle);
  if (!record || record.completed || record.finished || record.returnedSync !== undefined) return false;
  if (session.memory.field('NDIS_OID_REQUEST', record.request, 'RequestId') !== requestId) return false;
  const handler = adapter.registration.handlers.cancelOidRequest;
  if (!handler) return false;
  session.callDriver('MiniportCancelOidRequest', handler, [adapter.context, requestId], session.irql, adapter.handle);
  return true;
}

/** True while an OID request NDIS issued to the adapter is not finished (NDIS sends one at a time). */
export function oidOutstanding(session: Session, adapter: Adapter): boolean {
  return oidState(session).outstanding.has(adapter.handle);
}

/**
 * Issues one OID request to `adapter` (at PASSIVE_LEVEL) without waiting for a pended one: returns
 * the result when MiniportOidRequest completed it synchronously; otherwise undefined, and `onDone`
 * gets the result when NdisMOidRequestComplete comes (OID-TIMEOUT after 12 seconds without it).
 * For requests NDIS forwards from a protocol above (lower-miniport.ts).
 */
export function issueOidAsync(session: Session, adapter: Adapter, input: OidRequestInput, onDone: (result: OidResult) => void): OidResult | undefined {
  const state = oidState(session);
  const record = prepare(session, adapter, input);
  let returned: number;
  try {
    returned = callMiniport(session, record);
  } catch (error) {
    state.outstanding.delete(adapter.handle);
    throw error;
  }
  if (returned !== K.NDIS_STATUS_PENDING) {
    state.outstanding.delete(adapter.handle);
    return finish(session, record, returned, 'sync');
  }
  const settle = (): void => {
    if (record.finished) return;
    if (record.timeout) session.kernel.scheduler.cancel(record.timeout);
    state.outstanding.delete(adapter.handle);
    onDone(finish(session, record, record.completed!.status, 'pended'));
  };
  if (record.completed) {
    // NdisMOidRequestComplete came inside the handler, before it returned PENDING.
    settle();
    return undefined;
  }
  record.onDone = settle;
  record.timeout = session.kernel.scheduler.at(session.now + OID_TIMEOUT_TICKS, {
    label: `OID ${oidName(input.oid)} to ${adapter.name} times out`,
    background: true,
    run: () => {
      if (record.completed || record.finished) return;
      session.violation('OID-TIMEOUT', `MiniportOidRequest(${oidName(input.oid)}) returned NDIS_STATUS_PENDING and NdisMOidRequestComplete was not called within 12 seconds`, {
        params: [record.request, adapter.handle, 0],
      });
    },
  });
  return undefined;
}

/** NDIS's NDIS_OID_REQUEST and InformationBuffer for one request, recorded as outstanding. */
function prepare(session: Session, adapter: Adapter, input: OidRequestInput): OidRecord {
  if (!['Paused', 'Restarting', 'Running', 'Pausing'].includes(adapter.state)) {
    throw new Error(`NDIS does not issue OIDs to ${adapter.name} while it is ${adapter.state}`);
  }
  const state = oidState(session);
  if (state.outstanding.has(adapter.handle)) throw new Error(`NDIS never issues a second OID to ${adapter.name} while one is outstanding`);
  const m = session.memory;
  const data = input.data ?? [];
  const bufferLength = input.bufferLength ?? (input.type === 'set' ? data.length : Math.max(data.length, DEFAULT_QUERY_LENGTH));
  const request = session.pool.allocate(m.sizeOf('NDIS_OID_REQUEST'), TAG_OID, 'MiniportOidRequest', 'ndis');
  const buffer = bufferLength > 0 ? session.pool.allocate(bufferLength, TAG_OID, 'MiniportOidRequest', 'ndis') : 0;
  if (request === 0 || (bufferLength > 0 && buffer === 0)) throw new Error('NDIS ran out of memory for an OID request');
  m.setField('NDIS_OID_REQUEST', request, 'Header.Type', K.NDIS_OBJECT_TYPE_OID_REQUEST);
  m.setField('NDIS_OID_REQUEST', request, 'Header.Revision', K.NDIS_OID_REQUEST_REVISION_1);
  m.setField('NDIS_OID_REQUEST', request, 'Header.Size', K.NDIS_SIZEOF_OID_REQUEST_REVISION_1);
  const requestType = input.type === 'set' ? K.NdisRequestSetInformation : input.type === 'method' ? K.NdisRequestMethod : K.NdisRequestQueryInformation;
  m.setField('NDIS_OID_REQUEST', request, 'RequestType', requestType);
  m.setField('NDIS_OID_REQUEST', request, 'PortNumber', K.NDIS_DEFAULT_PORT_NUMBER);
  m.setField('NDIS_OID_REQUEST', request, 'RequestHandle', session.newHandle());
  m.setField('NDIS_OID_REQUEST', request, 'RequestId', input.requestId ?? 0);
  const f = field(input.type);
  m.setField('NDIS_OID_REQUEST', request, `DATA.${f}.Oid`, input.oid >>> 0);
  m.setField('NDIS_OID_REQUEST', request, `DATA.${f}.InformationBuffer`, buffer);
  m.setField('NDIS_OID_REQUEST', request, `DATA.${f}.InformationBufferLength`, bufferLength);
  if (input.type === 'set' && data.length > 0) m.write(buffer, Uint8Array.from(data.slice(0, bufferLength)));
  const record: OidRecord = { request, buffer, bufferLength, adapter, input, finished: false };
  state.requests.set(request, record);
  state.outstanding.set(adapter.handle, record);
  session.emit({ kind: 'oid.request', adapter: adapter.name, oid: oidName(input.oid), request: input.type, length: bufferLength });
  return record;
}

/** MiniportOidRequest at PASSIVE_LEVEL; a synchronous answer is checked here. Returns what the handler returned. */
function callMiniport(session: Session, record: OidRecord): number {
  const { adapter, input, request } = record;
  const returned = session.callDriver('MiniportOidRequest', adapter.registration.handlers.oidRequest, [adapter.context, request], PASSIVE_LEVEL, adapter.handle);
  if (returned !== K.NDIS_STATUS_PENDING) {
    record.returnedSync = returned;
    if (record.completed) {
      session.violation('OID-DOUBLE', `MiniportOidRequest(${oidName(input.oid)}) returned ${status(returned)} after calling NdisMOidRequestComplete${at(record.completed.site)}: an OID is completed either by the return value or by NdisMOidRequestComplete after returning NDIS_STATUS_PENDING, never both`, {
        ...(record.completed.site ? { site: record.completed.site } : {}),
        params: [request, adapter.handle, 0],
      });
    }
    checkAllowedStatus(session, record, returned);
  }
  return returned;
}

function checkAllowedStatus(session: Session, record: OidRecord, value: number): void {
  const allowed = REMOVAL_OIDS.get(record.input.oid >>> 0);
  if (allowed && !allowed.includes(value)) {
    session.violation('OID-STATUS', `${oidName(record.input.oid)} was completed with ${status(value)}; Driver Verifier (NdisOidComplete) allows only ${allowed.map(status).join(', ')} for it`, {
      params: [record.request, record.adapter.handle, 0],
    });
  }
}

function finish(session: Session, record: OidRecord, final: number, mode: OidResult['mode']): OidResult {
  const m = session.memory;
  const bytes = record.input.type === 'set' ? m.field('NDIS_OID_REQUEST', record.request, 'DATA.SET_INFORMATION.BytesRead') : m.field('NDIS_OID_REQUEST', record.request, 'DATA.QUERY_INFORMATION.BytesWritten');
  if (record.input.type === 'query' && bytes > record.bufferLength) {
    throw new BugCheck(0x7c, [0x1d, record.adapter.handle, record.request, 0], `${oidName(record.input.oid)}: BytesWritten is ${bytes} but the InformationBuffer holds only ${record.bufferLength} bytes (bug check 0x7C NDIS_BUGCHECK_OID_REQUEST_INVALID_BUFFER)`, 'OID-BUFFER', session.site());
  }
  const data = record.input.type === 'query' && bytes > 0 && isOk(final) ? [...m.read(record.buffer, bytes)] : [];
  const needed = m.field('NDIS_OID_REQUEST', record.request, record.input.type === 'set' ? 'DATA.SET_INFORMATION.BytesNeeded' : 'DATA.QUERY_INFORMATION.BytesNeeded');
  session.emit({ kind: 'oid.complete', adapter: record.adapter.name, oid: oidName(record.input.oid), status: status(final), mode, bytes, ...siteFields(record.completed?.site) });
  record.finished = true;
  if (record.buffer !== 0) session.pool.release(record.buffer);
  session.pool.release(record.request);
  return { status: final, mode, bytes, needed, data };
}

function isOk(value: number): boolean {
  return (value >>> 0) < 0x80000000;
}

function complete(session: Session, api: string, handle: number, request: number, value: number): void {
  const adapter = adapterOf(session, handle, api);
  const state = oidState(session);
  const live = state.requests.get(request);
  if (!live || api === 'NdisMDirectOidRequestComplete') {
    session.violation('OID-DOUBLE', `${api}(${hex(request)}): ${api === 'NdisMDirectOidRequestComplete' ? 'NDIS issued no direct OID request to this adapter' : 'this is not an OID request NDIS issued'}`, { params: [request, handle, 0] });
    return;
  }
  if (live.returnedSync !== undefined) {
    session.violation('OID-DOUBLE', `${api}(${oidName(live.input.oid)}): MiniportOidRequest returned ${status(live.returnedSync)} for this request, so it was complete already; NdisMOidRequestComplete is only for a request whose handler returned NDIS_STATUS_PENDING`, { params: [request, handle, 0] });
    return;
  }
  if (live.completed) {
    session.violation('OID-DOUBLE', `${api}(${oidName(live.input.oid)}): the request was completed already${at(live.completed.site)}; each OID is completed exactly once`, { params: [request, handle, 0] });
    return;
  }
  if (live.adapter !== adapter) session.labStop('OID-ADAPTER', `${api}: the OID was issued to ${live.adapter.name} but is completed with the handle of ${adapter.name}`);
  if (value === K.NDIS_STATUS_PENDING) {
    session.violation('OID-STATUS', `${api}(${oidName(live.input.oid)}) with NDIS_STATUS_PENDING: a completion must carry the final status`, { params: [request, handle, 0] });
  }
  checkAllowedStatus(session, live, value);
  const site = session.site();
  live.completed = { status: value, ...(site ? { site } : {}) };
  live.onDone?.();
}

/** The OIDs the protocols bound above send to a freshly initialized (Paused) adapter. */
export function issueInitialOids(session: Session, adapter: Adapter): void {
  const filter = K.NDIS_PACKET_TYPE_DIRECTED | K.NDIS_PACKET_TYPE_MULTICAST | K.NDIS_PACKET_TYPE_BROADCAST;
  issueOid(session, adapter, { oid: K.OID_GEN_CURRENT_PACKET_FILTER, type: 'set', data: [filter & 0xff, (filter >>> 8) & 0xff, (filter >>> 16) & 0xff, (filter >>> 24) & 0xff] });
  issueOid(session, adapter, { oid: K.OID_802_3_MULTICAST_LIST, type: 'set', data: [] });
}

// Right after a successful init the adapter is Paused and NDIS (for the protocols to come) sets
// the packet filter and the multicast list (ndis-rules §3.2: OIDs arrive in Paused).
addAdapterChecks({ afterInitSuccess: issueInitialOids });

scenarioHooks.oid = (session, adapter, oid, request, data) => {
  issueOid(session, adapter, { oid, type: request, data });
};

defineImports([
  {
    name: 'NdisMOidRequestComplete',
    args: args('MiniportAdapterHandle:handle', 'OidRequest:ptr', 'Status:status'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, request, value]) => complete(session, 'NdisMOidRequestComplete', handle!, request!, value!),
  },
  {
    name: 'NdisMDirectOidRequestComplete',
    args: args('MiniportAdapterHandle:handle', 'OidRequest:ptr', 'Status:status'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, request, value]) => complete(session, 'NdisMDirectOidRequestComplete', handle!, request!, value!),
  },
]);
