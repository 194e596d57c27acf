import { shortSite } from './memory';
import { siteFields } from '../session/session';
import { BugCheck, hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { DISPATCH_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import type { SourceSite } from '../session/source-site';
import { addAdapterChecks, adapterOf, adapters, type Adapter } from './adapter';
import { driverState } from './driver';
import { protocolState } from './protocol';
import { args, defineImports } from './imports';
import { scenarioHooks } from './scenario-hooks';
import { K } from './status';
import { LAYOUTS } from '../layouts/generated';
import { base64, hasWire, headHex, noteIndicated, noteSendCompleted, noteSent, sequenceOf, txSequenceFree, wireLedger } from './wire';
import { upperStack } from './upper-edge';

/**
 * NET_BUFFER_LIST / NET_BUFFER / MDL objects and the data path, with an ownership ledger.
 *
 * Every NBL, NB and MDL lives in the driver's memory with the LAYOUTS fields, so the driver reads
 * and writes them like on Windows; the ledger of who owns each one (the driver, or NDIS and the
 * protocols above) is kept here, outside the driver's reach. Ownership moves:
 *  - send: NDIS builds frames in its own pool and calls MiniportSendNetBufferLists; the driver owns
 *    them until NdisMSendNetBufferListsComplete hands each back exactly once;
 *  - receive: NdisMIndicateReceiveNetBufferLists without NDIS_RECEIVE_FLAGS_RESOURCES gives the
 *    driver's NBLs to NDIS until NDIS calls MiniportReturnNetBufferLists (from a DPC shortly after);
 *    with the flag NDIS copies and the driver owns them again when the call returns.
 * Objects allocated for an adapter are NDIS storage here and are listed by the halt / init-failure
 * checks; objects allocated with the driver handle (or NULL) are charged to the driver, so the
 * driver-level leak checks (DriverEntry failure, unload) see them.
 */

const TAG_NBL = 0x4c424e4e; // 'NNBL'
const TAG_SEND = 0x444e5353; // 'SSND'
/** How long the protocols above keep an indicated NBL before NDIS returns it. */
const RETURN_DELAY_TICKS = TICKS_PER_MILLISECOND;
/** NBLs per MiniportSendNetBufferLists call. */
const SEND_BATCH = 8;
const PAGE_SIZE = 4096;
const ALIGN = 8; // MEMORY_ALLOCATION_ALIGNMENT on a 32-bit target
const MAX_CHAIN = 1_000_000;
/** Chain length from which walkChain keeps a set of the NBLs seen, to name a loop. */
const LOOP_CHECK_AFTER = 256;

/** Who made the NBL: the driver, NDIS for a send from above, or NDIS for a receive from a lower adapter. */
type Origin = 'driver' | 'ndis-send' | 'lower-receive';

interface PoolRecord {
  handle: number;
  kind: 'NBL' | 'NB';
  adapter?: Adapter;
  api: string;
  site?: SourceSite;
  allocateNetBuffer: boolean;
  contextSize: number;
  live: boolean;
}

interface NblRecord {
  address: number;
  origin: Origin;
  pool?: PoolRecord;
  adapter?: Adapter;
  api: string;
  site?: SourceSite;
  /** NB allocated together with the NBL (freed with it). */
  ownNb?: number;
  /** Who holds it now. */
  holder: 'driver' | 'ndis';
  live: boolean;
  freedAt?: SourceSite;
  indicatedAt?: SourceSite;
  /** Context blocks NDIS allocated for it. */
  contexts: number[];
  /** NBLs NDIS built (sends from above, receives from below): their storage, freed when they come back. */
  ndisStorage?: number[];
  completedAt?: SourceSite;
  sequence?: number;
  /** A send from the driver above a binding, built here by NDIS (lower-miniport.ts): its frames' wire sequence numbers, and the stack above hears of its completion. */
  forwarded?: { sequences: number[] };
  /** A receive from below indicated with NDIS_RECEIVE_FLAGS_RESOURCES: NDIS's again when the receive handler returns. */
  cannotPend?: boolean;
  /** Why NDIS took it back (a copy indicated with NDIS_RECEIVE_FLAGS_RESOURCES), for a later misuse. */
  reclaimed?: string;
}

interface NbRecord {
  address: number;
  pool?: PoolRecord;
  adapter?: Adapter;
  api: string;
  site?: SourceSite;
  live: boolean;
  /** Set for an NB allocated with its NBL (NdisAllocateNetBufferAndNetBufferList). */
  nbl?: number;
}

interface MdlRecord {
  address: number;
  adapter?: Adapter;
  api: string;
  site?: SourceSite;
  live: boolean;
  /** MDL and buffer NDIS added in NdisRetreatNetBufferDataStart. */
  retreatBuffer?: number;
}

interface PendingReturn {
  adapter: Adapter;
  nbls: number[];
  entry: ReturnType<Session['kernel']['scheduler']['at']>;
  done: boolean;
}

interface NblState {
  pools: Map<number, PoolRecord>;
  nbls: Map<number, NblRecord>;
  nbs: Map<number, NbRecord>;
  mdls: Map<number, MdlRecord>;
  returns: PendingReturn[];
  sendSequence: number;
  ndisPool: number;
  protocolHandle: number;
  /** Storage of NBLs NDIS took back (reclaimLowerReceives), released late so a misuse still finds their record. */
  quarantine: number[][];
}

function nblState(session: Session): NblState {
  return session.state<NblState>('nbl', () => ({
    pools: new Map(),
    nbls: new Map(),
    nbs: new Map(),
    mdls: new Map(),
    returns: [],
    sendSequence: 0,
    ndisPool: session.newHandle(),
    protocolHandle: session.newHandle(),
    quarantine: [],
  }));
}

function at(site: SourceSite | undefined): string {
  return site ? ` at ${site.file}:${site.line}` : '';
}

/** The adapter an NdisHandle names (undefined for the driver handle or NULL). */
function ownerOf(session: Session, handle: number, api: string): { adapter?: Adapter } {
  if (handle === 0) return {};
  const adapter = adapters(session).get(handle);
  if (adapter) {
    if (adapter.state === 'Halted') session.violation('HALT-AFTER', `${api}: adapter ${adapter.name} has been halted; its handle is no longer valid`);
    return { adapter };
  }
  if (driverState(session).registrations.some((r) => r.handle === handle)) return {};
  if (protocolState(session).registrations.some((r) => r.handle === handle && !r.deregistered)) return {};
  throw new BugCheck(0x7c, [0x21, handle, 0, 0], `${api}: NdisHandle ${hex(handle)} is neither a miniport adapter handle, the miniport driver handle, nor a protocol handle`, 'BAD-HANDLE', session.site());
}

/** Storage for an object: NDIS's for an adapter's object, charged to the driver otherwise. */
function storage(session: Session, size: number, api: string, adapter: Adapter | undefined, tag = TAG_NBL): number {
  return session.pool.allocate(size, tag, api, adapter ? 'ndis' : 'driver', shortSite(session.site()));
}

function describe(kind: string, r: { api: string; site?: SourceSite }): string {
  return `${kind} from ${r.api}${at(r.site)}`;
}

// --- MDLs ------------------------------------------------------------------------------------------

function mdlSize(session: Session, va: number, length: number): number {
  const pages = Math.max(1, Math.ceil(((va & (PAGE_SIZE - 1)) + length) / PAGE_SIZE));
  return session.memory.sizeOf('MDL') + 4 * pages;
}

function buildMdl(session: Session, api: string, va: number, length: number, adapter: Adapter | undefined, nonPaged: boolean): number {
  const m = session.memory;
  if (va !== 0 && length > 0 && va + length > m.size) session.labStop('MDL-RANGE', `${api}: the buffer ${hex(va)} + ${length} bytes lies outside the driver's memory`);
  const size = mdlSize(session, va, length);
  const mdl = storage(session, size, api, adapter);
  if (mdl === 0) return 0;
  m.setField('MDL', mdl, 'Next', 0);
  m.setField('MDL', mdl, 'Size', size);
  m.setField('MDL', mdl, 'MdlFlags', K.MDL_ALLOCATED_FIXED_SIZE | (nonPaged ? K.MDL_SOURCE_IS_NONPAGED_POOL : 0));
  m.setField('MDL', mdl, 'Process', 0);
  m.setField('MDL', mdl, 'MappedSystemVa', nonPaged ? va : 0);
  m.setField('MDL', mdl, 'StartVa', va & ~(PAGE_SIZE - 1));
  m.setField('MDL', mdl, 'ByteCount', length);
  m.setField('MDL', mdl, 'ByteOffset', va & (PAGE_SIZE - 1));
  const site = session.site();
  nblState(session).mdls.set(mdl, { address: mdl, api, live: true, ...(adapter ? { adapter } : {}), ...(site ? { site } : {}) });
  return mdl;
}

function freeMdl(session: Session, api: string, mdl: number): void {
  const record = nblState(session).mdls.get(mdl);
  if (!record || !record.live) {
    session.labStop('MDL-FREE', `${api}(${hex(mdl)}): ${record ? 'the MDL was freed already' : 'not an MDL allocated with NdisAllocateMdl or IoAllocateMdl'}`);
  }
  record.live = false;
  if (record.retreatBuffer) session.pool.release(record.retreatBuffer);
  session.pool.release(mdl);
}

/** The system address of an MDL's buffer (MmGetSystemAddressForMdlSafe: the lab maps 1:1). */
/**
 * Offsets of the fields the data path walks for every frame (NBL and NB chains, MDLs), read once:
 * the hot loops use plain 32-bit reads instead of looking fields up by name.
 */
function hotField<S extends keyof typeof LAYOUTS>(struct: S, name: string): number {
  const f = (LAYOUTS[struct].fields as Record<string, { offset: number; size: number }>)[name];
  if (!f || f.size !== 4) throw new Error(`${struct}.${name} is not a 4-byte field in this layout`);
  return f.offset;
}
const NBL_NEXT = hotField('NET_BUFFER_LIST', 'Next');
const NBL_FIRST_NB = hotField('NET_BUFFER_LIST', 'FirstNetBuffer');
const NB_NEXT = hotField('NET_BUFFER', 'Next');
const NB_MDL_CHAIN = hotField('NET_BUFFER', 'MdlChain');
const NB_DATA_OFFSET = hotField('NET_BUFFER', 'DataOffset');
const NB_DATA_LENGTH = hotField('NET_BUFFER', 'DataLength');
const MDL_NEXT = hotField('MDL', 'Next');
const MDL_BYTE_COUNT = hotField('MDL', 'ByteCount');
const MDL_START_VA = hotField('MDL', 'StartVa');
const MDL_BYTE_OFFSET = hotField('MDL', 'ByteOffset');

function mdlVa(session: Session, mdl: number): number {
  const m = session.memory;
  return (m.u32(mdl + MDL_START_VA) + m.u32(mdl + MDL_BYTE_OFFSET)) >>> 0;
}

// --- NET_BUFFER data --------------------------------------------------------------------------------

/** The MDL and offset holding byte `offset` of an MDL chain, or undefined past its end. */
function locate(session: Session, chain: number, offset: number): { mdl: number; offset: number } | undefined {
  const m = session.memory;
  let mdl = chain;
  let remaining = offset;
  for (let guard = 0; mdl !== 0 && guard < MAX_CHAIN; guard++) {
    const count = m.u32(mdl + MDL_BYTE_COUNT);
    if (remaining < count) return { mdl, offset: remaining };
    remaining -= count;
    mdl = m.u32(mdl + MDL_NEXT);
  }
  if (remaining === 0 && mdl === 0) return undefined;
  return undefined;
}

/**
 * An NB's data: a live view of driver memory when it lies in one MDL (the usual receive case, no
 * copy), else a copy gathered across the MDLs. Fewer bytes than `length` if the MDLs end.
 */
function nbData(session: Session, nb: number, length: number): Uint8Array {
  const m = session.memory;
  const place = locate(session, m.u32(nb + NB_MDL_CHAIN), m.u32(nb + NB_DATA_OFFSET));
  if (place && m.u32(place.mdl + MDL_BYTE_COUNT) - place.offset >= length) return m.window(mdlVa(session, place.mdl) + place.offset, length);
  return readNb(session, nb, 0, length);
}

/** `length` bytes of an NB's data from `offset` (relative to the data start), or fewer if the MDLs end. */
function readNb(session: Session, nb: number, offset: number, length: number): Uint8Array {
  const m = session.memory;
  const out = new Uint8Array(length);
  let filled = 0;
  const dataOffset = m.field('NET_BUFFER', nb, 'DataOffset');
  let place = locate(session, m.field('NET_BUFFER', nb, 'MdlChain'), dataOffset + offset);
  while (place && filled < length) {
    const count = m.field('MDL', place.mdl, 'ByteCount');
    const take = Math.min(count - place.offset, length - filled);
    if (take > 0) out.set(m.read(mdlVa(session, place.mdl) + place.offset, take), filled);
    filled += Math.max(0, take);
    const next = m.field('MDL', place.mdl, 'Next');
    place = next === 0 ? undefined : { mdl: next, offset: 0 };
  }
  return filled === length ? out : out.subarray(0, filled);
}

function writeNb(session: Session, nb: number, offset: number, data: Uint8Array): number {
  const m = session.memory;
  let written = 0;
  const dataOffset = m.field('NET_BUFFER', nb, 'DataOffset');
  let place = locate(session, m.field('NET_BUFFER', nb, 'MdlChain'), dataOffset + offset);
  while (place && written < data.length) {
    const count = m.field('MDL', place.mdl, 'ByteCount');
    const take = Math.min(count - place.offset, data.length - written);
    m.write(mdlVa(session, place.mdl) + place.offset, data.subarray(written, written + take));
    written += take;
    const next = m.field('MDL', place.mdl, 'Next');
    place = next === 0 ? undefined : { mdl: next, offset: 0 };
  }
  return written;
}

/** Sets CurrentMdl / CurrentMdlOffset from DataOffset, as NDIS keeps them. */
function syncCurrentMdl(session: Session, nb: number): void {
  const m = session.memory;
  const place = locate(session, m.field('NET_BUFFER', nb, 'MdlChain'), m.field('NET_BUFFER', nb, 'DataOffset'));
  m.setField('NET_BUFFER', nb, 'CurrentMdl', place?.mdl ?? 0);
  m.setField('NET_BUFFER', nb, 'CurrentMdlOffset', place?.offset ?? 0);
}

function initNb(session: Session, nb: number, pool: number, mdlChain: number, dataOffset: number, dataLength: number): void {
  const m = session.memory;
  m.setField('NET_BUFFER', nb, 'Next', 0);
  m.setField('NET_BUFFER', nb, 'MdlChain', mdlChain);
  m.setField('NET_BUFFER', nb, 'DataOffset', dataOffset);
  m.setField('NET_BUFFER', nb, 'DataLength', dataLength);
  m.setField('NET_BUFFER', nb, 'NdisPoolHandle', pool);
  syncCurrentMdl(session, nb);
}

function nbsOf(session: Session, nbl: number): number[] {
  const out: number[] = [];
  const m = session.memory;
  let nb = m.u32(nbl + NBL_FIRST_NB);
  for (let guard = 0; nb !== 0 && guard < 4096; guard++) {
    out.push(nb);
    nb = m.u32(nb + NB_NEXT);
  }
  return out;
}

// --- NBL allocation ---------------------------------------------------------------------------------

function checkContextSizes(session: Session, api: string, contextSize: number, backFill: number): void {
  if (contextSize % ALIGN !== 0 || backFill % ALIGN !== 0) {
    session.labStop('NBL-CONTEXT', `${api}: ContextSize (${contextSize}) and ContextBackFill (${backFill}) must be multiples of MEMORY_ALLOCATION_ALIGNMENT (${ALIGN})`);
  }
}

/** A context block (NET_BUFFER_LIST_CONTEXT header + data) pushed onto an NBL's context chain. */
function pushContext(session: Session, nbl: NblRecord, contextSize: number, backFill: number, api: string): boolean {
  const m = session.memory;
  const total = contextSize + backFill;
  if (total === 0) return true;
  // Contexts on NBLs NDIS made (sends from above, receives from below) are charged to the NBL, not to an adapter's scope.
  const block = nbl.origin === 'driver' ? storage(session, m.sizeOf('NET_BUFFER_LIST_CONTEXT') + total, api, nbl.adapter) : session.pool.allocate(m.sizeOf('NET_BUFFER_LIST_CONTEXT') + total, TAG_NBL, api, 'ndis', shortSite(session.site()));
  if (block === 0) return false;
  m.setField('NET_BUFFER_LIST_CONTEXT', block, 'Next', m.field('NET_BUFFER_LIST', nbl.address, 'Context'));
  m.setField('NET_BUFFER_LIST_CONTEXT', block, 'Size', total);
  m.setField('NET_BUFFER_LIST_CONTEXT', block, 'Offset', backFill);
  m.setField('NET_BUFFER_LIST', nbl.address, 'Context', block);
  nbl.contexts.push(block);
  return true;
}

function poolOf(session: Session, handle: number, api: string, kind: PoolRecord['kind']): PoolRecord | undefined {
  const pool = nblState(session).pools.get(handle);
  if (pool && pool.live && pool.kind === kind) return pool;
  const why = handle === 0 ? 'is NULL (was a failed pool allocation ignored?)' : pool ? (pool.live ? `is a ${pool.kind} pool, not a${kind === 'NB' ? ' NET_BUFFER' : 'n NBL'} pool` : `was freed${at(pool.site)}`) : 'was never returned by a pool allocation';
  session.violation('INIT-POOL', `${api}: pool handle ${hex(handle)} ${why}`);
  return undefined;
}

function allocateNbl(session: Session, api: string, poolHandle: number, contextSize: number, backFill: number, withNb?: { mdl: number; offset: number; length: number }): number {
  const pool = poolOf(session, poolHandle, api, 'NBL');
  if (!pool) return 0;
  checkContextSizes(session, api, contextSize, backFill);
  if (withNb && !pool.allocateNetBuffer) {
    session.labStop('NBL-POOL', `${api}: the pool${at(pool.site)} was allocated with fAllocateNetBuffer FALSE; NdisAllocateNetBufferAndNetBufferList needs a pool with fAllocateNetBuffer TRUE`);
  }
  const m = session.memory;
  const nbl = storage(session, m.sizeOf('NET_BUFFER_LIST'), api, pool.adapter);
  if (nbl === 0) return 0;
  m.setField('NET_BUFFER_LIST', nbl, 'NdisPoolHandle', poolHandle);
  const site = session.site();
  const record: NblRecord = { address: nbl, origin: 'driver', pool, api, holder: 'driver', live: true, contexts: [], ...(pool.adapter ? { adapter: pool.adapter } : {}), ...(site ? { site } : {}) };
  if (!pushContext(session, record, contextSize, backFill, api)) {
    session.pool.release(nbl);
    return 0;
  }
  if (withNb) {
    const nb = storage(session, m.sizeOf('NET_BUFFER'), api, pool.adapter);
    if (nb === 0) {
      for (const c of record.contexts) session.pool.release(c);
      session.pool.release(nbl);
      return 0;
    }
    initNb(session, nb, poolHandle, withNb.mdl, withNb.offset, withNb.length);
    m.setField('NET_BUFFER_LIST', nbl, 'FirstNetBuffer', nb);
    record.ownNb = nb;
    nblState(session).nbs.set(nb, { address: nb, api, live: true, nbl, ...(pool.adapter ? { adapter: pool.adapter } : {}), ...(site ? { site } : {}) });
  }
  nblState(session).nbls.set(nbl, record);
  return nbl;
}

function ownershipStop(session: Session, api: string, nbl: number, record: NblRecord | undefined, expectation: string): never {
  let why: string;
  if (!record) why = 'it is not a NET_BUFFER_LIST allocated by NDIS';
  else if (!record.live) why = record.origin === 'ndis-send' ? `it was completed already${at(record.completedAt)}` : (record.reclaimed ?? `it was freed${at(record.freedAt)}`);
  else if (record.origin === 'ndis-send') why = `it is a send NBL NDIS passed to MiniportSendNetBufferLists${record.completedAt ? '' : ' (owned by the protocol that sent it)'}`;
  else if (record.holder === 'ndis') why = `NDIS owns it: it was indicated${at(record.indicatedAt)} and MiniportReturnNetBufferLists has not returned it yet`;
  else why = `it was allocated by the driver with ${record.api}${at(record.site)}`;
  session.labStop('NBL-OWNERSHIP', `${api}: NBL ${hex(nbl)}: ${why}; ${expectation}`);
}

function freeNbl(session: Session, nbl: number): void {
  const api = 'NdisFreeNetBufferList';
  const state = nblState(session);
  const record = state.nbls.get(nbl);
  if (!record || !record.live || record.origin !== 'driver' || record.holder !== 'driver') {
    ownershipStop(session, api, nbl, record, 'a driver frees only NBLs it allocated and currently owns');
  }
  for (const c of record.contexts) session.pool.release(c);
  record.contexts = [];
  if (record.ownNb !== undefined) {
    const nb = state.nbs.get(record.ownNb);
    if (nb) nb.live = false;
    session.pool.release(record.ownNb);
  }
  record.live = false;
  const site = session.site();
  if (site) record.freedAt = site;
  session.pool.release(nbl);
}

function walkChain(session: Session, api: string, first: number): number[] {
  const chain: number[] = [];
  // Chains are short: loops are looked for once a chain gets long (a loop makes it endless).
  let seen: Set<number> | undefined;
  const nbls = nblState(session).nbls;
  let nbl = first;
  while (nbl !== 0) {
    if (chain.length === LOOP_CHECK_AFTER) {
      seen = new Set(chain);
      if (seen.size < chain.length) session.labStop('NBL-CHAIN', `${api}: the NBL chain loops back to ${hex(chain.find((n, i) => chain.indexOf(n) !== i)!)}`);
    }
    if (seen) {
      if (seen.has(nbl)) session.labStop('NBL-CHAIN', `${api}: the NBL chain loops back to ${hex(nbl)}`);
      seen.add(nbl);
    }
    if (chain.length >= MAX_CHAIN) session.labStop('NBL-CHAIN', `${api}: the NBL chain has more than ${MAX_CHAIN} entries`);
    chain.push(nbl);
    const record = nbls.get(nbl);
    if (!record || !record.live) return chain; // reported by the caller before Next is trusted
    nbl = session.memory.u32(nbl + NBL_NEXT);
  }
  return chain;
}

// --- the send path ----------------------------------------------------------------------------------

/** Copies a frame into NDIS's nonpaged buffer `data` and describes it: its MDL, and the NET_BUFFER over it (NDIS's pool). */
function fillFrameBuffer(session: Session, nb: number, mdl: number, data: number, frame: Uint8Array): void {
  const m = session.memory;
  m.write(data, frame);
  m.setField('MDL', mdl, 'Size', mdlSize(session, data, frame.length));
  m.setField('MDL', mdl, 'MdlFlags', K.MDL_SOURCE_IS_NONPAGED_POOL | K.MDL_ALLOCATED_FIXED_SIZE);
  m.setField('MDL', mdl, 'MappedSystemVa', data);
  m.setField('MDL', mdl, 'StartVa', data & ~(PAGE_SIZE - 1));
  m.setField('MDL', mdl, 'ByteOffset', data & (PAGE_SIZE - 1));
  m.setField('MDL', mdl, 'ByteCount', frame.length);
  initNb(session, nb, nblState(session).ndisPool, mdl, 0, frame.length);
}

/**
 * An NBL NDIS owns, holding `frame`: the data, an MDL over it, one NET_BUFFER and the NBL, all in
 * NDIS's pool (freed together, `storage`). Undefined when the pool is exhausted.
 */
function buildNdisNbl(session: Session, api: string, frame: Uint8Array): { nbl: number; storage: number[] } | undefined {
  const state = nblState(session);
  const m = session.memory;
  const alloc = (size: number) => session.pool.allocate(size, TAG_SEND, api, 'ndis');
  const data = alloc(frame.length);
  const mdl = alloc(mdlSize(session, data, frame.length));
  const nb = alloc(m.sizeOf('NET_BUFFER'));
  const nbl = alloc(m.sizeOf('NET_BUFFER_LIST'));
  if (!data || !mdl || !nb || !nbl) {
    for (const a of [data, mdl, nb, nbl]) if (a) session.pool.release(a);
    return undefined;
  }
  fillFrameBuffer(session, nb, mdl, data, frame);
  m.setField('NET_BUFFER_LIST', nbl, 'FirstNetBuffer', nb);
  m.setField('NET_BUFFER_LIST', nbl, 'NdisPoolHandle', state.ndisPool);
  return { nbl, storage: [data, mdl, nb, nbl] };
}

function buildSendNbl(session: Session, adapter: Adapter, bytes: number): number {
  const state = nblState(session);
  const m = session.memory;
  const api = 'MiniportSendNetBufferLists';
  const sequence = ++state.sendSequence;
  const frame = new Uint8Array(bytes);
  frame.set([0x02, 0x4c, 0x41, 0x42, 0x00, 0x02, 0x02, 0x4c, 0x41, 0x42, 0x00, 0x01, 0x88, 0xb5]);
  for (let i = 14; i < bytes; i++) frame[i] = session.kernel.rng.nextU32() & 0xff;
  if (bytes >= 18) frame.set([(sequence >>> 24) & 0xff, (sequence >>> 16) & 0xff, (sequence >>> 8) & 0xff, sequence & 0xff], 14);
  const built = buildNdisNbl(session, api, frame);
  if (!built) throw new Error(`NDIS ran out of memory building send NBLs for ${adapter.name} (the driver still holds ${outstandingSends(session, adapter).length} sends)`);
  const { nbl, storage } = built;
  if (hasWire(adapter)) noteSent(session, adapter, sequence, frame);
  m.setField('NET_BUFFER_LIST', nbl, 'SourceHandle', state.protocolHandle);
  state.nbls.set(nbl, { address: nbl, origin: 'ndis-send', adapter, api, holder: 'driver', live: true, contexts: [], ndisStorage: storage, sequence });
  return nbl;
}

function outstandingSends(session: Session, adapter: Adapter): NblRecord[] {
  return [...nblState(session).nbls.values()].filter((r) => r.live && r.origin === 'ndis-send' && r.adapter === adapter);
}

function indicatedNbls(session: Session, adapter: Adapter): NblRecord[] {
  return [...nblState(session).nbls.values()].filter((r) => r.live && r.origin === 'driver' && r.holder === 'ndis' && r.adapter === adapter);
}

/** The scenario's send step: NDIS (a protocol above) sends `count` frames of `bytes` bytes. */
export function sendFrames(session: Session, adapter: Adapter, count: number, bytes: number): void {
  if (adapter.state !== 'Running') throw new Error(`NDIS does not send on ${adapter.name}: it is ${adapter.state}, and sends go only to a Running adapter`);
  const handler = adapter.registration.handlers.sendNetBufferLists;
  for (let sent = 0; sent < count && adapter.state === 'Running'; ) {
    const batch = Math.min(SEND_BATCH, count - sent);
    const chain: number[] = [];
    for (let i = 0; i < batch; i++) chain.push(buildSendNbl(session, adapter, bytes));
    chain.forEach((nbl, i) => session.memory.setField('NET_BUFFER_LIST', nbl, 'Next', chain[i + 1] ?? 0));
    session.emit({ kind: 'nbl', op: 'send', adapter: adapter.name, count: batch, detail: `${batch} × ${bytes}-byte frame(s)` });
    session.callDriver('MiniportSendNetBufferLists', handler, [adapter.context, chain[0]!, K.NDIS_DEFAULT_PORT_NUMBER, K.NDIS_SEND_FLAGS_DISPATCH_LEVEL], DISPATCH_LEVEL, adapter.handle);
    sent += batch;
    session.kernel.runReady();
    if (session.stopRule !== undefined) return;
  }
}

function sendComplete(session: Session, handle: number, first: number): void {
  const api = 'NdisMSendNetBufferListsComplete';
  const adapter = adapterOf(session, handle, api);
  if (first === 0) session.labStop('NBL-OWNERSHIP', `${api}: NetBufferLists is NULL`);
  const state = nblState(session);
  const chain = walkChain(session, api, first);
  const records: NblRecord[] = [];
  for (const nbl of chain) {
    const record = state.nbls.get(nbl);
    if (!record || !record.live || record.origin !== 'ndis-send') {
      ownershipStop(session, api, nbl, record, 'NdisMSendNetBufferListsComplete returns only NBLs NDIS passed to MiniportSendNetBufferLists, each exactly once');
    }
    if (record.adapter !== adapter) {
      session.labStop('NBL-OWNERSHIP', `${api}: NBL ${hex(nbl)} was sent to ${record.adapter?.name ?? 'another adapter'} but is completed with the handle of ${adapter.name}`);
    }
    records.push(record);
  }
  const site = session.site();
  const wire = hasWire(adapter);
  let failed = 0;
  const forwarded: Array<{ nbl: number; status: number }> = [];
  for (const record of records) {
    const status = session.memory.field('NET_BUFFER_LIST', record.address, 'Status');
    if (record.forwarded) forwarded.push({ nbl: record.address, status });
    if (wire) {
      // The device put the frame on the wire itself (wire.ts saw it); the ledger learns the outcome.
      if (record.sequence !== undefined) noteSendCompleted(session, adapter, record.sequence, status === K.NDIS_STATUS_SUCCESS);
      for (const sequence of record.forwarded?.sequences ?? []) noteSendCompleted(session, adapter, sequence, status === K.NDIS_STATUS_SUCCESS);
      if (status !== K.NDIS_STATUS_SUCCESS) failed++;
    } else if (status === K.NDIS_STATUS_SUCCESS) {
      for (const nb of session.tracing ? nbsOf(session, record.address) : []) {
        const length = session.memory.field('NET_BUFFER', nb, 'DataLength');
        const frame = readNb(session, nb, 0, length);
        session.emit({ kind: 'wire.frame', adapter: adapter.name, direction: 'tx', length: frame.length, head: headHex(frame), data: base64(frame) });
      }
    } else {
      failed++;
    }
    record.live = false;
    record.holder = 'ndis';
    if (site) record.completedAt = site;
    for (const a of record.ndisStorage ?? []) session.pool.release(a);
  }
  session.emit({ kind: 'nbl', op: 'send-complete', adapter: adapter.name, count: records.length, ...(failed > 0 ? { detail: `${failed} dropped (completed with a failure status)` } : {}), ...siteFields(site) });
  if (forwarded.length > 0) upperStack(session)?.sendsCompleted(adapter, forwarded);
}

// --- the receive path -------------------------------------------------------------------------------

function indicateReceive(session: Session, handle: number, first: number, count: number, flags: number): void {
  const api = 'NdisMIndicateReceiveNetBufferLists';
  const adapter = adapterOf(session, handle, api);
  switch (adapter.state) {
    case 'Running':
    case 'Pausing':
      break;
    case 'Initializing':
      session.violation('INIT-NO-DATA', `${api} while ${adapter.name} is Initializing: receives may be indicated only after NDIS has restarted the adapter`);
      return;
    case 'Paused':
    case 'Restarting':
      session.violation('ST-PAUSED-IO', `${api} while ${adapter.name} is ${adapter.state}: receives may be indicated only while Running (or still Pausing)`);
      return;
    default:
      session.violation('HALT-AFTER', `${api} after ${adapter.name} was halted (${adapter.state})`);
      return;
  }
  if (first === 0) session.labStop('NBL-OWNERSHIP', `${api}: NetBufferLists is NULL`);
  const state = nblState(session);
  const chain = walkChain(session, api, first);
  const records: NblRecord[] = [];
  for (const nbl of chain) {
    const record = state.nbls.get(nbl);
    if (!record || !record.live || (record.origin !== 'driver' && record.origin !== 'lower-receive') || record.holder !== 'driver') {
      ownershipStop(session, api, nbl, record, 'a miniport indicates only NBLs it owns: its own, or (an intermediate driver) ones received from the adapter below it');
    }
    if (session.memory.u32(nbl + NBL_FIRST_NB) === 0) session.labStop('NBL-EMPTY', `${api}: NBL ${hex(nbl)} has no NET_BUFFER (FirstNetBuffer is NULL)`);
    records.push(record);
  }
  if (count !== chain.length) {
    session.labStop('NBL-COUNT', `${api}: NumberOfNetBufferLists is ${count} but the chain at NetBufferLists holds ${chain.length} NBL(s)`);
  }
  const site = session.site();
  const ledger = hasWire(adapter) ? wireLedger(session, adapter) : undefined;
  const m = session.memory;
  for (const record of records) {
    for (let nb = m.u32(record.address + NBL_FIRST_NB), guard = 0; nb !== 0 && guard < 4096; nb = m.u32(nb + NB_NEXT), guard++) {
      const length = m.u32(nb + NB_DATA_LENGTH);
      const frame = nbData(session, nb, length);
      if (frame.length < length) session.labStop('NB-MDL', `${api}: NET_BUFFER ${hex(nb)} claims DataOffset ${session.memory.field('NET_BUFFER', nb, 'DataOffset')} + DataLength ${length} bytes but its MDL chain holds less`);
      // With a NIC the frame was shown when it arrived on the wire; the ledger checks it is the same one.
      if (ledger) noteIndicated(ledger, frame);
      else if (session.tracing) session.emit({ kind: 'wire.frame', adapter: adapter.name, direction: 'rx', length: frame.length, head: headHex(frame), data: base64(frame) });
    }
  }
  const resources = (flags & K.NDIS_RECEIVE_FLAGS_RESOURCES) !== 0;
  session.emit({ kind: 'nbl', op: 'indicate', adapter: adapter.name, count: records.length, ...(resources ? { detail: 'NDIS_RECEIVE_FLAGS_RESOURCES: NDIS copies, the driver owns them again on return' } : {}), ...siteFields(site) });
  const upper = upperStack(session);
  if (resources) {
    upper?.receive(adapter, chain, flags);
    return;
  }
  for (const record of records) {
    record.holder = 'ndis';
    if (site) record.indicatedAt = site;
  }
  // A protocol bound above takes them; they come back when it returns them (returnIndicated).
  if (upper?.receive(adapter, chain, flags)) return;
  const pending: PendingReturn = {
    adapter,
    nbls: chain,
    done: false,
    entry: session.kernel.scheduler.at(session.now + RETURN_DELAY_TICKS, {
      label: `NDIS returns ${chain.length} NBL(s) to ${adapter.name}`,
      run: () => session.kernel.queueDpc({ label: `MiniportReturnNetBufferLists(${adapter.name})`, run: () => returnNbls(session, pending) }),
    }),
  };
  state.returns.push(pending);
}

function returnNbls(session: Session, pending: PendingReturn): void {
  if (pending.done) return;
  pending.done = true;
  const state = nblState(session);
  state.returns = state.returns.filter((p) => p !== pending);
  returnIndicated(session, pending.adapter, pending.nbls);
}

/**
 * NDIS gives indicated NBLs back to the miniport (MiniportReturnNetBufferLists at DISPATCH_LEVEL):
 * the protocols above are done with them. Chained in the order given.
 */
export function returnIndicated(session: Session, adapter: Adapter, nbls: readonly number[]): void {
  const state = nblState(session);
  if (adapter.state === 'Halted' || nbls.length === 0) return;
  for (let i = 0; i < nbls.length; i++) session.memory.setU32(nbls[i]! + NBL_NEXT, nbls[i + 1] ?? 0);
  for (const nbl of nbls) {
    const record = state.nbls.get(nbl);
    if (record) record.holder = 'driver';
  }
  session.emit({ kind: 'nbl', op: 'return', adapter: adapter.name, count: nbls.length });
  session.callDriver('MiniportReturnNetBufferLists', adapter.registration.handlers.returnNetBufferLists, [adapter.context, nbls[0]!, K.NDIS_RETURN_FLAGS_DISPATCH_LEVEL], DISPATCH_LEVEL, adapter.handle);
}

// --- milestones --------------------------------------------------------------------------------------

function adapterObjects(session: Session, adapter: Adapter): string[] {
  const state = nblState(session);
  const out: string[] = [];
  for (const p of state.pools.values()) if (p.live && p.adapter === adapter) out.push(describe(`${p.kind} pool`, p));
  for (const n of state.nbls.values()) if (n.live && n.origin === 'driver' && n.adapter === adapter) out.push(describe('NBL', n));
  for (const b of state.nbs.values()) if (b.live && b.nbl === undefined && b.adapter === adapter) out.push(describe('NET_BUFFER', b));
  for (const d of state.mdls.values()) if (d.live && d.adapter === adapter) out.push(describe('MDL', d));
  return out;
}

function releaseAdapterObjects(session: Session, adapter: Adapter): void {
  const state = nblState(session);
  for (const n of state.nbls.values()) {
    if (n.live && n.origin === 'driver' && n.adapter === adapter) {
      n.live = false;
      for (const c of n.contexts) session.pool.release(c);
      session.pool.release(n.address);
    }
  }
  for (const b of state.nbs.values()) if (b.live && b.adapter === adapter) {
    b.live = false;
    session.pool.release(b.address);
  }
  for (const d of state.mdls.values()) if (d.live && d.adapter === adapter) {
    d.live = false;
    session.pool.release(d.address);
  }
  for (const p of state.pools.values()) if (p.live && p.adapter === adapter) {
    p.live = false;
    session.pool.release(p.handle);
  }
}

function cancelReturns(session: Session, adapter: Adapter): void {
  const state = nblState(session);
  for (const p of state.returns) if (p.adapter === adapter) {
    p.done = true;
    session.kernel.scheduler.cancel(p.entry);
  }
  state.returns = state.returns.filter((p) => p.adapter !== adapter);
}

function summary(list: string[]): string {
  return list.slice(0, 8).join('; ') + (list.length > 8 ? `; and ${list.length - 8} more` : '');
}

addAdapterChecks({
  beforePauseComplete(session, adapter) {
    const sends = outstandingSends(session, adapter);
    const indicated = indicatedNbls(session, adapter);
    if (sends.length === 0 && indicated.length === 0) return;
    const parts = [
      sends.length > 0 && `${sends.length} send NBL(s) not yet completed with NdisMSendNetBufferListsComplete`,
      indicated.length > 0 && `${indicated.length} indicated NBL(s) not yet returned by MiniportReturnNetBufferLists (first indicated${at(indicated[0]!.indicatedAt)})`,
    ].filter(Boolean);
    session.violation('ST-PAUSE-INCOMPLETE', `the pause of ${adapter.name} completed with ${parts.join(' and ')}; a pause completes only once the data path is quiet (return PENDING and call NdisMPauseComplete when the last one is back)`);
  },
  afterHalt(session, adapter) {
    const indicated = indicatedNbls(session, adapter);
    cancelReturns(session, adapter);
    if (indicated.length > 0) {
      session.violation('HALT-RCV-OUT', `MiniportHaltEx returned while ${indicated.length} indicated NBL(s) were still with NDIS (first indicated${at(indicated[0]!.indicatedAt)})`, {
        ...(indicated[0]!.indicatedAt ? { site: indicated[0]!.indicatedAt } : {}),
      });
    }
    for (const s of outstandingSends(session, adapter)) {
      s.live = false;
      for (const a of s.ndisStorage ?? []) session.pool.release(a);
    }
    const leaks = adapterObjects(session, adapter);
    if (leaks.length > 0) session.violation('HALT-LEAK', `MiniportHaltEx returned with ${leaks.length} NDIS object(s) of the adapter still allocated: ${summary(leaks)}`);
    releaseAdapterObjects(session, adapter);
  },
  afterInitFailure(session, adapter) {
    cancelReturns(session, adapter);
    const leaks = adapterObjects(session, adapter);
    if (leaks.length > 0) session.violation('INIT-FAIL-LEAK', `MiniportInitializeEx failed with ${leaks.length} NDIS object(s) still allocated: ${summary(leaks)}`);
    releaseAdapterObjects(session, adapter);
  },
});

scenarioHooks.send = sendFrames;

// --- imports -----------------------------------------------------------------------------------------

function checkPoolHeader(session: Session, api: string, params: number, struct: 'NET_BUFFER_LIST_POOL_PARAMETERS' | 'NET_BUFFER_POOL_PARAMETERS', revision: number, size: number, sizeName: string): boolean {
  const m = session.memory;
  const type = m.field(struct, params, 'Header.Type');
  const rev = m.field(struct, params, 'Header.Revision');
  const sz = m.field(struct, params, 'Header.Size');
  if (type === K.NDIS_OBJECT_TYPE_DEFAULT && rev === revision && sz >= size) return true;
  session.violation('INIT-POOL', `${api}: the ${struct} header is Type 0x${type.toString(16)} / Revision ${rev} / Size ${sz}; it must be NDIS_OBJECT_TYPE_DEFAULT (0x80) / ${revision} / ${sizeName} (${size})`);
  return false;
}

function allocatePool(session: Session, api: string, ndisHandle: number, params: number, kind: PoolRecord['kind']): number {
  const m = session.memory;
  const ok =
    kind === 'NBL'
      ? checkPoolHeader(session, api, params, 'NET_BUFFER_LIST_POOL_PARAMETERS', K.NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1, K.NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1, 'NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1')
      : checkPoolHeader(session, api, params, 'NET_BUFFER_POOL_PARAMETERS', K.NET_BUFFER_POOL_PARAMETERS_REVISION_1, K.NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1, 'NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1');
  if (!ok) return 0;
  const { adapter } = ownerOf(session, ndisHandle, api);
  const contextSize = kind === 'NBL' ? m.field('NET_BUFFER_LIST_POOL_PARAMETERS', params, 'ContextSize') : 0;
  if (kind === 'NBL') checkContextSizes(session, api, contextSize, 0);
  const handle = storage(session, 16, api, adapter);
  if (handle === 0) return 0;
  const site = session.site();
  nblState(session).pools.set(handle, {
    handle,
    kind,
    api,
    live: true,
    contextSize,
    allocateNetBuffer: kind === 'NBL' && m.field('NET_BUFFER_LIST_POOL_PARAMETERS', params, 'fAllocateNetBuffer') !== 0,
    ...(adapter ? { adapter } : {}),
    ...(site ? { site } : {}),
  });
  session.emit({ kind: 'resource', op: 'alloc', resource: `${kind} pool`, address: handle, ...siteFields(site) });
  return handle;
}

function freePool(session: Session, api: string, handle: number, kind: PoolRecord['kind']): void {
  const state = nblState(session);
  const pool = state.pools.get(handle);
  if (!pool || !pool.live || pool.kind !== kind) {
    session.labStop('POOL-FREE', `${api}(${hex(handle)}): ${!pool ? 'not a pool handle' : !pool.live ? `the pool was freed already` : `this is a ${pool.kind} pool`}`);
  }
  const nbls = [...state.nbls.values()].filter((n) => n.live && n.pool === pool);
  const indicated = nbls.filter((n) => n.holder === 'ndis');
  if (indicated.length > 0) {
    session.violation('HALT-RCV-OUT', `${api}: ${indicated.length} NBL(s) of this pool are still indicated to NDIS (first indicated${at(indicated[0]!.indicatedAt)}); wait for MiniportReturnNetBufferLists before freeing the pool`);
  }
  const nbs = [...state.nbs.values()].filter((b) => b.live && b.pool === pool);
  const left = [...nbls.map((n) => describe('NBL', n)), ...nbs.map((b) => describe('NET_BUFFER', b))];
  if (left.length > 0 && indicated.length === 0) {
    session.violation(session.inCallback('MiniportInitializeEx') ? 'INIT-FAIL-LEAK' : 'HALT-LEAK', `${api}: the pool still has ${left.length} object(s) allocated from it; free them first: ${summary(left)}`);
  }
  for (const n of nbls) {
    n.live = false;
    for (const c of n.contexts) session.pool.release(c);
    session.pool.release(n.address);
  }
  for (const b of nbs) {
    b.live = false;
    session.pool.release(b.address);
  }
  pool.live = false;
  session.pool.release(handle);
  session.emit({ kind: 'resource', op: 'free', resource: `${kind} pool`, address: handle, ...siteFields(session.site()) });
}

function nbOf(session: Session, api: string, nb: number): number {
  if (nb === 0) session.labStop('NB-NULL', `${api}: NetBuffer is NULL`);
  return nb;
}

function getDataBuffer(session: Session, nb: number, bytesNeeded: number, storageAddress: number, alignMultiple: number, alignOffset: number): number {
  const m = session.memory;
  nbOf(session, 'NdisGetDataBuffer', nb);
  if (bytesNeeded > m.field('NET_BUFFER', nb, 'DataLength')) return 0;
  const place = locate(session, m.field('NET_BUFFER', nb, 'MdlChain'), m.field('NET_BUFFER', nb, 'DataOffset'));
  if (!place) return 0;
  const va = mdlVa(session, place.mdl) + place.offset;
  const contiguous = m.field('MDL', place.mdl, 'ByteCount') - place.offset >= bytesNeeded;
  const multiple = alignMultiple === 0 ? 1 : alignMultiple;
  const aligned = ((va - alignOffset) >>> 0) % multiple === 0;
  if (contiguous && aligned) return va;
  if (storageAddress === 0) return 0;
  m.write(storageAddress, readNb(session, nb, 0, bytesNeeded));
  return storageAddress;
}

function advance(session: Session, nb: number, delta: number, freeMdl: boolean): void {
  const m = session.memory;
  const length = m.field('NET_BUFFER', nb, 'DataLength');
  if (delta > length) session.labStop('NB-ADVANCE', `NdisAdvanceNetBufferDataStart: DataOffsetDelta ${delta} is larger than DataLength ${length}`);
  let offset = m.field('NET_BUFFER', nb, 'DataOffset') + delta;
  m.setField('NET_BUFFER', nb, 'DataLength', length - delta);
  // MDLs NDIS added in a retreat and now wholly before the data start go back to NDIS when asked.
  const state = nblState(session);
  for (;;) {
    const first = m.field('NET_BUFFER', nb, 'MdlChain');
    const record = state.mdls.get(first);
    const count = first === 0 ? 0 : m.field('MDL', first, 'ByteCount');
    if (!freeMdl || !record?.retreatBuffer || !record.live || offset < count) break;
    m.setField('NET_BUFFER', nb, 'MdlChain', m.field('MDL', first, 'Next'));
    offset -= count;
    record.live = false;
    session.pool.release(record.retreatBuffer);
    session.pool.release(first);
  }
  m.setField('NET_BUFFER', nb, 'DataOffset', offset);
  syncCurrentMdl(session, nb);
}

function retreat(session: Session, nb: number, delta: number, backFill: number): number {
  const m = session.memory;
  const offset = m.field('NET_BUFFER', nb, 'DataOffset');
  if (delta <= offset) {
    m.setField('NET_BUFFER', nb, 'DataOffset', offset - delta);
  } else {
    // Not enough unused space before the data: NDIS allocates an MDL and buffer of its own.
    const need = delta - offset + backFill;
    const buffer = session.pool.allocate(need, TAG_NBL, 'NdisRetreatNetBufferDataStart', 'ndis');
    if (buffer === 0) return K.NDIS_STATUS_RESOURCES;
    const mdl = buildMdl(session, 'NdisRetreatNetBufferDataStart', buffer, need, undefined, true);
    if (mdl === 0) {
      session.pool.release(buffer);
      return K.NDIS_STATUS_RESOURCES;
    }
    session.pool.lookup(mdl)!.owner = 'ndis';
    const record = nblState(session).mdls.get(mdl)!;
    record.retreatBuffer = buffer;
    m.setField('MDL', mdl, 'Next', m.field('NET_BUFFER', nb, 'MdlChain'));
    m.setField('NET_BUFFER', nb, 'MdlChain', mdl);
    m.setField('NET_BUFFER', nb, 'DataOffset', backFill);
  }
  m.setField('NET_BUFFER', nb, 'DataLength', m.field('NET_BUFFER', nb, 'DataLength') + delta);
  syncCurrentMdl(session, nb);
  return K.NDIS_STATUS_SUCCESS;
}

function liveNbl(session: Session, api: string, nbl: number): NblRecord {
  const record = nblState(session).nbls.get(nbl);
  if (!record || !record.live) ownershipStop(session, api, nbl, record, 'pass an NBL that is allocated');
  return record;
}

const NULL_FAULT = { kind: 'return', value: 0, label: 'NULL' } as const;

defineImports([
  {
    name: 'NdisAllocateNetBufferListPool',
    args: args('NdisHandle:handle', 'Parameters:ptr'),
    result: 'handle',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl: (session, [handle, params]) => allocatePool(session, 'NdisAllocateNetBufferListPool', handle!, params!, 'NBL'),
  },
  {
    name: 'NdisFreeNetBufferListPool',
    args: args('PoolHandle:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle]) => freePool(session, 'NdisFreeNetBufferListPool', handle!, 'NBL'),
  },
  {
    name: 'NdisAllocateNetBufferPool',
    args: args('NdisHandle:handle', 'Parameters:ptr'),
    result: 'handle',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl: (session, [handle, params]) => allocatePool(session, 'NdisAllocateNetBufferPool', handle!, params!, 'NB'),
  },
  {
    name: 'NdisFreeNetBufferPool',
    args: args('PoolHandle:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle]) => freePool(session, 'NdisFreeNetBufferPool', handle!, 'NB'),
  },
  {
    name: 'NdisAllocateNetBufferAndNetBufferList',
    args: args('PoolHandle:handle', 'ContextSize:u32', 'ContextBackFill:u32', 'MdlChain:ptr', 'DataOffset:u32', 'DataLength:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl: (session, [pool, contextSize, backFill, mdl, offset, length]) =>
      allocateNbl(session, 'NdisAllocateNetBufferAndNetBufferList', pool!, contextSize! & 0xffff, backFill! & 0xffff, { mdl: mdl!, offset: offset!, length: length! }),
  },
  {
    name: 'NdisAllocateNetBufferList',
    args: args('PoolHandle:handle', 'ContextSize:u32', 'ContextBackFill:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl: (session, [pool, contextSize, backFill]) => allocateNbl(session, 'NdisAllocateNetBufferList', pool!, contextSize! & 0xffff, backFill! & 0xffff),
  },
  {
    name: 'NdisFreeNetBufferList',
    args: args('NetBufferList:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [nbl]) => freeNbl(session, nbl!),
  },
  {
    name: 'NdisAllocateNetBuffer',
    args: args('PoolHandle:handle', 'MdlChain:ptr', 'DataOffset:u32', 'DataLength:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl(session, [poolHandle, mdl, offset, length]) {
      const api = 'NdisAllocateNetBuffer';
      const pool = poolOf(session, poolHandle!, api, 'NB');
      if (!pool) return 0;
      const nb = storage(session, session.memory.sizeOf('NET_BUFFER'), api, pool.adapter);
      if (nb === 0) return 0;
      initNb(session, nb, poolHandle!, mdl!, offset!, length!);
      const site = session.site();
      nblState(session).nbs.set(nb, { address: nb, pool, api, live: true, ...(pool.adapter ? { adapter: pool.adapter } : {}), ...(site ? { site } : {}) });
      return nb;
    },
  },
  {
    name: 'NdisFreeNetBuffer',
    args: args('NetBuffer:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [nb]) {
      const record = nblState(session).nbs.get(nb!);
      if (!record || !record.live || record.nbl !== undefined) {
        return session.labStop('NB-FREE', `NdisFreeNetBuffer(${hex(nb!)}): ${!record ? 'not a NET_BUFFER from NdisAllocateNetBuffer' : !record.live ? 'freed already' : 'this NET_BUFFER came with its NBL from NdisAllocateNetBufferAndNetBufferList and is freed with it by NdisFreeNetBufferList'}`);
      }
      record.live = false;
      session.pool.release(nb!);
    },
  },
  {
    name: 'NdisAllocateNetBufferListContext',
    args: args('NetBufferList:ptr', 'ContextSize:u32', 'ContextBackFill:u32', 'PoolTag:tag'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [nbl, contextSize, backFill]) {
      const api = 'NdisAllocateNetBufferListContext';
      const record = liveNbl(session, api, nbl!);
      checkContextSizes(session, api, contextSize! & 0xffff, backFill! & 0xffff);
      return pushContext(session, record, contextSize! & 0xffff, backFill! & 0xffff, api) ? K.NDIS_STATUS_SUCCESS : K.NDIS_STATUS_RESOURCES;
    },
  },
  {
    name: 'NdisFreeNetBufferListContext',
    args: args('NetBufferList:ptr', 'ContextSize:u32'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [nbl, size]) {
      const api = 'NdisFreeNetBufferListContext';
      const m = session.memory;
      const record = liveNbl(session, api, nbl!);
      const context = m.field('NET_BUFFER_LIST', nbl!, 'Context');
      if (context === 0) session.labStop('NBL-CONTEXT', `${api}: NBL ${hex(nbl!)} has no context to free`);
      const used = m.field('NET_BUFFER_LIST_CONTEXT', context, 'Size') - m.field('NET_BUFFER_LIST_CONTEXT', context, 'Offset');
      const amount = size! & 0xffff;
      if (amount > used) session.labStop('NBL-CONTEXT', `${api}: ContextSize ${amount} is more than the ${used} byte(s) of context in use`);
      const offset = m.field('NET_BUFFER_LIST_CONTEXT', context, 'Offset') + amount;
      m.setField('NET_BUFFER_LIST_CONTEXT', context, 'Offset', offset);
      if (offset === m.field('NET_BUFFER_LIST_CONTEXT', context, 'Size') && record.contexts.includes(context)) {
        m.setField('NET_BUFFER_LIST', nbl!, 'Context', m.field('NET_BUFFER_LIST_CONTEXT', context, 'Next'));
        record.contexts = record.contexts.filter((c) => c !== context);
        session.pool.release(context);
      }
    },
  },
  {
    name: 'NdisGetDataBuffer',
    args: args('NetBuffer:ptr', 'BytesNeeded:u32', 'Storage:ptr', 'AlignMultiple:u32', 'AlignOffset:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [nb, bytes, storageAddress, multiple, offset]) => getDataBuffer(session, nb!, bytes!, storageAddress!, multiple!, offset!),
  },
  {
    name: 'NdisRetreatNetBufferDataStart',
    args: args('NetBuffer:ptr', 'DataOffsetDelta:u32', 'DataBackFill:u32', 'AllocateMdlHandler:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [nb, delta, backFill]) => retreat(session, nbOf(session, 'NdisRetreatNetBufferDataStart', nb!), delta!, backFill!),
  },
  {
    name: 'NdisAdvanceNetBufferDataStart',
    args: args('NetBuffer:ptr', 'DataOffsetDelta:u32', 'FreeMdl:bool', 'FreeMdlHandler:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [nb, delta, freeMdl]) => advance(session, nbOf(session, 'NdisAdvanceNetBufferDataStart', nb!), delta!, (freeMdl! & 0xff) !== 0),
  },
  {
    name: 'NdisRetreatNetBufferListDataStart',
    args: args('NetBufferList:ptr', 'DataOffsetDelta:u32', 'DataBackFill:u32', 'AllocateMdlHandler:ptr', 'FreeMdlHandler:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [nbl, delta, backFill]) {
      liveNbl(session, 'NdisRetreatNetBufferListDataStart', nbl!);
      for (const nb of nbsOf(session, nbl!)) {
        const status = retreat(session, nb, delta!, backFill!);
        if (status !== K.NDIS_STATUS_SUCCESS) return status;
      }
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisAdvanceNetBufferListDataStart',
    args: args('NetBufferList:ptr', 'DataOffsetDelta:u32', 'FreeMdl:bool', 'FreeMdlHandler:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [nbl, delta, freeMdl]) {
      liveNbl(session, 'NdisAdvanceNetBufferListDataStart', nbl!);
      for (const nb of nbsOf(session, nbl!)) advance(session, nb, delta!, (freeMdl! & 0xff) !== 0);
    },
  },
  {
    name: 'NdisCopyFromNetBufferToNetBuffer',
    args: args('Destination:ptr', 'DestinationOffset:u32', 'BytesToCopy:u32', 'Source:ptr', 'SourceOffset:u32', 'BytesCopied:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [dest, destOffset, bytes, source, sourceOffset, copiedOut]) {
      const m = session.memory;
      const api = 'NdisCopyFromNetBufferToNetBuffer';
      nbOf(session, api, dest!);
      nbOf(session, api, source!);
      const sourceLength = m.field('NET_BUFFER', source!, 'DataLength');
      const destLength = m.field('NET_BUFFER', dest!, 'DataLength');
      if (sourceOffset! > sourceLength || destOffset! > destLength) {
        m.setU32(copiedOut!, 0);
        return K.NDIS_STATUS_FAILURE;
      }
      const count = Math.min(bytes!, sourceLength - sourceOffset!, destLength - destOffset!);
      const copied = writeNb(session, dest!, destOffset!, readNb(session, source!, sourceOffset!, count));
      m.setU32(copiedOut!, copied);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisAllocateMdl',
    args: args('NdisHandle:handle', 'VirtualAddress:ptr', 'Length:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl(session, [handle, va, length]) {
      const { adapter } = ownerOf(session, handle!, 'NdisAllocateMdl');
      return buildMdl(session, 'NdisAllocateMdl', va!, length!, adapter, true);
    },
  },
  {
    name: 'NdisFreeMdl',
    args: args('Mdl:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [mdl]) => freeMdl(session, 'NdisFreeMdl', mdl!),
  },
  {
    name: 'IoAllocateMdl',
    args: args('VirtualAddress:ptr', 'Length:u32', 'SecondaryBuffer:bool', 'ChargeQuota:bool', 'Irp:ptr'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl: (session, [va, length]) => buildMdl(session, 'IoAllocateMdl', va!, length!, undefined, false),
  },
  {
    name: 'IoFreeMdl',
    args: args('Mdl:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [mdl]) => freeMdl(session, 'IoFreeMdl', mdl!),
  },
  {
    name: 'MmBuildMdlForNonPagedPool',
    args: args('MemoryDescriptorList:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [mdl]) {
      const m = session.memory;
      m.setField('MDL', mdl!, 'MdlFlags', m.field('MDL', mdl!, 'MdlFlags') | K.MDL_SOURCE_IS_NONPAGED_POOL);
      m.setField('MDL', mdl!, 'MappedSystemVa', mdlVa(session, mdl!));
    },
  },
  {
    name: 'MmMapLockedPagesSpecifyCache',
    args: args('MemoryDescriptorList:ptr', 'AccessMode:u32', 'CacheType:u32', 'RequestedAddress:ptr', 'BugCheckOnFailure:u32', 'Priority:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: NULL_FAULT,
    impl(session, [mdl]) {
      const m = session.memory;
      const va = mdlVa(session, mdl!);
      m.setField('MDL', mdl!, 'MdlFlags', m.field('MDL', mdl!, 'MdlFlags') | K.MDL_MAPPED_TO_SYSTEM_VA);
      m.setField('MDL', mdl!, 'MappedSystemVa', va);
      return va;
    },
  },
  {
    name: 'NdisMSendNetBufferListsComplete',
    args: args('MiniportAdapterHandle:handle', 'NetBufferLists:ptr', 'SendCompleteFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, nbls]) => sendComplete(session, handle!, nbls!),
  },
  {
    name: 'NdisMIndicateReceiveNetBufferLists',
    args: args('MiniportAdapterHandle:handle', 'NetBufferLists:ptr', 'PortNumber:u32', 'NumberOfNetBufferLists:u32', 'ReceiveFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, nbls, , count, flags]) => indicateReceive(session, handle!, nbls!, count!, flags!),
  },
]);


// --- protocol edges: sends passed down a binding ------------------------------------------------------

/**
 * A protocol (or an intermediate driver's protocol edge) hands NBLs down a binding with
 * NdisSendNetBufferLists: each must be live and held by the driver; from now on NDIS and the
 * miniport below hold them until the send completes. Returns the chain.
 */
export function handDownForSend(session: Session, api: string, first: number): number[] {
  if (first === 0) session.labStop('NBL-OWNERSHIP', `${api}: NetBufferLists is NULL`);
  const state = nblState(session);
  const chain = walkChain(session, api, first);
  for (const nbl of chain) {
    const record = state.nbls.get(nbl);
    if (!record || !record.live || record.holder !== 'driver') {
      ownershipStop(session, api, nbl, record, 'a driver sends only NBLs it owns: its own, or ones NDIS gave it to send');
    }
  }
  for (const nbl of chain) state.nbls.get(nbl)!.holder = 'ndis';
  return chain;
}

/** The frames of an NBL's NET_BUFFERs (for the trace of a wire). */
export function nblFrames(session: Session, nbl: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let nb = session.memory.u32(nbl + NBL_FIRST_NB), guard = 0; nb !== 0 && guard < 4096; nb = session.memory.u32(nb + NB_NEXT), guard++) {
    frames.push(readNb(session, nb, 0, session.memory.u32(nb + NB_DATA_LENGTH)));
  }
  return frames;
}

/** The miniport below completed the sends: the NBLs are the driver's again, chained in order, with their status. */
export function handBackFromSend(session: Session, nbls: readonly number[], status: number): void {
  const state = nblState(session);
  nbls.forEach((nbl, i) => {
    session.memory.setU32(nbl + NBL_NEXT, nbls[i + 1] ?? 0);
    session.memory.setField('NET_BUFFER_LIST', nbl, 'Status', status);
    const record = state.nbls.get(nbl);
    if (record) record.holder = 'driver';
  });
}

// --- protocol edges: receives from the adapter below --------------------------------------------------

/**
 * NDIS builds receive NBLs for a frame that arrived at a lower adapter: NDIS-owned storage (NBL, NB,
 * MDL, data); the protocol holds them from ProtocolReceiveNetBufferLists until NdisReturnNetBufferLists.
 */
export function buildLowerReceiveNbls(session: Session, frames: readonly Uint8Array[]): number[] {
  const state = nblState(session);
  const m = session.memory;
  const api = 'ProtocolReceiveNetBufferLists';
  const chain: number[] = [];
  for (const frame of frames) {
    const built = buildNdisNbl(session, api, frame);
    if (!built) throw new Error('NDIS ran out of memory building receive NBLs (the driver still holds what it was given: return them with NdisReturnNetBufferLists)');
    state.nbls.set(built.nbl, { address: built.nbl, origin: 'lower-receive', api, holder: 'driver', live: true, contexts: [], ndisStorage: built.storage });
    chain.push(built.nbl);
  }
  chain.forEach((nbl, i) => m.setU32(nbl + NBL_NEXT, chain[i + 1] ?? 0));
  return chain;
}

/** NdisReturnNetBufferLists: the protocol gives receive NBLs back to NDIS, which frees them. Returns how many. */
export function returnLowerReceives(session: Session, api: string, first: number): number[] {
  if (first === 0) session.labStop('NBL-OWNERSHIP', `${api}: NetBufferLists is NULL`);
  const state = nblState(session);
  const chain = walkChain(session, api, first);
  for (const nbl of chain) {
    const record = state.nbls.get(nbl);
    if (!record || !record.live || record.origin !== 'lower-receive' || record.holder !== 'driver') {
      ownershipStop(session, api, nbl, record, 'a protocol returns only the NBLs NDIS indicated to its ProtocolReceiveNetBufferLists, each once, and only while it holds them');
    }
    if (record.cannotPend) {
      session.labStop('NBL-OWNERSHIP', `${api}: NBL ${hex(nbl)} was indicated with NDIS_RECEIVE_FLAGS_RESOURCES: NDIS takes it back when ProtocolReceiveNetBufferLists returns, so a protocol never returns it (copy the data to keep it)`);
    }
  }
  for (const nbl of chain) {
    const record = state.nbls.get(nbl)!;
    record.live = false;
    record.holder = 'ndis';
    for (const a of record.ndisStorage ?? []) session.pool.release(a);
  }
  return chain;
}

/** Receive NBLs from lower adapters the driver still holds (for the checks at pause and unbind). */
export function heldLowerReceives(session: Session, among: ReadonlySet<number>): number {
  let held = 0;
  for (const nbl of among) {
    const record = nblState(session).nbls.get(nbl);
    if (record?.live && record.origin === 'lower-receive') held++;
  }
  return held;
}

/** Receive copies NDIS reclaimed and still keeps reserved (reclaimLowerReceives). */
const QUARANTINE_NBLS = 1024;

/**
 * NDIS takes back receive NBLs it indicated with NDIS_RECEIVE_FLAGS_RESOURCES, now that the receive
 * handler returned: whatever the protocol still does with them is a misuse (NBL-OWNERSHIP, naming
 * this). Their storage stays reserved for a while, so a late return still finds what they were.
 */
export function reclaimLowerReceives(session: Session, chain: readonly number[]): void {
  const state = nblState(session);
  for (const nbl of chain) {
    const record = state.nbls.get(nbl);
    if (!record || !record.live) continue;
    record.live = false;
    record.holder = 'ndis';
    record.reclaimed = 'it was indicated to ProtocolReceiveNetBufferLists with NDIS_RECEIVE_FLAGS_RESOURCES, so it was NDIS\'s again as soon as that handler returned (keeping it needs a copy)';
    state.quarantine.push([...(record.ndisStorage ?? []), ...record.contexts]);
    record.contexts = [];
  }
  while (state.quarantine.length > QUARANTINE_NBLS) for (const a of state.quarantine.shift()!) session.pool.release(a);
}

/**
 * An NBL NDIS owns with one NET_BUFFER per frame (data, MDL and NB each in NDIS's pool, freed
 * together, `storage`); undefined when the pool is exhausted.
 */
function buildNdisNblOf(session: Session, api: string, frames: readonly Uint8Array[]): { nbl: number; storage: number[] } | undefined {
  const state = nblState(session);
  const m = session.memory;
  const storageList: number[] = [];
  const alloc = (size: number): number => {
    const a = session.pool.allocate(size, TAG_SEND, api, 'ndis');
    if (a) storageList.push(a);
    return a;
  };
  const fail = (): undefined => {
    for (const a of storageList) session.pool.release(a);
    return undefined;
  };
  const nbl = alloc(m.sizeOf('NET_BUFFER_LIST'));
  if (!nbl) return fail();
  let previous = 0;
  for (const frame of frames) {
    const data = alloc(Math.max(1, frame.length));
    const mdl = data ? alloc(mdlSize(session, data, frame.length)) : 0;
    const nb = mdl ? alloc(m.sizeOf('NET_BUFFER')) : 0;
    if (!nb) return fail();
    fillFrameBuffer(session, nb, mdl, data, frame);
    if (previous) m.setField('NET_BUFFER', previous, 'Next', nb);
    else m.setField('NET_BUFFER_LIST', nbl, 'FirstNetBuffer', nb);
    previous = nb;
  }
  m.setField('NET_BUFFER_LIST', nbl, 'NdisPoolHandle', state.ndisPool);
  return { nbl, storage: storageList };
}

/**
 * NDIS forwards a send from the protocol above a binding to the miniport below: an NBL in this
 * (the miniport's) session with one NET_BUFFER per frame, owned by NDIS and handed to
 * MiniportSendNetBufferLists. Frames with a lab sequence number not yet used on this adapter's
 * wire are entered in its ledger (`numbered`). Undefined when NDIS's pool is exhausted.
 */
export function buildForwardedSendNbl(session: Session, adapter: Adapter, frames: readonly Uint8Array[]): { nbl: number; numbered: number } | undefined {
  const api = 'MiniportSendNetBufferLists';
  const built = buildNdisNblOf(session, api, frames);
  if (!built) return undefined;
  session.memory.setField('NET_BUFFER_LIST', built.nbl, 'SourceHandle', nblState(session).protocolHandle);
  const sequences: number[] = [];
  if (hasWire(adapter)) {
    for (const frame of frames) {
      const sequence = sequenceOf(frame);
      if (sequence > 0 && txSequenceFree(session, adapter, sequence)) {
        noteSent(session, adapter, sequence, frame);
        sequences.push(sequence);
      }
    }
  }
  nblState(session).nbls.set(built.nbl, { address: built.nbl, origin: 'ndis-send', adapter, api, holder: 'driver', live: true, contexts: [], ndisStorage: built.storage, forwarded: { sequences } });
  return { nbl: built.nbl, numbered: sequences.length };
}

/**
 * Copies NDIS makes of a miniport's receive NBLs for the protocol above (one per NBL, one
 * NET_BUFFER per frame), owned by NDIS and held by the protocol from ProtocolReceiveNetBufferLists
 * until NdisReturnNetBufferLists (or, `cannotPend`, until the handler returns). Chained in order.
 */
export function buildReceiveCopies(session: Session, perNbl: ReadonlyArray<readonly Uint8Array[]>, options: { cannotPend?: boolean } = {}): number[] {
  const state = nblState(session);
  const api = 'ProtocolReceiveNetBufferLists';
  const chain: number[] = [];
  for (const frames of perNbl) {
    const built = buildNdisNblOf(session, api, frames);
    if (!built) throw new Error('NDIS ran out of memory copying receive NBLs for the protocol (it still holds what it was given: return them with NdisReturnNetBufferLists)');
    state.nbls.set(built.nbl, { address: built.nbl, origin: 'lower-receive', api, holder: 'driver', live: true, contexts: [], ndisStorage: built.storage, ...(options.cannotPend ? { cannotPend: true } : {}) });
    chain.push(built.nbl);
  }
  chain.forEach((nbl, i) => session.memory.setU32(nbl + NBL_NEXT, chain[i + 1] ?? 0));
  return chain;
}
