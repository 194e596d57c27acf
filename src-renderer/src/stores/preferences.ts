import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { DEFAULT_LAYOUT, gridStyle, LAYOUT_KEY, parseLayout, serializeLayout, shareAt, type Layout } from '../window/layout';
import { monacoThemeOf, parseTheme, THEME_KEY, type Theme } from '../window/theme';

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: the preference lasts this session only.
  }
}

/** The window's theme and layout, kept in localStorage between sessions. */
export const usePreferencesStore = defineStore('preferences', () => {
  const theme = ref<Theme>(parseTheme(stored(THEME_KEY)));
  const layout = ref<Layout>(parseLayout(stored(LAYOUT_KEY)));

  const monacoTheme = computed(() => monacoThemeOf(theme.value));
  const grid = computed(() => gridStyle(layout.value));

  function applyTheme(value: Theme): void {
    if (typeof document !== 'undefined') document.documentElement.dataset['theme'] = value;
  }
  applyTheme(theme.value);

  watch(theme, (value) => {
    applyTheme(value);
    store(THEME_KEY, value);
  });
  watch(layout, (value) => store(LAYOUT_KEY, serializeLayout(value)), { deep: true });

  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark';
  }

  function togglePane(pane: 'bench' | 'consoles'): void {
    layout.value = { ...layout.value, [pane]: !layout.value[pane] };
  }

  /** A splitter moved: the editor column's width, or the top row's height, as a share. */
  function resize(which: 'editorWidth' | 'topHeight', position: number, size: number): void {
    layout.value = { ...layout.value, [which]: shareAt(position, size) };
  }

  function resetLayout(): void {
    layout.value = { ...DEFAULT_LAYOUT };
  }

  return { theme, layout, monacoTheme, grid, toggleTheme, togglePane, resize, resetLayout };
});
