/*
 * MiniportIm - OID requests, answered synchronously by both kinds of adapter.
 *
 * Queries copy their answer when the buffer is big enough (BytesWritten) and
 * otherwise say how much room they need (BytesNeeded, BUFFER_TOO_SHORT). Sets
 * check their length (BytesRead, or BytesNeeded and INVALID_LENGTH). Anything
 * else is NDIS_STATUS_NOT_SUPPORTED. Nothing pends, so MiniportCancelOidRequest
 * never finds a request to cancel.
 */
#include "driver.h"

NDIS_OID MimSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST,
    OID_GEN_HARDWARE_STATUS,
    OID_GEN_MEDIA_SUPPORTED,
    OID_GEN_MEDIA_IN_USE,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_MAXIMUM_LOOKAHEAD,
    OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_XMIT_OK,
    OID_GEN_XMIT_DISCARDS,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
};
const ULONG MimSupportedOidsSize = sizeof(MimSupportedOids);

static const CHAR MimVendorDescription[] = MIM_VENDOR_DESCRIPTION;

static NDIS_STATUS
MimQueryCopy(_Inout_ PNDIS_OID_REQUEST Request,
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

/* A counter: 64 bits when the buffer has room for them, else the low 32. */
static NDIS_STATUS
MimQueryCounter(_Inout_ PNDIS_OID_REQUEST Request, _In_ ULONG64 Value)
{
    ULONG Low = (ULONG)Value;

    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG64)) {
        return MimQueryCopy(Request, &Value, sizeof(ULONG64));
    }
    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(ULONG)) {
        return MimQueryCopy(Request, &Low, sizeof(ULONG));
    }
    return MimQueryCopy(Request, &Value, sizeof(ULONG64));   /* BUFFER_TOO_SHORT */
}

static NDIS_STATUS
MimQuery(_In_ PMIM_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    ULONG Value;
    ULONG64 Counter;
    UCHAR Multicast[MIM_MAX_MCAST_LIST * MIM_MAC_LENGTH];
    ULONG Length;

    switch (Request->DATA.QUERY_INFORMATION.Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return MimQueryCopy(Request, MimSupportedOids, MimSupportedOidsSize);
    case OID_GEN_HARDWARE_STATUS:
        Value = NdisHardwareStatusReady;
        break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        Value = NdisMedium802_3;
        break;
    case OID_GEN_MAXIMUM_FRAME_SIZE:
    case OID_GEN_MAXIMUM_LOOKAHEAD:
        Value = MIM_MTU;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
        Value = MIM_MTU + 14;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->Lookahead;
        break;
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_VENDOR_ID:
        Value = MIM_VENDOR_ID;
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        return MimQueryCopy(Request, MimVendorDescription, sizeof(MimVendorDescription));
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = (MIM_DRIVER_MAJOR_VERSION << 16) | MIM_DRIVER_MINOR_VERSION;
        break;
    case OID_GEN_XMIT_OK:
    case OID_GEN_XMIT_DISCARDS:
        NdisAcquireSpinLock(&Adapter->Lock);
        Counter = Request->DATA.QUERY_INFORMATION.Oid == OID_GEN_XMIT_OK ? Adapter->FramesSent : Adapter->FramesDiscarded;
        NdisReleaseSpinLock(&Adapter->Lock);
        return MimQueryCounter(Request, Counter);
    case OID_802_3_PERMANENT_ADDRESS:
        return MimQueryCopy(Request, Adapter->PermanentAddress, MIM_MAC_LENGTH);
    case OID_802_3_CURRENT_ADDRESS:
        return MimQueryCopy(Request, Adapter->CurrentAddress, MIM_MAC_LENGTH);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = MIM_MAX_MCAST_LIST;
        break;
    case OID_802_3_MULTICAST_LIST:
        NdisAcquireSpinLock(&Adapter->Lock);
        Length = Adapter->MulticastCount * MIM_MAC_LENGTH;
        NdisMoveMemory(Multicast, Adapter->Multicast, Length);
        NdisReleaseSpinLock(&Adapter->Lock);
        return MimQueryCopy(Request, Multicast, Length);
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return MimQueryCopy(Request, &Value, sizeof(Value));
}

static NDIS_STATUS
MimSet(_In_ PMIM_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)
{
    struct _SET *Set = &Request->DATA.SET_INFORMATION;
    ULONG Value;

    switch (Set->Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
    case OID_GEN_CURRENT_LOOKAHEAD:
        if (Set->InformationBufferLength < sizeof(ULONG)) {
            Set->BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisMoveMemory(&Value, Set->InformationBuffer, sizeof(ULONG));
        if (Set->Oid == OID_GEN_CURRENT_PACKET_FILTER) {
            if ((Value & ~(ULONG)MIM_SUPPORTED_FILTERS) != 0) {
                return NDIS_STATUS_NOT_SUPPORTED;
            }
            NdisAcquireSpinLock(&Adapter->Lock);
            Adapter->PacketFilter = Value;
            NdisReleaseSpinLock(&Adapter->Lock);
        } else {
            if (Value > MIM_MTU) {
                return NDIS_STATUS_INVALID_DATA;
            }
            Adapter->Lookahead = Value;
        }
        Set->BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;
    case OID_802_3_MULTICAST_LIST:
        if (Set->InformationBufferLength % MIM_MAC_LENGTH != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Set->InformationBufferLength > sizeof(Adapter->Multicast)) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        NdisAcquireSpinLock(&Adapter->Lock);
        NdisMoveMemory(Adapter->Multicast, Set->InformationBuffer, Set->InformationBufferLength);
        Adapter->MulticastCount = Set->InformationBufferLength / MIM_MAC_LENGTH;
        NdisReleaseSpinLock(&Adapter->Lock);
        Set->BytesRead = Set->InformationBufferLength;
        return NDIS_STATUS_SUCCESS;
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

_Use_decl_annotations_
NDIS_STATUS
MimOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PNDIS_OID_REQUEST OidRequest)
{
    PMIM_ADAPTER Adapter = (PMIM_ADAPTER)MiniportAdapterContext;

    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
        return MimQuery(Adapter, OidRequest);
    case NdisRequestSetInformation:
        return MimSet(Adapter, OidRequest);
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

_Use_decl_annotations_
VOID
MimCancelOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID RequestId)
{
    /* Every request is completed inside MimOidRequest: none is pending. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(RequestId);
}
