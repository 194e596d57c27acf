import type { z } from 'zod';
import {
  SESSION_END_TYPE,
  SESSION_LOG_TYPE,
  SessionLogEnd,
  SessionLogHeader,
} from '../contract/session-log';
import { SESSION_LOG_VERSION, SimEvent } from '../contract/sim-events';

/** A session log that cannot be read: what is wrong, and on which line (1-based) of which file. */
export class SessionLogError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly what: string,
  ) {
    super(`${source}, line ${line}: ${what}`);
    this.name = 'SessionLogError';
  }
}

export type SessionLogRecord =
  | { type: 'header'; line: number; header: SessionLogHeader }
  | { type: 'event'; line: number; seq: number; event: SimEvent }
  | { type: 'end'; line: number; end: SessionLogEnd };

export interface SessionLogReaderOptions {
  /** The file's name, for messages ("run.ndjson, line 7: …"). */
  source?: string;
  /**
   * Check every event against its schema (default). Logs the engine itself just wrote may skip it;
   * anything a user opens is checked.
   */
  validate?: boolean;
}

const EVENT_KINDS = new Set<string>(SimEvent.options.map((o) => o.shape.kind.value));

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads a session log as it streams in (chunks of text in any size, split anywhere), checking it
 * as it goes: the header first, events numbered 1, 2, 3… with no gap, each a valid event of a kind
 * the lab knows, at most one end record, last. The first problem throws a SessionLogError naming
 * the line.
 */
export class SessionLogReader {
  private readonly source: string;
  private readonly validate: boolean;
  private rest = '';
  private lineNo = 0;
  private header: SessionLogHeader | undefined;
  private lastSeq = 0;
  private ended = false;

  constructor(options: SessionLogReaderOptions = {}) {
    this.source = options.source ?? 'session log';
    this.validate = options.validate ?? true;
  }

  /** The events read so far. */
  get events(): number {
    return this.lastSeq;
  }

  get lines(): number {
    return this.lineNo;
  }

  /** Takes the next piece of the text; returns the records completed by it. */
  push(chunk: string): SessionLogRecord[] {
    const out: SessionLogRecord[] = [];
    let text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const record = this.line(text.slice(start, nl));
      if (record) out.push(record);
      start = nl + 1;
    }
    text = text.slice(start);
    this.rest = text;
    return out;
  }

  /** The end of the text: reads a last line without a newline and checks the log was not empty. */
  finish(): SessionLogRecord[] {
    const out: SessionLogRecord[] = [];
    if (this.rest.length > 0) {
      const record = this.line(this.rest);
      this.rest = '';
      if (record) out.push(record);
    }
    if (!this.header) throw new SessionLogError(this.source, Math.max(1, this.lineNo), 'the file is empty: a session log starts with its header record');
    return out;
  }

  private fail(what: string): never {
    throw new SessionLogError(this.source, this.lineNo, what);
  }

  /** One line of the log (without its newline). Blank lines are allowed and skipped. */
  line(raw: string): SessionLogRecord | undefined {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail('a record must be a JSON object');
    const record = value as Record<string, unknown>;
    if (this.ended) this.fail('a record after the end record');
    if (!this.header) return { type: 'header', line: this.lineNo, header: this.readHeader(record) };
    if (record['type'] === SESSION_END_TYPE) {
      const end = SessionLogEnd.safeParse(record);
      if (!end.success) this.fail(`the end record is not valid: ${describeIssues(end.error)}`);
      this.ended = true;
      return { type: 'end', line: this.lineNo, end: end.data };
    }
    if (record['type'] === SESSION_LOG_TYPE) this.fail('a second header record (two logs joined into one file?)');
    return this.readEvent(record);
  }

  private readHeader(record: Record<string, unknown>): SessionLogHeader {
    if (record['type'] !== SESSION_LOG_TYPE) {
      this.fail(`not an NDIS Lab session log: the first record must be the header {"type": "${SESSION_LOG_TYPE}", …}`);
    }
    const version = record['version'];
    if (typeof version === 'number' && version > SESSION_LOG_VERSION) {
      this.fail(`the log is version ${version}, newer than this lab reads (version ${SESSION_LOG_VERSION})`);
    }
    const parsed = SessionLogHeader.safeParse(record);
    if (!parsed.success) this.fail(`the header record is not valid: ${describeIssues(parsed.error)}`);
    this.header = parsed.data;
    return parsed.data;
  }

  private readEvent(record: Record<string, unknown>): SessionLogRecord {
    const seq = record['seq'];
    if (typeof seq !== 'number' || !Number.isInteger(seq)) this.fail('an event record needs its sequence number "seq"');
    if (seq !== this.lastSeq + 1) {
      this.fail(`event seq ${seq} where ${this.lastSeq + 1} was expected (${seq > this.lastSeq + 1 ? 'events are missing' : 'events are repeated or out of order'})`);
    }
    const kind = record['kind'];
    if (typeof kind !== 'string') this.fail(`event ${seq} has no "kind"`);
    if (!EVENT_KINDS.has(kind)) this.fail(`event ${seq} is of an unknown kind "${kind}"`);
    let event: SimEvent;
    if (this.validate) {
      const parsed = SimEvent.safeParse(record);
      if (!parsed.success) this.fail(`event ${seq} (${kind}) is not valid: ${describeIssues(parsed.error)}`);
      event = parsed.data;
    } else {
      const { seq: _seq, ...rest } = record;
      event = rest as unknown as SimEvent;
    }
    this.lastSeq = seq;
    return { type: 'event', line: this.lineNo, seq, event };
  }
}

export interface SessionLog {
  header: SessionLogHeader;
  events: SimEvent[];
  end: SessionLogEnd | undefined;
}

/** A whole session log from its text. */
export function readSessionLog(text: string, options: SessionLogReaderOptions = {}): SessionLog {
  const reader = new SessionLogReader(options);
  const records = [...reader.push(text), ...reader.finish()];
  let header: SessionLogHeader | undefined;
  let end: SessionLogEnd | undefined;
  const events: SimEvent[] = [];
  for (const record of records) {
    if (record.type === 'header') header = record.header;
    else if (record.type === 'event') events.push(record.event);
    else end = record.end;
  }
  return { header: header!, events, end };
}
