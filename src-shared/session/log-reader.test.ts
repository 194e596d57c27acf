import { describe, expect, it } from 'vitest';
import { readSessionLog, SessionLogError, SessionLogReader } from './log-reader';
import { canonicalJson, replayRuns, sameResult } from './replay';

const header = { type: 'ndis-lab-session', version: 1, driver: 'driver', seed: 7, scenario: 'default', faults: [], buildHash: 'abc', files: { 'driver.c': 'int x;\n' } };
const events = [
  { kind: 'run.started', t: 0, driver: 'driver', seed: 7, scenario: 'default', faults: [] },
  { kind: 'scenario.step', t: 0, index: 0, step: 'load', status: 'started' },
  { kind: 'driver.state', t: 0, state: 'registered' },
  { kind: 'scenario.step', t: 0, index: 0, step: 'load', status: 'done' },
  { kind: 'adapter.state', t: 10, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
  { kind: 'adapter.state', t: 20, adapter: 'adapter0', from: 'Initializing', to: 'Paused' },
  { kind: 'finding', t: 25, rule: 'HALT-LEAK', severity: 'api-fail', message: 'leaked', doc: 'https://example.invalid/doc', file: 'driver.c', line: 1 },
  { kind: 'scenario.step', t: 30, index: 1, step: 'expect-state state=Paused', status: 'done', detail: 'adapter0 is Paused', ok: true },
  { kind: 'run.finished', t: 40, result: 'findings', findings: 1, ndisCalls: 3 },
];
const lines = (list: unknown[] = events): string[] => [JSON.stringify(header), ...list.map((e, i) => JSON.stringify({ seq: i + 1, ...(e as object) }))];
const text = (list?: unknown[]): string => `${lines(list).join('\n')}\n`;

function errorOf(source: string): SessionLogError {
  try {
    readSessionLog(source, { source: 'run.ndjson' });
  } catch (error) {
    if (error instanceof SessionLogError) return error;
    throw error;
  }
  throw new Error('the log was accepted');
}

describe('reading a session log', () => {
  it('reads the header, the events in order and the end record', () => {
    const end = { type: 'ndis-lab-end', state: 'finished' };
    const log = readSessionLog(`${text()}${JSON.stringify(end)}\n`);
    expect(log.header.seed).toBe(7);
    expect(log.header.files).toEqual({ 'driver.c': 'int x;\n' });
    expect(log.events.map((e) => e.kind)).toEqual(events.map((e) => e.kind));
    expect(log.events[0]).not.toHaveProperty('seq');
    expect(log.end).toEqual(end);
  });

  it('gives the same records however the text is split into chunks, with CRLF line ends too', () => {
    const source = text().replace(/\n/g, '\r\n');
    const reader = new SessionLogReader();
    const records = [];
    for (let i = 0; i < source.length; i += 7) records.push(...reader.push(source.slice(i, i + 7)));
    records.push(...reader.finish());
    expect(records.map((r) => r.type)).toEqual(['header', ...events.map(() => 'event')]);
    expect(records.map((r) => r.line)).toEqual(lines().map((_, i) => i + 1));
  });

  it('reads a last line without a newline, and skips blank lines', () => {
    const log = readSessionLog(`${lines().join('\n\n')}`);
    expect(log.events).toHaveLength(events.length);
  });

  it('names the line of a record that is not JSON', () => {
    const bad = lines();
    bad[4] = '{"seq": 4, "kind": ';
    const error = errorOf(bad.join('\n'));
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/^run\.ndjson, line 5: not valid JSON/);
  });

  it('refuses a file that does not start with the header', () => {
    expect(errorOf(lines().slice(1).join('\n')).message).toBe(
      'run.ndjson, line 1: not an NDIS Lab session log: the first record must be the header {"type": "ndis-lab-session", …}',
    );
    expect(errorOf('').message).toMatch(/line 1: the file is empty/);
    expect(errorOf('[1,2]\n').message).toMatch(/line 1: a record must be a JSON object/);
  });

  it('refuses a header that is not valid, and a log newer than the lab', () => {
    expect(errorOf(JSON.stringify({ ...header, seed: 'seven' })).message).toMatch(/line 1: the header record is not valid: seed:/);
    expect(errorOf(JSON.stringify({ ...header, version: 99 })).message).toMatch(/line 1: the log is version 99, newer than this lab reads \(version 1\)/);
  });

  it('finds a missing or repeated event by its sequence number', () => {
    const gap = lines();
    gap.splice(3, 1);
    const missing = errorOf(gap.join('\n'));
    expect(missing.line).toBe(4);
    expect(missing.what).toBe('event seq 4 where 3 was expected (events are missing)');
    const repeated = lines();
    repeated.splice(3, 0, repeated[2]!);
    expect(errorOf(repeated.join('\n')).what).toBe('event seq 2 where 3 was expected (events are repeated or out of order)');
  });

  it('names an unknown event kind, and the field of an event that is not valid', () => {
    const unknown = lines();
    unknown[2] = JSON.stringify({ seq: 2, kind: 'teleport', t: 0 });
    expect(errorOf(unknown.join('\n')).message).toBe('run.ndjson, line 3: event 2 is of an unknown kind "teleport"');
    const invalid = lines();
    invalid[5] = JSON.stringify({ seq: 5, kind: 'adapter.state', t: 10, adapter: 3, from: 'Halted', to: 'Initializing' });
    const error = errorOf(invalid.join('\n'));
    expect(error.line).toBe(6);
    expect(error.what).toMatch(/^event 5 \(adapter\.state\) is not valid: adapter: /);
  });

  it('refuses records after the end record and a second header', () => {
    const end = JSON.stringify({ type: 'ndis-lab-end', state: 'finished' });
    expect(errorOf(`${text()}${end}\n${end}\n`).message).toMatch(new RegExp(`line ${events.length + 3}: a record after the end record`));
    expect(errorOf(`${text()}${JSON.stringify(header)}\n`).message).toMatch(/a second header record/);
    expect(errorOf(`${text()}${JSON.stringify({ type: 'ndis-lab-end', state: 'exploded' })}\n`).message).toMatch(/the end record is not valid: state:/);
  });

  it('replays what it reads: adapters, findings, expectations and the result', () => {
    const [run] = replayRuns(readSessionLog(text()).events);
    expect(run!.finished).toBe(true);
    expect(run!.result).toEqual({
      result: 'findings',
      driver: { loaded: true, unloaded: false },
      adapters: [{ name: 'adapter0', state: 'Paused', history: ['Halted', 'Initializing', 'Paused'] }],
      findings: [{ rule: 'HALT-LEAK', severity: 'api-fail', message: 'leaked', doc: 'https://example.invalid/doc', file: 'driver.c', line: 1 }],
      bugcheck: null,
      expectations: [{ step: 1, ok: true, message: 'adapter0 is Paused' }],
      virtualTime: 40,
      ndisCalls: 3,
    });
    expect(run!.timeline.adapters[0]!.segments).toEqual([
      { state: 'Halted', start: 10, end: 10 },
      { state: 'Initializing', start: 10, end: 20 },
      { state: 'Paused', start: 20, end: undefined },
    ]);
  });

  it('a log of several runs replays each (systematic fault injection)', () => {
    const twice = [...events, ...events];
    const runs = replayRuns(readSessionLog(text(twice)).events);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.result).toEqual(runs[0]!.result);
  });

  it('an unfinished run replays to its state so far, without a result', () => {
    const [run] = replayRuns(readSessionLog(text(events.slice(0, 6))).events);
    expect(run!.finished).toBe(false);
    expect(run!.result).toBeUndefined();
    expect(run!.adapters[0]!.state).toBe('Paused');
  });
});

describe('comparing results', () => {
  it('ignores the order fields were written in, and undefined members, but not values', () => {
    const [run] = replayRuns(readSessionLog(text()).events);
    const result = run!.result!;
    // The same fields, written in reverse order at every level.
    const reverse = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reverse) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverse(v)])) : value;
    const reordered = reverse(result) as typeof result;
    expect(Object.keys(reordered)[0]).toBe('ndisCalls');
    expect(sameResult(result, reordered)).toBe(true);
    expect(sameResult(result, { ...result, stoppedAt: undefined })).toBe(true);
    expect(sameResult(result, { ...result, ndisCalls: 4 })).toBe(false);
    expect(sameResult(result, { ...result, findings: [] })).toBe(false);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
