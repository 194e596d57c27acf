/**
 * The run's speed: at most `rate` simulator events per wall-clock second (0 = as fast as the
 * simulator goes). Virtual time is untouched — a paced run gives the same events as a free one,
 * only later — so the learner can watch a driver's life unfold instead of reading it afterwards.
 *
 * Pure arithmetic on a clock the caller passes in (ms): the session worker sleeps for what
 * `afterEvent` returns; tests drive it with made-up times.
 */
export class Pacer {
  private perSecond = 0;
  /** Wall time the current stretch of pacing began, and the events allowed since then. */
  private origin = 0;
  private count = 0;

  /** A stretch this far behind schedule (a slow NDIS call, a GC) is forgiven, not caught up in a burst. */
  static readonly MAX_LAG_MS = 250;

  get rate(): number {
    return this.perSecond;
  }

  /** A new speed starts counting now; 0 or less runs freely. */
  setRate(eventsPerSecond: number, now: number): void {
    this.perSecond = eventsPerSecond > 0 ? eventsPerSecond : 0;
    this.restart(now);
  }

  /** Counting starts afresh (after a pause: the time spent paused earns no burst). */
  restart(now: number): void {
    this.origin = now;
    this.count = 0;
  }

  /** One event happened at `now`: how long to wait (ms) before the run may go on. */
  afterEvent(now: number): number {
    if (this.perSecond === 0) return 0;
    this.count++;
    return this.remaining(now);
  }

  /** How much of the wait for the events counted so far is still due at `now` (ms). */
  remaining(now: number): number {
    if (this.perSecond === 0) return 0;
    const due = this.origin + (this.count * 1000) / this.perSecond;
    if (due > now) return due - now;
    if (now - due > Pacer.MAX_LAG_MS) this.restart(now);
    return 0;
  }
}
