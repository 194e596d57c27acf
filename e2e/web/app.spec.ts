import path from 'node:path';
import { artifacts, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';
import pkg from '../../package.json' with { type: 'json' };

test.describe('the lab in a browser (web host)', () => {
  test('shows the three regions and the engine version from a command round trip', async ({ page, webHost }, testInfo) => {
    const problems = watchForErrors(page);
    await page.goto(webHost.url);

    await expect(page.getByTestId('region-editor')).toBeVisible();
    await expect(page.getByTestId('region-bench')).toBeVisible();
    await expect(page.getByTestId('region-consoles')).toBeVisible();
    await expect(page.getByTestId('engine-state')).toContainText('connected');
    await expect(page.getByTestId('engine-version')).toHaveText(`NDIS Lab ${pkg.version}`);
    await expect(page.getByTestId('engine-info')).toContainText('web (websocket)');
    // Monaco is up, with the starter driver in C.
    await expect(page.getByTestId('editor').locator('.monaco-editor')).toBeVisible();
    await expect(page.getByTestId('editor')).toContainText('DriverEntry');
    // The token leaves the address bar once the page has it.
    expect(page.url()).not.toContain('token=');

    const file = path.join(artifacts, 'web-three-regions.png');
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach('three regions', { path: file, contentType: 'image/png' });
    expect(problems).toEqual([]);
  });

  test('keeps uptime current from the event stream', async ({ page, webHost }) => {
    await page.goto(webHost.url);
    const uptime = page.getByTestId('engine-uptime');
    await expect(uptime).toContainText('up ');
    const before = await uptime.textContent();
    await expect(uptime).not.toHaveText(before ?? '', { timeout: 5000 });
    await expect(page.getByTestId('console-engine')).toContainText('engine heartbeat');
  });

  test('loads the compiler in the background and says when it is ready', async ({ page, webHost }) => {
    await page.goto(webHost.url);
    await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 60_000 });
  });

  test('says why when the page has no valid token, and stays up', async ({ page, webHost }) => {
    await page.goto(`${webHost.origin}/?token=wrong`);
    await expect(page.getByTestId('engine-state')).toContainText(/failed|disconnected/);
    await expect(page.getByTestId('engine-error')).toContainText(/closed|socket/);
    await expect(page.getByTestId('region-editor')).toBeVisible();
  });
});
