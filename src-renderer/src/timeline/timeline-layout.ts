import { formatVirtualTime } from '../consoles/describe';
import type { MarkerSeries, StateLane, TimelineModel } from './timeline-model';

/**
 * The timeline's geometry, apart from any canvas: which virtual-time window is shown, where each
 * lane sits, which rectangles and marks to draw, the time ticks, and what a point under the mouse
 * is. Times are in 100 ns ticks, x and y in CSS pixels.
 */

/** The window of virtual time shown, [start, end). */
export interface TimeView {
  start: number;
  end: number;
}

export const AXIS_HEIGHT = 16;
export const STATE_LANE_HEIGHT = 18;
export const MARKER_LANE_HEIGHT = 14;
export const LABEL_WIDTH = 132;
/** The narrowest window: 10 µs across. */
export const MIN_SPAN = 100;

export interface LaneRow {
  key: string;
  label: string;
  y: number;
  height: number;
  lane?: StateLane;
  series?: MarkerSeries;
}

/** Lanes top to bottom: one per adapter and per binding, then the IRQ, DMA and findings marks. */
export function laneRows(model: TimelineModel): LaneRow[] {
  const rows: LaneRow[] = [];
  let y = AXIS_HEIGHT;
  for (const lane of model.lanes) {
    rows.push({ key: lane.key, label: lane.label, y, height: STATE_LANE_HEIGHT, lane });
    y += STATE_LANE_HEIGHT;
  }
  for (const series of model.markers) {
    rows.push({ key: series.key, label: series.label, y, height: MARKER_LANE_HEIGHT, series });
    y += MARKER_LANE_HEIGHT;
  }
  return rows;
}

export function totalHeight(rows: readonly LaneRow[]): number {
  const last = rows[rows.length - 1];
  return last ? last.y + last.height : AXIS_HEIGHT;
}

/** All of the run so far (at least MIN_SPAN). */
export function fullView(model: Pick<TimelineModel, 'tEnd'>): TimeView {
  return { start: 0, end: Math.max(MIN_SPAN, model.tEnd) };
}

export function timeToX(view: TimeView, width: number, t: number): number {
  return ((t - view.start) / (view.end - view.start)) * width;
}

export function xToTime(view: TimeView, width: number, x: number): number {
  return view.start + (x / width) * (view.end - view.start);
}

/** Keeps a window inside [0, limit] (limit: the run's end), no narrower than MIN_SPAN. */
export function clampView(view: TimeView, limit: number): TimeView {
  const max = Math.max(MIN_SPAN, limit);
  let span = Math.min(max, Math.max(MIN_SPAN, view.end - view.start));
  if (!Number.isFinite(span)) span = max;
  let start = Math.min(Math.max(0, view.start), max - span);
  if (!Number.isFinite(start)) start = 0;
  return { start, end: start + span };
}

/** Zooms by `factor` (< 1 in, > 1 out) keeping the time under `x` where it is. */
export function zoomAt(view: TimeView, width: number, x: number, factor: number, limit: number): TimeView {
  const anchor = xToTime(view, width, x);
  const span = (view.end - view.start) * factor;
  const start = anchor - (x / width) * span;
  return clampView({ start, end: start + span }, limit);
}

/** Pans by `dx` pixels (dragging right shows earlier times). */
export function panBy(view: TimeView, width: number, dx: number, limit: number): TimeView {
  const dt = (dx / width) * (view.end - view.start);
  return clampView({ start: view.start - dt, end: view.end - dt }, limit);
}

export interface Band {
  x: number;
  width: number;
  state: string;
  t0: number;
  t1: number;
  /** The console line of the change that began the band (-1 for the state before the first change). */
  lineId: number;
}

/** A lane's states as bands within the window; each at least a pixel wide so a brief state still shows. */
export function bands(lane: StateLane, view: TimeView, width: number, tEnd: number): Band[] {
  const out: Band[] = [];
  const segments: Array<{ t0: number; t1: number; state: string; lineId: number }> = [];
  const firstT = lane.changes[0]?.t ?? tEnd;
  if (firstT > 0) segments.push({ t0: 0, t1: firstT, state: lane.initial, lineId: -1 });
  lane.changes.forEach((change, i) => segments.push({ t0: change.t, t1: lane.changes[i + 1]?.t ?? Math.max(tEnd, change.t), state: change.state, lineId: change.lineId }));
  for (const s of segments) {
    if (s.t1 < view.start || s.t0 > view.end) continue;
    const x0 = Math.max(0, timeToX(view, width, s.t0));
    const x1 = Math.min(width, timeToX(view, width, s.t1));
    out.push({ x: x0, width: Math.max(1, x1 - x0), state: s.state, t0: s.t0, t1: s.t1, lineId: s.lineId });
  }
  return out;
}

export interface MarkColumn {
  x: number;
  /** Markers that fall in this pixel column, and the first of them (index into the series). */
  count: number;
  first: number;
}

/**
 * A series' markers within the window, one mark per pixel column however many fall in it: found by
 * binary search per column, so a million markers cost as much as the canvas is wide.
 */
export function markColumns(series: MarkerSeries, view: TimeView, width: number): MarkColumn[] {
  const out: MarkColumn[] = [];
  const last = Math.max(0, Math.ceil(width) - 1);
  let i = series.lowerBound(view.start);
  while (i < series.length && series.t[i]! <= view.end) {
    const x = Math.min(last, Math.max(0, Math.floor(timeToX(view, width, series.t[i]!))));
    // Every marker up to the end of this pixel column goes into one mark.
    const end = x === last ? series.upperBound(view.end) : series.lowerBound(xToTime(view, width, x + 1));
    const count = Math.max(1, end - i);
    const previous = out[out.length - 1];
    // Rounding may put a marker at a column's edge in the same column again: one mark still.
    if (previous?.x === x) previous.count += count;
    else out.push({ x, count, first: i });
    i += count;
  }
  return out;
}

export interface Tick {
  x: number;
  t: number;
  label: string;
}

/** Time in words at a tick's precision: "0", "250 µs", "1.5 ms", "2 s". */
export function formatTickTime(t: number, step: number): string {
  if (t === 0) return '0';
  const us = t / 10;
  if (step >= 10_000_000) return `${trim(us / 1e6, 3)} s`;
  if (step >= 10_000) return `${trim(us / 1000, 3)} ms`;
  return `${trim(us, 1)} µs`;
}

function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** Ticks 1, 2 or 5 × 10^k apart, about every `spacing` pixels. */
export function ticks(view: TimeView, width: number, spacing = 90): Tick[] {
  const span = view.end - view.start;
  if (span <= 0 || width <= 0) return [];
  const rough = (span / width) * spacing;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const out: Tick[] = [];
  for (let t = Math.ceil(view.start / step) * step; t <= view.end; t += step) out.push({ x: timeToX(view, width, t), t, label: formatTickTime(t, step) });
  return out;
}

export interface Hit {
  lineId: number;
  t: number;
  /** What the tooltip says about it. */
  label: string;
  row: string;
}

/** What the point (x, y) in the plot (x from the plot's left edge) is over: the nearest event of the lane it is in. */
export function hitTest(model: TimelineModel, rows: readonly LaneRow[], view: TimeView, width: number, x: number, y: number, slop = 6): Hit | undefined {
  const row = rows.find((r) => y >= r.y && y < r.y + r.height);
  const t = xToTime(view, width, x);
  const perPixel = (view.end - view.start) / width;
  if (row?.lane) {
    // Inside a band: the change that began it (the state's first moment); before the first change, that change.
    const band = bands(row.lane, view, width, model.tEnd).find((b) => x >= b.x && x < b.x + Math.max(b.width, 1));
    const change = band ? (band.lineId >= 0 ? row.lane.changes.find((c) => c.lineId === band.lineId) : row.lane.changes[0]) : undefined;
    if (!band || !change) return undefined;
    return { lineId: change.lineId, t: change.t, label: `${row.label}: ${band.state}, ${formatVirtualTime(band.t0).trim()} – ${formatVirtualTime(band.t1).trim()}`, row: row.key };
  }
  if (row?.series) {
    const series = row.series;
    const i = series.nearest(t);
    if (i < 0 || Math.abs(series.t[i]! - t) > slop * perPixel) return undefined;
    const count = series.lowerBound(series.t[i]! + perPixel) - series.lowerBound(series.t[i]! - perPixel);
    return { lineId: series.ids[i]!, t: series.t[i]!, label: `${series.label}${count > 1 ? ` ×${count}` : ''} at ${formatVirtualTime(series.t[i]!).trim()}`, row: row.key };
  }
  return undefined;
}

/** Colours of the NDIS states (adapters and bindings alike), readable on the dark theme. */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  Halted: '#5a5a5a',
  Shutdown: '#3a3a3a',
  Unbound: '#5a5a5a',
  Initializing: '#b58900',
  Opening: '#b58900',
  Paused: '#268bd2',
  Restarting: '#2aa198',
  Running: '#4e9a06',
  Pausing: '#6c71c4',
  Closing: '#cb4b16',
};

export function stateColor(state: string): string {
  return STATE_COLORS[state] ?? '#888888';
}

export const MARK_COLORS: Readonly<Record<MarkerSeries['key'], string>> = {
  irq: '#e5c07b',
  dma: '#56b6c2',
  finding: '#f14c4c',
};
