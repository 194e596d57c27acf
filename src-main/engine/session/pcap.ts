import fs from 'node:fs';
import type { SimEvent } from '../../../src-shared/contract/sim-events';

const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65_535;

/**
 * The wire as a classic pcap file (Ethernet link type, microsecond time stamps in virtual time
 * from the start of the run), readable by Wireshark and tshark. Every frame that crossed the wire —
 * sent by the driver or delivered to it — is one record, in order.
 */
export class PcapWriter {
  private readonly fd: number;
  private frames = 0;
  /** Records are built in place here (no buffer per frame) and written when it fills or on flush. */
  private readonly chunk = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  /** `only`: which wire's frames to keep (a run with a LabNIC below a binding keeps that NIC's wire). */
  constructor(
    path: string,
    private readonly only?: (frame: Extract<SimEvent, { kind: 'wire.frame' }>) => boolean,
  ) {
    this.fd = fs.openSync(path, 'w');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(PCAP_MAGIC_MICROSECONDS, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(SNAPLEN, 16);
    header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    fs.writeSync(this.fd, header);
  }

  get count(): number {
    return this.frames;
  }

  /** Takes any simulator event; only wire frames are written. */
  write(event: SimEvent): void {
    if (event.kind !== 'wire.frame' || event.data === undefined || (this.only && !this.only(event))) return;
    const most = 16 + Math.ceil((event.data.length * 3) / 4);
    if (this.used + most > this.chunk.length) this.flush();
    const at = this.used;
    const length = this.chunk.write(event.data, at + 16, 'base64');
    const captured = Math.min(length, SNAPLEN);
    const microseconds = Math.floor(event.t / 10);
    this.chunk.writeUInt32LE(Math.floor(microseconds / 1_000_000), at);
    this.chunk.writeUInt32LE(microseconds % 1_000_000, at + 4);
    this.chunk.writeUInt32LE(captured, at + 8);
    this.chunk.writeUInt32LE(length, at + 12);
    this.used = at + 16 + captured;
    this.frames++;
  }

  /** Writes the buffered records (a recording flushes with every batch it hands on). */
  flush(): void {
    if (this.used === 0) return;
    fs.writeSync(this.fd, this.chunk, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

export interface PcapRecord {
  seconds: number;
  microseconds: number;
  frame: Buffer;
}

/** Reads a classic pcap file back (for tests and the session viewer); throws on anything else. */
export function readPcap(bytes: Buffer): { linkType: number; records: PcapRecord[] } {
  if (bytes.length < 24 || bytes.readUInt32LE(0) !== PCAP_MAGIC_MICROSECONDS) throw new Error('not a little-endian microsecond pcap file');
  const records: PcapRecord[] = [];
  for (let offset = 24; offset < bytes.length; ) {
    if (offset + 16 > bytes.length) throw new Error(`truncated record header at byte ${offset}`);
    const length = bytes.readUInt32LE(offset + 8);
    if (offset + 16 + length > bytes.length) throw new Error(`truncated frame at byte ${offset + 16}`);
    records.push({ seconds: bytes.readUInt32LE(offset), microseconds: bytes.readUInt32LE(offset + 4), frame: bytes.subarray(offset + 16, offset + 16 + length) });
    offset += 16 + length;
  }
  return { linkType: bytes.readUInt32LE(20), records };
}
