import type { SessionLogEnd, SessionLogHeader } from '../contract/session-log';
import type { LaneSegment, ReplayState, StateLane, TimelineMarker } from './replay';

/**
 * A session's report as one self-contained HTML file: the run summary, the adapter and binding
 * states over virtual time (inline SVG), the findings with their rule, severity, explanation,
 * documentation link and the source around their line, and every source file with line numbers.
 * Styles and the one small script are inline; a Content-Security-Policy in the page forbids
 * loading anything, so the report opens the same offline, from a mail attachment or a course site.
 * Documentation links are plain links the reader may follow; nothing is fetched.
 */

export interface ReportInput {
  header: SessionLogHeader;
  run: ReplayState;
  end?: SessionLogEnd | undefined;
  /** The lab that wrote the report ("ndis-lab 0.1.0"). */
  generator: string;
  /** Runs after the first in the same log (systematic fault injection), not drawn. */
  moreRuns?: number;
}

const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Lines of source shown before and after a finding's line. */
const EXCERPT_CONTEXT = 3;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Only http(s) documentation links become links; anything else is shown as text. */
function docLink(doc: string): string {
  if (!/^https?:\/\/[^\s"'<>]+$/.test(doc)) return doc ? escapeHtml(doc) : '<span class="muted">no documentation page</span>';
  return `<a href="${escapeHtml(doc)}" rel="noreferrer noopener" target="_blank">${escapeHtml(doc)}</a>`;
}

const ms = (ticks: number): string => `${(ticks / 10_000).toFixed(3)} ms`;

/** Each project file gets an index for its line anchors (#src-2-41). */
function fileIndex(files: Record<string, string>): Map<string, number> {
  return new Map(Object.keys(files).sort((a, b) => a.localeCompare(b)).map((f, i) => [f, i]));
}

function anchor(files: Map<string, number>, file: string | undefined, line: number | undefined): string | undefined {
  if (file === undefined || line === undefined) return undefined;
  const index = files.get(file);
  return index === undefined ? undefined : `src-${index}-${line}`;
}

function location(files: Map<string, number>, file: string | undefined, line: number | undefined): string {
  if (file === undefined || line === undefined) return '';
  const id = anchor(files, file, line);
  const text = escapeHtml(`${file}:${line}`);
  return id ? `<a class="loc" href="#${id}">${text}</a>` : `<span class="loc">${text}</span>`;
}

function excerpt(source: string | undefined, line: number | undefined): string {
  if (source === undefined || line === undefined) return '';
  const lines = source.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (line < 1 || line > lines.length) return '';
  const from = Math.max(1, line - EXCERPT_CONTEXT);
  const to = Math.min(lines.length, line + EXCERPT_CONTEXT);
  const rows: string[] = [];
  for (let n = from; n <= to; n++) {
    rows.push(`<tr${n === line ? ' class="hit"' : ''}><td class="ln">${n}</td><td class="code">${escapeHtml(lines[n - 1]!.replace(/\r$/, '')) || ' '}</td></tr>`);
  }
  return `<table class="excerpt">${rows.join('')}</table>`;
}

const STATE_COLOURS: Record<string, string> = {
  Halted: '#9e9e9e',
  Initializing: '#e0a100',
  Paused: '#4a7fd4',
  Restarting: '#2aa198',
  Running: '#3fa34d',
  Pausing: '#9b59b6',
  Shutdown: '#555555',
  Unbound: '#9e9e9e',
  Opening: '#e0a100',
  Closing: '#c0392b',
};
const colourOf = (state: string): string => STATE_COLOURS[state] ?? '#7f8c8d';

const MARKER_COLOURS: Record<TimelineMarker['kind'], string> = {
  finding: '#d0312d',
  bugcheck: '#000000',
  'hw-fault': '#e67e22',
  'fault-injected': '#8e44ad',
};

/** The adapter and binding states over virtual time, with finding, fault and interrupt marks. */
export function timelineSvg(run: ReplayState): string {
  const { timeline } = run;
  const lanes: Array<{ lane: StateLane; kind: 'adapter' | 'binding' }> = [
    ...timeline.adapters.map((lane) => ({ lane, kind: 'adapter' as const })),
    ...timeline.bindings.map((lane) => ({ lane, kind: 'binding' as const })),
  ];
  const labelWidth = 170;
  const width = 1000;
  const plot = width - labelWidth - 10;
  const laneHeight = 24;
  const top = 10;
  const markerRow = top + lanes.length * laneHeight + 6;
  const irqRow = markerRow + 20;
  const axisY = irqRow + 18;
  const height = axisY + 22;
  const end = Math.max(1, timeline.end);
  const x = (t: number): number => labelWidth + (Math.min(Math.max(t, 0), end) / end) * plot;
  const parts: string[] = [];
  parts.push(`<svg class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Adapter and binding states over virtual time">`);
  lanes.forEach(({ lane, kind }, i) => {
    const y = top + i * laneHeight;
    parts.push(`<text x="4" y="${y + 15}" class="lane-label">${escapeHtml(kind === 'binding' ? `binding ${lane.name}` : lane.name)}</text>`);
    for (const segment of lane.segments) parts.push(segmentRect(segment, y, x, end));
  });
  parts.push(`<text x="4" y="${markerRow + 12}" class="lane-label">findings · faults</text>`);
  for (const marker of timeline.markers) {
    const mx = x(marker.t);
    const colour = MARKER_COLOURS[marker.kind];
    const title = `<title>${escapeHtml(`${ms(marker.t)} ${marker.label}${marker.file ? ` (${marker.file}:${marker.line})` : ''}`)}</title>`;
    parts.push(`<path class="marker ${marker.kind}" d="M${mx.toFixed(1)} ${markerRow} l5 12 h-10 z" fill="${colour}">${title}</path>`);
  }
  // Interrupts as a density strip: how many in each of 200 slices of the run.
  parts.push(`<text x="4" y="${irqRow + 11}" class="lane-label">interrupts (${timeline.interrupts.length})</text>`);
  if (timeline.interrupts.length > 0) {
    const bins = new Array<number>(200).fill(0);
    for (const t of timeline.interrupts) bins[Math.min(199, Math.floor((Math.min(t, end) / end) * 200))]!++;
    const most = Math.max(...bins);
    const binWidth = plot / 200;
    bins.forEach((count, i) => {
      if (count === 0) return;
      parts.push(`<rect x="${(labelWidth + i * binWidth).toFixed(1)}" y="${irqRow}" width="${binWidth.toFixed(2)}" height="14" fill="#d35400" fill-opacity="${(0.15 + (0.85 * count) / most).toFixed(2)}"><title>${count} interrupt(s)</title></rect>`);
    });
  }
  parts.push(`<line x1="${labelWidth}" y1="${axisY}" x2="${labelWidth + plot}" y2="${axisY}" stroke="currentColor" stroke-width="1"/>`);
  for (let i = 0; i <= 5; i++) {
    const tx = labelWidth + (plot * i) / 5;
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${axisY}" x2="${tx.toFixed(1)}" y2="${axisY + 4}" stroke="currentColor"/>`);
    parts.push(`<text x="${tx.toFixed(1)}" y="${axisY + 16}" class="tick" text-anchor="${i === 0 ? 'start' : i === 5 ? 'end' : 'middle'}">${ms((end * i) / 5)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

function segmentRect(segment: LaneSegment, y: number, x: (t: number) => number, end: number): string {
  const x0 = x(segment.start);
  const x1 = x(segment.end ?? end);
  const w = Math.max(1, x1 - x0);
  const title = `${segment.state}: ${ms(segment.start)} – ${segment.end === undefined ? 'end' : ms(segment.end)}`;
  const label = w > 60 ? `<text x="${(x0 + 4).toFixed(1)}" y="${y + 15}" class="seg-label">${escapeHtml(segment.state)}</text>` : '';
  return `<g class="segment"><rect x="${x0.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${18}" fill="${colourOf(segment.state)}"><title>${escapeHtml(title)}</title></rect>${label}</g>`;
}

function summary(input: ReportInput): string {
  const { header, run, end } = input;
  const result = run.result;
  const outcome = result ? result.result : end ? end.state : 'unfinished';
  const rows: Array<[string, string]> = [
    ['Result', `<span class="badge ${escapeHtml(outcome)}" data-result="${escapeHtml(outcome)}">${escapeHtml(outcome)}</span>${end?.reason ? ` — ${escapeHtml(end.reason)}` : ''}`],
    ['Driver', escapeHtml(header.driver) + (result ? ` (loaded: ${result.driver.loaded ? 'yes' : 'no'}, unloaded: ${result.driver.unloaded ? 'yes' : 'no'})` : '')],
    ['Scenario', `${escapeHtml(header.scenario)}${header.scenarioSpec?.description ? ` — ${escapeHtml(header.scenarioSpec.description)}` : ''}`],
    ['Seed', String(header.seed)],
    ['Faults', header.faults.length ? escapeHtml(header.faults.join(' ')) : 'none'],
    ['Virtual time', ms(result?.virtualTime ?? run.timeline.end)],
    ['NDIS calls', result ? String(result.ndisCalls) : String(run.counts['ndis.call'] ?? 0)],
    ['Events', String(run.events)],
    ['Findings', String(run.findings.length)],
    ['Build', `<code>${escapeHtml(header.buildHash.slice(0, 16))}</code>`],
  ];
  return `<table class="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function adaptersSection(run: ReplayState): string {
  if (run.adapters.length === 0) return '<p class="muted">No adapter was created.</p>';
  const rows = run.adapters.map((a) => `<tr><td>${escapeHtml(a.name)}</td><td>${escapeHtml(a.state)}</td><td class="history">${a.history.map(escapeHtml).join(' → ')}</td></tr>`);
  return `<table class="list"><tr><th>Adapter</th><th>Final state</th><th>History</th></tr>${rows.join('')}</table>`;
}

function expectationsSection(run: ReplayState): string {
  if (run.expectations.length === 0) return '';
  const items = run.expectations.map((e) => `<li class="${e.ok ? 'ok' : 'bad'}">${e.ok ? '✓' : '✗'} step ${e.step + 1}: ${escapeHtml(e.message)}</li>`);
  return `<h2>Expectations</h2><ul class="expectations">${items.join('')}</ul>`;
}

function bugcheckSection(run: ReplayState, files: Record<string, string>, index: Map<string, number>): string {
  const b = run.bugcheck;
  if (!b) return '';
  return `<h2>Bug check</h2><div class="finding bugcheck" data-testid="report-bugcheck"><div class="head"><span class="rule">${escapeHtml(b.code)}</span> (${b.params.map(escapeHtml).join(', ')})${b.rule ? ` <span class="rule">${escapeHtml(b.rule)}</span>` : ''} ${location(index, b.file, b.line)}</div><p>${escapeHtml(b.message)}</p>${excerpt(b.file ? files[b.file] : undefined, b.line)}</div>`;
}

function findingsSection(run: ReplayState, files: Record<string, string>, index: Map<string, number>): string {
  if (run.findings.length === 0) return '<h2>Findings</h2><p class="muted">No findings.</p>';
  const items = run.findings.map(
    (f) => `<div class="finding ${escapeHtml(f.severity)}" data-rule="${escapeHtml(f.rule)}">
<div class="head"><span class="rule">${escapeHtml(f.rule)}</span> <span class="severity">${escapeHtml(f.severity)}</span> ${location(index, f.file, f.line)}</div>
<p class="message">${escapeHtml(f.message)}</p>
<p class="doc">Documentation: ${docLink(f.doc)}</p>
${excerpt(f.file ? files[f.file] : undefined, f.line)}
</div>`,
  );
  return `<h2>Findings (${run.findings.length})</h2>${items.join('\n')}`;
}

function sourcesSection(files: Record<string, string>, index: Map<string, number>): string {
  const names = [...index.keys()];
  if (names.length === 0) return '<h2>Sources</h2><p class="muted">The log does not include the sources.</p>';
  const blocks = names.map((name) => {
    const i = index.get(name)!;
    const lines = files[name]!.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const rows = lines.map((text, n) => `<tr id="src-${i}-${n + 1}"><td class="ln"><a href="#src-${i}-${n + 1}">${n + 1}</a></td><td class="code">${escapeHtml(text.replace(/\r$/, '')) || ' '}</td></tr>`);
    return `<details class="source" open><summary>${escapeHtml(name)} <span class="muted">(${lines.length} lines)</span></summary><table class="code-table">${rows.join('')}</table></details>`;
  });
  return `<h2>Sources</h2>${blocks.join('\n')}`;
}

function countsSection(run: ReplayState): string {
  const entries = Object.entries(run.counts).sort((a, b) => b[1] - a[1]);
  return `<h2>Events</h2><table class="list counts"><tr><th>Kind</th><th>Count</th></tr>${entries.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #656d76; --border: #d0d7de; --hit: #fff8c5; --code: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --border: #30363d; --hit: #3b2e00; --code: #161b22; } }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
table { border-collapse: collapse; } th { text-align: left; color: var(--muted); font-weight: normal; padding: 2px 12px 2px 0; vertical-align: top; white-space: nowrap; } td { padding: 2px 12px 2px 0; vertical-align: top; }
.list td, .list th { border-bottom: 1px solid var(--border); }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; background: #7f8c8d; }
.badge.clean { background: #3fa34d; } .badge.findings { background: #d0312d; } .badge.bugcheck { background: #000; } .badge.stopped, .badge.failed { background: #e67e22; }
.timeline { max-width: 100%; height: auto; border: 1px solid var(--border); }
.timeline .lane-label, .timeline .tick { font: 11px system-ui, sans-serif; fill: currentColor; }
.timeline .seg-label { font: 11px system-ui, sans-serif; fill: #fff; pointer-events: none; }
.legend span { display: inline-block; margin-right: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.finding { border: 1px solid var(--border); border-left: 4px solid #d0312d; padding: 6px 10px; margin: 10px 0; }
.finding.warn { border-left-color: #e0a100; } .finding.bugcheck { border-left-color: #000; }
.finding .head { font-weight: 600; } .rule { font-family: ui-monospace, Menlo, monospace; } .severity { color: var(--muted); font-weight: normal; }
.finding p { margin: 4px 0; }
.loc { font-family: ui-monospace, Menlo, monospace; font-weight: normal; margin-left: 8px; }
.excerpt, .code-table { font: 12px/1.4 ui-monospace, 'Cascadia Code', Menlo, monospace; background: var(--code); width: 100%; }
.excerpt .hit td, .code-table tr:target td { background: var(--hit); }
td.ln { color: var(--muted); text-align: right; padding: 0 10px 0 6px; user-select: none; width: 1%; white-space: nowrap; } td.ln a { color: inherit; text-decoration: none; }
td.code { white-space: pre; padding: 0; }
.source summary { cursor: pointer; font-family: ui-monospace, Menlo, monospace; margin: 8px 0 4px; }
.expectations { list-style: none; padding: 0; } .expectations .ok { color: #3fa34d; } .expectations .bad { color: #d0312d; }
.history { font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
`;

// Opening a line link shows its file (the <details> may have been folded).
const SCRIPT = `
function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var row = id && document.getElementById(id);
  if (!row) return;
  for (var el = row.parentElement; el; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
  row.scrollIntoView({ block: 'center' });
}
window.addEventListener('hashchange', openTarget);
openTarget();
`;

function legend(run: ReplayState): string {
  const states = new Set<string>();
  for (const lane of [...run.timeline.adapters, ...run.timeline.bindings]) for (const s of lane.segments) states.add(s.state);
  const items = [...states].map((s) => `<span><i style="background:${colourOf(s)}"></i>${escapeHtml(s)}</span>`);
  items.push(`<span><i style="background:${MARKER_COLOURS.finding}"></i>finding</span>`, `<span><i style="background:${MARKER_COLOURS['hw-fault']}"></i>hardware fault</span>`, `<span><i style="background:${MARKER_COLOURS['fault-injected']}"></i>injected failure</span>`);
  return `<p class="legend muted">${items.join('')}</p>`;
}

/** The whole report, as one HTML document. */
export function renderHtmlReport(input: ReportInput): string {
  const { header, run } = input;
  const files = header.files ?? {};
  const index = fileIndex(files);
  const title = `NDIS Lab report — ${header.driver}, ${header.scenario}, seed ${header.seed}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="generator" content="${escapeHtml(input.generator)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Written by ${escapeHtml(input.generator)} from the run's event log (session log version ${header.version}).${input.moreRuns ? ` The log holds ${input.moreRuns} more run(s) (systematic fault injection); this report shows the first.` : ''}</p>
<h2>Summary</h2>
${summary(input)}
<h2>Adapters</h2>
${adaptersSection(run)}
${expectationsSection(run)}
${bugcheckSection(run, files, index)}
<h2>Timeline</h2>
${legend(run)}
${timelineSvg(run)}
${findingsSection(run, files, index)}
${sourcesSection(files, index)}
${countsSection(run)}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
