import { hex } from '../kernel/bugcheck';
import type { DeviceResource } from '../hw/device';
import type { Session } from '../session/session';
import type { Adapter } from './adapter';
import { adapters } from './adapter';
import { describeSite, shortSite } from './memory';
import { K } from './status';

/**
 * What NDIS keeps about the hardware resources a miniport claimed for one adapter: port ranges,
 * register mappings, scatter/gather DMA, shared memory, SG lists, the interrupt. Shared by the
 * hardware, DMA and interrupt families (hardware.ts, dma.ts, interrupts.ts).
 */

export type Site = { file: string; line: number } | undefined;

export interface PortRange {
  initial: number;
  count: number;
  /** What NdisMRegisterIoPortRange returned: the driver adds port offsets to it. */
  base: number;
  site: Site;
}

export interface IoMapping {
  /** The virtual address NdisMMapIoSpace returned (not driver memory: a direct access faults). */
  va: number;
  length: number;
  physical: number;
  /** The memory resource (BAR) the range lies in, and the range's offset in it. */
  bar: number;
  barOffset: number;
  site: Site;
}

export interface SgDma {
  handle: number;
  flags: number;
  processSgList: number;
  sharedMemComplete: number;
  site: Site;
}

export interface SharedMemory {
  va: number;
  length: number;
  cached: boolean;
  physical: bigint;
  /** The pool block that backs it (page-aligned memory lies inside it). */
  block: number;
  site: Site;
}

export interface SgList {
  address: number;
  /** NDIS allocated the list itself (the driver gave no buffer). */
  ownBuffer: boolean;
  netBuffer: number;
  elements: Array<{ physical: bigint; va: number; length: number }>;
  site: Site;
}

export interface InterruptObject {
  handle: number;
  context: number;
  isr: number;
  dpc: number;
  enable: number;
  disable: number;
  messageIsr: number;
  messageDpc: number;
  messageBased: boolean;
  /** NDIS-owned scratch for the ISR's out parameters (QueueDefaultInterruptDpc, TargetProcessors). */
  scratch: number;
  /** NDIS-owned NDIS_RECEIVE_THROTTLE_PARAMETERS passed to the DPC (NDIS 6.20+). */
  throttle: number;
  messageInfo: number;
  registered: boolean;
  /** Inside NdisMRegisterInterruptEx: the ISR may run before the call returns. */
  registering: boolean;
  inIsr: boolean;
  dpcQueued: boolean;
  /** The device raised its interrupt while the CPU could not take it (at or above DIRQL). */
  pending: boolean;
  pendingMessage: number;
  isrCalls: number;
  site: Site;
}

export interface AdapterHardware {
  adapter: Adapter;
  /**
   * What PnP assigned when the device started: the device's resources, with its interrupt made
   * message-signalled when the device has an MSI capability and its INF asks for MSI (the
   * MSISupported registry value), unless the msi-as-line fault makes PnP grant the line.
   */
  resources: DeviceResource[];
  /** NDIS-owned NDIS_RESOURCE_LIST (CM_PARTIAL_RESOURCE_LIST) given in the init parameters; 0 if none. */
  resourceList: number;
  ports: PortRange[];
  mappings: IoMapping[];
  unmapped: IoMapping[];
  sgDma: SgDma | undefined;
  shared: SharedMemory[];
  freedShared: SharedMemory[];
  sgLists: SgList[];
  interrupt: InterruptObject | undefined;
  deregisteredInterrupts: Map<number, Site>;
  /** Claims that failed during initialization (for INIT-HWRES-FAIL / INIT-INT-REG / INIT-SHMEM-NOLOG). */
  failedClaims: Array<{ api: string; key: string; site: Site }>;
}

export interface HardwareOptions {
  /**
   * Call the ISR once inside NdisMRegisterInterruptEx, before it returns, as for an interrupt of
   * another device sharing the line (ndis-rules S2): always, never, or when the seeded random
   * generator says so (one run in two).
   */
  isrDuringRegistration: 'always' | 'never' | 'seeded';
}

interface HardwareState {
  byAdapter: Map<number, AdapterHardware>;
  nextMappingVa: number;
  nextPortVa: number;
  options: HardwareOptions;
}

/** Mapped device memory lives here: above any driver memory (64 MB cap) and below NDIS handles (0xF0000000). */
export const MAPPING_VA_BASE = 0xd000_0000;
export const MAPPING_VA_END = 0xe000_0000;
/** Registered I/O port ranges are handed out as these virtual port addresses. */
export const PORT_VA_BASE = 0xc000_0000;
export const PAGE_SIZE = 4096;

export function hardwareState(session: Session): HardwareState {
  return session.state<HardwareState>('hardware', () => ({
    byAdapter: new Map(),
    nextMappingVa: MAPPING_VA_BASE,
    nextPortVa: PORT_VA_BASE,
    options: { isrDuringRegistration: 'seeded' },
  }));
}

/** Changes how the hardware families perturb timing (tests, scenarios). */
export function setHardwareOptions(session: Session, options: Partial<HardwareOptions>): void {
  Object.assign(hardwareState(session).options, options);
}

export function hardwareOf(session: Session, adapter: Adapter): AdapterHardware {
  const state = hardwareState(session);
  let hw = state.byAdapter.get(adapter.handle);
  if (!hw) {
    hw = {
      adapter,
      resources: [...adapter.device.resources],
      resourceList: 0,
      ports: [],
      mappings: [],
      unmapped: [],
      sgDma: undefined,
      shared: [],
      freedShared: [],
      sgLists: [],
      interrupt: undefined,
      deregisteredInterrupts: new Map(),
      failedClaims: [],
    };
    state.byAdapter.set(adapter.handle, hw);
  }
  return hw;
}

export function allHardware(session: Session): AdapterHardware[] {
  return [...hardwareState(session).byAdapter.values()];
}

export function siteNow(session: Session): Site {
  return shortSite(session.site());
}

/** The adapter whose callback is running now (ISR, DPC, init, …), if any. */
export function currentAdapter(session: Session): Adapter | undefined {
  for (let i = session.callbacks.length - 1; i >= 0; i--) {
    const handle = session.callbacks[i]!.adapter;
    if (handle !== undefined) return adapters(session).get(handle);
  }
  return undefined;
}

/**
 * O1: hardware is claimed only after the registration attributes are set. A violation is a stop
 * and the claim fails (the caller returns its failure). True when the claim may go on.
 */
export function registrationAttributesFirst(session: Session, adapter: Adapter, api: string): boolean {
  // A virtual miniport (an intermediate driver's) has no device: nothing to claim (IM-NO-HW).
  if ((adapter.registration.flags & K.NDIS_INTERMEDIATE_DRIVER) !== 0) {
    session.violation('IM-NO-HW', `${api} from a virtual miniport (registered with NDIS_INTERMEDIATE_DRIVER): it has no hardware of its own; the call fails`);
    return false;
  }
  if (adapter.registrationAttributes) return true;
  session.violation(
    'INIT-ATTR-REG-FIRST',
    `${api} before NdisMSetMiniportAttributes(registration attributes): NDIS must know the adapter context and its attribute flags (HARDWARE_DEVICE, BUS_MASTER) before any hardware is claimed; the call fails`,
  );
  return false;
}

export function inInitialize(session: Session): boolean {
  return session.inCallback('MiniportInitializeEx');
}

export function inInitializeOrHalt(session: Session): boolean {
  return session.inCallback('MiniportInitializeEx') || session.inCallback('MiniportHaltEx');
}

/** Records a hardware claim that failed during initialization; a later success of the same claim clears it. */
export function noteClaim(session: Session, hw: AdapterHardware, api: string, key: string, ok: boolean): void {
  // A virtual miniport has nothing to claim: its refused claims were reported as IM-NO-HW.
  if (!inInitialize(session) || (hw.adapter.registration.flags & K.NDIS_INTERMEDIATE_DRIVER) !== 0) return;
  hw.failedClaims = hw.failedClaims.filter((f) => !(f.api === api && f.key === key));
  if (!ok) hw.failedClaims.push({ api, key, site: siteNow(session) });
}

export function describeRange(start: number, length: number): string {
  return `${hex(start)}..${hex(start + length - 1)}`;
}

export { describeSite };
