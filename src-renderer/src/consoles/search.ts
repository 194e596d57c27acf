import { IdList, type LineStore } from './line-store';

/**
 * A console's search: plain text (case-insensitive substring) or, written /like this/flags, a
 * regular expression tested against each line. Matching whole history runs in slices of a few
 * milliseconds (SearchJob.step), so typing into the box never stalls the window however many
 * lines there are; lines that arrive meanwhile are tested as they come (SearchJob.offer).
 */
export type Query =
  /** `bytes`: the needle as UTF-8 when it is all ASCII (then history is searched in the stored bytes, with no text decoded). */
  | { kind: 'text'; source: string; needle: string; bytes?: Uint8Array }
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
  const needle = source.toLowerCase();
  return /^[\x00-\x7f]+$/.test(needle) ? { kind: 'text', source, needle, bytes: Uint8Array.from(needle, (c) => c.charCodeAt(0)) } : { kind: 'text', source, needle };
}

/** ASCII upper case to lower case; any other byte as it is. */
function fold(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/**
 * Whether `bytes[from, to)` holds a character that lower-cases to ASCII letters (U+0130 İ → "i̇",
 * U+212A KELVIN SIGN → "k"): the only ones for which a byte comparison and String.toLowerCase
 * would differ on an ASCII needle.
 */
function foldsIntoAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let at = bytes.indexOf(0xb0, from); at >= 0 && at < to; at = bytes.indexOf(0xb0, at + 1)) if (at > from && bytes[at - 1] === 0xc4) return true;
  for (let at = bytes.indexOf(0xaa, from); at >= 0 && at < to; at = bytes.indexOf(0xaa, at + 1)) if (at > from + 1 && bytes[at - 1] === 0x84 && bytes[at - 2] === 0xe2) return true;
  return false;
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
    if (this.query.kind === 'text' && this.query.bytes && this.scanChunkBytes(this.query.bytes)) return;
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

  /** A text query with an ASCII needle, matched in the chunk's stored bytes (matchLineBytes); false if it cannot be. */
  private scanChunkBytes(needle: Uint8Array): boolean {
    const { base, count, bytes, ends, category } = this.store.chunkBytes(this.next);
    const from = this.next - base;
    const to = Math.min(count, this.boundary - base);
    const older = this.older;
    if (!matchLineBytes(needle, bytes, ends, category, this.mask, from, to, (line) => older.push(base + line))) return false;
    this.scanned += to - from;
    this.next = base + to;
    return true;
  }

  /**
   * Lines `from` … `to` of a block of new lines in the store's form (UTF-8 `bytes`, line i ending
   * with its newline at `ends[i]`), the first of them with id `firstId`: tested in their bytes when
   * the query allows, else decoded.
   */
  offerBytes(firstId: number, bytes: Uint8Array, ends: Uint32Array, category: Uint8Array, from: number, to: number): void {
    if (firstId + (to - from) <= this.boundary) return;
    const skip = Math.max(0, this.boundary - firstId);
    const start = from + skip;
    const newer = this.newer;
    const query = this.query;
    if (query.kind === 'text' && query.bytes && matchLineBytes(query.bytes, bytes, ends, category, this.mask, start, to, (line) => newer.push(firstId + (line - from)))) return;
    for (let k = start; k < to; k++) {
      if (!(category[k]! & this.mask)) continue;
      const text = blockDecoder.decode(bytes.subarray(k === 0 ? 0 : ends[k - 1]!, ends[k]! - 1));
      if (lineMatches(text, query)) newer.push(firstId + (k - from));
    }
  }
}

const blockDecoder = new TextDecoder();

/**
 * An ASCII needle (lower case) searched in lines stored as UTF-8 (line i ends with its newline at
 * `ends[i]`), in lines `from` … `to` of the categories in `mask`, comparing with ASCII case folding:
 * no string is decoded or lower-cased, so searching a million lines makes no garbage. Calls
 * `onMatch` with each matching line, in order. Returns false, having matched nothing, where that
 * could differ from String.toLowerCase (see foldsIntoAscii).
 */
export function matchLineBytes(needle: Uint8Array, bytes: Uint8Array, ends: Uint32Array, category: Uint8Array, mask: number, from: number, to: number, onMatch: (line: number) => void): boolean {
  if (to <= from) return true;
  const start = from === 0 ? 0 : ends[from - 1]!;
  if (foldsIntoAscii(bytes, start, ends[to - 1]!)) return false;
  const first = needle[0]!;
  const n = needle.length;
  let at = start;
  for (let line = from; line < to; line++) {
    const lineEnd = ends[line]! - 1;
    if (category[line]! & mask) {
      for (let i = at, last = lineEnd - n; i <= last; i++) {
        if (fold(bytes[i]!) !== first) continue;
        let k = 1;
        while (k < n && fold(bytes[i + k]!) === needle[k]) k++;
        if (k === n) {
          onMatch(line);
          break;
        }
      }
    }
    at = lineEnd + 1;
  }
  return true;
}
