#!/usr/bin/env node
// The last step of `npm test`: one closing line for the whole run ("N passed, N failed, N skipped"),
// from the JSON reports of Vitest and Playwright, so that CI and people read one number.
import fs from 'node:fs';
import path from 'node:path';

const reports = path.resolve(import.meta.dirname, '../../test-reports');
const read = (name) => {
  const file = path.join(reports, name);
  if (!fs.existsSync(file)) {
    console.error(`test summary: ${file} is missing; did that step run?`);
    process.exit(1);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
};

const unit = read('vitest.json');
const e2e = read('playwright.json');
const parts = {
  unit: { passed: unit.numPassedTests, failed: unit.numFailedTests, skipped: unit.numPendingTests + unit.numTodoTests },
  e2e: { passed: e2e.stats.expected + e2e.stats.flaky, failed: e2e.stats.unexpected, skipped: e2e.stats.skipped },
};
const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed, ${skipped} skipped`;
for (const [name, counts] of Object.entries(parts)) console.log(`${name.padEnd(5)} ${line(counts)}`);
const total = Object.values(parts).reduce(
  (sum, p) => ({ passed: sum.passed + p.passed, failed: sum.failed + p.failed, skipped: sum.skipped + p.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log(`tests: ${line(total)}`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
