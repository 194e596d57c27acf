import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts one of the engine's workers. From source (tsx, Vitest) the worker is TypeScript, loaded
 * through a small bootstrap that registers tsx in the worker thread; in the Electron bundle every
 * worker is a sibling .js entry of the main bundle. `sourcePath` is relative to this folder
 * (src-main/engine), without extension.
 */
export function startWorker(sourcePath: string, options: WorkerOptions = {}): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL(`./${sourcePath}.ts`, import.meta.url).href;
    return new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), {
      ...options,
      workerData: { ...(options.workerData as object | undefined), __tsEntry: entry },
    });
  }
  const bundled = sourcePath.slice(sourcePath.lastIndexOf('/') + 1);
  return new Worker(new URL(`./${bundled}.js`, import.meta.url), options);
}
