/*
 * PassthruIm - driver-level code: DriverEntry and MiniportDriverUnload.
 *
 * Intermediate-driver DriverEntry (ndis-rules §3.4), in the documented order:
 *   1. NdisMRegisterMiniportDriver with NDIS_INTERMEDIATE_DRIVER in Flags
 *      (no CheckForHangHandlerEx / ResetHandlerEx: a virtual miniport has no
 *      hardware that can hang);
 *   2. NdisRegisterProtocolDriver for the lower edge;
 *   3. NdisIMAssociateMiniport(DriverHandle, ProtocolHandle).
 * A failure undoes what succeeded (newest first) and returns the status:
 * MiniportDriverUnload is not called after a failed DriverEntry.
 * MiniportDriverUnload deregisters the protocol, then the miniport.
 */
#include "driver.h"

#pragma NDIS_INIT_FUNCTION(DriverEntry)
#pragma NDIS_PAGEABLE_FUNCTION(PtDriverUnload)

PT_DRIVER GlobalDriver;

static NDIS_STATUS
PtRegisterMiniport(
    _In_ PDRIVER_OBJECT DriverObject,
    _In_ PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS Chars;

    /* Every field we do not set must be zero: start from a zeroed structure. */
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;

    Chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;     /* 6  */
    Chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;     /* 20 */
    Chars.MajorDriverVersion = PT_DRIVER_MAJOR_VERSION;
    Chars.MinorDriverVersion = PT_DRIVER_MINOR_VERSION;

    /* An intermediate driver: NDIS initializes our virtual miniports only when
       we ask for them (NdisIMInitializeDeviceInstanceEx), never for a PnP device. */
    Chars.Flags = NDIS_INTERMEDIATE_DRIVER;

    Chars.InitializeHandlerEx = PtMpInitializeEx;
    Chars.HaltHandlerEx = PtMpHaltEx;
    Chars.UnloadHandler = PtDriverUnload;
    Chars.PauseHandler = PtMpPause;
    Chars.RestartHandler = PtMpRestart;
    Chars.OidRequestHandler = PtMpOidRequest;
    Chars.SendNetBufferListsHandler = PtMpSendNetBufferLists;
    Chars.ReturnNetBufferListsHandler = PtMpReturnNetBufferLists;
    Chars.CancelSendHandler = PtMpCancelSend;
    Chars.DevicePnPEventNotifyHandler = PtMpDevicePnPEventNotify;
    Chars.ShutdownHandlerEx = PtMpShutdownEx;
    Chars.CancelOidRequestHandler = PtMpCancelOidRequest;

    /*
     * Left NULL on purpose: CheckForHangHandlerEx and ResetHandlerEx (NDIS
     * requires them NULL for an IM driver: the miniport below does its own
     * hang detection), SetOptionsHandler (no optional services), and the
     * direct OID pair.
     */

    return NdisMRegisterMiniportDriver(DriverObject,
                                       RegistryPath,
                                       &GlobalDriver,
                                       &Chars,
                                       &GlobalDriver.MiniportDriverHandle);
}

static NDIS_STATUS
PtRegisterProtocol(VOID)
{
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS Chars;
    /* NDIS_STRING_CONST pastes L onto a literal: the name is spelled out here. */
    NDIS_STRING Name = NDIS_STRING_CONST("PassthruIm");

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;

    Chars.MajorNdisVersion = NDIS_PROTOCOL_MAJOR_VERSION;     /* 6  */
    Chars.MinorNdisVersion = NDIS_PROTOCOL_MINOR_VERSION;     /* 20 */
    Chars.MajorDriverVersion = PT_DRIVER_MAJOR_VERSION;
    Chars.MinorDriverVersion = PT_DRIVER_MINOR_VERSION;
    Chars.Flags = 0;
    Chars.Name = Name;                  /* must match the protocol's service name */

    Chars.BindAdapterHandlerEx = PtBindAdapterEx;
    Chars.UnbindAdapterHandlerEx = PtUnbindAdapterEx;
    Chars.OpenAdapterCompleteHandlerEx = PtOpenAdapterCompleteEx;
    Chars.CloseAdapterCompleteHandlerEx = PtCloseAdapterCompleteEx;
    Chars.NetPnPEventHandler = PtNetPnPEvent;
    Chars.OidRequestCompleteHandler = PtOidRequestComplete;
    Chars.StatusHandlerEx = PtStatusEx;
    Chars.ReceiveNetBufferListsHandler = PtReceiveNetBufferLists;
    Chars.SendNetBufferListsCompleteHandler = PtSendNetBufferListsComplete;

    /* Left NULL: SetOptionsHandler, UninstallHandler (nothing protocol-wide to
       release before unload), DirectOidRequestCompleteHandler (no direct OIDs). */

    /* NDIS may call PtBindAdapterEx as soon as this returns. */
    return NdisRegisterProtocolDriver(&GlobalDriver, &Chars, &GlobalDriver.ProtocolHandle);
}

_Use_decl_annotations_
NTSTATUS
DriverEntry(
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS Status;

    PT_PRINT(DPFLTR_INFO_LEVEL, "DriverEntry, NDIS %u.%u intermediate driver\n",
             NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION);

    /* Driver-wide state: the only thing we own before registering. */
    NdisZeroMemory(&GlobalDriver, sizeof(GlobalDriver));
    InitializeListHead(&GlobalDriver.BindingList);
    NdisAllocateSpinLock(&GlobalDriver.Lock);

    /* 1. The miniport edge. */
    Status = PtRegisterMiniport(DriverObject, RegistryPath);
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "NdisMRegisterMiniportDriver failed: 0x%08x\n", Status);
        GlobalDriver.MiniportDriverHandle = NULL;
        NdisFreeSpinLock(&GlobalDriver.Lock);
        return Status;
    }

    /* 2. The protocol edge. */
    Status = PtRegisterProtocol();
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "NdisRegisterProtocolDriver failed: 0x%08x\n", Status);
        /* Undo step 1: NDIS keeps nothing of a driver whose DriverEntry failed. */
        GlobalDriver.ProtocolHandle = NULL;
        NdisMDeregisterMiniportDriver(GlobalDriver.MiniportDriverHandle);
        GlobalDriver.MiniportDriverHandle = NULL;
        NdisFreeSpinLock(&GlobalDriver.Lock);
        return Status;
    }

    /* 3. Tie the two edges together (DriverEntry only; cannot fail). */
    NdisIMAssociateMiniport(GlobalDriver.MiniportDriverHandle, GlobalDriver.ProtocolHandle);

    PT_PRINT(DPFLTR_INFO_LEVEL, "registered: miniport %p, protocol %p\n",
             GlobalDriver.MiniportDriverHandle, GlobalDriver.ProtocolHandle);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
PtDriverUnload(
    PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(DriverObject);

    PT_PRINT(DPFLTR_INFO_LEVEL, "MiniportDriverUnload\n");

    /* NDIS unbinds every binding (and so halts every virtual miniport) before
       the driver can be unloaded: nothing of ours is left. */
    ASSERT(IsListEmpty(&GlobalDriver.BindingList));

    /* Reverse order of DriverEntry: the protocol edge, then the miniport edge. */
    NdisDeregisterProtocolDriver(GlobalDriver.ProtocolHandle);
    GlobalDriver.ProtocolHandle = NULL;
    NdisMDeregisterMiniportDriver(GlobalDriver.MiniportDriverHandle);
    GlobalDriver.MiniportDriverHandle = NULL;
    NdisFreeSpinLock(&GlobalDriver.Lock);
}
