/*
 * LabNic - adapter lifecycle: initialize, halt, pause, restart, shutdown,
 * device PnP notifications, check for hang and reset, the watchdog and
 * storm timers, link-state indications.
 *
 * MiniportInitializeEx, in order (every step's failure releases what the
 * earlier steps got, newest first, logs with NdisWriteErrorLogEntry and
 * returns the status):
 *    1. adapter context                 NdisAllocateMemoryWithTagPriority
 *    2. configuration                   keywords with defaults and limits, NdisReadNetworkAddress
 *    3. REGISTRATION attributes         HARDWARE_DEVICE | BUS_MASTER, CheckForHang, PCI
 *    4. software resources              NBL pool, ring bookkeeping, spin locks,
 *                                       watchdog + storm timers, reset work item
 *    5. PCI configuration               vendor/device id, bus mastering on (NdisMSetBusData)
 *    6. registers                       BAR 0 mapped (NdisMMapIoSpace), BAR 1 ports registered
 *    7. device reset                    CTRL.RST, polled up to LN_RESET_TIMEOUT_MS
 *    8. EEPROM                          MAC address, checksum 0xBABA; PHY id (MDIC)
 *    9. GENERAL attributes              they carry the MAC and link state, so they
 *                                       come once the EEPROM and STATUS have been read
 *   10. scatter/gather DMA              before any shared memory
 *   11. shared memory                   rx ring, tx ring, rx buffers, tx buffers
 *   12. receive NBLs                    one MDL + NBL per receive buffer
 *   13. device programming              rings, RCTL, TCTL, CTRL.SLU
 *   14. interrupt, LAST                 NdisMRegisterInterruptEx (the ISR may run inside it)
 *   15. go                              unmask (IMS), arm the watchdog
 * MiniportHaltEx releases the same resources in the reverse order (LnFreeAdapter).
 */
#include "driver.h"

/* ==== Small helpers ============================================================ */

_Use_decl_annotations_
VOID
LnWriteErrorLog(
    PLN_ADAPTER Adapter,
    NDIS_ERROR_CODE Code,
    ULONG What,
    ULONG Detail)
{
    NdisWriteErrorLogEntry(Adapter->AdapterHandle, Code, 2, What, Detail);
}

/* State changes take all three locks, in the one order used everywhere. */
static VOID
LnLockAll(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch)
{
    LN_LOCK(&Adapter->Lock, AtDispatch);
    NdisDprAcquireSpinLock(&Adapter->TxLock);
    NdisDprAcquireSpinLock(&Adapter->RxLock);
}

static VOID
LnUnlockAll(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch)
{
    NdisDprReleaseSpinLock(&Adapter->RxLock);
    NdisDprReleaseSpinLock(&Adapter->TxLock);
    LN_UNLOCK(&Adapter->Lock, AtDispatch);
}

static BOOLEAN
LnIsUsableUnicast(_In_reads_bytes_(LN_MAC_LENGTH) const UCHAR *Mac)
{
    ULONG i;

    if (Mac[0] & 0x01) {
        return FALSE;                       /* multicast/broadcast */
    }
    for (i = 0; i < LN_MAC_LENGTH; i++) {
        if (Mac[i] != 0) {
            return TRUE;
        }
    }
    return FALSE;                           /* all zeroes */
}

/* Tell NDIS about the link, once per change (MediaConnectState + speed + duplex). */
_Use_decl_annotations_
VOID
LnIndicateLinkState(
    PLN_ADAPTER Adapter,
    BOOLEAN Up,
    BOOLEAN AtDispatch)
{
    NDIS_LINK_STATE LinkState;
    NDIS_STATUS_INDICATION Indication;
    LN_LINK Want = Up ? LnLinkUp : LnLinkDown;
    BOOLEAN Changed;

    LN_LOCK(&Adapter->Lock, AtDispatch);
    Changed = Adapter->IndicatedLink != Want;
    Adapter->IndicatedLink = Want;
    LN_UNLOCK(&Adapter->Lock, AtDispatch);
    if (!Changed) {
        return;
    }

    NdisZeroMemory(&LinkState, sizeof(LinkState));
    LinkState.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    LinkState.Header.Revision = NDIS_LINK_STATE_REVISION_1;
    LinkState.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
    LinkState.MediaConnectState = Up ? MediaConnectStateConnected : MediaConnectStateDisconnected;
    LinkState.MediaDuplexState = Up ? MediaDuplexStateFull : MediaDuplexStateUnknown;
    LinkState.XmitLinkSpeed = Up ? LN_LINK_SPEED : NDIS_LINK_SPEED_UNKNOWN;
    LinkState.RcvLinkSpeed = Up ? LN_LINK_SPEED : NDIS_LINK_SPEED_UNKNOWN;
    LinkState.PauseFunctions = NdisPauseFunctionsUnsupported;
    LinkState.AutoNegotiationFlags = NDIS_LINK_STATE_XMIT_LINK_SPEED_AUTO_NEGOTIATED |
                                     NDIS_LINK_STATE_RCV_LINK_SPEED_AUTO_NEGOTIATED |
                                     NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;

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
    LN_PRINT(DPFLTR_INFO_LEVEL, "link %s\n", Up ? "up, 1000 Mb/s full duplex" : "down");
}

/*
 * A pending pause completes once the data path is quiet: no send queued or on
 * the ring, every indicated receive back, no received frame left in the ring.
 * Called (with no lock held) from every path that can make that true.
 */
_Use_decl_annotations_
VOID
LnTryCompletePause(
    PLN_ADAPTER Adapter,
    BOOLEAN AtDispatch)
{
    BOOLEAN Complete = FALSE;

    /* Cheap test first: this runs after every DPC and every return. The
       pause path re-checks under the locks after setting PausePending, so a
       stale read here cannot lose the completion. */
    if (Adapter->State != LnStatePausing) {
        return;
    }
    LnLockAll(Adapter, AtDispatch);
    if (Adapter->State == LnStatePausing && Adapter->PausePending &&
        Adapter->TxInUse == 0 && Adapter->TxQueueHead == NULL &&
        Adapter->RxIndicated == 0 && !LnRxWorkPendingLocked(Adapter)) {
        Adapter->State = LnStatePaused;
        Adapter->PausePending = FALSE;
        Complete = TRUE;
    }
    LnUnlockAll(Adapter, AtDispatch);

    if (Complete) {
        LN_PRINT(DPFLTR_INFO_LEVEL, "data path quiet: NdisMPauseComplete\n");
        NdisMPauseComplete(Adapter->AdapterHandle);
    }
}

/*
 * The device is gone (STATUS/ICR read all ones, or PnP said so): never touch
 * it again. Sends on the ring will never complete: fail them; tell NDIS the
 * medium is disconnected, once. Received frames already in the ring are in
 * our memory and still go up (the DPC takes them).
 */
_Use_decl_annotations_
VOID
LnOnSurpriseRemoval(
    PLN_ADAPTER Adapter,
    BOOLEAN AtDispatch)
{
    if (!Adapter->Removed || InterlockedExchange(&Adapter->RemovalHandled, 1) != 0) {
        return;
    }
    LN_PRINT(DPFLTR_WARNING_LEVEL, "device surprise-removed: the hardware is no longer touched\n");
    LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_ADAPTER_DISABLED, LN_ERRLOG_RUNTIME_REMOVED, 0);
    LnTxAbortInFlight(Adapter, NDIS_STATUS_ADAPTER_REMOVED, AtDispatch);
    LnOidAbortPhyQuery(Adapter, NDIS_STATUS_ADAPTER_REMOVED, AtDispatch);
    LnIndicateLinkState(Adapter, FALSE, AtDispatch);
}

/* ==== Initialization steps ========================================================= */

/* Step 2: registry keywords. A missing keyword is normal: keep the default. */
static ULONG
LnReadInteger(_In_ NDIS_HANDLE ConfigHandle, _In_ PNDIS_STRING Keyword,
              _In_ ULONG Default, _In_ ULONG Minimum, _In_ ULONG Maximum)
{
    NDIS_STATUS Status;
    PNDIS_CONFIGURATION_PARAMETER Parameter = NULL;
    ULONG Value = Default;

    NdisReadConfiguration(&Status, &Parameter, ConfigHandle, Keyword, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS && Parameter != NULL &&
        (Parameter->ParameterType == NdisParameterInteger ||
         Parameter->ParameterType == NdisParameterHexInteger)) {
        Value = Parameter->ParameterData.IntegerData;
        if (Value < Minimum) {
            Value = Minimum;
        } else if (Value > Maximum) {
            Value = Maximum;
        }
    }
    return Value;
}

static NDIS_STATUS
LnReadConfiguration(_Inout_ PLN_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    NDIS_CONFIGURATION_OBJECT ConfigObject;
    NDIS_HANDLE ConfigHandle = NULL;
    NDIS_STRING ReceiveBuffers = NDIS_STRING_CONST("ReceiveBuffers");
    NDIS_STRING TransmitBuffers = NDIS_STRING_CONST("TransmitBuffers");
    NDIS_STRING MsiSupported = NDIS_STRING_CONST("MSISupported");
    PVOID NetworkAddress = NULL;
    UINT NetworkAddressLength = 0;

    NdisZeroMemory(&ConfigObject, sizeof(ConfigObject));
    ConfigObject.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    ConfigObject.Header.Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;
    ConfigObject.NdisHandle = Adapter->AdapterHandle;
    ConfigObject.Flags = 0;

    Status = NdisOpenConfigurationEx(&ConfigObject, &ConfigHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisOpenConfigurationEx failed: 0x%08x\n", Status);
        return Status;
    }

    /* Ring sizes are multiples of 8 descriptors (xDLEN is a multiple of 128 bytes). */
    Adapter->RxDescCount = LnReadInteger(ConfigHandle, &ReceiveBuffers, LN_RX_DESC_DEFAULT,
                                         LN_RX_DESC_MIN, LN_RX_DESC_MAX) & ~7u;
    Adapter->RxBufferCount = 2 * Adapter->RxDescCount;
    Adapter->TxDescCount = LnReadInteger(ConfigHandle, &TransmitBuffers, LN_TX_DESC_DEFAULT,
                                         LN_TX_DESC_MIN, LN_TX_DESC_MAX) & ~7u;
    Adapter->MsiRequested = LnReadInteger(ConfigHandle, &MsiSupported, LN_MSI_DEFAULT, 0, 1) != 0;

    /* "NetworkAddress" override. The buffer belongs to the configuration
       handle: copy it before NdisCloseConfiguration. */
    NdisReadNetworkAddress(&Status, &NetworkAddress, &NetworkAddressLength, ConfigHandle);
    if (Status == NDIS_STATUS_SUCCESS && NetworkAddress != NULL &&
        NetworkAddressLength == LN_MAC_LENGTH &&
        LnIsUsableUnicast((const UCHAR *)NetworkAddress)) {
        NdisMoveMemory(Adapter->ConfiguredAddress, NetworkAddress, LN_MAC_LENGTH);
        NdisMoveMemory(Adapter->CurrentAddress, NetworkAddress, LN_MAC_LENGTH);
        Adapter->AddressOverridden = TRUE;
    }

    NdisCloseConfiguration(ConfigHandle);

    LN_PRINT(DPFLTR_INFO_LEVEL, "ReceiveBuffers=%u TransmitBuffers=%u MSISupported=%u\n",
             Adapter->RxDescCount, Adapter->TxDescCount, Adapter->MsiRequested ? 1u : 0u);
    return NDIS_STATUS_SUCCESS;
}

/* Step 3: who we are to NDIS. Must come before any hardware is claimed. */
static NDIS_STATUS
LnSetRegistrationAttributes(_In_ PLN_ADAPTER Adapter)
{
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES Attributes;
    PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES Reg = &Attributes.RegistrationAttributes;

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Reg->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
    Reg->Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;
    Reg->MiniportAdapterContext = Adapter;
    Reg->AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE |
                          NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER;
    /* Initialization takes a few ms; 2 s is well above it (INIT-CFH-WINDOW). */
    Reg->CheckForHangTimeInSeconds = LN_CHECK_FOR_HANG_SECONDS;
    Reg->InterfaceType = NdisInterfacePci;
    return NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
}

/* Step 9: what the adapter is, now that the MAC and the link state are known. */
static NDIS_STATUS
LnSetGeneralAttributes(_In_ PLN_ADAPTER Adapter)
{
    NDIS_MINIPORT_ADAPTER_ATTRIBUTES Attributes;
    PNDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES Gen = &Attributes.GeneralAttributes;
    BOOLEAN Gone;
    BOOLEAN Up = LnHwReadLinkUp(Adapter, &Gone);

    if (Gone) {
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    Adapter->LinkUp = Up;
    Adapter->IndicatedLink = Up ? LnLinkUp : LnLinkDown;   /* NDIS learns it here */

    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Gen->Header.Type = NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
    Gen->Header.Revision = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Header.Size = NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2;
    Gen->Flags = 0;
    Gen->MediaType = NdisMedium802_3;
    Gen->PhysicalMediumType = NdisPhysicalMedium802_3;
    Gen->MtuSize = LN_MTU;
    Gen->MaxXmitLinkSpeed = LN_LINK_SPEED;
    Gen->MaxRcvLinkSpeed = LN_LINK_SPEED;
    Gen->XmitLinkSpeed = Up ? LN_LINK_SPEED : NDIS_LINK_SPEED_UNKNOWN;
    Gen->RcvLinkSpeed = Up ? LN_LINK_SPEED : NDIS_LINK_SPEED_UNKNOWN;
    Gen->MediaConnectState = Up ? MediaConnectStateConnected : MediaConnectStateDisconnected;
    Gen->MediaDuplexState = Up ? MediaDuplexStateFull : MediaDuplexStateUnknown;
    Gen->LookaheadSize = LN_MTU;
    Gen->PowerManagementCapabilities = NULL;    /* no wake-up support */
    Gen->PowerManagementCapabilitiesEx = NULL;
    Gen->MacOptions = LN_MAC_OPTIONS;
    Gen->SupportedPacketFilters = LN_SUPPORTED_FILTERS;
    Gen->MaxMulticastListSize = LN_MAX_MCAST_LIST;
    Gen->MacAddressLength = LN_MAC_LENGTH;
    NdisMoveMemory(Gen->PermanentMacAddress, Adapter->PermanentAddress, LN_MAC_LENGTH);
    NdisMoveMemory(Gen->CurrentMacAddress, Adapter->CurrentAddress, LN_MAC_LENGTH);
    Gen->RecvScaleCapabilities = NULL;
    Gen->AccessType = NET_IF_ACCESS_BROADCAST;
    Gen->DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    Gen->ConnectionType = NET_IF_CONNECTION_DEDICATED;
    Gen->IfType = IF_TYPE_ETHERNET_CSMACD;
    Gen->IfConnectorPresent = TRUE;             /* a real port with a cable */
    Gen->SupportedStatistics = LN_SUPPORTED_STATISTICS;
    Gen->SupportedPauseFunctions = NdisPauseFunctionsUnsupported;
    Gen->DataBackFillSize = 0;
    Gen->ContextBackFillSize = 0;
    Gen->SupportedOidList = LnSupportedOids;
    Gen->SupportedOidListLength = LnSupportedOidsSize;
    Gen->AutoNegotiationFlags = NDIS_LINK_STATE_XMIT_LINK_SPEED_AUTO_NEGOTIATED |
                                NDIS_LINK_STATE_RCV_LINK_SPEED_AUTO_NEGOTIATED |
                                NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;
    return NdisMSetMiniportAttributes(Adapter->AdapterHandle, &Attributes);
}

/* Step 4: everything that is not hardware. */
static NDIS_STATUS
LnAllocateSoftware(_Inout_ PLN_ADAPTER Adapter)
{
    NET_BUFFER_LIST_POOL_PARAMETERS PoolParameters;
    NDIS_TIMER_CHARACTERISTICS TimerChars;
    NDIS_STATUS Status;

    /* NBL pool (one NET_BUFFER per NBL) for the receive buffers. */
    NdisZeroMemory(&PoolParameters, sizeof(PoolParameters));
    PoolParameters.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    PoolParameters.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    PoolParameters.fAllocateNetBuffer = TRUE;
    PoolParameters.ContextSize = 0;
    PoolParameters.PoolTag = LN_TAG_NBL_POOL;
    PoolParameters.DataSize = 0;
    Adapter->NblPool = NdisAllocateNetBufferListPool(Adapter->AdapterHandle, &PoolParameters);
    if (Adapter->NblPool == NULL) {
        return NDIS_STATUS_RESOURCES;
    }

    /* Ring bookkeeping: receive buffers, the buffer at each rx descriptor, tx slots. */
    Adapter->RxBuffersSize = Adapter->RxBufferCount * sizeof(LN_RX_BUFFER);
    Adapter->RxBuffers = NdisAllocateMemoryWithTagPriority(
        Adapter->AdapterHandle, Adapter->RxBuffersSize, LN_TAG_RING_STATE, NormalPoolPriority);
    if (Adapter->RxBuffers == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter->RxBuffers, Adapter->RxBuffersSize);
    Adapter->RxSlotsSize = Adapter->RxDescCount * sizeof(PLN_RX_BUFFER);
    Adapter->RxSlots = NdisAllocateMemoryWithTagPriority(
        Adapter->AdapterHandle, Adapter->RxSlotsSize, LN_TAG_RING_STATE, NormalPoolPriority);
    if (Adapter->RxSlots == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter->RxSlots, Adapter->RxSlotsSize);
    Adapter->TxSlotsSize = Adapter->TxDescCount * sizeof(LN_TX_SLOT);
    Adapter->TxSlots = NdisAllocateMemoryWithTagPriority(
        Adapter->AdapterHandle, Adapter->TxSlotsSize, LN_TAG_RING_STATE, NormalPoolPriority);
    if (Adapter->TxSlots == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter->TxSlots, Adapter->TxSlotsSize);

    /* Spin locks (cannot fail). */
    NdisAllocateSpinLock(&Adapter->Lock);
    NdisAllocateSpinLock(&Adapter->TxLock);
    NdisAllocateSpinLock(&Adapter->RxLock);
    Adapter->LocksAllocated = TRUE;

    /* Timers: the watchdog (armed at the end of init) and the storm re-enable. */
    NdisZeroMemory(&TimerChars, sizeof(TimerChars));
    TimerChars.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    TimerChars.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    TimerChars.AllocationTag = LN_TAG_TIMER;
    TimerChars.TimerFunction = LnWatchdogTimer;
    TimerChars.FunctionContext = Adapter;
    Status = NdisAllocateTimerObject(Adapter->AdapterHandle, &TimerChars, &Adapter->WatchdogTimer);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->WatchdogTimer = NULL;
        return Status;
    }
    TimerChars.TimerFunction = LnStormTimer;
    Status = NdisAllocateTimerObject(Adapter->AdapterHandle, &TimerChars, &Adapter->StormTimer);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->StormTimer = NULL;
        return Status;
    }

    /* Work item: MiniportResetEx runs at DISPATCH_LEVEL, the reset polls at PASSIVE_LEVEL. */
    Adapter->ResetWorkItem = NdisAllocateIoWorkItem(Adapter->AdapterHandle);
    if (Adapter->ResetWorkItem == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    return NDIS_STATUS_SUCCESS;
}

/* Step 6: find BAR 0 (memory) and BAR 1 (ports) in the resources PnP assigned. */
static NDIS_STATUS
LnMapRegisters(_Inout_ PLN_ADAPTER Adapter, _In_ PNDIS_MINIPORT_INIT_PARAMETERS InitParameters)
{
    PNDIS_RESOURCE_LIST Resources = InitParameters->AllocatedResources;
    BOOLEAN HaveMemory = FALSE, HavePorts = FALSE;
    NDIS_STATUS Status;
    ULONG i;

    if (Resources == NULL) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "no resources assigned\n");
        return NDIS_STATUS_RESOURCE_CONFLICT;
    }
    for (i = 0; i < Resources->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR Descriptor = &Resources->PartialDescriptors[i];

        switch (Descriptor->Type) {
        case CmResourceTypeMemory:
            if (!HaveMemory && Descriptor->u.Memory.Length >= LN_REGISTER_SPACE_MIN) {
                Adapter->RegPhysical = Descriptor->u.Memory.Start;
                Adapter->RegLength = Descriptor->u.Memory.Length;
                HaveMemory = TRUE;
            }
            break;
        case CmResourceTypePort:
            if (!HavePorts && Descriptor->u.Port.Length >= LN_IO_PORT_COUNT) {
                Adapter->IoPortStart = Descriptor->u.Port.Start.LowPart;
                Adapter->IoPortCount = Descriptor->u.Port.Length;
                HavePorts = TRUE;
            }
            break;
        case CmResourceTypeInterrupt:
            LN_PRINT(DPFLTR_INFO_LEVEL, "interrupt resource: %s, vector 0x%x\n",
                     (Descriptor->Flags & CM_RESOURCE_INTERRUPT_MESSAGE) ? "message-signalled" : "line-based",
                     Descriptor->u.Interrupt.Vector);
            break;
        default:
            break;
        }
    }
    if (!HaveMemory || !HavePorts) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "missing resources: memory %u, ports %u\n",
                 HaveMemory ? 1u : 0u, HavePorts ? 1u : 0u);
        return NDIS_STATUS_RESOURCE_CONFLICT;
    }

    Status = NdisMMapIoSpace((PVOID *)&Adapter->Regs, Adapter->AdapterHandle,
                             Adapter->RegPhysical, Adapter->RegLength);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->Regs = NULL;
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMMapIoSpace failed: 0x%08x\n", Status);
        return Status;
    }
    Status = NdisMRegisterIoPortRange((PVOID *)&Adapter->IoPorts, Adapter->AdapterHandle,
                                      Adapter->IoPortStart, Adapter->IoPortCount);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->IoPorts = NULL;
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMRegisterIoPortRange failed: 0x%08x\n", Status);
        return Status;
    }
    return NDIS_STATUS_SUCCESS;
}

static BOOLEAN
LnAllocateShared(_In_ PLN_ADAPTER Adapter, _Out_ PLN_SHARED Shared, _In_ ULONG Length)
{
    Shared->Length = Length;
    Shared->Va = NULL;
    Shared->Pa.QuadPart = 0;
    NdisMAllocateSharedMemory(Adapter->AdapterHandle, Length, TRUE, &Shared->Va, &Shared->Pa);
    if (Shared->Va == NULL) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMAllocateSharedMemory(%u) failed\n", Length);
        return FALSE;
    }
    NdisZeroMemory(Shared->Va, Length);
    return TRUE;
}

static VOID
LnFreeShared(_In_ PLN_ADAPTER Adapter, _Inout_ PLN_SHARED Shared)
{
    if (Shared->Va != NULL) {
        NdisMFreeSharedMemory(Adapter->AdapterHandle, Shared->Length, TRUE, Shared->Va, Shared->Pa);
        Shared->Va = NULL;
    }
}

/* Steps 10-12: DMA, shared memory, the receive buffers' MDLs and NBLs. */
static NDIS_STATUS
LnAllocateDma(_Inout_ PLN_ADAPTER Adapter)
{
    NDIS_SG_DMA_DESCRIPTION Dma;
    NDIS_STATUS Status;
    ULONG i;

    NdisZeroMemory(&Dma, sizeof(Dma));
    Dma.Header.Type = NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION;
    Dma.Header.Revision = NDIS_SG_DMA_DESCRIPTION_REVISION_1;
    Dma.Header.Size = NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1;
    Dma.Flags = NDIS_SG_DMA_64_BIT_ADDRESS;            /* xDBAH: 64-bit bus addresses */
    Dma.MaximumPhysicalMapping = LN_MAX_FRAME_SIZE;
    Dma.ProcessSGListHandler = LnProcessSgList;
    Dma.SharedMemAllocateCompleteHandler = NULL;       /* synchronous allocations only */
    Status = NdisMRegisterScatterGatherDma(Adapter->AdapterHandle, &Dma, &Adapter->DmaHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->DmaHandle = NULL;
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMRegisterScatterGatherDma failed: 0x%08x\n", Status);
        return Status;
    }

    /* Shared memory is page-aligned: rings are 16-byte aligned, buffers never cross 2 KB. */
    if (!LnAllocateShared(Adapter, &Adapter->RxRing, Adapter->RxDescCount * sizeof(LN_RX_DESC)) ||
        !LnAllocateShared(Adapter, &Adapter->TxRing, Adapter->TxDescCount * sizeof(LN_TX_DESC)) ||
        !LnAllocateShared(Adapter, &Adapter->RxMemory, Adapter->RxBufferCount * LN_BUFFER_SIZE) ||
        !LnAllocateShared(Adapter, &Adapter->TxMemory, Adapter->TxDescCount * LN_BUFFER_SIZE)) {
        return NDIS_STATUS_RESOURCES;
    }
    Adapter->RxDesc = (PLN_RX_DESC)Adapter->RxRing.Va;
    Adapter->TxDesc = (PLN_TX_DESC)Adapter->TxRing.Va;

    for (i = 0; i < Adapter->TxDescCount; i++) {
        Adapter->TxSlots[i].Va = (PUCHAR)Adapter->TxMemory.Va + i * LN_BUFFER_SIZE;
        Adapter->TxSlots[i].Pa = (ULONG64)Adapter->TxMemory.Pa.QuadPart + i * LN_BUFFER_SIZE;
        Adapter->TxSlots[i].Nbl = NULL;
    }

    /* One MDL (over the shared memory) and one NBL per receive buffer, reused forever. */
    for (i = 0; i < Adapter->RxBufferCount; i++) {
        PLN_RX_BUFFER Buffer = &Adapter->RxBuffers[i];

        Buffer->Va = (PUCHAR)Adapter->RxMemory.Va + i * LN_BUFFER_SIZE;
        Buffer->Pa = (ULONG64)Adapter->RxMemory.Pa.QuadPart + i * LN_BUFFER_SIZE;
        Buffer->Mdl = NdisAllocateMdl(Adapter->AdapterHandle, Buffer->Va, LN_BUFFER_SIZE);
        if (Buffer->Mdl == NULL) {
            return NDIS_STATUS_RESOURCES;
        }
        Buffer->Nbl = NdisAllocateNetBufferAndNetBufferList(Adapter->NblPool, 0, 0,
                                                            Buffer->Mdl, 0, LN_BUFFER_SIZE);
        if (Buffer->Nbl == NULL) {
            NdisFreeMdl(Buffer->Mdl);
            Buffer->Mdl = NULL;
            return NDIS_STATUS_RESOURCES;
        }
        Buffer->Nbl->SourceHandle = Adapter->AdapterHandle;   /* required for indications */
        NET_BUFFER_LIST_MINIPORT_RESERVED(Buffer->Nbl)[0] = Buffer;
        Adapter->RxBuffersBuilt++;

        Buffer->Next = Adapter->RxFree;
        Adapter->RxFree = Buffer;
        Adapter->RxFreeCount++;
    }
    return NDIS_STATUS_SUCCESS;
}

/* Step 14: the interrupt, last. MSI when the registry allows it; NDIS decides. */
static NDIS_STATUS
LnRegisterInterrupt(_Inout_ PLN_ADAPTER Adapter)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    Chars.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    Chars.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
    Chars.InterruptHandler = LnIsr;
    Chars.InterruptDpcHandler = LnInterruptDpc;
    Chars.DisableInterruptHandler = LnDisableInterrupt;
    Chars.EnableInterruptHandler = LnEnableInterrupt;
    if (Adapter->MsiRequested) {
        Chars.MsiSupported = TRUE;
        Chars.MsiSyncWithAllMessages = TRUE;
        Chars.MessageInterruptHandler = LnMessageIsr;
        Chars.MessageInterruptDpcHandler = LnMessageInterruptDpc;
        Chars.DisableMessageInterruptHandler = LnDisableMessageInterrupt;
        Chars.EnableMessageInterruptHandler = LnEnableMessageInterrupt;
    }

    Status = NdisMRegisterInterruptEx(Adapter->AdapterHandle, Adapter, &Chars,
                                      &Adapter->InterruptHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapter->InterruptHandle = NULL;
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMRegisterInterruptEx failed: 0x%08x\n", Status);
        return Status;
    }
    /* Asking for MSI is not getting it: NDIS may grant a line-based interrupt.
       Both kinds of handlers do the same work, so either one is fine. */
    Adapter->InterruptType = Chars.InterruptType;
    LN_PRINT(DPFLTR_INFO_LEVEL, "interrupt connected: %s%s\n",
             Chars.InterruptType == NDIS_CONNECT_MESSAGE_BASED ? "message-signalled (MSI)" : "line-based",
             Adapter->MsiRequested && Chars.InterruptType != NDIS_CONNECT_MESSAGE_BASED
                 ? " (MSI was asked for)" : "");
    return NDIS_STATUS_SUCCESS;
}

/*
 * Undo initialization and free the context, newest resource first.
 * PASSIVE_LEVEL: the failure path of MiniportInitializeEx, and MiniportHaltEx.
 */
static VOID
LnFreeAdapter(_In_ __drv_freesMem(Mem) PLN_ADAPTER Adapter)
{
    ULONG i;

    /* A reset work item in flight owns the hardware: let it finish. */
    if (Adapter->ResetWorkItem != NULL) {
        (VOID)NdisWaitEvent(&Adapter->ResetIdle, 0);
    }

    /* Timers first: the watchdog synchronizes with the interrupt, so it must
       be stopped (and a callback in flight finished) before the interrupt goes.
       The watchdog is periodic: cancelled at PASSIVE_LEVEL, as here. */
    InterlockedExchange(&Adapter->TimersStopping, 1);
    if (Adapter->WatchdogTimer != NULL && !NdisCancelTimerObject(Adapter->WatchdogTimer)) {
        KeFlushQueuedDpcs();
    }
    if (Adapter->StormTimer != NULL && !NdisCancelTimerObject(Adapter->StormTimer)) {
        KeFlushQueuedDpcs();
    }

    /* 14. Interrupt: mask on the NIC, then disconnect (waits for a DPC in flight). */
    if (Adapter->InterruptHandle != NULL) {
        (VOID)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, LnSyncMaskAll, Adapter);
        NdisMDeregisterInterruptEx(Adapter->InterruptHandle);
        Adapter->InterruptHandle = NULL;
    }

    /* 13. The device must stop all DMA before its memory goes (unless it is gone). */
    if (Adapter->HwProgrammed) {
        LnHwStop(Adapter);
        Adapter->HwProgrammed = FALSE;
    }

    /* 12. Receive NBLs and MDLs (all back: halt and failed init come after pause / before restart). */
    for (i = Adapter->RxBuffersBuilt; i > 0; i--) {
        PLN_RX_BUFFER Buffer = &Adapter->RxBuffers[i - 1];
        NdisFreeNetBufferList(Buffer->Nbl);
        NdisFreeMdl(Buffer->Mdl);
    }
    Adapter->RxBuffersBuilt = 0;

    /* 11. Shared memory, then 10. its DMA registration. */
    LnFreeShared(Adapter, &Adapter->TxMemory);
    LnFreeShared(Adapter, &Adapter->RxMemory);
    LnFreeShared(Adapter, &Adapter->TxRing);
    LnFreeShared(Adapter, &Adapter->RxRing);
    if (Adapter->DmaHandle != NULL) {
        NdisMDeregisterScatterGatherDma(Adapter->DmaHandle);
        Adapter->DmaHandle = NULL;
    }

    /* 6. Registers; 5. bus mastering off (through config space, after the last DMA). */
    LnHwDisableBusMaster(Adapter);
    if (Adapter->IoPorts != NULL) {
        NdisMDeregisterIoPortRange(Adapter->AdapterHandle, Adapter->IoPortStart,
                                   Adapter->IoPortCount, Adapter->IoPorts);
        Adapter->IoPorts = NULL;
    }
    if (Adapter->Regs != NULL) {
        NdisMUnmapIoSpace(Adapter->AdapterHandle, (PVOID)Adapter->Regs, Adapter->RegLength);
        Adapter->Regs = NULL;
    }

    /* 4. Software resources, newest first. */
    if (Adapter->ResetWorkItem != NULL) {
        NdisFreeIoWorkItem(Adapter->ResetWorkItem);
        Adapter->ResetWorkItem = NULL;
    }
    if (Adapter->StormTimer != NULL) {
        NdisFreeTimerObject(Adapter->StormTimer);
        Adapter->StormTimer = NULL;
    }
    if (Adapter->WatchdogTimer != NULL) {
        NdisFreeTimerObject(Adapter->WatchdogTimer);
        Adapter->WatchdogTimer = NULL;
    }
    if (Adapter->LocksAllocated) {
        NdisFreeSpinLock(&Adapter->RxLock);
        NdisFreeSpinLock(&Adapter->TxLock);
        NdisFreeSpinLock(&Adapter->Lock);
        Adapter->LocksAllocated = FALSE;
    }
    if (Adapter->TxSlots != NULL) {
        NdisFreeMemory(Adapter->TxSlots, Adapter->TxSlotsSize, 0);
        Adapter->TxSlots = NULL;
    }
    if (Adapter->RxSlots != NULL) {
        NdisFreeMemory(Adapter->RxSlots, Adapter->RxSlotsSize, 0);
        Adapter->RxSlots = NULL;
    }
    if (Adapter->RxBuffers != NULL) {
        NdisFreeMemory(Adapter->RxBuffers, Adapter->RxBuffersSize, 0);
        Adapter->RxBuffers = NULL;
    }
    if (Adapter->NblPool != NULL) {
        NdisFreeNetBufferListPool(Adapter->NblPool);
        Adapter->NblPool = NULL;
    }

    /* 1. The context. */
    NdisFreeMemory(Adapter, sizeof(LN_ADAPTER), 0);
}

/* ==== MiniportInitializeEx ========================================================= */

_Use_decl_annotations_
NDIS_STATUS
MpInitializeEx(
    NDIS_HANDLE NdisMiniportHandle,
    NDIS_HANDLE MiniportDriverContext,
    PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters)
{
    PLN_ADAPTER Adapter;
    NDIS_STATUS Status;
    NDIS_ERROR_CODE ErrorCode = NDIS_ERROR_CODE_DRIVER_FAILURE;
    ULONG FailedStep;
    LARGE_INTEGER Due;
    BOOLEAN Logged = FALSE;

    UNREFERENCED_PARAMETER(MiniportDriverContext);
    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportInitializeEx\n");

    /* 1. Adapter context. */
    Adapter = NdisAllocateMemoryWithTagPriority(NdisMiniportHandle, sizeof(LN_ADAPTER),
                                                LN_TAG_ADAPTER, NormalPoolPriority);
    if (Adapter == NULL) {
        NdisWriteErrorLogEntry(NdisMiniportHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES,
                               2, LN_ERRLOG_ALLOC_ADAPTER, NDIS_STATUS_RESOURCES);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(LN_ADAPTER));
    InitializeListHead(&Adapter->Link);
    Adapter->AdapterHandle = NdisMiniportHandle;
    Adapter->State = LnStatePaused;           /* a successful init leaves us Paused */
    Adapter->LookaheadSize = LN_MTU;
    Adapter->IndicatedLink = LnLinkUnknown;
    NdisInitializeEvent(&Adapter->ResetIdle);
    NdisSetEvent(&Adapter->ResetIdle);

    do {
        /* 2. Configuration. */
        FailedStep = LN_ERRLOG_CONFIGURATION;
        Status = LnReadConfiguration(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 3. Registration attributes, before any hardware is claimed. */
        FailedStep = LN_ERRLOG_ATTRIBUTES;
        Status = LnSetRegistrationAttributes(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 4. NBL pool, bookkeeping, locks, timers, work item. */
        FailedStep = LN_ERRLOG_SOFTWARE;
        ErrorCode = NDIS_ERROR_CODE_OUT_OF_RESOURCES;
        Status = LnAllocateSoftware(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 5. PCI: is it a LabNIC? Bus mastering on. */
        FailedStep = LN_ERRLOG_PCI;
        ErrorCode = NDIS_ERROR_CODE_ADAPTER_NOT_FOUND;
        Status = LnHwCheckPciAndEnableBusMaster(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 6. BAR 0 mapped, BAR 1 ports registered. */
        FailedStep = LN_ERRLOG_RESOURCES;
        ErrorCode = NDIS_ERROR_CODE_RESOURCE_CONFLICT;
        Status = LnMapRegisters(Adapter, MiniportInitParameters);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 7. Reset: from here on the device is in a known state. */
        FailedStep = LN_ERRLOG_RESET;
        ErrorCode = NDIS_ERROR_CODE_HARDWARE_FAILURE;
        Status = LnHwReset(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 8. EEPROM (MAC, checksum), then the PHY and the I/O window (informational). */
        FailedStep = LN_ERRLOG_EEPROM;
        Status = LnHwReadMacAddress(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            Logged = TRUE;                       /* logged with the failing word / sum */
            break;
        }
        LnHwCheckPhy(Adapter);
        LnHwCheckIoWindow(Adapter);

        /* 9. General attributes: MAC addresses and the link as STATUS reports it. */
        FailedStep = LN_ERRLOG_ATTRIBUTES;
        ErrorCode = NDIS_ERROR_CODE_DRIVER_FAILURE;
        Status = LnSetGeneralAttributes(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 10-12. Scatter/gather DMA, shared memory, receive NBLs. */
        FailedStep = LN_ERRLOG_DMA;
        ErrorCode = NDIS_ERROR_CODE_OUT_OF_RESOURCES;
        Status = LnAllocateDma(Adapter);
        if (Status != NDIS_STATUS_SUCCESS) {
            break;
        }

        /* 13. Program the device. Nothing can interrupt yet (IMS is 0 after the
           reset, no interrupt is connected), but take the data-path locks as
           every later caller does. */
        LnLockAll(Adapter, FALSE);
        LnRxInitializeRing(Adapter);
        Adapter->HwProgrammed = TRUE;
        LnHwProgram(Adapter, 0, 0);
        LnUnlockAll(Adapter, FALSE);

        /* 14. The interrupt, last: the ISR may run inside this call, and all it
           touches (registers, PendingCauses) is ready. */
        FailedStep = LN_ERRLOG_INTERRUPT;
        ErrorCode = NDIS_ERROR_CODE_INTERRUPT_CONNECT;
        Status = LnRegisterInterrupt(Adapter);
    } while (FALSE);

    if (Status != NDIS_STATUS_SUCCESS) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "MiniportInitializeEx failed at step %u: 0x%08x\n",
                 FailedStep, Status);
        if (!Logged) {
            LnWriteErrorLog(Adapter, ErrorCode, FailedStep, Status);
        }
        LnFreeAdapter(Adapter);
        return Status;
    }

    /* 15. Go: unmask, catch a link change that happened before the interrupt
       existed, and start the watchdog. */
    (VOID)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, LnSyncUnmask, Adapter);
    InterlockedOr(&Adapter->PendingCauses, LN_INT_LSC);
    LnQueueDpc(Adapter);
    Due.QuadPart = -(LONGLONG)LN_WATCHDOG_MS * 10000;
    (VOID)NdisSetTimerObject(Adapter->WatchdogTimer, Due, LN_WATCHDOG_MS, Adapter);

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    InsertTailList(&GlobalDriver.AdapterList, &Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    LN_PRINT(DPFLTR_INFO_LEVEL, "adapter %p ready (Paused), link %s\n", Adapter,
             Adapter->LinkUp ? "up" : "down (auto-negotiation takes 50 ms)");
    return NDIS_STATUS_SUCCESS;
}

/* ==== Halt, restart, pause, shutdown ================================================ */

_Use_decl_annotations_
VOID
MpHaltEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_HALT_ACTION HaltAction)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;

    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportHaltEx, action %d: %llu interrupts, %llu DPCs, "
             "%llu watchdog recoveries, %llu storms, %llu DMA errors\n",
             (int)HaltAction, Adapter->IsrCount, Adapter->DpcCount,
             Adapter->WatchdogRecoveries, Adapter->StormEpisodes, Adapter->DmaErrors);

    /* NDIS halts only a Paused adapter: no sends held, no receives outstanding. */
    ASSERT(Adapter->State == LnStatePaused);
    ASSERT(Adapter->RxIndicated == 0);

    if (HaltAction == NdisHaltDeviceSurpriseRemoved) {
        InterlockedExchange(&Adapter->Removed, 1);   /* MUST NOT touch the hardware */
    }

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Adapter->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    LnFreeAdapter(Adapter);
}

_Use_decl_annotations_
NDIS_STATUS
MpRestart(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(RestartParameters);
    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportRestart\n");

    /* Running: sends are accepted, the receiver is enabled (with a filter set). */
    LnLockAll(Adapter, FALSE);
    Adapter->State = LnStateRunning;
    LnHwProgramReceiveLocked(Adapter);
    LnUnlockAll(Adapter, FALSE);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MpPause(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;
    BOOLEAN TxStopped = FALSE;

    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause, reason 0x%x\n", PauseParameters->PauseReason);

    /* From now on new sends fail with NDIS_STATUS_PAUSED; the receiver stops
       taking frames (those already in the ring are still indicated). */
    LnLockAll(Adapter, FALSE);
    Adapter->State = LnStatePausing;
    LnHwProgramReceiveLocked(Adapter);
    LnUnlockAll(Adapter, FALSE);

    LnTxFlushQueue(Adapter, NDIS_STATUS_PAUSED, FALSE);

    /* A transmitter stopped by a DMA error (or a dead device) will not drain
       its ring: what it did not send fails now instead of holding the pause. */
    if (Adapter->Removed || Adapter->HwFailed) {
        TxStopped = TRUE;
    } else if (Adapter->NeedsReset && !Adapter->HwResetting) {
        ULONG Tctl = LN_READ(Adapter, LN_REG_TCTL);
        TxStopped = Tctl == LN_REG_GONE || (Tctl & LN_TCTL_EN) == 0;
    }
    if (TxStopped) {
        LnTxAbortInFlight(Adapter, NDIS_STATUS_REQUEST_ABORTED, FALSE);
    }

    LnLockAll(Adapter, FALSE);
    if (Adapter->TxInUse == 0 && Adapter->TxQueueHead == NULL &&
        Adapter->RxIndicated == 0 && !LnRxWorkPendingLocked(Adapter)) {
        Adapter->State = LnStatePaused;
        Status = NDIS_STATUS_SUCCESS;
    } else {
        Adapter->PausePending = TRUE;             /* completed by LnTryCompletePause */
        Status = NDIS_STATUS_PENDING;
    }
    LnUnlockAll(Adapter, FALSE);

    if (Status == NDIS_STATUS_PENDING) {
        /* Whatever is left is finished by the DPC and the return path; run the
           DPC once now in case its interrupt never comes. */
        LnQueueDpc(Adapter);
    }
    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportPause -> %s\n",
             Status == NDIS_STATUS_SUCCESS ? "SUCCESS" : "PENDING");
    return Status;
}

_Use_decl_annotations_
VOID
MpShutdownEx(
    NDIS_HANDLE MiniportAdapterContext,
    NDIS_SHUTDOWN_ACTION ShutdownAction)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;

    /* The system is going down (possibly at high IRQL for a bug check): only
       quiet the hardware through its registers. No NDIS calls, no waits, no
       frees, and nothing at all on a device that is gone. */
    UNREFERENCED_PARAMETER(ShutdownAction);
    if (Adapter->Removed || Adapter->Regs == NULL) {
        return;
    }
    LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);
    LN_WRITE(Adapter, LN_REG_RCTL, 0);
    LN_WRITE(Adapter, LN_REG_TCTL, 0);
}

_Use_decl_annotations_
VOID
MpDevicePnPEventNotify(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_DEVICE_PNP_EVENT NetDevicePnPEvent)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;

    switch (NetDevicePnPEvent->DevicePnPEvent) {
    case NdisDevicePnPEventSurpriseRemoved:
        /* NDIS pauses and halts us next; until then, nothing touches the device. */
        InterlockedExchange(&Adapter->Removed, 1);
        LnOnSurpriseRemoval(Adapter, FALSE);
        LnQueueDpc(Adapter);                       /* frames still in the ring go up */
        break;
    case NdisDevicePnPEventPowerProfileChanged:
        LN_PRINT(DPFLTR_INFO_LEVEL, "power profile changed\n");
        break;
    default:
        LN_PRINT(DPFLTR_INFO_LEVEL, "device PnP event %d\n", (int)NetDevicePnPEvent->DevicePnPEvent);
        break;
    }
}

/* ==== Check for hang and reset ======================================================= */

/*
 * Every CheckForHangTimeInSeconds at PASSIVE_LEVEL. TRUE makes NDIS call
 * MiniportResetEx: after a DMA error (an engine stopped), or when descriptors
 * have waited on the transmit ring for a whole period without progress.
 */
_Use_decl_annotations_
BOOLEAN
MpCheckForHangEx(
    NDIS_HANDLE MiniportAdapterContext)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    BOOLEAN Hung = FALSE;

    if (Adapter->Removed || Adapter->HwFailed || Adapter->HwResetting) {
        return FALSE;           /* nothing a reset could fix */
    }
    NdisAcquireSpinLock(&Adapter->TxLock);
    if (Adapter->TxInUse != 0 && Adapter->TxCleaned == Adapter->TxCleanedAtLastCheck) {
        Hung = TRUE;
        LN_PRINT(DPFLTR_WARNING_LEVEL, "transmit ring stalled (%u descriptors)\n", Adapter->TxInUse);
    }
    Adapter->TxCleanedAtLastCheck = Adapter->TxCleaned;
    NdisReleaseSpinLock(&Adapter->TxLock);

    return Hung || Adapter->NeedsReset != 0;
}

/* DISPATCH_LEVEL: a reset polls CTRL.RST with NdisMSleep, so it runs in a work item. */
_Use_decl_annotations_
NDIS_STATUS
MpResetEx(
    NDIS_HANDLE MiniportAdapterContext,
    PBOOLEAN AddressingReset)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;

    /* We restore the filter and the address ourselves. */
    *AddressingReset = FALSE;
    if (Adapter->Removed || Adapter->HwFailed) {
        return NDIS_STATUS_SUCCESS;             /* NDIS removes the adapter anyway */
    }
    LN_PRINT(DPFLTR_WARNING_LEVEL, "MiniportResetEx: resetting the device\n");
    NdisResetEvent(&Adapter->ResetIdle);
    NdisQueueIoWorkItem(Adapter->ResetWorkItem, LnResetWorkItem, Adapter);
    return NDIS_STATUS_PENDING;
}

/*
 * The reset proper, at PASSIVE_LEVEL: mask, CTRL.RST, and program the device
 * again with the rings as they are, so the device resumes at the first
 * descriptor it had not finished: no frame lost, none sent twice.
 */
_Use_decl_annotations_
VOID
LnResetWorkItem(
    PVOID WorkItemContext,
    NDIS_HANDLE NdisIoWorkItemHandle)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)WorkItemContext;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    ULONG RxHead, TxHead;

    UNREFERENCED_PARAMETER(NdisIoWorkItemHandle);

    if (!Adapter->Removed) {
        /* The DPC, the send and return paths and the watchdog keep off the device. */
        LnLockAll(Adapter, FALSE);
        InterlockedExchange(&Adapter->HwResetting, 1);
        LnUnlockAll(Adapter, FALSE);
        (VOID)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, LnSyncMaskAll, Adapter);
        /* CTRL.RST ends a PHY access in progress: its OID will not see MDAC. */
        LnOidAbortPhyQuery(Adapter, NDIS_STATUS_REQUEST_ABORTED, FALSE);

        Status = LnHwReset(Adapter);
        if (Status == NDIS_STATUS_SUCCESS) {
            LnLockAll(Adapter, FALSE);
            InterlockedExchange(&Adapter->HwResetting, 0);
            InterlockedExchange(&Adapter->NeedsReset, 0);
            RxHead = LnRxFirstUndoneLocked(Adapter);
            TxHead = LnTxFirstUndoneLocked(Adapter);
            LnHwProgram(Adapter, RxHead, TxHead);
            LnUnlockAll(Adapter, FALSE);

            (VOID)NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, LnSyncUnmask, Adapter);
            LnTxKick(Adapter, FALSE);
            /* The reset cleared ICR: look at the link again, take finished descriptors. */
            InterlockedOr(&Adapter->PendingCauses, LN_INT_LSC);
            LnQueueDpc(Adapter);
            LN_PRINT(DPFLTR_INFO_LEVEL, "reset done: rx resumes at %u, tx at %u\n", RxHead, TxHead);
        } else if (Status == NDIS_STATUS_ADAPTER_NOT_FOUND) {
            /* Removed while resetting. */
            InterlockedExchange(&Adapter->Removed, 1);
            InterlockedExchange(&Adapter->HwResetting, 0);
            LnOnSurpriseRemoval(Adapter, FALSE);
            LnQueueDpc(Adapter);
        } else {
            /* The device does not come back: fail what it holds, ask NDIS to
               remove the adapter (it pauses and halts us). */
            InterlockedExchange(&Adapter->HwFailed, 1);
            InterlockedExchange(&Adapter->HwResetting, 0);
            LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_HARDWARE_FAILURE, LN_ERRLOG_RUNTIME_RESET, Status);
            LnTxAbortInFlight(Adapter, NDIS_STATUS_DEVICE_FAILED, FALSE);
            LnIndicateLinkState(Adapter, FALSE, FALSE);
            LnQueueDpc(Adapter);
            (VOID)NdisMRemoveMiniport(Adapter->AdapterHandle);
        }
    }

    NdisMResetComplete(Adapter->AdapterHandle,
                       Status == NDIS_STATUS_SUCCESS ? NDIS_STATUS_SUCCESS : NDIS_STATUS_HARD_ERRORS,
                       FALSE);

    /* Signal under the lock; halt waits for the event before freeing. */
    NdisAcquireSpinLock(&Adapter->Lock);
    NdisSetEvent(&Adapter->ResetIdle);
    NdisReleaseSpinLock(&Adapter->Lock);
}

/* ==== Timers ========================================================================== */

/*
 * Periodic, every LN_WATCHDOG_MS from the end of initialization to halt
 * (halt cancels it at PASSIVE_LEVEL): causes latched in ICR that no interrupt
 * delivered (lost interrupt, stuck line, masked storm) go to the DPC, so no
 * interrupt problem stalls the rings for longer than one period; a device
 * that reads all ones is gone; every LN_STATS_EVERY_TICKS ticks the
 * read-to-clear counters are folded.
 */
_Use_decl_annotations_
VOID
LnWatchdogTimer(
    PVOID SystemSpecific1,
    PVOID FunctionContext,
    PVOID SystemSpecific2,
    PVOID SystemSpecific3)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)FunctionContext;

    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);

    if (Adapter->TimersStopping) {
        return;
    }
    if (!Adapter->Removed && !Adapter->HwResetting && !Adapter->HwFailed) {
        if (NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, LnSyncWatchdog, Adapter)) {
            LnQueueDpc(Adapter);
        }
        if (++Adapter->WatchdogTicks % LN_STATS_EVERY_TICKS == 0) {
            NdisDprAcquireSpinLock(&Adapter->Lock);
            LnHwUpdateStatisticsLocked(Adapter);
            NdisDprReleaseSpinLock(&Adapter->Lock);
        }
    }
    if (Adapter->Removed || Adapter->HwFailed) {
        /* No interrupts any more: the DPC does the removal cleanup and takes
           the frames still in the ring (memory, not registers) until halt. */
        LnQueueDpc(Adapter);
    }
}

/* The storm mask expired: the DPC unmasks everything again. */
_Use_decl_annotations_
VOID
LnStormTimer(
    PVOID SystemSpecific1,
    PVOID FunctionContext,
    PVOID SystemSpecific2,
    PVOID SystemSpecific3)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)FunctionContext;

    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);

    if (Adapter->TimersStopping) {
        return;
    }
    InterlockedExchange(&Adapter->StormMask, 0);
    LnQueueDpc(Adapter);
}
