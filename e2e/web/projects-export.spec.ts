import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { RunResultData } from '../../src-shared/contract';
import { readSessionLog } from '../../src-shared/session/log-reader';
import { replayRuns } from '../../src-shared/session/replay';
import { readPcap } from '../../src-main/engine/session/pcap';
import { artifacts, exportFile, openWindow, screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

const snapshot = screenshots('web-projects');

async function newProject(page: Page, name: string, template: string): Promise<void> {
  await page.getByTestId('project-new').click();
  const dialog = page.getByTestId('project-dialog');
  await expect(dialog).toHaveAttribute('data-mode', 'new');
  await dialog.getByTestId('project-template').selectOption(template);
  await dialog.getByTestId('project-name-input').fill(name);
  await dialog.getByTestId('project-dialog-ok').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('project-name')).toHaveText(name);
}

/** The end of the open file, in view (Monaco draws only the lines in view). */
async function editorEnd(page: Page) {
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+End');
  return page.getByTestId('editor');
}

async function appendToEditor(page: Page, text: string): Promise<void> {
  await page.getByTestId('editor').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(text);
}

test.describe('projects on disk, autosave, export and import', () => {
  test('a new project from a reference driver, saved, reopened from the recent list; unsaved edits survive a reload', async ({ page, webHost }, testInfo) => {
    test.setTimeout(120_000);
    const problems = watchForErrors(page);
    await page.goto(webHost.url);
    await expect(page.getByTestId('engine-state')).toContainText('connected');

    // The name is checked as it is typed; then the example's folder is copied into the workspace.
    await page.getByTestId('project-new').click();
    await page.getByTestId('project-name-input').fill('../escape');
    await expect(page.getByTestId('project-name-problem')).toHaveText('a project name may not contain ".."');
    await expect(page.getByTestId('project-dialog-ok')).toBeDisabled();
    await page.getByTestId('project-dialog-cancel').click();
    await newProject(page, 'vm-project', 'virtual-miniport');
    const folder = path.join(webHost.workspace, 'vm-project');
    const example = path.resolve(import.meta.dirname, '../../resources/examples/virtual-miniport');
    expect(fs.readdirSync(folder).sort()).toEqual(fs.readdirSync(example).sort());
    await expect(page.getByTestId('file-tab')).toHaveText(['adapter.c', 'datapath.c', 'miniport.c', 'oid.c', 'driver.h']);
    await expect(page.getByTestId('project-dirty')).toHaveCount(0);

    // Edit, Ctrl+S: the edit is in the file on disk.
    await appendToEditor(page, '\n/* saved edit */\n');
    await expect(page.getByTestId('project-dirty')).toBeVisible();
    await page.keyboard.press('Control+S');
    await expect(page.getByTestId('project-notice')).toContainText('Saved vm-project');
    await expect(page.getByTestId('project-dirty')).toHaveCount(0);
    const active = (await page.getByTestId('file-tab').and(page.locator('.active')).textContent())!.trim();
    expect(fs.readFileSync(path.join(folder, active), 'utf8')).toContain('/* saved edit */');

    // Another project, then back to the first through the recent list.
    await newProject(page, 'nic-project', 'labnic-miniport');
    await expect(page.getByTestId('file-tab')).toHaveText(['adapter.c', 'datapath.c', 'hardware.c', 'interrupt.c', 'miniport.c', 'oid.c', 'driver.h']);
    const recent = page.getByTestId('project-recent');
    await expect(recent.locator('option[value="vm-project"]')).toHaveCount(1);
    await recent.selectOption('vm-project');
    await expect(page.getByTestId('project-name')).toHaveText('vm-project');
    await page.getByTestId('file-tab').filter({ hasText: active }).click();
    await expect(await editorEnd(page)).toContainText('/* saved edit */');

    // An edit not saved: autosaved within seconds; the page reloads (as after a crash) and it comes back.
    await appendToEditor(page, '\n/* unsaved edit */\n');
    await expect(page.getByTestId('project-dirty')).toBeVisible();
    await expect
      .poll(() => fs.readdirSync(path.join(webHost.workspace, '.ndis-lab', 'autosave')).some((f) => fs.readFileSync(path.join(webHost.workspace, '.ndis-lab', 'autosave', f), 'utf8').includes('unsaved edit')), { timeout: 10_000 })
      .toBe(true);
    await page.reload();
    await expect(page.getByTestId('autosave-restored')).toContainText('Unsaved edits restored for vm-project');
    await expect(page.getByTestId('project-name')).toHaveText('vm-project');
    await expect(page.getByTestId('project-dirty')).toBeVisible();
    await page.getByTestId('file-tab').filter({ hasText: active }).click();
    await expect(await editorEnd(page)).toContainText('/* unsaved edit */');
    expect(fs.readFileSync(path.join(folder, active), 'utf8')).not.toContain('/* unsaved edit */');
    await snapshot(page, testInfo, 'autosave-restored');

    // Discarding them goes back to the saved project.
    await page.getByTestId('autosave-discard').click();
    await expect(page.getByTestId('autosave-restored')).toHaveCount(0);
    await expect(await editorEnd(page)).toContainText('/* saved edit */');
    await expect(page.getByTestId('editor')).not.toContainText('/* unsaved edit */');
    await expect(page.getByTestId('project-dirty')).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('a LabNIC traffic run: F5 and Shift+F5, the three exports verified, and the NDJSON imported back read-only', async ({ page, webHost }, testInfo) => {
    test.setTimeout(420_000);
    const problems = watchForErrors(page);
    await openWindow(page, webHost.url);
    await newProject(page, 'nic-traffic', 'labnic-miniport');
    await page.getByTestId('scenario-select').selectOption('traffic');
    for (const format of ['ndjson', 'pcap', 'html']) await expect(page.getByTestId(`export-${format}`)).toBeDisabled();

    // F5 runs, Shift+F5 stops; the stopped run exports with its end.
    await page.locator('body').press('F5');
    await expect(page.getByTestId('run-state')).toHaveText('running', { timeout: 60_000 });
    await page.locator('body').press('Shift+F5');
    await expect(page.getByTestId('run-state')).toHaveText('stopped', { timeout: 30_000 });
    const stopped = await exportFile(page, 'ndjson', testInfo);
    expect(readSessionLog(fs.readFileSync(stopped.file, 'utf8')).end).toMatchObject({ state: 'stopped', reason: 'stopped on request' });

    // The whole run.
    await page.getByTestId('editor').click();
    await page.keyboard.press('F5');
    const runResult = page.getByTestId('run-result');
    await expect(runResult).toHaveText('run clean: Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted', { timeout: 180_000 });
    const liveResultText = await runResult.textContent();

    // NDJSON: a valid log of the run, with the project's sources, that replays to the engine's result.
    const ndjson = await exportFile(page, 'ndjson', testInfo);
    expect(ndjson.name).toMatch(/^nic-traffic-run-\d+\.ndjson$/);
    const log = readSessionLog(fs.readFileSync(ndjson.file, 'utf8'), { source: ndjson.name });
    expect(Object.keys(log.header.files ?? {}).sort()).toEqual(['adapter.c', 'datapath.c', 'driver.h', 'hardware.c', 'interrupt.c', 'miniport.c', 'oid.c']);
    expect(log.header.scenarioSpec?.name).toBe('traffic');
    const live = log.end!.result as RunResultData;
    expect(live.result).toBe('clean');
    expect(JSON.parse(JSON.stringify(replayRuns(log.events)[0]!.result))).toEqual(live);

    // pcap: parses, and holds every frame of the wire in order (10,000 each way).
    const pcap = await exportFile(page, 'pcap', testInfo);
    const capture = readPcap(fs.readFileSync(pcap.file));
    expect(capture.linkType).toBe(1);
    const frames = log.events.filter((e) => e.kind === 'wire.frame');
    expect(frames.filter((f) => f.kind === 'wire.frame' && f.direction === 'rx').length).toBeGreaterThanOrEqual(10_000);
    expect(frames.filter((f) => f.kind === 'wire.frame' && f.direction === 'tx').length).toBeGreaterThanOrEqual(10_000);
    expect(capture.records.length).toBe(frames.length);
    capture.records.forEach((record, i) => {
      const frame = frames[i]!;
      if (frame.kind !== 'wire.frame') throw new Error('not a frame');
      expect(record.frame.length).toBe(frame.length);
      expect(record.frame.toString('base64')).toBe(frame.data);
    });

    // HTML report: the summary and the sources, nothing loaded from anywhere.
    const report = await exportFile(page, 'html', testInfo);
    const html = fs.readFileSync(report.file, 'utf8');
    expect(html).toContain('data-result="clean"');
    expect(html).toContain(live.adapters[0]!.history.join(' → '));
    expect(html).not.toMatch(/\ssrc=|<link\b|url\(|@import/i);

    // Import the NDJSON: read-only, the same result and adapter states as the live run.
    await page.getByTestId('import-ndjson').setInputFiles(ndjson.file);
    const banner = page.getByTestId('replay-banner');
    await expect(banner).toContainText(`Read-only replay of ${ndjson.name}`, { timeout: 60_000 });
    await expect(page.getByTestId('replay-verdict')).toHaveAttribute('data-verdict', 'matches');
    await expect(page.getByTestId('run-result')).toHaveText(liveResultText!);
    await expect(page.getByTestId('replay-adapter')).toHaveText(live.adapters.map((a) => `${a.name}: ${a.history.join(' → ')}`));
    await expect(page.getByTestId('replay-finding')).toHaveCount(0);
    await expect(page.getByTestId('run-button')).toBeDisabled();
    for (const format of ['ndjson', 'pcap', 'html']) await expect(page.getByTestId(`export-${format}`)).toBeDisabled();
    // The hardware panel shows the replayed LabNIC.
    await expect(page.getByTestId('region-bench')).toContainText('labnic');
    // F5 does nothing in a replay, and the editor takes no typing.
    await page.getByTestId('editor').click();
    await page.keyboard.press('F5');
    await page.keyboard.insertText('TYPED-IN-REPLAY');
    await expect(page.getByTestId('editor')).not.toContainText('TYPED-IN-REPLAY');
    await expect(page.getByTestId('run-result')).toHaveText(liveResultText!);
    await snapshot(page, testInfo, 'replay');
    await page.getByTestId('replay-close').click();
    await expect(banner).toHaveCount(0);
    await expect(page.getByTestId('run-button')).toBeEnabled();
    await expect(page.getByTestId('project-name')).toHaveText('nic-traffic');
    expect(problems).toEqual([]);
  });

  test('a rule violation: Ctrl+B builds; the report has the finding and its source; the import has the same findings; a damaged log is refused with its line', async ({ page, browser, webHost }, testInfo) => {
    test.setTimeout(240_000);
    await page.goto(webHost.url);
    await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 90_000 });
    await page.getByTestId('example-select').selectOption('rule-violations/INIT-ATTR-GEN-ORDER');
    await expect(page.getByTestId('file-tab')).toHaveText(['driver.c']);

    await page.getByTestId('editor').click();
    await page.keyboard.press('Control+B');
    await expect(page.getByTestId('build-status')).toContainText('built: 0 error(s)', { timeout: 60_000 });
    await page.keyboard.press('F5');
    await expect(page.getByTestId('run-result')).toContainText('run findings', { timeout: 60_000 });
    const liveResultText = await page.getByTestId('run-result').textContent();

    const ndjson = await exportFile(page, 'ndjson', testInfo);
    expect(ndjson.name).toMatch(/^rule-violations-INIT-ATTR-GEN-ORDER-run-\d+\.ndjson$/);
    const log = readSessionLog(fs.readFileSync(ndjson.file, 'utf8'));
    const live = log.end!.result as RunResultData;
    const leak = live.findings.find((f) => f.rule === 'INIT-ATTR-GEN-ORDER')!;
    expect(leak.file).toBe('driver.c');
    const source = log.header.files!['driver.c']!;
    expect(source.split('\n')[leak.line! - 1]).toContain('VIOLATION: INIT-ATTR-GEN-ORDER');

    // The report: the finding with its rule, explanation, doc link and the line around it; opened
    // in the browser with every request refused, it shows everything without fetching anything.
    const report = await exportFile(page, 'html', testInfo);
    const html = fs.readFileSync(report.file, 'utf8');
    expect(html).toContain('<span class="rule">INIT-ATTR-GEN-ORDER</span>');
    expect(html).toContain(`<a class="loc" href="#src-0-${leak.line}">driver.c:${leak.line}</a>`);
    expect(html).toContain(`<tr class="hit"><td class="ln">${leak.line}</td>`);
    expect(html).toContain(`<a href="${leak.doc}"`);
    expect(html).toContain(`<tr id="src-0-${source.split('\n').length - 1}">`);
    const viewer = await browser.newPage();
    const requests: string[] = [];
    await viewer.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    await viewer.setContent(html);
    await expect(viewer.locator('.finding[data-rule="INIT-ATTR-GEN-ORDER"]')).toBeVisible();
    await expect(viewer.locator('svg.timeline rect').first()).toBeVisible();
    await viewer.locator(`a.loc[href="#src-0-${leak.line}"]`).first().click();
    await expect(viewer.locator(`tr#src-0-${leak.line}`)).toBeInViewport();
    const shot = path.join(artifacts, 'web-projects-report.png');
    await viewer.screenshot({ path: shot });
    await testInfo.attach('report', { path: shot, contentType: 'image/png' });
    expect(requests).toEqual([]);
    await viewer.close();

    // Import: the same findings, at the same lines, as the engine reported for the live run.
    await page.getByTestId('import-ndjson').setInputFiles(ndjson.file);
    await expect(page.getByTestId('replay-banner')).toContainText(`Read-only replay of ${ndjson.name}`);
    await expect(page.getByTestId('replay-verdict')).toHaveAttribute('data-verdict', 'matches');
    await expect(page.getByTestId('replay-finding')).toHaveText(live.findings.map((f) => `${f.rule} (${f.severity})${f.file ? ` ${f.file}:${f.line}` : ''}: ${f.message}`));
    await expect(page.getByTestId('run-result')).toHaveText(liveResultText!);
    await page.getByTestId('replay-close').click();

    // A damaged log: refused, naming the line; nothing changes.
    const lines = fs.readFileSync(ndjson.file, 'utf8').split('\n');
    const bad = Math.floor(lines.length / 2);
    expect(lines[bad]).toMatch(new RegExp(`^\\{"seq":${bad},"kind":"`));
    lines[bad] = lines[bad]!.replace('"kind":"', '"kind":"no.such.');
    const damaged = testInfo.outputPath('damaged.ndjson');
    fs.writeFileSync(damaged, lines.join('\n'));
    await page.getByTestId('import-ndjson').setInputFiles(damaged);
    await expect(page.getByTestId('import-error')).toContainText(new RegExp(`^Import refused: damaged\\.ndjson, line ${bad + 1}: event ${bad} is of an unknown kind "no\\.such\\.`));
    await expect(page.getByTestId('replay-banner')).toHaveCount(0);
    await expect(page.getByTestId('run-button')).toBeEnabled();
    const notALog = testInfo.outputPath('notes.ndjson');
    fs.writeFileSync(notALog, '{"hello": "world"}\n');
    await page.getByTestId('import-ndjson').setInputFiles(notALog);
    await expect(page.getByTestId('import-error')).toContainText('notes.ndjson, line 1: not an NDIS Lab session log');
  });

  test('the theme and the layout persist across a reload; Monaco follows the theme', async ({ page, webHost }, testInfo) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(webHost.url);
    await expect(page.getByTestId('engine-state')).toContainText('connected');
    const html = page.locator('html');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(page.locator('.monaco-editor').first()).toHaveClass(/vs-dark/);
    const darkBackground = await page.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
    await page.getByTestId('theme-toggle').click();
    await expect(html).toHaveAttribute('data-theme', 'light');
    await expect(page.locator('.monaco-editor').first()).not.toHaveClass(/vs-dark/);
    expect(await page.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor)).not.toBe(darkBackground);

    // Drag the editor/bench border to 40 % of the width; hide the consoles.
    const regions = (await page.locator('main.regions').boundingBox())!;
    const splitter = page.getByTestId('splitter-editor-bench');
    const handle = (await splitter.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + 20);
    await page.mouse.down();
    await page.mouse.move(regions.x + regions.width * 0.4, handle.y + 20, { steps: 5 });
    await page.mouse.up();
    const editorWidth = (await page.getByTestId('region-editor').boundingBox())!.width;
    expect(Math.abs(editorWidth / regions.width - 0.4)).toBeLessThan(0.02);
    await page.getByTestId('toggle-consoles').click();
    await expect(page.getByTestId('region-consoles')).toBeHidden();

    await page.reload();
    await expect(page.getByTestId('engine-state')).toContainText('connected');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await expect(page.locator('.monaco-editor').first()).toHaveClass(/\bvs\b/);
    await expect(page.getByTestId('region-consoles')).toBeHidden();
    await expect(page.getByTestId('toggle-consoles')).toHaveAttribute('aria-pressed', 'false');
    const after = (await page.getByTestId('region-editor').boundingBox())!.width;
    expect(Math.abs(after / (await page.locator('main.regions').boundingBox())!.width - 0.4)).toBeLessThan(0.02);
    await snapshot(page, testInfo, 'light-theme');

    await page.getByTestId('layout-reset').click();
    await expect(page.getByTestId('region-consoles')).toBeVisible();
    await page.getByTestId('theme-toggle').click();
    await expect(html).toHaveAttribute('data-theme', 'dark');
  });
});
