import { Scenario, DEFAULT_SCENARIO, type ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import '../../sim/ndis/index';
import { FaultPlan, parseFault, formatFault, type FaultSpec } from '../../sim/session/faults';
import { runScenario, type RunResult } from '../../sim/session/scenario';
import { Session, type SessionLimits, type SessionOptions } from '../../sim/session/session';
import { FUEL_GLOBAL_EXPORT, instrumentLoops } from '../../sim/wasm/instrument';
import type { BuildOutput } from '../toolchain/build-types';
import { createSourceMap } from './source-map';

export interface RunOptions {
  build: Pick<BuildOutput, 'wasm' | 'lineTable' | 'inlineTable'>;
  driverName: string;
  scenario?: ScenarioInput;
  faults?: readonly string[];
  /** Systematic fault injection: the call site ('Api@offset') this run fails. */
  systematicTarget?: string;
  seed?: number;
  tracing?: boolean;
  limits?: Partial<SessionLimits>;
  onEvent?(event: SimEvent): void;
  beforeCall?: SessionOptions['beforeCall'];
}

export interface RunOutput {
  result: RunResult;
  /** Fallible call sites the run reached, in order (for systematic fault injection). */
  sitesSeen: string[];
  /** Where a site key of `sitesSeen` is in the source ('oid.c:42'); its offsets are those of the instrumented module. */
  describeSite(key: string): string;
}

/**
 * Runs a built driver through a scenario in this thread: instruments its loops (the watchdog's
 * fuel), maps its code to source lines, and drives a Session. Synchronous apart from nothing: the
 * engine calls this inside a session worker, tests and the CLI call it directly.
 */
export function runDriver(options: RunOptions): RunOutput {
  if (!options.build.wasm || !options.build.lineTable) throw new Error('the driver did not build: nothing to run');
  const scenario = Scenario.parse(options.scenario ?? DEFAULT_SCENARIO);
  const specs: FaultSpec[] = (options.faults ?? []).map(parseFault);
  const instrumented = instrumentLoops(options.build.wasm);
  const faults = new FaultPlan(specs, options.systematicTarget);
  const seed = options.seed ?? 1;
  const emit = options.onEvent ?? (() => undefined);
  const sourceMap = createSourceMap(options.build.lineTable, options.build.inlineTable, (o) => instrumented.toOriginalOffset(o));
  const session = new Session({
    wasm: instrumented.wasm,
    driverName: options.driverName,
    sourceMap,
    fuelGlobal: instrumented.fuelGlobalExport ?? FUEL_GLOBAL_EXPORT,
    siteGlobal: instrumented.siteGlobalExport,
    callSiteOffsets: instrumented.callSiteOffsets,
    seed,
    faults,
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    ...(options.limits ? { limits: options.limits } : {}),
    emit,
    ...(options.beforeCall ? { beforeCall: options.beforeCall } : {}),
  });
  session.emit({ kind: 'run.started', driver: options.driverName, seed, scenario: scenario.name, faults: specs.map(formatFault) });
  const result = runScenario(session, scenario, options.driverName);
  const describeSite = (key: string): string => {
    const site = sourceMap.lookup(Number(key.slice(key.lastIndexOf('@') + 1)));
    return site ? `${site.file}:${site.line}` : 'unknown';
  };
  return { result, sitesSeen: faults.sitesSeen, describeSite };
}
