// Test helpers: compile real drivers with the bundled clang and run them the way the simulator
// does, recording the wasm stack at every call of an imported function.

import { commands, runLLVM, type Tree } from '@yowasp/clang';

/** The slice of the JS WebAssembly API we use; tsconfig.node.json has no DOM lib to declare it. */
interface WasmRuntime {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmRuntime = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;

/** The first call loads ~105 MB of WebAssembly; give beforeAll this long. */
export const CLANG_LOAD_TIMEOUT_MS = 60_000;

const quiet = { stdout: () => {}, stderr: () => {}, fetchProgress: () => {}, decodeASCII: false } as const;

export interface CompileOptions {
  /** '-O0' by default. */
  opt?: string;
  /** Extra flags, e.g. '-gdwarf-5'; pass noDebug to drop '-g'. */
  flags?: string[];
  noDebug?: boolean;
}

let loaded: Promise<unknown> | undefined;

/** Fetches clang's resources once, quietly: runClang's own first step would log its progress. */
function loadClang(): Promise<unknown> {
  loaded ??= Promise.resolve(runLLVM(['clang', '--version'], {}, quiet));
  return loaded;
}

/** Compiles `sources` (paths under 'src/', headers under 'include/') to a wasm32 module. */
export async function compileDriver(tree: Tree, sources: string[], options: CompileOptions = {}): Promise<Uint8Array> {
  const args = [
    '--target=wasm32', '-nostdlib', ...(options.noDebug ? [] : ['-g']), options.opt ?? '-O0',
    ...(options.flags ?? []), '-Iinclude', '-Wl,--no-entry', '-Wl,--export-table', '-Wl,--allow-undefined',
    '-Wl,--export-dynamic', ...sources, '-o', 'drv.wasm',
  ];
  let stderr = '';
  const decoder = new TextDecoder();
  const collect = (bytes: Uint8Array | null): void => {
    if (bytes) stderr += decoder.decode(bytes);
  };
  await loadClang();
  let out: Tree | undefined;
  try {
    out = await commands.clang(args, tree, { ...quiet, stderr: collect });
  } catch (error) {
    throw new Error(`clang failed: ${String(error)}\n${stderr}`);
  }
  const wasm = out?.['drv.wasm'];
  if (!(wasm instanceof Uint8Array)) throw new Error(`clang produced no module\n${stderr}`);
  return wasm;
}

/**
 * llvm-addr2line's answers for DWARF (code-section-relative) addresses: 'file:line', or with
 * `inlined` every frame as 'function|file:line' joined by '|', innermost first. Short function
 * names, because with linkage names addr2line takes the outermost one from the wasm symbol
 * table, whose addresses are module offsets, and so names the wrong function.
 */
export async function addr2line(wasm: Uint8Array, addresses: number[], inlined = false): Promise<Map<number, string>> {
  let text = '';
  const decoder = new TextDecoder();
  const hex = addresses.map((a) => `0x${a.toString(16)}`);
  const flags = inlined ? ['--functions=short', '-i'] : [];
  await runLLVM(['addr2line', ...flags, '-a', '-e', 'drv.wasm', ...hex], { 'drv.wasm': wasm }, {
    ...quiet,
    stdout: (bytes) => {
      if (bytes) text += decoder.decode(bytes);
    },
  });
  const answers = new Map<number, string>();
  for (const block of text.trim().split(/\n(?=0x)/)) {
    const [address = '', ...frames] = block.split('\n');
    answers.set(parseInt(address, 16), frames.join('|'));
  }
  return answers;
}

/**
 * Instantiates the module with `env.ndis_probe(int)` recording the V8 stack of each call, calls
 * the export `entry(arg)`, and returns one stack (as lines) per probe, with the probe's argument.
 */
export async function runProbes(wasm: Uint8Array, arg: number): Promise<Array<{ value: number; stack: string[] }>> {
  const calls: Array<{ value: number; stack: string[] }> = [];
  const probe = (value: number): void => {
    // The default limit of 10 frames could cut the driver's frames off below deep call chains.
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = saved;
    calls.push({ value, stack: stack.split('\n') });
  };
  const { instance } = await wasmRuntime.instantiate(wasm, { env: { ndis_probe: probe } });
  const entry = instance.exports['entry'];
  if (typeof entry !== 'function') throw new Error('the module exports no entry()');
  (entry as (arg: number) => number)(arg);
  return calls;
}
