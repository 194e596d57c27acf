import type { LabEvent, ServerFrame, SimEvent, UnsequencedEvent } from '../../src-shared/contract';

/**
 * A run's batch of simulator events as the session worker hands it on: the JSON text of the events
 * array, which the worker made anyway (each event's text is also its line in the run's NDJSON
 * recording). The engine's thread passes the text through to the web host's sockets without
 * parsing and re-serializing a million events; the `events` array is parsed from it only if
 * something on this thread reads it (the Electron bridge's structured clone, tests).
 */
export interface RunEventsText {
  runId: string;
  /** `[{…},{…},…]`: the events, as JSON.stringify writes them. */
  json: string;
  count: number;
}

const TEXT = Symbol('run.events JSON text');

type RunEvents = Extract<LabEvent, { kind: 'run.events' }>;
type UnsequencedRunEvents = Extract<UnsequencedEvent, { kind: 'run.events' }>;
type WithText = { [TEXT]?: RunEventsText };

/**
 * A run.events event whose `events` are read from `batch.json` on first use (and kept). Both
 * JSON.stringify and a structured clone read `events` through its getter, so every consumer sees
 * the same event as if it had been built from objects.
 */
export function runEventsFromText(batch: RunEventsText, seq?: number): UnsequencedRunEvents {
  let parsed: SimEvent[] | undefined;
  const event = { kind: 'run.events' as const, runId: batch.runId } as UnsequencedRunEvents & WithText & { seq?: number };
  Object.defineProperty(event, 'events', {
    enumerable: true,
    configurable: true,
    get: () => (parsed ??= JSON.parse(batch.json) as SimEvent[]),
  });
  Object.defineProperty(event, TEXT, { value: batch, enumerable: false });
  if (seq !== undefined) event.seq = seq;
  return event;
}

/** The event numbered `seq`; a run.events made from text stays text (its events are not parsed). */
export function withSeq(event: UnsequencedEvent, seq: number): LabEvent {
  const text = (event as WithText)[TEXT];
  if (text) return runEventsFromText(text, seq) as unknown as LabEvent;
  return { ...event, seq } as LabEvent;
}

/** How many simulator events a run.events carries, without parsing its text. */
export function runEventCount(event: UnsequencedEvent): number {
  if (event.kind !== 'run.events') return 0;
  return (event as WithText)[TEXT]?.count ?? event.events.length;
}

/** A frame as the JSON text a socket sends: the same text as JSON.stringify(frame), with run batches' text spliced in as it came. */
export function frameText(frame: ServerFrame): string {
  if (frame.t !== 'events' || !frame.events.some((e) => (e as WithText)[TEXT])) return JSON.stringify(frame);
  const parts = frame.events.map((event) => {
    const text = (event as WithText)[TEXT];
    if (!text) return JSON.stringify(event);
    return `{"kind":"run.events","runId":${JSON.stringify(text.runId)},"events":${text.json},"seq":${(event as RunEvents).seq}}`;
  });
  return `{"t":"events","events":[${parts.join(',')}]}`;
}
