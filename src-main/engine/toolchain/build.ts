import { createHash } from 'node:crypto';
import type { BuildOutput, CompilerDiagnostic, ModuleExport, ModuleImport } from './build-types';
import type { Clang } from './clang';
import { readSerializedDiagnostics } from './dia/serialized-diagnostics';
import { readInlineChains } from './dwarf/inline-chains';
import { readLineTable } from './dwarf/line-table';
import { COMPILE_FLAGS, GENERATED_INCLUDE_ROOT, INCLUDE_ROOT, LINK_FLAGS, RUNTIME_FLAGS, SANITIZER_IMPORT, SOURCE_ROOT } from './flags';
import type { HeaderSet } from './lab-headers';
import type { ProjectFiles } from './project';
import { getFile, overlay, putFile, type Tree } from './vfs';
import { readImportedFunctions } from './wasm-signatures';

/** Where lab headers appear in diagnostics: not a project file, and read-only in the editor. */
export const LAB_FILE_PREFIX = 'ndis-lab:';

export interface BuildRequest {
  files: ProjectFiles;
  /**
   * The NDIS functions the simulator implements. A call to any other function the headers declare
   * is a compile error naming it. null: no check (header compatibility tests).
   */
  implementedImports: readonly string[] | null;
}

export interface BuilderSetup {
  clang: Clang;
  headers: HeaderSet;
  /** The lab's C runtime (memset, memcpy, …) linked into every driver; path → text. */
  runtime: Record<string, string>;
  /** Every function the headers declare as an NDIS import, for the unimplemented-API check. */
  declaredImports: readonly string[];
}

interface LinkInput {
  name: string;
  object: Uint8Array;
  source: string;
}

interface CompiledObject {
  object: Uint8Array | undefined;
  diagnostics: CompilerDiagnostic[];
}

const OBJECT_CACHE_LIMIT = 512;

/**
 * Builds a driver project: each .c file to an object (diagnostics from clang's serialized
 * diagnostics), then one wasm module with wasm-ld, then the module's imports, exports and line
 * table. Objects are cached by the content of everything that can change them.
 */
export class DriverBuilder {
  private readonly objects = new Map<string, CompiledObject>();
  private runtimeObjects: LinkInput[] | undefined;

  constructor(private readonly setup: BuilderSetup) {}

  build(request: BuildRequest, options: { cache?: boolean } = {}): BuildOutput {
    const started = performance.now();
    const generated = this.generatedHeaders(request.implementedImports);
    const sources = Object.keys(request.files).filter((f) => f.endsWith('.c')).sort();
    const projectHeaders = Object.keys(request.files).filter((f) => f.endsWith('.h')).sort();
    const context = hashOf(
      COMPILE_FLAGS.join(' '),
      this.setup.headers.hash,
      JSON.stringify(generated),
      ...projectHeaders.flatMap((h) => [h, request.files[h]!]),
    );
    const hash = hashOf(context, ...sources.flatMap((s) => [s, request.files[s]!]), LINK_FLAGS.join(' '));

    const tree = this.sourceTree(request.files, generated);
    const diagnostics: CompilerDiagnostic[] = [];
    const objects: LinkInput[] = [];
    let compiledFiles = 0;
    for (const [index, source] of sources.entries()) {
      const key = hashOf(context, source, request.files[source]!);
      let compiled = this.objects.get(key);
      if (!compiled) {
        compiled = this.compile(tree, source, index);
        if (options.cache !== false) this.remember(key, compiled);
        compiledFiles++;
      }
      diagnostics.push(...compiled.diagnostics);
      if (compiled.object) objects.push({ name: `obj/${index}.o`, object: compiled.object, source });
    }
    const compileDone = performance.now();
    const timings = { compile: compileDone - started, link: 0, analyze: 0, total: 0, compiledFiles };
    const failed = (): BuildOutput => {
      timings.total = performance.now() - started;
      return { ok: false, hash, diagnostics, imports: [], exports: [], timings };
    };
    if (objects.length !== sources.length || diagnostics.some(isError)) return failed();

    const linked = this.link([...objects, ...this.runtime()]);
    const linkDone = performance.now();
    timings.link = linkDone - compileDone;
    diagnostics.push(...linked.diagnostics);
    if (!linked.wasm) return failed();

    const module = new WebAssembly.Module(linked.wasm);
    const signatures = new Map(readImportedFunctions(linked.wasm).map((f) => [`${f.module}.${f.name}`, f]));
    const imports: ModuleImport[] = WebAssembly.Module.imports(module).map((i) => {
      const signature = signatures.get(`${i.module}.${i.name}`);
      return signature ? { module: i.module, name: i.name, kind: i.kind, params: signature.params, results: signature.results } : { module: i.module, name: i.name, kind: i.kind };
    });
    const exports: ModuleExport[] = WebAssembly.Module.exports(module).map((e) => ({ name: e.name, kind: e.kind }));
    const strays = imports.filter((i) => i.module !== 'ndis' && !(i.module === 'env' && SANITIZER_IMPORT.test(i.name)));
    if (strays.length > 0) {
      for (const stray of strays) {
        diagnostics.push(
          fileless('error', `${stray.name} is declared but never defined: a driver can call only its own functions and the NDIS functions the lab provides`),
        );
      }
      return failed();
    }
    if (!exports.some((e) => e.name === 'DriverEntry' && e.kind === 'function')) {
      diagnostics.push(fileless('error', 'no DriverEntry: every driver needs one, and the simulator loads the driver through it'));
      return failed();
    }
    const lineTable = readLineTable(linked.wasm);
    const inlineTable = readInlineChains(linked.wasm);
    timings.analyze = performance.now() - linkDone;
    timings.total = performance.now() - started;
    return { ok: true, hash, diagnostics, wasm: linked.wasm, imports, exports, lineTable, inlineTable, timings };
  }

  private compile(tree: Tree, source: string, index: number, flags: readonly string[] = COMPILE_FLAGS): CompiledObject {
    const input = `${SOURCE_ROOT}/${source}`;
    const output = `obj/${index}.o`;
    const dia = `diag/${index}.dia`;
    const run = this.setup.clang.run([...flags, '-c', input, '-o', output, '--serialize-diagnostics', dia], tree, [input, output, dia]);
    const diaBytes = getFile(run.files, dia);
    let diagnostics: CompilerDiagnostic[] = [];
    if (diaBytes instanceof Uint8Array && diaBytes.length > 0) diagnostics = readSerializedDiagnostics(diaBytes).map(projectPaths);
    const object = getFile(run.files, output);
    if (!run.ok && !diagnostics.some(isError)) {
      // The compiler failed without saying why in its diagnostics file (a crash, an internal limit).
      diagnostics.push({ ...fileless('error', `clang failed on ${source} (exit ${run.exitCode}): ${run.stderr.trim() || 'no message'}`), file: source });
    }
    return { object: run.ok && object instanceof Uint8Array ? object : undefined, diagnostics };
  }

  private link(objects: LinkInput[]): { wasm?: Uint8Array; diagnostics: CompilerDiagnostic[] } {
    const tree: Tree = {};
    for (const o of objects) putFile(tree, o.name, o.object);
    const names = objects.map((o) => o.name);
    const run = this.setup.clang.run([...LINK_FLAGS, ...names, '-o', 'driver.wasm'], tree, names);
    const wasm = getFile(run.files, 'driver.wasm');
    // wasm-ld has no machine-readable output: its messages are one per line, "wasm-ld: error: …".
    const diagnostics = run.stderr
      .split('\n')
      .map((line) => /^wasm-ld: (error|warning): (.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => fileless(m[1] as 'error' | 'warning', `link: ${namesToSources(m[2]!, objects)}`));
    if (!run.ok && !diagnostics.some(isError)) diagnostics.push(fileless('error', `link failed (exit ${run.exitCode}): ${run.stderr.trim()}`));
    return { wasm: run.ok && wasm instanceof Uint8Array ? wasm : undefined, diagnostics };
  }

  /** The lab runtime's objects, compiled once per builder. */
  private runtime(): LinkInput[] {
    if (!this.runtimeObjects) {
      const tree = this.sourceTree(this.setup.runtime, {});
      this.runtimeObjects = Object.keys(this.setup.runtime)
        .filter((f) => f.endsWith('.c'))
        .map((file, i) => {
          const compiled = this.compile(tree, file, 1000 + i, RUNTIME_FLAGS);
          if (!compiled.object) throw new Error(`the lab runtime ${file} does not compile: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
          return { name: `rt/${i}.o`, object: compiled.object, source: `${LAB_FILE_PREFIX}runtime/${file}` };
        });
    }
    return this.runtimeObjects;
  }

  private sourceTree(files: Record<string, string>, generated: Record<string, string>): Tree {
    const sources: Tree = {};
    for (const [file, text] of Object.entries(files)) putFile(sources, file, text);
    const gen: Tree = {};
    for (const [file, text] of Object.entries(generated)) putFile(gen, file, text);
    return overlay({ [SOURCE_ROOT]: sources, [INCLUDE_ROOT]: this.setup.headers.tree, [GENERATED_INCLUDE_ROOT]: gen });
  }

  /**
   * The lab headers declare every import through NDIS_LAB_IMPORT(Name), which appends
   * NDIS_LAB_AVAILABLE_Name when this header exists: empty for what the simulator implements,
   * `unavailable` for the rest, so using a missing function is a compile error at its line.
   */
  private generatedHeaders(implemented: readonly string[] | null): Record<string, string> {
    if (implemented === null) return {};
    const have = new Set(implemented);
    const lines = [
      '/* Generated by NDIS Lab for this build: which declared NDIS imports the simulator implements. */',
      '#pragma once',
      '#define NDIS_LAB_AVAILABILITY_KNOWN 1',
      ...this.setup.declaredImports.map((name) =>
        have.has(name)
          ? `#define NDIS_LAB_AVAILABLE_${name}`
          : `#define NDIS_LAB_AVAILABLE_${name} __attribute__((unavailable("${name} is not implemented by the NDIS Lab simulator yet")))`,
      ),
      '',
    ];
    return { 'ndis_lab_availability.h': lines.join('\n') };
  }

  private remember(key: string, compiled: CompiledObject): void {
    if (this.objects.size >= OBJECT_CACHE_LIMIT) this.objects.delete(this.objects.keys().next().value!);
    this.objects.set(key, compiled);
  }
}

function hashOf(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

const isError = (d: CompilerDiagnostic): boolean => d.severity === 'error' || d.severity === 'fatal';

function fileless(severity: 'error' | 'warning', message: string): CompilerDiagnostic {
  return { severity, message, file: '', line: 0, column: 0, endLine: 0, endColumn: 0, ranges: [], fixIts: [], notes: [] };
}

/** Linker messages name objects; a learner knows the sources they came from. */
function namesToSources(message: string, objects: readonly LinkInput[]): string {
  let out = message;
  for (const o of objects) out = out.split(o.name).join(o.source);
  return out;
}

/** Maps the compiler's file names back to project paths, and marks lab headers as such. */
function displayPath(file: string): string {
  if (file.startsWith(`${SOURCE_ROOT}/`)) return file.slice(SOURCE_ROOT.length + 1);
  if (file.startsWith(`${INCLUDE_ROOT}/`) || file.startsWith(`${GENERATED_INCLUDE_ROOT}/`)) return `${LAB_FILE_PREFIX}${file}`;
  return file;
}

function projectPaths(d: CompilerDiagnostic): CompilerDiagnostic {
  return {
    ...d,
    file: displayPath(d.file),
    ranges: d.ranges.map((r) => ({ ...r, file: displayPath(r.file) })),
    fixIts: d.fixIts.map((f) => ({ ...f, range: { ...f.range, file: displayPath(f.range.file) } })),
    notes: d.notes.map(projectPaths),
  };
}
