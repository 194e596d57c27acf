import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LabClient, WebSocketTransport, type WebSocketLike } from '../../src-shared/rpc';
import { LabEngine } from '../engine/lab-engine';
import { LabServer } from '../engine/lab-server';
import { describeTransportConformance } from '../testing/transport-conformance';
import { startWebHost, type WebHost } from './web-host';

const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-renderer-'));
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>NDIS Lab</title>');
fs.writeFileSync(path.join(os.tmpdir(), 'ndis-lab-secret.txt'), 'secret');

describeTransportConformance('WebSocket', async (server) => {
  const host = await startWebHost({ server, rendererDir });
  const socket = new WebSocket(host.socketUrl);
  const transport = new WebSocketTransport(socket as unknown as WebSocketLike);
  const client = await LabClient.connect(transport);
  return {
    client,
    transport,
    sendRaw: (raw) => socket.send(JSON.stringify(raw)),
    sendText: (text) => socket.send(text),
    close: async () => {
      client.close();
      await host.close();
    },
  };
});

describe('web host', () => {
  let engine: LabEngine;
  let host: WebHost;
  beforeAll(async () => {
    engine = new LabEngine({ host: 'web', heartbeatMs: 0 });
    host = await startWebHost({ server: new LabServer(engine), rendererDir });
  });
  afterAll(async () => {
    await host.close();
    engine.dispose();
  });

  const upgradeStatus = (url: string, headers: Record<string, string> = {}): Promise<number> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url, { headers });
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => undefined);
    });

  it('listens on loopback only, with a random token per start', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const other = await startWebHost({ server: new LabServer(engine), rendererDir });
    expect(other.token).not.toBe(host.token);
    await other.close();
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another origin', async () => {
    const base = host.socketUrl.split('?')[0]!;
    expect(await upgradeStatus(base)).toBe(403);
    expect(await upgradeStatus(`${base}?token=not-the-token`)).toBe(403);
    expect(await upgradeStatus(host.socketUrl, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(host.socketUrl, { Origin: new URL(host.url).origin })).toBe(101);
  });

  it('serves the renderer with a strict CSP and never a file outside it', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('NDIS Lab');
    const origin = new URL(host.url).origin;
    for (const probe of ['/../ndis-lab-secret.txt', '/%2e%2e/ndis-lab-secret.txt', '/..%2fndis-lab-secret.txt', '/nope.js']) {
      const res = await fetch(origin + probe);
      expect(res.status, probe).toBe(404);
    }
    expect((await fetch(origin + '/', { method: 'POST' })).status).toBe(405);
  });

  it('refuses binary frames by saying what to send instead', async () => {
    const socket = new WebSocket(host.socketUrl);
    await new Promise((resolve) => socket.on('open', resolve));
    const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    socket.send(Buffer.from([1, 2, 3]));
    expect(JSON.parse(await reply)).toMatchObject({ t: 'error', error: { code: 'E_PROTOCOL', message: expect.stringContaining('JSON text') } });
    socket.close();
  });
});
