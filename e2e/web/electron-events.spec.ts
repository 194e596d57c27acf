import fs from 'node:fs';
import path from 'node:path';
import { EVENT_PORT_MESSAGE, PRELOAD_GLOBAL, WEB_SOCKET_PATH, WEB_TOKEN_PARAM } from '../../src-shared/contract';
import { screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

const driver = fs.readFileSync(path.resolve(import.meta.dirname, '../../src-main/engine/session/fixtures/minimal-miniport.c'), 'utf8');
const shot = screenshots('electron-events');

/**
 * The window as Electron runs it, in Chromium: no Electron binary can run here, so a stand-in for
 * the preload (src-main/preload/index.ts) gives the page the same bridge over the web host's
 * WebSocket. Requests are answered through `request`; the event frames (JSON text, as the main
 * process posts them) arrive on a MessagePort that `handOverEvents` posts to the page's window.
 * What is tested is the window's side: it hands that port to its event worker, which reads,
 * checks and describes the stream off the main thread, and routes the answers through the same checks.
 */
const STAND_IN_PRELOAD = `(() => {
  const token = new URL(location.href).searchParams.get(${JSON.stringify(WEB_TOKEN_PARAM)}) ?? '';
  const socket = new WebSocket(\`ws://\${location.host}${WEB_SOCKET_PATH}?${WEB_TOKEN_PARAM}=\${encodeURIComponent(token)}\`);
  const opened = new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const { port1, port2 } = new MessageChannel();
  const waiting = new Map();
  let hello;
  const stats = { eventFrames: 0, answers: 0, handedOver: false };
  socket.addEventListener('message', (e) => {
    const text = String(e.data);
    const frame = JSON.parse(text);
    if (frame.t === 'events') { stats.eventFrames++; port1.postMessage(text); return; }
    if (frame.t === 'result' && waiting.has(frame.id)) { stats.answers++; waiting.get(frame.id)(frame); waiting.delete(frame.id); return; }
    if ((frame.t === 'welcome' || frame.t === 'error') && hello) { stats.answers++; hello(frame); hello = undefined; return; }
    port1.postMessage(text);
  });
  window.__standInPreload = { stats, inject: (text) => port1.postMessage(text) };
  window[${JSON.stringify(PRELOAD_GLOBAL)}] = {
    request: async (frame) => {
      await opened;
      const answer = new Promise((resolve) => (frame.t === 'hello' ? (hello = resolve) : waiting.set(frame.id, resolve)));
      socket.send(JSON.stringify(frame));
      return answer;
    },
    onFrame: () => { throw new Error('the window should take the event port (handOverEvents), not listen here'); },
    handOverEvents: () => { stats.handedOver = true; window.postMessage(${JSON.stringify(EVENT_PORT_MESSAGE)}, '*', [port2]); },
  };
})()`;

test.describe('the Electron event path, with a stand-in preload', () => {
  test('the window hands the event port to its worker: a run streams in, the answers pass the same checks, a bad event is reported', async ({ page, webHost }, testInfo) => {
    test.setTimeout(180_000);
    const problems = watchForErrors(page);
    await page.addInitScript({ content: STAND_IN_PRELOAD });
    await page.goto(webHost.url);
    await expect(page.getByTestId('engine-info')).toContainText('(electron)', { timeout: 30_000 });
    await expect(page.getByTestId('toolchain-status')).toHaveText('compiler: ready', { timeout: 90_000 });
    expect(await page.evaluate(`window.__standInPreload.stats.handedOver`)).toBe(true);
    // The stream is read by a worker of the page, not on its main thread.
    expect(page.workers().some((w) => w.url().includes('socket.worker'))).toBe(true);

    const editor = page.getByTestId('editor');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(driver);
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-result')).toHaveText('run clean: Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted', { timeout: 60_000 });
    await expect(page.getByTestId('console-engine')).toContainText('run finished: clean');
    await expect(page.getByTestId('timeline')).toHaveAttribute('data-finished', 'true');
    const stats = (await page.evaluate(`window.__standInPreload.stats`)) as { eventFrames: number; answers: number };
    expect(stats.eventFrames).toBeGreaterThan(0);
    expect(stats.answers).toBeGreaterThan(2);
    await shot(page, testInfo, 'run');

    // A frame whose event breaks the contract: the worker reports which one and why, and the window stays up.
    await page.evaluate(`window.__standInPreload.inject(JSON.stringify({ t: 'events', events: [{ seq: 1, kind: 'run.events', runId: 'run-x', events: [{ kind: 'no.such.event', t: -1 }] }] }))`);
    await expect(page.getByTestId('engine-error')).toContainText('invalid event from the engine', { timeout: 10_000 });
    await expect(page.getByTestId('run-button')).toBeEnabled();
    await shot(page, testInfo, 'bad-event');
    expect(problems).toEqual([]);
  });
});
