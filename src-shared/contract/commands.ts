import { z } from 'zod';
import { BuildInput, BuildSummary, ToolchainStatus } from './build';
import { exampleCommands } from './examples';
import { exportCommands } from './exports';
import { projectCommands } from './projects';
import { BreakpointsSchema, RunActInput, RunControlInput, RunSpeedInput, RunStartInput, RunStartOutput, RunState } from './run';

/** Which host runs the engine: the desktop app, the web host, the command line, or a test. */
export const HostKind = z.enum(['electron', 'web', 'cli', 'memory']);
export type HostKind = z.infer<typeof HostKind>;

export const EngineInfo = z.object({
  name: z.string(),
  version: z.string(),
  contractVersion: z.number().int(),
  host: HostKind,
  platform: z.string(),
  nodeVersion: z.string(),
  /** Wall-clock start of the engine, ms since the epoch. */
  startedAt: z.number(),
  uptimeMs: z.number().nonnegative(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

/**
 * Every command the renderer (or any client) can send to the engine: name → input and output schema.
 * This table is the single source of truth; hosts, clients and tests derive from it.
 */
export const commands = {
  'engine.info': {
    input: z.object({}).strict(),
    output: EngineInfo,
  },
  /** Echo: used for round-trip latency measurements and liveness checks. */
  'engine.ping': {
    input: z.object({ nonce: z.number().int() }).strict(),
    output: z.object({ nonce: z.number().int(), engineTime: z.number() }),
  },
  /**
   * Ask the engine to emit `count` diagnostic tick events as fast as it can. Used by the transport
   * tests and the throughput benchmark; the ticks carry their index so order can be checked.
   */
  'diag.burst': {
    input: z
      .object({
        count: z.number().int().min(1).max(5_000_000),
        payloadBytes: z.number().int().min(0).max(65_536).default(0),
      })
      .strict(),
    output: z.object({ emitted: z.number().int(), firstSeq: z.number().int(), lastSeq: z.number().int() }),
  },
  /** Where the compiler is: loading in the background (with progress), ready, or failed. */
  'toolchain.status': {
    input: z.object({}).strict(),
    output: ToolchainStatus,
  },
  /** Compiles a driver project with clang to wasm32; diagnostics come back structured. */
  'build.run': {
    input: BuildInput,
    output: BuildSummary,
  },
  /** Builds a driver and runs it against the simulated NDIS in a session worker; events follow. */
  'run.start': {
    input: RunStartInput,
    output: RunStartOutput,
  },
  /** Pause at the next event boundary, resume, step N events, or stop a run. */
  'run.control': {
    input: RunControlInput,
    output: z.object({ runId: z.string(), state: RunState }),
  },
  /** Sets how fast a run goes: at most N events per wall-clock second, or 0 for no limit. */
  'run.speed': {
    input: RunSpeedInput,
    output: z.object({ runId: z.string(), eventsPerSecond: z.number().int() }),
  },
  /**
   * Does something to a run that is going (running or paused): frames on a wire, a fault, a PnP
   * removal or start, an unbinding, a request (LIVE_STEPS). The run takes the steps in order at its
   * next idle point (a paused run, once it goes on); `waiting` counts the steps not yet taken.
   */
  'run.act': {
    input: RunActInput,
    output: z.object({ runId: z.string(), waiting: z.number().int() }),
  },
  /** Replaces a run's breakpoints: NDIS functions, and source lines that call NDIS. */
  'run.breakpoints': {
    input: z.object({ runId: z.string(), breakpoints: BreakpointsSchema }).strict(),
    output: z.object({ runId: z.string() }),
  },
  /** examples.list, examples.get: the example projects under resources/examples (examples.ts). */
  ...exampleCommands,
  /** export.save, export.read: a run's NDJSON log, pcap and HTML report (exports.ts). */
  ...exportCommands,
  /** project.*: projects on disk, recent projects, autosave (projects.ts). */
  ...projectCommands,
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What a caller passes (defaults may be omitted). */
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>;
/** What a handler receives after validation (defaults filled in). */
export type CommandParsedInput<K extends CommandName> = z.output<Commands[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<Commands[K]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name);
}
