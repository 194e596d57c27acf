import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import pkg from '../../package.json' with { type: 'json' };
import { findElectronBinary } from '../../src-main/launch/electron-binary';

const root = path.resolve(import.meta.dirname, '../..');
const artifacts = path.resolve(import.meta.dirname, '../artifacts');

const binary = findElectronBinary();
const SKIP_REASON =
  'SKIPPED: no Electron binary in node_modules/electron (it is downloaded on first start and could not be here). ' +
  'Run `npx install-electron` where GitHub is reachable, then `npm run test:e2e -- --project=electron`.';
if (!binary) console.warn(`\n[electron e2e] ${SKIP_REASON}\n`);

test.describe('the desktop app (Electron)', () => {
  test.skip(!binary, SKIP_REASON);

  test('opens a hardened window with the three regions and the engine version', async ({}, testInfo) => {
    const app = await electron.launch({
      executablePath: binary,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), root],
      cwd: root,
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('region-editor')).toBeVisible();
      await expect(page.getByTestId('region-bench')).toBeVisible();
      await expect(page.getByTestId('region-consoles')).toBeVisible();
      await expect(page.getByTestId('engine-version')).toHaveText(`NDIS Lab ${pkg.version}`);
      await expect(page.getByTestId('engine-info')).toContainText('electron (electron)');
      expect(page.url()).toMatch(/^app:\/\/renderer\//);

      // contextIsolation + sandbox + no nodeIntegration: the page sees no Node, only the frame pipe.
      const exposure = await page.evaluate(() => ({
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
        bridge: Object.keys((window as unknown as Record<string, object>)['ndisLabBridge'] ?? {}).sort(),
      }));
      expect(exposure).toEqual({ require: 'undefined', process: 'undefined', bridge: ['handOverEvents', 'onFrame', 'request'] });
      // The event stream comes through the port the preload handed over, read by the window's event worker.
      await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 120_000 });
      await expect(page.getByTestId('event-count')).not.toHaveText('0 events');
      expect(page.workers().some((w) => w.url().includes('socket.worker'))).toBe(true);
      // Navigation away from the app and new windows are refused.
      await page.evaluate(() => window.open('https://example.com'));
      await page.evaluate(() => (window.location.href = 'https://example.com'));
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^app:\/\/renderer\//);
      expect(app.windows()).toHaveLength(1);

      const file = path.join(artifacts, 'electron-three-regions.png');
      await page.screenshot({ path: file });
      await testInfo.attach('three regions (electron)', { path: file, contentType: 'image/png' });
    } finally {
      await app.close();
    }
  });
});
