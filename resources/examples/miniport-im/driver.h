/*
 * MiniportIm - an NDIS 6.20 miniport-intermediate driver for NDIS Lab.
 *
 * A miniport-intermediate driver registers its miniport edge twice
 * (ndis-rules §3.4, "Miniport-intermediate drivers"):
 *
 *   physical registration      Flags 0. NDIS calls MimPhysicalInitializeEx for
 *                              a device instance whose registry has no
 *                              IMMiniport value (or IMMiniport = 0).
 *   intermediate registration  Flags NDIS_INTERMEDIATE_DRIVER. NDIS calls
 *                              MimVirtualInitializeEx for a device instance
 *                              with IMMiniport = 1 (a DWORD).
 *
 * plus a protocol edge (NdisRegisterProtocolDriver) associated with the
 * intermediate registration (NdisIMAssociateMiniport). Both kinds of adapter
 * are hardware-free Ethernet adapters sharing one set of handlers; what
 * differs is what they tell NDIS about themselves (MIM_ADAPTER.Virtual). The
 * unload deregisters the protocol and both miniport registrations.
 *
 * Written for NDIS Lab; not derived from any Microsoft sample.
 */
#ifndef _MINIPORT_IM_DRIVER_H_
#define _MINIPORT_IM_DRIVER_H_

/* Both edges, NDIS 6.20. */
#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT     1
#define NDIS620              1

#include <ndis.h>

/* ---- Identity ------------------------------------------------------------ */
#define MIM_DRIVER_MAJOR_VERSION   1
#define MIM_DRIVER_MINOR_VERSION   0
#define MIM_VENDOR_DESCRIPTION     "NDIS Lab miniport-intermediate adapter"
#define MIM_VENDOR_ID              0x00FFFFFF   /* no IEEE OUI */

/* One tag per kind of allocation, so a leak report names the culprit. */
#define MIM_TAG_ADAPTER            'AmiM'       /* MIM_ADAPTER  */
#define MIM_TAG_BINDING            'BmiM'       /* MIM_BINDING  */

#define MIM_PRINT(_level, _fmt, ...) \
    DbgPrintEx(DPFLTR_IHVNETWORK_ID, (_level), "MiniportIm: " _fmt, ##__VA_ARGS__)

/* ---- Ethernet ------------------------------------------------------------ */
#define MIM_MAC_LENGTH             6
#define MIM_MTU                    1500
#define MIM_MAX_MCAST_LIST         32
#define MIM_LINK_SPEED             1000000000ULL         /* 1 Gb/s */
#define MIM_SUPPORTED_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | \
     NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST | \
     NDIS_PACKET_TYPE_PROMISCUOUS)
#define MIM_MAC_OPTIONS \
    (NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND | \
     NDIS_MAC_OPTION_NO_LOOPBACK)
#define MIM_SUPPORTED_STATISTICS \
    (NDIS_STATISTICS_XMIT_OK_SUPPORTED | NDIS_STATISTICS_XMIT_DISCARDS_SUPPORTED)

/* What NDIS passes MiniportInitializeEx as MiniportDriverContext: which
   registration this initialization belongs to. */
typedef enum _MIM_KIND {
    MimPhysical = 1,
    MimVirtual = 2
} MIM_KIND;

/* ---- Contexts ------------------------------------------------------------ */
typedef enum _MIM_STATE {
    MimPaused,
    MimRunning
} MIM_STATE;

/* One per adapter, from MiniportInitializeEx to MiniportHaltEx. */
typedef struct _MIM_ADAPTER {
    LIST_ENTRY Link;                  /* in GlobalDriver.AdapterList            */
    NDIS_HANDLE AdapterHandle;
    BOOLEAN Virtual;                  /* initialized by the IM registration     */
    MIM_STATE State;                  /* under Lock                             */
    NDIS_SPIN_LOCK Lock;
    ULONG PacketFilter;
    ULONG Lookahead;
    ULONG MulticastCount;
    UCHAR Multicast[MIM_MAX_MCAST_LIST][MIM_MAC_LENGTH];
    UCHAR PermanentAddress[MIM_MAC_LENGTH];
    UCHAR CurrentAddress[MIM_MAC_LENGTH];
    ULONG64 FramesSent;               /* statistics, under Lock                 */
    ULONG64 FramesDiscarded;
} MIM_ADAPTER, *PMIM_ADAPTER;

/* One per lower adapter the protocol edge is bound to. */
typedef struct _MIM_BINDING {
    LIST_ENTRY Link;                  /* in GlobalDriver.BindingList            */
    NDIS_HANDLE BindingHandle;        /* from NdisOpenAdapterEx                 */
    UINT SelectedMediumIndex;
    BOOLEAN Running;                  /* NetEventRestart .. NetEventPause       */
    NDIS_EVENT OpenCloseEvent;        /* a pended open or close completed       */
    NDIS_STATUS OpenCloseStatus;
    NDIS_SPIN_LOCK Lock;
} MIM_BINDING, *PMIM_BINDING;

typedef struct _MIM_DRIVER {
    NDIS_HANDLE PhysicalDriverHandle;     /* NdisMRegisterMiniportDriver, Flags 0 */
    NDIS_HANDLE VirtualDriverHandle;      /* ... with NDIS_INTERMEDIATE_DRIVER    */
    NDIS_HANDLE ProtocolHandle;           /* NdisRegisterProtocolDriver           */
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY AdapterList;
    LIST_ENTRY BindingList;
    ULONG AdapterCount;                   /* numbers the MAC addresses            */
} MIM_DRIVER;

extern MIM_DRIVER GlobalDriver;
extern NDIS_OID MimSupportedOids[];
extern const ULONG MimSupportedOidsSize;

/* ---- Role-typed declarations ------------------------------------------------ */
/* driverentry.c */
DRIVER_INITIALIZE DriverEntry;
MINIPORT_UNLOAD MimDriverUnload;

/* miniport.c: the two initializations, and the handlers both registrations share */
MINIPORT_INITIALIZE MimPhysicalInitializeEx;
MINIPORT_INITIALIZE MimVirtualInitializeEx;
MINIPORT_HALT MimHaltEx;
MINIPORT_PAUSE MimPause;
MINIPORT_RESTART MimRestart;
MINIPORT_SEND_NET_BUFFER_LISTS MimSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS MimReturnNetBufferLists;
MINIPORT_CANCEL_SEND MimCancelSend;
MINIPORT_DEVICE_PNP_EVENT_NOTIFY MimDevicePnPEventNotify;
MINIPORT_SHUTDOWN MimShutdownEx;

/* oid.c */
MINIPORT_OID_REQUEST MimOidRequest;
MINIPORT_CANCEL_OID_REQUEST MimCancelOidRequest;

/* protocol.c */
PROTOCOL_BIND_ADAPTER_EX MimBindAdapterEx;
PROTOCOL_UNBIND_ADAPTER_EX MimUnbindAdapterEx;
PROTOCOL_OPEN_ADAPTER_COMPLETE_EX MimOpenAdapterCompleteEx;
PROTOCOL_CLOSE_ADAPTER_COMPLETE_EX MimCloseAdapterCompleteEx;
PROTOCOL_NET_PNP_EVENT MimNetPnPEvent;
PROTOCOL_OID_REQUEST_COMPLETE MimOidRequestComplete;
PROTOCOL_STATUS_EX MimStatusEx;
PROTOCOL_RECEIVE_NET_BUFFER_LISTS MimReceiveNetBufferLists;
PROTOCOL_SEND_NET_BUFFER_LISTS_COMPLETE MimSendNetBufferListsComplete;

#endif /* _MINIPORT_IM_DRIVER_H_ */
