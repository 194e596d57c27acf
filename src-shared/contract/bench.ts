import { z } from 'zod';
import { RegistryValues, type ScenarioInput } from './scenario';

/**
 * A driver project's bench (`bench.json` beside its sources): the device its adapters stand on and
 * the device instance's registry values (what an INF would write). A scenario's own `add-device`
 * settings win over it.
 */
export const BenchConfig = z
  .object({
    /** The hardware under each adapter ('labnic'), unless the scenario's add-device names one. */
    device: z.string().min(1).max(64).optional(),
    /** Registry values of every device instance, under the scenario's own. */
    registry: RegistryValues.optional(),
    /** Registry values of one device instance by its add-device name (adapter0, …), over `registry`, under the scenario's own. */
    adapters: z.record(z.string().min(1).max(64), z.object({ registry: RegistryValues.optional() }).strict()).optional(),
    /** The built-in scenario a run uses when none is chosen (an IM driver: 'im-start-inside'). */
    scenario: z.string().min(1).max(64).optional(),
  })
  .strict();
export type BenchConfig = z.infer<typeof BenchConfig>;

/** The scenario with the bench applied to its add-device steps. */
export function applyBench(scenario: ScenarioInput, bench: BenchConfig | undefined): ScenarioInput {
  if (!bench || (bench.device === undefined && bench.registry === undefined && bench.adapters === undefined)) return scenario;
  return {
    ...scenario,
    steps: scenario.steps.map((step) => {
      if (step.step !== 'add-device') return step;
      const own = bench.adapters?.[step.name ?? 'adapter0']?.registry;
      return {
        ...step,
        ...(step.device === undefined && bench.device !== undefined ? { device: bench.device } : {}),
        ...(bench.registry || own ? { registry: { ...bench.registry, ...own, ...step.registry } } : {}),
      };
    }),
  };
}

/** Parses a bench.json text; a clear error names what is wrong. */
export function parseBench(text: string, where = 'bench.json'): BenchConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = BenchConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
