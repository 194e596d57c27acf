import type { DriverMemory } from './driver-memory';

/** What NDIS keeps about every block it hands out (outside the driver's memory, so the driver cannot corrupt it). */
export interface Allocation {
  address: number;
  size: number;
  tag: number;
  /** Who asked: an NDIS function name. */
  api: string;
  /** The driver's source position of the call, when known. */
  site?: { file: string; line: number };
  /** Allocation order, to list leaks as they were made. */
  serial: number;
  /** Owned by NDIS itself (init parameters it passes, NBLs in its pools): not a driver leak. */
  owner: 'driver' | 'ndis';
  /** The NDIS handle the block was allocated against (an adapter or the driver), when the API takes one. */
  scope?: number;
}

export type FreeOutcome =
  | { ok: true; allocation: Allocation; overrun: boolean }
  | { ok: false; reason: 'not-allocated' | 'double-free' | 'interior-pointer'; allocation?: Allocation };

/** Bytes after each block that the driver must not touch; checked on free, like Driver Verifier's special pool. */
export const GUARD_BYTES = 8;
const GUARD_VALUE = 0xfd;
/** Freed memory is filled so a use after free reads something recognisable. */
const FREED_VALUE = 0xdd;
const ALIGNMENT = 8;
const PAGE = 65_536;

/**
 * The nonpaged pool, carved out of the driver's own linear memory above its static data
 * (__heap_base), growing the memory up to a cap. First fit over a sorted free list.
 */
export class Pool {
  private readonly live = new Map<number, Allocation>();
  private readonly freed = new Map<number, Allocation>();
  private free: Array<{ start: number; end: number }> = [];
  private top: number;
  private serial = 0;
  /** Set when an allocation was refused because the driver's memory reached its cap. */
  capReached = false;

  constructor(
    private readonly memory: DriverMemory,
    heapBase: number,
    private readonly capBytes: number,
  ) {
    this.top = align(heapBase, ALIGNMENT);
  }

  get liveAllocations(): Allocation[] {
    return [...this.live.values()].sort((a, b) => a.serial - b.serial);
  }

  get cap(): number {
    return this.capBytes;
  }

  get bytesInUse(): number {
    let total = 0;
    for (const a of this.live.values()) total += a.size;
    return total;
  }

  lookup(address: number): Allocation | undefined {
    return this.live.get(address);
  }

  /** The live allocation containing `address`, if any. */
  containing(address: number): Allocation | undefined {
    for (const a of this.live.values()) if (address >= a.address && address < a.address + a.size) return a;
    return undefined;
  }

  /** Returns the address, or 0 when the cap is reached (the driver sees NULL, as on a real low-memory system). */
  allocate(size: number, tag: number, api: string, owner: Allocation['owner'], site?: Allocation['site'], scope?: number): number {
    const need = align(Math.max(1, size) + GUARD_BYTES, ALIGNMENT);
    let address = this.takeFree(need);
    if (address === 0) {
      if (this.top + need > this.capBytes) {
        this.capReached = true;
        return 0;
      }
      this.ensureMemory(this.top + need);
      address = this.top;
      this.top += need;
    }
    this.memory.fill(address, size, 0);
    this.memory.fill(address + size, need - size, GUARD_VALUE);
    const allocation: Allocation = { address, size, tag, api, serial: this.serial++, owner, ...(site ? { site } : {}), ...(scope !== undefined ? { scope } : {}) };
    this.live.set(address, allocation);
    this.freed.delete(address);
    return address;
  }

  release(address: number): FreeOutcome {
    const allocation = this.live.get(address);
    if (!allocation) {
      const before = this.freed.get(address);
      if (before) return { ok: false, reason: 'double-free', allocation: before };
      const inside = this.containing(address);
      return inside ? { ok: false, reason: 'interior-pointer', allocation: inside } : { ok: false, reason: 'not-allocated' };
    }
    const need = align(Math.max(1, allocation.size) + GUARD_BYTES, ALIGNMENT);
    const guard = this.memory.read(address + allocation.size, need - allocation.size);
    const overrun = guard.some((b) => b !== GUARD_VALUE);
    this.memory.fill(address, need, FREED_VALUE);
    this.live.delete(address);
    this.freed.set(address, allocation);
    this.insertFree(address, address + need);
    return { ok: true, allocation, overrun };
  }

  private takeFree(need: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.end - block.start >= need) {
        const address = block.start;
        block.start += need;
        if (block.start === block.end) this.free.splice(i, 1);
        return address;
      }
    }
    return 0;
  }

  private insertFree(start: number, end: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    this.free.splice(i, 0, { start, end });
    // Coalesce with neighbours so fragmentation does not grow without bound.
    const merged: Array<{ start: number; end: number }> = [];
    for (const block of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.end === block.start) last.end = block.end;
      else merged.push({ ...block });
    }
    this.free = merged;
  }

  private ensureMemory(end: number): void {
    const current = this.memory.memory.buffer.byteLength;
    if (end <= current) return;
    this.memory.memory.grow(Math.ceil((end - current) / PAGE));
  }
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** A pool tag as its four characters, as WinDbg prints them ('tseT' in source is "Test"). */
export function tagText(tag: number): string {
  const chars = [tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, (tag >>> 24) & 0xff];
  return chars.map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
}
