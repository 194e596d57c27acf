/** The window's colour theme, kept in localStorage; Monaco's theme follows it. */
export type Theme = 'dark' | 'light';

export const THEME_KEY = 'ndis-lab.theme';
export const DEFAULT_THEME: Theme = 'dark';

export function parseTheme(stored: string | null): Theme {
  return stored === 'light' || stored === 'dark' ? stored : DEFAULT_THEME;
}

export function monacoThemeOf(theme: Theme): 'vs' | 'vs-dark' {
  return theme === 'light' ? 'vs' : 'vs-dark';
}
