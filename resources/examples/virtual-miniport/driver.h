/*
 * VirtMp - a hardware-free NDIS 6.20 Ethernet miniport for NDIS Lab.
 *
 * Shared definitions: NDIS version selection, pool tags, the driver and
 * adapter contexts, and a role-typed declaration for every callback so that
 * the checker (like SDV) knows which function plays which NDIS role.
 *
 * Written for NDIS Lab; not derived from any Microsoft sample.
 */
#ifndef _VIRTMP_DRIVER_H_
#define _VIRTMP_DRIVER_H_

/* Select the interface before ndis.h: a connectionless miniport, NDIS 6.20. */
#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT     1

#include <ndis.h>

/* ---- Identity ------------------------------------------------------------ */
#define VMP_DRIVER_MAJOR_VERSION   1
#define VMP_DRIVER_MINOR_VERSION   0
#define VMP_VENDOR_DESCRIPTION     "NDIS Lab virtual loopback Ethernet adapter"
#define VMP_VENDOR_ID              0x00FFFFFF   /* no IEEE OUI: high byte = NIC index 0 */

/* One tag per kind of allocation, so a leak report names the culprit. */
#define VMP_TAG_ADAPTER            'AtmV'       /* adapter context           */
#define VMP_TAG_FRAMES             'FtmV'       /* receive frame storage     */
#define VMP_TAG_NBL_POOL           'NtmV'       /* NET_BUFFER_LIST pool      */
#define VMP_TAG_TIMER              'TtmV'       /* timer object              */

#define VMP_PRINT(_level, _fmt, ...) \
    DbgPrintEx(DPFLTR_IHVNETWORK_ID, (_level), "VirtMp: " _fmt, ##__VA_ARGS__)

/* ---- Ethernet ------------------------------------------------------------ */
#define VMP_MAC_LENGTH             6
#define VMP_HEADER_SIZE            14
#define VMP_MTU                    1500
#define VMP_MAX_FRAME_SIZE         (VMP_MTU + VMP_HEADER_SIZE)
#define VMP_MAX_MCAST_LIST         32
#define VMP_LINK_SPEED             1000000000ULL   /* 1 Gbit/s, in bits per second */

#define VMP_SUPPORTED_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | \
     NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST | \
     NDIS_PACKET_TYPE_PROMISCUOUS)

#define VMP_MAC_OPTIONS \
    (NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND | \
     NDIS_MAC_OPTION_NO_LOOPBACK)

/* General attributes: which OID_GEN_* counters exist ... */
#define VMP_SUPPORTED_STATISTICS \
    (NDIS_STATISTICS_XMIT_OK_SUPPORTED | NDIS_STATISTICS_RCV_OK_SUPPORTED | \
     NDIS_STATISTICS_RCV_NO_BUFFER_SUPPORTED | NDIS_STATISTICS_RCV_DISCARDS_SUPPORTED | \
     NDIS_STATISTICS_DIRECTED_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_DIRECTED_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_MULTICAST_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_MULTICAST_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_BROADCAST_BYTES_XMIT_SUPPORTED | NDIS_STATISTICS_BROADCAST_FRAMES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_DIRECTED_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_DIRECTED_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_MULTICAST_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_MULTICAST_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_BROADCAST_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_BROADCAST_FRAMES_RCV_SUPPORTED | \
     NDIS_STATISTICS_BYTES_RCV_SUPPORTED | NDIS_STATISTICS_BYTES_XMIT_SUPPORTED | \
     NDIS_STATISTICS_GEN_STATISTICS_SUPPORTED)

/* ... and which NDIS_STATISTICS_INFO fields (OID_GEN_STATISTICS) are valid. */
#define VMP_VALID_STATISTICS \
    (NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_RCV_DISCARDS | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_XMIT | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_BYTES_XMIT | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_RCV | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_XMIT | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_XMIT)

/* ---- Registry keyword "MaxFrames": number of receive frames ---------------- */
#define VMP_MAX_FRAMES_DEFAULT     16
#define VMP_MAX_FRAMES_MIN         2
#define VMP_MAX_FRAMES_MAX         64

/* The "wire": a periodic timer that moves queued sends to the receive side. */
#define VMP_WIRE_PERIOD_MS         10

/* ---- Contexts --------------------------------------------------------------- */
typedef enum _VMP_STATE {
    VmpStatePaused = 0,      /* after init, after pause completes */
    VmpStateRunning,         /* after restart                      */
    VmpStatePausing          /* MiniportPause returned PENDING      */
} VMP_STATE;

/* Destination classes, for the per-class statistics. */
typedef enum _VMP_CAST {
    VmpCastDirected = 0,
    VmpCastMulticast,
    VmpCastBroadcast,
    VmpCastCount
} VMP_CAST;

/* One receive frame owned by the adapter: buffer + MDL + NBL, recycled forever. */
typedef struct _VMP_RX_FRAME {
    struct _VMP_RX_FRAME *Next;     /* free-list link while the frame is idle */
    PUCHAR Buffer;                  /* VMP_MAX_FRAME_SIZE bytes               */
    PMDL Mdl;
    PNET_BUFFER_LIST Nbl;
} VMP_RX_FRAME, *PVMP_RX_FRAME;

typedef struct _VMP_ADAPTER {
    LIST_ENTRY Link;                 /* in GlobalDriver.AdapterList */
    NDIS_HANDLE AdapterHandle;       /* NDIS's handle for this adapter */

    /* Configuration (registry) */
    ULONG MaxFrames;
    UCHAR PermanentAddress[VMP_MAC_LENGTH];
    UCHAR CurrentAddress[VMP_MAC_LENGTH];

    /* Resources, in allocation order (released in the reverse order) */
    NDIS_HANDLE NblPool;
    PUCHAR FrameMemory;              /* MaxFrames * VMP_MAX_FRAME_SIZE */
    ULONG FrameMemorySize;
    PVMP_RX_FRAME Frames;            /* MaxFrames descriptors */
    ULONG FramesSize;
    ULONG FramesBuilt;               /* descriptors with a live MDL and NBL */
    NDIS_SPIN_LOCK Lock;
    BOOLEAN LockAllocated;
    NDIS_HANDLE WorkItem;
    NDIS_HANDLE WireTimer;

    /* Everything below is protected by Lock. */
    VMP_STATE State;
    BOOLEAN PauseCompletionPending;  /* MiniportPause returned PENDING          */
    LONG ReceiveRefs;                /* frames owned by NDIS + wire passes busy */
    PVMP_RX_FRAME FreeFrames;
    PNET_BUFFER_LIST SendHead;       /* sends waiting for the wire (FIFO)       */
    PNET_BUFFER_LIST SendTail;
    BOOLEAN LinkWorkQueued;
    NDIS_EVENT LinkWorkIdle;         /* signalled while no work item is queued  */

    /* OID state */
    ULONG PacketFilter;
    ULONG LookaheadSize;
    ULONG MulticastCount;
    UCHAR MulticastList[VMP_MAX_MCAST_LIST][VMP_MAC_LENGTH];

    /* Statistics (under Lock), indexed by VMP_CAST */
    ULONG64 XmitFrames[VmpCastCount];
    ULONG64 XmitBytes[VmpCastCount];
    ULONG64 RcvFrames[VmpCastCount];
    ULONG64 RcvBytes[VmpCastCount];
    ULONG64 RcvNoBuffer;             /* no free receive frame */
    ULONG64 RcvDiscards;             /* malformed (runt / oversized) */
} VMP_ADAPTER, *PVMP_ADAPTER;

typedef struct _VMP_DRIVER {
    NDIS_HANDLE DriverHandle;
    NDIS_SPIN_LOCK Lock;             /* protects AdapterList */
    LIST_ENTRY AdapterList;
} VMP_DRIVER;

extern VMP_DRIVER GlobalDriver;
extern NDIS_OID VmpSupportedOids[];
extern const ULONG VmpSupportedOidsSize;   /* in bytes */

/* ---- Role-typed declarations (miniport.c) ---------------------------------- */
DRIVER_INITIALIZE DriverEntry;
MINIPORT_SET_OPTIONS MpSetOptions;
MINIPORT_DRIVER_UNLOAD MpDriverUnload;

/* adapter.c */
MINIPORT_INITIALIZE MpInitializeEx;
MINIPORT_HALT MpHaltEx;
MINIPORT_PAUSE MpPause;
MINIPORT_RESTART MpRestart;
MINIPORT_SHUTDOWN MpShutdownEx;
MINIPORT_DEVICE_PNP_EVENT_NOTIFY MpDevicePnPEventNotify;
NDIS_TIMER_FUNCTION MpWireTimer;
NDIS_IO_WORKITEM_FUNCTION MpLinkStateWork;

/* datapath.c */
MINIPORT_SEND_NET_BUFFER_LISTS MpSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS MpReturnNetBufferLists;
MINIPORT_CANCEL_SEND MpCancelSend;

/* oid.c */
MINIPORT_OID_REQUEST MpOidRequest;
MINIPORT_CANCEL_OID_REQUEST MpCancelOidRequest;

/* ---- Internal helpers --------------------------------------------------------- */
VOID VmpCompleteSends(_In_ PVMP_ADAPTER Adapter, _In_opt_ PNET_BUFFER_LIST NblChain,
                      _In_ NDIS_STATUS Status, _In_ BOOLEAN AtDispatch);
VOID VmpRunWire(_In_ PVMP_ADAPTER Adapter);
VMP_CAST VmpClassify(_In_reads_bytes_(VMP_MAC_LENGTH) const UCHAR *Destination);
VOID VmpReleaseReceiveRefs(_In_ PVMP_ADAPTER Adapter, _In_ LONG Count, _In_ BOOLEAN AtDispatch);

#endif /* _VIRTMP_DRIVER_H_ */
