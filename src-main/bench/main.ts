import process from 'node:process';
import { ENGINE_VERSION } from '../engine/version';
import { renderTable, type BenchRow, type BenchSuite } from './table';
import { buildSuite } from './build-bench';
import { exportSuite } from './export-bench';
import { simSuite } from './sim-bench';
import { transportSuite } from './transport-bench';
import { uiSuite } from './ui-bench';

/** Every suite `npm run bench` runs; later work appends its own. */
const suites: BenchSuite[] = [transportSuite, buildSuite, simSuite, exportSuite, uiSuite];

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.find((a) => !a.startsWith('-'));

const rows: BenchRow[] = [];
for (const suite of suites) {
  if (only && suite.name !== only) continue;
  if (!json) process.stderr.write(`running ${suite.name}…\n`);
  rows.push(...(await suite.run()));
}

if (json) {
  process.stdout.write(
    `${JSON.stringify({ version: ENGINE_VERSION, node: process.versions.node, cpus: (await import('node:os')).cpus().length, rows }, null, 2)}\n`,
  );
} else {
  process.stdout.write(`NDIS Lab ${ENGINE_VERSION} bench — Node ${process.versions.node}\n\n${renderTable(rows)}\n`);
}
process.exitCode = rows.some((r) => r.met === false) ? 1 : 0;
