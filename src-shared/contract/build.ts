import { z } from 'zod';

export const DiagnosticSeverity = z.enum(['ignored', 'note', 'remark', 'warning', 'error', 'fatal']);

export const SourceRange = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
});

/** One compiler diagnostic, as clang reports it in its serialized diagnostics. Lines and columns from 1. */
export interface CompilerDiagnostic {
  severity: z.infer<typeof DiagnosticSeverity>;
  message: string;
  /** A project path ('driver.c'), a lab header ('ndis-lab:include/ndis.h'), or '' for no location. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The warning flag that controls it, e.g. '-Wunused-variable'. */
  option?: string | undefined;
  category?: string | undefined;
  ranges: z.infer<typeof SourceRange>[];
  fixIts: Array<{ range: z.infer<typeof SourceRange>; replacement: string }>;
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
