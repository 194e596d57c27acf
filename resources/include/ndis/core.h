/*
 * NDIS Lab - NDIS services common to all driver kinds (part of ndis.h).
 * Written for NDIS Lab. Where the WDK implements a service as a macro over a
 * Ke/Rtl routine (spin locks, NdisStallExecution, NdisGetCurrentSystemTime)
 * the lab imports the NDIS name itself so the simulator can apply the NDIS
 * rules (SDV SpinLock*, NdisStallExecution_Delay, ...) to the call.
 */
#ifndef _NDISLAB_NDIS_CORE_H_
#define _NDISLAB_NDIS_CORE_H_

/* ---- Memory ------------------------------------------------------------- */
#define NdisMoveMemory(Destination, Source, Length) RtlCopyMemory(Destination, Source, Length)
#define NdisZeroMemory(Destination, Length)         RtlZeroMemory(Destination, Length)
#define NdisEqualMemory(Source1, Source2, Length)   RtlEqualMemory(Source1, Source2, Length)
#define NdisFillMemory(Destination, Length, Fill)   RtlFillMemory(Destination, Length, Fill)
#define NdisRetrieveUlong(Destination, Source)      RtlRetrieveUlong(Destination, Source)
#define NdisStoreUlong(Destination, Value)          RtlStoreUlong(Destination, Value)
#define NdisMoveMappedMemory(Destination, Source, Length) RtlCopyMemory(Destination, Source, Length)
#define NdisZeroMappedMemory(Destination, Length)   RtlZeroMemory(Destination, Length)
#define NdisMoveToMappedMemory(Destination, Source, Length)   NdisMoveMappedMemory(Destination, Source, Length)
#define NdisMoveFromMappedMemory(Destination, Source, Length) NdisMoveMappedMemory(Destination, Source, Length)
#define NdisCopyLookaheadData(_Destination, _Source, _Length, _MacOptions) \
    RtlCopyMemory(_Destination, _Source, _Length)

_Must_inspect_result_
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateMemoryWithTagPriority)
PVOID NdisAllocateMemoryWithTagPriority(
    _In_ NDIS_HANDLE NdisHandle,
    _In_ UINT Length,
    _In_ ULONG Tag,
    _In_ EX_POOL_PRIORITY Priority);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateMemoryWithTag)
NDIS_STATUS NdisAllocateMemoryWithTag(
    _Outptr_result_bytebuffer_(Length) PVOID *VirtualAddress,
    _In_ UINT Length,
    _In_ ULONG Tag);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeMemory)
VOID NdisFreeMemory(
    _In_reads_bytes_(Length) PVOID VirtualAddress,
    _In_ UINT Length,
    _In_ UINT MemoryFlags);

#if NDIS_SUPPORT_NDIS620
NDIS_LAB_IMPORT(NdisFreeMemoryWithTag)
VOID NdisFreeMemoryWithTag(_In_ PVOID VirtualAddress, _In_ ULONG Tag);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeMemoryWithTagPriority)
VOID NdisFreeMemoryWithTagPriority(
    _In_ NDIS_HANDLE NdisHandle,
    _In_ PVOID VirtualAddress,
    _In_ ULONG Tag);
#endif

typedef struct _NDIS_GENERIC_OBJECT {
    NDIS_OBJECT_HEADER Header;
    PVOID Caller;
    PVOID CallersCaller;
    PDRIVER_OBJECT DriverObject;
} NDIS_GENERIC_OBJECT, *PNDIS_GENERIC_OBJECT;

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateGenericObject)
PNDIS_GENERIC_OBJECT NdisAllocateGenericObject(
    _In_opt_ PDRIVER_OBJECT DriverObject, _In_ ULONG Tag, _In_ USHORT Size);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeGenericObject)
VOID NdisFreeGenericObject(_In_ PNDIS_GENERIC_OBJECT NdisObject);

/* ---- Spin locks and RW locks ------------------------------------------- */
_IRQL_requires_max_(HIGH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateSpinLock)
VOID NdisAllocateSpinLock(_Out_ PNDIS_SPIN_LOCK SpinLock);
_IRQL_requires_max_(HIGH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeSpinLock)
VOID NdisFreeSpinLock(_In_ PNDIS_SPIN_LOCK SpinLock);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAcquireSpinLock)
VOID NdisAcquireSpinLock(_Inout_ PNDIS_SPIN_LOCK SpinLock);
_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisReleaseSpinLock)
VOID NdisReleaseSpinLock(_Inout_ PNDIS_SPIN_LOCK SpinLock);
_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisDprAcquireSpinLock)
VOID NdisDprAcquireSpinLock(_Inout_ PNDIS_SPIN_LOCK SpinLock);
_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisDprReleaseSpinLock)
VOID NdisDprReleaseSpinLock(_Inout_ PNDIS_SPIN_LOCK SpinLock);

#if NDIS_SUPPORT_NDIS620
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateRWLock)
PNDIS_RW_LOCK_EX NdisAllocateRWLock(_In_ NDIS_HANDLE NdisHandle);
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeRWLock)
VOID NdisFreeRWLock(_In_ PNDIS_RW_LOCK_EX Lock);
_IRQL_raises_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAcquireRWLockRead)
VOID NdisAcquireRWLockRead(_In_ PNDIS_RW_LOCK_EX Lock, _Out_ _IRQL_saves_ PLOCK_STATE_EX LockState, _In_ UCHAR Flags);
_IRQL_raises_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAcquireRWLockWrite)
VOID NdisAcquireRWLockWrite(_In_ PNDIS_RW_LOCK_EX Lock, _Out_ _IRQL_saves_ PLOCK_STATE_EX LockState, _In_ UCHAR Flags);
_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisReleaseRWLock)
VOID NdisReleaseRWLock(_In_ PNDIS_RW_LOCK_EX Lock, _In_ _IRQL_restores_ PLOCK_STATE_EX LockState);
#endif

#define NdisInterlockedIncrement(Addend) InterlockedIncrement(Addend)
#define NdisInterlockedDecrement(Addend) InterlockedDecrement(Addend)
#define NdisInterlockedAddUlong(_Addend, _Increment, _SpinLock) \
    ExInterlockedAddUlong(_Addend, _Increment, &(_SpinLock)->SpinLock)
#define NdisInterlockedInsertHeadList(_ListHead, _ListEntry, _SpinLock) \
    ExInterlockedInsertHeadList(_ListHead, _ListEntry, &(_SpinLock)->SpinLock)
#define NdisInterlockedInsertTailList(_ListHead, _ListEntry, _SpinLock) \
    ExInterlockedInsertTailList(_ListHead, _ListEntry, &(_SpinLock)->SpinLock)
#define NdisInterlockedRemoveHeadList(_ListHead, _SpinLock) \
    ExInterlockedRemoveHeadList(_ListHead, &(_SpinLock)->SpinLock)
#define NdisInterlockedPushEntryList(ListHead, ListEntry, Lock) \
    ExInterlockedPushEntryList(ListHead, ListEntry, &(Lock)->SpinLock)
#define NdisInterlockedPopEntryList(ListHead, Lock) \
    ExInterlockedPopEntryList(ListHead, &(Lock)->SpinLock)
#define NdisInterlockedAddLargeStatistic(_Addend, _Increment) \
    ExInterlockedAddLargeStatistic((PLARGE_INTEGER)_Addend, _Increment)
#define NdisInitializeListHead(_ListHead) InitializeListHead(_ListHead)

#define NDIS_CURRENT_IRQL() KeGetCurrentIrql()
#define NDIS_RAISE_IRQL_TO_DISPATCH(_pIrql_) KeRaiseIrql(DISPATCH_LEVEL, _pIrql_)
#define NDIS_LOWER_IRQL(_OldIrql_, _CurIrql_) \
    { if (_OldIrql_ != _CurIrql_) KeLowerIrql(_OldIrql_); }
#define NDIS_INIT_MUTEX(_M_)       KeInitializeMutex(_M_, 0xFFFF)
#define NDIS_RELEASE_MUTEX(_M_)    KeReleaseMutex(_M_, FALSE)
#define NDIS_WAIT_FOR_MUTEX(_M_)   KeWaitForSingleObject(_M_, Executive, KernelMode, FALSE, NULL)

/* ---- Events, sleeping, time -------------------------------------------- */
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisInitializeEvent)
VOID NdisInitializeEvent(_Out_ PNDIS_EVENT Event);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisSetEvent)
VOID NdisSetEvent(_In_ PNDIS_EVENT Event);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisResetEvent)
VOID NdisResetEvent(_In_ PNDIS_EVENT Event);
_IRQL_requires_(PASSIVE_LEVEL) NDIS_LAB_IMPORT(NdisWaitEvent)
BOOLEAN NdisWaitEvent(_In_ PNDIS_EVENT Event, _In_ UINT MsToWait);

_IRQL_requires_max_(APC_LEVEL) NDIS_LAB_IMPORT(NdisMSleep)
VOID NdisMSleep(_In_ ULONG MicrosecondsToSleep);
NDIS_LAB_IMPORT(NdisStallExecution)
VOID NdisStallExecution(_In_ UINT MicrosecondsToStall);
NDIS_LAB_IMPORT(NdisGetCurrentSystemTime)
VOID NdisGetCurrentSystemTime(_Out_ PLARGE_INTEGER pSystemTime);
_IRQL_requires_max_(HIGH_LEVEL) NDIS_LAB_IMPORT(NdisGetSystemUpTimeEx)
VOID NdisGetSystemUpTimeEx(_Out_ PLARGE_INTEGER pSystemUpTime);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisGetVersion)
UINT NdisGetVersion(VOID);
_IRQL_requires_(PASSIVE_LEVEL) NDIS_LAB_IMPORT(NdisGetRoutineAddress)
PVOID NdisGetRoutineAddress(_In_ PNDIS_STRING NdisRoutineName);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisGetSharedDataAlignment)
ULONG NdisGetSharedDataAlignment(VOID);

/* ---- Timers -------------------------------------------------------------- */
typedef
_Function_class_(NDIS_TIMER_FUNCTION)
_IRQL_requires_(DISPATCH_LEVEL)
_IRQL_requires_same_
VOID
(NDIS_TIMER_FUNCTION)(
    _In_ PVOID SystemSpecific1,
    _In_ PVOID FunctionContext,
    _In_ PVOID SystemSpecific2,
    _In_ PVOID SystemSpecific3);
typedef NDIS_TIMER_FUNCTION (*PNDIS_TIMER_FUNCTION);

#define NDIS_TIMER_CHARACTERISTICS_REVISION_1 1
typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PNDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS, *PNDIS_TIMER_CHARACTERISTICS;
#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_TIMER_CHARACTERISTICS, FunctionContext)

_Must_inspect_result_
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateTimerObject)
NDIS_STATUS NdisAllocateTimerObject(
    _In_ NDIS_HANDLE NdisHandle,
    _In_ PNDIS_TIMER_CHARACTERISTICS TimerCharacteristics,
    _Out_ PNDIS_HANDLE pTimerObject);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisSetTimerObject)
BOOLEAN NdisSetTimerObject(
    _In_ NDIS_HANDLE TimerObject,
    _In_ LARGE_INTEGER DueTime,
    _In_opt_ LONG MillisecondsPeriod,
    _In_opt_ PVOID FunctionContext);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCancelTimerObject)
BOOLEAN NdisCancelTimerObject(_In_ NDIS_HANDLE TimerObject);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeTimerObject)
VOID NdisFreeTimerObject(_In_ NDIS_HANDLE TimerObject);

/* ---- Work items ---------------------------------------------------------- */
typedef
_Function_class_(NDIS_IO_WORKITEM_FUNCTION)
_IRQL_requires_(PASSIVE_LEVEL)
_IRQL_requires_same_
VOID
(NDIS_IO_WORKITEM_FUNCTION)(
    _In_opt_ PVOID WorkItemContext,
    _In_ NDIS_HANDLE NdisIoWorkItemHandle);
typedef NDIS_IO_WORKITEM_FUNCTION (*NDIS_IO_WORKITEM_ROUTINE);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisAllocateIoWorkItem)
NDIS_HANDLE NdisAllocateIoWorkItem(_In_ NDIS_HANDLE NdisObjectHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisQueueIoWorkItem)
VOID NdisQueueIoWorkItem(
    _In_ NDIS_HANDLE NdisIoWorkItemHandle,
    _In_ NDIS_IO_WORKITEM_ROUTINE Routine,
    _In_ PVOID WorkItemContext);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisFreeIoWorkItem)
VOID NdisFreeIoWorkItem(_In_ NDIS_HANDLE NdisIoWorkItemHandle);

/* ---- Configuration ------------------------------------------------------ */
#define NDIS_CONFIGURATION_OBJECT_REVISION_1 1
#define NDIS_CONFIG_FLAG_FILTER_INSTANCE_CONFIGURATION 0x00000001

typedef struct _NDIS_CONFIGURATION_OBJECT {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE NdisHandle;
    ULONG Flags;
} NDIS_CONFIGURATION_OBJECT, *PNDIS_CONFIGURATION_OBJECT;
#define NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_CONFIGURATION_OBJECT, Flags)

_Must_inspect_result_
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisOpenConfigurationEx)
NDIS_STATUS NdisOpenConfigurationEx(
    _In_ PNDIS_CONFIGURATION_OBJECT ConfigObject,
    _Out_ PNDIS_HANDLE ConfigurationHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisReadConfiguration)
VOID NdisReadConfiguration(
    _Out_ PNDIS_STATUS Status,
    _Out_ PNDIS_CONFIGURATION_PARAMETER *ParameterValue,
    _In_ NDIS_HANDLE ConfigurationHandle,
    _In_ PNDIS_STRING Keyword,
    _In_ NDIS_PARAMETER_TYPE ParameterType);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisWriteConfiguration)
VOID NdisWriteConfiguration(
    _Out_ PNDIS_STATUS Status,
    _In_ NDIS_HANDLE ConfigurationHandle,
    _In_ PNDIS_STRING Keyword,
    _In_ PNDIS_CONFIGURATION_PARAMETER ParameterValue);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisReadNetworkAddress)
VOID NdisReadNetworkAddress(
    _Out_ PNDIS_STATUS Status,
    _Outptr_result_bytebuffer_to_(*NetworkAddressLength, *NetworkAddressLength) PVOID *NetworkAddress,
    _Out_ PUINT NetworkAddressLength,
    _In_ NDIS_HANDLE ConfigurationHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisCloseConfiguration)
VOID NdisCloseConfiguration(_In_ NDIS_HANDLE ConfigurationHandle);

_IRQL_requires_max_(APC_LEVEL)
NDIS_LAB_IMPORT(NdisOpenConfigurationKeyByName)
VOID NdisOpenConfigurationKeyByName(
    _Out_ PNDIS_STATUS Status,
    _In_ NDIS_HANDLE ConfigurationHandle,
    _In_ PNDIS_STRING SubKeyName,
    _Out_ PNDIS_HANDLE SubKeyHandle);

_IRQL_requires_max_(APC_LEVEL)
NDIS_LAB_IMPORT(NdisOpenConfigurationKeyByIndex)
VOID NdisOpenConfigurationKeyByIndex(
    _Out_ PNDIS_STATUS Status,
    _In_ NDIS_HANDLE ConfigurationHandle,
    _In_ ULONG Index,
    _Out_ PNDIS_STRING KeyName,
    _Out_ PNDIS_HANDLE KeyHandle);

/* ---- Optional handlers (SetOptions) ------------------------------------ */
typedef struct _NDIS_DRIVER_OPTIONAL_HANDLERS {
    NDIS_OBJECT_HEADER Header;
} NDIS_DRIVER_OPTIONAL_HANDLERS, *PNDIS_DRIVER_OPTIONAL_HANDLERS;

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisSetOptionalHandlers)
NDIS_STATUS NdisSetOptionalHandlers(
    _In_ NDIS_HANDLE NdisHandle,
    _In_ PNDIS_DRIVER_OPTIONAL_HANDLERS OptionalHandlers);

typedef
_Function_class_(SET_OPTIONS)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(SET_OPTIONS)(
    _In_ NDIS_HANDLE NdisDriverHandle,
    _In_ NDIS_HANDLE DriverContext);
typedef SET_OPTIONS (*SET_OPTIONS_HANDLER);
typedef SET_OPTIONS (MINIPORT_SET_OPTIONS);
typedef SET_OPTIONS (PROTOCOL_SET_OPTIONS);
typedef SET_OPTIONS (FILTER_SET_OPTIONS);

/* ---- Error log ---------------------------------------------------------- */
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisWriteErrorLogEntry)
VOID __cdecl NdisWriteErrorLogEntry(
    _In_ NDIS_HANDLE NdisAdapterHandle,
    _In_ NDIS_ERROR_CODE ErrorCode,
    _In_ ULONG NumberOfErrorValues,
    ...);

/* ---- Strings ------------------------------------------------------------ */
#define NdisEqualString(_String1, _String2, _CaseInsensitive) \
    RtlEqualUnicodeString(_String1, _String2, _CaseInsensitive)
#define NdisEqualUnicodeString(_String1, _String2, _CaseInsensitive) \
    RtlEqualUnicodeString(_String1, _String2, _CaseInsensitive)
#define NdisInitAnsiString(_as, s)              RtlInitString(_as, s)
#define NdisInitUnicodeString(_us, s)           RtlInitUnicodeString(_us, s)
#define NdisAnsiStringToUnicodeString(_us, _as) RtlAnsiStringToUnicodeString(_us, _as, FALSE)
#define NdisUnicodeStringToAnsiString(_as, _us) RtlUnicodeStringToAnsiString(_as, _us, FALSE)
#define NdisUpcaseUnicodeString(_d, _s)         RtlUpcaseUnicodeString(_d, _s, FALSE)
#define NdisFreeString(String) NdisFreeMemory((String).Buffer, (String).MaximumLength, 0)
#define NdisPrintString(String) DbgPrint("%ls", (String).Buffer)

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisInitializeString)
VOID NdisInitializeString(_Out_ PNDIS_STRING Destination, _In_ PUCHAR Source);

/* ---- Lookaside lists ---------------------------------------------------- */
NDIS_LAB_INLINE_NEEDS(NdisGetVersion)
NDIS_LAB_INLINE_NEEDS(ExInitializeNPagedLookasideList)
FORCEINLINE VOID NdisInitializeNPagedLookasideList(
    _Out_ PNPAGED_LOOKASIDE_LIST Lookaside,
    _In_opt_ PALLOCATE_FUNCTION Allocate,
    _In_opt_ PFREE_FUNCTION Free,
    _In_ ULONG Flags,
    _In_ SIZE_T Size,
    _In_ ULONG Tag,
    _In_ USHORT Depth)
{
    if (NdisGetVersion() >= NDIS_RUNTIME_VERSION_630) {
        Flags |= POOL_NX_ALLOCATION;
    }
    ExInitializeNPagedLookasideList(Lookaside, Allocate, Free, Flags, Size, Tag, Depth);
}
#define NdisDeleteNPagedLookasideList(_L)       ExDeleteNPagedLookasideList(_L)
#define NdisAllocateFromNPagedLookasideList(_L) ExAllocateFromNPagedLookasideList(_L)
#define NdisFreeToNPagedLookasideList(_L, _E)   ExFreeToNPagedLookasideList(_L, _E)

/* ---- Register and port access (WDK macros over READ_/WRITE_ imports) --- */
#define NdisRawWritePortUchar(Port, Data)   WRITE_PORT_UCHAR((PUCHAR)(Port), (UCHAR)(Data))
#define NdisRawWritePortUshort(Port, Data)  WRITE_PORT_USHORT((PUSHORT)(Port), (USHORT)(Data))
#define NdisRawWritePortUlong(Port, Data)   WRITE_PORT_ULONG((PULONG)(Port), (ULONG)(Data))
#define NdisRawReadPortUchar(Port, Data)    *(Data) = READ_PORT_UCHAR((PUCHAR)(Port))
#define NdisRawReadPortUshort(Port, Data)   *(Data) = READ_PORT_USHORT((PUSHORT)(Port))
#define NdisRawReadPortUlong(Port, Data)    *(Data) = READ_PORT_ULONG((PULONG)(Port))
#define NdisRawWritePortBufferUchar(Port, Buffer, Length)  WRITE_PORT_BUFFER_UCHAR((PUCHAR)(Port), (PUCHAR)(Buffer), (Length))
#define NdisRawWritePortBufferUshort(Port, Buffer, Length) WRITE_PORT_BUFFER_USHORT((PUSHORT)(Port), (PUSHORT)(Buffer), (Length))
#define NdisRawWritePortBufferUlong(Port, Buffer, Length)  WRITE_PORT_BUFFER_ULONG((PULONG)(Port), (PULONG)(Buffer), (Length))
#define NdisRawReadPortBufferUchar(Port, Buffer, Length)   READ_PORT_BUFFER_UCHAR((PUCHAR)(Port), (PUCHAR)(Buffer), (Length))
#define NdisRawReadPortBufferUshort(Port, Buffer, Length)  READ_PORT_BUFFER_USHORT((PUSHORT)(Port), (PUSHORT)(Buffer), (Length))
#define NdisRawReadPortBufferUlong(Port, Buffer, Length)   READ_PORT_BUFFER_ULONG((PULONG)(Port), (PULONG)(Buffer), (Length))
#define NdisWriteRegisterUchar(Register, Data)  WRITE_REGISTER_UCHAR((volatile UCHAR *)(Register), (UCHAR)(Data))
#define NdisWriteRegisterUshort(Register, Data) WRITE_REGISTER_USHORT((volatile USHORT *)(Register), (USHORT)(Data))
#define NdisWriteRegisterUlong(Register, Data)  WRITE_REGISTER_ULONG((volatile ULONG *)(Register), (ULONG)(Data))
#define NdisReadRegisterUchar(Register, Data)   *(Data) = READ_REGISTER_UCHAR((volatile UCHAR *)(Register))
#define NdisReadRegisterUshort(Register, Data)  *(Data) = READ_REGISTER_USHORT((volatile USHORT *)(Register))
#define NdisReadRegisterUlong(Register, Data)   *(Data) = READ_REGISTER_ULONG((volatile ULONG *)(Register))

/* ---- Device objects for control ---------------------------------------- */
#define NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 1
typedef struct _NDIS_DEVICE_OBJECT_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    PNDIS_STRING DeviceName;
    PNDIS_STRING SymbolicName;
    PDRIVER_DISPATCH *MajorFunctions;
    ULONG ExtensionSize;
    PCUNICODE_STRING DefaultSDDLString;
    LPCGUID DeviceClassGuid;
} NDIS_DEVICE_OBJECT_ATTRIBUTES, *PNDIS_DEVICE_OBJECT_ATTRIBUTES;
#define NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_DEVICE_OBJECT_ATTRIBUTES, DeviceClassGuid)

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisRegisterDeviceEx)
NDIS_STATUS NdisRegisterDeviceEx(
    _In_ NDIS_HANDLE NdisHandle,
    _In_ PNDIS_DEVICE_OBJECT_ATTRIBUTES DeviceObjectAttributes,
    _Out_ PDEVICE_OBJECT *pDeviceObject,
    _Out_ PNDIS_HANDLE NdisDeviceHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisDeregisterDeviceEx)
VOID NdisDeregisterDeviceEx(_In_ NDIS_HANDLE NdisDeviceHandle);

_IRQL_requires_max_(HIGH_LEVEL)
NDIS_LAB_IMPORT(NdisGetDeviceReservedExtension)
PVOID NdisGetDeviceReservedExtension(_In_ PDEVICE_OBJECT DeviceObject);

/* ---- Pause reasons ------------------------------------------------------ */
#define NDIS_PAUSE_NDIS_INTERNAL            0x00000001
#define NDIS_PAUSE_LOW_POWER                0x00000002
#define NDIS_PAUSE_BIND_PROTOCOL            0x00000004
#define NDIS_PAUSE_UNBIND_PROTOCOL          0x00000008
#define NDIS_PAUSE_ATTACH_FILTER            0x00000010
#define NDIS_PAUSE_DETACH_FILTER            0x00000020
#define NDIS_PAUSE_FILTER_RESTART_STACK     0x00000040
#define NDIS_PAUSE_MINIPORT_DEVICE_REMOVE   0x00000080

#endif /* _NDISLAB_NDIS_CORE_H_ */
