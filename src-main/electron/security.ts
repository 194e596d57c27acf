import { app, session, shell, type WebContents } from 'electron';
import { isDocumentationUrl } from '../security/external-links';

/**
 * The window may show only our renderer: no navigation, no new windows, no permissions, no webviews.
 * A finding's documentation link (target=_blank) opens in the system browser instead of a window.
 * Follows Electron's security checklist.
 */
export function hardenSessions(isAppUrl: (url: string) => boolean): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isDocumentationUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
