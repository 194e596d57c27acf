import fs from 'node:fs';
import { SESSION_LOG_VERSION, type SimEvent } from '../../../src-shared/contract/sim-events';

export interface SessionLogHeader {
  driver: string;
  seed: number;
  scenario: string;
  faults: string[];
  buildHash: string;
}

/**
 * Writes a session as NDJSON: a header line, then one event per line numbered from 1. Buffered,
 * and flushed before close, so nothing recorded is dropped; the same run gives the same bytes.
 */
export class NdjsonWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  private seq = 0;

  constructor(path: string, header: SessionLogHeader) {
    this.fd = fs.openSync(path, 'w');
    this.push(JSON.stringify({ type: 'ndis-lab-session', version: SESSION_LOG_VERSION, ...header }));
  }

  get count(): number {
    return this.seq;
  }

  write(event: SimEvent): void {
    this.push(JSON.stringify({ seq: ++this.seq, ...event }));
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

  private flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.size = 0;
  }
}
