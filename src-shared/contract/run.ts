import { z } from 'zod';
import { BuildSummary } from './build';
import { LiveStep, Scenario } from './scenario';

export const RunResultSchema = z.object({
  result: z.enum(['clean', 'findings', 'bugcheck']),
  driver: z.object({ loaded: z.boolean(), unloaded: z.boolean() }),
  adapters: z.array(z.object({ name: z.string(), state: z.string(), history: z.array(z.string()) })),
  findings: z.array(
    z.object({ rule: z.string(), severity: z.string(), message: z.string(), file: z.string().optional(), line: z.number().int().optional(), doc: z.string() }),
  ),
  bugcheck: z
    .object({ code: z.string(), params: z.array(z.string()), rule: z.string().optional(), message: z.string(), file: z.string().optional(), line: z.number().int().optional() })
    .nullable(),
  expectations: z.array(z.object({ step: z.number().int(), ok: z.boolean(), message: z.string() })),
  stoppedAt: z.object({ step: z.number().int(), rule: z.string() }).optional(),
  virtualTime: z.number(),
  ndisCalls: z.number().int(),
  /** The lab's reference drivers below the learner's bindings (the LabNIC miniport), when the run had any. */
  lower: z
    .array(z.object({ driver: z.string(), adapters: z.array(z.object({ name: z.string(), state: z.string(), history: z.array(z.string()) })), ndisCalls: z.number().int() }))
    .optional(),
});
export type RunResultData = z.infer<typeof RunResultSchema>;

export const BreakpointsSchema = z
  .object({
    apis: z.array(z.string().regex(/^[A-Za-z_]\w*$/, 'an NDIS function name')).max(500).default([]),
    lines: z.array(z.object({ file: z.string().min(1), line: z.number().int().positive() })).max(500).default([]),
  })
  .strict();

export const RunStartInput = z
  .object({
    files: z.record(z.string(), z.string()),
    scenario: Scenario.optional(),
    faults: z.array(z.string().regex(/^(systematic|[A-Za-z_]\w*@[1-9]\d*)$/, 'Api@N or systematic')).max(64).default([]),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    breakpoints: BreakpointsSchema.optional(),
    /** Start paused, before the first event (to step from the very beginning). */
    paused: z.boolean().default(false),
    /** The run's speed: at most this many events per wall-clock second; absent or 0 runs freely (see run.speed). */
    eventsPerSecond: z.number().int().min(0).max(10_000_000).optional(),
  })
  .strict();

/** runId is null when the build failed (the diagnostics are in build). */
export const RunStartOutput = z.object({ runId: z.string().nullable(), build: BuildSummary });

export const RunControlInput = z
  .object({ runId: z.string(), action: z.enum(['pause', 'resume', 'step', 'stop']), events: z.number().int().min(1).max(1_000_000).default(1) })
  .strict();

/**
 * A run's speed: at most `eventsPerSecond` simulator events per wall-clock second, 0 for as fast as
 * the simulator goes. Virtual time and the events are the same at any speed; only the wall clock differs.
 */
export const RunSpeedInput = z.object({ runId: z.string(), eventsPerSecond: z.number().int().min(0).max(10_000_000) }).strict();

/** Steps for a run already going (LIVE_STEPS), taken in order at its next idle point. */
export const RunActInput = z.object({ runId: z.string(), steps: z.array(LiveStep).min(1).max(16) }).strict();

export const RunState = z.enum(['running', 'paused', 'finished', 'stopped', 'failed']);
export type RunState = z.infer<typeof RunState>;
