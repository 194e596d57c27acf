import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBench, parseBench } from '../../../src-shared/contract/bench';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import { Scenario, type ScenarioInput } from '../../../src-shared/contract/scenario';
import { readSessionLog } from '../../../src-shared/session/log-reader';
import { replayRuns, SessionReplay } from '../../../src-shared/session/replay';
import { resourcesDir } from '../resources';
import { NdjsonWriter } from './ndjson';
import { runDriverSource } from './testing';

/**
 * The replay module against real runs: a run's events, replayed, give back exactly the RunResult
 * the simulator reported — for clean runs, findings, bug checks, stops, failed expectations,
 * injected faults, LabNIC hardware faults and an intermediate driver's bindings — and so does the
 * NDJSON log of the run, read back from disk.
 */

function example(name: string): { files: Record<string, string>; scenario: ScenarioInput | undefined } {
  const dir = path.join(resourcesDir(), 'examples', name);
  const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const benchFile = path.join(dir, 'bench.json');
  const bench = fs.existsSync(benchFile) ? parseBench(fs.readFileSync(benchFile, 'utf8')) : undefined;
  const named = bench?.scenario ? BUILT_IN_SCENARIOS[bench.scenario] : undefined;
  return { files, scenario: bench ? applyBench(named ?? BUILT_IN_SCENARIOS['default']!, bench) : undefined };
}

/** JSON's view (no undefined members), as the contract carries a result. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

async function expectReplayMatches(name: string, options: { scenario?: ScenarioInput; faults?: string[] } = {}) {
  const project = example(name);
  const scenario = options.scenario ?? project.scenario;
  const run = await runDriverSource(project.files, { ...(scenario ? { scenario } : {}), ...(options.faults ? { faults: options.faults } : {}) });
  const runs = replayRuns(run.events);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.finished).toBe(true);
  expect(plain(runs[0]!.result)).toEqual(plain(run.result));
  return run;
}

describe('replaying a run’s events gives the RunResult of the run', () => {
  it('the virtual miniport, clean, through the default scenario', async () => {
    const run = await expectReplayMatches('virtual-miniport');
    expect(run.result.result).toBe('clean');
    expect(run.result.adapters[0]!.history.length).toBeGreaterThan(4);
  }, 120_000);

  it('a driver that breaks a rule (a finding and a stop)', async () => {
    const run = await expectReplayMatches('rule-violations/HALT-LEAK');
    expect(run.result.findings.map((f) => f.rule)).toContain('HALT-LEAK');
  }, 120_000);

  it('a bug check, with its code, parameters and source line', async () => {
    const run = await expectReplayMatches('rule-violations/HALT-TIMER');
    expect(run.result.bugcheck).not.toBeNull();
    expect(run.result.bugcheck!.line).toBeGreaterThan(0);
  }, 120_000);

  it('a run stopped by a "stop" finding (stoppedAt)', async () => {
    const run = await expectReplayMatches('rule-violations/ST-PAUSE-RET');
    expect(run.result.result).not.toBe('clean');
  }, 120_000);

  it('failed and met expectations, and a scenario step that cannot happen', async () => {
    const scenario: ScenarioInput = {
      name: 'expectations',
      steps: [
        { step: 'load' },
        { step: 'add-device' },
        { step: 'expect-state', state: 'Paused' },
        { step: 'expect-state', state: 'Running' },
        { step: 'expect-finding', rule: 'HALT-LEAK' },
        { step: 'halt' },
        { step: 'halt' },
      ],
    };
    const run = await expectReplayMatches('virtual-miniport', { scenario });
    expect(run.result.expectations.map((e) => e.ok)).toEqual([true, false, false, false]);
  }, 120_000);

  it('an injected NDIS call failure', async () => {
    const run = await expectReplayMatches('virtual-miniport', { faults: ['NdisAllocateMemoryWithTagPriority@1'] });
    expect(run.events.some((e) => e.kind === 'fault.injected')).toBe(true);
  }, 120_000);

  it('the LabNIC driver through every hardware fault (five adapters, link flaps, resets)', async () => {
    const run = await expectReplayMatches('labnic-miniport', { scenario: applyBench(BUILT_IN_SCENARIOS['faults']!, parseBench(fs.readFileSync(path.join(resourcesDir(), 'examples/labnic-miniport/bench.json'), 'utf8'))) });
    expect(run.result.adapters.length).toBeGreaterThan(1);
  }, 180_000);

  it('an intermediate driver: bindings and a virtual miniport', async () => {
    const run = await expectReplayMatches('passthru-im');
    expect(run.events.some((e) => e.kind === 'binding.state')).toBe(true);
    const replay = new SessionReplay();
    for (const event of run.events) replay.apply(event);
    expect(replay.state().timeline.bindings.length).toBeGreaterThan(0);
  }, 180_000);

  it('the NDJSON log of a run, written and read back, replays to the same result', async () => {
    const project = example('labnic-miniport');
    const scenario = Scenario.parse(project.scenario!);
    const run = await runDriverSource(project.files, { scenario });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-replay-')), 'run.ndjson');
    const writer = new NdjsonWriter(file, { driver: 'labnic-miniport', seed: 1, scenario: scenario.name, faults: [], buildHash: 'test', files: project.files, scenarioSpec: scenario });
    for (const event of run.events) writer.write(event);
    writer.close();
    const log = readSessionLog(fs.readFileSync(file, 'utf8'), { source: 'run.ndjson' });
    expect(log.header.files).toEqual(project.files);
    expect(log.header.scenarioSpec).toEqual(scenario);
    expect(log.events).toHaveLength(run.events.length);
    expect(plain(replayRuns(log.events)[0]!.result)).toEqual(plain(run.result));
  }, 120_000);
});
