/*
 * LoopNic - send, receive and return paths. Each sent frame is copied into a
 * receive NBL from the adapter's pool and indicated back up.
 */
#include "miniport.h"

static VOID
MpLoopFrameBack(
    _In_ PLOOPNIC_ADAPTER Adapter,
    _In_ PNET_BUFFER NetBuffer)
{
    ULONG Length = NET_BUFFER_DATA_LENGTH(NetBuffer);
    PUCHAR Copy;
    PVOID Data;
    PMDL Mdl;
    PNET_BUFFER_LIST RecvNbl;

    if (Length == 0 || Length > LOOPNIC_MAX_FRAME) {
        return;
    }
    Copy = NdisAllocateMemoryWithTagPriority(Adapter->AdapterHandle, Length,
                                             LOOPNIC_POOL_TAG, NormalPoolPriority);
    if (Copy == NULL) {
        return;
    }
    Data = NdisGetDataBuffer(NetBuffer, Length, Copy, 1, 0);
    if (Data != NULL && Data != Copy) {
        NdisMoveMemory(Copy, Data, Length);
    }
    Mdl = NdisAllocateMdl(Adapter->AdapterHandle, Copy, Length);
    if (Mdl == NULL) {
        NdisFreeMemory(Copy, Length, 0);
        return;
    }
    RecvNbl = NdisAllocateNetBufferAndNetBufferList(Adapter->NblPool, 0, 0, Mdl, 0, Length);
    if (RecvNbl == NULL) {
        NdisFreeMdl(Mdl);
        NdisFreeMemory(Copy, Length, 0);
        return;
    }
    RecvNbl->SourceHandle = Adapter->AdapterHandle;
    Adapter->FramesRx++;
    Adapter->BytesRx += Length;
    NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, RecvNbl, NDIS_DEFAULT_PORT_NUMBER,
                                       1, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
}

_Use_decl_annotations_
VOID
MpSendNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferList,
    NDIS_PORT_NUMBER PortNumber,
    ULONG SendFlags)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;
    PNET_BUFFER_LIST Nbl;
    PNET_BUFFER Nb;
    ULONG CompleteFlags = 0;
    BOOLEAN Running;
    KIRQL OldIrql = PASSIVE_LEVEL;
    BOOLEAN AtDispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags);

    UNREFERENCED_PARAMETER(PortNumber);

    if (!AtDispatch) {
        NDIS_RAISE_IRQL_TO_DISPATCH(&OldIrql);
    }
    NDIS_SET_SEND_COMPLETE_FLAG(CompleteFlags, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);

    InterlockedIncrement(&Adapter->PendingSends);
    NdisDprAcquireSpinLock(&Adapter->Lock);
    Running = (BOOLEAN)(Adapter->State == LoopNicRunning);
    NdisDprReleaseSpinLock(&Adapter->Lock);

    for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        if (!Running) {
            NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_PAUSED;
            continue;
        }
        for (Nb = NET_BUFFER_LIST_FIRST_NB(Nbl); Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
            Adapter->FramesTx++;
            Adapter->BytesTx += NET_BUFFER_DATA_LENGTH(Nb);
            MpLoopFrameBack(Adapter, Nb);
        }
        NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SUCCESS;
    }

    NdisMSendNetBufferListsComplete(Adapter->AdapterHandle, NetBufferList, CompleteFlags);
    InterlockedDecrement(&Adapter->PendingSends);

    if (!AtDispatch) {
        NDIS_LOWER_IRQL(OldIrql, DISPATCH_LEVEL);
    }
}

_Use_decl_annotations_
VOID
MpReturnNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    ULONG ReturnFlags)
{
    PLOOPNIC_ADAPTER Adapter = (PLOOPNIC_ADAPTER)MiniportAdapterContext;
    PNET_BUFFER_LIST Nbl, Next;
    PMDL Mdl;
    PVOID Va = NULL;
    ULONG Length = 0;

    UNREFERENCED_PARAMETER(ReturnFlags);
    UNREFERENCED_PARAMETER(Adapter);

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        Mdl = NET_BUFFER_FIRST_MDL(NET_BUFFER_LIST_FIRST_NB(Nbl));
        NdisQueryMdl(Mdl, &Va, &Length, NormalPagePriority);
        NdisFreeNetBufferList(Nbl);
        NdisFreeMdl(Mdl);
        if (Va != NULL) {
            NdisFreeMemory(Va, Length, 0);
        }
    }
}

_Use_decl_annotations_
VOID
MpCancelSend(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID CancelId)
{
    /* Sends are never queued, so there is nothing to cancel. */
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(CancelId);
}
