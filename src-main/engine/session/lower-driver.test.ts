import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunResultData, SimEvent } from '../../../src-shared/contract';
import { IM_OVER_LABNIC } from '../../../src-shared/contract/built-in-scenarios';
import { Scenario } from '../../../src-shared/contract/scenario';
import type { LabClient } from '../../../src-shared/rpc';
import { LabEngine } from '../lab-engine';
import { readExample } from '../toolchain/testing';
import { labnicReferenceFiles } from './reference-drivers';
import { streamingClient } from './testing';

/**
 * The window's path for a run with a LabNIC below a binding: run.start builds the learner's
 * intermediate driver and the reference LabNIC driver (once), and the session worker runs both.
 */

let engine: LabEngine;
let client: LabClient;
let statuses: Awaited<ReturnType<typeof streamingClient>>['statuses'];
let simEvents: Map<string, SimEvent[]>;

beforeAll(async () => {
  engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
  ({ client, statuses, events: simEvents } = await streamingClient(engine));
  await engine.builds.start();
}, 120_000);

afterAll(() => {
  client.close();
  engine.dispose();
});

async function resultOf(runId: string): Promise<RunResultData> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const result = statuses.find((s) => s.runId === runId && s.state === 'finished' && s.result)?.result;
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
