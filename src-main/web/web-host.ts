import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WEB_SOCKET_PATH, WEB_TOKEN_PARAM, type ServerFrame } from '../../src-shared/contract';
import { frameText } from '../engine/event-text';
import type { LabServer } from '../engine/lab-server';
import { rendererCsp, securityHeaders } from '../security/csp';
import { contentTypeOf, resolveStaticFile } from '../security/static-files';

export interface WebHostOptions {
  server: LabServer;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Only loopback is allowed: the engine runs the user's code. */
  hostname?: '127.0.0.1' | 'localhost' | '::1';
  /** Fixed token for tests; normally a fresh random one per start. */
  token?: string;
  /** Largest frame a client may send, bytes. */
  maxFrameBytes?: number;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The WebSocket endpoint, token included. */
  readonly socketUrl: string;
  close(): Promise<void>;
}

/**
 * Serves the renderer and bridges the contract over WebSocket on loopback. A per-start random token
 * in the page URL is required by the socket, so other local pages cannot drive the engine.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const hostname = options.hostname ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const maxFrameBytes = options.maxFrameBytes ?? 32 * 1024 * 1024;
  let origin = '';

  const httpServer = http.createServer((req, res) => {
    void serveStatic(options.rendererDir, origin, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });

  httpServer.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const refuse = (status: 403 | 404, why: string): void => {
      const phrase = status === 403 ? 'Forbidden' : 'Not Found';
      socket.end(`HTTP/1.1 ${status} ${phrase}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);
    };
    if (url.pathname !== WEB_SOCKET_PATH) return refuse(404, `no WebSocket endpoint at ${url.pathname}`);
    if (!tokensMatch(url.searchParams.get(WEB_TOKEN_PARAM), token)) return refuse(403, 'missing or wrong token');
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return refuse(403, `origin ${requestOrigin} may not connect`);
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, options.server));
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, hostname, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const hostForUrl = hostname === '::1' ? '[::1]' : hostname;
  origin = `http://${hostForUrl}:${port}`;
  const query = `${WEB_TOKEN_PARAM}=${encodeURIComponent(token)}`;

  return {
    url: `${origin}/?${query}`,
    port,
    token,
    socketUrl: `ws://${hostForUrl}:${port}${WEB_SOCKET_PATH}?${query}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

function bridge(ws: WebSocket, server: LabServer): void {
  const send = (frame: ServerFrame): void => {
    if (ws.readyState === ws.OPEN) ws.send(frameText(frame));
  };
  const connection = server.connect(send);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      send({ t: 'error', error: { code: 'E_PROTOCOL', message: 'binary frames are not part of the contract; send JSON text' } });
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(rawToString(data));
    } catch (error) {
      send({ t: 'error', error: { code: 'E_PROTOCOL', message: `frame is not valid JSON: ${(error as Error).message}` } });
      return;
    }
    connection.receive(frame);
  });
  ws.on('close', () => connection.close());
  ws.on('error', () => connection.close());
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function serveStatic(root: string, origin: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const headers = securityHeaders(rendererCsp({ connect: ["'self'", origin.replace(/^http/, 'ws')] }));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = await resolveStaticFile(root, new URL(req.url ?? '/', origin).pathname);
  if (!file) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(file),
    'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'max-age=3600',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
