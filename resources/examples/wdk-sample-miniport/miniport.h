/*
 * LoopNic - a small NDIS 6.20 Ethernet miniport written for NDIS Lab.
 * It owns no hardware: frames sent to it are copied back up as receives.
 */
#pragma once

#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT 1
#include <ndis.h>
#include <ntintsafe.h>

#define LOOPNIC_POOL_TAG          'pLNL'   /* shows as "LNLp" in pool dumps */
#define LOOPNIC_NBL_TAG           'bLNL'
#define LOOPNIC_MAJOR_DRIVER_VERSION 1
#define LOOPNIC_MINOR_DRIVER_VERSION 0
#define LOOPNIC_VENDOR_DRIVER_VERSION \
    ((LOOPNIC_MAJOR_DRIVER_VERSION << 16) | LOOPNIC_MINOR_DRIVER_VERSION)

#define LOOPNIC_MTU               1500
#define LOOPNIC_HEADER_SIZE       14
#define LOOPNIC_MAX_FRAME         (LOOPNIC_MTU + LOOPNIC_HEADER_SIZE)
#define LOOPNIC_LINK_SPEED        1000000000ULL
#define LOOPNIC_MAX_MCAST         32
#define LOOPNIC_RECV_NBLS         16
#define LOOPNIC_WATCHDOG_MS       2000
#define ETH_LENGTH_OF_ADDRESS     6

#define LOOPNIC_SUPPORTED_FILTERS (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | \
                                   NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST | \
                                   NDIS_PACKET_TYPE_PROMISCUOUS)

typedef enum _LOOPNIC_STATE {
    LoopNicPaused,
    LoopNicRunning,
    LoopNicPausing
} LOOPNIC_STATE;

typedef struct _LOOPNIC_DRIVER {
    NDIS_HANDLE     MiniportDriverHandle;
    LIST_ENTRY      AdapterList;
    NDIS_SPIN_LOCK  Lock;
} LOOPNIC_DRIVER, *PLOOPNIC_DRIVER;

typedef struct DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) _LOOPNIC_ADAPTER {
    LIST_ENTRY      Link;
    NDIS_HANDLE     AdapterHandle;
    LOOPNIC_STATE   State;
    NDIS_SPIN_LOCK  Lock;
    NDIS_HANDLE     NblPool;
    NDIS_HANDLE     WatchdogTimer;
    NDIS_HANDLE     LinkWorkItem;
    volatile LONG   PendingSends;
    ULONG           PacketFilter;
    ULONG           LookaheadSize;
    ULONG           McastCount;
    UCHAR           McastList[LOOPNIC_MAX_MCAST][ETH_LENGTH_OF_ADDRESS];
    UCHAR           PermanentAddress[ETH_LENGTH_OF_ADDRESS];
    UCHAR           CurrentAddress[ETH_LENGTH_OF_ADDRESS];
    ULONG64         FramesTx;
    ULONG64         FramesRx;
    ULONG64         BytesTx;
    ULONG64         BytesRx;
} LOOPNIC_ADAPTER, *PLOOPNIC_ADAPTER;

extern LOOPNIC_DRIVER GlobalDriver;

/* Role-typed declarations: the lab (like SDV) identifies callbacks by these. */
DRIVER_INITIALIZE DriverEntry;
MINIPORT_SET_OPTIONS MpSetOptions;
MINIPORT_DRIVER_UNLOAD MpDriverUnload;
MINIPORT_INITIALIZE MpInitializeEx;
MINIPORT_HALT MpHaltEx;
MINIPORT_PAUSE MpPause;
MINIPORT_RESTART MpRestart;
MINIPORT_OID_REQUEST MpOidRequest;
MINIPORT_CANCEL_OID_REQUEST MpCancelOidRequest;
MINIPORT_SEND_NET_BUFFER_LISTS MpSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS MpReturnNetBufferLists;
MINIPORT_CANCEL_SEND MpCancelSend;
MINIPORT_DEVICE_PNP_EVENT_NOTIFY MpDevicePnPEventNotify;
MINIPORT_SHUTDOWN MpShutdownEx;
NDIS_TIMER_FUNCTION MpWatchdogTimer;
NDIS_IO_WORKITEM_FUNCTION MpLinkWorkItem;

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
MpReadConfiguration(
    _Inout_ PLOOPNIC_ADAPTER Adapter);

VOID
MpIndicateLinkState(
    _In_ PLOOPNIC_ADAPTER Adapter,
    _In_ NDIS_MEDIA_CONNECT_STATE ConnectState);
