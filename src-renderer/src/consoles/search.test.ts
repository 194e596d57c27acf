import { describe, expect, it } from 'vitest';
import { LineStore } from './line-store';
import { highlightParts, lineMatches, matchRanges, parseQuery, SearchJob, type Query } from './search';

const q = (text: string): Query => parseQuery(text)!;

describe('parseQuery', () => {
  it('reads text, /regex/flags, and says what is wrong with a bad regex', () => {
    expect(parseQuery('   ')).toBeUndefined();
    expect(q(' NdisMSetMiniportAttributes ')).toMatchObject({ kind: 'text', source: 'NdisMSetMiniportAttributes', needle: 'ndismsetminiportattributes' });
    // An ASCII needle is also kept as bytes (history is searched in the stored UTF-8); any other is not.
    expect(Array.from((q('Ndis') as { bytes?: Uint8Array }).bytes ?? [])).toEqual([0x6e, 0x64, 0x69, 0x73]);
    expect((q('→ Paused') as { bytes?: Uint8Array }).bytes).toBeUndefined();
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

  it('finds in the stored bytes exactly what the text path finds, line by line: any case, non-ASCII text around, the characters that lower-case into ASCII', () => {
    const texts = [
      'adapter adapter0: Initializing → Paused',
      'hw adapter0: write TDT ← 0x00000010 (hardware.c:88)',
      'DbgPrint: LabNic: héllo ✓ 𝄞 LINK up',
      'T = 300 \u212A',
      'X\u0130X',
      'NdisMIndicateStatusEx(StatusCode=NDIS_STATUS_LINK_STATE)',
      'link',
      'lin',
      '',
      'ndis.call NdisAllocateMemoryWithTagPriority = 0x00001000',
    ];
    const lines: Array<[string, number]> = [];
    for (let i = 0; i < 60; i++) lines.push([texts[i % texts.length]!, i % 3 ? 1 : 4]);
    for (const chunkLines of [1, 3, 8]) {
      const s = store(lines, chunkLines);
      for (const needle of ['link', 'LINK', 'k', 'init', 'i', 'tdt ← 0x', 'ndis_status_link', 'n', '0x00001000', 'zz', 'link up', 'e ']) {
        for (const mask of [1, 4, 5]) {
          const query = q(needle);
          const job = new SearchJob(s, mask, query);
          job.step(1000);
          const expected = lines.map(([text, category], id) => (category & mask && lineMatches(text, query) ? id : -1)).filter((id) => id >= 0);
          expect(ids(job), `"${needle}", mask ${mask}, chunks of ${chunkLines}`).toEqual(expected);
        }
      }
    }
  });

  it('tests a block of new lines in its bytes as offer would test them one by one, from the job\'s boundary on', () => {
    const texts = ['LINK up', 'T = 300 \u212A', 'hw adapter0: write TDT ← 0x10', 'link', 'nothing here', 'X\u0130X'];
    for (const needle of ['link', 'k', 'i', 'tdt ←', '/^link$/']) {
      const s = store([['old link', 1]], 4);
      const job = new SearchJob(s, 1 | 2, q(needle));
      job.step(1000);
      // The block as the socket worker makes it: UTF-8 lines with their ends and categories.
      const encoder = new TextEncoder();
      const parts = texts.map((t) => encoder.encode(`${t}\n`));
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      const ends = new Uint32Array(texts.length);
      let at = 0;
      parts.forEach((p, i) => {
        bytes.set(p, at);
        at += p.length;
        ends[i] = at;
      });
      const category = Uint8Array.from(texts, (_, i) => (i === 4 ? 4 : 1 + (i % 2)));
      // Lines 1 … 5 of the block, the first of them with id 0 (at the job's boundary: that one was history).
      job.offerBytes(0, bytes, ends, category, 1, texts.length);
      const expected = texts.map((t, i) => (i >= 2 && category[i]! & 3 && lineMatches(t, q(needle)) ? i - 1 : -1)).filter((id) => id >= 0);
      const history = lineMatches('old link', q(needle)) ? [0] : [];
      expect(ids(job), needle).toEqual([...history, ...expected]);
    }
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
