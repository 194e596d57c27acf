import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { Scenario, type ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { miniport, protocolHandlerStubs, registerProtocolFunction } from './family-test-driver';

/**
 * The binding's registry key and the virtual device's name (ndis-rules §3.4): the protocol edge of
 * an intermediate driver opens its key for the binding with NdisOpenProtocolConfiguration
 * (BindParameters->ProtocolSection) and reads UpperBindings, the virtual device instance it must
 * give NdisIMInitializeDeviceInstanceEx; and NdisQueryBindInstanceName, whose name buffer the
 * protocol frees (BIND-DE). Each with a correct driver and a violating variant.
 */

interface Variant {
  /** Where the device instance name comes from: UpperBindings (default) or a name the driver makes up. */
  name?: 'registry' | 'composed';
  /** What the driver passes NdisOpenProtocolConfiguration (default p->ProtocolSection). */
  section?: string;
  /** Leave the binding's key open (no NdisCloseConfiguration). */
  keepConfigOpen?: boolean;
  /** Ask for the adapter's instance name in the bind: and free it, or leak it. */
  instanceName?: 'free' | 'leak';
}

function imDriver(v: Variant = {}): string {
  const protocol = `
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE BindingHandle;
static NDIS_HANDLE VirtualHandle;
static UCHAR BindingContext[16];
static WCHAR NameBuffer[128];
static NDIS_STRING DeviceName;
static NDIS_STRING Composed = NDIS_STRING_CONST("\\\\DEVICE\\\\{MY-IM-0}");

static NDIS_STATUS ReadUpperBindings(PNDIS_BIND_PARAMETERS p)
{
    NDIS_STRING keyword = NDIS_STRING_CONST("UpperBindings");
    NDIS_HANDLE config;
    PNDIS_CONFIGURATION_PARAMETER param;
    NDIS_STATUS s;
    USHORT n = 0;
    NdisOpenProtocolConfiguration(&s, &config, ${v.section ?? 'p->ProtocolSection'}); /* OPEN-CONFIG */
    DbgPrint("open key %wZ = 0x%08x", p->ProtocolSection, s);
    if (s != NDIS_STATUS_SUCCESS) return s;
    NdisReadConfiguration(&s, &param, config, &keyword, NdisParameterMultiString);
    if (s == NDIS_STATUS_SUCCESS) {
        PNDIS_STRING names = &param->ParameterData.StringData;
        DbgPrint("UpperBindings: type %d, %u bytes", (int)param->ParameterType, names->Length);
        while (n < names->Length / sizeof(WCHAR) && names->Buffer[n] != 0 && n < 128) { NameBuffer[n] = names->Buffer[n]; n++; }
        DeviceName.Buffer = NameBuffer;
        DeviceName.Length = (USHORT)(n * sizeof(WCHAR));
        DeviceName.MaximumLength = sizeof(NameBuffer);
    }
    ${v.keepConfigOpen ? '/* KEEP-OPEN */' : 'NdisCloseConfiguration(config);'}
    return s;
}

static NDIS_STATUS PtBind(NDIS_HANDLE d, NDIS_HANDLE BindContext, PNDIS_BIND_PARAMETERS p)
{
    NDIS_OPEN_PARAMETERS op;
    NDIS_MEDIUM media[1] = { NdisMedium802_3 };
    UINT selected = 0;
    NDIS_STATUS s;
    UNREFERENCED_PARAMETER(d);
    ${v.instanceName ? `{
        NDIS_STRING instance;
        s = NdisQueryBindInstanceName(&instance, BindContext); /* QUERY-NAME */
        if (s == NDIS_STATUS_SUCCESS) {
            DbgPrint("instance name: %wZ", &instance);
            ${v.instanceName === 'free' ? 'NdisFreeMemory(instance.Buffer, instance.MaximumLength, 0);' : '/* LEAK-NAME */'}
        }
    }` : ''}
    ${v.name === 'composed' ? 'DeviceName = Composed;' : 's = ReadUpperBindings(p); if (s != NDIS_STATUS_SUCCESS) return s;'}
    NdisZeroMemory(&op, sizeof(op));
    op.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS;
    op.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1;
    op.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    op.AdapterName = p->AdapterName;
    op.MediumArray = media;
    op.MediumArraySize = 1;
    op.SelectedMediumIndex = &selected;
    s = NdisOpenAdapterEx(ProtocolHandle, BindingContext, &op, BindContext, &BindingHandle);
    if (s != NDIS_STATUS_SUCCESS) return s;
    s = NdisIMInitializeDeviceInstanceEx(DriverHandle, &DeviceName, BindingContext); /* INIT-DEVICE */
    DbgPrint("NdisIMInitializeDeviceInstanceEx(%wZ) = 0x%08x", &DeviceName, s);
    if (s != NDIS_STATUS_SUCCESS) { NdisCloseAdapterEx(BindingHandle); return s; }
    return NDIS_STATUS_SUCCESS;
}
static NDIS_STATUS PtUnbind(NDIS_HANDLE u, NDIS_HANDLE b)
{
    UNREFERENCED_PARAMETER(u); UNREFERENCED_PARAMETER(b);
    if (VirtualHandle != NULL) { NdisIMDeInitializeDeviceInstance(VirtualHandle); VirtualHandle = NULL; }
    else NdisIMCancelInitializeDeviceInstance(DriverHandle, &DeviceName);
    NdisCloseAdapterEx(BindingHandle);
    return NDIS_STATUS_SUCCESS;
}
${protocolHandlerStubs()}

${registerProtocolFunction()}`;
  return miniport({
    globals: protocol,
    init: 'VirtualHandle = Adapter.Handle;',
    unload: 'NdisDeregisterProtocolDriver(ProtocolHandle);',
    driverEntry: `
    chars.Flags = NDIS_INTERMEDIATE_DRIVER;
    {
        NDIS_STATUS s = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);
        if (s != NDIS_STATUS_SUCCESS) return s;
        s = RegisterProtocol();
        if (s != NDIS_STATUS_SUCCESS) { NdisMDeregisterMiniportDriver(DriverHandle); return s; }
        NdisIMAssociateMiniport(DriverHandle, ProtocolHandle);
        return NDIS_STATUS_SUCCESS;
    }`,
  });
}

/** Bind to a lower adapter (the built-in model below: no LabNIC driver needed), run, unbind, unload. */
function scenario(registry?: Record<string, string | number | string[]>): ScenarioInput {
  return {
    steps: [{ step: 'load' }, { step: 'bind', below: 'model', ...(registry ? { registry } : {}) }, { step: 'expect-binding', state: 'Running' }, { step: 'unbind' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }],
  };
}

function prints(events: SimEvent[]): string[] {
  return events.filter((e): e is Extract<SimEvent, { kind: 'debug.print' }> => e.kind === 'debug.print').map((e) => e.text);
}

function registryReads(events: SimEvent[]) {
  return events.filter((e): e is Extract<SimEvent, { kind: 'registry.read' }> => e.kind === 'registry.read').map(({ scope, keyword, requested, found, value }) => ({ scope, keyword, requested, found, value }));
}

const SECTION = 'PassThruLab\\Parameters\\Adapters\\{LAB-LOWER0}';
const NDIS_PARAMETER_STRING = 2;
const NDIS_PARAMETER_MULTI_STRING = 3;

describe("the binding's registry key (NdisOpenProtocolConfiguration) and the virtual device's name", () => {
  it('UpperBindings names the virtual device: the driver reads it from its key for the binding (ProtocolSection), and NDIS initializes the virtual miniport of that name; the read is an event', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario() });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(run.result.adapters.map((a) => [a.name, a.state])).toEqual([['\\DEVICE\\PASSTHRU_{LAB-LOWER0}', 'Halted']]);
    const name = '\\DEVICE\\PASSTHRU_{LAB-LOWER0}';
    expect(prints(run.events)).toEqual(expect.arrayContaining([`open key ${SECTION} = 0x00000000`, `UpperBindings: type ${NDIS_PARAMETER_MULTI_STRING}, ${name.length * 2} bytes`, `NdisIMInitializeDeviceInstanceEx(${name}) = 0x00000000`]));
    expect(registryReads(run.events)).toEqual([{ scope: SECTION, keyword: 'UpperBindings', requested: 'NdisParameterMultiString', found: true, value: JSON.stringify([name]) }]);
  });

  it("the bind step's registry sets the key: a REG_SZ UpperBindings comes back as NdisParameterString, a REG_MULTI_SZ as NdisParameterMultiString with every name (the first is the device)", async () => {
    const single = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario({ UpperBindings: '\\DEVICE\\{MY-IM-0}' }) });
    expect(single.result.findings).toEqual([]);
    expect(single.result.adapters.map((a) => a.name)).toEqual(['\\DEVICE\\{MY-IM-0}']);
    expect(prints(single.events)).toContain(`UpperBindings: type ${NDIS_PARAMETER_STRING}, ${'\\DEVICE\\{MY-IM-0}'.length * 2} bytes`);
    const multi = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario({ UpperBindings: ['\\DEVICE\\{A}', '\\DEVICE\\{BB}'] }) });
    expect(multi.result.findings).toEqual([]);
    expect(multi.result.adapters.map((a) => a.name)).toEqual(['\\DEVICE\\{A}']);
    // Both names and the NUL between them.
    expect(prints(multi.events)).toContain(`UpperBindings: type ${NDIS_PARAMETER_MULTI_STRING}, ${('\\DEVICE\\{A}'.length + 1 + '\\DEVICE\\{BB}'.length) * 2} bytes`);
  });

  it('IM-INIT-CALL: a DriverInstance that names no virtual device instance the registry defines (a name the driver made up), at the line of the call', async () => {
    const source = imDriver({ name: 'composed' });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario() });
    expect(run.result.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([['IM-INIT-CALL', 'stop', lineOf(source, 'INIT-DEVICE')]]);
    expect(run.result.findings[0]!.message).toContain('(DriverInstance "\\\\DEVICE\\\\{MY-IM-0}"): no virtual device instance of that name is installed');
    expect(run.result.findings[0]!.message).toContain('"\\\\DEVICE\\\\PASSTHRU_{LAB-LOWER0}"');
  });

  it('a ProtocolSection that is not the binding\'s key fails the open (NDIS_STATUS_FAILURE) with a note naming the right key', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ section: 'p->AdapterName' }) }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', below: 'model' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }] } });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain(`open key ${SECTION} = 0xc0000001`);
    const note = run.events.find((e): e is Extract<SimEvent, { kind: 'ndis.note' }> => e.kind === 'ndis.note' && e.api === 'NdisOpenProtocolConfiguration');
    expect(note?.text).toContain(`no key "\\\\DEVICE\\\\{LAB-LOWER0}"`);
  });

  it("a binding's key left open is a leak at unload (REG-UNLOAD) naming the line of NdisOpenProtocolConfiguration", async () => {
    const source = imDriver({ keepConfigOpen: true });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario() });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['REG-UNLOAD']);
    expect(run.result.findings[0]!.message).toContain(`from NdisOpenProtocolConfiguration at im.c:${lineOf(source, 'OPEN-CONFIG')}`);
  });

  it('the schema checks the bind step\'s registry: value names, and REG_MULTI_SZ values as non-empty lists of strings', () => {
    expect(Scenario.safeParse({ steps: [{ step: 'bind', registry: { UpperBindings: ['\\DEVICE\\{A}'] } }] }).success).toBe(true);
    const badName = Scenario.safeParse({ steps: [{ step: 'bind', registry: { 'Upper Bindings': 'x' } }] });
    expect(badName.success).toBe(false);
    expect(badName.error!.issues[0]!.path).toEqual(['steps', 0, 'registry', 'Upper Bindings']);
    const empty = Scenario.safeParse({ steps: [{ step: 'bind', registry: { UpperBindings: [] } }] });
    expect(empty.success).toBe(false);
    expect(empty.error!.issues[0]!.path.slice(0, 4)).toEqual(['steps', 0, 'registry', 'UpperBindings']);
  });
});

describe('NdisQueryBindInstanceName', () => {
  it('returns the adapter\'s friendly name in a buffer the protocol frees with NdisFreeMemory (clean)', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ instanceName: 'free' }) }, { scenario: scenario() });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('instance name: NDIS Lab Ethernet Adapter (lower0)');
  });

  it('BIND-DE: the name buffer never freed, reported at unload with the line that asked for it', async () => {
    const source = imDriver({ instanceName: 'leak' });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario() });
    expect(run.result.findings.map((f) => [f.rule, f.line])).toEqual([['BIND-DE', lineOf(source, 'QUERY-NAME')]]);
    expect(run.result.findings[0]!.message).toContain('the name buffer NdisQueryBindInstanceName returned for the bind to lower0');
  });
});
