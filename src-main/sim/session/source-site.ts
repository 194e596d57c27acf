/** A place in the driver's source. */
export interface SourceSite {
  file: string;
  line: number;
  column?: number;
  /** Enclosing function (or the inlined chain, innermost first), when known. */
  function?: string;
}

/**
 * Maps a module offset of the running driver (as V8 reports it in wasm stack frames) to its source.
 * The engine builds one from the build's DWARF line table (and the instrumentation's offset map).
 */
export interface SourceMap {
  lookup(moduleOffset: number): SourceSite | undefined;
  /**
   * The source of the first statement after `moduleOffset` that has a line: for a loop header,
   * whose own instruction carries no line of its own, this is the loop's body.
   */
  lookupAfter(moduleOffset: number): SourceSite | undefined;
}

const WASM_FRAME = /wasm-function\[\d+\]:0x([0-9a-f]+)/;

interface StackFrame {
  getScriptNameOrSourceURL(): string | null;
  getPosition(): number;
}

function structuredFrames(_error: Error, frames: StackFrame[]): StackFrame[] {
  return frames;
}

const FRAME_LIMIT = 24;

/**
 * The innermost driver frame of the current JS stack: the call site of the import running now.
 * Reads V8's structured call sites (a wasm frame's position is its module-relative byte offset)
 * instead of formatting `stack` text, which with source maps enabled costs tens of microseconds.
 */
export function currentDriverOffset(): number | undefined {
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = structuredFrames as typeof Error.prepareStackTrace;
    Error.stackTraceLimit = FRAME_LIMIT;
    Error.captureStackTrace(holder, currentDriverOffset);
    const frames = holder.stack as StackFrame[] | undefined;
    if (!Array.isArray(frames)) return textDriverOffset();
    for (const frame of frames) {
      const script = frame.getScriptNameOrSourceURL();
      if (script !== null && script.startsWith('wasm://')) return frame.getPosition();
    }
    return frames.length < FRAME_LIMIT ? undefined : textDriverOffset();
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

/** The same from the formatted stack text (deep stacks, engines without structured frames). */
function textDriverOffset(): number | undefined {
  const stack = new Error().stack;
  if (!stack) return undefined;
  const match = WASM_FRAME.exec(stack);
  return match ? parseInt(match[1]!, 16) : undefined;
}

/** Driver frames of an error's stack (a trap), innermost first. */
export function driverOffsetsOf(error: unknown): number[] {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const out: number[] = [];
  for (const line of stack.split('\n')) {
    const match = WASM_FRAME.exec(line);
    if (match) out.push(parseInt(match[1]!, 16));
  }
  return out;
}

/** Paths as the compiler saw them ('src/driver.c') back to project paths ('driver.c'). */
export function projectPath(file: string): string {
  return file.startsWith('src/') ? file.slice(4) : file.startsWith('include/') ? `ndis-lab:${file}` : file;
}
