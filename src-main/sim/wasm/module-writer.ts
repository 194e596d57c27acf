// Assembles a rewritten module from runs of original bytes and inserted bytes, and remembers where
// each run came from. Every shift the rewrite causes (inserted fuel checks, longer size LEBs, a new
// Global or Export section) is then just a run boundary, and mapping a rewritten offset back to the
// original one is a binary search over the run starts.

export type OffsetMapper = (rewrittenOffset: number) => number;

export class ModuleWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  // Runs as parallel arrays: rewritten start, original offset, and whether the bytes were copied.
  private readonly runStart: number[] = [];
  private readonly runOrigin: number[] = [];
  private readonly runCopied: boolean[] = [];

  constructor(private readonly original: Uint8Array) {}

  /** Appends original bytes [start, end) unchanged. */
  copy(start: number, end: number): void {
    if (end <= start) return;
    // A copy that continues the previous one extends its run, keeping the search short.
    if (!this.lastRunCopiedUpTo(start)) this.addRun(start, true);
    this.append(this.original.subarray(start, end));
  }

  /** Appends new bytes; offsets inside them map back to `anchor`, an original offset. */
  insert(bytes: Uint8Array | number[], anchor: number): void {
    if (bytes.length === 0) return;
    this.addRun(anchor, false);
    this.append(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  finish(): { wasm: Uint8Array; toOriginalOffset: OffsetMapper; toRewrittenOffset: OffsetMapper } {
    const wasm = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      wasm.set(chunk, at);
      at += chunk.length;
    }
    return {
      wasm,
      toOriginalOffset: offsetMapper(Uint32Array.from(this.runStart), Uint32Array.from(this.runOrigin), this.runCopied),
      toRewrittenOffset: this.rewrittenMapper(),
    };
  }

  /** Where an original byte that was copied ended up (-1 for bytes that were not copied). */
  private rewrittenMapper(): OffsetMapper {
    const origins: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < this.runStart.length; i++) {
      if (this.runCopied[i] !== true) continue;
      const start = this.runStart[i] as number;
      const end = i + 1 < this.runStart.length ? (this.runStart[i + 1] as number) : this.length;
      origins.push(this.runOrigin[i] as number);
      starts.push(start);
      ends.push(end);
    }
    return (original) => {
      // Copied runs appear in original order: the last one starting at or before the offset.
      let lo = 0;
      let hi = origins.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((origins[mid] as number) <= original) lo = mid + 1;
        else hi = mid;
      }
      const run = lo - 1;
      if (run < 0) return -1;
      const at = (starts[run] as number) + original - (origins[run] as number);
      return at < (ends[run] as number) ? at : -1;
    };
  }

  private lastRunCopiedUpTo(originalOffset: number): boolean {
    const last = this.runStart.length - 1;
    if (last < 0 || this.runCopied[last] !== true) return false;
    return (this.runOrigin[last] as number) + this.length - (this.runStart[last] as number) === originalOffset;
  }

  private addRun(origin: number, copied: boolean): void {
    this.runStart.push(this.length);
    this.runOrigin.push(origin);
    this.runCopied.push(copied);
  }

  private append(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
}

function offsetMapper(starts: Uint32Array, origins: Uint32Array, copied: readonly boolean[]): OffsetMapper {
  return (offset) => {
    // The last run starting at or before the offset.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    const run = Math.max(0, lo - 1);
    const origin = origins[run] ?? offset;
    return copied[run] === true ? origin + offset - (starts[run] as number) : origin;
  };
}
