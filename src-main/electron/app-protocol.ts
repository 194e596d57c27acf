import { promises as fs } from 'node:fs';
import { protocol } from 'electron';
import { rendererCsp, securityHeaders } from '../security/csp';
import { contentTypeOf, resolveStaticFile } from '../security/static-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves the built renderer from `rendererDir` as app://renderer/…, with the CSP as a header. */
export function serveAppScheme(rendererDir: string): void {
  const headers = securityHeaders(rendererCsp({ connect: [] }));
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? await resolveStaticFile(rendererDir, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404, headers });
    const body = await fs.readFile(file);
    return new Response(new Uint8Array(body), { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(file) } });
  });
}
