import { z } from 'zod';

/** Error codes that cross the contract. */
export const ErrorCode = z.enum([
  /** A frame was not valid JSON or not a known frame shape. */
  'E_PROTOCOL',
  /** A command's input or output failed its schema. */
  'E_SCHEMA',
  /** The command name is not in the contract. */
  'E_UNKNOWN_COMMAND',
  /** Client and engine speak different contract versions. */
  'E_VERSION',
  /** The sender is not allowed to talk to the engine. */
  'E_FORBIDDEN',
  /** The handler failed. */
  'E_INTERNAL',
  /** The connection closed before the answer came. */
  'E_DISCONNECTED',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const SchemaIssue = z.object({ path: z.string(), message: z.string() });
export type SchemaIssue = z.infer<typeof SchemaIssue>;

export const LabErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(SchemaIssue).optional(),
});
export type LabErrorData = z.infer<typeof LabErrorData>;

/** An error that crossed (or was about to cross) the contract. */
export class LabError extends Error {
  readonly code: ErrorCode;
  readonly issues: SchemaIssue[] | undefined;
  constructor(data: LabErrorData) {
    super(data.message);
    this.name = 'LabError';
    this.code = data.code;
    this.issues = data.issues;
  }
  toData(): LabErrorData {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

/** Turns zod issues into `path: message` items, with the path rooted at `root` (e.g. `input`). */
export function schemaIssues(error: z.ZodError, root: string): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(root, issue.path), message: issue.message }));
}

export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** A schema error whose message names every offending field. */
export function schemaError(what: string, error: z.ZodError, root: string): LabError {
  const issues = schemaIssues(error, root);
  const detail = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new LabError({ code: 'E_SCHEMA', message: `${what}: ${detail}`, issues });
}
