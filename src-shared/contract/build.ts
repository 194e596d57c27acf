import { z } from 'zod';

export const DiagnosticSeverity = z.enum(['ignored', 'note', 'remark', 'warning', 'error', 'fatal']);
export type DiagnosticSeverity = z.infer<typeof DiagnosticSeverity>;

/** 1-based; endColumn is exclusive (one past the last character), as clang stores it. */
export const SourceRange = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
});
export type SourceRange = z.infer<typeof SourceRange>;

export interface FixIt {
  range: SourceRange;
  replacement: string;
}

/** One compiler diagnostic, as clang reports it in its serialized diagnostics. Lines and columns from 1. */
export interface CompilerDiagnostic {
  severity: DiagnosticSeverity;
  message: string;
  /**
   * A project path ('driver.c'), a lab header ('ndis-lab:include/ndis.h'), or '' for no location.
   * (Straight out of clang's serialized diagnostics it is the path clang was given, e.g. 'src/a.c'.)
   */
  file: string;
  /** 1-based; 0 when there is no location. */
  line: number;
  column: number;
  /**
   * The exclusive end of the first source range that contains line/column (what an editor should
   * underline); line/column themselves when no range does. A range that does not contain the
   * location (e.g. the operands of a bad `a + b`, located at the `+`) would give an end before
   * the start, so it is not used.
   */
  endLine: number;
  endColumn: number;
  /** The warning flag that controls it, e.g. '-Wunused-variable'; absent if none. */
  option?: string | undefined;
  /** e.g. 'Semantic Issue', 'Parse Issue', 'User-Defined Issue'; absent if none. */
  category?: string | undefined;
  ranges: SourceRange[];
  fixIts: FixIt[];
  notes: CompilerDiagnostic[];
}

export const CompilerDiagnostic: z.ZodType<CompilerDiagnostic> = z.lazy(() =>
  z.object({
    severity: DiagnosticSeverity,
    message: z.string(),
    file: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    endLine: z.number().int(),
    endColumn: z.number().int(),
    option: z.string().optional(),
    category: z.string().optional(),
    ranges: z.array(SourceRange),
    fixIts: z.array(z.object({ range: SourceRange, replacement: z.string() })),
    notes: z.array(CompilerDiagnostic),
  }),
);

export const ToolchainStatus = z.object({
  state: z.enum(['idle', 'loading', 'ready', 'failed']),
  doneBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  loadMs: z.number().optional(),
  declaredImports: z.number().int().optional(),
  error: z.string().optional(),
});
export type ToolchainStatus = z.infer<typeof ToolchainStatus>;

/** Project sources by relative path ('driver.c', 'hw/regs.h'); validated again by the engine. */
export const BuildInput = z
  .object({
    files: z.record(z.string(), z.string()),
  })
  .strict();

export const BuildSummary = z.object({
  ok: z.boolean(),
  hash: z.string(),
  cached: z.boolean(),
  diagnostics: z.array(CompilerDiagnostic),
  imports: z.array(z.object({ module: z.string(), name: z.string(), kind: z.string() })),
  exports: z.array(z.object({ name: z.string(), kind: z.string() })),
  wasmBytes: z.number().int().nonnegative(),
  timings: z.object({
    compile: z.number(),
    link: z.number(),
    analyze: z.number(),
    total: z.number(),
    compiledFiles: z.number().int(),
  }),
});
export type BuildSummary = z.infer<typeof BuildSummary>;
