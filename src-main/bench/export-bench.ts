import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBench, parseBench } from '../../src-shared/contract/bench';
import { TRAFFIC_SCENARIO } from '../../src-shared/contract/built-in-scenarios';
import { Scenario } from '../../src-shared/contract/scenario';
import type { SimEvent } from '../../src-shared/contract/sim-events';
import { SessionLogReader } from '../../src-shared/session/log-reader';
import { SessionReplay } from '../../src-shared/session/replay';
import { writeHtmlReport } from '../engine/session/exports';
import { RunRecorder } from '../engine/session/recording';
import { runDriver } from '../engine/session/run-driver';
import { resourcesDir } from '../engine/resources';
import { loadTestBuilder } from '../engine/toolchain/testing';
import { median, type BenchRow, type BenchSuite } from './table';

const RUNS = 5;
/** The report of the traffic run is there as soon as asked for. */
const REPORT_TARGET_MS = 2000;
/** At this rate a 1,000,000-event log is checked and replayed in 10 s. */
const IMPORT_TARGET = 100_000;

/**
 * Session files for the built-in traffic run of the reference LabNIC driver (10,000 frames each
 * way, ~41,000 events): what recording costs a run, how fast a log is read back with every event
 * checked and replayed (an import), and how long the HTML report takes.
 */
export const exportSuite: BenchSuite = {
  name: 'export',
  async run() {
    const rows: BenchRow[] = [];
    const dir = path.join(resourcesDir(), 'examples', 'labnic-miniport');
    const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const scenario = Scenario.parse(applyBench(TRAFFIC_SCENARIO, parseBench(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8'))));
    const { builder } = await loadTestBuilder();
    const build = builder.build({ files, implementedImports: null });
    if (!build.wasm) throw new Error('the LabNIC reference driver did not build');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-export-bench-'));
    try {
      const batchOf = (sink: (events: SimEvent[]) => void) => {
        let batch: SimEvent[] = [];
        return {
          onEvent(event: SimEvent) {
            batch.push(event);
            if (batch.length >= 512) {
              sink(batch);
              batch = [];
            }
          },
          flush() {
            if (batch.length) sink(batch);
            batch = [];
          },
        };
      };
      // Each run timed whole, and the time spent inside the recorder on its own: the ratio of the two
      // is what recording adds, measured within the same run (the machine's load hits both alike).
      const totals: number[] = [];
      const recording: number[] = [];
      let events = 0;
      const ndjson = path.join(tmp, 'run.ndjson');
      for (let r = 0; r < RUNS; r++) {
        const recorder = new RunRecorder({ ndjson, pcap: path.join(tmp, 'run.pcap'), header: { driver: 'driver', seed: 1, scenario: scenario.name, faults: [], buildHash: build.hash, files, scenarioSpec: scenario } });
        let count = 0;
        let inRecorder = 0;
        const batches = batchOf((b) => {
          count += b.length;
          const t = performance.now();
          recorder.write(b);
          inRecorder += performance.now() - t;
        });
        const t = performance.now();
        runDriver({ build, driverName: 'driver', scenario, onEvent: batches.onEvent });
        batches.flush();
        const closing = performance.now();
        recorder.close();
        inRecorder += performance.now() - closing;
        totals.push(performance.now() - t);
        recording.push(inRecorder);
        events = count;
      }
      const bytes = fs.statSync(ndjson).size;
      const overhead = median(recording.map((rec, i) => rec / (totals[i]! - rec)));
      rows.push({ group: 'export', name: 'traffic run, recorded (NDJSON + pcap)', value: median(totals), unit: 'ms', note: `${events.toLocaleString('en-US')} events; ${(bytes / 1e6).toFixed(1)} MB NDJSON, ${(fs.statSync(path.join(tmp, 'run.pcap')).size / 1e6).toFixed(1)} MB pcap; median of ${RUNS}` });
      // No target: this is the price of a log that never drops an event; it is paid on the session worker.
      rows.push({
        group: 'export',
        name: 'recording’s share of the run',
        value: overhead * 100,
        unit: '%',
        note: `${median(recording).toFixed(0)} ms in the recorder (${((median(recording) * 1000) / events).toFixed(1)} µs/event), on the session worker`,
      });

      // An import's first pass: every line parsed, checked against the schemas and replayed.
      const text = fs.readFileSync(ndjson, 'utf8');
      const imports: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now();
        const reader = new SessionLogReader({ source: 'run.ndjson' });
        const replay = new SessionReplay();
        for (let i = 0; i < text.length; i += 1 << 16) for (const record of reader.push(text.slice(i, i + (1 << 16)))) if (record.type === 'event') replay.apply(record.event);
        reader.finish();
        if (!replay.finished) throw new Error('the replayed log did not finish');
        imports.push(performance.now() - t);
      }
      const rate = events / (median(imports) / 1000);
      rows.push({ group: 'export', name: 'NDJSON read, checked and replayed (import)', value: rate, unit: 'events/s', target: `≥ ${IMPORT_TARGET.toLocaleString('en-US')} events/s`, met: rate >= IMPORT_TARGET, note: `${median(imports).toFixed(0)} ms for the traffic log` });

      const reports: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now();
        await writeHtmlReport(ndjson, path.join(tmp, 'report.html'), 'bench');
        reports.push(performance.now() - t);
      }
      rows.push({
        group: 'export',
        name: 'HTML report of the traffic run',
        value: median(reports),
        unit: 'ms',
        target: `< ${REPORT_TARGET_MS} ms`,
        met: median(reports) < REPORT_TARGET_MS,
        note: `${(fs.statSync(path.join(tmp, 'report.html')).size / 1e3).toFixed(0)} kB, streamed from the log`,
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return rows;
  },
};
