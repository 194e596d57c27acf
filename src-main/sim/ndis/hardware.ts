import { BugCheck, hex } from '../kernel/bugcheck';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import type { AccessSize, BenchDevice, DeviceHost, DeviceResource } from '../hw/device';
import { siteFields, type Session } from '../session/session';
import { adapterOf, addAdapterChecks, type Adapter } from './adapter';
import { describeDmaLeaks, dmaChecks, dmaOffset, dmaRead, dmaWrite, releaseDma } from './dma';
import {
  allHardware,
  describeRange,
  describeSite,
  hardwareOf,
  hardwareState,
  inInitialize,
  inInitializeOrHalt,
  MAPPING_VA_END,
  noteClaim,
  PAGE_SIZE,
  registrationAttributesFirst,
  siteNow,
  type AdapterHardware,
  type IoMapping,
  type PortRange,
  type Site,
} from './hw-state';
import { args, defineImports } from './imports';
import { checkInterruptOutcome, forgetInterrupt, interruptChecks, raiseInterrupt } from './interrupts';
import { K } from './status';
import { hasWire, onTransmit, onTransmitLost } from './wire';

/**
 * The hardware an adapter stands on (hw/device.ts) as NDIS presents it to the miniport: the
 * resource list in the init parameters, PCI configuration space (NdisMGetBusData), I/O port ranges
 * (NdisMRegisterIoPortRange), mapped device memory (NdisMMapIoSpace), and every register or port
 * access (READ_/WRITE_REGISTER_*, READ_/WRITE_PORT_*), which goes to the device and shows on the
 * timeline as an `hw.register` event with the driver's line.
 *
 * Mapped device memory gets virtual addresses outside the driver's memory: only the register
 * routines reach it, and a plain dereference faults as it would on a real system.
 */

const PAGE_FAULT_IN_NONPAGED_AREA = 0x50;
const TAG_RESOURCES = 0x53455243; // 'CRES'
/** Register/port events per buffered (_BUFFER_) access, at most. */
const BUFFER_EVENTS = 16;

// --- resources --------------------------------------------------------------------------------

/** NDIS_RESOURCE_LIST (a CM_PARTIAL_RESOURCE_LIST) of the device's translated resources, NDIS-owned. */
function buildResourceList(session: Session, resources: readonly DeviceResource[]): number {
  if (resources.length === 0) return 0;
  const m = session.memory;
  const descriptorSize = m.sizeOf('CM_PARTIAL_RESOURCE_DESCRIPTOR');
  const first = m.offsetOf('CM_PARTIAL_RESOURCE_LIST', 'PartialDescriptors');
  const list = session.pool.allocate(first + resources.length * descriptorSize, TAG_RESOURCES, 'MiniportInitializeEx', 'ndis');
  m.setField('CM_PARTIAL_RESOURCE_LIST', list, 'Version', 1);
  m.setField('CM_PARTIAL_RESOURCE_LIST', list, 'Revision', 1);
  m.setField('CM_PARTIAL_RESOURCE_LIST', list, 'Count', resources.length);
  resources.forEach((r, i) => {
    const d = list + first + i * descriptorSize;
    const set = (name: Parameters<typeof m.setField<'CM_PARTIAL_RESOURCE_DESCRIPTOR'>>[2], value: number) => m.setField('CM_PARTIAL_RESOURCE_DESCRIPTOR', d, name, value);
    switch (r.type) {
      case 'port':
        set('Type', K.CmResourceTypePort);
        set('ShareDisposition', K.CmResourceShareDeviceExclusive);
        set('Flags', K.CM_RESOURCE_PORT_IO);
        set('u.Port.Start', r.start);
        set('u.Port.Length', r.length);
        break;
      case 'memory':
        set('Type', K.CmResourceTypeMemory);
        set('ShareDisposition', K.CmResourceShareDeviceExclusive);
        set('Flags', K.CM_RESOURCE_MEMORY_READ_WRITE);
        set('u.Memory.Start', r.start);
        set('u.Memory.Length', r.length);
        break;
      case 'interrupt':
        set('Type', K.CmResourceTypeInterrupt);
        set('ShareDisposition', r.messageBased ? K.CmResourceShareDeviceExclusive : K.CmResourceShareShared);
        set('Flags', r.messageBased ? K.CM_RESOURCE_INTERRUPT_MESSAGE | K.CM_RESOURCE_INTERRUPT_LATCHED : K.CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE);
        // The translated form: Level, Vector, Affinity (the same layout for message-signalled ones).
        set('u.Interrupt.Level', r.level);
        set('u.Interrupt.Vector', r.vector);
        set('u.Interrupt.Affinity', 1);
        break;
    }
  });
  return list;
}

function memoryResources(device: BenchDevice): Array<{ start: number; length: number }> {
  return device.resources.filter((r): r is Extract<DeviceResource, { type: 'memory' }> => r.type === 'memory');
}

function attach(session: Session, adapter: Adapter): void {
  const plugged = plugs(session).get(adapter.name);
  if (plugged) {
    adapter.device = plugged;
    plugs(session).delete(adapter.name);
  }
  const hw = hardwareOf(session, adapter);
  hw.resources = assignResources(adapter);
  hw.resourceList = buildResourceList(session, hw.resources);
  session.memory.setField('NDIS_MINIPORT_INIT_PARAMETERS', adapter.initParameters, 'AllocatedResources', hw.resourceList);
  const host: DeviceHost = {
    interrupt: (messageId) => raiseInterrupt(session, hw, messageId ?? 0),
    dmaRead: (physical, length) => dmaRead(session, physical, length),
    dmaWrite: (physical, data) => dmaWrite(session, physical, data),
    dmaOffset: (physical, length) => dmaOffset(session, physical, length),
    dmaMemory: () => session.memory.allBytes,
    now: () => session.now,
    after: (delay, label, run) => {
      session.kernel.scheduler.at(session.now + Math.max(0, Math.round(delay)), { label: `${adapter.name}: ${label}`, run });
    },
  };
  const device = adapter.device;
  if (hasWire(adapter)) {
    device.onTransmit = (frame) => onTransmit(session, adapter, frame);
    device.onTransmitLost = (frame) => onTransmitLost(session, adapter, frame);
  }
  device.attach?.(host);
}

/**
 * PnP's resource assignment: a device with an MSI capability gets message-signalled interrupts
 * when its INF asks for them (the device instance's Interrupt Management\MessageSignaledInterruptProperties
 * value MSISupported = 1, a registry value of the bench), else its line.
 */
function assignResources(adapter: Adapter): DeviceResource[] {
  const device = adapter.device;
  const wantsMsi = adapter.registry['MSISupported'] === 1 && (device.msiMessages ?? 0) > 0 && device.msiDenied?.() !== true;
  return device.resources.map((r) => (r.type === 'interrupt' && wantsMsi ? { ...r, messageBased: true, messageCount: device.msiMessages ?? 1 } : r));
}

/** Emits every device's state for the hardware panel (after each scenario step, when a fault happens). */
export function emitHardwareSnapshots(session: Session): void {
  if (!session.tracing) return;
  for (const hw of allHardware(session)) {
    const device = hw.adapter.device;
    if (!device.snapshot || hw.adapter.state === 'Halted') continue;
    const snap = device.snapshot();
    const interrupt = hw.interrupt;
    session.emit({
      kind: 'hw.snapshot',
      adapter: hw.adapter.name,
      device: device.model ?? device.kind,
      ...snap,
      irq: { ...snap.irq, messageBased: interrupt?.messageBased ?? false, isrCalls: interrupt?.isrCalls ?? 0 },
    });
  }
}

// --- leaks and outcome checks ----------------------------------------------------------------

function hardwareLeaks(hw: AdapterHardware): Array<{ what: string; site: Site }> {
  return [
    ...hw.ports.map((p) => ({ what: `I/O ports ${describeRange(p.initial, p.count)} (NdisMRegisterIoPortRange)`, site: p.site })),
    ...hw.mappings.map((mp) => ({ what: `the mapping of ${describeRange(mp.physical, mp.length)} at ${hex(mp.va)} (NdisMMapIoSpace)`, site: mp.site })),
    ...describeDmaLeaks(hw),
  ];
}

function reportLeaks(session: Session, hw: AdapterHardware, rule: 'INIT-FAIL-LEAK' | 'HALT-LEAK', prefix: string): void {
  const leaks = hardwareLeaks(hw);
  const first = leaks[0];
  if (!first) return;
  session.violation(rule, `${prefix} ${leaks.length} hardware resource(s) still claimed: ${leaks.map((l) => `${l.what} at ${describeSite(l.site)}`).join('; ')}`, first.site ? { site: first.site } : {});
}

/** The adapter is gone (halted, or init failed): NDIS takes back whatever is left, and the device goes idle. */
function release(session: Session, hw: AdapterHardware): void {
  forgetInterrupt(session, hw);
  releaseDma(session, hw);
  hw.unmapped.push(...hw.mappings);
  hw.ports = [];
  hw.mappings = [];
  if (hw.resourceList) session.pool.release(hw.resourceList);
  hw.resourceList = 0;
  hw.adapter.device.detach?.();
}

function checkFailedClaims(session: Session, adapter: Adapter): void {
  const hw = hardwareOf(session, adapter);
  const failed = hw.failedClaims.find((f) => f.api === 'NdisMRegisterIoPortRange' || f.api === 'NdisMMapIoSpace');
  if (failed) {
    session.violation(
      'INIT-HWRES-FAIL',
      `${failed.api} failed at ${describeSite(failed.site)} and MiniportInitializeEx still returned NDIS_STATUS_SUCCESS: an adapter without its registers cannot work; fail initialization instead`,
      failed.site ? { site: failed.site } : {},
    );
  }
}

addAdapterChecks({
  beforeInit: attach,
  afterInitSuccess(session, adapter) {
    dmaChecks.afterInit(session, adapter);
    checkFailedClaims(session, adapter);
    checkInterruptOutcome(session, adapter);
    hardwareOf(session, adapter).failedClaims = [];
  },
  afterInitFailure(session, adapter) {
    const hw = hardwareOf(session, adapter);
    interruptChecks(session, adapter, 'init-failure');
    dmaChecks.afterInit(session, adapter);
    reportLeaks(session, hw, 'INIT-FAIL-LEAK', 'MiniportInitializeEx failed with');
    release(session, hw);
  },
  afterHalt(session, adapter) {
    const hw = hardwareOf(session, adapter);
    interruptChecks(session, adapter, 'halt');
    reportLeaks(session, hw, 'HALT-LEAK', 'MiniportHaltEx returned with');
    release(session, hw);
  },
});

// --- register and port access ----------------------------------------------------------------

function findMapping(session: Session, address: number, size: number): { hw: AdapterHardware; mapping: IoMapping } | undefined {
  for (const hw of allHardware(session)) {
    for (const mapping of hw.mappings) if (address >= mapping.va && address + size <= mapping.va + mapping.length) return { hw, mapping };
  }
  return undefined;
}

function unmappedAccess(session: Session, api: string, address: number, size: number, write: boolean): never {
  const site = session.site();
  // A NULL (or near-NULL) mapping after a failed NdisMMapIoSpace: the failure was not handled.
  if (address < PAGE_SIZE * 16) {
    for (const hw of allHardware(session)) {
      const failed = hw.failedClaims.find((f) => f.api === 'NdisMMapIoSpace');
      if (failed) {
        session.violation('INIT-HWRES-FAIL', `${api}(${hex(address)}): the driver uses the mapping although NdisMMapIoSpace failed at ${describeSite(failed.site)} and left VirtualAddress NULL`);
      }
    }
  }
  let why = `${hex(address)} is not a mapped device register: map the device's memory range with NdisMMapIoSpace and access it through the address it returns`;
  for (const hw of allHardware(session)) {
    const old = hw.unmapped.find((mp) => address >= mp.va && address < mp.va + mp.length);
    if (old) why = `${hex(address)} was mapped at ${describeSite(old.site)} but has been unmapped (NdisMUnmapIoSpace) or the adapter was halted`;
    const partial = hw.mappings.find((mp) => address < mp.va + mp.length && address + size > mp.va);
    if (partial) why = `the ${size}-byte access at ${hex(address)} runs past the end of the ${partial.length}-byte mapping at ${hex(partial.va)} (mapped at ${describeSite(partial.site)})`;
  }
  if (address > 0 && address + size <= session.memory.size) why = `${hex(address)} is ordinary memory of the driver, not a device register mapped with NdisMMapIoSpace`;
  throw new BugCheck(PAGE_FAULT_IN_NONPAGED_AREA, [address, write ? 1 : 0, 0, 0], `${api}: ${why}`, 'HW-UNMAPPED', site);
}

function emitRegister(session: Session, hw: AdapterHardware, space: 'memory' | 'port', op: 'read' | 'write', offset: number, bar: number | undefined, size: number, value: number): void {
  if (!session.tracing) return;
  const device = hw.adapter.device;
  const register = device.registerName?.(offset, space === 'port' ? 'port' : (bar ?? 0));
  const decoded = register && size === 4 && (offset & 3) === 0 ? device.decodeFields?.(register.replace(/^IODATA\((.*)\)$/, '$1'), value) : undefined;
  const fields = decoded?.map((f) => `${f.name}=${f.width > 1 ? `0x${f.value.toString(16)}` : f.value}${f.text ? ` (${f.text})` : ''}`).join(' ');
  session.emit({
    kind: 'hw.register',
    adapter: hw.adapter.name,
    space,
    op,
    offset,
    ...(bar === undefined ? {} : { bar }),
    size,
    value: value >>> 0,
    ...(register ? { register } : {}),
    ...(fields ? { fields } : {}),
    ...siteFields(session.site()),
  });
}

function readRegister(session: Session, api: string, address: number, size: AccessSize): number {
  const found = findMapping(session, address, size);
  if (!found) unmappedAccess(session, api, address, size, false);
  const { hw, mapping } = found;
  const offset = mapping.barOffset + (address - mapping.va);
  const value = hw.adapter.device.readRegister(offset, size, mapping.bar) >>> 0;
  emitRegister(session, hw, 'memory', 'read', offset, mapping.bar, size, value);
  return value;
}

function writeRegister(session: Session, api: string, address: number, size: AccessSize, value: number): void {
  const found = findMapping(session, address, size);
  if (!found) unmappedAccess(session, api, address, size, true);
  const { hw, mapping } = found;
  const offset = mapping.barOffset + (address - mapping.va);
  const masked = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
  emitRegister(session, hw, 'memory', 'write', offset, mapping.bar, size, masked);
  hw.adapter.device.writeRegister(offset, size, masked, mapping.bar);
}

function findPort(session: Session, api: string, address: number, size: number): { hw: AdapterHardware; port: number } {
  for (const hw of allHardware(session)) {
    for (const range of hw.ports) {
      if (address >= range.base && address + size <= range.base + range.count) return { hw, port: range.initial + (address - range.base) };
    }
  }
  session.labStop(
    'HW-UNMAPPED',
    `${api}(${hex(address)}): not a port of a range registered with NdisMRegisterIoPortRange; add the port's offset to the PortOffset that call returned`,
  );
}

function readPort(session: Session, api: string, address: number, size: AccessSize, trace = true): number {
  const { hw, port } = findPort(session, api, address, size);
  const value = hw.adapter.device.readPort(port, size) >>> 0;
  if (trace) emitRegister(session, hw, 'port', 'read', port, undefined, size, value);
  return value;
}

function writePort(session: Session, api: string, address: number, size: AccessSize, value: number, trace = true): void {
  const { hw, port } = findPort(session, api, address, size);
  const masked = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
  if (trace) emitRegister(session, hw, 'port', 'write', port, undefined, size, masked);
  hw.adapter.device.writePort(port, size, masked);
}

function sizedRead(m: Session['memory'], address: number, size: AccessSize): number {
  return size === 1 ? m.u8(address) : size === 2 ? m.u16(address) : m.u32(address);
}

function sizedWrite(m: Session['memory'], address: number, size: AccessSize, value: number): void {
  if (size === 1) m.setU8(address, value);
  else if (size === 2) m.setU16(address, value);
  else m.setU32(address, value);
}

const SIZES: Array<[string, AccessSize]> = [
  ['UCHAR', 1],
  ['USHORT', 2],
  ['ULONG', 4],
];

// Register and port routines run at any IRQL (the ISR uses them at DIRQL).
defineImports(
  SIZES.flatMap(([suffix, size]) => [
    {
      name: `READ_REGISTER_${suffix}`,
      args: args('Register:ptr'),
      result: 'u32' as const,
      quiet: true,
      impl: (session: Session, [address]: number[]) => readRegister(session, `READ_REGISTER_${suffix}`, address!, size),
    },
    {
      name: `WRITE_REGISTER_${suffix}`,
      args: args('Register:ptr', 'Value:hex'),
      result: 'void' as const,
      quiet: true,
      impl: (session: Session, [address, value]: number[]) => writeRegister(session, `WRITE_REGISTER_${suffix}`, address!, size, value!),
    },
    {
      name: `READ_PORT_${suffix}`,
      args: args('Port:ptr'),
      result: 'u32' as const,
      quiet: true,
      impl: (session: Session, [address]: number[]) => readPort(session, `READ_PORT_${suffix}`, address!, size),
    },
    {
      name: `WRITE_PORT_${suffix}`,
      args: args('Port:ptr', 'Value:hex'),
      result: 'void' as const,
      quiet: true,
      impl: (session: Session, [address, value]: number[]) => writePort(session, `WRITE_PORT_${suffix}`, address!, size, value!),
    },
    {
      name: `READ_PORT_BUFFER_${suffix}`,
      args: args('Port:ptr', 'Buffer:ptr', 'Count:u32'),
      result: 'void' as const,
      impl(session: Session, [address, buffer, count]: number[]) {
        for (let i = 0; i < count!; i++) {
          const value = readPort(session, `READ_PORT_BUFFER_${suffix}`, address!, size, i < BUFFER_EVENTS);
          sizedWrite(session.memory, buffer! + i * size, size, value);
        }
      },
    },
    {
      name: `WRITE_PORT_BUFFER_${suffix}`,
      args: args('Port:ptr', 'Buffer:ptr', 'Count:u32'),
      result: 'void' as const,
      impl(session: Session, [address, buffer, count]: number[]) {
        for (let i = 0; i < count!; i++) writePort(session, `WRITE_PORT_BUFFER_${suffix}`, address!, size, sizedRead(session.memory, buffer! + i * size, size), i < BUFFER_EVENTS);
      },
    },
  ]),
);

// --- claims ----------------------------------------------------------------------------------

function claimContext(session: Session, api: string, where: 'init' | 'init-or-halt'): boolean {
  const ok = where === 'init' ? inInitialize(session) : inInitializeOrHalt(session);
  if (!ok) {
    session.violation('INIT-HWRES-CONTEXT', `${api} called outside ${where === 'init' ? 'MiniportInitializeEx' : 'MiniportInitializeEx and MiniportHaltEx'}; the call is refused`);
  }
  return ok;
}

function portsAssigned(device: BenchDevice, initial: number, count: number): boolean {
  return device.resources.some((r) => r.type === 'port' && initial >= r.start && initial + count <= r.start + r.length);
}

function nextVa(session: Session, kind: 'mapping' | 'port', length: number): number {
  const state = hardwareState(session);
  const span = Math.ceil(Math.max(length, 1) / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE; // a guard page after each
  if (kind === 'port') {
    const base = state.nextPortVa;
    state.nextPortVa += span;
    return base;
  }
  const base = state.nextMappingVa;
  state.nextMappingVa = Math.min(state.nextMappingVa + span, MAPPING_VA_END);
  return base;
}

function portRangeClaim(session: Session, out: number, handle: number, initial: number, count: number): number {
  const adapter = adapterOf(session, handle, 'NdisMRegisterIoPortRange');
  const hw = hardwareOf(session, adapter);
  session.memory.setU32(out, 0);
  if (!claimContext(session, 'NdisMRegisterIoPortRange', 'init')) return K.NDIS_STATUS_FAILURE;
  if (!registrationAttributesFirst(session, adapter, 'NdisMRegisterIoPortRange')) return K.NDIS_STATUS_FAILURE;
  const key = `${initial}/${count}`;
  const overlapping = hw.ports.find((p) => initial < p.initial + p.count && initial + count > p.initial);
  if (count === 0 || !portsAssigned(adapter.device, initial, count) || overlapping) {
    // Ports the device was not assigned (or that are claimed already) belong to someone else.
    noteClaim(session, hw, 'NdisMRegisterIoPortRange', key, false);
    return K.NDIS_STATUS_RESOURCE_CONFLICT;
  }
  const range: PortRange = { initial, count, base: nextVa(session, 'port', count), site: siteNow(session) };
  hw.ports.push(range);
  noteClaim(session, hw, 'NdisMRegisterIoPortRange', key, true);
  session.memory.setU32(out, range.base);
  session.emit({ kind: 'resource', op: 'alloc', resource: 'io-ports', address: range.base, size: count, ...siteFields(range.site) });
  return K.NDIS_STATUS_SUCCESS;
}

function mapClaim(session: Session, out: number, handle: number, physicalPointer: number, length: number): number {
  const adapter = adapterOf(session, handle, 'NdisMMapIoSpace');
  const hw = hardwareOf(session, adapter);
  session.memory.setU32(out, 0);
  if (!claimContext(session, 'NdisMMapIoSpace', 'init')) return K.NDIS_STATUS_FAILURE;
  if (!registrationAttributesFirst(session, adapter, 'NdisMMapIoSpace')) return K.NDIS_STATUS_FAILURE;
  // NDIS_PHYSICAL_ADDRESS by value: a pointer to the caller's copy.
  const physical = Number(session.memory.u64(physicalPointer));
  const key = `${physical}/${length}`;
  const bars = memoryResources(adapter.device);
  const bar = bars.findIndex((r) => physical >= r.start && physical + length <= r.start + r.length);
  if (length === 0 || bar < 0) {
    noteClaim(session, hw, 'NdisMMapIoSpace', key, false);
    return length === 0 ? K.NDIS_STATUS_FAILURE : K.NDIS_STATUS_RESOURCE_CONFLICT;
  }
  const offsetInPage = physical % PAGE_SIZE;
  const base = nextVa(session, 'mapping', offsetInPage + length);
  if (base >= MAPPING_VA_END) return K.NDIS_STATUS_RESOURCES;
  const mapping: IoMapping = { va: base + offsetInPage, length, physical, bar, barOffset: physical - bars[bar]!.start, site: siteNow(session) };
  hw.mappings.push(mapping);
  noteClaim(session, hw, 'NdisMMapIoSpace', key, true);
  session.memory.setU32(out, mapping.va);
  session.emit({ kind: 'resource', op: 'alloc', resource: 'io-mapping', address: mapping.va, size: length, ...siteFields(mapping.site) });
  return K.NDIS_STATUS_SUCCESS;
}

function failClaim(api: string, status: number, label: string) {
  return {
    kind: 'custom' as const,
    label,
    apply(session: Session, a: number[]) {
      // Both calls return their address through the first argument; NDIS leaves it NULL on failure.
      if (a[0]) session.memory.setU32(a[0], 0);
      const adapter = adapterOf(session, a[1]!, api);
      const key = api === 'NdisMMapIoSpace' ? `${Number(session.memory.u64(a[2]!))}/${a[3]}` : `${a[2]}/${a[3]}`;
      noteClaim(session, hardwareOf(session, adapter), api, key, false);
      return status;
    },
  };
}

function busData(session: Session, api: string, handle: number, whichSpace: number, offset: number, buffer: number, length: number, write: boolean): number {
  const adapter = adapterOf(session, handle, api);
  const config = adapter.device.pciConfig;
  // Only PCI configuration space exists in the lab (no expansion ROM); a virtual device has none.
  if (!config || whichSpace !== K.PCI_WHICHSPACE_CONFIG || offset >= config.length) return 0;
  const count = Math.min(length, config.length - offset);
  if (write) {
    const bytes = session.memory.read(buffer, count);
    // The vendor and device ids (bytes 0..3) are read-only.
    for (let i = 0; i < count; i++) if (offset + i >= 4) config[offset + i] = bytes[i]!;
  } else {
    session.memory.write(buffer, config.subarray(offset, offset + count));
  }
  return count;
}

defineImports([
  {
    name: 'NdisMGetBusData',
    args: args('NdisMiniportHandle:handle', 'WhichSpace:hex', 'Offset:u32', 'Buffer:ptr', 'Length:u32'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, which, offset, buffer, length]) => busData(session, 'NdisMGetBusData', handle!, which!, offset!, buffer!, length!, false),
  },
  {
    name: 'NdisMSetBusData',
    args: args('NdisMiniportHandle:handle', 'WhichSpace:hex', 'Offset:u32', 'Buffer:ptr', 'Length:u32'),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, which, offset, buffer, length]) => busData(session, 'NdisMSetBusData', handle!, which!, offset!, buffer!, length!, true),
  },
  {
    name: 'NdisMRegisterIoPortRange',
    args: args('PortOffset:ptr', 'MiniportAdapterHandle:handle', 'InitialPort:hex', 'NumberOfPorts:u32'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: failClaim('NdisMRegisterIoPortRange', K.NDIS_STATUS_RESOURCE_CONFLICT, 'NDIS_STATUS_RESOURCE_CONFLICT'),
    impl: (session, [out, handle, initial, count]) => portRangeClaim(session, out!, handle!, initial!, count!),
  },
  {
    name: 'NdisMDeregisterIoPortRange',
    args: args('MiniportAdapterHandle:handle', 'InitialPort:hex', 'NumberOfPorts:u32', 'PortOffset:ptr'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle, initial, count, base]) {
      const hw = hardwareOf(session, adapterOf(session, handle!, 'NdisMDeregisterIoPortRange'));
      if (!claimContext(session, 'NdisMDeregisterIoPortRange', 'init-or-halt')) return;
      const index = hw.ports.findIndex((p) => p.base === base);
      const range = hw.ports[index];
      if (!range) {
        session.violation('INIT-HWRES-CONTEXT', `NdisMDeregisterIoPortRange(${hex(initial!)}, ${count}, ${hex(base!)}): no port range registered with NdisMRegisterIoPortRange returned that PortOffset`);
        return;
      }
      if (range.initial !== initial || range.count !== count) {
        session.violation(
          'INIT-HWRES-CONTEXT',
          `NdisMDeregisterIoPortRange(${hex(initial!)}, ${count}): the range registered at ${describeSite(range.site)} is ${hex(range.initial)}, ${range.count} ports; deregister exactly what was registered`,
        );
      }
      hw.ports.splice(index, 1);
      session.emit({ kind: 'resource', op: 'free', resource: 'io-ports', address: range.base, size: range.count, ...siteFields(session.site()) });
    },
  },
  {
    name: 'NdisMMapIoSpace',
    args: args('VirtualAddress:ptr', 'MiniportAdapterHandle:handle', 'PhysicalAddress:ptr', 'Length:u32'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: failClaim('NdisMMapIoSpace', K.NDIS_STATUS_RESOURCES, 'NDIS_STATUS_RESOURCES, VirtualAddress = NULL'),
    impl: (session, [out, handle, physical, length]) => mapClaim(session, out!, handle!, physical!, length!),
  },
  {
    name: 'NdisMUnmapIoSpace',
    args: args('MiniportAdapterHandle:handle', 'VirtualAddress:ptr', 'Length:u32'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle, va, length]) {
      const hw = hardwareOf(session, adapterOf(session, handle!, 'NdisMUnmapIoSpace'));
      if (!claimContext(session, 'NdisMUnmapIoSpace', 'init-or-halt')) return;
      const index = hw.mappings.findIndex((mp) => mp.va === va);
      const mapping = hw.mappings[index];
      if (!mapping) {
        const inside = hw.mappings.find((mp) => va! > mp.va && va! < mp.va + mp.length);
        session.violation(
          'INIT-HWRES-CONTEXT',
          inside
            ? `NdisMUnmapIoSpace(${hex(va!)}, ${length}): the address is inside the mapping at ${hex(inside.va)} made at ${describeSite(inside.site)}; unmap the whole range, from the address NdisMMapIoSpace returned`
            : `NdisMUnmapIoSpace(${hex(va!)}, ${length}): no mapping made with NdisMMapIoSpace starts there`,
        );
        return;
      }
      if (mapping.length !== length) {
        session.violation('INIT-HWRES-CONTEXT', `NdisMUnmapIoSpace(${hex(va!)}, ${length}): the mapping made at ${describeSite(mapping.site)} is ${mapping.length} bytes; the length must match exactly`);
        return;
      }
      hw.mappings.splice(index, 1);
      hw.unmapped.push(mapping);
      session.emit({ kind: 'resource', op: 'free', resource: 'io-mapping', address: mapping.va, size: mapping.length, ...siteFields(session.site()) });
    },
  },
]);

/**
 * Puts `device` under the adapter that the next `add-device` named `name` creates, instead of the
 * kind its step names (tests; a bench that builds its device itself).
 */
export function plugDevice(session: Session, name: string, device: BenchDevice): void {
  plugs(session).set(name, device);
}

function plugs(session: Session): Map<string, BenchDevice> {
  return session.state('hardware-plugs', () => new Map<string, BenchDevice>());
}
