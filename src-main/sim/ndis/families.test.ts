import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';

const template = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/families-miniport.c'), 'utf8');

function driver(...defines: string[]): Record<string, string> {
  return { 'driver.c': defines.map((d) => `#define ${d} 1\n`).join('') + template };
}

const REGISTRY = { Speed: 1000, HexValue: '1F', Name: 'lab', NetworkAddress: '02AABBCCDDEE' };

function scenario(...middle: ScenarioInput['steps']): ScenarioInput {
  return { steps: [{ step: 'load' }, { step: 'add-device', name: 'nic0', registry: REGISTRY }, ...middle, { step: 'halt' }, { step: 'unload' }] };
}

const TRAFFIC = scenario({ step: 'restart' }, { step: 'send', count: 4, bytes: 60 }, { step: 'advance-time', ms: 10 }, { step: 'pause' });

const of = <K extends SimEvent['kind']>(events: SimEvent[], kind: K) => events.filter((e): e is Extract<SimEvent, { kind: K }> => e.kind === kind);

describe('configuration (config.ts)', () => {
  it('reads the add-device registry: integers, hex strings, strings, the network address; a missing keyword fails', async () => {
    const run = await runDriverSource(driver(), { scenario: scenario() });
    expect(run.result.result).toBe('clean');
    const writes = Object.fromEntries(of(run.events, 'registry.write').map((e) => [e.keyword, e.value]));
    expect(writes).toMatchObject({ SeenSpeed: '1001', SeenHex: '31', NameIsLab: '1', MissingStatus: String(0xc0000001), MacLast: '238' });
    const reads = of(run.events, 'registry.read');
    expect(reads.find((e) => e.keyword === 'Speed')).toMatchObject({ scope: 'nic0', found: true, value: '1000', line: lineOf(driver()['driver.c']!, 'READ-SPEED') });
    expect(reads.find((e) => e.keyword === 'NotThere')).toMatchObject({ found: false });
    expect(reads.find((e) => e.keyword === 'NetworkAddress')).toMatchObject({ found: true, value: '02-aa-bb-cc-dd-ee' });
  });

  it('INIT-CONFIG: a configuration object with the wrong revision', async () => {
    const files = driver('CONFIG_BAD_HEADER');
    const run = await runDriverSource(files, { scenario: scenario() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-CONFIG', file: 'driver.c', line: lineOf(files['driver.c']!, 'status = NdisOpenConfigurationEx') });
    expect(run.result.findings[0]!.message).toContain('Revision 2');
  });

  it('INIT-CONFIG: a failed NdisOpenConfigurationEx ignored, the handle used anyway (fault injected)', async () => {
    const files = driver('CONFIG_IGNORE_FAILURE');
    const run = await runDriverSource(files, { scenario: scenario(), faults: ['NdisOpenConfigurationEx@1'] });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-CONFIG', line: lineOf(files['driver.c']!, 'READ-SPEED') });
    const clean = await runDriverSource(driver(), { scenario: scenario(), faults: ['NdisOpenConfigurationEx@1'] });
    expect(clean.result.findings.map((f) => f.rule)).not.toContain('INIT-CONFIG');
  });

  it('HALT-LEAK: a configuration handle never closed is reported at halt with the line that opened it', async () => {
    const files = driver('CONFIG_LEAK');
    const run = await runDriverSource(files, { scenario: scenario() });
    const finding = run.result.findings.find((f) => f.rule === 'HALT-LEAK');
    expect(finding).toMatchObject({ line: lineOf(files['driver.c']!, 'status = NdisOpenConfigurationEx') });
    expect(finding!.message).toContain('configuration handle from NdisOpenConfigurationEx');
  });
});

describe('the data path (nbl.ts)', () => {
  it('loopback: sends are completed and go on the wire, receives are indicated and returned, pause waits for them', async () => {
    const run = await runDriverSource(driver(), { scenario: TRAFFIC });
    expect(run.result.result).toBe('clean');
    const tx = of(run.events, 'wire.frame').filter((e) => e.direction === 'tx');
    const rx = of(run.events, 'wire.frame').filter((e) => e.direction === 'rx');
    expect(tx).toHaveLength(4);
    expect(tx[0]).toMatchObject({ length: 60 });
    expect(tx[0]!.head.startsWith('024c41420002024c4142000188b5')).toBe(true);
    expect(rx.map((e) => e.head)).toEqual(tx.map((e) => e.head));
    const ops = of(run.events, 'nbl').map((e) => `${e.op}:${e.count}`);
    expect(ops).toEqual(['send:4', 'send-complete:4', 'indicate:4', 'return:4']);
    const ret = run.events.find((e) => e.kind === 'driver.callback' && e.handler === 'MiniportReturnNetBufferLists' && e.phase === 'enter');
    expect(ret).toMatchObject({ irql: 2 });
  });

  it('a pause that arrives before the receives are back pends and completes from MiniportReturnNetBufferLists', async () => {
    const run = await runDriverSource(driver(), { scenario: scenario({ step: 'restart' }, { step: 'send', count: 2 }, { step: 'pause' }) });
    expect(run.result.result).toBe('clean');
    expect(run.events.some((e) => e.kind === 'ndis.call' && e.api === 'NdisMPauseComplete')).toBe(true);
  });

  it('NDIS_RECEIVE_FLAGS_RESOURCES: the NBLs are the driver\'s again when the call returns (no return)', async () => {
    const run = await runDriverSource(driver('RECEIVE_RESOURCES'), { scenario: TRAFFIC });
    expect(run.result.result).toBe('clean');
    expect(of(run.events, 'nbl').map((e) => e.op)).not.toContain('return');
  });

  it('ST-PAUSE-INCOMPLETE: a pause completed while indicated NBLs are still with NDIS', async () => {
    const run = await runDriverSource(driver('PAUSE_IGNORES_RECEIVES'), { scenario: scenario({ step: 'restart' }, { step: 'send', count: 2 }, { step: 'pause' }) });
    expect(run.result.findings[0]).toMatchObject({ rule: 'ST-PAUSE-INCOMPLETE' });
    expect(run.result.findings[0]!.message).toContain('2 indicated NBL(s) not yet returned');
  });

  it('ST-PAUSE-INCOMPLETE: sends held by the driver when the pause completes', async () => {
    const run = await runDriverSource(driver('HOLD_SENDS'), { scenario: TRAFFIC });
    expect(run.result.findings.map((f) => f.rule)).toContain('ST-PAUSE-INCOMPLETE');
    expect(run.result.findings.find((f) => f.rule === 'ST-PAUSE-INCOMPLETE')!.message).toContain('4 send NBL(s) not yet completed');
  });

  it('NBL-OWNERSHIP: completing the same sends twice stops at the second completion', async () => {
    const files = driver('COMPLETE_TWICE');
    const run = await runDriverSource(files, { scenario: TRAFFIC });
    expect(run.result.bugcheck).toMatchObject({ rule: 'NBL-OWNERSHIP', line: lineOf(files['driver.c']!, 'VIOLATION: second completion') });
    expect(run.result.bugcheck!.message).toContain('completed already');
  });

  it('HALT-RCV-OUT: the NBL pool freed while its NBLs are indicated', async () => {
    const files = driver('FREE_POOL_IN_PAUSE');
    const run = await runDriverSource(files, { scenario: scenario({ step: 'restart' }, { step: 'send', count: 1 }, { step: 'pause' }) });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-RCV-OUT', line: lineOf(files['driver.c']!, 'VIOLATION: pool freed') });
  });

  it('ST-PAUSED-IO: a receive indicated while the adapter is Paused; the same indication while Running is fine', async () => {
    const files = driver('INDICATE_IN_OID');
    const paused = await runDriverSource(files, { scenario: scenario({ step: 'oid', oid: 0x0001010e, request: 'set', data: [1, 0, 0, 0] }) });
    expect(paused.result.findings[0]).toMatchObject({ rule: 'ST-PAUSED-IO', line: lineOf(files['driver.c']!, 'INDICATE-IN-OID') });
    const running = await runDriverSource(files, { scenario: scenario({ step: 'restart' }, { step: 'oid', oid: 0x0001010e, request: 'set', data: [1, 0, 0, 0] }, { step: 'pause' }) });
    expect(running.result.result).toBe('clean');
  });

  it('INIT-NO-DATA: a receive indicated inside MiniportInitializeEx', async () => {
    const files = driver('INDICATE_IN_INIT');
    const run = await runDriverSource(files, { scenario: scenario() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-NO-DATA', line: lineOf(files['driver.c']!, 'VIOLATION: receive in init') });
  });

  it('INIT-POOL: NBL pool parameters with a bad header; HALT-LEAK: a pool never freed', async () => {
    const bad = driver('POOL_BAD_HEADER');
    const run = await runDriverSource(bad, { scenario: scenario() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-POOL', line: lineOf(bad['driver.c']!, 'ALLOC-POOL') });
    const leak = driver('LEAK_POOL');
    const leaked = await runDriverSource(leak, { scenario: scenario() });
    const finding = leaked.result.findings.find((f) => f.rule === 'HALT-LEAK');
    expect(finding!.message).toContain('NBL pool from NdisAllocateNetBufferListPool');
  });
});

describe('OID requests (oid.ts)', () => {
  const OID_GEN_CURRENT_PACKET_FILTER = 0x0001010e;
  const OID_GEN_VENDOR_DESCRIPTION = 0x0001010d;
  const withOids = (...steps: ScenarioInput['steps']) => scenario(...steps);

  it('answers sets synchronously and a pended query through NdisMOidRequestComplete', async () => {
    const run = await runDriverSource(driver(), {
      scenario: withOids({ step: 'oid', oid: OID_GEN_CURRENT_PACKET_FILTER, request: 'set', data: [0x0b, 0, 0, 0] }, { step: 'oid', oid: OID_GEN_VENDOR_DESCRIPTION, request: 'query' }, { step: 'oid', oid: 0x12345678, request: 'query' }),
    });
    expect(run.result.result).toBe('clean');
    const done = of(run.events, 'oid.complete');
    expect(done.map((e) => [e.oid, e.mode, e.status, e.bytes])).toEqual([
      // What NDIS sets by itself right after init, while the adapter is Paused.
      ['OID_GEN_CURRENT_PACKET_FILTER', 'sync', 'NDIS_STATUS_SUCCESS', 4],
      ['OID_802_3_MULTICAST_LIST', 'sync', 'NDIS_STATUS_SUCCESS', 0],
      ['OID_GEN_CURRENT_PACKET_FILTER', 'sync', 'NDIS_STATUS_SUCCESS', 4],
      ['OID_GEN_VENDOR_DESCRIPTION', 'pended', 'NDIS_STATUS_SUCCESS', 4],
      ['0x12345678', 'sync', 'NDIS_STATUS_NOT_SUPPORTED', 0],
    ]);
    const request = run.events.find((e) => e.kind === 'driver.callback' && e.handler === 'MiniportOidRequest' && e.phase === 'enter');
    expect(request).toMatchObject({ irql: 0 });
  });

  it('OID-DOUBLE: NdisMOidRequestComplete for an OID the handler returned synchronously (0xC4/0x00091002)', async () => {
    const files = driver('OID_SYNC_AND_COMPLETE');
    const run = await runDriverSource(files, { scenario: withOids({ step: 'oid', oid: OID_GEN_CURRENT_PACKET_FILTER, request: 'set', data: [1, 0, 0, 0] }) });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'OID-DOUBLE', line: lineOf(files['driver.c']!, 'VIOLATION: complete a sync OID') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00091002');
  });

  it('OID-DOUBLE: a pended OID completed twice', async () => {
    const files = driver('OID_DOUBLE');
    const run = await runDriverSource(files, { scenario: withOids({ step: 'oid', oid: OID_GEN_VENDOR_DESCRIPTION, request: 'query' }, { step: 'advance-time', ms: 50 }) });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'OID-DOUBLE', line: lineOf(files['driver.c']!, 'COMPLETE-OID') });
    expect(run.result.bugcheck!.message).toContain('completed already');
  });

  it('OID-STATUS: completing with NDIS_STATUS_PENDING (0xC4/0x00091001)', async () => {
    const files = driver('OID_PENDING_STATUS');
    const run = await runDriverSource(files, { scenario: withOids({ step: 'oid', oid: OID_GEN_VENDOR_DESCRIPTION, request: 'query' }) });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'OID-STATUS', line: lineOf(files['driver.c']!, 'VIOLATION: pending status') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00091001');
  });

  it('OID-TIMEOUT: a pended OID never completed within 12 s (0xC4/0x00092003)', async () => {
    const run = await runDriverSource(driver('OID_NEVER'), { scenario: withOids({ step: 'oid', oid: OID_GEN_VENDOR_DESCRIPTION, request: 'query' }) });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', rule: 'OID-TIMEOUT' });
    expect(run.result.bugcheck!.params[0]).toBe('0x00092003');
    expect(run.result.virtualTime).toBeGreaterThanOrEqual(12 * 10_000_000);
  });
});

describe('status indications (indication.ts)', () => {
  it('decodes NDIS_STATUS_LINK_STATE', async () => {
    const files = driver();
    const run = await runDriverSource(files, { scenario: scenario() });
    const indication = of(run.events, 'status.indication')[0];
    expect(indication).toMatchObject({ adapter: 'nic0', status: 'NDIS_STATUS_LINK_STATE', detail: 'connected, full duplex, 1 Gbps', line: lineOf(files['driver.c']!, 'INDICATE-LINK') });
  });

  it('INIT-ATTR-STATUS-EARLY: a status indication before the registration attributes', async () => {
    const files = driver('STATUS_EARLY');
    const run = await runDriverSource(files, { scenario: scenario() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-STATUS-EARLY', line: lineOf(files['driver.c']!, 'INDICATE-LINK') });
  });

  it('HALT-AFTER: a status indication after MiniportHaltEx returned', async () => {
    const files = driver('STATUS_AFTER_HALT');
    const run = await runDriverSource(files, { scenario: scenario() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-AFTER', line: lineOf(files['driver.c']!, 'INDICATE-LINK') });
  });
});
