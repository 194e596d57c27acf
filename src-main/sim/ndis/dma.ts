import { hex } from '../kernel/bugcheck';
import { DISPATCH_LEVEL, irqlName, PASSIVE_LEVEL } from '../kernel/irql';
import { tagText } from '../memory/pool';
import { siteFields, type Session } from '../session/session';
import { adapterOf, adapters, type Adapter } from './adapter';
import { errorLogCount } from './debug';
import {
  allHardware,
  describeSite,
  hardwareOf,
  hardwareState,
  inInitialize,
  noteClaim,
  PAGE_SIZE,
  registrationAttributesFirst,
  siteNow,
  type AdapterHardware,
  type SgDma,
  type SgList,
} from './hw-state';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * Bus-master DMA: NdisMRegisterScatterGatherDma, shared memory (NdisMAllocateSharedMemory and
 * its async form), and scatter/gather lists for NET_BUFFERs. Shared memory is page-aligned memory
 * of the driver's pool (so a leak names its allocation line); its bus address is the virtual one
 * plus DMA_OFFSET, a fixed translation. The device reaches memory only through dmaRead / dmaWrite,
 * which accept shared memory and live SG lists and nothing else.
 */

/** Bus address = driver virtual address + DMA_OFFSET (below 4 GB, so 32-bit DMA works). */
export const DMA_OFFSET = 0x4000_0000n;
const TAG_SHARED = 0x6d687353; // 'Sshm'
const TAG_NDIS_DMA = 0x414d4453; // 'SDMA'

function physicalOf(va: number): bigint {
  return BigInt(va >>> 0) + DMA_OFFSET;
}

function sgDmaByHandle(session: Session, handle: number): { hw: AdapterHardware; dma: SgDma } | undefined {
  for (const hw of allHardware(session)) if (hw.sgDma?.handle === handle) return { hw, dma: hw.sgDma };
  return undefined;
}

function dmaHandleOf(session: Session, handle: number, api: string): { hw: AdapterHardware; dma: SgDma } {
  const found = sgDmaByHandle(session, handle);
  if (!found) session.labStop('BAD-HANDLE', `${api}: ${hex(handle)} is not a DMA handle from NdisMRegisterScatterGatherDma (did the registration fail, or was it deregistered?)`);
  return found;
}

/** The range of bus addresses the device may use: shared memory and the elements of live SG lists. */
function translate(session: Session, physical: bigint | number, length: number): number | undefined {
  const table = dmaRegions(session);
  const start = Number(physical);
  const end = start + length;
  const { starts, ends, vas } = table;
  // A device works through one ring or buffer area many times in a row: try the last hit first.
  const last = table.last;
  if (last >= 0 && start >= starts[last]! && end <= ends[last]!) return vas[last]! + (start - starts[last]!);
  for (let i = 0; i < starts.length; i++) {
    if (start >= starts[i]! && end <= ends[i]!) {
      table.last = i;
      return vas[i]! + (start - starts[i]!);
    }
  }
  return undefined;
}

/** The DMA-able regions of every adapter as flat arrays, rebuilt when a shared-memory or SG-list array changes. */
interface RegionTable {
  /** Bumped by every change of shared memory or SG lists (dmaChanged). */
  epoch: number;
  builtAt: number;
  starts: number[];
  ends: number[];
  vas: number[];
  last: number;
}

function regionTable(session: Session): RegionTable {
  return session.state<RegionTable>('dma-regions', () => ({ epoch: 0, builtAt: -1, starts: [], ends: [], vas: [], last: -1 }));
}

/** Shared memory or SG lists changed: the region table is rebuilt on the next device access. */
function dmaChanged(session: Session): void {
  regionTable(session).epoch++;
}

function dmaRegions(session: Session): RegionTable {
  const table = regionTable(session);
  if (table.builtAt === table.epoch) return table;
  table.builtAt = table.epoch;
  table.starts = [];
  table.ends = [];
  table.vas = [];
  table.last = -1;
  const add = (physical: bigint, length: number, va: number): void => {
    table.starts.push(Number(physical));
    table.ends.push(Number(physical) + length);
    table.vas.push(va);
  };
  for (const hw of hardwareState(session).byAdapter.values()) {
    for (const s of hw.shared) add(s.physical, s.length, s.va);
    for (const list of hw.sgLists) for (const e of list.elements) add(e.physical, e.length, e.va);
  }
  return table;
}

/**
 * The device used a bus address that is neither shared memory nor a live SG list: the bus aborts
 * the transfer (the device sees it, e.g. LabNIC's DMAERR) and the lab reports the driver's mistake.
 */
function dmaAbort(session: Session, physical: bigint, length: number, op: string): void {
  for (const hw of allHardware(session)) {
    const freed = hw.freedShared.find((s) => physical >= s.physical && physical < s.physical + BigInt(s.length));
    if (freed) {
      session.labFinding(
        'DMA-UNMAPPED',
        `the device ${op} ${length} bytes at bus address 0x${physical.toString(16)}, in shared memory allocated at ${describeSite(freed.site)} that the driver has freed: stop the device's DMA before freeing its memory`,
        freed.site,
      );
      return;
    }
  }
  session.labFinding(
    'DMA-UNMAPPED',
    `the device ${op} ${length} bytes at bus address 0x${physical.toString(16)}, which is neither shared memory nor part of a live scatter/gather list: the driver gave the device a wrong address`,
  );
}

/** Bus-master read by the device: the range must be shared memory or a mapped SG list; undefined when the bus aborts it. */
export function dmaRead(session: Session, physical: bigint, length: number): Uint8Array | undefined {
  const va = translate(session, physical, length);
  if (va === undefined) {
    dmaAbort(session, physical, length, 'read');
    return undefined;
  }
  return session.memory.read(va, length);
}

/** Where a bus range is in driver memory (its address there), or -1 when the bus aborts the access. */
export function dmaOffset(session: Session, physical: number, length: number): number {
  const va = translate(session, physical, length);
  if (va === undefined) {
    dmaAbort(session, BigInt(physical), length, 'accessed');
    return -1;
  }
  return va;
}

/** Bus-master write by the device: the range must be shared memory or a mapped SG list; false when the bus aborts it. */
export function dmaWrite(session: Session, physical: bigint, data: Uint8Array): boolean {
  const va = translate(session, physical, data.length);
  if (va === undefined) {
    dmaAbort(session, physical, data.length, 'wrote');
    return false;
  }
  session.memory.write(va, data);
  return true;
}

function writeNullOutputs(session: Session, vaOut: number, paOut: number): void {
  if (vaOut) session.memory.setU32(vaOut, 0);
  if (paOut) session.memory.setU64(paOut, 0n);
}

function allocateShared(session: Session, adapter: Adapter, hw: AdapterHardware, length: number, cached: boolean, api: string): { va: number; physical: bigint } | undefined {
  const site = siteNow(session);
  // Page-aligned, as common buffers are: the pool block is padded so an aligned start fits.
  const block = session.pool.allocate(length + PAGE_SIZE - 8, TAG_SHARED, api, 'driver', site, adapter.handle);
  if (block === 0) return undefined;
  const va = Math.ceil(block / PAGE_SIZE) * PAGE_SIZE;
  const physical = physicalOf(va);
  hw.shared.push({ va, length, cached, physical, block, site });
  dmaChanged(session);
  session.emit({ kind: 'resource', op: 'alloc', resource: 'shared-memory', address: va, size: length, tag: tagText(TAG_SHARED), ...siteFields(site) });
  return { va, physical };
}

/** SG list bytes for a mapping of `maxMapping` bytes: the header and one element per page it can span. */
function sgListSize(session: Session, maxMapping: number): number {
  const pages = Math.ceil(Math.max(maxMapping, 1) / PAGE_SIZE) + 1;
  return session.memory.sizeOf('SCATTER_GATHER_LIST') + pages * session.memory.sizeOf('SCATTER_GATHER_ELEMENT');
}

/** The bytes of a NET_BUFFER's data, as virtual ranges, split at page boundaries (each page is its own SG element). */
function netBufferRanges(session: Session, nb: number): Array<{ va: number; length: number }> {
  const m = session.memory;
  let mdl = m.field('NET_BUFFER', nb, 'CurrentMdl');
  let offset = m.field('NET_BUFFER', nb, 'CurrentMdlOffset');
  let remaining = m.field('NET_BUFFER', nb, 'DataLength');
  const ranges: Array<{ va: number; length: number }> = [];
  while (remaining > 0 && mdl !== 0) {
    const va = (m.field('MDL', mdl, 'StartVa') + m.field('MDL', mdl, 'ByteOffset') + offset) >>> 0;
    let chunk = Math.min(remaining, m.field('MDL', mdl, 'ByteCount') - offset);
    let at = va;
    while (chunk > 0) {
      const inPage = Math.min(chunk, PAGE_SIZE - (at % PAGE_SIZE));
      ranges.push({ va: at, length: inPage });
      at += inPage;
      chunk -= inPage;
      remaining -= inPage;
    }
    offset = 0;
    mdl = m.field('MDL', mdl, 'Next');
  }
  return ranges;
}

function checkSharedMemoryNoLog(session: Session, adapter: Adapter): void {
  const hw = hardwareOf(session, adapter);
  const failed = hw.failedClaims.find((f) => f.api === 'NdisMAllocateSharedMemory');
  if (failed && errorLogCount(session, adapter.handle) === 0) {
    session.violation(
      'INIT-SHMEM-NOLOG',
      `NdisMAllocateSharedMemory at ${describeSite(failed.site)} returned NULL during initialization and the driver never called NdisWriteErrorLogEntry to record why`,
      failed.site ? { site: failed.site } : {},
    );
  }
}

/** Checks at the adapter milestones that belong to DMA (run by hardware.ts's adapter checks). */
export const dmaChecks = {
  afterInit: checkSharedMemoryNoLog,
};

export function describeDmaLeaks(hw: AdapterHardware): Array<{ what: string; site: typeof hw.sgLists[number]['site'] }> {
  const leaks: Array<{ what: string; site: SgList['site'] }> = [];
  if (hw.sgDma) leaks.push({ what: 'the scatter/gather DMA registration (NdisMRegisterScatterGatherDma)', site: hw.sgDma.site });
  for (const list of hw.sgLists) leaks.push({ what: `the scatter/gather list of NET_BUFFER ${hex(list.netBuffer)} (NdisMAllocateNetBufferSGList)`, site: list.site });
  return leaks;
}

/** Forgets the adapter's DMA state once it is halted (the leaks were reported). */
export function releaseDma(session: Session, hw: AdapterHardware): void {
  for (const list of hw.sgLists) if (list.ownBuffer) session.pool.release(list.address);
  hw.sgLists = [];
  dmaChanged(session);
  hw.sgDma = undefined;
}

defineImports([
  {
    name: 'NdisMRegisterScatterGatherDma',
    args: args('MiniportAdapterHandle:handle', 'DmaDescription:ptr', 'NdisMiniportDmaHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: {
      kind: 'custom',
      label: 'NDIS_STATUS_RESOURCES',
      apply(session, [handle, , out]) {
        if (out) session.memory.setU32(out, 0);
        const adapter = adapterOf(session, handle!, 'NdisMRegisterScatterGatherDma');
        noteClaim(session, hardwareOf(session, adapter), 'NdisMRegisterScatterGatherDma', '', false);
        return K.NDIS_STATUS_RESOURCES;
      },
    },
    impl(session, [handle, description, out]) {
      const m = session.memory;
      const adapter = adapterOf(session, handle!, 'NdisMRegisterScatterGatherDma');
      const hw = hardwareOf(session, adapter);
      m.setU32(out!, 0);
      if (!registrationAttributesFirst(session, adapter, 'NdisMRegisterScatterGatherDma')) return K.NDIS_STATUS_FAILURE;
      if ((adapter.registrationAttributes!.flags & K.NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER) === 0) {
        session.violation('INIT-SGDMA-REG', 'NdisMRegisterScatterGatherDma: the registration attributes do not set NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER, so NDIS refuses scatter/gather DMA (NDIS_STATUS_NOT_SUPPORTED)');
        return K.NDIS_STATUS_NOT_SUPPORTED;
      }
      const type = m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'Header.Type');
      const revision = m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'Header.Revision');
      const size = m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'Header.Size');
      if (type !== K.NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION || size < K.NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1) {
        session.violation(
          'INIT-SGDMA-REG',
          `NdisMRegisterScatterGatherDma: DmaDescription header is Type ${hex(type)} Size ${size}; it must be NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION (${hex(K.NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION)}) with Size NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1 (${K.NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1})`,
        );
        return K.NDIS_STATUS_INVALID_PARAMETER;
      }
      if (revision !== K.NDIS_SG_DMA_DESCRIPTION_REVISION_1) {
        session.violation('INIT-SGDMA-REG', `NdisMRegisterScatterGatherDma: DmaDescription Header.Revision ${revision} is not NDIS_SG_DMA_DESCRIPTION_REVISION_1`);
        return K.NDIS_STATUS_BAD_VERSION;
      }
      const processSgList = m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'ProcessSGListHandler');
      if (processSgList === 0) {
        session.violation('INIT-SGDMA-REG', 'NdisMRegisterScatterGatherDma: ProcessSGListHandler is NULL; NDIS delivers every scatter/gather list through it');
        return K.NDIS_STATUS_INVALID_PARAMETER;
      }
      if (hw.sgDma) {
        session.violation('INIT-SGDMA-REG', `NdisMRegisterScatterGatherDma called twice for the adapter (first at ${describeSite(hw.sgDma.site)})`);
        return K.NDIS_STATUS_FAILURE;
      }
      const maxMapping = m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'MaximumPhysicalMapping');
      m.setField('NDIS_SG_DMA_DESCRIPTION', description!, 'ScatterGatherListSize', sgListSize(session, maxMapping));
      hw.sgDma = {
        handle: session.newHandle(),
        flags: m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'Flags'),
        processSgList,
        sharedMemComplete: m.field('NDIS_SG_DMA_DESCRIPTION', description!, 'SharedMemAllocateCompleteHandler'),
        site: siteNow(session),
      };
      noteClaim(session, hw, 'NdisMRegisterScatterGatherDma', '', true);
      m.setU32(out!, hw.sgDma.handle);
      session.emit({ kind: 'resource', op: 'alloc', resource: 'sg-dma', address: hw.sgDma.handle, ...siteFields(hw.sgDma.site) });
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisMDeregisterScatterGatherDma',
    args: args('NdisMiniportDmaHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const { hw } = dmaHandleOf(session, handle!, 'NdisMDeregisterScatterGatherDma');
      session.emit({ kind: 'resource', op: 'free', resource: 'sg-dma', address: handle!, ...siteFields(session.site()) });
      releaseDma(session, hw);
    },
  },
  {
    name: 'NdisMAllocateSharedMemory',
    args: args('MiniportAdapterHandle:handle', 'Length:u32', 'Cached:bool', 'VirtualAddress:ptr', 'PhysicalAddress:ptr'),
    result: 'void',
    // PASSIVE_LEVEL only: a raised IRQL is NDIS's own bug check 0x7C/0x01 (checked in impl, before anything else).
    fault: {
      kind: 'custom',
      label: 'VirtualAddress = NULL',
      apply(session, [handle, , , vaOut, paOut]) {
        writeNullOutputs(session, vaOut!, paOut!);
        const adapter = adapterOf(session, handle!, 'NdisMAllocateSharedMemory');
        noteClaim(session, hardwareOf(session, adapter), 'NdisMAllocateSharedMemory', '', false);
      },
    },
    impl(session, [handle, length, cached, vaOut, paOut]) {
      const adapter = adapterOf(session, handle!, 'NdisMAllocateSharedMemory');
      if (session.irql > PASSIVE_LEVEL) {
        session.violation('INIT-SHMEM-IRQL', `NdisMAllocateSharedMemory(${length} bytes) called at ${irqlName(session.irql)}; it must be called at PASSIVE_LEVEL`, {
          params: [handle!, length!, session.irql],
        });
      }
      const hw = hardwareOf(session, adapter);
      writeNullOutputs(session, vaOut!, paOut!);
      if (!registrationAttributesFirst(session, adapter, 'NdisMAllocateSharedMemory')) return;
      if (!inInitialize(session)) {
        session.violation('INIT-SHMEM-PRECOND', `NdisMAllocateSharedMemory called outside MiniportInitializeEx (the adapter is ${adapter.state}); allocate shared memory during initialization`);
        return;
      }
      if (!hw.sgDma) {
        session.violation('INIT-SHMEM-PRECOND', 'NdisMAllocateSharedMemory before a successful NdisMRegisterScatterGatherDma: shared memory comes from the DMA resources that registration sets up; the call returns NULL');
        return;
      }
      const got = length! === 0 ? undefined : allocateShared(session, adapter, hw, length!, cached! !== 0, 'NdisMAllocateSharedMemory');
      noteClaim(session, hw, 'NdisMAllocateSharedMemory', '', got !== undefined);
      if (!got) return;
      session.memory.setU32(vaOut!, got.va);
      session.memory.setU64(paOut!, got.physical);
    },
  },
  {
    name: 'NdisMFreeSharedMemory',
    args: args('MiniportAdapterHandle:handle', 'Length:u32', 'Cached:bool', 'VirtualAddress:ptr', 'PhysicalAddress:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, length, cached, va, paPointer]) {
      const adapter = adapterOf(session, handle!, 'NdisMFreeSharedMemory');
      const hw = hardwareOf(session, adapter);
      // NDIS_PHYSICAL_ADDRESS by value: the import receives a pointer to the caller's copy.
      const physical = session.memory.u64(paPointer!);
      const page = (va! & ~(PAGE_SIZE - 1)) >>> 0;
      const fail: (why: string) => never = (why) => {
        session.violation('HALT-SHMEM-FREE', `NdisMFreeSharedMemory(${length}, ${cached ? 'TRUE' : 'FALSE'}, ${hex(va!)}, 0x${physical.toString(16)}): ${why}`, { params: [handle!, page, va!] });
        throw new Error('unreachable: HALT-SHMEM-FREE is a bug check');
      };
      const index = hw.shared.findIndex((s) => s.va === va);
      const entry = hw.shared[index];
      if (!entry) {
        const freed = hw.freedShared.find((s) => s.va === va);
        if (freed) fail(`this shared memory (allocated at ${describeSite(freed.site)}) was freed already`);
        const inside = hw.shared.find((s) => va! > s.va && va! < s.va + s.length);
        if (inside) fail(`the address is ${va! - inside.va} bytes into the ${inside.length}-byte block allocated at ${describeSite(inside.site)}; free exactly what was allocated`);
        fail('the address was never returned by NdisMAllocateSharedMemory for this adapter');
      }
      const problems = [
        entry.length !== length && `Length ${length} differs from the allocation's ${entry.length}`,
        entry.cached !== (cached !== 0) && `Cached ${cached ? 'TRUE' : 'FALSE'} differs from the allocation's ${entry.cached ? 'TRUE' : 'FALSE'}`,
        entry.physical !== physical && `PhysicalAddress 0x${physical.toString(16)} differs from the allocation's 0x${entry.physical.toString(16)}`,
      ].filter(Boolean);
      if (problems.length > 0) fail(`${problems.join('; ')} (allocated at ${describeSite(entry.site)}); every parameter must match the allocation`);
      hw.shared.splice(index, 1);
      dmaChanged(session);
      hw.freedShared.push(entry);
      session.pool.release(entry.block);
      session.emit({ kind: 'resource', op: 'free', resource: 'shared-memory', address: entry.va, size: entry.length, tag: tagText(TAG_SHARED), ...siteFields(session.site()) });
    },
  },
  {
    name: 'NdisMAllocateSharedMemoryAsyncEx',
    args: args('MiniportDmaHandle:handle', 'Length:u32', 'Cached:bool', 'Context:ptr'),
    result: 'status',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_FAILURE, label: 'NDIS_STATUS_FAILURE' },
    impl(session, [handle, length, cached, context]) {
      const { hw, dma } = dmaHandleOf(session, handle!, 'NdisMAllocateSharedMemoryAsyncEx');
      if (dma.sharedMemComplete === 0) {
        session.violation('INIT-SHMEM-ASYNC', 'NdisMAllocateSharedMemoryAsyncEx: the scatter/gather DMA registration gave no SharedMemAllocateCompleteHandler, so NDIS cannot deliver the memory');
        return K.NDIS_STATUS_FAILURE;
      }
      const adapter = hw.adapter;
      session.kernel.queueDpc({
        label: `shared memory for ${adapter.name}`,
        run: () => {
          if (!adapters(session).has(adapter.handle) || hw.sgDma !== dma) return;
          const got = allocateShared(session, adapter, hw, length!, cached! !== 0, 'NdisMAllocateSharedMemoryAsyncEx');
          const pa = session.pool.allocate(8, TAG_NDIS_DMA, 'NdisMAllocateSharedMemoryAsyncEx', 'ndis');
          session.memory.setU64(pa, got?.physical ?? 0n);
          try {
            session.callDriver('MiniportSharedMemoryAllocateComplete', dma.sharedMemComplete, [adapter.context, got?.va ?? 0, pa, length!, context!], DISPATCH_LEVEL, adapter.handle);
          } finally {
            session.pool.release(pa);
          }
        },
      });
      return K.NDIS_STATUS_PENDING;
    },
  },
  {
    name: 'NdisMGetDmaAlignment',
    args: args('MiniportAdapterHandle:handle'),
    result: 'u32',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      adapterOf(session, handle!, 'NdisMGetDmaAlignment');
      return 8;
    },
  },
  {
    name: 'NdisMAllocateNetBufferSGList',
    args: args('NdisMiniportDmaHandle:handle', 'NetBuffer:ptr', 'Context:ptr', 'Flags:hex', 'ScatterGatherListBuffer:ptr', 'ScatterGatherListBufferSize:u32'),
    result: 'status',
    exactIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [handle, nb, context, , buffer, bufferSize]) {
      const m = session.memory;
      const { hw, dma } = dmaHandleOf(session, handle!, 'NdisMAllocateNetBufferSGList');
      const ranges = netBufferRanges(session, nb!);
      const need = m.sizeOf('SCATTER_GATHER_LIST') + ranges.length * m.sizeOf('SCATTER_GATHER_ELEMENT');
      const ownBuffer = !(buffer && bufferSize! >= need);
      const address = ownBuffer ? session.pool.allocate(need, TAG_NDIS_DMA, 'NdisMAllocateNetBufferSGList', 'ndis') : buffer!;
      if (address === 0) return K.NDIS_STATUS_RESOURCES;
      m.setField('SCATTER_GATHER_LIST', address, 'NumberOfElements', ranges.length);
      m.setField('SCATTER_GATHER_LIST', address, 'Reserved', 0);
      const elements = ranges.map((r, i) => {
        const at = address + m.sizeOf('SCATTER_GATHER_LIST') + i * m.sizeOf('SCATTER_GATHER_ELEMENT');
        const physical = physicalOf(r.va);
        m.setU64(at + m.offsetOf('SCATTER_GATHER_ELEMENT', 'Address'), physical);
        m.setField('SCATTER_GATHER_ELEMENT', at, 'Length', r.length);
        m.setField('SCATTER_GATHER_ELEMENT', at, 'Reserved', 0);
        return { physical, va: r.va, length: r.length };
      });
      hw.sgLists.push({ address, ownBuffer, netBuffer: nb!, elements, site: siteNow(session) });
      dmaChanged(session);
      // NDIS may call MiniportProcessSGList before this call returns; the lab always does.
      session.callDriver('MiniportProcessSGList', dma.processSgList, [0, 0, address, context!], DISPATCH_LEVEL, hw.adapter.handle);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisMFreeNetBufferSGList',
    args: args('NdisMiniportDmaHandle:handle', 'pSGL:ptr', 'NetBuffer:ptr'),
    result: 'void',
    exactIrql: DISPATCH_LEVEL,
    impl(session, [handle, sgl, nb]) {
      const { hw } = dmaHandleOf(session, handle!, 'NdisMFreeNetBufferSGList');
      const index = hw.sgLists.findIndex((l) => l.address === sgl);
      const list = hw.sgLists[index];
      if (!list) return session.labStop('SG-LIST', `NdisMFreeNetBufferSGList(${hex(sgl!)}): not a live scatter/gather list from NdisMAllocateNetBufferSGList (freed twice?)`);
      if (list.netBuffer !== nb) {
        return session.labStop('SG-LIST', `NdisMFreeNetBufferSGList: the list was built for NET_BUFFER ${hex(list.netBuffer)}, not ${hex(nb!)}`);
      }
      hw.sgLists.splice(index, 1);
      dmaChanged(session);
      if (list.ownBuffer) session.pool.release(list.address);
    },
  },
]);

