import path from 'node:path';
import { expect, type ConsoleMessage, type Download, type Page, type TestInfo } from '@playwright/test';

/** Where the e2e screenshots are kept (and attached to the test report). */
export const artifacts = path.resolve(import.meta.dirname, '../artifacts');

/** A screenshot function whose files are named `<prefix>-<name>.png` in the artifacts folder. */
export function screenshots(prefix: string): (page: Page, testInfo: TestInfo, name: string) => Promise<void> {
  return async (page, testInfo, name) => {
    const file = path.join(artifacts, `${prefix}-${name}.png`);
    await page.screenshot({ path: file });
    await testInfo.attach(name, { path: file, contentType: 'image/png' });
  };
}

/** Collects what the page reports as broken: script errors and console errors (CSP violations among them). */
export function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

/** Clicks an export button and keeps the file the browser downloads. */
export async function exportFile(page: Page, format: 'ndjson' | 'pcap' | 'html', testInfo: TestInfo): Promise<{ file: string; name: string }> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId(`export-${format}`).click()]);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  return { file, name: download.suggestedFilename() };
}

/** The window at 1600 × 1000, once the web host's page is up and its compiler is ready. */
export async function openWindow(page: Page, url: string): Promise<void> {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(url);
  await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 90_000 });
}

/** The window with an example (resources/examples) opened as the project. */
export async function openExample(page: Page, url: string, name: string): Promise<void> {
  await openWindow(page, url);
  await page.getByTestId('example-select').selectOption(name);
  await expect(page.getByTestId('project-example')).toHaveText(name);
}
