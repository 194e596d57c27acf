import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scenario, type ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, testBuilder } from '../../engine/session/testing';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { createSourceMap } from '../../engine/session/source-map';
import type { BenchDevice } from '../hw/device';
import { FaultPlan, parseFault } from '../session/faults';
import { runScenario, type RunResult } from '../session/scenario';
import { Session } from '../session/session';
import { FUEL_GLOBAL_EXPORT, instrumentLoops } from '../wasm/instrument';
import './index';
import { plugDevice } from './hardware';
import { setHardwareOptions, type HardwareOptions } from './hw-state';
import { TestNic } from './hw-test-device';

const FIXTURE = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/hw-miniport.c'), 'utf8');

/** The fixture with `defines` in front, and the 1-based line of `marker` in that text. */
function variant(...defines: string[]): { source: string; line: (marker: string) => number } {
  const source = `${defines.map((d) => `#define ${d} 1`).join('\n')}\n${FIXTURE}`;
  return { source, line: (marker) => lineOf(source, marker) };
}

const LIFECYCLE: ScenarioInput = {
  steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms: 10 }, { step: 'pause' }, { step: 'halt' }, { step: 'unload' }],
};
const INIT_ONLY: ScenarioInput = { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'unload' }] };

/**
 * Runs a driver on a test device: like runDriverSource, but the session gets the device (and the
 * hardware options) before the scenario starts.
 */
async function runOnDevice(
  source: string,
  options: { scenario?: ScenarioInput; faults?: string[]; device?: BenchDevice; isr?: HardwareOptions['isrDuringRegistration'] } = {},
): Promise<{ result: RunResult; events: SimEvent[]; device: BenchDevice }> {
  const built = (await testBuilder()).build({ files: { 'driver.c': source }, implementedImports: null });
  const errors = built.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal');
  if (!built.ok || errors.length > 0 || !built.wasm || !built.lineTable) {
    throw new Error(`the test driver does not build:\n${built.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n')}`);
  }
  const instrumented = instrumentLoops(built.wasm);
  const events: SimEvent[] = [];
  const session = new Session({
    wasm: instrumented.wasm,
    driverName: 'TestDriver',
    sourceMap: createSourceMap(built.lineTable, built.inlineTable, (o) => instrumented.toOriginalOffset(o)),
    fuelGlobal: instrumented.fuelGlobalExport ?? FUEL_GLOBAL_EXPORT,
    seed: 1,
    faults: new FaultPlan((options.faults ?? []).map(parseFault)),
    emit: (e) => events.push(e),
  });
  const device = options.device ?? new TestNic();
  plugDevice(session, 'adapter0', device);
  setHardwareOptions(session, { isrDuringRegistration: options.isr ?? 'never' });
  const result = runScenario(session, Scenario.parse(options.scenario ?? LIFECYCLE), 'TestDriver');
  return { result, events, device };
}

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

function callbacks(events: SimEvent[], handler: string) {
  return events.filter((e) => e.kind === 'driver.callback' && e.handler === handler && e.phase === 'enter') as Array<Extract<SimEvent, { kind: 'driver.callback' }>>;
}

describe('hardware miniport on a test device', () => {
  it('runs the documented init/halt sequence clean: resources, ports, mapping, SG DMA, shared memory, interrupt, DMA and DPC', async () => {
    const { source, line } = variant();
    const run = await runOnDevice(source);
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    // The device summed bytes 0..63 of the ring through bus-master DMA (2016) and wrote the sum back.
    expect(prints(run.events)).toEqual(['dpc irql=2 result=2016 ring=2016', 'pause sync=1 isrs=1 dpcs=1']);
    expect(callbacks(run.events, 'MiniportInterrupt').map((e) => e.irql)).toEqual([5]);
    expect(callbacks(run.events, 'MiniportInterruptDPC').map((e) => e.irql)).toEqual([2]);
    expect(run.events.filter((e) => e.kind === 'hw.interrupt')).toMatchObject([{ outcome: 'claimed', dpc: true }]);
    const icr = run.events.find((e) => e.kind === 'hw.register' && e.register === 'ICR');
    expect(icr).toMatchObject({ op: 'read', space: 'memory', offset: 8, size: 4, value: 2, line: lineOf(source, 'ISR_READ') });
    expect(run.events.some((e) => e.kind === 'hw.register' && e.space === 'port' && e.op === 'write' && e.value === 0x5a && e.register === 'PORT1')).toBe(true);
    const resources = run.events.filter((e) => e.kind === 'resource' && e.resource !== 'memory').map((e) => `${(e as { op: string }).op} ${(e as { resource: string }).resource}`);
    expect(resources).toEqual([
      'alloc io-ports',
      'alloc io-mapping',
      'alloc sg-dma',
      'alloc shared-memory',
      'alloc interrupt',
      'free interrupt',
      'free shared-memory',
      'free sg-dma',
      'free io-mapping',
      'free io-ports',
    ]);
    expect(run.events.find((e) => e.kind === 'resource' && e.resource === 'io-mapping')).toMatchObject({ line: line('/* MAP */') });
  });

  it('NDIS may call the ISR inside NdisMRegisterInterruptEx; a driver that registers last returns FALSE and stays clean', async () => {
    const run = await runOnDevice(variant().source, { isr: 'always' });
    expect(run.result.result).toBe('clean');
    expect(run.events.filter((e) => e.kind === 'hw.interrupt').map((e) => (e as { outcome: string }).outcome)).toEqual(['spurious', 'claimed']);
  });

  it('a virtual device has no bus data: the driver fails init with ADAPTER_NOT_FOUND', async () => {
    const { source } = variant();
    const { NullDevice } = await import('../hw/device');
    const run = await runOnDevice(source, { device: new NullDevice(), scenario: INIT_ONLY });
    expect(run.result.adapters[0]?.state).toBe('Halted');
    expect(run.result.findings).toEqual([]);
  });
});

describe('hardware rules', () => {
  it('INIT-ATTR-REG-FIRST: NdisMMapIoSpace before the registration attributes fails, at the call', async () => {
    const { source, line } = variant('MAP_BEFORE_ATTRIBUTES');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-REG-FIRST', severity: 'stop', line: line('/* MAP */') });
    expect(run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMMapIoSpace')).toMatchObject({ result: 'NDIS_STATUS_FAILURE' });
  });

  it('INIT-SGDMA-REG: without BUS_MASTER the registration returns NDIS_STATUS_NOT_SUPPORTED', async () => {
    const { source, line } = variant('NO_BUS_MASTER');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['INIT-SGDMA-REG']);
    expect(run.result.findings[0]).toMatchObject({ severity: 'api-fail', line: line('/* SGDMA */') });
    expect(run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMRegisterScatterGatherDma')).toMatchObject({ result: 'NDIS_STATUS_NOT_SUPPORTED' });
  });

  it('INIT-SHMEM-PRECOND: shared memory before NdisMRegisterScatterGatherDma returns NULL', async () => {
    const { source, line } = variant('SHMEM_BEFORE_SGDMA');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-SHMEM-PRECOND', severity: 'stop', line: line('/* SHMEM */') });
  });

  it('INIT-SHMEM-IRQL: NdisMAllocateSharedMemory under a spin lock is bug check 0x7C/0x01 (adapter, length, IRQL)', async () => {
    const { source, line } = variant('SHMEM_AT_DISPATCH');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'INIT-SHMEM-IRQL', line: line('/* SHMEM */') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00000001');
    expect(run.result.bugcheck!.params.slice(2)).toEqual(['0x00000800', '0x00000002']);
  });

  it('INIT-INT-EARLY: an interrupt registered before the registers are mapped crashes its ISR inside the registration', async () => {
    const { source, line } = variant('INT_EARLY');
    const run = await runOnDevice(source, { scenario: INIT_ONLY, isr: 'always' });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-INT-EARLY', line: line('ISR_READ') });
    expect(run.result.bugcheck).toMatchObject({ code: '0x00000050', rule: 'HW-UNMAPPED', line: line('ISR_READ') });
  });

  it('INIT-INT-REG: a wrong characteristics Size is a stop and the registration fails', async () => {
    const { source, line } = variant('BAD_INT_HEADER');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-INT-REG', severity: 'stop', line: line('/* INT_REGISTER */') });
  });

  it('INIT-INT-REG: init returning SUCCESS after a failed NdisMRegisterInterruptEx (injected) is a stop', async () => {
    const { source, line } = variant('IGNORE_INT_FAILURE');
    const run = await runOnDevice(source, { scenario: INIT_ONLY, faults: ['NdisMRegisterInterruptEx@1'] });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-INT-REG', line: line('/* INT_REGISTER */') });
  });

  it('INIT-FAIL-INT: init failing with its interrupt registered is bug check 0x7C/0x0B', async () => {
    const { source, line } = variant('FAIL_AFTER_INT');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'INIT-FAIL-INT', line: line('/* INT_REGISTER */') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000000B');
  });

  it('HALT-INT: halt returning with its interrupt registered is bug check 0x7C/0x08', async () => {
    const { source, line } = variant('HALT_KEEPS_INT');
    const run = await runOnDevice(source);
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'HALT-INT', line: line('/* INT_REGISTER */') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00000008');
  });

  it('HALT-SHMEM-FREE: freeing shared memory twice is bug check 0x7C/0x03 (adapter, page, address)', async () => {
    const { source, line } = variant('SHMEM_DOUBLE_FREE');
    const run = await runOnDevice(source);
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'HALT-SHMEM-FREE', line: line('FREE_TWICE') });
    const [p1, , page, va] = run.result.bugcheck!.params.map((p) => Number.parseInt(p, 16));
    expect(p1).toBe(3);
    expect(page).toBe(va! & ~0xfff);
  });

  it('HALT-SHMEM-FREE: a Length that does not match the allocation is bug check 0x7C/0x03', async () => {
    const { source, line } = variant('SHMEM_WRONG_LENGTH');
    const run = await runOnDevice(source);
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'HALT-SHMEM-FREE', line: line('FREE_WRONG') });
    expect(run.result.bugcheck!.message).toMatch(/Length 2047 differs/);
  });

  it('HALT-AFTER: NdisMSynchronizeWithInterruptEx after NdisMDeregisterInterruptEx', async () => {
    const { source, line } = variant('SYNC_AFTER_DEREG');
    const run = await runOnDevice(source);
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-AFTER', line: line('L_SYNC_AFTER') });
  });

  it('HALT-LEAK: a mapping never unmapped names the NdisMMapIoSpace line', async () => {
    const { source, line } = variant('HALT_KEEPS_MAPPING');
    const run = await runOnDevice(source);
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK', line: line('/* MAP */') });
    expect(run.result.findings[0]!.message).toMatch(/NdisMMapIoSpace/);
  });

  it('INIT-HWRES-CONTEXT: an unmap with another length, and a mapping made outside init', async () => {
    const wrong = variant('UNMAP_WRONG_LENGTH');
    const run = await runOnDevice(wrong.source);
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-HWRES-CONTEXT', line: wrong.line('L_UNMAP_WRONG') });
    const late = variant('MAP_IN_RESTART');
    const run2 = await runOnDevice(late.source);
    expect(run2.result.findings[0]).toMatchObject({ rule: 'INIT-HWRES-CONTEXT', line: late.line('MAP_RESTART') });
  });

  it('SHUT-NO-NDIS: freeing shared memory in MiniportShutdownEx', async () => {
    const { source, line } = variant('SHUTDOWN_FREES');
    const run = await runOnDevice(source, { scenario: { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'shutdown' }] } });
    expect(run.result.findings.find((f) => f.rule === 'SHUT-NO-NDIS' && f.severity === 'stop')).toMatchObject({ line: line('L_SHUTDOWN_FREE') });
  });
});

describe('injected faults on the fallible hardware calls', () => {
  it.each([
    ['NdisMRegisterIoPortRange', 'NDIS_STATUS_RESOURCE_CONFLICT'],
    ['NdisMMapIoSpace', 'NDIS_STATUS_RESOURCES, VirtualAddress = NULL'],
    ['NdisMRegisterScatterGatherDma', 'NDIS_STATUS_RESOURCES'],
    ['NdisMAllocateSharedMemory', 'VirtualAddress = NULL'],
    ['NdisMRegisterInterruptEx', 'NDIS_STATUS_RESOURCES'],
  ])('%s fails (%s): the correct driver logs, releases everything and fails init', async (api, outcome) => {
    const run = await runOnDevice(variant().source, { scenario: INIT_ONLY, faults: [`${api}@1`] });
    expect(run.events.find((e) => e.kind === 'fault.injected')).toMatchObject({ api, outcome });
    expect(run.result.findings).toEqual([]);
    expect(run.result.adapters[0]).toMatchObject({ state: 'Halted', history: ['Halted', 'Initializing', 'Halted'] });
  });

  it('INIT-SHMEM-NOLOG: a NULL from NdisMAllocateSharedMemory with no error-log entry is a warning', async () => {
    const { source, line } = variant('NO_ERROR_LOG');
    const run = await runOnDevice(source, { scenario: INIT_ONLY, faults: ['NdisMAllocateSharedMemory@1'] });
    expect(run.result.findings.find((f) => f.rule === 'INIT-SHMEM-NOLOG')).toMatchObject({ severity: 'warn', line: line('/* SHMEM */') });
  });

  it('INIT-HWRES-FAIL: using the NULL mapping after NdisMMapIoSpace failed', async () => {
    const { source, line } = variant('IGNORE_MAP_FAILURE');
    const run = await runOnDevice(source, { scenario: INIT_ONLY, faults: ['NdisMMapIoSpace@1'] });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-HWRES-FAIL' });
    expect(run.result.bugcheck).toMatchObject({ code: '0x00000050', rule: 'HW-UNMAPPED' });
    expect(run.result.findings[0]!.message).toContain(`${line('/* MAP */')}`);
  });

  it('HALT-ORDER: memory freed in halt while the interrupt is still registered is a warning', async () => {
    const { source, line } = variant('FREE_BEFORE_DEREG');
    const run = await runOnDevice(source);
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-ORDER', severity: 'warn', line: line('FREE_EARLY') });
    expect(run.result.result).toBe('clean');
  });

  it('INIT-SHMEM-NULL: using shared memory NdisMAllocateSharedMemory returned as NULL', async () => {
    const { source, line } = variant('SHMEM_UNCHECKED');
    const run = await runOnDevice(source, { faults: ['NdisMAllocateSharedMemory@1'], scenario: INIT_ONLY });
    expect(run.result.findings.map((f) => f.rule)).toContain('INIT-SHMEM-NULL');
    expect(run.result.bugcheck).toMatchObject({ rule: 'UB-NULL', line: line('USE_UNCHECKED') });
  });

  it('INIT-SHMEM-ASYNC: asynchronous shared memory without a completion handler', async () => {
    const { source, line } = variant('ASYNC_WITHOUT_HANDLER');
    const run = await runOnDevice(source, { scenario: INIT_ONLY });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-SHMEM-ASYNC', line: line('/* ASYNC */') });
  });
});
