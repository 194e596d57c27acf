import { z } from 'zod';
import { BenchConfig } from './bench';

/**
 * The example driver projects shipped under `resources/examples` (reference drivers, and the
 * rule-violation drivers as `rule-violations/<RULE>`), which the window opens as new projects.
 */

/** An example's name: a folder under resources/examples, one or two plain parts (no `.`/`..`, no backslash). */
export const ExampleName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)?$/, 'an example name like labnic-miniport or rule-violations/HALT-LEAK');

/** Which shelf an example sits on: a reference/sample driver, or a driver that breaks one rule on purpose. */
export const ExampleGroup = z.enum(['example', 'rule-violation']);
export type ExampleGroup = z.infer<typeof ExampleGroup>;

export const ExampleSummary = z.object({
  name: z.string(),
  /** The first heading of its README.md (or its first line, for a README without one). */
  title: z.string(),
  group: ExampleGroup,
  /** The project's source files (.c and .h), sorted. */
  files: z.array(z.string()),
  /** The example has a bench.json (its adapters' device and registry values). */
  bench: z.boolean(),
});
export type ExampleSummary = z.infer<typeof ExampleSummary>;

export const ExampleProject = z.object({
  name: z.string(),
  title: z.string(),
  group: ExampleGroup,
  /** File name → text, for every .c and .h file of the example. */
  files: z.record(z.string(), z.string()),
  /** Its bench.json, parsed. */
  bench: BenchConfig.optional(),
});
export type ExampleProject = z.infer<typeof ExampleProject>;

export const exampleCommands = {
  /** The example projects the lab ships, for "New from example". */
  'examples.list': {
    input: z.object({}).strict(),
    output: z.object({ examples: z.array(ExampleSummary) }),
  },
  /** One example's files (and its bench.json); an unknown name or a path outside the examples is refused. */
  'examples.get': {
    input: z.object({ name: ExampleName }).strict(),
    output: ExampleProject,
  },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;
