import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent, RunResultData, SimEvent } from '../../../src-shared/contract';
import type { LabClient } from '../../../src-shared/rpc';
import { LabEngine } from '../lab-engine';
import { lineOf, streamingClient } from './testing';

const template = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/minimal-miniport.c'), 'utf8');
const LIFECYCLE = { name: 'lifecycle', steps: [{ step: 'load' as const }, { step: 'add-device' as const }, { step: 'restart' as const }, { step: 'pause' as const }, { step: 'halt' as const }, { step: 'unload' as const }] };

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

function status(runId: string, state: string): Promise<Extract<LabEvent, { kind: 'run.status' }>> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${runId} never reached ${state}; saw ${JSON.stringify(statuses.filter((s) => s.runId === runId).map((s) => [s.state, s.reason]))}`)), 20_000);
    const poll = setInterval(() => {
      const found = statuses.find((s) => s.runId === runId && s.state === state);
      if (found) {
        clearInterval(poll);
        clearTimeout(deadline);
        statuses.splice(statuses.indexOf(found), 1);
        resolve(found);
      }
    }, 5);
  });
}

describe('runs through the contract, in a session worker', () => {
  it('builds, runs the scenario, streams every event and reports the result', async () => {
    const { runId, build } = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE });
    expect(build.ok).toBe(true);
    const finished = await status(runId!, 'finished');
    const result = finished.result as RunResultData;
    expect(result.result).toBe('clean');
    expect(result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted']);
    const events = simEvents.get(runId!)!;
    expect(events[0]!.kind).toBe('run.started');
    expect(events[events.length - 1]!.kind).toBe('run.finished');
  });

  it('refuses to run a driver that does not build, with the diagnostics', async () => {
    const { runId, build } = await client.call('run.start', { files: { 'driver.c': template.replace('return NDIS_STATUS_SUCCESS;', 'return NDIS_STATUS_SUCESS;') } });
    expect(runId).toBeNull();
    expect(build.ok).toBe(false);
    expect(build.diagnostics[0]!.message).toContain('NDIS_STATUS_SUCESS');
  });

  it('starts paused, steps one event at a time, then resumes to the end', async () => {
    const { runId } = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE, paused: true });
    await status(runId!, 'paused');
    const before = simEvents.get(runId!)?.length ?? 0;
    await client.call('run.control', { runId: runId!, action: 'step', events: 3 });
    await status(runId!, 'paused');
    const after = simEvents.get(runId!)!.length;
    expect(after - before).toBe(3);
    await client.call('run.control', { runId: runId!, action: 'resume' });
    expect((await status(runId!, 'finished')).result!.result).toBe('clean');
  });

  it('stops at a breakpoint on an NDIS function, and on the source line that calls NDIS', async () => {
    const { runId } = await client.call('run.start', {
      files: { 'driver.c': template },
      scenario: LIFECYCLE,
      breakpoints: { apis: ['NdisMRegisterMiniportDriver'], lines: [] },
    });
    const first = await status(runId!, 'paused');
    expect(first.reason).toBe(`breakpoint: NdisMRegisterMiniportDriver at driver.c:${lineOf(template, 'return NdisMRegisterMiniportDriver')}`);
    // Nothing of the call has happened yet: the trace has no NdisMRegisterMiniportDriver event.
    expect(simEvents.get(runId!)!.some((e) => e.kind === 'ndis.call')).toBe(false);
    const line = lineOf(template, 'return NdisMSetMiniportAttributes');
    await client.call('run.breakpoints', { runId: runId!, breakpoints: { apis: [], lines: [{ file: 'driver.c', line }] } });
    await client.call('run.control', { runId: runId!, action: 'resume' });
    expect((await status(runId!, 'paused')).reason).toBe(`breakpoint: NdisMSetMiniportAttributes at driver.c:${line}`);
    await client.call('run.breakpoints', { runId: runId!, breakpoints: { apis: [], lines: [] } });
    await client.call('run.control', { runId: runId!, action: 'resume' });
    await status(runId!, 'finished');
  });

  it('stops a run at any moment, also while it is paused', async () => {
    const { runId } = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE, paused: true });
    await status(runId!, 'paused');
    await client.call('run.control', { runId: runId!, action: 'stop' });
    expect((await status(runId!, 'stopped')).reason).toBe('stopped on request');
  });

  it('the wall-clock watchdog stops a driver that keeps calling NDIS forever, within 2 s', async () => {
    const spinning = template.replace(
      '    TheAdapter.Handle = MiniportAdapterHandle;',
      '    TheAdapter.Handle = MiniportAdapterHandle;\n    for (;;) { NdisMPauseComplete(MiniportAdapterHandle); }',
    );
    const started = performance.now();
    const { runId } = await client.call('run.start', { files: { 'driver.c': spinning }, scenario: LIFECYCLE });
    const end = await Promise.race([status(runId!, 'finished'), status(runId!, 'failed')]);
    expect(performance.now() - started).toBeLessThan(8000);
    expect(end.state === 'failed' ? end.reason : end.result?.bugcheck?.rule).toBeTruthy();
  });
});

describe('the run speed (run.speed)', () => {
  const eventsOf = (runId: string): number => simEvents.get(runId)?.length ?? 0;
  const firstEvents = (runId: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`${runId} sent no events`)), 20_000);
      const poll = setInterval(() => {
        if (eventsOf(runId) > 0) {
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }
      }, 5);
    });

  it('holds a run to N events per second, streams them as they happen, and lets it go at full speed when told', async () => {
    const free = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE });
    await status(free.runId!, 'finished');
    const all = eventsOf(free.runId!);
    expect(all).toBeGreaterThan(40);

    const { runId } = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE, eventsPerSecond: 40 });
    await firstEvents(runId!);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = eventsOf(runId!);
    // 40 events/s: about 20 in half a second (a few more for scheduling slack), and they arrive as
    // they happen, not in one batch at the end.
    expect(seen).toBeLessThanOrEqual(26);
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(engine.sessions.stateOf(runId!)).toBe('running');

    expect(await client.call('run.speed', { runId: runId!, eventsPerSecond: 0 })).toEqual({ runId, eventsPerSecond: 0 });
    expect((await status(runId!, 'finished')).result!.result).toBe('clean');
    // The same run, event for event: speed changes the wall clock only.
    expect(simEvents.get(runId!)!.map((e) => `${e.t} ${e.kind}`)).toEqual(simEvents.get(free.runId!)!.map((e) => `${e.t} ${e.kind}`));
  });

  it('pauses and stops a slow run while it waits out its speed', async () => {
    const { runId } = await client.call('run.start', { files: { 'driver.c': template }, scenario: LIFECYCLE, eventsPerSecond: 2 });
    await firstEvents(runId!);
    await client.call('run.control', { runId: runId!, action: 'pause' });
    expect((await status(runId!, 'paused')).reason).toBe('paused');
    await client.call('run.control', { runId: runId!, action: 'resume' });
    await status(runId!, 'running');
    await client.call('run.control', { runId: runId!, action: 'stop' });
    expect((await status(runId!, 'stopped')).reason).toBe('stopped on request');
    expect(eventsOf(runId!)).toBeLessThan(10);
  });

  it('refuses a speed for a run that is not active, and a negative speed, saying why', async () => {
    await expect(client.call('run.speed', { runId: 'run-999', eventsPerSecond: 10 })).rejects.toThrow(/no active run run-999/);
    await expect(client.call('run.speed', { runId: 'run-1', eventsPerSecond: -1 })).rejects.toThrow(/eventsPerSecond/);
  });
});

describe('live steps (run.act)', () => {
  const TIMED = { name: 'timed', steps: [...LIFECYCLE.steps.slice(0, 3), { step: 'advance-time' as const, ms: 50 }, ...LIFECYCLE.steps.slice(3)] };
  /** A run paused at its first call of `api` (the breakpoint then cleared, so it goes on to its end once resumed). */
  async function pausedAt(files: Record<string, string>, scenario: typeof TIMED, api: string): Promise<string> {
    const { runId } = await client.call('run.start', { files, scenario, breakpoints: { apis: [api], lines: [] } });
    await status(runId!, 'paused');
    await client.call('run.breakpoints', { runId: runId!, breakpoints: { apis: [], lines: [] } });
    return runId!;
  }

  it('gives a paused run a step, which it takes at its next idle point once it goes on', async () => {
    // Paused inside the adapter's initialization (a breakpoint on a call MiniportInitializeEx makes).
    const runId = await pausedAt({ 'driver.c': template }, TIMED, 'NdisMSetMiniportAttributes');
    // NDIS halts the adapter (Paused once initialized), as in an orderly removal.
    expect(await client.call('run.act', { runId: runId!, steps: [{ step: 'halt', adapter: 'adapter0' }] })).toEqual({ runId, waiting: 1 });
    await client.call('run.control', { runId: runId!, action: 'resume' });
    const result = (await status(runId!, 'finished')).result!;
    const steps = simEvents.get(runId!)!.filter((e): e is Extract<SimEvent, { kind: 'scenario.step' }> => e.kind === 'scenario.step');
    // Not inside the driver's initialization: at the first idle point after it, between add-device (step 1) and restart.
    expect(steps.filter((e) => e.live).map((e) => `${e.index} ${e.step} ${e.status}`)).toEqual(['1 halt adapter=adapter0 started', '1 halt adapter=adapter0 done']);
    const order = steps.map((e) => `${e.live ? 'live ' : ''}${e.index} ${e.status}`);
    expect(order.indexOf('live 1 started')).toBe(order.indexOf('1 done') + 1);
    expect(result.adapters[0]!.history.at(-1)).toBe('Halted');
    // The scenario's restart, pause and halt of the adapter that is gone cannot happen any more, and say why.
    const later = steps.filter((e) => !e.live && [2, 4, 5].includes(e.index));
    expect(later.map((e) => `${e.status}: ${e.detail}`)).toEqual(Array(3).fill('skipped: adapter0 was removed during the run (a live step)'));
    expect(result.result).toBe('clean');
  });

  it('a step given during the scenario\'s last step is taken after it, and says why it could not happen there', async () => {
    // Paused inside MiniportDriverUnload, in the scenario's last step (unload).
    const runId = await pausedAt({ 'driver.c': template }, LIFECYCLE, 'NdisMDeregisterMiniportDriver');
    expect(await client.call('run.act', { runId: runId!, steps: [{ step: 'surprise-remove' }] })).toEqual({ runId, waiting: 1 });
    await client.call('run.control', { runId: runId!, action: 'resume' });
    const finished = await status(runId!, 'finished');
    const live = simEvents.get(runId!)!.filter((e): e is Extract<SimEvent, { kind: 'scenario.step' }> => e.kind === 'scenario.step' && e.live === true);
    expect(live.map((e) => `${e.index} ${e.status} ${e.detail ?? ''}`.trim())).toEqual(['5 started', '5 failed no adapter: add a device first']);
    // Taken (nothing was left waiting), and the bench's mistake is no finding of the driver's.
    expect(finished.reason).toBeUndefined();
    expect(finished.result!.result).toBe('clean');
  });

  it('a step still waiting when a bug check ends the run is not taken, and the finished status says so', async () => {
    // MiniportDriverUnload dereferences NULL once NdisMDeregisterMiniportDriver returns: the run ends inside the last step.
    const files = { 'driver.c': template.replace('NdisMDeregisterMiniportDriver(DriverHandle); }', 'NdisMDeregisterMiniportDriver(DriverHandle); *(volatile int *)0 = 1; }') };
    const runId = await pausedAt(files, LIFECYCLE, 'NdisMDeregisterMiniportDriver');
    await client.call('run.act', { runId: runId!, steps: [{ step: 'surprise-remove' }] });
    await client.call('run.control', { runId: runId!, action: 'resume' });
    const finished = await status(runId!, 'finished');
    expect(finished.result!.result).toBe('bugcheck');
    expect(finished.reason).toBe("1 live step came after the run's last idle point and was not taken");
  });

  it('refuses a step no running run can take, and a run that has ended, saying why', async () => {
    await expect(client.call('run.act', { runId: 'run-1', steps: [{ step: 'load' }] })).rejects.toThrow(/not a step a running run can take/);
    await expect(client.call('run.act', { runId: 'run-999', steps: [{ step: 'surprise-remove' }] })).rejects.toThrow(/no active run run-999/);
    await expect(client.call('run.act', { runId: 'run-1', steps: [] })).rejects.toThrow(/steps/);
  });
});
