/*
 * PassthruIm - the miniport edge: the virtual miniport above each binding.
 *
 * MiniportInitializeEx runs when the PnP manager starts the device instance
 * the bind asked for (inside NdisIMInitializeDeviceInstanceEx, later, or
 * never). It finds its binding in IMDeviceInstanceContext and follows the
 * documented order: adapter context -> REGISTRATION attributes (no
 * HARDWARE_DEVICE flag, InterfaceType 0) -> GENERAL attributes copied from the
 * lower adapter -> attach to the binding. It claims no hardware: no interrupt,
 * no I/O ports, no DMA. MiniportHaltEx undoes it in the reverse order.
 *
 * Data path, upper side: MiniportSendNetBufferLists passes the NBLs down the
 * binding (NdisSendNetBufferLists) while both edges run, else completes them
 * at once with NDIS_STATUS_PAUSED; MiniportReturnNetBufferLists gives received
 * NBLs back down (NdisReturnNetBufferLists). MiniportPause pends until every
 * send it passed down is complete and every receive it indicated is back.
 */
#include "driver.h"

#pragma NDIS_PAGEABLE_FUNCTION(PtMpDevicePnPEventNotify)

/* Error-log values: which init step failed (second word of the log entry). */
#define PT_ERRLOG_ALLOC_MINIPORT   1
#define PT_ERRLOG_ATTRIBUTES       2
#define PT_ERRLOG_NO_BINDING       3

/* ---- Helpers shared with protocol.c --------------------------------------------- */

/* Destination class and size of an NBL (its first NET_BUFFER's Ethernet
   header). PtCastCount when the frame is too short to have a header. */
_Use_decl_annotations_
PT_CAST
PtClassifyNbl(
    PNET_BUFFER_LIST Nbl,
    PUCHAR Destination,
    PULONG Frames,
    PULONG Bytes)
{
    PNET_BUFFER Nb = NET_BUFFER_LIST_FIRST_NB(Nbl);
    const UCHAR *Header = NULL;
    ULONG i;

    *Frames = 0;
    *Bytes = 0;
    for (; Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
        (*Frames)++;
        *Bytes += NET_BUFFER_DATA_LENGTH(Nb);
    }
    NdisZeroMemory(Destination, PT_MAC_LENGTH);

    Nb = NET_BUFFER_LIST_FIRST_NB(Nbl);
    if (Nb == NULL || NET_BUFFER_DATA_LENGTH(Nb) < PT_HEADER_SIZE) {
        return PtCastCount;
    }
    /* Contiguous already, or copied into Destination. */
    Header = NdisGetDataBuffer(Nb, PT_MAC_LENGTH, Destination, 1, 0);
    if (Header == NULL) {
        return PtCastCount;
    }
    if (Header != Destination) {
        NdisMoveMemory(Destination, Header, PT_MAC_LENGTH);
    }

    if ((Destination[0] & 0x01) == 0) {
        return PtCastDirected;
    }
    for (i = 0; i < PT_MAC_LENGTH; i++) {
        if (Destination[i] != 0xFF) {
            return PtCastMulticast;
        }
    }
    return PtCastBroadcast;
}

/*
 * The packet filter NDIS set on the virtual miniport. A pass-through could
 * forward OID_GEN_CURRENT_PACKET_FILTER to the lower adapter and let it filter;
 * this one leaves the adapter below as NDIS set it up and applies the virtual
 * miniport's own filter itself. Caller holds the binding's Lock.
 */
_Use_decl_annotations_
BOOLEAN
PtFilterAcceptsLocked(
    PPT_MINIPORT Miniport,
    PT_CAST Cast,
    const UCHAR *Destination)
{
    ULONG Filter = Miniport->PacketFilter;
    ULONG i;

    if (Cast >= PtCastCount) {
        return FALSE;                       /* runt: no Ethernet header */
    }
    if (Filter & NDIS_PACKET_TYPE_PROMISCUOUS) {
        return TRUE;
    }
    switch (Cast) {
    case PtCastBroadcast:
        return (Filter & NDIS_PACKET_TYPE_BROADCAST) != 0;
    case PtCastMulticast:
        if (Filter & NDIS_PACKET_TYPE_ALL_MULTICAST) {
            return TRUE;
        }
        if (Filter & NDIS_PACKET_TYPE_MULTICAST) {
            for (i = 0; i < Miniport->MulticastCount; i++) {
                if (NdisEqualMemory(Destination, Miniport->MulticastList[i], PT_MAC_LENGTH)) {
                    return TRUE;
                }
            }
        }
        return FALSE;
    default:
        return (Filter & NDIS_PACKET_TYPE_DIRECTED) != 0 &&
               NdisEqualMemory(Destination, Miniport->CurrentAddress, PT_MAC_LENGTH);
    }
}

/* Count NBLs into the data path. Caller holds the binding's Lock. */
_Use_decl_annotations_
VOID
PtDataPathEnterLocked(
    PPT_BINDING Binding,
    LONG Sends,
    LONG Receives)
{
    if (Binding->SendsDown == 0 && Binding->ReceivesUp == 0) {
        NdisResetEvent(&Binding->DataPathIdle);
    }
    Binding->SendsDown += Sends;
    Binding->ReceivesUp += Receives;
}

/* Count NBLs out of the data path. When it is quiet, a pending miniport pause
   completes and a binding pause (NetEventPause) stops waiting. The NBLs must
   already have been handed on: after NdisMPauseComplete NDIS may halt. */
_Use_decl_annotations_
VOID
PtDataPathLeave(
    PPT_BINDING Binding,
    LONG Sends,
    LONG Receives,
    BOOLEAN AtDispatch)
{
    NDIS_HANDLE CompletePause = NULL;

    PT_LOCK(Binding, AtDispatch);
    Binding->SendsDown -= Sends;
    Binding->ReceivesUp -= Receives;
    ASSERT(Binding->SendsDown >= 0 && Binding->ReceivesUp >= 0);
    if (Binding->SendsDown == 0 && Binding->ReceivesUp == 0) {
        PPT_MINIPORT Miniport = Binding->Miniport;
        if (Miniport != NULL && Miniport->PausePending) {
            Miniport->PausePending = FALSE;
            Miniport->State = PtMiniportPaused;
            CompletePause = Miniport->MiniportHandle;
        }
        NdisSetEvent(&Binding->DataPathIdle);
    }
    PT_UNLOCK(Binding, AtDispatch);

    if (CompletePause != NULL) {
        PT_PRINT(DPFLTR_INFO_LEVEL, "data path quiet: NdisMPauseComplete\n");
        NdisMPauseComplete(CompletePause);
    }
}

/* ---- Initialize and halt ------------------------------------------------------------ */

/* REGISTRATION attributes first, then GENERAL attributes: the lower adapter's
   medium, MTU, addresses and link, since frames pass through unchanged. */
static NDIS_STATUS
PtSetAttributes(
    _In_ PPT_MINIPORT Miniport,
    _In_ PPT_LOWER_ADAPTER Lower)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES Attributes;
    PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES Reg = &Attributes.RegistrationAttributes;
    PNDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES Gen = &Attributes.GeneralAttributes;

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Reg->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    Reg->Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->MiniportAdapterContext = Miniport;      /* handed back to every callback */
    /* No HARDWARE_DEVICE, no BUS_MASTER: a virtual miniport. NO_HALT_ON_SUSPEND:
       a sleep transition pauses us instead of halting (the usual IM choice). */
    Reg->AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_NO_HALT_ON_SUSPEND;
    Reg->CheckForHangTimeInSeconds = 0;          /* no CheckForHang handler */
    Reg->InterfaceType = NdisInterfaceInternal;  /* 0, as for every IM miniport */

    Status = NdisMSetMiniportAttributes(Miniport->MiniportHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "registration attributes rejected: 0x%08x\n", Status);
        return Status;
    }

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Gen->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    Gen->Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Flags = 0;
    Gen->MediaType = Lower->MediaType;
    Gen->PhysicalMediumType = Lower->PhysicalMediumType;
    Gen->MtuSize = Lower->MtuSize;
    Gen->MaxXmitLinkSpeed = Lower->MaxXmitLinkSpeed;
    Gen->XmitLinkSpeed = Lower->XmitLinkSpeed;
    Gen->MaxRcvLinkSpeed = Lower->MaxRcvLinkSpeed;
    Gen->RcvLinkSpeed = Lower->RcvLinkSpeed;
    Gen->MediaConnectState = Lower->MediaConnectState;
    Gen->MediaDuplexState = Lower->MediaDuplexState;
    Gen->LookaheadSize = Lower->LookaheadSize;
    Gen->PowerManagementCapabilities = NULL;
    Gen->PowerManagementCapabilitiesEx = NULL;
    /* We never loop sends back ourselves: NDIS does it for the protocols above. */
    Gen->MacOptions = Lower->MacOptions | NDIS_MAC_OPTION_NO_LOOPBACK;
    Gen->SupportedPacketFilters = Lower->SupportedPacketFilters;
    Gen->MaxMulticastListSize = Lower->MaxMulticastListSize < PT_MAX_MCAST_LIST
                                    ? Lower->MaxMulticastListSize : PT_MAX_MCAST_LIST;
    Gen->MacAddressLength = PT_MAC_LENGTH;
    NdisMoveMemory(Gen->PermanentMacAddress, Lower->CurrentMacAddress, PT_MAC_LENGTH);
    NdisMoveMemory(Gen->CurrentMacAddress, Lower->CurrentMacAddress, PT_MAC_LENGTH);
    Gen->RecvScaleCapabilities = NULL;
    Gen->AccessType = NET_IF_ACCESS_BROADCAST;
    Gen->DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    Gen->ConnectionType = NET_IF_CONNECTION_DEDICATED;
    Gen->IfType = IF_TYPE_ETHERNET_CSMACD;
    Gen->IfConnectorPresent = FALSE;             /* virtual: no connector */
    Gen->SupportedStatistics = PT_SUPPORTED_STATISTICS;
    Gen->SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    /* What the adapter below needs, plus room for our own NBL context, so the
       protocols above allocate it and NdisAllocateNetBufferListContext need not. */
    Gen->DataBackFillSize = Lower->DataBackFillSize;
    Gen->ContextBackFillSize = Lower->ContextBackFillSize + PT_NBL_CONTEXT_SIZE;
    Gen->SupportedOidList = PtSupportedOids;
    Gen->SupportedOidListLength = PtSupportedOidsSize;
    Gen->AutoNegotiationFlags = 0;

    Status = NdisMSetMiniportAttributes(Miniport->MiniportHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "general attributes rejected: 0x%08x\n", Status);
    }
    return Status;
}

_Use_decl_annotations_
NDIS_STATUS
PtMpInitializeEx(
    NDIS_HANDLE NdisMiniportHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    /* The DeviceContext our bind gave NdisIMInitializeDeviceInstanceEx. */
    PPT_BINDING Binding = (PPT_BINDING)MiniportInitParameters->IMDeviceInstanceContext;
    PPT_MINIPORT Miniport = NULL;
    PT_LOWER_ADAPTER Lower;
    NDIS_STATUS Status;

    UNREFERENCED_PARAMETER(MiniportDriverContext);

    if (Binding == NULL) {
        /* Not a device instance our bind asked for (a PnP device configured for
           this driver, say): there is no binding to pass traffic to. */
        PT_PRINT(DPFLTR_ERROR_LEVEL, "MiniportInitializeEx without IMDeviceInstanceContext: refused\n");
        NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_DRIVER_FAILURE,
                               1, PT_ERRLOG_NO_BINDING);
        return NDIS_STATUS_FAILURE;
    }

    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportInitializeEx for %wZ\n", &Binding->DeviceName);

    /* The request is being served: from now on it cannot be cancelled, only
       de-initialized. Take a consistent copy of the lower adapter's state. */
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->InitPending = FALSE;
    Lower = Binding->Lower;
    NdisReleaseSpinLock(&Binding->Lock);

    do {
        /* 1. The adapter context (charged to this miniport: halt frees it). */
        Miniport = NdisAllocateMemoryWithTagPriority(NdisMiniportHandle, sizeof(PT_MINIPORT),
                                                     PT_TAG_MINIPORT, NormalPoolPriority);
        if (Miniport == NULL) {
            Status = NDIS_STATUS_RESOURCES;
            NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES,
                                   1, PT_ERRLOG_ALLOC_MINIPORT);
            break;
        }
        NdisZeroMemory(Miniport, sizeof(PT_MINIPORT));
        Miniport->MiniportHandle = NdisMiniportHandle;
        Miniport->Binding = Binding;
        Miniport->State = PtMiniportPaused;           /* a successful init leaves us Paused */
        Miniport->LookaheadSize = Lower.LookaheadSize;
        NdisMoveMemory(Miniport->CurrentAddress, Lower.CurrentMacAddress, PT_MAC_LENGTH);

        /* 2 + 3. Attributes. */
        Status = PtSetAttributes(Miniport, &Lower);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_DRIVER_FAILURE,
                                   2, PT_ERRLOG_ATTRIBUTES, Status);
            NdisFreeMemory(Miniport, sizeof(PT_MINIPORT), 0);
            Miniport = NULL;
            break;
        }

        /* 4. Attach: from here on the binding passes traffic and status to us. */
        NdisAcquireSpinLock(&Binding->Lock);
        Binding->Miniport = Miniport;
        NdisReleaseSpinLock(&Binding->Lock);
        Status = NDIS_STATUS_SUCCESS;
    } while (FALSE);

    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "MiniportInitializeEx for %wZ failed: 0x%08x\n",
                 &Binding->DeviceName, Status);
    } else {
        PT_PRINT(DPFLTR_INFO_LEVEL, "virtual miniport %wZ ready (Paused)\n", &Binding->DeviceName);
    }

    /* An unbind whose cancel came too late waits for this. */
    NdisSetEvent(&Binding->MiniportInitDone);
    return Status;
}

_Use_decl_annotations_
VOID
PtMpHaltEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_HALT_ACTION HaltAction)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    PPT_BINDING Binding = Miniport->Binding;

    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportHaltEx for %wZ, action %d\n",
             &Binding->DeviceName, (int)HaltAction);

    /* NDIS halts only a Paused miniport: nothing of ours is in flight. */
    NdisAcquireSpinLock(&Binding->Lock);
    ASSERT(Miniport->State == PtMiniportPaused);
    ASSERT(Binding->SendsDown == 0 && Binding->ReceivesUp == 0);
    ASSERT(Miniport->UpRequest == NULL);       /* NDIS halts no miniport with a request pending */
    /* Undo step 4: detach, so the binding forwards nothing more to us. */
    Binding->Miniport = NULL;
    NdisReleaseSpinLock(&Binding->Lock);

    /* A status indication that started before the detach may still be using
       our handle: wait for it. */
    (VOID)NdisWaitEvent(&Binding->StatusIdle, 0);

    /* Undo step 1. */
    NdisFreeMemory(Miniport, sizeof(PT_MINIPORT), 0);
}

/* ---- Pause and restart ------------------------------------------------------------------ */

_Use_decl_annotations_
NDIS_STATUS
PtMpPause(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    PPT_BINDING Binding = Miniport->Binding;
    NDIS_STATUS Status;

    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause, reason 0x%x\n", PauseParameters->PauseReason);

    /* From now on sends are completed with NDIS_STATUS_PAUSED and receives go
       back down. The pause completes when what is in flight is back. */
    NdisAcquireSpinLock(&Binding->Lock);
    Miniport->State = PtMiniportPausing;
    if (Binding->SendsDown == 0 && Binding->ReceivesUp == 0) {
        Miniport->State = PtMiniportPaused;
        Status = NDIS_STATUS_SUCCESS;
    } else {
        Miniport->PausePending = TRUE;      /* PtDataPathLeave completes it */
        Status = NDIS_STATUS_PENDING;
    }
    NdisReleaseSpinLock(&Binding->Lock);

    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause -> %s\n",
             Status == NDIS_STATUS_SUCCESS ? "SUCCESS" : "PENDING");
    return Status;
}

_Use_decl_annotations_
NDIS_STATUS
PtMpRestart(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    PPT_BINDING Binding = Miniport->Binding;

    UNREFERENCED_PARAMETER(RestartParameters);
    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportRestart\n");

    /* Nothing to allocate or start: the binding below does the work. Sends go
       down whenever the binding is Running too. */
    NdisAcquireSpinLock(&Binding->Lock);
    Miniport->State = PtMiniportRunning;
    NdisReleaseSpinLock(&Binding->Lock);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
PtMpShutdownEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    /* No hardware to quiet; the miniport below handles its own. Touch nothing,
       free nothing, call no NDIS function. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(ShutdownAction);
}

_Use_decl_annotations_
VOID
PtMpDevicePnPEventNotify(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    PAGED_CODE();

    /* A virtual device is never surprise-removed by hardware; just report. */
    PT_PRINT(DPFLTR_INFO_LEVEL, "device PnP event %d\n", (int)NetDevicePnPEvent->DevicePnPEvent);
}

/* ---- Data path, upper side -------------------------------------------------------------- */

/* Complete sends that never went down (PASSIVE or DISPATCH, as AtDispatch says). */
static VOID
PtCompleteSendsHere(
    _In_ PPT_MINIPORT Miniport,
    _In_ PNET_BUFFER_LIST NblChain,
    _In_ NDIS_STATUS Status,
    _In_ BOOLEAN AtDispatch)
{
    PNET_BUFFER_LIST Nbl;
    ULONG Count = 0;

    for (Nbl = NblChain; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        NET_BUFFER_LIST_STATUS(Nbl) = Status;
        Count++;
    }
    PT_LOCK(Miniport->Binding, AtDispatch);
    Miniport->XmitDiscards += Count;
    PT_UNLOCK(Miniport->Binding, AtDispatch);

    NdisMSendNetBufferListsComplete(Miniport->MiniportHandle, NblChain,
                                    AtDispatch ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
}

_Use_decl_annotations_
VOID
PtMpSendNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferList,
    NDIS_PORT_NUMBER PortNumber,
    ULONG SendFlags)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    PPT_BINDING Binding = Miniport->Binding;
    BOOLEAN AtDispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags);
    PNET_BUFFER_LIST Nbl, Next;
    PNET_BUFFER_LIST DownHead = NULL, DownTail = NULL, FailHead = NULL, FailTail = NULL;
    LONG Count = 0, Failed = 0;
    BOOLEAN Down;

    UNREFERENCED_PARAMETER(PortNumber);      /* one port: the default */

    for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        Count++;
    }

    /* Both edges must be running. Counting the sends in now means a pause that
       starts after this point waits for them. */
    PT_LOCK(Binding, AtDispatch);
    Down = Miniport->State == PtMiniportRunning && Binding->State == PtBindingRunning;
    if (Down) {
        PtDataPathEnterLocked(Binding, Count, 0);
    }
    PT_UNLOCK(Binding, AtDispatch);

    if (!Down) {
        /* Pausing or Paused (either edge): fail at once, never queue. */
        PtCompleteSendsHere(Miniport, NetBufferList, NDIS_STATUS_PAUSED, AtDispatch);
        return;
    }

    /* Each NBL gets our SourceHandle (the binding's) on the way down; the
       protocol's is kept in our context and restored at completion. */
    for (Nbl = NetBufferList; Nbl != NULL; Nbl = Next) {
        UCHAR Destination[PT_MAC_LENGTH];
        ULONG Frames, Bytes;
        PT_CAST Cast = PtClassifyNbl(Nbl, Destination, &Frames, &Bytes);

        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;

        if (NdisAllocateNetBufferListContext(Nbl, PT_NBL_CONTEXT_SIZE, 0,
                                             PT_TAG_NBL_CONTEXT) == NDIS_STATUS_SUCCESS) {
            PPT_NBL_CONTEXT Context = PT_NBL_CONTEXT_OF(Nbl);
            Context->SavedSourceHandle = Nbl->SourceHandle;
            /* Runts are counted as directed frames. */
            Context->Cast = (ULONG)(Cast < PtCastCount ? Cast : PtCastDirected);
            Nbl->SourceHandle = Binding->BindingHandle;
            if (DownTail == NULL) {
                DownHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(DownTail) = Nbl;
            }
            DownTail = Nbl;
        } else {
            NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_RESOURCES;
            if (FailTail == NULL) {
                FailHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(FailTail) = Nbl;
            }
            FailTail = Nbl;
            Failed++;
        }
    }

    if (DownHead != NULL) {
        /* In order; PtSendNetBufferListsComplete brings them back. */
        NdisSendNetBufferLists(Binding->BindingHandle, DownHead, NDIS_DEFAULT_PORT_NUMBER, SendFlags);
    }
    if (FailHead != NULL) {
        PtCompleteSendsHere(Miniport, FailHead, NDIS_STATUS_RESOURCES, AtDispatch);
        PtDataPathLeave(Binding, Failed, 0, AtDispatch);
    }
}

/* NDIS gives back receives we indicated: restore the lower SourceHandle and
   return them down the binding they came from. */
_Use_decl_annotations_
VOID
PtMpReturnNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    ULONG ReturnFlags)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    PPT_BINDING Binding = Miniport->Binding;
    BOOLEAN AtDispatch = NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(ReturnFlags);
    PNET_BUFFER_LIST Nbl;
    LONG Count = 0;

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        PPT_NBL_CONTEXT Context = PT_NBL_CONTEXT_OF(Nbl);
        Nbl->SourceHandle = Context->SavedSourceHandle;
        NdisFreeNetBufferListContext(Nbl, PT_NBL_CONTEXT_SIZE);
        Count++;
    }

    /* Return first, then let a pause that waits for these go on. */
    NdisReturnNetBufferLists(Binding->BindingHandle, NetBufferLists,
                             AtDispatch ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0);
    PtDataPathLeave(Binding, 0, Count, AtDispatch);
}

_Use_decl_annotations_
VOID
PtMpCancelSend(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID CancelId)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    /* We hold no sends: each goes down at once. A full driver would forward the
       cancel with NdisCancelSendNetBufferLists (see NOTES-for-sim.md). */
    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelSend %p: nothing held here\n", CancelId);
}
