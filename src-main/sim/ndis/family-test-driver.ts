/**
 * A minimal miniport for the family tests (memory, sync, timers, work items, debug): each test
 * fills in the bodies it needs. `Adapter` is the adapter's context (a static struct), `DriverHandle`
 * the miniport driver handle. Only a test helper: it builds C source text.
 */
export interface MiniportParts {
  /** Declarations at file scope (after the ADAPTER struct). */
  globals?: string;
  /** Extra fields of the ADAPTER struct. */
  fields?: string;
  /** Runs in MiniportInitializeEx after the attributes are set; `return` a status to end it early. */
  init?: string;
  restart?: string;
  pause?: string;
  halt?: string;
  unload?: string;
  driverEntry?: string;
}

export function miniport(parts: MiniportParts): string {
  return `#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT 1
#include <ndis.h>

static NDIS_HANDLE DriverHandle;
typedef struct _ADAPTER { NDIS_HANDLE Handle; ${parts.fields ?? ''} } ADAPTER, *PADAPTER;
static ADAPTER Adapter;
${parts.globals ?? ''}

static NDIS_STATUS MpInitialize(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE DriverContext, PNDIS_MINIPORT_INIT_PARAMETERS Params)
{
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES reg;
    NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES gen;
    NDIS_STATUS status;
    UNREFERENCED_PARAMETER(DriverContext); UNREFERENCED_PARAMETER(Params);
    Adapter.Handle = MiniportAdapterHandle;
    NdisZeroMemory(&reg, sizeof(reg));
    reg.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    reg.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    reg.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    reg.MiniportAdapterContext = &Adapter;
    reg.InterfaceType = NdisInterfaceInternal;
    status = NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&reg);
    if (status != NDIS_STATUS_SUCCESS) return status;
    NdisZeroMemory(&gen, sizeof(gen));
    gen.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    gen.Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    gen.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    gen.MediaType = NdisMedium802_3;
    gen.MtuSize = 1500;
    status = NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&gen);
    if (status != NDIS_STATUS_SUCCESS) return status;
    {
${parts.init ?? ''}
    }
    return NDIS_STATUS_SUCCESS;
}
static VOID MpHalt(NDIS_HANDLE c, NDIS_HALT_ACTION a) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(a);
${parts.halt ?? ''}
}
static VOID MpUnload(PDRIVER_OBJECT d) { UNREFERENCED_PARAMETER(d);
${parts.unload ?? ''}
    NdisMDeregisterMiniportDriver(DriverHandle); }
static NDIS_STATUS MpPause(NDIS_HANDLE c, PNDIS_MINIPORT_PAUSE_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p);
${parts.pause ?? ''}
    return NDIS_STATUS_SUCCESS; }
static NDIS_STATUS MpRestart(NDIS_HANDLE c, PNDIS_MINIPORT_RESTART_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p);
${parts.restart ?? ''}
    return NDIS_STATUS_SUCCESS; }
static NDIS_STATUS MpOid(NDIS_HANDLE c, PNDIS_OID_REQUEST r) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(r); return NDIS_STATUS_NOT_SUPPORTED; }
static VOID MpSend(NDIS_HANDLE c, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG f) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(p); UNREFERENCED_PARAMETER(f); }
static VOID MpReturn(NDIS_HANDLE c, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }
static VOID MpCancelSend(NDIS_HANDLE c, PVOID id) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(id); }
static VOID MpDevicePnPEvent(NDIS_HANDLE c, PNET_DEVICE_PNP_EVENT e) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(e); }
static VOID MpShutdown(NDIS_HANDLE c, NDIS_SHUTDOWN_ACTION a) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(a); }
static VOID MpCancelOid(NDIS_HANDLE c, PVOID id) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(id); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
    NdisZeroMemory(&chars, sizeof(chars));
    chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;
    chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;
    chars.InitializeHandlerEx = MpInitialize;
    chars.HaltHandlerEx = MpHalt;
    chars.UnloadHandler = MpUnload;
    chars.PauseHandler = MpPause;
    chars.RestartHandler = MpRestart;
    chars.OidRequestHandler = MpOid;
    chars.SendNetBufferListsHandler = MpSend;
    chars.ReturnNetBufferListsHandler = MpReturn;
    chars.CancelSendHandler = MpCancelSend;
    chars.ShutdownHandlerEx = MpShutdown;
    chars.DevicePnPEventNotifyHandler = MpDevicePnPEvent;
    chars.CancelOidRequestHandler = MpCancelOid;
${parts.driverEntry ?? ''}
    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);
}
`;
}

/** load; add-device; restart; advance `ms`; pause; halt; unload. */
export function lifecycle(ms = 10) {
  return {
    steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms }, { step: 'pause' }, { step: 'halt' }, { step: 'unload' }],
  } as const;
}

/**
 * C text of `static NDIS_STATUS RegisterProtocol(VOID)`: registers the protocol edge "PassThruLab"
 * (NDIS 6.20) with the handlers PtBind, PtUnbind, PtOpenComplete, PtCloseComplete, PtPnP,
 * PtOidComplete, PtStatus, PtReceive and PtSendComplete, which the test defines, and ProtocolHandle.
 * `extra` runs just before the registration (to add or remove a handler).
 */
export function registerProtocolFunction(extra = ''): string {
  return `
static NDIS_STATUS RegisterProtocol(VOID)
{
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS pc;
    NDIS_STRING name = NDIS_STRING_CONST("PassThruLab");
    NdisZeroMemory(&pc, sizeof(pc));
    pc.Header.Type = NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS;
    pc.Header.Revision = NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1;
    pc.Header.Size = NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1;
    pc.MajorNdisVersion = 6;
    pc.MinorNdisVersion = 20;
    pc.Name = name;
    pc.BindAdapterHandlerEx = PtBind;
    pc.UnbindAdapterHandlerEx = PtUnbind;
    pc.OpenAdapterCompleteHandlerEx = PtOpenComplete;
    pc.CloseAdapterCompleteHandlerEx = PtCloseComplete;
    pc.NetPnPEventHandler = PtPnP;
    pc.OidRequestCompleteHandler = PtOidComplete;
    pc.StatusHandlerEx = PtStatus;
    pc.ReceiveNetBufferListsHandler = PtReceive;
    pc.SendNetBufferListsCompleteHandler = PtSendComplete;
    ${extra}
    return NdisRegisterProtocolDriver(NULL, &pc, &ProtocolHandle);
}
`;
}

/**
 * C text of the protocol handlers registerProtocolFunction names other than PtBind and PtUnbind,
 * doing nothing: completions, PnP events, status, receives and send completions ignored.
 */
export function protocolHandlerStubs(): string {
  return `static VOID PtOpenComplete(NDIS_HANDLE b, NDIS_STATUS s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(s); }
static VOID PtCloseComplete(NDIS_HANDLE b) { UNREFERENCED_PARAMETER(b); }
static NDIS_STATUS PtPnP(NDIS_HANDLE b, PNET_PNP_EVENT_NOTIFICATION e) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(e); return NDIS_STATUS_SUCCESS; }
static VOID PtOidComplete(NDIS_HANDLE b, PNDIS_OID_REQUEST r, NDIS_STATUS s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(r); UNREFERENCED_PARAMETER(s); }
static VOID PtStatus(NDIS_HANDLE b, PNDIS_STATUS_INDICATION s) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(s); }
static VOID PtReceive(NDIS_HANDLE b, PNET_BUFFER_LIST n, NDIS_PORT_NUMBER p, ULONG c, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(p); UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(f); }
static VOID PtSendComplete(NDIS_HANDLE b, PNET_BUFFER_LIST n, ULONG f) { UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(n); UNREFERENCED_PARAMETER(f); }
`;
}

/**
 * C text of every protocol handler registerProtocolFunction names, doing nothing: PtBind fails every
 * bind (NDIS_STATUS_FAILURE), the others ignore their arguments. For tests about the protocol
 * edge's registration rather than its bindings.
 */
export function protocolStubs(): string {
  return `static NDIS_STATUS PtBind(NDIS_HANDLE d, NDIS_HANDLE b, PNDIS_BIND_PARAMETERS p) { UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(b); UNREFERENCED_PARAMETER(p); return NDIS_STATUS_FAILURE; }
static NDIS_STATUS PtUnbind(NDIS_HANDLE u, NDIS_HANDLE b) { UNREFERENCED_PARAMETER(u); UNREFERENCED_PARAMETER(b); return NDIS_STATUS_SUCCESS; }
${protocolHandlerStubs()}`;
}
