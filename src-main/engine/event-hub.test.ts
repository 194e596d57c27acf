import { describe, expect, it } from 'vitest';
import type { EventsFrame, SimEvent } from '../../src-shared/contract';
import { EventHub } from './event-hub';

const tick = (index: number) => ({ kind: 'diag.tick' as const, index, burst: 0 });
const simEvents = (n: number): SimEvent[] => Array.from({ length: n }, (_, i) => ({ kind: 'debug.print', t: i, text: `line ${i}` }));

describe('EventHub batching', () => {
  it('numbers events from 1 and sends a batch when it holds maxBatch events', () => {
    const hub = new EventHub({ maxBatch: 3, maxDelayMs: 60_000 });
    const frames: EventsFrame[] = [];
    hub.subscribe((f) => frames.push(f));
    for (let i = 0; i < 7; i++) hub.emit(tick(i));
    expect(frames.map((f) => f.events.map((e) => e.seq))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    hub.flush();
    expect(frames[2]!.events.map((e) => e.seq)).toEqual([7]);
    hub.dispose();
  });

  it('counts a run\'s simulator events inside run.events, so a frame stays about maxBatch events long', () => {
    const hub = new EventHub({ maxBatch: 1024, maxDelayMs: 60_000 });
    const frames: EventsFrame[] = [];
    hub.subscribe((f) => frames.push(f));
    hub.emit({ kind: 'run.events', runId: 'run-1', events: simEvents(512) });
    hub.emit(tick(0));
    expect(frames).toHaveLength(0);
    hub.emit({ kind: 'run.events', runId: 'run-1', events: simEvents(512) });
    expect(frames).toHaveLength(1);
    expect(frames[0]!.events.map((e) => e.kind)).toEqual(['run.events', 'diag.tick', 'run.events']);
    // A single big batch goes out on its own at once; the count starts over after each frame.
    hub.emit({ kind: 'run.events', runId: 'run-1', events: simEvents(5000) });
    expect(frames).toHaveLength(2);
    hub.emit(tick(1));
    expect(frames).toHaveLength(2);
    hub.dispose();
    expect(frames).toHaveLength(3);
  });

  it('sends a partial batch after maxDelayMs', async () => {
    const hub = new EventHub({ maxBatch: 1024, maxDelayMs: 5 });
    const frames: EventsFrame[] = [];
    hub.subscribe((f) => frames.push(f));
    hub.emit(tick(0));
    expect(frames).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(frames).toHaveLength(1);
    hub.dispose();
  });
});
