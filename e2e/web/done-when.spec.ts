import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { RunResultData } from '../../src-shared/contract';
import { readSessionLog } from '../../src-shared/session/log-reader';
import { replayRuns } from '../../src-shared/session/replay';
import { artifacts, exportFile, openWindow, screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

/**
 * Issue #7's "Done when", end to end in Chromium against the web host: a reference driver from
 * an example, a compile error marked at its line, fixed, run, the adapter's states on the
 * timeline, a registry value and a hardware fault from the bench, a rule violation's finding
 * opened at its line, and the three exports read back and checked. A screenshot at each stage
 * goes to e2e/artifacts (kept by the run, attached to the report).
 */

const examples = path.resolve(import.meta.dirname, '../../resources/examples');
const LIFE = 'Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted';

const snapshot = screenshots('web-done-when');

/** The whole open file replaced by `text` (inserted as pasted: no auto-indent, no auto-close). */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The line numbers Monaco draws the error squiggles on (each squiggle matched to the line number beside it). */
async function errorMarkerLines(page: Page): Promise<number[]> {
  return page.getByTestId('editor').evaluate((root) => {
    const numbers = [...root.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({ line: Number(el.textContent), box: el.getBoundingClientRect() }));
    return [...root.querySelectorAll('.squiggly-error')].map((squiggle) => {
      const box = squiggle.getBoundingClientRect();
      const y = box.top + box.height / 2;
      return numbers.find((n) => y >= n.box.top && y <= n.box.bottom)?.line ?? -1;
    });
  });
}

/** Monaco's line number of the cursor, and the file tab shown. */
async function expectEditorAt(page: Page, file: string, line: number): Promise<void> {
  await expect(page.getByTestId('file-tab').and(page.locator('.active'))).toHaveText(file);
  await expect(page.getByTestId('editor').locator('.line-numbers.active-line-number')).toHaveText(String(line));
}

/** A pcap file's global header and records (libpcap format, little-endian, microseconds), read independently of the app's own reader. */
function parsePcap(bytes: Buffer): { linkType: number; records: { seconds: number; micros: number; captured: number; original: number; data: Buffer }[] } {
  expect(bytes.length).toBeGreaterThanOrEqual(24);
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect([bytes.readUInt16LE(4), bytes.readUInt16LE(6)]).toEqual([2, 4]);
  const linkType = bytes.readUInt32LE(20);
  const records = [];
  let at = 24;
  while (at < bytes.length) {
    expect(at + 16, 'a record header past the end of the file').toBeLessThanOrEqual(bytes.length);
    const captured = bytes.readUInt32LE(at + 8);
    const record = { seconds: bytes.readUInt32LE(at), micros: bytes.readUInt32LE(at + 4), captured, original: bytes.readUInt32LE(at + 12), data: bytes.subarray(at + 16, at + 16 + captured) };
    expect(record.data.length, 'a record cut short').toBe(captured);
    records.push(record);
    at += 16 + captured;
  }
  return { linkType, records };
}

test.describe('issue #7: done when', () => {
  test('reference driver: error marked at its line, fixed, run, timeline, registry and fault from the bench, a finding opened at its line, three exports verified', async ({ page, webHost }, testInfo) => {
    test.setTimeout(420_000);
    const problems = watchForErrors(page);
    await openWindow(page, webHost.url);

    // 1. New from example: the LabNIC reference miniport.
    await page.getByTestId('example-select').selectOption('labnic-miniport');
    await expect(page.getByTestId('project-example')).toHaveText('labnic-miniport');
    await expect(page.getByTestId('file-tab').and(page.locator('.active'))).toHaveText('miniport.c');
    await snapshot(page, testInfo, '1-example');

    // 2. An error: an identifier misspelt; Build marks it at that very line.
    const original = fs.readFileSync(path.join(examples, 'labnic-miniport/miniport.c'), 'utf8');
    const lines = original.split('\n');
    const broken = lines.findIndex((l) => l.trim() === 'return NDIS_STATUS_SUCCESS;');
    expect(broken).toBeGreaterThan(0);
    const errorLine = broken + 1;
    await replaceEditorText(page, lines.map((l, i) => (i === broken ? l.replace('NDIS_STATUS_SUCCESS', 'NDIS_STATUS_SUCESS') : l)).join('\n'));
    await page.getByTestId('build-button').click();
    await expect(page.getByTestId('build-status')).toContainText('build failed: 1 error(s)', { timeout: 60_000 });
    await expect(page.getByTestId('editor').locator('.squiggly-error').first()).toBeVisible();
    expect(await errorMarkerLines(page)).toEqual([errorLine]);
    await snapshot(page, testInfo, '2-error-marker');

    // 3. Fixed: the build is clean and the markers are gone.
    await replaceEditorText(page, original);
    await page.getByTestId('build-button').click();
    await expect(page.getByTestId('build-status')).toContainText('built: 0 error(s)', { timeout: 60_000 });
    await expect(page.getByTestId('editor').locator('.squiggly-error')).toHaveCount(0);

    // 4. A registry value from the bench: bench.json takes it (autosaved), the run's driver reads it.
    const editor = page.getByTestId('registry-editor');
    const receive = editor.getByTestId('registry-row').filter({ has: page.locator('[data-testid="registry-name"][value="ReceiveBuffers"]') });
    await expect(receive).toHaveCount(1);
    await receive.getByTestId('registry-value').fill('12x');
    await expect(editor.getByTestId('registry-problem')).toHaveText('a DWORD is 0 to 4294967295 (decimal or 0x hex)');
    await receive.getByTestId('registry-value').fill('0x80');
    await expect(editor.getByTestId('registry-problem')).toHaveCount(0);
    await expect(page.getByTestId('bench-config')).toContainText('ReceiveBuffers=128');
    await expect
      .poll(
        () => {
          const dir = path.join(webHost.workspace, '.ndis-lab', 'autosave');
          return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('"ReceiveBuffers":128'));
        },
        { timeout: 15_000 },
      )
      .toBe(true);

    // 5. Run: the adapter's whole life on the timeline, and the registry reads in the NDIS console.
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText(`run clean: ${LIFE}`, { timeout: 120_000 });
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toHaveAttribute('data-finished', 'true');
    await expect(page.getByTestId('timeline-lanes').locator('li', { hasText: /^adapter0:/ })).toHaveText(`adapter0: ${LIFE}`);
    await page.getByTestId('console-tab-ndis').click();
    await page.getByTestId('console-filter').fill('registry adapter0');
    const ndisRows = page.getByTestId('console-ndis').getByTestId('console-row');
    await expect(ndisRows.filter({ hasText: 'registry adapter0: ReceiveBuffers = 128' })).toHaveCount(1);
    await expect(ndisRows.filter({ hasText: 'registry adapter0: NetworkAddress not found' })).toHaveCount(1);
    await page.getByTestId('console-filter').fill('');
    await snapshot(page, testInfo, '3-run-timeline');

    // 6. A hardware fault toggled on the bench: a link flap while the adapter runs.
    await page.getByTestId('fault-toggle-link-flap').check();
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText(`run clean: ${LIFE}`, { timeout: 120_000 });
    await page.getByTestId('console-tab-ndis').click();
    await page.getByTestId('console-filter').fill('LINK_STATE');
    await expect(ndisRows.filter({ hasText: 'NDIS_STATUS_LINK_STATE — disconnected' })).toHaveCount(1);
    await page.getByTestId('console-filter').fill('');
    await snapshot(page, testInfo, '4-fault');

    // 7. A rule violation: its finding in the findings list; its line opens in the editor.
    await page.getByTestId('example-select').selectOption('rule-violations/HALT-TIMER');
    await expect(page.getByTestId('project-example')).toHaveText('rule-violations/HALT-TIMER');
    await page.getByTestId('run-button').click();
    // HALT-TIMER: halt returns with a timer still queued, a bug check (0x7C) at the line that set it.
    await expect(page.getByTestId('run-result')).toContainText('run bugcheck', { timeout: 120_000 });
    const source = fs.readFileSync(path.join(examples, 'rule-violations/HALT-TIMER/driver.c'), 'utf8').split('\n');
    const violation = source.findIndex((l) => l.includes('VIOLATION: HALT-TIMER')) + 1;
    await page.getByTestId('console-tab-findings').click();
    const finding = page.getByTestId('findings-list').locator('[data-testid="finding-row"][data-kind="finding"]').filter({ has: page.getByTestId('finding-rule').getByText('HALT-TIMER', { exact: true }) });
    await expect(finding).toHaveCount(1);
    await expect(finding.getByTestId('source-link')).toHaveText(`driver.c:${violation}`);
    await page.getByTestId('editor').click();
    await page.keyboard.press('Control+Home');
    await expectEditorAt(page, 'driver.c', 1);
    await finding.getByTestId('source-link').click();
    await expectEditorAt(page, 'driver.c', violation);
    await snapshot(page, testInfo, '5-finding');

    // 8. The three exports of that run, read back.
    const ndjson = await exportFile(page, 'ndjson', testInfo);
    const log = readSessionLog(fs.readFileSync(ndjson.file, 'utf8'), { source: ndjson.name });
    const live = log.end!.result as RunResultData;
    expect(live.result).toBe('bugcheck');
    expect(live.findings.map((f) => f.rule)).toContain('HALT-TIMER');
    const replayed = replayRuns(log.events);
    expect(replayed).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(replayed[0]!.result))).toEqual(live);
    await expect(page.getByTestId('run-result')).toContainText(live.adapters[0]!.history.join(' → '));

    const pcap = await exportFile(page, 'pcap', testInfo);
    const capture = parsePcap(fs.readFileSync(pcap.file));
    expect(capture.linkType).toBe(1);
    const frames = log.events.filter((e) => e.kind === 'wire.frame');
    expect(frames.length).toBeGreaterThan(0);
    expect(capture.records.length).toBe(frames.length);
    capture.records.forEach((record, i) => {
      const frame = frames[i]!;
      if (frame.kind !== 'wire.frame') throw new Error('not a frame');
      expect(record.original).toBe(frame.length);
      // Time stamps in virtual time (event time is in 100 ns ticks).
      expect(record.seconds * 1_000_000 + record.micros).toBe(Math.floor(frame.t / 10));
      expect(record.data.toString('base64')).toBe(frame.data);
    });

    const report = await exportFile(page, 'html', testInfo);
    const html = fs.readFileSync(report.file, 'utf8');
    expect(html).toContain('data-result="bugcheck"');
    expect(html).toContain('<span class="rule">HALT-TIMER</span>');
    expect(html).toContain(`driver.c:${violation}`);
    expect(html).not.toMatch(/\ssrc=|<link\b|url\(|@import/i);
    // Opened with every request refused, it shows the finding without fetching anything.
    const viewer = await page.context().newPage();
    const requests: string[] = [];
    await viewer.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    await viewer.setContent(html);
    await expect(viewer.locator('.finding[data-rule="HALT-TIMER"]')).toBeVisible();
    const shot = path.join(artifacts, 'web-done-when-6-report.png');
    await viewer.screenshot({ path: shot });
    await testInfo.attach('6-report', { path: shot, contentType: 'image/png' });
    expect(requests).toEqual([]);
    await viewer.close();
    expect(problems).toEqual([]);
  });
});
