import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { miniport, registerProtocolFunction } from './family-test-driver';

/**
 * Binding operations that complete later or that the protocol starts itself (ndis-rules §3.3,
 * §5.7, §5.8 S6): NdisOpenAdapterEx, NdisCloseAdapterEx and NdisOidRequest pending and completing
 * through ProtocolOpenAdapterCompleteEx, ProtocolCloseAdapterCompleteEx and
 * ProtocolOidRequestComplete; NdisUnbindAdapter; NdisReEnumerateProtocolBindings; and, for an
 * intermediate driver, a virtual MiniportInitializeEx that runs inside the driver's own
 * NdisIMInitializeDeviceInstanceEx call (IM-REENTRANT-INIT). Each with a correct driver and a
 * violating variant caught by rule id (and line where the driver's call is the violation).
 */

interface Variant {
  /** Right after NdisOpenAdapterEx returned `s` (default: wait for a pended open). */
  afterOpenCall?: string;
  /** In the bind once the adapter is open. */
  afterOpen?: string;
  /** Right after NdisCloseAdapterEx returned `s` (default: wait for a pended close, then free the context). */
  afterCloseCall?: string;
  /** At the start of the bind. */
  bindStart?: string;
  /** In ProtocolNetPnPEvent (`e` the notification); falls through to return SUCCESS. */
  onPnP?: string;
  /** In ProtocolStatusEx. */
  onStatus?: string;
  /** The virtual MiniportInitializeEx (when the test asks for one with AskForVirtualMiniport). */
  virtualInit?: string;
  globals?: string;
}

function driver(v: Variant = {}): string {
  const protocol = `
typedef struct _BIND_CTX { ULONG Signature; NDIS_HANDLE BindingHandle; } BIND_CTX, *PBIND_CTX;
static NDIS_HANDLE ProtocolHandle;
static PBIND_CTX Ctx;
static NDIS_EVENT OpenEvent, CloseEvent, OidEvent, ReadyEvent;
static NDIS_STATUS OpenStatus;
static UINT Selected = 99;
static LONG Attempts;
static NDIS_OID_REQUEST Oid;
static ULONG OidBuffer;
static NDIS_HANDLE WorkItem;
static NDIS_HANDLE VirtualHandle;
static NDIS_STRING DeviceName = NDIS_STRING_CONST("\\\\DEVICE\\\\PASSTHRU_{LAB-LOWER0}");
static UCHAR DeviceContext[16];
${v.globals ?? ''}

static NDIS_STATUS QueryLinkSpeed(VOID)
{
    NdisZeroMemory(&Oid, sizeof(Oid));
    Oid.Header.Type = NDIS_OBJECT_TYPE_OID_REQUEST;
    Oid.Header.Revision = NDIS_OID_REQUEST_REVISION_1;
    Oid.Header.Size = NDIS_SIZEOF_OID_REQUEST_REVISION_1;
    Oid.RequestType = NdisRequestQueryInformation;
    Oid.DATA.QUERY_INFORMATION.Oid = OID_GEN_LINK_SPEED;
    Oid.DATA.QUERY_INFORMATION.InformationBuffer = &OidBuffer;
    Oid.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof(OidBuffer);
    return NdisOidRequest(Ctx->BindingHandle, &Oid); /* OID-CALL */
}

static VOID ReEnumerate(PVOID Context, NDIS_HANDLE Item)
{
    UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(Item);
    DbgPrint("re-enumerate");
    NdisReEnumerateProtocolBindings(ProtocolHandle);
}

static NDIS_STATUS AskForVirtualMiniport(VOID)
{
    NDIS_STATUS s;
    NdisResetEvent(&ReadyEvent);
    s = NdisIMInitializeDeviceInstanceEx(DriverHandle, &DeviceName, DeviceContext);
    NdisSetEvent(&ReadyEvent); /* the binding is ready only once the call returned */
    DbgPrint("NdisIMInitializeDeviceInstanceEx = 0x%08x", s);
    return s;
}

static NDIS_STATUS PtBind(NDIS_HANDLE d, NDIS_HANDLE BindContext, PNDIS_BIND_PARAMETERS p)
{
    NDIS_OPEN_PARAMETERS op;
    NDIS_MEDIUM media[1] = { NdisMedium802_3 };
    NDIS_STATUS s;
    UNREFERENCED_PARAMETER(d);
    ${v.bindStart ?? ''}
    Ctx = (PBIND_CTX)NdisAllocateMemoryWithTagPriority(DriverHandle, sizeof(BIND_CTX), 'dniB', NormalPoolPriority);
    if (Ctx == NULL) return NDIS_STATUS_RESOURCES;
    NdisZeroMemory(Ctx, sizeof(BIND_CTX));
    NdisZeroMemory(&op, sizeof(op));
    op.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS;
    op.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1;
    op.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    op.AdapterName = p->AdapterName;
    op.MediumArray = media;
    op.MediumArraySize = 1;
    op.SelectedMediumIndex = &Selected;
    NdisResetEvent(&OpenEvent);
    s = NdisOpenAdapterEx(ProtocolHandle, Ctx, &op, BindContext, &Ctx->BindingHandle);
    DbgPrint("open = 0x%08x", s);
    ${v.afterOpenCall ?? 'if (s == NDIS_STATUS_PENDING) { NdisWaitEvent(&OpenEvent, 0); s = OpenStatus; DbgPrint("open completed = 0x%08x, medium %u", s, Selected); }'}
    if (s != NDIS_STATUS_SUCCESS) { NdisFreeMemory(Ctx, 0, 0); Ctx = NULL; return s; }
    ${v.afterOpen ?? ''}
    return NDIS_STATUS_SUCCESS;
}
static NDIS_STATUS PtUnbind(NDIS_HANDLE u, NDIS_HANDLE b)
{
    NDIS_STATUS s;
    UNREFERENCED_PARAMETER(u); UNREFERENCED_PARAMETER(b);
    if (VirtualHandle != NULL) { NdisIMDeInitializeDeviceInstance(VirtualHandle); VirtualHandle = NULL; }
    NdisResetEvent(&CloseEvent);
    s = NdisCloseAdapterEx(Ctx->BindingHandle);
    DbgPrint("close = 0x%08x", s);
    ${v.afterCloseCall ?? 'if (s == NDIS_STATUS_PENDING) { NdisWaitEvent(&CloseEvent, 0); DbgPrint("close completed"); } NdisFreeMemory(Ctx, 0, 0); Ctx = NULL;'}
    return NDIS_STATUS_SUCCESS;
}
static VOID PtOpenComplete(NDIS_HANDLE b, NDIS_STATUS s) { UNREFERENCED_PARAMETER(b); DbgPrint("open complete at IRQL %d", KeGetCurrentIrql()); OpenStatus = s; NdisSetEvent(&OpenEvent); }
static VOID PtCloseComplete(NDIS_HANDLE b) { UNREFERENCED_PARAMETER(b); DbgPrint("close complete at IRQL %d", KeGetCurrentIrql()); NdisSetEvent(&CloseEvent); }
static PNET_PNP_EVENT_NOTIFICATION PendingEvent;
static VOID CompletePnP(PVOID Context, NDIS_HANDLE Item)
{
    UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(Item);
    DbgPrint("completing net event %d", PendingEvent->NetPnPEvent.NetEvent);
    NdisCompleteNetPnPEvent(Ctx->BindingHandle, PendingEvent, NDIS_STATUS_SUCCESS);
}
static NDIS_STATUS PtPnP(NDIS_HANDLE b, PNET_PNP_EVENT_NOTIFICATION e) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(e); ${v.onPnP ?? ''} return NDIS_STATUS_SUCCESS; }
static VOID PtOidComplete(NDIS_HANDLE b, PNDIS_OID_REQUEST r, NDIS_STATUS s)
{
    UNREFERENCED_PARAMETER(b);
    DbgPrint("oid complete 0x%08x: %u bytes, speed %u", s, r->DATA.QUERY_INFORMATION.BytesWritten, OidBuffer);
    NdisSetEvent(&OidEvent);
}
static VOID PtStatus(NDIS_HANDLE b, PNDIS_STATUS_INDICATION s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(s); ${v.onStatus ?? ''} }
static VOID PtReceive(NDIS_HANDLE b, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG c, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(p); UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(f); }
static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }

${registerProtocolFunction()}`;
  return miniport({
    globals: protocol,
    init: v.virtualInit ?? 'VirtualHandle = Adapter.Handle;',
    unload: 'NdisFreeIoWorkItem(WorkItem); NdisDeregisterProtocolDriver(ProtocolHandle);',
    driverEntry: `
    chars.Flags = NDIS_INTERMEDIATE_DRIVER;
    NdisInitializeEvent(&OpenEvent); NdisInitializeEvent(&CloseEvent); NdisInitializeEvent(&OidEvent); NdisInitializeEvent(&ReadyEvent);
    {
        NDIS_STATUS s = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);
        if (s != NDIS_STATUS_SUCCESS) return s;
        WorkItem = NdisAllocateIoWorkItem(DriverHandle);
        if (WorkItem == NULL) { NdisMDeregisterMiniportDriver(DriverHandle); return NDIS_STATUS_RESOURCES; }
        s = RegisterProtocol();
        if (s != NDIS_STATUS_SUCCESS) { NdisFreeIoWorkItem(WorkItem); NdisMDeregisterMiniportDriver(DriverHandle); return s; }
        NdisIMAssociateMiniport(DriverHandle, ProtocolHandle);
        return NDIS_STATUS_SUCCESS;
    }`,
  });
}

type Step = ScenarioInput['steps'][number];
function scenario(pend: Array<'open' | 'close' | 'oid'>, middle: Step[] = [], start: 'inside' | 'later' | 'never' = 'never'): ScenarioInput {
  // The built-in model below: NDIS-level pending (pend) is what these tests are about.
  return { steps: [{ step: 'load' }, { step: 'bind', below: 'model', pend, start, startAfterMs: 5 }, ...middle, { step: 'unbind' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }] };
}

function prints(events: SimEvent[]): string[] {
  return events.filter((e): e is Extract<SimEvent, { kind: 'debug.print' }> => e.kind === 'debug.print').map((e) => e.text);
}

const PENDING = '0x00000103';
const NET_EVENT_PAUSE = 8;

describe('binding operations that pend, and bindings the protocol changes itself', () => {
  it('NdisOpenAdapterEx and NdisCloseAdapterEx may pend: NDIS completes them through ProtocolOpenAdapterCompleteEx (the medium index is valid from then on) and ProtocolCloseAdapterCompleteEx, at PASSIVE_LEVEL', async () => {
    const run = await runDriverSource({ 'p.c': driver() }, { scenario: scenario(['open', 'close'], [{ step: 'expect-binding', state: 'Running' }]) });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual([`open = ${PENDING}`, 'open complete at IRQL 0', 'open completed = 0x00000000, medium 0', `close = ${PENDING}`, 'close complete at IRQL 0', 'close completed']);
  });

  it('BIND-OPEN-PENDING: the binding handle used before ProtocolOpenAdapterCompleteEx', async () => {
    const source = driver({ afterOpenCall: 'if (s == NDIS_STATUS_PENDING) { QueryLinkSpeed(); /* EARLY-USE */ NdisWaitEvent(&OpenEvent, 0); s = OpenStatus; }' });
    const run = await runDriverSource({ 'p.c': source }, { scenario: scenario(['open']) });
    const finding = run.result.findings.find((f) => f.rule === 'BIND-OPEN-PENDING');
    expect(finding?.message).toContain('NdisOidRequest on the binding over lower0 before ProtocolOpenAdapterCompleteEx');
    expect(finding?.line).toBe(lineOf(source, 'OID-CALL'));
  });

  it('BIND-OPEN-PENDING: a bind that succeeds while its open is still pending', async () => {
    const run = await runDriverSource({ 'p.c': driver({ afterOpenCall: 'if (s == NDIS_STATUS_PENDING) s = NDIS_STATUS_SUCCESS; /* NO-WAIT */' }) }, { scenario: scenario(['open']) });
    expect(run.result.findings.map((f) => f.rule)).toContain('BIND-OPEN-PENDING');
    expect(run.result.findings.find((f) => f.rule === 'BIND-OPEN-PENDING')!.message).toContain('succeeded while its NdisOpenAdapterEx was still pending');
  });

  it('BIND-UNBIND: an unbind that returns SUCCESS while its close is pending', async () => {
    const run = await runDriverSource({ 'p.c': driver({ afterCloseCall: '/* NO-WAIT: the context leaks instead of being freed too early */' }) }, { scenario: scenario(['close']) });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-UNBIND']);
    expect(run.result.findings[0]!.message).toContain('returned NDIS_STATUS_SUCCESS while its NdisCloseAdapterEx was still pending');
  });

  it('BIND-UNBIND: a binding context freed before ProtocolCloseAdapterCompleteEx', async () => {
    const run = await runDriverSource({ 'p.c': driver({ afterCloseCall: 'NdisFreeMemory(Ctx, 0, 0); Ctx = NULL; return NDIS_STATUS_PENDING; /* FREED-EARLY */' }) }, { scenario: scenario(['close']) });
    const unbind = run.result.findings.filter((f) => f.rule === 'BIND-UNBIND');
    expect(unbind.map((f) => f.message)).toEqual([expect.stringMatching(/freed its binding context 0x[0-9A-F]+ for lower0 before ProtocolCloseAdapterCompleteEx/)]);
  });

  it('NdisOidRequest may pend: it returns NDIS_STATUS_PENDING and NDIS calls ProtocolOidRequestComplete with the answer', async () => {
    const afterOpen = 's = QueryLinkSpeed(); DbgPrint("oid = 0x%08x", s); if (s == NDIS_STATUS_PENDING) NdisWaitEvent(&OidEvent, 0);';
    const run = await runDriverSource({ 'p.c': driver({ afterOpen }) }, { scenario: scenario(['oid']) });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events).slice(0, 3)).toEqual(['open = 0x00000000', `oid = ${PENDING}`, 'oid complete 0x00000000: 4 bytes, speed 10000000']);
    expect(run.events.some((e) => e.kind === 'driver.callback' && e.handler === 'ProtocolOidRequestComplete')).toBe(true);
  });

  it('NdisCancelOidRequest: a pended request with that RequestId completes at once with NDIS_STATUS_REQUEST_ABORTED', async () => {
    const afterOpen = 's = QueryLinkSpeed(); if (s == NDIS_STATUS_PENDING) { NdisCancelOidRequest(Ctx->BindingHandle, Oid.RequestId); NdisWaitEvent(&OidEvent, 0); }';
    const run = await runDriverSource({ 'p.c': driver({ afterOpen }).replace('Oid.RequestType = NdisRequestQueryInformation;', 'Oid.RequestType = NdisRequestQueryInformation; Oid.RequestId = (PVOID)0x51;') }, { scenario: scenario(['oid']) });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('oid complete 0xc001000c: 0 bytes, speed 0');
  });

  it('NdisCancelOidRequest over the LabNIC miniport: OID_GEN_LINK_STATE pended on its PHY read reaches MiniportCancelOidRequest and completes NDIS_STATUS_REQUEST_ABORTED', async () => {
    // The LabNIC driver pends OID_GEN_LINK_STATE on an MDIO read; the protocol cancels it at once.
    const afterOpen = 's = QueryLinkSpeed(); DbgPrint("oid = 0x%08x", s); if (s == NDIS_STATUS_PENDING) { NdisCancelOidRequest(Ctx->BindingHandle, Oid.RequestId); NdisWaitEvent(&OidEvent, 0); }';
    const source = driver({ afterOpen })
      .replace('static ULONG OidBuffer;', 'static ULONG OidBuffer; static UCHAR LinkState[sizeof(NDIS_LINK_STATE)];')
      .replace('Oid.RequestType = NdisRequestQueryInformation;', 'Oid.RequestType = NdisRequestQueryInformation; Oid.RequestId = (PVOID)0x52;')
      .replace('Oid.DATA.QUERY_INFORMATION.Oid = OID_GEN_LINK_SPEED;', 'Oid.DATA.QUERY_INFORMATION.Oid = OID_GEN_LINK_STATE;')
      .replace('Oid.DATA.QUERY_INFORMATION.InformationBuffer = &OidBuffer;', 'Oid.DATA.QUERY_INFORMATION.InformationBuffer = LinkState;')
      .replace('Oid.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof(OidBuffer);', 'Oid.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof(LinkState);');
    const run = await runDriverSource({ 'p.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never', below: 'labnic' }, { step: 'unbind' }, { step: 'unload' }] }, traceLower: true });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events).filter((p) => p.startsWith('oid'))).toEqual([`oid = ${PENDING}`, 'oid complete 0xc001000c: 0 bytes, speed 0']);
    // The miniport below was asked to cancel, by the RequestId the protocol gave.
    expect(run.events.some((e) => e.kind === 'driver.callback' && e.driver === 'lower' && e.handler === 'MiniportCancelOidRequest')).toBe(true);
  }, 180_000); // builds the reference LabNIC driver the first time

  it('ProtocolNetPnPEvent may pend: NDIS waits for NdisCompleteNetPnPEvent before it goes on with the unbind', async () => {
    const onPnP = 'if (e->NetPnPEvent.NetEvent == NetEventPause) { PendingEvent = e; NdisQueueIoWorkItem(WorkItem, CompletePnP, NULL); return NDIS_STATUS_PENDING; }';
    const run = await runDriverSource({ 'p.c': driver({ onPnP }) }, { scenario: scenario([], [{ step: 'expect-binding', state: 'Running' }]) });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toEqual(['open = 0x00000000', `completing net event ${NET_EVENT_PAUSE}`, 'close = 0x00000000']);
  });

  it('BIND-STATE-IO: a pause ProtocolNetPnPEvent pended and never completed', async () => {
    const run = await runDriverSource({ 'p.c': driver({ onPnP: 'if (e->NetPnPEvent.NetEvent == NetEventPause) return NDIS_STATUS_PENDING; /* NEVER */' }) }, { scenario: scenario([]) });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-STATE-IO']);
    expect(run.result.findings[0]!.message).toContain('(NetEventPause) for the binding over lower0 returned NDIS_STATUS_PENDING and never called NdisCompleteNetPnPEvent');
  });

  it('NdisUnbindAdapter: a protocol asks for its own unbind; NDIS pauses the binding and calls ProtocolUnbindAdapterEx from a work item', async () => {
    const onStatus = 'DbgPrint("unbind me = 0x%08x", NdisUnbindAdapter(Ctx->BindingHandle));';
    const run = await runDriverSource(
      { 'p.c': driver({ onStatus }) },
      { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never' }, { step: 'lower-link', state: 'down' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }] } },
    );
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['open = 0x00000000', 'unbind me = 0x00000000', 'close = 0x00000000']);
  });

  it('BIND-UNBIND: NdisUnbindAdapter inside ProtocolBindAdapterEx', async () => {
    const source = driver({ afterOpen: 'NdisUnbindAdapter(Ctx->BindingHandle); /* UNBIND-IN-BIND */' });
    const run = await runDriverSource({ 'p.c': source }, { scenario: scenario([]) });
    expect(run.result.findings.map((f) => [f.rule, f.line])).toEqual([['BIND-UNBIND', lineOf(source, 'UNBIND-IN-BIND')]]);
  });

  it('NdisReEnumerateProtocolBindings: NDIS offers again an adapter whose bind failed', async () => {
    const bindStart = 'if (++Attempts == 1) { NdisQueueIoWorkItem(WorkItem, ReEnumerate, NULL); DbgPrint("bind fails"); return NDIS_STATUS_RESOURCES; }';
    const run = await runDriverSource(
      { 'p.c': driver({ bindStart }) },
      { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never' }, { step: 'advance-time', ms: 1 }, { step: 'expect-binding', state: 'Running' }, { step: 'unbind' }, { step: 'unload' }] } },
    );
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['bind fails', 're-enumerate', 'open = 0x00000000', 'close = 0x00000000']);
  });

  it('BIND-REENUM: NdisReEnumerateProtocolBindings inside ProtocolBindAdapterEx', async () => {
    const source = driver({ afterOpen: 'NdisReEnumerateProtocolBindings(ProtocolHandle); /* REENUM-IN-BIND */' });
    const run = await runDriverSource({ 'p.c': source }, { scenario: scenario([]) });
    expect(run.result.findings.map((f) => [f.rule, f.line])).toEqual([['BIND-REENUM', lineOf(source, 'REENUM-IN-BIND')]]);
  });

  it('NdisIMGetBindingContext is NULL on a binding to a physical adapter (there is no device context below)', async () => {
    const run = await runDriverSource({ 'p.c': driver({ afterOpen: 'DbgPrint("binding context %p", NdisIMGetBindingContext(Ctx->BindingHandle));' }) }, { scenario: scenario([]) });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('binding context 00000000');
  });

  it('the higher protocol bound to a virtual miniport reads the device context the IM driver gave NdisIMInitializeDeviceInstanceEx', async () => {
    const globals = 'static VOID Show(VOID) { DbgPrint("device context %p", DeviceContext); }';
    const run = await runDriverSource({ 'p.c': driver({ globals, afterOpen: 'AskForVirtualMiniport(); Show();' }) }, { scenario: scenario([], [{ step: 'advance-time', ms: 1 }], 'inside') });
    expect(run.result.findings).toEqual([]);
    const context = parseInt(prints(run.events).find((t) => t.startsWith('device context '))!.slice('device context '.length), 16);
    const note = run.events.find((e): e is Extract<SimEvent, { kind: 'ndis.note' }> => e.kind === 'ndis.note' && e.api === 'NdisIMGetBindingContext');
    expect(context).toBeGreaterThan(0);
    expect(parseInt(/0x([0-9a-f]+)/i.exec(note!.text)![1]!, 16)).toBe(context);
  });

  it('IM-REENTRANT-INIT: MiniportInitializeEx inside NdisIMInitializeDeviceInstanceEx waits for what the bind does after that call (a start later is fine)', async () => {
    const virtualInit = 'NdisWaitEvent(&ReadyEvent, 0); /* WAIT-FOR-BIND */ VirtualHandle = Adapter.Handle;';
    const source = driver({ afterOpen: 'AskForVirtualMiniport();', virtualInit });
    const inside = await runDriverSource({ 'p.c': source }, { scenario: scenario([], [], 'inside') });
    const reentrant = inside.result.findings.find((f) => f.rule === 'IM-REENTRANT-INIT');
    expect(reentrant?.line).toBe(lineOf(source, 'WAIT-FOR-BIND'));
    expect(reentrant?.message).toContain('inside the driver\'s own NdisIMInitializeDeviceInstanceEx call');
    const later = await runDriverSource({ 'p.c': source }, { scenario: scenario([], [{ step: 'advance-time', ms: 20 }], 'later') });
    expect(later.result.findings).toEqual([]);
    expect(later.result.result).toBe('clean');
  });
});
