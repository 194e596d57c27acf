import { IdList, type LineStore } from './line-store';

/**
 * A console's search: plain text (case-insensitive substring) or, written /like this/flags, a
 * regular expression tested against each line. Matching whole history runs in slices of a few
 * milliseconds (SearchJob.step), so typing into the box never stalls the window however many
 * lines there are; lines that arrive meanwhile are tested as they come (SearchJob.offer).
 */
export type Query =
  | { kind: 'text'; source: string; needle: string }
  | { kind: 'regex'; source: string; regex: RegExp }
  | { kind: 'invalid'; source: string; error: string };

const REGEX_FORM = /^\/(.+)\/([a-z]*)$/s;

/** What the search box holds, as a query; undefined for an empty box. */
export function parseQuery(input: string): Query | undefined {
  const source = input.trim();
  if (!source) return undefined;
  const form = REGEX_FORM.exec(source);
  if (form) {
    const flags = form[2]!;
    const bad = [...flags].filter((f) => !'imsuv'.includes(f));
    if (bad.length) return { kind: 'invalid', source, error: `flag ${bad.join('')} is not for line search (use i, m, s, u or v)` };
    try {
      return { kind: 'regex', source, regex: new RegExp(form[1]!, flags) };
    } catch (error) {
      return { kind: 'invalid', source, error: error instanceof Error ? error.message : String(error) };
    }
  }
  return { kind: 'text', source, needle: source.toLowerCase() };
}

export function lineMatches(text: string, query: Query): boolean {
  switch (query.kind) {
    case 'text':
      return text.toLowerCase().includes(query.needle);
    case 'regex':
      return query.regex.test(text);
    case 'invalid':
      return false;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Where a line matches (for highlighting), as [start, end) pairs in order, none empty. */
export function matchRanges(text: string, query: Query, limit = 64): Array<[number, number]> {
  if (query.kind === 'invalid') return [];
  const pattern = query.kind === 'text' ? new RegExp(escapeRegex(query.source), 'gi') : new RegExp(query.regex.source, `${query.regex.flags.replace(/[gy]/g, '')}g`);
  const ranges: Array<[number, number]> = [];
  for (const match of text.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    ranges.push([match.index, match.index + match[0].length]);
    if (ranges.length >= limit) break;
  }
  return ranges;
}

/** Splits a line into plain and matching parts, for rendering. */
export function highlightParts(text: string, ranges: ReadonlyArray<[number, number]>): Array<{ text: string; match: boolean }> {
  const parts: Array<{ text: string; match: boolean }> = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), match: false });
  return parts;
}

/**
 * The lines of one console (category mask) that match a query, as ascending ids. History (lines
 * kept before the job began) is scanned by `step`, chunk by chunk; newer lines come in by `offer`.
 */
export class SearchJob {
  private readonly older = new IdList();
  private readonly newer = new IdList();
  /** The next kept line `step` looks at; the job is done when it reaches `boundary`. */
  private next: number;
  readonly boundary: number;
  /** Lines looked at so far (progress). */
  scanned = 0;

  constructor(
    private readonly store: LineStore,
    readonly mask: number,
    readonly query: Query,
  ) {
    this.next = store.first;
    this.boundary = store.end;
  }

  get done(): boolean {
    return this.next >= this.boundary;
  }

  /** History still to scan, in lines. */
  get remaining(): number {
    return Math.max(0, this.boundary - Math.max(this.next, this.store.first));
  }

  get length(): number {
    return this.older.length + this.newer.length;
  }

  /** The i-th matching line's id. */
  at(i: number): number {
    return i < this.older.length ? this.older.at(i) : this.newer.at(i - this.older.length);
  }

  /** The position of the first match with id ≥ `id`. */
  lowerBound(id: number): number {
    const older = this.older.lowerBound(id);
    return older < this.older.length ? older : this.older.length + this.newer.lowerBound(id);
  }

  indexOf(id: number): number {
    const i = this.lowerBound(id);
    return i < this.length && this.at(i) === id ? i : -1;
  }

  /** A line that arrived after the job began. */
  offer(id: number, text: string, category: number): void {
    if (id < this.boundary || !(category & this.mask)) return;
    if (lineMatches(text, this.query)) this.newer.push(id);
  }

  /** The store dropped lines below `first`. */
  dropBelow(first: number): void {
    this.older.dropBelow(first);
    this.newer.dropBelow(first);
    if (this.next < first) this.next = first;
  }

  /**
   * Scans history until it is done or `budgetMs` has passed (checked between chunks); returns
   * whether the job is done. `now` is the clock (performance.now in the window).
   */
  step(budgetMs: number, now: () => number = () => performance.now()): boolean {
    const started = now();
    if (this.next < this.store.first) this.next = this.store.first;
    while (this.next < this.boundary) {
      this.scanChunk();
      if (now() - started >= budgetMs) break;
    }
    return this.done;
  }

  private scanChunk(): void {
    const { base, count, text, category } = this.store.chunkText(this.next);
    const from = this.next - base;
    const to = Math.min(count, this.boundary - base);
    const mask = this.mask;
    if (this.query.kind === 'text') {
      // One lower-cased string per chunk; hits mapped back to lines by the newlines between them.
      const lower = text.toLowerCase();
      const needle = this.query.needle;
      let line = 0;
      let lineStart = 0;
      let lineEnd = lower.indexOf('\n');
      while (line < from) {
        lineStart = lineEnd + 1;
        lineEnd = lower.indexOf('\n', lineStart);
        line++;
      }
      let hit = lower.indexOf(needle, lineStart);
      while (hit >= 0 && line < to) {
        while (hit > lineEnd && line < to) {
          lineStart = lineEnd + 1;
          lineEnd = lower.indexOf('\n', lineStart);
          line++;
        }
        if (line >= to) break;
        if (hit + needle.length <= lineEnd && category[line]! & mask) this.older.push(base + line);
        if (hit + needle.length <= lineEnd) {
          // One match is enough for a line: go on from the next line.
          lineStart = lineEnd + 1;
          lineEnd = lower.indexOf('\n', lineStart);
          line++;
          hit = lower.indexOf(needle, lineStart);
        } else hit = lower.indexOf(needle, hit + 1);
      }
    } else if (this.query.kind === 'regex') {
      const regex = this.query.regex;
      let lineStart = 0;
      for (let line = 0; line < to; line++) {
        const lineEnd = text.indexOf('\n', lineStart);
        if (line >= from && category[line]! & mask) {
          regex.lastIndex = 0;
          if (regex.test(text.slice(lineStart, lineEnd))) this.older.push(base + line);
        }
        lineStart = lineEnd + 1;
      }
    }
    this.scanned += to - from;
    this.next = base + to;
  }
}
