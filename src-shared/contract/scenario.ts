import { z } from 'zod';

/** A device instance's registry values (IMMiniport, NetworkAddress, keywords): DWORDs or strings. */
export const RegistryValues = z.record(z.string().regex(/^[A-Za-z0-9_*.-]+$/, 'a registry value name'), z.union([z.number().int().min(0).max(0xffffffff), z.string().max(1024)]));

const adapter = { adapter: z.string().min(1).max(64).optional() };

/** One step of a scenario: what the system (PnP, NDIS, the wire, time) does next. */
export const ScenarioStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('load') }).strict(),
  z.object({
    step: z.literal('add-device'),
    name: z.string().min(1).max(64).default('adapter0'),
    registry: RegistryValues.default({}),
    /** The hardware under the adapter: a device kind the simulator knows (absent: 'virtual', no hardware). */
    device: z.string().min(1).max(64).optional(),
  }).strict(),
  z.object({ step: z.literal('restart'), ...adapter }).strict(),
  z.object({ step: z.literal('pause'), ...adapter }).strict(),
  z.object({ step: z.literal('halt'), ...adapter }).strict(),
  z.object({ step: z.literal('shutdown'), ...adapter }).strict(),
  z.object({ step: z.literal('unload') }).strict(),
  z.object({ step: z.literal('advance-time'), ms: z.number().min(0).max(3_600_000) }).strict(),
  z.object({ step: z.literal('send'), ...adapter, count: z.number().int().min(1).max(1_000_000).default(1), bytes: z.number().int().min(14).max(65_535).default(64) }).strict(),
  z.object({ step: z.literal('oid'), ...adapter, oid: z.number().int().min(0).max(0xffffffff), request: z.enum(['query', 'set']).default('query'), data: z.array(z.number().int().min(0).max(255)).max(4096).readonly().default([]) }).strict(),
  z.object({ step: z.literal('expect-state'), ...adapter, state: z.enum(['Halted', 'Shutdown', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing']) }).strict(),
  z.object({ step: z.literal('expect-finding'), rule: z.string().min(1) }).strict(),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

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
