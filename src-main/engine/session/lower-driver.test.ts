import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabEvent, RunResultData, SimEvent } from '../../../src-shared/contract';
import { IM_OVER_LABNIC } from '../../../src-shared/contract/built-in-scenarios';
import { Scenario } from '../../../src-shared/contract/scenario';
import { LabClient } from '../../../src-shared/rpc';
import { LabEngine } from '../lab-engine';
import { LabServer } from '../lab-server';
import { MemoryTransport } from '../memory-transport';
import { readExample } from '../toolchain/testing';
import { labnicReferenceFiles } from './reference-drivers';

/**
 * The window's path for a run with a LabNIC below a binding: run.start builds the learner's
 * intermediate driver and the reference LabNIC driver (once), and the session worker runs both.
 */

let engine: LabEngine;
let client: LabClient;
const finished = new Map<string, RunResultData>();
const simEvents = new Map<string, SimEvent[]>();

beforeAll(async () => {
  engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
  client = await LabClient.connect(new MemoryTransport(new LabServer(engine)));
  client.onEvents((events: LabEvent[]) => {
    for (const e of events) {
      if (e.kind === 'run.status' && e.state === 'finished' && e.result) finished.set(e.runId, e.result);
      if (e.kind === 'run.events') simEvents.set(e.runId, [...(simEvents.get(e.runId) ?? []), ...e.events]);
    }
  });
  await engine.builds.start();
}, 120_000);

afterAll(() => {
  client.close();
  engine.dispose();
});

async function resultOf(runId: string): Promise<RunResultData> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const result = finished.get(runId);
    if (result) return result;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${runId} did not finish`);
}

describe('a run with the reference LabNIC driver below, through the engine', () => {
  it('builds the reference driver once, runs both drivers in the session worker, and streams the marked events of the one below', async () => {
    const build = vi.spyOn(engine.builds, 'build');
    const files = readExample('passthru-im');
    const scenario = Scenario.parse(IM_OVER_LABNIC);
    const first = await client.call('run.start', { files, scenario });
    expect(first.build.ok).toBe(true);
    const result = await resultOf(first.runId!);
    expect(result.result).toBe('clean');
    expect(result.lower?.[0]?.adapters[0]?.name).toBe('lower0');
    const events = simEvents.get(first.runId!)!;
    const below = events.filter((e) => e.driver === 'lower');
    expect(below.some((e) => e.kind === 'wire.frame' && e.direction === 'tx')).toBe(true);
    expect(below.every((e) => !('file' in e) || e.file === undefined || e.file.startsWith('ndis-lab:examples/labnic-miniport/'))).toBe(true);

    const second = await client.call('run.start', { files, scenario });
    expect((await resultOf(second.runId!)).result).toBe('clean');
    const reference = JSON.stringify(labnicReferenceFiles());
    expect(build.mock.calls.filter(([project]) => JSON.stringify(project) === reference)).toHaveLength(1);
    build.mockRestore();
  }, 180_000);
});
