/*
 * LabNic - OID requests.
 *
 * Every request is answered synchronously but one: OID_GEN_LINK_STATE while
 * the link is up asks the PHY what it negotiated (its 1000BASE-T status
 * register, over MDIO). An MDIC access takes about 10 us; rather than stall,
 * the driver starts it with MDIC.I set, returns NDIS_STATUS_PENDING, and the
 * DPC completes the request (NdisMOidRequestComplete) when MDAC says the
 * access finished. A reset, a surprise removal or MiniportCancelOidRequest
 * ends it early. What differs from a virtual miniport: the packet filter and multicast list are
 * programmed into RCTL / RAH0 (LabNIC has no multicast table: MPE when any
 * address is set, the receive path filters the rest), the link comes from
 * STATUS, and the statistics from the device's read-to-clear counters folded
 * into 64-bit totals (plus per-class counts the data path keeps).
 * Buffer rules:
 *   query too small -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesWritten 0, BytesNeeded = size
 *   set too small   -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesRead 0,    BytesNeeded = size
 *   unknown OID     -> NDIS_STATUS_NOT_SUPPORTED
 *   OID_GEN_INTERRUPT_MODERATION: a query says NdisInterruptModerationNotSupported (LabNIC has
 *                      no interrupt throttling register); a set is NDIS_STATUS_INVALID_DATA
 */
#include "driver.h"

/* Also given to NDIS in the general attributes (SupportedOidList). */
NDIS_OID LnSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST,
    OID_GEN_HARDWARE_STATUS,
    OID_GEN_MEDIA_SUPPORTED,
    OID_GEN_MEDIA_IN_USE,
    OID_GEN_PHYSICAL_MEDIUM,
    OID_GEN_MAXIMUM_LOOKAHEAD,
    OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_TRANSMIT_BLOCK_SIZE,
    OID_GEN_RECEIVE_BLOCK_SIZE,
    OID_GEN_TRANSMIT_BUFFER_SPACE,
    OID_GEN_RECEIVE_BUFFER_SPACE,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_DRIVER_VERSION,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_MAC_OPTIONS,
    OID_GEN_LINK_SPEED,
    OID_GEN_MEDIA_CONNECT_STATUS,
    OID_GEN_LINK_STATE,
    OID_GEN_MACHINE_NAME,
    OID_GEN_NETWORK_LAYER_ADDRESSES,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_GEN_XMIT_ERROR,
    OID_GEN_RCV_ERROR,
    OID_GEN_RCV_NO_BUFFER,
    OID_GEN_STATISTICS,
    OID_GEN_INTERRUPT_MODERATION,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
    OID_802_3_RCV_OVERRUN,
};
const ULONG LnSupportedOidsSize = sizeof(LnSupportedOids);

static const CHAR LnVendorDescription[] = LN_VENDOR_DESCRIPTION;

/* Copy a query answer, or say how much room it needs. */
static NDIS_STATUS
LnQueryCopy(_Inout_ PNDIS_OID_REQUEST Request,
            _In_reads_bytes_(Length) const VOID *Data, _In_ ULONG Length)
{
    struct _QUERY *Query = &Request->DATA.QUERY_INFORMATION;

    if (Query->InformationBufferLength < Length) {
        Query->BytesWritten = 0;
        Query->BytesNeeded = Length;
        return NDIS_STATUS_BUFFER_TOO_SHORT;
    }
    if (Length != 0) {
        NdisMoveMemory(Query->InformationBuffer, Data, Length);
    }
    Query->BytesWritten = Length;
    Query->BytesNeeded = 0;
    return NDIS_STATUS_SUCCESS;
}

/* OID_GEN_XMIT_OK & co: 64-bit when the buffer has room for it, else 32-bit. */
static NDIS_STATUS
LnQueryCounter(_Inout_ PNDIS_OID_REQUEST Request, _In_ ULONG64 Value)
{
    ULONG Low = (ULONG)Value;

    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG64)) {
        return LnQueryCopy(Request, &Value, sizeof(ULONG64));
    }
    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG)) {
        return LnQueryCopy(Request, &Low, sizeof(ULONG));
    }
    return LnQueryCopy(Request, &Value, sizeof(ULONG64));   /* BUFFER_TOO_SHORT */
}

/* ---- OID_GEN_LINK_STATE from the PHY (pended) ------------------------------------------ */

/* Ask the PHY for its 1000BASE-T status; the DPC finishes the request on MDAC. */
static NDIS_STATUS
LnStartPhyQuery(_In_ PLN_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    NdisAcquireSpinLock(&Adapter->Lock);
    if (Adapter->PhyQuery != NULL || Adapter->HwResetting || Adapter->HwFailed || Adapter->Removed) {
        /* NDIS sends one request at a time, so only a device in trouble gets here. */
        NdisReleaseSpinLock(&Adapter->Lock);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    Adapter->PhyQuery = Request;
    LN_WRITE(Adapter, LN_REG_MDIC,
             (LN_PHY_ADDRESS << LN_MDIC_PHY_SHIFT) | (LN_PHY_GSR << LN_MDIC_REG_SHIFT) |
             LN_MDIC_OP_READ | LN_MDIC_INTERRUPT);
    NdisReleaseSpinLock(&Adapter->Lock);
    return NDIS_STATUS_PENDING;
}

/* The pended request, taken (under Lock) so that exactly one path completes it. */
static PNDIS_OID_REQUEST
LnTakePhyQuery(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch)
{
    PNDIS_OID_REQUEST Request;

    LN_LOCK(&Adapter->Lock, AtDispatch);
    Request = Adapter->PhyQuery;
    Adapter->PhyQuery = NULL;
    LN_UNLOCK(&Adapter->Lock, AtDispatch);
    return Request;
}

/*
 * DPC, on MDAC: the PHY answered. The link state comes from STATUS (as every
 * other answer does), duplex and speed from what the partner advertised.
 * Returns 1 when it completed a request (the DPC's "work").
 */
_Use_decl_annotations_
ULONG
LnOidPhyQueryDone(
    PLN_ADAPTER Adapter)
{
    PNDIS_OID_REQUEST Request;
    NDIS_LINK_STATE LinkState;
    NDIS_STATUS Status;
    ULONG Mdic;
    USHORT Gsr;

    if (Adapter->PhyQuery == NULL) {
        return 0;
    }
    Mdic = LN_READ(Adapter, LN_REG_MDIC);
    if (Mdic != LN_REG_GONE && (Mdic & LN_MDIC_READY) == 0) {
        return 0;               /* not this access: MDAC comes again */
    }
    Request = LnTakePhyQuery(Adapter, TRUE);
    if (Request == NULL) {
        return 0;
    }
    if (Mdic == LN_REG_GONE) {
        Status = NDIS_STATUS_ADAPTER_REMOVED;
    } else if (Mdic & LN_MDIC_ERROR) {
        Status = NDIS_STATUS_FAILURE;
    } else {
        Gsr = (USHORT)(Mdic & LN_MDIC_DATA_MASK);
        NdisZeroMemory(&LinkState, sizeof(LinkState));
        LinkState.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        LinkState.Header.Revision = NDIS_LINK_STATE_REVISION_1;
        LinkState.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
        if (Adapter->LinkUp && (Gsr & LN_PHY_GSR_RECEIVERS_OK) == LN_PHY_GSR_RECEIVERS_OK &&
            (Gsr & (LN_PHY_GSR_PARTNER_1000FD | LN_PHY_GSR_PARTNER_1000HD)) != 0) {
            LinkState.MediaConnectState = MediaConnectStateConnected;
            LinkState.MediaDuplexState = (Gsr & LN_PHY_GSR_PARTNER_1000FD) ? MediaDuplexStateFull : MediaDuplexStateHalf;
            LinkState.XmitLinkSpeed = LN_LINK_SPEED;
            LinkState.RcvLinkSpeed = LN_LINK_SPEED;
            LinkState.AutoNegotiationFlags = NDIS_LINK_STATE_XMIT_LINK_SPEED_AUTO_NEGOTIATED |
                                             NDIS_LINK_STATE_RCV_LINK_SPEED_AUTO_NEGOTIATED |
                                             NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;
        } else {
            /* The link dropped while we asked: say so, as STATUS would. */
            LinkState.MediaConnectState = MediaConnectStateDisconnected;
            LinkState.MediaDuplexState = MediaDuplexStateUnknown;
            LinkState.XmitLinkSpeed = NDIS_LINK_SPEED_UNKNOWN;
            LinkState.RcvLinkSpeed = NDIS_LINK_SPEED_UNKNOWN;
        }
        LinkState.PauseFunctions = NdisPauseFunctionsUnsupported;
        Status = LnQueryCopy(Request, &LinkState, sizeof(LinkState));
        LN_PRINT(DPFLTR_INFO_LEVEL, "PHY link state: GSR 0x%04x\n", Gsr);
    }
    NdisMOidRequestComplete(Adapter->AdapterHandle, Request, Status);
    return 1;
}

/* A reset, a removal or a cancel ends the PHY access early: the request completes with Status. */
_Use_decl_annotations_
VOID
LnOidAbortPhyQuery(
    PLN_ADAPTER Adapter,
    NDIS_STATUS Status,
    BOOLEAN AtDispatch)
{
    PNDIS_OID_REQUEST Request = LnTakePhyQuery(Adapter, AtDispatch);

    if (Request != NULL) {
        Request->DATA.QUERY_INFORMATION.BytesWritten = 0;
        NdisMOidRequestComplete(Adapter->AdapterHandle, Request, Status);
    }
}

/* Every counter at once: the hardware's folded first, then the software ones. */
static VOID
LnGatherStatistics(_In_ PLN_ADAPTER Adapter, _Out_ PNDIS_STATISTICS_INFO Stats,
                   _Out_opt_ PULONG64 XmitOk, _Out_opt_ PULONG64 RcvOk, _Out_opt_ PULONG64 Missed)
{
    NdisZeroMemory(Stats, sizeof(*Stats));
    Stats->Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    Stats->Header.Revision = NDIS_STATISTICS_INFO_REVISION_1;
    Stats->Header.Size = NDIS_SIZEOF_STATISTICS_INFO_REVISION_1;
    Stats->SupportedStatistics = LN_VALID_STATISTICS;

    NdisAcquireSpinLock(&Adapter->Lock);
    LnHwUpdateStatisticsLocked(Adapter);
    Stats->ifInDiscards = Adapter->HwMissed;
    Stats->ifHCInOctets = Adapter->HwRcvOctets;
    Stats->ifHCOutOctets = Adapter->HwXmitOctets;
    if (XmitOk != NULL) {
        *XmitOk = Adapter->HwXmitGood;
    }
    if (RcvOk != NULL) {
        *RcvOk = Adapter->HwRcvGood;
    }
    if (Missed != NULL) {
        *Missed = Adapter->HwMissed;
    }

    NdisDprAcquireSpinLock(&Adapter->TxLock);
    Stats->ifHCOutUcastPkts = Adapter->XmitFrames[LnCastDirected];
    Stats->ifHCOutMulticastPkts = Adapter->XmitFrames[LnCastMulticast];
    Stats->ifHCOutBroadcastPkts = Adapter->XmitFrames[LnCastBroadcast];
    Stats->ifHCOutUcastOctets = Adapter->XmitBytes[LnCastDirected];
    Stats->ifHCOutMulticastOctets = Adapter->XmitBytes[LnCastMulticast];
    Stats->ifHCOutBroadcastOctets = Adapter->XmitBytes[LnCastBroadcast];
    Stats->ifOutErrors = Adapter->XmitErrors;
    Stats->ifOutDiscards = Adapter->XmitDiscards;
    NdisDprReleaseSpinLock(&Adapter->TxLock);

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    Stats->ifHCInUcastPkts = Adapter->RcvFrames[LnCastDirected];
    Stats->ifHCInMulticastPkts = Adapter->RcvFrames[LnCastMulticast];
    Stats->ifHCInBroadcastPkts = Adapter->RcvFrames[LnCastBroadcast];
    Stats->ifHCInUcastOctets = Adapter->RcvBytes[LnCastDirected];
    Stats->ifHCInMulticastOctets = Adapter->RcvBytes[LnCastMulticast];
    Stats->ifHCInBroadcastOctets = Adapter->RcvBytes[LnCastBroadcast];
    Stats->ifInDiscards += Adapter->RcvDiscards;
    Stats->ifInErrors = Adapter->RcvErrors;
    NdisDprReleaseSpinLock(&Adapter->RxLock);
    NdisReleaseSpinLock(&Adapter->Lock);
}

static NDIS_STATUS
LnQuery(_In_ PLN_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    NDIS_OID Oid = Request->DATA.QUERY_INFORMATION.Oid;
    ULONG Value = 0;
    USHORT ShortValue;
    ULONG64 XmitOk, RcvOk, Missed;
    NDIS_STATISTICS_INFO Stats;
    NDIS_INTERRUPT_MODERATION_PARAMETERS Moderation;
    NDIS_LINK_STATE LinkState;
    UCHAR Multicast[LN_MAX_MCAST_LIST * LN_MAC_LENGTH];
    ULONG Length;
    BOOLEAN Up = Adapter->LinkUp && !Adapter->Removed && !Adapter->HwFailed;

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return LnQueryCopy(Request, LnSupportedOids, LnSupportedOidsSize);
    case OID_GEN_HARDWARE_STATUS:
        Value = Adapter->Removed || Adapter->HwFailed ? NdisHardwareStatusNotReady
              : Adapter->HwResetting ? NdisHardwareStatusReset
              : NdisHardwareStatusReady;
        break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        Value = NdisMedium802_3;
        break;
    case OID_GEN_PHYSICAL_MEDIUM:
        Value = NdisPhysicalMedium802_3;
        break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = LN_MTU;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->LookaheadSize;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
        Value = LN_MAX_FRAME_SIZE;
        break;
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = LN_BUFFER_SIZE;
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
        Value = Adapter->TxDescCount * LN_BUFFER_SIZE;
        break;
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->RxBufferCount * LN_BUFFER_SIZE;
        break;
    case OID_GEN_VENDOR_ID:
        Value = LN_VENDOR_ID;
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        return LnQueryCopy(Request, LnVendorDescription, sizeof(LnVendorDescription));
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = (LN_DRIVER_MAJOR_VERSION << 16) | LN_DRIVER_MINOR_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        ShortValue = (USHORT)((NDIS_MINIPORT_MAJOR_VERSION << 8) | NDIS_MINIPORT_MINOR_VERSION);
        return LnQueryCopy(Request, &ShortValue, sizeof(ShortValue));
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_MAC_OPTIONS:
        Value = LN_MAC_OPTIONS;
        break;
    case OID_GEN_LINK_SPEED:
        Value = Up ? (ULONG)(LN_LINK_SPEED / 100) : 0;     /* in units of 100 bps */
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        Value = Up ? NdisMediaStateConnected : NdisMediaStateDisconnected;
        break;
    case OID_GEN_LINK_STATE:
        if (Up && Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(NDIS_LINK_STATE)) {
            return LnStartPhyQuery(Adapter, Request);
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
        return LnQueryCopy(Request, &LinkState, sizeof(LinkState));
    case OID_802_3_PERMANENT_ADDRESS:
        return LnQueryCopy(Request, Adapter->PermanentAddress, LN_MAC_LENGTH);
    case OID_802_3_CURRENT_ADDRESS:
        return LnQueryCopy(Request, Adapter->CurrentAddress, LN_MAC_LENGTH);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = LN_MAX_MCAST_LIST;
        break;
    case OID_802_3_MULTICAST_LIST:
        NdisAcquireSpinLock(&Adapter->Lock);
        Length = Adapter->MulticastCount * LN_MAC_LENGTH;
        NdisMoveMemory(Multicast, Adapter->MulticastList, Length);
        NdisReleaseSpinLock(&Adapter->Lock);
        return LnQueryCopy(Request, Multicast, Length);

    case OID_GEN_XMIT_OK:
    case OID_GEN_RCV_OK:
    case OID_GEN_RCV_NO_BUFFER:
    case OID_802_3_RCV_OVERRUN:
        LnGatherStatistics(Adapter, &Stats, &XmitOk, &RcvOk, &Missed);
        return LnQueryCounter(Request, Oid == OID_GEN_XMIT_OK ? XmitOk
                                     : Oid == OID_GEN_RCV_OK ? RcvOk
                                     : Missed);
    case OID_GEN_XMIT_ERROR:
    case OID_GEN_RCV_ERROR:
        LnGatherStatistics(Adapter, &Stats, NULL, NULL, NULL);
        return LnQueryCounter(Request, Oid == OID_GEN_XMIT_ERROR ? Stats.ifOutErrors : Stats.ifInErrors);
    case OID_GEN_STATISTICS:
        LnGatherStatistics(Adapter, &Stats, NULL, NULL, NULL);
        return LnQueryCopy(Request, &Stats, sizeof(Stats));

    case OID_GEN_INTERRUPT_MODERATION:
        NdisZeroMemory(&Moderation, sizeof(Moderation));
        Moderation.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        Moderation.Header.Revision = NDIS_INTERRUPT_MODERATION_PARAMETERS_REVISION_1;
        Moderation.Header.Size = NDIS_SIZEOF_INTERRUPT_MODERATION_PARAMETERS_REVISION_1;
        Moderation.InterruptModeration = NdisInterruptModerationNotSupported;
        return LnQueryCopy(Request, &Moderation, NDIS_SIZEOF_INTERRUPT_MODERATION_PARAMETERS_REVISION_1);

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }

    return LnQueryCopy(Request, &Value, sizeof(Value));
}

/* The filter changed: RCTL/RAH0 now, and the receive path's own copy. Caller holds Lock. */
static VOID
LnApplyFilterLocked(_In_ PLN_ADAPTER Adapter)
{
    LnHwProgramReceiveLocked(Adapter);
    NdisDprAcquireSpinLock(&Adapter->RxLock);
    Adapter->RxPacketFilter = Adapter->PacketFilter;
    Adapter->RxMulticastCount = Adapter->MulticastCount;
    NdisMoveMemory(Adapter->RxMulticastList, Adapter->MulticastList,
                   Adapter->MulticastCount * LN_MAC_LENGTH);
    NdisDprReleaseSpinLock(&Adapter->RxLock);
}

static NDIS_STATUS
LnSet(_In_ PLN_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    struct _SET *Set = &Request->DATA.SET_INFORMATION;
    const UCHAR *Addresses;
    ULONG Value, i;

    Set->BytesRead = 0;
    Set->BytesNeeded = 0;

    switch (Set->Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
    case OID_GEN_CURRENT_LOOKAHEAD:
        if (Set->InformationBufferLength < sizeof(ULONG)) {
            Set->BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_BUFFER_TOO_SHORT;
        }
        NdisMoveMemory(&Value, Set->InformationBuffer, sizeof(ULONG));
        if (Set->Oid == OID_GEN_CURRENT_PACKET_FILTER) {
            if (Value & ~(ULONG)LN_SUPPORTED_FILTERS) {
                return NDIS_STATUS_NOT_SUPPORTED;      /* asks for a filter we lack */
            }
            NdisAcquireSpinLock(&Adapter->Lock);
            Adapter->PacketFilter = Value;
            LnApplyFilterLocked(Adapter);
            NdisReleaseSpinLock(&Adapter->Lock);
            LN_PRINT(DPFLTR_INFO_LEVEL, "packet filter 0x%x\n", Value);
        } else {
            if (Value > LN_MTU) {
                return NDIS_STATUS_INVALID_DATA;
            }
            Adapter->LookaheadSize = Value;            /* we always indicate whole frames */
        }
        Set->BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;

    case OID_802_3_MULTICAST_LIST:
        if (Set->InformationBufferLength % LN_MAC_LENGTH != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Set->InformationBufferLength > LN_MAX_MCAST_LIST * LN_MAC_LENGTH) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        Addresses = (const UCHAR *)Set->InformationBuffer;
        for (i = 0; i < Set->InformationBufferLength; i += LN_MAC_LENGTH) {
            if ((Addresses[i] & 0x01) == 0) {
                return NDIS_STATUS_INVALID_DATA;       /* not a multicast address */
            }
        }
        NdisAcquireSpinLock(&Adapter->Lock);
        if (Set->InformationBufferLength != 0) {
            NdisMoveMemory(Adapter->MulticastList, Addresses, Set->InformationBufferLength);
        }
        Adapter->MulticastCount = Set->InformationBufferLength / LN_MAC_LENGTH;
        LnApplyFilterLocked(Adapter);                  /* MPE on when the list is not empty */
        NdisReleaseSpinLock(&Adapter->Lock);
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_MACHINE_NAME:
    case OID_GEN_NETWORK_LAYER_ADDRESSES:
        /* Informational for a NIC without offloads: accept and ignore. */
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_INTERRUPT_MODERATION:
        /* LabNIC cannot moderate interrupts: there is no setting to change. */
        return NDIS_STATUS_INVALID_DATA;

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

_Use_decl_annotations_
NDIS_STATUS
MpOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_OID_REQUEST OidRequest)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;

    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
        Status = LnQuery(Adapter, OidRequest);
        break;
    case NdisRequestSetInformation:
        Status = LnSet(Adapter, OidRequest);
        break;
    default:
        Status = NDIS_STATUS_NOT_SUPPORTED;        /* no method OIDs */
        break;
    }

    if (Status != NDIS_STATUS_SUCCESS && Status != NDIS_STATUS_PENDING) {
        LN_PRINT(DPFLTR_TRACE_LEVEL, "OID 0x%08x (type %d) -> 0x%08x\n",
                 OidRequest->DATA.QUERY_INFORMATION.Oid, (int)OidRequest->RequestType, Status);
    }
    /* Completed here: returning the status IS the completion (PENDING: the DPC completes it). */
    return Status;
}

_Use_decl_annotations_
VOID
MpCancelOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID RequestId)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    BOOLEAN Ours;

    /* Only the PHY query is ever left pending. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Ours = Adapter->PhyQuery != NULL && Adapter->PhyQuery->RequestId == RequestId;
    NdisReleaseSpinLock(&Adapter->Lock);
    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelOidRequest %p: %s\n", RequestId, Ours ? "aborted" : "nothing pending");
    if (Ours) {
        LnOidAbortPhyQuery(Adapter, NDIS_STATUS_REQUEST_ABORTED, FALSE);
    }
}
