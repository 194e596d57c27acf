import { VirtualClock } from './clock';
import { DISPATCH_LEVEL, PASSIVE_LEVEL, type Irql } from './irql';
import { SeededRandom } from './rng';
import { Scheduler, type Job } from './scheduler';

export interface KernelLimits {
  /** A run may not go past this much virtual time (ticks); past it, the watchdog stops the run. */
  maxVirtualTicks: number;
}

/** Thrown when virtual time runs past the run's limit: a driver that keeps the system busy forever. */
export class VirtualTimeExhausted extends Error {}

/**
 * One simulated CPU: virtual clock, IRQL, and the scheduler's queues, run re-entrantly. Whenever
 * the driver waits (NdisMSleep, NdisWaitEvent, NdisStallExecution) or NDIS is idle, `runReady`
 * runs what is due — DPCs at DISPATCH_LEVEL, then (only from PASSIVE_LEVEL) work items — calling
 * back into the driver while its wait is still on the stack.
 */
export class Kernel {
  readonly clock = new VirtualClock();
  readonly scheduler = new Scheduler(this.clock);
  readonly rng: SeededRandom;
  private currentIrql: Irql = PASSIVE_LEVEL;
  private runningDpc = false;
  /** Parts of the system that may still finish something a wait depends on, with only background jobs queued. */
  private readonly owing: Array<() => boolean> = [];

  constructor(
    seed: number,
    private readonly limits: KernelLimits,
  ) {
    this.rng = new SeededRandom(seed);
  }

  get irql(): Irql {
    return this.currentIrql;
  }

  /** Runs `fn` at `irql`, restoring the previous level afterwards (also when it throws). */
  atIrql<T>(irql: Irql, fn: () => T): T {
    const previous = this.currentIrql;
    this.currentIrql = irql;
    try {
      return fn();
    } finally {
      this.currentIrql = previous;
    }
  }

  /** Sets the IRQL directly, as spin locks and KeRaiseIrql do; returns the old level. */
  setIrql(irql: Irql): Irql {
    const previous = this.currentIrql;
    this.currentIrql = irql;
    return previous;
  }

  /**
   * Runs everything that may run now. A DPC cannot preempt code already at DISPATCH_LEVEL or
   * above, and work items run only when the CPU would reach PASSIVE_LEVEL.
   */
  runReady(): void {
    for (;;) {
      if (this.currentIrql < DISPATCH_LEVEL && !this.runningDpc && this.scheduler.hasDpcs) {
        const dpc = this.scheduler.takeDpc()!;
        this.runningDpc = true;
        try {
          this.atIrql(DISPATCH_LEVEL, () => dpc.run());
        } finally {
          this.runningDpc = false;
        }
        continue;
      }
      if (this.currentIrql === PASSIVE_LEVEL && !this.runningDpc && this.scheduler.hasWorkItems) {
        this.scheduler.takeWorkItem()!.run();
        continue;
      }
      return;
    }
  }

  /**
   * Registers a test for work still owed by a part of the system whose own jobs are background
   * ones (the lab's driver below a binding, holding sends from above): while it holds, a wait is
   * not given up as stuck, since that part's housekeeping (its watchdog) may still finish it.
   */
  addOwedWork(owes: () => boolean): void {
    this.owing.push(owes);
  }

  private owesWork(): boolean {
    return this.owing.some((owes) => owes());
  }

  /** Fires the timers due by now (each runs its job, which typically queues a DPC), then runs what is ready. */
  private fireDue(): void {
    for (const job of this.scheduler.takeDue(this.clock.now)) job.run();
    this.runReady();
  }

  /**
   * Lets `ticks` of virtual time pass, running everything that falls due in between, in order.
   * `atIdle` runs whenever the system is idle on the way (PASSIVE_LEVEL, nothing ready, no driver
   * code on the stack of this call): where something from outside may happen (scenario.ts takes
   * live steps there). Virtual time it lets pass counts towards `ticks`.
   */
  advance(ticks: number, atIdle?: () => void): void {
    this.advanceTo(this.clock.now + ticks, atIdle);
  }

  advanceTo(target: number, atIdle?: () => void): void {
    this.runReady();
    for (;;) {
      if (atIdle && this.currentIrql === PASSIVE_LEVEL && !this.runningDpc) atIdle();
      const next = this.scheduler.nextDue();
      if (next === undefined || next > target) break;
      this.moveClock(Math.max(next, this.clock.now));
      this.fireDue();
    }
    this.moveClock(Math.max(target, this.clock.now));
    this.runReady();
  }

  /**
   * Waits until `done()` holds, letting virtual time pass as needed (up to `timeoutTicks` when given).
   * Returns false on timeout, or when nothing that is still pending could ever change the answer.
   */
  waitUntil(done: () => boolean, timeoutTicks?: number): { satisfied: boolean; stuck: boolean } {
    const deadline = timeoutTicks === undefined ? undefined : this.clock.now + timeoutTicks;
    this.runReady();
    for (;;) {
      if (done()) return { satisfied: true, stuck: false };
      const next = this.scheduler.nextDue();
      if (deadline === undefined && !this.scheduler.hasForegroundTimers && !this.scheduler.hasDpcs && !this.scheduler.hasWorkItems && !this.owesWork()) {
        // Only housekeeping is left (check-for-hang re-arming itself): nothing can end this wait.
        return { satisfied: false, stuck: true };
      }
      if (next === undefined || (deadline !== undefined && next > deadline)) {
        if (deadline !== undefined) this.advanceTo(deadline);
        return { satisfied: done(), stuck: next === undefined && !this.scheduler.hasDpcs && !this.scheduler.hasWorkItems };
      }
      this.moveClock(next);
      this.fireDue();
    }
  }

  /** Queues work for later: a DPC, or a work item. */
  queueDpc(job: Job): void {
    this.scheduler.queueDpc(job);
  }

  queueWorkItem(job: Job): void {
    this.scheduler.queueWorkItem(job);
  }

  private moveClock(ticks: number): void {
    if (ticks > this.limits.maxVirtualTicks) {
      this.clock.advanceTo(this.limits.maxVirtualTicks);
      throw new VirtualTimeExhausted(`the run reached its virtual-time limit`);
    }
    this.clock.advanceTo(ticks);
  }
}
