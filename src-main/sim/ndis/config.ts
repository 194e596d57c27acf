import { siteFields } from '../session/session';
import { BugCheck } from '../kernel/bugcheck';
import { APC_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import type { SourceSite } from '../session/source-site';
import { addAdapterChecks, adapters, type Adapter } from './adapter';
import { driverState } from './driver';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * The configuration (registry) family: NdisOpenConfigurationEx and the calls that read and write
 * through its handle. Values come from the device instance's registry (the scenario's add-device
 * step) or, for a handle opened with the driver handle, from the driver's Parameters key. Every
 * object NDIS hands out here (parameters, network addresses, key names) lives in NDIS-owned pool
 * and stays valid until the handle is closed; NdisCloseConfiguration frees it (freed memory is
 * filled, so a driver that keeps a pointer past the close reads garbage, as on Windows).
 */

/** Registry values: REG_DWORD (number), REG_SZ (string), REG_MULTI_SZ (array of strings). */
export type Registry = Record<string, number | string | readonly string[]>;

export interface ConfigKey {
  /** The handle the driver holds: the address of NDIS's block for the key. */
  handle: number;
  /** 'binding': a protocol's per-binding key (NdisOpenProtocolConfiguration). */
  scope: 'adapter' | 'driver' | 'binding';
  adapter?: Adapter;
  /** The per-binding key's values and its name in events (scope 'binding'). */
  binding?: { registry: Registry; label: string };
  /** '' for the key NdisOpenConfigurationEx opens, 'Sub' or 'Sub\\Sub2' for subkeys. */
  path: string;
  api: string;
  site?: SourceSite;
  open: boolean;
  closedAt?: SourceSite;
  /** NDIS allocations handed out through this handle, freed on close. */
  storage: number[];
}

interface ConfigState {
  keys: Map<number, ConfigKey>;
  /** The driver's own Parameters key (a handle opened with the miniport driver handle). */
  driverRegistry: Registry;
}

const TAG_CONFIG = 0x6766434e; // 'NCfg'
/** The NDIS version the predefined keyword NdisVersion reports: 6.87 as 0xMMMMmmmm. */
const NDIS_VERSION = 0x00060057;

function configState(session: Session): ConfigState {
  return session.state<ConfigState>('config', () => ({ keys: new Map(), driverRegistry: {} }));
}

/** The driver-level registry (values under the service's Parameters key). */
export function driverRegistry(session: Session): Registry {
  return configState(session).driverRegistry;
}

/** Configuration handles still open, for the leak checks. */
export function openConfigKeys(session: Session): ConfigKey[] {
  return [...configState(session).keys.values()].filter((k) => k.open);
}

function siteOf(site: SourceSite | undefined): { file: string; line: number } | undefined {
  return site ? { file: site.file, line: site.line } : undefined;
}

function where(site: SourceSite | undefined): string {
  return site ? ` at ${site.file}:${site.line}` : '';
}

function registryOf(session: Session, key: ConfigKey): Registry {
  if (key.binding) return key.binding.registry;
  return key.scope === 'adapter' && key.adapter ? key.adapter.registry : configState(session).driverRegistry;
}

function scopeName(key: ConfigKey): string {
  if (key.binding) return key.binding.label;
  return key.scope === 'adapter' && key.adapter ? key.adapter.name : 'driver';
}

function fullName(key: ConfigKey, name: string): string {
  return key.path === '' ? name : `${key.path}\\${name}`;
}

/** Registry value names are case-insensitive. */
function lookup(registry: Registry, name: string): { name: string; value: Registry[string] } | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(registry)) if (k.toLowerCase() === lower) return { name: k, value: v };
  return undefined;
}

function subkeysOf(registry: Registry, path: string): string[] {
  const prefix = path === '' ? '' : `${path.toLowerCase()}\\`;
  const names: string[] = [];
  for (const k of Object.keys(registry)) {
    if (!k.toLowerCase().startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const slash = rest.indexOf('\\');
    if (slash > 0) {
      const sub = rest.slice(0, slash);
      if (!names.some((n) => n.toLowerCase() === sub.toLowerCase())) names.push(sub);
    }
  }
  return names;
}

/** A block of NDIS storage handed to the driver through `key`, freed when the key is closed. */
function handOut(session: Session, key: ConfigKey, size: number, api: string): number {
  const address = session.pool.allocate(size, TAG_CONFIG, api, 'ndis', siteOf(session.site()));
  if (address !== 0) key.storage.push(address);
  return address;
}

function newKey(session: Session, scope: ConfigKey['scope'], adapter: Adapter | undefined, path: string, api: string, binding?: ConfigKey['binding']): ConfigKey | undefined {
  // NDIS's block for the key. A key of the driver handle (or a protocol's per-binding key) is
  // charged to the driver, so one left open at DriverEntry failure or unload shows up in those leak checks.
  const owner = scope === 'adapter' ? 'ndis' : 'driver';
  const site = session.site();
  const handle = session.pool.allocate(16, TAG_CONFIG, api, owner, siteOf(site));
  if (handle === 0) return undefined;
  const key: ConfigKey = { handle, scope, path, api, open: true, storage: [], ...(adapter ? { adapter } : {}), ...(binding ? { binding } : {}), ...(site ? { site } : {}) };
  configState(session).keys.set(handle, key);
  session.emit({ kind: 'resource', op: 'alloc', resource: path === '' ? 'configuration handle' : `configuration subkey ${path}`, address: handle, ...siteFields(site) });
  return key;
}

/** The open key a handle names, or an INIT-CONFIG finding (the call then fails). */
function keyOf(session: Session, handle: number, api: string): ConfigKey | undefined {
  const key = configState(session).keys.get(handle);
  if (key?.open) return key;
  const why = key
    ? `was closed by NdisCloseConfiguration${where(key.closedAt)}`
    : handle === 0
      ? 'is NULL (did the driver ignore a failed NdisOpenConfigurationEx?)'
      : 'was never returned by NdisOpenConfigurationEx, NdisOpenProtocolConfiguration or NdisOpenConfigurationKeyByName/ByIndex (did the driver ignore a failed open?)';
  session.violation('INIT-CONFIG', `${api}: configuration handle 0x${(handle >>> 0).toString(16)} ${why}`);
  return undefined;
}

function closeKey(session: Session, key: ConfigKey): void {
  for (const address of key.storage) session.pool.release(address);
  key.storage = [];
  key.open = false;
  const site = session.site();
  if (site) key.closedAt = site;
  session.pool.release(key.handle);
  session.emit({ kind: 'resource', op: 'free', resource: key.path === '' ? 'configuration handle' : `configuration subkey ${key.path}`, address: key.handle, ...siteFields(site) });
}

function describeKey(key: ConfigKey): string {
  const what = key.path === '' ? 'configuration handle' : `configuration subkey "${key.path}"`;
  return `${what} from ${key.api}${where(key.site)}`;
}

const TYPE_NAMES: Record<number, string> = {
  [K.NdisParameterInteger]: 'NdisParameterInteger',
  [K.NdisParameterHexInteger]: 'NdisParameterHexInteger',
  [K.NdisParameterString]: 'NdisParameterString',
  [K.NdisParameterMultiString]: 'NdisParameterMultiString',
  [K.NdisParameterBinary]: 'NdisParameterBinary',
};

/** `terminator` bytes of zeros follow the text (2: one NUL; 4: the double NUL that ends a REG_MULTI_SZ). */
function writeUnicode(session: Session, key: ConfigKey, target: number, text: string, api: string, terminator = 2): boolean {
  const bytes = text.length * 2;
  const buffer = handOut(session, key, bytes + terminator, api);
  if (buffer === 0) return false;
  session.memory.writeUtf16(buffer, text);
  session.memory.fill(buffer + bytes, terminator, 0);
  session.memory.setField('UNICODE_STRING', target, 'Length', bytes);
  session.memory.setField('UNICODE_STRING', target, 'MaximumLength', bytes + terminator);
  session.memory.setField('UNICODE_STRING', target, 'Buffer', buffer);
  return true;
}

/** Integer text as NDIS converts a REG_SZ value read as an integer (base 10, or 16 for HexInteger). */
function parseInteger(text: string, hex: boolean): number | undefined {
  const t = text.trim();
  const ok = hex ? /^(0x)?[0-9a-f]+$/i.test(t) : /^-?[0-9]+$/.test(t);
  if (!ok) return undefined;
  const value = hex ? parseInt(t.replace(/^0x/i, ''), 16) : parseInt(t, 10);
  return Number.isFinite(value) ? value >>> 0 : undefined;
}

function predefined(name: string): number | undefined {
  switch (name.toLowerCase()) {
    case 'environment':
      return K.NdisEnvironmentWindowsNt;
    case 'processortype':
      return K.NdisProcessorX86;
    case 'ndisversion':
      return NDIS_VERSION;
    default:
      return undefined;
  }
}

function readConfiguration(session: Session, statusOut: number, valueOut: number, handle: number, keyword: number, type: number): void {
  const m = session.memory;
  const api = 'NdisReadConfiguration';
  const key = keyOf(session, handle, api);
  if (!key) {
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return;
  }
  const name = m.unicodeString(keyword);
  const requested = TYPE_NAMES[type] ?? `type ${type}`;
  const site = session.site();
  const report = (found: boolean, value?: string) =>
    session.emit({ kind: 'registry.read', scope: scopeName(key), keyword: fullName(key, name), requested, found, ...(value === undefined ? {} : { value }), ...siteFields(site) });
  const entry = lookup(registryOf(session, key), fullName(key, name));
  const builtIn = key.path === '' ? predefined(name) : undefined;
  if (!entry && builtIn === undefined) {
    report(false);
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return;
  }
  const parameter = handOut(session, key, m.sizeOf('NDIS_CONFIGURATION_PARAMETER'), api);
  if (parameter === 0) {
    report(false);
    m.setU32(statusOut, K.NDIS_STATUS_RESOURCES);
    return;
  }
  const value = entry ? entry.value : builtIn!;
  const wantsInteger = type === K.NdisParameterInteger || type === K.NdisParameterHexInteger;
  if (typeof value === 'object') {
    // A REG_MULTI_SZ comes back as NdisParameterMultiString whatever string type was asked for:
    // the strings one after another, each ended by a NUL (Length covers the strings and the NULs
    // between them, so a single string reads like an NdisParameterString).
    if (wantsInteger) {
      report(false, JSON.stringify(value));
      m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
      return;
    }
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterType', K.NdisParameterMultiString);
    const stringData = parameter + m.offsetOf('NDIS_CONFIGURATION_PARAMETER', 'ParameterData.StringData');
    if (!writeUnicode(session, key, stringData, value.join('\0'), api, 4)) {
      m.setU32(statusOut, K.NDIS_STATUS_RESOURCES);
      return;
    }
    report(true, JSON.stringify(value));
  } else if (typeof value === 'number') {
    // A REG_DWORD comes back as an integer whatever type was asked for: the driver must look at ParameterType.
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterType', wantsInteger ? type : K.NdisParameterInteger);
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterData.IntegerData', value >>> 0);
    report(true, String(value >>> 0));
  } else if (wantsInteger) {
    const parsed = parseInteger(value, type === K.NdisParameterHexInteger);
    if (parsed === undefined) {
      report(false, JSON.stringify(value));
      m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
      return;
    }
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterType', type);
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterData.IntegerData', parsed);
    report(true, String(parsed));
  } else {
    m.setField('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterType', K.NdisParameterString);
    const stringData = parameter + m.offsetOf('NDIS_CONFIGURATION_PARAMETER', 'ParameterData.StringData');
    if (!writeUnicode(session, key, stringData, value, api)) {
      m.setU32(statusOut, K.NDIS_STATUS_RESOURCES);
      return;
    }
    report(true, JSON.stringify(value));
  }
  m.setU32(valueOut, parameter);
  m.setU32(statusOut, K.NDIS_STATUS_SUCCESS);
}

function writeConfiguration(session: Session, statusOut: number, handle: number, keyword: number, parameter: number): void {
  const m = session.memory;
  const key = keyOf(session, handle, 'NdisWriteConfiguration');
  if (!key) {
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return;
  }
  const name = m.unicodeString(keyword);
  const type = m.field('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterType');
  let value: number | string;
  if (type === K.NdisParameterInteger || type === K.NdisParameterHexInteger) {
    value = m.field('NDIS_CONFIGURATION_PARAMETER', parameter, 'ParameterData.IntegerData');
  } else if (type === K.NdisParameterString) {
    value = m.unicodeString(parameter + m.offsetOf('NDIS_CONFIGURATION_PARAMETER', 'ParameterData.StringData'));
  } else {
    // The lab's registry holds DWORDs and strings only.
    m.setU32(statusOut, K.NDIS_STATUS_NOT_SUPPORTED);
    return;
  }
  const registry = registryOf(session, key);
  const existing = lookup(registry, fullName(key, name));
  registry[existing?.name ?? fullName(key, name)] = value;
  session.emit({ kind: 'registry.write', scope: scopeName(key), keyword: fullName(key, name), value: typeof value === 'number' ? String(value) : JSON.stringify(value), ...siteFields(session.site()) });
  m.setU32(statusOut, K.NDIS_STATUS_SUCCESS);
}

function readNetworkAddress(session: Session, statusOut: number, addressOut: number, lengthOut: number, handle: number): void {
  const m = session.memory;
  const api = 'NdisReadNetworkAddress';
  const key = keyOf(session, handle, api);
  if (!key) {
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return;
  }
  const entry = lookup(registryOf(session, key), fullName(key, 'NetworkAddress'));
  const site = session.site();
  const report = (found: boolean, value?: string) =>
    session.emit({ kind: 'registry.read', scope: scopeName(key), keyword: fullName(key, 'NetworkAddress'), requested: 'network address', found, ...(value === undefined ? {} : { value }), ...siteFields(site) });
  // The value must be a string of hex digit pairs (an installer may also separate the pairs).
  const text = typeof entry?.value === 'string' ? entry.value.trim().replace(/[-:]/g, '') : undefined;
  if (text === undefined || text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(text)) {
    report(false, entry === undefined ? undefined : JSON.stringify(entry.value));
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return;
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  const buffer = handOut(session, key, bytes.length, api);
  if (buffer === 0) {
    m.setU32(statusOut, K.NDIS_STATUS_RESOURCES);
    return;
  }
  m.write(buffer, bytes);
  m.setU32(addressOut, buffer);
  m.setU32(lengthOut, bytes.length);
  report(true, [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('-'));
  m.setU32(statusOut, K.NDIS_STATUS_SUCCESS);
}

function openConfigurationEx(session: Session, object: number, handleOut: number): number {
  const m = session.memory;
  const api = 'NdisOpenConfigurationEx';
  const type = m.field('NDIS_CONFIGURATION_OBJECT', object, 'Header.Type');
  const revision = m.field('NDIS_CONFIGURATION_OBJECT', object, 'Header.Revision');
  const size = m.field('NDIS_CONFIGURATION_OBJECT', object, 'Header.Size');
  if (type !== K.NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT || revision !== K.NDIS_CONFIGURATION_OBJECT_REVISION_1 || size < K.NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1) {
    session.violation(
      'INIT-CONFIG',
      `${api}: the NDIS_CONFIGURATION_OBJECT header is Type 0x${type.toString(16)} / Revision ${revision} / Size ${size}; it must be NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT (0xA9) / NDIS_CONFIGURATION_OBJECT_REVISION_1 / NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 (${K.NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1})`,
    );
    return K.NDIS_STATUS_FAILURE;
  }
  const ndisHandle = m.field('NDIS_CONFIGURATION_OBJECT', object, 'NdisHandle');
  const adapter = adapters(session).get(ndisHandle);
  const isDriver = driverState(session).registrations.some((r) => r.handle === ndisHandle && !r.deregistered);
  if (!adapter && !isDriver) {
    throw new BugCheck(0x7c, [0x21, ndisHandle, object, 0], `${api}: NdisHandle 0x${(ndisHandle >>> 0).toString(16)} is neither a miniport adapter handle nor the miniport driver handle`, 'BAD-HANDLE', session.site());
  }
  if (adapter && adapter.state === 'Halted') {
    session.violation('HALT-AFTER', `${api}: adapter ${adapter.name} has been halted; its handle is no longer valid`);
    return K.NDIS_STATUS_FAILURE;
  }
  const key = newKey(session, adapter ? 'adapter' : 'driver', adapter, '', api);
  if (!key) return K.NDIS_STATUS_RESOURCES;
  m.setU32(handleOut, key.handle);
  return K.NDIS_STATUS_SUCCESS;
}

/**
 * NdisOpenProtocolConfiguration: a handle to a protocol's per-binding key (`registry`, named
 * `label` in events), read and closed like any other configuration handle; NDIS_STATUS_RESOURCES
 * when NDIS's block cannot be allocated.
 */
export function openBindingConfiguration(session: Session, registry: Registry, label: string, handleOut: number): number {
  const key = newKey(session, 'binding', undefined, '', 'NdisOpenProtocolConfiguration', { registry, label });
  if (!key) return K.NDIS_STATUS_RESOURCES;
  session.memory.setU32(handleOut, key.handle);
  return K.NDIS_STATUS_SUCCESS;
}

function openSubkey(session: Session, statusOut: number, handle: number, api: string, pick: (key: ConfigKey, registry: Registry) => string | undefined, handleOut: number): ConfigKey | undefined {
  const m = session.memory;
  const parent = keyOf(session, handle, api);
  if (!parent) {
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return undefined;
  }
  const name = pick(parent, registryOf(session, parent));
  if (name === undefined) {
    m.setU32(statusOut, K.NDIS_STATUS_FAILURE);
    return undefined;
  }
  const key = newKey(session, parent.scope, parent.adapter, fullName(parent, name), api, parent.binding);
  if (!key) {
    m.setU32(statusOut, K.NDIS_STATUS_RESOURCES);
    return undefined;
  }
  m.setU32(handleOut, key.handle);
  m.setU32(statusOut, K.NDIS_STATUS_SUCCESS);
  return key;
}

/** Configuration keys of an adapter still open at a milestone, reported as the leak rule says. */
function leakCheck(session: Session, adapter: Adapter, rule: 'INIT-FAIL-LEAK' | 'HALT-LEAK', when: string): void {
  const open = openConfigKeys(session).filter((k) => k.scope === 'adapter' && k.adapter === adapter);
  if (open.length === 0) return;
  session.violation(rule, `${when} with ${open.length} configuration handle(s) still open (SDV NdisOpenConfigurationEx: every open needs NdisCloseConfiguration): ${open.map(describeKey).join('; ')}`, {
    ...(open[0]!.site ? { site: open[0]!.site } : {}),
  });
  // NDIS tears the keys down with the adapter; later handle use reports the close.
  for (const key of open) closeKey(session, key);
}

addAdapterChecks({
  afterInitFailure: (session, adapter) => leakCheck(session, adapter, 'INIT-FAIL-LEAK', 'MiniportInitializeEx failed'),
  afterHalt: (session, adapter) => leakCheck(session, adapter, 'HALT-LEAK', 'MiniportHaltEx returned'),
});

defineImports([
  {
    name: 'NdisOpenConfigurationEx',
    args: args('ConfigObject:ptr', 'ConfigurationHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl: (session, [object, handleOut]) => openConfigurationEx(session, object!, handleOut!),
  },
  {
    name: 'NdisReadConfiguration',
    args: args('Status:ptr', 'ParameterValue:ptr', 'ConfigurationHandle:handle', 'Keyword:ptr', 'ParameterType:u32'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    // The documented outcome when the keyword is not under the key.
    fault: {
      kind: 'custom',
      label: 'keyword missing (NDIS_STATUS_FAILURE)',
      apply: (session, [statusOut]) => session.memory.setU32(statusOut!, K.NDIS_STATUS_FAILURE),
    },
    impl: (session, [statusOut, valueOut, handle, keyword, type]) => readConfiguration(session, statusOut!, valueOut!, handle!, keyword!, type!),
  },
  {
    name: 'NdisWriteConfiguration',
    args: args('Status:ptr', 'ConfigurationHandle:handle', 'Keyword:ptr', 'ParameterValue:ptr'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl: (session, [statusOut, handle, keyword, parameter]) => writeConfiguration(session, statusOut!, handle!, keyword!, parameter!),
  },
  {
    name: 'NdisReadNetworkAddress',
    args: args('Status:ptr', 'NetworkAddress:ptr', 'NetworkAddressLength:ptr', 'ConfigurationHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl: (session, [statusOut, addressOut, lengthOut, handle]) => readNetworkAddress(session, statusOut!, addressOut!, lengthOut!, handle!),
  },
  {
    name: 'NdisCloseConfiguration',
    args: args('ConfigurationHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const key = keyOf(session, handle!, 'NdisCloseConfiguration');
      if (key) closeKey(session, key);
    },
  },
  {
    name: 'NdisOpenConfigurationKeyByName',
    args: args('Status:ptr', 'ConfigurationHandle:handle', 'SubKeyName:ptr', 'SubKeyHandle:ptr'),
    result: 'void',
    maxIrql: APC_LEVEL,
    impl(session, [statusOut, handle, subKeyName, handleOut]) {
      const wanted = session.memory.unicodeString(subKeyName!);
      openSubkey(session, statusOut!, handle!, 'NdisOpenConfigurationKeyByName', (parent, registry) => subkeysOf(registry, parent.path).find((s) => s.toLowerCase() === wanted.toLowerCase()), handleOut!);
    },
  },
  {
    name: 'NdisOpenConfigurationKeyByIndex',
    args: args('Status:ptr', 'ConfigurationHandle:handle', 'Index:u32', 'KeyName:ptr', 'KeyHandle:ptr'),
    result: 'void',
    maxIrql: APC_LEVEL,
    impl(session, [statusOut, handle, index, keyName, handleOut]) {
      const parent = configState(session).keys.get(handle!);
      const key = openSubkey(session, statusOut!, handle!, 'NdisOpenConfigurationKeyByIndex', (p, registry) => subkeysOf(registry, p.path)[index!], handleOut!);
      // The key's name is NDIS storage of the parent key, valid until the parent is closed.
      if (key && parent) writeUnicode(session, parent, keyName!, key.path.slice(key.path.lastIndexOf('\\') + 1), 'NdisOpenConfigurationKeyByIndex');
    },
  },
]);
