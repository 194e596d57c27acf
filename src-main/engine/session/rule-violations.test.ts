import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourcesDir } from '../resources';
import { runDriverSource } from './testing';

/**
 * Every driver in resources/examples/rule-violations breaks exactly one rule, on the line marked
 * VIOLATION; the checker must report that rule, and nothing else first. Faults come from the
 * folder table in the README there.
 */
const root = path.join(resourcesDir(), 'examples', 'rule-violations');
const folders = fs.existsSync(root) ? fs.readdirSync(root).filter((f) => fs.existsSync(path.join(root, f, 'driver.c'))).sort() : [];

/** Rules checked when a handler returns to NDIS: the driver's frame is gone, so no line is known. */
const AT_RETURN = new Set(['REG-DE-STATUS', 'INIT-STATUS', 'INIT-ATTR-MISSING', 'ST-PAUSE-RET', 'REG-DE-FAIL-CLEANUP', 'REG-UNLOAD']);

function tableRow(folder: string): { rule: string; faults: string[] } {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${folder}/\``));
  if (!row) throw new Error(`README.md has no row for ${folder}`);
  const cells = row.split('|').map((c) => c.trim());
  const faults = [...(cells[4] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return { rule: cells[2]!, faults };
}

describe('the checker catches each rule-violation driver, at its line', () => {
  it('has the drivers', () => {
    expect(folders.length).toBeGreaterThanOrEqual(20);
  });

  for (const folder of folders) {
    it(folder, async () => {
      const source = fs.readFileSync(path.join(root, folder, 'driver.c'), 'utf8');
      const { rule, faults } = tableRow(folder);
      const line = source.split('\n').findIndex((l) => l.includes('/* VIOLATION')) + 1;
      expect(line).toBeGreaterThan(0);
      const run = await runDriverSource({ 'driver.c': source }, { faults });
      const reports = [
        ...run.result.findings.map((f) => ({ rule: f.rule, line: f.line, message: f.message })),
        ...(run.result.bugcheck ? [{ rule: run.result.bugcheck.rule, line: run.result.bugcheck.line, message: run.result.bugcheck.message }] : []),
      ];
      const report = reports.find((r) => r.rule === rule);
      expect(report, `${rule} not reported; got ${JSON.stringify(reports)}`).toBeDefined();
      if (!AT_RETURN.has(rule)) {
        const atLine = report!.line === line || report!.message.includes(`driver.c:${line}`);
        expect(atLine, `${rule} reported at line ${report!.line} (${report!.message}); the violation is at line ${line}`).toBe(true);
      }
    });
  }
});
