import type { BenchConfig } from '../../../src-shared/contract/bench';

/** A device instance's registry values as the contract has them: DWORDs or strings. */
export type Registry = Record<string, number | string>;
export type RegistryType = 'dword' | 'string';

/** One row of the registry editor, as typed (the value is text until it validates). */
export interface RegistryRow {
  name: string;
  type: RegistryType;
  value: string;
}

/** What a well-known value is for; `type` is what it must be. */
export interface KnownKeyword {
  name: string;
  type: RegistryType;
  /** A sensible first value when the row is added from the list. */
  initial: string;
  description: string;
}

/**
 * Values the lab's NDIS reads itself (IMMiniport, MSISupported, NetworkAddress), values the lab's
 * example drivers read with NdisReadConfiguration, and standardized keywords a driver may read the
 * same way (the lab passes any value through; only the driver gives it meaning).
 */
export const KNOWN_KEYWORDS: readonly KnownKeyword[] = [
  { name: 'IMMiniport', type: 'dword', initial: '1', description: 'NDIS: 1 makes this device instance a virtual (intermediate) miniport of a miniport-intermediate driver' },
  { name: 'MSISupported', type: 'dword', initial: '1', description: 'PnP: 1 asks for a message-signalled interrupt (LabNIC grants one unless the msi-as-line fault is on)' },
  { name: 'NetworkAddress', type: 'string', initial: '02:4c:41:42:00:99', description: 'NdisReadNetworkAddress: the MAC address override, six hex pairs (separators optional)' },
  { name: 'ReceiveBuffers', type: 'dword', initial: '256', description: 'LabNIC reference driver: receive descriptors (a multiple of 8)' },
  { name: 'TransmitBuffers', type: 'dword', initial: '256', description: 'LabNIC reference driver: transmit descriptors (a multiple of 8)' },
  { name: 'MaxFrames', type: 'dword', initial: '16', description: 'virtual-miniport example: frames it keeps in flight' },
  { name: '*JumboPacket', type: 'dword', initial: '1514', description: 'standardized keyword: the largest frame, header included' },
  { name: '*ReceiveBuffers', type: 'dword', initial: '256', description: 'standardized keyword: receive buffers' },
  { name: '*TransmitBuffers', type: 'dword', initial: '256', description: 'standardized keyword: transmit buffers' },
  { name: '*SpeedDuplex', type: 'dword', initial: '0', description: 'standardized keyword: 0 auto-negotiation, 6 1 Gbit/s full duplex' },
];

/** A registry value name as the contract takes it (scenario.ts RegistryValues). */
const NAME = /^[A-Za-z0-9_*.-]+$/;
const MAX_NAME = 255;
const MAX_STRING = 1024;
const MAX_DWORD = 0xffffffff;

export function knownKeyword(name: string): KnownKeyword | undefined {
  const lower = name.toLowerCase();
  return KNOWN_KEYWORDS.find((k) => k.name.toLowerCase() === lower);
}

/** A DWORD as typed: decimal or 0x hex, 0…4294967295; undefined if it is not one. */
export function parseDword(text: string): number | undefined {
  const t = text.trim();
  let value: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) value = parseInt(t.slice(2), 16);
  else if (/^\d{1,10}$/.test(t)) value = Number(t);
  else return undefined;
  return value <= MAX_DWORD ? value : undefined;
}

/** Why a row cannot go into bench.json, or undefined when it can. `others` are the other rows' names. */
export function rowProblem(row: RegistryRow, others: readonly string[]): string | undefined {
  const name = row.name.trim();
  if (name === '') return 'a value needs a name';
  if (name.length > MAX_NAME) return `a name is at most ${MAX_NAME} characters`;
  if (!NAME.test(name)) return 'a name is letters, digits and _ * . - (no spaces or backslashes)';
  if (others.some((o) => o.trim().toLowerCase() === name.toLowerCase())) return `${name} is already in the table (names are case-insensitive)`;
  const known = knownKeyword(name);
  if (known && known.type !== row.type) return `${known.name} is a ${known.type === 'dword' ? 'DWORD' : 'string'}`;
  if (row.type === 'dword') {
    if (parseDword(row.value) === undefined) return 'a DWORD is 0 to 4294967295 (decimal or 0x hex)';
    if (known?.name === 'IMMiniport' || known?.name === 'MSISupported') {
      const v = parseDword(row.value)!;
      if (v > 1) return `${known.name} is 0 or 1`;
    }
    return undefined;
  }
  if (row.value.length > MAX_STRING) return `a string is at most ${MAX_STRING} characters`;
  if (known?.name === 'NetworkAddress' && !/^[0-9a-f]{12}$/i.test(row.value.trim().replace(/[-:]/g, ''))) return 'NetworkAddress is six hex pairs, like 02:4c:41:42:00:99';
  return undefined;
}

/** Each row's problem (undefined where the row is fine), duplicates judged against the rows above. */
export function rowProblems(rows: readonly RegistryRow[]): (string | undefined)[] {
  return rows.map((row, i) => rowProblem(row, rows.slice(0, i).map((r) => r.name)));
}

/** The table's rows for a registry, in its order. */
export function rowsFromRegistry(registry: Registry | undefined): RegistryRow[] {
  return Object.entries(registry ?? {}).map(([name, value]) => (typeof value === 'number' ? { name, type: 'dword', value: String(value) } : { name, type: 'string', value }));
}

/** The registry the rows give, or the problems that keep it from being one (row index → message). */
export function registryFromRows(rows: readonly RegistryRow[]): { registry: Registry } | { problems: Map<number, string> } {
  const problems = new Map<number, string>();
  rowProblems(rows).forEach((p, i) => {
    if (p) problems.set(i, p);
  });
  if (problems.size > 0) return { problems };
  const registry: Registry = {};
  for (const row of rows) registry[row.name.trim()] = row.type === 'dword' ? parseDword(row.value)! : row.value;
  return { registry };
}

/** Where the editor's values go: every device instance, or one by its add-device name. */
export type RegistryScope = { kind: 'all' } | { kind: 'instance'; name: string };

/** The values bench.json gives the scope (not the scenario's own). */
export function scopeRegistry(bench: BenchConfig | undefined, scope: RegistryScope): Registry {
  if (scope.kind === 'all') return { ...(bench?.registry ?? {}) };
  return { ...(bench?.adapters?.[scope.name]?.registry ?? {}) };
}

/** bench.json with the scope's values replaced (empty ones dropped, so the file stays minimal). */
export function withScopeRegistry(bench: BenchConfig | undefined, scope: RegistryScope, registry: Registry): BenchConfig {
  const next: BenchConfig = { ...(bench ?? {}) };
  const empty = Object.keys(registry).length === 0;
  if (scope.kind === 'all') {
    if (empty) delete next.registry;
    else next.registry = { ...registry };
    return next;
  }
  const adapters = { ...(next.adapters ?? {}) };
  if (empty) delete adapters[scope.name];
  else adapters[scope.name] = { ...(adapters[scope.name] ?? {}), registry: { ...registry } };
  if (Object.keys(adapters).length === 0) delete next.adapters;
  else next.adapters = adapters;
  return next;
}
