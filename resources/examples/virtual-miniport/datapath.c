/*
 * VirtMp - data path: send, the virtual wire, receive return, cancel.
 *
 * Model: MiniportSendNetBufferLists queues the NBLs (the "transmit ring").
 * Every VMP_WIRE_PERIOD_MS the wire timer takes the queue, copies each frame
 * into one of our own receive frames when the packet filter accepts it,
 * indicates those as receives, and completes the sends. So a frame sent to
 * our own MAC address (or broadcast) comes back, like through a loopback plug.
 *
 * Ownership rules shown: an NBL given to us is ours until we complete it
 * (we may link it through NET_BUFFER_LIST_NEXT_NBL meanwhile); an NBL we
 * indicate is NDIS's until MiniportReturnNetBufferLists hands it back.
 */
#include "driver.h"

/* The callers tell us the IRQL through flags: trust them (SDV Flags_Irql). */
#define VMP_LOCK(_A, _AtDispatch) \
    do { if (_AtDispatch) NdisDprAcquireSpinLock(&(_A)->Lock); \
         else NdisAcquireSpinLock(&(_A)->Lock); } while (0)
#define VMP_UNLOCK(_A, _AtDispatch) \
    do { if (_AtDispatch) NdisDprReleaseSpinLock(&(_A)->Lock); \
         else NdisReleaseSpinLock(&(_A)->Lock); } while (0)

_Use_decl_annotations_
VOID
VmpCompleteSends(
    PVMP_ADAPTER Adapter,
    PNET_BUFFER_LIST NblChain,
    NDIS_STATUS Status,
    BOOLEAN AtDispatch)
{
    PNET_BUFFER_LIST Nbl;

    if (NblChain == NULL) {
        return;
    }
    for (Nbl = NblChain; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        NET_BUFFER_LIST_STATUS(Nbl) = Status;
    }
    NdisMSendNetBufferListsComplete(Adapter->AdapterHandle, NblChain,
                                    AtDispatch ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
}

_Use_decl_annotations_
VOID
MpSendNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferList,
    NDIS_PORT_NUMBER PortNumber,
    ULONG SendFlags)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    BOOLEAN AtDispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags);
    PNET_BUFFER_LIST Last = NetBufferList;
    BOOLEAN Queued = FALSE;

    UNREFERENCED_PARAMETER(PortNumber);

    while (NET_BUFFER_LIST_NEXT_NBL(Last) != NULL) {
        Last = NET_BUFFER_LIST_NEXT_NBL(Last);
    }

    VMP_LOCK(Adapter, AtDispatch);
    if (Adapter->State == VmpStateRunning) {
        if (Adapter->SendTail == NULL) {
            Adapter->SendHead = NetBufferList;
        } else {
            NET_BUFFER_LIST_NEXT_NBL(Adapter->SendTail) = NetBufferList;
        }
        Adapter->SendTail = Last;
        Queued = TRUE;
    }
    VMP_UNLOCK(Adapter, AtDispatch);

    if (!Queued) {
        /* Pausing or Paused: fail the sends at once, never queue them. */
        VmpCompleteSends(Adapter, NetBufferList, NDIS_STATUS_PAUSED, AtDispatch);
    }
}

_Use_decl_annotations_
VMP_CAST
VmpClassify(
    const UCHAR *Destination)
{
    ULONG i;

    if ((Destination[0] & 0x01) == 0) {
        return VmpCastDirected;
    }
    for (i = 0; i < VMP_MAC_LENGTH; i++) {
        if (Destination[i] != 0xFF) {
            return VmpCastMulticast;
        }
    }
    return VmpCastBroadcast;
}

/* Packet filter for a looped-back frame. Caller holds the adapter lock. */
static BOOLEAN
VmpFilterAcceptsLocked(_In_ PVMP_ADAPTER Adapter, _In_ VMP_CAST Cast,
                       _In_reads_bytes_(VMP_HEADER_SIZE) const UCHAR *Frame)
{
    ULONG Filter = Adapter->PacketFilter;
    ULONG i;

    if (Filter & NDIS_PACKET_TYPE_PROMISCUOUS) {
        return TRUE;
    }
    switch (Cast) {
    case VmpCastBroadcast:
        return (Filter & NDIS_PACKET_TYPE_BROADCAST) != 0;
    case VmpCastMulticast:
        if (Filter & NDIS_PACKET_TYPE_ALL_MULTICAST) {
            return TRUE;
        }
        if (Filter & NDIS_PACKET_TYPE_MULTICAST) {
            for (i = 0; i < Adapter->MulticastCount; i++) {
                if (NdisEqualMemory(Frame, Adapter->MulticastList[i], VMP_MAC_LENGTH)) {
                    return TRUE;
                }
            }
        }
        return FALSE;
    default:
        return (Filter & NDIS_PACKET_TYPE_DIRECTED) != 0 &&
               NdisEqualMemory(Frame, Adapter->CurrentAddress, VMP_MAC_LENGTH);
    }
}

/* One wire tick, at DISPATCH_LEVEL (called from the timer callback). */
_Use_decl_annotations_
VOID
VmpRunWire(
    PVMP_ADAPTER Adapter)
{
    PNET_BUFFER_LIST Sends, Nbl;
    PNET_BUFFER_LIST RxHead = NULL, RxTail = NULL;
    ULONG RxCount = 0;
    PNET_BUFFER Nb;

    NdisDprAcquireSpinLock(&Adapter->Lock);
    if (Adapter->State != VmpStateRunning || Adapter->SendHead == NULL) {
        NdisDprReleaseSpinLock(&Adapter->Lock);
        return;
    }
    Sends = Adapter->SendHead;
    Adapter->SendHead = NULL;
    Adapter->SendTail = NULL;
    /* This pass holds a receive reference: a pause that starts now cannot
       complete until the frames below are indicated and the sends completed. */
    Adapter->ReceiveRefs++;
    NdisDprReleaseSpinLock(&Adapter->Lock);

    for (Nbl = Sends; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        for (Nb = NET_BUFFER_LIST_FIRST_NB(Nbl); Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
            ULONG Length = NET_BUFFER_DATA_LENGTH(Nb);
            UCHAR DestinationStorage[VMP_MAC_LENGTH];
            const UCHAR *Destination = NULL;
            VMP_CAST Cast = VmpCastDirected;
            PVMP_RX_FRAME Frame;
            PVOID Data;
            BOOLEAN Accepted = FALSE;

            if (Length >= VMP_HEADER_SIZE) {
                Destination = NdisGetDataBuffer(Nb, VMP_MAC_LENGTH, DestinationStorage, 1, 0);
            }
            if (Destination != NULL) {
                Cast = VmpClassify(Destination);
            }

            NdisDprAcquireSpinLock(&Adapter->Lock);
            Adapter->XmitFrames[Cast]++;
            Adapter->XmitBytes[Cast] += Length;
            Frame = NULL;
            if (Destination == NULL || Length > VMP_MAX_FRAME_SIZE) {
                Adapter->RcvDiscards++;
            } else if (Adapter->FreeFrames == NULL) {
                Adapter->RcvNoBuffer++;        /* every frame is up the stack */
            } else {
                Frame = Adapter->FreeFrames;
                Adapter->FreeFrames = Frame->Next;
                Adapter->ReceiveRefs++;
            }
            NdisDprReleaseSpinLock(&Adapter->Lock);
            if (Frame == NULL) {
                continue;
            }

            /* The send may be split over several MDLs: get it contiguous. */
            Data = NdisGetDataBuffer(Nb, Length, Frame->Buffer, 1, 0);
            if (Data != NULL && Data != Frame->Buffer) {
                NdisMoveMemory(Frame->Buffer, Data, Length);
            }

            NdisDprAcquireSpinLock(&Adapter->Lock);
            if (Data != NULL && VmpFilterAcceptsLocked(Adapter, Cast, Frame->Buffer)) {
                Accepted = TRUE;
                Adapter->RcvFrames[Cast]++;
                Adapter->RcvBytes[Cast] += Length;
            } else {
                Frame->Next = Adapter->FreeFrames;  /* filtered out: recycle now */
                Adapter->FreeFrames = Frame;
                Adapter->ReceiveRefs--;             /* never 0 here: the pass holds one */
            }
            NdisDprReleaseSpinLock(&Adapter->Lock);
            if (!Accepted) {
                continue;
            }

            NET_BUFFER_DATA_LENGTH(NET_BUFFER_LIST_FIRST_NB(Frame->Nbl)) = Length;
            NET_BUFFER_LIST_STATUS(Frame->Nbl) = NDIS_STATUS_SUCCESS;
            NET_BUFFER_LIST_NEXT_NBL(Frame->Nbl) = NULL;
            if (RxTail == NULL) {
                RxHead = Frame->Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(RxTail) = Frame->Nbl;
            }
            RxTail = Frame->Nbl;
            RxCount++;
        }
    }

    if (RxCount != 0) {
        /* Not NDIS_RECEIVE_FLAGS_RESOURCES: NDIS returns them later through
           MpReturnNetBufferLists, each one dropping its receive reference. */
        NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, RxHead,
                                           NDIS_DEFAULT_PORT_NUMBER, RxCount,
                                           NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
    }

    VmpCompleteSends(Adapter, Sends, NDIS_STATUS_SUCCESS, TRUE);

    /* End of the pass. */
    VmpReleaseReceiveRefs(Adapter, 1, TRUE);
}

/* Drop receive references; the last one completes a pending pause. */
_Use_decl_annotations_
VOID
VmpReleaseReceiveRefs(
    PVMP_ADAPTER Adapter,
    LONG Count,
    BOOLEAN AtDispatch)
{
    BOOLEAN CompletePause = FALSE;

    VMP_LOCK(Adapter, AtDispatch);
    Adapter->ReceiveRefs -= Count;
    ASSERT(Adapter->ReceiveRefs >= 0);
    if (Adapter->ReceiveRefs == 0 && Adapter->PauseCompletionPending) {
        Adapter->PauseCompletionPending = FALSE;
        Adapter->State = VmpStatePaused;
        CompletePause = TRUE;
    }
    VMP_UNLOCK(Adapter, AtDispatch);

    if (CompletePause) {
        VMP_PRINT(DPFLTR_INFO_LEVEL, "last receive returned: NdisMPauseComplete\n");
        NdisMPauseComplete(Adapter->AdapterHandle);
    }
}

_Use_decl_annotations_
VOID
MpReturnNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    ULONG ReturnFlags)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    BOOLEAN AtDispatch = NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(ReturnFlags);
    PNET_BUFFER_LIST Nbl, Next;
    LONG Returned = 0;

    VMP_LOCK(Adapter, AtDispatch);
    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = Next) {
        PVMP_RX_FRAME Frame = (PVMP_RX_FRAME)NET_BUFFER_LIST_MINIPORT_RESERVED(Nbl)[0];

        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        Frame->Next = Adapter->FreeFrames;
        Adapter->FreeFrames = Frame;
        Returned++;
    }
    VMP_UNLOCK(Adapter, AtDispatch);

    VmpReleaseReceiveRefs(Adapter, Returned, AtDispatch);
}

_Use_decl_annotations_
VOID
MpCancelSend(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID CancelId)
{
    PVMP_ADAPTER Adapter = (PVMP_ADAPTER)MiniportAdapterContext;
    PNET_BUFFER_LIST Nbl, Next;
    PNET_BUFFER_LIST CancelHead = NULL, CancelTail = NULL;

    /* Rebuild the transmit queue without the NBLs carrying CancelId. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Nbl = Adapter->SendHead;
    Adapter->SendHead = NULL;
    Adapter->SendTail = NULL;
    for (; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        if (NDIS_GET_NET_BUFFER_LIST_CANCEL_ID(Nbl) == CancelId) {
            if (CancelTail == NULL) {
                CancelHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(CancelTail) = Nbl;
            }
            CancelTail = Nbl;
        } else {
            if (Adapter->SendTail == NULL) {
                Adapter->SendHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(Adapter->SendTail) = Nbl;
            }
            Adapter->SendTail = Nbl;
        }
    }
    NdisReleaseSpinLock(&Adapter->Lock);

    if (CancelHead != NULL) {
        VMP_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelSend: aborting sends with id %p\n", CancelId);
        /* NDIS_STATUS_SEND_ABORTED == STATUS_NDIS_REQUEST_ABORTED (0xC023000C). */
        VmpCompleteSends(Adapter, CancelHead, NDIS_STATUS_SEND_ABORTED, FALSE);
    }
}
