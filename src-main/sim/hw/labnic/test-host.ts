import type { DeviceHost } from '../device';

/**
 * A fake DeviceHost for LabNIC's register-level tests (qtest style): shared memory regions at bus
 * addresses, a virtual clock the test advances, and a record of interrupts. DMA outside the
 * regions is aborted (recorded in `aborts`), as the simulator's host does.
 */
export class FakeHost implements DeviceHost {
  time = 0;
  /** Virtual times at which the device raised its interrupt. */
  readonly interrupts: number[] = [];
  readonly regions: Array<{ base: bigint; bytes: Uint8Array }> = [];
  private queue: Array<{ at: number; seq: number; label: string; run: () => void }> = [];
  private seq = 0;

  /** Adds `length` bytes of shared memory at bus address `base`. */
  addMemory(base: bigint, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    this.regions.push({ base, bytes });
    return bytes;
  }

  /** Transfers the bus aborted (outside every region). */
  readonly aborts: string[] = [];

  private locate(physical: bigint, length: number): { bytes: Uint8Array; offset: number } | undefined {
    for (const r of this.regions) {
      if (physical >= r.base && physical + BigInt(length) <= r.base + BigInt(r.bytes.length)) return { bytes: r.bytes, offset: Number(physical - r.base) };
    }
    this.aborts.push(`${length} bytes at 0x${physical.toString(16)}`);
    return undefined;
  }

  interrupt(): void {
    this.interrupts.push(this.time);
  }

  dmaRead(physical: bigint, length: number): Uint8Array | undefined {
    const at = this.locate(physical, length);
    return at?.bytes.slice(at.offset, at.offset + length);
  }

  dmaWrite(physical: bigint, data: Uint8Array): boolean {
    const at = this.locate(physical, data.length);
    at?.bytes.set(data, at.offset);
    return at !== undefined;
  }

  now(): number {
    return this.time;
  }

  after(delayTicks: number, label: string, run: () => void): void {
    this.queue.push({ at: this.time + Math.max(0, Math.round(delayTicks)), seq: this.seq++, label, run });
  }

  /** Labels of the work still scheduled. */
  pending(): string[] {
    return this.queue.map((e) => e.label);
  }

  /** Advances virtual time by `ticks`, running due work in time order. */
  advance(ticks: number): void {
    const end = this.time + ticks;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.time = next.at;
      next.run();
    }
    this.time = end;
  }

  advanceMs(ms: number): void {
    this.advance(ms * 10_000);
  }
}
