import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };

const execute = promisify(execFile);

/** The checkout the tests run in. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `ndis-lab` bin, as `npx ndis-lab` does, and collects its exit code and output. */
export async function ndisLab(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [path.join(repoRoot, pkg.bin['ndis-lab']), ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliRun;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
