import { z } from 'zod';
import { RunResultSchema, RunState } from './run';
import { Scenario } from './scenario';

/**
 * The records of a session log (NDJSON, one JSON object a line): the header first, then the run's
 * events numbered from 1 (`{"seq": 1, ...SimEvent}`), then, in logs the engine records, an end
 * record with how the run ended. The events are SimEvents (sim-events.ts); SESSION_LOG_VERSION
 * there is the version written in the header.
 */
export const SESSION_LOG_TYPE = 'ndis-lab-session';
export const SESSION_END_TYPE = 'ndis-lab-end';

export const SessionLogHeader = z.object({
  type: z.literal(SESSION_LOG_TYPE),
  version: z.number().int().positive(),
  driver: z.string(),
  seed: z.number().int(),
  /** The scenario's name. */
  scenario: z.string(),
  faults: z.array(z.string()),
  buildHash: z.string(),
  /** The project's sources (path → text) as they were built: a replay shows them in the editor. */
  files: z.record(z.string(), z.string()).optional(),
  /** The whole scenario the run went through (with the bench applied). */
  scenarioSpec: Scenario.optional(),
});
export type SessionLogHeader = z.infer<typeof SessionLogHeader>;

/** The last record of a recorded run: how it ended, and the result the engine reported. */
export const SessionLogEnd = z.object({
  type: z.literal(SESSION_END_TYPE),
  state: RunState,
  reason: z.string().optional(),
  result: RunResultSchema.optional(),
});
export type SessionLogEnd = z.infer<typeof SessionLogEnd>;
