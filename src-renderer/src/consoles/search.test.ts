import { describe, expect, it } from 'vitest';
import { LineStore } from './line-store';
import { highlightParts, lineMatches, matchRanges, parseQuery, SearchJob, type Query } from './search';

const q = (text: string): Query => parseQuery(text)!;

describe('parseQuery', () => {
  it('reads text, /regex/flags, and says what is wrong with a bad regex', () => {
    expect(parseQuery('   ')).toBeUndefined();
    expect(q(' NdisMSetMiniportAttributes ')).toEqual({ kind: 'text', source: 'NdisMSetMiniportAttributes', needle: 'ndismsetminiportattributes' });
    const regex = q('/Ndis\\w+Attributes/i');
    expect(regex.kind).toBe('regex');
    expect(regex.kind === 'regex' && regex.regex.flags).toBe('i');
    const broken = q('/(unclosed/');
    expect(broken.kind).toBe('invalid');
    expect(broken.kind === 'invalid' && broken.error).toMatch(/Invalid regular expression/);
    const global = q('/x/g');
    expect(global.kind === 'invalid' && global.error).toBe('flag g is not for line search (use i, m, s, u or v)');
    // A lone slash, or slashes inside text, are text.
    expect(q('/').kind).toBe('text');
    expect(q('a/b').kind).toBe('text');
  });
});

describe('matching one line', () => {
  it('text is case-insensitive; a regex keeps its own flags', () => {
    expect(lineMatches('NdisMSetMiniportAttributes(…) = NDIS_STATUS_SUCCESS', q('status_success'))).toBe(true);
    expect(lineMatches('NdisMSetMiniportAttributes', q('/status/'))).toBe(false);
    expect(lineMatches('NDIS_STATUS_SUCCESS', q('/status/i'))).toBe(true);
    expect(lineMatches('anything', q('/(/'))).toBe(false);
  });

  it('finds the ranges to highlight, and splits the line around them', () => {
    const text = 'hw adapter0: write TDT ← 0x00000010  TDT=16 (hardware.c:88)';
    expect(matchRanges(text, q('tdt'))).toEqual([
      [19, 22],
      [37, 40],
    ]);
    expect(matchRanges(text, q('/0x0+(\\d+)/'))).toEqual([[25, 35]]);
    expect(matchRanges(text, q('/q*/'))).toEqual([]);
    expect(matchRanges('a.b.c', q('.'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(highlightParts('abcabc', [[1, 2]])).toEqual([
      { text: 'a', match: false },
      { text: 'b', match: true },
      { text: 'cabc', match: false },
    ]);
    expect(highlightParts('', [])).toEqual([{ text: '', match: false }]);
  });
});

describe('SearchJob', () => {
  function store(lines: Array<[string, number]>, chunkLines = 4): LineStore {
    const s = new LineStore({ chunkLines, maxChunks: 64 });
    for (const [text, category] of lines) s.append(text, { category, kind: 0, t: 0, run: 0, index: 0 });
    return s;
  }
  const ids = (job: SearchJob): number[] => Array.from({ length: job.length }, (_, i) => job.at(i));

  it('scans history chunk by chunk, in the console\'s categories only, one hit per line', () => {
    const lines: Array<[string, number]> = [];
    for (let i = 0; i < 23; i++) lines.push([`event ${i}${i % 5 === 0 ? ' Link link LINK' : ''} → done`, i % 2 ? 2 : 8]);
    const s = store(lines);
    const job = new SearchJob(s, 2 | 8, q('link'));
    expect(job.done).toBe(false);
    expect(job.step(1000)).toBe(true);
    expect(ids(job)).toEqual([0, 5, 10, 15, 20]);
    const odd = new SearchJob(s, 2, q('link'));
    odd.step(1000);
    expect(ids(odd)).toEqual([5, 15]);
    expect(odd.scanned).toBe(23);
  });

  it('does not match across line ends', () => {
    const s = store([
      ['ends with ab', 1],
      ['cd starts the next', 1],
    ]);
    const job = new SearchJob(s, 1, q('abcd'));
    job.step(1000);
    expect(job.length).toBe(0);
    const split = new SearchJob(s, 1, q('/ab\\ncd/'));
    split.step(1000);
    expect(split.length).toBe(0);
  });

  it('regex search, per line, with ^ and $ at the line ends', () => {
    const s = store([
      ['NdisAllocateMemoryWithTagPriority = NULL', 1],
      ['x NdisFreeMemory', 1],
      ['NdisFreeMemory', 1],
      ['NdisMRegisterInterruptEx = NDIS_STATUS_SUCCESS', 1],
      ['NdisFreeMemory y', 1],
    ]);
    const job = new SearchJob(s, 1, q('/^Ndis\\w+$/'));
    job.step(1000);
    expect(ids(job)).toEqual([2]);
  });

  it('stops when its time is up and goes on where it stopped; new lines come in by offer', () => {
    const lines: Array<[string, number]> = Array.from({ length: 40 }, (_, i) => [`line ${i} ${i % 10 === 3 ? 'hit' : ''}`, 1]);
    const s = store(lines);
    const job = new SearchJob(s, 1, q('hit'));
    let clock = 0;
    // Each chunk "takes" 1 ms; a 2 ms budget scans two chunks (8 lines) per step.
    const now = (): number => clock++;
    expect(job.step(2, now)).toBe(false);
    expect(job.remaining).toBe(32);
    expect(ids(job)).toEqual([3]);
    const id = s.append('a new hit', { category: 1, kind: 0, t: 0, run: 0, index: 0 });
    job.offer(id, 'a new hit', 1);
    job.offer(id, 'a new hit', 1 << 4); // not this console's
    while (!job.step(2, now));
    expect(ids(job)).toEqual([3, 13, 23, 33, 40]);
    expect(job.indexOf(23)).toBe(2);
    expect(job.lowerBound(24)).toBe(3);
    expect(job.lowerBound(40)).toBe(4);
  });

  it('follows the store when it drops old lines mid-scan', () => {
    const s = new LineStore({ chunkLines: 4, maxChunks: 3 });
    for (let i = 0; i < 12; i++) s.append(`x ${i}`, { category: 1, kind: 0, t: 0, run: 0, index: 0 });
    const job = new SearchJob(s, 1, q('x'));
    let clock = 0;
    job.step(1, () => clock++);
    expect(ids(job)).toEqual([0, 1, 2, 3]);
    const first = s.append('x 12', { category: 1, kind: 0, t: 0, run: 0, index: 0 });
    expect(s.first).toBe(4);
    job.dropBelow(s.first);
    job.offer(first, 'x 12', 1);
    while (!job.step(1, () => clock++));
    expect(ids(job)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
