import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import { IM_START_INSIDE, IM_START_LATER, IM_START_NEVER, IM_UNBIND_BEFORE_START } from '../../../src-shared/contract/built-in-scenarios';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { miniport, registerProtocolFunction } from './family-test-driver';

/**
 * Virtual miniports of an intermediate driver, brought up from its bind to a lower adapter:
 * the behaviours the seed pages "Initializing a Virtual Miniport", "Initializing an Intermediate
 * Driver" and "NdisIMInitializeDeviceInstanceEx" state, each with a correct driver and a
 * violating variant.
 */

interface Variant {
  /** Code in PtBind after the adapter is open (default: ask for the virtual miniport once). */
  afterOpen?: string;
  /** Code in PtUnbind before the close (default: cancel or de-initialize, whichever applies). */
  beforeClose?: string;
  /** Skip NdisOpenAdapterEx in the bind. */
  noOpen?: boolean;
  /** Skip NdisCloseAdapterEx in the unbind. */
  noClose?: boolean;
}

function imDriver(v: Variant = {}): string {
  const protocol = `
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE BindingHandle;
static NDIS_HANDLE VirtualHandle;
static LONG InsideInitCall;
static NDIS_STRING DeviceName = NDIS_STRING_CONST("\\\\DEVICE\\\\PASSTHRU_{LAB-LOWER0}");
static UCHAR BindingContext[16];

static NDIS_STATUS AskForVirtualMiniport(VOID)
{
    NDIS_STATUS s;
    InsideInitCall = 1;
    s = NdisIMInitializeDeviceInstanceEx(DriverHandle, &DeviceName, BindingContext);
    InsideInitCall = 0;
    DbgPrint("NdisIMInitializeDeviceInstanceEx = 0x%08x", s);
    return s;
}

static NDIS_STATUS PtBind(NDIS_HANDLE d, NDIS_HANDLE BindContext, PNDIS_BIND_PARAMETERS p)
{
    NDIS_OPEN_PARAMETERS op;
    NDIS_MEDIUM media[1] = { NdisMedium802_3 };
    UINT selected = 99;
    NDIS_STATUS s;
    UNREFERENCED_PARAMETER(d);
    DbgPrint("bind: MTU %u, MAC %02x:%02x", p->MtuSize, p->CurrentMacAddress[0], p->CurrentMacAddress[5]);
    NdisZeroMemory(&op, sizeof(op));
    op.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS;
    op.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1;
    op.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    op.AdapterName = p->AdapterName;
    op.MediumArray = media;
    op.MediumArraySize = 1;
    op.SelectedMediumIndex = &selected;
    ${v.noOpen ? 's = NDIS_STATUS_SUCCESS; /* NO-OPEN */' : 's = NdisOpenAdapterEx(ProtocolHandle, BindingContext, &op, BindContext, &BindingHandle);'}
    DbgPrint("open = 0x%08x, medium %u", s, selected);
    if (s != NDIS_STATUS_SUCCESS) return s;
    ${v.afterOpen ?? 'AskForVirtualMiniport();'}
    return NDIS_STATUS_SUCCESS;
}
static NDIS_STATUS PtUnbind(NDIS_HANDLE u, NDIS_HANDLE b)
{
    UNREFERENCED_PARAMETER(u); UNREFERENCED_PARAMETER(b);
    ${v.beforeClose ?? `if (VirtualHandle != NULL) {
        DbgPrint("deinit = 0x%08x", NdisIMDeInitializeDeviceInstance(VirtualHandle));
        VirtualHandle = NULL;
    } else {
        DbgPrint("cancel = 0x%08x", NdisIMCancelInitializeDeviceInstance(DriverHandle, &DeviceName));
    }`}
    ${v.noClose ? '/* NO-CLOSE */' : 'NdisCloseAdapterEx(BindingHandle);'}
    return NDIS_STATUS_SUCCESS;
}
static VOID PtOpenComplete(NDIS_HANDLE b, NDIS_STATUS s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(s); }
static VOID PtCloseComplete(NDIS_HANDLE b) { UNREFERENCED_PARAMETER(b); }
static NDIS_STATUS PtPnP(NDIS_HANDLE b, PNET_PNP_EVENT_NOTIFICATION e) { UNREFERENCED_PARAMETER(b); DbgPrint("net event %d", e->NetPnPEvent.NetEvent); return NDIS_STATUS_SUCCESS; }
static VOID PtOidComplete(NDIS_HANDLE b, PNDIS_OID_REQUEST r, NDIS_STATUS s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(r); UNREFERENCED_PARAMETER(s); }
static VOID PtStatus(NDIS_HANDLE b, PNDIS_STATUS_INDICATION s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(s); }
static VOID PtReceive(NDIS_HANDLE b, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG c, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(p); UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(f); }
static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }

${registerProtocolFunction()}`;
  return miniport({
    globals: protocol,
    init: `VirtualHandle = Adapter.Handle;
        DbgPrint("virtual init: context %s, inside the call %d", Params->IMDeviceInstanceContext == BindingContext ? "ok" : "wrong", InsideInitCall);`,
    halt: 'DbgPrint("virtual halt: action %d", a);',
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
  }).replace('UNREFERENCED_PARAMETER(DriverContext); UNREFERENCED_PARAMETER(Params);', 'UNREFERENCED_PARAMETER(DriverContext);');
}

function scenario(start: 'inside' | 'later' | 'never', between: ScenarioInput['steps'][number][] = []): ScenarioInput {
  return { steps: [{ step: 'load' }, { step: 'bind', start, startAfterMs: 30 }, { step: 'expect-binding', state: 'Running' }, ...between, { step: 'unbind' }, { step: 'expect-binding', state: 'Unbound' }, { step: 'unload' }] };
}

function prints(events: Array<{ kind: string }>): string[] {
  return events.filter((e): e is { kind: 'debug.print'; text: string } => e.kind === 'debug.print').map((e) => e.text);
}

const NDIS_HALT_DEVICE_INSTANCE_DEINITIALIZED = 1;
const NET_EVENT_PAUSE = 8;
const NET_EVENT_RESTART = 9;

const SENDER = `
static NDIS_HANDLE Pool;
static NDIS_HANDLE SendTimer;
static PMDL FrameMdl;
static UCHAR Frame[64] = { 0x02, 0x4c, 0x41, 0x42, 0x00, 0x02, 0x02, 0x4c, 0x41, 0x42, 0x00, 0x01, 0x88, 0xb5, 0, 0, 0, 7 };
static VOID SendNow(PVOID s, PVOID c, PVOID a, PVOID b)
{
    NET_BUFFER_LIST_POOL_PARAMETERS pp;
    PNET_BUFFER_LIST nbl;
    UNREFERENCED_PARAMETER(s); UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(a); UNREFERENCED_PARAMETER(b);
    NdisZeroMemory(&pp, sizeof(pp));
    pp.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    pp.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    pp.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    pp.fAllocateNetBuffer = TRUE;
    pp.PoolTag = 'tsPL';
    Pool = NdisAllocateNetBufferListPool(ProtocolHandle, &pp);
    FrameMdl = NdisAllocateMdl(ProtocolHandle, Frame, sizeof(Frame));
    nbl = NdisAllocateNetBufferAndNetBufferList(Pool, 0, 0, FrameMdl, 0, sizeof(Frame));
    SEND_CALL
}
static VOID ArmSend(VOID)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    LARGE_INTEGER due;
    NdisZeroMemory(&tc, sizeof(tc));
    tc.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    tc.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    tc.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    tc.AllocationTag = 'tmPT';
    tc.TimerFunction = SendNow;
    NdisAllocateTimerObject(DriverHandle, &tc, &SendTimer);
    due.QuadPart = -10000;
    NdisSetTimerObject(SendTimer, due, 0, NULL);
}
`;
/** The IM test driver that sends one 64-byte frame 1 ms after its binding restarts (`sendCall` does the sending, `nbl` ready). */
function sendingDriver(sendCall = 'NdisSendNetBufferLists(BindingHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0);'): string {
  return imDriver({ afterOpen: '', beforeClose: 'NdisFreeTimerObject(SendTimer);' })
      .replace('static NDIS_STATUS AskForVirtualMiniport', `${SENDER.replace('SEND_CALL', sendCall)}\nstatic NDIS_STATUS AskForVirtualMiniport`)
      .replace('DbgPrint("net event %d", e->NetPnPEvent.NetEvent);', 'DbgPrint("net event %d", e->NetPnPEvent.NetEvent); if (e->NetPnPEvent.NetEvent == NetEventRestart) ArmSend();')
      .replace(
        'static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }',
        'static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(f); DbgPrint("send complete 0x%08x", NET_BUFFER_LIST_STATUS(n)); NdisFreeNetBufferList(n); NdisFreeMdl(FrameMdl); NdisFreeNetBufferListPool(Pool); }',
      );
}

describe('virtual miniports of an intermediate driver', () => {
  it('MiniportInitializeEx may run inside NdisIMInitializeDeviceInstanceEx, with IMDeviceInstanceContext = DeviceContext; after init the unbind de-initializes it and NDIS halts it with NdisHaltDeviceInstanceDeInitialized', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario('inside') });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual([
      'bind: MTU 1500, MAC 02:01',
      'open = 0x00000000, medium 0',
      'virtual init: context ok, inside the call 1',
      'NdisIMInitializeDeviceInstanceEx = 0x00000000',
      `net event ${NET_EVENT_RESTART}`,
      `net event ${NET_EVENT_PAUSE}`,
      `virtual halt: action ${NDIS_HALT_DEVICE_INSTANCE_DEINITIALIZED}`,
      'deinit = 0x00000000',
    ]);
    // Once the virtual miniport initialized, NDIS binds the higher protocol (LABTCPIP) to it, which
    // restarts it; the de-initialization unbinds that protocol (pausing the miniport) before the halt.
    expect(run.result.adapters).toEqual([{ name: '\\DEVICE\\PASSTHRU_{LAB-LOWER0}', state: 'Halted', history: ['Halted', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted'] }]);
    const higher = run.events.filter((e): e is Extract<SimEvent, { kind: 'binding.state' }> => e.kind === 'binding.state' && e.protocol === 'LABTCPIP').map((e) => e.to);
    expect(higher).toEqual(['Opening', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Closing', 'Unbound']);
  });

  it('the start may come later: NdisIMInitializeDeviceInstanceEx returns SUCCESS (initialization initiated) and MiniportInitializeEx runs when PnP starts the device', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario('later', [{ step: 'advance-time', ms: 50 }]) });
    expect(run.result.findings).toEqual([]);
    const p = prints(run.events);
    expect(p.indexOf('NdisIMInitializeDeviceInstanceEx = 0x00000000')).toBeLessThan(p.indexOf('virtual init: context ok, inside the call 0'));
    const init = run.events.find((e) => e.kind === 'driver.callback' && e.handler === 'MiniportInitializeEx')!;
    expect(init.t).toBeGreaterThanOrEqual(30 * 10_000);
  });

  it('binding removed before init → cancel: the start never came, the unbind cancels with NdisIMCancelInitializeDeviceInstance (SUCCESS)', async () => {
    const run = await runDriverSource({ 'im.c': imDriver() }, { scenario: scenario('never') });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('cancel = 0x00000000');
    expect(run.events.some((e) => e.kind === 'driver.callback' && e.handler === 'MiniportInitializeEx')).toBe(false);
  });

  it('NOT_ACCEPTED when already initialized: a second NdisIMInitializeDeviceInstanceEx for the same device instance', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ afterOpen: 'AskForVirtualMiniport(); AskForVirtualMiniport();' }) }, { scenario: scenario('inside') });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events).filter((t) => t.startsWith('NdisIMInitializeDeviceInstanceEx'))).toEqual(['NdisIMInitializeDeviceInstanceEx = 0x00000000', 'NdisIMInitializeDeviceInstanceEx = 0x00010003']);
  });

  it('one call per virtual miniport: a driver that asks for one device instance name for two lower adapters gets NOT_ACCEPTED the second time and must not take it for success (IM-INIT-CALL)', async () => {
    const run = await runDriverSource(
      { 'im.c': imDriver() },
      { scenario: { steps: [{ step: 'load' }, { step: 'bind', lower: 'lower0' }, { step: 'bind', lower: 'lower1' }, { step: 'unbind', lower: 'lower1' }, { step: 'unbind', lower: 'lower0' }, { step: 'unload' }] } },
    );
    const finding = run.result.findings.find((f) => f.rule === 'IM-INIT-CALL');
    expect(finding?.severity).toBe('warn');
    expect(finding?.message).toContain('the bind to lower1 succeeded with no virtual miniport of its own');
  });

  it('IM-CANCEL-DEINIT: an unbind that leaves the virtual miniport initialized', async () => {
    const source = imDriver({ beforeClose: '/* LEAVE-IT */' });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario('inside') });
    expect(run.result.findings.map((f) => f.rule)).toContain('IM-CANCEL-DEINIT');
    expect(run.result.findings.find((f) => f.rule === 'IM-CANCEL-DEINIT')!.message).toContain('NdisIMDeInitializeDeviceInstance');
  });

  it('IM-CANCEL-DEINIT: an unbind that leaves a virtual miniport waiting to start', async () => {
    const run = await runDriverSource({ 'im.c': imDriver({ beforeClose: '/* LEAVE-IT */' }) }, { scenario: scenario('never') });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['IM-CANCEL-DEINIT']);
    expect(run.result.findings[0]!.message).toContain('NdisIMCancelInitializeDeviceInstance');
  });

  it('BIND-FAIL-CLEANUP: a bind that returns SUCCESS without opening the adapter', async () => {
    const source = imDriver({ noOpen: true, afterOpen: '' });
    const run = await runDriverSource({ 'im.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind' }, { step: 'unload' }] } });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-FAIL-CLEANUP']);
  });

  it('BIND-UNBIND: an unbind that never closes the adapter', async () => {
    const source = imDriver({ noClose: true });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario('inside') });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['BIND-UNBIND']);
  });

  it('BIND-OPEN-CONTEXT: NdisOpenAdapterEx outside ProtocolBindAdapterEx fails', async () => {
    const source = imDriver({ beforeClose: `{ NDIS_OPEN_PARAMETERS op; NDIS_HANDLE h; NdisZeroMemory(&op, sizeof(op)); DbgPrint("late open = 0x%08x", NdisOpenAdapterEx(ProtocolHandle, NULL, &op, NULL, &h)); /* LATE-OPEN */ }
        DbgPrint("deinit = 0x%08x", NdisIMDeInitializeDeviceInstance(VirtualHandle));` });
    const run = await runDriverSource({ 'im.c': source }, { scenario: scenario('inside') });
    expect(run.result.findings.map((f) => [f.rule, f.line])).toEqual([['BIND-OPEN-CONTEXT', lineOf(source, 'LATE-OPEN')]]);
    expect(prints(run.events)).toContain('late open = 0xc0000001');
  });

  it('the built-in IM scenarios run clean with a correct intermediate driver (im-start-inside, im-start-later, im-start-never, im-unbind-before-start)', async () => {
    for (const scenario of [IM_START_INSIDE, IM_START_LATER, IM_START_NEVER, IM_UNBIND_BEFORE_START]) {
      const run = await runDriverSource({ 'im.c': imDriver() }, { scenario });
      expect({ name: scenario.name, findings: run.result.findings, failed: run.result.expectations.filter((e) => !e.ok) }).toEqual({ name: scenario.name, findings: [], failed: [] });
      const inits = run.events.filter((e) => e.kind === 'driver.callback' && e.handler === 'MiniportInitializeEx' && e.phase === 'enter').length;
      expect({ name: scenario.name, inits }).toEqual({ name: scenario.name, inits: scenario.name === 'im-start-inside' || scenario.name === 'im-start-later' ? 1 : 0 });
    }
  });
  it('NdisSendNetBufferLists passes a Running binding\'s NBLs down; the lower adapter puts the frame on its wire and ProtocolSendNetBufferListsComplete gives them back', async () => {
    const source = sendingDriver();
    // The model below holds a send for 1 ms, long enough to cancel it.
    const run = await runDriverSource({ 'im.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never', below: 'model' }, { step: 'advance-time', ms: 10 }, { step: 'unbind' }, { step: 'unload' }] } });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('send complete 0x00000000');
    const wire = run.events.filter((e): e is Extract<typeof e, { kind: 'wire.frame' }> => e.kind === 'wire.frame');
    expect(wire.map((w) => [w.adapter, w.direction, w.length, w.head.slice(0, 28)])).toEqual([['lower0', 'tx', 64, '024c41420002024c4142000188b5']]);

    // The violating variant: sending from the restart notification, while the binding is still Restarting.
    const early = source.replace('if (e->NetPnPEvent.NetEvent == NetEventRestart) ArmSend();', 'if (e->NetPnPEvent.NetEvent == NetEventRestart) { ArmSend(); SendNow(NULL, NULL, NULL, NULL); }');
    const bad = await runDriverSource({ 'im.c': early }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never' }, { step: 'advance-time', ms: 10 }, { step: 'unbind' }, { step: 'unload' }] } });
    expect(bad.result.findings.map((f) => f.rule)[0]).toBe('BIND-STATE-IO');
    expect(bad.result.findings[0]!.message).toContain('while it is Restarting');
  });

  it('NdisCancelSendNetBufferLists: sends the lower adapter still holds with that cancel ID come back with NDIS_STATUS_SEND_ABORTED', async () => {
    const source = sendingDriver('NDIS_SET_NET_BUFFER_LIST_CANCEL_ID(nbl, (PVOID)0x77); NdisSendNetBufferLists(BindingHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0); NdisCancelSendNetBufferLists(BindingHandle, (PVOID)0x76); NdisCancelSendNetBufferLists(BindingHandle, (PVOID)0x77);');
    // The model below holds a send for 1 ms, long enough to cancel it.
    const run = await runDriverSource({ 'im.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never', below: 'model' }, { step: 'advance-time', ms: 10 }, { step: 'unbind' }, { step: 'unload' }] } });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events)).toContain('send complete 0xc023000c');
    const notes = run.events.filter((e): e is Extract<SimEvent, { kind: 'ndis.note' }> => e.kind === 'ndis.note' && e.api === 'NdisCancelSendNetBufferLists').map((e) => e.text);
    expect(notes).toEqual(['0 send(s) with cancel ID 0x00000076 still held by lower0: nothing to cancel', '1 send(s) with cancel ID 0x00000077 still held by lower0: they come back with NDIS_STATUS_SEND_ABORTED']);
  });

  it('NdisCancelSendNetBufferLists over a LabNIC below: NDIS calls its MiniportCancelSend with the cancel ID; the sends still queued in the miniport come back with NDIS_STATUS_SEND_ABORTED, those already on the ring complete', async () => {
    // 300 sends at once: more than the LabNIC's transmit ring holds, so the rest wait in its queue.
    const sendCall = `{
        PNET_BUFFER_LIST head = NULL, tail = NULL;
        ULONG i;
        for (i = 0; i < 300; i++) {
            PNET_BUFFER_LIST one = i == 0 ? nbl : NdisAllocateNetBufferAndNetBufferList(Pool, 0, 0, FrameMdl, 0, sizeof(Frame));
            if (one == NULL) break;
            NDIS_SET_NET_BUFFER_LIST_CANCEL_ID(one, (PVOID)0x77);
            if (tail == NULL) head = one; else NET_BUFFER_LIST_NEXT_NBL(tail) = one;
            tail = one;
            Outstanding++;
        }
        NdisSendNetBufferLists(BindingHandle, head, NDIS_DEFAULT_PORT_NUMBER, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
        NdisCancelSendNetBufferLists(BindingHandle, (PVOID)0x77);
    }`;
    const source = imDriver({ afterOpen: '', beforeClose: 'NdisFreeTimerObject(SendTimer);' })
      .replace('static NDIS_STATUS AskForVirtualMiniport', `static LONG Outstanding, Ok, Aborted;\n${SENDER.replace('SEND_CALL', sendCall)}\nstatic NDIS_STATUS AskForVirtualMiniport`)
      .replace('DbgPrint("net event %d", e->NetPnPEvent.NetEvent);', 'DbgPrint("net event %d", e->NetPnPEvent.NetEvent); if (e->NetPnPEvent.NetEvent == NetEventRestart) ArmSend();')
      .replace(
        'static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }',
        `static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(f);
    while (n != NULL) { PNET_BUFFER_LIST next = NET_BUFFER_LIST_NEXT_NBL(n);
        if (NET_BUFFER_LIST_STATUS(n) == NDIS_STATUS_SUCCESS) Ok++; else if (NET_BUFFER_LIST_STATUS(n) == NDIS_STATUS_SEND_ABORTED) Aborted++;
        NET_BUFFER_LIST_NEXT_NBL(n) = NULL; NdisFreeNetBufferList(n); n = next; Outstanding--; }
    if (Outstanding == 0) { DbgPrint("sends back: %d ok, %d aborted", Ok, Aborted); NdisFreeMdl(FrameMdl); NdisFreeNetBufferListPool(Pool); } }`,
      );
    const run = await runDriverSource({ 'im.c': source }, { scenario: { steps: [{ step: 'load' }, { step: 'bind', start: 'never', below: 'labnic' }, { step: 'advance-time', ms: 50 }, { step: 'unbind' }, { step: 'unload' }] } });
    expect(run.result.findings).toEqual([]);
    const back = prints(run.events).find((t) => t.startsWith('sends back'));
    const [, ok, aborted] = /sends back: (\d+) ok, (\d+) aborted/.exec(back ?? '') ?? [];
    expect(Number(ok) + Number(aborted)).toBe(300);
    expect(Number(aborted)).toBeGreaterThan(0);
    expect(Number(ok)).toBeGreaterThan(0);
    const notes = run.events.filter((e): e is Extract<SimEvent, { kind: 'ndis.note' }> => e.kind === 'ndis.note' && e.api === 'NdisCancelSendNetBufferLists').map((e) => e.text);
    expect(notes).toEqual(['NDIS calls MiniportCancelSend of lower0 with cancel ID 0x00000077: the sends it still holds with that ID come back with NDIS_STATUS_SEND_ABORTED']);
    // Only what never reached the wire was aborted: the wire carried exactly the sends that completed.
    expect(run.events.filter((e) => e.kind === 'wire.frame' && e.adapter === 'lower0' && e.direction === 'tx').length).toBe(Number(ok));
  });

  it('frames arriving at the lower adapter reach ProtocolReceiveNetBufferLists at DISPATCH_LEVEL; NdisReturnNetBufferLists gives them back (and a pause with receives still held is BIND-STATE-IO)', async () => {
    const receiving = (returnThem: boolean) =>
      imDriver({ afterOpen: '' }).replace(
        'static VOID PtReceive(NDIS_HANDLE b, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG c, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(p); UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(f); }',
        `static VOID PtReceive(NDIS_HANDLE b, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG c, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(p);
    DbgPrint("receive %u at IRQL %d, flags 0x%x, %u bytes", c, KeGetCurrentIrql(), f, NET_BUFFER_DATA_LENGTH(NET_BUFFER_LIST_FIRST_NB(n)));
    ${returnThem ? 'NdisReturnNetBufferLists(BindingHandle, n, NDIS_RETURN_FLAGS_DISPATCH_LEVEL);' : '/* KEEP */'} }`,
      );
    const scenario = { steps: [{ step: 'load' }, { step: 'bind', start: 'never' }, { step: 'inject-frame', lower: 'lower0', count: 6, burst: 3, bytes: 100 }, { step: 'advance-time', ms: 5 }, { step: 'unbind' }, { step: 'unload' }] } as const;
    const good = await runDriverSource({ 'im.c': receiving(true) }, { scenario });
    expect(good.result.findings).toEqual([]);
    expect(prints(good.events).filter((t) => t.startsWith('receive'))).toEqual(['receive 3 at IRQL 2, flags 0x1, 100 bytes', 'receive 3 at IRQL 2, flags 0x1, 100 bytes']);
    const bad = await runDriverSource({ 'im.c': receiving(false) }, { scenario });
    expect(bad.result.findings.map((f) => f.rule)).toEqual(['BIND-STATE-IO']);
    expect(bad.result.findings[0]!.message).toContain('6 received NBL(s) never returned');
  });

  it('NdisOidRequest over the binding: the lower adapter answers queries (BUFFER_TOO_SHORT with BytesNeeded) and takes sets', async () => {
    const oids = `{
        NDIS_OID_REQUEST r; UCHAR mac[6]; ULONG filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST; NDIS_STATUS s;
        NdisZeroMemory(&r, sizeof(r));
        r.Header.Type = NDIS_OBJECT_TYPE_OID_REQUEST; r.Header.Revision = NDIS_OID_REQUEST_REVISION_1; r.Header.Size = NDIS_SIZEOF_OID_REQUEST_REVISION_1;
        r.RequestType = NdisRequestQueryInformation;
        r.DATA.QUERY_INFORMATION.Oid = OID_802_3_CURRENT_ADDRESS;
        r.DATA.QUERY_INFORMATION.InformationBuffer = mac;
        r.DATA.QUERY_INFORMATION.InformationBufferLength = 2;
        s = NdisOidRequest(BindingHandle, &r);
        DbgPrint("short: 0x%08x needs %u", s, r.DATA.QUERY_INFORMATION.BytesNeeded);
        r.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof(mac);
        s = NdisOidRequest(BindingHandle, &r);
        DbgPrint("address: 0x%08x %02x:%02x (%u bytes)", s, mac[0], mac[5], r.DATA.QUERY_INFORMATION.BytesWritten);
        NdisZeroMemory(&r, sizeof(r));
        r.Header.Type = NDIS_OBJECT_TYPE_OID_REQUEST; r.Header.Revision = NDIS_OID_REQUEST_REVISION_1; r.Header.Size = NDIS_SIZEOF_OID_REQUEST_REVISION_1;
        r.RequestType = NdisRequestSetInformation;
        r.DATA.SET_INFORMATION.Oid = OID_GEN_CURRENT_PACKET_FILTER;
        r.DATA.SET_INFORMATION.InformationBuffer = &filter;
        r.DATA.SET_INFORMATION.InformationBufferLength = sizeof(filter);
        DbgPrint("filter: 0x%08x", NdisOidRequest(BindingHandle, &r));
    }`;
    const run = await runDriverSource({ 'im.c': imDriver({ afterOpen: oids }) }, { scenario: scenario('never') });
    expect(run.result.findings).toEqual([]);
    expect(prints(run.events).filter((t) => /^(short|address|filter)/.test(t))).toEqual(['short: 0xc0010016 needs 6', 'address: 0x00000000 02:01 (6 bytes)', 'filter: 0x00000000']);
  });
});
