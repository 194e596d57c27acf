// Runs a TypeScript worker from source (tsx, Vitest, the CLI): registers tsx inside the worker
// thread, where Node 20 does not apply `--import tsx` from execArgv, then loads the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsEntry);
