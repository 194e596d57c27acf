import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../e2e/support/chromium';
import { DevToolsBrowser } from './devtools-browser';

const PAGE = `<!doctype html><title>t</title>
<input id="field" style="position:absolute;left:10px;top:10px;width:200px;height:20px">
<button id="button" style="position:absolute;left:10px;top:60px;width:100px;height:30px">go</button>
<script>
  window.clicks = [];
  window.keys = [];
  document.getElementById('button').addEventListener('click', (e) => window.clicks.push([e.clientX, e.clientY, e.isTrusted]));
  document.getElementById('field').addEventListener('keydown', (e) => window.keys.push(e.key + (e.ctrlKey ? '+ctrl' : '')));
</script>`;

const hasChromium = fs.existsSync(CHROMIUM_PATH);

// The ui bench's driver, against the real Chromium (CI installs it; without it there is nothing to drive).
describe.skipIf(!hasChromium)('the DevTools driver of the ui bench', () => {
  let browser: DevToolsBrowser;
  beforeAll(async () => {
    browser = await DevToolsBrowser.launch({ executablePath: CHROMIUM_PATH, args: chromiumLaunchOptions().args ?? [], viewport: { width: 640, height: 480 }, initScript: 'window.__early = document.readyState' });
    await browser.page.goto(`data:text/html,${encodeURIComponent(PAGE)}`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('runs the init script before the page, sizes the viewport, and evaluates expressions', async () => {
    const page = browser.page;
    expect(await page.evaluate('window.__early')).toBe('loading');
    // The window is as big as the viewport: what is drawn outside the window is never presented.
    expect(await page.evaluate('[innerWidth, innerHeight, outerWidth, outerHeight]')).toEqual([640, 480, 640, 480]);
    expect(await page.evaluate('Promise.resolve(6 * 7)')).toBe(42);
    await expect(page.evaluate('nope.nope')).rejects.toThrow(/nope is not defined/);
  });

  it('clicks and types with trusted input events, Control+A selecting the field', async () => {
    const page = browser.page;
    await page.click(60, 75);
    expect(await page.evaluate('window.clicks')).toEqual([[60, 75, true]]);
    await page.click(100, 20);
    for (const key of 'wire') await page.press(key);
    expect(await page.evaluate('document.getElementById("field").value')).toBe('wire');
    await page.press('Control+A');
    await page.press('Backspace');
    expect(await page.evaluate('document.getElementById("field").value')).toBe('');
    await page.insertText('ndis');
    expect(await page.evaluate('document.getElementById("field").value')).toBe('ndis');
    expect(await page.evaluate('window.keys')).toEqual(['w', 'i', 'r', 'e', 'Control+ctrl', 'a+ctrl', 'Backspace']);
    await expect(page.press('F13')).rejects.toThrow(/unknown key "F13"/);
  });

  it('waits for a condition, and says what it gave up on', async () => {
    const page = browser.page;
    await page.evaluate('setTimeout(() => { window.ready = true }, 100), 0');
    await page.waitFor('window.ready', 5000, 'ready');
    await expect(page.waitFor('window.never', 200, 'the never flag')).rejects.toThrow(/gave up waiting 0 s for the never flag/);
  });

  it('collects the page\'s uncaught exceptions', async () => {
    const page = browser.page;
    await page.evaluate('setTimeout(() => { throw new Error("boom in the page") }), 0');
    await page.waitFor('true', 1000, 'a task');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(page.errors.join('\n')).toContain('boom in the page');
  });

  it('records a trace of the renderer', async () => {
    await browser.startTracing(['toplevel']);
    await browser.page.click(60, 75);
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: Array<{ name: string; args?: { name?: string } }> };
    expect(trace.traceEvents.some((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')).toBe(true);
    expect(trace.traceEvents.some((e) => e.name === 'ThreadControllerImpl::RunTask')).toBe(true);
  });
});
