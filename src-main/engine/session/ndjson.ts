import fs from 'node:fs';
import { SESSION_END_TYPE, SESSION_LOG_TYPE, type SessionLogEnd, type SessionLogHeader } from '../../../src-shared/contract/session-log';
import { SESSION_LOG_VERSION, type SimEvent } from '../../../src-shared/contract/sim-events';

/** The header of a session log as a writer takes it (the record's type and version are added). */
export type SessionLogHeaderInput = Omit<SessionLogHeader, 'type' | 'version'>;

/**
 * Writes a session as NDJSON: a header line, then one event per line numbered from 1. Buffered,
 * and flushed before close, so nothing recorded is dropped; the same run gives the same bytes.
 * (src-shared/contract/session-log.ts describes the records; src-shared/session reads them back.)
 */
export class NdjsonWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  private seq = 0;

  constructor(path: string, header: SessionLogHeaderInput) {
    this.fd = fs.openSync(path, 'w');
    this.push(JSON.stringify({ type: SESSION_LOG_TYPE, version: SESSION_LOG_VERSION, ...header }));
  }

  get count(): number {
    return this.seq;
  }

  write(event: SimEvent): void {
    this.writeText(JSON.stringify(event));
  }

  /** An event given as its JSON text (JSON.stringify(event)). */
  writeText(json: string): void {
    // The same text as JSON.stringify({ seq, ...event }), without building the merged object.
    this.push(`{"seq":${++this.seq},${json.slice(1)}`);
  }

  /** The last record: how the run ended and its result. */
  end(end: Omit<SessionLogEnd, 'type'>): void {
    this.push(JSON.stringify({ type: SESSION_END_TYPE, ...end }));
  }

  /** Writes what is buffered (a recording flushes with every batch it hands on). */
  flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }
}
