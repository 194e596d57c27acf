import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SessionLogEnd } from '../../../src-shared/contract/session-log';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { NdjsonWriter, type SessionLogHeaderInput } from './ndjson';
import { PcapWriter } from './pcap';

/**
 * Every run the engine starts is recorded to disk as it streams: its NDJSON session log and a pcap
 * of its wire, written by the session worker batch by batch (exactly the events the window gets),
 * so a long run costs the engine no memory and its export never misses an event. The engine keeps
 * the recordings of the last KEEP_RUNS runs in a folder of its own under the system's temporary
 * folder and deletes them when it shuts down.
 */
export const KEEP_RUNS = 8;

export interface RecordingSpec {
  ndjson: string;
  pcap: string;
  header: SessionLogHeaderInput;
}

/** The worker's side: writes each batch before it is handed on. */
export class RunRecorder {
  private readonly log: NdjsonWriter;
  private readonly wire: PcapWriter;

  constructor(spec: RecordingSpec) {
    this.log = new NdjsonWriter(spec.ndjson, spec.header);
    this.wire = new PcapWriter(spec.pcap);
  }

  /** A batch of events, and each one's JSON text if the caller has it already (JSON.stringify(event)). */
  write(events: readonly SimEvent[], texts?: readonly string[]): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      this.log.writeText(texts?.[i] ?? JSON.stringify(event));
      if (event.kind === 'wire.frame') this.wire.write(event);
    }
    this.log.flush();
    this.wire.flush();
  }

  close(): void {
    try {
      this.log.close();
    } finally {
      this.wire.close();
    }
  }
}

export interface Recording {
  runId: string;
  ndjson: string;
  pcap: string;
  header: SessionLogHeaderInput;
  /** Set once the run has ended and its end record is written. */
  end: Omit<SessionLogEnd, 'type'> | undefined;
  /** Why the recording is incomplete (the worker could not write it), if it is. */
  error: string | undefined;
  /** Resolves when the end record is on disk. */
  ended: Promise<void>;
  markEnded(): void;
}

/** The engine's side: where each run is recorded, which recordings are kept, and their end records. */
export class RunRecordings {
  private dir: string | undefined;
  private readonly runs = new Map<string, Recording>();

  constructor(
    private readonly options: { dir?: string; keep?: number } = {},
  ) {}

  /** The folder (made on first use). */
  get folder(): string {
    if (!this.dir) {
      if (this.options.dir) fs.mkdirSync(this.options.dir, { recursive: true });
      this.dir = this.options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-runs-'));
    }
    return this.dir;
  }

  /** A new run's recording; the oldest ended ones beyond the kept number are deleted. */
  create(runId: string, header: SessionLogHeaderInput): RecordingSpec {
    const base = path.join(this.folder, runId);
    let markEnded!: () => void;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const recording: Recording = { runId, ndjson: `${base}.ndjson`, pcap: `${base}.pcap`, header, end: undefined, error: undefined, ended, markEnded };
    this.runs.set(runId, recording);
    this.prune();
    return { ndjson: recording.ndjson, pcap: recording.pcap, header };
  }

  get(runId: string): Recording | undefined {
    return this.runs.get(runId);
  }

  /** The worker could not write the recording (disk full, …): exports say so. */
  failed(runId: string, message: string): void {
    const recording = this.runs.get(runId);
    if (recording) recording.error ??= message;
  }

  /**
   * The run ended and its worker is gone: appends the end record (after a newline if the worker
   * was stopped in the middle of a line).
   */
  finish(runId: string, end: Omit<SessionLogEnd, 'type'>): void {
    const recording = this.runs.get(runId);
    if (!recording || recording.end) return;
    recording.end = end;
    try {
      if (fs.existsSync(recording.ndjson)) {
        const size = fs.statSync(recording.ndjson).size;
        let lead = '';
        if (size > 0) {
          const last = Buffer.alloc(1);
          const fd = fs.openSync(recording.ndjson, 'r');
          try {
            fs.readSync(fd, last, 0, 1, size - 1);
          } finally {
            fs.closeSync(fd);
          }
          if (last[0] !== 0x0a) lead = '\n';
        }
        fs.appendFileSync(recording.ndjson, `${lead}${JSON.stringify({ type: 'ndis-lab-end', ...end })}\n`);
      } else {
        recording.error ??= 'the session worker never wrote the recording';
      }
    } catch (error) {
      recording.error ??= `could not finish the recording: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      recording.markEnded();
    }
  }

  /** A file that belongs with a run's recording (its HTML report), deleted with it. */
  companion(runId: string, extension: string): string {
    return path.join(this.folder, `${runId}.${extension}`);
  }

  dispose(): void {
    this.runs.clear();
    if (!this.dir || this.options.dir) return;
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Still open in a worker being stopped (Windows): the second dispose, after the workers, removes it.
    }
  }

  private prune(): void {
    const keep = this.options.keep ?? KEEP_RUNS;
    const ended = [...this.runs.values()].filter((r) => r.end !== undefined);
    const excess = this.runs.size - keep;
    for (const recording of ended.slice(0, Math.max(0, excess))) {
      this.runs.delete(recording.runId);
      for (const file of fs.readdirSync(this.folder)) {
        if (file.startsWith(`${recording.runId}.`)) fs.rmSync(path.join(this.folder, file), { force: true });
      }
    }
  }
}
