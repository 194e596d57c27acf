import { BugCheck, hex } from '../kernel/bugcheck';
import { APC_LEVEL, DISPATCH_LEVEL } from '../kernel/irql';
import { GUARD_BYTES, tagText, type Allocation } from '../memory/pool';
import { siteFields, type Session } from '../session/session';
import type { SourceSite } from '../session/source-site';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * Nonpaged pool for the driver: NdisAllocateMemoryWithTagPriority and friends, the Ex pool
 * routines. Blocks come from the session's Pool (guard bytes after each block, filled on free),
 * so leaks are reported by the adapter and driver checks with their allocation site.
 *
 * Bad frees stop the run with the bug checks Driver Verifier documents for them:
 * 0xC4/0x10 (address never returned by an allocation), 0xC4/0x13 (freed already),
 * 0xC4/0x16 (not the start of a block), 0xC2/0x0A (free with another tag than the allocation's),
 * 0xC1/0x24 (bytes after the end of the block overwritten: detected when the block is freed).
 */

/**
 * The allocators whose blocks the free routines of this family accept (NDIS frees with ExFreePool),
 * and NdisQueryBindInstanceName, whose name buffer NDIS allocates for the protocol to free with NdisFreeMemory.
 */
const MEMORY_APIS = new Set(['NdisAllocateMemoryWithTagPriority', 'NdisAllocateMemoryWithTag', 'ExAllocatePool2', 'ExAllocatePoolWithTag', 'NdisQueryBindInstanceName']);

/** The value the pool writes into the guard bytes after every block (memory/pool.ts). */
const GUARD_FILL = 0xfd;
const BAD_POOL_CALLER = 0xc2;
const SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION = 0xc1;
const DRIVER_VERIFIER_DETECTED_VIOLATION = 0xc4;

export function shortSite(site: SourceSite | undefined): { file: string; line: number } | undefined {
  return site ? { file: site.file, line: site.line } : undefined;
}

export function describeSite(site: { file: string; line: number } | undefined): string {
  return site ? `${site.file}:${site.line}` : 'an unknown line';
}

/** True when every byte of the tag is a printable ASCII character (0x20..0x7E), as the pool routines require. */
export function isPrintableTag(tag: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0xff;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function checkTag(session: Session, api: string, tag: number): void {
  if (tag === 0) {
    session.violation('INIT-MEM-TAG', `${api} with Tag 0: give every allocation a driver-specific four-character tag so leaks can be traced to their owner`);
  } else if (!isPrintableTag(tag)) {
    session.violation('INIT-MEM-TAG', `${api} with Tag ${hex(tag)}: each of the tag's four bytes must be a printable ASCII character (0x20..0x7E)`);
  }
}

/** Allocates a driver-owned block and reports it; 0 when the pool is exhausted. */
export function allocateDriverBlock(session: Session, api: string, size: number, tag: number, resource = 'memory', scope?: number): number {
  const site = shortSite(session.site());
  const address = session.pool.allocate(size, tag, api, 'driver', site, scope);
  if (address === 0 && session.pool.capReached) {
    // NDIS would return NULL; in the lab a driver that fills its whole memory is leaking, so stop here.
    session.labStop(
      'MEMORY-CAP',
      `${api}(${size} bytes): the driver has ${session.pool.bytesInUse.toLocaleString('en-US')} bytes allocated and reached the lab's cap of ${session.pool.cap.toLocaleString('en-US')} bytes (an allocation in a loop that is never freed?)`,
    );
  }
  if (address !== 0) session.emit({ kind: 'resource', op: 'alloc', resource, address, size, tag: tagText(tag), ...siteFields(site) });
  return address;
}

/** Frees a block the driver got from an allocator of another family (timer object, work item, RW lock). */
export function releaseDriverBlock(session: Session, address: number, resource: string): void {
  const allocation = session.pool.lookup(address);
  const outcome = session.pool.release(address);
  if (outcome.ok && allocation) {
    session.emit({ kind: 'resource', op: 'free', resource, address, size: allocation.size, tag: tagText(allocation.tag), ...siteFields(session.site()) });
  }
}

function freeBlock(session: Session, api: string, address: number, expectedTag?: number): void {
  if (address === 0) {
    throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x10, 0, 0, 0], `${api}(NULL): the address was never returned by an allocation routine`, 'POOL-FREE', session.site());
  }
  const allocation = session.pool.lookup(address);
  if (allocation && (allocation.owner !== 'driver' || !MEMORY_APIS.has(allocation.api))) {
    const whose = allocation.owner === 'ndis' ? `memory NDIS owns (it came with ${allocation.api})` : `an object from ${allocation.api}; free it with the routine that matches that call`;
    throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x10, address, 0, 0], `${api}(${hex(address)}): this is ${whose}`, 'POOL-FREE', session.site());
  }
  if (allocation && expectedTag !== undefined && expectedTag !== allocation.tag) {
    throw new BugCheck(
      BAD_POOL_CALLER,
      [0x0a, address, allocation.tag, expectedTag],
      `${api}(${hex(address)}, '${tagText(expectedTag)}'): the block was allocated with tag '${tagText(allocation.tag)}' at ${describeSite(allocation.site)}; the tag of a free must match the allocation's`,
      'POOL-FREE-TAG',
      session.site(),
    );
  }
  const corrupt = allocation ? firstCorruptGuardByte(session, allocation) : undefined;
  const outcome = session.pool.release(address);
  if (!outcome.ok) {
    const block = outcome.allocation;
    const from = block ? `the ${block.size}-byte block allocated by ${block.api} at ${describeSite(block.site)}` : '';
    switch (outcome.reason) {
      case 'double-free':
        throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x13, 0, address, 0], `${api}(${hex(address)}): ${from} was freed already (double free)`, 'POOL-FREE', session.site());
      case 'interior-pointer':
        throw new BugCheck(
          DRIVER_VERIFIER_DETECTED_VIOLATION,
          [0x16, 0, address, 0],
          `${api}(${hex(address)}): the address points ${block ? address - block.address : 0} bytes into ${from}; free the address the allocation returned`,
          'POOL-FREE',
          session.site(),
        );
      default:
        throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x10, address, 0, 0], `${api}(${hex(address)}): the address was never returned by an allocation routine`, 'POOL-FREE', session.site());
    }
  }
  const block = outcome.allocation;
  session.emit({ kind: 'resource', op: 'free', resource: 'memory', address, size: block.size, tag: tagText(block.tag), ...siteFields(session.site()) });
  if (outcome.overrun) {
    const at = corrupt ?? address + block.size;
    throw new BugCheck(
      SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION,
      [address, at, 0, 0x24],
      `${api}(${hex(address)}): the driver wrote past the end of the ${block.size}-byte block (tag '${tagText(block.tag)}') allocated by ${block.api} at ${describeSite(block.site)}: the byte at offset ${at - address} was overwritten`,
      'POOL-OVERRUN',
      session.site(),
    );
  }
}

function firstCorruptGuardByte(session: Session, allocation: Allocation): number | undefined {
  const guard = session.memory.read(allocation.address + allocation.size, GUARD_BYTES);
  const index = guard.findIndex((b) => b !== GUARD_FILL);
  return index < 0 ? undefined : allocation.address + allocation.size + index;
}

/** Driver Verifier's checks of an Ex pool request: zero bytes, paged pool above APC_LEVEL. */
function checkExRequest(session: Session, api: string, paged: boolean, poolType: number, size: number): void {
  if (size === 0) {
    throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x00, session.irql, poolType, 0], `${api} asked for 0 bytes`, 'POOL-ALLOC', session.site());
  }
  if (paged && session.irql > APC_LEVEL) {
    throw new BugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, [0x01, session.irql, poolType, size], `${api}: paged pool requested at IRQL ${session.irql}; paged memory can only be allocated at IRQL <= APC_LEVEL`, 'POOL-ALLOC', session.site());
  }
}

const PAGED_POOL_TYPES = new Set([K.PagedPool, K.PagedPoolCacheAligned, K.PagedPool + 32, K.PagedPoolCacheAligned + 32]);
const POOL_FLAG_PAGED = 0x100n;

defineImports([
  {
    name: 'NdisAllocateMemoryWithTagPriority',
    args: args('NdisHandle:handle', 'Length:u32', 'Tag:tag', 'Priority:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [handle, length, tag]) {
      checkTag(session, 'NdisAllocateMemoryWithTagPriority', tag!);
      return allocateDriverBlock(session, 'NdisAllocateMemoryWithTagPriority', length! >>> 0, tag! >>> 0, 'memory', handle || undefined);
    },
  },
  {
    name: 'NdisAllocateMemoryWithTag',
    args: args('VirtualAddress:ptr', 'Length:u32', 'Tag:tag'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    fault: {
      kind: 'custom',
      label: 'NDIS_STATUS_FAILURE',
      apply(session, [out]) {
        session.memory.setU32(out!, 0);
        return K.NDIS_STATUS_FAILURE;
      },
    },
    impl(session, [out, length, tag]) {
      checkTag(session, 'NdisAllocateMemoryWithTag', tag!);
      const address = allocateDriverBlock(session, 'NdisAllocateMemoryWithTag', length! >>> 0, tag! >>> 0);
      session.memory.setU32(out!, address);
      return address === 0 ? K.NDIS_STATUS_FAILURE : K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisFreeMemory',
    args: args('VirtualAddress:ptr', 'Length:u32', 'MemoryFlags:hex'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, , flags]) {
      if (flags !== 0) {
        session.labStop(
          'POOL-FREE',
          `NdisFreeMemory(${hex(address!)}, …, ${hex(flags!)}): memory from NdisAllocateMemoryWithTagPriority is freed with MemoryFlags 0; NDIS_MEMORY_CONTIGUOUS / NDIS_MEMORY_NONCACHED name other kinds of memory`,
        );
      }
      freeBlock(session, 'NdisFreeMemory', address!);
    },
  },
  {
    name: 'NdisFreeMemoryWithTag',
    args: args('VirtualAddress:ptr', 'Tag:tag'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, tag]) {
      freeBlock(session, 'NdisFreeMemoryWithTag', address!, tag! >>> 0);
    },
  },
  {
    name: 'NdisFreeMemoryWithTagPriority',
    args: args('NdisHandle:handle', 'VirtualAddress:ptr', 'Tag:tag'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [, address, tag]) {
      freeBlock(session, 'NdisFreeMemoryWithTagPriority', address!, tag! >>> 0);
    },
  },
  {
    name: 'ExAllocatePool2',
    args: args('Flags:i64', 'NumberOfBytes:u32', 'Tag:tag'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, raw) {
      // POOL_FLAGS is a ULONG64: the import receives it as a BigInt.
      const flags = BigInt(raw[0] as unknown as bigint | number);
      const size = raw[1]! >>> 0;
      const tag = raw[2]! >>> 0;
      checkTag(session, 'ExAllocatePool2', tag);
      checkExRequest(session, 'ExAllocatePool2', (flags & POOL_FLAG_PAGED) !== 0n, Number(flags & 0xffffffffn), size);
      return allocateDriverBlock(session, 'ExAllocatePool2', size, tag);
    },
  },
  {
    name: 'ExAllocatePoolWithTag',
    args: args('PoolType:u32', 'NumberOfBytes:u32', 'Tag:tag'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [poolType, size, tag]) {
      checkTag(session, 'ExAllocatePoolWithTag', tag!);
      checkExRequest(session, 'ExAllocatePoolWithTag', PAGED_POOL_TYPES.has(poolType!), poolType!, size! >>> 0);
      return allocateDriverBlock(session, 'ExAllocatePoolWithTag', size! >>> 0, tag! >>> 0);
    },
  },
  {
    name: 'ExFreePoolWithTag',
    args: args('P:ptr', 'Tag:tag'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, tag]) {
      freeBlock(session, 'ExFreePoolWithTag', address!, tag! >>> 0);
    },
  },
  {
    name: 'ExFreePool',
    args: args('P:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      freeBlock(session, 'ExFreePool', address!);
    },
  },
]);
