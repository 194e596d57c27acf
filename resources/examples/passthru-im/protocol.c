/*
 * PassthruIm - the protocol edge: one binding per lower adapter.
 *
 * Binding lifecycle (ndis-rules §3.3, §3.4):
 *   ProtocolBindAdapterEx     allocate the binding context, save what
 *                             NDIS_BIND_PARAMETERS says about the lower adapter,
 *                             NdisOpenAdapterEx (inside the bind, as NDIS requires),
 *                             then ask for the virtual miniport with
 *                             NdisIMInitializeDeviceInstanceEx. MiniportInitializeEx
 *                             may run inside that call, later, or never.
 *   NetEventRestart / Pause   the binding's Running state; a pause waits until
 *                             every send passed down is complete and every
 *                             receive indicated up is back.
 *   ProtocolUnbindAdapterEx   de-initialize the virtual miniport (or cancel the
 *                             request if it never started), NdisCloseAdapterEx,
 *                             and free the binding only after the close completed.
 * Data path (lower side): ProtocolReceiveNetBufferLists indicates the lower
 * adapter's receives up the virtual miniport; ProtocolSendNetBufferListsComplete
 * completes our forwarded sends up to the protocols above.
 */
#include "driver.h"

/* Never paged: these callbacks take the binding's spin lock (DISPATCH_LEVEL). */

/* ---- Binding context ------------------------------------------------------- */

/* The virtual device instance over this lower adapter, as the installation
   recorded it: UpperBindings in the protocol's key for this binding
   (BindParameters->ProtocolSection). A REG_MULTI_SZ: an IM driver with one
   virtual miniport per lower adapter uses the first name. The name is copied:
   the parameter NDIS returned is freed when the key is closed. */
static NDIS_STATUS
PtReadDeviceName(
    _Inout_ PPT_BINDING Binding,
    _In_ PCNDIS_STRING ProtocolSection)
{
    NDIS_STRING Keyword = NDIS_STRING_CONST("UpperBindings");
    NDIS_HANDLE Config = NULL;
    PNDIS_CONFIGURATION_PARAMETER Parameter = NULL;
    NDIS_STATUS Status;
    ULONG Chars = 0;
    ULONG Max;

    NdisOpenProtocolConfiguration(&Status, &Config, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "cannot open the binding's key %wZ: 0x%08x\n", ProtocolSection, Status);
        return Status;
    }

    NdisReadConfiguration(&Status, &Parameter, Config, &Keyword, NdisParameterMultiString);
    if (Status == NDIS_STATUS_SUCCESS &&
        (Parameter->ParameterType == NdisParameterMultiString ||
         Parameter->ParameterType == NdisParameterString)) {
        PNDIS_STRING Names = &Parameter->ParameterData.StringData;

        /* The first name: up to the first NUL (a multi-string's separator). */
        Max = Names->Length / sizeof(WCHAR);
        while (Chars < Max && Names->Buffer[Chars] != L'\0') {
            Chars++;
        }
        if (Chars == 0 || Chars > PT_MAX_DEVICE_NAME_CHARS) {
            Status = NDIS_STATUS_INVALID_LENGTH;
        } else {
            NdisMoveMemory(Binding->DeviceNameBuffer, Names->Buffer, Chars * sizeof(WCHAR));
            Binding->DeviceName.Buffer = Binding->DeviceNameBuffer;
            Binding->DeviceName.Length = (USHORT)(Chars * sizeof(WCHAR));
            Binding->DeviceName.MaximumLength = (USHORT)sizeof(Binding->DeviceNameBuffer);
        }
    } else if (Status == NDIS_STATUS_SUCCESS) {
        Status = NDIS_STATUS_INVALID_DATA;     /* UpperBindings is not a string */
    }
    NdisCloseConfiguration(Config);

    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "no usable UpperBindings under %wZ: 0x%08x\n", ProtocolSection, Status);
    }
    return Status;
}

/* Keep what the virtual miniport reports about itself: it passes traffic
   through unchanged, so it looks like the adapter below. */
static VOID
PtSaveBindParameters(
    _Inout_ PPT_BINDING Binding,
    _In_ PNDIS_BIND_PARAMETERS Parameters)
{
    PPT_LOWER_ADAPTER Lower = &Binding->Lower;

    Lower->MediaType = Parameters->MediaType;
    Lower->PhysicalMediumType = Parameters->PhysicalMediumType;
    Lower->MtuSize = Parameters->MtuSize;
    Lower->MaxXmitLinkSpeed = Parameters->MaxXmitLinkSpeed;
    Lower->XmitLinkSpeed = Parameters->XmitLinkSpeed;
    Lower->MaxRcvLinkSpeed = Parameters->MaxRcvLinkSpeed;
    Lower->RcvLinkSpeed = Parameters->RcvLinkSpeed;
    Lower->MediaConnectState = Parameters->MediaConnectState;
    Lower->MediaDuplexState = Parameters->MediaDuplexState;
    Lower->LookaheadSize = Parameters->LookaheadSize;
    Lower->SupportedPacketFilters = Parameters->SupportedPacketFilters;
    Lower->MaxMulticastListSize = Parameters->MaxMulticastListSize;
    Lower->MacOptions = Parameters->MacOptions;
    Lower->DataBackFillSize = Parameters->DataBackFillSize;
    Lower->ContextBackFillSize = Parameters->ContextBackFillSize;
    Lower->MacAddressLength = Parameters->MacAddressLength;
    if (Lower->MacAddressLength > NDIS_MAX_PHYS_ADDRESS_LENGTH) {
        Lower->MacAddressLength = NDIS_MAX_PHYS_ADDRESS_LENGTH;
    }
    NdisMoveMemory(Lower->CurrentMacAddress, Parameters->CurrentMacAddress,
                   Lower->MacAddressLength);

    PT_PRINT(DPFLTR_INFO_LEVEL,
             "lower %wZ: MTU %u, MAC %02x-%02x-%02x-%02x-%02x-%02x, %llu bit/s, %s\n",
             Parameters->AdapterName, Lower->MtuSize,
             Lower->CurrentMacAddress[0], Lower->CurrentMacAddress[1],
             Lower->CurrentMacAddress[2], Lower->CurrentMacAddress[3],
             Lower->CurrentMacAddress[4], Lower->CurrentMacAddress[5],
             Lower->XmitLinkSpeed,
             Lower->MediaConnectState == MediaConnectStateConnected ? "connected" : "not connected");
}

/* Release a binding context. Its adapter is closed (or was never opened). */
static VOID
PtFreeBinding(_In_ __drv_freesMem(Mem) PPT_BINDING Binding)
{
    ASSERT(Binding->BindingHandle == NULL);
    ASSERT(Binding->Miniport == NULL);

    if (Binding->LockAllocated) {
        NdisFreeSpinLock(&Binding->Lock);
        Binding->LockAllocated = FALSE;
    }
    NdisFreeMemory(Binding, sizeof(PT_BINDING), 0);
}

/* ---- Open and close ---------------------------------------------------------- */

static NDIS_STATUS
PtOpenAdapter(
    _Inout_ PPT_BINDING Binding,
    _In_ NDIS_HANDLE BindContext,
    _In_ PNDIS_BIND_PARAMETERS Parameters)
{
    NDIS_OPEN_PARAMETERS OpenParameters;
    /* Passed by address: must stay valid until the open completes. */
    static NDIS_MEDIUM MediumArray[1] = { NdisMedium802_3 };
    NDIS_STATUS Status;

    NdisZeroMemory(&OpenParameters, sizeof(OpenParameters));
    OpenParameters.Header.Type = NDIS_OBJECT_TYPE_OPEN_PARAMETERS;
    OpenParameters.Header.Revision = NDIS_OPEN_PARAMETERS_REVISION_1;
    OpenParameters.Header.Size = NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1;
    OpenParameters.AdapterName = Parameters->AdapterName;
    OpenParameters.MediumArray = MediumArray;
    OpenParameters.MediumArraySize = RTL_NUMBER_OF(MediumArray);
    OpenParameters.SelectedMediumIndex = &Binding->SelectedMediumIndex;
    OpenParameters.FrameTypeArray = NULL;      /* an IM driver takes every frame type */
    OpenParameters.FrameTypeArraySize = 0;

    NdisResetEvent(&Binding->OpenCloseEvent);
    Status = NdisOpenAdapterEx(GlobalDriver.ProtocolHandle,
                               Binding,               /* our ProtocolBindingContext */
                               &OpenParameters,
                               BindContext,
                               &Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        /* PtOpenAdapterCompleteEx stores the status and signals. The binding
           handle is not usable before that. */
        (VOID)NdisWaitEvent(&Binding->OpenCloseEvent, 0);
        Status = Binding->OpenCloseStatus;
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "NdisOpenAdapterEx(%wZ) failed: 0x%08x\n",
                 Parameters->AdapterName, Status);
        Binding->BindingHandle = NULL;
        return Status;
    }

    ASSERT(Binding->SelectedMediumIndex == 0);
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL; the binding is not used for I/O any more. */
static VOID
PtCloseAdapter(_Inout_ PPT_BINDING Binding)
{
    NDIS_STATUS Status;

    NdisAcquireSpinLock(&Binding->Lock);
    ASSERT(Binding->SendsDown == 0 && Binding->ReceivesUp == 0);
    Binding->State = PtBindingClosing;
    NdisReleaseSpinLock(&Binding->Lock);

    NdisResetEvent(&Binding->OpenCloseEvent);
    Status = NdisCloseAdapterEx(Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        /* The binding context must live until PtCloseAdapterCompleteEx. */
        (VOID)NdisWaitEvent(&Binding->OpenCloseEvent, 0);
        Status = Binding->OpenCloseStatus;
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        PT_PRINT(DPFLTR_WARNING_LEVEL, "NdisCloseAdapterEx: 0x%08x\n", Status);
    }
    /* From here on the binding handle is invalid. */
    Binding->BindingHandle = NULL;
}

_Use_decl_annotations_
VOID
PtOpenAdapterCompleteEx(
    NDIS_HANDLE ProtocolBindingContext,
    NDIS_STATUS Status)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;

    Binding->OpenCloseStatus = Status;
    NdisSetEvent(&Binding->OpenCloseEvent);
}

_Use_decl_annotations_
VOID
PtCloseAdapterCompleteEx(
    NDIS_HANDLE ProtocolBindingContext)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;

    Binding->OpenCloseStatus = NDIS_STATUS_SUCCESS;
    NdisSetEvent(&Binding->OpenCloseEvent);
}

/* ---- The virtual miniport of a binding ----------------------------------------- */

/* Ask NDIS for the binding's virtual miniport (PASSIVE_LEVEL, inside the bind,
   after the open). No lock may be held: MiniportInitializeEx can run inside
   NdisIMInitializeDeviceInstanceEx, and it takes the binding's lock. */
static NDIS_STATUS
PtStartVirtualMiniport(_Inout_ PPT_BINDING Binding)
{
    NDIS_STATUS Status;

    /* Set before the call: MiniportInitializeEx (maybe inside the call) clears it. */
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->InitPending = TRUE;
    NdisReleaseSpinLock(&Binding->Lock);

    Status = NdisIMInitializeDeviceInstanceEx(GlobalDriver.MiniportDriverHandle,
                                              &Binding->DeviceName,
                                              Binding);   /* IMDeviceInstanceContext */
    if (Status == NDIS_STATUS_SUCCESS) {
        /* Initialization initiated: MiniportInitializeEx has run, or will when
           (if ever) the PnP manager starts the device. */
        PT_PRINT(DPFLTR_INFO_LEVEL, "virtual miniport %wZ requested\n", &Binding->DeviceName);
        return NDIS_STATUS_SUCCESS;
    }

    NdisAcquireSpinLock(&Binding->Lock);
    Binding->InitPending = FALSE;
    NdisReleaseSpinLock(&Binding->Lock);

    if (Status == NDIS_STATUS_NOT_ACCEPTED) {
        /* A device instance of that name is initialized already: it is not the
           one this binding asked for, so we must neither cancel nor
           de-initialize it. Without a virtual miniport of its own the binding
           has no purpose: fail the bind. */
        PT_PRINT(DPFLTR_ERROR_LEVEL, "virtual miniport %wZ exists already (NOT_ACCEPTED): bind refused\n",
                 &Binding->DeviceName);
        return NDIS_STATUS_FAILURE;
    }
    PT_PRINT(DPFLTR_ERROR_LEVEL, "NdisIMInitializeDeviceInstanceEx(%wZ) failed: 0x%08x\n",
             &Binding->DeviceName, Status);
    return Status;
}

/* Take the binding's virtual miniport down (PASSIVE_LEVEL, from the unbind). */
static VOID
PtStopVirtualMiniport(_Inout_ PPT_BINDING Binding)
{
    NDIS_STATUS Status;
    PPT_MINIPORT Miniport;
    NDIS_HANDLE MiniportHandle = NULL;
    BOOLEAN InitPending;

    NdisAcquireSpinLock(&Binding->Lock);
    Miniport = Binding->Miniport;
    if (Miniport != NULL) {
        MiniportHandle = Miniport->MiniportHandle;
    }
    InitPending = Binding->InitPending;
    NdisReleaseSpinLock(&Binding->Lock);

    if (MiniportHandle == NULL && InitPending) {
        /* MiniportInitializeEx has not been called: withdraw the request. */
        Status = NdisIMCancelInitializeDeviceInstance(GlobalDriver.MiniportDriverHandle,
                                                      &Binding->DeviceName);
        if (Status == NDIS_STATUS_SUCCESS) {
            NdisAcquireSpinLock(&Binding->Lock);
            Binding->InitPending = FALSE;
            NdisReleaseSpinLock(&Binding->Lock);
            PT_PRINT(DPFLTR_INFO_LEVEL, "virtual miniport %wZ cancelled before it started\n",
                     &Binding->DeviceName);
            return;
        }

        /* Too late: the initialization is running or has run. Wait for
           MiniportInitializeEx to return, then de-initialize what it made. */
        PT_PRINT(DPFLTR_INFO_LEVEL, "cancel of %wZ too late (0x%08x): waiting for its initialization\n",
                 &Binding->DeviceName, Status);
        (VOID)NdisWaitEvent(&Binding->MiniportInitDone, 0);

        NdisAcquireSpinLock(&Binding->Lock);
        Miniport = Binding->Miniport;
        if (Miniport != NULL) {
            MiniportHandle = Miniport->MiniportHandle;
        }
        NdisReleaseSpinLock(&Binding->Lock);
    }

    if (MiniportHandle != NULL) {
        /* NDIS pauses the virtual miniport (unbinding the protocols above it)
           and halts it with NdisHaltDeviceInstanceDeInitialized, inside this call. */
        Status = NdisIMDeInitializeDeviceInstance(MiniportHandle);
        PT_PRINT(DPFLTR_INFO_LEVEL, "virtual miniport %wZ de-initialized: 0x%08x\n",
                 &Binding->DeviceName, Status);
    }
    /* Otherwise: never initialized, or its initialization failed, or NDIS
       halted it already (device disabled): nothing of it is left. */
}

/* ---- Bind and unbind ------------------------------------------------------------ */

_Use_decl_annotations_
NDIS_STATUS
PtBindAdapterEx(
    NDIS_HANDLE ProtocolDriverContext,
    NDIS_HANDLE BindContext,
    PNDIS_BIND_PARAMETERS BindParameters)
{
    PPT_BINDING Binding;
    NDIS_STATUS Status;

    UNREFERENCED_PARAMETER(ProtocolDriverContext);

    if (BindParameters->MediaType != NdisMedium802_3) {
        return NDIS_STATUS_UNSUPPORTED_MEDIA;     /* not opened: nothing to undo */
    }

    /* 1. The binding context (charged to the protocol edge, not to a miniport). */
    Binding = NdisAllocateMemoryWithTagPriority(GlobalDriver.ProtocolHandle, sizeof(PT_BINDING),
                                                PT_TAG_BINDING, NormalPoolPriority);
    if (Binding == NULL) {
        PT_PRINT(DPFLTR_ERROR_LEVEL, "bind to %wZ: no memory for the binding context\n",
                 BindParameters->AdapterName);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Binding, sizeof(PT_BINDING));
    InitializeListHead(&Binding->Link);
    Binding->State = PtBindingOpening;
    NdisAllocateSpinLock(&Binding->Lock);
    Binding->LockAllocated = TRUE;
    NdisInitializeEvent(&Binding->OpenCloseEvent);
    NdisInitializeEvent(&Binding->MiniportInitDone);     /* not signalled: no init yet */
    NdisInitializeEvent(&Binding->DataPathIdle);
    NdisSetEvent(&Binding->DataPathIdle);                 /* nothing in flight */
    NdisInitializeEvent(&Binding->StatusIdle);
    NdisSetEvent(&Binding->StatusIdle);

    /* 2. What NDIS tells us about the lower adapter, and our device name from
          the binding's registry key. */
    PtSaveBindParameters(Binding, BindParameters);
    Status = PtReadDeviceName(Binding, BindParameters->ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS) {
        PtFreeBinding(Binding);
        return Status;
    }

    /* 3. Open the lower adapter (only possible inside the bind). */
    Status = PtOpenAdapter(Binding, BindContext, BindParameters);
    if (Status != NDIS_STATUS_SUCCESS) {
        PtFreeBinding(Binding);
        return Status;
    }
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->State = PtBindingPaused;          /* NDIS restarts the binding next */
    NdisReleaseSpinLock(&Binding->Lock);

    NdisAcquireSpinLock(&GlobalDriver.Lock);
    InsertTailList(&GlobalDriver.BindingList, &Binding->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);

    /* 4. Ask for the virtual miniport above this binding. */
    Status = PtStartVirtualMiniport(Binding);
    if (Status != NDIS_STATUS_SUCCESS) {
        /* A failed bind leaves nothing open: undo 3, then 1. */
        NdisAcquireSpinLock(&GlobalDriver.Lock);
        RemoveEntryList(&Binding->Link);
        NdisReleaseSpinLock(&GlobalDriver.Lock);
        PtCloseAdapter(Binding);
        PtFreeBinding(Binding);
        return Status;
    }

    PT_PRINT(DPFLTR_INFO_LEVEL, "bound to %wZ\n", BindParameters->AdapterName);
    return NDIS_STATUS_SUCCESS;
}

_Use_decl_annotations_
NDIS_STATUS
PtUnbindAdapterEx(
    NDIS_HANDLE UnbindContext,
    NDIS_HANDLE ProtocolBindingContext)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(UnbindContext);
    PT_PRINT(DPFLTR_INFO_LEVEL, "unbind from the lower adapter of %wZ\n", &Binding->DeviceName);

    /* NDIS paused the binding first (NetEventPause): nothing is in flight. */

    /* 1. The virtual miniport goes first: it depends on this binding. */
    PtStopVirtualMiniport(Binding);

    /* 2. Close the lower adapter; wait for the close to complete. */
    NdisAcquireSpinLock(&GlobalDriver.Lock);
    RemoveEntryList(&Binding->Link);
    NdisReleaseSpinLock(&GlobalDriver.Lock);
    PtCloseAdapter(Binding);

    /* 3. Only now may the binding context go. */
    PtFreeBinding(Binding);

    /* Completed synchronously: an unbind cannot fail. */
    return NDIS_STATUS_SUCCESS;
}

/* ---- PnP and status -------------------------------------------------------------- */

_Use_decl_annotations_
NDIS_STATUS
PtNetPnPEvent(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;
    NET_PNP_EVENT_CODE Event = NetPnPEventNotification->NetPnPEvent.NetEvent;

    if (Binding == NULL) {
        /* A global event (reconfigure, bind list, binds complete): nothing to do. */
        PT_PRINT(DPFLTR_INFO_LEVEL, "global net PnP event %d\n", (int)Event);
        return NDIS_STATUS_SUCCESS;
    }

    switch (Event) {
    case NetEventPause:
        /* From now on no new send goes down. The pause completes (we return)
           only when the sends in flight are complete and the receives we
           indicated up are back: wait for the data path to go quiet. */
        NdisAcquireSpinLock(&Binding->Lock);
        Binding->State = PtBindingPausing;
        NdisReleaseSpinLock(&Binding->Lock);

        (VOID)NdisWaitEvent(&Binding->DataPathIdle, 0);

        NdisAcquireSpinLock(&Binding->Lock);
        Binding->State = PtBindingPaused;
        NdisReleaseSpinLock(&Binding->Lock);
        PT_PRINT(DPFLTR_INFO_LEVEL, "binding of %wZ paused\n", &Binding->DeviceName);
        return NDIS_STATUS_SUCCESS;

    case NetEventRestart:
        /* Sends may go down again once we return. */
        NdisAcquireSpinLock(&Binding->Lock);
        Binding->State = PtBindingRunning;
        NdisReleaseSpinLock(&Binding->Lock);
        PT_PRINT(DPFLTR_INFO_LEVEL, "binding of %wZ running\n", &Binding->DeviceName);
        return NDIS_STATUS_SUCCESS;

    default:
        /* Power, query-remove, reconfigure...: nothing binding-specific to do. */
        PT_PRINT(DPFLTR_INFO_LEVEL, "net PnP event %d on %wZ\n", (int)Event, &Binding->DeviceName);
        return NDIS_STATUS_SUCCESS;
    }
}

_Use_decl_annotations_
VOID
PtOidRequestComplete(
    NDIS_HANDLE ProtocolBindingContext,
    PNDIS_OID_REQUEST OidRequest,
    NDIS_STATUS Status)
{
    /* The only requests we send down are the virtual miniport's (oid.c). */
    PtOidDownComplete((PPT_BINDING)ProtocolBindingContext, OidRequest, Status);
}

/* The lower adapter reports a change (link state, ...). Remember the link and
   pass the indication up the virtual miniport, if there is one. */
_Use_decl_annotations_
VOID
PtStatusEx(
    NDIS_HANDLE ProtocolBindingContext,
    PNDIS_STATUS_INDICATION StatusIndication)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;
    NDIS_STATUS_INDICATION Forward;
    NDIS_HANDLE MiniportHandle = NULL;

    NdisAcquireSpinLock(&Binding->Lock);
    if (StatusIndication->StatusCode == NDIS_STATUS_LINK_STATE &&
        StatusIndication->StatusBuffer != NULL &&
        StatusIndication->StatusBufferSize >= sizeof(NDIS_LINK_STATE)) {
        PNDIS_LINK_STATE Link = (PNDIS_LINK_STATE)StatusIndication->StatusBuffer;
        Binding->Lower.MediaConnectState = Link->MediaConnectState;
        Binding->Lower.MediaDuplexState = Link->MediaDuplexState;
        Binding->Lower.XmitLinkSpeed = Link->XmitLinkSpeed;
        Binding->Lower.RcvLinkSpeed = Link->RcvLinkSpeed;
    }
    /* Halt waits for StatusIdle after clearing Binding->Miniport, so the
       miniport handle stays valid while we indicate. */
    if (Binding->Miniport != NULL) {
        MiniportHandle = Binding->Miniport->MiniportHandle;
        if (Binding->StatusIndications++ == 0) {
            NdisResetEvent(&Binding->StatusIdle);
        }
    }
    NdisReleaseSpinLock(&Binding->Lock);

    if (MiniportHandle == NULL) {
        return;     /* no virtual miniport (yet): the next one starts from Lower */
    }

    /* The same indication, now from our miniport. */
    Forward = *StatusIndication;
    Forward.SourceHandle = MiniportHandle;
    Forward.PortNumber = NDIS_DEFAULT_PORT_NUMBER;
    Forward.DestinationHandle = NULL;
    NdisMIndicateStatusEx(MiniportHandle, &Forward);

    NdisAcquireSpinLock(&Binding->Lock);
    if (--Binding->StatusIndications == 0) {
        NdisSetEvent(&Binding->StatusIdle);
    }
    NdisReleaseSpinLock(&Binding->Lock);
}

/* ---- Data path, lower side ---------------------------------------------------------- */

/* The lower adapter finished sends we passed down: give each NBL its
   SourceHandle back and complete it to the protocol above. */
_Use_decl_annotations_
VOID
PtSendNetBufferListsComplete(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_BUFFER_LIST NetBufferList,
    ULONG SendCompleteFlags)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;
    BOOLEAN AtDispatch = NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(SendCompleteFlags);
    PNET_BUFFER_LIST Nbl;
    PPT_MINIPORT Miniport;
    NDIS_HANDLE MiniportHandle;
    LONG Count = 0;

    PT_LOCK(Binding, AtDispatch);
    /* Our sends are in flight, so the miniport cannot have been halted. */
    Miniport = Binding->Miniport;
    ASSERT(Miniport != NULL);
    MiniportHandle = Miniport->MiniportHandle;
    for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        PPT_NBL_CONTEXT Context = PT_NBL_CONTEXT_OF(Nbl);
        PT_CAST Cast = (PT_CAST)Context->Cast;
        PNET_BUFFER Nb;

        if (NET_BUFFER_LIST_STATUS(Nbl) == NDIS_STATUS_SUCCESS) {
            for (Nb = NET_BUFFER_LIST_FIRST_NB(Nbl); Nb != NULL; Nb = NET_BUFFER_NEXT_NB(Nb)) {
                Miniport->XmitFrames[Cast]++;
                Miniport->XmitBytes[Cast] += NET_BUFFER_DATA_LENGTH(Nb);
            }
        } else {
            Miniport->XmitErrors++;
        }
        Count++;
    }
    PT_UNLOCK(Binding, AtDispatch);

    for (Nbl = NetBufferList; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        PPT_NBL_CONTEXT Context = PT_NBL_CONTEXT_OF(Nbl);
        Nbl->SourceHandle = Context->SavedSourceHandle;
        NdisFreeNetBufferListContext(Nbl, PT_NBL_CONTEXT_SIZE);
    }

    /* Complete first, then let a pause that waits for these go on. */
    NdisMSendNetBufferListsComplete(MiniportHandle, NetBufferList,
                                    AtDispatch ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
    PtDataPathLeave(Binding, Count, 0, AtDispatch);
}

/* NDIS_RECEIVE_FLAGS_RESOURCES: the NBLs are NDIS's again when we return, so
   nothing may be kept: indicate them one at a time with the same flag, and
   leave the chain as we found it. */
static VOID
PtReceiveCannotPend(
    _Inout_ PPT_BINDING Binding,
    _In_ PNET_BUFFER_LIST NetBufferLists,
    _In_ ULONG ReceiveFlags)
{
    BOOLEAN AtDispatch = NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(ReceiveFlags);
    PNET_BUFFER_LIST Nbl, Next;

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = Next) {
        UCHAR Destination[PT_MAC_LENGTH];
        ULONG Frames, Bytes;
        PT_CAST Cast = PtClassifyNbl(Nbl, Destination, &Frames, &Bytes);
        PPT_MINIPORT Miniport;
        NDIS_HANDLE MiniportHandle = NULL;
        NDIS_HANDLE SavedSourceHandle;

        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);

        PT_LOCK(Binding, AtDispatch);
        Miniport = Binding->Miniport;
        if (Miniport != NULL) {
            if (Binding->State == PtBindingRunning && Miniport->State == PtMiniportRunning &&
                PtFilterAcceptsLocked(Miniport, Cast, Destination)) {
                MiniportHandle = Miniport->MiniportHandle;
                Miniport->RcvFrames[Cast] += Frames;
                Miniport->RcvBytes[Cast] += Bytes;
                PtDataPathEnterLocked(Binding, 0, 1);   /* a pause waits for this call */
            } else {
                Miniport->RcvDiscards += Frames;
            }
        }
        PT_UNLOCK(Binding, AtDispatch);

        if (MiniportHandle != NULL) {
            SavedSourceHandle = Nbl->SourceHandle;
            Nbl->SourceHandle = MiniportHandle;
            NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
            NdisMIndicateReceiveNetBufferLists(MiniportHandle, Nbl, NDIS_DEFAULT_PORT_NUMBER, 1,
                                               ReceiveFlags);
            NET_BUFFER_LIST_NEXT_NBL(Nbl) = Next;
            Nbl->SourceHandle = SavedSourceHandle;
            PtDataPathLeave(Binding, 0, 1, AtDispatch);
        }
    }
}

/* The lower adapter received frames (DISPATCH_LEVEL or below). Pass those the
   virtual miniport's packet filter accepts up; give the rest back at once. */
_Use_decl_annotations_
VOID
PtReceiveNetBufferLists(
    NDIS_HANDLE ProtocolBindingContext,
    PNET_BUFFER_LIST NetBufferLists,
    NDIS_PORT_NUMBER PortNumber,
    ULONG NumberOfNetBufferLists,
    ULONG ReceiveFlags)
{
    PPT_BINDING Binding = (PPT_BINDING)ProtocolBindingContext;
    BOOLEAN AtDispatch = NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(ReceiveFlags);
    PNET_BUFFER_LIST Nbl, Next;
    PNET_BUFFER_LIST UpHead = NULL, UpTail = NULL, BackHead = NULL, BackTail = NULL;
    ULONG UpCount = 0;
    LONG Unused = 0;             /* data-path references taken for NBLs that went back */
    NDIS_HANDLE MiniportHandle = NULL;

    UNREFERENCED_PARAMETER(PortNumber);
    UNREFERENCED_PARAMETER(NumberOfNetBufferLists);   /* we walk the chain */

    if (NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        PtReceiveCannotPend(Binding, NetBufferLists, ReceiveFlags);
        return;
    }

    for (Nbl = NetBufferLists; Nbl != NULL; Nbl = Next) {
        UCHAR Destination[PT_MAC_LENGTH];
        ULONG Frames, Bytes;
        PT_CAST Cast = PtClassifyNbl(Nbl, Destination, &Frames, &Bytes);
        PPT_MINIPORT Miniport;
        BOOLEAN Up = FALSE;

        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;

        PT_LOCK(Binding, AtDispatch);
        Miniport = Binding->Miniport;
        if (Miniport != NULL) {
            /* Up only while both edges run: a Paused or Pausing miniport must
               not indicate, and a pausing binding returns receives promptly. */
            if (Binding->State == PtBindingRunning && Miniport->State == PtMiniportRunning &&
                PtFilterAcceptsLocked(Miniport, Cast, Destination)) {
                Up = TRUE;
                MiniportHandle = Miniport->MiniportHandle;
                Miniport->RcvFrames[Cast] += Frames;
                Miniport->RcvBytes[Cast] += Bytes;
                PtDataPathEnterLocked(Binding, 0, 1);
            } else {
                Miniport->RcvDiscards += Frames;
            }
        }
        PT_UNLOCK(Binding, AtDispatch);

        if (Up) {
            /* Our SourceHandle on the way up; the lower one is restored on return. */
            if (NdisAllocateNetBufferListContext(Nbl, PT_NBL_CONTEXT_SIZE, 0,
                                                 PT_TAG_NBL_CONTEXT) == NDIS_STATUS_SUCCESS) {
                PPT_NBL_CONTEXT Context = PT_NBL_CONTEXT_OF(Nbl);
                Context->SavedSourceHandle = Nbl->SourceHandle;
                Context->Cast = (ULONG)Cast;
                Nbl->SourceHandle = MiniportHandle;
            } else {
                Up = FALSE;          /* dropped: no room for our context */
                Unused++;
            }
        }

        if (Up) {
            if (UpTail == NULL) {
                UpHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(UpTail) = Nbl;
            }
            UpTail = Nbl;
            UpCount++;
        } else {
            if (BackTail == NULL) {
                BackHead = Nbl;
            } else {
                NET_BUFFER_LIST_NEXT_NBL(BackTail) = Nbl;
            }
            BackTail = Nbl;
        }
    }

    if (UpHead != NULL) {
        /* Not NDIS_RECEIVE_FLAGS_RESOURCES: NDIS hands them to
           PtMpReturnNetBufferLists when the protocols above are done. */
        NdisMIndicateReceiveNetBufferLists(MiniportHandle, UpHead, NDIS_DEFAULT_PORT_NUMBER,
                                           UpCount, ReceiveFlags);
    }
    if (BackHead != NULL) {
        NdisReturnNetBufferLists(Binding->BindingHandle, BackHead,
                                 AtDispatch ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0);
    }
    if (Unused != 0) {
        PtDataPathLeave(Binding, 0, Unused, AtDispatch);
    }
}
