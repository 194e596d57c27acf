/**
 * The checker's rule catalog as data: every violation the simulated NDIS can report, with its id,
 * the documented bug check (where one exists), the SDV / Driver Verifier rule that covers it, the
 * documentation pages that state the rule, and the fault injections that tend to expose it.
 *
 * Source: the lab's research report (shared reference `ndis-rules.md`, §5 with §1, §2, §4.4 and §6).
 * Ids, numbers, SDV rule names and URLs are facts copied exactly; titles and explanations are the
 * lab's own words, written for a learner.
 *
 * Fault injections (`exposedBy`) use the lab's syntax: `Api@N` means "fail the N-th call of Api",
 * with `N` left as a placeholder (the failure kinds are in FAULT_MENU), and `S1`..`S12` name the
 * schedule perturbations in SCHEDULE_PERTURBATIONS.
 */

export type RuleSeverity = 'bugcheck' | 'stop' | 'api-fail' | 'warn';

export type RuleArea =
  | 'registration'
  | 'initialization'
  | 'irql-locks-timers'
  | 'halt-shutdown-unload'
  | 'state-oid'
  | 'intermediate'
  | 'protocol';

export interface BugCheckSpec {
  /** 0x7C BUGCODE_NDIS_DRIVER, 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, 0x15E BUGCODE_NDIS_DRIVER_LIVE_DUMP. */
  code: number;
  /** The 0x7C / 0x15E subcode, or the 0xC4 rule id (e.g. 0x0B, 0x00091002). */
  p1?: number;
  /** A fixed P2 where the rule determines it (the 0x7C/0x25 watchdog subtype, the 0x7C/0x27 subtype). */
  p2?: number;
  /** What P2..P4 hold, in our own words (unused trailing parameters are left out). */
  params?: string[];
  /** For an alternative code: the situation in which it applies instead of the primary one. */
  when?: string;
}

export interface CheckerRule {
  id: string;
  area: RuleArea;
  /** One line, our own words. */
  title: string;
  /** 1–3 sentences for a learner: what the rule says and why NDIS cares. */
  explanation: string;
  /** Where the checker notices: 'call X', 'return of X', a use, or a watchdog timer. */
  detectedAt: string;
  /** The primary consequence. */
  severity: RuleSeverity;
  /** The documented bug check: the primary one for 'bugcheck', an alternative documented code otherwise. */
  bugCheck?: BugCheckSpec;
  /** Further documented bug checks for variants of the same violation (e.g. 0x7C/0x10 for 0x7C/0x0B on re-init). */
  otherBugChecks?: BugCheckSpec[];
  /** For 'api-fail': the NDIS_STATUS the call returns (also given where the lab fails the call of a 'stop' rule). */
  failStatus?: number;
  /** The SDV / Driver Verifier rule the catalog names for this violation. */
  sdvRule?: string;
  /** Further SDV / DV rules that cover parts of the same violation. */
  relatedSdvRules?: string[];
  /** Full learn.microsoft.com URLs, the first one the most specific. */
  docs: string[];
  /** Fault injections that tend to expose the violation: `Api@N` (an API of FAULT_MENU) or `S1`..`S12`. */
  exposedBy: string[];
  /** The lab issue that implements the rule: §5.1–§5.5 → 4, §5.6–§5.7 → 6. */
  issue: 4 | 6;
}

export interface FaultSpec {
  api: string;
  failures: Array<{ status?: number; nullResult?: boolean; outcome: string }>;
  /** Rule ids the failure tends to expose. */
  exposes: string[];
}

// --- numbers (reference §4.4) -------------------------------------------------------------------

const NDIS_STATUS_SUCCESS = 0x00000000;
const NDIS_STATUS_PENDING = 0x00000103;
const NDIS_STATUS_NOT_ACCEPTED = 0x00010003;
const NDIS_STATUS_FAILURE = 0xc0000001;
const NDIS_STATUS_RESOURCES = 0xc000009a;
const NDIS_STATUS_NOT_SUPPORTED = 0xc00000bb;
const NDIS_STATUS_BAD_VERSION = 0xc0010004;
const NDIS_STATUS_BAD_CHARACTERISTICS = 0xc0010005;
const NDIS_STATUS_ADAPTER_NOT_FOUND = 0xc0010006;
const NDIS_STATUS_UNSUPPORTED_MEDIA = 0xc0010019;
const NDIS_STATUS_RESOURCE_CONFLICT = 0xc001001e;

// --- documentation URLs (reference §5: DDI:, NET:, DEV:, DBG: prefixes) -------------------------

const LEARN = 'https://learn.microsoft.com/windows-hardware/drivers/';
const ddi = (page: string): string => `${LEARN}ddi/ndis/${page}`;
const nblapi = (page: string): string => `${LEARN}ddi/nblapi/${page}`;
const net = (page: string): string => `${LEARN}network/${page}`;
const dev = (page: string): string => `${LEARN}devtest/${page}`;
const dbg = (page: string): string => `${LEARN}debugger/${page}`;

const BUGCHECK_7C = dbg('bug-check-0x7c--bugcode-ndis-driver');
const LIVE_DUMP_15E = dbg('bug-check-0x15e-bugcode-ndis-driver-live-dump');

// --- bug check helpers (parameters per reference §2.1 / §2.2) -----------------------------------

const bc7C = (p1: number, params: string[], extra: Partial<BugCheckSpec> = {}): BugCheckSpec => ({ code: 0x7c, p1, params, ...extra });
const DV_PARAMS = ['text describing the violated condition', 'rule state (for !ruleinfo)', 'supplemental rule state (for !ruleinfo)'];
const bcC4 = (p1: number, extra: Partial<BugCheckSpec> = {}): BugCheckSpec => ({ code: 0xc4, p1, params: DV_PARAMS, ...extra });
const watchdog = (p2: number, what: string, extra: Partial<BugCheckSpec> = {}): BugCheckSpec =>
  bc7C(0x25, [`watchdog subtype 0x${p2.toString(16).padStart(2, '0')} (${what})`, 'watchdog triage block (start time, timeout, target, thread)', 'subtype-specific detail'], { p2, ...extra });
const liveDump = (cause: string): BugCheckSpec => ({ code: 0x15e, p1: 0x01, params: ['miniport block', 'physical device object', cause] });

const IRQL_RULES = [
  'Irql_CallManager_Function', 'Irql_Connection_Function', 'Irql_Filter_Driver_Function', 'Irql_Gather_DMA_Function',
  'Irql_IM_Function', 'Irql_Interfaces_Function', 'Irql_Interrupt_Function', 'Irql_IrqlSetting_Function', 'Irql_MCM_Function',
  'Irql_MCO_Function', 'Irql_Miniport_Driver_Function', 'Irql_Miscellaneous_Function', 'Irql_NetBuffer_Function',
  'Irql_OID_Function', 'Irql_Protocol_Driver_Function', 'Irql_SendRcv_Function', 'Irql_StatusIndication_Function',
  'Irql_Synch_Function', 'Irql_Timer_Function',
];

// --- the rules ----------------------------------------------------------------------------------

const RULES: CheckerRule[] = [
  // §5.1 Driver registration / DriverEntry / unload
  {
    id: 'REG-CHARS-HDR',
    area: 'registration',
    title: 'Miniport characteristics header and NDIS version are valid',
    explanation:
      'The characteristics passed to NdisMRegisterMiniportDriver must have object type 0x8A, a revision NDIS knows (1, 2 or 3) with exactly the size of that revision, and NDIS version 6.x with a supported minor number. NDIS reads the structure according to its header, so it refuses a bad one: NDIS_STATUS_BAD_CHARACTERISTICS, or NDIS_STATUS_BAD_VERSION (0xC0010004) when the version is the problem.',
    detectedAt: 'call NdisMRegisterMiniportDriver',
    severity: 'api-fail',
    failStatus: NDIS_STATUS_BAD_CHARACTERISTICS,
    docs: [ddi('nf-ndis-ndismregisterminiportdriver'), ddi('ns-ndis-_ndis_miniport_driver_characteristics')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'REG-HANDLERS',
    area: 'registration',
    title: 'Required miniport handlers present and consistently paired',
    explanation:
      'Every handler marked as required must be set, a direct-OID handler comes together with its cancel handler, a CheckForHang handler needs a Reset handler, and an intermediate driver leaves both CheckForHang and Reset NULL. The lab refuses such a registration with NDIS_STATUS_BAD_CHARACTERISTICS; a CheckForHang handler in an NDIS 6.83+ driver is only a warning, since it is discouraged rather than forbidden.',
    detectedAt: 'call NdisMRegisterMiniportDriver',
    severity: 'stop',
    failStatus: NDIS_STATUS_BAD_CHARACTERISTICS,
    docs: [ddi('ns-ndis-_ndis_miniport_driver_characteristics'), net('miniport-adapter-check-for-hang-and-reset-operations')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'REG-DE-STATUS',
    area: 'registration',
    title: 'DriverEntry returns the real registration result',
    explanation:
      'DriverEntry must pass on the outcome of NdisMRegisterMiniportDriver: reporting success after the registration failed leaves Windows with a driver NDIS does not know. DriverEntry is synchronous, so it may never return NDIS_STATUS_PENDING.',
    detectedAt: 'return of DriverEntry',
    severity: 'stop',
    docs: [net('initializing-a-miniport-driver'), net('initializing-a-protocol-driver')],
    exposedBy: ['NdisMRegisterMiniportDriver@N'],
    issue: 4,
  },
  {
    id: 'REG-DE-FAIL-CLEANUP',
    area: 'registration',
    title: 'A failing DriverEntry undoes its successful registration',
    explanation:
      'If DriverEntry fails after NdisMRegisterMiniportDriver succeeded, it must first call NdisMDeregisterMiniportDriver (an IM driver also NdisDeregisterProtocolDriver) and free what it allocated. NDIS never calls MiniportDriverUnload for a driver whose DriverEntry failed, so there is no later chance to clean up.',
    detectedAt: 'return of DriverEntry',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismregisterminiportdriver'), net('intermediate-driver-driverentry-function')],
    exposedBy: ['NdisRegisterProtocolDriver@N', 'NdisAllocateMemoryWithTagPriority@N', 'NdisMRegisterMiniportDriver@N'],
    issue: 4,
  },
  {
    id: 'REG-UNLOAD',
    area: 'registration',
    title: 'MiniportDriverUnload deregisters and frees driver-wide resources',
    explanation:
      'The unload handler must call NdisMDeregisterMiniportDriver (a miniport-intermediate driver for both of its registrations, an IM driver also NdisDeregisterProtocolDriver) and release everything tied to the driver rather than to an adapter: work items allocated with the driver handle, configuration handles and MiniportSetOptions allocations. Whatever is left outlives the driver image.',
    detectedAt: 'return of MiniportDriverUnload',
    severity: 'stop',
    docs: [net('unloading-a-miniport-driver'), ddi('nc-ndis-miniport_unload'), net('unloading-an-intermediate-driver'), ddi('nf-ndis-ndisallocateioworkitem')],
    exposedBy: ['S12', 'NdisAllocateMemoryWithTagPriority@N', 'NdisSetOptionalHandlers@N'],
    issue: 4,
  },
  {
    id: 'REG-NDIS5-API',
    area: 'registration',
    title: 'An NDIS 6 miniport calls no NDIS 5-only function',
    explanation:
      'Functions kept only for NDIS 5 drivers belong to a different driver model; an NDIS 6 miniport that calls one gets bug check 0x7C/0x15. The documentation names no specific function, so the lab treats the NDIS 5 forms such as NdisMSetAttributesEx and NdisMRegisterInterrupt as such calls.',
    detectedAt: 'call of an NDIS 5-only function',
    severity: 'bugcheck',
    bugCheck: bc7C(0x15, ['adapter handle']),
    docs: [BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },

  // §5.2 Adapter initialization (attributes, ordering, resources)
  {
    id: 'INIT-ATTR-REG-FIRST',
    area: 'initialization',
    title: 'Registration attributes set before any hardware is claimed',
    explanation:
      'NdisMSetMiniportAttributes with the registration attributes must come before I/O ports, memory mappings, DMA, shared memory or interrupts are requested, because until then NDIS does not know the adapter context or whether the device is a bus master. NDIS documents no run-time reaction, so the lab stops here and, by its own policy, also fails the offending call.',
    detectedAt: 'call NdisMRegisterIoPortRange, NdisMMapIoSpace, NdisMRegisterDmaChannel, NdisMRegisterScatterGatherDma, NdisMAllocateSharedMemory or NdisMRegisterInterruptEx',
    severity: 'stop',
    failStatus: NDIS_STATUS_FAILURE,
    sdvRule: 'NdisMRegisterIoPortRange',
    docs: [ddi('nc-ndis-miniport_initialize'), ddi('nf-ndis-ndismsetminiportattributes'), ddi('nf-ndis-ndismregisterinterruptex'), dev('ndis-ndismregisterioportrange')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-ATTR-STATUS-EARLY',
    area: 'initialization',
    title: 'No status indication before the registration attributes',
    explanation:
      'While MiniportInitializeEx runs, NdisMIndicateStatusEx is only allowed once the registration attributes have been set; before that the adapter is not yet described to NDIS, so there is nobody to deliver the indication to.',
    detectedAt: 'call NdisMIndicateStatusEx during MiniportInitializeEx',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismindicatestatusex')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-ATTR-GEN-ORDER',
    area: 'initialization',
    title: 'General attributes set after registration attributes and before all others',
    explanation:
      'Attribute classes have a fixed order: registration first, then general, then the optional ones (offload, native 802.11, hardware assist, NDK, PacketDirect). Each later class adds to what the earlier ones described, so NDIS cannot accept them out of order; the lab stops and fails the call by its own policy.',
    detectedAt: 'call NdisMSetMiniportAttributes',
    severity: 'stop',
    failStatus: NDIS_STATUS_FAILURE,
    docs: [ddi('nf-ndis-ndismsetminiportattributes'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-ATTR-MISSING',
    area: 'initialization',
    title: 'A successful initialization has set registration and general attributes',
    explanation:
      'MiniportInitializeEx may only return NDIS_STATUS_SUCCESS after setting both the registration and the general attributes; without them NDIS cannot describe the adapter to the drivers above it. The lab reports the defect and then treats the adapter as failed (Halted).',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'stop',
    docs: [net('initializing-a-miniport-adapter'), ddi('ns-ndis-_ndis_miniport_adapter_registration_attributes')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-ATTR-HDR',
    area: 'initialization',
    title: 'Attribute structures carry a valid object header',
    explanation:
      'Every attribute structure needs its own object type, a revision NDIS supports and the size of that revision. An unsupported revision makes NdisMSetMiniportAttributes return NDIS_STATUS_BAD_VERSION; a malformed header is reported as bug check 0x7C/0x21, which NDIS documents for invalid object headers in general (the lab applies it to this call).',
    detectedAt: 'call NdisMSetMiniportAttributes',
    severity: 'api-fail',
    failStatus: NDIS_STATUS_BAD_VERSION,
    bugCheck: bc7C(0x21, ['driver handle', 'malformed object'], { when: 'malformed object header (wrong type or size)' }),
    docs: [ddi('nf-ndis-ndismsetminiportattributes'), BUGCHECK_7C],
    exposedBy: ['NdisMSetMiniportAttributes@N'],
    issue: 4,
  },
  {
    id: 'INIT-ATTR-FLAGS',
    area: 'initialization',
    title: 'Registration attribute flags do not contradict each other',
    explanation:
      'HARDWARE_DEVICE and NDIS_WDM describe opposite kinds of driver and should not be combined, a WDM-style driver claims no ports, interrupts or DMA, and an intermediate driver reports InterfaceType 0. Contradictory flags are a warning; a WDM-style driver that actually claims hardware stops the run.',
    detectedAt: 'call NdisMSetMiniportAttributes, or a later hardware claim',
    severity: 'warn',
    docs: [ddi('ns-ndis-_ndis_miniport_adapter_registration_attributes')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-SGDMA-REG',
    area: 'initialization',
    title: 'Scatter/gather DMA registration is valid and its result checked',
    explanation:
      'NdisMRegisterScatterGatherDma only works for a driver that set the BUS_MASTER attribute flag and passes a DMA description with type 0x83, revision 1 and a ProcessSGListHandler; otherwise it returns NDIS_STATUS_NOT_SUPPORTED or NDIS_STATUS_BAD_VERSION. Carrying on with the DMA handle after such a failure stops the run.',
    detectedAt: 'call NdisMRegisterScatterGatherDma, or first use of the DMA handle',
    severity: 'api-fail',
    failStatus: NDIS_STATUS_NOT_SUPPORTED,
    docs: [ddi('nf-ndis-ndismregisterscattergatherdma'), net('ndis-scatter-gather-dma')],
    exposedBy: ['NdisMRegisterScatterGatherDma@N'],
    issue: 4,
  },
  {
    id: 'INIT-SHMEM-PRECOND',
    area: 'initialization',
    title: 'Shared memory only after DMA registration, only during initialization',
    explanation:
      'NdisMAllocateSharedMemory needs a successful NdisMRegisterScatterGatherDma or NdisMRegisterDmaChannel first, and belongs in MiniportInitializeEx. Shared memory is handed out through the registered DMA resources, which do not exist before that registration.',
    detectedAt: 'call NdisMAllocateSharedMemory',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismallocatesharedmemory'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: ['NdisMRegisterScatterGatherDma@N'],
    issue: 4,
  },
  {
    id: 'INIT-SHMEM-IRQL',
    area: 'initialization',
    title: 'Shared memory allocated at PASSIVE_LEVEL only',
    explanation:
      'NdisMAllocateSharedMemory must be called at PASSIVE_LEVEL. Calling it with a spin lock held, or from a DPC or timer callback, raises the IRQL and NDIS stops the system with bug check 0x7C/0x01.',
    detectedAt: 'call NdisMAllocateSharedMemory',
    severity: 'bugcheck',
    bugCheck: bc7C(0x01, ['adapter handle', 'requested length', 'current IRQL']),
    docs: [BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-SHMEM-NULL',
    area: 'initialization',
    title: 'A failed shared-memory allocation is checked before use',
    explanation:
      'When NdisMAllocateSharedMemory cannot allocate, it hands back a NULL virtual address. Using it (or the physical address returned with it) without checking is a NULL dereference; the lab poisons both addresses so the first use is caught.',
    detectedAt: 'first use of the returned addresses',
    severity: 'stop',
    sdvRule: 'NullCheck',
    docs: [dev('nullcheckn'), ddi('nf-ndis-ndismallocatesharedmemory')],
    exposedBy: ['NdisMAllocateSharedMemory@N'],
    issue: 4,
  },
  {
    id: 'INIT-SHMEM-NOLOG',
    area: 'initialization',
    title: 'Log an error when shared memory cannot be allocated',
    explanation:
      'If shared memory cannot be allocated during initialization, the driver should record why with NdisWriteErrorLogEntry, so the reason shows up in the event log instead of an adapter that silently fails to start.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'warn',
    sdvRule: 'WriteErrorLog',
    docs: [dev('ndis-writeerrorlog')],
    exposedBy: ['NdisMAllocateSharedMemory@N'],
    issue: 4,
  },
  {
    id: 'INIT-SHMEM-ASYNC',
    area: 'initialization',
    title: 'Asynchronous shared-memory allocation used correctly',
    explanation:
      'NdisMAllocateSharedMemoryAsyncEx is for bus-master drivers that gave a shared-memory completion handler when registering scatter/gather DMA. The driver must cope both with an immediate NDIS_STATUS_FAILURE and with a completion that delivers NULL addresses.',
    detectedAt: 'call NdisMAllocateSharedMemoryAsyncEx, or its completion',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismallocatesharedmemoryasyncex'), ddi('nf-ndis-ndismregisterscattergatherdma')],
    exposedBy: ['NdisMAllocateSharedMemoryAsyncEx@N'],
    issue: 4,
  },
  {
    id: 'INIT-HWRES-CONTEXT',
    area: 'initialization',
    title: 'Ports and mappings claimed and released only where allowed',
    explanation:
      'NdisMRegisterIoPortRange belongs in MiniportInitializeEx (or MiniportAddDevice) and NdisMMapIoSpace in MiniportInitializeEx. Their undo calls, and NdisMDeregisterDmaChannel, belong in initialization or halt, only after the claim succeeded and with exactly the range and length that were claimed: NDIS can only give back precisely what it handed out.',
    detectedAt: 'call NdisMRegisterIoPortRange, NdisMMapIoSpace, NdisMDeregisterIoPortRange, NdisMUnmapIoSpace or NdisMDeregisterDmaChannel',
    severity: 'stop',
    sdvRule: 'NdisMRegisterIoPortRange',
    relatedSdvRules: ['NdisMMapIoSpace'],
    docs: [dev('ndis-ndismmapiospace'), ddi('nf-ndis-ndismderegisterioportrange'), ddi('nf-ndis-ndismunmapiospace'), ddi('nf-ndis-ndismderegisterdmachannel')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-HWRES-FAIL',
    area: 'initialization',
    title: 'Failed port, mapping or DMA-channel claims are handled',
    explanation:
      'NdisMRegisterIoPortRange, NdisMMapIoSpace and NdisMRegisterDmaChannel can fail, for example with NDIS_STATUS_RESOURCE_CONFLICT when another device owns the range, and a failed mapping leaves a NULL address. Initialization must then fail instead of carrying on with a resource the driver does not have.',
    detectedAt: 'return of MiniportInitializeEx, or use of the failed resource',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismregisterioportrange'), ddi('nf-ndis-ndismmapiospace'), ddi('nf-ndis-ndismregisterdmachannel')],
    exposedBy: ['NdisMRegisterIoPortRange@N', 'NdisMMapIoSpace@N', 'NdisMRegisterDmaChannel@N'],
    issue: 4,
  },
  {
    id: 'INIT-INT-EARLY',
    area: 'initialization',
    title: 'Adapter ready before its interrupt is registered',
    explanation:
      'The ISR can run as soon as NdisMRegisterInterruptEx is called, even before it returns, and also for interrupts from other devices sharing the line (the ISR must then return FALSE). Register the interrupt last, once everything the ISR and DPC touch is set up.',
    detectedAt: 'ISR or DPC invocation',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismregisterinterruptex'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: ['S2'],
    issue: 4,
  },
  {
    id: 'INIT-INT-REG',
    area: 'initialization',
    title: 'Interrupt registration well-formed and its outcome respected',
    explanation:
      'The interrupt characteristics need type 0x84, revision 1 and the right size, the ISR, DPC, enable and disable handlers, and MSI handlers only in addition to the line-based ones. After success the driver must read InterruptType, since NDIS may grant line-based interrupts instead of MSI (ignoring it is a warning); carrying on after a failed registration stops the run.',
    detectedAt: 'call NdisMRegisterInterruptEx, or return of MiniportInitializeEx',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndismregisterinterruptex'), ddi('ns-ndis-_ndis_miniport_interrupt_characteristics')],
    exposedBy: ['NdisMRegisterInterruptEx@N'],
    issue: 4,
  },
  {
    id: 'INIT-FAIL-INT',
    area: 'initialization',
    title: 'A failing initialization deregisters its interrupt',
    explanation:
      'If MiniportInitializeEx returns a failure status after registering an interrupt, it must call NdisMDeregisterInterruptEx first, or interrupts keep arriving for an adapter that never came up. NDIS stops the system with bug check 0x7C/0x0B, or 0x7C/0x10 when this happens while re-initializing after a low-power state.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'bugcheck',
    bugCheck: bc7C(0x0b, ['adapter handle', 'interrupt object']),
    otherBugChecks: [bc7C(0x10, ['adapter handle', 'interrupt object'], { when: 're-initialization after a low-power state failed' })],
    sdvRule: 'Init_RegisterInterrupt',
    docs: [BUGCHECK_7C, dev('ndis-init-registerinterrupt')],
    exposedBy: ['NdisAllocateNetBufferListPool@N', 'NdisAllocateMemoryWithTagPriority@N', 'NdisMAllocateSharedMemory@N', 'S10'],
    issue: 4,
  },
  {
    id: 'INIT-FAIL-TIMER',
    area: 'initialization',
    title: 'A failing initialization cancels its timers',
    explanation:
      'A MiniportInitializeEx that fails must first cancel every timer it set, because a timer firing later would run driver code for an adapter NDIS has given up on. NDIS stops the system with bug check 0x7C/0x0C, or 0x7C/0x11 when re-initializing after a low-power state.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'bugcheck',
    bugCheck: bc7C(0x0c, ['adapter handle', 'timer queue']),
    otherBugChecks: [bc7C(0x11, ['adapter handle', 'timer queue'], { when: 're-initialization after a low-power state failed' })],
    docs: [BUGCHECK_7C],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N', 'S10'],
    issue: 4,
  },
  {
    id: 'INIT-FAIL-LEAK',
    area: 'initialization',
    title: 'A failing initialization releases everything it acquired',
    explanation:
      'On a failure path MiniportInitializeEx must give back, best in reverse order, everything it obtained: scatter/gather DMA, work items, configuration handles, memory, pools, NBLs, MDLs, generic objects, shared memory, ports, mappings, the DMA channel and timer objects. NDIS never halts an adapter that did not initialize, so nothing else will free them; the lab lists each leaked object with the place it was allocated.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'stop',
    sdvRule: 'Init_RegisterSG',
    relatedSdvRules: ['Init_NdisAllocateIoWorkItem', 'NdisOpenConfigurationEx'],
    docs: [ddi('nc-ndis-miniport_initialize'), dev('ndis-init-registersg'), dev('ndis-init-ndisallocateioworkitem'), dev('ndis-ndisopenconfigurationex')],
    exposedBy: [
      'NdisAllocateMemoryWithTagPriority@N', 'NdisAllocateNetBufferListPool@N', 'NdisAllocateNetBufferPool@N',
      'NdisAllocateNetBufferAndNetBufferList@N', 'NdisAllocateMdl@N', 'NdisAllocateGenericObject@N', 'NdisAllocateIoWorkItem@N',
    ],
    issue: 4,
  },
  {
    id: 'INIT-STATUS',
    area: 'initialization',
    title: 'MiniportInitializeEx returns one of its documented statuses',
    explanation:
      'Initialization is synchronous and ends with NDIS_STATUS_SUCCESS, NOT_ACCEPTED, RESOURCES or FAILURE. NDIS_STATUS_PENDING in particular is not allowed: there is no way to finish initialization later.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'stop',
    docs: [ddi('nc-ndis-miniport_initialize')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-FAIL-NOLOG',
    area: 'initialization',
    title: 'Log the reason when initialization fails',
    explanation:
      'When MiniportInitializeEx returns NDIS_STATUS_RESOURCES or NDIS_STATUS_FAILURE it should call NdisWriteErrorLogEntry, so an administrator can see in the event log why the adapter did not start.',
    detectedAt: 'return of MiniportInitializeEx',
    severity: 'warn',
    docs: [ddi('nc-ndis-miniport_initialize')],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N'],
    issue: 4,
  },
  {
    id: 'INIT-EXIT-IRQL',
    area: 'initialization',
    title: 'Handlers return at their entry IRQL with no spin lock held',
    explanation:
      'MiniportInitializeEx, like every handler, must release each NDIS spin lock it took and return at the IRQL it was called at. Returning with a lock held leaves the processor at DISPATCH_LEVEL and blocks everyone else who needs that lock.',
    detectedAt: 'return of any driver handler',
    severity: 'stop',
    sdvRule: 'SpinLock',
    relatedSdvRules: ['SpinLockBalanced'],
    docs: [dev('ndis-spinlock'), dev('ndis-spinlockbalanced'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-NO-DATA',
    area: 'initialization',
    title: 'No receive indications while Initializing or Paused',
    explanation:
      'NdisMIndicateReceiveNetBufferLists is only allowed once NDIS has restarted the adapter; while it is initializing or paused the drivers above are not ready for packets. Frames that arrive in those states must not be indicated.',
    detectedAt: 'call NdisMIndicateReceiveNetBufferLists',
    severity: 'stop',
    docs: [ddi('nc-ndis-miniport_pause'), net('miniport-adapter-states-and-operations')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'INIT-POOL',
    area: 'initialization',
    title: 'NBL and NET_BUFFER pools created with valid parameters and checked',
    explanation:
      'Pool parameters need header type 0x80 (NDIS_OBJECT_TYPE_DEFAULT), revision 1, the matching size and a non-zero PoolTag. The allocation returns NULL when it fails, and the handle must be checked before use; a zero tag is only a warning.',
    detectedAt: 'call NdisAllocateNetBufferListPool or NdisAllocateNetBufferPool, or use of the pool handle',
    severity: 'stop',
    sdvRule: 'NullCheck',
    docs: [nblapi('nf-nblapi-ndisallocatenetbufferlistpool'), nblapi('ns-nblapi-net_buffer_list_pool_parameters')],
    exposedBy: [
      'NdisAllocateNetBufferListPool@N', 'NdisAllocateNetBufferPool@N', 'NdisAllocateNetBufferAndNetBufferList@N',
      'NdisAllocateMdl@N', 'NdisAllocateGenericObject@N',
    ],
    issue: 4,
  },
  {
    id: 'INIT-TIMER-CHARS',
    area: 'initialization',
    title: 'Timer objects allocated with valid characteristics and checked',
    explanation:
      'The timer characteristics need header type 0x97, revision 1, the right size and a TimerFunction, otherwise NdisAllocateTimerObject fails with NDIS_STATUS_BAD_CHARACTERISTICS. Any failure must be honoured: setting or freeing a timer that was never allocated stops the run.',
    detectedAt: 'call NdisAllocateTimerObject, or use of the timer handle',
    severity: 'api-fail',
    failStatus: NDIS_STATUS_BAD_CHARACTERISTICS,
    docs: [ddi('nf-ndis-ndisallocatetimerobject'), ddi('ns-ndis-_ndis_timer_characteristics')],
    exposedBy: ['NdisAllocateTimerObject@N'],
    issue: 4,
  },
  {
    id: 'INIT-CONFIG',
    area: 'initialization',
    title: 'Configuration handles opened correctly, checked and closed',
    explanation:
      'NdisOpenConfigurationEx takes a configuration object with type 0xA9 and revision 1, can fail, and returns a handle that must be closed with NdisCloseConfiguration before MiniportInitializeEx (or MiniportHaltEx) returns. A keyword missing from the registry is a normal NdisReadConfiguration outcome the driver has to handle, usually with a default value.',
    detectedAt: 'call NdisOpenConfigurationEx or NdisReadConfiguration, or return of MiniportInitializeEx / MiniportHaltEx',
    severity: 'stop',
    sdvRule: 'NdisOpenConfigurationEx',
    docs: [ddi('nf-ndis-ndisopenconfigurationex'), dev('ndis-ndisopenconfigurationex')],
    exposedBy: ['NdisOpenConfigurationEx@N', 'NdisReadConfiguration@N'],
    issue: 4,
  },
  {
    id: 'INIT-MEM-TAG',
    area: 'initialization',
    title: 'Memory allocations carry a pool tag and are NULL-checked',
    explanation:
      'NdisAllocateMemoryWithTagPriority should get a non-zero, driver-specific tag, so leaked memory can be traced back to its owner; a zero tag is a warning. The result can be NULL under memory pressure, and using it unchecked stops the run.',
    detectedAt: 'call NdisAllocateMemoryWithTagPriority, or use of its result',
    severity: 'warn',
    sdvRule: 'NdisAllocateMemoryWithTagPriority',
    docs: [dev('ndis-ndisallocatememorywithtagpriority')],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N'],
    issue: 4,
  },
  {
    id: 'INIT-CFH-WINDOW',
    area: 'initialization',
    title: 'CheckForHang interval longer than initialization takes',
    explanation:
      'If initialization runs longer than CheckForHangTimeInSeconds, NDIS may already call MiniportCheckForHangEx, and answering TRUE makes NDIS reset an adapter that is still starting. Pick an interval above the worst-case initialization time and never report a hang while initializing.',
    detectedAt: 'call of MiniportCheckForHangEx while Initializing',
    severity: 'warn',
    docs: [net('miniport-adapter-check-for-hang-and-reset-operations')],
    exposedBy: ['S3'],
    issue: 4,
  },

  // §5.3 IRQL, locks, timers
  {
    id: 'IRQL-TABLE',
    area: 'irql-locks-timers',
    title: 'Every NDIS function called at an IRQL it allows',
    explanation:
      'Each NDIS function has a highest IRQL it may be called at (a few, like NdisDprAcquireSpinLock, need exactly DISPATCH_LEVEL). PASSIVE-only functions must not be called with a spin lock held or from a DPC or timer callback; the lab names the Irql_* SDV rule that covers the function.',
    detectedAt: 'call of any NDIS function',
    severity: 'stop',
    relatedSdvRules: IRQL_RULES,
    docs: [dev('irql-rule-set--ndis-')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'IRQL-WAITEVENT',
    area: 'irql-locks-timers',
    title: 'NdisWaitEvent only at PASSIVE_LEVEL',
    explanation:
      'NdisWaitEvent puts the calling thread to sleep, which is impossible at DISPATCH_LEVEL or above; NDIS stops the system with bug check 0x7C/0x14.',
    detectedAt: 'call NdisWaitEvent',
    severity: 'bugcheck',
    bugCheck: bc7C(0x14, ['current IRQL']),
    docs: [BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'LOCK-DISCIPLINE',
    area: 'irql-locks-timers',
    title: 'NDIS spin locks acquired and released in matching pairs',
    explanation:
      'Never acquire a spin lock you already hold (the processor spins forever), never release one you do not hold, keep acquires and releases balanced, and release every lock before the handler returns. Error paths inside a locked region are where this usually goes wrong.',
    detectedAt: 'call NdisAcquireSpinLock, NdisDprAcquireSpinLock, NdisReleaseSpinLock or NdisDprReleaseSpinLock, or return of a handler',
    severity: 'stop',
    sdvRule: 'SpinLock',
    relatedSdvRules: ['SpinLockDpr', 'SpinLockDprRelease', 'SpinLockRelease', 'SpinLockBalanced'],
    docs: [dev('locking-rule-set--ndis-')],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N'],
    issue: 4,
  },
  {
    id: 'IRQL-FLAGS',
    area: 'irql-locks-timers',
    title: 'Use the dispatch-level flag instead of querying the IRQL',
    explanation:
      'Callbacks that are told through a flag whether they run at DISPATCH_LEVEL should rely on that flag rather than call KeGetCurrentIrql, which costs time on the data path.',
    detectedAt: 'call KeGetCurrentIrql in a callback that received a dispatch-level flag',
    severity: 'warn',
    sdvRule: 'Flags_Irql',
    docs: [dev('ndis-flags-irql'), net('dispatch-irql-tracking')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'STALL-50US',
    area: 'irql-locks-timers',
    title: 'NdisStallExecution kept to 50 microseconds or less',
    explanation:
      'NdisStallExecution busy-waits and keeps the processor from doing anything else, so it must not be asked for more than 50 µs. Longer delays belong to NdisMSleep (below DISPATCH_LEVEL) or a timer.',
    detectedAt: 'call NdisStallExecution',
    severity: 'warn',
    sdvRule: 'NdisStallExecution_Delay',
    docs: [dev('ndis-ndisstallexecution-delay')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'TMR-PERIODIC-IRQL',
    area: 'irql-locks-timers',
    title: 'Periodic timers cancelled at PASSIVE_LEVEL',
    explanation:
      'Cancelling a periodic timer with NdisCancelTimerObject requires PASSIVE_LEVEL; only one-shot timers may be cancelled at up to DISPATCH_LEVEL.',
    detectedAt: 'call NdisCancelTimerObject',
    severity: 'stop',
    sdvRule: 'PeriodicTimer',
    docs: [dev('ndis-periodictimer'), ddi('nf-ndis-ndiscanceltimerobject')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'TMR-CANCEL-RACE',
    area: 'irql-locks-timers',
    title: 'Wait for a timer callback that cancel could not stop',
    explanation:
      'When NdisCancelTimerObject returns FALSE the timer was no longer queued, so its callback may be running right now. Halt or a failing initialization must wait for that callback before freeing its context or the timer object, and every timer object must finally be freed with NdisFreeTimerObject.',
    detectedAt: 'return of MiniportHaltEx or MiniportInitializeEx, or a timer callback after the free',
    severity: 'stop',
    docs: [ddi('nc-ndis-miniport_halt'), net('halt-handler'), ddi('nf-ndis-ndisfreetimerobject')],
    exposedBy: ['S7', 'NdisCancelTimerObject@N'],
    issue: 4,
  },

  // §5.4 Halt, shutdown, unload
  {
    id: 'HALT-INT',
    area: 'halt-shutdown-unload',
    title: 'MiniportHaltEx deregisters the interrupt',
    explanation:
      'Halt must call NdisMDeregisterInterruptEx before returning, so no ISR runs for a halted adapter; otherwise NDIS stops the system with bug check 0x7C/0x08. If NDIS halts the adapter straight after a successful initialization (HaltAction NdisHaltDeviceInitializationFailed) the code is 0x7C/0x0D.',
    detectedAt: 'return of MiniportHaltEx',
    severity: 'bugcheck',
    bugCheck: bc7C(0x08, ['adapter handle', 'interrupt object']),
    otherBugChecks: [bc7C(0x0d, ['adapter handle', 'interrupt object'], { when: 'halt issued by NDIS right after MiniportInitializeEx succeeded (NdisHaltDeviceInitializationFailed)' })],
    sdvRule: 'Init_DeRegisterInterrupt',
    docs: [BUGCHECK_7C, dev('ndis-init-deregisterinterrupt')],
    exposedBy: ['S4'],
    issue: 4,
  },
  {
    id: 'HALT-TIMER',
    area: 'halt-shutdown-unload',
    title: 'MiniportHaltEx cancels its timers',
    explanation:
      'Halt must cancel every timer that is still queued before it returns, since a timer firing afterwards runs against freed adapter state. NDIS stops the system with bug check 0x7C/0x09, or 0x7C/0x0E for a halt issued straight after a successful initialization.',
    detectedAt: 'return of MiniportHaltEx',
    severity: 'bugcheck',
    bugCheck: bc7C(0x09, ['adapter handle', 'timer queue']),
    otherBugChecks: [bc7C(0x0e, ['adapter handle', 'timer queue'], { when: 'halt issued by NDIS right after MiniportInitializeEx succeeded (NdisHaltDeviceInitializationFailed)' })],
    sdvRule: 'CancelTimerObject',
    docs: [BUGCHECK_7C, dev('ndis-canceltimerobject')],
    exposedBy: ['S4', 'NdisCancelTimerObject@N'],
    issue: 4,
  },
  {
    id: 'HALT-LEAK',
    area: 'halt-shutdown-unload',
    title: 'MiniportHaltEx releases every adapter resource',
    explanation:
      'Nothing allocated for the adapter may survive halt: scatter/gather DMA, shared memory, pools, NBLs, NET_BUFFERs, MDLs, generic objects, configuration handles, work items, ports, mappings, the DMA channel, memory and timer objects. Halt is the last chance to free them; the simple way is to undo initialization in reverse order.',
    detectedAt: 'return of MiniportHaltEx',
    severity: 'stop',
    sdvRule: 'Init_RegisterSG',
    relatedSdvRules: ['NdisAllocateNetBuffer', 'NdisAllocateMdl', 'NdisAllocateGenericObject', 'NdisOpenConfigurationEx', 'Init_NdisAllocateIoWorkItem'],
    docs: [ddi('nc-ndis-miniport_halt'), net('halt-handler'), dev('memory-usage-rule-set--ndis-')],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N', 'S12'],
    issue: 4,
  },
  {
    id: 'HALT-SHMEM-FREE',
    area: 'halt-shutdown-unload',
    title: 'Shared memory freed once, with exactly the allocation parameters',
    explanation:
      'NdisMFreeSharedMemory must get the same length, cache flag and addresses the allocation returned, for the whole block, exactly once. Freeing memory that is already free is bug check 0x7C/0x03 (the lab reports other mismatches the same way); damaged shared-memory bookkeeping found by a later allocation is 0x7C/0x02.',
    detectedAt: 'call NdisMFreeSharedMemory',
    severity: 'bugcheck',
    bugCheck: bc7C(0x03, ['adapter handle', 'page the memory came from', 'virtual address']),
    otherBugChecks: [bc7C(0x02, ['adapter handle', 'corrupted page', 'shared-memory tracking context'], { when: 'NDIS finds an earlier shared-memory page corrupted while allocating shared memory' })],
    docs: [BUGCHECK_7C, ddi('nf-ndis-ndismfreesharedmemory')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'HALT-RCV-OUT',
    area: 'halt-shutdown-unload',
    title: 'All indicated receives returned before halt or pause completes',
    explanation:
      'NBLs the driver indicated up the stack stay with the drivers above until MiniportReturnNetBufferLists hands them back. Halt and pause must wait for them and the NBL pool must not be freed while any is out; if NDIS finds the driver deregistering while it still owns NBLs, it stops the system with bug check 0x7C/0x27.',
    detectedAt: 'return of MiniportHaltEx, pause completion, pool free or deregistration',
    severity: 'stop',
    bugCheck: bc7C(0x27, ['subtype 0x01: leak found by the NBL tracker'], { p2: 0x01, when: 'NDIS NBL tracker finds NBLs still owned at deregistration or unbind' }),
    docs: [ddi('nc-ndis-miniport_halt'), BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'HALT-AFTER',
    area: 'halt-shutdown-unload',
    title: 'No calls with the adapter handle after halt',
    explanation:
      'Once MiniportHaltEx has returned the adapter handle is dead: NdisMIndicateStatusEx or any other NdisMXxx call with it, typically from a leftover timer or work item, is a defect. In the same way NdisMSynchronizeWithInterruptEx must not be used after NdisMDeregisterInterruptEx.',
    detectedAt: 'call with a halted adapter handle or a deregistered interrupt',
    severity: 'stop',
    sdvRule: 'NdisMIndicateStatusEx',
    relatedSdvRules: ['NdisMDeregisterInterruptEx'],
    docs: [dev('ndis-ndismindicatestatusex'), dev('ndis-ndismderegisterinterruptex')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'HALT-ORDER',
    area: 'halt-shutdown-unload',
    title: 'Halt tears down in the reverse order of initialization',
    explanation:
      'Undo initialization back to front: deregister the interrupt before freeing memory the ISR or DPC uses, and free shared memory before deregistering scatter/gather DMA. Interrupts keep arriving until NdisMDeregisterInterruptEx returns, so the wrong order is a warning that becomes a stop once an ISR actually touches freed memory.',
    detectedAt: 'call during MiniportHaltEx, or an ISR touching freed memory',
    severity: 'warn',
    docs: [ddi('nc-ndis-miniport_halt')],
    exposedBy: ['S2'],
    issue: 4,
  },
  {
    id: 'SHUT-NO-NDIS',
    area: 'halt-shutdown-unload',
    title: 'MiniportShutdownEx only quiets the hardware',
    explanation:
      'Shutdown should just put the device in a safe, silent state: it must not free resources (NdisMFreeSharedMemory in particular) and should avoid other NDIS calls. When it runs because of a bug check (NdisShutdownBugCheck) it is at high IRQL, where only functions callable at any IRQL are safe.',
    detectedAt: 'call from MiniportShutdownEx',
    severity: 'stop',
    sdvRule: 'NdisMFreeSharedMemory',
    docs: [dev('ndis-ndismfreesharedmemory'), net('miniport-adapter-shutdown'), ddi('nc-ndis-miniport_shutdown')],
    exposedBy: ['S9'],
    issue: 4,
  },

  // §5.5 Adapter state machine and OIDs around initialization
  {
    id: 'ST-PAUSE-RET',
    area: 'state-oid',
    title: 'MiniportPause returns SUCCESS or PENDING',
    explanation:
      'A pause cannot be refused: MiniportPause either finishes at once with NDIS_STATUS_SUCCESS or returns NDIS_STATUS_PENDING and later calls NdisMPauseComplete.',
    detectedAt: 'return of MiniportPause',
    severity: 'stop',
    sdvRule: 'MiniportPause_Return',
    docs: [dev('ndis-miniportpause-return')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'ST-SPURIOUS-COMPLETE',
    area: 'state-oid',
    title: 'Complete only a pause, restart or reset that is pending',
    explanation:
      'NdisMPauseComplete and NdisMRestartComplete are only valid, once, after the matching handler returned PENDING; otherwise NDIS stops the system with bug check 0x7C/0x1F (P2 1 for pause, 2 for restart). Completing a reset that is not in progress is bug check 0x7C/0x0F.',
    detectedAt: 'call NdisMPauseComplete, NdisMRestartComplete or NdisMResetComplete',
    severity: 'bugcheck',
    bugCheck: bc7C(0x1f, ['subtype: 1 = pause, 2 = restart', 'adapter handle']),
    otherBugChecks: [bc7C(0x0f, ['adapter handle', 'reset status', 'AddressingReset flag'], { when: 'NdisMResetComplete with no reset pending' })],
    docs: [BUGCHECK_7C],
    exposedBy: ['S8'],
    issue: 4,
  },
  {
    id: 'ST-PAUSE-INCOMPLETE',
    area: 'state-oid',
    title: 'Pause completes only on a quiet data path, and does complete',
    explanation:
      'Before a pause completes, every pending send must be completed and every indicated receive returned; a pause that completes early stops the run. A pause or halt that never completes hangs the stack, and NDIS\'s watchdog then stops the system with bug check 0x7C/0x25 (P2 0x21 for pause, 0x22 for halt).',
    detectedAt: 'pause completion, or watchdog timer',
    severity: 'stop',
    bugCheck: watchdog(0x21, 'miniport pause', { when: 'pause not completed in time' }),
    otherBugChecks: [watchdog(0x22, 'miniport halt', { when: 'halt not completed in time' })],
    docs: [net('pausing-an-adapter'), BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'ST-PAUSED-IO',
    area: 'state-oid',
    title: 'No new I/O while Pausing or Paused',
    explanation:
      'Sends that arrive while the adapter is pausing or paused must be completed at once with NDIS_STATUS_PAUSED (0xC023002A) instead of queued, and nothing may be indicated up while paused. Queued work would keep the pause from ever finishing.',
    detectedAt: 'MiniportSendNetBufferLists while Pausing/Paused, or call NdisMIndicateReceiveNetBufferLists while Paused',
    severity: 'stop',
    docs: [ddi('nc-ndis-miniport_pause')],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'ST-RESTART',
    area: 'state-oid',
    title: 'MiniportRestart returns a documented status and completes',
    explanation:
      'MiniportRestart returns SUCCESS, PENDING, RESOURCES or FAILURE, and after PENDING must call NdisMRestartComplete exactly once. A failed restart is legal but Windows records a live dump for it (0x15E, cause 73), so the lab only warns in that case.',
    detectedAt: 'return of MiniportRestart, or watchdog timer',
    severity: 'stop',
    bugCheck: liveDump('cause 73: MiniportRestart failed'),
    docs: [ddi('nc-ndis-miniport_restart'), LIVE_DUMP_15E],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N'],
    issue: 4,
  },
  {
    id: 'OID-DOUBLE',
    area: 'state-oid',
    title: 'Each OID request completed exactly once',
    explanation:
      'An OID finishes either synchronously (the handler returns its status) or asynchronously (the handler returns PENDING and later calls NdisMOidRequestComplete), never both and never twice. Driver Verifier reports this as bug check 0xC4/0x00091002; NDIS itself may report it as 0x7C/0x26.',
    detectedAt: 'call NdisMOidRequestComplete',
    severity: 'bugcheck',
    bugCheck: bcC4(0x00091002),
    otherBugChecks: [bc7C(0x26, ['driver handle', 'OID request'], { when: 'NDIS (not Driver Verifier) sees the completion of an OID that is not pending' })],
    sdvRule: 'NdisOidDoubleComplete',
    relatedSdvRules: ['DoubleComplete'],
    docs: [dev('ndis-ndisoiddoublecomplete'), dev('ndis-doublecomplete'), BUGCHECK_7C],
    exposedBy: [],
    issue: 4,
  },
  {
    id: 'OID-STATUS',
    area: 'state-oid',
    title: 'OIDs completed with an allowed status',
    explanation:
      'An OID may never be completed with NDIS_STATUS_PENDING, and OIDs that undo something (OID_PNP_SET_POWER and the various delete, free and remove OIDs) may only end in the few statuses Driver Verifier accepts, otherwise bug check 0xC4/0x00091001. Failing an OID that must not fail is bug check 0x7C/0x1C.',
    detectedAt: 'call NdisMOidRequestComplete, or return of MiniportOidRequest',
    severity: 'bugcheck',
    bugCheck: bcC4(0x00091001),
    otherBugChecks: [bc7C(0x1c, ['adapter handle', 'OID', 'failure status'], { when: 'an OID that must succeed is failed' })],
    sdvRule: 'NdisOidComplete',
    docs: [dev('ndis-ndisoidcomplete'), BUGCHECK_7C],
    exposedBy: ['S11'],
    issue: 4,
  },
  {
    id: 'OID-TIMEOUT',
    area: 'state-oid',
    title: 'OIDs completed promptly, one at a time',
    explanation:
      'Every OID, including those NDIS sends right after initialization while the adapter is still Paused, must complete within 12 seconds (bug check 0xC4/0x00092003), and the pending OID must be completed before NDIS can issue the next (0xC4/0x0009100E). NDIS\'s own watchdog may instead stop the system with 0x7C/0x25, P2 0x23.',
    detectedAt: 'watchdog timer',
    severity: 'bugcheck',
    bugCheck: bcC4(0x00092003),
    otherBugChecks: [
      bcC4(0x0009100e, { when: 'a new OID arrives while the previous one is still pending' }),
      watchdog(0x23, 'miniport OID', { when: 'NDIS watchdog instead of Driver Verifier' }),
    ],
    sdvRule: 'NdisTimedOidComplete',
    relatedSdvRules: ['NdisOidDoubleRequest'],
    docs: [dev('ndis-ndistimedoidcomplete'), dev('ndis-ndisoiddoublerequest')],
    exposedBy: ['S11'],
    issue: 4,
  },
  {
    id: 'OID-NETPNP',
    area: 'state-oid',
    title: 'No NdisMNetPnPEvent from inside an OID request',
    explanation:
      'A miniport must not call NdisMNetPnPEvent while it is processing an OID request; raise the PnP event from another context, for example a work item, after the OID is dealt with.',
    detectedAt: 'call NdisMNetPnPEvent',
    severity: 'stop',
    sdvRule: 'NdisMNetPnPEventInOIDRequest',
    docs: [dev('ndis-ndismnetpnpeventinoidrequest')],
    exposedBy: [],
    issue: 4,
  },

  // §5.6 Intermediate drivers
  {
    id: 'IM-DE-ASSOC',
    area: 'intermediate',
    title: 'IM DriverEntry registers both edges and associates them',
    explanation:
      'An intermediate driver\'s DriverEntry registers a miniport with the NDIS_INTERMEDIATE_DRIVER flag (0x1), registers its protocol edge with NdisRegisterProtocolDriver, and then ties the two together with NdisIMAssociateMiniport, which is only valid in DriverEntry. Without the association NDIS cannot treat the two halves as one driver.',
    detectedAt: 'return of DriverEntry, or call NdisIMAssociateMiniport',
    severity: 'stop',
    docs: [net('intermediate-driver-driverentry-function'), ddi('nf-ndis-ndisimassociateminiport')],
    exposedBy: ['NdisRegisterProtocolDriver@N'],
    issue: 6,
  },
  {
    id: 'IM-INIT-CALL',
    area: 'intermediate',
    title: 'Virtual miniport initialization requested correctly',
    explanation:
      'NdisIMInitializeDeviceInstanceEx needs an intermediate miniport handle and is normally called from ProtocolBindAdapterEx once the lower adapter is open. DriverInstance must be a device instance the installation defined (UpperBindings in the binding\'s key, NdisOpenProtocolConfiguration). NDIS_STATUS_NOT_ACCEPTED (0x00010003) is not a fresh start; a wrong handle or unknown instance stops the run, the rest are warnings.',
    detectedAt: 'call NdisIMInitializeDeviceInstanceEx, or use of its result',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndisiminitializedeviceinstanceex'), net('initializing-virtual-miniports')],
    exposedBy: ['NdisIMInitializeDeviceInstanceEx@N'],
    issue: 6,
  },
  {
    id: 'IM-CANCEL-DEINIT',
    area: 'intermediate',
    title: 'Cancel or de-initialize the virtual miniport, whichever applies',
    explanation:
      'Before NDIS has called the virtual MiniportInitializeEx, the request is withdrawn with NdisIMCancelInitializeDeviceInstance; afterwards only NdisIMDeInitializeDeviceInstance works. A cancel that returns FAILURE means initialization already started, so the driver must fall back to de-initializing, and an unbind from the lower adapter must not finish with the virtual miniport still in place.',
    detectedAt: 'call NdisIMCancelInitializeDeviceInstance or NdisIMDeInitializeDeviceInstance, or return of ProtocolUnbindAdapterEx',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndisimcancelinitializedeviceinstance'), ddi('nf-ndis-ndisimdeinitializedeviceinstance'), net('halting-a-virtual-miniport')],
    exposedBy: ['S5', 'NdisIMCancelInitializeDeviceInstance@N'],
    issue: 6,
  },
  {
    id: 'IM-REENTRANT-INIT',
    area: 'intermediate',
    title: 'Virtual MiniportInitializeEx may run inside NdisIMInitializeDeviceInstanceEx',
    explanation:
      'NDIS may call the virtual miniport\'s MiniportInitializeEx before NdisIMInitializeDeviceInstanceEx has returned. Holding a lock across that call, or assuming initialization only starts after it returns, deadlocks or corrupts the driver\'s state.',
    detectedAt: 'lock wait or state check during the nested initialization',
    severity: 'stop',
    docs: [net('initializing-a-virtual-miniport'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: ['S5'],
    issue: 6,
  },
  {
    id: 'IM-NO-HW',
    area: 'intermediate',
    title: 'Virtual miniports claim no hardware',
    explanation:
      'A virtual miniport has no device of its own: it must not register interrupts, I/O ports, memory mappings or DMA, and must not register CheckForHang or Reset handlers (see REG-HANDLERS).',
    detectedAt: 'call NdisMRegisterInterruptEx, NdisMRegisterIoPortRange, NdisMMapIoSpace or a DMA registration',
    severity: 'stop',
    docs: [net('registering-an-intermediate-driver-as-a-miniport-driver')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'IM-UNLOAD',
    area: 'intermediate',
    title: 'IM unload deregisters every registration',
    explanation:
      'An intermediate driver\'s unload must also call NdisDeregisterProtocolDriver, and a miniport-intermediate driver must deregister both of its miniport registrations; any registration left behind points NDIS at code that is about to disappear.',
    detectedAt: 'return of MiniportDriverUnload',
    severity: 'stop',
    docs: [net('unloading-an-intermediate-driver')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'IM-IMMINIPORT',
    area: 'intermediate',
    title: 'IMMiniport setting matches the driver\'s registrations',
    explanation:
      'For a miniport-intermediate driver the IMMiniport registry value picks which MiniportInitializeEx NDIS calls: 1 means the intermediate registration, anything else the physical one. A device set to 1 without an NDIS_INTERMEDIATE_DRIVER registration, or the reverse mismatch, cannot be started properly.',
    detectedAt: 'device start',
    severity: 'stop',
    docs: [net('initializing-a-miniport-intermediate-driver'), ddi('nc-ndis-miniport_initialize')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'IM-INIT-FAIL',
    area: 'intermediate',
    title: 'Virtual miniport initialization failed',
    explanation:
      'A virtual miniport may fail to initialize, but Windows records a live dump for it (0x15E, cause 72) because the IM stack is left half built. The lab warns so the learner can check that the failure path cleaned up.',
    detectedAt: 'return of the virtual MiniportInitializeEx',
    severity: 'warn',
    bugCheck: liveDump('cause 72: IM device instance failed to initialize'),
    docs: [LIVE_DUMP_15E],
    exposedBy: ['NdisAllocateMemoryWithTagPriority@N'],
    issue: 6,
  },

  // §5.7 Protocol binding
  {
    id: 'BIND-OPEN-CONTEXT',
    area: 'protocol',
    title: 'NdisOpenAdapterEx only inside ProtocolBindAdapterEx',
    explanation:
      'A protocol opens an adapter only from its own ProtocolBindAdapterEx, with the bind context NDIS passed in; NDIS fails the call anywhere else (the documentation names no status, the lab returns NDIS_STATUS_FAILURE). An improper open during binding is bug check 0x7C/0x16.',
    detectedAt: 'call NdisOpenAdapterEx',
    severity: 'api-fail',
    failStatus: NDIS_STATUS_FAILURE,
    bugCheck: bc7C(0x16, ['protocol handle', 'bind context', 'open handle'], { when: 'improper open during binding' }),
    docs: [ddi('nf-ndis-ndisopenadapterex'), BUGCHECK_7C],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'BIND-OPEN-PENDING',
    area: 'protocol',
    title: 'Wait for a pended open before using the binding',
    explanation:
      'If NdisOpenAdapterEx returns NDIS_STATUS_PENDING, the binding handle and SelectedMediumIndex are not valid until NDIS calls ProtocolOpenAdapterCompleteEx.',
    detectedAt: 'use of the binding handle or SelectedMediumIndex',
    severity: 'stop',
    docs: [ddi('nf-ndis-ndisopenadapterex')],
    exposedBy: ['NdisOpenAdapterEx@N', 'S6'],
    issue: 6,
  },
  {
    id: 'BIND-FAIL-CLEANUP',
    area: 'protocol',
    title: 'A failed open fails the bind and frees its resources',
    explanation:
      'When NdisOpenAdapterEx fails (for example UNSUPPORTED_MEDIA or ADAPTER_NOT_FOUND), ProtocolBindAdapterEx must fail as well and release everything it set up for that binding.',
    detectedAt: 'return of ProtocolBindAdapterEx',
    severity: 'stop',
    docs: [ddi('nc-ndis-protocol_bind_adapter_ex')],
    exposedBy: ['NdisOpenAdapterEx@N'],
    issue: 6,
  },
  {
    id: 'BIND-COMPLETE',
    area: 'protocol',
    title: 'Pended bind and unbind completed exactly once',
    explanation:
      'A bind or unbind that returned PENDING must later be finished with NdisCompleteBindAdapterEx or NdisCompleteUnbindAdapterEx, exactly once, and one that returned synchronously must not be completed again. An unbind that never finishes trips NDIS\'s watchdog: bug check 0x7C/0x25 with P2 0x04.',
    detectedAt: 'call NdisCompleteBindAdapterEx or NdisCompleteUnbindAdapterEx, or watchdog timer',
    severity: 'stop',
    bugCheck: watchdog(0x04, 'protocol unbind', { when: 'unbind not completed in time' }),
    docs: [net('binding-to-an-adapter'), net('unbinding-from-an-adapter')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'BIND-UNBIND',
    area: 'protocol',
    title: 'Unbind closes the adapter and cannot fail',
    explanation:
      'ProtocolUnbindAdapterEx must call NdisCloseAdapterEx and return SUCCESS or PENDING. After the close the binding handle is invalid, and the binding context must stay alive until the close has completed.',
    detectedAt: 'call with a closed binding handle, or return of ProtocolUnbindAdapterEx',
    severity: 'stop',
    docs: [ddi('nc-ndis-protocol_unbind_adapter_ex')],
    exposedBy: ['NdisCloseAdapterEx@N', 'S6'],
    issue: 6,
  },
  {
    id: 'BIND-STATE-IO',
    area: 'protocol',
    title: 'Protocol sends only while Running, OIDs only on an open binding',
    explanation:
      'A protocol may start sends only while its binding is Running, and issue OIDs only once the binding is open (not while Unbound or Opening). A pause completes only after all of its sends have come back; a pause that never finishes trips NDIS\'s watchdog, bug check 0x7C/0x25 with P2 0x01.',
    detectedAt: 'call NdisSendNetBufferLists or NdisOidRequest, or pause completion',
    severity: 'stop',
    bugCheck: watchdog(0x01, 'protocol pause', { when: 'pause not completed in time' }),
    docs: [net('protocol-binding-states-and-operations'), net('pausing-a-binding')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'BIND-REENUM',
    area: 'protocol',
    title: 'No NdisReEnumerateProtocolBindings from binding callbacks',
    explanation:
      'Asking NDIS to re-enumerate bindings from ProtocolBindAdapterEx, ProtocolUnbindAdapterEx or a binding-specific ProtocolNetPnPEvent re-enters the binding machinery that is in the middle of calling the driver.',
    detectedAt: 'call NdisReEnumerateProtocolBindings',
    severity: 'stop',
    sdvRule: 'NdisReEnumerateProtocolBindings',
    docs: [dev('ndis-ndisreenumerateprotocolbindings')],
    exposedBy: [],
    issue: 6,
  },
  {
    id: 'BIND-DE',
    area: 'protocol',
    title: 'Protocol DriverEntry is synchronous and cleans up; bind names are freed',
    explanation:
      'A protocol DriverEntry may not return PENDING, and if it fails after NdisRegisterProtocolDriver succeeded it must call NdisDeregisterProtocolDriver first. The name buffer returned by NdisQueryBindInstanceName belongs to the driver and must be freed with NdisFreeMemory.',
    detectedAt: 'return of DriverEntry, or unload',
    severity: 'stop',
    sdvRule: 'NdisQueryBindInstanceName',
    docs: [net('initializing-a-protocol-driver'), dev('ndis-ndisquerybindinstancename')],
    exposedBy: ['NdisRegisterProtocolDriver@N'],
    issue: 6,
  },
];

// --- fault menu (reference §5.8; statuses from §4.4) --------------------------------------------

const fail = (status: number, outcome: string): { status: number; outcome: string } => ({ status, outcome });
const HWRES_FAILURES = (nullResult: boolean): FaultSpec['failures'] => [
  { status: NDIS_STATUS_RESOURCE_CONFLICT, outcome: 'another device owns the resource (NDIS logs the conflict)', ...(nullResult ? { nullResult } : {}) },
  { status: NDIS_STATUS_RESOURCES, outcome: 'not enough resources', ...(nullResult ? { nullResult } : {}) },
  { status: NDIS_STATUS_FAILURE, outcome: 'fails for another reason', ...(nullResult ? { nullResult } : {}) },
];
const NULL_ALLOC: FaultSpec['failures'] = [{ nullResult: true, outcome: 'returns NULL' }];
const ALLOC_EXPOSES = ['INIT-POOL', 'INIT-FAIL-LEAK'];

const FAULTS: FaultSpec[] = [
  {
    api: 'NdisMRegisterMiniportDriver',
    failures: [
      fail(NDIS_STATUS_RESOURCES, 'registration fails for lack of resources'),
      fail(NDIS_STATUS_FAILURE, 'registration fails'),
      fail(NDIS_STATUS_BAD_VERSION, 'registration refuses the NDIS version'),
      fail(NDIS_STATUS_BAD_CHARACTERISTICS, 'registration refuses the characteristics'),
    ],
    exposes: ['REG-DE-STATUS', 'REG-DE-FAIL-CLEANUP'],
  },
  {
    api: 'NdisRegisterProtocolDriver',
    failures: [
      fail(NDIS_STATUS_RESOURCES, 'registration fails for lack of resources'),
      fail(NDIS_STATUS_FAILURE, 'registration fails'),
      fail(NDIS_STATUS_BAD_CHARACTERISTICS, 'registration refuses the characteristics'),
    ],
    exposes: ['REG-DE-FAIL-CLEANUP', 'BIND-DE', 'IM-DE-ASSOC'],
  },
  {
    api: 'NdisSetOptionalHandlers',
    failures: [fail(NDIS_STATUS_FAILURE, 'fails inside MiniportSetOptions (the reference names no specific status)')],
    exposes: ['REG-UNLOAD'],
  },
  {
    api: 'NdisAllocateMemoryWithTagPriority',
    failures: NULL_ALLOC,
    exposes: [
      'INIT-MEM-TAG', 'INIT-FAIL-LEAK', 'INIT-FAIL-INT', 'INIT-FAIL-TIMER', 'REG-DE-FAIL-CLEANUP', 'REG-UNLOAD',
      'INIT-FAIL-NOLOG', 'LOCK-DISCIPLINE', 'HALT-LEAK', 'ST-RESTART', 'IM-INIT-FAIL',
    ],
  },
  {
    api: 'NdisOpenConfigurationEx',
    failures: [fail(NDIS_STATUS_RESOURCES, 'no configuration handle: lack of resources'), fail(NDIS_STATUS_FAILURE, 'no configuration handle')],
    exposes: ['INIT-CONFIG'],
  },
  {
    api: 'NdisReadConfiguration',
    failures: [fail(NDIS_STATUS_FAILURE, 'the keyword is missing from the registry; no value is returned')],
    exposes: ['INIT-CONFIG'],
  },
  {
    api: 'NdisMSetMiniportAttributes',
    failures: [fail(NDIS_STATUS_BAD_VERSION, 'the attribute revision is not supported')],
    exposes: ['INIT-ATTR-HDR'],
  },
  { api: 'NdisAllocateNetBufferListPool', failures: NULL_ALLOC, exposes: [...ALLOC_EXPOSES, 'INIT-FAIL-INT'] },
  { api: 'NdisAllocateNetBufferPool', failures: NULL_ALLOC, exposes: ALLOC_EXPOSES },
  { api: 'NdisAllocateNetBufferAndNetBufferList', failures: NULL_ALLOC, exposes: ALLOC_EXPOSES },
  { api: 'NdisAllocateMdl', failures: NULL_ALLOC, exposes: ALLOC_EXPOSES },
  { api: 'NdisAllocateGenericObject', failures: NULL_ALLOC, exposes: ALLOC_EXPOSES },
  {
    api: 'NdisAllocateTimerObject',
    failures: [
      fail(NDIS_STATUS_RESOURCES, 'no timer object: lack of resources'),
      fail(NDIS_STATUS_BAD_CHARACTERISTICS, 'the timer characteristics are refused'),
      fail(NDIS_STATUS_FAILURE, 'no timer object'),
    ],
    exposes: ['INIT-TIMER-CHARS'],
  },
  { api: 'NdisAllocateIoWorkItem', failures: NULL_ALLOC, exposes: ['INIT-FAIL-LEAK'] },
  { api: 'NdisMRegisterIoPortRange', failures: HWRES_FAILURES(false), exposes: ['INIT-HWRES-FAIL'] },
  { api: 'NdisMMapIoSpace', failures: HWRES_FAILURES(true), exposes: ['INIT-HWRES-FAIL'] },
  { api: 'NdisMRegisterDmaChannel', failures: HWRES_FAILURES(false), exposes: ['INIT-HWRES-FAIL'] },
  {
    api: 'NdisMRegisterScatterGatherDma',
    failures: [
      fail(NDIS_STATUS_RESOURCES, 'no DMA handle: lack of resources'),
      fail(NDIS_STATUS_NOT_SUPPORTED, 'the driver is not an NDIS 6 bus master'),
      fail(NDIS_STATUS_BAD_VERSION, 'the DMA description revision is refused'),
    ],
    exposes: ['INIT-SGDMA-REG', 'INIT-SHMEM-PRECOND'],
  },
  {
    api: 'NdisMAllocateSharedMemory',
    failures: [{ nullResult: true, outcome: 'returns a NULL virtual address' }],
    exposes: ['INIT-SHMEM-NULL', 'INIT-SHMEM-NOLOG', 'INIT-FAIL-INT'],
  },
  {
    api: 'NdisMAllocateSharedMemoryAsyncEx',
    failures: [
      fail(NDIS_STATUS_FAILURE, 'the request is refused at once'),
      { status: NDIS_STATUS_PENDING, nullResult: true, outcome: 'pends, then the completion handler receives NULL addresses' },
    ],
    exposes: ['INIT-SHMEM-ASYNC'],
  },
  {
    api: 'NdisMRegisterInterruptEx',
    failures: [
      fail(NDIS_STATUS_RESOURCES, 'no interrupt: lack of resources'),
      fail(NDIS_STATUS_FAILURE, 'no interrupt: another failure status'),
      fail(NDIS_STATUS_SUCCESS, 'succeeds but grants line-based interrupts although MSI was offered'),
    ],
    exposes: ['INIT-INT-REG'],
  },
  {
    api: 'NdisCancelTimerObject',
    failures: [{ outcome: 'returns FALSE while the timer callback is running' }],
    exposes: ['TMR-CANCEL-RACE', 'HALT-TIMER'],
  },
  {
    api: 'NdisOpenAdapterEx',
    failures: [
      fail(NDIS_STATUS_PENDING, 'pends; ProtocolOpenAdapterCompleteEx comes later'),
      fail(NDIS_STATUS_RESOURCES, 'open fails for lack of resources'),
      fail(NDIS_STATUS_ADAPTER_NOT_FOUND, 'the named adapter does not exist'),
      fail(NDIS_STATUS_UNSUPPORTED_MEDIA, 'none of the offered media types is supported'),
      fail(NDIS_STATUS_FAILURE, 'open fails for another reason'),
    ],
    exposes: ['BIND-OPEN-PENDING', 'BIND-FAIL-CLEANUP'],
  },
  {
    api: 'NdisCloseAdapterEx',
    failures: [fail(NDIS_STATUS_PENDING, 'pends; ProtocolCloseAdapterCompleteEx comes later')],
    exposes: ['BIND-UNBIND'],
  },
  {
    api: 'NdisIMInitializeDeviceInstanceEx',
    failures: [fail(NDIS_STATUS_NOT_ACCEPTED, 'the virtual device was already initialized')],
    exposes: ['IM-INIT-CALL'],
  },
  {
    api: 'NdisIMCancelInitializeDeviceInstance',
    failures: [fail(NDIS_STATUS_FAILURE, 'too late to cancel: initialization has begun')],
    exposes: ['IM-CANCEL-DEINIT'],
  },
];

const PERTURBATIONS: Record<string, string> = {
  S1: 'Start the adapter (MiniportInitializeEx) the moment DriverEntry returns.',
  S2: 'Raise interrupts at awkward moments: inside NdisMRegisterInterruptEx, on a shared line the NIC did not assert, and during halt before deregistration.',
  S3: 'Make initialization take longer than CheckForHangTimeInSeconds.',
  S4: 'Halt the adapter straight after a successful initialization (NdisHaltDeviceInitializationFailed).',
  S5: 'Start an IM virtual device inside NdisIMInitializeDeviceInstanceEx, some time later, or never.',
  S6: 'Let NdisOpenAdapterEx and NdisCloseAdapterEx pend and complete later.',
  S7: 'Fire a timer just as the driver cancels it.',
  S8: 'Pause the adapter while a reset is still in progress.',
  S9: 'Shut down both at PASSIVE_LEVEL (NdisShutdownPowerOff) and at high IRQL (NdisShutdownBugCheck).',
  S10: 'Suspend and resume: halt or pause as the power attributes dictate, then initialize again.',
  S11: 'Send OIDs the instant MiniportInitializeEx returns, while the adapter is still Paused.',
  S12: 'Load and unload the driver over and over.',
};

// --- exports ------------------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

export const CHECKER_RULES: readonly CheckerRule[] = deepFreeze(RULES);
export const FAULT_MENU: readonly FaultSpec[] = deepFreeze(FAULTS);
export const SCHEDULE_PERTURBATIONS: Readonly<Record<string, string>> = deepFreeze(PERTURBATIONS);

const BY_ID = new Map(CHECKER_RULES.map((rule) => [rule.id, rule] as const));

/** The rule with this id; throws for an id the catalog does not define. */
export function ruleById(id: string): CheckerRule {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`Unknown checker rule id '${id}' (the catalog defines ${BY_ID.size} rules, e.g. INIT-FAIL-INT).`);
  return rule;
}
