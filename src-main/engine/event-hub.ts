import type { EventsFrame, LabEvent, UnsequencedEvent } from '../../src-shared/contract';
import { Emitter, type Disposable } from '../../src-shared/rpc/disposable';
import { runEventCount, withSeq } from './event-text';

export interface EventHubOptions {
  /**
   * A batch is sent as soon as it holds this many events; a run's batch of simulator events counts
   * as the events it carries, so that one frame never carries more than about this many (a client
   * validates and shows a frame in one go: a bounded frame keeps its window responsive).
   */
  maxBatch?: number;
  /** A partial batch waits at most this long, ms. */
  maxDelayMs?: number;
}

/**
 * Numbers every engine event (seq 1, 2, 3, … with no gaps) and hands them to subscribers in batches,
 * by count or after a few milliseconds, whichever comes first. Subscribers see the same batches in
 * the same order.
 */
export class EventHub {
  private seq = 0;
  private pending: LabEvent[] = [];
  /** The events pending, counting those inside run.events batches. */
  private weight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly batches = new Emitter<EventsFrame>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(options: EventHubOptions = {}) {
    this.maxBatch = options.maxBatch ?? 1024;
    this.maxDelayMs = options.maxDelayMs ?? 4;
  }

  /** The seq of the last event emitted. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The seq of the last event already handed to subscribers (later ones are still pending). */
  get lastDeliveredSeq(): number {
    return this.seq - this.pending.length;
  }

  emit(event: UnsequencedEvent): LabEvent {
    const numbered = withSeq(event, ++this.seq);
    this.pending.push(numbered);
    this.weight += Math.max(1, runEventCount(event));
    if (this.weight >= this.maxBatch) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.maxDelayMs);
      unrefTimer(this.timer);
    }
    return numbered;
  }

  subscribe(sink: (frame: EventsFrame) => void): Disposable {
    return this.batches.event(sink);
  }

  /** Sends whatever is pending now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.weight = 0;
    this.batches.fire({ t: 'events', events });
  }

  dispose(): void {
    this.flush();
    this.batches.clear();
  }
}

export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
