import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { openExample, screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

const examples = path.resolve(import.meta.dirname, '../../resources/examples');
const LIFE = 'Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted';
/** The timeline's label column (timeline-layout.ts LABEL_WIDTH). */
const LABEL_WIDTH = 132;

const snapshot = screenshots('web-consoles');

/** Monaco's line number of the cursor, and the file tab shown. */
async function expectEditorAt(page: Page, file: string, line: number): Promise<void> {
  await expect(page.getByTestId('file-tab').and(page.locator('.active'))).toHaveText(file);
  await expect(page.getByTestId('editor').locator('.line-numbers.active-line-number')).toHaveText(String(line));
  await expect(page.getByTestId('editor').locator('.revealed-line')).toHaveCount(1);
}

/** A point of the timeline canvas: `fraction` of the way along the run, in the lane whose row starts at `laneY`. */
async function timelinePoint(canvas: Locator, fraction: number, laneY: number): Promise<{ x: number; y: number }> {
  const box = (await canvas.boundingBox())!;
  // The run's last moment is drawn in the last pixel column.
  return { x: Math.min(box.width - 1.5, LABEL_WIDTH + fraction * (box.width - LABEL_WIDTH)), y: laneY };
}

test.describe('consoles, timeline, run controls and status bar', () => {
  test('the LabNIC reference driver: NDIS calls with arguments and results, search, a source line opened, the adapter timeline', async ({ page, webHost }, testInfo) => {
    test.setTimeout(240_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'labnic-miniport');
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText(`run clean: ${LIFE}`, { timeout: 120_000 });

    // The status bar: build, the run, its virtual clock, the adapter's state, no finding.
    await expect(page.getByTestId('status-build')).toHaveText('built, 0 warning(s)');
    await expect(page.getByTestId('status-run')).toHaveText(/^run-\d+ finished — clean$/);
    await expect(page.getByTestId('status-clock')).toHaveText(/^t = \d+\.\d{3} ms$/);
    await expect(page.getByTestId('status-adapter')).toHaveText('adapter0: Halted');
    await expect(page.getByTestId('status-findings')).toHaveText('0 findings');
    await expect(page.getByTestId('run-progress')).toHaveCount(0);

    // The NDIS console: calls with their arguments decoded and the result status by name.
    await page.getByTestId('console-tab-ndis').click();
    const ndis = page.getByTestId('console-ndis');
    await expect(ndis.getByTestId('console-row').last()).toContainText('run finished: clean, 0 finding(s)');
    const filter = page.getByTestId('console-filter');
    await filter.fill('NdisMRegisterInterruptEx');
    const rows = ndis.getByTestId('console-row');
    await expect(rows).toHaveCount(1);
    const call = rows.first();
    await expect(call).toContainText(/NdisMRegisterInterruptEx\(MiniportAdapterHandle=0x[0-9A-F]+, MiniportInterruptContext=0x[0-9A-F]+, MiniportInterruptCharacteristics=.*\) = NDIS_STATUS_SUCCESS/);
    await expect(call.locator('mark')).toHaveText('NdisMRegisterInterruptEx');
    await expect(page.getByTestId('console-match-count')).toHaveText('1 match');

    // A regular expression; then every line with the matches marked, and next/previous between them.
    await filter.fill('/NdisAllocate\\w+ = NDIS_STATUS_SUCCESS|NdisAllocateMemoryWithTagPriority\\(/');
    await expect(page.getByTestId('console-match-count')).toHaveText(/^\d+ matches$/);
    const matches = Number((await page.getByTestId('console-match-count').textContent())!.replace(/\D/g, ''));
    expect(matches).toBeGreaterThan(3);
    await expect(rows.first().locator('mark')).toHaveText(/^NdisAllocate/);
    await page.getByTestId('console-only-matching').uncheck();
    await filter.press('Enter');
    await expect(page.getByTestId('console-match-count')).toHaveText(`1 of ${matches} matches`);
    const current = ndis.locator('[data-testid="console-row"][aria-selected="true"]');
    await expect(current).toHaveCount(1);
    await expect(current.locator('mark')).toHaveCount(1);
    await expect(current).toContainText('NdisAllocate');
    await page.getByTestId('console-search-next').click();
    await expect(page.getByTestId('console-match-count')).toHaveText(`2 of ${matches} matches`);
    await page.getByTestId('console-search-prev').click();
    await page.getByTestId('console-search-prev').click();
    await expect(page.getByTestId('console-match-count')).toHaveText(`${matches} of ${matches} matches`);
    // A broken regular expression says what is wrong, and the window stays up.
    await filter.fill('/(Ndis/');
    await expect(page.getByTestId('console-query-error')).toContainText('Invalid regular expression');

    // The call's source line: a click opens its file at that line.
    await page.getByTestId('console-only-matching').check();
    await filter.fill('NdisMRegisterInterruptEx');
    const link = rows.first().getByTestId('source-link');
    const [file, line] = (await link.textContent())!.split(':') as [string, string];
    expect(fs.readFileSync(path.join(examples, 'labnic-miniport', file), 'utf8').split('\n')[Number(line) - 1]).toContain('NdisMRegisterInterruptEx');
    await link.click();
    await expectEditorAt(page, file, Number(line));
    await snapshot(page, testInfo, 'ndis-search');

    // The timeline: the adapter's states over virtual time, as bands of their colours.
    await filter.fill('');
    const timeline = page.getByTestId('timeline');
    await expect(timeline.getByTestId('timeline-lanes')).toHaveText(`adapter0: ${LIFE}`);
    const canvas = page.getByTestId('timeline-canvas');
    const adapterLane = await timelinePoint(canvas, 0.5, 16 + 9);
    await canvas.hover({ position: adapterLane });
    await expect(page.getByTestId('timeline-tooltip')).toHaveText(/^adapter0: Running, [\d.]+ ms – [\d.]+ ms$/);
    const pixel = await canvas.evaluate((el: HTMLCanvasElement, at) => {
      const ratio = window.devicePixelRatio || 1;
      return Array.from(el.getContext('2d')!.getImageData(Math.round(at.x * ratio), Math.round(at.y * ratio), 1, 1).data.slice(0, 3));
    }, adapterLane);
    expect(pixel).toEqual([0x4e, 0x9a, 0x06]);
    // A click finds the event that began the state, in the console shown, selected and in view.
    await canvas.click({ position: adapterLane });
    const selected = ndis.locator('[data-testid="console-row"][aria-selected="true"]');
    await expect(selected).toHaveCount(1);
    await expect(selected).toContainText('adapter adapter0: Restarting → Running');
    await expect(selected).toBeInViewport();
    // Interrupts and DMA hand-offs (ring tail writes) are marked; a click on one finds it in the hardware console.
    await page.getByTestId('console-tab-hardware').click();
    const hardware = page.getByTestId('console-hardware');
    await filter.fill('/write [TR]DT/');
    await hardware.getByTestId('console-row').first().click();
    const dmaTime = Number(/virtual time ([\d.]+) ms/.exec((await hardware.locator('[aria-selected="true"]').getAttribute('title'))!)![1]);
    const span = /– ([\d.]+) ms/.exec((await page.getByTestId('timeline-span').textContent())!)!;
    const dmaLane = await timelinePoint(canvas, dmaTime / Number(span[1]), 16 + 18 + 14 + 7);
    await filter.fill('');
    await canvas.click({ position: dmaLane });
    await expect(hardware.locator('[data-testid="console-row"][aria-selected="true"]')).toContainText(/write [TR]DT/);
    await snapshot(page, testInfo, 'timeline');
    expect(problems).toEqual([]);
  });

  test('run controls: a slow run paused, stepped one event, resumed and stopped; the status bar follows', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'virtual-miniport');
    for (const id of ['run-stop', 'run-pause']) await expect(page.getByTestId(id)).toBeDisabled();
    await expect(page.getByTestId('run-step')).toBeEnabled();
    await page.getByTestId('run-speed').selectOption('10');
    await page.getByTestId('run-button').click();
    const status = page.getByTestId('status-run');
    await expect(status).toHaveText(/^run-\d+ running$/, { timeout: 60_000 });
    await expect(page.getByTestId('run-progress')).toBeVisible();
    await expect(page.getByTestId('run-progress')).toContainText(/step \d+\/\d+/);
    const events = page.getByTestId('status-events');
    const count = async (): Promise<number> => Number((await events.textContent())!.replace(/\D/g, ''));
    await expect.poll(count, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);

    await page.getByTestId('run-pause').click();
    await expect(status).toHaveText(/^run-\d+ paused$/);
    await expect(page.getByTestId('run-pause')).toHaveText('Resume');
    // The events sent before the pause may still be on their way into the consoles.
    await page.waitForTimeout(400);
    const paused = await count();
    // Paused stays paused.
    await page.waitForTimeout(700);
    expect(await count()).toBe(paused);

    await page.getByTestId('run-step').click();
    await expect(events).toHaveText(`${(paused + 1).toLocaleString('en-US')} run events`);
    await expect(status).toHaveText(/^run-\d+ paused$/);
    await page.waitForTimeout(500);
    expect(await count()).toBe(paused + 1);

    await page.getByTestId('run-pause').click();
    await expect(status).toHaveText(/^run-\d+ running$/);
    await expect.poll(count).toBeGreaterThan(paused + 2);
    await snapshot(page, testInfo, 'slow-run');
    await page.getByTestId('run-stop').click();
    await expect(status).toHaveText(/^run-\d+ stopped$/);
    await expect(page.getByTestId('run-stop')).toBeDisabled();
    await expect(page.getByTestId('run-progress')).toHaveCount(0);

    // Step with no run going starts one, paused after its first event; each Step lets one more happen.
    await page.getByTestId('run-step').click();
    await expect(status).toHaveText(/^run-\d+ paused$/, { timeout: 60_000 });
    await expect(events).toHaveText('1 run event');
    await page.getByTestId('run-step').click();
    await expect(events).toHaveText('2 run events');
    await expect(status).toHaveText(/^run-\d+ paused$/);
    await page.getByTestId('run-stop').click();
    await expect(status).toHaveText(/^run-\d+ stopped$/);

    // Full speed again: the next run goes through at once.
    await page.getByTestId('run-speed').selectOption('0');
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText(`run clean: ${LIFE}`, { timeout: 60_000 });
    expect(problems).toEqual([]);
  });

  test('the findings console: a rule violation with its rule, explanation, documentation and line', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    const problems = watchForErrors(page);
    await openExample(page, webHost.url, 'rule-violations/HALT-TIMER');
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toContainText(/run (findings|bugcheck)/, { timeout: 60_000 });
    await expect(page.getByTestId('status-findings')).toHaveText(/^[1-9]\d* findings?$/);

    await page.getByTestId('console-tab-findings').click();
    const list = page.getByTestId('findings-list');
    const finding = list.locator('[data-testid="finding-row"][data-kind="finding"]').filter({ has: page.getByTestId('finding-rule').getByText('HALT-TIMER', { exact: true }) });
    await expect(finding).toHaveCount(1);
    // HALT-TIMER is a bug check (0x7C): the stop is listed too, with its code.
    const stop = list.locator('[data-testid="finding-row"][data-kind="bugcheck"]');
    await expect(stop).toHaveCount(1);
    await expect(stop.getByTestId('finding-message')).toContainText('BUG CHECK 0x0000007C');
    await expect(page.getByTestId('status-bugcheck')).toHaveText('bug check 0x0000007C');
    await expect(finding.getByTestId('finding-message')).not.toBeEmpty();
    await expect(finding.getByTestId('finding-severity')).toHaveText(/bugcheck|stop|api-fail|warn/);
    const doc = finding.getByTestId('finding-doc');
    await expect(doc).toHaveAttribute('href', /^https:\/\/learn\.microsoft\.com\//);
    await expect(doc).toHaveAttribute('target', '_blank');
    const source = fs.readFileSync(path.join(examples, 'rule-violations/HALT-TIMER/driver.c'), 'utf8').split('\n');
    const violation = source.findIndex((l) => l.includes('VIOLATION: HALT-TIMER')) + 1;
    await expect(finding.getByTestId('source-link')).toHaveText(`driver.c:${violation}`);
    await finding.getByTestId('source-link').click();
    await expectEditorAt(page, 'driver.c', violation);

    // The search box filters findings too.
    await page.getByTestId('console-filter').fill('no such rule');
    await expect(list.getByTestId('finding-row')).toHaveCount(0);
    await page.getByTestId('console-filter').fill('/^HALT-TIMER bugcheck /');
    await expect(list.getByTestId('finding-row')).toHaveCount(1);
    await page.getByTestId('console-filter').fill('');

    // Its mark on the timeline finds it again.
    const title = (await finding.getAttribute('title'))!;
    const findingTime = Number(/virtual time ([\d.]+) ms/.exec(title)![1]);
    const span = Number(/– ([\d.]+) ms/.exec((await page.getByTestId('timeline-span').textContent())!)![1]);
    const canvas = page.getByTestId('timeline-canvas');
    const findingsLane = await timelinePoint(canvas, findingTime / span, 16 + 18 + 14 + 14 + 7);
    await canvas.hover({ position: findingsLane });
    await expect(page.getByTestId('timeline-tooltip')).toContainText('findings');
    await page.getByTestId('console-tab-ndis').click();
    await canvas.click({ position: findingsLane });
    await expect(page.getByTestId('console-tab-findings')).toHaveClass(/active/);
    await expect(list.locator('[data-testid="finding-row"][aria-selected="true"]')).toHaveCount(1);
    await snapshot(page, testInfo, 'findings');
    expect(problems).toEqual([]);
  });
});
