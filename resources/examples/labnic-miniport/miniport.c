/*
 * LabNic - driver-level code: DriverEntry, MiniportSetOptions, unload.
 *
 * NDIS sequence shown here (driver object lifecycle):
 *   DriverEntry            zero + fill NDIS_MINIPORT_DRIVER_CHARACTERISTICS (revision 2,
 *                          NDIS 6.20), every required handler plus the CheckForHangEx /
 *                          ResetEx pair a hardware miniport needs, NdisMRegisterMiniportDriver
 *                          (SetOptions runs inside it), return its status; on failure undo
 *                          our own allocations.
 *   MiniportDriverUnload   after every adapter was halted: deregister, free.
 */
#include "driver.h"

#pragma NDIS_INIT_FUNCTION(DriverEntry)
#pragma NDIS_PAGEABLE_FUNCTION(MpDriverUnload)
#pragma NDIS_PAGEABLE_FUNCTION(MpSetOptions)

LN_DRIVER GlobalDriver;

_Use_decl_annotations_
NTSTATUS
DriverEntry(
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS Chars;

    LN_PRINT(DPFLTR_INFO_LEVEL, "DriverEntry, NDIS %u.%u miniport for LabNIC %04x:%04x\n",
             NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION,
             LN_PCI_VENDOR_ID, LN_PCI_DEVICE_ID);

    /* Driver-wide state: the only thing we own before registering. */
    NdisZeroMemory(&GlobalDriver, sizeof(GlobalDriver));
    InitializeListHead(&GlobalDriver.AdapterList);
    NdisAllocateSpinLock(&GlobalDriver.Lock);

    /* Every field we do not set must be zero: start from a zeroed structure. */
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;

    Chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;     /* 6  */
    Chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;     /* 20 */
    Chars.MajorDriverVersion = LN_DRIVER_MAJOR_VERSION;
    Chars.MinorDriverVersion = LN_DRIVER_MINOR_VERSION;
    Chars.Flags = 0;                                          /* not an IM driver */

    /* Required handlers. */
    Chars.SetOptionsHandler = MpSetOptions;
    Chars.InitializeHandlerEx = MpInitializeEx;
    Chars.HaltHandlerEx = MpHaltEx;
    Chars.UnloadHandler = MpDriverUnload;
    Chars.PauseHandler = MpPause;
    Chars.RestartHandler = MpRestart;
    Chars.OidRequestHandler = MpOidRequest;
    Chars.SendNetBufferListsHandler = MpSendNetBufferLists;
    Chars.ReturnNetBufferListsHandler = MpReturnNetBufferLists;
    Chars.CancelSendHandler = MpCancelSend;
    Chars.DevicePnPEventNotifyHandler = MpDevicePnPEventNotify;
    Chars.ShutdownHandlerEx = MpShutdownEx;
    Chars.CancelOidRequestHandler = MpCancelOidRequest;

    /*
     * Real hardware can hang: NDIS asks MiniportCheckForHangEx every
     * CheckForHangTimeInSeconds, and a TRUE answer makes it call
     * MiniportResetEx. They come as a pair. (No direct OID path.)
     */
    Chars.CheckForHangHandlerEx = MpCheckForHangEx;
    Chars.ResetHandlerEx = MpResetEx;

    Status = NdisMRegisterMiniportDriver(DriverObject,
                                         RegistryPath,
                                         &GlobalDriver,
                                         &Chars,
                                         &GlobalDriver.DriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "NdisMRegisterMiniportDriver failed: 0x%08x\n", Status);
        /* Registration failed: NDIS holds nothing of ours, and unload will not
           be called. Release what DriverEntry allocated itself. */
        NdisFreeSpinLock(&GlobalDriver.Lock);
        GlobalDriver.DriverHandle = NULL;
    }

    /* DriverEntry reports exactly what registration reported (never PENDING). */
    return Status;
}

_Use_decl_annotations_
NDIS_STATUS
MpSetOptions(
    NDIS_HANDLE NdisDriverHandle,
    NDIS_HANDLE DriverContext)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(NdisDriverHandle);
    UNREFERENCED_PARAMETER(DriverContext);

    /* Called inside NdisMRegisterMiniportDriver. No optional services. */
    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportSetOptions\n");
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MpDriverUnload(
    PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(DriverObject);

    LN_PRINT(DPFLTR_INFO_LEVEL, "MiniportDriverUnload\n");

    /* NDIS halts every adapter before calling unload, so the list is empty. */
    ASSERT(IsListEmpty(&GlobalDriver.AdapterList));

    NdisMDeregisterMiniportDriver(GlobalDriver.DriverHandle);
    GlobalDriver.DriverHandle = NULL;
    NdisFreeSpinLock(&GlobalDriver.Lock);
}
