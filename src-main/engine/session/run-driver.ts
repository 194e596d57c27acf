import { Scenario, DEFAULT_SCENARIO, needsReferenceLabnic, type ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import '../../sim/ndis/index';
import { FaultPlan, parseFault, formatFault, type FaultSpec } from '../../sim/session/faults';
import { runScenario, type RunResult, type ScenarioOptions } from '../../sim/session/scenario';
import { setLowerDriverImage, type LowerDriverImage } from '../../sim/ndis/lower-miniport';
import { Session, type SessionLimits, type SessionOptions } from '../../sim/session/session';
import { FUEL_GLOBAL_EXPORT, instrumentLoops } from '../../sim/wasm/instrument';
import type { BuildOutput } from '../toolchain/build-types';
import { createSourceMap } from './source-map';

/** The name the reference LabNIC driver runs under below a binding (its example folder). */
export const LABNIC_REFERENCE = 'labnic-miniport';

export interface RunOptions {
  build: Pick<BuildOutput, 'wasm' | 'lineTable' | 'inlineTable'>;
  driverName: string;
  /**
   * The build of the reference LabNIC driver (resources/examples/labnic-miniport), for scenarios
   * that bind to a LabNIC adapter below (a bind step with below: 'labnic', the default).
   */
  lower?: Pick<BuildOutput, 'wasm' | 'lineTable' | 'inlineTable'>;
  /** Before each NDIS call of the driver below (the host's heartbeat; breakpoints are for the driver under test only). */
  lowerBeforeCall?: SessionOptions['beforeCall'];
  /** Show the driver below's own NDIS calls, callbacks and prints too (marked driver: 'lower'); off by default. */
  traceLower?: boolean;
  scenario?: ScenarioInput;
  faults?: readonly string[];
  /** Systematic fault injection: the call site ('Api@offset') this run fails. */
  systematicTarget?: string;
  seed?: number;
  tracing?: boolean;
  limits?: Partial<SessionLimits>;
  onEvent?(event: SimEvent): void;
  beforeCall?: SessionOptions['beforeCall'];
  /** Steps given to the run while it goes (run.act): runScenario takes them at its idle points. */
  takeLive?: ScenarioOptions['takeLive'];
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
  if (needsReferenceLabnic(scenario)) {
    if (!options.lower) throw new Error('this scenario binds to a LabNIC adapter below (a bind step with below: labnic, the default), so the run needs the reference LabNIC driver\'s build; or bind with below: model');
    setLowerDriverImage(session, { ...lowerImage(options.lower, options.lowerBeforeCall), ...(options.traceLower ? { traceInternals: true } : {}) });
  }
  session.emit({ kind: 'run.started', driver: options.driverName, seed, scenario: scenario.name, faults: specs.map(formatFault) });
  const result = runScenario(session, scenario, options.driverName, options.takeLive ? { takeLive: options.takeLive } : {});
  const describeSite = (key: string): string => {
    const site = sourceMap.lookup(Number(key.slice(key.lastIndexOf('@') + 1)));
    return site ? `${site.file}:${site.line}` : 'unknown';
  };
  return { result, sitesSeen: faults.sitesSeen, describeSite };
}

/** Instrumented reference builds, by module bytes: a run that reuses a build does not instrument it again. */
const prepared = new WeakMap<Uint8Array, { wasm: Uint8Array; fuelGlobal: string; siteGlobal?: string; callSiteOffsets?: Uint32Array; sourceMap: ReturnType<typeof createSourceMap> }>();

/** The reference LabNIC driver, instrumented and mapped to its sources like the driver under test. */
function lowerImage(build: NonNullable<RunOptions['lower']>, beforeCall: RunOptions['lowerBeforeCall']): LowerDriverImage {
  if (!build.wasm || !build.lineTable) throw new Error('the reference LabNIC driver did not build: nothing to run below the binding');
  let ready = prepared.get(build.wasm);
  if (!ready) {
    const instrumented = instrumentLoops(build.wasm);
    ready = {
      wasm: instrumented.wasm,
      fuelGlobal: instrumented.fuelGlobalExport ?? FUEL_GLOBAL_EXPORT,
      ...(instrumented.siteGlobalExport ? { siteGlobal: instrumented.siteGlobalExport } : {}),
      ...(instrumented.callSiteOffsets ? { callSiteOffsets: instrumented.callSiteOffsets } : {}),
      sourceMap: createSourceMap(build.lineTable, build.inlineTable, (o) => instrumented.toOriginalOffset(o)),
    };
    prepared.set(build.wasm, ready);
  }
  return { name: LABNIC_REFERENCE, ...ready, ...(beforeCall ? { beforeCall } : {}) };
}
