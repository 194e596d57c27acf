import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type { LabEvent } from '../../../src-shared/contract';
import { useEngineStore } from './engine';

export interface ConsoleLine {
  seq: number;
  text: string;
}

/** Lines kept in memory for display; the engine's recording keeps the full log. */
const MAX_LINES = 200_000;

/** The engine console: one line per event, derived from the event stream. */
export const useConsoleStore = defineStore('console', () => {
  const lines = shallowRef<ConsoleLine[]>([]);
  const dropped = ref(0);

  function describe(event: LabEvent): string {
    switch (event.kind) {
      case 'engine.heartbeat':
        return `engine heartbeat, up ${(event.uptimeMs / 1000).toFixed(1)} s`;
      case 'diag.tick':
        return `diagnostic tick ${event.index} of burst ${event.burst}`;
    }
  }

  function append(events: LabEvent[]): void {
    const next = lines.value;
    for (const event of events) next.push({ seq: event.seq, text: describe(event) });
    if (next.length > MAX_LINES) {
      const excess = next.length - MAX_LINES;
      next.splice(0, excess);
      dropped.value += excess;
    }
    triggerRef(lines);
  }

  function start(): void {
    useEngineStore().onEvents(append);
  }

  return { lines, dropped, start };
});
