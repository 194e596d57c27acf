/*
 * NDIS Lab rule-violation sample ST-PAUSED-IO: a receive is indicated while the adapter is Paused
 *
 * A minimal hardware-free NDIS 6.20 miniport (single file) that is correct
 * except for one deliberate bug, marked with a VIOLATION comment.
 * Written for NDIS Lab's checker tests; not derived from any Microsoft sample.
 */
#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT     1
#include <ndis.h>

#define MIN_TAG_ADAPTER  'AniM'
#define MIN_TAG_POOL     'PniM'
#define MIN_TAG_TIMER    'TniM'
#define MIN_MTU          1500
#define MIN_LINK_SPEED   100000000ULL
#define MIN_MCAST_MAX    8

typedef struct _MIN_ADAPTER {
    NDIS_HANDLE AdapterHandle;
    NDIS_HANDLE NblPool;
    NDIS_SPIN_LOCK Lock;
    NDIS_HANDLE Timer;
    BOOLEAN Running;
    UCHAR RxFrame[60];
    PMDL RxMdl;
    PNET_BUFFER_LIST RxNbl;
    BOOLEAN RxOutstanding;
    BOOLEAN PausePending;
} MIN_ADAPTER, *PMIN_ADAPTER;

static NDIS_HANDLE MinDriverHandle;
static const UCHAR MinMac[6] = { 0x02, 0x4E, 0x4C, 0x00, 0x00, 0x01 };
static NDIS_OID MinOids[] = {
    OID_GEN_CURRENT_PACKET_FILTER, OID_GEN_CURRENT_LOOKAHEAD, OID_802_3_MULTICAST_LIST,
};

DRIVER_INITIALIZE DriverEntry;
MINIPORT_SET_OPTIONS MinSetOptions;
MINIPORT_DRIVER_UNLOAD MinUnload;
MINIPORT_INITIALIZE MinInitializeEx;
MINIPORT_HALT MinHaltEx;
MINIPORT_PAUSE MinPause;
MINIPORT_RESTART MinRestart;
MINIPORT_OID_REQUEST MinOidRequest;
MINIPORT_CANCEL_OID_REQUEST MinCancelOidRequest;
MINIPORT_SEND_NET_BUFFER_LISTS MinSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS MinReturnNetBufferLists;
MINIPORT_CANCEL_SEND MinCancelSend;
MINIPORT_DEVICE_PNP_EVENT_NOTIFY MinDevicePnPEventNotify;
MINIPORT_SHUTDOWN MinShutdownEx;
NDIS_TIMER_FUNCTION MinTimer;

/* Indicates the beacon frame unless it is still up the stack. */
static VOID
MinIndicateBeacon(_In_ PMIN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch)
{
    BOOLEAN Indicate = FALSE;

    NdisAcquireSpinLock(&Adapter->Lock);
    if (!Adapter->RxOutstanding) {            /* bug: Adapter->Running is not checked */
        Adapter->RxOutstanding = TRUE;
        Indicate = TRUE;
    }
    NdisReleaseSpinLock(&Adapter->Lock);

    if (Indicate) {
        NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, Adapter->RxNbl, NDIS_DEFAULT_PORT_NUMBER, 1, AtDispatch ? NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL : 0); /* VIOLATION: ST-PAUSED-IO */
    }
}

_Use_decl_annotations_
NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS Chars;

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;
    Chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;
    Chars.MajorDriverVersion = 1;
    Chars.SetOptionsHandler = MinSetOptions;
    Chars.InitializeHandlerEx = MinInitializeEx;
    Chars.HaltHandlerEx = MinHaltEx;
    Chars.UnloadHandler = MinUnload;
    Chars.PauseHandler = MinPause;
    Chars.RestartHandler = MinRestart;
    Chars.OidRequestHandler = MinOidRequest;
    Chars.SendNetBufferListsHandler = MinSendNetBufferLists;
    Chars.ReturnNetBufferListsHandler = MinReturnNetBufferLists;
    Chars.CancelSendHandler = MinCancelSend;
    Chars.DevicePnPEventNotifyHandler = MinDevicePnPEventNotify;
    Chars.ShutdownHandlerEx = MinShutdownEx;
    Chars.CancelOidRequestHandler = MinCancelOidRequest;

    Status = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &Chars, &MinDriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("Min: NdisMRegisterMiniportDriver failed: 0x%08x\n", Status);
    }
    return Status;
}

_Use_decl_annotations_
NDIS_STATUS
MinSetOptions(NDIS_HANDLE NdisDriverHandle, NDIS_HANDLE DriverContext)
{
    UNREFERENCED_PARAMETER(NdisDriverHandle);
    UNREFERENCED_PARAMETER(DriverContext);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MinUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    NdisMDeregisterMiniportDriver(MinDriverHandle);
}

/* Registration attributes first, then general attributes. */
static NDIS_STATUS
MinSetAttributes(_In_ PMIN_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES Attributes;
    PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES Reg = &Attributes.RegistrationAttributes;
    PNDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES Gen = &Attributes.GeneralAttributes;

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Reg->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    Reg->Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->MiniportAdapterContext = Adapter;
    Reg->AttributeFlags = 0;
    Reg->CheckForHangTimeInSeconds = 4;
    Reg->InterfaceType = NdisInterfaceInternal;
    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        return Status;
    }

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Gen->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    Gen->Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->MediaType = NdisMedium802_3;
    Gen->PhysicalMediumType = NdisPhysicalMediumUnspecified;
    Gen->MtuSize = MIN_MTU;
    Gen->MaxXmitLinkSpeed = Gen->XmitLinkSpeed = MIN_LINK_SPEED;
    Gen->MaxRcvLinkSpeed = Gen->RcvLinkSpeed = MIN_LINK_SPEED;
    Gen->MediaConnectState = MediaConnectStateConnected;
    Gen->MediaDuplexState = MediaDuplexStateFull;
    Gen->LookaheadSize = MIN_MTU;
    Gen->MacOptions = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_NO_LOOPBACK;
    Gen->SupportedPacketFilters = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST |
                                  NDIS_PACKET_TYPE_BROADCAST;
    Gen->MaxMulticastListSize = MIN_MCAST_MAX;
    Gen->MacAddressLength = 6;
    NdisMoveMemory(Gen->PermanentMacAddress, MinMac, 6);
    NdisMoveMemory(Gen->CurrentMacAddress, MinMac, 6);
    Gen->AccessType = NET_IF_ACCESS_BROADCAST;
    Gen->DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    Gen->ConnectionType = NET_IF_CONNECTION_DEDICATED;
    Gen->IfType = IF_TYPE_ETHERNET_CSMACD;
    Gen->SupportedStatistics = 0;
    Gen->SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    Gen->SupportedOidList = MinOids;
    Gen->SupportedOidListLength = sizeof(MinOids);
    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    return Status;
}

_Use_decl_annotations_
NDIS_STATUS
MinInitializeEx(NDIS_HANDLE NdisMiniportHandle, NDIS_HANDLE MiniportDriverContext,
                PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    PMIN_ADAPTER Adapter;
    NDIS_STATUS Status;
    NET_BUFFER_LIST_POOL_PARAMETERS PoolParameters;
    NDIS_TIMER_CHARACTERISTICS TimerChars;

    UNREFERENCED_PARAMETER(MiniportDriverContext);
    UNREFERENCED_PARAMETER(MiniportInitParameters);

    Adapter = NdisAllocateMemoryWithTagPriority(NdisMiniportHandle, sizeof(MIN_ADAPTER), MIN_TAG_ADAPTER, NormalPoolPriority);
    if (Adapter == NULL) {
        NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 0);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(MIN_ADAPTER));
    Adapter->AdapterHandle = NdisMiniportHandle;

    Status = MinSetAttributes(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        goto FreeAdapter;
    }

    NdisZeroMemory(&PoolParameters, sizeof(PoolParameters));
    PoolParameters.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    PoolParameters.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    PoolParameters.fAllocateNetBuffer = TRUE;
    PoolParameters.PoolTag = MIN_TAG_POOL;
    Adapter->NblPool = NdisAllocateNetBufferListPool(NdisMiniportHandle, &PoolParameters);
    if (Adapter->NblPool == NULL) {
        Status = NDIS_STATUS_RESOURCES;
        goto FreeAdapter;
    }

    NdisAllocateSpinLock(&Adapter->Lock);

    NdisZeroMemory(&TimerChars, sizeof(TimerChars));
    TimerChars.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    TimerChars.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.AllocationTag = MIN_TAG_TIMER;
    TimerChars.TimerFunction = MinTimer;
    TimerChars.FunctionContext = Adapter;
    Status = NdisAllocateTimerObject(NdisMiniportHandle, &TimerChars, &Adapter->Timer);
    if (Status != NDIS_STATUS_SUCCESS) {
        goto FreeLock;
    }

    /* A broadcast beacon frame, indicated over and over. */
    NdisFillMemory(Adapter->RxFrame, 6, 0xFF);
    NdisMoveMemory(Adapter->RxFrame + 6, MinMac, 6);
    Adapter->RxFrame[12] = 0x88;              /* EtherType 0x88B5: local experimental */
    Adapter->RxFrame[13] = 0xB5;
    Adapter->RxMdl = NdisAllocateMdl(NdisMiniportHandle, Adapter->RxFrame, sizeof(Adapter->RxFrame));
    if (Adapter->RxMdl == NULL) {
        NdisFreeTimerObject(Adapter->Timer);
        Status = NDIS_STATUS_RESOURCES;
        goto FreeLock;
    }
    Adapter->RxNbl = NdisAllocateNetBufferAndNetBufferList(Adapter->NblPool, 0, 0, Adapter->RxMdl, 0, sizeof(Adapter->RxFrame));
    if (Adapter->RxNbl == NULL) {
        NdisFreeMdl(Adapter->RxMdl);
        NdisFreeTimerObject(Adapter->Timer);
        Status = NDIS_STATUS_RESOURCES;
        goto FreeLock;
    }
    Adapter->RxNbl->SourceHandle = NdisMiniportHandle;
    {
        LARGE_INTEGER DueTime;
        DueTime.QuadPart = -100000LL;         /* 10 ms, relative */
        (VOID)NdisSetTimerObject(Adapter->Timer, DueTime, 10, NULL);
    }

    return NDIS_STATUS_SUCCESS;

FreeLock:
    NdisFreeSpinLock(&Adapter->Lock);
    NdisFreeNetBufferListPool(Adapter->NblPool);
FreeAdapter:
    NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_DRIVER_FAILURE, 1, Status);
    NdisFreeMemory(Adapter, sizeof(MIN_ADAPTER), 0);
    return Status;
}

_Use_decl_annotations_
VOID
MinHaltEx(NDIS_HANDLE MiniportAdapterContext, NDIS_HALT_ACTION HaltAction)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(HaltAction);
    if (!NdisCancelTimerObject(Adapter->Timer)) {
        KeFlushQueuedDpcs();
    }
    NdisFreeTimerObject(Adapter->Timer);
    NdisFreeNetBufferList(Adapter->RxNbl);
    NdisFreeMdl(Adapter->RxMdl);
    NdisFreeSpinLock(&Adapter->Lock);
    NdisFreeNetBufferListPool(Adapter->NblPool);
    NdisFreeMemory(Adapter, sizeof(MIN_ADAPTER), 0);
}

_Use_decl_annotations_
NDIS_STATUS
MinRestart(NDIS_HANDLE MiniportAdapterContext, PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(RestartParameters);
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->Running = TRUE;
    NdisReleaseSpinLock(&Adapter->Lock);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MinPause(NDIS_HANDLE MiniportAdapterContext, PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(PauseParameters);
    /* Sends are completed at once and nothing is ever indicated: nothing to wait for. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->Running = FALSE;
    NdisReleaseSpinLock(&Adapter->Lock);
    /* Wait for the beacon to come back (the timer itself keeps running). */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->PausePending = Adapter->RxOutstanding;
    NdisReleaseSpinLock(&Adapter->Lock);
    return Adapter->PausePending ? NDIS_STATUS_PENDING : NDIS_STATUS_SUCCESS;
}

/* Applies a set request; queries are not supported. */
static NDIS_STATUS
MinProcessOid(_Inout_ PNDIS_OID_REQUEST OidRequest)
{
    struct _SET *Set;

    if (OidRequest->RequestType != NdisRequestSetInformation) {
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    Set = &OidRequest->DATA.SET_INFORMATION;
    switch (Set->Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
    case OID_GEN_CURRENT_LOOKAHEAD:
        if (Set->InformationBufferLength < sizeof(ULONG)) {
            Set->BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_BUFFER_TOO_SHORT;
        }
        Set->BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;
    case OID_802_3_MULTICAST_LIST:
        if (Set->InformationBufferLength % 6 != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Set->InformationBufferLength > MIN_MCAST_MAX * 6) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

_Use_decl_annotations_
NDIS_STATUS
MinOidRequest(NDIS_HANDLE MiniportAdapterContext, PNDIS_OID_REQUEST OidRequest)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status = MinProcessOid(OidRequest);

    if (Status == NDIS_STATUS_SUCCESS && OidRequest->RequestType == NdisRequestSetInformation &&
        OidRequest->DATA.SET_INFORMATION.Oid == OID_GEN_CURRENT_PACKET_FILTER) {
        /* Greet the protocol that just set its filter with a beacon. */
        MinIndicateBeacon(Adapter, FALSE);
    }
    return Status;
}

_Use_decl_annotations_
VOID
MinCancelOidRequest(NDIS_HANDLE MiniportAdapterContext, PVOID RequestId)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(RequestId);
}

_Use_decl_annotations_
VOID
MinSendNetBufferLists(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferList,
                      NDIS_PORT_NUMBER PortNumber, ULONG SendFlags)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;
    PNET_BUFFER_LIST Nbl;

    UNREFERENCED_PARAMETER(PortNumber);
    /* A bit bucket: every frame is "sent" at once. */
    Status = Adapter->Running ? NDIS_STATUS_SUCCESS : NDIS_STATUS_PAUSED;
    for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        NET_BUFFER_LIST_STATUS(Nbl) = Status;
    }
    NdisMSendNetBufferListsComplete(Adapter->AdapterHandle, NetBufferList,
        NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags) ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
}

_Use_decl_annotations_
VOID
MinReturnNetBufferLists(NDIS_HANDLE MiniportAdapterContext, PNET_BUFFER_LIST NetBufferLists,
                        ULONG ReturnFlags)
{
    PMIN_ADAPTER Adapter = (PMIN_ADAPTER)MiniportAdapterContext;
    BOOLEAN CompletePause;

    UNREFERENCED_PARAMETER(NetBufferLists);   /* only ever our one beacon NBL */
    UNREFERENCED_PARAMETER(ReturnFlags);
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->RxOutstanding = FALSE;
    CompletePause = Adapter->PausePending;
    Adapter->PausePending = FALSE;
    NdisReleaseSpinLock(&Adapter->Lock);
    if (CompletePause) {
        NdisMPauseComplete(Adapter->AdapterHandle);
    }
}

_Use_decl_annotations_
VOID
MinCancelSend(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId)
{
    /* Nothing is ever queued. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(CancelId);
}

_Use_decl_annotations_
VOID
MinDevicePnPEventNotify(NDIS_HANDLE MiniportAdapterContext, PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(NetDevicePnPEvent);
}

_Use_decl_annotations_
VOID
MinShutdownEx(NDIS_HANDLE MiniportAdapterContext, NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(ShutdownAction);
}

_Use_decl_annotations_
VOID
MinTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    MinIndicateBeacon((PMIN_ADAPTER)FunctionContext, TRUE);
}

