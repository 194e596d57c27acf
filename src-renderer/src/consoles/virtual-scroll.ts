/**
 * Which rows of a long list to render, for a scroll container whose content is rows × rowHeight
 * tall. Browsers cap an element's height (Chromium near 33.5 million pixels, Firefox near 17.9
 * million), so past MAX_SCROLL_HEIGHT the content is compressed and the scroll position maps to a
 * row proportionally; below it the mapping is exact.
 */
export const MAX_SCROLL_HEIGHT = 15_000_000;

export interface VisibleRange {
  /** The first row to render, and how many. */
  first: number;
  count: number;
  /** Where the first rendered row's top goes, in content pixels. */
  top: number;
  /** The height of the scroll content. */
  height: number;
}

export function contentHeight(rows: number, rowHeight: number): number {
  return Math.min(rows * rowHeight, MAX_SCROLL_HEIGHT);
}

/** The row at the viewport's top edge, fractional. */
export function rowAtTop(rows: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const height = contentHeight(rows, rowHeight);
  const maxScroll = height - viewportHeight;
  const fitRows = viewportHeight / rowHeight;
  if (maxScroll <= 0 || rows <= fitRows) return 0;
  const fraction = Math.min(1, Math.max(0, scrollTop / maxScroll));
  return fraction * (rows - fitRows);
}

export function visibleRange(rows: number, rowHeight: number, scrollTop: number, viewportHeight: number, overscan = 8): VisibleRange {
  const height = contentHeight(rows, rowHeight);
  const top = rowAtTop(rows, rowHeight, scrollTop, viewportHeight);
  const whole = Math.floor(top);
  const first = Math.max(0, whole - overscan);
  const count = Math.max(0, Math.min(rows - first, Math.ceil(viewportHeight / rowHeight) + 1 + 2 * overscan));
  // The row at the top sits at scrollTop less its hidden part; the others follow it.
  const rowTop = scrollTop - (top - whole) * rowHeight - (whole - first) * rowHeight;
  return { first, count, top: rowTop, height };
}

/** The scrollTop that puts `row` in the middle of the viewport (or as near as the ends allow). */
export function scrollTopForRow(rows: number, rowHeight: number, row: number, viewportHeight: number): number {
  const height = contentHeight(rows, rowHeight);
  const maxScroll = Math.max(0, height - viewportHeight);
  const fitRows = viewportHeight / rowHeight;
  if (maxScroll === 0 || rows <= fitRows) return 0;
  const wantTop = row + 0.5 - fitRows / 2;
  const fraction = Math.min(1, Math.max(0, wantTop / (rows - fitRows)));
  return fraction * maxScroll;
}
