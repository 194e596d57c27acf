/*
 * LoopNic - OID request handling.
 */
#include "miniport.h"

static NDIS_STATUS
MpQueryInformation(
    _In_ PLOOPNIC_ADAPTER Adapter,
    _Inout_ PNDIS_OID_REQUEST Request)
{
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    ULONG Value = 0;
    ULONG64 Value64 = 0;
    PVOID Source = &Value;
    ULONG SourceLength = sizeof(ULONG);
    NDIS_STATISTICS_INFO Statistics;
    const NDIS_OID Oid = Request->DATA.QUERY_INFORMATION.Oid;

    switch (Oid) {
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
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = LOOPNIC_MTU;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
        Value = LOOPNIC_MAX_FRAME;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->LookaheadSize;
        break;
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_LINK_SPEED:
        Value = (ULONG)(LOOPNIC_LINK_SPEED / 100);
        break;
    case OID_GEN_VENDOR_ID:
        Value = 0x00FFFFFF;
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        Source = (PVOID)"NDIS Lab LoopNic";
        SourceLength = sizeof("NDIS Lab LoopNic");
        break;
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = LOOPNIC_VENDOR_DRIVER_VERSION;
        break;
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = LOOPNIC_MAX_MCAST;
        break;
    case OID_802_3_PERMANENT_ADDRESS:
        Source = Adapter->PermanentAddress;
        SourceLength = ETH_LENGTH_OF_ADDRESS;
        break;
    case OID_802_3_CURRENT_ADDRESS:
        Source = Adapter->CurrentAddress;
        SourceLength = ETH_LENGTH_OF_ADDRESS;
        break;
    case OID_GEN_XMIT_OK:
    case OID_GEN_RCV_OK:
        Value64 = (Oid == OID_GEN_XMIT_OK) ? Adapter->FramesTx : Adapter->FramesRx;
        Source = &Value64;
        SourceLength = sizeof(ULONG64);
        if (Request->DATA.QUERY_INFORMATION.InformationBufferLength < sizeof(ULONG64)) {
            SourceLength = sizeof(ULONG);   /* 32-bit callers get the low part */
        }
        break;
    case OID_GEN_STATISTICS:
        NdisZeroMemory(&Statistics, sizeof(Statistics));
        Statistics.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
        Statistics.Header.Revision = NDIS_STATISTICS_INFO_REVISION_1;
        Statistics.Header.Size = NDIS_SIZEOF_STATISTICS_INFO_REVISION_1;
        Statistics.SupportedStatistics = NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_RCV |
                                         NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_XMIT |
                                         NDIS_STATISTICS_FLAGS_VALID_BYTES_RCV |
                                         NDIS_STATISTICS_FLAGS_VALID_BYTES_XMIT;
        Statistics.ifHCInUcastPkts = Adapter->FramesRx;
        Statistics.ifHCOutUcastPkts = Adapter->FramesTx;
        Statistics.ifHCInOctets = Adapter->BytesRx;
        Statistics.ifHCOutOctets = Adapter->BytesTx;
        Source = &Statistics;
        SourceLength = sizeof(Statistics);
        break;
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }

    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength < SourceLength) {
        Request->DATA.QUERY_INFORMATION.BytesNeeded = SourceLength;
        return NDIS_STATUS_BUFFER_TOO_SHORT;
    }
    NdisMoveMemory(Request->DATA.QUERY_INFORMATION.InformationBuffer, Source, SourceLength);
    Request->DATA.QUERY_INFORMATION.BytesWritten = SourceLength;
    return Status;
}

static NDIS_STATUS
MpSetInformation(
    _In_ PLOOPNIC_ADAPTER Adapter,
    _Inout_ PNDIS_OID_REQUEST Request)
{
    PVOID Buffer = Request->DATA.SET_INFORMATION.InformationBuffer;
    ULONG Length = Request->DATA.SET_INFORMATION.InformationBufferLength;
    ULONG Value;

    switch (Request->DATA.SET_INFORMATION.Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        if (Length < sizeof(ULONG)) {
            Request->DATA.SET_INFORMATION.BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisMoveMemory(&Value, Buffer, sizeof(ULONG));
        if (Value & ~LOOPNIC_SUPPORTED_FILTERS) {
            return NDIS_STATUS_NOT_SUPPORTED;
        }
        Adapter->PacketFilter = Value;
        Request->DATA.SET_INFORMATION.BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_CURRENT_LOOKAHEAD:
        if (Length < sizeof(ULONG)) {
            Request->DATA.SET_INFORMATION.BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisMoveMemory(&Value, Buffer, sizeof(ULONG));
        if (Value > LOOPNIC_MAX_FRAME) {
            return NDIS_STATUS_INVALID_DATA;
        }
        Adapter->LookaheadSize = Value;
        Request->DATA.SET_INFORMATION.BytesRead = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;

    case OID_802_3_MULTICAST_LIST:
        if (Length % ETH_LENGTH_OF_ADDRESS != 0) {
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Length / ETH_LENGTH_OF_ADDRESS > LOOPNIC_MAX_MCAST) {
            return NDIS_STATUS_MULTICAST_FULL;
        }
        NdisMoveMemory(Adapter->McastList, Buffer, Length);
        Adapter->McastCount = Length / ETH_LENGTH_OF_ADDRESS;
        Request->DATA.SET_INFORMATION.BytesRead = Length;
        return NDIS_STATUS_SUCCESS;

    case OID_PNP_SET_POWER:
        Request->DATA.SET_INFORMATION.BytesRead = Length;
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
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;

    switch (OidRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
        return MpQueryInformation(Adapter, OidRequest);
    case NdisRequestSetInformation:
        return MpSetInformation(Adapter, OidRequest);
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

_Use_decl_annotations_
VOID
MpCancelOidRequest(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID RequestId)
{
    /* Every OID completes synchronously; nothing can be pending. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(RequestId);
}
