/**
 * LabNIC's PHY (at MDIO address 1), reached through MDIC. It holds the IEEE 802.3 clause-22
 * registers a driver looks at; the device (device.ts) owns the timing of auto-negotiation and calls
 * linkUp / linkDown. BMSR.LSTATUS latches low, as on real PHYs: after the link drops, the first read
 * of BMSR shows 0 even if the link is back (read it twice for the current state).
 */

export const PHY_ADDRESS = 1;

export const BMCR = { SPEED_LSB: 1 << 13, RESET: 1 << 15, AN_ENABLE: 1 << 12, POWER_DOWN: 1 << 11, RESTART_AN: 1 << 9, DUPLEX: 1 << 8, SPEED_MSB: 1 << 6 } as const;
export const BMSR = { BASE: 0x7949, LSTATUS: 1 << 2, AN_COMPLETE: 1 << 5 } as const;

export const PHY_REGISTERS = [
  { reg: 0, name: 'BMCR', reset: 0x1140, access: 'RW', description: 'Basic control: RESET (bit 15, self-clearing: link down, auto-negotiation restarts), AN_ENABLE (12), POWER_DOWN (11: link down until cleared), RESTART_AN (9, self-clearing), DUPLEX (8), SPEED (6, 13).' },
  { reg: 1, name: 'BMSR', reset: 0x7949, access: 'RO', description: 'Basic status: LSTATUS (bit 2, latched low until read), AN_COMPLETE (5); capabilities 0x7949.' },
  { reg: 2, name: 'PHYID1', reset: 0x4c41, access: 'RO', description: 'PHY identifier, high part.' },
  { reg: 3, name: 'PHYID2', reset: 0x4e10, access: 'RO', description: 'PHY identifier, low part (model 1, revision 0).' },
  { reg: 4, name: 'ANAR', reset: 0x01e1, access: 'RW', description: 'Auto-negotiation advertisement (10/100, half/full duplex).' },
  { reg: 5, name: 'ANLPAR', reset: 0x0000, access: 'RO', description: 'Link partner ability: 0xC1E1 once auto-negotiation completed.' },
  { reg: 9, name: 'GCR', reset: 0x0300, access: 'RW', description: '1000BASE-T control: advertise 1000 Mb/s half and full duplex.' },
  { reg: 10, name: 'GSR', reset: 0x0000, access: 'RO', description: '1000BASE-T status: 0x3C00 (partner 1000 Mb/s full/half, receivers OK) once auto-negotiation completed.' },
] as const;

export type PhyAction = 'none' | 'reset' | 'restart-an' | 'power-down' | 'power-up';

export class LabNicPhy {
  private bmcr = 0x1140;
  private anar = 0x01e1;
  private gcr = 0x0300;
  /** Auto-negotiation finished and the link is up. */
  private up = false;
  /** The link dropped since BMSR was last read. */
  private latchedLow = false;

  get linkUp(): boolean {
    return this.up;
  }

  get poweredDown(): boolean {
    return (this.bmcr & BMCR.POWER_DOWN) !== 0;
  }

  /** Power-on state: registers at their reset values, link down. */
  reset(): void {
    this.bmcr = 0x1140;
    this.anar = 0x01e1;
    this.gcr = 0x0300;
    this.linkDown();
  }

  linkDown(): void {
    if (this.up) this.latchedLow = true;
    this.up = false;
  }

  setLinkUp(): void {
    this.up = true;
  }

  read(reg: number): number {
    switch (reg) {
      case 0:
        return this.bmcr;
      case 1: {
        const link = this.up && !this.latchedLow;
        this.latchedLow = false;
        return BMSR.BASE | (link ? BMSR.LSTATUS : 0) | (this.up ? BMSR.AN_COMPLETE : 0);
      }
      case 2:
        return 0x4c41;
      case 3:
        return 0x4e10;
      case 4:
        return this.anar;
      case 5:
        return this.up ? 0xc1e1 : 0;
      case 9:
        return this.gcr;
      case 10:
        return this.up ? 0x3c00 : 0;
      default:
        return 0;
    }
  }

  /** Writes a register; returns what the device must do about the link. */
  write(reg: number, value: number): PhyAction {
    switch (reg) {
      case 0: {
        if (value & BMCR.RESET) {
          this.reset();
          return 'reset';
        }
        const wasDown = this.poweredDown;
        this.bmcr = value & ~(BMCR.RESET | BMCR.RESTART_AN) & 0xffff;
        if (this.poweredDown && !wasDown) return 'power-down';
        if (!this.poweredDown && wasDown) return 'power-up';
        return value & BMCR.RESTART_AN ? 'restart-an' : 'none';
      }
      case 4:
        this.anar = value & 0xffff;
        return 'none';
      case 9:
        this.gcr = value & 0xffff;
        return 'none';
      default:
        return 'none';
    }
  }
}
