/*
 * MiniportIm - the protocol edge an intermediate driver registers.
 *
 * One MIM_BINDING per lower adapter NDIS binds it to (ndis-rules §3.3):
 *   ProtocolBindAdapterEx     allocate the binding, NdisOpenAdapterEx inside the
 *                             bind (waiting if it pends), keep it in the list.
 *   NetEventPause / Restart   the binding's Running flag.
 *   ProtocolUnbindAdapterEx   NdisCloseAdapterEx, wait for the close, free.
 * This driver's virtual adapters come from device instances with IMMiniport = 1
 * (PnP starts them), not from NdisIMInitializeDeviceInstanceEx, so a bind asks
 * for no virtual miniport; and the edge sends nothing down. Receives from below
 * are returned at once (or left to NDIS with NDIS_RECEIVE_FLAGS_RESOURCES).
 */
#include "driver.h"

#pragma NDIS_PAGEABLE_FUNCTION(MimBindAdapterEx)
#pragma NDIS_PAGEABLE_FUNCTION(MimUnbindAdapterEx)
#pragma NDIS_PAGEABLE_FUNCTION(MimNetPnPEvent)

static VOID
MimFreeBinding(_In_ __drv_freesMem(Mem) PMIM_BINDING Binding)
{
    NdisFreeSpinLock(&Binding->Lock);
    NdisFreeMemory(Binding, sizeof(MIM_BINDING), 0);
}

_Use_decl_annotations_
NDIS_STATUS
MimBindAdapterEx(
    NDIS_HANDLE ProtocolDriverContext,
    NDIS_HANDLE BindContext,
    PNDIS_BIND_PARAMETERS BindParameters)
{
    /* Passed by address: must stay valid until the open completes. */
    static NDIS_MEDIUM MediumArray[1] = { NdisMedium802_3 };
    NDIS_OPEN_PARAMETERS OpenParameters;
    PMIM_BINDING Binding;
    NDIS_STATUS Status;

    PAGED_CODE();
    UNREFERENCED_PARAMETER(ProtocolDriverContext);

    if (BindParameters->MediaType != NdisMedium802_3) {
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    }

    Binding = NdisAllocateMemoryWithTagPriority(GlobalDriver.ProtocolHandle, sizeof(MIM_BINDING),
                                                MIM_TAG_BINDING, NormalPoolPriority);
    if (Binding == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Binding, sizeof(MIM_BINDING));
    InitializeListHead(&Binding->Link);
    NdisAllocateSpinLock(&Binding->Lock);
    NdisInitializeEvent(&Binding->OpenCloseEvent);

    NdisZeroMemory(&OpenParameters, sizeof(OpenParameters));
    OpenParameters.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS;
    OpenParameters.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1;
    OpenParameters.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    OpenParameters.AdapterName = BindParameters->AdapterName;
    OpenParameters.MediumArray = MediumArray;
    OpenParameters.MediumArraySize = RTL_NUMBER_OF(MediumArray);
    OpenParameters.SelectedMediumIndex = &Binding->SelectedMediumIndex;

    Status = NdisOpenAdapterEx(GlobalDriver.ProtocolHandle, Binding, &OpenParameters,
                               BindContext, &Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        /* The handle is usable only once MimOpenAdapterCompleteEx has run. */
        (VOID)NdisWaitEvent(&Binding->OpenCloseEvent, 0);
        Status = Binding->OpenCloseStatus;
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        MIM_PRINT(DPFLTR_ERROR_LEVEL, "cannot open %wZ: 0x%08x\n", BindParameters->AdapterName, Status);
        Binding->BindingHandle = NULL;
        MimFreeBinding(Binding);
        return Status;
    }

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    InsertTailList(&GlobalDriver.BindingList, &Binding->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "bound to %wZ\n", BindParameters->AdapterName);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
MimUnbindAdapterEx(
    NDIS_HANDLE UnbindContext,
    NDIS_HANDLE ProtocolBindingContext)
{
    PMIM_BINDING Binding = (PMIM_BINDING)ProtocolBindingContext;
    NDIS_STATUS Status;

    PAGED_CODE();
    UNREFERENCED_PARAMETER(UnbindContext);

    /* NDIS paused the binding first; this edge sends nothing, so nothing is in flight. */
    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Binding->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    NdisResetEvent(&Binding->OpenCloseEvent);
    Status = NdisCloseAdapterEx(Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        /* MimCloseAdapterCompleteEx still needs the binding: free it after. */
        (VOID)NdisWaitEvent(&Binding->OpenCloseEvent, 0);
    }
    Binding->BindingHandle = NULL;
    MimFreeBinding(Binding);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "unbound\n");
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MimOpenAdapterCompleteEx(
    NDIS_HANDLE ProtocolBindingContext,
    NDIS_STATUS Status)
{
    PMIM_BINDING Binding = (PMIM_BINDING)ProtocolBindingContext;

    Binding->OpenCloseStatus = Status;
    NdisSetEvent(&Binding->OpenCloseEvent);
}

_Use_decl_annotations_
VOID
MimCloseAdapterCompleteEx(
    NDIS_HANDLE ProtocolBindingContext)
{
    PMIM_BINDING Binding = (PMIM_BINDING)ProtocolBindingContext;

    Binding->OpenCloseStatus = NDIS_STATUS_SUCCESS;
    NdisSetEvent(&Binding->OpenCloseEvent);
}

_Use_decl_annotations_
NDIS_STATUS
MimNetPnPEvent(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification)
{
    PMIM_BINDING Binding = (PMIM_BINDING)ProtocolBindingContext;
    NET_PNP_EVENT_CODE Event = NetPnPEventNotification->NetPnPEvent.NetEvent;

    PAGED_CODE();
    /* A NULL binding context is an event for the protocol as a whole. */
    if (Binding == NULL) {
        return NDIS_STATUS_SUCCESS;
    }
    if (Event == NetEventPause || Event == NetEventRestart) {
        NdisAcquireSpinLock(&Binding->Lock);
        Binding->Running = Event == NetEventRestart;
        NdisReleaseSpinLock(&Binding->Lock);
    }
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
MimOidRequestComplete(
    NDIS_HANDLE ProtocolBindingContext,
    PNDIS_OID_REQUEST OidRequest,
    NDIS_STATUS Status)
{
    /* This edge issues no OID requests, so none completes. */
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(OidRequest);
    UNREFERENCED_PARAMETER(Status);
}

_Use_decl_annotations_
VOID
MimStatusEx(
    NDIS_HANDLE ProtocolBindingContext,
    PNDIS_STATUS_INDICATION StatusIndication)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    MIM_PRINT(DPFLTR_INFO_LEVEL, "status 0x%08x from below\n", StatusIndication->StatusCode);
}

_Use_decl_annotations_
VOID
MimReceiveNetBufferLists(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_BUFFER_LIST NetBufferLists,
    NDIS_PORT_NUMBER PortNumber,
    ULONG NumberOfNetBufferLists,
    ULONG ReceiveFlags)
{
    PMIM_BINDING Binding = (PMIM_BINDING)ProtocolBindingContext;
    ULONG ReturnFlags = 0;

    UNREFERENCED_PARAMETER(PortNumber);
    UNREFERENCED_PARAMETER(NumberOfNetBufferLists);

    /* With NDIS_RECEIVE_FLAGS_RESOURCES the NBLs are NDIS's again on return:
       they must not be returned. Otherwise give them back now. */
    if (NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        return;
    }
    if (NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(ReceiveFlags)) {
        NDIS_SET_RETURN_FLAG(ReturnFlags, NDIS_RETURN_FLAGS_DISPATCH_LEVEL);
    }
    NdisReturnNetBufferLists(Binding->BindingHandle, NetBufferLists, ReturnFlags);
}

_Use_decl_annotations_
VOID
MimSendNetBufferListsComplete(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_BUFFER_LIST NetBufferList,
    ULONG SendCompleteFlags)
{
    /* This edge sends nothing down, so nothing comes back. */
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(NetBufferList);
    UNREFERENCED_PARAMETER(SendCompleteFlags);
}
