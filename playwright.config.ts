import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/support/chromium';

/**
 * Two projects: the renderer in Debian's Chromium against the web host (runs everywhere), and the
 * Electron build through Playwright's _electron (runs where an Electron binary is installed, and
 * says plainly that it was skipped elsewhere).
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-reports/playwright.json' }]],
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'web-chromium', testDir: './e2e/web', use: { launchOptions: chromiumLaunchOptions() } },
    { name: 'electron', testDir: './e2e/electron' },
  ],
});
