import { describe, expect, it } from 'vitest';
import type { SessionLogHeader } from '../contract/session-log';
import type { SimEvent } from '../contract/sim-events';
import { replayRuns } from './replay';
import { escapeHtml, renderHtmlReport } from './report-html';

const source = ['#include <ndis.h>', '', 'VOID Halt(void) {', '    /* <script>alert(1)</script> & more */', '    NdisFreeMemory(p, 0, 0);', '}', ''].join('\n');
const header: SessionLogHeader = {
  type: 'ndis-lab-session',
  version: 1,
  driver: 'driver',
  seed: 3,
  scenario: 'default',
  faults: ['NdisAllocateMemoryWithTagPriority@1'],
  buildHash: 'f00dfeed',
  files: { 'driver.c': source, 'driver.h': '#pragma once\n' },
};
const events: SimEvent[] = [
  { kind: 'run.started', t: 0, driver: 'driver', seed: 3, scenario: 'default', faults: [] },
  { kind: 'scenario.step', t: 0, index: 0, step: 'load', status: 'started' },
  { kind: 'driver.state', t: 0, state: 'registered' },
  { kind: 'adapter.state', t: 1000, adapter: 'adapter0', from: 'Halted', to: 'Initializing' },
  { kind: 'adapter.state', t: 2000, adapter: 'adapter0', from: 'Initializing', to: 'Paused' },
  { kind: 'hw.interrupt', t: 2500, adapter: 'adapter0', outcome: 'claimed' },
  { kind: 'binding.state', t: 2600, lower: 'lower0', protocol: 'Proto', from: 'Unbound', to: 'Opening' },
  { kind: 'finding', t: 3000, rule: 'HALT-LEAK', severity: 'stop', message: 'memory <leaked> at halt', doc: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/ndis/nf-ndis-ndisfreememory', file: 'driver.c', line: 5 },
  { kind: 'finding', t: 3100, rule: 'LAB-X', severity: 'warn', message: 'odd', doc: 'javascript:alert(1)' },
  { kind: 'scenario.step', t: 3200, index: 0, step: 'load', status: 'done' },
  { kind: 'run.finished', t: 4000, result: 'findings', findings: 2, ndisCalls: 9 },
];

function report(): string {
  const [run] = replayRuns(events);
  return renderHtmlReport({ header, run: run!, generator: 'ndis-lab test' });
}

describe('the HTML report', () => {
  it('has the summary, the findings with rule, severity, message, doc link and the source around their line', () => {
    const html = report();
    expect(html).toContain('data-result="findings"');
    expect(html).toContain('<span class="rule">HALT-LEAK</span> <span class="severity">stop</span>');
    expect(html).toContain('memory &lt;leaked&gt; at halt');
    expect(html).toContain('<a href="https://learn.microsoft.com/windows-hardware/drivers/ddi/ndis/nf-ndis-ndisfreememory" rel="noreferrer noopener" target="_blank">');
    expect(html).toContain('<a class="loc" href="#src-0-5">driver.c:5</a>');
    // The excerpt: lines 2–6 around line 5, line 5 marked.
    const excerpt = /<table class="excerpt">(.*?)<\/table>/.exec(html)![1]!;
    expect([...excerpt.matchAll(/<td class="ln">(\d+)<\/td>/g)].map((m) => Number(m[1]))).toEqual([2, 3, 4, 5, 6]);
    expect(excerpt).toContain('<tr class="hit"><td class="ln">5</td><td class="code">    NdisFreeMemory(p, 0, 0);</td></tr>');
    // A doc "link" that is not http(s) stays text.
    expect(html).not.toContain('href="javascript:');
  });

  it('has every source file with numbered, linkable lines, escaped', () => {
    const html = report();
    for (let n = 1; n <= 6; n++) expect(html).toContain(`<tr id="src-0-${n}">`);
    expect(html).toContain('<tr id="src-1-1">');
    expect(html).toContain('/* &lt;script&gt;alert(1)&lt;/script&gt; &amp; more */');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('draws the adapter and binding states over virtual time as inline SVG with the marks', () => {
    const html = report();
    const svg = /<svg class="timeline"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).toContain('>adapter0</text>');
    expect(svg).toContain('>binding Proto over lower0</text>');
    expect([...svg.matchAll(/<title>(Halted|Initializing|Paused|Opening): /g)].map((m) => m[1])).toEqual(['Halted', 'Initializing', 'Paused', 'Opening']);
    expect(svg.match(/class="marker finding"/g)).toHaveLength(2);
    expect(svg).toContain('interrupts (1)');
  });

  it('loads nothing from anywhere: no external scripts, styles, images, fonts or frames, and a CSP that forbids them', () => {
    const html = report();
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<(iframe|object|embed|img)\b/i);
    // Every link is to a line of the report or a documentation page.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(5);
    for (const href of hrefs) expect(href.startsWith('#src-') || href.startsWith('https://learn.microsoft.com/'), href).toBe(true);
  });

  it('reports a run that did not finish with how it ended', () => {
    const [run] = replayRuns(events.slice(0, 6));
    const html = renderHtmlReport({ header, run: run!, end: { type: 'ndis-lab-end', state: 'stopped', reason: 'stopped on request' }, generator: 'ndis-lab test' });
    expect(html).toContain('data-result="stopped"');
    expect(html).toContain('stopped on request');
    expect(html).toContain('No findings.');
  });

  it('escapes the five HTML characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
