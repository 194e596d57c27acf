/*
 * LabNic - an NDIS 6.20 miniport for LabNIC, NDIS Lab's e1000-like gigabit NIC.
 *
 * Shared definitions: the hardware as the datasheet (resources/docs/labnic.md)
 * describes it (PCI identity, register offsets and bits as our own LN_*
 * macros, descriptor formats, EEPROM and PHY), the driver and adapter
 * contexts, and a role-typed declaration for every callback so that the
 * checker (like SDV) knows which function plays which NDIS role.
 *
 * Written for NDIS Lab; not derived from any Microsoft or Intel sample.
 */
#ifndef _LABNIC_DRIVER_H_
#define _LABNIC_DRIVER_H_

/* Select the interface before ndis.h: a connectionless miniport, NDIS 6.20. */
#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT     1

#include <ndis.h>

/* ==== Identity ============================================================ */
#define LN_DRIVER_MAJOR_VERSION    1
#define LN_DRIVER_MINOR_VERSION    0
#define LN_VENDOR_DESCRIPTION      "NDIS Lab LabNIC gigabit Ethernet adapter"
/* OID_GEN_VENDOR_ID: the first three bytes of the default MAC (02-4C-41), NIC index 0. */
#define LN_VENDOR_ID               0x00024C41

/* One tag per kind of allocation, so a leak report names the culprit. */
#define LN_TAG_ADAPTER             'AcnL'       /* adapter context              */
#define LN_TAG_RING_STATE          'RcnL'       /* per-descriptor bookkeeping   */
#define LN_TAG_NBL_POOL            'NcnL'       /* NET_BUFFER_LIST pool         */
#define LN_TAG_TIMER               'TcnL'       /* timer objects                */

#define LN_PRINT(_level, _fmt, ...) \
    DbgPrintEx(DPFLTR_IHVNETWORK_ID, (_level), "LabNic: " _fmt, ##__VA_ARGS__)

/* ==== PCI configuration space (datasheet: PCI configuration) ============= */
#define LN_PCI_VENDOR_ID           0x4C41
#define LN_PCI_DEVICE_ID           0x4E49
/* The header is read as a PCI_COMMON_HEADER (wdm.h); bus mastering (PCI_ENABLE_BUS_MASTER in
   Command) is off at power-on: the driver sets it. */

/* BAR 0 holds 128 KB of registers; we need everything up to RAH0. */
#define LN_REGISTER_SPACE_MIN      0x5408
#define LN_IO_PORT_COUNT           8            /* BAR 1: IOADDR + IODATA        */

/* ==== Registers (memory BAR 0). All 32 bits, little-endian. =============== */
#define LN_REG_CTRL                0x0000
#define LN_REG_STATUS              0x0008
#define LN_REG_EERD                0x0014
#define LN_REG_MDIC                0x0020
#define LN_REG_ICR                 0x00C0       /* read-to-clear                 */
#define LN_REG_ICS                 0x00C8
#define LN_REG_IMS                 0x00D0       /* write 1s: enable; read: mask  */
#define LN_REG_IMC                 0x00D8       /* write 1s: disable             */
#define LN_REG_RCTL                0x0100
#define LN_REG_TCTL                0x0400
#define LN_REG_RDBAL               0x2800
#define LN_REG_RDBAH               0x2804
#define LN_REG_RDLEN               0x2808
#define LN_REG_RDH                 0x2810
#define LN_REG_RDT                 0x2818
#define LN_REG_TDBAL               0x3800
#define LN_REG_TDBAH               0x3804
#define LN_REG_TDLEN               0x3808
#define LN_REG_TDH                 0x3810
#define LN_REG_TDT                 0x3818
#define LN_REG_MPC                 0x4010       /* statistics: all read-to-clear */
#define LN_REG_GPRC                0x4074
#define LN_REG_GPTC                0x4080
#define LN_REG_GORCL               0x4088
#define LN_REG_GORCH               0x408C
#define LN_REG_GOTCL               0x4090
#define LN_REG_GOTCH               0x4094
#define LN_REG_TPR                 0x40D0
#define LN_REG_TPT                 0x40D4
#define LN_REG_RAL0                0x5400
#define LN_REG_RAH0                0x5404

/* I/O window (BAR 1): IOADDR selects a register, IODATA reaches it. */
#define LN_IO_ADDR                 0x0
#define LN_IO_DATA                 0x4

/* CTRL */
#define LN_CTRL_FD                 0x00000001
#define LN_CTRL_SLU                0x00000040
#define LN_CTRL_SPEED_1000         0x00000200
#define LN_CTRL_RST                0x04000000   /* self-clearing: poll it        */
#define LN_CTRL_PHY_RST            0x80000000

/* STATUS */
#define LN_STATUS_FD               0x00000001
#define LN_STATUS_LU               0x00000002
#define LN_STATUS_SPEED_MASK       0x000000C0
#define LN_STATUS_SPEED_SHIFT      6

/* EERD */
#define LN_EERD_START              0x00000001
#define LN_EERD_DONE               0x00000010
#define LN_EERD_ADDR_SHIFT         8
#define LN_EERD_DATA_SHIFT         16

/* MDIC */
#define LN_MDIC_DATA_MASK          0x0000FFFF
#define LN_MDIC_REG_SHIFT          16
#define LN_MDIC_PHY_SHIFT          21
#define LN_MDIC_OP_WRITE           0x04000000
#define LN_MDIC_OP_READ            0x08000000
#define LN_MDIC_READY              0x10000000
#define LN_MDIC_INTERRUPT          0x20000000   /* I: raise MDAC when the access finishes */
#define LN_MDIC_ERROR              0x40000000

/* Interrupt causes (ICR / ICS / IMS / IMC share the bit layout). */
#define LN_INT_TXDW                0x00000001
#define LN_INT_TXQE                0x00000002
#define LN_INT_LSC                 0x00000004
#define LN_INT_RXDMT0              0x00000010
#define LN_INT_RXO                 0x00000040
#define LN_INT_RXT0                0x00000080
#define LN_INT_MDAC                0x00000200
#define LN_INT_DMAERR              0x00100000
#define LN_INT_ALL                 0x001002D7
/* What we unmask: TXQE is redundant with TXDW (RS on every descriptor), MDAC unused. */
#define LN_INT_ENABLE_MASK \
    (LN_INT_TXDW | LN_INT_LSC | LN_INT_RXDMT0 | LN_INT_RXO | LN_INT_RXT0 | LN_INT_MDAC | LN_INT_DMAERR)

/* A register of a device that is gone reads all ones (surprise removal). */
#define LN_REG_GONE                0xFFFFFFFF

/* RCTL */
#define LN_RCTL_EN                 0x00000002
#define LN_RCTL_UPE                0x00000008
#define LN_RCTL_MPE                0x00000010
#define LN_RCTL_RDMTS_HALF         0x00000000
#define LN_RCTL_BAM                0x00008000
#define LN_RCTL_BSIZE_2048         0x00000000

/* TCTL */
#define LN_TCTL_EN                 0x00000002
#define LN_TCTL_PSP                0x00000008

/* RAH0 */
#define LN_RAH_AV                  0x80000000

/* ==== EEPROM (64 words, read through EERD) ================================ */
#define LN_EEPROM_WORDS            64
#define LN_EEPROM_MAC_WORD         0x00         /* words 0..2: MAC, low byte first */
#define LN_EEPROM_CHECKSUM_SUM     0xBABA       /* sum of words 0x00..0x3F          */

/* ==== PHY (MDIO address 1) ================================================= */
#define LN_PHY_ADDRESS             1
#define LN_PHY_BMSR                1
#define LN_PHY_PHYID1              2
#define LN_PHY_PHYID2              3
#define LN_PHY_GSR                 10           /* 1000BASE-T status */
#define LN_PHY_GSR_RECEIVERS_OK    0x3000       /* local and remote receiver status */
#define LN_PHY_GSR_PARTNER_1000FD  0x0800
#define LN_PHY_GSR_PARTNER_1000HD  0x0400
#define LN_PHY_ID1_LABNIC          0x4C41

/* ==== Descriptors (legacy format, 16 bytes) ================================ */
#define LN_TXD_CMD_EOP             0x01
#define LN_TXD_CMD_IFCS            0x02
#define LN_TXD_CMD_RS              0x08
#define LN_TXD_STA_DD              0x01
#define LN_RXD_STA_DD              0x01
#define LN_RXD_STA_EOP             0x02

typedef struct _LN_TX_DESC {
    ULONG64 BufferAddress;          /* bus address of the frame bytes        */
    USHORT Length;
    UCHAR Cso;
    UCHAR Cmd;                      /* EOP | IFCS | RS                       */
    volatile UCHAR Status;          /* DD, written back by the device        */
    UCHAR Css;
    USHORT Special;
} LN_TX_DESC, *PLN_TX_DESC;

typedef struct _LN_RX_DESC {
    ULONG64 BufferAddress;          /* bus address of an RCTL.BSIZE buffer   */
    volatile USHORT Length;         /* written back by the device            */
    USHORT Checksum;
    volatile UCHAR Status;          /* DD | EOP                              */
    UCHAR Errors;
    USHORT Special;
} LN_RX_DESC, *PLN_RX_DESC;

C_ASSERT(sizeof(LN_TX_DESC) == 16);
C_ASSERT(sizeof(LN_RX_DESC) == 16);

/* ==== Ethernet ============================================================= */
#define LN_MAC_LENGTH              6
#define LN_HEADER_SIZE             14
#define LN_MTU                     1500
#define LN_MAX_FRAME_SIZE          (LN_MTU + LN_HEADER_SIZE)    /* no FCS on the lab wire */
#define LN_BUFFER_SIZE             2048         /* RCTL.BSIZE 2048; one tx buffer per descriptor */
#define LN_MAX_MCAST_LIST          32
#define LN_LINK_SPEED              1000000000ULL   /* bits per second */

#define LN_SUPPORTED_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | \
     NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST | \
     NDIS_PACKET_TYPE_PROMISCUOUS)

#define LN_MAC_OPTIONS \
    (NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND | \
     NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX)

/* General attributes: which OID_GEN_* counters exist ... */
#define LN_SUPPORTED_STATISTICS \
    (NDIS_STATISTICS_XMIT_OK_SUPPORTED | NDIS_STATISTICS_RCV_OK_SUPPORTED | \
     NDIS_STATISTICS_XMIT_ERROR_SUPPORTED | NDIS_STATISTICS_RCV_ERROR_SUPPORTED | \
     NDIS_STATISTICS_RCV_NO_BUFFER_SUPPORTED | NDIS_STATISTICS_RCV_DISCARDS_SUPPORTED | \
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
#define LN_VALID_STATISTICS \
    (NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_RCV | NDIS_STATISTICS_FLAGS_VALID_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_RCV_DISCARDS | NDIS_STATISTICS_FLAGS_VALID_RCV_ERROR | \
     NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_XMIT | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_XMIT | NDIS_STATISTICS_FLAGS_VALID_BYTES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_XMIT_ERROR | NDIS_STATISTICS_FLAGS_VALID_XMIT_DISCARDS | \
     NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_RCV | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_RCV | \
     NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_RCV | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_BYTES_XMIT | \
     NDIS_STATISTICS_FLAGS_VALID_MULTICAST_BYTES_XMIT | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_BYTES_XMIT)

/* ==== Registry keywords (default, limits) ================================== */
/* "ReceiveBuffers": receive descriptors in the ring (twice as many buffers exist). */
#define LN_RX_DESC_DEFAULT         256
#define LN_RX_DESC_MIN             64
#define LN_RX_DESC_MAX             1024
/* "TransmitBuffers": transmit descriptors, each with its own copy buffer. */
#define LN_TX_DESC_DEFAULT         256
#define LN_TX_DESC_MIN             64
#define LN_TX_DESC_MAX             1024
/* "MSISupported": ask NDIS for a message-signalled interrupt (1) or not (0). */
#define LN_MSI_DEFAULT             1

/* ==== Timing =============================================================== */
#define LN_RESET_TIMEOUT_MS        50           /* CTRL.RST takes 1 ms; allow a slow one */
#define LN_EERD_POLL_US            5            /* EERD read: 5 us                  */
#define LN_EERD_POLL_TRIES         20
#define LN_MDIC_POLL_US            10           /* MDIC access: 10 us               */
#define LN_MDIC_POLL_TRIES         20
#define LN_WATCHDOG_MS             2            /* lost/stuck interrupt recovery: at 2 ms
                                                   a ring of 256 outlasts 1 Gb/s of 64-byte bursts */
#define LN_STATS_EVERY_TICKS       500          /* fold the RC counters every second */
#define LN_STORM_DPC_LIMIT         64           /* DPCs in a row with nothing to do */
#define LN_STORM_MASK_MS           100          /* how long a storming cause stays masked */
#define LN_STORM_EPISODE_GAP_100NS (10 * 1000 * 1000)   /* 1 s without a storm ends an episode */
#define LN_CHECK_FOR_HANG_SECONDS  2

/* Error-log values: which step failed or which event happened (second word). */
#define LN_ERRLOG_ALLOC_ADAPTER    1
#define LN_ERRLOG_CONFIGURATION    2
#define LN_ERRLOG_ATTRIBUTES       3
#define LN_ERRLOG_SOFTWARE         4            /* pool, locks, timers, work item */
#define LN_ERRLOG_PCI              5
#define LN_ERRLOG_RESOURCES        6            /* BAR mapping, I/O ports */
#define LN_ERRLOG_RESET            7
#define LN_ERRLOG_EEPROM           8
#define LN_ERRLOG_DMA              9            /* SG DMA, shared memory, rx NBLs */
#define LN_ERRLOG_INTERRUPT        10
#define LN_ERRLOG_RUNTIME_DMAERR   20
#define LN_ERRLOG_RUNTIME_STORM    21
#define LN_ERRLOG_RUNTIME_RESET    22
#define LN_ERRLOG_RUNTIME_REMOVED  23

/* ==== Contexts ================================================================ */
typedef enum _LN_STATE {
    LnStatePaused = 0,       /* after init, after pause completes */
    LnStateRunning,          /* after restart                      */
    LnStatePausing           /* MiniportPause returned PENDING      */
} LN_STATE;

typedef enum _LN_CAST {
    LnCastDirected = 0,
    LnCastMulticast,
    LnCastBroadcast,
    LnCastCount
} LN_CAST;

/* Link state as last indicated to NDIS. */
typedef enum _LN_LINK {
    LnLinkUnknown = 0,
    LnLinkUp,
    LnLinkDown
} LN_LINK;

/* A receive buffer: 2 KB of shared memory with its MDL and NBL, recycled forever. */
typedef struct _LN_RX_BUFFER {
    struct _LN_RX_BUFFER *Next;     /* free-list link while the buffer is idle */
    PUCHAR Va;
    ULONG64 Pa;
    PMDL Mdl;
    PNET_BUFFER_LIST Nbl;
} LN_RX_BUFFER, *PLN_RX_BUFFER;

/* One transmit descriptor's software side: its copy buffer and the NBL it carries. */
typedef struct _LN_TX_SLOT {
    PUCHAR Va;
    ULONG64 Pa;
    PNET_BUFFER_LIST Nbl;           /* NULL while the descriptor is free */
} LN_TX_SLOT, *PLN_TX_SLOT;

/* One block of shared memory, with what NdisMFreeSharedMemory needs back. */
typedef struct _LN_SHARED {
    PVOID Va;
    NDIS_PHYSICAL_ADDRESS Pa;
    ULONG Length;
} LN_SHARED, *PLN_SHARED;

/* Send NBL bookkeeping in MiniportReserved: NBs still on the ring, next NB to post. */
#define LN_NBL_PENDING(_Nbl)   (*(LONG_PTR *)&NET_BUFFER_LIST_MINIPORT_RESERVED(_Nbl)[0])
#define LN_NBL_NEXT_NB(_Nbl)   (*(PNET_BUFFER *)&NET_BUFFER_LIST_MINIPORT_RESERVED(_Nbl)[1])
/* Receive NBL: its buffer. */
#define LN_NBL_RX_BUFFER(_Nbl) ((PLN_RX_BUFFER)NET_BUFFER_LIST_MINIPORT_RESERVED(_Nbl)[0])

typedef struct _LN_ADAPTER {
    LIST_ENTRY Link;                 /* in GlobalDriver.AdapterList */
    NDIS_HANDLE AdapterHandle;

    /* Configuration (registry) */
    ULONG RxDescCount;               /* ReceiveBuffers  */
    ULONG RxBufferCount;             /* 2 * RxDescCount */
    ULONG TxDescCount;               /* TransmitBuffers */
    BOOLEAN MsiRequested;            /* MSISupported    */
    BOOLEAN AddressOverridden;       /* NetworkAddress  */
    UCHAR ConfiguredAddress[LN_MAC_LENGTH];
    UCHAR PermanentAddress[LN_MAC_LENGTH];   /* from the EEPROM */
    UCHAR CurrentAddress[LN_MAC_LENGTH];

    /* ---- Resources, in acquisition order (released in the reverse order) ---- */
    NDIS_HANDLE NblPool;
    NDIS_SPIN_LOCK Lock;             /* state, link, filter, RCTL, hardware counters */
    NDIS_SPIN_LOCK TxLock;           /* transmit ring and queue (taken before RxLock) */
    NDIS_SPIN_LOCK RxLock;           /* receive ring and free buffers */
    BOOLEAN LocksAllocated;
    NDIS_HANDLE WatchdogTimer;
    NDIS_HANDLE StormTimer;
    NDIS_HANDLE ResetWorkItem;
    NDIS_EVENT ResetIdle;            /* signalled while no reset work item is queued */
    BOOLEAN BusMasterEnabled;        /* PCI command bit 2 set by us */
    BOOLEAN HwProgrammed;            /* rings given to the device: stop it before freeing */
    USHORT PciCommand;               /* as found at init */
    NDIS_PHYSICAL_ADDRESS RegPhysical;
    ULONG RegLength;
    volatile UCHAR *Regs;            /* NdisMMapIoSpace: BAR 0 */
    ULONG IoPortStart;
    ULONG IoPortCount;
    PUCHAR IoPorts;                  /* NdisMRegisterIoPortRange: BAR 1 */
    NDIS_HANDLE DmaHandle;
    LN_SHARED RxRing;                /* RxDescCount descriptors */
    LN_SHARED TxRing;                /* TxDescCount descriptors */
    LN_SHARED RxMemory;              /* RxBufferCount * LN_BUFFER_SIZE */
    LN_SHARED TxMemory;              /* TxDescCount * LN_BUFFER_SIZE */
    PLN_RX_BUFFER RxBuffers;         /* RxBufferCount entries */
    ULONG RxBuffersSize;
    ULONG RxBuffersBuilt;            /* buffers with a live MDL and NBL */
    PLN_RX_BUFFER *RxSlots;          /* RxDescCount: buffer posted at each descriptor */
    ULONG RxSlotsSize;
    PLN_TX_SLOT TxSlots;             /* TxDescCount */
    ULONG TxSlotsSize;
    NDIS_HANDLE InterruptHandle;     /* registered last */
    NDIS_INTERRUPT_TYPE InterruptType;

    /* ---- Interrupt state (ISR, DPC, watchdog) ---- */
    volatile LONG PendingCauses;     /* ICR bits read by the ISR/watchdog, for the DPC */
    volatile LONG InterruptsEnabled; /* the DPC may unmask (IMS) at its end */
    volatile LONG Removed;           /* surprise removal: never touch the hardware again */
    volatile LONG RemovalHandled;    /* the removal cleanup ran once */
    volatile LONG HwResetting;       /* a reset work item owns the hardware */
    volatile LONG HwFailed;          /* the device did not come back from a reset */
    volatile LONG NeedsReset;        /* DMAERR: CheckForHangEx asks NDIS for a reset */
    volatile LONG TimersStopping;    /* halt: timer callbacks no longer re-arm */
    ULONG IdleDpcs;                  /* DPCs in a row that found nothing to do (DPC only) */
    ULONG IdleCauses;                /* the causes those DPCs were for */
    volatile LONG StormMask;         /* causes masked because they stormed */
    ULONGLONG StormLastSeen;         /* KeQueryInterruptTime of the last storm */
    ULONG WatchdogTicks;
    ULONG64 IsrCount;
    ULONG64 DpcCount;
    ULONG64 WatchdogRecoveries;      /* causes found by the watchdog, not an interrupt */
    ULONG64 StormEpisodes;
    ULONG64 DmaErrors;

    /* ---- Under Lock (State: written with all three locks held) ---- */
    volatile LN_STATE State;
    BOOLEAN PausePending;            /* MiniportPause returned PENDING */
    PNDIS_OID_REQUEST PhyQuery;      /* OID_GEN_LINK_STATE pended on an MDIC read (oid.c) */
    BOOLEAN LinkUp;                  /* STATUS.LU as last read */
    LN_LINK IndicatedLink;           /* what NDIS was last told */
    ULONG PacketFilter;
    ULONG LookaheadSize;
    ULONG MulticastCount;
    UCHAR MulticastList[LN_MAX_MCAST_LIST][LN_MAC_LENGTH];
    /* Hardware counters, accumulated from the read-to-clear registers. */
    ULONG64 HwMissed;                /* MPC  */
    ULONG64 HwRcvGood;               /* GPRC */
    ULONG64 HwXmitGood;              /* GPTC */
    ULONG64 HwRcvOctets;             /* GORC */
    ULONG64 HwXmitOctets;            /* GOTC */
    ULONG64 HwRcvTotal;              /* TPR  */
    ULONG64 HwXmitTotal;             /* TPT  */

    /* ---- Under TxLock ---- */
    PLN_TX_DESC TxDesc;
    ULONG TxNextToUse;               /* TDT as we last wrote it */
    ULONG TxNextToClean;             /* oldest descriptor not yet completed */
    ULONG TxInUse;                   /* descriptors the device owns or has not reported */
    PNET_BUFFER_LIST TxQueueHead;    /* sends waiting for free descriptors (FIFO) */
    PNET_BUFFER_LIST TxQueueTail;
    ULONG64 XmitFrames[LnCastCount];
    ULONG64 XmitBytes[LnCastCount];
    ULONG64 TxCleaned;               /* descriptors completed since init (CheckForHang) */
    ULONG64 TxCleanedAtLastCheck;
    ULONG64 XmitErrors;              /* NBs failed (too long, unmappable) */
    ULONG64 XmitDiscards;            /* NBs dropped (link down, paused, removed) */

    /* ---- Under RxLock ---- */
    PLN_RX_DESC RxDesc;
    ULONG RxNextToClean;             /* next descriptor the DPC examines */
    ULONG RxTail;                    /* RDT as we last wrote it */
    ULONG RxPosted;                  /* descriptors the device owns or has not reported */
    PLN_RX_BUFFER RxFree;
    ULONG RxFreeCount;
    /* Lock-free: MiniportReturnNetBufferLists pushes, the DPC takes them all. */
    PLN_RX_BUFFER volatile RxReturned;
    volatile LONG RxIndicated;       /* buffers up the stack (interlocked) */
    BOOLEAN RxDiscarding;            /* inside a frame longer than one buffer */
    ULONG RxPacketFilter;            /* copies of the filter for the receive path */
    ULONG RxMulticastCount;
    UCHAR RxMulticastList[LN_MAX_MCAST_LIST][LN_MAC_LENGTH];
    ULONG64 RcvFrames[LnCastCount];
    ULONG64 RcvBytes[LnCastCount];
    ULONG64 RcvErrors;               /* runts, multi-buffer frames */
    ULONG64 RcvDiscards;             /* filtered in software, or not Running */
} LN_ADAPTER, *PLN_ADAPTER;

typedef struct _LN_DRIVER {
    NDIS_HANDLE DriverHandle;
    NDIS_SPIN_LOCK Lock;             /* protects AdapterList */
    LIST_ENTRY AdapterList;
} LN_DRIVER;

extern LN_DRIVER GlobalDriver;
extern NDIS_OID LnSupportedOids[];
extern const ULONG LnSupportedOidsSize;   /* in bytes */

/* ==== Register access ========================================================= */
/* Macros, not functions: the timeline then shows the caller's line for each access. */
#define LN_READ(_A, _Offset) \
    READ_REGISTER_ULONG((volatile ULONG *)((_A)->Regs + (_Offset)))
#define LN_WRITE(_A, _Offset, _Value) \
    WRITE_REGISTER_ULONG((volatile ULONG *)((_A)->Regs + (_Offset)), (ULONG)(_Value))

/* Lock helpers for callers that know their IRQL from a flag (SDV Flags_Irql). */
#define LN_LOCK(_L, _AtDispatch) \
    do { if (_AtDispatch) NdisDprAcquireSpinLock(_L); else NdisAcquireSpinLock(_L); } while (0)
#define LN_UNLOCK(_L, _AtDispatch) \
    do { if (_AtDispatch) NdisDprReleaseSpinLock(_L); else NdisReleaseSpinLock(_L); } while (0)

/* ==== Role-typed declarations ================================================== */
/* miniport.c */
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
MINIPORT_CHECK_FOR_HANG MpCheckForHangEx;
MINIPORT_RESET MpResetEx;
NDIS_TIMER_FUNCTION LnWatchdogTimer;
NDIS_TIMER_FUNCTION LnStormTimer;
NDIS_IO_WORKITEM_FUNCTION LnResetWorkItem;

/* interrupt.c */
MINIPORT_ISR LnIsr;
MINIPORT_INTERRUPT_DPC LnInterruptDpc;
MINIPORT_ENABLE_INTERRUPT LnEnableInterrupt;
MINIPORT_DISABLE_INTERRUPT LnDisableInterrupt;
MINIPORT_MESSAGE_INTERRUPT LnMessageIsr;
MINIPORT_MESSAGE_INTERRUPT_DPC LnMessageInterruptDpc;
MINIPORT_ENABLE_MESSAGE_INTERRUPT LnEnableMessageInterrupt;
MINIPORT_DISABLE_MESSAGE_INTERRUPT LnDisableMessageInterrupt;
MINIPORT_SYNCHRONIZE_INTERRUPT LnSyncWatchdog;
MINIPORT_SYNCHRONIZE_INTERRUPT LnSyncMaskAll;
MINIPORT_SYNCHRONIZE_INTERRUPT LnSyncUnmask;

/* hardware.c */
MINIPORT_PROCESS_SG_LIST LnProcessSgList;

/* datapath.c */
MINIPORT_SEND_NET_BUFFER_LISTS MpSendNetBufferLists;
MINIPORT_RETURN_NET_BUFFER_LISTS MpReturnNetBufferLists;
MINIPORT_CANCEL_SEND MpCancelSend;

/* oid.c */
MINIPORT_OID_REQUEST MpOidRequest;
MINIPORT_CANCEL_OID_REQUEST MpCancelOidRequest;

/* ==== Internal helpers ========================================================= */
/* hardware.c */
NDIS_STATUS LnHwCheckPciAndEnableBusMaster(_Inout_ PLN_ADAPTER Adapter);
VOID LnHwDisableBusMaster(_Inout_ PLN_ADAPTER Adapter);
NDIS_STATUS LnHwReset(_In_ PLN_ADAPTER Adapter);
NDIS_STATUS LnHwReadMacAddress(_Inout_ PLN_ADAPTER Adapter);
VOID LnHwCheckPhy(_In_ PLN_ADAPTER Adapter);
VOID LnHwCheckIoWindow(_In_ PLN_ADAPTER Adapter);
VOID LnHwProgram(_In_ PLN_ADAPTER Adapter, _In_ ULONG RxHead, _In_ ULONG TxHead);
VOID LnHwProgramReceiveLocked(_In_ PLN_ADAPTER Adapter);
BOOLEAN LnHwReadLinkUp(_In_ PLN_ADAPTER Adapter, _Out_ PBOOLEAN Gone);
VOID LnHwDisableInterrupts(_In_ PLN_ADAPTER Adapter);
VOID LnHwEnableInterrupts(_In_ PLN_ADAPTER Adapter);
VOID LnHwStop(_In_ PLN_ADAPTER Adapter);
VOID LnHwUpdateStatisticsLocked(_In_ PLN_ADAPTER Adapter);
BOOLEAN LnHwIsGone(_In_ PLN_ADAPTER Adapter);

/* interrupt.c */
VOID LnQueueDpc(_In_ PLN_ADAPTER Adapter);

/* adapter.c */
VOID LnIndicateLinkState(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN Up, _In_ BOOLEAN AtDispatch);
VOID LnTryCompletePause(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch);
VOID LnOnSurpriseRemoval(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch);
VOID LnWriteErrorLog(_In_ PLN_ADAPTER Adapter, _In_ NDIS_ERROR_CODE Code,
                     _In_ ULONG What, _In_ ULONG Detail);

/* oid.c */
ULONG LnOidPhyQueryDone(_In_ PLN_ADAPTER Adapter);
VOID LnOidAbortPhyQuery(_In_ PLN_ADAPTER Adapter, _In_ NDIS_STATUS Status, _In_ BOOLEAN AtDispatch);

/* datapath.c */
VOID LnRxInitializeRing(_In_ PLN_ADAPTER Adapter);
ULONG LnRxProcess(_In_ PLN_ADAPTER Adapter);
ULONG LnTxProcess(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch);
VOID LnTxFlushQueue(_In_ PLN_ADAPTER Adapter, _In_ NDIS_STATUS Status, _In_ BOOLEAN AtDispatch);
VOID LnTxAbortInFlight(_In_ PLN_ADAPTER Adapter, _In_ NDIS_STATUS Status, _In_ BOOLEAN AtDispatch);
VOID LnTxKick(_In_ PLN_ADAPTER Adapter, _In_ BOOLEAN AtDispatch);
BOOLEAN LnRxWorkPendingLocked(_In_ PLN_ADAPTER Adapter);
ULONG LnRxFirstUndoneLocked(_In_ PLN_ADAPTER Adapter);
ULONG LnTxFirstUndoneLocked(_In_ PLN_ADAPTER Adapter);
VOID LnRxRefillLocked(_In_ PLN_ADAPTER Adapter);

#endif /* _LABNIC_DRIVER_H_ */
