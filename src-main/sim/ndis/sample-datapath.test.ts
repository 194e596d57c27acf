import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriverSource } from '../../engine/session/testing';

const dir = path.join(import.meta.dirname, '../../../resources/examples/wdk-sample-miniport');

it('the sample miniport runs the default scenario: its sends are completed and go on the wire', async () => {
  const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const run = await runDriverSource(files);
  expect(run.result.findings).toEqual([]);
  expect(run.result.bugcheck).toBeNull();
  expect(run.events.filter((e) => e.kind === 'nbl').map((e) => (e as { op: string }).op)).toContain('send-complete');
});
