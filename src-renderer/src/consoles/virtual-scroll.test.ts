import { describe, expect, it } from 'vitest';
import { contentHeight, MAX_SCROLL_HEIGHT, rowAtTop, scrollTopForRow, visibleRange } from './virtual-scroll';

describe('virtual scrolling', () => {
  it('renders only the rows in view (and a few around them), at their exact place while the content fits', () => {
    const range = visibleRange(10_000, 18, 18 * 500 + 5, 180, 2);
    expect(range.height).toBe(180_000);
    expect(range.first).toBe(498);
    expect(range.count).toBe(Math.ceil(180 / 18) + 1 + 4);
    // Row 498 sits at its own offset: 498 × 18.
    expect(range.top).toBeCloseTo(498 * 18, 6);
  });

  it('never asks for rows past the end or before the start', () => {
    expect(visibleRange(5, 18, 0, 400)).toEqual({ first: 0, count: 5, top: 0, height: 90 });
    expect(visibleRange(0, 18, 0, 400)).toEqual({ first: 0, count: 0, top: 0, height: 0 });
    const end = visibleRange(1000, 18, 18_000 - 180, 180, 3);
    expect(end.first + end.count).toBe(1000);
  });

  it('compresses a million rows into a scroll height browsers allow, and still reaches the last row', () => {
    const rows = 1_000_000;
    expect(contentHeight(rows, 18)).toBe(MAX_SCROLL_HEIGHT);
    const viewport = 360;
    const bottom = MAX_SCROLL_HEIGHT - viewport;
    const last = visibleRange(rows, 18, bottom, viewport, 0);
    expect(last.first + last.count).toBe(rows);
    // The last row's bottom is the content's bottom.
    expect(last.top + (rows - last.first) * 18).toBeCloseTo(MAX_SCROLL_HEIGHT, 3);
    // Halfway down the scroll is halfway through the rows.
    expect(rowAtTop(rows, 18, bottom / 2, viewport)).toBeCloseTo((rows - viewport / 18) / 2, 3);
    const middle = visibleRange(rows, 18, bottom / 2, viewport, 0);
    expect(middle.top).toBeLessThanOrEqual(bottom / 2);
    expect(middle.top).toBeGreaterThan(bottom / 2 - 18);
  });

  it('scrolls a row to the middle of the view, compressed or not', () => {
    expect(scrollTopForRow(1000, 18, 500, 180)).toBeCloseTo(500 * 18 + 9 - 90, 6);
    expect(scrollTopForRow(1000, 18, 0, 180)).toBe(0);
    expect(scrollTopForRow(1000, 18, 999, 180)).toBe(18_000 - 180);
    expect(scrollTopForRow(3, 18, 2, 180)).toBe(0);
    const rows = 2_000_000;
    const top = scrollTopForRow(rows, 18, 1_234_567, 360);
    const range = visibleRange(rows, 18, top, 360, 0);
    expect(1_234_567).toBeGreaterThanOrEqual(range.first);
    expect(1_234_567).toBeLessThan(range.first + range.count);
  });
});
