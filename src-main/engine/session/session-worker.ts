// One run = one worker: the driver's wasm and the simulator run here, synchronously, so the engine
// thread stays free; events go out in batches, control comes in through shared memory.
import os from 'node:os';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { RunGate, RunStopped, type ControlBuffers, type PauseReason } from './run-control';
import { runDriver, type RunOptions } from './run-driver';
import { RunRecorder, type RecordingSpec } from './recording';

export type WorkerRun = Omit<RunOptions, 'onEvent' | 'beforeCall' | 'lowerBeforeCall'>;

export type FromSessionWorker =
  | { type: 'ready' }
  /** A batch of events as the JSON text of their array (the recording's text too: each event is stringified once). */
  | { type: 'events'; json: string; count: number }
  | { type: 'paused'; reason: PauseReason }
  | { type: 'resumed' }
  | { type: 'finished'; result: ReturnType<typeof runDriver>['result'] }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }
  /** The recording could not be written (the run goes on; its export says why it is missing). */
  | { type: 'recording-failed'; message: string };

if (!parentPort) throw new Error('session-worker must run as a worker thread');
const port = parentPort;

// A run is background work: the engine's commands and the window come first. On Linux the nice
// value is per thread, so this lowers only this worker's, to the lowest. Elsewhere (Windows, macOS)
// the call would lower the whole process, engine included, so it is left alone there.
if (process.platform === 'linux') {
  try {
    os.setPriority(19);
  } catch {
    // keep the default priority
  }
}
const { run, buffers, recording, livePort } = workerData as { run: WorkerRun; buffers: ControlBuffers; recording?: RecordingSpec; livePort?: MessagePort };

let recorder: RunRecorder | undefined;
const recordingFailed = (error: unknown): void => {
  recorder = undefined;
  port.postMessage({ type: 'recording-failed', message: error instanceof Error ? error.message : String(error) } satisfies FromSessionWorker);
};
try {
  recorder = recording ? new RunRecorder(recording) : undefined;
} catch (error) {
  recordingFailed(error);
}
const closeRecorder = (): void => {
  try {
    recorder?.close();
  } catch (error) {
    recordingFailed(error);
  }
};

const BATCH = 512;
let batch: SimEvent[] = [];
// Each batch is on disk before the engine has it, so the recording holds exactly what the window saw.
// The engine gets the batch as text: one JSON.stringify per event serves the recording and the
// sockets, and neither this thread nor the engine's clones a batch of objects.
const flush = (): void => {
  if (batch.length === 0) return;
  const texts = batch.map((event) => JSON.stringify(event));
  try {
    recorder?.write(batch, texts);
  } catch (error) {
    recordingFailed(error);
  }
  port.postMessage({ type: 'events', json: `[${texts.join(',')}]`, count: batch.length } satisfies FromSessionWorker);
  batch = [];
};
const gate = new RunGate(
  buffers,
  (reason) => {
    flush();
    port.postMessage({ type: 'paused', reason } satisfies FromSessionWorker);
  },
  () => port.postMessage({ type: 'resumed' } satisfies FromSessionWorker),
  flush,
);

// The engine's wall-clock watchdog counts from 'ready': the run's first event (run.started), once the
// driver's module and the one below are instantiated. Instantiating can take seconds on a busy
// machine, and no driver code runs before it, so it is no hang of the driver's.
let ready = false;
try {
  const { result } = runDriver({
    ...run,
    onEvent(event) {
      if (!ready) {
        ready = true;
        port.postMessage({ type: 'ready' } satisfies FromSessionWorker);
      }
      batch.push(event);
      if (batch.length >= BATCH) flush();
      gate.afterEvent();
    },
    beforeCall: (api, site) => gate.beforeCall(api, site),
    // Steps the bench gives the run while it goes (run.act), read off the live port without waiting.
    ...(livePort ? { takeLive: () => gate.takeLive(() => receiveMessageOnPort(livePort)) } : {}),
    // The lab's driver below a binding keeps the run alive, but its calls are no breakpoints.
    lowerBeforeCall: () => gate.heartbeat(),
  });
  flush();
  closeRecorder();
  port.postMessage({ type: 'finished', result } satisfies FromSessionWorker);
} catch (error) {
  flush();
  closeRecorder();
  if (error instanceof RunStopped) port.postMessage({ type: 'stopped' } satisfies FromSessionWorker);
  else port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromSessionWorker);
} finally {
  gate.finished();
}
