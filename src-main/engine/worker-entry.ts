import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

let bundleDirectory: string | undefined;

/**
 * Where the bundled worker entries live (out/main). The Electron host says so at start-up: shared
 * engine code may sit in a chunk in another folder, so import.meta.url cannot tell.
 */
export function setWorkerDirectory(directory: string): void {
  bundleDirectory = directory;
}

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
  const file = bundleDirectory ? pathToFileURL(path.join(bundleDirectory, `${bundled}.js`)) : new URL(`./${bundled}.js`, import.meta.url);
  return new Worker(file, options);
}
