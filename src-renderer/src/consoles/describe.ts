import type { LabEvent, SimEvent } from '../../../src-shared/contract';

/**
 * One console line per event, in the words a driver engineer reads a trace in. Pure functions of
 * the event: the consoles, their search and their tests all read the same text.
 */

/** Six bytes of hex as a MAC address, 02:4c:41:42:00:01. */
const mac = (hex: string): string => `${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;

/** An Ethernet frame's addresses and type from its first bytes (hex): ", 02:4c:… → 02:4c:…, type 0x88B5". */
export function describeFrame(head: string): string {
  if (head.length < 28) return '';
  return `, ${mac(head.slice(12, 24))} → ${mac(head.slice(0, 12))}, type 0x${head.slice(24, 28).toUpperCase()}`;
}

/** Virtual time (100 ns ticks) as milliseconds with microsecond digits: "   12.345 ms". */
export function formatVirtualTime(t: number): string {
  return `${(t / 10_000).toFixed(3).padStart(9)} ms`;
}

/** The source location a line ends with, as describeSim writes it: " (miniport.c:42)". */
export function siteSuffix(file: string, line: number): string {
  return ` (${file}:${line})`;
}

/** An engine event (not a simulator event) as a console line. */
export function describeEngine(event: Exclude<LabEvent, { kind: 'run.events' }>): string {
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
    case 'run.status':
      return `${event.runId}: ${event.state}${event.reason ? ` (${event.reason})` : ''}${event.result ? ` — ${event.result.result}` : ''}`;
    case 'build.finished':
      return `build ${event.ok ? 'succeeded' : 'failed'}: ${event.errors} errors, ${event.warnings} warnings, ${Math.round(event.ms)} ms${event.cached ? ' (cached)' : ''}`;
  }
}

/** One console line per simulator event. Lines never contain a line break (a DbgPrint's are shown as ⏎). */
export function describeSim(event: SimEvent): string {
  const time = formatVirtualTime(event.t);
  const where = 'file' in event && event.file ? siteSuffix(event.file, event.line ?? 0) : '';
  switch (event.kind) {
    case 'ndis.call':
      return `${time}  ${event.api}(${event.args.join(', ')})${event.result ? ` = ${event.result}` : ''}${where}`;
    case 'driver.callback':
      return `${time}  ${event.phase === 'enter' ? '→' : '←'} ${event.handler}${event.result ? ` = ${event.result}` : ''}`;
    case 'adapter.state':
      return `${time}  adapter ${event.adapter}: ${event.from} → ${event.to}`;
    case 'binding.state':
      return `${time}  binding ${event.protocol} over ${event.lower}: ${event.from} → ${event.to}`;
    case 'finding':
      return `${time}  FINDING ${event.rule} (${event.severity}): ${event.message}${where}`;
    case 'bugcheck':
      return `${time}  BUG CHECK 0x${event.code.toString(16).toUpperCase()} ${event.rule ?? ''}: ${event.message}${where}`;
    case 'debug.print':
      return `${time}  DbgPrint: ${oneLine(event.text.trimEnd())}${where}`;
    case 'run.started':
      return `${time}  run started: ${event.driver}, scenario ${event.scenario}, seed ${event.seed}${event.faults.length ? `, faults ${event.faults.join(' ')}` : ''}`;
    case 'run.finished':
      return `${time}  run finished: ${event.result}, ${event.findings} finding(s)`;
    case 'scenario.step':
      return `${time}  ${event.live ? `live step (during step ${event.index})` : `step ${event.index}`} ${event.step}: ${event.status}${event.detail ? ` — ${oneLine(event.detail)}` : ''}`;
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
      return `${time}  adapter ${event.adapter}: ${event.phase}${event.status ? ` ${event.status}` : ''}${event.hung ? ' (hung)' : ''}${where}`;
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
    case 'registry.write':
      return `${time}  registry ${event.scope}: ${event.keyword} ← ${event.value}${where}`;
    case 'driver.state':
      return `${time}  driver: ${event.state}`;
    case 'fault.injected':
      return `${time}  FAULT ${event.api} call ${event.call}: ${event.outcome}${where}`;
    case 'hw.snapshot':
      return `${time}  hw ${event.adapter}: ${event.device} snapshot, link ${event.link}${event.faults.length ? `, faults ${event.faults.join(' ')}` : ''}`;
    case 'ndis.note':
      return `${time}  NDIS ${event.api}: ${oneLine(event.text)}${where}`;
  }
}

function oneLine(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/\r?\n|\r/g, '⏎') : text;
}

/** Which console a line belongs to; a line may show in several (the All console shows every line). */
export const Category = {
  /** The engine itself: heartbeat, compiler, builds, run status. */
  Engine: 1,
  /** NDIS calls and callbacks, states, OIDs, NBLs, resources, registry. */
  Ndis: 2,
  /** The driver's own debug output (DbgPrint). */
  Debug: 4,
  /** The device: registers, interrupts, snapshots, hardware faults, the wire. */
  Hardware: 8,
  /** Checker findings and bug checks. */
  Finding: 16,
  /** The run and its scenario: started, steps, finished. */
  Run: 32,
} as const;
export const ALL_CATEGORIES = 63;

const SIM_CATEGORY: Record<SimEvent['kind'], number> = {
  'run.started': Category.Run,
  'run.finished': Category.Run,
  'scenario.step': Category.Run,
  'ndis.call': Category.Ndis,
  'driver.callback': Category.Ndis,
  'adapter.state': Category.Ndis,
  'binding.state': Category.Ndis,
  'driver.state': Category.Ndis,
  resource: Category.Ndis,
  finding: Category.Finding,
  bugcheck: Category.Finding,
  'debug.print': Category.Debug,
  'error.log': Category.Ndis,
  'status.indication': Category.Ndis,
  'fault.injected': Category.Ndis,
  'registry.read': Category.Ndis,
  'registry.write': Category.Ndis,
  nbl: Category.Ndis,
  'wire.frame': Category.Hardware,
  'oid.request': Category.Ndis,
  'oid.complete': Category.Ndis,
  'hw.register': Category.Hardware,
  'hw.interrupt': Category.Hardware,
  'adapter.reset': Category.Ndis,
  'hw.fault': Category.Hardware,
  'hw.snapshot': Category.Hardware,
  'ndis.note': Category.Ndis,
};

export function simCategory(kind: SimEvent['kind']): number {
  return SIM_CATEGORY[kind];
}

/** Small codes for the kinds of event a line came from (the row's style), 0 for an engine event. */
export const SIM_KINDS = Object.keys(SIM_CATEGORY) as Array<SimEvent['kind']>;
const KIND_CODE = new Map(SIM_KINDS.map((kind, i) => [kind, i + 1]));
export function kindCode(kind: SimEvent['kind']): number {
  return KIND_CODE.get(kind) ?? 0;
}
export function kindName(code: number): SimEvent['kind'] | undefined {
  return code > 0 ? SIM_KINDS[code - 1] : undefined;
}
