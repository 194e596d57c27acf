import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { miniport } from './family-test-driver';
import { K } from './status';

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

const FIELDS = 'LONG Checks; LONG HangAt; KDPC Dpc; LONG Resets;';
const GLOBALS = `
static VOID CompleteResetDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2) {
    UNREFERENCED_PARAMETER(Dpc); UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(A1); UNREFERENCED_PARAMETER(A2);
    NdisMResetComplete(Adapter.Handle, NDIS_STATUS_SUCCESS, TRUE);
}
static BOOLEAN MpCheckForHang(NDIS_HANDLE c) {
    UNREFERENCED_PARAMETER(c);
    Adapter.Checks++;
    DbgPrint("cfh %d irql=%d", Adapter.Checks, KeGetCurrentIrql());
    return Adapter.Checks == Adapter.HangAt;
}
static NDIS_STATUS MpReset(NDIS_HANDLE c, PBOOLEAN AddressingReset) {
    UNREFERENCED_PARAMETER(c);
    Adapter.Resets++;
    *AddressingReset = FALSE;
    DbgPrint("reset irql=%d", KeGetCurrentIrql());
    KeInsertQueueDpc(&Adapter.Dpc, NULL, NULL);
    return NDIS_STATUS_PENDING;
}
`;
const DRIVER_ENTRY = 'chars.CheckForHangHandlerEx = MpCheckForHang; chars.ResetHandlerEx = MpReset;';
const INIT = 'KeInitializeDpc(&Adapter.Dpc, CompleteResetDpc, &Adapter); Adapter.HangAt = 2;';

describe('check for hang and reset', () => {
  it('MiniportCheckForHangEx runs every 2 s at PASSIVE_LEVEL; TRUE leads to MiniportResetEx, pended and completed by NdisMResetComplete', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, driverEntry: DRIVER_ENTRY, init: INIT });
    const scenario = { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms: 7000 }, { step: 'pause' }, { step: 'halt' }, { step: 'unload' }] } as const;
    const run = await runDriverSource({ 'driver.c': source }, { scenario });
    expect(run.result.result).toBe('clean');
    // The second check answers TRUE: the reset runs, and no check is made until it has completed.
    expect(prints(run.events)).toEqual(['cfh 1 irql=0', 'cfh 2 irql=0', 'reset irql=2', 'cfh 3 irql=0']);
    const initAt = run.events.find((e) => e.kind === 'adapter.state' && e.to === 'Paused')!.t;
    const checks = run.events.filter((e) => e.kind === 'driver.callback' && e.handler === 'MiniportCheckForHangEx' && e.phase === 'enter');
    expect(checks.map((e) => (e.t - initAt) / 10_000_000)).toEqual([2, 4, 6]);
    const phases = run.events.filter((e) => e.kind === 'adapter.reset').map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual(['check-for-hang', 'check-for-hang', 'reset', 'pended', 'completed', 'check-for-hang']);
    // AddressingReset TRUE: NDIS sets the packet filter again after the reset.
    const completedAt = run.events.findIndex((e) => e.kind === 'adapter.reset' && (e as { phase: string }).phase === 'completed');
    const later = run.events.slice(completedAt).filter((e) => e.kind === 'oid.request');
    expect(later.length).toBeGreaterThanOrEqual(1);
  });

  it('the check-for-hang job stops when the adapter halts', async () => {
    const source = miniport({ fields: FIELDS, globals: GLOBALS, driverEntry: DRIVER_ENTRY, init: `${INIT} Adapter.HangAt = 0;` });
    const scenario = { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms: 2500 }, { step: 'pause' }, { step: 'halt' }, { step: 'advance-time', ms: 10000 }, { step: 'unload' }] } as const;
    const run = await runDriverSource({ 'driver.c': source }, { scenario });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['cfh 1 irql=0']);
  });

  it('ST-SPURIOUS-COMPLETE: NdisMResetComplete with no reset pending is bug check 0x7C/0x0F at its line', async () => {
    const source = miniport({
      fields: FIELDS,
      globals: GLOBALS,
      driverEntry: DRIVER_ENTRY,
      init: INIT,
      restart: 'NdisMResetComplete(Adapter.Handle, NDIS_STATUS_SUCCESS, FALSE); /* SPURIOUS */',
    });
    const run = await runDriverSource({ 'driver.c': source });
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'ST-SPURIOUS-COMPLETE', line: lineOf(source, 'SPURIOUS') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000000F');
  });
});

describe('NdisMRemoveMiniport', () => {
  it('NDIS pauses the running adapter and halts it with NdisHaltDeviceFailed, after the caller returned', async () => {
    const source = miniport({
      restart: 'DbgPrint("remove=%x", NdisMRemoveMiniport(Adapter.Handle)); DbgPrint("restart returns");',
      pause: 'DbgPrint("pause");',
      halt: 'DbgPrint("halt action=%d", a);',
    });
    const scenario = { steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms: 10 }, { step: 'unload' }] } as const;
    const run = await runDriverSource({ 'driver.c': source }, { scenario });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['remove=0', 'restart returns', 'pause', `halt action=${K.NdisHaltDeviceFailed}`]);
    const states = run.events.filter((e) => e.kind === 'adapter.state').map((e) => (e as { to: string }).to);
    expect(states).toEqual(['Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted']);
  });
});
