/*
 * NDIS Lab - NET_BUFFER / NET_BUFFER_LIST (part of ndis.h). Written for NDIS
 * Lab; layout follows the WDK for a 32-bit target.
 */
#ifndef _NDISLAB_NDIS_NBL_H_
#define _NDISLAB_NDIS_NBL_H_

typedef struct _NET_BUFFER NET_BUFFER, *PNET_BUFFER;
typedef struct _NET_BUFFER_LIST_CONTEXT NET_BUFFER_LIST_CONTEXT, *PNET_BUFFER_LIST_CONTEXT;
typedef struct _NET_BUFFER_LIST NET_BUFFER_LIST, *PNET_BUFFER_LIST;
typedef struct _NET_BUFFER_SHARED_MEMORY NET_BUFFER_SHARED_MEMORY, *PNET_BUFFER_SHARED_MEMORY;

typedef union _NET_BUFFER_DATA_LENGTH {
    ULONG DataLength;
    SIZE_T stDataLength;
} NET_BUFFER_DATA_LENGTH, *PNET_BUFFER_DATA_LENGTH;

typedef struct _NET_BUFFER_DATA {
    PNET_BUFFER Next;
    PMDL CurrentMdl;
    ULONG CurrentMdlOffset;
    NET_BUFFER_DATA_LENGTH NbDataLength;
    PMDL MdlChain;
    ULONG DataOffset;
} NET_BUFFER_DATA, *PNET_BUFFER_DATA;

typedef union _NET_BUFFER_HEADER {
    NET_BUFFER_DATA NetBufferData;
    SLIST_HEADER Link;
} NET_BUFFER_HEADER, *PNET_BUFFER_HEADER;

struct _NET_BUFFER_SHARED_MEMORY {
    PNET_BUFFER_SHARED_MEMORY NextSharedMemorySegment;
    ULONG SharedMemoryFlags;
    NDIS_HANDLE SharedMemoryHandle;
    ULONG SharedMemoryOffset;
    ULONG SharedMemoryLength;
};

struct _NET_BUFFER {
    union {
        struct {
            PNET_BUFFER Next;
            PMDL CurrentMdl;
            ULONG CurrentMdlOffset;
            union {
                ULONG DataLength;
                SIZE_T stDataLength;
            };
            PMDL MdlChain;
            ULONG DataOffset;
        };
        SLIST_HEADER Link;
        NET_BUFFER_HEADER NetBufferHeader;
    };
    USHORT ChecksumBias;
    USHORT Reserved;
    NDIS_HANDLE NdisPoolHandle;
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID NdisReserved[2];
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID ProtocolReserved[6];
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID MiniportReserved[4];
    NDIS_PHYSICAL_ADDRESS DataPhysicalAddress;
#if NDIS_SUPPORT_NDIS620
    union {
        PNET_BUFFER_SHARED_MEMORY SharedMemoryInfo;
        PSCATTER_GATHER_LIST ScatterGatherList;
    };
#endif
};

struct _NET_BUFFER_LIST_CONTEXT {
    PNET_BUFFER_LIST_CONTEXT Next;
    USHORT Size;
    USHORT Offset;
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) UCHAR ContextData[];
};

typedef struct _NET_BUFFER_LIST_DATA {
    PNET_BUFFER_LIST Next;
    PNET_BUFFER FirstNetBuffer;
} NET_BUFFER_LIST_DATA, *PNET_BUFFER_LIST_DATA;

typedef union _NET_BUFFER_LIST_HEADER {
    NET_BUFFER_LIST_DATA NetBufferListData;
    SLIST_HEADER Link;
} NET_BUFFER_LIST_HEADER, *PNET_BUFFER_LIST_HEADER;

typedef enum _NDIS_NET_BUFFER_LIST_INFO {
    TcpIpChecksumNetBufferListInfo,
    TcpOffloadBytesTransferred = TcpIpChecksumNetBufferListInfo,
    IPsecOffloadV1NetBufferListInfo,
#if NDIS_SUPPORT_NDIS61
    IPsecOffloadV2NetBufferListInfo = IPsecOffloadV1NetBufferListInfo,
#endif
    TcpLargeSendNetBufferListInfo,
    TcpReceiveNoPush = TcpLargeSendNetBufferListInfo,
    ClassificationHandleNetBufferListInfo,
    Ieee8021QNetBufferListInfo,
    NetBufferListCancelId,
    MediaSpecificInformation,
    NetBufferListFrameType,
    NetBufferListProtocolId = NetBufferListFrameType,
    NetBufferListHashValue,
    NetBufferListHashInfo,
    WfpNetBufferListInfo,
#if NDIS_SUPPORT_NDIS61
    IPsecOffloadV2TunnelNetBufferListInfo,
    IPsecOffloadV2HeaderNetBufferListInfo,
#endif
#if NDIS_SUPPORT_NDIS620
    NetBufferListCorrelationId,
    NetBufferListFilteringInfo,
    MediaSpecificInformationEx,
    NblOriginalInterfaceIfIndex,
    NblReAuthWfpFlowContext = NblOriginalInterfaceIfIndex,
    TcpReceiveBytesTransferred,
    NrtNameResolutionId = TcpReceiveBytesTransferred,
#if NDIS_SUPPORT_NDIS684
    UdpRecvSegCoalesceOffloadInfo = TcpReceiveBytesTransferred,
#endif
#if NDIS_SUPPORT_NDIS630
    IMReserved,
    TcpRecvSegCoalesceInfo,
#if NDIS_SUPPORT_NDIS683
    UdpSegmentationOffloadInfo = TcpRecvSegCoalesceInfo,
#endif
    RscTcpTimestampDelta,
    TcpSendOffloadsSupplementalNetBufferListInfo = RscTcpTimestampDelta,
#if NDIS_SUPPORT_NDIS680
    NetBufferListInfoReserved3,
    NetBufferListInfoReserved4,
#endif
#endif /* NDIS630 */
#endif /* NDIS620 */
#if NDIS_SUPPORT_NDIS682
    /* 32-bit targets (wasm32 like x86) get these slots at the end. */
    SwitchForwardingReserved,
    SwitchForwardingDetail_b0_to_b31,
    SwitchForwardingDetail_b32_to_b63,
    VirtualSubnetInfo,
#endif
    MaxNetBufferListInfo
} NDIS_NET_BUFFER_LIST_INFO, *PNDIS_NET_BUFFER_LIST_INFO;

struct _NET_BUFFER_LIST {
    union {
        struct {
            PNET_BUFFER_LIST Next;
            PNET_BUFFER FirstNetBuffer;
        };
        SLIST_HEADER Link;
        NET_BUFFER_LIST_HEADER NetBufferListHeader;
    };
    PNET_BUFFER_LIST_CONTEXT Context;
    PNET_BUFFER_LIST ParentNetBufferList;
    NDIS_HANDLE NdisPoolHandle;
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID NdisReserved[2];
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID ProtocolReserved[4];
    DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) PVOID MiniportReserved[2];
    PVOID Scratch;
    NDIS_HANDLE SourceHandle;
    ULONG NblFlags;
    LONG ChildRefCount;
    ULONG Flags;
    union {
        NDIS_STATUS Status;
        ULONG NdisReserved2;
    };
    PVOID NetBufferListInfo[MaxNetBufferListInfo];
};

/* Accessors */
#define NET_BUFFER_NEXT_NB(_NB)                 ((_NB)->Next)
#define NET_BUFFER_FIRST_MDL(_NB)               ((_NB)->MdlChain)
#define NET_BUFFER_DATA_LENGTH(_NB)             ((_NB)->DataLength)
#define NET_BUFFER_DATA_OFFSET(_NB)             ((_NB)->DataOffset)
#define NET_BUFFER_CURRENT_MDL(_NB)             ((_NB)->CurrentMdl)
#define NET_BUFFER_CURRENT_MDL_OFFSET(_NB)      ((_NB)->CurrentMdlOffset)
#define NET_BUFFER_PROTOCOL_RESERVED(_NB)       ((_NB)->ProtocolReserved)
#define NET_BUFFER_MINIPORT_RESERVED(_NB)       ((_NB)->MiniportReserved)
#define NET_BUFFER_CHECKSUM_BIAS(_NB)           ((_NB)->ChecksumBias)
#define NET_BUFFER_DATA_PHYSICAL_ADDRESS(_NB)   ((_NB)->DataPhysicalAddress)
#if NDIS_SUPPORT_NDIS620
#define NET_BUFFER_FIRST_SHARED_MEM_INFO(_NB)   ((_NB)->SharedMemoryInfo)
#define NET_BUFFER_SHARED_MEM_NEXT_SEGMENT(_SHI) ((_SHI)->NextSharedMemorySegment)
#endif

#define NET_BUFFER_LIST_NEXT_NBL(_NBL)          ((_NBL)->Next)
#define NET_BUFFER_LIST_FIRST_NB(_NBL)          ((_NBL)->FirstNetBuffer)
#define NET_BUFFER_LIST_FLAGS(_NBL)             ((_NBL)->Flags)
#define NET_BUFFER_LIST_NBL_FLAGS(_NBL)         ((_NBL)->NblFlags)
#define NET_BUFFER_LIST_PROTOCOL_RESERVED(_NBL) ((_NBL)->ProtocolReserved)
#define NET_BUFFER_LIST_MINIPORT_RESERVED(_NBL) ((_NBL)->MiniportReserved)
#define NET_BUFFER_LIST_CONTEXT_DATA_START(_NBL) \
    ((PUCHAR)(((_NBL)->Context) + 1) + (_NBL)->Context->Offset)
#define NET_BUFFER_LIST_CONTEXT_DATA_SIZE(_NBL) (((_NBL)->Context)->Size)
#define NET_BUFFER_LIST_INFO(_NBL, _Id)         ((_NBL)->NetBufferListInfo[(_Id)])
#define NET_BUFFER_LIST_STATUS(_NBL)            ((_NBL)->Status)
#define NDIS_GET_NET_BUFFER_LIST_CANCEL_ID(_NBL) (NET_BUFFER_LIST_INFO(_NBL, NetBufferListCancelId))
#define NDIS_SET_NET_BUFFER_LIST_CANCEL_ID(_NBL, _CancelId) \
    NET_BUFFER_LIST_INFO(_NBL, NetBufferListCancelId) = (PVOID)(_CancelId)
#define NDIS_NBL_FLAGS_SEND_READ_ONLY           0x00000001
#define NDIS_NBL_FLAGS_RECV_READ_ONLY           0x00000002
#define NDIS_NBL_FLAGS_IS_IPV4                  0x00000200
#define NDIS_NBL_FLAGS_IS_IPV6                  0x00000400
#define NDIS_NBL_FLAGS_IS_TCP                   0x00000800
#define NDIS_NBL_FLAGS_IS_UDP                   0x00001000
#define NDIS_NBL_FLAGS_IS_LOOPBACK_PACKET       0x00008000
#define NdisTestNblFlag(_NBL, _F)     (((_NBL)->NblFlags & (_F)) != 0)
#define NdisSetNblFlag(_NBL, _F)      ((_NBL)->NblFlags |= (_F))
#define NdisClearNblFlag(_NBL, _F)    ((_NBL)->NblFlags &= ~(_F))

/* MDL helpers */
#define NdisQueryMdl(_Mdl, _VirtualAddress, _Length, _Priority)                        \
    {                                                                                  \
        if (ARGUMENT_PRESENT(_VirtualAddress)) {                                       \
            *(PVOID *)(_VirtualAddress) = MmGetSystemAddressForMdlSafe(_Mdl, _Priority); \
        }                                                                              \
        *(_Length) = MmGetMdlByteCount(_Mdl);                                          \
    }
#define NdisQueryMdlOffset(_Mdl, _Offset, _Length)  \
    {                                               \
        *(_Offset) = MmGetMdlByteOffset(_Mdl);      \
        *(_Length) = MmGetMdlByteCount(_Mdl);       \
    }
#define NdisGetNextMdl(_CurrentMdl, _NextMdl) { *(_NextMdl) = (_CurrentMdl)->Next; }
#define NDIS_MDL_LINKAGE(_Mdl)                ((_Mdl)->Next)
#define NDIS_MDL_TO_SPAN_PAGES(_Mdl) \
    (MmGetMdlByteCount(_Mdl) == 0 ? 1 : \
     (ULONG)ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(_Mdl), MmGetMdlByteCount(_Mdl)))
#define NdisGetMdlPhysicalArraySize(_Mdl, _ArraySize) (*(_ArraySize) = NDIS_MDL_TO_SPAN_PAGES(_Mdl))
#define NdisAdjustMdlLength(_Mdl, _Length)    (((_Mdl)->ByteCount) = (_Length))
#define NdisQueryBufferSafe(_Buffer, _VirtualAddress, _Length, _Priority) \
    NdisQueryMdl(_Buffer, _VirtualAddress, _Length, _Priority)
#define NdisFreeBuffer(Buffer) IoFreeMdl(Buffer)

/* Pools */
#define NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 1
typedef struct _NET_BUFFER_LIST_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    UCHAR ProtocolId;
    BOOLEAN fAllocateNetBuffer;
    USHORT ContextSize;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_LIST_POOL_PARAMETERS, *PNET_BUFFER_LIST_POOL_PARAMETERS;
#define NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_LIST_POOL_PARAMETERS, DataSize)

#define NET_BUFFER_POOL_PARAMETERS_REVISION_1 1
typedef struct _NET_BUFFER_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_POOL_PARAMETERS, *PNET_BUFFER_POOL_PARAMETERS;
#define NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_POOL_PARAMETERS, DataSize)

#define NDIS_PROTOCOL_ID_DEFAULT     0x00
#define NDIS_PROTOCOL_ID_TCP_IP      0x02
#define NDIS_PROTOCOL_ID_IP6         0x03
#define NDIS_PROTOCOL_ID_IPX         0x06
#define NDIS_PROTOCOL_ID_NBF         0x07
#define NDIS_PROTOCOL_ID_MAX         0x0F
#define NDIS_PROTOCOL_ID_MASK        0x0F

typedef
_Function_class_(NET_BUFFER_ALLOCATE_MDL)
PMDL
NET_BUFFER_ALLOCATE_MDL(_Inout_ PULONG BufferSize);
typedef NET_BUFFER_ALLOCATE_MDL *NET_BUFFER_ALLOCATE_MDL_HANDLER;

typedef
_Function_class_(NET_BUFFER_FREE_MDL)
VOID
NET_BUFFER_FREE_MDL(_In_ PMDL Mdl);
typedef NET_BUFFER_FREE_MDL *NET_BUFFER_FREE_MDL_HANDLER;

_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBufferListPool)
NDIS_HANDLE NdisAllocateNetBufferListPool(_In_opt_ NDIS_HANDLE NdisHandle,
    _In_ PNET_BUFFER_LIST_POOL_PARAMETERS Parameters);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeNetBufferListPool)
VOID NdisFreeNetBufferListPool(_In_ NDIS_HANDLE PoolHandle);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBufferPool)
NDIS_HANDLE NdisAllocateNetBufferPool(_In_opt_ NDIS_HANDLE NdisHandle,
    _In_ PNET_BUFFER_POOL_PARAMETERS Parameters);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeNetBufferPool)
VOID NdisFreeNetBufferPool(_In_ NDIS_HANDLE PoolHandle);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBufferAndNetBufferList)
PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(_In_ NDIS_HANDLE PoolHandle,
    _In_ USHORT ContextSize, _In_ USHORT ContextBackFill, _In_opt_ PMDL MdlChain,
    _In_ ULONG DataOffset, _In_ SIZE_T DataLength);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBufferList)
PNET_BUFFER_LIST NdisAllocateNetBufferList(_In_ NDIS_HANDLE PoolHandle,
    _In_ USHORT ContextSize, _In_ USHORT ContextBackFill);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeNetBufferList)
VOID NdisFreeNetBufferList(_In_ PNET_BUFFER_LIST NetBufferList);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBuffer)
PNET_BUFFER NdisAllocateNetBuffer(_In_ NDIS_HANDLE PoolHandle, _In_opt_ PMDL MdlChain,
    _In_ ULONG DataOffset, _In_ SIZE_T DataLength);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeNetBuffer)
VOID NdisFreeNetBuffer(_In_ PNET_BUFFER NetBuffer);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateNetBufferListContext)
NDIS_STATUS NdisAllocateNetBufferListContext(_In_ PNET_BUFFER_LIST NetBufferList,
    _In_ USHORT ContextSize, _In_ USHORT ContextBackFill, _In_ ULONG PoolTag);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeNetBufferListContext)
VOID NdisFreeNetBufferListContext(_In_ PNET_BUFFER_LIST NetBufferList, _In_ USHORT ContextSize);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisGetDataBuffer)
PVOID NdisGetDataBuffer(_In_ PNET_BUFFER NetBuffer, _In_ ULONG BytesNeeded,
    _Out_writes_bytes_all_opt_(BytesNeeded) PVOID Storage, _In_ UINT AlignMultiple, _In_ UINT AlignOffset);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisRetreatNetBufferDataStart)
NDIS_STATUS NdisRetreatNetBufferDataStart(_In_ PNET_BUFFER NetBuffer, _In_ ULONG DataOffsetDelta,
    _In_ ULONG DataBackFill, _In_opt_ NET_BUFFER_ALLOCATE_MDL_HANDLER AllocateMdlHandler);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAdvanceNetBufferDataStart)
VOID NdisAdvanceNetBufferDataStart(_In_ PNET_BUFFER NetBuffer, _In_ ULONG DataOffsetDelta,
    _In_ BOOLEAN FreeMdl, _In_opt_ NET_BUFFER_FREE_MDL_HANDLER FreeMdlHandler);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisRetreatNetBufferListDataStart)
NDIS_STATUS NdisRetreatNetBufferListDataStart(_In_ PNET_BUFFER_LIST NetBufferList,
    _In_ ULONG DataOffsetDelta, _In_ ULONG DataBackFill,
    _In_opt_ NET_BUFFER_ALLOCATE_MDL_HANDLER AllocateMdlHandler,
    _In_opt_ NET_BUFFER_FREE_MDL_HANDLER FreeMdlHandler);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAdvanceNetBufferListDataStart)
VOID NdisAdvanceNetBufferListDataStart(_In_ PNET_BUFFER_LIST NetBufferList,
    _In_ ULONG DataOffsetDelta, _In_ BOOLEAN FreeMdl,
    _In_opt_ NET_BUFFER_FREE_MDL_HANDLER FreeMdlMdlHandler);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisAllocateMdl)
PMDL NdisAllocateMdl(_In_ NDIS_HANDLE NdisHandle,
    _In_reads_bytes_(Length) PVOID VirtualAddress, _In_ UINT Length);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisFreeMdl)
VOID NdisFreeMdl(_In_ PMDL Mdl);
_IRQL_requires_max_(DISPATCH_LEVEL) NDIS_LAB_IMPORT(NdisCopyFromNetBufferToNetBuffer)
NDIS_STATUS NdisCopyFromNetBufferToNetBuffer(_In_ PNET_BUFFER Destination,
    _In_ ULONG DestinationOffset, _In_ ULONG BytesToCopy, _In_ PNET_BUFFER Source,
    _In_ ULONG SourceOffset, _Out_ PULONG BytesCopied);

/* Send / receive / return flags */
#define NDIS_SEND_FLAGS_DISPATCH_LEVEL              0x00000001
#define NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK          0x00000002
#define NDIS_SEND_FLAGS_SINGLE_QUEUE                0x00000004
#define NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP    0x00000010
#define NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE        0x00000020
#define NDIS_TEST_SEND_FLAG(_Flags, _Fl)            (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_SEND_FLAG(_Flags, _Fl)             ((_Flags) |= (_Fl))
#define NDIS_TEST_SEND_AT_DISPATCH_LEVEL(_Flags)    NDIS_TEST_SEND_FLAG((_Flags), NDIS_SEND_FLAGS_DISPATCH_LEVEL)

#define NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL           0x00000001
#define NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE             0x00000002
#define NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE     0x00000004
#define NDIS_TEST_SEND_COMPLETE_FLAG(_Flags, _Fl)         (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_SEND_COMPLETE_FLAG(_Flags, _Fl)          ((_Flags) |= (_Fl))
#define NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(_Flags) \
    NDIS_TEST_SEND_COMPLETE_FLAG((_Flags), NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL)

#define NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL           0x00000001
#define NDIS_RECEIVE_FLAGS_RESOURCES                0x00000002
#define NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE        0x00000100
#define NDIS_RECEIVE_FLAGS_SINGLE_VLAN              0x00000200
#define NDIS_RECEIVE_FLAGS_PERFECT_FILTERED         0x00000400
#define NDIS_RECEIVE_FLAGS_SINGLE_QUEUE             0x00000800
#define NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID 0x00001000
#define NDIS_RECEIVE_FLAGS_MORE_NBLS                0x00002000
#define NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE     0x00004000
#define NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP 0x00008000
#define NDIS_TEST_RECEIVE_FLAG(_Flags, _Fl)         (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_RECEIVE_FLAG(_Flags, _Fl)          ((_Flags) |= (_Fl))
#define NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(_Flags) NDIS_TEST_RECEIVE_FLAG((_Flags), NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL)
#define NDIS_TEST_RECEIVE_CANNOT_PEND(_Flags)       NDIS_TEST_RECEIVE_FLAG((_Flags), NDIS_RECEIVE_FLAGS_RESOURCES)

#define NDIS_RETURN_FLAGS_DISPATCH_LEVEL            0x00000001
#define NDIS_RETURN_FLAGS_SINGLE_QUEUE              0x00000002
#define NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE      0x00000004
#define NDIS_TEST_RETURN_FLAG(_Flags, _Fl)          (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_RETURN_FLAG(_Flags, _Fl)           ((_Flags) |= (_Fl))
#define NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(_Flags)  NDIS_TEST_RETURN_FLAG((_Flags), NDIS_RETURN_FLAGS_DISPATCH_LEVEL)

#endif /* _NDISLAB_NDIS_NBL_H_ */
