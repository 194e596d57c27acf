/**
 * Virtual time in 100-nanosecond units (the unit of LARGE_INTEGER due times and system time).
 * Nothing in the simulator reads the wall clock; every run with the same inputs sees the same times.
 */
export const TICKS_PER_MICROSECOND = 10;
export const TICKS_PER_MILLISECOND = 10_000;
export const TICKS_PER_SECOND = 10_000_000;
/** KeQueryTickCount's tick: 15.625 ms, the default Windows timer resolution. */
export const TICKS_PER_KE_TICK = 156_250;
/** The system time at the start of every run: 2026-01-01T00:00:00Z in FILETIME units, so runs are comparable. */
export const BOOT_SYSTEM_TIME = 134_115_264_000_000_000n;

export class VirtualClock {
  private ticks = 0;

  /** Ticks since the run started. */
  get now(): number {
    return this.ticks;
  }

  advanceTo(ticks: number): void {
    if (ticks < this.ticks) throw new Error(`virtual time cannot go back (${ticks} < ${this.ticks})`);
    this.ticks = ticks;
  }

  advanceBy(ticks: number): void {
    this.advanceTo(this.ticks + Math.max(0, ticks));
  }

  /** System time (100 ns since 1601) as NdisGetCurrentSystemTime reports it. */
  systemTime(): bigint {
    return BOOT_SYSTEM_TIME + BigInt(this.ticks);
  }

  keTickCount(): number {
    return Math.floor(this.ticks / TICKS_PER_KE_TICK);
  }
}

export function formatTicks(ticks: number): string {
  if (ticks < TICKS_PER_MILLISECOND) return `${(ticks / TICKS_PER_MICROSECOND).toFixed(1)} µs`;
  if (ticks < TICKS_PER_SECOND) return `${(ticks / TICKS_PER_MILLISECOND).toFixed(3)} ms`;
  return `${(ticks / TICKS_PER_SECOND).toFixed(6)} s`;
}
