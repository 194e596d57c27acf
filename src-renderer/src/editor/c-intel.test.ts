import { describe, expect, it } from 'vitest';
import { HEADER_INDEX } from '../../../src-shared/headers/header-index.generated';
import { fieldDeclaration, HeaderLookup } from '../../../src-shared/headers/header-lookup';
import {
  activeCall,
  completionsAt,
  declaredType,
  definitionAt,
  documentTypes,
  hoverAt,
  identifierAt,
  maskCode,
  memberAccess,
  resolveExpression,
  signatureAt,
  TypeResolver,
} from './c-intel';

const lookup = new HeaderLookup(HEADER_INDEX);
/**
 * The simulator implements every function the lab headers declare (no symbol of the generated
 * index is marked notSimulated); this copy marks one, to show how the editor flags such a function.
 */
const lookupWithGap = new HeaderLookup({ ...HEADER_INDEX, symbols: HEADER_INDEX.symbols.map((s) => (s.name === 'NdisQueryBindInstanceName' ? { ...s, notSimulated: [s.name] } : s)) });

/** The text without the `|` marker, and the marker's offset. */
function at(source: string): [string, number] {
  const offset = source.indexOf('|');
  return [source.slice(0, offset) + source.slice(offset + 1), offset];
}

const DRIVER = `#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT 1
#include <ndis.h>

typedef struct _ADAPTER {
    NDIS_HANDLE MiniportAdapterHandle;
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY SendQueue;
    ULONG Sends, Receives;
    UCHAR Mac[6];
    union { ULONG Flags; UCHAR FlagBytes[4]; };
    struct { ULONG Errors; } Stats;
} ADAPTER, *PADAPTER;

static NDIS_STATUS MpOidRequest(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PNDIS_OID_REQUEST OidRequest)
{
    PADAPTER adapter = (PADAPTER)MiniportAdapterContext;
    /* a comment: OidRequest-> */
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
`;

describe('C text analysis', () => {
  it('masks comments and literals but keeps offsets', () => {
    const text = 'a /* b */ "c(" // d\ne';
    const masked = maskCode(text);
    expect(masked).toHaveLength(text.length);
    expect(masked.replace(/ /g, '')).toBe('a\ne');
    expect(identifierAt('  NdisZeroMemory(', 6)).toEqual({ word: 'NdisZeroMemory', start: 2, end: 16 });
    expect(identifierAt('x = 42;', 5)).toBeUndefined();
  });

  it('finds the declared type of a variable or parameter', () => {
    const masked = maskCode(DRIVER);
    const resolver = new TypeResolver(lookup, documentTypes(masked));
    expect(declaredType(masked, 'OidRequest', masked.length, resolver)).toBe('PNDIS_OID_REQUEST');
    expect(declaredType(masked, 'adapter', masked.length, resolver)).toBe('PADAPTER');
    expect(declaredType(masked, 'chars', masked.length, resolver)).toBe('NDIS_MINIPORT_DRIVER_CHARACTERISTICS');
    expect(declaredType(masked, 'nothing', masked.length, resolver)).toBeUndefined();
  });

  it('reads the structures the file declares, unnamed members included', () => {
    const types = documentTypes(maskCode(DRIVER));
    expect(types.typeLinks.get('PADAPTER')).toEqual({ record: 'local:_ADAPTER', depth: 1 });
    expect(types.records.get('local:_ADAPTER')!.fields.map((f) => fieldDeclaration(f))).toEqual([
      'NDIS_HANDLE MiniportAdapterHandle',
      'NDIS_SPIN_LOCK Lock',
      'LIST_ENTRY SendQueue',
      'ULONG Sends',
      'ULONG Receives',
      'UCHAR Mac[6]',
      'ULONG Flags',
      'UCHAR FlagBytes[4]',
      'struct {…} Stats',
    ]);
  });

  it('follows . and -> through header and file structures, casts and accessor macros', () => {
    const text = `${DRIVER}    x;\n}\nvoid F(PNET_BUFFER_LIST nbl) { x; }\n`;
    const masked = maskCode(text);
    const resolver = new TypeResolver(lookup, documentTypes(masked));
    const end = masked.indexOf('x;');
    expect(resolveExpression(masked, 'OidRequest', end, resolver)).toEqual({ record: '_NDIS_OID_REQUEST', depth: 1 });
    expect(resolveExpression(masked, 'OidRequest->DATA.QUERY_INFORMATION', end, resolver)?.record).toBe('_QUERY');
    expect(resolveExpression(masked, 'adapter->Lock', end, resolver)).toEqual({ record: '_NDIS_SPIN_LOCK', depth: 0 });
    expect(resolveExpression(masked, '((PADAPTER)MiniportAdapterContext)', end, resolver)).toEqual({ record: 'local:_ADAPTER', depth: 1 });
    expect(resolveExpression(masked, 'chars.Header', end, resolver)).toEqual({ record: '_NDIS_OBJECT_HEADER', depth: 0 });
    const later = masked.lastIndexOf('x;');
    expect(resolveExpression(masked, 'NET_BUFFER_LIST_FIRST_NB(nbl)', later, resolver)).toEqual({ record: '_NET_BUFFER', depth: 1 });
    expect(resolveExpression(masked, 'nbl->FirstNetBuffer->CurrentMdl', later, resolver)).toEqual({ record: '_MDL', depth: 1 });
    expect(memberAccess('  a->b[i].c->', 13)).toEqual({ expression: 'a->b[i].c', start: 2 });
    expect(memberAccess('x = 1.', 6)).toBeUndefined();
  });

  it('finds the call around the cursor and the argument it is in', () => {
    expect(activeCall('NdisMRegisterMiniportDriver(DriverObject, f(a, b), ', 51)).toEqual({ name: 'NdisMRegisterMiniportDriver', argument: 2, open: 27 });
    expect(activeCall('if (x == ', 9)).toBeUndefined();
    expect(activeCall('F(a); G', 7)).toBeUndefined();
  });
});

describe('what the editor offers', () => {
  it('completes header names with a description, and marks what the simulator lacks', () => {
    const [text, offset] = at('void f(void) { NdisMRegisterMin| }');
    const list = completionsAt(text, offset, lookup)!;
    expect(list.start).toBe(text.indexOf('NdisMRegisterMin'));
    const item = list.entries.find((e) => e.label === 'NdisMRegisterMiniportDriver')!;
    expect(item).toMatchObject({ kind: 'function', insertText: 'NdisMRegisterMiniportDriver($0)', snippet: true, triggerSignature: true });
    expect(item.labelDescription).toMatch(/^Registers the miniport's entry points/);
    expect(item.detail).toBe('function · ndis/miniport.h');
    expect(HEADER_INDEX.symbols.filter((s) => s.notSimulated).map((s) => s.name)).toEqual([]);
    expect(list.entries.find((e) => e.label === 'NdisQueryBindInstanceName')?.labelDescription).toMatch(/^Gets the friendly name/);
    const withGap = completionsAt('void f(void) { NdisQueryBind', 28, lookupWithGap)!;
    expect(withGap.entries.find((e) => e.label === 'NdisQueryBindInstanceName')?.labelDescription).toMatch(/^not simulated yet · /);
    for (const name of ['NDIS_STATUS_SUCCESS', 'OID_GEN_MAXIMUM_FRAME_SIZE', 'NDIS_OBJECT_TYPE_DEFAULT', 'MINIPORT_INITIALIZE', 'DRIVER_INITIALIZE', 'NdisMedium802_3', 'NDIS_OID_REQUEST']) {
      expect(list.entries.some((e) => e.label === name), name).toBe(true);
    }
    expect(completionsAt('/* NdisM', 8, lookup)).toBeUndefined();
  });

  it('completes the fields of the type before . or ->, or every field when the type is unknown', () => {
    const [text, offset] = at(`${DRIVER}    OidRequest->|`);
    const fields = completionsAt(text, offset, lookup)!.entries.map((e) => e.label);
    expect(fields.slice(0, 4)).toEqual(['Header', 'RequestType', 'PortNumber', 'Timeout']);
    const [text2, offset2] = at(`${DRIVER}    adapter->St|`);
    expect(completionsAt(text2, offset2, lookup)!.entries.map((e) => e.label)).toContain('Stats');
    const [text3, offset3] = at('void f(void *p) { unknown->|');
    const all = completionsAt(text3, offset3, lookup)!.entries;
    expect(all.find((e) => e.label === 'InformationBufferLength')?.detail).toMatch(/^Field of /);
  });

  it('offers the lab headers after #include, and structure tags after struct', () => {
    const list = completionsAt('#include <nd', 12, lookup, ['ndis.h', 'ndis/miniport.h', 'wdm.h'])!;
    expect(list.entries.map((e) => e.label)).toEqual(['ndis.h', 'ndis/miniport.h', 'wdm.h']);
    expect(list.start).toBe(10);
    expect(completionsAt('#include "nd', 12, lookup, ['ndis.h'])!.entries.map((e) => e.label)).toEqual(['ndis.h']);
    const [text, offset] = at(`${DRIVER}    struct _NDIS_O|`);
    const tags = completionsAt(text, offset, lookup)!.entries.map((e) => e.label);
    expect(tags).toEqual(expect.arrayContaining(['_NDIS_OID_REQUEST', '_NDIS_OBJECT_HEADER', '_ADAPTER']));
    expect(tags).not.toContain('NdisMRegisterMiniportDriver');
  });

  it('hovers a function with its declaration, description, IRQL and documentation link', () => {
    const [text, offset] = at('    status = NdisMRegister|MiniportDriver(DriverObject, RegistryPath, NULL, &chars, &h);');
    const hover = hoverAt(text, offset, lookup)!;
    expect(hover.parts[0]).toContain('NDIS_STATUS NdisMRegisterMiniportDriver(');
    expect(hover.parts[0]).toContain('_In_opt_ NDIS_HANDLE MiniportDriverContext');
    expect(hover.parts.join('\n')).toContain('IRQL: PASSIVE_LEVEL');
    expect(hover.parts.join('\n')).toContain('(https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ndis/nf-ndis-ndismregisterminiportdriver)');
    expect(hoverAt('NdisQueryBindInstanceName(', 3, lookup)!.parts.join('\n')).not.toContain('Not simulated yet');
    const notSimulated = hoverAt('NdisQueryBindInstanceName(', 3, lookupWithGap)!;
    expect(notSimulated.parts.join('\n')).toContain('Not simulated yet');
    const constant = hoverAt('return NDIS_STATUS_FAILURE;', 12, lookup)!;
    expect(constant.parts.join('\n')).toContain('value 0xC0000001');
    expect(hoverAt('NDIS_OBJECT_HEADER h;', 3, lookup)!.parts[0]).toBe(
      '```c\ntypedef struct _NDIS_OBJECT_HEADER {\n    UCHAR Type;\n    UCHAR Revision;\n    USHORT Size;\n} NDIS_OBJECT_HEADER;\n```',
    );
    expect(hoverAt('NDIS_STRING s;', 3, lookup)!.parts[0]).toContain('typedef UNICODE_STRING NDIS_STRING;\nstruct _UNICODE_STRING {');
    expect(hoverAt('NdisMedium802_3', 3, lookup)!.parts.join('\n')).toContain('NDIS_MEDIUM NdisMedium802_3 = 0');
  });

  it('hovers a field reached through ->', () => {
    const [text, offset] = at(`${DRIVER}    OidRequest->DATA.QUERY_INFORMATION.InformationBuffer|Length = 4;`);
    const hover = hoverAt(text, offset, lookup)!;
    expect(hover.parts[0]).toContain('UINT InformationBufferLength;');
  });

  it('gives signature help with SAL directions and the active parameter', () => {
    const [text, offset] = at('NdisMRegisterMiniportDriver(DriverObject, RegistryPath, |');
    const signature = signatureAt(text, offset, lookup)!;
    expect(signature.activeParameter).toBe(2);
    expect(signature.label).toMatch(/^NDIS_STATUS NdisMRegisterMiniportDriver\(_In_ PDRIVER_OBJECT DriverObject, /);
    const [s, e] = signature.parameters[2]!.label;
    expect(signature.label.slice(s, e)).toBe('_In_opt_ NDIS_HANDLE MiniportDriverContext');
    expect(signature.parameters[2]!.documentation).toBe('[in, optional] NDIS_HANDLE');
    expect(signature.parameters[4]!.documentation).toBe('[out] PNDIS_HANDLE');
    expect(signatureAt('NdisZeroMemory(&x, ', 19, lookup)!.label).toBe('NdisZeroMemory(Destination, Length)');
    expect(signatureAt('DbgPrint("a, b", 1, ', 20, lookup)!.activeParameter).toBe(1);
  });

  it('goes to the definition of header symbols, fields and included headers', () => {
    expect(definitionAt('NdisMRegisterMiniportDriver(', 4, lookup)).toEqual({ file: 'ndis/miniport.h', line: one('NdisMRegisterMiniportDriver').line });
    expect(definitionAt('#include <ndis.h>', 12, lookup, ['ndis.h'])).toEqual({ file: 'ndis.h', line: 1 });
    const [text, offset] = at(`${DRIVER}    OidRequest->Request|Type`);
    const target = definitionAt(text, offset, lookup)!;
    expect(target.file).toBe('ndis/oidrequest.h');
    expect(lookup.record('_NDIS_OID_REQUEST')!.fields.find((f) => f.name === 'RequestType')!.line).toBe(target.line);
  });
});

function one(name: string) {
  return lookup.all(name)[0]!;
}
