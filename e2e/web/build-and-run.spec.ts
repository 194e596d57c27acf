import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '../support/web-host';

const artifacts = path.resolve(import.meta.dirname, '../artifacts');
const driver = fs.readFileSync(path.resolve(import.meta.dirname, '../../src-main/engine/session/fixtures/minimal-miniport.c'), 'utf8');

test.describe('building and running a driver from the window', () => {
  test('an error shows as a marker; the fixed driver runs through its whole life', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    await page.goto(webHost.url);
    await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 90_000 });

    const editor = page.getByTestId('editor');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // Monaco would auto-indent and auto-close typed text; paste-like insertion keeps the file as written.
    await page.keyboard.insertText(driver.replace('return NDIS_STATUS_SUCCESS; }', 'return NDIS_STATUS_SUCESS; }'));
    await page.getByTestId('build-button').click();
    await expect(page.getByTestId('build-status')).toContainText('build failed: 1 error(s)', { timeout: 60_000 });
    await expect(editor.locator('.squiggly-error').first()).toBeVisible();

    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(driver);
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText(
      'run clean: Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted',
      { timeout: 60_000 },
    );
    await expect(page.getByTestId('console-engine')).toContainText('run finished: clean');
    const file = path.join(artifacts, 'web-build-and-run.png');
    await page.screenshot({ path: file });
    await testInfo.attach('build and run', { path: file, contentType: 'image/png' });
  });
});
