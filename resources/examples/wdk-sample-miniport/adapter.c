/*
 * LoopNic - adapter lifetime, OIDs and the loopback data path.
 */
#include "miniport.h"

#pragma NDIS_PAGEABLE_FUNCTION(MpInitializeEx)
#pragma NDIS_PAGEABLE_FUNCTION(MpHaltEx)
#pragma NDIS_PAGEABLE_FUNCTION(MpReadConfiguration)

static NDIS_OID LoopNicSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST,
    OID_GEN_HARDWARE_STATUS,
    OID_GEN_MEDIA_SUPPORTED,
    OID_GEN_MEDIA_IN_USE,
    OID_GEN_PHYSICAL_MEDIUM,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_LINK_SPEED,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_STATISTICS,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
    OID_PNP_SET_POWER,
};

static const UCHAR LoopNicDefaultMac[ETH_LENGTH_OF_ADDRESS] = { 0x02, 0x4C, 0x4E, 0x00, 0x00, 0x01 };

/* -------------------------------------------------------------------------- */

_Use_decl_annotations_
NDIS_STATUS
MpReadConfiguration(
    PLOOPNIC_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    NDIS_CONFIGURATION_OBJECT ConfigObject;
    PNDIS_CONFIGURATION_PARAMETER Parameter = NULL;
    NDIS_STRING LookaheadKey = NDIS_STRING_CONST("Lookahead");
    PVOID NetworkAddress = NULL;
    UINT NetworkAddressLength = 0;

    PAGED_CODE();

    ConfigObject.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    ConfigObject.Header.Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.NdisHandle = Adapter->AdapterHandle;
    ConfigObject.Flags = 0;

    Status = NdisOpenConfigurationEx(&ConfigObject, &ConfigHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        return Status;
    }

    Adapter->LookaheadSize = LOOPNIC_MAX_FRAME;
    NdisReadConfiguration(&Status, &Parameter, ConfigHandle, &LookaheadKey, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS && Parameter != NULL &&
        Parameter->ParameterType == NdisParameterInteger &&
        Parameter->ParameterData.IntegerData <= LOOPNIC_MAX_FRAME) {
        Adapter->LookaheadSize = Parameter->ParameterData.IntegerData;
    }

    NdisMoveMemory(Adapter->PermanentAddress, LoopNicDefaultMac, ETH_LENGTH_OF_ADDRESS);
    NdisMoveMemory(Adapter->CurrentAddress, LoopNicDefaultMac, ETH_LENGTH_OF_ADDRESS);

    NdisReadNetworkAddress(&Status, &NetworkAddress, &NetworkAddressLength, ConfigHandle);
    if (Status == NDIS_STATUS_SUCCESS && NetworkAddressLength == ETH_LENGTH_OF_ADDRESS &&
        (((PUCHAR)NetworkAddress)[0] & 0x01) == 0) {
        NdisMoveMemory(Adapter->CurrentAddress, NetworkAddress, ETH_LENGTH_OF_ADDRESS);
    }

    NdisCloseConfiguration(ConfigHandle);
    return NDIS_STATUS_SUCCESS;
}

static VOID
MpFreeAdapter(
    _In_ PLOOPNIC_ADAPTER Adapter)
{
    if (Adapter->LinkWorkItem != NULL) {
        NdisFreeIoWorkItem(Adapter->LinkWorkItem);
    }
    if (Adapter->WatchdogTimer != NULL) {
        NdisFreeTimerObject(Adapter->WatchdogTimer);
    }
    if (Adapter->NblPool != NULL) {
        NdisFreeNetBufferListPool(Adapter->NblPool);
    }
    NdisFreeSpinLock(&Adapter->Lock);
    NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
}

_Use_decl_annotations_
NDIS_STATUS
MpInitializeEx(
    NDIS_HANDLE NdisMiniportHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    NDIS_STATUS Status;
    PLOOPNIC_ADAPTER Adapter;
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES RegistrationAttributes;
    NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES GeneralAttributes;
    NET_BUFFER_LIST_POOL_PARAMETERS PoolParameters;
    NDIS_TIMER_CHARACTERISTICS TimerCharacteristics;
    LARGE_INTEGER DueTime;
    PLOOPNIC_DRIVER Driver = (PLOOPNIC_DRIVER)MiniportDriverContext;

    PAGED_CODE();
    UNREFERENCED_PARAMETER(MiniportInitParameters);

    Adapter = NdisAllocateMemoryWithTagPriority(NdisMiniportHandle, sizeof(LOOPNIC_ADAPTER),
                                                LOOPNIC_POOL_TAG, NormalPoolPriority);
    if (Adapter == NULL) {
        NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, 1UL);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(LOOPNIC_ADAPTER));
    Adapter->AdapterHandle = NdisMiniportHandle;
    Adapter->State = LoopNicPaused;
    NdisAllocateSpinLock(&Adapter->Lock);

    Status = MpReadConfiguration(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        goto Fail;
    }

    /* 1. Registration attributes come first. */
    NdisZeroMemory(&RegistrationAttributes, sizeof(RegistrationAttributes));
    RegistrationAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    RegistrationAttributes.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    RegistrationAttributes.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    RegistrationAttributes.MiniportAdapterContext = (NDIS_HANDLE)Adapter;
    RegistrationAttributes.AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK |
                                            NDIS_MINIPORT_ATTRIBUTES_NO_HALT_ON_SUSPEND;
    RegistrationAttributes.CheckForHangTimeInSeconds = 0;
    RegistrationAttributes.InterfaceType = NdisInterfaceInternal;
    Status = NdisMSetMiniportAttributes(NdisMiniportHandle,
                                        (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&RegistrationAttributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        goto Fail;
    }

    /* 2. General attributes. */
    NdisZeroMemory(&GeneralAttributes, sizeof(GeneralAttributes));
    GeneralAttributes.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    GeneralAttributes.Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    GeneralAttributes.Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    GeneralAttributes.MediaType = NdisMedium802_3;
    GeneralAttributes.PhysicalMediumType = NdisPhysicalMediumUnspecified;
    GeneralAttributes.MtuSize = LOOPNIC_MTU;
    GeneralAttributes.MaxXmitLinkSpeed = LOOPNIC_LINK_SPEED;
    GeneralAttributes.XmitLinkSpeed = LOOPNIC_LINK_SPEED;
    GeneralAttributes.MaxRcvLinkSpeed = LOOPNIC_LINK_SPEED;
    GeneralAttributes.RcvLinkSpeed = LOOPNIC_LINK_SPEED;
    GeneralAttributes.MediaConnectState = MediaConnectStateConnected;
    GeneralAttributes.MediaDuplexState = MediaDuplexStateFull;
    GeneralAttributes.LookaheadSize = Adapter->LookaheadSize;
    GeneralAttributes.MacOptions = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA |
                                   NDIS_MAC_OPTION_TRANSFERS_NOT_PEND |
                                   NDIS_MAC_OPTION_NO_LOOPBACK;
    GeneralAttributes.SupportedPacketFilters = LOOPNIC_SUPPORTED_FILTERS;
    GeneralAttributes.MaxMulticastListSize = LOOPNIC_MAX_MCAST;
    GeneralAttributes.MacAddressLength = ETH_LENGTH_OF_ADDRESS;
    NdisMoveMemory(GeneralAttributes.PermanentMacAddress, Adapter->PermanentAddress, ETH_LENGTH_OF_ADDRESS);
    NdisMoveMemory(GeneralAttributes.CurrentMacAddress, Adapter->CurrentAddress, ETH_LENGTH_OF_ADDRESS);
    GeneralAttributes.RecvScaleCapabilities = NULL;
    GeneralAttributes.AccessType = NET_IF_ACCESS_BROADCAST;
    GeneralAttributes.DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    GeneralAttributes.ConnectionType = NET_IF_CONNECTION_DEDICATED;
    GeneralAttributes.IfType = IF_TYPE_ETHERNET_CSMACD;
    GeneralAttributes.IfConnectorPresent = FALSE;
    GeneralAttributes.SupportedStatistics = NDIS_STATISTICS_XMIT_OK_SUPPORTED |
                                            NDIS_STATISTICS_RCV_OK_SUPPORTED |
                                            NDIS_STATISTICS_BYTES_RCV_SUPPORTED |
                                            NDIS_STATISTICS_BYTES_XMIT_SUPPORTED;
    GeneralAttributes.SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    GeneralAttributes.AutoNegotiationFlags = NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;
    GeneralAttributes.SupportedOidList = LoopNicSupportedOids;
    GeneralAttributes.SupportedOidListLength = sizeof(LoopNicSupportedOids);
    GeneralAttributes.PowerManagementCapabilitiesEx = NULL;
    Status = NdisMSetMiniportAttributes(NdisMiniportHandle,
                                        (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&GeneralAttributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        goto Fail;
    }

    /* 3. Resources: receive NBL pool, watchdog timer, work item. */
    NdisZeroMemory(&PoolParameters, sizeof(PoolParameters));
    PoolParameters.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    PoolParameters.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    PoolParameters.fAllocateNetBuffer = TRUE;
    PoolParameters.ContextSize = 0;
    PoolParameters.PoolTag = LOOPNIC_NBL_TAG;
    PoolParameters.DataSize = 0;
    Adapter->NblPool = NdisAllocateNetBufferListPool(NdisMiniportHandle, &PoolParameters);
    if (Adapter->NblPool == NULL) {
        Status = NDIS_STATUS_RESOURCES;
        goto Fail;
    }

    NdisZeroMemory(&TimerCharacteristics, sizeof(TimerCharacteristics));
    TimerCharacteristics.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    TimerCharacteristics.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    TimerCharacteristics.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    TimerCharacteristics.AllocationTag = LOOPNIC_POOL_TAG;
    TimerCharacteristics.TimerFunction = MpWatchdogTimer;
    TimerCharacteristics.FunctionContext = Adapter;
    Status = NdisAllocateTimerObject(NdisMiniportHandle, &TimerCharacteristics, &Adapter->WatchdogTimer);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->WatchdogTimer = NULL;
        goto Fail;
    }

    Adapter->LinkWorkItem = NdisAllocateIoWorkItem(NdisMiniportHandle);
    if (Adapter->LinkWorkItem == NULL) {
        Status = NDIS_STATUS_RESOURCES;
        goto Fail;
    }

    NdisAcquireSpinLock(&Driver->Lock);
    InsertTailList(&Driver->AdapterList, &Adapter->Link);
    NdisReleaseSpinLock(&Driver->Lock);

    /* Relative due time in 100 ns units; periodic every LOOPNIC_WATCHDOG_MS. */
    DueTime.QuadPart = -10000LL * LOOPNIC_WATCHDOG_MS;
    NdisSetTimerObject(Adapter->WatchdogTimer, DueTime, LOOPNIC_WATCHDOG_MS, NULL);

    return NDIS_STATUS_SUCCESS;

Fail:
    NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_DRIVER_FAILURE, 1, (ULONG)Status);
    MpFreeAdapter(Adapter);
    return (Status == NDIS_STATUS_SUCCESS) ? NDIS_STATUS_FAILURE : Status;
}

_Use_decl_annotations_
VOID
MpHaltEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_HALT_ACTION HaltAction)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;

    PAGED_CODE();
    DbgPrint("LoopNic: halt, action %d\n", (int)HaltAction);

    /* Periodic timer: cancel at PASSIVE_LEVEL, then make sure no callback still runs. */
    if (!NdisCancelTimerObject(Adapter->WatchdogTimer)) {
        KeFlushQueuedDpcs();
    }

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    MpFreeAdapter(Adapter);
}

_Use_decl_annotations_
NDIS_STATUS
MpPause(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(PauseParameters);

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = LoopNicPausing;
    NdisReleaseSpinLock(&Adapter->Lock);

    /* Sends complete synchronously and received NBLs come back through MpReturnNetBufferLists. */
    if (InterlockedCompareExchange(&Adapter->PendingSends, 0, 0) != 0) {
        return NDIS_STATUS_PENDING;
    }
    Adapter->State = LoopNicPaused;
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MpRestart(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(RestartParameters);
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->State = LoopNicRunning;
    NdisReleaseSpinLock(&Adapter->Lock);

    NdisQueueIoWorkItem(Adapter->LinkWorkItem, MpLinkWorkItem, Adapter);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MpShutdownEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    /* No hardware to quiesce; must not free resources here. */
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
    switch (NetDevicePnPEvent->DevicePnPEvent) {
    case NdisDevicePnPEventSurpriseRemoved:
        KdPrint(("LoopNic: surprise removal\n"));
        break;
    default:
        break;
    }
}

/* -------------------------------------------------------------------------- */

VOID
MpIndicateLinkState(
    PLOOPNIC_ADAPTER Adapter,
    NDIS_MEDIA_CONNECT_STATE ConnectState)
{
    NDIS_LINK_STATE LinkState;
    NDIS_STATUS_INDICATION StatusIndication;

    NdisZeroMemory(&LinkState, sizeof(LinkState));
    LinkState.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    LinkState.Header.Revision = NDIS_LINK_STATE_REVISION_1;
    LinkState.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
    LinkState.MediaConnectState = ConnectState;
    LinkState.MediaDuplexState = MediaDuplexStateFull;
    LinkState.XmitLinkSpeed = LinkState.RcvLinkSpeed =
        (ConnectState == MediaConnectStateConnected) ? LOOPNIC_LINK_SPEED : NDIS_LINK_SPEED_UNKNOWN;
    LinkState.PauseFunctions = NdisPauseFunctionsUnsupported;

    NdisZeroMemory(&StatusIndication, sizeof(StatusIndication));
    StatusIndication.Header.Type = NDIS_OBJECT_TYPE_STATUS_INDICATION;
    StatusIndication.Header.Revision = NDIS_STATUS_INDICATION_REVISION_1;
    StatusIndication.Header.Size = NDIS_SIZEOF_STATUS_INDICATION_REVISION_1;
    StatusIndication.SourceHandle = Adapter->AdapterHandle;
    StatusIndication.PortNumber = NDIS_DEFAULT_PORT_NUMBER;
    StatusIndication.StatusCode = NDIS_STATUS_LINK_STATE;
    StatusIndication.StatusBuffer = &LinkState;
    StatusIndication.StatusBufferSize = sizeof(LinkState);

    NdisMIndicateStatusEx(Adapter->AdapterHandle, &StatusIndication);
}

_Use_decl_annotations_
VOID
MpLinkWorkItem(
    PVOID WorkItemContext,
    NDIS_HANDLE NdisIoWorkItemHandle)
{
    UNREFERENCED_PARAMETER(NdisIoWorkItemHandle);
    MpIndicateLinkState((PLOOPNIC_ADAPTER)WorkItemContext, MediaConnectStateConnected);
}

_Use_decl_annotations_
VOID
MpWatchdogTimer(
    PVOID SystemSpecific1,
    PVOID FunctionContext,
    PVOID SystemSpecific2,
    PVOID SystemSpecific3)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)FunctionContext;
    LARGE_INTEGER Ticks;

    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);

    KeQueryTickCount(&Ticks);
    NdisDprAcquireSpinLock(&Adapter->Lock);
    KdPrint(("LoopNic: watchdog tick %lu, tx %llu rx %llu\n",
             Ticks.LowPart, Adapter->FramesTx, Adapter->FramesRx));
    NdisDprReleaseSpinLock(&Adapter->Lock);
}
