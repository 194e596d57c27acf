/*
 * VirtMp - OID requests.
 *
 * Every request is answered synchronously (never NDIS_STATUS_PENDING), so
 * NdisMOidRequestComplete is never called and MiniportCancelOidRequest has
 * nothing to cancel. Buffer rules shown:
 *   query too small -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesWritten 0, BytesNeeded = size
 *   set too small   -> NDIS_STATUS_BUFFER_TOO_SHORT, BytesRead 0,    BytesNeeded = size
 *   unknown OID     -> NDIS_STATUS_NOT_SUPPORTED
 */
#include "driver.h"

/* Also given to NDIS in the general attributes (SupportedOidList). */
NDIS_OID VmpSupportedOids[] = {
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
    OID_GEN_MACHINE_NAME,
    OID_GEN_NETWORK_LAYER_ADDRESSES,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_GEN_RCV_NO_BUFFER,
    OID_GEN_STATISTICS,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
};
const ULONG VmpSupportedOidsSize = sizeof(VmpSupportedOids);

static const CHAR VmpVendorDescription[] = VMP_VENDOR_DESCRIPTION;

/* Copy a query answer, or say how much room it needs. */
static NDIS_STATUS
VmpQueryCopy(_Inout_ PNDIS_OID_REQUEST Request,
             _In_reads_bytes_(Length) const VOID *Data, _In_ ULONG Length)
{
    struct _QUERY *Query = &Request->DATA.QUERY_INFORMATION;

    if (Query->InformationBufferLength < Length) {
        Query->BytesWritten = 0;
        Query->BytesNeeded = Length;
        return NDIS_STATUS_BUFFER_TOO_SHORT;
    }
    NdisMoveMemory(Query->InformationBuffer, Data, Length);
    Query->BytesWritten = Length;
    Query->BytesNeeded = 0;
    return NDIS_STATUS_SUCCESS;
}

/* OID_GEN_XMIT_OK & co: 64-bit when the buffer has room for it, else 32-bit. */
static NDIS_STATUS
VmpQueryCounter(_Inout_ PNDIS_OID_REQUEST Request, _In_ ULONG64 Value)
{
    ULONG Low = (ULONG)Value;

    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG64)) {
        return VmpQueryCopy(Request, &Value, sizeof(ULONG64));
    }
    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG)) {
        return VmpQueryCopy(Request, &Low, sizeof(ULONG));
    }
    return VmpQueryCopy(Request, &Value, sizeof(ULONG64));   /* BUFFER_TOO_SHORT */
}

static ULONG64
VmpSum(_In_reads_(VmpCastCount) const ULONG64 *Counters)
{
    return Counters[VmpCastDirected] + Counters[VmpCastMulticast] + Counters[VmpCastBroadcast];
}

static NDIS_STATUS
VmpQuery(_In_ PVMP_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    NDIS_OID Oid = Request->DATA.QUERY_INFORMATION.Oid;
    ULONG Value = 0;
    USHORT ShortValue;
    ULONG64 Counter;
    NDIS_STATISTICS_INFO Stats;
    UCHAR Multicast[VMP_MAX_MCAST_LIST * VMP_MAC_LENGTH];
    ULONG Length;

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return VmpQueryCopy(Request, VmpSupportedOids, VmpSupportedOidsSize);
    case OID_GEN_HARDWARE_STATUS:
        Value = NdisHardwareStatusReady;
        break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        Value = NdisMedium802_3;
        break;
    case OID_GEN_PHYSICAL_MEDIUM:
        Value = NdisPhysicalMediumUnspecified;
        break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = VMP_MTU;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->LookaheadSize;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = VMP_MAX_FRAME_SIZE;
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->MaxFrames * VMP_MAX_FRAME_SIZE;
        break;
    case OID_GEN_VENDOR_ID:
        Value = VMP_VENDOR_ID;
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        return VmpQueryCopy(Request, VmpVendorDescription, sizeof(VmpVendorDescription));
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = (VMP_DRIVER_MAJOR_VERSION << 16) | VMP_DRIVER_MINOR_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        ShortValue = (USHORT)((NDIS_MINIPORT_MAJOR_VERSION << 8) | NDIS_MINIPORT_MINOR_VERSION);
        return VmpQueryCopy(Request, &ShortValue, sizeof(ShortValue));
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_MAC_OPTIONS:
        Value = VMP_MAC_OPTIONS;
        break;
    case OID_802_3_PERMANENT_ADDRESS:
        return VmpQueryCopy(Request, Adapter->PermanentAddress, VMP_MAC_LENGTH);
    case OID_802_3_CURRENT_ADDRESS:
        return VmpQueryCopy(Request, Adapter->CurrentAddress, VMP_MAC_LENGTH);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = VMP_MAX_MCAST_LIST;
        break;
    case OID_802_3_MULTICAST_LIST:
        NdisAcquireSpinLock(&Adapter->Lock);
        Length = Adapter->MulticastCount * VMP_MAC_LENGTH;
        NdisMoveMemory(Multicast, Adapter->MulticastList, Length);
        NdisReleaseSpinLock(&Adapter->Lock);
        return VmpQueryCopy(Request, Multicast, Length);

    case OID_GEN_XMIT_OK:
    case OID_GEN_RCV_OK:
    case OID_GEN_RCV_NO_BUFFER:
        NdisAcquireSpinLock(&Adapter->Lock);
        Counter = Oid == OID_GEN_XMIT_OK ? VmpSum(Adapter->XmitFrames)
                : Oid == OID_GEN_RCV_OK  ? VmpSum(Adapter->RcvFrames)
                : Adapter->RcvNoBuffer;
        NdisReleaseSpinLock(&Adapter->Lock);
        return VmpQueryCounter(Request, Counter);

    case OID_GEN_STATISTICS:
        NdisZeroMemory(&Stats, sizeof(Stats));
        Stats.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        Stats.Header.Revision = NDIS_STATISTICS_INFO_REVISION_1;
        Stats.Header.Size = NDIS_SIZEOF_STATISTICS_INFO_REVISION_1;
        Stats.SupportedStatistics = VMP_VALID_STATISTICS;
        NdisAcquireSpinLock(&Adapter->Lock);
        Stats.ifInDiscards = Adapter->RcvDiscards + Adapter->RcvNoBuffer;
        Stats.ifHCInOctets = VmpSum(Adapter->RcvBytes);
        Stats.ifHCInUcastPkts = Adapter->RcvFrames[VmpCastDirected];
        Stats.ifHCInMulticastPkts = Adapter->RcvFrames[VmpCastMulticast];
        Stats.ifHCInBroadcastPkts = Adapter->RcvFrames[VmpCastBroadcast];
        Stats.ifHCInUcastOctets = Adapter->RcvBytes[VmpCastDirected];
        Stats.ifHCInMulticastOctets = Adapter->RcvBytes[VmpCastMulticast];
        Stats.ifHCInBroadcastOctets = Adapter->RcvBytes[VmpCastBroadcast];
        Stats.ifHCOutOctets = VmpSum(Adapter->XmitBytes);
        Stats.ifHCOutUcastPkts = Adapter->XmitFrames[VmpCastDirected];
        Stats.ifHCOutMulticastPkts = Adapter->XmitFrames[VmpCastMulticast];
        Stats.ifHCOutBroadcastPkts = Adapter->XmitFrames[VmpCastBroadcast];
        Stats.ifHCOutUcastOctets = Adapter->XmitBytes[VmpCastDirected];
        Stats.ifHCOutMulticastOctets = Adapter->XmitBytes[VmpCastMulticast];
        Stats.ifHCOutBroadcastOctets = Adapter->XmitBytes[VmpCastBroadcast];
        NdisReleaseSpinLock(&Adapter->Lock);
        return VmpQueryCopy(Request, &Stats, sizeof(Stats));

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }

    return VmpQueryCopy(Request, &Value, sizeof(Value));
}

static NDIS_STATUS
VmpSet(_In_ PVMP_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    struct _SET *Set = &Request->DATA.SET_INFORMATION;
    ULONG Value;

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
            if (Value & ~(ULONG)VMP_SUPPORTED_FILTERS) {
                return NDIS_STATUS_NOT_SUPPORTED;      /* asks for a filter we lack */
            }
            NdisAcquireSpinLock(&Adapter->Lock);
            Adapter->PacketFilter = Value;
            NdisReleaseSpinLock(&Adapter->Lock);
            VMP_PRINT(DPFLTR_INFO_LEVEL, "packet filter 0x%x\n", Value);
        } else {
            if (Value > VMP_MTU) {
                return NDIS_STATUS_INVALID_DATA;
            }
            Adapter->LookaheadSize = Value;
        }
        Set->BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;

    case OID_802_3_MULTICAST_LIST:
        if (Set->InformationBufferLength % VMP_MAC_LENGTH != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Set->InformationBufferLength > VMP_MAX_MCAST_LIST * VMP_MAC_LENGTH) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        NdisAcquireSpinLock(&Adapter->Lock);
        if (Set->InformationBufferLength != 0) {
            NdisMoveMemory(Adapter->MulticastList, Set->InformationBuffer,
                           Set->InformationBufferLength);
        }
        Adapter->MulticastCount = Set->InformationBufferLength / VMP_MAC_LENGTH;
        NdisReleaseSpinLock(&Adapter->Lock);
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_MACHINE_NAME:
    case OID_GEN_NETWORK_LAYER_ADDRESSES:
        /* Informational for a NIC without offloads: accept and ignore. */
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;

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
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;

    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
        Status = VmpQuery(Adapter, OidRequest);
        break;
    case NdisRequestSetInformation:
        Status = VmpSet(Adapter, OidRequest);
        break;
    default:
        Status = NDIS_STATUS_NOT_SUPPORTED;        /* no method OIDs */
        break;
    }

    if (Status != NDIS_STATUS_SUCCESS) {
        VMP_PRINT(DPFLTR_TRACE_LEVEL, "OID 0x%08x (type %d) -> 0x%08x\n",
                  OidRequest->DATA.QUERY_INFORMATION.Oid, (int)OidRequest->RequestType, Status);
    }
    /* Completed here: returning the status IS the completion. */
    return Status;
}

_Use_decl_annotations_
VOID
MpCancelOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID RequestId)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    /* No OID is ever left pending, so there is never one to abort. */
    VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelOidRequest %p: nothing pending\n", RequestId);
}
