/*
 * LabNic - data path: receive ring, receive indication and return, copy-based
 * transmit, transmit completion, cancel.
 *
 * Receive: 2 * ReceiveBuffers buffers of 2 KB shared memory, each with an MDL
 * and an NBL built once at initialization, so the per-frame work allocates
 * nothing. ReceiveBuffers - 1 of them are posted in the ring (the device owns
 * RDH..RDT-1). The DPC walks the ring from RxNextToClean while DD is set,
 * sets each NET_BUFFER's DataLength, chains the NBLs and indicates them all
 * in ONE NdisMIndicateReceiveNetBufferLists call, then refills the ring from
 * the free list and moves RDT once. When the ring runs low (most buffers are
 * up the stack), the indication carries NDIS_RECEIVE_FLAGS_RESOURCES and the
 * buffers are reclaimed as soon as the call returns. MiniportReturnNetBufferLists
 * puts buffers back on the free list and into the ring.
 *
 * Transmit: every NET_BUFFER is copied into the 2 KB shared-memory buffer of
 * its own descriptor (EOP | IFCS | RS). NBLs that do not fit wait in a FIFO;
 * each NBL counts its NBs still outstanding in MiniportReserved and is
 * completed when the last one is done. TDT moves once per batch.
 *
 * Locks: TxLock for the transmit side, RxLock for the receive side; the
 * adapter State is written with Lock, TxLock and RxLock all held (adapter.c),
 * so holding either data-path lock is enough to read it.
 */
#include "driver.h"

/* A singly linked NBL chain being built (Next links). */
typedef struct _LN_NBL_CHAIN {
    PNET_BUFFER_LIST Head;
    PNET_BUFFER_LIST Tail;
    ULONG Count;
} LN_NBL_CHAIN;

static __inline VOID
LnChainAppend(_Inout_ LN_NBL_CHAIN *Chain, _In_ PNET_BUFFER_LIST Nbl)
{
    NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
    if (Chain->Tail == NULL) {
        Chain->Head = Nbl;
    } else {
        NET_BUFFER_LIST_NEXT_NBL(Chain->Tail) = Nbl;
    }
    Chain->Tail = Nbl;
    Chain->Count++;
}

/* Destination class of a frame from its first byte(s). */
static __inline LN_CAST
LnClassify(_In_reads_bytes_(LN_MAC_LENGTH) const UCHAR *Destination)
{
    if ((Destination[0] & 0x01) == 0) {
        return LnCastDirected;
    }
    if ((Destination[0] & Destination[1] & Destination[2] &
         Destination[3] & Destination[4] & Destination[5]) == 0xFF) {
        return LnCastBroadcast;
    }
    return LnCastMulticast;
}

static __inline BOOLEAN
LnHardwareUsable(_In_ PLN_ADAPTER Adapter)
{
    return !Adapter->Removed && !Adapter->HwResetting && !Adapter->HwFailed;
}

/* ==== Receive ================================================================= */

/* Post free buffers until the ring is full (RxDescCount - 1), then move RDT once. */
_Use_decl_annotations_
VOID
LnRxRefillLocked(
    PLN_ADAPTER Adapter)
{
    ULONG Posted = 0;
    ULONG Count = Adapter->RxDescCount;

    while (Adapter->RxPosted < Count - 1 && Adapter->RxFree != NULL) {
        PLN_RX_BUFFER Buffer = Adapter->RxFree;
        ULONG Index = Adapter->RxTail;
        PLN_RX_DESC Desc = &Adapter->RxDesc[Index];

        Adapter->RxFree = Buffer->Next;
        Adapter->RxFreeCount--;
        Buffer->Next = NULL;
        Adapter->RxSlots[Index] = Buffer;
        Desc->BufferAddress = Buffer->Pa;
        Desc->Length = 0;
        Desc->Status = 0;
        Adapter->RxTail = Index + 1 == Count ? 0 : Index + 1;
        Adapter->RxPosted++;
        Posted++;
    }
    if (Posted != 0 && LnHardwareUsable(Adapter)) {
        /* The descriptors are written before the tail moves: the device may
           use them as soon as it sees the new RDT. */
        KeMemoryBarrier();
        LN_WRITE(Adapter, LN_REG_RDT, Adapter->RxTail);
    }
}

/* Initialization (before the interrupt exists; the caller holds RxLock):
   an empty ring, then every descriptor but one gets a buffer. */
_Use_decl_annotations_
VOID
LnRxInitializeRing(
    PLN_ADAPTER Adapter)
{
    NdisZeroMemory(Adapter->RxDesc, Adapter->RxDescCount * sizeof(LN_RX_DESC));
    Adapter->RxNextToClean = 0;
    Adapter->RxTail = 0;
    Adapter->RxPosted = 0;
    Adapter->RxDiscarding = FALSE;
    LnRxRefillLocked(Adapter);
}

/* Frames in the ring that the DPC has not taken yet (pause waits for them). */
_Use_decl_annotations_
BOOLEAN
LnRxWorkPendingLocked(
    PLN_ADAPTER Adapter)
{
    return Adapter->RxPosted != 0 &&
           (Adapter->RxDesc[Adapter->RxNextToClean].Status & LN_RXD_STA_DD) != 0;
}

/* After a reset the device resumes at the first descriptor it has not filled. */
_Use_decl_annotations_
ULONG
LnRxFirstUndoneLocked(
    PLN_ADAPTER Adapter)
{
    ULONG Index = Adapter->RxNextToClean;
    ULONG Left = Adapter->RxPosted;

    while (Left != 0 && (Adapter->RxDesc[Index].Status & LN_RXD_STA_DD)) {
        Index = Index + 1 == Adapter->RxDescCount ? 0 : Index + 1;
        Left--;
    }
    return Index;
}

/* Software half of the packet filter: LabNIC accepts every multicast (MPE). */
static BOOLEAN
LnRxMulticastWantedLocked(_In_ PLN_ADAPTER Adapter, _In_reads_bytes_(LN_MAC_LENGTH) const UCHAR *Destination)
{
    ULONG i;

    if (Adapter->RxPacketFilter & (NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_MULTICAST)) {
        return TRUE;
    }
    if ((Adapter->RxPacketFilter & NDIS_PACKET_TYPE_MULTICAST) == 0) {
        return FALSE;
    }
    for (i = 0; i < Adapter->RxMulticastCount; i++) {
        if (NdisEqualMemory(Destination, Adapter->RxMulticastList[i], LN_MAC_LENGTH)) {
            return TRUE;
        }
    }
    return FALSE;
}

static __inline VOID
LnRxRecycleLocked(_In_ PLN_ADAPTER Adapter, _In_ PLN_RX_BUFFER Buffer)
{
    Buffer->Next = Adapter->RxFree;
    Adapter->RxFree = Buffer;
    Adapter->RxFreeCount++;
}

/* Returned buffers (lock-free list) go back to the free list. Caller holds RxLock. */
static VOID
LnRxTakeReturnedLocked(_In_ PLN_ADAPTER Adapter)
{
    PLN_RX_BUFFER Buffer = (PLN_RX_BUFFER)InterlockedExchangePointer(
        (PVOID volatile *)&Adapter->RxReturned, NULL);

    while (Buffer != NULL) {
        PLN_RX_BUFFER Next = Buffer->Next;
        LnRxRecycleLocked(Adapter, Buffer);
        Buffer = Next;
    }
}

/*
 * DPC: take every completed descriptor, indicate the frames in one call,
 * refill. Returns the number of descriptors taken (the DPC's "work").
 * One RxLock acquisition per DPC in the common case. DISPATCH_LEVEL.
 */
_Use_decl_annotations_
ULONG
LnRxProcess(
    PLN_ADAPTER Adapter)
{
    LN_NBL_CHAIN Chain = { NULL, NULL, 0 };
    ULONG Taken = 0;
    ULONG Index, Count;
    BOOLEAN Indicate, LowResources = FALSE;
    PNET_BUFFER_LIST Nbl;

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    LnRxTakeReturnedLocked(Adapter);
    Count = Adapter->RxDescCount;
    Index = Adapter->RxNextToClean;
    Indicate = Adapter->State == LnStateRunning || Adapter->State == LnStatePausing;

    while (Adapter->RxPosted != 0) {
        PLN_RX_DESC Desc = &Adapter->RxDesc[Index];
        PLN_RX_BUFFER Buffer;
        UCHAR Status = Desc->Status;
        ULONG Length;
        LN_CAST Cast;

        if ((Status & LN_RXD_STA_DD) == 0) {
            break;
        }
        KeMemoryBarrier();      /* read the length only after DD */
        Length = Desc->Length;
        Buffer = Adapter->RxSlots[Index];
        Adapter->RxSlots[Index] = NULL;
        Desc->Status = 0;
        Index = Index + 1 == Count ? 0 : Index + 1;
        Adapter->RxPosted--;
        Taken++;

        if ((Status & LN_RXD_STA_EOP) == 0 || Adapter->RxDiscarding) {
            /* A frame longer than one 2 KB buffer (we set no jumbo MTU): drop
               every piece up to and including the one with EOP. */
            Adapter->RxDiscarding = (Status & LN_RXD_STA_EOP) == 0;
            if (!Adapter->RxDiscarding) {
                Adapter->RcvErrors++;
            }
            LnRxRecycleLocked(Adapter, Buffer);
            continue;
        }
        if (Length < LN_HEADER_SIZE || Length > LN_BUFFER_SIZE) {
            Adapter->RcvErrors++;
            LnRxRecycleLocked(Adapter, Buffer);
            continue;
        }
        Cast = LnClassify(Buffer->Va);
        if (!Indicate || (Cast == LnCastMulticast && !LnRxMulticastWantedLocked(Adapter, Buffer->Va))) {
            Adapter->RcvDiscards++;
            LnRxRecycleLocked(Adapter, Buffer);
            continue;
        }
        Adapter->RcvFrames[Cast]++;
        Adapter->RcvBytes[Cast] += Length;

        Nbl = Buffer->Nbl;
        NET_BUFFER_DATA_LENGTH(NET_BUFFER_LIST_FIRST_NB(Nbl)) = Length;
        NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SUCCESS;
        LnChainAppend(&Chain, Nbl);
    }
    Adapter->RxNextToClean = Index;
    /* Counted before the lock is dropped: a pause cannot complete under us. */
    InterlockedAdd(&Adapter->RxIndicated, (LONG)Chain.Count);

    LnRxRefillLocked(Adapter);
    /* Few buffers left for the device: NDIS must copy and give these back now. */
    LowResources = Chain.Count != 0 && Adapter->RxPosted < Count / 8;
    NdisDprReleaseSpinLock(&Adapter->RxLock);

    if (Chain.Count == 0) {
        return Taken;
    }

    NdisMIndicateReceiveNetBufferLists(Adapter->AdapterHandle, Chain.Head,
                                       NDIS_DEFAULT_PORT_NUMBER, Chain.Count,
                                       NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL |
                                       (LowResources ? NDIS_RECEIVE_FLAGS_RESOURCES : 0));

    if (LowResources) {
        /* The NBLs are ours again as soon as the call returns. */
        NdisDprAcquireSpinLock(&Adapter->RxLock);
        for (Nbl = Chain.Head; Nbl != NULL; ) {
            PNET_BUFFER_LIST Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
            NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
            LnRxRecycleLocked(Adapter, LN_NBL_RX_BUFFER(Nbl));
            Nbl = Next;
        }
        InterlockedAdd(&Adapter->RxIndicated, -(LONG)Chain.Count);
        LnRxRefillLocked(Adapter);
        NdisDprReleaseSpinLock(&Adapter->RxLock);
    }
    return Taken;
}

/*
 * NDIS gives indicated NBLs back. The buffers go on a lock-free list the DPC
 * empties into the free list; only when the ring is running low do we take
 * RxLock and put them into the ring at once. No lock in the common case.
 */
_Use_decl_annotations_
VOID
MpReturnNetBufferLists(
    NDIS_HANDLE MiniportAdapterContext,
    PNET_BUFFER_LIST NetBufferLists,
    ULONG ReturnFlags)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    BOOLEAN AtDispatch = NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(ReturnFlags);
    PLN_RX_BUFFER First = NULL, Last = NULL, Old;
    PNET_BUFFER_LIST Nbl, Next;
    LONG Returned = 0;

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = Next) {
        PLN_RX_BUFFER Buffer = LN_NBL_RX_BUFFER(Nbl);

        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        Buffer->Next = First;
        First = Buffer;
        if (Last == NULL) {
            Last = Buffer;
        }
        Returned++;
    }
    if (First == NULL) {
        return;
    }
    do {
        Old = Adapter->RxReturned;
        Last->Next = Old;
    } while (InterlockedCompareExchangePointer((PVOID volatile *)&Adapter->RxReturned,
                                               First, Old) != Old);
    InterlockedAdd(&Adapter->RxIndicated, -Returned);

    if (Adapter->RxPosted < Adapter->RxDescCount / 2) {
        LN_LOCK(&Adapter->RxLock, AtDispatch);
        LnRxTakeReturnedLocked(Adapter);
        LnRxRefillLocked(Adapter);
        LN_UNLOCK(&Adapter->RxLock, AtDispatch);
    }

    /* The last buffer back may be what a pending pause waits for. */
    LnTryCompletePause(Adapter, AtDispatch);
}

/* ==== Transmit ================================================================= */

static __inline LONG_PTR
LnCountNbs(_In_opt_ PNET_BUFFER Nb)
{
    LONG_PTR Count = 0;
    for (; Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
        Count++;
    }
    return Count;
}

/* Copy one NET_BUFFER's data (from CurrentMdl + CurrentMdlOffset) into a tx buffer. */
static BOOLEAN
LnTxCopyNb(_In_ PNET_BUFFER Nb, _Out_writes_bytes_(Length) PUCHAR Destination, _In_ ULONG Length)
{
    PMDL Mdl = NET_BUFFER_CURRENT_MDL(Nb);
    ULONG Offset = NET_BUFFER_CURRENT_MDL_OFFSET(Nb);
    ULONG Remaining = Length;

    while (Remaining != 0 && Mdl != NULL) {
        PUCHAR Source = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority | MdlMappingNoExecute);
        ULONG Available = MmGetMdlByteCount(Mdl);
        ULONG Chunk;

        if (Source == NULL || Offset > Available) {
            return FALSE;
        }
        Chunk = Available - Offset;
        if (Chunk > Remaining) {
            Chunk = Remaining;
        }
        NdisMoveMemory(Destination, Source + Offset, Chunk);
        Destination += Chunk;
        Remaining -= Chunk;
        Offset = 0;
        Mdl = Mdl->Next;
    }
    return Remaining == 0;
}

/* One NB, one descriptor. FALSE: the NB cannot be sent (too long, unmappable). */
static BOOLEAN
LnTxPostNbLocked(_In_ PLN_ADAPTER Adapter, _In_ PNET_BUFFER Nb, _In_ PNET_BUFFER_LIST Nbl)
{
    ULONG Length = NET_BUFFER_DATA_LENGTH(Nb);
    ULONG Index = Adapter->TxNextToUse;
    PLN_TX_SLOT Slot = &Adapter->TxSlots[Index];
    PLN_TX_DESC Desc = &Adapter->TxDesc[Index];

    if (Length < LN_HEADER_SIZE || Length > LN_MAX_FRAME_SIZE ||
        !LnTxCopyNb(Nb, Slot->Va, Length)) {
        return FALSE;
    }
    Slot->Nbl = Nbl;
    Desc->BufferAddress = Slot->Pa;
    Desc->Length = (USHORT)Length;
    Desc->Cso = 0;
    Desc->Cmd = LN_TXD_CMD_EOP | LN_TXD_CMD_IFCS | LN_TXD_CMD_RS;
    Desc->Status = 0;
    Desc->Css = 0;
    Desc->Special = 0;
    Adapter->TxNextToUse = Index + 1 == Adapter->TxDescCount ? 0 : Index + 1;
    Adapter->TxInUse++;
    return TRUE;
}

/* An NB is finished (sent, failed or aborted): the NBL completes with its last NB. */
static __inline VOID
LnTxNbDoneLocked(_In_ PNET_BUFFER_LIST Nbl, _Inout_ LN_NBL_CHAIN *Done)
{
    if (--LN_NBL_PENDING(Nbl) == 0) {
        LnChainAppend(Done, Nbl);
    }
}

/*
 * Move queued NBs into free descriptors (one ring slot is always left empty:
 * head == tail means "device owns none"), then move TDT once.
 */
static VOID
LnTxPumpLocked(_In_ PLN_ADAPTER Adapter, _Inout_ LN_NBL_CHAIN *Done)
{
    ULONG Posted = 0;

    if (!LnHardwareUsable(Adapter)) {
        return;                 /* after a reset they go out; removed: aborted */
    }
    while (Adapter->TxQueueHead != NULL && Adapter->TxInUse < Adapter->TxDescCount - 1) {
        PNET_BUFFER_LIST Nbl = Adapter->TxQueueHead;
        PNET_BUFFER Nb = LN_NBL_NEXT_NB(Nbl);

        LN_NBL_NEXT_NB(Nbl) = NET_BUFFER_NEXT_NB(Nb);
        if (LN_NBL_NEXT_NB(Nbl) == NULL) {
            /* Every NB of this NBL is handled now: it leaves the queue (it may
               still have NBs on the ring; the ring slots point to it). */
            Adapter->TxQueueHead = NET_BUFFER_LIST_NEXT_NBL(Nbl);
            if (Adapter->TxQueueHead == NULL) {
                Adapter->TxQueueTail = NULL;
            }
            NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        }
        if (LnTxPostNbLocked(Adapter, Nb, Nbl)) {
            Posted++;
        } else {
            Adapter->XmitErrors++;
            NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_INVALID_LENGTH;
            if (LN_NBL_NEXT_NB(Nbl) == NULL) {
                LnTxNbDoneLocked(Nbl, Done);
            } else {
                LN_NBL_PENDING(Nbl)--;      /* still queued: not the last NB */
            }
        }
    }
    if (Posted != 0) {
        KeMemoryBarrier();
        LN_WRITE(Adapter, LN_REG_TDT, Adapter->TxNextToUse);
    }
}

static VOID
LnTxComplete(_In_ PLN_ADAPTER Adapter, _In_ LN_NBL_CHAIN *Done, _In_ BOOLEAN AtDispatch)
{
    if (Done->Head != NULL) {
        NdisMSendNetBufferListsComplete(Adapter->AdapterHandle, Done->Head,
                                        AtDispatch ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
    }
}

/* Fail every NBL of a chain we were given and never queued. */
static VOID
LnTxFailChain(_In_ PLN_ADAPTER Adapter, _In_ PNET_BUFFER_LIST NblChain,
              _In_ NDIS_STATUS Status, _In_ BOOLEAN AtDispatch)
{
    PNET_BUFFER_LIST Nbl;

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
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    BOOLEAN AtDispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags);
    LN_NBL_CHAIN Done = { NULL, NULL, 0 };
    NDIS_STATUS Refuse = NDIS_STATUS_SUCCESS;
    PNET_BUFFER_LIST Nbl, Next;

    UNREFERENCED_PARAMETER(PortNumber);

    LN_LOCK(&Adapter->TxLock, AtDispatch);
    if (Adapter->Removed) {
        Refuse = NDIS_STATUS_ADAPTER_REMOVED;
    } else if (Adapter->HwFailed) {
        Refuse = NDIS_STATUS_DEVICE_FAILED;
    } else if (Adapter->State != LnStateRunning) {
        Refuse = NDIS_STATUS_PAUSED;
    } else if (!Adapter->LinkUp) {
        Refuse = NDIS_STATUS_MEDIA_DISCONNECTED;   /* the frames could not reach the wire */
    }
    if (Refuse != NDIS_STATUS_SUCCESS) {
        for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
            Adapter->XmitDiscards += (ULONG64)LnCountNbs(NET_BUFFER_LIST_FIRST_NB(Nbl));
        }
        LN_UNLOCK(&Adapter->TxLock, AtDispatch);
        LnTxFailChain(Adapter, NetBufferList, Refuse, AtDispatch);
        return;
    }

    for (Nbl = NetBufferList; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SUCCESS;
        LN_NBL_PENDING(Nbl) = LnCountNbs(NET_BUFFER_LIST_FIRST_NB(Nbl));
        LN_NBL_NEXT_NB(Nbl) = NET_BUFFER_LIST_FIRST_NB(Nbl);
        if (LN_NBL_PENDING(Nbl) == 0) {
            LnChainAppend(&Done, Nbl);          /* nothing to send */
            continue;
        }
        if (Adapter->TxQueueTail == NULL) {
            Adapter->TxQueueHead = Nbl;
        } else {
            NET_BUFFER_LIST_NEXT_NBL(Adapter->TxQueueTail) = Nbl;
        }
        Adapter->TxQueueTail = Nbl;
    }
    LnTxPumpLocked(Adapter, &Done);
    LN_UNLOCK(&Adapter->TxLock, AtDispatch);

    LnTxComplete(Adapter, &Done, AtDispatch);
}

/* Per-class transmit statistics from the copy we sent. Caller holds TxLock. */
static __inline VOID
LnTxCountLocked(_In_ PLN_ADAPTER Adapter, _In_ PLN_TX_SLOT Slot, _In_ ULONG Length)
{
    LN_CAST Cast = LnClassify(Slot->Va);
    Adapter->XmitFrames[Cast]++;
    Adapter->XmitBytes[Cast] += Length;
}

/*
 * Transmit completion (DPC, or a reset/pause path): every descriptor with DD
 * done, NBLs whose NBs are all done completed with their status, queued sends
 * moved into the freed descriptors. Returns the descriptors cleaned.
 */
_Use_decl_annotations_
ULONG
LnTxProcess(
    PLN_ADAPTER Adapter,
    BOOLEAN AtDispatch)
{
    LN_NBL_CHAIN Done = { NULL, NULL, 0 };
    ULONG Cleaned = 0;

    if (Adapter->TxInUse == 0 && Adapter->TxQueueHead == NULL) {
        return 0;               /* idle (a send that races this posts by itself) */
    }
    LN_LOCK(&Adapter->TxLock, AtDispatch);
    while (Adapter->TxInUse != 0) {
        ULONG Index = Adapter->TxNextToClean;
        PLN_TX_DESC Desc = &Adapter->TxDesc[Index];
        PLN_TX_SLOT Slot = &Adapter->TxSlots[Index];
        PNET_BUFFER_LIST Nbl;

        if ((Desc->Status & LN_TXD_STA_DD) == 0) {
            break;
        }
        Nbl = Slot->Nbl;
        Slot->Nbl = NULL;
        LnTxCountLocked(Adapter, Slot, Desc->Length);
        Desc->Status = 0;
        Adapter->TxNextToClean = Index + 1 == Adapter->TxDescCount ? 0 : Index + 1;
        Adapter->TxInUse--;
        Adapter->TxCleaned++;
        Cleaned++;
        LnTxNbDoneLocked(Nbl, &Done);
    }
    LnTxPumpLocked(Adapter, &Done);
    LN_UNLOCK(&Adapter->TxLock, AtDispatch);

    LnTxComplete(Adapter, &Done, AtDispatch);
    return Cleaned;
}

/* After a reset the device resumes at the first descriptor it has not sent. */
_Use_decl_annotations_
ULONG
LnTxFirstUndoneLocked(
    PLN_ADAPTER Adapter)
{
    ULONG Index = Adapter->TxNextToClean;
    ULONG Left = Adapter->TxInUse;

    while (Left != 0 && (Adapter->TxDesc[Index].Status & LN_TXD_STA_DD)) {
        Index = Index + 1 == Adapter->TxDescCount ? 0 : Index + 1;
        Left--;
    }
    return Index;
}

/* Take the NBs of queued NBLs that never reached the ring; complete what is finished. */
static VOID
LnTxFlushQueueLocked(_In_ PLN_ADAPTER Adapter, _In_ NDIS_STATUS Status, _Inout_ LN_NBL_CHAIN *Done)
{
    PNET_BUFFER_LIST Nbl = Adapter->TxQueueHead;

    Adapter->TxQueueHead = NULL;
    Adapter->TxQueueTail = NULL;
    while (Nbl != NULL) {
        PNET_BUFFER_LIST Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        LONG_PTR Unposted = LnCountNbs(LN_NBL_NEXT_NB(Nbl));

        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        LN_NBL_NEXT_NB(Nbl) = NULL;
        NET_BUFFER_LIST_STATUS(Nbl) = Status;
        Adapter->XmitDiscards += (ULONG64)Unposted;
        LN_NBL_PENDING(Nbl) -= Unposted;
        if (LN_NBL_PENDING(Nbl) == 0) {
            LnChainAppend(Done, Nbl);
        }
        /* else: some NBs are on the ring; the last one's completion completes it. */
        Nbl = Next;
    }
}

_Use_decl_annotations_
VOID
LnTxFlushQueue(
    PLN_ADAPTER Adapter,
    NDIS_STATUS Status,
    BOOLEAN AtDispatch)
{
    LN_NBL_CHAIN Done = { NULL, NULL, 0 };

    LN_LOCK(&Adapter->TxLock, AtDispatch);
    LnTxFlushQueueLocked(Adapter, Status, &Done);
    LN_UNLOCK(&Adapter->TxLock, AtDispatch);
    LnTxComplete(Adapter, &Done, AtDispatch);
}

/*
 * The transmitter will not finish what it holds (surprise removal, a device
 * that failed its reset, a DMA error that stopped the engine): descriptors
 * with DD went out and complete with success; the rest never reached the
 * wire and complete with Status. The ring is empty afterwards.
 */
_Use_decl_annotations_
VOID
LnTxAbortInFlight(
    PLN_ADAPTER Adapter,
    NDIS_STATUS Status,
    BOOLEAN AtDispatch)
{
    LN_NBL_CHAIN Done = { NULL, NULL, 0 };

    LN_LOCK(&Adapter->TxLock, AtDispatch);
    LnTxFlushQueueLocked(Adapter, Status, &Done);
    while (Adapter->TxInUse != 0) {
        ULONG Index = Adapter->TxNextToClean;
        PLN_TX_DESC Desc = &Adapter->TxDesc[Index];
        PLN_TX_SLOT Slot = &Adapter->TxSlots[Index];
        PNET_BUFFER_LIST Nbl = Slot->Nbl;

        Slot->Nbl = NULL;
        if (Desc->Status & LN_TXD_STA_DD) {
            LnTxCountLocked(Adapter, Slot, Desc->Length);
        } else {
            NET_BUFFER_LIST_STATUS(Nbl) = Status;
            Adapter->XmitDiscards++;
        }
        Desc->Status = 0;
        Adapter->TxNextToClean = Index + 1 == Adapter->TxDescCount ? 0 : Index + 1;
        Adapter->TxInUse--;
        Adapter->TxCleaned++;
        LnTxNbDoneLocked(Nbl, &Done);
    }
    LN_UNLOCK(&Adapter->TxLock, AtDispatch);
    LnTxComplete(Adapter, &Done, AtDispatch);
}

/* After a reset: queued sends into the ring. */
_Use_decl_annotations_
VOID
LnTxKick(
    PLN_ADAPTER Adapter,
    BOOLEAN AtDispatch)
{
    LN_NBL_CHAIN Done = { NULL, NULL, 0 };

    LN_LOCK(&Adapter->TxLock, AtDispatch);
    LnTxPumpLocked(Adapter, &Done);
    LN_UNLOCK(&Adapter->TxLock, AtDispatch);
    LnTxComplete(Adapter, &Done, AtDispatch);
}

_Use_decl_annotations_
VOID
MpCancelSend(
    NDIS_HANDLE MiniportAdapterContext,
    PVOID CancelId)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportAdapterContext;
    LN_NBL_CHAIN Cancelled = { NULL, NULL, 0 };
    PNET_BUFFER_LIST Nbl, Next, Keep = NULL, KeepTail = NULL;

    /* Only NBLs still wholly in the queue can be cancelled: none of their NBs
       has reached the ring. */
    NdisAcquireSpinLock(&Adapter->TxLock);
    for (Nbl = Adapter->TxQueueHead; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        if (NDIS_GET_NET_BUFFER_LIST_CANCEL_ID(Nbl) == CancelId &&
            LN_NBL_NEXT_NB(Nbl) == NET_BUFFER_LIST_FIRST_NB(Nbl) &&
            LN_NBL_PENDING(Nbl) == LnCountNbs(NET_BUFFER_LIST_FIRST_NB(Nbl))) {
            NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_SEND_ABORTED;
            LnChainAppend(&Cancelled, Nbl);
            continue;
        }
        if (KeepTail == NULL) {
            Keep = Nbl;
        } else {
            NET_BUFFER_LIST_NEXT_NBL(KeepTail) = Nbl;
        }
        KeepTail = Nbl;
    }
    Adapter->TxQueueHead = Keep;
    Adapter->TxQueueTail = KeepTail;
    NdisReleaseSpinLock(&Adapter->TxLock);

    if (Cancelled.Head != NULL) {
        LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportCancelSend: %u send(s) aborted\n", Cancelled.Count);
        LnTxComplete(Adapter, &Cancelled, FALSE);
    }
}
