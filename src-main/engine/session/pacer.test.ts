import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer';

/** Drives a pacer through `events` events on a made-up clock that moves only when the pacer asks to wait. */
function simulate(pacer: Pacer, events: number, start = 0): { end: number; waits: number[] } {
  let now = start;
  const waits: number[] = [];
  for (let i = 0; i < events; i++) {
    const wait = pacer.afterEvent(now);
    waits.push(wait);
    now += wait;
  }
  return { end: now, waits };
}

describe('Pacer: a run at N events per second', () => {
  it('runs freely at rate 0', () => {
    const pacer = new Pacer();
    pacer.setRate(0, 0);
    expect(simulate(pacer, 1000).end).toBe(0);
    pacer.setRate(-5, 0);
    expect(pacer.rate).toBe(0);
    expect(pacer.afterEvent(10)).toBe(0);
  });

  it('spreads events evenly: 100 events at 50/s take 2 s of wall time', () => {
    const pacer = new Pacer();
    pacer.setRate(50, 1000);
    const { end, waits } = simulate(pacer, 100, 1000);
    expect(end).toBeCloseTo(3000, 6);
    expect(waits.every((w) => Math.abs(w - 20) < 1e-9)).toBe(true);
  });

  it('counts the time the simulator itself took: a slow event leaves less to wait', () => {
    const pacer = new Pacer();
    pacer.setRate(10, 0);
    expect(pacer.afterEvent(0)).toBe(100);
    // The second event took 60 ms of simulator time after the first's wait ended at 100.
    expect(pacer.afterEvent(160)).toBeCloseTo(40, 9);
  });

  it('after a long stall it does not catch up in a burst', () => {
    const pacer = new Pacer();
    pacer.setRate(100, 0);
    pacer.afterEvent(0);
    // One second late: the schedule restarts instead of letting 100 events through at once.
    expect(pacer.afterEvent(1010)).toBe(0);
    expect(pacer.afterEvent(1010)).toBeCloseTo(10, 9);
    expect(pacer.afterEvent(1020)).toBeCloseTo(10, 9);
  });

  it('a small lag is made up (the average rate holds)', () => {
    const pacer = new Pacer();
    pacer.setRate(100, 0);
    pacer.afterEvent(0);
    expect(pacer.afterEvent(50)).toBe(0);
    // 50 ms late at event 2 (due at 20): events 3..5 (due 30, 40, 50) pass at once, event 6 waits until 60.
    expect(pacer.afterEvent(50)).toBe(0);
    expect(pacer.afterEvent(50)).toBe(0);
    expect(pacer.afterEvent(50)).toBe(0);
    expect(pacer.afterEvent(50)).toBeCloseTo(10, 9);
  });

  it('a new rate, or a restart after a pause, starts counting afresh', () => {
    const pacer = new Pacer();
    pacer.setRate(1, 0);
    expect(pacer.afterEvent(0)).toBe(1000);
    pacer.setRate(1000, 5);
    expect(pacer.remaining(5)).toBe(0);
    expect(pacer.afterEvent(5)).toBeCloseTo(1, 9);
    pacer.restart(10_000);
    expect(pacer.afterEvent(10_000)).toBeCloseTo(1, 9);
    expect(pacer.remaining(10_000.5)).toBeCloseTo(0.5, 9);
  });
});
