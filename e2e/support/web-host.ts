import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { spawnWebHost } from '../../src-main/launch/spawn-web-host';

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
      const { url, child } = await spawnWebHost(root, ['--workspace', workspace], 120_000);
      await use({ url, origin: new URL(url).origin, workspace });
      child.kill('SIGTERM');
      fs.rmSync(workspace, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
