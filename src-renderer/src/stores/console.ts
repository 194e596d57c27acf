import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type { LabEvent, SimEvent } from '../../../src-shared/contract';
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
        return `${event.runId}: ${event.events.length} events`;
      case 'run.status':
        return `${event.runId}: ${event.state}${event.reason ? ` (${event.reason})` : ''}${event.result ? ` — ${event.result.result}` : ''}`;
      case 'build.finished':
        return `build ${event.ok ? 'succeeded' : 'failed'}: ${event.errors} errors, ${event.warnings} warnings, ${Math.round(event.ms)} ms${event.cached ? ' (cached)' : ''}`;
    }
  }

  /** One console line per simulator event, in the words a driver engineer reads a trace in. */
  function describeSim(event: SimEvent): string {
    const time = `${(event.t / 10_000).toFixed(3).padStart(9)} ms`;
    const where = 'file' in event && event.file ? ` (${event.file}:${event.line})` : '';
    switch (event.kind) {
      case 'ndis.call':
        return `${time}  ${event.api}(${event.args.join(', ')})${event.result ? ` = ${event.result}` : ''}${where}`;
      case 'driver.callback':
        return `${time}  ${event.phase === 'enter' ? '→' : '←'} ${event.handler}${event.result ? ` = ${event.result}` : ''}`;
      case 'adapter.state':
        return `${time}  adapter ${event.adapter}: ${event.from} → ${event.to}`;
      case 'finding':
        return `${time}  FINDING ${event.rule} (${event.severity}): ${event.message}${where}`;
      case 'bugcheck':
        return `${time}  BUG CHECK 0x${event.code.toString(16).toUpperCase()} ${event.rule ?? ''}: ${event.message}${where}`;
      case 'debug.print':
        return `${time}  DbgPrint: ${event.text.trimEnd()}`;
      case 'run.finished':
        return `${time}  run finished: ${event.result}, ${event.findings} finding(s)`;
      default:
        return `${time}  ${event.kind}`;
    }
  }

  function append(events: LabEvent[]): void {
    const next = lines.value;
    for (const event of events) {
      if (event.kind === 'run.events') for (const sim of event.events) next.push({ seq: event.seq, text: describeSim(sim) });
      else next.push({ seq: event.seq, text: describe(event) });
    }
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
