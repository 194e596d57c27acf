import type { ReceiveResult } from '../hw/device';
import type { Session } from '../session/session';
import type { Adapter } from './adapter';

/**
 * The wire under an adapter whose device has a network port (LabNIC): the link partner the bench
 * or a scenario plays. It injects frames into the NIC (`inject-frame`, the receive-overrun flood),
 * takes every frame the NIC transmits, and keeps a ledger so a run can prove the data path:
 * every frame the NIC accepted was indicated exactly once, with its bytes and in order, and every
 * frame NDIS sent and the driver completed with success went on the wire exactly once.
 *
 * Frames carry a 32-bit sequence number right after the Ethernet header (big-endian), for both
 * directions: the injector numbers received frames, NDIS's send path numbers sent ones.
 *
 * A virtual miniport has no wire: its frames are shown where NDIS sees them (send completion,
 * receive indication), by nbl.ts.
 */

/** The link partner's address, and the EtherType of lab traffic (IEEE 802 local experimental). */
export const PARTNER_MAC = [0x02, 0x4c, 0x41, 0x42, 0x00, 0x02] as const;
export const LAB_ETHERTYPE = 0x88b5;
const SEQUENCE_OFFSET = 14;
const MAX_PROBLEMS = 8;

/** Sent frames' state in the ledger. */
const SENT = 1;
const COMPLETED_OK = 2;
const COMPLETED_FAILED = 3;
/** Injected frames' state. */
const RX_DELIVERED = 1;
const RX_INDICATED = 2;
/** txOnWire value of a frame the NIC completed while the link was down. */
const LOST_LINK_DOWN = 0xffff_ffff;

class GrowableU32 {
  data = new Uint32Array(1024);
  ensure(index: number): void {
    if (index < this.data.length) return;
    let size = this.data.length;
    while (size <= index) size *= 2;
    const next = new Uint32Array(size);
    next.set(this.data);
    this.data = next;
  }
}

export interface WireLedger {
  /** Injection: next sequence number, frames offered and what the NIC did with them. */
  nextRxSequence: number;
  offered: number;
  outcomes: Record<ReceiveResult, number>;
  /** Per injected sequence number: state, length, FNV-1a hash of the bytes. */
  rxState: GrowableU32;
  rxLength: GrowableU32;
  rxHash: GrowableU32;
  indicated: number;
  lastIndicated: number;
  rxProblems: string[];
  /** Per sent sequence number (NDIS's send path). */
  txState: GrowableU32;
  txLength: GrowableU32;
  txHash: GrowableU32;
  txOnWire: GrowableU32;
  onWire: number;
  /** Frames the NIC completed while the link was down (lost, as on a real wire). */
  lostOnLinkDown: number;
  txProblems: string[];
  /** Bursts still scheduled, so a halted adapter stops the stream. */
  streams: number;
  /** Compare the bytes too (checksums), not only sequence numbers: when a scenario checks traffic. */
  compareBytes: boolean;
}

/**
 * Whether the ledgers checksum every frame's bytes (both directions) besides counting sequence
 * numbers: on when the scenario has an expect-traffic step, so a run that checks nothing does not
 * pay for it.
 */
export function setWireByteChecks(session: Session, on: boolean): void {
  session.state('wire-bytes', () => ({ on })).on = on;
}

function byteChecks(session: Session): boolean {
  return session.state('wire-bytes', () => ({ on: true })).on;
}

function ledgers(session: Session): Map<number, WireLedger> {
  return session.state('wire', () => new Map<number, WireLedger>());
}

export function wireLedger(session: Session, adapter: Adapter): WireLedger {
  const all = ledgers(session);
  let ledger = all.get(adapter.handle);
  if (!ledger) {
    ledger = {
      nextRxSequence: 1,
      offered: 0,
      outcomes: { delivered: 0, missed: 0, filtered: 0, dropped: 0, 'dma-error': 0 },
      rxState: new GrowableU32(),
      rxLength: new GrowableU32(),
      rxHash: new GrowableU32(),
      indicated: 0,
      lastIndicated: 0,
      rxProblems: [],
      txState: new GrowableU32(),
      txLength: new GrowableU32(),
      txHash: new GrowableU32(),
      txOnWire: new GrowableU32(),
      onWire: 0,
      lostOnLinkDown: 0,
      txProblems: [],
      streams: 0,
      compareBytes: byteChecks(session),
    };
    all.set(adapter.handle, ledger);
  }
  return ledger;
}

/** True when the adapter's device has a port on the wire (frames come from and go to the device). */
export function hasWire(adapter: Adapter): boolean {
  return typeof adapter.device.receiveFrame === 'function';
}

/**
 * A 32-bit checksum of a frame's first `length` bytes (FNV-style, four bytes a step): what the
 * ledger compares to tell that the indicated bytes are the ones that came off the wire.
 */
export function frameHash(bytes: Uint8Array, length = bytes.length): number {
  let h = (0x811c9dc5 ^ length) >>> 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    h = Math.imul(h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** The lab sequence number a frame carries after its Ethernet header (0: too short to have one). */
export function sequenceOf(frame: Uint8Array): number {
  if (frame.length < SEQUENCE_OFFSET + 4) return 0;
  return ((frame[SEQUENCE_OFFSET]! << 24) | (frame[SEQUENCE_OFFSET + 1]! << 16) | (frame[SEQUENCE_OFFSET + 2]! << 8) | frame[SEQUENCE_OFFSET + 3]!) >>> 0;
}

function problem(list: string[], text: string): void {
  if (list.length < MAX_PROBLEMS) list.push(text);
}

/** A frame for a wire.frame event (btoa: the simulator runs without Node's Buffer too). */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

export function headHex(bytes: Uint8Array, n = 32): string {
  let out = '';
  for (let i = 0; i < Math.min(bytes.length, n); i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

// --- transmit: NDIS's send path and the NIC -----------------------------------------------------------

/** NDIS built a send frame for an adapter with a wire: remember what must reach it. */
export function noteSent(session: Session, adapter: Adapter, sequence: number, frame: Uint8Array): void {
  const ledger = wireLedger(session, adapter);
  for (const a of [ledger.txState, ledger.txLength, ledger.txHash, ledger.txOnWire]) a.ensure(sequence);
  ledger.txState.data[sequence] = SENT;
  ledger.txLength.data[sequence] = frame.length;
  ledger.txHash.data[sequence] = ledger.compareBytes ? frameHash(frame) : 0;
}

/** True when no frame sent on this adapter carried `sequence` yet (a forwarded frame may then be numbered by it). */
export function txSequenceFree(session: Session, adapter: Adapter, sequence: number): boolean {
  const ledger = wireLedger(session, adapter);
  return sequence >= ledger.txState.data.length || ledger.txState.data[sequence] === 0;
}

/** The driver completed a send NBL holding the frame with this sequence number. */
export function noteSendCompleted(session: Session, adapter: Adapter, sequence: number, ok: boolean): void {
  const ledger = wireLedger(session, adapter);
  if (sequence <= 0 || sequence >= ledger.txState.data.length || ledger.txState.data[sequence] === 0) return;
  ledger.txState.data[sequence] = ok ? COMPLETED_OK : COMPLETED_FAILED;
}

/** The NIC put a frame on the wire. */
export function onTransmit(session: Session, adapter: Adapter, frame: Uint8Array): void {
  const ledger = wireLedger(session, adapter);
  ledger.onWire++;
  const sequence = sequenceOf(frame);
  const known = sequence > 0 && sequence < ledger.txState.data.length && ledger.txState.data[sequence] !== 0;
  if (!known) {
    problem(ledger.txProblems, `a ${frame.length}-byte frame went on the wire that NDIS never sent (sequence ${sequence}, starting ${headHex(frame.subarray(0, 16))})`);
  } else {
    const length = ledger.txLength.data[sequence]!;
    if (frame.length < length || (ledger.compareBytes && frameHash(frame, length) !== ledger.txHash.data[sequence])) {
      problem(ledger.txProblems, `sent frame ${sequence} went on the wire with different bytes (${frame.length} bytes, NDIS sent ${length}): the driver copied or described the buffer wrongly`);
    }
    if (ledger.txOnWire.data[sequence] === LOST_LINK_DOWN) ledger.txOnWire.data[sequence] = 0;
    ledger.txOnWire.data[sequence]!++;
    if (ledger.txOnWire.data[sequence] === 2) problem(ledger.txProblems, `sent frame ${sequence} went on the wire twice`);
  }
  if (session.tracing) session.emit({ kind: 'wire.frame', adapter: adapter.name, direction: 'tx', length: frame.length, head: headHex(frame), data: base64(frame) });
}

/** The NIC completed a frame while its link was down: it never reached the wire, and nobody is to blame. */
export function onTransmitLost(session: Session, adapter: Adapter, frame: Uint8Array): void {
  const ledger = wireLedger(session, adapter);
  ledger.lostOnLinkDown++;
  const sequence = sequenceOf(frame);
  if (sequence > 0 && sequence < ledger.txOnWire.data.length && ledger.txState.data[sequence] !== 0) ledger.txOnWire.data[sequence] = LOST_LINK_DOWN;
}

// --- receive: the injector and the indication path ----------------------------------------------------

export interface InjectOptions {
  count: number;
  bytes: number;
  burst: number;
  intervalUs: number;
  dest: 'station' | 'broadcast' | string;
}

/** A scenario's `dest` as an address: 'station' (the receiver's own), 'broadcast', or a MAC address as text. */
export function destinationAddress(dest: string, station: Uint8Array): Uint8Array {
  if (dest === 'broadcast') return new Uint8Array(6).fill(0xff);
  if (dest === 'station') return station;
  return Uint8Array.from(dest.split(':').map((h) => parseInt(h, 16)));
}

function destination(adapter: Adapter, dest: string): Uint8Array {
  return destinationAddress(dest, adapter.device.stationAddress?.() ?? new Uint8Array(6).fill(0xff));
}

/**
 * The partner's frame buffer for a burst: header written once, then per frame the sequence number
 * and a seeded payload. The payload (from byte 18) is 4-byte aligned in the buffer, so it is
 * written a word at a time.
 */
export class FrameBuilder {
  readonly frame: Uint8Array;
  private readonly words: Uint32Array;
  private readonly tailStart: number;

  constructor(bytes: number, dest: Uint8Array) {
    const buffer = new ArrayBuffer(bytes + 2 + 4);
    this.frame = new Uint8Array(buffer, 2, bytes);
    this.words = new Uint32Array(buffer, 20, Math.max(0, (bytes - 18) >>> 2));
    this.tailStart = 18 + this.words.length * 4;
    this.frame.set(dest, 0);
    this.frame.set(PARTNER_MAC, 6);
    this.frame[12] = LAB_ETHERTYPE >>> 8;
    this.frame[13] = LAB_ETHERTYPE & 0xff;
  }

  fill(sequence: number, seed: number): Uint8Array {
    const frame = this.frame;
    frame[14] = sequence >>> 24;
    frame[15] = (sequence >>> 16) & 0xff;
    frame[16] = (sequence >>> 8) & 0xff;
    frame[17] = sequence & 0xff;
    // One draw of the seeded generator per frame, stretched by xorshift: deterministic and cheap.
    let x = seed | 1;
    const words = this.words;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    }
    for (let i = this.tailStart; i < frame.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      frame[i] = x & 0xff;
    }
    return frame;
  }
}

/** Offers `count` frames to the NIC back to back (one burst), recording what it did with each. */
function deliverBurst(session: Session, adapter: Adapter, count: number, builder: FrameBuilder): void {
  const ledger = wireLedger(session, adapter);
  const device = adapter.device;
  const last = ledger.nextRxSequence + count;
  ledger.rxState.ensure(last);
  ledger.rxLength.ensure(last);
  ledger.rxHash.ensure(last);
  const outcomes = ledger.outcomes;
  const rng = session.kernel.rng;
  for (let i = 0; i < count; i++) {
    const sequence = ledger.nextRxSequence++;
    const frame = builder.fill(sequence, rng.nextU32());
    ledger.offered++;
    if (session.tracing) session.emit({ kind: 'wire.frame', adapter: adapter.name, direction: 'rx', length: frame.length, head: headHex(frame), data: base64(frame) });
    const outcome = device.receiveFrame!(frame);
    outcomes[outcome]++;
    if (outcome === 'delivered') {
      ledger.rxState.data[sequence] = RX_DELIVERED;
      ledger.rxLength.data[sequence] = frame.length;
      ledger.rxHash.data[sequence] = ledger.compareBytes ? frameHash(frame) : 0;
    }
  }
}

/** The `inject-frame` step: the first burst arrives now, the rest every `intervalUs` of virtual time. */
export function injectFrames(session: Session, adapter: Adapter, options: InjectOptions): void {
  if (!hasWire(adapter)) throw new Error(`${adapter.name} has no wire: its device (${adapter.device.kind}) has no network port; add it with "device": "labnic"`);
  const ledger = wireLedger(session, adapter);
  const interval = Math.max(0, Math.round(options.intervalUs * 10));
  // The partner addresses the frames as the NIC's filter stood when the stream began; the NIC
  // copies each frame into driver memory before receiveFrame returns, so one buffer serves them all.
  const builder = new FrameBuilder(options.bytes, destination(adapter, options.dest));
  let left = options.count;
  const next = (): void => {
    if (adapter.state === 'Halted' || adapter.state === 'Shutdown') {
      ledger.streams--;
      return;
    }
    const now = Math.min(options.burst, left);
    left -= now;
    deliverBurst(session, adapter, now, builder);
    if (left > 0) session.kernel.scheduler.at(session.now + interval, { label: `${adapter.name}: wire burst (${left} frame(s) to go)`, run: next });
    else ledger.streams--;
  };
  ledger.streams++;
  next();
}

/** The receive-overrun fault: the partner floods the NIC with `frames` frames at once. */
export function floodFrames(session: Session, adapter: Adapter, frames: number): void {
  if (!hasWire(adapter)) throw new Error(`${adapter.name} has no wire to flood`);
  deliverBurst(session, adapter, frames, new FrameBuilder(64, destination(adapter, 'station')));
}

/** The driver indicated a frame up the stack (NdisMIndicateReceiveNetBufferLists). */
export function noteIndicated(ledger: WireLedger, frame: Uint8Array): void {
  ledger.indicated++;
  const sequence = sequenceOf(frame);
  const state = sequence > 0 && sequence < ledger.rxState.data.length ? ledger.rxState.data[sequence]! : 0;
  if (state === 0) {
    problem(ledger.rxProblems, `the driver indicated a ${frame.length}-byte frame the NIC never received (sequence ${sequence}): stale or uninitialized receive buffer?`);
    return;
  }
  if (state === RX_INDICATED) {
    problem(ledger.rxProblems, `received frame ${sequence} was indicated twice: a receive buffer was indicated again before the NIC refilled it`);
    return;
  }
  const length = ledger.rxLength.data[sequence]!;
  if (frame.length !== length || (ledger.compareBytes && frameHash(frame) !== ledger.rxHash.data[sequence])) {
    problem(ledger.rxProblems, `received frame ${sequence} was indicated with ${frame.length} bytes that differ from the ${length} bytes on the wire: check the NET_BUFFER's DataLength and MDL`);
  }
  if (sequence < ledger.lastIndicated) problem(ledger.rxProblems, `received frame ${sequence} was indicated after frame ${ledger.lastIndicated}: frames must go up in the order they arrived`);
  ledger.lastIndicated = Math.max(ledger.lastIndicated, sequence);
  ledger.rxState.data[sequence] = RX_INDICATED;
}

/** The `expect-traffic` check: undefined when the wire ledger balances, else what is wrong. */
export function checkTraffic(session: Session, adapter: Adapter, minIndicated: number, minSent: number): { ok: boolean; message: string } {
  const ledger = wireLedger(session, adapter);
  const problems = [...ledger.rxProblems, ...ledger.txProblems];
  let notIndicated = 0;
  let firstMissing = 0;
  for (let s = 1; s < ledger.nextRxSequence && s < ledger.rxState.data.length; s++) {
    if (ledger.rxState.data[s] === RX_DELIVERED) {
      notIndicated++;
      firstMissing ||= s;
    }
  }
  if (notIndicated > 0) problems.push(`${notIndicated} frame(s) the NIC stored in the receive ring were never indicated (first: frame ${firstMissing})`);
  let completedOk = 0;
  let missingOnWire = 0;
  let firstLost = 0;
  let onWireFailed = 0;
  for (let s = 1; s < ledger.txState.data.length; s++) {
    const state = ledger.txState.data[s];
    if (state === COMPLETED_OK) {
      completedOk++;
      if (ledger.txOnWire.data[s] === 0) {
        missingOnWire++;
        firstLost ||= s;
      }
    } else if (state === COMPLETED_FAILED && ledger.txOnWire.data[s]! > 0 && ledger.txOnWire.data[s] !== LOST_LINK_DOWN) onWireFailed++;
  }
  if (missingOnWire > 0) problems.push(`${missingOnWire} sent frame(s) were completed with NDIS_STATUS_SUCCESS but never went on the wire (first: frame ${firstLost})`);
  if (onWireFailed > 0) problems.push(`${onWireFailed} sent frame(s) went on the wire but were completed with a failure status`);
  const o = ledger.outcomes;
  const summary = `${ledger.offered} frame(s) offered (${o.delivered} stored, ${o.missed} missed, ${o.filtered} filtered, ${o.dropped} dropped, ${o['dma-error']} DMA errors), ${ledger.indicated} indicated; ${completedOk} sent with success, ${ledger.onWire} on the wire${ledger.lostOnLinkDown > 0 ? `, ${ledger.lostOnLinkDown} lost while the link was down` : ''}`;
  if (ledger.indicated < minIndicated) problems.push(`only ${ledger.indicated} frame(s) indicated, at least ${minIndicated} expected`);
  if (ledger.onWire < minSent) problems.push(`only ${ledger.onWire} frame(s) on the wire, at least ${minSent} expected`);
  return problems.length === 0 ? { ok: true, message: `traffic on ${adapter.name} balances: ${summary}` } : { ok: false, message: `traffic on ${adapter.name}: ${problems.join('; ')} (${summary})` };
}
