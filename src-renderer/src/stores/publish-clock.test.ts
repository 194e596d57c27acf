import { describe, expect, it } from 'vitest';
import { afterQuiet, INPUT_QUIET_MAX_MS, INPUT_QUIET_MS, inputArrived, MAX_INTERVAL_MS, MIN_INTERVAL_MS, nextInterval, onQuietChange, publishOnTick, quietRemaining } from './publish-clock';

describe('the publish clock', () => {
  it('spaces ticks so that their renders take at most a fifth of the main thread, within 40 … 250 ms', () => {
    expect(nextInterval(2)).toBe(MIN_INTERVAL_MS);
    expect(nextInterval(12)).toBe(60);
    expect(nextInterval(30)).toBe(150);
    expect(nextInterval(500)).toBe(MAX_INTERVAL_MS);
  });

  it('runs every store asking before a tick once, on the same tick; asks during a tick go to the next', async () => {
    const ran: string[] = [];
    const a = (): void => void ran.push('a');
    const b = (): void => {
      ran.push('b');
      // A store asking again while the tick runs (a search slice publishing its progress).
      if (ran.length < 4) publishOnTick(b);
    };
    publishOnTick(a);
    publishOnTick(b);
    publishOnTick(a);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ran).toEqual(['a', 'b']);
    const started = performance.now();
    while (ran.length < 3 && performance.now() - started < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toEqual(['a', 'b', 'b']);
    // Not before the shortest interval after the first tick.
    expect(performance.now() - started).toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 30 - 2);
  });

  it('holds the next tick back after an input, so the frame that answers the input carries nothing else', async () => {
    await new Promise((resolve) => setTimeout(resolve, MAX_INTERVAL_MS));
    let ran = 0;
    inputArrived();
    const asked = performance.now();
    publishOnTick(() => (ran = performance.now()));
    await new Promise((resolve) => setTimeout(resolve, INPUT_QUIET_MS / 2));
    expect(ran).toBe(0);
    while (ran === 0 && performance.now() - asked < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran - asked).toBeGreaterThanOrEqual(INPUT_QUIET_MS - 2);
  });

  it('keeps the quiet period until the input\'s frame is out (two frames on), at least INPUT_QUIET_MS, and tells its listeners', async () => {
    await new Promise((resolve) => setTimeout(resolve, INPUT_QUIET_MAX_MS));
    const told: number[] = [];
    const stop = onQuietChange((ms) => told.push(ms));
    inputArrived();
    const asked = performance.now();
    // Until the input's frame is out, the listeners hear the longest quiet.
    expect(told).toHaveLength(1);
    expect(told[0]).toBeCloseTo(INPUT_QUIET_MAX_MS, 0);
    expect(quietRemaining()).toBeGreaterThan(INPUT_QUIET_MS);
    let ended = 0;
    afterQuiet(() => (ended = performance.now()));
    while (ended === 0 && performance.now() - asked < 1000) await new Promise((resolve) => setTimeout(resolve, 2));
    stop();
    // Without animation frames (this test's environment) a frame is 16 ms: the floor of INPUT_QUIET_MS decides.
    expect(ended - asked).toBeGreaterThanOrEqual(INPUT_QUIET_MS - 2);
    expect(ended - asked).toBeLessThan(INPUT_QUIET_MAX_MS);
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(told[1]).toBeLessThanOrEqual(INPUT_QUIET_MS);
    expect(quietRemaining()).toBe(0);
  });
});
