import { describe, expect, it } from 'vitest';
import { DISPATCH_LEVEL } from './irql';
import { Kernel } from './kernel';

const job = (label: string, run: () => void) => ({ label, run });

describe('the kernel: virtual time and its idle points', () => {
  it('calls atIdle before the first timer and after each, at PASSIVE_LEVEL with nothing ready, never inside a DPC', () => {
    const kernel = new Kernel(1, { maxVirtualTicks: 1e12 });
    const seen: string[] = [];
    for (const due of [10, 20, 30]) {
      kernel.scheduler.at(due, job(`timer ${due}`, () => {
        seen.push(`timer ${kernel.clock.now}`);
        kernel.queueDpc(job('dpc', () => seen.push(`dpc at irql ${kernel.irql}`)));
      }));
    }
    kernel.advance(25, () => seen.push(`idle ${kernel.clock.now} irql ${kernel.irql} dpcs ${kernel.scheduler.hasDpcs}`));
    expect(seen).toEqual([
      'idle 0 irql 0 dpcs false',
      'timer 10',
      `dpc at irql ${DISPATCH_LEVEL}`,
      'idle 10 irql 0 dpcs false',
      'timer 20',
      `dpc at irql ${DISPATCH_LEVEL}`,
      'idle 20 irql 0 dpcs false',
    ]);
    expect(kernel.clock.now).toBe(25);
  });

  it('takes what happens at an idle point into the same advance, even when it lets time pass beyond the end', () => {
    const kernel = new Kernel(1, { maxVirtualTicks: 1e12 });
    const fired: number[] = [];
    kernel.scheduler.at(10, job('timer', () => fired.push(kernel.clock.now)));
    let once = true;
    kernel.advance(50, () => {
      if (!once || kernel.clock.now < 10) return;
      once = false;
      // Something done at the idle point waits 100 ticks (a halt waiting for its sends, say), and sets a timer.
      kernel.scheduler.at(kernel.clock.now + 20, job('timer', () => fired.push(kernel.clock.now)));
      kernel.advance(100);
    });
    // The inner wait fired the timer it set; the outer advance ends where the inner one did, not back at 50.
    expect(fired).toEqual([10, 30]);
    expect(kernel.clock.now).toBe(110);
    // And time goes on from there.
    kernel.advance(5);
    expect(kernel.clock.now).toBe(115);
  });
});
