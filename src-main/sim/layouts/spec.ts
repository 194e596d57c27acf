/**
 * The structures the simulator reads or writes in a driver's memory, and the fields it touches.
 * Only names live here: offsets and sizes come from the lab headers through clang (an offsetof
 * probe, engine/toolchain/layout-probe.ts) into generated.ts, and a test proves the two agree.
 * Field paths are offsetof member designators ('Header.Size', 'DATA.QUERY_INFORMATION.Oid').
 */
const HEADER = ['Header', 'Header.Type', 'Header.Revision', 'Header.Size'] as const;

export const LAYOUT_SPEC = {
  NDIS_OBJECT_HEADER: ['Type', 'Revision', 'Size'],
  UNICODE_STRING: ['Length', 'MaximumLength', 'Buffer'],
  LIST_ENTRY: ['Flink', 'Blink'],
  LARGE_INTEGER: ['QuadPart', 'LowPart', 'HighPart'],
  NDIS_MINIPORT_DRIVER_CHARACTERISTICS: [
    ...HEADER,
    'MajorNdisVersion',
    'MinorNdisVersion',
    'MajorDriverVersion',
    'MinorDriverVersion',
    'Flags',
    'SetOptionsHandler',
    'InitializeHandlerEx',
    'HaltHandlerEx',
    'UnloadHandler',
    'PauseHandler',
    'RestartHandler',
    'OidRequestHandler',
    'SendNetBufferListsHandler',
    'ReturnNetBufferListsHandler',
    'CancelSendHandler',
    'CheckForHangHandlerEx',
    'ResetHandlerEx',
    'DevicePnPEventNotifyHandler',
    'ShutdownHandlerEx',
    'CancelOidRequestHandler',
    'DirectOidRequestHandler',
    'CancelDirectOidRequestHandler',
    'SynchronousOidRequestHandler',
  ],
  NDIS_MINIPORT_INIT_PARAMETERS: [
    ...HEADER,
    'Flags',
    'AllocatedResources',
    'IMDeviceInstanceContext',
    'MiniportAddDeviceContext',
    'IfIndex',
    'NetLuid',
    'DefaultPortAuthStates',
    'PciDeviceCustomProperties',
  ],
  NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES: [...HEADER, 'MiniportAdapterContext', 'AttributeFlags', 'CheckForHangTimeInSeconds', 'InterfaceType'],
  NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES: [
    ...HEADER,
    'Flags',
    'MediaType',
    'PhysicalMediumType',
    'MtuSize',
    'MaxXmitLinkSpeed',
    'XmitLinkSpeed',
    'MaxRcvLinkSpeed',
    'RcvLinkSpeed',
    'MediaConnectState',
    'MediaDuplexState',
    'LookaheadSize',
    'PowerManagementCapabilities',
    'MacOptions',
    'SupportedPacketFilters',
    'MaxMulticastListSize',
    'MacAddressLength',
    'PermanentMacAddress',
    'CurrentMacAddress',
    'RecvScaleCapabilities',
    'AccessType',
    'DirectionType',
    'ConnectionType',
    'IfType',
    'IfConnectorPresent',
    'SupportedStatistics',
    'SupportedPauseFunctions',
    'DataBackFillSize',
    'ContextBackFillSize',
    'SupportedOidList',
    'SupportedOidListLength',
    'AutoNegotiationFlags',
    'PowerManagementCapabilitiesEx',
  ],
  NDIS_MINIPORT_RESTART_PARAMETERS: [...HEADER, 'RestartAttributes', 'Flags'],
  NDIS_MINIPORT_PAUSE_PARAMETERS: [...HEADER, 'Flags', 'PauseReason'],
  NDIS_CONFIGURATION_OBJECT: [...HEADER, 'NdisHandle', 'Flags'],
  NDIS_CONFIGURATION_PARAMETER: ['ParameterType', 'ParameterData.IntegerData', 'ParameterData.StringData', 'ParameterData.BinaryData'],
  NDIS_TIMER_CHARACTERISTICS: [...HEADER, 'AllocationTag', 'TimerFunction', 'FunctionContext'],
  NET_BUFFER_LIST_POOL_PARAMETERS: [...HEADER, 'ProtocolId', 'fAllocateNetBuffer', 'ContextSize', 'PoolTag', 'DataSize'],
  NET_BUFFER_LIST: [
    'Next',
    'FirstNetBuffer',
    'Context',
    'ParentNetBufferList',
    'NdisPoolHandle',
    'NdisReserved',
    'ProtocolReserved',
    'MiniportReserved',
    'Scratch',
    'SourceHandle',
    'NblFlags',
    'ChildRefCount',
    'Flags',
    'Status',
    'NetBufferListInfo',
  ],
  NET_BUFFER: [
    'Next',
    'CurrentMdl',
    'CurrentMdlOffset',
    'DataLength',
    'MdlChain',
    'DataOffset',
    'ChecksumBias',
    'NdisPoolHandle',
    'NdisReserved',
    'ProtocolReserved',
    'MiniportReserved',
    'DataPhysicalAddress',
  ],
  MDL: ['Next', 'Size', 'MdlFlags', 'Process', 'MappedSystemVa', 'StartVa', 'ByteCount', 'ByteOffset'],
  NDIS_OID_REQUEST: [
    ...HEADER,
    'RequestType',
    'PortNumber',
    'Timeout',
    'RequestId',
    'RequestHandle',
    'DATA.QUERY_INFORMATION.Oid',
    'DATA.QUERY_INFORMATION.InformationBuffer',
    'DATA.QUERY_INFORMATION.InformationBufferLength',
    'DATA.QUERY_INFORMATION.BytesWritten',
    'DATA.QUERY_INFORMATION.BytesNeeded',
    'DATA.SET_INFORMATION.Oid',
    'DATA.SET_INFORMATION.InformationBuffer',
    'DATA.SET_INFORMATION.InformationBufferLength',
    'DATA.SET_INFORMATION.BytesRead',
    'DATA.SET_INFORMATION.BytesNeeded',
    'DATA.METHOD_INFORMATION.Oid',
    'DATA.METHOD_INFORMATION.MethodId',
    'SupportedRevision',
  ],
  NDIS_STATUS_INDICATION: [...HEADER, 'SourceHandle', 'PortNumber', 'StatusCode', 'Flags', 'DestinationHandle', 'RequestId', 'StatusBuffer', 'StatusBufferSize', 'Guid'],
  NDIS_LINK_STATE: [...HEADER, 'MediaConnectState', 'MediaDuplexState', 'XmitLinkSpeed', 'RcvLinkSpeed', 'PauseFunctions', 'AutoNegotiationFlags'],
} as const satisfies Record<string, readonly string[]>;

export type LayoutSpec = typeof LAYOUT_SPEC;
export type StructName = keyof LayoutSpec;

export interface FieldLayout {
  offset: number;
  size: number;
}

export interface StructLayout {
  size: number;
  align: number;
  fields: Record<string, FieldLayout>;
}

export type Layouts = { [S in StructName]: { size: number; align: number; fields: { [F in LayoutSpec[S][number]]: FieldLayout } } };
