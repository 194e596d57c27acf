import { describe, expect, it } from 'vitest';
import { createDevice, readLe } from '../device';
import { LabNic, LABNIC } from './index';
import { EEPROM_CHECKSUM_TARGET, eepromSum } from './eeprom';
import { CAUSE, CTRL, EERD, MDIC, REG, REGISTERS, STATUS } from './registers';
import { bench, linkedBench } from './testing';

describe('LabNIC identity', () => {
  it('has PCI config space, resources, and registers as a device kind', () => {
    const nic = new LabNic();
    expect(readLe(nic.pciConfig, 0, 2)).toBe(LABNIC.vendorId);
    expect(readLe(nic.pciConfig, 2, 2)).toBe(LABNIC.deviceId);
    expect(readLe(nic.pciConfig, 0x10, 4)).toBe(LABNIC.bar0);
    expect(readLe(nic.pciConfig, 0x14, 4)).toBe(LABNIC.portBase | 1);
    expect(nic.pciConfig[0x3c]).toBe(11);
    expect(nic.pciConfig[0x3d]).toBe(1);
    expect(readLe(nic.pciConfig, 4, 2) & 4).toBe(0); // bus mastering off until the driver enables it
    expect(nic.resources.map((r) => r.type)).toEqual(['memory', 'port', 'interrupt']);
    expect(createDevice('labnic')).toBeInstanceOf(LabNic);
  });

  it('names registers from the table and decodes fields', () => {
    const nic = new LabNic();
    expect(nic.registerName(REG.ICR, 0)).toBe('ICR');
    expect(nic.registerName(REG.TDT + 2, 0)).toBe('TDT');
    expect(nic.registerName(0x44, 0)).toBeUndefined();
    expect(nic.registerName(LABNIC.portBase, 'port')).toBe('IOADDR');
    const status = nic.decodeFields('STATUS', STATUS.FD | STATUS.LU | STATUS.SPEED_1000);
    expect(status).toContainEqual({ name: 'LU', lsb: 1, width: 1, access: 'RO', value: 1 });
    expect(status).toContainEqual({ name: 'SPEED', lsb: 6, width: 2, access: 'RO', value: 2, text: '1000 Mb/s' });
    expect(nic.decodeFields('ICR', CAUSE.RXT0)?.filter((f) => f.value).map((f) => f.name)).toEqual(['RXT0']);
    expect(nic.decodeFields('NOPE', 1)).toBeUndefined();
  });

  it('starts with every register at its reset value', () => {
    const { rd } = bench({ attach: false });
    for (const r of REGISTERS) if (!r.resetNote && r.name !== 'ICR') expect(rd(r.name), r.name).toBe(r.reset);
    expect(rd('RAL0')).toBe(0x42414c02);
    expect(rd('RAH0')).toBe(0x8000_0100);
  });

  it('ignores reserved bits and read-only fields', () => {
    const { rd, wr } = bench();
    wr('STATUS', 0xffff_ffff);
    expect(rd('STATUS')).toBe(0);
    wr('RDLEN', 0xffff_ffff);
    expect(rd('RDLEN')).toBe(0x000f_ff80);
    wr('TDBAL', 0x1234_5679);
    expect(rd('TDBAL')).toBe(0x1234_5670);
  });

  it('handles 8- and 16-bit accesses to bytes of a register', () => {
    const { nic, rd } = bench();
    nic.writeRegister(REG.TDT, 2, 0x0005, 0);
    expect(rd('TDT')).toBe(5);
    nic.writeRegister(REG.RCTL + 2, 1, 0x03, 0); // BSIZE = 3
    expect(rd('RCTL')).toBe(0x0003_0000);
    expect(nic.readRegister(REG.RCTL + 2, 1, 0)).toBe(3);
    expect(nic.readRegister(REG.RCTL, 2, 0)).toBe(0);
  });
});

describe('reset', () => {
  it('CTRL.RST self-clears after 1 ms and brings every register back to its reset value', () => {
    const { host, rd, wr } = linkedBench();
    wr('IMS', CAUSE.RXT0);
    wr('TDLEN', 0x400);
    wr('RCTL', 0x8002);
    wr('RAL0', 0x1111_1111);
    wr('CTRL', rd('CTRL') | CTRL.RST);
    expect(rd('CTRL') & CTRL.RST).toBeTruthy();
    expect(rd('IMS')).toBe(0); // masked at once
    expect(rd('RCTL')).toBe(0x8000); // engines stopped at once
    wr('TDLEN', 0x800); // ignored while resetting
    expect(rd('TDLEN')).toBe(0x400);
    host.advance(9_999);
    expect(rd('CTRL') & CTRL.RST).toBeTruthy();
    host.advance(1);
    expect(rd('CTRL')).toBe(0x0000_0241);
    expect(rd('TDLEN')).toBe(0);
    expect(rd('RCTL')).toBe(0);
    expect(rd('RAL0')).toBe(0x42414c02); // reloaded from the EEPROM
    expect(rd('STATUS') & STATUS.LU).toBeTruthy(); // the MAC reset leaves the PHY's link alone
    wr('TDLEN', 0x800);
    expect(rd('TDLEN')).toBe(0x800);
  });
});

describe('interrupts', () => {
  it('ICR is read-to-clear and write-1-to-clear', () => {
    const { rd, wr } = bench();
    wr('ICS', CAUSE.RXT0 | CAUSE.TXDW);
    expect(rd('ICR')).toBe(CAUSE.RXT0 | CAUSE.TXDW);
    expect(rd('ICR')).toBe(0);
    wr('ICS', CAUSE.RXT0 | CAUSE.TXDW);
    wr('ICR', CAUSE.TXDW);
    expect(rd('ICR')).toBe(CAUSE.RXT0);
  });

  it('the line follows ICR & IMS, with an interrupt on each rising edge', () => {
    const { nic, host, rd, wr } = bench();
    wr('ICS', CAUSE.RXT0);
    expect(nic.interruptPending()).toBe(false); // masked
    expect(host.interrupts).toHaveLength(0);
    wr('IMS', CAUSE.RXT0);
    expect(rd('IMS')).toBe(CAUSE.RXT0);
    expect(nic.interruptPending()).toBe(true);
    expect(host.interrupts).toHaveLength(1);
    wr('ICS', CAUSE.RXT0); // already high: no new edge
    expect(host.interrupts).toHaveLength(1);
    wr('IMC', CAUSE.RXT0);
    expect(rd('IMS')).toBe(0);
    expect(nic.interruptPending()).toBe(false);
    wr('IMS', CAUSE.RXT0 | CAUSE.TXDW);
    expect(host.interrupts).toHaveLength(2);
    expect(rd('ICR')).toBe(CAUSE.RXT0); // the read clears the cause: the line drops
    expect(nic.interruptPending()).toBe(false);
    wr('ICS', CAUSE.TXDW);
    expect(host.interrupts).toHaveLength(3);
    expect(rd('ICS')).toBe(0);
    expect(rd('IMC')).toBe(0);
  });
});

describe('EEPROM', () => {
  async function readWord(b: ReturnType<typeof bench>, address: number): Promise<number> {
    b.wr('EERD', (address << 8) | EERD.START);
    expect(b.rd('EERD') & EERD.DONE).toBe(0);
    b.host.advance(50);
    const v = b.rd('EERD');
    expect(v & EERD.DONE).toBeTruthy();
    expect(v & EERD.START).toBe(0);
    return v >>> 16;
  }

  it('reads the MAC address and a checksum that sums to 0xBABA', async () => {
    const b = bench({ mac: [0x00, 0x11, 0x22, 0x33, 0x44, 0x55] });
    expect(await readWord(b, 0)).toBe(0x1100);
    expect(await readWord(b, 1)).toBe(0x3322);
    expect(await readWord(b, 2)).toBe(0x5544);
    let sum = 0;
    for (let w = 0; w < 64; w++) sum = (sum + (await readWord(b, w))) & 0xffff;
    expect(sum).toBe(0xbaba);
    expect(await readWord(b, 0x0e)).toBe(LABNIC.vendorId);
    expect(await readWord(b, 0x80)).toBe(0xffff);
  });
});

describe('PHY and link', () => {
  it('the link comes up 50 ms after attach, with LSC', () => {
    const { nic, host, rd, wr } = bench();
    wr('IMS', CAUSE.LSC);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    host.advance(499_999);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    host.advance(1);
    expect(rd('STATUS')).toBe(STATUS.FD | STATUS.LU | STATUS.SPEED_1000);
    expect(host.interrupts).toEqual([500_000]);
    expect(nic.interruptPending()).toBe(true);
    expect(rd('ICR')).toBe(CAUSE.LSC);
  });

  it('clearing CTRL.SLU takes the link down', () => {
    const { rd, wr } = linkedBench();
    wr('CTRL', rd('CTRL') & ~CTRL.SLU);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    expect(rd('ICR')).toBe(CAUSE.LSC);
  });

  function mdic(b: ReturnType<typeof bench>, op: 1 | 2, reg: number, data = 0, phy = 1, irq = false): number {
    b.wr('MDIC', (op << 26) | (phy << 21) | (reg << 16) | data | (irq ? MDIC.I : 0));
    expect(b.rd('MDIC') & MDIC.R).toBe(0);
    b.host.advance(100);
    const v = b.rd('MDIC');
    expect(v & MDIC.R).toBeTruthy();
    return v;
  }

  it('reads PHY registers through MDIC; BMSR link status latches low', () => {
    const b = bench();
    expect(mdic(b, 2, 2) & 0xffff).toBe(0x4c41);
    expect(mdic(b, 2, 1) & 0x24).toBe(0); // no link, AN not complete
    b.host.advanceMs(50);
    expect(mdic(b, 2, 1) & 0x24).toBe(0x24);
    b.rd('ICR');
    expect(mdic(b, 1, 0, 0x8000, 1, true) & MDIC.E).toBe(0); // BMCR.RESET
    expect(b.rd('ICR')).toBe(CAUSE.LSC | CAUSE.MDAC);
    b.host.advanceMs(50);
    expect(b.rd('ICR')).toBe(CAUSE.LSC);
    expect(mdic(b, 2, 1) & 0x4).toBe(0); // latched low since the reset
    expect(mdic(b, 2, 1) & 0x4).toBe(0x4);
    expect(mdic(b, 2, 1, 0, 7) & MDIC.E).toBeTruthy(); // no PHY at address 7
  });

  it('CTRL.PHY_RST restarts auto-negotiation', () => {
    const { host, rd, wr } = linkedBench();
    wr('CTRL', rd('CTRL') | CTRL.PHY_RST);
    expect(rd('CTRL') & CTRL.PHY_RST).toBe(0);
    expect(rd('STATUS') & STATUS.LU).toBe(0);
    host.advanceMs(50);
    expect(rd('STATUS') & STATUS.LU).toBeTruthy();
    expect(rd('ICR')).toBe(CAUSE.LSC);
  });
});

describe('I/O window', () => {
  it('IOADDR/IODATA reach the memory registers with their side effects', () => {
    const { nic, wr } = linkedBench();
    const port = LABNIC.portBase;
    nic.writePort(port, 4, REG.STATUS);
    expect(nic.readPort(port, 4)).toBe(REG.STATUS);
    expect(nic.readPort(port + 4, 4) & STATUS.LU).toBeTruthy();
    wr('ICS', CAUSE.TXDW);
    nic.writePort(port, 4, REG.ICR);
    expect(nic.registerName(port + 4, 'port')).toBe('IODATA(ICR)');
    expect(nic.readPort(port + 4, 4)).toBe(CAUSE.TXDW);
    expect(nic.readPort(port + 4, 4)).toBe(0);
    nic.writePort(port, 4, REG.IMS);
    nic.writePort(port + 4, 4, CAUSE.RXO);
    expect(nic.readRegister(REG.IMS, 4, 0)).toBe(CAUSE.RXO);
  });
});

describe('EEPROM image', () => {
  it('sums to the checksum target', () => {
    expect(eepromSum(new LabNic().eeprom)).toBe(EEPROM_CHECKSUM_TARGET);
  });
});
