import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { miniport, protocolHandlerStubs, protocolStubs, registerProtocolFunction } from './family-test-driver';

/**
 * The protocol edge of intermediate drivers: NdisRegisterProtocolDriver (ProtocolSetOptions inside
 * it), NdisIMAssociateMiniport in DriverEntry, deregistration at unload and on a failing
 * DriverEntry, and virtual miniports claiming no hardware. The miniport half is the family test
 * driver with NDIS_INTERMEDIATE_DRIVER set.
 */

const PROTOCOL = `
static NDIS_HANDLE ProtocolHandle;
static LONG SetOptionsCalls;
${protocolStubs()}
static NDIS_STATUS PtSetOptions(NDIS_HANDLE h, NDIS_HANDLE c) { UNREFERENCED_PARAMETER(h); UNREFERENCED_PARAMETER(c); SetOptionsCalls++; DbgPrint("protocol set options"); return NDIS_STATUS_SUCCESS; }

${registerProtocolFunction('pc.SetOptionsHandler = PtSetOptions;\n    MISSING_HANDLER')}`;

/** An IM driver: the family miniport with NDIS_INTERMEDIATE_DRIVER, plus the protocol edge. */
function imDriver(options: { associate?: boolean; deregisterAtUnload?: boolean; failAfterRegistering?: boolean; missingHandler?: boolean; init?: string } = {}): string {
  const { associate = true, deregisterAtUnload = true, failAfterRegistering = false, missingHandler = false } = options;
  return miniport({
    globals: PROTOCOL.replace('MISSING_HANDLER', missingHandler ? 'pc.StatusHandlerEx = NULL;' : ''),
    init: options.init ?? '',
    unload: deregisterAtUnload ? 'NdisDeregisterProtocolDriver(ProtocolHandle);' : '',
    driverEntry: `
    chars.Flags = NDIS_INTERMEDIATE_DRIVER;
    {
        NDIS_STATUS s = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);
        if (s != NDIS_STATUS_SUCCESS) return s;
        s = RegisterProtocol();
        DbgPrint("NdisRegisterProtocolDriver = 0x%08x, set options %d", s, SetOptionsCalls);
        if (s != NDIS_STATUS_SUCCESS) { NdisMDeregisterMiniportDriver(DriverHandle); return s; }
        ${associate ? 'NdisIMAssociateMiniport(DriverHandle, ProtocolHandle);' : ''}
        ${failAfterRegistering ? 'NdisMDeregisterMiniportDriver(DriverHandle); return NDIS_STATUS_FAILURE; /* FAIL-HERE */' : ''}
        return NDIS_STATUS_SUCCESS;
    }`,
  });
}

const LOAD_UNLOAD = { steps: [{ step: 'load' }, { step: 'unload' }] } as const;

function prints(events: Array<{ kind: string }>): string[] {
  return events.filter((e): e is { kind: 'debug.print'; text: string } => e.kind === 'debug.print').map((e) => e.text);
}

describe('intermediate drivers: the protocol edge', () => {
  it('an IM DriverEntry registers an NDIS_INTERMEDIATE_DRIVER miniport, its protocol (ProtocolSetOptions runs inside), associates them; unload deregisters both', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: LOAD_UNLOAD });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['protocol set options', 'NdisRegisterProtocolDriver = 0x00000000, set options 1']);
    expect(run.result.driver).toEqual({ loaded: true, unloaded: true });
  });

  it('IM-DE-ASSOC: an IM DriverEntry that never calls NdisIMAssociateMiniport', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ associate: false }) }, { scenario: LOAD_UNLOAD });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['IM-DE-ASSOC']);
    expect(run.result.findings[0]!.message).toContain('NdisIMAssociateMiniport');
  });

  it('IM-UNLOAD: an IM unload that leaves the protocol registered', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ deregisterAtUnload: false }) }, { scenario: LOAD_UNLOAD });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['IM-UNLOAD']);
    expect(run.result.findings[0]!.message).toContain('"PassThruLab" still registered');
  });

  it('BIND-DE: DriverEntry fails after NdisRegisterProtocolDriver without NdisDeregisterProtocolDriver (reported at its return)', async () => {
    const source = imDriver({ failAfterRegistering: true });
    const run = await runDriverSource({ 'im.c': source }, { scenario: LOAD_UNLOAD });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-DE']);
    expect(run.result.driver.loaded).toBe(false);
    expect(lineOf(source, 'FAIL-HERE')).toBeGreaterThan(0);
  });

  it('a protocol without a required handler is refused with NDIS_STATUS_BAD_CHARACTERISTICS, and NDIS says why', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ missingHandler: true }) }, { scenario: LOAD_UNLOAD });
    expect(prints(run.events)).toContain('NdisRegisterProtocolDriver = 0xc0010005, set options 0'); // NDIS_STATUS_BAD_CHARACTERISTICS
    const note = run.events.find((e) => e.kind === 'ndis.note');
    expect(note && 'text' in note ? note.text : '').toContain('StatusHandlerEx');
    // The driver failed cleanly (it deregistered its miniport): no finding.
    expect(run.result.findings).toEqual([]);
    expect(run.result.driver.loaded).toBe(false);
  });

  it('an injected NdisRegisterProtocolDriver failure handled by deregistering the miniport is clean', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: LOAD_UNLOAD, faults: ['NdisRegisterProtocolDriver@1'] });
    expect(run.result.findings).toEqual([]);
    expect(run.result.driver.loaded).toBe(false);
  });

  it('IM-NO-HW: a virtual miniport that claims an interrupt', async () => {
    const init = `{
        NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic; NDIS_HANDLE h;
        NdisZeroMemory(&ic, sizeof(ic));
        ic.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
        ic.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
        ic.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
        if (NdisMRegisterInterruptEx(Adapter.Handle, &Adapter, &ic, &h) == NDIS_STATUS_SUCCESS) return NDIS_STATUS_FAILURE; /* CLAIM */
    }`;
    const source = imDriver({ init });
    const run = await runDriverSource({ 'im.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device', registry: { IMMiniport: 1 } }, { step: 'unload' }] } });
    expect(run.result.findings.map((f) => [f.rule, f.line])).toEqual([['IM-NO-HW', lineOf(source, 'CLAIM')]]);
  });

  it('a protocol driver (no miniport): DriverEntry registers its protocol and sets DriverObject->DriverUnload, which deregisters it; NDIS binds and unbinds it', async () => {
    const source = `#define NDIS620 1
#include <ndis.h>
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE BindingHandle;
static UCHAR BindingContext[8];
static NDIS_STATUS PtBind(NDIS_HANDLE d, NDIS_HANDLE bc, PNDIS_BIND_PARAMETERS p)
{
    NDIS_OPEN_PARAMETERS op; NDIS_MEDIUM media[1] = { NdisMedium802_3 }; UINT sel = 0;
    UNREFERENCED_PARAMETER(d);
    NdisZeroMemory(&op, sizeof(op));
    op.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS; op.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1; op.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    op.AdapterName = p->AdapterName; op.MediumArray = media; op.MediumArraySize = 1; op.SelectedMediumIndex = &sel;
    return NdisOpenAdapterEx(ProtocolHandle, BindingContext, &op, bc, &BindingHandle);
}
static NDIS_STATUS PtUnbind(NDIS_HANDLE u, NDIS_HANDLE b) { UNREFERENCED_PARAMETER(u); UNREFERENCED_PARAMETER(b); NdisCloseAdapterEx(BindingHandle); return NDIS_STATUS_SUCCESS; }
${protocolHandlerStubs()}
${registerProtocolFunction()}
static VOID PtUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); DbgPrint("protocol unload"); NdisDeregisterProtocolDriver(ProtocolHandle); }
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("driver %wZ", &DriverObject->DriverName);
    DriverObject->DriverUnload = PtUnload;
    return RegisterProtocol();
}
`;
    const run = await runDriverSource({ 'proto.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind' }, { step: 'expect-binding', state: 'Running' }, { step: 'unbind' }, { step: 'unload' }] } });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['driver \\Driver\\TestDriver', 'protocol unload']);
    expect(run.result.driver).toEqual({ loaded: true, unloaded: true });
  });

  it('DriverEntry must not return PENDING (BIND-DE for a driver with a protocol edge)', async () => {
    const pending = imDriver().replace(/(NdisIMAssociateMiniport\(DriverHandle, ProtocolHandle\);)\s*\n\s*\n?\s*return NDIS_STATUS_SUCCESS;/, '$1\n        return STATUS_PENDING; /* PENDING */');
    expect(pending).toContain('/* PENDING */');
    const run = await runDriverSource({ 'im.c': pending }, { scenario: LOAD_UNLOAD });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-DE']);
    expect(run.result.findings[0]!.message).toContain('STATUS_PENDING');
  });
});
