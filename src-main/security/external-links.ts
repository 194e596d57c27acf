/**
 * Links the window may open outside itself, in the user's browser: the documentation a finding
 * cites (the checker's rule catalog links to learn.microsoft.com). Nothing else leaves the window.
 */
const DOCUMENTATION_HOSTS = new Set(['learn.microsoft.com', 'docs.microsoft.com']);

/** Whether `url` is documentation the desktop window should hand to the system browser. */
export function isDocumentationUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && DOCUMENTATION_HOSTS.has(parsed.hostname) && parsed.username === '' && parsed.password === '' && (parsed.port === '' || parsed.port === '443');
}
