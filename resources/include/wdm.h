/*
 * NDIS Lab - kernel definitions (wdm.h subset).
 * Written for NDIS Lab. Every routine the simulator implements is declared
 * with NDIS_LAB_IMPORT (wasm import module "ndis"); helpers that the WDK
 * implements inline or as macros stay inline here.
 */
#ifndef _WDMDDK_
#define _WDMDDK_

#include <ntdef.h>
#include <ntstatus.h>

EXTERN_C_START

#ifndef DBG
#define DBG 0
#endif

/* ---- C runtime pieces the kernel headers rely on (runtime/ndislab_crt.c) -- */
typedef __SIZE_TYPE__ size_t;
void *memset(void *Dest, int Value, size_t Count);
void *memcpy(void *__restrict Dest, const void *__restrict Src, size_t Count);
void *memmove(void *Dest, const void *Src, size_t Count);
int memcmp(const void *Buf1, const void *Buf2, size_t Count);
size_t strlen(const char *Str);
size_t wcslen(const wchar_t *Str);

/* ---- IRQL --------------------------------------------------------------- */
#define PASSIVE_LEVEL   0
#define LOW_LEVEL       0
#define APC_LEVEL       1
#define DISPATCH_LEVEL  2
#define CMCI_LEVEL      5
#define CLOCK_LEVEL     13
#define IPI_LEVEL       14
#define DRS_LEVEL       14
#define POWER_LEVEL     14
#define PROFILE_LEVEL   15
#define HIGH_LEVEL      15

#define KernelMode ((KPROCESSOR_MODE)0)
#define UserMode   ((KPROCESSOR_MODE)1)

typedef enum _KWAIT_REASON {
    Executive,
    FreePage,
    PageIn,
    PoolAllocation,
    DelayExecution,
    Suspended,
    UserRequest,
    WrExecutive,
    WrFreePage,
    WrPageIn,
    WrPoolAllocation,
    WrDelayExecution,
    WrSuspended,
    WrUserRequest,
    MaximumWaitReason = 41
} KWAIT_REASON;

/* ---- Kernel objects (storage only; the simulator owns their meaning) ---- */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

typedef struct _DISPATCHER_HEADER {
    LONG Lock;
    LONG SignalState;
    LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER, *PDISPATCHER_HEADER;

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

typedef struct _KMUTANT {
    DISPATCHER_HEADER Header;
    LIST_ENTRY MutantListEntry;
    struct _KTHREAD *OwnerThread;
    BOOLEAN Abandoned;
    UCHAR ApcDisable;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;

typedef struct _KSEMAPHORE {
    DISPATCHER_HEADER Header;
    LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

struct _KDPC;
typedef
_Function_class_(KDEFERRED_ROUTINE)
_IRQL_requires_(DISPATCH_LEVEL)
VOID
KDEFERRED_ROUTINE(
    _In_ struct _KDPC *Dpc,
    _In_opt_ PVOID DeferredContext,
    _In_opt_ PVOID SystemArgument1,
    _In_opt_ PVOID SystemArgument2
    );
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    USHORT Number;
    SINGLE_LIST_ENTRY DpcListEntry;
    KAFFINITY ProcessorHistory;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    PVOID DpcData;
} KDPC, *PKDPC, *PRKDPC;

typedef struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime;
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    ULONG Processor;
    ULONG Period;
} KTIMER, *PKTIMER, *PRKTIMER;

typedef struct _KINTERRUPT *PKINTERRUPT, *PRKINTERRUPT;
typedef struct _KTHREAD *PKTHREAD, *PRKTHREAD;
typedef struct _ETHREAD *PETHREAD;
typedef struct _EPROCESS *PEPROCESS;
typedef struct _KPROCESS *PKPROCESS;
typedef struct _FILE_OBJECT *PFILE_OBJECT;
typedef struct _IRP *PIRP;
typedef struct _IO_STACK_LOCATION *PIO_STACK_LOCATION;
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
typedef struct _IO_WORKITEM *PIO_WORKITEM;
typedef struct _DMA_ADAPTER *PDMA_ADAPTER;
typedef struct _ADAPTER_OBJECT *PADAPTER_OBJECT;

typedef enum _KINTERRUPT_MODE {
    LevelSensitive,
    Latched
} KINTERRUPT_MODE;

typedef enum _KINTERRUPT_POLARITY {
    InterruptPolarityUnknown,
    InterruptActiveHigh,
    InterruptRisingEdge = InterruptActiveHigh,
    InterruptActiveLow,
    InterruptFallingEdge = InterruptActiveLow,
    InterruptActiveBoth,
    InterruptActiveBothTriggerLow = InterruptActiveBoth,
    InterruptActiveBothTriggerHigh
} KINTERRUPT_POLARITY, *PKINTERRUPT_POLARITY;

/* ---- Driver / device objects ------------------------------------------ */
#define IRP_MJ_CREATE                   0x00
#define IRP_MJ_CREATE_NAMED_PIPE        0x01
#define IRP_MJ_CLOSE                    0x02
#define IRP_MJ_READ                     0x03
#define IRP_MJ_WRITE                    0x04
#define IRP_MJ_QUERY_INFORMATION        0x05
#define IRP_MJ_SET_INFORMATION          0x06
#define IRP_MJ_FLUSH_BUFFERS            0x09
#define IRP_MJ_DEVICE_CONTROL           0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL  0x0f
#define IRP_MJ_SHUTDOWN                 0x10
#define IRP_MJ_CLEANUP                  0x12
#define IRP_MJ_POWER                    0x16
#define IRP_MJ_SYSTEM_CONTROL           0x17
#define IRP_MJ_PNP                      0x1b
#define IRP_MJ_MAXIMUM_FUNCTION         0x1b

typedef
_Function_class_(DRIVER_INITIALIZE)
_IRQL_requires_same_
NTSTATUS
DRIVER_INITIALIZE(
    _In_ struct _DRIVER_OBJECT *DriverObject,
    _In_ PUNICODE_STRING RegistryPath
    );
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;

typedef
_Function_class_(DRIVER_UNLOAD)
_IRQL_requires_(PASSIVE_LEVEL)
_IRQL_requires_same_
VOID
DRIVER_UNLOAD(
    _In_ struct _DRIVER_OBJECT *DriverObject
    );
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;

typedef
_Function_class_(DRIVER_DISPATCH)
_IRQL_requires_max_(DISPATCH_LEVEL)
_IRQL_requires_same_
NTSTATUS
DRIVER_DISPATCH(
    _In_ struct _DEVICE_OBJECT *DeviceObject,
    _Inout_ struct _IRP *Irp
    );
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_RAISED;
typedef DRIVER_DISPATCH DRIVER_DISPATCH_PAGED;

typedef
_Function_class_(DRIVER_STARTIO)
VOID
DRIVER_STARTIO(
    _Inout_ struct _DEVICE_OBJECT *DeviceObject,
    _Inout_ struct _IRP *Irp
    );
typedef DRIVER_STARTIO *PDRIVER_STARTIO;

typedef
_Function_class_(DRIVER_ADD_DEVICE)
NTSTATUS
DRIVER_ADD_DEVICE(
    _In_ struct _DRIVER_OBJECT *DriverObject,
    _In_ struct _DEVICE_OBJECT *PhysicalDeviceObject
    );
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;

typedef struct _DRIVER_EXTENSION {
    struct _DRIVER_OBJECT *DriverObject;
    PDRIVER_ADD_DEVICE AddDevice;
    ULONG Count;
    UNICODE_STRING ServiceKeyName;
} DRIVER_EXTENSION, *PDRIVER_EXTENSION;

struct _DRIVER_OBJECT {
    CSHORT Type;
    CSHORT Size;
    PDEVICE_OBJECT DeviceObject;
    ULONG Flags;
    PVOID DriverStart;
    ULONG DriverSize;
    PVOID DriverSection;
    PDRIVER_EXTENSION DriverExtension;
    UNICODE_STRING DriverName;
    PUNICODE_STRING HardwareDatabase;
    PVOID FastIoDispatch;
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_STARTIO DriverStartIo;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
};

/* DEVICE_OBJECT and IRP are opaque in NDIS Lab. */

typedef enum _DEVICE_POWER_STATE {
    PowerDeviceUnspecified = 0,
    PowerDeviceD0,
    PowerDeviceD1,
    PowerDeviceD2,
    PowerDeviceD3,
    PowerDeviceMaximum
} DEVICE_POWER_STATE, *PDEVICE_POWER_STATE;

typedef enum _SYSTEM_POWER_STATE {
    PowerSystemUnspecified = 0,
    PowerSystemWorking = 1,
    PowerSystemSleeping1 = 2,
    PowerSystemSleeping2 = 3,
    PowerSystemSleeping3 = 4,
    PowerSystemHibernate = 5,
    PowerSystemShutdown = 6,
    PowerSystemMaximum = 7
} SYSTEM_POWER_STATE, *PSYSTEM_POWER_STATE;

/* ---- Bus / resource descriptors --------------------------------------- */
typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal = 0,
    Isa = 1,
    Eisa = 2,
    MicroChannel = 3,
    TurboChannel = 4,
    PCIBus = 5,
    VMEBus = 6,
    NuBus = 7,
    PCMCIABus = 8,
    CBus = 9,
    MPIBus = 10,
    MPSABus = 11,
    ProcessorInternal = 12,
    InternalPowerBus = 13,
    PNPISABus = 14,
    PNPBus = 15,
    Vmcs = 16,
    ACPIBus = 17,
    MaximumInterfaceType
} INTERFACE_TYPE, *PINTERFACE_TYPE;

typedef enum _BUS_DATA_TYPE {
    ConfigurationSpaceUndefined = -1,
    Cmos,
    EisaConfiguration,
    Pos,
    CbusConfiguration,
    PCIConfiguration,
    VMEConfiguration,
    NuBusConfiguration,
    PCMCIAConfiguration,
    MPIConfiguration,
    MPSAConfiguration,
    PNPISAConfiguration,
    SgiInternalConfiguration,
    MaximumBusDataType
} BUS_DATA_TYPE, *PBUS_DATA_TYPE;

#define PCI_WHICHSPACE_CONFIG 0x0
#define PCI_WHICHSPACE_ROM    0x52696350

/* The standard 64-byte header of PCI configuration space (read with NdisMGetBusData). Only the
   type-0 (endpoint) layout of the device-specific part: the lab's devices are endpoints. */
#define PCI_TYPE0_ADDRESSES 6
typedef struct _PCI_COMMON_HEADER {
    USHORT VendorID;
    USHORT DeviceID;
    USHORT Command;
    USHORT Status;
    UCHAR RevisionID;
    UCHAR ProgIf;
    UCHAR SubClass;
    UCHAR BaseClass;
    UCHAR CacheLineSize;
    UCHAR LatencyTimer;
    UCHAR HeaderType;
    UCHAR BIST;
    union {
        struct _PCI_HEADER_TYPE_0 {
            ULONG BaseAddresses[PCI_TYPE0_ADDRESSES];
            ULONG CIS;
            USHORT SubVendorID;
            USHORT SubSystemID;
            ULONG ROMBaseAddress;
            UCHAR CapabilitiesPtr;
            UCHAR Reserved1[3];
            ULONG Reserved2;
            UCHAR InterruptLine;
            UCHAR InterruptPin;
            UCHAR MinimumGrant;
            UCHAR MaximumLatency;
        } type0;
    } u;
} PCI_COMMON_HEADER, *PPCI_COMMON_HEADER;
#define PCI_COMMON_HDR_LENGTH (FIELD_OFFSET(PCI_COMMON_HEADER, u.type0.MaximumLatency) + 1)

/* PCI_COMMON_HEADER.Command bits */
#define PCI_ENABLE_IO_SPACE          0x0001
#define PCI_ENABLE_MEMORY_SPACE      0x0002
#define PCI_ENABLE_BUS_MASTER        0x0004
#define PCI_ENABLE_SPECIAL_CYCLES    0x0008
#define PCI_ENABLE_WRITE_AND_INVALIDATE 0x0010
#define PCI_ENABLE_VGA_COMPATIBLE_PALETTE 0x0020
#define PCI_ENABLE_PARITY            0x0040
#define PCI_ENABLE_WAIT_CYCLE        0x0080
#define PCI_ENABLE_SERR              0x0100
#define PCI_ENABLE_FAST_BACK_TO_BACK 0x0200
#define PCI_DISABLE_LEVEL_INTERRUPT  0x0400

#define CmResourceTypeNull              0
#define CmResourceTypePort              1
#define CmResourceTypeInterrupt         2
#define CmResourceTypeMemory            3
#define CmResourceTypeDma               4
#define CmResourceTypeDeviceSpecific    5
#define CmResourceTypeBusNumber         6
#define CmResourceTypeMemoryLarge       7
#define CmResourceTypeNonArbitrated     128
#define CmResourceTypeConfigData        128
#define CmResourceTypeDevicePrivate     129
#define CmResourceTypePcCardConfig      130
#define CmResourceTypeMfCardConfig      131
#define CmResourceTypeConnection        132

typedef enum _CM_SHARE_DISPOSITION {
    CmResourceShareUndetermined = 0,
    CmResourceShareDeviceExclusive,
    CmResourceShareDriverExclusive,
    CmResourceShareShared
} CM_SHARE_DISPOSITION;

#define CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE          0x0000
#define CM_RESOURCE_INTERRUPT_LATCHED                  0x0001
#define CM_RESOURCE_INTERRUPT_MESSAGE                  0x0002
#define CM_RESOURCE_INTERRUPT_POLICY_INCLUDED          0x0004
#define CM_RESOURCE_MEMORY_READ_WRITE                  0x0000
#define CM_RESOURCE_MEMORY_READ_ONLY                   0x0001
#define CM_RESOURCE_MEMORY_WRITE_ONLY                  0x0002
#define CM_RESOURCE_MEMORY_PREFETCHABLE                0x0004
#define CM_RESOURCE_MEMORY_COMBINEDWRITE               0x0008
#define CM_RESOURCE_MEMORY_24                          0x0010
#define CM_RESOURCE_MEMORY_CACHEABLE                   0x0020
#define CM_RESOURCE_PORT_MEMORY                        0x0000
#define CM_RESOURCE_PORT_IO                            0x0001
#define CM_RESOURCE_PORT_10_BIT_DECODE                 0x0004
#define CM_RESOURCE_PORT_12_BIT_DECODE                 0x0008
#define CM_RESOURCE_PORT_16_BIT_DECODE                 0x0010
#define CM_RESOURCE_PORT_POSITIVE_DECODE               0x0020

#pragma pack(push, 4)
typedef struct _CM_PARTIAL_RESOURCE_DESCRIPTOR {
    UCHAR Type;
    UCHAR ShareDisposition;
    USHORT Flags;
    union {
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Generic;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Port;
        struct {
            ULONG Level;
            ULONG Vector;
            KAFFINITY Affinity;
        } Interrupt;
        struct {
            union {
                struct {
                    USHORT Reserved;
                    USHORT MessageCount;
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Raw;
                struct {
                    ULONG Level;
                    ULONG Vector;
                    KAFFINITY Affinity;
                } Translated;
            };
        } MessageInterrupt;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length;
        } Memory;
        struct {
            ULONG Channel;
            ULONG Port;
            ULONG Reserved1;
        } Dma;
        struct {
            ULONG Data[3];
        } DevicePrivate;
        struct {
            ULONG Start;
            ULONG Length;
            ULONG Reserved;
        } BusNumber;
        struct {
            ULONG DataSize;
            ULONG Reserved1;
            ULONG Reserved2;
        } DeviceSpecificData;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length40;
        } Memory40;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length48;
        } Memory48;
        struct {
            PHYSICAL_ADDRESS Start;
            ULONG Length64;
        } Memory64;
        struct {
            UCHAR Class;
            UCHAR Type;
            UCHAR Reserved1;
            UCHAR Reserved2;
            ULONG IdLowPart;
            ULONG IdHighPart;
        } Connection;
    } u;
} CM_PARTIAL_RESOURCE_DESCRIPTOR, *PCM_PARTIAL_RESOURCE_DESCRIPTOR;

typedef struct _CM_PARTIAL_RESOURCE_LIST {
    USHORT Version;
    USHORT Revision;
    ULONG Count;
    CM_PARTIAL_RESOURCE_DESCRIPTOR PartialDescriptors[1];
} CM_PARTIAL_RESOURCE_LIST, *PCM_PARTIAL_RESOURCE_LIST;

typedef struct _CM_FULL_RESOURCE_DESCRIPTOR {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    CM_PARTIAL_RESOURCE_LIST PartialResourceList;
} CM_FULL_RESOURCE_DESCRIPTOR, *PCM_FULL_RESOURCE_DESCRIPTOR;

typedef struct _CM_RESOURCE_LIST {
    ULONG Count;
    CM_FULL_RESOURCE_DESCRIPTOR List[1];
} CM_RESOURCE_LIST, *PCM_RESOURCE_LIST;
#pragma pack(pop)

/* ---- Interrupt message info --------------------------------------------- */
typedef struct _IO_INTERRUPT_MESSAGE_INFO_ENTRY {
    PHYSICAL_ADDRESS MessageAddress;
    KAFFINITY TargetProcessorSet;
    PKINTERRUPT InterruptObject;
    ULONG MessageData;
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;
    KINTERRUPT_POLARITY Polarity;
} IO_INTERRUPT_MESSAGE_INFO_ENTRY, *PIO_INTERRUPT_MESSAGE_INFO_ENTRY;

typedef struct _IO_INTERRUPT_MESSAGE_INFO {
    KIRQL UnifiedIrql;
    ULONG MessageCount;
    IO_INTERRUPT_MESSAGE_INFO_ENTRY MessageInfo[1];
} IO_INTERRUPT_MESSAGE_INFO, *PIO_INTERRUPT_MESSAGE_INFO;

/* ---- DMA scatter/gather ------------------------------------------------- */
typedef struct _SCATTER_GATHER_ELEMENT {
    PHYSICAL_ADDRESS Address;
    ULONG Length;
    ULONG_PTR Reserved;
} SCATTER_GATHER_ELEMENT, *PSCATTER_GATHER_ELEMENT;

typedef struct _SCATTER_GATHER_LIST {
    ULONG NumberOfElements;
    ULONG_PTR Reserved;
    SCATTER_GATHER_ELEMENT Elements[];
} SCATTER_GATHER_LIST, *PSCATTER_GATHER_LIST;

/* ---- Memory descriptor lists ------------------------------------------- */
typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size;
    CSHORT MdlFlags;
    struct _EPROCESS *Process;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
} MDL, *PMDL, *PMDLX;

#define MDL_MAPPED_TO_SYSTEM_VA     0x0001
#define MDL_PAGES_LOCKED            0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE    0x0008
#define MDL_PARTIAL                 0x0010
#define MDL_PARTIAL_HAS_BEEN_MAPPED 0x0020
#define MDL_IO_PAGE_READ            0x0040
#define MDL_WRITE_OPERATION         0x0080
#define MDL_LOCKED_PAGE_TABLES      0x0100
#define MDL_PARENT_MAPPED_SYSTEM_VA MDL_LOCKED_PAGE_TABLES
#define MDL_FREE_EXTRA_PTES         0x0200
#define MDL_DESCRIBES_AWE           0x0400
#define MDL_IO_SPACE                0x0800
#define MDL_NETWORK_HEADER          0x1000
#define MDL_MAPPING_CAN_FAIL        0x2000
#define MDL_PAGE_CONTENTS_INVARIANT 0x4000
#define MDL_ALLOCATED_MUST_SUCCEED  MDL_PAGE_CONTENTS_INVARIANT
#define MDL_INTERNAL                0x8000

typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority,
    NormalPagePriority = 16,
    HighPagePriority = 32
} MM_PAGE_PRIORITY;

#define MdlMappingNoWrite    0x80000000
#define MdlMappingNoExecute  0x40000000

typedef enum _MEMORY_CACHING_TYPE {
    MmNonCached = 0,
    MmCached = 1,
    MmWriteCombined = 2,
    MmHardwareCoherentCached,
    MmNonCachedUnordered,
    MmUSWCCached,
    MmMaximumCacheType,
    MmNotMapped = -1
} MEMORY_CACHING_TYPE;

#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)((Mdl)->StartVa) + (Mdl)->ByteOffset))
#define MmGetMdlByteCount(Mdl)      ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl)     ((Mdl)->ByteOffset)
#define MmGetMdlBaseVa(Mdl)         ((Mdl)->StartVa)
#define MmGetSystemAddressForMdlSafe(MDL, PRIORITY) \
    (((MDL)->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) \
        ? ((MDL)->MappedSystemVa) \
        : (MmMapLockedPagesSpecifyCache((MDL), KernelMode, MmCached, NULL, FALSE, (PRIORITY))))

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(MmMapLockedPagesSpecifyCache)
PVOID MmMapLockedPagesSpecifyCache(
    _Inout_ PMDL MemoryDescriptorList,
    _In_ KPROCESSOR_MODE AccessMode,
    _In_ MEMORY_CACHING_TYPE CacheType,
    _In_opt_ PVOID RequestedAddress,
    _In_ ULONG BugCheckOnFailure,
    _In_ ULONG Priority);

NDIS_LAB_IMPORT(IoAllocateMdl)
PMDL IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length,
                   _In_ BOOLEAN SecondaryBuffer, _In_ BOOLEAN ChargeQuota, _Inout_opt_ PIRP Irp);
NDIS_LAB_IMPORT(IoFreeMdl)
VOID IoFreeMdl(_In_ PMDL Mdl);
NDIS_LAB_IMPORT(MmBuildMdlForNonPagedPool)
VOID MmBuildMdlForNonPagedPool(_Inout_ PMDL MemoryDescriptorList);

/* ---- Pool ----------------------------------------------------------------- */
typedef enum _POOL_TYPE {
    NonPagedPool,
    NonPagedPoolExecute = NonPagedPool,
    PagedPool,
    NonPagedPoolMustSucceed = NonPagedPool + 2,
    DontUseThisType,
    NonPagedPoolCacheAligned = NonPagedPool + 4,
    PagedPoolCacheAligned,
    NonPagedPoolCacheAlignedMustS = NonPagedPool + 6,
    MaxPoolType,
    NonPagedPoolBase = 0,
    NonPagedPoolBaseMustSucceed = NonPagedPoolBase + 2,
    NonPagedPoolBaseCacheAligned = NonPagedPoolBase + 4,
    NonPagedPoolBaseCacheAlignedMustS = NonPagedPoolBase + 6,
    NonPagedPoolSession = 32,
    PagedPoolSession = NonPagedPoolSession + 1,
    NonPagedPoolMustSucceedSession = PagedPoolSession + 1,
    DontUseThisTypeSession = NonPagedPoolMustSucceedSession + 1,
    NonPagedPoolCacheAlignedSession = DontUseThisTypeSession + 1,
    PagedPoolCacheAlignedSession = NonPagedPoolCacheAlignedSession + 1,
    NonPagedPoolCacheAlignedMustSSession = PagedPoolCacheAlignedSession + 1,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = NonPagedPoolNx + 4,
    NonPagedPoolSessionNx = NonPagedPoolNx + 32
} POOL_TYPE;

#define POOL_NX_ALLOCATION 512

typedef enum _EX_POOL_PRIORITY {
    LowPoolPriority,
    LowPoolPrioritySpecialPoolOverrun = 8,
    LowPoolPrioritySpecialPoolUnderrun = 9,
    NormalPoolPriority = 16,
    NormalPoolPrioritySpecialPoolOverrun = 24,
    NormalPoolPrioritySpecialPoolUnderrun = 25,
    HighPoolPriority = 32,
    HighPoolPrioritySpecialPoolOverrun = 40,
    HighPoolPrioritySpecialPoolUnderrun = 41
} EX_POOL_PRIORITY;

typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START          0x0000000000000001ULL
#define POOL_FLAG_USE_QUOTA               0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED           0x0000000000000002ULL
#define POOL_FLAG_SESSION                 0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED           0x0000000000000008ULL
#define POOL_FLAG_RESERVED1               0x0000000000000010ULL
#define POOL_FLAG_RAISE_ON_FAILURE        0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED               0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE       0x0000000000000080ULL
#define POOL_FLAG_PAGED                   0x0000000000000100ULL
#define POOL_FLAG_RESERVED2               0x0000000000000200ULL
#define POOL_FLAG_RESERVED3               0x0000000000000400ULL
#define POOL_FLAG_REQUIRED_END            0x0000000080000000ULL
#define POOL_FLAG_OPTIONAL_START          0x0000000100000000ULL
#define POOL_FLAG_SPECIAL_POOL            0x0000000100000000ULL
#define POOL_FLAG_OPTIONAL_END            0x8000000000000000ULL

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExAllocatePool2)
PVOID ExAllocatePool2(_In_ POOL_FLAGS Flags, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExAllocatePoolWithTag)
PVOID ExAllocatePoolWithTag(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExFreePoolWithTag)
VOID ExFreePoolWithTag(_In_ PVOID P, _In_ ULONG Tag);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExFreePool)
VOID ExFreePool(_In_ PVOID P);

/* ---- Lookaside lists ---------------------------------------------------- */
typedef
_Function_class_(ALLOCATE_FUNCTION)
PVOID
ALLOCATE_FUNCTION(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag);
typedef ALLOCATE_FUNCTION *PALLOCATE_FUNCTION;

typedef
_Function_class_(FREE_FUNCTION)
VOID
FREE_FUNCTION(_In_ PVOID Buffer);
typedef FREE_FUNCTION *PFREE_FUNCTION;

typedef struct _GENERAL_LOOKASIDE {
    SLIST_HEADER ListHead;
    USHORT Depth;
    USHORT MaximumDepth;
    ULONG TotalAllocates;
    ULONG AllocateMisses;
    ULONG TotalFrees;
    ULONG FreeMisses;
    POOL_TYPE Type;
    ULONG Tag;
    ULONG Size;
    PALLOCATE_FUNCTION Allocate;
    PFREE_FUNCTION Free;
    LIST_ENTRY ListEntry;
    ULONG LastTotalAllocates;
    ULONG LastAllocateMisses;
    ULONG Future[2];
} GENERAL_LOOKASIDE, *PGENERAL_LOOKASIDE;

typedef struct _NPAGED_LOOKASIDE_LIST {
    GENERAL_LOOKASIDE L;
    KSPIN_LOCK Lock__ObsoleteButDoNotDelete;
} NPAGED_LOOKASIDE_LIST, *PNPAGED_LOOKASIDE_LIST;

typedef struct _PAGED_LOOKASIDE_LIST {
    GENERAL_LOOKASIDE L;
    ULONG Lock__ObsoleteButDoNotDelete[8];
} PAGED_LOOKASIDE_LIST, *PPAGED_LOOKASIDE_LIST;

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExInitializeNPagedLookasideList)
VOID ExInitializeNPagedLookasideList(
    _Out_ PNPAGED_LOOKASIDE_LIST Lookaside, _In_opt_ PALLOCATE_FUNCTION Allocate,
    _In_opt_ PFREE_FUNCTION Free, _In_ ULONG Flags, _In_ SIZE_T Size,
    _In_ ULONG Tag, _In_ USHORT Depth);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExDeleteNPagedLookasideList)
VOID ExDeleteNPagedLookasideList(_Inout_ PNPAGED_LOOKASIDE_LIST Lookaside);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExAllocateFromNPagedLookasideList)
PVOID ExAllocateFromNPagedLookasideList(_Inout_ PNPAGED_LOOKASIDE_LIST Lookaside);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(ExFreeToNPagedLookasideList)
VOID ExFreeToNPagedLookasideList(_Inout_ PNPAGED_LOOKASIDE_LIST Lookaside, _In_ PVOID Entry);

/* ---- Debug output ------------------------------------------------------- */
#define DPFLTR_ERROR_LEVEL    0
#define DPFLTR_WARNING_LEVEL  1
#define DPFLTR_TRACE_LEVEL    2
#define DPFLTR_INFO_LEVEL     3
#define DPFLTR_MASK           0x80000000

#define DPFLTR_IHVDRIVER_ID    77
#define DPFLTR_IHVVIDEO_ID     78
#define DPFLTR_IHVAUDIO_ID     79
#define DPFLTR_IHVNETWORK_ID   80
#define DPFLTR_IHVSTREAMING_ID 81
#define DPFLTR_IHVBUS_ID       82
#define DPFLTR_DEFAULT_ID      101

NDIS_LAB_IMPORT(DbgPrint)
ULONG __cdecl DbgPrint(_In_z_ _Printf_format_string_ PCSTR Format, ...);

NDIS_LAB_IMPORT(DbgPrintEx)
ULONG __cdecl DbgPrintEx(_In_ ULONG ComponentId, _In_ ULONG Level,
                         _In_z_ _Printf_format_string_ PCSTR Format, ...);

NDIS_LAB_IMPORT(DbgBreakPoint)
VOID DbgBreakPoint(VOID);

NDIS_LAB_IMPORT(RtlAssert)
VOID RtlAssert(_In_ PVOID VoidFailedAssertion, _In_ PVOID VoidFileName,
               _In_ ULONG LineNumber, _In_opt_ PSTR MutableMessage);

NDIS_LAB_IMPORT(KeBugCheckEx)
DECLSPEC_NORETURN VOID KeBugCheckEx(_In_ ULONG BugCheckCode, _In_ ULONG_PTR BugCheckParameter1,
    _In_ ULONG_PTR BugCheckParameter2, _In_ ULONG_PTR BugCheckParameter3,
    _In_ ULONG_PTR BugCheckParameter4);

#if DBG
#define KdPrint(_x_)        DbgPrint _x_
#define KdPrintEx(_x_)      DbgPrintEx _x_
#define KdBreakPoint()      DbgBreakPoint()
#define ASSERT(exp) \
    ((!(exp)) ? (RtlAssert((PVOID)#exp, (PVOID)__FILE__, __LINE__, NULL), FALSE) : TRUE)
#define ASSERTMSG(msg, exp) \
    ((!(exp)) ? (RtlAssert((PVOID)#exp, (PVOID)__FILE__, __LINE__, (PCHAR)(msg)), FALSE) : TRUE)
#define NT_ASSERT(exp)      ((void)ASSERT(exp))
#define NT_ASSERTMSG(msg, exp) ((void)ASSERTMSG(msg, exp))
#else
#define KdPrint(_x_)        ((void)0)
#define KdPrintEx(_x_)      ((void)0)
#define KdBreakPoint()      ((void)0)
#define ASSERT(exp)         ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERT(exp)      ((void)0)
#define NT_ASSERTMSG(msg, exp) ((void)0)
#endif
#define NT_VERIFY(exp)      ((exp) ? TRUE : FALSE)
#define PAGED_CODE()        ((void)0)
#define PAGED_CODE_LOCKED() ((void)0)
#define NT_ANALYSIS_ASSUME(e) ((void)0)

/* ---- IRQL, spin locks, time -------------------------------------------- */
_IRQL_requires_max_(HIGH_LEVEL)
NDIS_LAB_IMPORT(KeGetCurrentIrql)
KIRQL KeGetCurrentIrql(VOID);

NDIS_LAB_IMPORT(KfRaiseIrql)
KIRQL KfRaiseIrql(_In_ KIRQL NewIrql);
NDIS_LAB_IMPORT(KeLowerIrql)
VOID KeLowerIrql(_In_ KIRQL NewIrql);
NDIS_LAB_IMPORT(KeRaiseIrqlToDpcLevel)
KIRQL KeRaiseIrqlToDpcLevel(VOID);
#define KeRaiseIrql(a, b) (*(b) = KfRaiseIrql(a))

NDIS_LAB_INLINE VOID KeInitializeSpinLock(_Out_ PKSPIN_LOCK SpinLock) { *SpinLock = 0; }

NDIS_LAB_IMPORT(KeAcquireSpinLockRaiseToDpc)
KIRQL KeAcquireSpinLockRaiseToDpc(_Inout_ PKSPIN_LOCK SpinLock);
#define KeAcquireSpinLock(SpinLock, OldIrql) (*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock))
NDIS_LAB_IMPORT(KeReleaseSpinLock)
VOID KeReleaseSpinLock(_Inout_ PKSPIN_LOCK SpinLock, _In_ KIRQL NewIrql);
NDIS_LAB_IMPORT(KeAcquireSpinLockAtDpcLevel)
VOID KeAcquireSpinLockAtDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);
NDIS_LAB_IMPORT(KeReleaseSpinLockFromDpcLevel)
VOID KeReleaseSpinLockFromDpcLevel(_Inout_ PKSPIN_LOCK SpinLock);

NDIS_LAB_IMPORT(KeQueryTickCount)
VOID KeQueryTickCount(_Out_ PLARGE_INTEGER CurrentCount);
NDIS_LAB_IMPORT(KeQueryTimeIncrement)
ULONG KeQueryTimeIncrement(VOID);
NDIS_LAB_IMPORT(KeQueryPerformanceCounter)
LARGE_INTEGER KeQueryPerformanceCounter(_Out_opt_ PLARGE_INTEGER PerformanceFrequency);
NDIS_LAB_IMPORT(KeQuerySystemTime)
VOID KeQuerySystemTime(_Out_ PLARGE_INTEGER CurrentTime);
NDIS_LAB_IMPORT(KeQueryInterruptTime)
ULONGLONG KeQueryInterruptTime(VOID);
NDIS_LAB_IMPORT(KeStallExecutionProcessor)
VOID KeStallExecutionProcessor(_In_ ULONG MicroSeconds);
NDIS_LAB_IMPORT(KeDelayExecutionThread)
NTSTATUS KeDelayExecutionThread(_In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable,
                                _In_ PLARGE_INTEGER Interval);
NDIS_LAB_IMPORT(KeFlushQueuedDpcs)
VOID KeFlushQueuedDpcs(VOID);
NDIS_LAB_IMPORT(KeGetCurrentProcessorNumber)
ULONG KeGetCurrentProcessorNumber(VOID);
NDIS_LAB_IMPORT(KeGetCurrentProcessorNumberEx)
ULONG KeGetCurrentProcessorNumberEx(_Out_opt_ PPROCESSOR_NUMBER ProcNumber);
#define KeGetCurrentProcessorIndex() KeGetCurrentProcessorNumberEx(NULL)
NDIS_LAB_IMPORT(KeQueryActiveProcessorCount)
ULONG KeQueryActiveProcessorCount(_Out_opt_ PKAFFINITY ActiveProcessors);

/* ---- Dispatcher objects ------------------------------------------------- */
NDIS_LAB_IMPORT(KeInitializeEvent)
VOID KeInitializeEvent(_Out_ PRKEVENT Event, _In_ EVENT_TYPE Type, _In_ BOOLEAN State);
NDIS_LAB_IMPORT(KeSetEvent)
LONG KeSetEvent(_Inout_ PRKEVENT Event, _In_ KPRIORITY Increment, _In_ BOOLEAN Wait);
NDIS_LAB_IMPORT(KeClearEvent)
VOID KeClearEvent(_Inout_ PRKEVENT Event);
NDIS_LAB_IMPORT(KeResetEvent)
LONG KeResetEvent(_Inout_ PRKEVENT Event);
NDIS_LAB_IMPORT(KeReadStateEvent)
LONG KeReadStateEvent(_In_ PRKEVENT Event);
NDIS_LAB_IMPORT(KeWaitForSingleObject)
NTSTATUS KeWaitForSingleObject(_In_ PVOID Object, _In_ KWAIT_REASON WaitReason,
    _In_ KPROCESSOR_MODE WaitMode, _In_ BOOLEAN Alertable, _In_opt_ PLARGE_INTEGER Timeout);
NDIS_LAB_IMPORT(KeInitializeMutex)
VOID KeInitializeMutex(_Out_ PRKMUTEX Mutex, _In_ ULONG Level);
NDIS_LAB_IMPORT(KeReleaseMutex)
LONG KeReleaseMutex(_Inout_ PRKMUTEX Mutex, _In_ BOOLEAN Wait);
NDIS_LAB_IMPORT(KeInitializeDpc)
VOID KeInitializeDpc(_Out_ PRKDPC Dpc, _In_ PKDEFERRED_ROUTINE DeferredRoutine,
                     _In_opt_ PVOID DeferredContext);
NDIS_LAB_IMPORT(KeInsertQueueDpc)
BOOLEAN KeInsertQueueDpc(_Inout_ PRKDPC Dpc, _In_opt_ PVOID SystemArgument1,
                         _In_opt_ PVOID SystemArgument2);
NDIS_LAB_IMPORT(KeRemoveQueueDpc)
BOOLEAN KeRemoveQueueDpc(_Inout_ PRKDPC Dpc);
NDIS_LAB_IMPORT(KeInitializeTimer)
VOID KeInitializeTimer(_Out_ PKTIMER Timer);
NDIS_LAB_IMPORT(KeInitializeTimerEx)
VOID KeInitializeTimerEx(_Out_ PKTIMER Timer, _In_ TIMER_TYPE Type);
NDIS_LAB_IMPORT(KeSetTimer)
BOOLEAN KeSetTimer(_Inout_ PKTIMER Timer, _In_ LARGE_INTEGER DueTime, _In_opt_ PKDPC Dpc);
NDIS_LAB_IMPORT(KeSetTimerEx)
BOOLEAN KeSetTimerEx(_Inout_ PKTIMER Timer, _In_ LARGE_INTEGER DueTime, _In_ LONG Period,
                     _In_opt_ PKDPC Dpc);
NDIS_LAB_IMPORT(KeCancelTimer)
BOOLEAN KeCancelTimer(_Inout_ PKTIMER Timer);

/* ---- Port and register access (every access is a simulator call) ------- */
NDIS_LAB_IMPORT(READ_REGISTER_UCHAR)  UCHAR  READ_REGISTER_UCHAR(_In_ volatile UCHAR *Register);
NDIS_LAB_IMPORT(READ_REGISTER_USHORT) USHORT READ_REGISTER_USHORT(_In_ volatile USHORT *Register);
NDIS_LAB_IMPORT(READ_REGISTER_ULONG)  ULONG  READ_REGISTER_ULONG(_In_ volatile ULONG *Register);
NDIS_LAB_IMPORT(WRITE_REGISTER_UCHAR)  VOID WRITE_REGISTER_UCHAR(_In_ volatile UCHAR *Register, _In_ UCHAR Value);
NDIS_LAB_IMPORT(WRITE_REGISTER_USHORT) VOID WRITE_REGISTER_USHORT(_In_ volatile USHORT *Register, _In_ USHORT Value);
NDIS_LAB_IMPORT(WRITE_REGISTER_ULONG)  VOID WRITE_REGISTER_ULONG(_In_ volatile ULONG *Register, _In_ ULONG Value);
NDIS_LAB_IMPORT(READ_PORT_UCHAR)  UCHAR  READ_PORT_UCHAR(_In_ PUCHAR Port);
NDIS_LAB_IMPORT(READ_PORT_USHORT) USHORT READ_PORT_USHORT(_In_ PUSHORT Port);
NDIS_LAB_IMPORT(READ_PORT_ULONG)  ULONG  READ_PORT_ULONG(_In_ PULONG Port);
NDIS_LAB_IMPORT(WRITE_PORT_UCHAR)  VOID WRITE_PORT_UCHAR(_In_ PUCHAR Port, _In_ UCHAR Value);
NDIS_LAB_IMPORT(WRITE_PORT_USHORT) VOID WRITE_PORT_USHORT(_In_ PUSHORT Port, _In_ USHORT Value);
NDIS_LAB_IMPORT(WRITE_PORT_ULONG)  VOID WRITE_PORT_ULONG(_In_ PULONG Port, _In_ ULONG Value);
NDIS_LAB_IMPORT(READ_PORT_BUFFER_UCHAR)  VOID READ_PORT_BUFFER_UCHAR(_In_ PUCHAR Port, _Out_writes_all_(Count) PUCHAR Buffer, _In_ ULONG Count);
NDIS_LAB_IMPORT(READ_PORT_BUFFER_USHORT) VOID READ_PORT_BUFFER_USHORT(_In_ PUSHORT Port, _Out_writes_all_(Count) PUSHORT Buffer, _In_ ULONG Count);
NDIS_LAB_IMPORT(READ_PORT_BUFFER_ULONG)  VOID READ_PORT_BUFFER_ULONG(_In_ PULONG Port, _Out_writes_all_(Count) PULONG Buffer, _In_ ULONG Count);
NDIS_LAB_IMPORT(WRITE_PORT_BUFFER_UCHAR)  VOID WRITE_PORT_BUFFER_UCHAR(_In_ PUCHAR Port, _In_reads_(Count) PUCHAR Buffer, _In_ ULONG Count);
NDIS_LAB_IMPORT(WRITE_PORT_BUFFER_USHORT) VOID WRITE_PORT_BUFFER_USHORT(_In_ PUSHORT Port, _In_reads_(Count) PUSHORT Buffer, _In_ ULONG Count);
NDIS_LAB_IMPORT(WRITE_PORT_BUFFER_ULONG)  VOID WRITE_PORT_BUFFER_ULONG(_In_ PULONG Port, _In_reads_(Count) PULONG Buffer, _In_ ULONG Count);

/* ---- Interlocked operations (inline; one simulated CPU) ---------------- */
#define NDISLAB_ILK(p) ((volatile __typeof__(*(p)) *)(p))
FORCEINLINE LONG InterlockedIncrement(_Inout_ _Interlocked_operand_ LONG volatile *Addend)
{ return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedDecrement(_Inout_ _Interlocked_operand_ LONG volatile *Addend)
{ return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedExchange(_Inout_ _Interlocked_operand_ LONG volatile *Target, _In_ LONG Value)
{ return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedExchangeAdd(_Inout_ _Interlocked_operand_ LONG volatile *Addend, _In_ LONG Value)
{ return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedAdd(_Inout_ _Interlocked_operand_ LONG volatile *Addend, _In_ LONG Value)
{ return __atomic_add_fetch(Addend, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedCompareExchange(_Inout_ _Interlocked_operand_ LONG volatile *Destination,
                                            _In_ LONG ExChange, _In_ LONG Comperand)
{ __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return Comperand; }
FORCEINLINE LONG InterlockedAnd(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value)
{ return __atomic_fetch_and(Destination, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedOr(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value)
{ return __atomic_fetch_or(Destination, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG InterlockedXor(_Inout_ _Interlocked_operand_ LONG volatile *Destination, _In_ LONG Value)
{ return __atomic_fetch_xor(Destination, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG64 InterlockedIncrement64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend)
{ return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG64 InterlockedDecrement64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend)
{ return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG64 InterlockedAdd64(_Inout_ _Interlocked_operand_ LONG64 volatile *Addend, _In_ LONG64 Value)
{ return __atomic_add_fetch(Addend, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG64 InterlockedExchange64(_Inout_ _Interlocked_operand_ LONG64 volatile *Target, _In_ LONG64 Value)
{ return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE LONG64 InterlockedCompareExchange64(_Inout_ _Interlocked_operand_ LONG64 volatile *Destination,
                                                _In_ LONG64 ExChange, _In_ LONG64 Comperand)
{ __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return Comperand; }
FORCEINLINE PVOID InterlockedExchangePointer(_Inout_ _Interlocked_operand_ PVOID volatile *Target, _In_opt_ PVOID Value)
{ return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST); }
FORCEINLINE PVOID InterlockedCompareExchangePointer(_Inout_ _Interlocked_operand_ PVOID volatile *Destination,
                                                    _In_opt_ PVOID ExChange, _In_opt_ PVOID Comperand)
{ __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return Comperand; }
#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedIncrementNoFence InterlockedIncrement
#define InterlockedDecrementNoFence InterlockedDecrement
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedExchangeAddSizeT(a, b) ((SIZE_T)InterlockedExchangeAdd((LONG volatile *)(a), (LONG)(b)))
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement((LONG volatile *)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement((LONG volatile *)(a)))
#define ReadNoFence(p)      (*(volatile LONG *)(p))
#define WriteNoFence(p, v)  (*(volatile LONG *)(p) = (v))
#define KeMemoryBarrier()   __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define MemoryBarrier()     __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrierWithoutFence() _ReadWriteBarrier()
#define YieldProcessor()    ((void)0)

/* ---- Rtl memory helpers ------------------------------------------------- */
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlMoveMemory(Destination, Source, Length)  memmove((Destination), (Source), (Length))
#define RtlCopyMemory(Destination, Source, Length)  memcpy((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill)    memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length)          memset((Destination), 0, (Length))
#define RtlSecureZeroMemory(Destination, Length)    memset((Destination), 0, (Length))
#define RtlCopyBytes  RtlCopyMemory
#define RtlZeroBytes  RtlZeroMemory
#define RtlFillBytes  RtlFillMemory
#define RtlRetrieveUlong(DEST_ADDRESS, SRC_ADDRESS)  memcpy((DEST_ADDRESS), (SRC_ADDRESS), sizeof(ULONG))
#define RtlRetrieveUshort(DEST_ADDRESS, SRC_ADDRESS) memcpy((DEST_ADDRESS), (SRC_ADDRESS), sizeof(USHORT))
#define RtlStoreUlong(ADDRESS, VALUE)  do { ULONG _NdisLabV = (VALUE); memcpy((ADDRESS), &_NdisLabV, sizeof(ULONG)); } while (0)
#define RtlStoreUshort(ADDRESS, VALUE) do { USHORT _NdisLabV = (VALUE); memcpy((ADDRESS), &_NdisLabV, sizeof(USHORT)); } while (0)

FORCEINLINE SIZE_T RtlCompareMemory(_In_ const VOID *Source1, _In_ const VOID *Source2, _In_ SIZE_T Length)
{
    const UCHAR *a = (const UCHAR *)Source1, *b = (const UCHAR *)Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i]) {
        i++;
    }
    return i;
}

FORCEINLINE USHORT RtlUshortByteSwap(_In_ USHORT Source) { return __builtin_bswap16(Source); }
FORCEINLINE ULONG RtlUlongByteSwap(_In_ ULONG Source) { return __builtin_bswap32(Source); }
FORCEINLINE ULONGLONG RtlUlonglongByteSwap(_In_ ULONGLONG Source) { return __builtin_bswap64(Source); }

/* ---- Rtl string helpers (inline) ---------------------------------------- */
FORCEINLINE VOID RtlInitUnicodeString(_Out_ PUNICODE_STRING DestinationString, _In_opt_z_ PCWSTR SourceString)
{
    SIZE_T n = 0;
    if (SourceString != NULL) {
        while (SourceString[n] != 0) {
            n++;
        }
        if (n > UNICODE_STRING_MAX_CHARS - 1) {
            n = UNICODE_STRING_MAX_CHARS - 1;
        }
        DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
        DestinationString->MaximumLength = (USHORT)((n + 1) * sizeof(WCHAR));
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PWCH)SourceString;
}

FORCEINLINE VOID RtlInitString(_Out_ PSTRING DestinationString, _In_opt_z_ PCSTR SourceString)
{
    SIZE_T n = 0;
    if (SourceString != NULL) {
        while (SourceString[n] != 0) {
            n++;
        }
        if (n > 0xFFFE) {
            n = 0xFFFE;
        }
        DestinationString->Length = (USHORT)n;
        DestinationString->MaximumLength = (USHORT)(n + 1);
    } else {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
    }
    DestinationString->Buffer = (PCHAR)SourceString;
}
#define RtlInitAnsiString RtlInitString

FORCEINLINE VOID RtlCopyUnicodeString(_Inout_ PUNICODE_STRING DestinationString, _In_opt_ PCUNICODE_STRING SourceString)
{
    USHORT n;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    n = SourceString->Length;
    if (n > DestinationString->MaximumLength) {
        n = DestinationString->MaximumLength;
    }
    n &= (USHORT)~1u;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n + sizeof(WCHAR) <= DestinationString->MaximumLength) {
        DestinationString->Buffer[n / sizeof(WCHAR)] = UNICODE_NULL;
    }
}

FORCEINLINE WCHAR RtlUpcaseUnicodeChar(_In_ WCHAR SourceCharacter)
{
    return (SourceCharacter >= L'a' && SourceCharacter <= L'z')
        ? (WCHAR)(SourceCharacter - (L'a' - L'A')) : SourceCharacter;
}

FORCEINLINE LONG RtlCompareUnicodeString(_In_ PCUNICODE_STRING String1, _In_ PCUNICODE_STRING String2,
                                         _In_ BOOLEAN CaseInSensitive)
{
    USHORT n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR), i;
    for (i = 0; i < n1 && i < n2; i++) {
        WCHAR c1 = String1->Buffer[i], c2 = String2->Buffer[i];
        if (CaseInSensitive) {
            c1 = RtlUpcaseUnicodeChar(c1);
            c2 = RtlUpcaseUnicodeChar(c2);
        }
        if (c1 != c2) {
            return (LONG)c1 - (LONG)c2;
        }
    }
    return (LONG)n1 - (LONG)n2;
}

FORCEINLINE BOOLEAN RtlEqualUnicodeString(_In_ PCUNICODE_STRING String1, _In_ PCUNICODE_STRING String2,
                                          _In_ BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length) {
        return FALSE;
    }
    return (BOOLEAN)(RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0);
}

NDIS_LAB_IMPORT(RtlUnicodeStringToAnsiString)
NTSTATUS RtlUnicodeStringToAnsiString(_Inout_ PANSI_STRING DestinationString,
    _In_ PCUNICODE_STRING SourceString, _In_ BOOLEAN AllocateDestinationString);
NDIS_LAB_IMPORT(RtlAnsiStringToUnicodeString)
NTSTATUS RtlAnsiStringToUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
    _In_ PCANSI_STRING SourceString, _In_ BOOLEAN AllocateDestinationString);
NDIS_LAB_IMPORT(RtlUpcaseUnicodeString)
NTSTATUS RtlUpcaseUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
    _In_ PCUNICODE_STRING SourceString, _In_ BOOLEAN AllocateDestinationString);
NDIS_LAB_IMPORT(RtlFreeUnicodeString)
VOID RtlFreeUnicodeString(_Inout_ PUNICODE_STRING UnicodeString);
NDIS_LAB_IMPORT(RtlFreeAnsiString)
VOID RtlFreeAnsiString(_Inout_ PANSI_STRING AnsiString);

/* ---- Doubly linked lists (inline, as in the WDK) ----------------------- */
FORCEINLINE VOID InitializeListHead(_Out_ PLIST_ENTRY ListHead)
{
    ListHead->Flink = ListHead->Blink = ListHead;
}

FORCEINLINE BOOLEAN IsListEmpty(_In_ const LIST_ENTRY *ListHead)
{
    return (BOOLEAN)(ListHead->Flink == ListHead);
}

FORCEINLINE BOOLEAN RemoveEntryList(_In_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY PrevEntry = Entry->Blink;
    PLIST_ENTRY NextEntry = Entry->Flink;
    PrevEntry->Flink = NextEntry;
    NextEntry->Blink = PrevEntry;
    return (BOOLEAN)(PrevEntry == NextEntry);
}

FORCEINLINE PLIST_ENTRY RemoveHeadList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Flink;
    PLIST_ENTRY NextEntry = Entry->Flink;
    ListHead->Flink = NextEntry;
    NextEntry->Blink = ListHead;
    return Entry;
}

FORCEINLINE PLIST_ENTRY RemoveTailList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Blink;
    PLIST_ENTRY PrevEntry = Entry->Blink;
    ListHead->Blink = PrevEntry;
    PrevEntry->Flink = ListHead;
    return Entry;
}

FORCEINLINE VOID InsertTailList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY PrevEntry = ListHead->Blink;
    Entry->Flink = ListHead;
    Entry->Blink = PrevEntry;
    PrevEntry->Flink = Entry;
    ListHead->Blink = Entry;
}

FORCEINLINE VOID InsertHeadList(_Inout_ PLIST_ENTRY ListHead, _Out_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY NextEntry = ListHead->Flink;
    Entry->Flink = NextEntry;
    Entry->Blink = ListHead;
    NextEntry->Blink = Entry;
    ListHead->Flink = Entry;
}

FORCEINLINE VOID AppendTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListToAppend)
{
    PLIST_ENTRY ListEnd = ListHead->Blink;
    ListHead->Blink->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = ListEnd;
}

FORCEINLINE PSINGLE_LIST_ENTRY PopEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead)
{
    PSINGLE_LIST_ENTRY FirstEntry = ListHead->Next;
    if (FirstEntry != NULL) {
        ListHead->Next = FirstEntry->Next;
    }
    return FirstEntry;
}

FORCEINLINE VOID PushEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead, _Inout_ PSINGLE_LIST_ENTRY Entry)
{
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* Spin-lock protected list helpers (imports: the simulator checks the lock). */
NDIS_LAB_IMPORT(ExInterlockedInsertHeadList)
PLIST_ENTRY ExInterlockedInsertHeadList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListEntry, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedInsertTailList)
PLIST_ENTRY ExInterlockedInsertTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListEntry, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedRemoveHeadList)
PLIST_ENTRY ExInterlockedRemoveHeadList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedPushEntryList)
PSINGLE_LIST_ENTRY ExInterlockedPushEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead, _Inout_ PSINGLE_LIST_ENTRY ListEntry, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedPopEntryList)
PSINGLE_LIST_ENTRY ExInterlockedPopEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedAddUlong)
ULONG ExInterlockedAddUlong(_Inout_ PULONG Addend, _In_ ULONG Increment, _Inout_ PKSPIN_LOCK Lock);
NDIS_LAB_IMPORT(ExInterlockedAddLargeStatistic)
VOID ExInterlockedAddLargeStatistic(_Inout_ PLARGE_INTEGER Addend, _In_ ULONG Increment);

/* ---- Version ------------------------------------------------------------ */
NDIS_LAB_IMPORT(RtlIsNtDdiVersionAvailable)
BOOLEAN RtlIsNtDdiVersionAvailable(_In_ ULONG Version);

EXTERN_C_END

#endif /* _WDMDDK_ */

