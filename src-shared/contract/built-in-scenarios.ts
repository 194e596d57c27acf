import { DEFAULT_SCENARIO, type ScenarioInput } from './scenario';

type StepInput = ScenarioInput['steps'][number];

/** The registry a LabNIC device instance gets from its INF: MSI asked for. */
const LABNIC_REGISTRY = { MSISupported: 1 } as const;

/**
 * `traffic`: a LabNIC adapter carries 10,000 frames each way. The link partner sends bursts of 16
 * frames every 200 µs while NDIS sends 10,000 frames; the run checks every received frame was
 * indicated exactly once and every sent frame went on the wire exactly once.
 */
export const TRAFFIC_SCENARIO: ScenarioInput = {
  name: 'traffic',
  description: 'A LabNIC adapter carries 10,000 frames each way: every injected frame must be indicated once, every sent frame must reach the wire once.',
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'adapter0', device: 'labnic', registry: { ...LABNIC_REGISTRY } },
    { step: 'restart' },
    { step: 'advance-time', ms: 100 },
    { step: 'expect-link', state: 'up' },
    { step: 'inject-frame', count: 10_000, bytes: 128, burst: 16, intervalUs: 200 },
    { step: 'send', count: 10_000, bytes: 128 },
    { step: 'advance-time', ms: 250 },
    { step: 'expect-traffic', minIndicated: 10_000, minSent: 10_000 },
    { step: 'expect-state', state: 'Running' },
    { step: 'pause' },
    { step: 'halt' },
    { step: 'unload' },
  ],
};

const traffic = (adapter: string, count: number): StepInput[] => [
  { step: 'inject-frame', adapter, count, burst: 8, intervalUs: 100 },
  { step: 'send', adapter, count },
  { step: 'advance-time', ms: 20 },
];

/**
 * `faults`: each LabNIC hardware fault in turn, on a running adapter or from power-on. A correct
 * driver survives each one; where it must report something (an error log entry, a link-state
 * indication, a failed initialization) the scenario expects it.
 */
export const FAULTS_SCENARIO: ScenarioInput = {
  name: 'faults',
  description: 'Every LabNIC hardware fault in turn: lost and stuck interrupts, an interrupt storm, a DMA error, a receive overrun, a link flap, surprise removal, then a bad EEPROM checksum, a reset that hangs, a late reset, and a line interrupt granted where MSI was asked.',
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'adapter0', device: 'labnic', registry: { ...LABNIC_REGISTRY } },
    { step: 'restart' },
    { step: 'advance-time', ms: 100 },
    { step: 'expect-link', adapter: 'adapter0', state: 'up' },
    // Interrupts that never arrive: the driver's watchdog finds the latched causes.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'lost-interrupt', count: 3 } },
    ...traffic('adapter0', 32),
    // A line stuck high: the ISR says "not mine" for a zero cause; the watchdog keeps traffic going.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'stuck-interrupt' } },
    ...traffic('adapter0', 32),
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'clear' } },
    // A storm: the driver masks the cause for a while and logs it.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'interrupt-storm' } },
    { step: 'advance-time', ms: 300 },
    { step: 'expect-error-log', adapter: 'adapter0', min: 1 },
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'clear' } },
    ...traffic('adapter0', 32),
    // A DMA error stops the receiver: logged, then repaired by check-for-hang and reset.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'dma-error', count: 1 } },
    { step: 'inject-frame', adapter: 'adapter0', count: 16 },
    { step: 'advance-time', ms: 5000 },
    { step: 'expect-error-log', adapter: 'adapter0', min: 2 },
    ...traffic('adapter0', 32),
    // More frames at once than the receive ring holds: missed frames are counted, nothing breaks.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'receive-overrun', frames: 1024 } },
    { step: 'advance-time', ms: 50 },
    ...traffic('adapter0', 32),
    // The link goes down and comes back: the driver indicates both.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'link-flap', downMs: 100 } },
    { step: 'advance-time', ms: 10 },
    { step: 'expect-link', adapter: 'adapter0', state: 'down' },
    { step: 'advance-time', ms: 200 },
    { step: 'expect-link', adapter: 'adapter0', state: 'up' },
    ...traffic('adapter0', 32),
    { step: 'expect-state', adapter: 'adapter0', state: 'Running' },
    // The NIC vanishes: registers read all ones, then PnP reports it and NDIS halts the adapter.
    { step: 'hw-fault', adapter: 'adapter0', fault: { kind: 'surprise-removal' } },
    { step: 'advance-time', ms: 50 },
    { step: 'expect-state', adapter: 'adapter0', state: 'Halted' },
    // From power-on: initialization must fail cleanly, with an error log entry.
    { step: 'add-device', name: 'adapter1', device: 'labnic', registry: { ...LABNIC_REGISTRY }, faults: [{ kind: 'bad-eeprom-checksum' }] },
    { step: 'expect-state', adapter: 'adapter1', state: 'Halted' },
    { step: 'expect-error-log', adapter: 'adapter1', min: 1 },
    { step: 'add-device', name: 'adapter2', device: 'labnic', registry: { ...LABNIC_REGISTRY }, faults: [{ kind: 'reset-hang' }] },
    { step: 'expect-state', adapter: 'adapter2', state: 'Halted' },
    { step: 'expect-error-log', adapter: 'adapter2', min: 1 },
    // A reset that completes late is still a reset: initialization succeeds.
    { step: 'add-device', name: 'adapter3', device: 'labnic', registry: { ...LABNIC_REGISTRY }, faults: [{ kind: 'reset-late', delayMs: 20 }] },
    { step: 'restart', adapter: 'adapter3' },
    // MSI asked for, a line granted: the driver uses what NDIS reports.
    { step: 'add-device', name: 'adapter4', device: 'labnic', registry: { ...LABNIC_REGISTRY }, faults: [{ kind: 'msi-as-line' }] },
    { step: 'restart', adapter: 'adapter4' },
    { step: 'advance-time', ms: 100 },
    ...traffic('adapter3', 64),
    ...traffic('adapter4', 64),
    { step: 'expect-traffic', adapter: 'adapter3', minIndicated: 64, minSent: 64 },
    { step: 'expect-traffic', adapter: 'adapter4', minIndicated: 64, minSent: 64 },
    { step: 'pause', adapter: 'adapter3' },
    { step: 'halt', adapter: 'adapter3' },
    { step: 'pause', adapter: 'adapter4' },
    { step: 'halt', adapter: 'adapter4' },
    { step: 'unload' },
  ],
};

/** Load an intermediate driver, bind it to lower0 with the virtual device started as `start` says, then `middle`, unbind, unload. */
function imScenario(name: string, description: string, bind: Extract<StepInput, { step: 'bind' }>, middle: StepInput[]): ScenarioInput {
  return {
    name,
    description,
    steps: [{ step: 'load' }, bind, { step: 'expect-binding', state: 'Running' }, ...middle, { step: 'unbind' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }],
  };
}

/** The PnP manager starts the virtual device inside NdisIMInitializeDeviceInstanceEx. */
export const IM_START_INSIDE = imScenario('im-start-inside', 'An intermediate driver binds to lower0; the PnP manager starts its virtual device inside NdisIMInitializeDeviceInstanceEx, so MiniportInitializeEx runs before that call returns.', { step: 'bind', start: 'inside' }, [
  { step: 'advance-time', ms: 50 },
]);

/** The PnP manager starts the virtual device 100 ms after the request. */
export const IM_START_LATER = imScenario('im-start-later', 'The virtual device starts 100 ms after NdisIMInitializeDeviceInstanceEx returned.', { step: 'bind', start: 'later', startAfterMs: 100 }, [
  { step: 'advance-time', ms: 200 },
]);

/** The PnP manager never starts the virtual device: the unbind must cancel the request. */
export const IM_START_NEVER = imScenario('im-start-never', 'The virtual device never starts: the unbind must withdraw the request with NdisIMCancelInitializeDeviceInstance.', { step: 'bind', start: 'never' }, [
  { step: 'advance-time', ms: 200 },
]);

/** The binding goes away before the virtual device starts: cancel, and the start must not come after. */
export const IM_UNBIND_BEFORE_START = imScenario('im-unbind-before-start', 'The lower binding is removed 50 ms into a start scheduled at 500 ms: the driver cancels, and the virtual miniport is never initialized.', { step: 'bind', start: 'later', startAfterMs: 500 }, [
  { step: 'advance-time', ms: 50 },
]);

/** The lower adapter pends the open, the close and OID requests (ndis-rules §5.8, S6). */
export const IM_PENDED = imScenario(
  'im-pended',
  'NdisOpenAdapterEx, NdisCloseAdapterEx and NdisOidRequest on lower0 return NDIS_STATUS_PENDING and complete 1 ms later through ProtocolOpenAdapterCompleteEx, ProtocolCloseAdapterCompleteEx and ProtocolOidRequestComplete.',
  { step: 'bind', start: 'inside', pend: ['open', 'close', 'oid'] },
  [{ step: 'advance-time', ms: 50 }],
);

/** Two lower adapters: one virtual miniport per binding. */
export const IM_TWO_ADAPTERS: ScenarioInput = {
  name: 'im-two-adapters',
  description: 'The intermediate driver binds to lower0 and lower1 and brings up one virtual miniport for each.',
  steps: [
    { step: 'load' },
    { step: 'bind', lower: 'lower0', start: 'inside' },
    { step: 'bind', lower: 'lower1', start: 'later', startAfterMs: 20 },
    { step: 'advance-time', ms: 100 },
    { step: 'expect-binding', lower: 'lower0', state: 'Running' },
    { step: 'expect-binding', lower: 'lower1', state: 'Running' },
    { step: 'unbind', lower: 'lower1' },
    { step: 'unbind', lower: 'lower0' },
    { step: 'unload' },
  ],
};

/** A miniport-intermediate driver: IMMiniport chooses the registration per device instance. */
export const MINIPORT_IM: ScenarioInput = {
  name: 'miniport-im',
  description: 'A miniport-intermediate driver gets a physical device instance (IMMiniport absent) and a virtual one (IMMiniport = 1): NDIS calls the matching MiniportInitializeEx for each. Reference driver: resources/examples/miniport-im.',
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'physical0' },
    { step: 'add-device', name: 'virtual0', registry: { IMMiniport: 1 } },
    { step: 'restart', adapter: 'physical0' },
    { step: 'restart', adapter: 'virtual0' },
    { step: 'advance-time', ms: 50 },
    { step: 'pause', adapter: 'virtual0' },
    { step: 'halt', adapter: 'virtual0' },
    { step: 'pause', adapter: 'physical0' },
    { step: 'halt', adapter: 'physical0' },
    { step: 'unload' },
  ],
};

/** OID_GEN_LINK_STATE (ntddndis.h): the LabNIC miniport answers it from its PHY, pending the request. */
const OID_GEN_LINK_STATE = 0x00010207;

/**
 * `im-over-labnic`: an intermediate driver over a real LabNIC adapter, run by the lab's reference
 * LabNIC miniport. Traffic both ways through the virtual miniport, a link-state query the miniport
 * below pends, a link flap, more traffic, then the NIC is surprise-removed: NDIS unbinds the driver
 * (which takes its virtual miniport down) before it halts the miniport below.
 */
export const IM_OVER_LABNIC: ScenarioInput = {
  name: 'im-over-labnic',
  description: 'An intermediate driver over a LabNIC adapter driven by the reference LabNIC miniport: frames both ways, a pended OID below, a link flap, then a surprise removal that unbinds the driver before the miniport is halted.',
  steps: [
    { step: 'load' },
    { step: 'bind', lower: 'lower0', start: 'inside', below: 'labnic' },
    { step: 'expect-binding', lower: 'lower0', state: 'Running' },
    // The virtual miniport runs (the higher protocol bound to it); NDIS sends through it, frames arrive below.
    { step: 'send', count: 64, bytes: 128 },
    { step: 'inject-frame', lower: 'lower0', count: 64, bytes: 128, burst: 8, intervalUs: 100 },
    { step: 'advance-time', ms: 20 },
    { step: 'expect-traffic', lower: 'lower0', minIndicated: 64, minSent: 64 },
    // The physical link's state: a pass-through asks the adapter below, which asks its PHY (pended).
    { step: 'oid', oid: OID_GEN_LINK_STATE, request: 'query' },
    // The link drops for 50 ms: the miniport below indicates it, the driver passes it up.
    { step: 'hw-fault', adapter: 'lower0', fault: { kind: 'link-flap', downMs: 50 } },
    { step: 'advance-time', ms: 10 },
    { step: 'expect-link', state: 'down' },
    { step: 'advance-time', ms: 100 },
    { step: 'expect-link', state: 'up' },
    { step: 'send', count: 16, bytes: 256 },
    { step: 'inject-frame', lower: 'lower0', count: 16, bytes: 256, burst: 4, intervalUs: 50 },
    { step: 'advance-time', ms: 20 },
    { step: 'expect-traffic', lower: 'lower0', minIndicated: 80, minSent: 80 },
    // The NIC vanishes: NDIS unbinds the driver first, then pauses and halts the miniport below.
    { step: 'hw-fault', adapter: 'lower0', fault: { kind: 'surprise-removal' } },
    { step: 'advance-time', ms: 20 },
    { step: 'expect-binding', lower: 'lower0', state: 'Unbound' },
    { step: 'expect-state', state: 'Halted' },
    { step: 'expect-state', adapter: 'lower0', state: 'Halted' },
    { step: 'unload' },
  ],
};

/** Scenarios runnable by name (`ndis-lab run --scenario traffic`, the window's scenario picker). */
export const BUILT_IN_SCENARIOS: Readonly<Record<string, ScenarioInput>> = {
  default: DEFAULT_SCENARIO,
  traffic: TRAFFIC_SCENARIO,
  faults: FAULTS_SCENARIO,
  'im-start-inside': IM_START_INSIDE,
  'im-start-later': IM_START_LATER,
  'im-start-never': IM_START_NEVER,
  'im-unbind-before-start': IM_UNBIND_BEFORE_START,
  'im-pended': IM_PENDED,
  'im-two-adapters': IM_TWO_ADAPTERS,
  'miniport-im': MINIPORT_IM,
  'im-over-labnic': IM_OVER_LABNIC,
};

