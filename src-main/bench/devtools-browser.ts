import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';

/**
 * Chromium driven over the DevTools protocol with nothing else attached, for the ui bench.
 *
 * Why not Playwright there: Playwright attaches to every worker of a page and enables the Network
 * domain in it, so Chromium copies each WebSocket frame the window's event worker receives into a
 * DevTools event (a million events: about 250 MB of escaped JSON), the browser process sends it
 * down the DevTools pipe and Playwright's Node process parses it. On a 2-CPU machine that is CPU a
 * user of the window never pays, taken from the window being measured. This driver enables only
 * Page, Runtime (for page errors) and Input on the page, and Tracing when asked, so the window runs
 * as it would for a user. Inputs are real input events (Input.dispatchMouseEvent and
 * Input.dispatchKeyEvent go through the browser's input routing, as the OS's would).
 */

/** A failed DevTools command: its method and Chromium's message. */
export class DevToolsError extends Error {}

interface Pending {
  method: string;
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

type Listener = (method: string, params: Record<string, unknown>, sessionId: string | undefined) => void;

/** One WebSocket to the browser, commands to it or to a page's session (flat sessions). */
class Connection {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<Listener>();
  private closedReason: string | undefined;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('close', () => this.fail('the DevTools connection closed'));
    socket.on('error', (error) => this.fail(`the DevTools connection failed: ${error.message}`));
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    if (this.closedReason) return Promise.reject(new DevToolsError(`${method}: ${this.closedReason}`));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (result: Record<string, unknown>) => void, reject });
      this.socket.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next event `method` (of `sessionId`'s target, when given). */
  once(method: string, sessionId?: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const off = this.on((m, params, s) => {
        if (m !== method || (sessionId !== undefined && s !== sessionId)) return;
        off();
        resolve(params);
      });
    });
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
    if (message.id !== undefined) {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new DevToolsError(`${waiting.method}: ${message.error.message}`));
      else waiting.resolve(message.result ?? {});
      return;
    }
    if (message.method) for (const listener of [...this.listeners]) listener(message.method, message.params ?? {}, message.sessionId);
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    for (const waiting of this.pending.values()) waiting.reject(new DevToolsError(`${waiting.method}: ${reason}`));
    this.pending.clear();
  }
}

/** What a key press sends: the DOM key, its code and Windows virtual key code, and the text it types. */
interface KeyDefinition {
  key: string;
  code: string;
  keyCode: number;
  text?: string;
}

const NAMED_KEYS: Record<string, KeyDefinition> = {
  Backspace: { key: 'Backspace', code: 'Backspace', keyCode: 8 },
  Enter: { key: 'Enter', code: 'Enter', keyCode: 13, text: '\r' },
  Escape: { key: 'Escape', code: 'Escape', keyCode: 27 },
  Control: { key: 'Control', code: 'ControlLeft', keyCode: 17 },
};

/** A key by name ('Backspace') or a single printable ASCII character. */
function keyDefinition(name: string): KeyDefinition {
  const named = NAMED_KEYS[name];
  if (named) return named;
  if (name.length !== 1 || name < ' ' || name > '~') throw new Error(`unknown key "${name}": a named key (${Object.keys(NAMED_KEYS).join(', ')}) or one printable ASCII character`);
  const upper = name.toUpperCase();
  const code = /[A-Z]/.test(upper) ? `Key${upper}` : /[0-9]/.test(name) ? `Digit${name}` : name === ' ' ? 'Space' : '';
  return { key: name, code, keyCode: /[A-Z0-9 ]/.test(upper) ? upper.charCodeAt(0) : 0, text: name };
}

/** The DevTools modifier bit of Control. */
const CONTROL = 2;

/** A page (tab) of the browser: its own DevTools session. */
export class DevToolsPage {
  /** Uncaught exceptions in the page, as messages. */
  readonly errors: string[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly sessionId: string,
  ) {
    connection.on((method, params, session) => {
      if (session !== sessionId || method !== 'Runtime.exceptionThrown') return;
      const details = params['exceptionDetails'] as { text?: string; exception?: { description?: string } } | undefined;
      this.errors.push(details?.exception?.description ?? details?.text ?? 'an exception');
    });
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.connection.send<T>(method, params, this.sessionId);
  }

  /** Loads `url` and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = this.connection.once('Page.loadEventFired', this.sessionId);
    const result = await this.send<{ errorText?: string }>('Page.navigate', { url });
    if (result.errorText) throw new DevToolsError(`could not open ${url}: ${result.errorText}`);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise); an exception is thrown here. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send<{ result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (result.exceptionDetails) throw new DevToolsError(`${expression.slice(0, 120)}: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text ?? 'threw'}`);
    return result.result.value as T;
  }

  /** Waits until `expression` is truthy in the page, checking every 50 ms. */
  async waitFor(expression: string, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (performance.now() > deadline) throw new DevToolsError(`gave up waiting ${Math.round(timeoutMs / 1000)} s for ${what}`);
      await sleep(50);
    }
  }

  /** A left click at (x, y) of the viewport: the pointer moves there, presses and releases. */
  async click(x: number, y: number): Promise<void> {
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y, button: 'none', buttons: 0 });
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 });
  }

  /** Presses and releases a key: 'a', 'Backspace', or with Control held, 'Control+a'. */
  async press(keys: string): Promise<void> {
    const parts = keys.length > 1 && keys.includes('+') ? keys.split('+') : [keys];
    const name = parts.pop()!;
    const held = parts.map((part) => {
      if (part !== 'Control') throw new Error(`unknown modifier "${part}" in "${keys}": only Control`);
      return keyDefinition(part);
    });
    const modifiers = held.length ? CONTROL : 0;
    // With Control held a letter is its lower-case key (Control+A is the key 'a' with the modifier).
    const key = keyDefinition(held.length ? name.toLowerCase() : name);
    const event = (type: string, def: KeyDefinition, mods: number, text?: string): Record<string, unknown> => ({
      type,
      key: def.key,
      code: def.code,
      windowsVirtualKeyCode: def.keyCode,
      nativeVirtualKeyCode: def.keyCode,
      modifiers: mods,
      ...(text !== undefined ? { text, unmodifiedText: text } : {}),
    });
    for (const def of held) await this.send('Input.dispatchKeyEvent', event('rawKeyDown', def, modifiers));
    // A key that types (and no Control held) is a keyDown with its text; any other a rawKeyDown.
    const types = key.text !== undefined && modifiers === 0;
    await this.send('Input.dispatchKeyEvent', event(types ? 'keyDown' : 'rawKeyDown', key, modifiers, types ? key.text : undefined));
    await this.send('Input.dispatchKeyEvent', event('keyUp', key, modifiers));
    for (const def of held.reverse()) await this.send('Input.dispatchKeyEvent', event('keyUp', def, 0));
  }

  /** Types `text` into the focused element at once, as an input method would (one input event). */
  async insertText(text: string): Promise<void> {
    await this.send('Input.insertText', { text });
  }
}

export interface DevToolsLaunchOptions {
  executablePath: string;
  /** Chromium's switches besides the ones this driver adds (headless, the DevTools port, a fresh profile). */
  args: readonly string[];
  viewport: { width: number; height: number };
  /** Runs in every document of the page before its own scripts. */
  initScript?: string;
}

/** A headless Chromium of its own, with one page, driven over the DevTools protocol alone. */
export class DevToolsBrowser {
  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: Connection,
    private readonly profileDir: string,
    readonly page: DevToolsPage,
  ) {}

  static async launch(options: DevToolsLaunchOptions): Promise<DevToolsBrowser> {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-devtools-'));
    const args = [
      ...options.args,
      '--headless',
      // The window as big as the viewport: Chromium shows (and reports as presented) only what is inside it.
      `--window-size=${options.viewport.width},${options.viewport.height}`,
      '--remote-debugging-port=0',
      `--user-data-dir=${profileDir}`,
      // The page is the one in front: its timers and frames are never held back as a background tab's.
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      '--disable-renderer-backgrounding',
      '--hide-scrollbars',
      '--mute-audio',
      'about:blank',
    ];
    const child = spawn(options.executablePath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const endpoint = await devToolsEndpoint(child, 60_000);
      const socket = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 1 << 30 });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const connection = new Connection(socket);
      const { targetId } = await connection.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await connection.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      const page = new DevToolsPage(connection, sessionId);
      await page.send('Page.enable');
      await page.send('Runtime.enable');
      await page.send('Emulation.setDeviceMetricsOverride', { width: options.viewport.width, height: options.viewport.height, deviceScaleFactor: 1, mobile: false });
      if (options.initScript) await page.send('Page.addScriptToEvaluateOnNewDocument', { source: options.initScript });
      return new DevToolsBrowser(child, connection, profileDir, page);
    } catch (error) {
      const gone = exited(child);
      child.kill('SIGKILL');
      await gone;
      fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 3 });
      throw error;
    }
  }

  /** Starts recording a trace of every process (Chromium's trace event categories). */
  async startTracing(categories: readonly string[]): Promise<void> {
    await this.connection.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: [...categories], recordMode: 'recordAsMuchAsPossible' } });
  }

  /** Stops the trace and reads it: Chromium's JSON trace format. */
  async stopTracing(): Promise<Buffer> {
    const complete = this.connection.once('Tracing.tracingComplete');
    await this.connection.send('Tracing.end');
    const { stream } = (await complete) as { stream?: string };
    if (!stream) throw new DevToolsError('Tracing.end: the trace came back without a stream');
    const chunks: Buffer[] = [];
    for (;;) {
      const read = await this.connection.send<{ data: string; eof: boolean; base64Encoded?: boolean }>('IO.read', { handle: stream, size: 1 << 22 });
      chunks.push(Buffer.from(read.data, read.base64Encoded ? 'base64' : 'utf8'));
      if (read.eof) break;
    }
    await this.connection.send('IO.close', { handle: stream });
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    const gone = exited(this.child);
    await this.connection.send('Browser.close').catch(() => undefined);
    this.connection.close();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    fs.rmSync(this.profileDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Resolves once `child` has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The browser's DevTools WebSocket address, from the line Chromium prints on stderr when it listens. */
function devToolsEndpoint(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new DevToolsError(`Chromium did not open its DevTools port within ${timeoutMs / 1000} s; it printed: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match) done(undefined, match[1]);
    };
    const onExit = (code: number | null, signal: string | null): void => done(new DevToolsError(`Chromium exited (${signal ?? `code ${code}`}) before it opened its DevTools port; it printed: ${seen.slice(-500)}`));
    const onError = (error: Error): void => done(new DevToolsError(`Chromium did not start: ${error.message}`));
    function done(error: Error | undefined, endpoint?: string): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Chromium goes on writing to stderr: keep reading it so that it never blocks on a full pipe.
      child.stderr?.resume();
      if (error) reject(error);
      else resolve(endpoint!);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
