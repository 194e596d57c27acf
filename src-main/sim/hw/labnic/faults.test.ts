import { describe, expect, it } from 'vitest';
import { LABNIC } from './device';
import { eepromSum } from './eeprom';
import { CAUSE, CTRL, EERD, REG, STATUS, TCTL, TXD_CMD } from './registers';
import { bench, BUFFERS, frameTo, linkedBench, OUR_MAC, RING_BASE, setU64 } from './testing';

describe('faults: what a driver sees', () => {
  it('interrupt storm: the cause comes back as soon as the ISR clears it', () => {
    const { nic, host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.TXDW);
    nic.inject({ kind: 'interrupt-storm' });
    expect(host.interrupts).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(rd('ICR')).toBe(CAUSE.TXDW);
    expect(host.interrupts).toHaveLength(6); // a new edge after every read
    expect(nic.interruptPending()).toBe(true);
    nic.clearFaults();
    expect(rd('ICR')).toBe(CAUSE.TXDW);
    expect(nic.interruptPending()).toBe(false);
  });

  it('stuck interrupt line: pending whatever the driver does', () => {
    const { nic, host, rd, wr } = linkedBench();
    nic.inject({ kind: 'stuck-interrupt' });
    expect(host.interrupts).toHaveLength(1);
    expect(rd('ICR')).toBe(0);
    wr('IMC', 0xffff_ffff);
    wr('CTRL', CTRL.RST);
    host.advanceMs(2);
    expect(nic.interruptPending()).toBe(true);
    expect(host.interrupts).toHaveLength(1);
  });

  it('lost interrupt: the cause is latched in ICR but the edge never comes', () => {
    const { nic, host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.RXT0 | CAUSE.TXDW);
    nic.inject({ kind: 'lost-interrupt' });
    wr('ICS', CAUSE.RXT0);
    expect(host.interrupts).toHaveLength(0);
    expect(nic.interruptPending()).toBe(false);
    wr('ICS', CAUSE.TXDW); // the next cause interrupts normally; ICR shows both
    expect(host.interrupts).toHaveLength(1);
    expect(rd('ICR')).toBe(CAUSE.RXT0 | CAUSE.TXDW);
    wr('ICS', CAUSE.RXT0);
    expect(host.interrupts).toHaveLength(2);
  });

  it('DMA error: the next transfer fails with DMAERR, no crash', () => {
    const b = linkedBench();
    const ring = b.host.addMemory(RING_BASE, 128);
    b.host.addMemory(BUFFERS, 0x1000);
    setU64(ring, 0, BUFFERS);
    ring[8] = 64;
    ring[11] = TXD_CMD.EOP | TXD_CMD.RS;
    b.wr('TDBAL', Number(RING_BASE));
    b.wr('TDLEN', 128);
    b.wr('TCTL', TCTL.EN);
    b.nic.inject({ kind: 'dma-error' });
    b.wr('TDT', 1);
    b.host.advance(20);
    expect(b.rd('ICR')).toBe(CAUSE.DMAERR);
    expect(b.wire).toHaveLength(0);
    expect(b.nic.lastDmaError?.reason).toBe('injected DMA error');
    b.wr('TCTL', TCTL.EN); // the driver restarts the engine: the next transfer works
    b.host.advance(20);
    expect(b.wire).toHaveLength(1);
  });

  it('surprise removal: all ones, writes ignored, no interrupts, no DMA', () => {
    const { nic, host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.RXT0);
    nic.inject({ kind: 'surprise-removal' });
    expect(rd('STATUS')).toBe(0xffff_ffff);
    expect(rd('ICR')).toBe(0xffff_ffff);
    expect(nic.readRegister(REG.CTRL, 2, 0)).toBe(0xffff);
    expect(nic.readPort(LABNIC.portBase, 1)).toBe(0xff);
    expect(nic.pciConfig[0]).toBe(0xff);
    wr('ICS', CAUSE.RXT0);
    expect(host.interrupts).toHaveLength(0);
    expect(nic.interruptPending()).toBe(false);
    expect(nic.receiveFrame(frameTo(OUR_MAC, 64, 0))).toBe('dropped');
  });

  it('bad EEPROM checksum: the words no longer sum to 0xBABA', () => {
    const b = bench();
    b.nic.inject({ kind: 'bad-eeprom-checksum' });
    let sum = 0;
    for (let w = 0; w < 64; w++) {
      b.wr('EERD', (w << 8) | EERD.START);
      b.host.advance(50);
      sum = (sum + (b.rd('EERD') >>> 16)) & 0xffff;
    }
    expect(sum).not.toBe(0xbaba);
    expect(sum).toBe(eepromSum(b.nic.eeprom));
  });

  it('link flap: down now, up N ms later, LSC each time', () => {
    const { nic, host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.LSC);
    nic.inject({ kind: 'link-flap', downMs: 20 });
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    expect(rd('ICR')).toBe(CAUSE.LSC);
    host.advanceMs(19);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    host.advanceMs(1);
    expect(rd('STATUS') & STATUS.LU).toBeTruthy();
    expect(rd('ICR')).toBe(CAUSE.LSC);
    expect(host.interrupts).toEqual([host.time - 200_000, host.time]);
  });

  it('reset that never completes: RST stays set and writes are ignored', () => {
    const { nic, host, rd, wr } = linkedBench();
    nic.inject({ kind: 'reset-hang' });
    wr('CTRL', CTRL.RST);
    host.advanceMs(100);
    expect(rd('CTRL') & CTRL.RST).toBeTruthy();
    wr('TDLEN', 0x400);
    expect(rd('TDLEN')).toBe(0);
  });

  it('reset that completes late', () => {
    const { nic, host, rd, wr } = linkedBench();
    nic.inject({ kind: 'reset-late', delayMs: 30 });
    wr('CTRL', CTRL.RST);
    host.advanceMs(29);
    expect(rd('CTRL') & CTRL.RST).toBeTruthy();
    host.advanceMs(1);
    expect(rd('CTRL') & CTRL.RST).toBe(0);
  });

  it('detach cancels pending work and returns to power-on state', () => {
    const { nic, host, rd, wr } = bench();
    wr('IMS', CAUSE.LSC);
    nic.detach();
    host.advanceMs(100);
    expect(host.interrupts).toHaveLength(0);
    expect(rd('STATUS')).toBe(0);
    expect(rd('IMS')).toBe(0);
  });
});
