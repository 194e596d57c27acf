import { z } from 'zod';

/**
 * What happens in a run, one event per thing: every NDIS call, every callback into the driver,
 * every state change, allocation, finding and bug check. `t` is virtual time in 100 ns ticks.
 * These are the lines of a session's NDJSON log (with `seq`), and what the window shows.
 */
/**
 * `driver: 'lower'` marks what the lab's own reference driver below a binding did (the LabNIC
 * miniport under an intermediate driver): its calls, callbacks, state changes, findings, register
 * accesses. Its files are named `ndis-lab:examples/<driver>/<file>`, never a path of the learner's
 * project, so nothing offers to open them in the learner's editor.
 */
const Origin = { driver: z.literal('lower').optional() };
const at = { t: z.number().nonnegative(), ...Origin };
const Site = { file: z.string().optional(), line: z.number().int().optional() };

export const SimRunStarted = z.object({
  ...at,
  kind: z.literal('run.started'),
  driver: z.string(),
  seed: z.number().int(),
  scenario: z.string(),
  faults: z.array(z.string()),
});
export const SimRunFinished = z.object({
  ...at,
  kind: z.literal('run.finished'),
  result: z.enum(['clean', 'findings', 'bugcheck']),
  findings: z.number().int(),
  /** Every NDIS call the driver made, traced or not (the result's ndisCalls). */
  ndisCalls: z.number().int().optional(),
  /** The lab's drivers below a binding and their NDIS calls (their adapters' states are events of their own). */
  lower: z.array(z.object({ driver: z.string().max(64), ndisCalls: z.number().int() })).max(8).optional(),
});
export const SimScenarioStep = z.object({
  ...at,
  kind: z.literal('scenario.step'),
  /** The scenario's step (for a live step, the one the run was in when it took it). */
  index: z.number().int(),
  step: z.string(),
  status: z.enum(['started', 'done', 'failed', 'skipped']),
  detail: z.string().optional(),
  /** A step the bench gave the run while it went (run.act), not one of its scenario's. */
  live: z.boolean().optional(),
  /**
   * Set when the step recorded an expectation of the run (an expect-* step, or a step that could
   * not happen): whether it held; `detail` says what was found. A log replays the result's expectations from it.
   */
  ok: z.boolean().optional(),
});
export const SimNdisCall = z.object({
  ...at,
  ...Site,
  kind: z.literal('ndis.call'),
  api: z.string(),
  args: z.array(z.string()),
  result: z.string().optional(),
  irql: z.number().int(),
});
export const SimCallback = z.object({
  ...at,
  kind: z.literal('driver.callback'),
  handler: z.string(),
  phase: z.enum(['enter', 'exit']),
  irql: z.number().int(),
  result: z.string().optional(),
});
export const SimAdapterState = z.object({
  ...at,
  kind: z.literal('adapter.state'),
  adapter: z.string(),
  from: z.string(),
  to: z.string(),
});
export const SimDriverState = z.object({ ...at, kind: z.literal('driver.state'), state: z.string() });
export const SimResource = z.object({
  ...at,
  ...Site,
  kind: z.literal('resource'),
  op: z.enum(['alloc', 'free']),
  resource: z.string(),
  address: z.number().int(),
  size: z.number().int().optional(),
  tag: z.string().optional(),
});
export const SimFinding = z.object({
  ...at,
  ...Site,
  kind: z.literal('finding'),
  rule: z.string(),
  severity: z.enum(['bugcheck', 'stop', 'api-fail', 'warn']),
  message: z.string(),
  doc: z.string(),
});
export const SimBugCheck = z.object({
  ...at,
  ...Site,
  kind: z.literal('bugcheck'),
  code: z.number().int(),
  params: z.array(z.number().int()).length(4),
  rule: z.string().optional(),
  message: z.string(),
});
export const SimDebugPrint = z.object({ ...at, ...Site, kind: z.literal('debug.print'), text: z.string() });
export const SimErrorLog = z.object({ ...at, ...Site, kind: z.literal('error.log'), code: z.number().int(), values: z.array(z.number().int()) });
export const SimStatusIndication = z.object({ ...at, ...Site, kind: z.literal('status.indication'), adapter: z.string(), status: z.string(), detail: z.string().optional() });
/** A configuration value the driver read (NdisReadConfiguration, NdisReadNetworkAddress). */
export const SimRegistryRead = z.object({
  ...at,
  ...Site,
  kind: z.literal('registry.read'),
  /** The adapter whose device registry was read, 'driver' for the driver's Parameters key, or a protocol's key for one binding (its ProtocolSection, e.g. `PassthruIm\Parameters\Adapters\{LAB-LOWER0}`). */
  scope: z.string(),
  keyword: z.string(),
  requested: z.string(),
  found: z.boolean(),
  value: z.string().optional(),
});
export const SimRegistryWrite = z.object({ ...at, ...Site, kind: z.literal('registry.write'), scope: z.string(), keyword: z.string(), value: z.string() });
/** NBLs changing hands between NDIS and the driver. */
export const SimNbl = z.object({
  ...at,
  ...Site,
  kind: z.literal('nbl'),
  op: z.enum(['send', 'send-complete', 'indicate', 'return']),
  adapter: z.string(),
  count: z.number().int(),
  status: z.string().optional(),
  detail: z.string().optional(),
});
/** A frame on the wire: sent by the driver (completed with success) or received and indicated up. */
export const SimWireFrame = z.object({
  ...at,
  kind: z.literal('wire.frame'),
  adapter: z.string(),
  direction: z.enum(['tx', 'rx']),
  length: z.number().int(),
  /** The first bytes of the frame, hex. */
  head: z.string(),
  /** The whole frame, base64: what a capture (pcap) and a replay need. */
  data: z.string().max(90_000).optional(),
});
export const SimOidRequest = z.object({
  ...at,
  kind: z.literal('oid.request'),
  adapter: z.string(),
  oid: z.string(),
  request: z.enum(['query', 'set', 'method']),
  length: z.number().int(),
});
export const SimOidComplete = z.object({
  ...at,
  ...Site,
  kind: z.literal('oid.complete'),
  adapter: z.string(),
  oid: z.string(),
  status: z.string(),
  mode: z.enum(['sync', 'pended']),
  bytes: z.number().int(),
});
export const SimFaultInjected = z.object({
  ...at,
  ...Site,
  kind: z.literal('fault.injected'),
  api: z.string(),
  call: z.number().int(),
  outcome: z.string(),
});

/** A register or I/O port access of the driver, forwarded to the adapter's device. */
export const SimHwRegister = z.object({
  ...at,
  ...Site,
  kind: z.literal('hw.register'),
  adapter: z.string(),
  space: z.enum(['memory', 'port']),
  op: z.enum(['read', 'write']),
  /** Offset in the memory range (bar) or the bus port number. */
  offset: z.number().int(),
  bar: z.number().int().optional(),
  size: z.number().int(),
  value: z.number().int(),
  /** The device's name for the register, when it has one. */
  register: z.string().optional(),
  /** The value split into the register's fields, as text: "EN=1 BAM=1 BSIZE=0 (2048 bytes)". */
  fields: z.string().optional(),
});

/** One register in a device snapshot, with its fields decoded. */
export const HwRegisterValue = z.object({
  name: z.string(),
  offset: z.number().int(),
  value: z.number().int(),
  fields: z.array(z.object({ name: z.string(), lsb: z.number().int(), width: z.number().int(), access: z.string(), value: z.number().int(), text: z.string().optional() })),
});
export type HwRegisterValue = z.infer<typeof HwRegisterValue>;

/** One descriptor ring of a device: where it is, and who owns which descriptors. */
export const HwRing = z.object({
  name: z.string(),
  /** Bus address of the ring, hex. */
  base: z.string(),
  descriptors: z.number().int(),
  head: z.number().int(),
  tail: z.number().int(),
  enabled: z.boolean(),
  /** The descriptors the device owns now (head up to tail), as the datasheet defines ownership. */
  deviceOwned: z.number().int(),
});

/**
 * The state of an adapter's device, for the hardware panel: taken without side effects (no
 * read-to-clear), after every scenario step and when a fault is injected, so a log replays the panel.
 */
export const SimHwSnapshot = z.object({
  ...at,
  kind: z.literal('hw.snapshot'),
  adapter: z.string(),
  device: z.string(),
  registers: z.array(HwRegisterValue),
  irq: z.object({
    /** The line (or MSI) as the device drives it now. */
    asserted: z.boolean(),
    /** Causes latched (ICR) and enabled (IMS). */
    causes: z.number().int(),
    mask: z.number().int(),
    messageBased: z.boolean(),
    /** Interrupts signalled, ISR calls, and DPCs so far. */
    raised: z.number().int(),
    isrCalls: z.number().int(),
  }),
  rings: z.array(HwRing),
  /** The first 64 bytes of PCI configuration space, hex. */
  pci: z.string(),
  link: z.enum(['up', 'down']),
  faults: z.array(z.string()),
  lastDmaError: z.string().optional(),
});
/** The device raised its interrupt, and what became of it (ISR claimed it, not claimed, or it had to wait). */
export const SimHwInterrupt = z.object({
  ...at,
  kind: z.literal('hw.interrupt'),
  adapter: z.string(),
  outcome: z.enum(['claimed', 'not-claimed', 'deferred', 'no-handler', 'spurious']),
  dpc: z.boolean().optional(),
  message: z.number().int().optional(),
});

/** Check for hang, reset and removal of an adapter NDIS drives (reset.ts). */
export const SimAdapterReset = z.object({
  ...at,
  ...Site,
  kind: z.literal('adapter.reset'),
  adapter: z.string(),
  phase: z.enum(['check-for-hang', 'reset', 'pended', 'completed', 'remove-requested', 'removed', 'surprise-removed']),
  hung: z.boolean().optional(),
  status: z.string().optional(),
  addressingReset: z.boolean().optional(),
});

/** A protocol binding changed state (ndis-rules §3.3): the driver's protocol edge over a lower adapter. */
export const SimBindingState = z.object({ ...at, kind: z.literal('binding.state'), lower: z.string(), protocol: z.string(), from: z.string(), to: z.string() });

/** NDIS explains a call's outcome (why a registration was refused, …): what a checked build would print. */
export const SimNdisNote = z.object({ ...at, ...Site, kind: z.literal('ndis.note'), api: z.string(), text: z.string() });

/** A hardware fault of an adapter's device happened (bench, scenario, or in effect from power-on). */
export const SimHwFault = z.object({
  ...at,
  kind: z.literal('hw.fault'),
  adapter: z.string(),
  fault: z.string(),
  detail: z.string().optional(),
});

export const SimEvent = z.discriminatedUnion('kind', [
  SimRunStarted,
  SimRunFinished,
  SimScenarioStep,
  SimNdisCall,
  SimCallback,
  SimAdapterState,
  SimDriverState,
  SimResource,
  SimFinding,
  SimBugCheck,
  SimDebugPrint,
  SimErrorLog,
  SimStatusIndication,
  SimFaultInjected,
  SimRegistryRead,
  SimRegistryWrite,
  SimNbl,
  SimWireFrame,
  SimOidRequest,
  SimOidComplete,
  SimHwRegister,
  SimHwInterrupt,
  SimAdapterReset,
  SimHwFault,
  SimHwSnapshot,
  SimNdisNote,
  SimBindingState,
]);
export type SimEvent = z.infer<typeof SimEvent>;
export type SimEventKind = SimEvent['kind'];
/** An event as the simulator builds it, before `t` is stamped. */
export type SimEventInput = SimEvent extends infer E ? (E extends SimEvent ? Omit<E, 't'> : never) : never;

/** The version of the NDJSON session log; bump when an event changes incompatibly. */
export const SESSION_LOG_VERSION = 1;
