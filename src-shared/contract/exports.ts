import { z } from 'zod';

/**
 * Exporting a run: its NDJSON session log, the pcap of its wire, or the HTML report. The desktop
 * app saves through the system's save dialog; a browser downloads the file, read in chunks.
 */
export const ExportFormat = z.enum(['ndjson', 'pcap', 'html']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Bytes of one export.read chunk (before base64). */
export const EXPORT_CHUNK_BYTES = 4 * 1024 * 1024;

export const ExportSaveOutput = z.discriminatedUnion('mode', [
  /** Written where the user chose in the save dialog. */
  z.object({ mode: z.literal('saved'), path: z.string(), bytes: z.number().int().nonnegative() }),
  /** The user closed the save dialog. */
  z.object({ mode: z.literal('cancelled') }),
  /** No dialog here (a browser): read the file with export.read and download it. */
  z.object({ mode: z.literal('download'), exportId: z.string(), fileName: z.string(), mime: z.string(), bytes: z.number().int().nonnegative() }),
]);
export type ExportSaveOutput = z.infer<typeof ExportSaveOutput>;

export const exportCommands = {
  /** Exports a run that has ended (finished, stopped or failed). */
  'export.save': {
    input: z
      .object({
        runId: z.string().regex(/^run-\d+$/, 'a run id like run-3'),
        format: ExportFormat,
        /** The file's base name (the project's name); the run id and extension are added. */
        name: z.string().max(100).optional(),
      })
      .strict(),
    output: ExportSaveOutput,
  },
  /** A chunk of a download export.save prepared: base64, from `offset`. */
  'export.read': {
    input: z.object({ exportId: z.string().min(1).max(64), offset: z.number().int().nonnegative() }).strict(),
    output: z.object({ data: z.string(), offset: z.number().int(), bytes: z.number().int(), done: z.boolean() }),
  },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;
