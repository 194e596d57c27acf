import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { runDriverSource } from '../../engine/session/testing';
import { MINIPORT_IM } from '../../../src-shared/contract/built-in-scenarios';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { miniport, protocolStubs, registerProtocolFunction } from './family-test-driver';

/**
 * Miniport-intermediate drivers (ndis-rules §3.4, "Initializing a Miniport-Intermediate Driver"):
 * the driver registers twice, a physical miniport and an NDIS_INTERMEDIATE_DRIVER one; for each
 * device instance the IMMiniport registry value (DWORD 1) selects the intermediate
 * MiniportInitializeEx, otherwise the physical one; the unload deregisters both (and the protocol).
 * Each registration passes its own MiniportDriverContext (1 physical, 2 virtual), which NDIS hands
 * to the MiniportInitializeEx it picked.
 */

const PROTOCOL = `
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE VirtualDriverHandle;
${protocolStubs()}
${registerProtocolFunction()}`;

/** `registerVirtual`: also register the NDIS_INTERMEDIATE_DRIVER miniport; `deregisterVirtual`: its unload deregisters it. */
function miniportIm(options: { registerVirtual?: boolean; deregisterVirtual?: boolean } = {}): string {
  const { registerVirtual = true, deregisterVirtual = true } = options;
  return miniport({
    globals: PROTOCOL,
    init: 'DbgPrint("%s MiniportInitializeEx for context %d", DriverContext == (NDIS_HANDLE)2 ? "virtual" : "physical", (int)(ULONG_PTR)DriverContext);',
    unload: `${registerVirtual && deregisterVirtual ? 'NdisMDeregisterMiniportDriver(VirtualDriverHandle);' : '/* ONE-HANDLE */'} NdisDeregisterProtocolDriver(ProtocolHandle);`,
    driverEntry: `
    {
        NDIS_STATUS s;
        NDIS_MINIPORT_DRIVER_CHARACTERISTICS virt = chars;
        virt.Flags = NDIS_INTERMEDIATE_DRIVER;
        s = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, (NDIS_HANDLE)1, &chars, &DriverHandle);
        if (s != NDIS_STATUS_SUCCESS) return s;
        ${registerVirtual ? `s = NdisMRegisterMiniportDriver(DriverObject, RegistryPath, (NDIS_HANDLE)2, &virt, &VirtualDriverHandle);
        if (s != NDIS_STATUS_SUCCESS) { NdisMDeregisterMiniportDriver(DriverHandle); return s; }` : 'UNREFERENCED_PARAMETER(virt);'}
        s = RegisterProtocol();
        if (s != NDIS_STATUS_SUCCESS) { ${registerVirtual ? 'NdisMDeregisterMiniportDriver(VirtualDriverHandle); ' : ''}NdisMDeregisterMiniportDriver(DriverHandle); return s; }
        ${registerVirtual ? 'NdisIMAssociateMiniport(VirtualDriverHandle, ProtocolHandle);' : ''}
        return NDIS_STATUS_SUCCESS;
    }`,
  }).replace('    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);\n}', '}');
}

function prints(events: SimEvent[]): string[] {
  return events.filter((e): e is Extract<SimEvent, { kind: 'debug.print' }> => e.kind === 'debug.print').map((e) => e.text);
}

describe('miniport-intermediate drivers', () => {
  it('IMMiniport=1 selects the virtual handler: the device instance with IMMiniport = 1 gets the intermediate MiniportInitializeEx, the other the physical one (built-in scenario miniport-im)', async () => {
    const run = await runDriverSource({ 'mim.c': miniportIm() }, { scenario: MINIPORT_IM });
    expect(run.result.findings).toEqual([]);
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['physical MiniportInitializeEx for context 1', 'virtual MiniportInitializeEx for context 2']);
    expect(run.result.adapters.map((a) => [a.name, a.state])).toEqual([
      ['physical0', 'Halted'],
      ['virtual0', 'Halted'],
    ]);
  });

  it('IM-IMMINIPORT: a device instance with IMMiniport = 1 for a driver that registered no NDIS_INTERMEDIATE_DRIVER miniport', async () => {
    const run = await runDriverSource({ 'mim.c': miniportIm({ registerVirtual: false }) }, { scenario: { steps: [{ step: 'load' }, { step: 'add-device', name: 'virtual0', registry: { IMMiniport: 1 } }, { step: 'unload' }] } });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['IM-IMMINIPORT']);
    expect(run.result.findings[0]!.message).toContain('IMMiniport = 1 but the driver registered no NDIS_INTERMEDIATE_DRIVER miniport');
  });

  it('IM-UNLOAD: a miniport-intermediate unload that deregisters only one of its two miniport handles', async () => {
    const run = await runDriverSource({ 'mim.c': miniportIm({ deregisterVirtual: false }) }, { scenario: { steps: [{ step: 'load' }, { step: 'unload' }] } });
    expect(run.result.findings.map((f) => f.rule)).toEqual(['IM-UNLOAD']);
  });
});
