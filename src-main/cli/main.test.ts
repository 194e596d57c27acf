import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** Runs the real `ndis-lab` bin, as `npx ndis-lab` does. */
async function ndisLab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, pkg.bin['ndis-lab']), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('ndis-lab CLI', () => {
  it('prints its version', async () => {
    const result = await ndisLab('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^NDIS Lab ${pkg.version.replace(/\./g, '\\.')} \\(contract v\\d+`));
  });

  it('prints help listing its commands', async () => {
    const result = await ndisLab('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ndis-lab <command>');
    expect(result.stdout).toContain('version');
  });

  it('exits 3 with a clear message on an unknown command', async () => {
    const result = await ndisLab('frobnicate');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });
});
