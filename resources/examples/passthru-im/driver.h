/*
 * PassthruIm - an NDIS 6.20 intermediate (IM) pass-through driver for NDIS Lab.
 *
 * Shared definitions: NDIS version selection for both edges, pool tags, the
 * driver, binding and virtual-miniport contexts, and a role-typed declaration
 * for every callback so that the checker (like SDV) knows which function plays
 * which NDIS role.
 *
 * Shape of the driver (one of each per lower adapter):
 *
 *      protocols above (TCP/IP, ...)
 *              |  MiniportSendNetBufferLists / NdisMIndicateReceiveNetBufferLists
 *      +---------------------------+
 *      |  PT_MINIPORT              |  virtual miniport (NdisIMInitializeDeviceInstanceEx)
 *      |  PT_BINDING               |  protocol binding (NdisOpenAdapterEx)
 *      +---------------------------+
 *              |  NdisSendNetBufferLists / ProtocolReceiveNetBufferLists
 *      lower adapter (miniport below)
 *
 * Written for NDIS Lab; not derived from any Microsoft sample.
 */
#ifndef _PASSTHRU_IM_DRIVER_H_
#define _PASSTHRU_IM_DRIVER_H_

/* Select both interfaces before ndis.h: a connectionless miniport edge and a
   protocol edge, both NDIS 6.20. */
#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT     1
#define NDIS620              1

#include <ndis.h>

/* ---- Identity ------------------------------------------------------------ */
#define PT_DRIVER_MAJOR_VERSION    1
#define PT_DRIVER_MINOR_VERSION    0
#define PT_VENDOR_DESCRIPTION      "NDIS Lab pass-through intermediate adapter"
#define PT_VENDOR_ID               0x00FFFFFF   /* no IEEE OUI: high byte = NIC index 0 */

/* One virtual miniport per lower adapter: its device instance name is the
   first of UpperBindings in the protocol's key for that binding. */
#define PT_MAX_DEVICE_NAME_CHARS   128

/* One tag per kind of allocation, so a leak report names the culprit. */
#define PT_TAG_BINDING             'BtPI'       /* PT_BINDING (protocol edge)      */
#define PT_TAG_MINIPORT            'MtPI'       /* PT_MINIPORT (virtual miniport)  */
#define PT_TAG_NBL_CONTEXT         'CtPI'       /* PT_NBL_CONTEXT on passed NBLs   */

#define PT_PRINT(_level, _fmt, ...) \
    DbgPrintEx(DPFLTR_IHVNETWORK_ID, (_level), "PassthruIm: " _fmt, ##__VA_ARGS__)

/* ---- Ethernet ------------------------------------------------------------ */
#define PT_MAC_LENGTH              6
#define PT_HEADER_SIZE             14
#define PT_MAX_MCAST_LIST          32

/* Statistics the virtual miniport keeps itself (general attributes) ... */
#define PT_SUPPORTED_STATISTICS \
    (NDIS_STATISTICS_XMIT_OK_SUPPORTED | NDIS_STATISTICS_RCV_OK_SUPPORTED | \
     NDIS_STATISTICS_XMIT_ERROR_SUPPORTED | NDIS_STATISTICS_RCV_DISCARDS_SUPPORTED | \
     NDIS_STATISTICS_XMIT_DISCARDS_SUPPORTED | \
     NDIS_STATISTICS_DIRECTED_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_DIRECTED_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_MULTICAST_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_MULTICAST_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_BROADCAST_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_BROADCAST_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_DIRECTED_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_DIRECTED_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_MULTICAST_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_MULTICAST_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_BROADCAST_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_BROADCAST_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_BYTES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_GEN_STATISTICS_SUPPORTED)

/* ... and which NDIS_STATISTICS_INFO fields (OID_GEN_STATISTICS) are valid. */
#define PT_VALID_STATISTICS \
    (NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_RCV_DISCARDS | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_XMIT | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_BYTES_XMIT | NDIS_STATISTICS_FLAGS_VALID_XMIT_ERROR | \
     NDIS_STATISTICS_FLAGS_VALID_XMIT_DISCARDS | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_RCV | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_XMIT | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_XMIT)

/* ---- States ---------------------------------------------------------------- */

/* The protocol edge's view of its binding (ndis-rules §3.3). */
typedef enum _PT_BINDING_STATE {
    PtBindingOpening = 0,    /* inside ProtocolBindAdapterEx                  */
    PtBindingPaused,         /* after the open, after NetEventPause            */
    PtBindingRunning,        /* after NetEventRestart: the only state we send  */
    PtBindingPausing,        /* inside NetEventPause, waiting for the data path */
    PtBindingClosing         /* inside ProtocolUnbindAdapterEx                 */
} PT_BINDING_STATE;

/* The virtual miniport's adapter state (ndis-rules §3.2). */
typedef enum _PT_MINIPORT_STATE {
    PtMiniportPaused = 0,    /* after init, after a pause completes */
    PtMiniportRunning,       /* after MiniportRestart               */
    PtMiniportPausing        /* MiniportPause returned PENDING      */
} PT_MINIPORT_STATE;

/* Destination classes, for the packet filter and the per-class statistics. */
typedef enum _PT_CAST {
    PtCastDirected = 0,
    PtCastMulticast,
    PtCastBroadcast,
    PtCastCount              /* also: "no usable Ethernet header" */
} PT_CAST;

/*
 * Context the driver pushes on every NBL it passes through (send: down the
 * binding; receive: up the virtual miniport) with NdisAllocateNetBufferListContext.
 * A driver that forwards an NBL must put its own handle in SourceHandle and
 * give the NBL back with the SourceHandle the previous owner set.
 */
typedef struct _PT_NBL_CONTEXT {
    NDIS_HANDLE SavedSourceHandle;
    ULONG Cast;                       /* PT_CAST of a send, for the statistics at completion */
} PT_NBL_CONTEXT, *PPT_NBL_CONTEXT;

/* Context sizes must be multiples of MEMORY_ALLOCATION_ALIGNMENT. */
#define PT_NBL_CONTEXT_SIZE \
    (((ULONG)sizeof(PT_NBL_CONTEXT) + MEMORY_ALLOCATION_ALIGNMENT - 1) & \
     ~(ULONG)(MEMORY_ALLOCATION_ALIGNMENT - 1))
#define PT_NBL_CONTEXT_OF(_Nbl) ((PPT_NBL_CONTEXT)NET_BUFFER_LIST_CONTEXT_DATA_START(_Nbl))

/* ---- Contexts --------------------------------------------------------------- */

/* What NDIS_BIND_PARAMETERS said about the lower adapter. The link fields are
   kept current by ProtocolStatusEx (under the binding's Lock). */
typedef struct _PT_LOWER_ADAPTER {
    NDIS_MEDIUM MediaType;
    NDIS_PHYSICAL_MEDIUM PhysicalMediumType;
    ULONG MtuSize;
    ULONG64 MaxXmitLinkSpeed;
    ULONG64 XmitLinkSpeed;
    ULONG64 MaxRcvLinkSpeed;
    ULONG64 RcvLinkSpeed;
    NDIS_MEDIA_CONNECT_STATE MediaConnectState;
    NDIS_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG LookaheadSize;
    ULONG SupportedPacketFilters;
    ULONG MaxMulticastListSize;
    ULONG MacOptions;
    ULONG DataBackFillSize;
    ULONG ContextBackFillSize;
    USHORT MacAddressLength;
    UCHAR CurrentMacAddress[NDIS_MAX_PHYS_ADDRESS_LENGTH];
} PT_LOWER_ADAPTER, *PPT_LOWER_ADAPTER;

struct _PT_MINIPORT;

/*
 * One per lower adapter, from ProtocolBindAdapterEx until NdisCloseAdapterEx
 * has completed in ProtocolUnbindAdapterEx. It outlives its virtual miniport:
 * the unbind de-initializes the miniport (which halts it) before closing.
 */
typedef struct _PT_BINDING {
    LIST_ENTRY Link;                  /* in GlobalDriver.BindingList            */
    NDIS_HANDLE BindingHandle;        /* from NdisOpenAdapterEx                 */
    UINT SelectedMediumIndex;         /* written by NdisOpenAdapterEx           */
    PT_LOWER_ADAPTER Lower;

    /* The virtual device instance asked for with NdisIMInitializeDeviceInstanceEx
       (UpperBindings, read in the bind). */
    NDIS_STRING DeviceName;
    WCHAR DeviceNameBuffer[PT_MAX_DEVICE_NAME_CHARS];

    /* Open / close that pended: ProtocolOpen/CloseAdapterCompleteEx signals. */
    NDIS_EVENT OpenCloseEvent;
    NDIS_STATUS OpenCloseStatus;

    /* Signalled when MiniportInitializeEx for this binding has returned. */
    NDIS_EVENT MiniportInitDone;

    NDIS_SPIN_LOCK Lock;
    BOOLEAN LockAllocated;

    /* ---- Everything below is protected by Lock. ---- */
    PT_BINDING_STATE State;
    /* NdisIMInitializeDeviceInstanceEx accepted our request and MiniportInitializeEx
       has not been called yet: the request can still be cancelled. */
    BOOLEAN InitPending;
    /* The virtual miniport: set when MiniportInitializeEx succeeds, cleared by MiniportHaltEx. */
    struct _PT_MINIPORT *Miniport;
    /* The data path through this binding: sends passed down and not yet
       completed, receives indicated up and not yet returned. */
    LONG SendsDown;
    LONG ReceivesUp;
    NDIS_EVENT DataPathIdle;          /* signalled while both counts are zero   */
    /* Status indications being forwarded up (NdisMIndicateStatusEx in progress). */
    LONG StatusIndications;
    NDIS_EVENT StatusIdle;            /* signalled while none is in progress    */
} PT_BINDING, *PPT_BINDING;

/*
 * The virtual miniport's adapter context, from MiniportInitializeEx to
 * MiniportHaltEx. Its state is protected by its binding's Lock (one lock for
 * both edges of a binding: no lock ordering to get wrong).
 */
typedef struct _PT_MINIPORT {
    NDIS_HANDLE MiniportHandle;
    PPT_BINDING Binding;

    /* ---- Under Binding->Lock ---- */
    PT_MINIPORT_STATE State;
    BOOLEAN PausePending;             /* MiniportPause returned PENDING */

    /* A request passed down the binding (OID_GEN_LINK_STATE: only the adapter
       below knows its link), as our own copy: NDIS sends this miniport one
       request at a time, so one is enough. UpRequest is NDIS's, completed
       with NdisMOidRequestComplete when the one below pended. */
    NDIS_OID_REQUEST DownRequest;
    PNDIS_OID_REQUEST UpRequest;

    /* OID state */
    UCHAR CurrentAddress[PT_MAC_LENGTH];   /* the lower adapter's address */
    ULONG PacketFilter;
    ULONG LookaheadSize;
    ULONG MulticastCount;
    UCHAR MulticastList[PT_MAX_MCAST_LIST][PT_MAC_LENGTH];

    /* Statistics, indexed by PT_CAST */
    ULONG64 XmitFrames[PtCastCount];
    ULONG64 XmitBytes[PtCastCount];
    ULONG64 RcvFrames[PtCastCount];
    ULONG64 RcvBytes[PtCastCount];
    ULONG64 XmitErrors;               /* the lower adapter failed the send         */
    ULONG64 XmitDiscards;             /* completed here: paused, or no NBL context */
    ULONG64 RcvDiscards;              /* not indicated: paused, filtered, runt     */
} PT_MINIPORT, *PPT_MINIPORT;

typedef struct _PT_DRIVER {
    NDIS_HANDLE MiniportDriverHandle; /* NdisMRegisterMiniportDriver */
    NDIS_HANDLE ProtocolHandle;       /* NdisRegisterProtocolDriver  */
    NDIS_SPIN_LOCK Lock;              /* protects BindingList        */
    LIST_ENTRY BindingList;
} PT_DRIVER;

extern PT_DRIVER GlobalDriver;
extern NDIS_OID PtSupportedOids[];
extern const ULONG PtSupportedOidsSize;   /* in bytes */

/* ---- Role-typed declarations ------------------------------------------------ */

/* driverentry.c */
DRIVER_INITIALIZE DriverEntry;
MINIPORT_DRIVER_UNLOAD PtDriverUnload;

/* protocol.c: the protocol edge (lower binding) */
PROTOCOL_BIND_ADAPTER_EX PtBindAdapterEx;
PROTOCOL_UNBIND_ADAPTER_EX PtUnbindAdapterEx;
PROTOCOL_OPEN_ADAPTER_COMPLETE_EX PtOpenAdapterCompleteEx;
PROTOCOL_CLOSE_ADAPTER_COMPLETE_EX PtCloseAdapterCompleteEx;
PROTOCOL_NET_PNP_EVENT PtNetPnPEvent;
PROTOCOL_OID_REQUEST_COMPLETE PtOidRequestComplete;
PROTOCOL_STATUS_EX PtStatusEx;
PROTOCOL_RECEIVE_NET_BUFFER_LISTS PtReceiveNetBufferLists;
PROTOCOL_SEND_NET_BUFFER_LISTS_COMPLETE PtSendNetBufferListsComplete;

/* miniport.c: the miniport edge (virtual miniport) */
MINIPORT_INITIALIZE PtMpInitializeEx;
MINIPORT_HALT PtMpHaltEx;
MINIPORT_PAUSE PtMpPause;
MINIPORT_RESTART PtMpRestart;
MINIPORT_SHUTDOWN PtMpShutdownEx;
MINIPORT_DEVICE_PNP_EVENT_NOTIFY PtMpDevicePnPEventNotify;
MINIPORT_SEND_NET_BUFFER_LISTS PtMpSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS PtMpReturnNetBufferLists;
MINIPORT_CANCEL_SEND PtMpCancelSend;

/* oid.c */
MINIPORT_OID_REQUEST PtMpOidRequest;
MINIPORT_CANCEL_OID_REQUEST PtMpCancelOidRequest;
VOID PtOidDownComplete(_In_ PPT_BINDING Binding, _In_ PNDIS_OID_REQUEST OidRequest, _In_ NDIS_STATUS Status);

/* ---- Internal helpers (miniport.c) -------------------------------------------- */

/* The callers tell us the IRQL through flags: trust them (SDV Flags_Irql). */
#define PT_LOCK(_B, _AtDispatch) \
    do { if (_AtDispatch) NdisDprAcquireSpinLock(&(_B)->Lock); \
         else NdisAcquireSpinLock(&(_B)->Lock); } while (0)
#define PT_UNLOCK(_B, _AtDispatch) \
    do { if (_AtDispatch) NdisDprReleaseSpinLock(&(_B)->Lock); \
         else NdisReleaseSpinLock(&(_B)->Lock); } while (0)

PT_CAST PtClassifyNbl(_In_ PNET_BUFFER_LIST Nbl,
                      _Out_writes_bytes_(PT_MAC_LENGTH) PUCHAR Destination,
                      _Out_ PULONG Frames, _Out_ PULONG Bytes);
BOOLEAN PtFilterAcceptsLocked(_In_ PPT_MINIPORT Miniport, _In_ PT_CAST Cast,
                              _In_reads_bytes_(PT_MAC_LENGTH) const UCHAR *Destination);
VOID PtDataPathEnterLocked(_Inout_ PPT_BINDING Binding, _In_ LONG Sends, _In_ LONG Receives);
VOID PtDataPathLeave(_Inout_ PPT_BINDING Binding, _In_ LONG Sends, _In_ LONG Receives,
                     _In_ BOOLEAN AtDispatch);

#endif /* _PASSTHRU_IM_DRIVER_H_ */
