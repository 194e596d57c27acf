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

/** Six bytes of hex as a MAC address, 02:4c:41:42:00:01. */
const mac = (hex: string): string => `${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;

/** An Ethernet frame's addresses and type from its first bytes (hex): ", 02:4c:… → 02:4c:…, type 0x88B5". */
function describeFrame(head: string): string {
  if (head.length < 28) return '';
  return `, ${mac(head.slice(12, 24))} → ${mac(head.slice(0, 12))}, type 0x${head.slice(24, 28).toUpperCase()}`;
}

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
      case 'run.started':
        return `${time}  run started: ${event.driver}, scenario ${event.scenario}, seed ${event.seed}${event.faults.length ? `, faults ${event.faults.join(' ')}` : ''}`;
      case 'run.finished':
        return `${time}  run finished: ${event.result}, ${event.findings} finding(s)`;
      case 'scenario.step':
        return `${time}  step ${event.index} ${event.step}: ${event.status}${event.detail ? ` — ${event.detail}` : ''}`;
      case 'status.indication':
        return `${time}  status ${event.adapter}: ${event.status}${event.detail ? ` — ${event.detail}` : ''}${where}`;
      case 'hw.fault':
        return `${time}  HW FAULT ${event.adapter}: ${event.fault}${event.detail ? ` (${event.detail})` : ''}`;
      case 'hw.register': {
        const name = event.register ?? `${event.space === 'port' ? 'port' : `bar${event.bar ?? 0}`}+0x${event.offset.toString(16)}`;
        const value = `0x${event.value.toString(16).toUpperCase().padStart(event.size * 2, '0')}`;
        return `${time}  hw ${event.adapter}: ${event.op} ${name} ${event.op === 'write' ? '←' : '→'} ${value}${event.fields ? `  ${event.fields}` : ''}${where}`;
      }
      case 'hw.interrupt':
        return `${time}  hw ${event.adapter}: interrupt${event.message !== undefined ? ` (message ${event.message})` : ''} ${event.outcome}${event.dpc ? ', DPC queued' : ''}`;
      case 'wire.frame':
        return `${time}  wire ${event.adapter} ${event.direction === 'tx' ? 'tx →' : 'rx ←'} ${event.length} bytes${describeFrame(event.head)}`;
      case 'error.log':
        return `${time}  error log 0x${(event.code >>> 0).toString(16).toUpperCase()} [${event.values.join(', ')}]${where}`;
      case 'adapter.reset':
        return `${time}  adapter ${event.adapter}: ${event.phase}${event.status ? ` ${event.status}` : ''}${event.hung ? ' (hung)' : ''}`;
      case 'nbl':
        return `${time}  NBL ${event.op} ${event.adapter}: ${event.count}${event.status ? ` ${event.status}` : ''}${event.detail ? ` — ${event.detail}` : ''}${where}`;
      case 'oid.request':
        return `${time}  OID ${event.request} ${event.oid} → ${event.adapter} (${event.length} bytes)`;
      case 'oid.complete':
        return `${time}  OID ${event.oid} ${event.status} (${event.mode}, ${event.bytes} bytes)${where}`;
      case 'resource':
        return `${time}  ${event.op} ${event.resource} 0x${event.address.toString(16)}${event.size !== undefined ? `, ${event.size} bytes` : ''}${event.tag ? `, tag ${event.tag}` : ''}${where}`;
      case 'registry.read':
        return `${time}  registry ${event.scope}: ${event.keyword} ${event.found ? `= ${event.value ?? ''}` : 'not found'}${where}`;
      case 'driver.state':
        return `${time}  driver: ${event.state}`;
      case 'fault.injected':
        return `${time}  FAULT ${event.api} call ${event.call}: ${event.outcome}${where}`;
      case 'hw.snapshot':
        return `${time}  hw ${event.adapter}: ${event.device} snapshot, link ${event.link}${event.faults.length ? `, faults ${event.faults.join(' ')}` : ''}`;
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
