/**
 * The window's keyboard shortcuts. Ctrl on Windows and Linux, ⌘ on macOS (either is accepted).
 * Pure: which command a key press means; the window acts on it (stores/shortcuts.ts installs it).
 */
export type ShortcutCommand = 'build' | 'run' | 'stop' | 'save' | 'saveAs' | 'open';

export interface Shortcut {
  command: ShortcutCommand;
  /** KeyboardEvent.key, lower case for letters. */
  key: string;
  mod: boolean;
  shift: boolean;
  /** What the menus and tooltips show. */
  label: string;
  description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { command: 'build', key: 'b', mod: true, shift: false, label: 'Ctrl+B', description: 'Build the driver' },
  { command: 'run', key: 'F5', mod: false, shift: false, label: 'F5', description: 'Run the driver through the scenario' },
  { command: 'stop', key: 'F5', mod: false, shift: true, label: 'Shift+F5', description: 'Stop the run' },
  { command: 'save', key: 's', mod: true, shift: false, label: 'Ctrl+S', description: 'Save the project' },
  { command: 'saveAs', key: 's', mod: true, shift: true, label: 'Ctrl+Shift+S', description: 'Save the project as…' },
  { command: 'open', key: 'o', mod: true, shift: false, label: 'Ctrl+O', description: 'Open a project' },
];

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The command a key press means, if any. */
export function shortcutFor(event: KeyPress): ShortcutCommand | undefined {
  if (event.altKey) return undefined;
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  return SHORTCUTS.find((s) => s.key === key && s.mod === mod && s.shift === event.shiftKey)?.command;
}

export function labelOf(command: ShortcutCommand): string {
  return SHORTCUTS.find((s) => s.command === command)?.label ?? '';
}
