import type { CompilerDiagnostic } from './dia/serialized-diagnostics';
import type { InlineTable } from './dwarf/inline-chains';
import type { LineTable } from './dwarf/line-table';

export type { CompilerDiagnostic };

export interface ModuleImport {
  module: string;
  name: string;
  kind: string;
  /** For functions: the wasm signature clang emitted, e.g. params ['i32','i32'], results ['i32']. */
  params?: string[];
  results?: string[];
}

export interface ModuleExport {
  name: string;
  kind: string;
}

/** How long each step took, ms. */
export interface BuildTimings {
  compile: number;
  link: number;
  analyze: number;
  total: number;
  /** Files compiled this time (the others came from the object cache). */
  compiledFiles: number;
}

export interface BuildOutput {
  ok: boolean;
  /** Content hash of everything that went into the build (sources, headers, flags, toolchain). */
  hash: string;
  diagnostics: CompilerDiagnostic[];
  /** The driver module; undefined when the build failed. */
  wasm?: Uint8Array;
  imports: ModuleImport[];
  exports: ModuleExport[];
  /** Code address → file:line, for every NDIS call and crash. */
  lineTable?: LineTable;
  /** Inlined calls, so a call site inside an inlined helper also names its caller. */
  inlineTable?: InlineTable;
  timings: BuildTimings;
}
