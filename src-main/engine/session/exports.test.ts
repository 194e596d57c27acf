import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBench, parseBench } from '../../../src-shared/contract/bench';
import { type LabEvent, type RunResultData, type ScenarioInput, type SimEvent } from '../../../src-shared/contract';
import { LabClient } from '../../../src-shared/rpc';
import { readSessionLog } from '../../../src-shared/session/log-reader';
import { replayRuns } from '../../../src-shared/session/replay';
import type { HostDialogs } from '../host-dialogs';
import { LabEngine } from '../lab-engine';
import { LabServer } from '../lab-server';
import { MemoryTransport } from '../memory-transport';
import { resourcesDir } from '../resources';
import { readPcap } from './pcap';
import { streamingClient } from './testing';

/**
 * Exports through the contract, from real runs in session workers: the recording is the events the
 * window got, in order, with the sources and scenario in its header and the result at its end; the
 * pcap holds every frame of the wire; the HTML report is written from the log.
 */

const dir = path.join(resourcesDir(), 'examples', 'labnic-miniport');
const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
const bench = parseBench(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8'));
const TRAFFIC: ScenarioInput = applyBench(
  {
    name: 'short-traffic',
    steps: [
      { step: 'load' },
      { step: 'add-device' },
      { step: 'restart' },
      { step: 'advance-time', ms: 100 },
      { step: 'inject-frame', count: 40, bytes: 100, burst: 8, intervalUs: 200 },
      { step: 'send', count: 30, bytes: 90 },
      { step: 'advance-time', ms: 50 },
      { step: 'expect-traffic', minIndicated: 40, minSent: 30 },
      { step: 'pause' },
      { step: 'halt' },
      { step: 'unload' },
    ],
  },
  bench,
);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-exports-'));
let engine: LabEngine;
let client: LabClient;
let statuses: Awaited<ReturnType<typeof streamingClient>>['statuses'];
let streamed: Map<string, SimEvent[]>;

beforeAll(async () => {
  engine = new LabEngine({ host: 'memory', heartbeatMs: 0, recordings: { dir: path.join(tmp, 'runs'), keep: 3 } });
  ({ client, statuses, events: streamed } = await streamingClient(engine));
  await engine.builds.start();
}, 180_000);
afterAll(() => {
  client.close();
  engine.dispose();
});

function status(runId: string, states: string[]): Promise<Extract<LabEvent, { kind: 'run.status' }>> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${runId} never reached ${states.join('/')}`)), 60_000);
    const poll = setInterval(() => {
      const found = statuses.find((s) => s.runId === runId && states.includes(s.state));
      if (found) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolve(found);
      }
    }, 5);
  });
}

async function download(runId: string, format: 'ndjson' | 'pcap' | 'html'): Promise<{ fileName: string; mime: string; bytes: Buffer }> {
  const saved = await client.call('export.save', { runId, format, name: 'my driver' });
  if (saved.mode !== 'download') throw new Error(`expected a download, got ${saved.mode}`);
  const parts: Buffer[] = [];
  for (let offset = 0; ; ) {
    const chunk = await client.call('export.read', { exportId: saved.exportId, offset });
    parts.push(Buffer.from(chunk.data, 'base64'));
    offset += chunk.bytes;
    if (chunk.done) break;
  }
  const bytes = Buffer.concat(parts);
  expect(bytes.length).toBe(saved.bytes);
  return { fileName: saved.fileName, mime: saved.mime, bytes };
}

async function runToEnd(scenario: ScenarioInput, extra: { paused?: boolean } = {}): Promise<{ runId: string; result: RunResultData | undefined }> {
  const { runId } = await client.call('run.start', { files, scenario, ...extra });
  if (extra.paused) return { runId: runId!, result: undefined };
  const end = await status(runId!, ['finished', 'failed', 'stopped']);
  return { runId: runId!, result: end.result };
}

describe('exporting a run', () => {
  let runId: string;
  let result: RunResultData;

  beforeAll(async () => {
    const run = await runToEnd(TRAFFIC);
    runId = run.runId;
    result = run.result!;
    expect(result.result).toBe('clean');
  }, 120_000);

  it('the NDJSON log is every event the window got, with the sources and scenario, and replays to the run’s result', async () => {
    const { fileName, mime, bytes } = await download(runId, 'ndjson');
    expect(fileName).toBe(`my-driver-${runId}.ndjson`);
    expect(mime).toBe('application/x-ndjson');
    const log = readSessionLog(bytes.toString('utf8'), { source: fileName });
    expect(log.header.files).toEqual(files);
    expect(log.header.scenarioSpec?.name).toBe('short-traffic');
    expect(log.events).toEqual(streamed.get(runId));
    expect(log.end).toEqual({ type: 'ndis-lab-end', state: 'finished', result });
    expect(JSON.parse(JSON.stringify(replayRuns(log.events)[0]!.result))).toEqual(result);
  });

  it('the pcap parses and holds every frame of the wire, in order, with virtual-time stamps', async () => {
    const { fileName, bytes } = await download(runId, 'pcap');
    expect(fileName).toBe(`my-driver-${runId}.pcap`);
    const pcap = readPcap(bytes);
    expect(pcap.linkType).toBe(1);
    const frames = streamed.get(runId)!.filter((e): e is Extract<SimEvent, { kind: 'wire.frame' }> => e.kind === 'wire.frame');
    expect(frames.filter((f) => f.direction === 'rx').length).toBeGreaterThanOrEqual(40);
    expect(frames.filter((f) => f.direction === 'tx').length).toBeGreaterThanOrEqual(30);
    expect(pcap.records.map((r) => r.frame.toString('base64'))).toEqual(frames.map((f) => f.data));
    pcap.records.forEach((r, i) => expect(r.seconds * 1_000_000 + r.microseconds).toBe(Math.floor(frames[i]!.t / 10)));
  });

  it('the HTML report has the summary, the adapter timeline and the sources, and loads nothing', async () => {
    const { bytes } = await download(runId, 'html');
    const html = bytes.toString('utf8');
    expect(html).toContain('data-result="clean"');
    expect(html).toContain(result.adapters[0]!.history.join(' → '));
    expect(html).toMatch(/<svg class="timeline"/);
    for (const file of Object.keys(files)) expect(html).toContain(`${file} <span class="muted">(`);
    expect(html).not.toMatch(/\ssrc=|<link\b|url\(/i);
  });

  it('a stopped run exports too, its log ending with how it ended', async () => {
    const { runId: stopped } = await runToEnd(TRAFFIC, { paused: true });
    await status(stopped, ['paused']);
    await expect(client.call('export.save', { runId: stopped, format: 'ndjson' })).rejects.toThrow(`${stopped} is still running: export it once it has finished or been stopped`);
    await client.call('run.control', { runId: stopped, action: 'stop' });
    await status(stopped, ['stopped']);
    const log = readSessionLog((await download(stopped, 'ndjson')).bytes.toString('utf8'));
    expect(log.end).toEqual({ type: 'ndis-lab-end', state: 'stopped', reason: 'stopped on request' });
    expect(log.events).toEqual(streamed.get(stopped) ?? []);
    expect(replayRuns(log.events)[0]?.finished ?? false).toBe(false);
  }, 60_000);

  it('refuses runs it has no recording of, and unknown downloads, saying why', async () => {
    await expect(client.call('export.save', { runId: 'run-999', format: 'pcap' })).rejects.toThrow('no recording of run-999: the engine keeps the recordings of its last 8 runs');
    await expect(client.call('export.save', { runId: '../etc', format: 'pcap' } as never)).rejects.toThrow(/input\.runId: a run id like run-3/);
    await expect(client.call('export.read', { exportId: 'dl-nope', offset: 0 })).rejects.toThrow(/no download dl-nope/);
  });

  it('keeps the recordings of the last runs only (3 here), deleting older ones from disk', async () => {
    const first = runId;
    for (let i = 0; i < 3; i++) await runToEnd(TRAFFIC);
    await expect(client.call('export.save', { runId: first, format: 'ndjson' })).rejects.toThrow(`no recording of ${first}`);
    expect(fs.readdirSync(path.join(tmp, 'runs')).filter((f) => f.startsWith(`${first}.`))).toEqual([]);
  }, 120_000);
});

describe('exporting through the host’s save dialog (the desktop app)', () => {
  it('copies the file where the user chose, or does nothing when the dialog is cancelled', async () => {
    const answers: Array<string | undefined> = [path.join(tmp, 'chosen.pcap'), undefined];
    const asked: string[] = [];
    // The desktop host's dialog stands in here: it answers with a path, or nothing for "cancel".
    const dialogs: HostDialogs = {
      chooseFolder: () => Promise.resolve(undefined),
      chooseSaveFile: (options) => {
        asked.push(options.defaultPath);
        return Promise.resolve(answers.shift());
      },
    };
    const desktop = new LabEngine({ host: 'memory', heartbeatMs: 0, dialogs, recordings: { dir: path.join(tmp, 'desktop-runs') } });
    const desktopClient = await LabClient.connect(new MemoryTransport(new LabServer(desktop)));
    try {
      const ended = new Promise<string>((resolve) => desktopClient.onEvents((events) => {
        for (const e of events) if (e.kind === 'run.status' && e.state === 'finished') resolve(e.runId);
      }));
      await desktopClient.call('run.start', { files, scenario: TRAFFIC });
      const runId = await ended;
      const saved = await desktopClient.call('export.save', { runId, format: 'pcap' });
      expect(saved).toMatchObject({ mode: 'saved', path: path.join(tmp, 'chosen.pcap') });
      expect(asked).toEqual([`driver-${runId}.pcap`]);
      expect(readPcap(fs.readFileSync(path.join(tmp, 'chosen.pcap'))).records.length).toBeGreaterThan(0);
      expect(await desktopClient.call('export.save', { runId, format: 'html' })).toEqual({ mode: 'cancelled' });
    } finally {
      desktopClient.close();
      desktop.dispose();
    }
  }, 120_000);
});

