import { describe, expect, it } from 'vitest';
import { readLe } from '../device';
import { CAUSE, RCTL, TCTL, TXD_CMD } from './registers';
import { BROADCAST, BUFFERS, frameTo, linkedBench, OUR_MAC, RING_BASE, setBusMaster, setU64, type Bench } from './testing';

const EOP_RS = TXD_CMD.EOP | TXD_CMD.RS | TXD_CMD.IFCS;

/** A transmit ring of `count` descriptors at RING_BASE, and buffer memory at BUFFERS. */
function txRing(b: Bench, count = 8): { ring: Uint8Array; buffers: Uint8Array; put(index: number, offset: number, data: number[], cmd: number): void } {
  const ring = b.host.addMemory(RING_BASE, count * 16);
  const buffers = b.host.addMemory(BUFFERS, 0x10000);
  b.wr('TDBAL', Number(RING_BASE));
  b.wr('TDBAH', 0);
  b.wr('TDLEN', count * 16);
  b.wr('TDH', 0);
  b.wr('TDT', 0);
  b.wr('TCTL', TCTL.EN | TCTL.PSP);
  return {
    ring,
    buffers,
    put(index, offset, data, cmd) {
      buffers.set(data, offset);
      setU64(ring, index * 16, BUFFERS + BigInt(offset));
      ring[index * 16 + 8] = data.length & 0xff;
      ring[index * 16 + 9] = data.length >> 8;
      ring[index * 16 + 11] = cmd;
      ring[index * 16 + 12] = 0;
    },
  };
}

/** A receive ring of `count` descriptors, each with a 2 KB buffer at BUFFERS + i * 0x800. */
function rxRing(b: Bench, count = 8, rctl: number = RCTL.EN | RCTL.BAM): { ring: Uint8Array; buffers: Uint8Array } {
  const ring = b.host.addMemory(RING_BASE + 0x100000n, count * 16);
  const buffers = b.host.addMemory(BUFFERS + 0x100000n, count * 0x800);
  for (let i = 0; i < count; i++) setU64(ring, i * 16, BUFFERS + 0x100000n + BigInt(i * 0x800));
  b.wr('RDBAL', Number(RING_BASE + 0x100000n));
  b.wr('RDLEN', count * 16);
  b.wr('RDH', 0);
  b.wr('RDT', count - 1);
  b.wr('RCTL', rctl);
  return { ring, buffers };
}

const frame = (n: number, len = 64): number[] => [...OUR_MAC, ...Array.from({ length: len - 6 }, (_, i) => (n + i) & 0xff)];

describe('transmit', () => {
  it('puts frames gathered from descriptors on the wire in order and writes DD back', () => {
    const b = linkedBench();
    const tx = txRing(b);
    const f1 = frame(1, 100);
    const f2 = frame(2, 300);
    tx.put(0, 0, f1, EOP_RS);
    tx.put(1, 0x1000, f2.slice(0, 14), TXD_CMD.IFCS); // header, no RS
    tx.put(2, 0x2000, f2.slice(14), EOP_RS);
    b.wr('IMS', CAUSE.TXDW);
    b.wr('TDT', 3);
    expect(b.wire).toHaveLength(0); // takes a little virtual time
    b.host.advance(20);
    expect(b.wire.map((f) => [...f])).toEqual([f1, f2]);
    expect(b.rd('TDH')).toBe(3);
    expect(tx.ring[0 * 16 + 12]).toBe(1);
    expect(tx.ring[1 * 16 + 12]).toBe(0); // no RS: no write-back
    expect(tx.ring[2 * 16 + 12]).toBe(1);
    expect(b.host.interrupts).toHaveLength(1);
    expect(b.rd('ICR')).toBe(CAUSE.TXDW | CAUSE.TXQE);
    expect(b.rd('GPTC')).toBe(2);
    expect(b.rd('GOTCL')).toBe(400);
    expect(b.rd('GPTC')).toBe(0); // read-to-clear
  });

  it('wraps TDH at TDLEN / 16', () => {
    const b = linkedBench();
    const tx = txRing(b);
    b.wr('TCTL', 0);
    b.wr('TDH', 6);
    b.wr('TDT', 6);
    b.wr('TCTL', TCTL.EN);
    for (const [i, index] of [6, 7, 0, 1].entries()) tx.put(index, i * 0x100, frame(i), EOP_RS);
    b.wr('TDT', 2);
    b.host.advance(20);
    expect(b.wire.map((f) => f[6])).toEqual([0, 1, 2, 3]);
    expect(b.rd('TDH')).toBe(2);
  });

  it('pads short frames with TCTL.PSP; a frame split over two TDT writes waits for EOP', () => {
    const b = linkedBench();
    const tx = txRing(b);
    tx.put(0, 0, [...OUR_MAC, 1, 2], TXD_CMD.RS);
    b.wr('TDT', 1);
    b.host.advance(20);
    expect(b.wire).toHaveLength(0);
    tx.put(1, 0x100, [3, 4], EOP_RS);
    b.wr('TDT', 2);
    b.host.advance(20);
    expect(b.wire).toHaveLength(1);
    expect(b.wire[0]?.length).toBe(60);
    expect([...(b.wire[0] ?? new Uint8Array()).subarray(0, 10)]).toEqual([...OUR_MAC, 1, 2, 3, 4]);
  });

  it('does nothing with TCTL.EN clear or bus mastering off', () => {
    const b = linkedBench();
    const tx = txRing(b);
    tx.put(0, 0, frame(1), EOP_RS);
    b.wr('TCTL', 0);
    b.wr('TDT', 1);
    b.host.advance(100);
    expect(b.wire).toHaveLength(0);
    setBusMaster(b.nic, false);
    b.wr('TCTL', TCTL.EN);
    b.host.advance(100);
    expect(b.wire).toHaveLength(0);
    expect(b.rd('TDH')).toBe(0);
    expect(tx.ring[12]).toBe(0);
    setBusMaster(b.nic, true);
    b.wr('TDT', 1); // the next tail write starts the engine
    b.host.advance(100);
    expect(b.wire).toHaveLength(1);
  });

  it('a buffer at a bad address raises DMAERR and stops the transmitter, without throwing', () => {
    const b = linkedBench();
    const tx = txRing(b);
    tx.put(0, 0, frame(1), EOP_RS);
    setU64(tx.ring, 0, 0xdead_0000n);
    b.wr('IMS', CAUSE.DMAERR);
    b.wr('TDT', 1);
    expect(() => b.host.advance(20)).not.toThrow();
    expect(b.wire).toHaveLength(0);
    expect(b.rd('ICR')).toBe(CAUSE.DMAERR);
    expect(b.host.interrupts).toHaveLength(1);
    expect(b.rd('TCTL') & TCTL.EN).toBe(0);
    expect(b.rd('TDH')).toBe(0);
    expect(b.nic.lastDmaError?.address).toBe(0xdead_0000n);
    expect(b.nic.lastDmaError?.what).toBe('transmit buffer 0');
  });
});

describe('receive', () => {
  it('stores frames in the buffers, writes descriptors back and raises RXT0', () => {
    const b = linkedBench();
    const rx = rxRing(b);
    b.wr('IMS', CAUSE.RXT0);
    const f = frameTo(OUR_MAC, 200, 0xab);
    expect(b.nic.receiveFrame(f)).toBe('delivered');
    expect([...rx.buffers.subarray(0, 200)]).toEqual([...f]);
    expect(readLe(rx.ring, 8, 2)).toBe(200);
    expect(rx.ring[12]).toBe(3); // DD | EOP
    expect(b.rd('RDH')).toBe(1);
    expect(b.host.interrupts).toHaveLength(1);
    expect(b.rd('ICR') & CAUSE.RXT0).toBeTruthy();
    expect(b.rd('GPRC')).toBe(1);
    expect(b.rd('GORCL')).toBe(200);
  });

  it('wraps RDH, and counts a missed packet (MPC, RXO) when the ring is full', () => {
    const b = linkedBench();
    rxRing(b, 8);
    for (let i = 0; i < 7; i++) expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, i))).toBe('delivered');
    expect(b.rd('RDH')).toBe(7);
    b.rd('ICR');
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 7))).toBe('missed');
    expect(b.rd('ICR')).toBe(CAUSE.RXO);
    expect(b.rd('MPC')).toBe(1);
    expect(b.rd('MPC')).toBe(0);
    b.wr('RDT', 3); // the driver returns descriptors 7, 0, 1, 2
    for (let i = 0; i < 4; i++) expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 10 + i))).toBe('delivered');
    expect(b.rd('RDH')).toBe(3);
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 20))).toBe('missed');
  });

  it('raises RXDMT0 when few descriptors are left', () => {
    const b = linkedBench();
    rxRing(b, 8); // owns 7; threshold 1/2 of 8 = 4
    for (let i = 0; i < 2; i++) b.nic.receiveFrame(frameTo(OUR_MAC, 64, i));
    expect(b.rd('ICR')).toBe(CAUSE.RXT0);
    b.nic.receiveFrame(frameTo(OUR_MAC, 64, 3));
    expect(b.rd('ICR')).toBe(CAUSE.RXT0 | CAUSE.RXDMT0);
  });

  it('spreads a frame over several buffers of RCTL.BSIZE bytes', () => {
    const b = linkedBench();
    const rx = rxRing(b, 8, RCTL.EN | (3 << RCTL.BSIZE_SHIFT)); // 256-byte buffers
    const f = frameTo(OUR_MAC, 600, 0x5a);
    expect(b.nic.receiveFrame(f)).toBe('delivered');
    expect(b.rd('RDH')).toBe(3);
    expect([0, 1, 2].map((i) => readLe(rx.ring, i * 16 + 8, 2))).toEqual([256, 256, 88]);
    expect([0, 1, 2].map((i) => rx.ring[i * 16 + 12])).toEqual([1, 1, 3]);
    expect([...rx.buffers.subarray(0x800, 0x800 + 256)]).toEqual([...f.subarray(256, 512)]);
  });

  it('filters by destination: its own address, broadcast with BAM, promiscuous modes', () => {
    const b = linkedBench();
    rxRing(b, 8, RCTL.EN);
    expect(b.nic.receiveFrame(frameTo(BROADCAST, 64, 0))).toBe('filtered');
    expect(b.nic.receiveFrame(frameTo([0x02, 0, 0, 0, 0, 9], 64, 0))).toBe('filtered');
    expect(b.nic.receiveFrame(frameTo([0x01, 0, 0x5e, 0, 0, 1], 64, 0))).toBe('filtered');
    b.wr('RCTL', RCTL.EN | RCTL.BAM | RCTL.UPE | RCTL.MPE);
    expect(b.nic.receiveFrame(frameTo(BROADCAST, 64, 0))).toBe('delivered');
    expect(b.nic.receiveFrame(frameTo([0x02, 0, 0, 0, 0, 9], 64, 0))).toBe('delivered');
    expect(b.nic.receiveFrame(frameTo([0x01, 0, 0x5e, 0, 0, 1], 64, 0))).toBe('delivered');
  });

  it('drops frames with the receiver disabled, the link down, or bus mastering off', () => {
    const b = linkedBench();
    const rx = rxRing(b, 8, 0);
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 1))).toBe('dropped');
    b.wr('RCTL', RCTL.EN);
    setBusMaster(b.nic, false);
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 1))).toBe('dropped');
    expect(rx.ring[12]).toBe(0);
    expect(b.rd('RDH')).toBe(0);
    setBusMaster(b.nic, true);
    b.wr('CTRL', 0); // SLU off: link down
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 1))).toBe('dropped');
  });

  it('a receive buffer at a bad address raises DMAERR and stops the receiver', () => {
    const b = linkedBench();
    const rx = rxRing(b);
    setU64(rx.ring, 0, 0x7777_0000n);
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 1))).toBe('dma-error');
    expect(b.rd('ICR')).toBe(CAUSE.DMAERR);
    expect(b.rd('RCTL') & RCTL.EN).toBe(0);
    expect(b.rd('RDH')).toBe(0);
    expect(b.nic.receiveFrame(frameTo(OUR_MAC, 64, 1))).toBe('dropped');
  });
});
