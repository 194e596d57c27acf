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
      case 'toolchain.status': {
        const { status } = event;
        if (status.state === 'ready') return `compiler ready (clang loaded in ${status.loadMs} ms, ${status.declaredImports} NDIS imports declared)`;
        if (status.state === 'failed') return `compiler failed: ${status.error}`;
        const percent = status.totalBytes ? Math.round((100 * status.doneBytes) / status.totalBytes) : 0;
        return `compiler loading: ${percent}% of ${(status.totalBytes / 1e6).toFixed(0)} MB`;
      }
      case 'run.events':
        return `${event.runId}: ${event.events.length} simulator events`;
      case 'run.status':
        return `${event.runId}: ${event.state}${event.reason ? ` (${event.reason})` : ''}${event.result ? ` — ${event.result.result}` : ''}`;
      case 'build.finished':
        return `build ${event.ok ? 'succeeded' : 'failed'}: ${event.errors} errors, ${event.warnings} warnings, ${Math.round(event.ms)} ms${event.cached ? ' (cached)' : ''}`;
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
