/**
 * The window's layout: how the three regions share it (the editor column's width, the top row's
 * height, as fractions) and which panes are open; kept in localStorage between sessions. Pure,
 * so a damaged or foreign stored value falls back field by field to the defaults.
 */
export interface Layout {
  /** The editor column's share of the width when the bench is open. */
  editorWidth: number;
  /** The top row's (editor and bench) share of the height when the consoles are open. */
  topHeight: number;
  bench: boolean;
  consoles: boolean;
}

export const DEFAULT_LAYOUT: Readonly<Layout> = { editorWidth: 0.6, topHeight: 0.6, bench: true, consoles: true };
export const LAYOUT_KEY = 'ndis-lab.layout';

/** How small a region may get, as a share of the window. */
export const MIN_SHARE = 0.15;
export const MAX_SHARE = 0.85;

export function clampShare(value: number): number {
  if (!Number.isFinite(value)) return 0.5;
  return Math.min(MAX_SHARE, Math.max(MIN_SHARE, value));
}

/** The stored layout, or the defaults for whatever is missing or not valid. */
export function parseLayout(stored: string | null): Layout {
  if (!stored) return { ...DEFAULT_LAYOUT };
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return { ...DEFAULT_LAYOUT };
  }
  const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const share = (key: 'editorWidth' | 'topHeight'): number => (typeof value[key] === 'number' && Number.isFinite(value[key]) ? clampShare(value[key]) : DEFAULT_LAYOUT[key]);
  const flag = (key: 'bench' | 'consoles'): boolean => (typeof value[key] === 'boolean' ? value[key] : DEFAULT_LAYOUT[key]);
  return { editorWidth: share('editorWidth'), topHeight: share('topHeight'), bench: flag('bench'), consoles: flag('consoles') };
}

export function serializeLayout(layout: Layout): string {
  return JSON.stringify({ editorWidth: round(layout.editorWidth), topHeight: round(layout.topHeight), bench: layout.bench, consoles: layout.consoles });
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** The regions' grid for a layout: closed panes give their room to the editor. */
export function gridStyle(layout: Layout): { gridTemplateColumns: string; gridTemplateRows: string; gridTemplateAreas: string } {
  const w = round(clampShare(layout.editorWidth));
  const h = round(clampShare(layout.topHeight));
  const top = layout.bench ? "'editor bench'" : "'editor'";
  const bottom = layout.consoles ? (layout.bench ? " 'consoles consoles'" : " 'consoles'") : '';
  return {
    gridTemplateColumns: layout.bench ? `minmax(0, ${w}fr) minmax(0, ${round(1 - w)}fr)` : 'minmax(0, 1fr)',
    gridTemplateRows: layout.consoles ? `minmax(0, ${h}fr) minmax(0, ${round(1 - h)}fr)` : 'minmax(0, 1fr)',
    gridTemplateAreas: `${top}${bottom}`,
  };
}

/** A splitter dragged to `position` (px from the start of the regions, whose size is `size` px). */
export function shareAt(position: number, size: number): number {
  return clampShare(size > 0 ? position / size : 0.5);
}
