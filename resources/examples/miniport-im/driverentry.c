/*
 * MiniportIm - DriverEntry and unload.
 *
 * DriverEntry (ndis-rules §3.4):
 *   1. NdisMRegisterMiniportDriver, Flags 0: the physical miniport.
 *   2. NdisMRegisterMiniportDriver, Flags NDIS_INTERMEDIATE_DRIVER: the
 *      intermediate miniport, for device instances with IMMiniport = 1.
 *   3. NdisRegisterProtocolDriver: the protocol edge an intermediate driver has.
 *   4. NdisIMAssociateMiniport(intermediate handle, protocol handle).
 * Each failure undoes what succeeded, newest first, and returns its status.
 * MiniportDriverUnload undoes all of it: the protocol, then both miniport
 * registrations.
 */
#include "driver.h"

#pragma NDIS_INIT_FUNCTION(DriverEntry)
#pragma NDIS_PAGEABLE_FUNCTION(MimDriverUnload)

MIM_DRIVER GlobalDriver;

/* The characteristics both registrations share; `Kind` decides the Flags. */
static NDIS_STATUS
MimRegisterMiniport(
    _In_ PDRIVER_OBJECT DriverObject,
    _In_ PUNICODE_STRING RegistryPath,
    _In_ MIM_KIND Kind,
    _Out_ PNDIS_HANDLE DriverHandle)
{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS Chars;

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;     /* 6  */
    Chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;     /* 20 */
    Chars.MajorDriverVersion = MIM_DRIVER_MAJOR_VERSION;
    Chars.MinorDriverVersion = MIM_DRIVER_MINOR_VERSION;
    Chars.Flags = Kind == MimVirtual ? NDIS_INTERMEDIATE_DRIVER : 0;

    Chars.InitializeHandlerEx = Kind == MimVirtual ? MimVirtualInitializeEx : MimPhysicalInitializeEx;
    Chars.HaltHandlerEx = MimHaltEx;
    Chars.UnloadHandler = MimDriverUnload;
    Chars.PauseHandler = MimPause;
    Chars.RestartHandler = MimRestart;
    Chars.OidRequestHandler = MimOidRequest;
    Chars.SendNetBufferListsHandler = MimSendNetBufferLists;
    Chars.ReturnNetBufferListsHandler = MimReturnNetBufferLists;
    Chars.CancelSendHandler = MimCancelSend;
    Chars.DevicePnPEventNotifyHandler = MimDevicePnPEventNotify;
    Chars.ShutdownHandlerEx = MimShutdownEx;
    Chars.CancelOidRequestHandler = MimCancelOidRequest;

    /* Left NULL in both: CheckForHangHandlerEx and ResetHandlerEx (there is no
       hardware to hang, and NDIS requires them NULL for the intermediate
       registration), SetOptionsHandler, and the direct OID pair. */

    /* MiniportDriverContext tells the shared code which registration NDIS
       initializes an adapter for. */
    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath,
                                       (NDIS_HANDLE)(ULONG_PTR)Kind, &Chars, DriverHandle);
}

static NDIS_STATUS
MimRegisterProtocol(VOID)
{
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS Chars;
    NDIS_STRING Name = NDIS_STRING_CONST("MiniportIm");

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.Header.Type = NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS;
    Chars.Header.Revision = NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.Header.Size = NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2;
    Chars.MajorNdisVersion = NDIS_PROTOCOL_MAJOR_VERSION;     /* 6  */
    Chars.MinorNdisVersion = NDIS_PROTOCOL_MINOR_VERSION;     /* 20 */
    Chars.MajorDriverVersion = MIM_DRIVER_MAJOR_VERSION;
    Chars.MinorDriverVersion = MIM_DRIVER_MINOR_VERSION;
    Chars.Name = Name;                  /* the protocol's service name */

    Chars.BindAdapterHandlerEx = MimBindAdapterEx;
    Chars.UnbindAdapterHandlerEx = MimUnbindAdapterEx;
    Chars.OpenAdapterCompleteHandlerEx = MimOpenAdapterCompleteEx;
    Chars.CloseAdapterCompleteHandlerEx = MimCloseAdapterCompleteEx;
    Chars.NetPnPEventHandler = MimNetPnPEvent;
    Chars.OidRequestCompleteHandler = MimOidRequestComplete;
    Chars.StatusHandlerEx = MimStatusEx;
    Chars.ReceiveNetBufferListsHandler = MimReceiveNetBufferLists;
    Chars.SendNetBufferListsCompleteHandler = MimSendNetBufferListsComplete;

    /* NDIS may call MimBindAdapterEx as soon as this returns. */
    return NdisRegisterProtocolDriver(&GlobalDriver, &Chars, &GlobalDriver.ProtocolHandle);
}

_Use_decl_annotations_
NTSTATUS
DriverEntry(
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS Status;

    MIM_PRINT(DPFLTR_INFO_LEVEL, "DriverEntry, NDIS %u.%u miniport-intermediate driver\n",
              NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION);

    NdisZeroMemory(&GlobalDriver, sizeof(GlobalDriver));
    InitializeListHead(&GlobalDriver.AdapterList);
    InitializeListHead(&GlobalDriver.BindingList);
    NdisAllocateSpinLock(&GlobalDriver.Lock);

    /* 1. The physical miniport. */
    Status = MimRegisterMiniport(DriverObject, RegistryPath, MimPhysical, &GlobalDriver.PhysicalDriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "physical registration failed: 0x%08x\n", Status);
        goto FreeLock;
    }

    /* 2. The intermediate miniport. */
    Status = MimRegisterMiniport(DriverObject, RegistryPath, MimVirtual, &GlobalDriver.VirtualDriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "intermediate registration failed: 0x%08x\n", Status);
        goto DeregisterPhysical;
    }

    /* 3. The protocol edge. */
    Status = MimRegisterProtocol();
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "NdisRegisterProtocolDriver failed: 0x%08x\n", Status);
        GlobalDriver.ProtocolHandle = NULL;
        goto DeregisterVirtual;
    }

    /* 4. Tie the protocol edge to the intermediate registration (DriverEntry only). */
    NdisIMAssociateMiniport(GlobalDriver.VirtualDriverHandle, GlobalDriver.ProtocolHandle);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "registered: physical %p, intermediate %p, protocol %p\n",
              GlobalDriver.PhysicalDriverHandle, GlobalDriver.VirtualDriverHandle,
              GlobalDriver.ProtocolHandle);
    return NDIS_STATUS_SUCCESS;

DeregisterVirtual:
    NdisMDeregisterMiniportDriver(GlobalDriver.VirtualDriverHandle);
DeregisterPhysical:
    GlobalDriver.VirtualDriverHandle = NULL;
    NdisMDeregisterMiniportDriver(GlobalDriver.PhysicalDriverHandle);
FreeLock:
    GlobalDriver.PhysicalDriverHandle = NULL;
    NdisFreeSpinLock(&GlobalDriver.Lock);
    return Status;
}

_Use_decl_annotations_
VOID
MimDriverUnload(
    PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(DriverObject);

    MIM_PRINT(DPFLTR_INFO_LEVEL, "MiniportDriverUnload\n");

    /* NDIS halts every adapter and unbinds every binding first. */
    ASSERT(IsListEmpty(&GlobalDriver.AdapterList));
    ASSERT(IsListEmpty(&GlobalDriver.BindingList));

    /* Reverse order of DriverEntry: the protocol, then both miniport registrations. */
    NdisDeregisterProtocolDriver(GlobalDriver.ProtocolHandle);
    GlobalDriver.ProtocolHandle = NULL;
    NdisMDeregisterMiniportDriver(GlobalDriver.VirtualDriverHandle);
    GlobalDriver.VirtualDriverHandle = NULL;
    NdisMDeregisterMiniportDriver(GlobalDriver.PhysicalDriverHandle);
    GlobalDriver.PhysicalDriverHandle = NULL;
    NdisFreeSpinLock(&GlobalDriver.Lock);
}
