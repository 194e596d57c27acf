/*
 * VirtMp - adapter lifecycle: initialize, halt, pause, restart, shutdown,
 * device PnP notifications, the "wire" timer and the link-state work item.
 *
 * MiniportInitializeEx follows the documented order:
 *   1. adapter context            (NdisAllocateMemoryWithTagPriority)
 *   2. configuration              (NdisOpenConfigurationEx ... NdisCloseConfiguration)
 *   3. REGISTRATION attributes    (first NdisMSetMiniportAttributes call)
 *   4. GENERAL attributes         (second call, before any other attribute class)
 *   5. resources                  NBL pool -> receive frames -> spin lock -> work item -> timer
 * and on failure releases what it got, newest first, logs, and returns the status.
 * MiniportHaltEx releases the same resources in the same reverse order.
 */
#include "driver.h"

/* Only code that never raises IRQL may be pageable: every handler below
   except the PnP notification takes a spin lock (DISPATCH_LEVEL). */
#pragma NDIS_PAGEABLE_FUNCTION(MpDevicePnPEventNotify)

/* Error-log values: which init step failed (second word of the log entry). */
#define VMP_ERRLOG_ALLOC_ADAPTER   1
#define VMP_ERRLOG_CONFIGURATION   2
#define VMP_ERRLOG_ATTRIBUTES      3
#define VMP_ERRLOG_RESOURCES       4

/* Default address: locally administered (bit 1 set), unicast (bit 0 clear). */
static const UCHAR VmpDefaultMac[VMP_MAC_LENGTH] = { 0x02, 0x4E, 0x4C, 0x41, 0x42, 0x01 };

static BOOLEAN
VmpIsUsableUnicast(_In_reads_bytes_(VMP_MAC_LENGTH) const UCHAR *Mac)
{
    ULONG i;
    if (Mac[0] & 0x01) {
        return FALSE;                       /* multicast/broadcast */
    }
    for (i = 0; i < VMP_MAC_LENGTH; i++) {
        if (Mac[i] != 0) {
            return TRUE;
        }
    }
    return FALSE;                           /* all zeroes */
}

/* Step 2: registry keywords. A missing keyword is normal: keep the default. */
static NDIS_STATUS
VmpReadConfiguration(_Inout_ PVMP_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    NDIS_CONFIGURATION_OBJECT ConfigObject;
    NDIS_HANDLE ConfigHandle = NULL;
    PNDIS_CONFIGURATION_PARAMETER Parameter = NULL;
    NDIS_STRING MaxFramesKeyword = NDIS_STRING_CONST("MaxFrames");
    PVOID NetworkAddress = NULL;
    UINT NetworkAddressLength = 0;

    Adapter->MaxFrames = VMP_MAX_FRAMES_DEFAULT;
    NdisMoveMemory(Adapter->PermanentAddress, VmpDefaultMac, VMP_MAC_LENGTH);
    NdisMoveMemory(Adapter->CurrentAddress, VmpDefaultMac, VMP_MAC_LENGTH);

    NdisZeroMemory(&ConfigObject, sizeof(ConfigObject));
    ConfigObject.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    ConfigObject.Header.Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.NdisHandle = Adapter->AdapterHandle;
    ConfigObject.Flags = 0;

    Status = NdisOpenConfigurationEx(&ConfigObject, &ConfigHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        VMP_PRINT(DPFLTR_ERROR_LEVEL, "NdisOpenConfigurationEx failed: 0x%08x\n", Status);
        return Status;
    }

    NdisReadConfiguration(&Status, &Parameter, ConfigHandle,
                          &MaxFramesKeyword, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS && Parameter != NULL &&
        (Parameter->ParameterType == NdisParameterInteger ||
         Parameter->ParameterType == NdisParameterHexInteger)) {
        ULONG Value = Parameter->ParameterData.IntegerData;
        if (Value < VMP_MAX_FRAMES_MIN) {
            Value = VMP_MAX_FRAMES_MIN;
        } else if (Value > VMP_MAX_FRAMES_MAX) {
            Value = VMP_MAX_FRAMES_MAX;
        }
        Adapter->MaxFrames = Value;
    } else {
        VMP_PRINT(DPFLTR_INFO_LEVEL, "MaxFrames not configured, using %u\n",
                  VMP_MAX_FRAMES_DEFAULT);
    }

    /* "NetworkAddress" override. The returned buffer belongs to the
       configuration handle: copy it before NdisCloseConfiguration. */
    NdisReadNetworkAddress(&Status, &NetworkAddress, &NetworkAddressLength, ConfigHandle);
    if (Status == NDIS_STATUS_SUCCESS && NetworkAddress != NULL &&
        NetworkAddressLength == VMP_MAC_LENGTH &&
        VmpIsUsableUnicast((const UCHAR *)NetworkAddress)) {
        NdisMoveMemory(Adapter->CurrentAddress, NetworkAddress, VMP_MAC_LENGTH);
    }

    NdisCloseConfiguration(ConfigHandle);

    VMP_PRINT(DPFLTR_INFO_LEVEL, "MaxFrames=%u MAC=%02x-%02x-%02x-%02x-%02x-%02x\n",
              Adapter->MaxFrames,
              Adapter->CurrentAddress[0], Adapter->CurrentAddress[1],
              Adapter->CurrentAddress[2], Adapter->CurrentAddress[3],
              Adapter->CurrentAddress[4], Adapter->CurrentAddress[5]);
    return NDIS_STATUS_SUCCESS;
}

/* Steps 3 and 4: registration attributes first, then general attributes. */
static NDIS_STATUS
VmpSetAttributes(_In_ PVMP_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES Attributes;
    PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES Reg = &Attributes.RegistrationAttributes;
    PNDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES Gen = &Attributes.GeneralAttributes;

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Reg->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    Reg->Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->MiniportAdapterContext = Adapter;     /* handed back to every callback */
    Reg->AttributeFlags = 0;                   /* no hardware, no bus-master DMA */
    Reg->CheckForHangTimeInSeconds = 4;        /* unused: no CheckForHang handler */
    Reg->InterfaceType = NdisInterfaceInternal;

    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        VMP_PRINT(DPFLTR_ERROR_LEVEL, "registration attributes rejected: 0x%08x\n", Status);
        return Status;
    }

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Gen->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    Gen->Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Flags = 0;
    Gen->MediaType = NdisMedium802_3;
    Gen->PhysicalMediumType = NdisPhysicalMediumUnspecified;   /* virtual: no cable */
    Gen->MtuSize = VMP_MTU;
    Gen->MaxXmitLinkSpeed = VMP_LINK_SPEED;
    Gen->XmitLinkSpeed = VMP_LINK_SPEED;
    Gen->MaxRcvLinkSpeed = VMP_LINK_SPEED;
    Gen->RcvLinkSpeed = VMP_LINK_SPEED;
    Gen->MediaConnectState = MediaConnectStateConnected;
    Gen->MediaDuplexState = MediaDuplexStateFull;
    Gen->LookaheadSize = VMP_MTU;
    Gen->PowerManagementCapabilities = NULL;     /* no power management */
    Gen->PowerManagementCapabilitiesEx = NULL;
    Gen->MacOptions = VMP_MAC_OPTIONS;         /* NO_LOOPBACK: NDIS loops back for us */
    Gen->SupportedPacketFilters = VMP_SUPPORTED_FILTERS;
    Gen->MaxMulticastListSize = VMP_MAX_MCAST_LIST;
    Gen->MacAddressLength = VMP_MAC_LENGTH;
    NdisMoveMemory(Gen->PermanentMacAddress, Adapter->PermanentAddress, VMP_MAC_LENGTH);
    NdisMoveMemory(Gen->CurrentMacAddress, Adapter->CurrentAddress, VMP_MAC_LENGTH);
    Gen->RecvScaleCapabilities = NULL;
    Gen->AccessType = NET_IF_ACCESS_BROADCAST;
    Gen->DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    Gen->ConnectionType = NET_IF_CONNECTION_DEDICATED;
    Gen->IfType = IF_TYPE_ETHERNET_CSMACD;
    Gen->IfConnectorPresent = FALSE;             /* no physical connector */
    Gen->SupportedStatistics = VMP_SUPPORTED_STATISTICS;
    Gen->SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    Gen->DataBackFillSize = 0;
    Gen->ContextBackFillSize = 0;
    Gen->SupportedOidList = VmpSupportedOids;
    Gen->SupportedOidListLength = VmpSupportedOidsSize;
    Gen->AutoNegotiationFlags = 0;

    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        VMP_PRINT(DPFLTR_ERROR_LEVEL, "general attributes rejected: 0x%08x\n", Status);
    }
    return Status;
}

/* Step 5. Each resource is recorded as soon as it exists, so that
   VmpFreeAdapter can undo a partial allocation. */
static NDIS_STATUS
VmpAllocateResources(_Inout_ PVMP_ADAPTER Adapter)
{
    NET_BUFFER_LIST_POOL_PARAMETERS PoolParameters;
    NDIS_TIMER_CHARACTERISTICS TimerChars;
    NDIS_STATUS Status;
    ULONG i;

    /* NBL pool (with one NET_BUFFER per NBL) for receive indications. */
    NdisZeroMemory(&PoolParameters, sizeof(PoolParameters));
    PoolParameters.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    PoolParameters.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    PoolParameters.fAllocateNetBuffer = TRUE;
    PoolParameters.ContextSize = 0;
    PoolParameters.PoolTag = VMP_TAG_NBL_POOL;
    PoolParameters.DataSize = 0;
    Adapter->NblPool = NdisAllocateNetBufferListPool(Adapter->AdapterHandle, &PoolParameters);
    if (Adapter->NblPool == NULL) {
        return NDIS_STATUS_RESOURCES;
    }

    /* Receive frames: one storage block, then an MDL + NBL per frame. */
    Adapter->FrameMemorySize = Adapter->MaxFrames * VMP_MAX_FRAME_SIZE;
    Adapter->FrameMemory = NdisAllocateMemoryWithTagPriority(
        Adapter->AdapterHandle, Adapter->FrameMemorySize, VMP_TAG_FRAMES, NormalPoolPriority);
    if (Adapter->FrameMemory == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    Adapter->FramesSize = Adapter->MaxFrames * sizeof(VMP_RX_FRAME);
    Adapter->Frames = NdisAllocateMemoryWithTagPriority(
        Adapter->AdapterHandle, Adapter->FramesSize, VMP_TAG_FRAMES, NormalPoolPriority);
    if (Adapter->Frames == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter->Frames, Adapter->FramesSize);

    for (i = 0; i < Adapter->MaxFrames; i++) {
        PVMP_RX_FRAME Frame = &Adapter->Frames[i];

        Frame->Buffer = Adapter->FrameMemory + i * VMP_MAX_FRAME_SIZE;
        Frame->Mdl = NdisAllocateMdl(Adapter->AdapterHandle, Frame->Buffer, VMP_MAX_FRAME_SIZE);
        if (Frame->Mdl == NULL) {
            return NDIS_STATUS_RESOURCES;
        }
        Frame->Nbl = NdisAllocateNetBufferAndNetBufferList(Adapter->NblPool, 0, 0,
                                                           Frame->Mdl, 0, VMP_MAX_FRAME_SIZE);
        if (Frame->Nbl == NULL) {
            NdisFreeMdl(Frame->Mdl);
            Frame->Mdl = NULL;
            return NDIS_STATUS_RESOURCES;
        }
        Frame->Nbl->SourceHandle = Adapter->AdapterHandle;   /* required for indications */
        NET_BUFFER_LIST_MINIPORT_RESERVED(Frame->Nbl)[0] = Frame;
        Adapter->FramesBuilt++;

        Frame->Next = Adapter->FreeFrames;
        Adapter->FreeFrames = Frame;
    }

    /* Spin lock (cannot fail). */
    NdisAllocateSpinLock(&Adapter->Lock);
    Adapter->LockAllocated = TRUE;

    /* Work item for the PASSIVE_LEVEL link-state indication. */
    NdisInitializeEvent(&Adapter->LinkWorkIdle);
    NdisSetEvent(&Adapter->LinkWorkIdle);
    Adapter->WorkItem = NdisAllocateIoWorkItem(Adapter->AdapterHandle);
    if (Adapter->WorkItem == NULL) {
        return NDIS_STATUS_RESOURCES;
    }

    /* Periodic "wire" timer: allocated here, armed in MiniportRestart. */
    NdisZeroMemory(&TimerChars, sizeof(TimerChars));
    TimerChars.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    TimerChars.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.AllocationTag = VMP_TAG_TIMER;
    TimerChars.TimerFunction = MpWireTimer;
    TimerChars.FunctionContext = Adapter;
    Status = NdisAllocateTimerObject(Adapter->AdapterHandle, &TimerChars, &Adapter->WireTimer);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->WireTimer = NULL;
        return Status;
    }

    return NDIS_STATUS_SUCCESS;
}

/* Undo VmpAllocateResources and free the context: newest resource first.
   PASSIVE_LEVEL (init failure path and MiniportHaltEx). */
static VOID
VmpFreeAdapter(_In_ __drv_freesMem(Mem) PVMP_ADAPTER Adapter)
{
    ULONG i;

    if (Adapter->WireTimer != NULL) {
        /* FALSE: not queued, but the callback may be running right now:
           wait for queued DPCs (timer callbacks) to finish before freeing. */
        if (!NdisCancelTimerObject(Adapter->WireTimer)) {
            KeFlushQueuedDpcs();
        }
        NdisFreeTimerObject(Adapter->WireTimer);
        Adapter->WireTimer = NULL;
    }

    if (Adapter->WorkItem != NULL) {
        /* A queued work item must not be freed: wait until it has run, then
           take the lock once so the routine has surely left it. */
        (VOID)NdisWaitEvent(&Adapter->LinkWorkIdle, 0);
        NdisAcquireSpinLock(&Adapter->Lock);
        NdisReleaseSpinLock(&Adapter->Lock);
        NdisFreeIoWorkItem(Adapter->WorkItem);
        Adapter->WorkItem = NULL;
    }

    if (Adapter->LockAllocated) {
        NdisFreeSpinLock(&Adapter->Lock);
        Adapter->LockAllocated = FALSE;
    }

    for (i = Adapter->FramesBuilt; i > 0; i--) {
        PVMP_RX_FRAME Frame = &Adapter->Frames[i - 1];
        NdisFreeNetBufferList(Frame->Nbl);
        NdisFreeMdl(Frame->Mdl);
    }
    Adapter->FramesBuilt = 0;
    if (Adapter->Frames != NULL) {
        NdisFreeMemory(Adapter->Frames, Adapter->FramesSize, 0);
        Adapter->Frames = NULL;
    }
    if (Adapter->FrameMemory != NULL) {
        NdisFreeMemory(Adapter->FrameMemory, Adapter->FrameMemorySize, 0);
        Adapter->FrameMemory = NULL;
    }

    if (Adapter->NblPool != NULL) {
        NdisFreeNetBufferListPool(Adapter->NblPool);
        Adapter->NblPool = NULL;
    }

    NdisFreeMemory(Adapter, sizeof(VMP_ADAPTER), 0);
}

_Use_decl_annotations_
NDIS_STATUS
MpInitializeEx(
    NDIS_HANDLE NdisMiniportHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    PVMP_ADAPTER Adapter;
    NDIS_STATUS Status;
    ULONG FailedStep;

    UNREFERENCED_PARAMETER(MiniportDriverContext);
    UNREFERENCED_PARAMETER(MiniportInitParameters);   /* no hardware resources */

    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportInitializeEx\n");

    /* 1. Adapter context. */
    Adapter = NdisAllocateMemoryWithTagPriority(NdisMiniportHandle, sizeof(VMP_ADAPTER),
                                                VMP_TAG_ADAPTER, NormalPoolPriority);
    if (Adapter == NULL) {
        NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES,
                               1, VMP_ERRLOG_ALLOC_ADAPTER);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(VMP_ADAPTER));
    InitializeListHead(&Adapter->Link);
    Adapter->AdapterHandle = NdisMiniportHandle;
    Adapter->State = VmpStatePaused;          /* a successful init leaves us Paused */
    Adapter->LookaheadSize = VMP_MTU;

    do {
        /* 2. Configuration. */
        FailedStep = VMP_ERRLOG_CONFIGURATION;
        Status = VmpReadConfiguration(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }
        /* 3 + 4. Attributes. */
        FailedStep = VMP_ERRLOG_ATTRIBUTES;
        Status = VmpSetAttributes(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }
        /* 5. Resources. */
        FailedStep = VMP_ERRLOG_RESOURCES;
        Status = VmpAllocateResources(Adapter);
    } while (FALSE);

    if (Status != NDIS_STATUS_SUCCESS) {
        VMP_PRINT(DPFLTR_ERROR_LEVEL, "MiniportInitializeEx failed at step %u: 0x%08x\n",
                  FailedStep, Status);
        NdisWriteErrorLogEntry(NdisMiniportHandle,
                               FailedStep == VMP_ERRLOG_RESOURCES
                                   ? NDIS_ERROR_CODE_OUT_OF_RESOURCES
                                   : NDIS_ERROR_CODE_DRIVER_FAILURE,
                               2, FailedStep, Status);
        VmpFreeAdapter(Adapter);
        return Status;
    }

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    InsertTailList(&GlobalDriver.AdapterList, &Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    VMP_PRINT(DPFLTR_INFO_LEVEL, "adapter %p ready (Paused)\n", Adapter);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MpHaltEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_HALT_ACTION HaltAction)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;

    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportHaltEx, action %d\n", (int)HaltAction);

    /* NDIS halts only a Paused adapter: no sends held, no receives outstanding,
       the wire timer already cancelled by MiniportPause. */
    ASSERT(Adapter->State == VmpStatePaused);
    ASSERT(Adapter->ReceiveRefs == 0);

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    /* Timer (cancel + wait), work item, spin lock, frames, NBL pool, context. */
    VmpFreeAdapter(Adapter);
}

_Use_decl_annotations_
NDIS_STATUS
MpRestart(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    LARGE_INTEGER DueTime;
    BOOLEAN QueueWork = FALSE;

    UNREFERENCED_PARAMETER(RestartParameters);
    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportRestart\n");

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = VmpStateRunning;
    if (!Adapter->LinkWorkQueued) {
        Adapter->LinkWorkQueued = TRUE;
        NdisResetEvent(&Adapter->LinkWorkIdle);
        QueueWork = TRUE;
    }
    NdisReleaseSpinLock(&Adapter->Lock);

    /* Arm the wire: first tick after one period, then every period.
       A negative due time is relative, in 100 ns units. */
    DueTime.QuadPart = -(LONGLONG)VMP_WIRE_PERIOD_MS * 10000;
    (VOID)NdisSetTimerObject(Adapter->WireTimer, DueTime, VMP_WIRE_PERIOD_MS, Adapter);

    if (QueueWork) {
        NdisQueueIoWorkItem(Adapter->WorkItem, MpLinkStateWork, Adapter);
    }
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MpPause(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    PNET_BUFFER_LIST HeldSends;
    NDIS_STATUS Status;

    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause, reason 0x%x\n", PauseParameters->PauseReason);

    /* From now on new sends are failed with NDIS_STATUS_PAUSED and the wire
       stops moving frames. Take the sends we still hold. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = VmpStatePausing;
    HeldSends = Adapter->SendHead;
    Adapter->SendHead = NULL;
    Adapter->SendTail = NULL;
    NdisReleaseSpinLock(&Adapter->Lock);

    VmpCompleteSends(Adapter, HeldSends, NDIS_STATUS_PAUSED, FALSE);

    /* Stop the periodic timer. Cancelling a periodic timer needs PASSIVE_LEVEL,
       which MiniportPause runs at; if a tick is executing, wait for it. */
    if (!NdisCancelTimerObject(Adapter->WireTimer)) {
        KeFlushQueuedDpcs();
    }

    /* A pause completes only when every indicated receive is back. */
    NdisAcquireSpinLock(&Adapter->Lock);
    if (Adapter->ReceiveRefs == 0) {
        Adapter->State = VmpStatePaused;
        Status = NDIS_STATUS_SUCCESS;
    } else {
        Adapter->PauseCompletionPending = TRUE;   /* MpReturnNetBufferLists completes */
        Status = NDIS_STATUS_PENDING;
    }
    NdisReleaseSpinLock(&Adapter->Lock);

    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause -> %s\n",
              Status == NDIS_STATUS_SUCCESS ? "SUCCESS" : "PENDING");
    return Status;
}

_Use_decl_annotations_
VOID
MpShutdownEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    /* The system is going down (possibly at high IRQL for a bug check).
       A real NIC would stop its DMA engine by touching registers only. We
       have no hardware: touch nothing, free nothing, call no NDIS function. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(ShutdownAction);
}

_Use_decl_annotations_
VOID
MpDevicePnPEventNotify(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    PAGED_CODE();

    switch (NetDevicePnPEvent->DevicePnPEvent) {
    case NdisDevicePnPEventSurpriseRemoved:
        /* Nothing to stop: NDIS will pause and halt us next. */
        VMP_PRINT(DPFLTR_WARNING_LEVEL, "device surprise-removed\n");
        break;
    case NdisDevicePnPEventPowerProfileChanged:
        VMP_PRINT(DPFLTR_INFO_LEVEL, "power profile changed\n");
        break;
    default:
        VMP_PRINT(DPFLTR_INFO_LEVEL, "device PnP event %d\n",
                  (int)NetDevicePnPEvent->DevicePnPEvent);
        break;
    }
}

/* Periodic timer callback (DISPATCH_LEVEL): one tick of the virtual wire. */
_Use_decl_annotations_
VOID
MpWireTimer(
    PVOID SystemSpecific1,
    PVOID FunctionContext,
    PVOID SystemSpecific2,
    PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);

    VmpRunWire((PVMP_ADAPTER)FunctionContext);
}

/* Work item (PASSIVE_LEVEL): tell NDIS the link is up after a restart. */
_Use_decl_annotations_
VOID
MpLinkStateWork(
    PVOID WorkItemContext,
    NDIS_HANDLE NdisIoWorkItemHandle)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)WorkItemContext;
    NDIS_LINK_STATE LinkState;
    NDIS_STATUS_INDICATION Indication;

    UNREFERENCED_PARAMETER(NdisIoWorkItemHandle);

    NdisZeroMemory(&LinkState, sizeof(LinkState));
    LinkState.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    LinkState.Header.Revision = NDIS_LINK_STATE_REVISION_1;
    LinkState.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
    LinkState.MediaConnectState = MediaConnectStateConnected;
    LinkState.MediaDuplexState = MediaDuplexStateFull;
    LinkState.XmitLinkSpeed = VMP_LINK_SPEED;
    LinkState.RcvLinkSpeed = VMP_LINK_SPEED;
    LinkState.PauseFunctions = NdisPauseFunctionsUnsupported;

    NdisZeroMemory(&Indication, sizeof(Indication));
    Indication.Header.Type = NDIS_OBJECT_TYPE_STATUS_INDICATION;
    Indication.Header.Revision = NDIS_STATUS_INDICATION_REVISION_1;
    Indication.Header.Size = NDIS_SIZEOF_STATUS_INDICATION_REVISION_1;
    Indication.SourceHandle = Adapter->AdapterHandle;
    Indication.PortNumber = NDIS_DEFAULT_PORT_NUMBER;
    Indication.StatusCode = NDIS_STATUS_LINK_STATE;
    Indication.StatusBuffer = &LinkState;
    Indication.StatusBufferSize = sizeof(LinkState);

    NdisMIndicateStatusEx(Adapter->AdapterHandle, &Indication);
    VMP_PRINT(DPFLTR_INFO_LEVEL, "link state indicated: connected\n");

    /* Signal under the lock, so that a Restart cannot slip in between; halt
       waits for the event and then takes the lock once before freeing. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->LinkWorkQueued = FALSE;
    NdisSetEvent(&Adapter->LinkWorkIdle);
    NdisReleaseSpinLock(&Adapter->Lock);
}
