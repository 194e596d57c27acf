import { z } from 'zod';

/** Largest source file and project the build accepts, so one paste cannot stall the compiler. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_PROJECT_FILES = 200;

/** A project path: relative, forward slashes, no `..`, ending in .c or .h. */
export const ProjectPath = z
  .string()
  .min(3)
  .max(200)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.\- /]+\.[ch]$/, 'a relative path to a .c or .h file, without . or .. parts')
  .refine((p) => !p.includes('//') && !p.includes(' /') && !p.includes('/ '), 'no empty or space-padded path parts');

export const ProjectFiles = z
  .record(ProjectPath, z.string().max(MAX_FILE_BYTES, `a source file is at most ${MAX_FILE_BYTES} bytes`))
  .refine((files) => Object.keys(files).length <= MAX_PROJECT_FILES, `at most ${MAX_PROJECT_FILES} files`)
  .refine((files) => Object.keys(files).some((f) => f.endsWith('.c')), 'a project needs at least one .c file');

export type ProjectFiles = z.infer<typeof ProjectFiles>;
