/*
 * NDIS Lab - NDIS 6 miniport and intermediate driver interface (part of
 * ndis.h). Written for NDIS Lab; names, field order and values follow the WDK.
 */
#ifndef _NDISLAB_NDIS_MINIPORT_H_
#define _NDISLAB_NDIS_MINIPORT_H_

/* ---- Enumerations -------------------------------------------------------- */
typedef enum _NDIS_HALT_ACTION {
    NdisHaltDeviceDisabled,
    NdisHaltDeviceInstanceDeInitialized,
    NdisHaltDevicePoweredDown,
    NdisHaltDeviceSurpriseRemoved,
    NdisHaltDeviceFailed,
    NdisHaltDeviceInitializationFailed,
    NdisHaltDeviceStopped
} NDIS_HALT_ACTION, *PNDIS_HALT_ACTION;

typedef enum _NDIS_SHUTDOWN_ACTION {
    NdisShutdownPowerOff,
    NdisShutdownBugCheck
} NDIS_SHUTDOWN_ACTION, *PNDIS_SHUTDOWN_ACTION;

typedef enum _NDIS_DEVICE_PNP_EVENT {
    NdisDevicePnPEventQueryRemoved,
    NdisDevicePnPEventRemoved,
    NdisDevicePnPEventSurpriseRemoved,
    NdisDevicePnPEventQueryStopped,
    NdisDevicePnPEventStopped,
    NdisDevicePnPEventPowerProfileChanged,
    NdisDevicePnPEventFilterListChanged,
    NdisDevicePnPEventMaximum
} NDIS_DEVICE_PNP_EVENT, *PNDIS_DEVICE_PNP_EVENT;

/* The ULONG at InformationBuffer of an NdisDevicePnPEventPowerProfileChanged event. */
typedef enum _NDIS_POWER_PROFILE {
    NdisPowerProfileBattery,
    NdisPowerProfileAcOnLine
} NDIS_POWER_PROFILE, *PNDIS_POWER_PROFILE;

typedef enum _NDIS_INTERRUPT_TYPE {
    NDIS_CONNECT_LINE_BASED = 1,
    NDIS_CONNECT_MESSAGE_BASED
} NDIS_INTERRUPT_TYPE, *PNDIS_INTERRUPT_TYPE;


/* ---- Driver characteristics --------------------------------------------- */
#define NDIS_INTERMEDIATE_DRIVER        0x00000001
#define NDIS_WDM_DRIVER                 0x00000002
#define NDIS_DRIVER_FLAGS_RESERVED      0x00000008

#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1 1
#if NDIS_SUPPORT_NDIS61
#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 2
#endif
#if NDIS_SUPPORT_NDIS680
#define NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_3 3
#endif

typedef struct _NDIS_MINIPORT_INIT_PARAMETERS NDIS_MINIPORT_INIT_PARAMETERS, *PNDIS_MINIPORT_INIT_PARAMETERS;
typedef struct _NDIS_MINIPORT_PAUSE_PARAMETERS NDIS_MINIPORT_PAUSE_PARAMETERS, *PNDIS_MINIPORT_PAUSE_PARAMETERS;
typedef struct _NDIS_MINIPORT_RESTART_PARAMETERS NDIS_MINIPORT_RESTART_PARAMETERS, *PNDIS_MINIPORT_RESTART_PARAMETERS;
typedef struct _NET_DEVICE_PNP_EVENT NET_DEVICE_PNP_EVENT, *PNET_DEVICE_PNP_EVENT;

/* ---- Callback role types ------------------------------------------------ */
typedef
_Function_class_(MINIPORT_INITIALIZE)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(MINIPORT_INITIALIZE)(
    _In_ NDIS_HANDLE NdisMiniportHandle,
    _In_ NDIS_HANDLE MiniportDriverContext,
    _In_ PNDIS_MINIPORT_INIT_PARAMETERS MiniportInitParameters);
typedef MINIPORT_INITIALIZE (*MINIPORT_INITIALIZE_HANDLER);

typedef
_Function_class_(MINIPORT_HALT)
_IRQL_requires_(PASSIVE_LEVEL)
VOID
(MINIPORT_HALT)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ NDIS_HALT_ACTION HaltAction);
typedef MINIPORT_HALT (*MINIPORT_HALT_HANDLER);

typedef
_Function_class_(MINIPORT_UNLOAD)
_IRQL_requires_(PASSIVE_LEVEL)
VOID
(MINIPORT_UNLOAD)(
    _In_ PDRIVER_OBJECT DriverObject);
typedef MINIPORT_UNLOAD (*MINIPORT_UNLOAD_HANDLER);
typedef MINIPORT_UNLOAD (MINIPORT_DRIVER_UNLOAD);
typedef MINIPORT_DRIVER_UNLOAD (*MINIPORT_DRIVER_UNLOAD_HANDLER);

typedef
_Function_class_(MINIPORT_PAUSE)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(MINIPORT_PAUSE)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNDIS_MINIPORT_PAUSE_PARAMETERS PauseParameters);
typedef MINIPORT_PAUSE (*MINIPORT_PAUSE_HANDLER);

typedef
_Function_class_(MINIPORT_RESTART)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(MINIPORT_RESTART)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNDIS_MINIPORT_RESTART_PARAMETERS RestartParameters);
typedef MINIPORT_RESTART (*MINIPORT_RESTART_HANDLER);

typedef
_Function_class_(MINIPORT_OID_REQUEST)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(MINIPORT_OID_REQUEST)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNDIS_OID_REQUEST OidRequest);
typedef MINIPORT_OID_REQUEST (*MINIPORT_OID_REQUEST_HANDLER);

typedef
_Function_class_(MINIPORT_SEND_NET_BUFFER_LISTS)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(MINIPORT_SEND_NET_BUFFER_LISTS)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNET_BUFFER_LIST NetBufferList,
    _In_ NDIS_PORT_NUMBER PortNumber,
    _In_ ULONG SendFlags);
typedef MINIPORT_SEND_NET_BUFFER_LISTS (*MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER);

typedef
_Function_class_(MINIPORT_RETURN_NET_BUFFER_LISTS)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(MINIPORT_RETURN_NET_BUFFER_LISTS)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNET_BUFFER_LIST NetBufferLists,
    _In_ ULONG ReturnFlags);
typedef MINIPORT_RETURN_NET_BUFFER_LISTS (*MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER);

typedef
_Function_class_(MINIPORT_CANCEL_SEND)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(MINIPORT_CANCEL_SEND)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PVOID CancelId);
typedef MINIPORT_CANCEL_SEND (*MINIPORT_CANCEL_SEND_HANDLER);

typedef
_Function_class_(MINIPORT_CHECK_FOR_HANG)
_IRQL_requires_(PASSIVE_LEVEL)
BOOLEAN
(MINIPORT_CHECK_FOR_HANG)(
    _In_ NDIS_HANDLE MiniportAdapterContext);
typedef MINIPORT_CHECK_FOR_HANG (*MINIPORT_CHECK_FOR_HANG_HANDLER);

typedef
_Function_class_(MINIPORT_RESET)
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_STATUS
(MINIPORT_RESET)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _Out_ PBOOLEAN AddressingReset);
typedef MINIPORT_RESET (*MINIPORT_RESET_HANDLER);

typedef
_Function_class_(MINIPORT_DEVICE_PNP_EVENT_NOTIFY)
_IRQL_requires_(PASSIVE_LEVEL)
VOID
(MINIPORT_DEVICE_PNP_EVENT_NOTIFY)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNET_DEVICE_PNP_EVENT NetDevicePnPEvent);
typedef MINIPORT_DEVICE_PNP_EVENT_NOTIFY (*MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER);

typedef
_Function_class_(MINIPORT_SHUTDOWN)
VOID
(MINIPORT_SHUTDOWN)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ NDIS_SHUTDOWN_ACTION ShutdownAction);
typedef MINIPORT_SHUTDOWN (*MINIPORT_SHUTDOWN_HANDLER);

typedef
_Function_class_(MINIPORT_CANCEL_OID_REQUEST)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(MINIPORT_CANCEL_OID_REQUEST)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PVOID RequestId);
typedef MINIPORT_CANCEL_OID_REQUEST (*MINIPORT_CANCEL_OID_REQUEST_HANDLER);

typedef
_Function_class_(MINIPORT_DIRECT_OID_REQUEST)
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_STATUS
(MINIPORT_DIRECT_OID_REQUEST)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNDIS_OID_REQUEST OidRequest);
typedef MINIPORT_DIRECT_OID_REQUEST (*MINIPORT_DIRECT_OID_REQUEST_HANDLER);

typedef
_Function_class_(MINIPORT_CANCEL_DIRECT_OID_REQUEST)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(MINIPORT_CANCEL_DIRECT_OID_REQUEST)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PVOID RequestId);
typedef MINIPORT_CANCEL_DIRECT_OID_REQUEST (*MINIPORT_CANCEL_DIRECT_OID_REQUEST_HANDLER);

typedef
_Function_class_(MINIPORT_SYNCHRONOUS_OID_REQUEST)
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_STATUS
(MINIPORT_SYNCHRONOUS_OID_REQUEST)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PNDIS_OID_REQUEST OidRequest);
typedef MINIPORT_SYNCHRONOUS_OID_REQUEST (*MINIPORT_SYNCHRONOUS_OID_REQUEST_HANDLER);

/* Interrupts */
typedef
_Function_class_(MINIPORT_ISR)
BOOLEAN
(MINIPORT_ISR)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _Out_ PBOOLEAN QueueDefaultInterruptDpc,
    _Out_ PULONG TargetProcessors);
typedef MINIPORT_ISR (*MINIPORT_ISR_HANDLER);

#if NDIS_SUPPORT_NDIS620
/* What the DPC of an NDIS 6.20+ miniport gets as ReceiveThrottleParameters: how many NBLs it may
   indicate now, and where it says that more are waiting (NDIS then calls it again). */
#define NDIS_INDICATE_ALL_NBLS (~0ul)
typedef struct _NDIS_RECEIVE_THROTTLE_PARAMETERS {
    ULONG MaxNblsToIndicate;
    ULONG MoreNblsPending:1;
} NDIS_RECEIVE_THROTTLE_PARAMETERS, *PNDIS_RECEIVE_THROTTLE_PARAMETERS;
#endif

typedef
_Function_class_(MINIPORT_INTERRUPT_DPC)
_IRQL_requires_(DISPATCH_LEVEL)
VOID
(MINIPORT_INTERRUPT_DPC)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ PVOID MiniportDpcContext,
#if NDIS_SUPPORT_NDIS620
    _In_ PVOID ReceiveThrottleParameters,
    _In_ PVOID NdisReserved2
#else
    _In_ PULONG NdisReserved1,
    _In_ PULONG NdisReserved2
#endif
    );
typedef MINIPORT_INTERRUPT_DPC (*MINIPORT_INTERRUPT_DPC_HANDLER);

typedef
_Function_class_(MINIPORT_DISABLE_INTERRUPT)
VOID
(MINIPORT_DISABLE_INTERRUPT)(
    _In_ NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_DISABLE_INTERRUPT (*MINIPORT_DISABLE_INTERRUPT_HANDLER);

typedef
_Function_class_(MINIPORT_ENABLE_INTERRUPT)
VOID
(MINIPORT_ENABLE_INTERRUPT)(
    _In_ NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_ENABLE_INTERRUPT (*MINIPORT_ENABLE_INTERRUPT_HANDLER);

typedef
_Function_class_(MINIPORT_MESSAGE_INTERRUPT)
BOOLEAN
(MINIPORT_MESSAGE_INTERRUPT)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ ULONG MessageId,
    _Out_ PBOOLEAN QueueDefaultInterruptDpc,
    _Out_ PULONG TargetProcessors);
typedef MINIPORT_MESSAGE_INTERRUPT (*MINIPORT_MSI_ISR_HANDLER);

typedef
_Function_class_(MINIPORT_MESSAGE_INTERRUPT_DPC)
_IRQL_requires_(DISPATCH_LEVEL)
VOID
(MINIPORT_MESSAGE_INTERRUPT_DPC)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ ULONG MessageId,
    _In_ PVOID MiniportDpcContext,
#if NDIS_SUPPORT_NDIS620
    _In_ PVOID ReceiveThrottleParameters,
    _In_ PVOID NdisReserved2
#else
    _In_ PULONG NdisReserved1,
    _In_ PULONG NdisReserved2
#endif
    );
typedef MINIPORT_MESSAGE_INTERRUPT_DPC (*MINIPORT_MSI_INTERRUPT_DPC_HANDLER);

typedef
_Function_class_(MINIPORT_DISABLE_MESSAGE_INTERRUPT)
VOID
(MINIPORT_DISABLE_MESSAGE_INTERRUPT)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ ULONG MessageId);
typedef MINIPORT_DISABLE_MESSAGE_INTERRUPT (*MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER);

typedef
_Function_class_(MINIPORT_ENABLE_MESSAGE_INTERRUPT)
VOID
(MINIPORT_ENABLE_MESSAGE_INTERRUPT)(
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ ULONG MessageId);
typedef MINIPORT_ENABLE_MESSAGE_INTERRUPT (*MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER);

typedef
_Function_class_(MINIPORT_SYNCHRONIZE_INTERRUPT)
BOOLEAN
(MINIPORT_SYNCHRONIZE_INTERRUPT)(
    _In_ NDIS_HANDLE SynchronizeContext);
typedef MINIPORT_SYNCHRONIZE_INTERRUPT (*MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER);
typedef MINIPORT_SYNCHRONIZE_INTERRUPT (MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT);
typedef MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT (*MINIPORT_SYNCHRONIZE_MSI_INTERRUPT_HANDLER);

/* DMA */
typedef
_Function_class_(MINIPORT_PROCESS_SG_LIST)
_IRQL_requires_(DISPATCH_LEVEL)
VOID
(MINIPORT_PROCESS_SG_LIST)(
    _In_ PDEVICE_OBJECT pDO,
    _In_ PVOID Reserved,
    _In_ PSCATTER_GATHER_LIST pSGL,
    _In_ PVOID Context);
typedef MINIPORT_PROCESS_SG_LIST (*MINIPORT_PROCESS_SG_LIST_HANDLER);

typedef
_Function_class_(MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE)
_IRQL_requires_(DISPATCH_LEVEL)
VOID
(MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE)(
    _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ PVOID VirtualAddress,
    _In_ PNDIS_PHYSICAL_ADDRESS PhysicalAddress,
    _In_ ULONG Length,
    _In_ PVOID Context);
typedef MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE (*MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER);

/* ---- Characteristics ---------------------------------------------------- */
typedef struct _NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    SET_OPTIONS_HANDLER SetOptionsHandler;
    MINIPORT_INITIALIZE_HANDLER InitializeHandlerEx;
    MINIPORT_HALT_HANDLER HaltHandlerEx;
    MINIPORT_DRIVER_UNLOAD_HANDLER UnloadHandler;
    MINIPORT_PAUSE_HANDLER PauseHandler;
    MINIPORT_RESTART_HANDLER RestartHandler;
    MINIPORT_OID_REQUEST_HANDLER OidRequestHandler;
    MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER SendNetBufferListsHandler;
    MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER ReturnNetBufferListsHandler;
    MINIPORT_CANCEL_SEND_HANDLER CancelSendHandler;
    MINIPORT_CHECK_FOR_HANG_HANDLER CheckForHangHandlerEx;
    MINIPORT_RESET_HANDLER ResetHandlerEx;
    MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER DevicePnPEventNotifyHandler;
    MINIPORT_SHUTDOWN_HANDLER ShutdownHandlerEx;
    MINIPORT_CANCEL_OID_REQUEST_HANDLER CancelOidRequestHandler;
#if NDIS_SUPPORT_NDIS61
    MINIPORT_DIRECT_OID_REQUEST_HANDLER DirectOidRequestHandler;
    MINIPORT_CANCEL_DIRECT_OID_REQUEST_HANDLER CancelDirectOidRequestHandler;
#endif
#if NDIS_SUPPORT_NDIS680
    MINIPORT_SYNCHRONOUS_OID_REQUEST_HANDLER SynchronousOidRequestHandler;
#endif
} NDIS_MINIPORT_DRIVER_CHARACTERISTICS, *PNDIS_MINIPORT_DRIVER_CHARACTERISTICS;

#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, CancelOidRequestHandler)
#if NDIS_SUPPORT_NDIS61
#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, CancelDirectOidRequestHandler)
#endif
#if NDIS_SUPPORT_NDIS680
#define NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_3 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_DRIVER_CHARACTERISTICS, SynchronousOidRequestHandler)
#endif

/* ---- Init / pause / restart / PnP parameters ---------------------------- */
#define NDIS_MINIPORT_INIT_PARAMETERS_REVISION_1 1
struct _NDIS_MINIPORT_INIT_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    PNDIS_RESOURCE_LIST AllocatedResources;
    NDIS_HANDLE IMDeviceInstanceContext;
    NDIS_HANDLE MiniportAddDeviceContext;
    NET_IFINDEX IfIndex;
    NET_LUID NetLuid;
    PNDIS_PORT_AUTHENTICATION_PARAMETERS DefaultPortAuthStates;
    PNDIS_PCI_DEVICE_CUSTOM_PROPERTIES PciDeviceCustomProperties;
};
#define NDIS_SIZEOF_MINIPORT_INIT_PARAMETER_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_INIT_PARAMETERS, PciDeviceCustomProperties)

#define NDIS_MINIPORT_PAUSE_PARAMETERS_REVISION_1 1
struct _NDIS_MINIPORT_PAUSE_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    ULONG PauseReason;
};
#define NDIS_SIZEOF_MINIPORT_PAUSE_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_PAUSE_PARAMETERS, PauseReason)

#define NDIS_MINIPORT_RESTART_PARAMETERS_REVISION_1 1
struct _NDIS_MINIPORT_RESTART_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    PNDIS_RESTART_ATTRIBUTES RestartAttributes;
    ULONG Flags;
};
#define NDIS_SIZEOF_MINIPORT_RESTART_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_RESTART_PARAMETERS, Flags)

#define NET_DEVICE_PNP_EVENT_REVISION_1 1
struct _NET_DEVICE_PNP_EVENT {
    NDIS_OBJECT_HEADER Header;
    NDIS_PORT_NUMBER PortNumber;
    NDIS_DEVICE_PNP_EVENT DevicePnPEvent;
    PVOID InformationBuffer;
    ULONG InformationBufferLength;
    UCHAR NdisReserved[2 * sizeof(PVOID)];
};
#define NDIS_SIZEOF_NET_DEVICE_PNP_EVENT_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NET_DEVICE_PNP_EVENT, NdisReserved)

#define NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_1 1
#if NDIS_SUPPORT_NDIS620
#define NDIS_RESTART_GENERAL_ATTRIBUTES_REVISION_2 2
#endif
typedef struct _NDIS_RESTART_GENERAL_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    ULONG MtuSize;
    ULONG64 MaxXmitLinkSpeed;
    ULONG64 MaxRcvLinkSpeed;
    ULONG LookaheadSize;
    ULONG MacOptions;
    ULONG SupportedPacketFilters;
    ULONG MaxMulticastListSize;
    PNDIS_RECEIVE_SCALE_CAPABILITIES RecvScaleCapabilities;
    NET_IF_ACCESS_TYPE AccessType;
    ULONG Flags;
    NET_IF_CONNECTION_TYPE ConnectionType;
    ULONG SupportedStatistics;
    ULONG DataBackFillSize;
    ULONG ContextBackFillSize;
    PNDIS_OID SupportedOidList;
    ULONG SupportedOidListLength;
#if NDIS_SUPPORT_NDIS620
    ULONG MaxLookaheadSizeAccessed;
#endif
} NDIS_RESTART_GENERAL_ATTRIBUTES, *PNDIS_RESTART_GENERAL_ATTRIBUTES;
#define NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_RESTART_GENERAL_ATTRIBUTES, SupportedOidListLength)
#if NDIS_SUPPORT_NDIS620
#define NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_RESTART_GENERAL_ATTRIBUTES, MaxLookaheadSizeAccessed)
#endif

/* ---- Adapter attributes ------------------------------------------------- */
#define NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE                 0x00000001
#define NDIS_MINIPORT_ATTRIBUTES_NDIS_WDM                        0x00000002
#define NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK              0x00000004
#define NDIS_MINIPORT_ATTRIBUTES_NOT_CO_NDIS                     0x00000008
#define NDIS_MINIPORT_ATTRIBUTES_DO_NOT_BIND_TO_ALL_CO           0x00000010
#define NDIS_MINIPORT_ATTRIBUTES_NO_HALT_ON_SUSPEND              0x00000020
#define NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER                      0x00000040
#define NDIS_MINIPORT_ATTRIBUTES_CONTROLS_DEFAULT_PORT           0x00000080
#define NDIS_MINIPORT_ATTRIBUTES_NO_PAUSE_ON_SUSPEND             0x00000100
#define NDIS_MINIPORT_ATTRIBUTES_NO_OID_INTERCEPT_ON_NONDEFAULT_PORTS 0x00000200
#define NDIS_MINIPORT_ATTRIBUTES_REGISTER_BUGCHECK_CALLBACK      0x00000400

#define NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES_REVISION_1 1
typedef struct _NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE MiniportAddDeviceContext;
    ULONG Flags;
} NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES, *PNDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES;
#define NDIS_SIZEOF_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES, Flags)

#define NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1 1
#if NDIS_SUPPORT_NDIS630
#define NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2 2
#endif
typedef struct _NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE MiniportAdapterContext;
    ULONG AttributeFlags;
    UINT CheckForHangTimeInSeconds;
    NDIS_INTERFACE_TYPE InterfaceType;
} NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES;
#define NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, InterfaceType)
#if NDIS_SUPPORT_NDIS630
#define NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, InterfaceType)
#endif

#define NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_1 1
#if NDIS_SUPPORT_NDIS620
#define NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2 2
#endif
typedef struct _NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
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
    PNDIS_PNP_CAPABILITIES PowerManagementCapabilities;
    ULONG MacOptions;
    ULONG SupportedPacketFilters;
    ULONG MaxMulticastListSize;
    USHORT MacAddressLength;
    UCHAR PermanentMacAddress[NDIS_MAX_PHYS_ADDRESS_LENGTH];
    UCHAR CurrentMacAddress[NDIS_MAX_PHYS_ADDRESS_LENGTH];
    PNDIS_RECEIVE_SCALE_CAPABILITIES RecvScaleCapabilities;
    NET_IF_ACCESS_TYPE AccessType;
    NET_IF_DIRECTION_TYPE DirectionType;
    NET_IF_CONNECTION_TYPE ConnectionType;
    NET_IFTYPE IfType;
    BOOLEAN IfConnectorPresent;
    ULONG SupportedStatistics;
    ULONG SupportedPauseFunctions;
    ULONG DataBackFillSize;
    ULONG ContextBackFillSize;
    PNDIS_OID SupportedOidList;
    ULONG SupportedOidListLength;
    ULONG AutoNegotiationFlags;
#if NDIS_SUPPORT_NDIS620
    PNDIS_PM_CAPABILITIES PowerManagementCapabilitiesEx;
#endif
} NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES;
#define NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES, AutoNegotiationFlags)
#if NDIS_SUPPORT_NDIS620
#define NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES, PowerManagementCapabilitiesEx)
#endif

#define NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES_REVISION_1 1
typedef struct _NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    PNDIS_OFFLOAD DefaultOffloadConfiguration;
    PNDIS_OFFLOAD HardwareOffloadCapabilities;
    PNDIS_TCP_CONNECTION_OFFLOAD DefaultTcpConnectionOffloadConfiguration;
    PNDIS_TCP_CONNECTION_OFFLOAD TcpConnectionOffloadHardwareCapabilities;
} NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES;
#define NDIS_SIZEOF_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES, TcpConnectionOffloadHardwareCapabilities)

/* Other attribute classes (802.11, hardware assist, NDK, packet direct) are not modelled. */
typedef union _NDIS_MINIPORT_ADAPTER_ATTRIBUTES {
    NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES AddDeviceRegistrationAttributes;
    NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES RegistrationAttributes;
    NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES GeneralAttributes;
    NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES OffloadAttributes;
} NDIS_MINIPORT_ADAPTER_ATTRIBUTES, *PNDIS_MINIPORT_ADAPTER_ATTRIBUTES;

/* ---- Interrupt and DMA descriptions ------------------------------------ */
#define NDIS_MINIPORT_INTERRUPT_REVISION_1 1
typedef struct _NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    MINIPORT_ISR_HANDLER InterruptHandler;
    MINIPORT_INTERRUPT_DPC_HANDLER InterruptDpcHandler;
    MINIPORT_DISABLE_INTERRUPT_HANDLER DisableInterruptHandler;
    MINIPORT_ENABLE_INTERRUPT_HANDLER EnableInterruptHandler;
    BOOLEAN MsiSupported;
    BOOLEAN MsiSyncWithAllMessages;
    MINIPORT_MSI_ISR_HANDLER MessageInterruptHandler;
    MINIPORT_MSI_INTERRUPT_DPC_HANDLER MessageInterruptDpcHandler;
    MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER DisableMessageInterruptHandler;
    MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER EnableMessageInterruptHandler;
    NDIS_INTERRUPT_TYPE InterruptType;
    PIO_INTERRUPT_MESSAGE_INFO MessageInfoTable;
} NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, *PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS;
#define NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInfoTable)

#define NDIS_SG_DMA_DESCRIPTION_REVISION_1 1
#if NDIS_SUPPORT_NDIS650
#define NDIS_SG_DMA_DESCRIPTION_REVISION_2 2
#endif
#define NDIS_SG_DMA_64_BIT_ADDRESS  0x00000001
#if NDIS_SUPPORT_NDIS650
#define NDIS_SG_DMA_V3_HAL_API      0x00000002
#endif
#define NDIS_SG_LIST_WRITE_TO_DEVICE 0x000000001

typedef struct _NDIS_SG_DMA_DESCRIPTION {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    ULONG MaximumPhysicalMapping;
    MINIPORT_PROCESS_SG_LIST_HANDLER ProcessSGListHandler;
    MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER SharedMemAllocateCompleteHandler;
    ULONG ScatterGatherListSize;
} NDIS_SG_DMA_DESCRIPTION, *PNDIS_SG_DMA_DESCRIPTION;
#define NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_SG_DMA_DESCRIPTION, ScatterGatherListSize)

#if NDIS_SUPPORT_NDIS620
typedef enum _NDIS_SHARED_MEMORY_USAGE {
    NdisSharedMemoryUsageUndefined,
    NdisSharedMemoryUsageXmit,
    NdisSharedMemoryUsageXmitHeader,
    NdisSharedMemoryUsageXmitData,
    NdisSharedMemoryUsageReceive,
    NdisSharedMemoryUsageReceiveLookahead,
    NdisSharedMemoryUsageReceivePostLookahead,
    NdisSharedMemoryUsageReceiveHeader,
    NdisSharedMemoryUsageReceiveData,
    NdisSharedMemoryUsageOther,
    NdisSharedMemoryUsageMax
} NDIS_SHARED_MEMORY_USAGE, *PNDIS_SHARED_MEMORY_USAGE;

#define NDIS_SHARED_MEM_PARAMETERS_CONTIGUOUS 0x00000001
#define NDIS_SHARED_MEM_PARAMETERS_CONTIGOUS  NDIS_SHARED_MEM_PARAMETERS_CONTIGUOUS
#define NDIS_SHARED_MEMORY_PARAMETERS_REVISION_1 1
#if NDIS_SUPPORT_NDIS630
#define NDIS_SHARED_MEMORY_PARAMETERS_REVISION_2 2
#endif
typedef struct _NDIS_SHARED_MEMORY_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    NDIS_RECEIVE_QUEUE_ID QueueId;
    NDIS_HANDLE SharedMemoryHandle;
    NODE_REQUIREMENT PreferredNode;
    NDIS_SHARED_MEMORY_USAGE Usage;
    ULONG Length;
    PVOID VirtualAddress;
    ULONG SGListBufferLength;
    PSCATTER_GATHER_LIST SGListBuffer;
#if NDIS_SUPPORT_NDIS630
    NDIS_NIC_SWITCH_VPORT_ID VPortId;
#endif
} NDIS_SHARED_MEMORY_PARAMETERS, *PNDIS_SHARED_MEMORY_PARAMETERS;
#define NDIS_SIZEOF_SHARED_MEMORY_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_SHARED_MEMORY_PARAMETERS, SGListBuffer)
#if NDIS_SUPPORT_NDIS630
#define NDIS_SIZEOF_SHARED_MEMORY_PARAMETERS_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_SHARED_MEMORY_PARAMETERS, VPortId)
#endif
#endif /* NDIS620 */

/* ---- Miniport services -------------------------------------------------- */
_Must_inspect_result_ _IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMRegisterMiniportDriver)
NDIS_STATUS NdisMRegisterMiniportDriver(
    _In_ PDRIVER_OBJECT DriverObject,
    _In_ PUNICODE_STRING RegistryPath,
    _In_opt_ NDIS_HANDLE MiniportDriverContext,
    _In_ PNDIS_MINIPORT_DRIVER_CHARACTERISTICS MiniportDriverCharacteristics,
    _Out_ PNDIS_HANDLE NdisMiniportDriverHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMDeregisterMiniportDriver)
VOID NdisMDeregisterMiniportDriver(_In_ NDIS_HANDLE NdisMiniportDriverHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMSetMiniportAttributes)
NDIS_STATUS NdisMSetMiniportAttributes(
    _In_ NDIS_HANDLE NdisMiniportAdapterHandle,
    _In_ PNDIS_MINIPORT_ADAPTER_ATTRIBUTES MiniportAttributes);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMIndicateStatusEx)
VOID NdisMIndicateStatusEx(
    _In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNDIS_STATUS_INDICATION StatusIndication);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMPauseComplete)
VOID NdisMPauseComplete(_In_ NDIS_HANDLE MiniportAdapterHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMRestartComplete)
VOID NdisMRestartComplete(_In_ NDIS_HANDLE MiniportAdapterHandle, _In_ NDIS_STATUS Status);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMResetComplete)
VOID NdisMResetComplete(_In_ NDIS_HANDLE MiniportAdapterHandle, _In_ NDIS_STATUS Status,
                        _In_ BOOLEAN AddressingReset);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMOidRequestComplete)
VOID NdisMOidRequestComplete(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNDIS_OID_REQUEST OidRequest, _In_ NDIS_STATUS Status);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMDirectOidRequestComplete)
VOID NdisMDirectOidRequestComplete(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNDIS_OID_REQUEST OidRequest, _In_ NDIS_STATUS Status);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMSendNetBufferListsComplete)
VOID NdisMSendNetBufferListsComplete(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNET_BUFFER_LIST NetBufferLists, _In_ ULONG SendCompleteFlags);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMIndicateReceiveNetBufferLists)
VOID NdisMIndicateReceiveNetBufferLists(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNET_BUFFER_LIST NetBufferLists, _In_ NDIS_PORT_NUMBER PortNumber,
    _In_ ULONG NumberOfNetBufferLists, _In_ ULONG ReceiveFlags);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMRemoveMiniport)
NDIS_STATUS NdisMRemoveMiniport(_In_ NDIS_HANDLE MiniportAdapterHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMNetPnPEvent)
NDIS_STATUS NdisMNetPnPEvent(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification);

/* Bus data and device properties */
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMGetBusData)
ULONG NdisMGetBusData(_In_ NDIS_HANDLE NdisMiniportHandle, _In_ ULONG WhichSpace,
    _In_ ULONG Offset, _Out_writes_bytes_(Length) PVOID Buffer, _In_ ULONG Length);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMSetBusData)
ULONG NdisMSetBusData(_In_ NDIS_HANDLE NdisMiniportHandle, _In_ ULONG WhichSpace,
    _In_ ULONG Offset, _In_reads_bytes_(Length) PVOID Buffer, _In_ ULONG Length);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMGetDeviceProperty)
VOID NdisMGetDeviceProperty(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _Inout_opt_ PDEVICE_OBJECT *PhysicalDeviceObject,
    _Inout_opt_ PDEVICE_OBJECT *FunctionalDeviceObject,
    _Inout_opt_ PDEVICE_OBJECT *NextDeviceObject,
    _Inout_opt_ PCM_RESOURCE_LIST *AllocatedResources,
    _Inout_opt_ PCM_RESOURCE_LIST *AllocatedResourcesTranslated);

/* I/O ports and memory-mapped registers */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMRegisterIoPortRange)
NDIS_STATUS NdisMRegisterIoPortRange(_Out_ PVOID *PortOffset,
    _In_ NDIS_HANDLE MiniportAdapterHandle, _In_ UINT InitialPort, _In_ UINT NumberOfPorts);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMDeregisterIoPortRange)
VOID NdisMDeregisterIoPortRange(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ UINT InitialPort, _In_ UINT NumberOfPorts, _In_ PVOID PortOffset);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMMapIoSpace)
NDIS_STATUS NdisMMapIoSpace(_Outptr_result_bytebuffer_(Length) PVOID *VirtualAddress,
    _In_ NDIS_HANDLE MiniportAdapterHandle, _In_ NDIS_PHYSICAL_ADDRESS PhysicalAddress,
    _In_ UINT Length);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMUnmapIoSpace)
VOID NdisMUnmapIoSpace(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_reads_bytes_(Length) PVOID VirtualAddress, _In_ UINT Length);

/* Scatter/gather DMA and shared memory */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMRegisterScatterGatherDma)
NDIS_STATUS NdisMRegisterScatterGatherDma(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _Inout_ PNDIS_SG_DMA_DESCRIPTION DmaDescription, _Out_ PNDIS_HANDLE NdisMiniportDmaHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMDeregisterScatterGatherDma)
VOID NdisMDeregisterScatterGatherDma(_In_ NDIS_HANDLE NdisMiniportDmaHandle);

_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMAllocateNetBufferSGList)
NDIS_STATUS NdisMAllocateNetBufferSGList(_In_ NDIS_HANDLE NdisMiniportDmaHandle,
    _In_ PNET_BUFFER NetBuffer, _In_ PVOID Context, _In_ ULONG Flags,
    _In_reads_bytes_opt_(ScatterGatherListBufferSize) PVOID ScatterGatherListBuffer,
    _In_ ULONG ScatterGatherListBufferSize);

_IRQL_requires_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMFreeNetBufferSGList)
VOID NdisMFreeNetBufferSGList(_In_ NDIS_HANDLE NdisMiniportDmaHandle,
    _In_ PSCATTER_GATHER_LIST pSGL, _In_ PNET_BUFFER NetBuffer);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMAllocateSharedMemory)
VOID NdisMAllocateSharedMemory(_In_ NDIS_HANDLE MiniportAdapterHandle, _In_ ULONG Length,
    _In_ BOOLEAN Cached, _Outptr_result_bytebuffer_(Length) PVOID *VirtualAddress,
    _Out_ PNDIS_PHYSICAL_ADDRESS PhysicalAddress);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMFreeSharedMemory)
VOID NdisMFreeSharedMemory(_In_ NDIS_HANDLE MiniportAdapterHandle, _In_ ULONG Length,
    _In_ BOOLEAN Cached, _In_reads_bytes_(Length) PVOID VirtualAddress,
    _In_ NDIS_PHYSICAL_ADDRESS PhysicalAddress);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMAllocateSharedMemoryAsyncEx)
NDIS_STATUS NdisMAllocateSharedMemoryAsyncEx(_In_ NDIS_HANDLE MiniportDmaHandle,
    _In_ ULONG Length, _In_ BOOLEAN Cached, _In_ PVOID Context);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMGetDmaAlignment)
ULONG NdisMGetDmaAlignment(_In_ NDIS_HANDLE MiniportAdapterHandle);

/* Interrupts */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMRegisterInterruptEx)
NDIS_STATUS NdisMRegisterInterruptEx(_In_ NDIS_HANDLE MiniportAdapterHandle,
    _In_ NDIS_HANDLE MiniportInterruptContext,
    _In_ PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS MiniportInterruptCharacteristics,
    _Out_ PNDIS_HANDLE NdisInterruptHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisMDeregisterInterruptEx)
VOID NdisMDeregisterInterruptEx(_In_ NDIS_HANDLE NdisInterruptHandle);

NDIS_LAB_IMPORT(NdisMSynchronizeWithInterruptEx)
BOOLEAN NdisMSynchronizeWithInterruptEx(_In_ NDIS_HANDLE NdisInterruptHandle,
    _In_ ULONG MessageId, _In_ MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER SynchronizeFunction,
    _In_ PVOID SynchronizeContext);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMQueueDpc)
ULONG NdisMQueueDpc(_In_ NDIS_HANDLE NdisInterruptHandle, _In_ ULONG MessageId,
    _In_ ULONG TargetProcessors, _In_opt_ PVOID MiniportDpcContext);

#if NDIS_SUPPORT_NDIS620
_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisMQueueDpcEx)
KAFFINITY NdisMQueueDpcEx(_In_ NDIS_HANDLE NdisInterruptHandle, _In_ ULONG MessageId,
    _In_ PGROUP_AFFINITY TargetProcessors, _In_opt_ PVOID MiniportDpcContext);
#endif

/* ---- Intermediate drivers ---------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisIMAssociateMiniport)
VOID NdisIMAssociateMiniport(_In_ NDIS_HANDLE DriverHandle, _In_ NDIS_HANDLE ProtocolHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisIMInitializeDeviceInstanceEx)
NDIS_STATUS NdisIMInitializeDeviceInstanceEx(_In_ NDIS_HANDLE DriverHandle,
    _In_ PNDIS_STRING DriverInstance, _In_opt_ NDIS_HANDLE DeviceContext);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisIMCancelInitializeDeviceInstance)
NDIS_STATUS NdisIMCancelInitializeDeviceInstance(_In_ NDIS_HANDLE DriverHandle,
    _In_ PNDIS_STRING DeviceInstance);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisIMDeInitializeDeviceInstance)
NDIS_STATUS NdisIMDeInitializeDeviceInstance(_In_ NDIS_HANDLE NdisMiniportHandle);

_IRQL_requires_max_(APC_LEVEL)
NDIS_LAB_IMPORT(NdisIMGetBindingContext)
NDIS_HANDLE NdisIMGetBindingContext(_In_ NDIS_HANDLE NdisBindingHandle);

#endif /* _NDISLAB_NDIS_MINIPORT_H_ */
