import type { BuildRequest } from './build';
import type { BuildOutput } from './build-types';

/** Messages between the engine and its build worker (one process, so types suffice). */
export type ToBuildWorker = { type: 'load'; warmUp: boolean } | { type: 'build'; id: number; request: BuildRequest };

export type FromBuildWorker =
  | { type: 'progress'; doneBytes: number; totalBytes: number }
  | { type: 'ready'; ms: number; declaredImports: number }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; output: BuildOutput }
  | { type: 'failed'; id: number; message: string };
