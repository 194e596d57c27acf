import { z } from 'zod';

/** A device instance's registry values (IMMiniport, NetworkAddress, keywords): DWORDs or strings. */
export const RegistryValues = z.record(z.string().regex(/^[A-Za-z0-9_*.-]+$/, 'a registry value name'), z.union([z.number().int().min(0).max(0xffffffff), z.string().max(1024)]));

/**
 * A protocol's per-binding registry key (NdisOpenProtocolConfiguration): DWORDs, strings, and
 * REG_MULTI_SZ values as arrays of strings (UpperBindings: the virtual device instance names).
 */
export const BindingRegistryValues = z.record(
  z.string().regex(/^[A-Za-z0-9_*.-]+$/, 'a registry value name'),
  z.union([z.number().int().min(0).max(0xffffffff), z.string().max(1024), z.array(z.string().min(1).max(1024)).min(1).max(16).readonly()]),
);

const adapter = { adapter: z.string().min(1).max(64).optional() };

/**
 * A hardware fault of the device under an adapter (LabNIC; see resources/docs/labnic.md, Faults).
 * Seeded and deterministic: the same scenario and seed give the same run.
 */
export const HardwareFault = z.discriminatedUnion('kind', [
  /** The causes (ICR bits; default TXDW) are set now and again every time they are cleared. */
  z.object({ kind: z.literal('interrupt-storm'), causes: z.number().int().min(1).max(0xffffffff).optional() }).strict(),
  /** The interrupt line stays asserted whatever the driver does. */
  z.object({ kind: z.literal('stuck-interrupt') }).strict(),
  /** The next `count` interrupts are latched in ICR but never signalled. */
  z.object({ kind: z.literal('lost-interrupt'), count: z.number().int().min(1).max(1_000_000).default(1) }).strict(),
  /** The next `count` bus-master transfers fail: DMAERR, and the engine that failed stops. */
  z.object({ kind: z.literal('dma-error'), count: z.number().int().min(1).max(1_000_000).default(1) }).strict(),
  /** The device is gone: registers read all ones; PnP then reports the surprise removal to NDIS. */
  z.object({ kind: z.literal('surprise-removal') }).strict(),
  /** The EEPROM's checksum word is wrong (effective from the next EEPROM read). */
  z.object({ kind: z.literal('bad-eeprom-checksum') }).strict(),
  /** The link goes down now and comes back `downMs` later. */
  z.object({ kind: z.literal('link-flap'), downMs: z.number().min(0).max(3_600_000).default(100) }).strict(),
  /** CTRL.RST never completes. */
  z.object({ kind: z.literal('reset-hang') }).strict(),
  /** CTRL.RST completes `delayMs` after the write instead of the normal reset time. */
  z.object({ kind: z.literal('reset-late'), delayMs: z.number().min(0).max(3_600_000).default(20) }).strict(),
  /** The link partner floods the NIC: `frames` frames back to back, more than the receive ring holds. */
  z.object({ kind: z.literal('receive-overrun'), frames: z.number().int().min(1).max(100_000).default(1024) }).strict(),
  /** PnP grants a line-based interrupt although the device and its INF ask for MSI (only before the device starts). */
  z.object({ kind: z.literal('msi-as-line') }).strict(),
  /** Ends the interrupt, DMA and reset faults (a surprise removal is for good). */
  z.object({ kind: z.literal('clear') }).strict(),
]);
export type HardwareFault = z.infer<typeof HardwareFault>;
/** A fault as written (defaults not yet applied). */
export type HardwareFaultInput = z.input<typeof HardwareFault>;
export type HardwareFaultKind = HardwareFault['kind'];

/** A MAC address as text, 02:4c:41:42:00:01. */
const MacAddress = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'a MAC address like 02:4c:41:42:00:01');

/** One step of a scenario: what the system (PnP, NDIS, the wire, time) does next. */
export const ScenarioStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('load') }).strict(),
  z.object({
    step: z.literal('add-device'),
    name: z.string().min(1).max(64).default('adapter0'),
    registry: RegistryValues.default({}),
    /** The hardware under the adapter: a device kind the simulator knows (absent: 'virtual', no hardware). */
    device: z.string().min(1).max(64).optional(),
    /** Hardware faults in effect from power-on (bad-eeprom-checksum, reset-hang, msi-as-line, …). */
    faults: z.array(HardwareFault).max(32).readonly().optional(),
  }).strict(),
  z.object({ step: z.literal('restart'), ...adapter }).strict(),
  z.object({ step: z.literal('pause'), ...adapter }).strict(),
  z.object({ step: z.literal('halt'), ...adapter }).strict(),
  z.object({ step: z.literal('shutdown'), ...adapter }).strict(),
  z.object({ step: z.literal('unload') }).strict(),
  z.object({ step: z.literal('advance-time'), ms: z.number().min(0).max(3_600_000) }).strict(),
  z.object({ step: z.literal('send'), ...adapter, count: z.number().int().min(1).max(1_000_000).default(1), bytes: z.number().int().min(14).max(65_535).default(64) }).strict(),
  z.object({ step: z.literal('oid'), ...adapter, oid: z.number().int().min(0).max(0xffffffff), request: z.enum(['query', 'set']).default('query'), data: z.array(z.number().int().min(0).max(255)).max(4096).readonly().default([]) }).strict(),
  /**
   * The link partner sends `count` frames to the adapter's NIC: `burst` frames back to back, then a
   * pause of `intervalUs` of virtual time before the next burst (the first burst arrives at once,
   * the rest while later steps let time pass). Each frame carries a sequence number after the
   * Ethernet header, so the run can check every frame was indicated exactly once.
   */
  z.object({
    step: z.literal('inject-frame'),
    ...adapter,
    count: z.number().int().min(1).max(1_000_000).default(1),
    bytes: z.number().int().min(18).max(9018).default(64),
    burst: z.number().int().min(1).max(65_536).default(1),
    intervalUs: z.number().min(0).max(60_000_000).default(100),
    /** 'station': the NIC's own address (RAL0/RAH0); 'broadcast'; or a MAC address. */
    dest: z.union([z.enum(['station', 'broadcast']), MacAddress]).default('station'),
    /** Instead of an adapter's NIC: frames arrive at this lower adapter and NDIS indicates them to the bound protocol. */
    lower: z.string().min(1).max(64).optional(),
  }).strict(),
  /** A hardware fault of the adapter's device happens now. */
  z.object({ step: z.literal('hw-fault'), ...adapter, fault: HardwareFault }).strict(),
  /** PnP reports the device surprise-removed: NDIS notifies the miniport, pauses and halts it (NdisHaltDeviceSurpriseRemoved). */
  z.object({ step: z.literal('surprise-remove'), ...adapter }).strict(),
  /**
   * Checks the wire: every frame injected and accepted by the NIC was indicated exactly once, with
   * the same bytes and in order, and every frame NDIS sent and the driver completed with success
   * went on the wire exactly once. Optional minimums guard against a run where nothing moved.
   */
  z.object({
    step: z.literal('expect-traffic'),
    ...adapter,
    minIndicated: z.number().int().min(0).default(0),
    minSent: z.number().int().min(0).default(0),
    /**
     * Instead of an adapter: the binding over this lower adapter (LabNIC below). Every frame the
     * bound driver sent down reached the LabNIC wire exactly once, and every frame injected at the
     * lower adapter was indicated to the bound protocol exactly once (minimums: frames indicated to
     * the protocol, frames on the wire).
     */
    lower: z.string().min(1).max(64).optional(),
  }).strict(),
  /** The last NDIS_STATUS_LINK_STATE the adapter indicated says connected ('up') or disconnected ('down'). */
  z.object({ step: z.literal('expect-link'), ...adapter, state: z.enum(['up', 'down']) }).strict(),
  /** The driver wrote at least `min` error log entries (NdisWriteErrorLogEntry) for the adapter. */
  z.object({ step: z.literal('expect-error-log'), ...adapter, min: z.number().int().min(0).default(1) }).strict(),
  /**
   * NDIS binds the driver's protocol to a lower adapter (created on first use): ProtocolBindAdapterEx,
   * then NetEventRestart. `start` is when the PnP manager starts a virtual device the driver asks
   * for during this bind (NdisIMInitializeDeviceInstanceEx): inside that call, `startAfterMs` later,
   * or never. `below` is what the lower adapter is: 'labnic' (the default), a LabNIC device run by
   * the lab's reference LabNIC miniport, which NDIS loads, initializes and restarts (and whose link
   * comes up) before the bind; or 'model', a built-in stand-in answered by the simulator itself.
   */
  z.object({
    step: z.literal('bind'),
    lower: z.string().min(1).max(64).default('lower0'),
    start: z.enum(['inside', 'later', 'never']).default('inside'),
    startAfterMs: z.number().min(0).max(3_600_000).default(100),
    /**
     * Operations of the lower adapter that pend (ndis-rules §5.8, S6): NdisOpenAdapterEx and
     * NdisCloseAdapterEx return NDIS_STATUS_PENDING and complete 1 ms later through
     * ProtocolOpenAdapterCompleteEx / ProtocolCloseAdapterCompleteEx; NdisOidRequest returns
     * NDIS_STATUS_PENDING and completes through ProtocolOidRequestComplete.
     */
    pend: z.array(z.enum(['open', 'close', 'oid'])).max(3).readonly().default([]),
    below: z.enum(['labnic', 'model']).optional(),
    /**
     * Values of the binding's registry key (what NdisOpenProtocolConfiguration opens), over the
     * lab's defaults: UpperBindings = ["\\DEVICE\\PASSTHRU_{LAB-<LOWER>}"], the virtual device
     * instance an intermediate driver asks for over this adapter (a string is a REG_SZ).
     */
    registry: BindingRegistryValues.optional(),
  }).strict(),
  /** NDIS unbinds the protocol from the lower adapter: NetEventPause, then ProtocolUnbindAdapterEx. */
  z.object({ step: z.literal('unbind'), lower: z.string().min(1).max(64).default('lower0') }).strict(),
  /** The lower adapter's link goes up or down: NDIS indicates NDIS_STATUS_LINK_STATE to the bound protocol (ProtocolStatusEx). */
  z.object({ step: z.literal('lower-link'), lower: z.string().min(1).max(64).default('lower0'), state: z.enum(['up', 'down']) }).strict(),
  /**
   * The PnP manager starts a virtual device whose start was left pending (`start: never`, or
   * `later` before its time): the one named (its device instance name), or without a name every one waiting.
   */
  z.object({ step: z.literal('start-device'), name: z.string().min(1).max(256).optional() }).strict(),
  /** The binding over the lower adapter is in this state. */
  z.object({ step: z.literal('expect-binding'), lower: z.string().min(1).max(64).default('lower0'), state: z.enum(['Unbound', 'Opening', 'Closing', 'Paused', 'Restarting', 'Running', 'Pausing']) }).strict(),
  z.object({ step: z.literal('expect-state'), ...adapter, state: z.enum(['Halted', 'Shutdown', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing']) }).strict(),
  z.object({ step: z.literal('expect-finding'), rule: z.string().min(1) }).strict(),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

/**
 * The steps that can also happen during a run that is already going (run.act): what the bench does
 * to the system from outside (frames on a wire, a fault, PnP removing or starting a device, NDIS
 * unbinding, a request of NDIS), but not what shapes the whole run (loading, adding devices, binding)
 * nor its checks. The run takes them at its next idle point (see runScenario).
 */
export const LIVE_STEPS = ['inject-frame', 'send', 'oid', 'hw-fault', 'surprise-remove', 'pause', 'restart', 'halt', 'unbind', 'lower-link', 'start-device'] as const;
export type LiveStepName = (typeof LIVE_STEPS)[number];
export type LiveStep = Extract<ScenarioStep, { step: LiveStepName }>;

/** A step for a running run: a scenario step of LIVE_STEPS. */
export const LiveStep = ScenarioStep.refine((step): step is LiveStep => (LIVE_STEPS as readonly string[]).includes(step.step), {
  message: `not a step a running run can take: one of ${LIVE_STEPS.join(', ')}`,
  path: ['step'],
});

/** What a bind step stands on when it does not say: the real LabNIC driver below. */
export const DEFAULT_BELOW = 'labnic' as const;

/** True when a scenario binds to a LabNIC adapter below: its run needs the reference LabNIC driver. */
export function needsReferenceLabnic(scenario: { steps: readonly ScenarioStep[] } | { steps: ReadonlyArray<z.input<typeof ScenarioStep>> }): boolean {
  return scenario.steps.some((s) => s.step === 'bind' && (s.below ?? DEFAULT_BELOW) === 'labnic');
}

export const Scenario = z
  .object({
    name: z.string().min(1).max(100).default('custom'),
    description: z.string().max(2000).optional(),
    steps: z.array(ScenarioStep).min(1).max(10_000).readonly(),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

/** load; add one device; init; restart; a little traffic; pause; halt; unload. */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'default',
  description: 'Load the driver, add one device, run it with a little traffic, then pause, halt and unload.',
  steps: [
    { step: 'load' },
    { step: 'add-device', name: 'adapter0' },
    { step: 'restart' },
    { step: 'send', count: 4 },
    { step: 'advance-time', ms: 100 },
    { step: 'pause' },
    { step: 'halt' },
    { step: 'unload' },
  ],
};
