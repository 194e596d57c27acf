/**
 * A single-file miniport of about `lines` lines for build benchmarks: registration in DriverEntry,
 * an OID dispatcher and one statistics query handler per OID, each taking the adapter's lock, as
 * real drivers do. It compiles cleanly under the lab's flags.
 */
export function generateDriver(lines: number): string {
  const head = [
    '#define NDIS_MINIPORT_DRIVER 1',
    '#define NDIS620_MINIPORT 1',
    '#include <ndis.h>',
    '',
    "#define BENCH_POOL_TAG 'hcnB'",
    '',
    'typedef struct _BENCH_ADAPTER {',
    '    NDIS_HANDLE MiniportHandle;',
    '    NDIS_SPIN_LOCK Lock;',
    '    ULONG Counters[64];',
    '    ULONG PacketFilter;',
    '} BENCH_ADAPTER, *PBENCH_ADAPTER;',
    '',
    'static NDIS_HANDLE BenchDriverHandle;',
    '',
  ];
  const handler = (i: number): string[] => [
    `static NDIS_STATUS QueryStatistic${i}(_In_ PBENCH_ADAPTER Adapter, _Inout_ PNDIS_OID_REQUEST Request)`,
    '{',
    '    ULONG value;',
    '    NdisAcquireSpinLock(&Adapter->Lock);',
    `    value = Adapter->Counters[${i % 64}] * ${(i % 7) + 1} + ${i};`,
    '    NdisReleaseSpinLock(&Adapter->Lock);',
    '    if (Request->DATA.QUERY_INFORMATION.InformationBufferLength < sizeof(ULONG)) {',
    '        Request->DATA.QUERY_INFORMATION.BytesNeeded = sizeof(ULONG);',
    '        return NDIS_STATUS_BUFFER_TOO_SHORT;',
    '    }',
    '    *(PULONG)Request->DATA.QUERY_INFORMATION.InformationBuffer = value;',
    '    Request->DATA.QUERY_INFORMATION.BytesWritten = sizeof(ULONG);',
    '    return NDIS_STATUS_SUCCESS;',
    '}',
    '',
  ];
  const tail = (count: number): string[] => [
    'static NDIS_STATUS BenchOidRequest(_In_ NDIS_HANDLE Context, _Inout_ PNDIS_OID_REQUEST Request)',
    '{',
    '    PBENCH_ADAPTER adapter = (PBENCH_ADAPTER)Context;',
    '    switch (Request->DATA.QUERY_INFORMATION.Oid) {',
    ...Array.from({ length: count }, (_, i) => [`    case 0x${(0x00020100 + i).toString(16)}:`, `        return QueryStatistic${i}(adapter, Request);`]).flat(),
    '    default:',
    '        return NDIS_STATUS_NOT_SUPPORTED;',
    '    }',
    '}',
    '',
    'NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath)',
    '{',
    '    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;',
    '    NdisZeroMemory(&chars, sizeof(chars));',
    '    chars.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;',
    '    chars.Header.Revision = NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;',
    '    chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;',
    '    chars.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;',
    '    chars.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;',
    '    chars.OidRequestHandler = BenchOidRequest;',
    '    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &BenchDriverHandle);',
    '}',
  ];
  const fixed = head.length + tail(0).length;
  const count = Math.max(1, Math.round((lines - fixed) / (handler(0).length + 2)));
  return [...head, ...Array.from({ length: count }, (_, i) => handler(i)).flat(), ...tail(count)].join('\n') + '\n';
}
