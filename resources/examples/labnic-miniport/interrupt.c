/*
 * LabNic - interrupts: the ISR at DIRQL, its DPC, the message-signalled (MSI)
 * variants, the enable/disable handlers, and the functions run through
 * NdisMSynchronizeWithInterruptEx.
 *
 * The protocol between them (the datasheet's "typical ISR"):
 *   ISR       reads ICR (read-to-clear, so the level line drops), masks every
 *             cause (IMC), ORs the causes into Adapter->PendingCauses and asks
 *             for the DPC. It touches only the register mapping and fields
 *             that exist before NdisMRegisterInterruptEx is called, because
 *             NDIS may run it inside that call.
 *   DPC       takes the causes with InterlockedExchange, handles DMA errors,
 *             link changes, receives and transmit completions, and unmasks
 *             (IMS) at the end. Whoever takes causes out of ICR masks; only
 *             the DPC unmasks.
 *   watchdog  (adapter.c) does what the ISR does, synchronized with it, when
 *             an interrupt was lost or the line is stuck.
 * A storm (the DPC runs again and again with nothing to do) masks the
 * storming causes for LN_STORM_MASK_MS; a timer unmasks them.
 */
#include "driver.h"

/* ---- ISRs ----------------------------------------------------------------------- */

/* Common ISR body. Returns the causes taken, 0 when ICR held none. */
static ULONG
LnIsrTakeCauses(_In_ PLN_ADAPTER Adapter)
{
    ULONG Icr;

    if (Adapter->Removed) {
        return 0;
    }
    Icr = LN_READ(Adapter, LN_REG_ICR);         /* read-to-clear: the line drops */
    if (Icr == 0) {
        return 0;
    }
    if (Icr == LN_REG_GONE) {
        /* Surprise removal: nothing answers any more. The watchdog (DISPATCH)
           does the cleanup; at DIRQL we only remember it. */
        InterlockedExchange(&Adapter->Removed, 1);
        return 0;
    }
    LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);  /* the DPC unmasks */
    InterlockedOr(&Adapter->PendingCauses, (LONG)Icr);
    Adapter->IsrCount++;
    return Icr;
}

/* Line-based (INTA#, level-triggered, possibly shared). */
_Use_decl_annotations_
BOOLEAN
LnIsr(
    NDIS_HANDLE MiniportInterruptContext,
    PBOOLEAN QueueDefaultInterruptDpc,
    PULONG TargetProcessors)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportInterruptContext;

    *TargetProcessors = 0;
    if (LnIsrTakeCauses(Adapter) == 0) {
        /* ICR was 0: another device on the shared line (or a removed NIC). */
        *QueueDefaultInterruptDpc = FALSE;
        return FALSE;
    }
    *QueueDefaultInterruptDpc = TRUE;
    return TRUE;
}

/* Message-signalled: never shared, so it is always ours; 0 only means the
   watchdog took the causes first. */
_Use_decl_annotations_
BOOLEAN
LnMessageIsr(
    NDIS_HANDLE MiniportInterruptContext,
    ULONG MessageId,
    PBOOLEAN QueueDefaultInterruptDpc,
    PULONG TargetProcessors)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportInterruptContext;

    UNREFERENCED_PARAMETER(MessageId);
    *TargetProcessors = 0;
    *QueueDefaultInterruptDpc = LnIsrTakeCauses(Adapter) != 0 ? TRUE : FALSE;
    return TRUE;
}

/* ---- DPC ------------------------------------------------------------------------- */

/* Asks for the interrupt DPC from outside the ISR (watchdog, pause, reset). */
_Use_decl_annotations_
VOID
LnQueueDpc(
    PLN_ADAPTER Adapter)
{
    if (Adapter->InterruptHandle != NULL) {
        (VOID)NdisMQueueDpc(Adapter->InterruptHandle, 0, 1, NULL);
    }
}

/* LSC: read STATUS and tell NDIS when the link really changed. */
static ULONG
LnDpcLinkChange(_In_ PLN_ADAPTER Adapter)
{
    BOOLEAN Gone;
    BOOLEAN Up = LnHwReadLinkUp(Adapter, &Gone);
    BOOLEAN Changed;

    if (Gone) {
        InterlockedExchange(&Adapter->Removed, 1);
        return 1;
    }
    NdisDprAcquireSpinLock(&Adapter->Lock);
    Changed = Adapter->LinkUp != Up;
    Adapter->LinkUp = Up;
    NdisDprReleaseSpinLock(&Adapter->Lock);

    if (!Up) {
        /* Sends still waiting for descriptors would be lost on a dead link. */
        LnTxFlushQueue(Adapter, NDIS_STATUS_MEDIA_DISCONNECTED, TRUE);
    }
    LnIndicateLinkState(Adapter, Up, TRUE);
    return Changed ? 1 : 0;
}

/* 64 DPCs in a row found nothing: mask what is storming, unmask it in 100 ms. */
static VOID
LnDpcStormDetected(_In_ PLN_ADAPTER Adapter, _In_ ULONG Causes)
{
    LARGE_INTEGER Due;
    ULONGLONG Now = KeQueryInterruptTime();
    BOOLEAN NewEpisode = Adapter->StormEpisodes == 0 ||
                         Now - Adapter->StormLastSeen > LN_STORM_EPISODE_GAP_100NS;

    Adapter->StormLastSeen = Now;
    InterlockedExchange(&Adapter->StormMask, (LONG)Causes);
    if (NewEpisode) {
        Adapter->StormEpisodes++;
        LN_PRINT(DPFLTR_WARNING_LEVEL, "interrupt storm (causes 0x%08x): masked for %u ms\n",
                 Causes, LN_STORM_MASK_MS);
        LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_HARDWARE_FAILURE, LN_ERRLOG_RUNTIME_STORM, Causes);
    }
    Due.QuadPart = -(LONGLONG)LN_STORM_MASK_MS * 10000;
    (VOID)NdisSetTimerObject(Adapter->StormTimer, Due, 0, Adapter);
}

/* The work of both DPCs (line and message), at DISPATCH_LEVEL. */
static VOID
LnDpcWork(_In_ PLN_ADAPTER Adapter)
{
    ULONG Causes;
    ULONG Relevant;
    ULONG Work = 0;

    Adapter->DpcCount++;
    Causes = (ULONG)InterlockedExchange(&Adapter->PendingCauses, 0);

    if (Adapter->HwResetting || Adapter->HwFailed) {
        /* The reset work item owns the device; it queues us again when done. */
        return;
    }

    if (!Adapter->Removed && (Causes & LN_INT_DMAERR)) {
        /* A bus-master access failed and that engine stopped: the rings must be
           rebuilt. CheckForHangEx reports it, NDIS calls MiniportResetEx. */
        if (InterlockedExchange(&Adapter->NeedsReset, 1) == 0) {
            Adapter->DmaErrors++;
            Work++;
            LN_PRINT(DPFLTR_ERROR_LEVEL, "DMA error: a DMA engine stopped; asking NDIS for a reset\n");
            LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_HARDWARE_FAILURE, LN_ERRLOG_RUNTIME_DMAERR, Causes);
        }
    }
    if (!Adapter->Removed && (Causes & LN_INT_LSC)) {
        Work += LnDpcLinkChange(Adapter);
    }
    if (!Adapter->Removed && (Causes & LN_INT_MDAC)) {
        Work += LnOidPhyQueryDone(Adapter);      /* a pended OID_GEN_LINK_STATE */
    }
    /* RXO: the frame was dropped and counted in MPC (read with the statistics). */

    /* Acknowledge the ring causes raised since the ISR read ICR: the ring walks below handle
       those frames and descriptors, and a cause raised after this write interrupts again once
       IMS is restored. Without it, a burst costs a second interrupt and an empty DPC. */
    if (!Adapter->Removed && Adapter->InterruptsEnabled) {
        LN_WRITE(Adapter, LN_REG_ICR, LN_INT_RXT0 | LN_INT_RXDMT0 | LN_INT_TXDW | LN_INT_TXQE);
    }

    /* Receive first (frames in the ring are in memory even when the device is gone). */
    Work += LnRxProcess(Adapter);
    Work += LnTxProcess(Adapter, TRUE);

    if (Adapter->Removed) {
        LnOnSurpriseRemoval(Adapter, TRUE);
        LnTryCompletePause(Adapter, TRUE);
        return;                 /* nothing to unmask on a device that is gone */
    }

    /* Storm accounting: only DPCs for causes we unmasked count. */
    Relevant = Causes & LN_INT_ENABLE_MASK & ~(ULONG)Adapter->StormMask;
    if (Work != 0) {
        Adapter->IdleDpcs = 0;
        Adapter->IdleCauses = 0;
    } else if (Relevant != 0) {
        Adapter->IdleCauses |= Relevant;
        if (++Adapter->IdleDpcs >= LN_STORM_DPC_LIMIT) {
            LnDpcStormDetected(Adapter, Adapter->IdleCauses);
            Adapter->IdleDpcs = 0;
            Adapter->IdleCauses = 0;
        }
    }

    LnTryCompletePause(Adapter, TRUE);

    if (Adapter->InterruptsEnabled) {
        LnHwEnableInterrupts(Adapter);
    }
}

_Use_decl_annotations_
VOID
LnInterruptDpc(
    NDIS_HANDLE MiniportInterruptContext,
    PVOID MiniportDpcContext,
    PVOID ReceiveThrottleParameters,
    PVOID NdisReserved2)
{
    UNREFERENCED_PARAMETER(MiniportDpcContext);
    UNREFERENCED_PARAMETER(NdisReserved2);
    /* NDIS 6.20 passes receive throttle parameters; we always indicate
       everything that is ready in one call, as NDIS_INDICATE_ALL_NBLS allows. */
    UNREFERENCED_PARAMETER(ReceiveThrottleParameters);
    LnDpcWork((PLN_ADAPTER)MiniportInterruptContext);
}

_Use_decl_annotations_
VOID
LnMessageInterruptDpc(
    NDIS_HANDLE MiniportInterruptContext,
    ULONG MessageId,
    PVOID MiniportDpcContext,
    PVOID ReceiveThrottleParameters,
    PVOID NdisReserved2)
{
    UNREFERENCED_PARAMETER(MessageId);
    UNREFERENCED_PARAMETER(MiniportDpcContext);
    UNREFERENCED_PARAMETER(ReceiveThrottleParameters);
    UNREFERENCED_PARAMETER(NdisReserved2);
    LnDpcWork((PLN_ADAPTER)MiniportInterruptContext);
}

/* ---- Enable / disable (NDIS calls these at DIRQL) ----------------------------------------- */

_Use_decl_annotations_
VOID
LnEnableInterrupt(
    NDIS_HANDLE MiniportInterruptContext)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)MiniportInterruptContext;

    if (Adapter->InterruptsEnabled) {
        LnHwEnableInterrupts(Adapter);
    }
}

_Use_decl_annotations_
VOID
LnDisableInterrupt(
    NDIS_HANDLE MiniportInterruptContext)
{
    LnHwDisableInterrupts((PLN_ADAPTER)MiniportInterruptContext);
}

_Use_decl_annotations_
VOID
LnEnableMessageInterrupt(
    NDIS_HANDLE MiniportInterruptContext,
    ULONG MessageId)
{
    UNREFERENCED_PARAMETER(MessageId);
    LnEnableInterrupt(MiniportInterruptContext);
}

_Use_decl_annotations_
VOID
LnDisableMessageInterrupt(
    NDIS_HANDLE MiniportInterruptContext,
    ULONG MessageId)
{
    UNREFERENCED_PARAMETER(MessageId);
    LnDisableInterrupt(MiniportInterruptContext);
}

/* ---- Synchronized with the ISR (NdisMSynchronizeWithInterruptEx) ------------------------- */

/*
 * Watchdog: causes latched in ICR that no interrupt delivered (a lost edge, a
 * stuck line, a storming cause we masked). Taken exactly as the ISR takes
 * them; TRUE when the DPC has work.
 */
_Use_decl_annotations_
BOOLEAN
LnSyncWatchdog(
    NDIS_HANDLE SynchronizeContext)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)SynchronizeContext;
    ULONG Icr;

    if (Adapter->Removed || !Adapter->InterruptsEnabled) {
        return FALSE;
    }
    Icr = LN_READ(Adapter, LN_REG_ICR);
    if (Icr == LN_REG_GONE) {
        InterlockedExchange(&Adapter->Removed, 1);
        return TRUE;            /* the DPC does the removal cleanup */
    }
    if ((Icr & LN_INT_ENABLE_MASK) == 0) {
        return FALSE;           /* nothing, or only causes we never use (TXQE) */
    }
    LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);
    InterlockedOr(&Adapter->PendingCauses, (LONG)Icr);
    Adapter->WatchdogRecoveries++;
    return TRUE;
}

/* No more unmasking by the DPC, every cause masked (halt, reset). */
_Use_decl_annotations_
BOOLEAN
LnSyncMaskAll(
    NDIS_HANDLE SynchronizeContext)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)SynchronizeContext;

    InterlockedExchange(&Adapter->InterruptsEnabled, 0);
    LnHwDisableInterrupts(Adapter);
    return TRUE;
}

/* The end of initialization or of a reset: the DPC may unmask again; unmask now. */
_Use_decl_annotations_
BOOLEAN
LnSyncUnmask(
    NDIS_HANDLE SynchronizeContext)
{
    PLN_ADAPTER Adapter = (PLN_ADAPTER)SynchronizeContext;

    InterlockedExchange(&Adapter->InterruptsEnabled, 1);
    LnHwEnableInterrupts(Adapter);
    return TRUE;
}
