/*
 * NDIS Lab - NDIS 6 protocol driver interface (part of ndis.h).
 * Written for NDIS Lab; names, field order and values follow the WDK.
 */
#ifndef _NDISLAB_NDIS_PROTOCOL_H_
#define _NDISLAB_NDIS_PROTOCOL_H_

#define NDIS_BIND_PARAMETERS_REVISION_1 1
#if NDIS_SUPPORT_NDIS61
#define NDIS_BIND_PARAMETERS_REVISION_2 2
#endif
#if NDIS_SUPPORT_NDIS620
#define NDIS_BIND_PARAMETERS_REVISION_3 3
#endif
#if NDIS_SUPPORT_NDIS630
#define NDIS_BIND_PARAMETERS_REVISION_4 4
#endif

typedef struct _NDIS_BIND_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    PNDIS_STRING ProtocolSection;
    PNDIS_STRING AdapterName;
    PDEVICE_OBJECT PhysicalDeviceObject;
    NDIS_MEDIUM MediaType;
    ULONG MtuSize;
    ULONG64 MaxXmitLinkSpeed;
    ULONG64 XmitLinkSpeed;
    ULONG64 MaxRcvLinkSpeed;
    ULONG64 RcvLinkSpeed;
    NDIS_MEDIA_CONNECT_STATE MediaConnectState;
    NDIS_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG LookaheadSize;
    PNDIS_PNP_CAPABILITIES PowerManagementCapabilities;
    ULONG SupportedPacketFilters;
    ULONG MaxMulticastListSize;
    USHORT MacAddressLength;
    UCHAR CurrentMacAddress[NDIS_MAX_PHYS_ADDRESS_LENGTH];
    NDIS_PHYSICAL_MEDIUM PhysicalMediumType;
    PNDIS_RECEIVE_SCALE_CAPABILITIES RcvScaleCapabilities;
    NET_LUID BoundIfNetluid;
    NET_IFINDEX BoundIfIndex;
    NET_LUID LowestIfNetluid;
    NET_IFINDEX LowestIfIndex;
    NET_IF_ACCESS_TYPE AccessType;
    NET_IF_DIRECTION_TYPE DirectionType;
    NET_IF_CONNECTION_TYPE ConnectionType;
    NET_IFTYPE IfType;
    BOOLEAN IfConnectorPresent;
    PNDIS_PORT ActivePorts;
    ULONG DataBackFillSize;
    ULONG ContextBackFillSize;
    ULONG MacOptions;
    NET_IF_COMPARTMENT_ID CompartmentId;
    PNDIS_OFFLOAD DefaultOffloadConfiguration;
    PNDIS_TCP_CONNECTION_OFFLOAD TcpConnectionOffloadCapabilities;
    PNDIS_STRING BoundAdapterName;
#if NDIS_SUPPORT_NDIS61
    PNDIS_HD_SPLIT_CURRENT_CONFIG HDSplitCurrentConfig;
#endif
#if NDIS_SUPPORT_NDIS620
    PNDIS_RECEIVE_FILTER_CAPABILITIES ReceiveFilterCapabilities;
    PNDIS_PM_CAPABILITIES PowerManagementCapabilitiesEx;
    PNDIS_NIC_SWITCH_CAPABILITIES NicSwitchCapabilities;
#endif
#if NDIS_SUPPORT_NDIS630
    BOOLEAN NDKEnabled;
    PNDIS_NDK_CAPABILITIES NDKCapabilities;
    PNDIS_SRIOV_CAPABILITIES SriovCapabilities;
    PNDIS_NIC_SWITCH_INFO_ARRAY NicSwitchArray;
#endif
} NDIS_BIND_PARAMETERS, *PNDIS_BIND_PARAMETERS;

#define NDIS_SIZEOF_BIND_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_BIND_PARAMETERS, BoundAdapterName)
#if NDIS_SUPPORT_NDIS61
#define NDIS_SIZEOF_BIND_PARAMETERS_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_BIND_PARAMETERS, HDSplitCurrentConfig)
#endif
#if NDIS_SUPPORT_NDIS620
#define NDIS_SIZEOF_BIND_PARAMETERS_REVISION_3 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_BIND_PARAMETERS, NicSwitchCapabilities)
#endif
#if NDIS_SUPPORT_NDIS630
#define NDIS_SIZEOF_BIND_PARAMETERS_REVISION_4 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_BIND_PARAMETERS, NicSwitchArray)
#endif

#define NDIS_OPEN_PARAMETERS_REVISION_1 1
typedef struct _NDIS_OPEN_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    PNDIS_STRING AdapterName;
    PNDIS_MEDIUM MediumArray;
    UINT MediumArraySize;
    PUINT SelectedMediumIndex;
    PNET_FRAME_TYPE FrameTypeArray;
    UINT FrameTypeArraySize;
} NDIS_OPEN_PARAMETERS, *PNDIS_OPEN_PARAMETERS;
#define NDIS_SIZEOF_OPEN_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_OPEN_PARAMETERS, FrameTypeArraySize)

/* ---- Callback role types ------------------------------------------------ */
typedef
_Function_class_(PROTOCOL_BIND_ADAPTER_EX)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(PROTOCOL_BIND_ADAPTER_EX)(
    _In_ NDIS_HANDLE ProtocolDriverContext,
    _In_ NDIS_HANDLE BindContext,
    _In_ PNDIS_BIND_PARAMETERS BindParameters);
typedef PROTOCOL_BIND_ADAPTER_EX (*BIND_HANDLER_EX);

typedef
_Function_class_(PROTOCOL_UNBIND_ADAPTER_EX)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(PROTOCOL_UNBIND_ADAPTER_EX)(
    _In_ NDIS_HANDLE UnbindContext,
    _In_ NDIS_HANDLE ProtocolBindingContext);
typedef PROTOCOL_UNBIND_ADAPTER_EX (*UNBIND_HANDLER_EX);

typedef
_Function_class_(PROTOCOL_OPEN_ADAPTER_COMPLETE_EX)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_OPEN_ADAPTER_COMPLETE_EX)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ NDIS_STATUS Status);
typedef PROTOCOL_OPEN_ADAPTER_COMPLETE_EX (*OPEN_ADAPTER_COMPLETE_HANDLER_EX);

typedef
_Function_class_(PROTOCOL_CLOSE_ADAPTER_COMPLETE_EX)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_CLOSE_ADAPTER_COMPLETE_EX)(
    _In_ NDIS_HANDLE ProtocolBindingContext);
typedef PROTOCOL_CLOSE_ADAPTER_COMPLETE_EX (*CLOSE_ADAPTER_COMPLETE_HANDLER_EX);

typedef
_Function_class_(PROTOCOL_NET_PNP_EVENT)
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_STATUS
(PROTOCOL_NET_PNP_EVENT)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification);
typedef PROTOCOL_NET_PNP_EVENT (*NET_PNP_EVENT_HANDLER);

typedef
_Function_class_(PROTOCOL_UNINSTALL)
_IRQL_requires_(PASSIVE_LEVEL)
VOID
(PROTOCOL_UNINSTALL)(VOID);
typedef PROTOCOL_UNINSTALL (*UNINSTALL_PROTOCOL_HANDLER);

typedef
_Function_class_(PROTOCOL_OID_REQUEST_COMPLETE)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_OID_REQUEST_COMPLETE)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNDIS_OID_REQUEST OidRequest,
    _In_ NDIS_STATUS Status);
typedef PROTOCOL_OID_REQUEST_COMPLETE (*OID_REQUEST_COMPLETE_HANDLER);

typedef
_Function_class_(PROTOCOL_DIRECT_OID_REQUEST_COMPLETE)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_DIRECT_OID_REQUEST_COMPLETE)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNDIS_OID_REQUEST OidRequest,
    _In_ NDIS_STATUS Status);
typedef PROTOCOL_DIRECT_OID_REQUEST_COMPLETE (*DIRECT_OID_REQUEST_COMPLETE_HANDLER);

typedef
_Function_class_(PROTOCOL_STATUS_EX)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_STATUS_EX)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNDIS_STATUS_INDICATION StatusIndication);
typedef PROTOCOL_STATUS_EX (*STATUS_HANDLER_EX);

typedef
_Function_class_(PROTOCOL_RECEIVE_NET_BUFFER_LISTS)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_RECEIVE_NET_BUFFER_LISTS)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNET_BUFFER_LIST NetBufferLists,
    _In_ NDIS_PORT_NUMBER PortNumber,
    _In_ ULONG NumberOfNetBufferLists,
    _In_ ULONG ReceiveFlags);
typedef PROTOCOL_RECEIVE_NET_BUFFER_LISTS (*RECEIVE_NET_BUFFER_LISTS_HANDLER);

typedef
_Function_class_(PROTOCOL_SEND_NET_BUFFER_LISTS_COMPLETE)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
(PROTOCOL_SEND_NET_BUFFER_LISTS_COMPLETE)(
    _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ PNET_BUFFER_LIST NetBufferList,
    _In_ ULONG SendCompleteFlags);
typedef PROTOCOL_SEND_NET_BUFFER_LISTS_COMPLETE (*SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER);

/* ---- Characteristics ---------------------------------------------------- */
#define NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 1
#if NDIS_SUPPORT_NDIS61
#define NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2 2
#endif

typedef struct _NDIS_PROTOCOL_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    NDIS_STRING Name;
    SET_OPTIONS_HANDLER SetOptionsHandler;
    BIND_HANDLER_EX BindAdapterHandlerEx;
    UNBIND_HANDLER_EX UnbindAdapterHandlerEx;
    OPEN_ADAPTER_COMPLETE_HANDLER_EX OpenAdapterCompleteHandlerEx;
    CLOSE_ADAPTER_COMPLETE_HANDLER_EX CloseAdapterCompleteHandlerEx;
    NET_PNP_EVENT_HANDLER NetPnPEventHandler;
    UNINSTALL_PROTOCOL_HANDLER UninstallHandler;
    OID_REQUEST_COMPLETE_HANDLER OidRequestCompleteHandler;
    STATUS_HANDLER_EX StatusHandlerEx;
    RECEIVE_NET_BUFFER_LISTS_HANDLER ReceiveNetBufferListsHandler;
    SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER SendNetBufferListsCompleteHandler;
#if NDIS_SUPPORT_NDIS61
    DIRECT_OID_REQUEST_COMPLETE_HANDLER DirectOidRequestCompleteHandler;
#endif
} NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, *PNDIS_PROTOCOL_DRIVER_CHARACTERISTICS;

#define NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, SendNetBufferListsCompleteHandler)
#if NDIS_SUPPORT_NDIS61
#define NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_2 \
    RTL_SIZEOF_THROUGH_FIELD(NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, DirectOidRequestCompleteHandler)
#endif

/* ---- Protocol services -------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisRegisterProtocolDriver)
NDIS_STATUS NdisRegisterProtocolDriver(_In_opt_ NDIS_HANDLE ProtocolDriverContext,
    _In_ PNDIS_PROTOCOL_DRIVER_CHARACTERISTICS ProtocolCharacteristics,
    _Out_ PNDIS_HANDLE NdisProtocolHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisDeregisterProtocolDriver)
VOID NdisDeregisterProtocolDriver(_In_ NDIS_HANDLE NdisProtocolHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisOpenAdapterEx)
NDIS_STATUS NdisOpenAdapterEx(_In_ NDIS_HANDLE NdisProtocolHandle,
    _In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_OPEN_PARAMETERS OpenParameters,
    _In_ NDIS_HANDLE BindContext, _Out_ PNDIS_HANDLE NdisBindingHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCompleteBindAdapterEx)
VOID NdisCompleteBindAdapterEx(_In_ NDIS_HANDLE BindAdapterContext, _In_ NDIS_STATUS Status);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisCloseAdapterEx)
NDIS_STATUS NdisCloseAdapterEx(_In_ NDIS_HANDLE NdisBindingHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCompleteUnbindAdapterEx)
VOID NdisCompleteUnbindAdapterEx(_In_ NDIS_HANDLE UnbindContext);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisUnbindAdapter)
NDIS_STATUS NdisUnbindAdapter(_In_ NDIS_HANDLE NdisBindingHandle);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCompleteNetPnPEvent)
VOID NdisCompleteNetPnPEvent(_In_ NDIS_HANDLE NdisBindingHandle,
    _In_ PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification, _In_ NDIS_STATUS Status);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisOidRequest)
NDIS_STATUS NdisOidRequest(_In_ NDIS_HANDLE NdisBindingHandle, _In_ PNDIS_OID_REQUEST OidRequest);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCancelOidRequest)
VOID NdisCancelOidRequest(_In_ NDIS_HANDLE NdisBindingHandle, _In_ PVOID RequestId);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisSendNetBufferLists)
VOID NdisSendNetBufferLists(_In_ NDIS_HANDLE NdisBindingHandle,
    _In_ PNET_BUFFER_LIST NetBufferLists, _In_ NDIS_PORT_NUMBER PortNumber, _In_ ULONG SendFlags);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisReturnNetBufferLists)
VOID NdisReturnNetBufferLists(_In_ NDIS_HANDLE NdisBindingHandle,
    _In_ PNET_BUFFER_LIST NetBufferLists, _In_ ULONG ReturnFlags);

_IRQL_requires_max_(DISPATCH_LEVEL)
NDIS_LAB_IMPORT(NdisCancelSendNetBufferLists)
VOID NdisCancelSendNetBufferLists(_In_ NDIS_HANDLE NdisBindingHandle, _In_ PVOID CancelId);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisReEnumerateProtocolBindings)
VOID NdisReEnumerateProtocolBindings(_In_ NDIS_HANDLE NdisProtocolHandle);

_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisQueryBindInstanceName)
NDIS_STATUS NdisQueryBindInstanceName(_Out_ PNDIS_STRING pAdapterInstanceName,
    _In_ NDIS_HANDLE BindingContext);

/* The protocol's registry key for one binding (BindParameters->ProtocolSection); read it with
   NdisReadConfiguration and close it with NdisCloseConfiguration. */
_IRQL_requires_(PASSIVE_LEVEL)
NDIS_LAB_IMPORT(NdisOpenProtocolConfiguration)
VOID NdisOpenProtocolConfiguration(_Out_ PNDIS_STATUS Status,
    _Out_ PNDIS_HANDLE ConfigurationHandle, _In_ PCNDIS_STRING ProtocolSection);

#endif /* _NDISLAB_NDIS_PROTOCOL_H_ */
