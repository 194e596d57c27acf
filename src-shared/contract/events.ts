import { z } from 'zod';
import { ToolchainStatus } from './build';
import { RunResultSchema, RunState } from './run';
import { SimEvent } from './sim-events';

/**
 * Every event the engine emits, as one discriminated union on `kind`. Each event carries `seq`, a
 * per-engine sequence number starting at 1 with no gaps, so a client can prove it saw every event in
 * order.
 */
const base = { seq: z.number().int().positive() };

export const EngineHeartbeatEvent = z.object({
  ...base,
  kind: z.literal('engine.heartbeat'),
  uptimeMs: z.number().nonnegative(),
});

export const DiagTickEvent = z.object({
  ...base,
  kind: z.literal('diag.tick'),
  /** Index of this tick within its burst, from 0. */
  index: z.number().int().nonnegative(),
  burst: z.number().int().nonnegative(),
  payload: z.string().optional(),
});

/** The compiler's state changed: loading progress, ready, or failed. */
export const ToolchainStatusEvent = z.object({
  ...base,
  kind: z.literal('toolchain.status'),
  status: ToolchainStatus,
});

export const BuildFinishedEvent = z.object({
  ...base,
  kind: z.literal('build.finished'),
  ok: z.boolean(),
  hash: z.string(),
  errors: z.number().int(),
  warnings: z.number().int(),
  ms: z.number(),
  cached: z.boolean(),
});

/** A batch of a run's simulator events, in order. */
export const RunEventsEvent = z.object({
  ...base,
  kind: z.literal('run.events'),
  runId: z.string(),
  events: z.array(SimEvent),
});

/** A run changed state: paused (and why), resumed, finished (with its result), stopped, failed. */
export const RunStatusEvent = z.object({
  ...base,
  kind: z.literal('run.status'),
  runId: z.string(),
  state: RunState,
  reason: z.string().optional(),
  result: RunResultSchema.optional(),
});

export const LabEvent = z.discriminatedUnion('kind', [
  EngineHeartbeatEvent,
  DiagTickEvent,
  ToolchainStatusEvent,
  BuildFinishedEvent,
  RunEventsEvent,
  RunStatusEvent,
]);
export type LabEvent = z.infer<typeof LabEvent>;
export type LabEventKind = LabEvent['kind'];
export type LabEventOf<K extends LabEventKind> = Extract<LabEvent, { kind: K }>;
/** An event before the hub has numbered it. */
export type UnsequencedEvent = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq'> : never) : never;
