import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { lifecycle, miniport } from './family-test-driver';

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

const OPTIONS = `
typedef struct { NDIS_OBJECT_HEADER Header; PVOID Handlers[2]; } PNP_CHARS;
static NDIS_STATUS SetOptionalPnp(UCHAR type) {
    PNP_CHARS c;
    NdisZeroMemory(&c, sizeof(c));
    c.Header.Type = type; c.Header.Revision = 1; c.Header.Size = sizeof(c);
    return NdisSetOptionalHandlers(DriverHandle, (PNDIS_DRIVER_OPTIONAL_HANDLERS)&c);
}
static NDIS_STATUS MpSetOptions(NDIS_HANDLE h, NDIS_HANDLE ctx) {
    UNREFERENCED_PARAMETER(ctx);
    DriverHandle = h;
    DbgPrint("setoptions pnp=%x unknown=%x", SetOptionalPnp(NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS), SetOptionalPnp(0x8A));
    return NDIS_STATUS_SUCCESS;
}
`;

describe('NDIS generic objects', () => {
  it('an object allocated and freed is clean; the header names the driver object', async () => {
    const source = miniport({
      fields: 'PNDIS_GENERIC_OBJECT Obj;',
      init: 'Adapter.Obj = NdisAllocateGenericObject(NULL, \'neGO\', 32); if (Adapter.Obj == NULL) return NDIS_STATUS_RESOURCES; DbgPrint("size=%u", Adapter.Obj->Header.Size);',
      halt: 'NdisFreeGenericObject(Adapter.Obj);',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['size=16']);
    expect(run.events.filter((e) => e.kind === 'resource' && e.resource === 'generic-object')).toMatchObject([{ op: 'alloc', tag: 'OGen', size: 48 }, { op: 'free' }]);
  });

  it('HALT-LEAK: a generic object never freed is reported with the line that allocated it', async () => {
    const source = miniport({
      fields: 'PNDIS_GENERIC_OBJECT Obj;',
      init: 'Adapter.Obj = NdisAllocateGenericObject(NULL, \'neGO\', 8); /* ALLOC */',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK' });
    expect(run.result.findings[0]!.message).toContain(`NdisAllocateGenericObject at driver.c:${lineOf(source, 'ALLOC')}`);
  });
});

describe('NdisSetOptionalHandlers', () => {
  it('accepts NDIS_MINIPORT_PNP_CHARACTERISTICS inside MiniportSetOptions, refuses an unknown type, and refuses any call outside it', async () => {
    const source = miniport({
      globals: OPTIONS,
      driverEntry: 'chars.SetOptionsHandler = MpSetOptions;',
      init: `{ PNP_CHARS c; NdisZeroMemory(&c, sizeof(c));
        c.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS; c.Header.Revision = 1; c.Header.Size = sizeof(c);
        DbgPrint("outside=%x", NdisSetOptionalHandlers(DriverHandle, (PNDIS_DRIVER_OPTIONAL_HANDLERS)&c)); /* OUTSIDE */ }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['setoptions pnp=0 unknown=c0000001', 'outside=c0000001']);
    const outside = run.events.filter((e) => e.kind === 'ndis.call' && e.api === 'NdisSetOptionalHandlers').at(-1);
    expect(outside).toMatchObject({ result: 'NDIS_STATUS_FAILURE', line: lineOf(source, 'OUTSIDE') });
  });
});
