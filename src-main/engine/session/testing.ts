import type { LabEvent } from '../../../src-shared/contract';
import { needsReferenceLabnic, Scenario, DEFAULT_SCENARIO, type ScenarioInput } from '../../../src-shared/contract/scenario';
import { LabClient } from '../../../src-shared/rpc';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import type { RunResult } from '../../sim/session/scenario';
import type { SessionLimits } from '../../sim/session/session';
import type { BuildOutput } from '../toolchain/build-types';
import type { DriverBuilder } from '../toolchain/build';
import { loadTestBuilder, readExample } from '../toolchain/testing';
import type { LabEngine } from '../lab-engine';
import { LabServer } from '../lab-server';
import { MemoryTransport } from '../memory-transport';
import { runDriver, type RunOptions } from './run-driver';

let builder: Promise<DriverBuilder> | undefined;

/** One loaded compiler per test process. */
export function testBuilder(): Promise<DriverBuilder> {
  builder ??= loadTestBuilder().then((loaded) => loaded.builder);
  return builder;
}

let labnic: Promise<BuildOutput> | undefined;

/** The reference LabNIC driver (resources/examples/labnic-miniport), built once per test process: what runs below a binding. */
export function labnicReferenceBuild(): Promise<BuildOutput> {
  labnic ??= testBuilder().then((b) => {
    const built = b.build({ files: readExample('labnic-miniport'), implementedImports: null });
    if (!built.ok || !built.wasm) throw new Error(`the reference LabNIC driver does not build:\n${built.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n')}`);
    return built;
  });
  return labnic;
}

export interface DriverRun {
  result: RunResult;
  events: SimEvent[];
  sitesSeen: string[];
}

/**
 * Builds C driver sources with the lab's real clang and runs them through the simulator with a
 * scenario (the default one unless given). Compile errors fail the test with the diagnostics.
 */
export async function runDriverSource(
  files: Record<string, string>,
  options: { scenario?: ScenarioInput; faults?: string[]; seed?: number; tracing?: boolean; limits?: Partial<SessionLimits>; systematicTarget?: string; traceLower?: boolean; takeLive?: RunOptions['takeLive']; onEvent?: (event: SimEvent) => void } = {},
): Promise<DriverRun> {
  const built = (await testBuilder()).build({ files, implementedImports: null });
  const errors = built.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal');
  if (!built.ok || errors.length > 0) {
    throw new Error(`the test driver does not build:\n${built.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n')}`);
  }
  const events: SimEvent[] = [];
  const lower = needsReferenceLabnic(Scenario.parse(options.scenario ?? DEFAULT_SCENARIO)) ? await labnicReferenceBuild() : undefined;
  const { result, sitesSeen } = runDriver({
    build: built,
    driverName: 'TestDriver',
    ...options,
    ...(lower ? { lower } : {}),
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { result, events, sitesSeen };
}

/** The 1-based line of the first line of `source` containing `marker` (e.g. 'VIOLATION'). */
export function lineOf(source: string, marker: string): number {
  const index = source.split('\n').findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`no line contains ${marker}`);
  return index + 1;
}

/** A client of `engine` over the in-memory transport that keeps, as they stream, the runs' statuses and each run's simulator events. */
export async function streamingClient(engine: LabEngine): Promise<{ client: LabClient; statuses: Array<Extract<LabEvent, { kind: 'run.status' }>>; events: Map<string, SimEvent[]> }> {
  const client = await LabClient.connect(new MemoryTransport(new LabServer(engine)));
  const statuses: Array<Extract<LabEvent, { kind: 'run.status' }>> = [];
  const events = new Map<string, SimEvent[]>();
  client.onEvents((batch) => {
    for (const e of batch) {
      if (e.kind === 'run.status') statuses.push(e);
      else if (e.kind === 'run.events') {
        let list = events.get(e.runId);
        if (!list) events.set(e.runId, (list = []));
        list.push(...e.events);
      }
    }
  });
  return { client, statuses, events };
}
