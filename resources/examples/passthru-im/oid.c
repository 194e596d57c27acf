/*
 * PassthruIm - OID requests to the virtual miniport.
 *
 * Most requests are answered here, synchronously, from what the bind learned
 * about the lower adapter and from the state the virtual miniport keeps
 * (packet filter, lookahead, multicast list, statistics). OID_GEN_LINK_STATE
 * is the physical link's, so it goes down the binding (NdisOidRequest) as the
 * miniport's own copy of the request: when the adapter below answers at once
 * the answer is returned at once; when it pends (the LabNIC asks its PHY),
 * this request pends too, and ProtocolOidRequestComplete finishes it with
 * NdisMOidRequestComplete.
 * Buffer rules shown:
 *   query too small -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesWritten 0, BytesNeeded = size
 *   set too small   -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesRead 0,    BytesNeeded = size
 *   unknown OID     -> NDIS_STATUS_NOT_SUPPORTED
 */
#include "driver.h"

/* Also given to NDIS in the general attributes (SupportedOidList). */
NDIS_OID PtSupportedOids[] = {
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
    OID_GEN_LINK_STATE,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_DRIVER_VERSION,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_MAC_OPTIONS,
    OID_GEN_MACHINE_NAME,
    OID_GEN_NETWORK_LAYER_ADDRESSES,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_GEN_XMIT_ERROR,
    OID_GEN_XMIT_DISCARDS,
    OID_GEN_RCV_DISCARDS,
    OID_GEN_STATISTICS,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
};
const ULONG PtSupportedOidsSize = sizeof(PtSupportedOids);

static const CHAR PtVendorDescription[] = PT_VENDOR_DESCRIPTION;

/* Copy a query answer, or say how much room it needs. */
static NDIS_STATUS
PtQueryCopy(_Inout_ PNDIS_OID_REQUEST Request,
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
PtQueryCounter(_Inout_ PNDIS_OID_REQUEST Request, _In_ ULONG64 Value)
{
    ULONG Low = (ULONG)Value;

    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG64)) {
        return PtQueryCopy(Request, &Value, sizeof(ULONG64));
    }
    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG)) {
        return PtQueryCopy(Request, &Low, sizeof(ULONG));
    }
    return PtQueryCopy(Request, &Value, sizeof(ULONG64));   /* BUFFER_TOO_SHORT */
}

static ULONG64
PtSum(_In_reads_(PtCastCount) const ULONG64 *Counters)
{
    return Counters[PtCastDirected] + Counters[PtCastMulticast] + Counters[PtCastBroadcast];
}

static NDIS_STATUS
PtQuery(_In_ PPT_MINIPORT Miniport, _Inout_ PNDIS_OID_REQUEST Request)
{
    PPT_BINDING Binding = Miniport->Binding;
    NDIS_OID Oid = Request->DATA.QUERY_INFORMATION.Oid;
    PT_LOWER_ADAPTER Lower;
    ULONG Value = 0;
    USHORT ShortValue;
    ULONG64 Counter;
    NDIS_LINK_STATE LinkState;
    NDIS_STATISTICS_INFO Stats;
    UCHAR Multicast[PT_MAX_MCAST_LIST * PT_MAC_LENGTH];
    ULONG Length;

    /* MiniportOidRequest runs at PASSIVE_LEVEL. */
    NdisAcquireSpinLock(&Binding->Lock);
    Lower = Binding->Lower;
    NdisReleaseSpinLock(&Binding->Lock);

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return PtQueryCopy(Request, PtSupportedOids, PtSupportedOidsSize);
    case OID_GEN_HARDWARE_STATUS:
        Value = NdisHardwareStatusReady;
        break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        Value = Lower.MediaType;
        break;
    case OID_GEN_PHYSICAL_MEDIUM:
        Value = Lower.PhysicalMediumType;
        break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
        Value = Lower.LookaheadSize;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Miniport->LookaheadSize;
        break;
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = Lower.MtuSize;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = Lower.MtuSize + PT_HEADER_SIZE;
        break;
    case OID_GEN_LINK_STATE:
        NdisZeroMemory(&LinkState, sizeof(LinkState));
        LinkState.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        LinkState.Header.Revision = NDIS_LINK_STATE_REVISION_1;
        LinkState.Header.Size = NDIS_SIZEOF_LINK_STATE_REVISION_1;
        LinkState.MediaConnectState = Lower.MediaConnectState;
        LinkState.MediaDuplexState = Lower.MediaDuplexState;
        LinkState.XmitLinkSpeed = Lower.XmitLinkSpeed;
        LinkState.RcvLinkSpeed = Lower.RcvLinkSpeed;
        LinkState.PauseFunctions = NdisPauseFunctionsUnsupported;
        return PtQueryCopy(Request, &LinkState, sizeof(LinkState));
    case OID_GEN_VENDOR_ID:
        Value = PT_VENDOR_ID;
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        return PtQueryCopy(Request, PtVendorDescription, sizeof(PtVendorDescription));
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = (PT_DRIVER_MAJOR_VERSION << 16) | PT_DRIVER_MINOR_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        ShortValue = (USHORT)((NDIS_MINIPORT_MAJOR_VERSION << 8) | NDIS_MINIPORT_MINOR_VERSION);
        return PtQueryCopy(Request, &ShortValue, sizeof(ShortValue));
    case OID_GEN_CURRENT_PACKET_FILTER:
        NdisAcquireSpinLock(&Binding->Lock);
        Value = Miniport->PacketFilter;
        NdisReleaseSpinLock(&Binding->Lock);
        break;
    case OID_GEN_MAC_OPTIONS:
        Value = Lower.MacOptions | NDIS_MAC_OPTION_NO_LOOPBACK;
        break;
    case OID_802_3_PERMANENT_ADDRESS:
    case OID_802_3_CURRENT_ADDRESS:
        return PtQueryCopy(Request, Miniport->CurrentAddress, PT_MAC_LENGTH);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = Lower.MaxMulticastListSize < PT_MAX_MCAST_LIST ? Lower.MaxMulticastListSize
                                                                : PT_MAX_MCAST_LIST;
        break;
    case OID_802_3_MULTICAST_LIST:
        NdisAcquireSpinLock(&Binding->Lock);
        Length = Miniport->MulticastCount * PT_MAC_LENGTH;
        NdisMoveMemory(Multicast, Miniport->MulticastList, Length);
        NdisReleaseSpinLock(&Binding->Lock);
        return PtQueryCopy(Request, Multicast, Length);

    case OID_GEN_XMIT_OK:
    case OID_GEN_RCV_OK:
    case OID_GEN_XMIT_ERROR:
    case OID_GEN_XMIT_DISCARDS:
    case OID_GEN_RCV_DISCARDS:
        NdisAcquireSpinLock(&Binding->Lock);
        Counter = Oid == OID_GEN_XMIT_OK       ? PtSum(Miniport->XmitFrames)
                : Oid == OID_GEN_RCV_OK        ? PtSum(Miniport->RcvFrames)
                : Oid == OID_GEN_XMIT_ERROR    ? Miniport->XmitErrors
                : Oid == OID_GEN_XMIT_DISCARDS ? Miniport->XmitDiscards
                : Miniport->RcvDiscards;
        NdisReleaseSpinLock(&Binding->Lock);
        return PtQueryCounter(Request, Counter);

    case OID_GEN_STATISTICS:
        NdisZeroMemory(&Stats, sizeof(Stats));
        Stats.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        Stats.Header.Revision = NDIS_STATISTICS_INFO_REVISION_1;
        Stats.Header.Size = NDIS_SIZEOF_STATISTICS_INFO_REVISION_1;
        Stats.SupportedStatistics = PT_VALID_STATISTICS;
        NdisAcquireSpinLock(&Binding->Lock);
        Stats.ifInDiscards = Miniport->RcvDiscards;
        Stats.ifHCInOctets = PtSum(Miniport->RcvBytes);
        Stats.ifHCInUcastPkts = Miniport->RcvFrames[PtCastDirected];
        Stats.ifHCInMulticastPkts = Miniport->RcvFrames[PtCastMulticast];
        Stats.ifHCInBroadcastPkts = Miniport->RcvFrames[PtCastBroadcast];
        Stats.ifHCInUcastOctets = Miniport->RcvBytes[PtCastDirected];
        Stats.ifHCInMulticastOctets = Miniport->RcvBytes[PtCastMulticast];
        Stats.ifHCInBroadcastOctets = Miniport->RcvBytes[PtCastBroadcast];
        Stats.ifHCOutOctets = PtSum(Miniport->XmitBytes);
        Stats.ifHCOutUcastPkts = Miniport->XmitFrames[PtCastDirected];
        Stats.ifHCOutMulticastPkts = Miniport->XmitFrames[PtCastMulticast];
        Stats.ifHCOutBroadcastPkts = Miniport->XmitFrames[PtCastBroadcast];
        Stats.ifHCOutUcastOctets = Miniport->XmitBytes[PtCastDirected];
        Stats.ifHCOutMulticastOctets = Miniport->XmitBytes[PtCastMulticast];
        Stats.ifHCOutBroadcastOctets = Miniport->XmitBytes[PtCastBroadcast];
        Stats.ifOutErrors = Miniport->XmitErrors;
        Stats.ifOutDiscards = Miniport->XmitDiscards;
        NdisReleaseSpinLock(&Binding->Lock);
        return PtQueryCopy(Request, &Stats, sizeof(Stats));

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }

    return PtQueryCopy(Request, &Value, sizeof(Value));
}

static NDIS_STATUS
PtSet(_In_ PPT_MINIPORT Miniport, _Inout_ PNDIS_OID_REQUEST Request)
{
    PPT_BINDING Binding = Miniport->Binding;
    struct _SET *Set = &Request->DATA.SET_INFORMATION;
    ULONG Value;
    ULONG Supported, MaxLookahead, MaxMulticast;

    Set->BytesRead = 0;
    Set->BytesNeeded = 0;

    NdisAcquireSpinLock(&Binding->Lock);
    Supported = Binding->Lower.SupportedPacketFilters;
    MaxLookahead = Binding->Lower.LookaheadSize;
    MaxMulticast = Binding->Lower.MaxMulticastListSize < PT_MAX_MCAST_LIST
                       ? Binding->Lower.MaxMulticastListSize : PT_MAX_MCAST_LIST;
    NdisReleaseSpinLock(&Binding->Lock);

    switch (Set->Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
    case OID_GEN_CURRENT_LOOKAHEAD:
        if (Set->InformationBufferLength < sizeof(ULONG)) {
            Set->BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_BUFFER_TOO_SHORT;
        }
        NdisMoveMemory(&Value, Set->InformationBuffer, sizeof(ULONG));
        if (Set->Oid == OID_GEN_CURRENT_PACKET_FILTER) {
            if (Value & ~Supported) {
                return NDIS_STATUS_NOT_SUPPORTED;      /* a filter the lower adapter lacks */
            }
            NdisAcquireSpinLock(&Binding->Lock);
            Miniport->PacketFilter = Value;
            NdisReleaseSpinLock(&Binding->Lock);
            PT_PRINT(DPFLTR_INFO_LEVEL, "packet filter 0x%x\n", Value);
        } else {
            if (Value > MaxLookahead) {
                return NDIS_STATUS_INVALID_DATA;
            }
            NdisAcquireSpinLock(&Binding->Lock);
            Miniport->LookaheadSize = Value;
            NdisReleaseSpinLock(&Binding->Lock);
        }
        Set->BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;

    case OID_802_3_MULTICAST_LIST:
        if (Set->InformationBufferLength % PT_MAC_LENGTH != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Set->InformationBufferLength > MaxMulticast * PT_MAC_LENGTH) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        NdisAcquireSpinLock(&Binding->Lock);
        if (Set->InformationBufferLength != 0) {
            NdisMoveMemory(Miniport->MulticastList, Set->InformationBuffer,
                           Set->InformationBufferLength);
        }
        Miniport->MulticastCount = Set->InformationBufferLength / PT_MAC_LENGTH;
        NdisReleaseSpinLock(&Binding->Lock);
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_MACHINE_NAME:
    case OID_GEN_NETWORK_LAYER_ADDRESSES:
        /* Informational for a driver without offloads: accept and ignore. */
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

/* ---- Requests passed down the binding ------------------------------------------------ */

/* What the request below wrote (counts, and the caller's buffer it shares) back into NDIS's. */
static PNDIS_OID_REQUEST
PtTakeForwarded(_Inout_ PPT_MINIPORT Miniport)
{
    PNDIS_OID_REQUEST Up = Miniport->UpRequest;

    Miniport->UpRequest = NULL;
    NdisMoveMemory(&Up->DATA, &Miniport->DownRequest.DATA, sizeof(Up->DATA));
    return Up;
}

/* Ask the adapter below; SUCCESS/failure when it answered at once, else PENDING. */
static NDIS_STATUS
PtForwardRequest(_Inout_ PPT_MINIPORT Miniport, _Inout_ PNDIS_OID_REQUEST Request)
{
    PPT_BINDING Binding = Miniport->Binding;
    PNDIS_OID_REQUEST Down = &Miniport->DownRequest;
    NDIS_HANDLE BindingHandle;
    NDIS_STATUS Status;

    /* The binding stays open while its virtual miniport exists (the unbind
       halts the miniport before it closes the adapter). */
    NdisAcquireSpinLock(&Binding->Lock);
    BindingHandle = Binding->BindingHandle;
    Miniport->UpRequest = Request;
    NdisReleaseSpinLock(&Binding->Lock);

    NdisZeroMemory(Down, sizeof(*Down));
    Down->Header.Type = NDIS_OBJECT_TYPE_OID_REQUEST;
    Down->Header.Revision = NDIS_OID_REQUEST_REVISION_1;
    Down->Header.Size = NDIS_SIZEOF_OID_REQUEST_REVISION_1;
    Down->RequestType = Request->RequestType;
    Down->PortNumber = NDIS_DEFAULT_PORT_NUMBER;
    Down->Timeout = Request->Timeout;
    Down->RequestId = Request->RequestId;
    /* Same OID, same InformationBuffer: the answer lands in the caller's buffer. */
    NdisMoveMemory(&Down->DATA, &Request->DATA, sizeof(Down->DATA));

    Status = NdisOidRequest(BindingHandle, Down);
    if (Status != NDIS_STATUS_PENDING) {
        NdisAcquireSpinLock(&Binding->Lock);
        (VOID)PtTakeForwarded(Miniport);
        NdisReleaseSpinLock(&Binding->Lock);
    }
    return Status;
}

/* ProtocolOidRequestComplete for a request we passed down: finish NDIS's. */
_Use_decl_annotations_
VOID
PtOidDownComplete(
    PPT_BINDING Binding,
    PNDIS_OID_REQUEST OidRequest,
    NDIS_STATUS Status)
{
    PPT_MINIPORT Miniport;
    PNDIS_OID_REQUEST Up = NULL;
    NDIS_HANDLE MiniportHandle = NULL;

    NdisAcquireSpinLock(&Binding->Lock);
    Miniport = Binding->Miniport;
    if (Miniport != NULL && OidRequest == &Miniport->DownRequest && Miniport->UpRequest != NULL) {
        Up = PtTakeForwarded(Miniport);
        MiniportHandle = Miniport->MiniportHandle;
    }
    NdisReleaseSpinLock(&Binding->Lock);

    if (Up == NULL) {
        PT_PRINT(DPFLTR_WARNING_LEVEL, "unexpected OID completion %p: 0x%08x\n", OidRequest, Status);
        return;
    }
    PT_PRINT(DPFLTR_INFO_LEVEL, "OID 0x%08x completed below: 0x%08x\n",
             Up->DATA.QUERY_INFORMATION.Oid, Status);
    NdisMOidRequestComplete(MiniportHandle, Up, Status);
}

_Use_decl_annotations_
NDIS_STATUS
PtMpOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_OID_REQUEST OidRequest)
{
    PPT_MINIPORT Miniport = (PPT_MINIPORT)MiniportAdapterContext;
    NDIS_STATUS Status;

    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
        if (OidRequest->DATA.QUERY_INFORMATION.Oid == OID_GEN_LINK_STATE) {
            Status = PtForwardRequest(Miniport, OidRequest);
            break;
        }
        Status = PtQuery(Miniport, OidRequest);
        break;
    case NdisRequestSetInformation:
        Status = PtSet(Miniport, OidRequest);
        break;
    default:
        Status = NDIS_STATUS_NOT_SUPPORTED;        /* no method OIDs */
        break;
    }

    if (Status != NDIS_STATUS_SUCCESS && Status != NDIS_STATUS_PENDING) {
        PT_PRINT(DPFLTR_TRACE_LEVEL, "OID 0x%08x (type %d) -> 0x%08x\n",
                 OidRequest->DATA.QUERY_INFORMATION.Oid, (int)OidRequest->RequestType, Status);
    }
    /* Returning a final status IS the completion; PENDING: PtOidDownComplete completes it. */
    return Status;
}

_Use_decl_annotations_
VOID
PtMpCancelOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID RequestId)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    /* Only a request passed down can be pending, and the adapter below answers
       it within microseconds (an MDIO read): we let it finish rather than cancel
       it below; its completion completes ours. */
    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelOidRequest %p: left to complete below\n", RequestId);
}
