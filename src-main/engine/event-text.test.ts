import { describe, expect, it } from 'vitest';
import type { EventsFrame, SimEvent } from '../../src-shared/contract';
import { EventHub } from './event-hub';
import { frameText, runEventCount, runEventsFromText } from './event-text';

const events: SimEvent[] = [
  { kind: 'debug.print', t: 10, level: 'info', text: 'quote " backslash \\ é ✓' } as SimEvent,
  { kind: 'hw.interrupt', t: 20, adapter: 'adapter0', line: 'INTA', action: 'asserted' } as unknown as SimEvent,
];
const batch = { runId: 'run-7', json: JSON.stringify(events), count: events.length };

/** A batch whose `events` getter counts its reads. */
function watched(seq?: number): { event: ReturnType<typeof runEventsFromText>; reads: () => number } {
  const event = runEventsFromText(batch, seq);
  const getter = Object.getOwnPropertyDescriptor(event, 'events')!.get!;
  let reads = 0;
  Object.defineProperty(event, 'events', {
    enumerable: true,
    get: () => {
      reads++;
      return getter();
    },
  });
  return { event, reads: () => reads };
}

describe('run.events passed through as text', () => {
  it('reads as the same event through JSON.stringify, a structured clone and its events property', () => {
    const event = runEventsFromText(batch, 3);
    const plain = { kind: 'run.events', runId: 'run-7', events, seq: 3 };
    expect(JSON.parse(JSON.stringify(event))).toEqual(plain);
    expect(structuredClone(event)).toEqual(plain);
    expect(event.events).toEqual(events);
    expect(event.events).toBe(event.events);
  });

  it('writes a frame with the same text as JSON.stringify, without parsing the batch', () => {
    const { event, reads } = watched(5);
    const frame: EventsFrame = { t: 'events', events: [{ kind: 'engine.heartbeat', uptimeMs: 1, seq: 4 }, event as never, { kind: 'engine.heartbeat', uptimeMs: 2, seq: 6 }] };
    const text = frameText(frame);
    expect(reads()).toBe(0);
    expect(text).toBe(JSON.stringify({ t: 'events', events: [frame.events[0], { kind: 'run.events', runId: 'run-7', events, seq: 5 }, frame.events[2]] }));
  });

  it('is numbered and weighed by the hub without being parsed', () => {
    const hub = new EventHub({ maxBatch: 2, maxDelayMs: 1000 });
    const frames: EventsFrame[] = [];
    hub.subscribe((frame) => frames.push(frame));
    // Text that is no JSON: reading the events anywhere would throw.
    const event = runEventsFromText({ runId: 'run-8', json: '<not parsed>', count: 2 });
    expect(runEventCount(event)).toBe(2);
    hub.emit({ kind: 'engine.heartbeat', uptimeMs: 1 });
    expect(frames).toHaveLength(0);
    hub.emit(event);
    // Three events weigh enough for a batch of two: the frame went out with the text untouched.
    expect(frames).toHaveLength(1);
    expect(frames[0]!.events[1]!.seq).toBe(2);
    expect(frameText(frames[0]!)).toBe('{"t":"events","events":[{"kind":"engine.heartbeat","uptimeMs":1,"seq":1},{"kind":"run.events","runId":"run-8","events":<not parsed>,"seq":2}]}');
    expect(() => (frames[0]!.events[1] as { events: unknown }).events).toThrow(SyntaxError);
  });
});
