import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ndisLab, repoRoot } from './testing';
import { SimEvent } from '../../src-shared/contract/sim-events';
import { readPcap } from '../engine/session/pcap';

const execute = promisify(execFile);
const root = repoRoot;
const reference = path.join(root, 'resources/examples/virtual-miniport');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-run-'));

describe('ndis-lab run', () => {
  it('runs the reference virtual miniport through the default scenario, clean, with the documented state history', async () => {
    const log = path.join(tmp, 'reference.ndjson');
    const run = await ndisLab('run', reference, '--json', '--ndjson', log);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe('clean');
    expect(json.driver).toEqual({ loaded: true, unloaded: true });
    expect(json.adapters).toEqual([
      { name: 'adapter0', state: 'Halted', history: ['Halted', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted'] },
    ]);
    expect(json.findings).toEqual([]);
    expect(json.bugcheck).toBeNull();
    // The NDJSON log: a header (with the sources and the scenario), then every event, each valid
    // against the contract, numbered from 1, then the end record with the result.
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ type: 'ndis-lab-session', version: 1, seed: 1, scenario: 'default', scenarioSpec: { name: 'default' } });
    expect(Object.keys(header.files).sort()).toEqual(fs.readdirSync(reference).filter((f) => /\.[ch]$/.test(f)).sort());
    const end = JSON.parse(lines[lines.length - 1]!);
    expect(end).toMatchObject({ type: 'ndis-lab-end', state: 'finished', result: { result: 'clean', adapters: json.adapters } });
    expect(lines.length - 2).toBe(json.events);
    lines.slice(1, -1).forEach((line, i) => {
      const { seq, ...event } = JSON.parse(line);
      expect(seq).toBe(i + 1);
      expect(SimEvent.safeParse(event).success, line).toBe(true);
    });
  }, 120_000);

  it('writes byte-identical logs for the same driver, scenario and seed', async () => {
    const a = path.join(tmp, 'a.ndjson');
    const b = path.join(tmp, 'b.ndjson');
    await ndisLab('run', reference, '--ndjson', a, '--seed', '42');
    await ndisLab('run', reference, '--ndjson', b, '--seed', '42');
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  }, 120_000);

  it('exits 1 with the finding, its line and its doc link when a rule is broken', async () => {
    const run = await ndisLab('run', path.join(root, 'resources/examples/rule-violations/INIT-ATTR-GEN-ORDER/driver.c'), '--json');
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe('findings');
    expect(json.findings[0]).toMatchObject({ rule: 'INIT-ATTR-GEN-ORDER', severity: 'stop', file: 'driver.c', line: 137 });
    expect(json.findings[0].doc).toMatch(/^https:\/\/learn\.microsoft\.com\/windows-hardware\/drivers\//);
  }, 120_000);

  it('exits 1 with the bug check for an injected failure the driver does not handle', async () => {
    const run = await ndisLab('run', path.join(root, 'resources/examples/rule-violations/null-deref-after-failed-alloc/driver.c'), '--fault', 'NdisAllocateMemoryWithTagPriority@1', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).bugcheck).toMatchObject({ code: '0x00000050', rule: 'UB-NULL', file: 'driver.c', line: 169 });
  }, 120_000);

  it('exits 2 when the driver does not build, and 3 on usage errors', async () => {
    const broken = path.join(tmp, 'broken.c');
    fs.writeFileSync(broken, 'NTSTATUS DriverEntry(void) { return oops; }\n');
    expect((await ndisLab('run', broken)).code).toBe(2);
    expect((await ndisLab('run', reference, '--fault', 'NdisFoo')).code).toBe(3);
    expect((await ndisLab('run', reference, '--seed', 'abc')).code).toBe(3);
    const badScenario = path.join(tmp, 'bad.json');
    fs.writeFileSync(badScenario, JSON.stringify({ steps: [{ step: 'teleport' }] }));
    const bad = await ndisLab('run', reference, '--scenario', badScenario);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('steps.0.step');
  }, 120_000);

  it('writes the wire as a pcap that reads back frame by frame, and opens in tshark where it is installed', async () => {
    const capture = path.join(tmp, 'wire.pcap');
    const log = path.join(tmp, 'wire.ndjson');
    const run = await ndisLab('run', reference, '--pcap', capture, '--ndjson', log);
    expect(run.code).toBe(0);
    const pcap = readPcap(fs.readFileSync(capture));
    expect(pcap.linkType).toBe(1);
    const frames = fs
      .readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line))
      .filter((e) => e.kind === 'wire.frame');
    expect(frames.length).toBeGreaterThan(0);
    expect(pcap.records).toHaveLength(frames.length);
    pcap.records.forEach((record, i) => {
      expect(record.frame.toString('base64')).toBe(frames[i].data);
      expect(record.seconds * 1_000_000 + record.microseconds).toBe(Math.floor(frames[i].t / 10));
    });
    const tshark = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));
    if (tshark) {
      const { stdout } = await execute(tshark, ['-r', capture, '-T', 'fields', '-e', 'frame.len']);
      expect(stdout.trim().split('\n')).toHaveLength(frames.length);
    }
  }, 120_000);

  it('runs the built-in traffic scenario on the reference LabNIC driver by name and captures both directions of the wire', async () => {
    const capture = path.join(tmp, 'labnic.pcap');
    const run = await ndisLab('run', path.join(root, 'resources/examples/labnic-miniport'), '--scenario', 'traffic', '--pcap', capture, '--json');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe('clean');
    expect(json.expectations.find((e: { message: string }) => e.message.includes('balances')).message).toContain('10000 indicated; 10000 sent with success, 10000 on the wire');
    const pcap = readPcap(fs.readFileSync(capture));
    expect(pcap.records).toHaveLength(20_000);
    // Received frames come from the partner (02:4c:41:42:00:02), sent ones from the adapter; all carry EtherType 0x88B5.
    const fromPartner = pcap.records.filter((r) => r.frame.subarray(6, 12).toString('hex') === '024c41420002');
    expect(fromPartner).toHaveLength(10_000);
    expect(pcap.records.every((r) => r.frame.readUInt16BE(12) === 0x88b5)).toBe(true);
    const tshark = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));
    if (tshark) {
      const { stdout } = await execute(tshark, ['-r', capture, '-T', 'fields', '-e', 'eth.type']);
      expect(stdout.trim().split('\n')).toHaveLength(20_000);
    }
  }, 180_000);

  it('takes the adapters\' device and registry from the project\'s bench.json', async () => {
    const run = await ndisLab('run', path.join(root, 'resources/examples/labnic-miniport'), '--json');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    // The default scenario, on a LabNIC (bench.json "device": "labnic"): the driver claims real hardware and runs.
    expect(json.adapters[0].history).toContain('Running');
    expect(json.ndisCalls).toBeGreaterThan(500);
  }, 120_000);

  it('refuses --pcap with --no-trace (the capture comes from the trace)', async () => {
    const run = await ndisLab('run', reference, '--pcap', path.join(tmp, 'x.pcap'), '--no-trace');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--pcap needs the frames that tracing records');
  });
});
