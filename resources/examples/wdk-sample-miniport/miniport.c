/*
 * LoopNic - driver entry, registration and unload.
 */
#include "miniport.h"

#pragma NDIS_INIT_FUNCTION(DriverEntry)
#pragma NDIS_PAGEABLE_FUNCTION(MpDriverUnload)
#pragma NDIS_PAGEABLE_FUNCTION(MpSetOptions)

LOOPNIC_DRIVER GlobalDriver;

_Use_decl_annotations_
NTSTATUS
DriverEntry(
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS Status;
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS MChars;

    DbgPrintEx(DPFLTR_IHVNETWORK_ID, DPFLTR_INFO_LEVEL,
               "LoopNic: DriverEntry (NDIS %d.%d)\n",
               NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION);

    NdisZeroMemory(&GlobalDriver, sizeof(GlobalDriver));
    InitializeListHead(&GlobalDriver.AdapterList);
    NdisAllocateSpinLock(&GlobalDriver.Lock);

    NdisZeroMemory(&MChars, sizeof(MChars));
    MChars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    MChars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    MChars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;

    MChars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;
    MChars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;
    MChars.MajorDriverVersion = LOOPNIC_MAJOR_DRIVER_VERSION;
    MChars.MinorDriverVersion = LOOPNIC_MINOR_DRIVER_VERSION;
    MChars.Flags = 0;

    MChars.SetOptionsHandler = MpSetOptions;
    MChars.InitializeHandlerEx = MpInitializeEx;
    MChars.HaltHandlerEx = MpHaltEx;
    MChars.UnloadHandler = MpDriverUnload;
    MChars.PauseHandler = MpPause;
    MChars.RestartHandler = MpRestart;
    MChars.OidRequestHandler = MpOidRequest;
    MChars.SendNetBufferListsHandler = MpSendNetBufferLists;
    MChars.ReturnNetBufferListsHandler = MpReturnNetBufferLists;
    MChars.CancelSendHandler = MpCancelSend;
    MChars.CheckForHangHandlerEx = NULL;   /* discouraged for new drivers */
    MChars.ResetHandlerEx = NULL;
    MChars.DevicePnPEventNotifyHandler = MpDevicePnPEventNotify;
    MChars.ShutdownHandlerEx = MpShutdownEx;
    MChars.CancelOidRequestHandler = MpCancelOidRequest;
    MChars.DirectOidRequestHandler = NULL;
    MChars.CancelDirectOidRequestHandler = NULL;

    Status = NdisMRegisterMiniportDriver(DriverObject,
                                         RegistryPath,
                                         (NDIS_HANDLE)&GlobalDriver,
                                         &MChars,
                                         &GlobalDriver.MiniportDriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("LoopNic: NdisMRegisterMiniportDriver failed %08x\n", Status);
        NdisFreeSpinLock(&GlobalDriver.Lock);
        return Status;
    }

    return STATUS_SUCCESS;
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
    /* No optional services (e.g. NdisSetOptionalHandlers) are needed. */
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MpDriverUnload(
    PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(DriverObject);

    ASSERT(IsListEmpty(&GlobalDriver.AdapterList));
    NdisMDeregisterMiniportDriver(GlobalDriver.MiniportDriverHandle);
    NdisFreeSpinLock(&GlobalDriver.Lock);
    KdPrint(("LoopNic: unloaded\n"));
}
