import { readLe, writeLe, type AccessSize, type BenchDevice, type DeviceHost, type DeviceResource } from '../hw/device';

/**
 * A tiny PCI device for the hardware-family tests (not part of the product): one 4 KB register
 * BAR, 32 I/O ports of scratch, a level-triggered interrupt, and a one-shot DMA engine.
 *
 * Registers (BAR 0): CTRL 0x00 (write 1: reset), ICR 0x08 (interrupt cause, read clears),
 * IMR 0x0C (interrupt mask), ICS 0x10 (write: set cause bits), DMA_ADDR 0x14, DMA_LEN 0x18,
 * DMA_GO 0x1C (write 1: 1 ms later the device sums DMA_LEN bytes at DMA_ADDR, stores the sum in
 * RESULT 0x20 and in the first 4 bytes of the buffer, and raises cause bit 1).
 */
export const TEST_NIC = {
  vendorId: 0x1234,
  deviceId: 0x5678,
  bar0: 0xfeb0_0000,
  bar0Length: 0x1000,
  portBase: 0xc000,
  portCount: 32,
  vector: 0x31,
  irql: 5,
} as const;

const NAMES: Record<number, string> = { 0x00: 'CTRL', 0x08: 'ICR', 0x0c: 'IMR', 0x10: 'ICS', 0x14: 'DMA_ADDR', 0x18: 'DMA_LEN', 0x1c: 'DMA_GO', 0x20: 'RESULT' };

export class TestNic implements BenchDevice {
  readonly kind = 'pci';
  readonly pciConfig = new Uint8Array(256);
  readonly resources: readonly DeviceResource[];
  cause = 0;
  mask = 0;
  dmaAddress = 0;
  dmaLength = 0;
  result = 0;
  readonly ports = new Uint8Array(TEST_NIC.portCount);
  private host: DeviceHost | undefined;

  constructor(options: { messageBased?: boolean } = {}) {
    this.resources = [
      { type: 'port', start: TEST_NIC.portBase, length: TEST_NIC.portCount },
      { type: 'memory', start: TEST_NIC.bar0, length: TEST_NIC.bar0Length },
      { type: 'interrupt', vector: TEST_NIC.vector, level: TEST_NIC.irql, messageBased: options.messageBased ?? false },
    ];
    writeLe(this.pciConfig, 0x00, 2, TEST_NIC.vendorId);
    writeLe(this.pciConfig, 0x02, 2, TEST_NIC.deviceId);
    writeLe(this.pciConfig, 0x10, 4, TEST_NIC.bar0);
    writeLe(this.pciConfig, 0x14, 4, TEST_NIC.portBase | 1);
    this.pciConfig[0x3c] = 11;
    this.pciConfig[0x3d] = 1;
  }

  attach(host: DeviceHost): void {
    this.host = host;
  }

  detach(): void {
    this.host = undefined;
    this.cause = 0;
    this.mask = 0;
  }

  interruptPending(): boolean {
    return (this.cause & this.mask) !== 0;
  }

  registerName(offset: number, bar: number | 'port'): string | undefined {
    return bar === 'port' ? `PORT${offset - TEST_NIC.portBase}` : NAMES[offset];
  }

  readRegister(offset: number): number {
    switch (offset) {
      case 0x08: {
        const cause = this.cause;
        this.cause = 0;
        return cause;
      }
      case 0x0c:
        return this.mask;
      case 0x14:
        return this.dmaAddress;
      case 0x18:
        return this.dmaLength;
      case 0x20:
        return this.result;
      default:
        return 0;
    }
  }

  writeRegister(offset: number, _size: AccessSize, value: number): void {
    switch (offset) {
      case 0x00:
        if (value & 1) {
          this.cause = 0;
          this.mask = 0;
        }
        break;
      case 0x0c:
        this.mask = value;
        this.signal();
        break;
      case 0x10:
        this.cause |= value;
        this.signal();
        break;
      case 0x14:
        this.dmaAddress = value;
        break;
      case 0x18:
        this.dmaLength = value;
        break;
      case 0x1c:
        if (value & 1 && this.host) {
          const host = this.host;
          host.after(10_000, 'DMA', () => {
            const bytes = host.dmaRead(BigInt(this.dmaAddress), this.dmaLength);
            if (!bytes) return;
            this.result = bytes.reduce((sum, b) => sum + b, 0);
            const out = new Uint8Array(4);
            writeLe(out, 0, 4, this.result);
            host.dmaWrite(BigInt(this.dmaAddress), out);
            this.cause |= 2;
            this.signal();
          });
        }
        break;
    }
  }

  readPort(port: number, size: AccessSize): number {
    return readLe(this.ports, port - TEST_NIC.portBase, size);
  }

  writePort(port: number, size: AccessSize, value: number): void {
    writeLe(this.ports, port - TEST_NIC.portBase, size, value);
  }

  private signal(): void {
    if (this.interruptPending()) this.host?.interrupt();
  }
}
