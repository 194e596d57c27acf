import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { resourcesDir } from '../resources';
import { CLANG_PACKAGE_VERSION } from '../version';
import { readHeaderSet } from './lab-headers';
import { COMPILE_FLAGS, LINK_FLAGS } from './flags';
import { startWorker } from '../worker-entry';
import type { BuildOutput } from './build-types';
import type { ProjectFiles } from './project';
import type { FromBuildWorker } from './worker-protocol';

export type ToolchainState = 'idle' | 'loading' | 'ready' | 'failed';

export interface ToolchainStatus {
  state: ToolchainState;
  doneBytes: number;
  totalBytes: number;
  loadMs?: number;
  declaredImports?: number;
  error?: string;
}

export interface BuildServiceEvents {
  onProgress?(status: ToolchainStatus): void;
  onReady?(status: ToolchainStatus): void;
  onFailed?(message: string): void;
}

export interface BuildServiceOptions extends BuildServiceEvents {
  /** A compile that runs longer than this is stopped and the worker restarted. */
  buildTimeoutMs?: number;
  /** The simulator's NDIS functions (null: no check). */
  implementedImports: readonly string[] | null;
  /**
   * Compile a sample driver while loading, so the first real build runs on optimised compiler code.
   * Worth it in a long-lived host; a one-shot CLI build would only wait longer.
   */
  warmUp?: boolean;
  /**
   * A folder for finished builds, keyed by everything that goes into them (sources, lab headers,
   * flags, compiler version): repeated CLI runs of the same driver skip the compiler.
   */
  diskCache?: string;
}

interface PendingBuild {
  resolve(output: BuildOutput & { cached: boolean }): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const RESULT_CACHE_LIMIT = 16;

/**
 * The engine's compiler: one worker thread running clang, loaded in the background at start-up
 * with progress reports; builds queue behind the load. A build that hangs is stopped, the worker
 * restarted, and the caller told why.
 */
export class BuildService {
  private worker: Worker | undefined;
  private loadPromise: Promise<void> | undefined;
  private readonly pending = new Map<number, PendingBuild>();
  private readonly results = new Map<string, BuildOutput>();
  private nextId = 1;
  private current: ToolchainStatus = { state: 'idle', doneBytes: 0, totalBytes: 0 };
  private headersHash: string | undefined;

  constructor(private readonly options: BuildServiceOptions) {}

  get status(): ToolchainStatus {
    return { ...this.current };
  }

  /** Starts loading the compiler; resolves when it is ready. Safe to call again. */
  start(): Promise<void> {
    if (this.loadPromise) return this.loadPromise;
    const worker = startWorker('toolchain/build-worker');
    this.worker = worker;
    this.current = { state: 'loading', doneBytes: 0, totalBytes: 0 };
    this.loadPromise = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromBuildWorker) => {
        switch (message.type) {
          case 'progress':
            this.current = { ...this.current, doneBytes: message.doneBytes, totalBytes: message.totalBytes };
            this.options.onProgress?.(this.status);
            return;
          case 'ready':
            this.current = { ...this.current, state: 'ready', loadMs: Math.round(message.ms), declaredImports: message.declaredImports };
            this.options.onReady?.(this.status);
            return resolve();
          case 'load-failed':
            this.fail(`the compiler did not load: ${message.message}`);
            return reject(new Error(this.current.error));
          case 'result':
          case 'failed':
            return this.settle(message);
        }
      });
      worker.on('error', (error) => {
        this.fail(`the build worker crashed: ${error.message}`);
        reject(new Error(this.current.error));
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.fail(`the build worker exited (code ${code})`);
        reject(new Error(this.current.error));
      });
      worker.postMessage({ type: 'load', warmUp: this.options.warmUp ?? false });
    });
    this.loadPromise.catch(() => undefined);
    return this.loadPromise;
  }

  /** Builds a project; identical inputs return the previous result without compiling. */
  async build(files: ProjectFiles, options: { timeoutMs?: number } = {}): Promise<BuildOutput & { cached: boolean }> {
    const key = this.cacheKey(files);
    const hit = this.results.get(key) ?? this.readDiskCache(key);
    if (hit) return { ...hit, cached: true };
    await this.start();
    const worker = this.worker!;
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.options.buildTimeoutMs ?? 120_000;
    const output = await new Promise<BuildOutput & { cached: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
        reject(new Error(`the build took longer than ${limit} and was stopped; the compiler restarts`));
        this.restart();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ type: 'build', id, request: { files, implementedImports: this.options.implementedImports } });
    });
    if (this.results.size >= RESULT_CACHE_LIMIT) this.results.delete(this.results.keys().next().value!);
    this.results.set(key, output);
    if (output.ok) this.writeDiskCache(key, output);
    return output;
  }

  private readDiskCache(key: string): BuildOutput | undefined {
    if (!this.options.diskCache) return undefined;
    try {
      return v8.deserialize(fs.readFileSync(path.join(this.options.diskCache, `${key}.bin`))) as BuildOutput;
    } catch {
      // Missing or unreadable: build again.
      return undefined;
    }
  }

  private writeDiskCache(key: string, output: BuildOutput): void {
    if (!this.options.diskCache) return;
    try {
      fs.mkdirSync(this.options.diskCache, { recursive: true });
      const file = path.join(this.options.diskCache, `${key}.bin`);
      // Write then rename, so a concurrent reader never sees half a file.
      fs.writeFileSync(`${file}.${process.pid}.tmp`, v8.serialize({ ...output, cached: false }));
      fs.renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      // A cache that cannot be written only costs a rebuild next time.
    }
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.rejectAll(new Error('the build service stopped'));
    await worker?.terminate();
  }

  private settle(message: Extract<FromBuildWorker, { type: 'result' | 'failed' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.type === 'failed') pending.reject(new Error(message.message));
    else pending.resolve({ ...message.output, cached: false });
  }

  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    this.loadPromise = undefined;
    this.rejectAll(new Error('the compiler was restarted'));
    void old?.terminate();
    void this.start().catch(() => undefined);
  }

  private fail(message: string): void {
    this.current = { ...this.current, state: 'failed', error: message };
    this.options.onFailed?.(message);
    this.rejectAll(new Error(message));
    this.worker = undefined;
    this.loadPromise = undefined;
  }

  private rejectAll(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }

  private cacheKey(files: ProjectFiles): string {
    this.headersHash ??= readHeaderSet(path.join(resourcesDir(), 'include')).hash;
    const hash = createHash('sha256')
      .update(JSON.stringify(this.options.implementedImports))
      .update(this.headersHash)
      .update(COMPILE_FLAGS.join(' '))
      .update(LINK_FLAGS.join(' '))
      .update(CLANG_PACKAGE_VERSION);
    for (const name of Object.keys(files).sort()) hash.update(name).update('\0').update(files[name]!).update('\0');
    return hash.digest('hex');
  }
}
