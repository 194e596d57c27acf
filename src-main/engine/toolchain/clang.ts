import { runClang, runLLVM } from '@yowasp/clang';
import type { Tree } from './vfs';

export interface ToolRun {
  ok: boolean;
  exitCode: number;
  files: Tree;
  stderr: string;
  ms: number;
}

export interface LoadProgress {
  doneBytes: number;
  totalBytes: number;
}

const decoder = new TextDecoder();

/**
 * Real clang and wasm-ld (LLVM built for WebAssembly, from @yowasp/clang), run synchronously once
 * loaded: the toolchain lives in a worker thread, so blocking there blocks nobody.
 *
 * `clang` (the driver) works out the cc1 and wasm-ld command lines with `-###` before every run;
 * we ask once per flag set and replay the plan with the file names substituted.
 */
export class Clang {
  private loaded = false;
  private readonly plans = new Map<string, string[][]>();

  /** Fetches and compiles LLVM (~105 MB); the first call takes seconds. */
  async load(onProgress?: (progress: LoadProgress) => void): Promise<void> {
    if (this.loaded) return;
    await runLLVM(undefined, {}, {
      fetchProgress: ({ totalLength, doneLength }) => onProgress?.({ doneBytes: doneLength, totalBytes: totalLength }),
    });
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Runs `clang args…` on `files`. `variable` lists the file names in `args` that change from run to
   * run (sources, objects, outputs); the driver's plan for this shape of command is computed once
   * and replayed with the names of each run.
   */
  run(args: readonly string[], files: Tree, variable: readonly string[] = []): ToolRun {
    const start = performance.now();
    const key = JSON.stringify(args.map((a) => templatize(a, variable)));
    let template = this.plans.get(key);
    if (!template) {
      template = this.plan(args, files).map((step) => step.map((a) => templatize(a, variable)));
      this.plans.set(key, template);
    }
    let current = files;
    let stderr = '';
    for (const step of template) {
      const result = this.runTool(
        step.map((a) => instantiate(a, variable)),
        current,
      );
      stderr += result.stderr;
      current = result.files;
      if (!result.ok) return { ok: false, exitCode: result.exitCode, files: current, stderr, ms: performance.now() - start };
    }
    return { ok: true, exitCode: 0, files: current, stderr, ms: performance.now() - start };
  }

  /** One LLVM tool invocation (`clang -cc1 …`, `wasm-ld …`, `llvm-objdump …`). */
  runTool(argv: readonly string[], files: Tree): { ok: boolean; exitCode: number; files: Tree; stderr: string } {
    this.assertLoaded();
    let stderr = '';
    const capture = (bytes: Uint8Array | null): void => {
      if (bytes) stderr += decoder.decode(bytes);
    };
    try {
      const out = runLLVM([...argv], files, { stdout: capture, stderr: capture, synchronously: true, decodeASCII: false }) as Tree;
      return { ok: true, exitCode: 0, files: out, stderr };
    } catch (error) {
      const exit = error as { code?: number; files?: Tree };
      if (typeof exit.code !== 'number') throw error;
      return { ok: false, exitCode: exit.code, files: exit.files ?? files, stderr };
    }
  }

  private plan(args: readonly string[], files: Tree): string[][] {
    this.assertLoaded();
    let output = '';
    const capture = (bytes: Uint8Array | null): void => {
      if (bytes) output += decoder.decode(bytes);
    };
    runClang(['clang', '-###', ...args], files, { stdout: capture, stderr: capture, synchronously: true });
    const steps: string[][] = [];
    for (const line of output.split('\n')) {
      if (!line.startsWith(' "')) continue;
      const argv = [...line.matchAll(/ (?:([^ "]+)|"((?:[^"\\$]|\\["\\$])+)")/g)].map((m) =>
        m[1] !== undefined ? m[1] : m[2]!.replace(/\\(["$\\])/g, '$1'),
      );
      if (argv[0] === '') argv.shift();
      steps.push(argv);
    }
    if (steps.length === 0) throw new Error(`clang planned nothing for: clang ${args.join(' ')}\n${output}`);
    return steps;
  }

  private assertLoaded(): void {
    if (!this.loaded) throw new Error('the toolchain is not loaded yet');
  }
}

// Markers that cannot occur in a command line stand for the variable names (and their base names,
// which the driver passes on as -main-file-name) inside a stored plan.
const FULL = '\u0001';
const BASE = '\u0002';
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

function templatize(arg: string, variable: readonly string[]): string {
  let out = arg;
  variable.forEach((name, i) => (out = out.split(name).join(`${FULL}${i}${FULL}`)));
  variable.forEach((name, i) => {
    if (baseName(name) !== name) out = out === baseName(name) ? `${BASE}${i}${BASE}` : out;
  });
  return out;
}

function instantiate(arg: string, variable: readonly string[]): string {
  return arg
    .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => variable[Number(i)]!)
    .replace(/\u0002(\d+)\u0002/g, (_m, i: string) => baseName(variable[Number(i)]!));
}

export { runClang, runLLVM };
