import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimEvent } from '../../src-shared/contract/sim-events';
import { readPcap } from '../engine/session/pcap';
import { ndisLab, repoRoot } from './testing';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-lower-'));

describe('ndis-lab run with the reference LabNIC driver below a binding', () => {
  it('runs the pass-through example through im-over-labnic clean (exit 0), the LabNIC below listed, its events valid and marked', async () => {
    const log = path.join(tmp, 'im.ndjson');
    const pcap = path.join(tmp, 'below.pcap');
    const run = await ndisLab('run', path.join(repoRoot, 'resources/examples/passthru-im'), '--scenario', 'im-over-labnic', '--json', '--ndjson', log, '--pcap', pcap);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe('clean');
    expect(json.lower[0]).toMatchObject({ driver: 'labnic-miniport', adapters: [{ name: 'lower0', state: 'Halted' }] });
    // Between the header and the end record: the events.
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(1, -1);
    expect(JSON.parse(fs.readFileSync(log, 'utf8').trimEnd().split('\n').at(-1)!)).toMatchObject({ type: 'ndis-lab-end', state: 'finished' });
    const events = lines.map((line) => {
      const { seq: _seq, ...event } = JSON.parse(line);
      const parsed = SimEvent.safeParse(event);
      expect(parsed.success, line).toBe(true);
      return parsed.data!;
    });
    expect(events.filter((e) => e.kind === 'wire.frame' && e.adapter === 'lower0' && e.driver === 'lower')).toHaveLength(160);
    // The capture is the LabNIC's wire: 80 frames out, 80 in, none twice (not the virtual miniport's view too).
    expect(readPcap(fs.readFileSync(pcap)).records).toHaveLength(160);
    const text = await ndisLab('run', path.join(repoRoot, 'resources/examples/passthru-im'), '--scenario', 'im-over-labnic');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('lower0 (below, labnic-miniport): Halted → Initializing → Paused → Restarting → Running → Pausing → Paused → Halted');
  }, 180_000);
});
