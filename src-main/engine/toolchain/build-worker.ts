// The build worker: clang runs here, synchronously, so the engine's thread (Electron's main
// process, the web host's event loop) never waits on a compile.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { DriverBuilder } from './build';
import { Clang } from './clang';
import { discoverDeclaredImports } from './declared-imports';
import { resourcesDir } from '../resources';
import { readHeaderSet } from './lab-headers';
import type { FromBuildWorker, ToBuildWorker } from './worker-protocol';

if (!parentPort) throw new Error('build-worker must run as a worker thread');
const port = parentPort;
const post = (message: FromBuildWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

// clang is a large wasm module that V8 first runs unoptimised and tiers up function by function;
// a lower budget reaches optimised code after two or three builds instead of eight or more.
v8.setFlagsFromString('--wasm-tiering-budget=50000');

const clang = new Clang();
let builder: DriverBuilder | undefined;

function readRuntime(): Record<string, string> {
  const dir = path.join(resourcesDir(), 'runtime');
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.c')).sort()) files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  return files;
}

async function load(withWarmUp: boolean): Promise<void> {
  const started = performance.now();
  let lastReport = 0;
  await clang.load((p) => {
    // A progress message per chunk would flood the engine; a few per second suffice.
    const now = performance.now();
    if (now - lastReport > 100 || p.doneBytes === p.totalBytes) {
      lastReport = now;
      post({ type: 'progress', ...p });
    }
  });
  const headers = readHeaderSet(path.join(resourcesDir(), 'include'));
  const declaredImports = discoverDeclaredImports(clang, headers);
  builder = new DriverBuilder({ clang, headers, runtime: readRuntime(), declaredImports });
  if (withWarmUp) warmUp(builder);
  post({ type: 'ready', ms: performance.now() - started, declaredImports: declaredImports.length });
}

/**
 * Builds the lab's sample miniport a few times, so that the first build a user asks for runs on
 * optimised compiler code. Part of loading; the builds' objects are not kept.
 */
function warmUp(target: DriverBuilder): void {
  const dir = path.join(resourcesDir(), 'examples', 'wdk-sample-miniport');
  if (!fs.existsSync(dir)) return;
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter((n) => /\.[ch]$/.test(n))) files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  for (let round = 0; round < 3; round++) {
    // A comment that changes each round defeats the object cache, so each round really compiles.
    const source = Object.keys(files).find((n) => n.endsWith('.c'))!;
    target.build({ files: { ...files, [source]: `${files[source]}\n/* warm-up ${round} */\n` }, implementedImports: null }, { cache: false });
  }
}

port.on('message', (message: ToBuildWorker) => {
  if (message.type === 'load') {
    load(message.warmUp).catch((error: unknown) => post({ type: 'load-failed', message: error instanceof Error ? error.message : String(error) }));
    return;
  }
  if (!builder) {
    post({ type: 'failed', id: message.id, message: 'the compiler is not loaded yet' });
    return;
  }
  try {
    const output = builder.build(message.request);
    // The module may be a view into the compiler's file system: hand over a copy of its own.
    const wasm = output.wasm?.slice();
    post({ type: 'result', id: message.id, output: { ...output, wasm } }, wasm ? [wasm.buffer] : []);
  } catch (error) {
    post({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
});
