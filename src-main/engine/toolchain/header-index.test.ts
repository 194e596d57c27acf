import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HeaderLookup } from '../../../src-shared/headers/header-lookup';
import type { HeaderIndex, HeaderSymbol } from '../../../src-shared/headers/types';
import { IMPLEMENTED_IMPORTS } from '../../sim/ndis/implemented';
import { resourcesDir } from '../resources';
import { Clang } from './clang';
import { buildHeaderIndex, renderHeaderIndexModule, renderHeaderSourcesModule } from './header-index';
import { readHeaderSet, type HeaderSet } from './lab-headers';

const generatedDir = path.resolve(import.meta.dirname, '../../../src-shared/headers');
let headers: HeaderSet;
let index: HeaderIndex;
let lookup: HeaderLookup;

beforeAll(async () => {
  const clang = new Clang();
  await clang.load();
  headers = readHeaderSet(path.join(resourcesDir(), 'include'));
  index = buildHeaderIndex({ clang, headers, implemented: IMPLEMENTED_IMPORTS });
  lookup = new HeaderLookup(index);
}, 180_000);

const one = (name: string, kind?: HeaderSymbol['kind']): HeaderSymbol => {
  const found = lookup.all(name).find((s) => kind === undefined || s.kind === kind);
  if (!found) throw new Error(`${name} is not in the index`);
  return found;
};

describe('the editor index of the lab headers', () => {
  it('is what clang reports now (regenerate with npm run gen:header-index)', () => {
    expect(fs.readFileSync(path.join(generatedDir, 'header-index.generated.ts'), 'utf8')).toBe(renderHeaderIndexModule(index));
    expect(fs.readFileSync(path.join(generatedDir, 'header-sources.generated.ts'), 'utf8')).toBe(renderHeaderSourcesModule(headers));
  });

  it('describes every function, structure, role type and enumeration, with its learn.microsoft.com page', () => {
    const required = index.symbols.filter((s) => ['function', 'struct', 'role', 'enum'].includes(s.kind));
    expect(required.length).toBeGreaterThan(400);
    const undescribed = required.filter((s) => !s.description).map((s) => `${s.kind} ${s.name}`);
    const unlinked = required.filter((s) => !lookup.doc(s)?.startsWith('https://learn.microsoft.com/')).map((s) => `${s.kind} ${s.name}`);
    expect(undescribed).toEqual([]);
    expect(unlinked).toEqual([]);
    // One line each, and every other symbol at least has a family description (header-docs.ts FAMILIES).
    expect(index.symbols.filter((s) => !s.description || /\n/.test(s.description) || s.description.length > 160).map((s) => s.name)).toEqual([]);
    expect(index.symbols.filter((s) => /^(Macro|Constant) from /.test(s.description)).map((s) => s.name)).toEqual([]);
  });

  it('declares every function of the headers, imports and inline helpers alike', () => {
    const functions = index.symbols.filter((s) => s.kind === 'function');
    expect(functions.length).toBeGreaterThan(230);
    for (const name of ['NdisMRegisterMiniportDriver', 'NdisAllocateNetBufferListPool', 'KeAcquireSpinLockRaiseToDpc', 'InitializeListHead', 'RtlULongAdd', 'NdisOidRequest']) {
      expect(one(name).kind).toBe('function');
    }
    // Imports the simulator does not implement are marked; implemented ones are not.
    for (const f of functions) {
      if (f.inline) continue;
      expect(f.notSimulated !== undefined, f.name).toBe(!IMPLEMENTED_IMPORTS.includes(f.name));
    }
  });

  it('puts every symbol at the line of the header that names it', () => {
    const lines = new Map([...headers.files].map(([file, text]) => [file, text.split('\n')]));
    const misplaced = index.symbols.filter((s) => !(lines.get(s.file)?.[s.line - 1] ?? '').includes(s.name)).map((s) => `${s.name} @ ${s.file}:${s.line}`);
    expect(misplaced).toEqual([]);
    for (const record of Object.values(index.records)) {
      for (const field of record.fields) expect(lines.get(record.file)?.[field.line - 1], `${record.name}.${field.name}`).toContain(field.name);
    }
  });

  it('has exact parameter lists, SAL directions and IRQL requirements', () => {
    const register = one('NdisMRegisterMiniportDriver');
    expect(register).toMatchObject({ file: 'ndis/miniport.h', returns: 'NDIS_STATUS', irql: 'PASSIVE_LEVEL', checkResult: true });
    expect(register.params).toEqual([
      { name: 'DriverObject', type: 'PDRIVER_OBJECT', sal: '_In_' },
      { name: 'RegistryPath', type: 'PUNICODE_STRING', sal: '_In_' },
      { name: 'MiniportDriverContext', type: 'NDIS_HANDLE', sal: '_In_opt_' },
      { name: 'MiniportDriverCharacteristics', type: 'PNDIS_MINIPORT_DRIVER_CHARACTERISTICS', sal: '_In_' },
      { name: 'NdisMiniportDriverHandle', type: 'PNDIS_HANDLE', sal: '_Out_' },
    ]);
    expect(one('NdisWriteErrorLogEntry').variadic).toBe(true);
    expect(one('NdisAllocateMemoryWithTagPriority').irql).toBe('<= DISPATCH_LEVEL');
    expect(one('NdisReadNetworkAddress').params?.[1]?.sal).toBe('_Outptr_result_bytebuffer_to_(*NetworkAddressLength,*NetworkAddressLength)');
    // Role types: names from the header text, the branch the newest NDIS takes, types from clang.
    expect(one('MINIPORT_INTERRUPT_DPC').params?.map((p) => `${p.type} ${p.name}`)).toEqual([
      'NDIS_HANDLE MiniportInterruptContext',
      'PVOID MiniportDpcContext',
      'PVOID ReceiveThrottleParameters',
      'PVOID NdisReserved2',
    ]);
    expect(one('MINIPORT_INITIALIZE')).toMatchObject({ kind: 'role', returns: 'NDIS_STATUS', irql: 'PASSIVE_LEVEL' });
    expect(one('DRIVER_INITIALIZE').params?.map((p) => p.name)).toEqual(['DriverObject', 'RegistryPath']);
    expect(one('MINIPORT_DRIVER_UNLOAD')).toMatchObject({ kind: 'role', of: 'MINIPORT_UNLOAD' });
    expect(one('NdisZeroMemory').params?.map((p) => p.name)).toEqual(['Destination', 'Length']);
  });

  it('has the values clang computes for constants and enumerators', () => {
    expect(one('NDIS_STATUS_SUCCESS').value).toBe('0x0');
    expect(one('NDIS_STATUS_FAILURE').value).toBe('0xC0000001');
    expect(one('NDIS_STATUS_PENDING').value).toBe('0x103');
    expect(one('OID_GEN_CURRENT_PACKET_FILTER').value).toBe('0x0001010E');
    expect(one('NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS').kind).toBe('constant');
    expect(one('NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2').value).toBe('80');
    expect(one('NdisMedium802_3')).toMatchObject({ kind: 'enumerator', of: 'NDIS_MEDIUM', value: '0' });
    expect(one('MaximumWaitReason').value).toBe('41');
    expect(one('VOID').kind).toBe('macro');
  });

  it('knows the fields behind type names, through unnamed unions', () => {
    const nbl = lookup.typeLink('PNET_BUFFER_LIST')!;
    expect(nbl).toEqual({ record: '_NET_BUFFER_LIST', depth: 1 });
    expect(lookup.fields(nbl.record).map((f) => f.name)).toEqual(expect.arrayContaining(['Next', 'FirstNetBuffer', 'Status', 'NetBufferListInfo']));
    const request = lookup.fields('_NDIS_OID_REQUEST').find((f) => f.name === 'DATA')!;
    const query = lookup.fields(request.record!).find((f) => f.name === 'QUERY_INFORMATION')!;
    expect(lookup.fields(query.record!).map((f) => f.name)).toEqual(['Oid', 'InformationBuffer', 'InformationBufferLength', 'BytesWritten', 'BytesNeeded']);
    expect(lookup.typeLink('NDIS_MINIPORT_DRIVER_CHARACTERISTICS')).toEqual({ record: '_NDIS_MINIPORT_DRIVER_CHARACTERISTICS', depth: 0 });
    expect(lookup.typeLink('struct _MDL *')).toEqual({ record: '_MDL', depth: 1 });
  });

  it('links documentation the way learn.microsoft.com names its pages', () => {
    const ddi = 'https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/';
    expect(one('NdisMRegisterMiniportDriver').doc).toBe(`${ddi}ndis/nf-ndis-ndismregisterminiportdriver`);
    expect(one('KeAcquireSpinLockRaiseToDpc').doc).toBe(`${ddi}wdm/nf-wdm-keacquirespinlockraisetodpc`);
    expect(one('NdisAllocateNetBufferListPool').doc).toBe(`${ddi}nblapi/nf-nblapi-ndisallocatenetbufferlistpool`);
    expect(one('NDIS_MINIPORT_DRIVER_CHARACTERISTICS').doc).toBe(`${ddi}ndis/ns-ndis-_ndis_miniport_driver_characteristics`);
    expect(one('MINIPORT_INITIALIZE').doc).toBe(`${ddi}ndis/nc-ndis-miniport_initialize`);
    expect(one('NET_BUFFER_LIST_FIRST_NB').doc).toBe(`${ddi}nblaccessors/nf-nblaccessors-net_buffer_list_first_nb`);
    expect(lookup.doc(one('PNDIS_OID_REQUEST'))).toBe(`${ddi}oidrequest/ns-oidrequest-ndis_oid_request`);
    expect(lookup.doc(one('MINIPORT_HALT_HANDLER'))).toBe(`${ddi}ndis/nc-ndis-miniport_halt`);
    expect(one('OID_GEN_MAXIMUM_FRAME_SIZE').doc).toBe('https://learn.microsoft.com/en-us/windows-hardware/drivers/network/oid-gen-maximum-frame-size');
  });
});
