import fs from 'node:fs';
import type { Download } from '@playwright/test';
import { readSessionLog } from '../../src-shared/session/log-reader';
import { openExample, screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

const snapshot = screenshots('web-bench');

test.describe('the bench: PnP, frames and time', () => {
  test('an intermediate driver: start later, a pended open, frames below the binding, then the LabNIC below surprise-removed at a chosen time', async ({ page, webHost }, testInfo) => {
    test.setTimeout(240_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'passthru-im');
    // bench.json names the scenario; its bind shows in the controls.
    await expect(page.getByTestId('scenario-select')).toHaveValue('im-start-inside');
    await expect(page.getByTestId('bind-start')).toHaveValue('inside');
    await expect(page.getByTestId('bind-below')).toHaveValue('labnic');

    // The bind: the virtual device starts 5 ms later; the lower adapter pends the open.
    await page.getByTestId('bind-start').selectOption('later');
    await page.getByTestId('bind-start-after').fill('soon');
    await expect(page.getByTestId('bind-start-after-problem')).toHaveText('0 to 3600000 ms');
    await page.getByTestId('bind-start-after').fill('5');
    await expect(page.getByTestId('bind-start-after-problem')).toHaveCount(0);
    await page.getByTestId('bind-pend-open').check();

    // Actions: 10 ms in, 8 frames below the binding; 5 ms later the LabNIC below is surprise-removed.
    await page.getByTestId('action-kind').selectOption('wait');
    await page.getByTestId('action-wait-ms').fill('ten');
    await expect(page.getByTestId('action-problem')).toHaveText('ms: 0 to 3,600,000 ms');
    await expect(page.getByTestId('action-add')).toBeDisabled();
    await page.getByTestId('action-wait-ms').fill('10');
    await page.getByTestId('action-add').click();
    await page.getByTestId('action-kind').selectOption('inject');
    await page.getByTestId('action-target').selectOption('lower:lower0');
    await page.getByTestId('inject-count').fill('8');
    await page.getByTestId('inject-bytes').fill('9999');
    await expect(page.getByTestId('action-problem')).toHaveText('bytes: a whole number, 18 to 9,018 bytes');
    await page.getByTestId('inject-bytes').fill('128');
    await page.getByTestId('inject-burst').fill('4');
    await page.getByTestId('inject-interval').fill('100');
    await page.getByTestId('action-add').click();
    await page.getByTestId('action-kind').selectOption('wait');
    await page.getByTestId('action-wait-ms').fill('5');
    await page.getByTestId('action-add').click();
    await page.getByTestId('action-kind').selectOption('surprise-remove');
    await page.getByTestId('action-target').selectOption('lower0');
    await page.getByTestId('action-add').click();
    const rows = page.getByTestId('action-row');
    await expect(rows.getByTestId('action-time')).toHaveText(['t+10 ms', 't+10 ms', 't+15 ms', 't+15 ms']);
    await expect(rows.getByTestId('action-text')).toHaveText(['wait 10 ms', 'inject 8 × 128 B below the binding at lower0 (bursts of 4, 100 µs apart)', 'wait 5 ms', 'surprise-remove lower0']);
    await snapshot(page, testInfo, 'pnp-controls');

    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toContainText('run clean', { timeout: 120_000 });
    // The binding's life on the timeline: opened (pended), running, then gone with the NIC below.
    await expect(page.getByTestId('timeline-lanes').locator('li', { hasText: /over lower0:/ })).toHaveText(/^PassthruIm over lower0: Unbound → Opening → Paused → Restarting → Running → Pausing → Paused → Closing → Unbound$/);
    // The topology: the LabNIC below run by the lab's driver, the binding over it, LABTCPIP above the virtual miniport.
    await expect(page.getByTestId('adapter-row').filter({ hasText: /^lower0/ }).getByTestId('adapter-driver')).toHaveText("labnic-miniport (the lab's, below the binding)");
    await expect(page.getByTestId('adapter-row').filter({ hasText: 'PASSTHRU_' }).getByTestId('adapter-driver')).toHaveText('your driver');
    await expect(page.getByTestId('binding-row').filter({ hasText: 'PassthruIm' })).toContainText(/PassthruIm\s*bound to\s*lower0\s*Unbound/);
    await expect(page.getByTestId('binding-row').filter({ hasText: 'LABTCPIP' })).toHaveCount(1);

    // The run's log holds the steps the bench placed, in order, and the frames below.
    const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ndjson').click()]);
    const file = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    const log = readSessionLog(fs.readFileSync(file, 'utf8'));
    const steps = log.header.scenarioSpec!.steps.map((s) => s.step);
    expect(steps).toEqual(['load', 'bind', 'expect-binding', 'advance-time', 'inject-frame', 'advance-time', 'surprise-remove', 'expect-binding', 'expect-state', 'advance-time', 'unload']);
    expect(log.header.scenarioSpec!.steps[1]).toMatchObject({ step: 'bind', start: 'later', startAfterMs: 5, pend: ['open'], below: 'labnic' });
    const done = log.events.filter((e) => e.kind === 'scenario.step' && e.status === 'done').map((e) => (e.kind === 'scenario.step' ? e.step : ''));
    expect(done).toContain('surprise-remove adapter=lower0');
    expect(log.events.filter((e) => e.kind === 'wire.frame' && e.direction === 'rx').length).toBeGreaterThanOrEqual(8);

    // Taking an action out, and another scenario, clear what no longer applies.
    await rows.nth(3).getByTestId('action-remove').click();
    await expect(rows).toHaveCount(3);
    await page.getByTestId('scenario-select').selectOption('default');
    await expect(page.getByTestId('actions-empty')).toBeVisible();
    await expect(page.getByTestId('bind-controls')).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('an action done now to the run going: the LabNIC adapter surprise-removed while a slow run goes', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'labnic-miniport');
    await page.getByTestId('action-kind').selectOption('surprise-remove');
    await page.getByTestId('action-target').selectOption('adapter0');
    // Now acts on the run going: there is none yet.
    await expect(page.getByTestId('action-now')).toBeDisabled();

    await page.getByTestId('run-speed').selectOption('100');
    await page.getByTestId('run-button').click();
    const status = page.getByTestId('status-run');
    await expect(status).toHaveText(/^run-\d+ running$/, { timeout: 60_000 });
    // Once the adapter runs (before that there is no adapter0 to remove, and the step would say so).
    const lane = page.getByTestId('timeline-lanes').locator('li', { hasText: /^adapter0:/ });
    await expect(lane).toHaveText(/→ Running$/, { timeout: 60_000 });
    await page.getByTestId('action-now').click();
    await expect(page.getByTestId('action-now-result')).toHaveText(/^surprise-remove adapter0: sent to run-\d+, which takes it at its next idle point \(1 step waiting\)$/);
    await snapshot(page, testInfo, 'action-now');
    await page.getByTestId('run-speed').selectOption('0');
    await expect(page.getByTestId('run-result')).toContainText('run clean', { timeout: 60_000 });

    // The removal in the log, marked live, inside the scenario step the run was in; the adapter ends halted.
    await page.getByTestId('console-tab-all').click();
    await page.getByTestId('console-filter').fill('surprise-remove adapter=adapter0');
    const rows = page.getByTestId('console-engine').getByTestId('console-row');
    await expect(rows.filter({ hasText: /live step \(during step \d+\) surprise-remove adapter=adapter0: done$/ })).toHaveCount(1);
    await expect(lane).toHaveText(/Running → Pausing → Paused → Halted$/);
    // The scenario's own steps on the adapter after that say why they could not happen.
    await page.getByTestId('console-filter').fill('removed during the run');
    await expect(rows.first()).toContainText('adapter0 was removed during the run (a live step)');
    expect(problems).toEqual([]);
  });

  test('start now: the virtual device an intermediate driver asked for, left waiting (start: never), started while the run goes', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'passthru-im');
    await page.getByTestId('bind-start').selectOption('never');
    await expect(page.getByTestId('bind-start-now')).toBeDisabled();
    await page.getByTestId('run-speed').selectOption('10');
    await page.getByTestId('run-button').click();
    const lanes = page.getByTestId('timeline-lanes').locator('li');
    await expect(lanes.filter({ hasText: /over lower0:/ })).toHaveText(/→ Running$/, { timeout: 60_000 });
    // Nothing started the virtual device yet: it has no lane.
    const virtual = lanes.filter({ hasText: /^\\DEVICE\\PASSTHRU_/ });
    await expect(virtual).toHaveCount(0);
    await page.getByTestId('bind-start-now').click();
    await expect(page.getByTestId('action-now-result')).toHaveText(/^start the virtual devices waiting: sent to run-\d+/);
    await page.getByTestId('run-speed').selectOption('0');
    await expect(page.getByTestId('run-result')).toContainText('run clean', { timeout: 60_000 });
    // MiniportInitializeEx ran for it, and it was halted when the binding below went.
    await expect(virtual).toHaveText(/: Halted → Initializing → Paused → .*Halted$/);
    await expect(lanes.filter({ hasText: /^LABTCPIP over / })).toHaveText(/→ Running → .*Unbound$/);
    await snapshot(page, testInfo, 'start-now');
    expect(problems).toEqual([]);
  });
});
