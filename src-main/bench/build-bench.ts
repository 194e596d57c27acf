import { BuildService } from '../engine/toolchain/build-service';
import { watchEventLoop } from '../testing/event-loop';
import { generateDriver } from './driver-gen';
import { median, type BenchRow, type BenchSuite } from './table';

const WARM_RUNS = 20;
const WARM_TARGET_MS = 300;

/** Measures builds the way the lab runs them: through the build worker, with the engine's thread free. */
export const buildSuite: BenchSuite = {
  name: 'build',
  async run() {
    const rows: BenchRow[] = [];
    // Without warm-up: what a one-shot CLI build sees.
    const cold = new BuildService({ implementedImports: null });
    let started = performance.now();
    await cold.start();
    rows.push({ group: 'build', name: 'compiler load (no warm-up)', value: performance.now() - started, unit: 'ms', note: 'clang+lld wasm, ~105 MB' });
    for (const lines of [300, 2000]) {
      started = performance.now();
      const out = await cold.build({ 'driver.c': generateDriver(lines) });
      if (!out.ok) throw new Error(`the ${lines}-line bench driver did not build: ${out.diagnostics.map((d) => d.message).join('; ')}`);
      rows.push({ group: 'build', name: `cold first build, ${lines}-line driver`, value: performance.now() - started, unit: 'ms', note: 'first builds after load, unoptimised compiler code' });
    }
    await cold.dispose();

    // With warm-up, as the desktop app and the web host load it.
    const warm = new BuildService({ implementedImports: null, warmUp: true });
    started = performance.now();
    await warm.start();
    rows.push({ group: 'build', name: 'compiler load with warm-up', value: performance.now() - started, unit: 'ms', note: 'in the background at start-up' });
    const probe = watchEventLoop();
    for (const lines of [300, 500, 2000]) {
      const base = generateDriver(lines);
      const times: number[] = [];
      for (let i = 0; i < WARM_RUNS; i++) {
        // An edit per run (as a learner makes), so the cache cannot answer.
        const t = performance.now();
        const out = await warm.build({ 'driver.c': `${base}/* edit ${i} */\n` });
        times.push(performance.now() - t);
        if (!out.ok) throw new Error(`the ${lines}-line bench driver did not build`);
      }
      const value = median(times);
      rows.push({
        group: 'build',
        name: `warm build median of ${WARM_RUNS}, ${lines}-line driver`,
        value,
        unit: 'ms',
        ...(lines === 500 ? { target: `≤ ${WARM_TARGET_MS} ms`, met: value <= WARM_TARGET_MS } : {}),
        note: 'edit → compile → link → line table',
      });
    }
    const worstGap = probe.stop();
    rows.push({
      group: 'build',
      name: 'longest engine-thread stall while building',
      value: worstGap,
      unit: 'ms',
      target: '≤ 50 ms',
      met: worstGap <= 50,
      note: 'a 5 ms timer on the engine thread during the warm builds',
    });
    await warm.dispose();
    return rows;
  },
};
