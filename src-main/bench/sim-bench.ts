import fs from 'node:fs';
import path from 'node:path';
import { runDriver } from '../engine/session/run-driver';
import { resourcesDir } from '../engine/resources';
import { loadTestBuilder } from '../engine/toolchain/testing';
import type { ScenarioInput } from '../../src-shared/contract/scenario';
import { median, type BenchRow, type BenchSuite } from './table';

const CALLS = 2_000_000;
const CALLS_TARGET = 1_000_000;
const SCENARIO_TARGET_MS = 50;
const RX_FRAMES = 400_000;
const RX_RUNS = 5;
const RX_TARGET_UNTRACED = 1_000_000;
const RX_TARGET_TRACED = 200_000;
const IM_FRAMES = 40_000;
const IM_RUNS = 3;

/**
 * The pass-through intermediate driver bound to a LabNIC adapter run by the reference LabNIC
 * driver: `frames` arrive at the NIC below in bursts (or none), then the binding is taken down.
 */
function imScenario(frames: number): ScenarioInput {
  return {
    name: 'im-rx-bench',
    steps: [
      { step: 'load' },
      // LABTCPIP, bound above the virtual miniport once it initializes, restarts it: it is Running after the bind.
      { step: 'bind', lower: 'lower0', below: 'labnic' },
      ...(frames > 0 ? [{ step: 'inject-frame' as const, lower: 'lower0', count: frames, bytes: 64, burst: 32, intervalUs: 200 }, { step: 'advance-time' as const, ms: (frames / 32) * 0.2 + 5 }] : []),
      { step: 'pause' },
      { step: 'unbind' },
      { step: 'unload' },
    ],
  };
}

/** Brings a LabNIC adapter up, lets `frames` arrive in bursts (or none), then halts it. */
function rxScenario(frames: number): ScenarioInput {
  return {
    name: 'rx-bench',
    steps: [
      { step: 'load' },
      { step: 'add-device', name: 'adapter0', device: 'labnic', registry: { MSISupported: 1 } },
      { step: 'restart' },
      { step: 'advance-time', ms: 60 },
      ...(frames > 0 ? [{ step: 'inject-frame' as const, count: frames, bytes: 64, burst: 32, intervalUs: 200 }, { step: 'advance-time' as const, ms: (frames / 32) * 0.2 + 5 }] : []),
      { step: 'pause' },
      { step: 'halt' },
      { step: 'unload' },
    ],
  };
}

/** A driver whose DriverEntry makes CALLS simple NDIS calls (NdisGetVersion), then registers nothing. */
function callLoopDriver(calls: number): string {
  return [
    '#define NDIS_MINIPORT_DRIVER 1',
    '#define NDIS620_MINIPORT 1',
    '#include <ndis.h>',
    'volatile ULONG Sink;',
    'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)',
    '{',
    '    ULONG i, sum = 0;',
    '    UNREFERENCED_PARAMETER(DriverObject);',
    '    UNREFERENCED_PARAMETER(RegistryPath);',
    `    for (i = 0; i < ${calls}u; i++) sum += NdisGetVersion();`,
    '    Sink = sum;',
    '    return STATUS_UNSUCCESSFUL;',
    '}',
    '',
  ].join('\n');
}

function readFolder(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

export const simSuite: BenchSuite = {
  name: 'sim',
  async run() {
    const rows: BenchRow[] = [];
    const { builder } = await loadTestBuilder();

    // The physical floor: the same loop calling an import that does nothing, no simulator.
    const built = builder.build({ files: { 'driver.c': callLoopDriver(CALLS) }, implementedImports: null });
    if (!built.wasm) throw new Error('the call-loop driver did not build');
    const module = new WebAssembly.Module(built.wasm);
    const imports: WebAssembly.Imports = { ndis: {}, env: {} };
    for (const i of WebAssembly.Module.imports(module)) if (i.kind === 'function') imports[i.module]![i.name] = (() => 0) as WebAssembly.WasmFunction;
    const floorRuns: number[] = [];
    for (let r = 0; r < 5; r++) {
      const instance = new WebAssembly.Instance(module, imports);
      const t = performance.now();
      (instance.exports['DriverEntry'] as (a: number, b: number) => number)(0, 0);
      floorRuns.push(performance.now() - t);
    }
    rows.push({ group: 'sim', name: 'empty import calls/s (physical floor)', value: CALLS / (median(floorRuns) / 1000), unit: 'calls/s', note: 'the same wasm loop, imports that do nothing' });

    // Through the simulator: instrumentation, IRQL checks, fault counting, no per-call tracing.
    const empty = builder.build({ files: { 'driver.c': callLoopDriver(0) }, implementedImports: null });
    const simRuns: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      runDriver({ build: empty, driverName: 'bench', scenario: { steps: [{ step: 'load' }] }, tracing: false });
      const t1 = performance.now();
      runDriver({ build: built, driverName: 'bench', scenario: { steps: [{ step: 'load' }] }, tracing: false });
      const t2 = performance.now();
      simRuns.push(t2 - t1 - (t1 - t0));
    }
    const perSecond = CALLS / (median(simRuns) / 1000);
    rows.push({
      group: 'sim',
      name: 'simple NDIS calls/s through the simulator',
      value: perSecond,
      unit: 'calls/s',
      target: `≥ ${CALLS_TARGET.toLocaleString('en-US')}`,
      met: perSecond >= CALLS_TARGET,
      note: 'NdisGetVersion, tracing off; median of 5 × 2M calls',
    });

    // The default scenario on the reference hardware-free miniport, after its build.
    const reference = path.join(resourcesDir(), 'examples', 'virtual-miniport');
    if (fs.existsSync(reference)) {
      const ref = builder.build({ files: readFolder(reference), implementedImports: null });
      if (!ref.wasm) throw new Error('the reference virtual miniport did not build');
      const times: number[] = [];
      let result = '';
      let events = 0;
      for (let r = 0; r < 20; r++) {
        events = 0;
        const t = performance.now();
        result = runDriver({ build: ref, driverName: 'virtual-miniport', onEvent: () => void events++ }).result.result;
        times.push(performance.now() - t);
      }
      const ms = median(times);
      rows.push({
        group: 'sim',
        name: 'default scenario wall time, reference virtual miniport',
        value: ms,
        unit: 'ms',
        target: `≤ ${SCENARIO_TARGET_MS} ms`,
        met: ms <= SCENARIO_TARGET_MS && result === 'clean',
        note: `median of 20, full tracing (${events} events); result ${result}`,
      });
    }

    // Received frames per second through the reference LabNIC driver: the device stores each frame
    // by DMA, the ISR masks and defers, the DPC indicates the burst in one call, NDIS returns it.
    const labnic = path.join(resourcesDir(), 'examples', 'labnic-miniport');
    if (fs.existsSync(labnic)) {
      const nic = builder.build({ files: readFolder(labnic), implementedImports: null });
      if (!nic.wasm) throw new Error('the reference LabNIC miniport did not build');
      for (const tracing of [false, true]) {
        const runs: number[] = [];
        let indicated = 0;
        let result = '';
        let events = 0;
        // One untimed run first: the JIT warms up on this driver's hot paths as it would in a long session.
        runDriver({ build: nic, driverName: 'labnic-miniport', scenario: rxScenario(RX_FRAMES / 4), tracing });
        for (let r = 0; r < RX_RUNS; r++) {
          const t0 = performance.now();
          runDriver({ build: nic, driverName: 'labnic-miniport', scenario: rxScenario(0), tracing });
          const t1 = performance.now();
          indicated = 0;
          events = 0;
          const run = runDriver({
            build: nic,
            driverName: 'labnic-miniport',
            scenario: rxScenario(RX_FRAMES),
            tracing,
            onEvent: (e) => {
              events++;
              if (e.kind === 'nbl' && e.op === 'indicate') indicated += e.count;
            },
          });
          const t2 = performance.now();
          result = run.result.result;
          runs.push(t2 - t1 - (t1 - t0));
        }
        const perSecond = indicated / (median(runs) / 1000);
        const target = tracing ? RX_TARGET_TRACED : RX_TARGET_UNTRACED;
        rows.push({
          group: 'sim',
          name: `LabNIC received frames/s, reference driver, tracing ${tracing ? 'on' : 'off'}`,
          value: perSecond,
          unit: 'frames/s',
          target: `≥ ${target.toLocaleString('en-US')}`,
          met: perSecond >= target && indicated === RX_FRAMES && result === 'clean',
          note: `${indicated.toLocaleString('en-US')} of ${RX_FRAMES.toLocaleString('en-US')} 64-byte frames indicated, bursts of 32; ISR → DPC → indicate → return; median of ${RX_RUNS} after a warm-up run${tracing ? `, ${events.toLocaleString('en-US')} events` : ''}; result ${result}`,
        });
      }
    }

    // Frames/s up through the pass-through over the LabNIC driver: both drivers' wasm, the NIC's DMA,
    // the LabNIC ISR/DPC indication, NDIS's copy to ProtocolReceiveNetBufferLists, the IM's indication
    // up its virtual miniport, and every return back down to MiniportReturnNetBufferLists.
    const passthru = path.join(resourcesDir(), 'examples', 'passthru-im');
    if (fs.existsSync(passthru) && fs.existsSync(labnic)) {
      const im = builder.build({ files: readFolder(passthru), implementedImports: null });
      const nic = builder.build({ files: readFolder(labnic), implementedImports: null });
      if (!im.wasm || !nic.wasm) throw new Error('the pass-through or the LabNIC reference driver did not build');
      const runs: number[] = [];
      let up = 0;
      let result = '';
      runDriver({ build: im, lower: nic, driverName: 'passthru-im', scenario: imScenario(IM_FRAMES / 4), tracing: false });
      for (let r = 0; r < IM_RUNS; r++) {
        const t0 = performance.now();
        runDriver({ build: im, lower: nic, driverName: 'passthru-im', scenario: imScenario(0), tracing: false });
        const t1 = performance.now();
        up = 0;
        const run = runDriver({
          build: im,
          lower: nic,
          driverName: 'passthru-im',
          scenario: imScenario(IM_FRAMES),
          tracing: false,
          onEvent: (e) => {
            if (e.kind === 'nbl' && e.op === 'indicate' && e.driver === undefined && e.adapter !== 'lower0') up += e.count;
          },
        });
        const t2 = performance.now();
        result = run.result.result;
        runs.push(t2 - t1 - (t1 - t0));
      }
      const perSecond = up / (median(runs) / 1000);
      rows.push({
        group: 'sim',
        name: 'frames/s up through passthru-im over the LabNIC driver',
        value: perSecond,
        unit: 'frames/s',
        // No speed target: this row shows the cost of the stack. Every frame must go up in a clean run.
        target: 'every frame up, clean',
        met: up === IM_FRAMES && result === 'clean',
        note: `${up.toLocaleString('en-US')} of ${IM_FRAMES.toLocaleString('en-US')} 64-byte frames reached the virtual miniport's protocols, bursts of 32, tracing off; LabNIC ISR → DPC → NDIS copy → ProtocolReceiveNetBufferLists → virtual indicate → returns down; median of ${IM_RUNS} after a warm-up run; result ${result}`,
      });
    }
    return rows;
  },
};
