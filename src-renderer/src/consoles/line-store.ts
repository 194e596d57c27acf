/**
 * The consoles' lines, kept compact so a million of them cost little: text as UTF-8 in one byte
 * buffer per chunk of lines, and each line's facts (console category, event kind, virtual time,
 * run, position in the run, source file and line) in typed-array columns. Nothing here is
 * reactive: the store publishes a version number once per frame and views read what they need.
 *
 * Lines have ids 0, 1, 2, … in arrival order. When more than `capacity` lines are kept the oldest
 * chunk goes, whole; `first` is then the id of the oldest line still kept.
 */

import type { LineBlock } from './line-block';

export interface LineMeta {
  /** Category bits (describe.ts Category): which consoles show the line. */
  category: number;
  /** The simulator event kind's code (describe.ts kindCode), 0 for an engine event. */
  kind: number;
  /** Virtual time in 100 ns ticks, or -1 for an engine event. */
  t: number;
  /** The run the event belongs to (1-based number from runNumber), 0 for none. */
  run: number;
  /** The event's position in its run from 0 (the NDJSON log's seq − 1), or the engine event's seq. */
  index: number;
  file?: string | undefined;
  line?: number | undefined;
}

export interface LineStoreOptions {
  /** Lines per chunk (the unit in which old lines are dropped). */
  chunkLines?: number;
  /** Most chunks kept; capacity = chunkLines × maxChunks. */
  maxChunks?: number;
}

/**
 * Lines per chunk and chunks kept by default: the newest 1,048,576 lines, dropped 4,096 at a time.
 * A chunk is also what a search slice decodes in one go (about 400 KB of text): small enough to
 * keep a slice to a few milliseconds.
 */
export const DEFAULT_CHUNK_LINES = 4096;
export const DEFAULT_MAX_CHUNKS = 256;

const decoder = new TextDecoder();
const NEWLINE = 0x0a;

/**
 * Writes `text` as UTF-8 and a newline into `bytes` at `pos` (room for text.length × 3 + 1 bytes
 * is the caller's); returns the position after the newline. Encoded here: a native call per line
 * costs more than the loop. A lone surrogate becomes U+FFFD, as TextEncoder would write it.
 */
export function writeUtf8Line(bytes: Uint8Array, pos: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes[pos++] = c;
    else if (c < 0x800) {
      bytes[pos++] = 0xc0 | (c >> 6);
      bytes[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const code = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      bytes[pos++] = 0xf0 | (code >> 18);
      bytes[pos++] = 0x80 | ((code >> 12) & 0x3f);
      bytes[pos++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[pos++] = 0x80 | (code & 0x3f);
    } else {
      const unit = c >= 0xd800 && c < 0xe000 ? 0xfffd : c;
      bytes[pos++] = 0xe0 | (unit >> 12);
      bytes[pos++] = 0x80 | ((unit >> 6) & 0x3f);
      bytes[pos++] = 0x80 | (unit & 0x3f);
    }
  }
  bytes[pos++] = NEWLINE;
  return pos;
}

class Chunk {
  count = 0;
  used = 0;
  bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly category: Uint8Array;
  readonly kind: Uint8Array;
  readonly t: Float64Array;
  readonly run: Uint16Array;
  readonly index: Int32Array;
  readonly file: Uint16Array;
  readonly line: Int32Array;

  constructor(
    readonly base: number,
    size: number,
  ) {
    this.bytes = new Uint8Array(Math.max(1024, size * 64));
    this.ends = new Uint32Array(size);
    this.category = new Uint8Array(size);
    this.kind = new Uint8Array(size);
    this.t = new Float64Array(size);
    this.run = new Uint16Array(size);
    this.index = new Int32Array(size);
    this.file = new Uint16Array(size);
    this.line = new Int32Array(size);
  }

  /** Appends a line's text as UTF-8 and a newline. */
  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so this much room is always enough.
    this.reserve(text.length * 3 + 1);
    this.used = writeUtf8Line(this.bytes, this.used, text);
    this.ends[this.count] = this.used;
  }

  /** Appends a line already encoded (its UTF-8 bytes and newline, `bytes[start..end)`). */
  writeEncoded(bytes: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.bytes.set(bytes.subarray(start, end), this.used);
    this.used += end - start;
    this.ends[this.count] = this.used;
  }

  private reserve(n: number): void {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
  }

  /** A full chunk gives back the room its byte buffer grew into. */
  seal(): void {
    if (this.bytes.length > this.used) this.bytes = this.bytes.slice(0, this.used);
  }

  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }
}

/**
 * A growable, ascending list of line ids in an Int32Array, cheap to push to and to cut at the
 * front (when the store drops its oldest lines).
 */
export class IdList {
  private buf: Int32Array;
  private head = 0;
  private tail = 0;

  constructor(initial = 1024) {
    this.buf = new Int32Array(initial);
  }

  get length(): number {
    return this.tail - this.head;
  }

  at(i: number): number {
    return this.buf[this.head + i]!;
  }

  push(id: number): void {
    if (this.tail === this.buf.length) {
      // Full: slide the kept ids to the front if that frees half, else double.
      const length = this.length;
      if (length * 2 <= this.buf.length) this.buf.copyWithin(0, this.head, this.tail);
      else {
        const next = new Int32Array(this.buf.length * 2);
        next.set(this.buf.subarray(this.head, this.tail));
        this.buf = next;
      }
      this.head = 0;
      this.tail = length;
    }
    this.buf[this.tail++] = id;
  }

  /** The position of the first id ≥ `id` (length when there is none). */
  lowerBound(id: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** The position of `id`, or -1 when the list does not hold it. */
  indexOf(id: number): number {
    const i = this.lowerBound(id);
    return i < this.length && this.at(i) === id ? i : -1;
  }

  /** Drops every id below `id`. */
  dropBelow(id: number): void {
    this.head += this.lowerBound(id);
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
  }
}

/** The lines of some categories (one console), as an ascending list of ids. */
export class LineView {
  readonly ids = new IdList();
  constructor(readonly mask: number) {}

  get length(): number {
    return this.ids.length;
  }
}

export class LineStore {
  readonly chunkLines: number;
  readonly maxChunks: number;
  private chunks: Chunk[] = [];
  /** Number of the first kept chunk (chunk k holds ids k·chunkLines …). */
  private firstChunk = 0;
  private nextId = 0;
  private readonly files: string[] = [''];
  private readonly fileIds = new Map<string, number>();
  private readonly runs: string[] = [''];
  private readonly runIds = new Map<string, number>();
  private readonly views = new Map<number, LineView>();
  private readonly dropListeners: Array<(first: number) => void> = [];

  constructor(options: LineStoreOptions = {}) {
    this.chunkLines = options.chunkLines ?? DEFAULT_CHUNK_LINES;
    this.maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
  }

  get capacity(): number {
    return this.chunkLines * this.maxChunks;
  }

  /** The id of the oldest line kept. */
  get first(): number {
    return this.firstChunk * this.chunkLines;
  }

  /** One past the newest line's id. */
  get end(): number {
    return this.nextId;
  }

  /** Lines kept. */
  get count(): number {
    return this.nextId - this.first;
  }

  /** Lines dropped so far to stay within capacity. */
  get dropped(): number {
    return this.first;
  }

  /** The run's small number (1, 2, …) for the run column. */
  runNumber(runId: string): number {
    let n = this.runIds.get(runId);
    if (n === undefined) {
      n = this.runs.length;
      if (n > 0xffff) throw new Error('more than 65,535 runs in one window');
      this.runs.push(runId);
      this.runIds.set(runId, n);
    }
    return n;
  }

  runName(n: number): string | undefined {
    return n > 0 ? this.runs[n] : undefined;
  }

  /** Adds a line (no line breaks in `text`); returns its id. */
  append(text: string, meta: LineMeta): number {
    const id = this.nextId;
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.count === this.chunkLines) {
      chunk?.seal();
      if (this.chunks.length === this.maxChunks) this.dropOldest();
      chunk = new Chunk(id, this.chunkLines);
      this.chunks.push(chunk);
    }
    const i = chunk.count;
    chunk.write(text);
    chunk.category[i] = meta.category;
    chunk.kind[i] = meta.kind;
    chunk.t[i] = meta.t;
    chunk.run[i] = meta.run;
    chunk.index[i] = meta.index;
    chunk.file[i] = meta.file ? this.fileId(meta.file) : 0;
    chunk.line[i] = meta.line ?? 0;
    chunk.count++;
    this.nextId++;
    for (const view of this.views.values()) if (view.mask & meta.category) view.ids.push(id);
    return id;
  }

  /**
   * Adds lines `from` … `to` (exclusive) of a block made elsewhere (consoles/line-block.ts), as
   * `append` would add them one by one, with their run and the run position of the first (the
   * others follow on); returns the first one's id.
   */
  appendBlock(block: LineBlock, from: number, to: number, run: number, index: number): number {
    const first = this.nextId;
    const fileIds = block.files.map((file) => this.fileId(file));
    for (let k = from; k < to; k++) {
      const id = this.nextId;
      let chunk = this.chunks[this.chunks.length - 1];
      if (!chunk || chunk.count === this.chunkLines) {
        chunk?.seal();
        if (this.chunks.length === this.maxChunks) this.dropOldest();
        chunk = new Chunk(id, this.chunkLines);
        this.chunks.push(chunk);
      }
      const i = chunk.count;
      chunk.writeEncoded(block.bytes, k === 0 ? 0 : block.ends[k - 1]!, block.ends[k]!);
      const category = block.category[k]!;
      chunk.category[i] = category;
      chunk.kind[i] = block.kind[k]!;
      chunk.t[i] = block.t[k]!;
      chunk.run[i] = run;
      chunk.index[i] = index + (k - from);
      const file = block.file[k]!;
      chunk.file[i] = file === 0 ? 0 : fileIds[file - 1]!;
      chunk.line[i] = block.line[k]!;
      chunk.count++;
      this.nextId++;
      for (const view of this.views.values()) if (view.mask & category) view.ids.push(id);
    }
    return first;
  }

  has(id: number): boolean {
    return id >= this.first && id < this.nextId;
  }

  text(id: number): string {
    const [chunk, i] = this.locate(id);
    return decoder.decode(chunk.bytes.subarray(chunk.start(i), chunk.ends[i]! - 1));
  }

  category(id: number): number {
    const [chunk, i] = this.locate(id);
    return chunk.category[i]!;
  }

  kind(id: number): number {
    const [chunk, i] = this.locate(id);
    return chunk.kind[i]!;
  }

  t(id: number): number {
    const [chunk, i] = this.locate(id);
    return chunk.t[i]!;
  }

  run(id: number): number {
    const [chunk, i] = this.locate(id);
    return chunk.run[i]!;
  }

  index(id: number): number {
    const [chunk, i] = this.locate(id);
    return chunk.index[i]!;
  }

  /** The source location of the event, when it has one. */
  site(id: number): { file: string; line: number } | undefined {
    const [chunk, i] = this.locate(id);
    const file = chunk.file[i]!;
    return file === 0 ? undefined : { file: this.files[file]!, line: chunk.line[i]! };
  }

  /** The lines of the categories in `mask`, kept up to date from now on (filled from what is kept). */
  view(mask: number): LineView {
    let view = this.views.get(mask);
    if (view) return view;
    view = new LineView(mask);
    for (const chunk of this.chunks) for (let i = 0; i < chunk.count; i++) if (chunk.category[i]! & mask) view.ids.push(chunk.base + i);
    this.views.set(mask, view);
    return view;
  }

  /** Called with the new `first` whenever old lines are dropped. */
  onDrop(listener: (first: number) => void): void {
    this.dropListeners.push(listener);
  }

  /**
   * The kept lines from `from` up to `to` (exclusive), chunk by chunk: the chunk's text as one
   * string with a newline after each line, the id of its first line and its category column.
   * Search reads lines this way, with one decode per chunk instead of one per line.
   */
  chunkText(id: number): { base: number; count: number; text: string; category: Uint8Array } {
    const [chunk] = this.locate(id);
    return { base: chunk.base, count: chunk.count, text: decoder.decode(chunk.bytes.subarray(0, chunk.used)), category: chunk.category };
  }

  /**
   * The chunk holding line `id` as it is stored: its UTF-8 bytes (`used` of them, each line ending
   * at `ends[i]` with its newline) and its category column. Read, never written.
   */
  chunkBytes(id: number): { base: number; count: number; bytes: Uint8Array; used: number; ends: Uint32Array; category: Uint8Array } {
    const [chunk] = this.locate(id);
    return { base: chunk.base, count: chunk.count, bytes: chunk.bytes, used: chunk.used, ends: chunk.ends, category: chunk.category };
  }

  /** Forgets every line (ids go on from where they were, so old ids never come back). */
  clear(): void {
    const first = this.nextId;
    this.chunks = [];
    // Ids restart at a chunk boundary so that id → chunk stays a division.
    this.nextId = Math.ceil(first / this.chunkLines) * this.chunkLines;
    this.firstChunk = this.nextId / this.chunkLines;
    for (const view of this.views.values()) view.ids.clear();
    for (const listener of this.dropListeners) listener(this.first);
  }

  private dropOldest(): void {
    this.chunks.shift();
    this.firstChunk++;
    const first = this.first;
    for (const view of this.views.values()) view.ids.dropBelow(first);
    for (const listener of this.dropListeners) listener(first);
  }

  private locate(id: number): [Chunk, number] {
    const chunk = this.chunks[Math.floor(id / this.chunkLines) - this.firstChunk];
    if (!chunk || id >= this.nextId) throw new RangeError(`line ${id} is not kept (lines ${this.first}…${this.nextId - 1} are)`);
    return [chunk, id - chunk.base];
  }

  private fileId(file: string): number {
    let id = this.fileIds.get(file);
    if (id === undefined) {
      id = this.files.length;
      if (id > 0xffff) return 0;
      this.files.push(file);
      this.fileIds.set(file, id);
    }
    return id;
  }
}
