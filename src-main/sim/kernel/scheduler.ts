import type { VirtualClock } from './clock';

/** Work the scheduler runs later: a DPC, a timer expiry, a work item, or an NDIS-side event. */
export interface Job {
  readonly label: string;
  run(): void;
  /**
   * NDIS housekeeping that re-arms itself for as long as an adapter lives (check-for-hang): it runs
   * when due, but a wait with only such jobs pending can never be satisfied.
   */
  readonly background?: boolean;
}

interface TimerEntry {
  due: number;
  /** Insertion order: equally due timers fire in the order they were set, so runs are repeatable. */
  order: number;
  job: Job;
  cancelled: boolean;
}

/**
 * One CPU's queues: DPCs (FIFO, at DISPATCH_LEVEL), work items (FIFO, at PASSIVE_LEVEL on a
 * system thread) and timers (ordered by due time, then by when they were set). Nothing here
 * decides IRQL; the kernel does.
 */
export class Scheduler {
  private readonly dpcs: Job[] = [];
  private readonly workItems: Job[] = [];
  private timers: TimerEntry[] = [];
  private order = 0;

  constructor(private readonly clock: VirtualClock) {}

  queueDpc(job: Job): void {
    this.dpcs.push(job);
  }

  queueWorkItem(job: Job): void {
    this.workItems.push(job);
  }

  /** Schedules `job` at absolute tick `due`; returns a handle to cancel it. */
  at(due: number, job: Job): TimerEntry {
    const entry: TimerEntry = { due: Math.max(due, this.clock.now), order: this.order++, job, cancelled: false };
    // Binary insertion keeps the list ordered by (due, order).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.timers[mid]!;
      if (t.due < entry.due || (t.due === entry.due && t.order < entry.order)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, entry);
    return entry;
  }

  cancel(entry: TimerEntry): boolean {
    if (entry.cancelled) return false;
    const index = this.timers.indexOf(entry);
    if (index < 0) return false;
    this.timers.splice(index, 1);
    entry.cancelled = true;
    return true;
  }

  isQueued(entry: TimerEntry): boolean {
    return !entry.cancelled && this.timers.includes(entry);
  }

  get hasDpcs(): boolean {
    return this.dpcs.length > 0;
  }

  get hasWorkItems(): boolean {
    return this.workItems.length > 0;
  }

  takeDpc(): Job | undefined {
    return this.dpcs.shift();
  }

  takeWorkItem(): Job | undefined {
    return this.workItems.shift();
  }

  /** When the next timer is due, if any. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /** Whether anything but background housekeeping is still scheduled. */
  get hasForegroundTimers(): boolean {
    return this.timers.some((t) => !t.job.background);
  }

  /** Removes and returns the timers due at or before `now`, in firing order. */
  takeDue(now: number): Job[] {
    let count = 0;
    while (count < this.timers.length && this.timers[count]!.due <= now) count++;
    const due = this.timers.splice(0, count);
    for (const entry of due) entry.cancelled = true;
    return due.map((e) => e.job);
  }

  /** Everything still queued, for diagnosing a wait that can never end. */
  describePending(): string[] {
    return [...this.dpcs.map((j) => `DPC ${j.label}`), ...this.workItems.map((j) => `work item ${j.label}`), ...this.timers.map((t) => `timer ${t.job.label} at ${t.due}`)];
  }
}

export type TimerHandle = ReturnType<Scheduler['at']>;
