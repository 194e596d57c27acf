/*
 * MiniportIm - the miniport edge: both registrations' adapters.
 *
 * NDIS picks the MiniportInitializeEx by the device instance's IMMiniport
 * value: MimPhysicalInitializeEx (physical registration) or
 * MimVirtualInitializeEx (NDIS_INTERMEDIATE_DRIVER registration). Both bring up
 * a hardware-free Ethernet adapter the same way (ndis-rules §4.1): context,
 * REGISTRATION attributes, GENERAL attributes, then the adapter joins the
 * driver's list. Neither claims hardware: no interrupt, I/O ports, memory
 * mapping or DMA (for the intermediate registration NDIS forbids them, IM-NO-HW).
 * Sends complete at once (the adapter has no wire): NDIS_STATUS_SUCCESS while
 * Running, NDIS_STATUS_PAUSED otherwise. Nothing is ever held, so a pause
 * completes at once and MiniportCancelSend has nothing to cancel.
 */
#include "driver.h"

#pragma NDIS_PAGEABLE_FUNCTION(MimPhysicalInitializeEx)
#pragma NDIS_PAGEABLE_FUNCTION(MimVirtualInitializeEx)
#pragma NDIS_PAGEABLE_FUNCTION(MimHaltEx)
#pragma NDIS_PAGEABLE_FUNCTION(MimDevicePnPEventNotify)

/* ---- Initialization ---------------------------------------------------------- */

static NDIS_STATUS
MimSetAttributes(_In_ PMIM_ADAPTER Adapter)
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
    Reg->AttributeFlags = 0;                       /* no hardware device, no DMA */
    Reg->CheckForHangTimeInSeconds = 0;            /* no CheckForHang handler */
    Reg->InterfaceType = NdisInterfaceInternal;    /* 0, as an IM miniport must say */

    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "registration attributes rejected: 0x%08x\n", Status);
        return Status;
    }

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Gen->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    Gen->Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->MediaType = NdisMedium802_3;
    Gen->PhysicalMediumType = NdisPhysicalMediumUnspecified;
    Gen->MtuSize = MIM_MTU;
    Gen->MaxXmitLinkSpeed = MIM_LINK_SPEED;
    Gen->XmitLinkSpeed = MIM_LINK_SPEED;
    Gen->MaxRcvLinkSpeed = MIM_LINK_SPEED;
    Gen->RcvLinkSpeed = MIM_LINK_SPEED;
    Gen->MediaConnectState = MediaConnectStateConnected;
    Gen->MediaDuplexState = MediaDuplexStateFull;
    Gen->LookaheadSize = MIM_MTU;
    Gen->MacOptions = MIM_MAC_OPTIONS;
    Gen->SupportedPacketFilters = MIM_SUPPORTED_FILTERS;
    Gen->MaxMulticastListSize = MIM_MAX_MCAST_LIST;
    Gen->MacAddressLength = MIM_MAC_LENGTH;
    NdisMoveMemory(Gen->PermanentMacAddress, Adapter->PermanentAddress, MIM_MAC_LENGTH);
    NdisMoveMemory(Gen->CurrentMacAddress, Adapter->CurrentAddress, MIM_MAC_LENGTH);
    Gen->AccessType = NET_IF_ACCESS_BROADCAST;
    Gen->DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    Gen->ConnectionType = NET_IF_CONNECTION_DEDICATED;
    Gen->IfType = IF_TYPE_ETHERNET_CSMACD;
    Gen->IfConnectorPresent = FALSE;               /* no connector: no hardware */
    Gen->SupportedStatistics = MIM_SUPPORTED_STATISTICS;
    Gen->SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    Gen->SupportedOidList = MimSupportedOids;
    Gen->SupportedOidListLength = MimSupportedOidsSize;

    Status = NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "general attributes rejected: 0x%08x\n", Status);
    }
    return Status;
}

/* What both MiniportInitializeEx do; `Virtual` says which registration's. */
static NDIS_STATUS
MimInitializeAdapter(
    _In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ BOOLEAN Virtual)
{
    PMIM_ADAPTER Adapter;
    NDIS_STATUS Status;
    ULONG Number;

    /* 1. The adapter context. */
    Adapter = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, sizeof(MIM_ADAPTER),
                                                MIM_TAG_ADAPTER, NormalPoolPriority);
    if (Adapter == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(MIM_ADAPTER));
    Adapter->AdapterHandle = MiniportAdapterHandle;
    Adapter->Virtual = Virtual;
    Adapter->State = MimPaused;                    /* NDIS restarts it later */
    Adapter->Lookahead = MIM_MTU;
    InitializeListHead(&Adapter->Link);

    /* A locally administered address: 02-4D-49-4D-<kind>-<number>. */
    NdisAcquireSpinLock(&GlobalDriver.Lock);
    Number = GlobalDriver.AdapterCount++;
    NdisReleaseSpinLock(&GlobalDriver.Lock);
    Adapter->PermanentAddress[0] = 0x02;
    Adapter->PermanentAddress[1] = 0x4D;
    Adapter->PermanentAddress[2] = 0x49;
    Adapter->PermanentAddress[3] = 0x4D;
    Adapter->PermanentAddress[4] = Virtual ? 0x01 : 0x00;
    Adapter->PermanentAddress[5] = (UCHAR)Number;
    NdisMoveMemory(Adapter->CurrentAddress, Adapter->PermanentAddress, MIM_MAC_LENGTH);

    /* 2. Attributes: registration first, then general. */
    Status = MimSetAttributes(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreeMemory(Adapter, sizeof(MIM_ADAPTER), 0);
        return Status;
    }

    /* 3. Ready: the adapter joins the driver's list, Paused. */
    NdisAllocateSpinLock(&Adapter->Lock);
    NdisAcquireSpinLock(&GlobalDriver.Lock);
    InsertTailList(&GlobalDriver.AdapterList, &Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    MIM_PRINT(DPFLTR_INFO_LEVEL, "%s adapter %02x-%02x-%02x-%02x-%02x-%02x ready\n",
              Virtual ? "intermediate" : "physical",
              Adapter->CurrentAddress[0], Adapter->CurrentAddress[1], Adapter->CurrentAddress[2],
              Adapter->CurrentAddress[3], Adapter->CurrentAddress[4], Adapter->CurrentAddress[5]);
    return NDIS_STATUS_SUCCESS;
}

/* A device instance without IMMiniport: the physical registration's. */
_Use_decl_annotations_
NDIS_STATUS
MimPhysicalInitializeEx(
    NDIS_HANDLE MiniportAdapterHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(MiniportInitParameters);
    ASSERT(MiniportDriverContext == (NDIS_HANDLE)(ULONG_PTR)MimPhysical);
    UNREFERENCED_PARAMETER(MiniportDriverContext);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "MiniportInitializeEx (physical registration)\n");
    return MimInitializeAdapter(MiniportAdapterHandle, FALSE);
}

/* A device instance with IMMiniport = 1: the intermediate registration's. */
_Use_decl_annotations_
NDIS_STATUS
MimVirtualInitializeEx(
    NDIS_HANDLE MiniportAdapterHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(MiniportInitParameters);
    ASSERT(MiniportDriverContext == (NDIS_HANDLE)(ULONG_PTR)MimVirtual);
    UNREFERENCED_PARAMETER(MiniportDriverContext);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "MiniportInitializeEx (intermediate registration, IMMiniport = 1)\n");
    return MimInitializeAdapter(MiniportAdapterHandle, TRUE);
}

/* ---- Halt, pause, restart, shutdown ----------------------------------------------- */

_Use_decl_annotations_
VOID
MimHaltEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_HALT_ACTION HaltAction)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;

    PAGED_CODE();
    MIM_PRINT(DPFLTR_INFO_LEVEL, "MiniportHaltEx (%s, action %d): %llu frame(s) sent\n",
              Adapter->Virtual ? "intermediate" : "physical", (int)HaltAction, Adapter->FramesSent);

    /* The reverse of initialization. NDIS paused the adapter first: nothing is in flight. */
    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);
    NdisFreeSpinLock(&Adapter->Lock);
    NdisFreeMemory(Adapter, sizeof(MIM_ADAPTER), 0);
}

_Use_decl_annotations_
NDIS_STATUS
MimPause(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(PauseParameters);
    /* Sends complete as they come and no receive is ever indicated: nothing
       to wait for, so the pause completes at once. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = MimPaused;
    NdisReleaseSpinLock(&Adapter->Lock);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MimRestart(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(RestartParameters);
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = MimRunning;
    NdisReleaseSpinLock(&Adapter->Lock);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MimShutdownEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    /* No hardware to quiesce; touch nothing (this may run at high IRQL). */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(ShutdownAction);
}

_Use_decl_annotations_
VOID
MimDevicePnPEventNotify(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;

    PAGED_CODE();
    MIM_PRINT(DPFLTR_INFO_LEVEL, "device PnP event %d (%s adapter)\n",
              (int)NetDevicePnPEvent->DevicePnPEvent, Adapter->Virtual ? "intermediate" : "physical");
}

/* ---- Data path -------------------------------------------------------------------- */

_Use_decl_annotations_
VOID
MimSendNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    NDIS_PORT_NUMBER PortNumber,
    ULONG SendFlags)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;
    PNET_BUFFER_LIST Nbl;
    PNET_BUFFER Nb;
    ULONG CompleteFlags = 0;
    NDIS_STATUS Status;
    ULONG64 Frames = 0;

    UNREFERENCED_PARAMETER(PortNumber);

    NdisAcquireSpinLock(&Adapter->Lock);
    Status = Adapter->State == MimRunning ? NDIS_STATUS_SUCCESS : NDIS_STATUS_PAUSED;
    NdisReleaseSpinLock(&Adapter->Lock);

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        NET_BUFFER_LIST_STATUS(Nbl) = Status;
        for (Nb = NET_BUFFER_LIST_FIRST_NB(Nbl); Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
            Frames++;
        }
    }

    NdisAcquireSpinLock(&Adapter->Lock);
    if (Status == NDIS_STATUS_SUCCESS) {
        Adapter->FramesSent += Frames;
    } else {
        Adapter->FramesDiscarded += Frames;
    }
    NdisReleaseSpinLock(&Adapter->Lock);

    /* The whole chain goes back at once, at the IRQL NDIS said it came at. */
    if (NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags)) {
        NDIS_SET_SEND_COMPLETE_FLAG(CompleteFlags, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    }
    NdisMSendNetBufferListsComplete(Adapter->AdapterHandle, NetBufferLists, CompleteFlags);
}

_Use_decl_annotations_
VOID
MimReturnNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    ULONG ReturnFlags)
{
    /* The adapter never indicates receives, so nothing comes back. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(NetBufferLists);
    UNREFERENCED_PARAMETER(ReturnFlags);
}

_Use_decl_annotations_
VOID
MimCancelSend(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID CancelId)
{
    /* Sends are completed inside MiniportSendNetBufferLists: none is held to cancel. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(CancelId);
}
