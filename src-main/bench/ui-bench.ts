import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { WEB_SOCKET_PATH, WEB_TOKEN_PARAM } from '../../src-shared/contract/channels';
import type { ScenarioInput } from '../../src-shared/contract/scenario';
import { LabClient, WebSocketTransport, type WebSocketLike } from '../../src-shared/rpc';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../e2e/support/chromium';
import { resourcesDir } from '../engine/resources';
import { spawnWebHost } from '../launch/spawn-web-host';
import { DevToolsBrowser, type DevToolsPage } from './devtools-browser';
import { median, percentile, type BenchSuite } from './table';

/**
 * The window under a million events: the real web host (`npm run serve`'s script) and the real
 * renderer in Chromium; a real run of the reference LabNIC driver moving 265,000 frames each way
 * (about 1,000,000 simulator events) streams into it, and meanwhile the bench types into a
 * console's search box and clicks console tabs, the timeline and console rows, as a user would.
 * Each input's latency is measured in the page, from the input event's timestamp to the frame
 * that shows its effect: the animation frame after the handlers (the DOM already changed), and
 * the task after that frame's paint.
 *
 * Chromium is driven over the DevTools protocol alone (devtools-browser.ts), not by Playwright:
 * Playwright would have Chromium copy every socket frame of the stream to it, CPU the window's
 * user never pays.
 */

const FRAMES = Number(process.env['NDIS_LAB_UI_BENCH_FRAMES'] ?? 265_000);
/** Frames NDIS sends per scenario step (sends wait for completions, so they go out in rounds). */
const SEND_ROUND = 5000;
const LATENCY_TARGET_MS = 100;
/** Pause between two inputs while the events stream, ms. */
const INPUT_GAP_MS = 150;
const root = path.resolve(import.meta.dirname, '../..');

function streamScenario(frames: number): ScenarioInput {
  return {
    name: 'ui-bench-stream',
    steps: [
      { step: 'load' },
      { step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 1 } },
      { step: 'restart' },
      { step: 'advance-time', ms: 60 },
      // The link partner's frames arrive over time while NDIS sends in rounds.
      { step: 'inject-frame', count: frames, bytes: 64, burst: 16, intervalUs: 100 },
      ...Array.from({ length: Math.ceil(frames / SEND_ROUND) }, (_, i) => [
        { step: 'send' as const, count: Math.min(SEND_ROUND, frames - i * SEND_ROUND), bytes: 64 },
        { step: 'advance-time' as const, ms: 30 },
      ]).flat(),
      { step: 'advance-time', ms: (frames / 16) * 0.1 + 50 },
      { step: 'expect-traffic', minIndicated: frames, minSent: frames },
      { step: 'pause' },
      { step: 'halt' },
      { step: 'unload' },
    ],
  };
}

/**
 * In the page: every keydown and pointerdown (the start of each input), the animation frame after
 * it (by then its handlers have run and the DOM shows their effect), the Event Timing API's entries
 * (from the input's timestamp to the paint of the frame after its handlers, for inputs of 16 ms or
 * more) and the Long Tasks API's tasks.
 */
const INSTRUMENT = `(() => {
  const state = { inputs: [], longTasks: [], timings: [] };
  window.__uiBench = state;
  const record = (event) => {
    const at = event.timeStamp;
    const type = event.type;
    const target = (event.target && event.target.closest && event.target.closest('[data-testid]')?.getAttribute('data-testid')) || '';
    requestAnimationFrame(() => state.inputs.push({ type, target, at, frame: performance.now() - at }));
  };
  addEventListener('keydown', record, true);
  addEventListener('pointerdown', record, true);
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) state.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  } catch {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.timings.push({ name: e.name, start: e.startTime, duration: e.duration, interaction: e.interactionId || 0 });
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  } catch {}
})()`;

interface Input {
  type: string;
  /** The data-testid of the element the input went to (or its nearest ancestor's). */
  target: string;
  at: number;
  frame: number;
}
interface Timing {
  name: string;
  start: number;
  duration: number;
  interaction: number;
}

/**
 * Each input's input-to-paint latency: the longest Event Timing entry of its interaction (the
 * keydown and keyup of a key, the pointerdown, pointerup and click of a click), as the
 * Interaction to Next Paint metric counts it; an input with no entry took under 16 ms (the API's
 * threshold), and counts with the time to its next animation frame.
 */
export function latencies(inputs: readonly Input[], timings: readonly Timing[]): number[] {
  return inputs.map((input) => {
    const own = timings.filter((t) => Math.abs(t.start - input.at) < 0.5);
    const ids = new Set(own.map((t) => t.interaction).filter((id) => id !== 0));
    const related = timings.filter((t) => ids.has(t.interaction) || Math.abs(t.start - input.at) < 0.5);
    return related.length ? Math.max(...related.map((t) => t.duration)) : Math.min(input.frame, 16);
  });
}

/** 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * Interaction to Next Paint over a session, as Chrome's web-vitals define it: the longest
 * interaction, ignoring one for every 50 (a page with 220 interactions ignores its 4 longest).
 */
export function interactionToNextPaint(latency: readonly number[]): number {
  if (latency.length === 0) return Number.NaN;
  const sorted = [...latency].sort((a, b) => b - a);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length / 50))]!;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** The renderer main thread's tasks in a Chromium trace: the longest by wall time and by CPU (thread) time, ms. */
function mainThreadTasks(trace: Buffer): { count: number; overCpu: number; longestWall: { wall: number; cpu: number }; longestCpu: { wall: number; cpu: number } } {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !mains.has(thread)) continue;
    const list = byThread.get(thread);
    if (list) list.push(e);
    else byThread.set(thread, [e]);
  }
  // The page's renderer is the main thread that ran the most tasks.
  const tasks = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const ms = (e: TraceEvent): { wall: number; cpu: number } => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 });
  const none = { wall: 0, cpu: 0 };
  const wall = tasks.reduce<TraceEvent | undefined>((best, e) => (!best || (e.dur ?? 0) > (best.dur ?? 0) ? e : best), undefined);
  const cpu = tasks.reduce<TraceEvent | undefined>((best, e) => (!best || (e.tdur ?? 0) > (best.tdur ?? 0) ? e : best), undefined);
  return { count: tasks.length, overCpu: tasks.filter((e) => (e.tdur ?? 0) > 50_000).length, longestWall: wall ? ms(wall) : none, longestCpu: cpu ? ms(cpu) : none };
}

/** The three slowest inputs: latency, kind and where they went. */
function slowest(inputs: readonly Input[], latency: readonly number[]): string {
  return latency
    .map((ms, i) => ({ ms, input: inputs[i]! }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map(({ ms, input }) => `${ms} ms ${input.type === 'keydown' ? 'key' : 'click'} on ${input.target || 'the page'}`)
    .join(', ');
}

function readFolder(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** A selector for elements by their data-testid, in the page's script. */
const byTestId = (testid: string): string => JSON.stringify(`[data-testid="${testid}"]`);

/** The text of the first element with this data-testid ('' when there is none). */
async function textOf(page: DevToolsPage, testid: string): Promise<string> {
  return page.evaluate<string>(`document.querySelector(${byTestId(testid)})?.textContent ?? ''`);
}

/** A console tab's line count, from its label ("Hardware 12,345"). */
async function tabCount(page: DevToolsPage, id: string): Promise<number> {
  const text = await textOf(page, `console-tab-${id}`);
  return Number(/([\d,]+)\s*$/.exec(text.trim())?.[1]?.replace(/,/g, '') ?? 0);
}

/** Where the first element with this data-testid is in the viewport. */
async function box(page: DevToolsPage, testid: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.evaluate<{ x: number; y: number; width: number; height: number } | null>(
    `(() => { const e = document.querySelector(${byTestId(testid)}); if (!e) return null; const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`,
  );
  if (!b) throw new Error(`${testid} is not on the page`);
  return b;
}

/** A click in the middle of the first element with this data-testid. */
async function clickMiddle(page: DevToolsPage, testid: string): Promise<void> {
  const b = await box(page, testid);
  await page.click(b.x + b.width / 2, b.y + b.height / 2);
}

/** One input of the mix, at a point of the window a user would touch. */
async function input(page: DevToolsPage, n: number): Promise<void> {
  switch (n % 6) {
    case 0:
    case 3: {
      // Type a search, a key at a time, then clear it.
      await clickMiddle(page, 'console-filter');
      for (const key of n % 12 === 0 ? 'wire' : 'ndism') await page.press(key);
      await page.press('Control+A');
      await page.press('Backspace');
      return;
    }
    case 1: {
      const tabs = ['ndis', 'hardware', 'all'];
      await clickMiddle(page, `console-tab-${tabs[Math.floor(n / 6) % tabs.length]}`);
      return;
    }
    case 2:
    case 4: {
      // The timeline: the adapter's lane, somewhere along the run.
      const canvas = await box(page, 'timeline-canvas');
      await page.click(canvas.x + 140 + ((n * 97) % Math.max(1, canvas.width - 150)), canvas.y + 24);
      return;
    }
    case 5: {
      // A row the user sees: one inside the console's viewport (the rows above and below it are rendered ahead, out of sight).
      const row = await page.evaluate<{ x: number; y: number; height: number } | null>(
        `(() => { const view = document.querySelector('.console-viewport')?.getBoundingClientRect(); if (!view) return null;
          const seen = [...document.querySelectorAll(${byTestId('console-row')})].map((e) => e.getBoundingClientRect()).filter((r) => r.top >= view.top && r.bottom <= view.bottom);
          const r = seen[Math.min(3, seen.length - 1)]; return r ? { x: r.x, y: r.y, height: r.height } : null; })()`,
      );
      if (row) await page.click(row.x + 200, row.y + row.height / 2);
      return;
    }
  }
}

export const uiSuite: BenchSuite = {
  name: 'ui',
  async run() {
    const group = 'ui';
    if (!fs.existsSync(CHROMIUM_PATH)) {
      return [{ group, name: 'input-to-paint latency while 1M events stream', value: Number.NaN, unit: 'ms', note: `skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)` }];
    }
    const host = await spawnWebHost(root, [], 300_000);
    let browser: DevToolsBrowser | undefined;
    try {
      browser = await DevToolsBrowser.launch({ executablePath: CHROMIUM_PATH, args: chromiumLaunchOptions().args ?? [], viewport: { width: 1600, height: 1000 }, initScript: INSTRUMENT });
      const page = browser.page;
      await page.goto(host.url);
      await page.waitFor(`document.querySelector(${byTestId('toolchain-status')})?.textContent.includes('compiler: ready')`, 180_000, 'the compiler to be ready');

      // A second client of the same engine starts the run (as a second window would): the window
      // shows every run's events, whoever started it. Built first, so the stream is the run alone.
      const files = readFolder(path.join(resourcesDir(), 'examples', 'labnic-miniport'));
      const address = new URL(host.url);
      const socketUrl = `ws://${address.host}${WEB_SOCKET_PATH}?${WEB_TOKEN_PARAM}=${encodeURIComponent(address.searchParams.get(WEB_TOKEN_PARAM) ?? '')}`;
      const prepare = await LabClient.connect(new WebSocketTransport(new WebSocket(socketUrl) as unknown as WebSocketLike));
      await prepare.call('build.run', { files });
      prepare.close();
      /** Starts the million-event run and gives inputs to the window until it has the run's last event. */
      const stream = async (): Promise<{ runId: string; streamedMs: number }> => {
        const client = await LabClient.connect(new WebSocketTransport(new WebSocket(socketUrl) as unknown as WebSocketLike));
        const started = performance.now();
        const { runId } = await client.call('run.start', { files, scenario: streamScenario(FRAMES), seed: 1 });
        // This client need not read a million events: the window is what is measured.
        client.close();
        if (!runId) throw new Error('the LabNIC reference driver did not build');
        let n = 0;
        const finished = `document.querySelector(${JSON.stringify(`[data-testid="timeline"][data-run="${runId}"][data-finished="true"]`)}) !== null`;
        const deadline = started + 600_000;
        while (!(await page.evaluate<boolean>(finished))) {
          if (performance.now() > deadline) throw new Error(`the window did not receive ${runId}'s end within 10 minutes`);
          await input(page, n++);
          await sleep(INPUT_GAP_MS);
        }
        return { runId, streamedMs: performance.now() - started };
      };
      const linesBefore = await tabCount(page, 'all');
      // NDIS_LAB_UI_BENCH_CPU_PROFILE=file.cpuprofile: the window's main thread profiled during the measured stream (DevTools opens it).
      const profilePath = process.env['NDIS_LAB_UI_BENCH_CPU_PROFILE'];
      if (profilePath) {
        await page.send('Profiler.enable');
        await page.send('Profiler.start');
      }
      // The latency is measured on a stream the bench does not trace (tracing costs the browser CPU).
      const { runId, streamedMs } = await stream();
      if (profilePath) fs.writeFileSync(profilePath, JSON.stringify((await page.send<{ profile: unknown }>('Profiler.stop')).profile));
      // Latency depends on the CPU the window gets: say how busy the machine was.
      const load = os.loadavg()[0]!.toFixed(1);
      const inputs = await page.evaluate<Input[]>('window.__uiBench.inputs');
      const timings = await page.evaluate<Timing[]>('window.__uiBench.timings');
      const longTasks = await page.evaluate<number[]>('window.__uiBench.longTasks');
      const runLines = (await tabCount(page, 'ndis')) + (await tabCount(page, 'debug')) + (await tabCount(page, 'hardware')) + (await tabCount(page, 'findings'));
      const lines = await tabCount(page, 'all');
      if (page.errors.length) throw new Error(`the page reported errors: ${page.errors.join('; ')}`);
      if (inputs.length === 0) throw new Error('no input was measured');

      // After the stream: searches over every line, timed to the moment the last line was looked at.
      await clickMiddle(page, 'console-tab-all');
      const searchMs = async (query: string): Promise<{ ms: number; matches: string }> => {
        await clickMiddle(page, 'console-filter');
        await page.press('Control+A');
        await page.press('Backspace');
        const began = performance.now();
        await page.insertText(query);
        // The count of this query's search (the one shown until the window publishes is the previous query's).
        const count = `document.querySelector(${JSON.stringify(`[data-testid="console-match-count"][data-query="${query.replace(/["\\]/g, '\\$&')}"]`)})?.textContent.trim() ?? ''`;
        const done = /^\d[\d,]* match(es)?$/;
        let shown = '';
        while (!done.test((shown = await page.evaluate<string>(count)))) {
          if (performance.now() - began > 120_000) throw new Error(`the search for ${query} did not finish`);
          await sleep(5);
        }
        return { ms: performance.now() - began, matches: shown };
      };
      const text = await searchMs(`${runId}: finished`);
      const ended = (await textOf(page, 'console-row')).trim();
      if (text.matches !== '1 match' || !ended.endsWith('— clean')) throw new Error(`${runId} did not end clean in the window: "${text.matches}", "${ended}"`);
      const regex = await searchMs('/NdisM(IndicateReceive|SendNetBufferListsComplete)\\w*\\(MiniportAdapterHandle=0x[0-9A-F]+/');

      // Then a second stream, traced: the renderer's task lengths in wall time and in CPU time (on a
      // busy machine a task's wall time includes the time the thread waited for a CPU).
      // NDIS_LAB_UI_BENCH_TRACE=file.json: that trace is kept, with the timeline's categories too (DevTools' Performance panel loads it).
      const tracePath = process.env['NDIS_LAB_UI_BENCH_TRACE'];
      await browser.startTracing(tracePath ? ['toplevel', 'devtools.timeline', 'v8', 'blink'] : ['toplevel']);
      await stream();
      const trace = await browser.stopTracing();
      if (tracePath) fs.writeFileSync(tracePath, trace);
      const tasks = mainThreadTasks(trace);

      const latency = latencies(inputs, timings);
      const p95 = percentile(latency, 95);
      const max = Math.max(...latency);
      const mix = `${inputs.length} inputs (${inputs.filter((s) => s.type === 'keydown').length} keys, ${inputs.filter((s) => s.type === 'pointerdown').length} clicks)`;
      const target = `< ${LATENCY_TARGET_MS} ms`;
      return [
        { group, name: 'input-to-paint latency while 1M events stream, median', value: median(latency), unit: 'ms', target, met: median(latency) < LATENCY_TARGET_MS, note: `${mix}; Event Timing API, as INP counts; load average ${load} on ${os.cpus().length} CPUs` },
        { group, name: 'input-to-paint latency while 1M events stream, p95', value: p95, unit: 'ms', target, met: p95 < LATENCY_TARGET_MS, note: `to the next animation frame: p95 ${percentile(inputs.map((s) => s.frame), 95).toFixed(1)} ms` },
        { group, name: 'input-to-paint latency while 1M events stream, INP', value: interactionToNextPaint(latency), unit: 'ms', target, met: interactionToNextPaint(latency) < LATENCY_TARGET_MS, note: `Interaction to Next Paint (web-vitals): the longest input but one in every 50, here the ${ordinal(Math.floor(latency.length / 50) + 1)} longest of ${latency.length}` },
        { group, name: 'input-to-paint latency while 1M events stream, max', value: max, unit: 'ms', target, met: max < LATENCY_TARGET_MS, note: `${latency.filter((l) => l >= LATENCY_TARGET_MS).length} of ${latency.length} inputs at or over ${LATENCY_TARGET_MS} ms; slowest: ${slowest(inputs, latency)}` },
        { group, name: 'events streamed into the window', value: runLines / (streamedMs / 1000), unit: 'events/s', note: `${runLines.toLocaleString('en-US')} events of ${runId} (LabNIC reference driver, ${FRAMES.toLocaleString('en-US')} 64-byte frames each way) in ${(streamedMs / 1000).toFixed(1)} s, from run.start to the window's last line` },
        { group, name: 'lines in the window at the end', value: lines, unit: 'lines', note: `${(lines - linesBefore).toLocaleString('en-US')} added by the run; the consoles keep the newest 1,048,576` },
        { group, name: 'search every line for a text, after the stream', value: text.ms, unit: 'ms', note: `${lines.toLocaleString('en-US')} lines; "${runId}: finished" → ${text.matches}; in slices, the window stays responsive meanwhile` },
        { group, name: 'search every line for a /regex/, after the stream', value: regex.ms, unit: 'ms', note: `a regular expression tested line by line → ${regex.matches}` },
        { group, name: 'longest main-thread task while streaming, wall time', value: tasks.longestWall.wall, unit: 'ms', note: `${tasks.longestWall.cpu.toFixed(1)} ms of it on the CPU (a second, traced stream); ${longTasks.length} tasks over 50 ms in the measured one (Long Tasks API)` },
        { group, name: 'longest main-thread task while streaming, CPU time', value: tasks.longestCpu.cpu, unit: 'ms', note: `${tasks.count.toLocaleString('en-US')} tasks traced; ${tasks.overCpu} over 50 ms of CPU` },
      ];
    } finally {
      await browser?.close();
      // The host removes its run recordings as it shuts down: wait for it.
      const exited = new Promise((resolve) => host.child.once('exit', resolve));
      host.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
  },
};
