import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '../..');

export interface RunningWebHost {
  /** The page URL with its token, as the host printed it. */
  url: string;
  origin: string;
  /** The host's project workspace: a fresh temporary folder, never the user's ~/ndis-lab-projects. */
  workspace: string;
}

/**
 * Starts the real web host (`npm run serve`'s script, port 0) once per worker and reads the URL
 * with its per-start token from what it prints, as a user would.
 */
export const test = base.extend<object, { webHost: RunningWebHost }>({
  webHost: [
    async ({}, use) => {
      const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-e2e-workspace-'));
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/launch/serve.ts'), '--port', '0', '--workspace', workspace], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`web host did not start:\n${output}`)), 120_000);
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const match = /Open: (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`web host exited with ${code}:\n${output}`)));
      });
      await use({ url, origin: new URL(url).origin, workspace });
      child.kill('SIGTERM');
      fs.rmSync(workspace, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
