import { describe, expect, it } from 'vitest';
import { INPUT_QUIET_MS, inputArrived, MAX_INTERVAL_MS, MIN_INTERVAL_MS, nextInterval, publishOnTick } from './publish-clock';

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
});
