import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src-shared/contract/scenario';
import { lineOf, runDriverSource } from './testing';

const template = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/minimal-miniport.c'), 'utf8');

/** The minimal miniport with one line replaced (the replacement carries a VIOLATION marker when it is the bad line). */
function variant(find: string, replace: string): Record<string, string> {
  if (!template.includes(find)) throw new Error(`the template has no "${find}"`);
  return { 'driver.c': template.replace(find, replace) };
}

const LIFECYCLE: ScenarioInput = {
  steps: [{ step: 'load' }, { step: 'add-device' }, { step: 'restart' }, { step: 'advance-time', ms: 10 }, { step: 'pause' }, { step: 'halt' }, { step: 'unload' }],
};

describe('a clean miniport', () => {
  it('goes Initializing → Paused → Restarting → Running → Pausing → Paused → Halted and unloads', async () => {
    const run = await runDriverSource({ 'driver.c': template }, { scenario: LIFECYCLE });
    expect(run.result.result).toBe('clean');
    expect(run.result.driver).toEqual({ loaded: true, unloaded: true });
    expect(run.result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Paused', 'Restarting', 'Running', 'Pausing', 'Paused', 'Halted']);
  });

  it('ties every NDIS call to the source line that made it', async () => {
    const run = await runDriverSource({ 'driver.c': template }, { scenario: LIFECYCLE });
    const register = run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMRegisterMiniportDriver');
    expect(register).toMatchObject({ file: 'driver.c', line: lineOf(template, 'return NdisMRegisterMiniportDriver') });
    const attributes = run.events.filter((e) => e.kind === 'ndis.call' && e.api === 'NdisMSetMiniportAttributes');
    expect(attributes.map((e) => (e as { line?: number }).line)).toEqual([
      lineOf(template, 'status = NdisMSetMiniportAttributes'),
      lineOf(template, 'return NdisMSetMiniportAttributes'),
    ]);
  });

  it('is deterministic: the same inputs give the same event log, byte for byte', async () => {
    const a = await runDriverSource({ 'driver.c': template }, { scenario: LIFECYCLE, seed: 7 });
    const b = await runDriverSource({ 'driver.c': template }, { scenario: LIFECYCLE, seed: 7 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(a.events.length).toBeGreaterThan(20);
  });
});

describe('registration rules (ndis-rules §5.1)', () => {
  it('REG-CHARS-HDR: a characteristics header of the wrong size fails the registration', async () => {
    const files = variant(
      'chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;',
      'chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 - 8;',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-CHARS-HDR', file: 'driver.c', line: lineOf(files['driver.c']!, 'return NdisMRegisterMiniportDriver') });
    expect(run.result.findings[0]!.message).toContain('smaller than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2');
    const call = run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMRegisterMiniportDriver');
    expect(call).toMatchObject({ result: 'NDIS_STATUS_BAD_CHARACTERISTICS' });
  });

  it('REG-HANDLERS: a required handler left NULL is refused', async () => {
    const run = await runDriverSource(variant('    chars.PauseHandler = MpPause;\n', ''), { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-HANDLERS' });
    expect(run.result.findings[0]!.message).toContain('PauseHandler');
  });

  it('after MiniportInitializeEx succeeds, NDIS tells the driver the power profile (MiniportDevicePnPEventNotify: PowerProfileChanged, AC)', async () => {
    const files = variant(
      'static VOID MpDevicePnPEvent(NDIS_HANDLE c, PNET_DEVICE_PNP_EVENT e) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(e); }',
      'static VOID MpDevicePnPEvent(NDIS_HANDLE c, PNET_DEVICE_PNP_EVENT e) { UNREFERENCED_PARAMETER(c); DbgPrint("pnp %d len %lu profile %lu\\n", (int)e->DevicePnPEvent, e->InformationBufferLength, *(PULONG)e->InformationBuffer); }',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.result).toBe('clean');
    const prints = run.events.filter((e) => e.kind === 'debug.print');
    expect(prints.map((e) => (e.kind === 'debug.print' ? e.text.trim() : ''))).toEqual(['pnp 5 len 4 profile 1']);
    // Once, right after the initialization, before the restart.
    const at = (find: (e: (typeof run.events)[number]) => boolean): number => run.events.findIndex(find);
    const initialized = at((e) => e.kind === 'adapter.state' && e.to === 'Paused');
    const notified = at((e) => e.kind === 'driver.callback' && e.handler === 'MiniportDevicePnPEventNotify');
    const restart = at((e) => e.kind === 'driver.callback' && e.handler === 'MiniportRestart');
    expect(initialized).toBeGreaterThan(0);
    expect(initialized).toBeLessThan(notified);
    expect(notified).toBeLessThan(restart);
  });

  it('REG-HANDLERS: every NDIS 6 miniport must export MiniportDevicePnPEventNotify', async () => {
    const run = await runDriverSource(variant('    chars.DevicePnPEventNotifyHandler = MpDevicePnPEvent;\n', ''), { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-HANDLERS' });
    expect(run.result.findings[0]!.message).toContain('DevicePnPEventNotifyHandler');
    const call = run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMRegisterMiniportDriver');
    expect(call).toMatchObject({ result: 'NDIS_STATUS_BAD_CHARACTERISTICS' });
  });

  it('REG-DE-STATUS: DriverEntry must not return STATUS_PENDING', async () => {
    const files = variant(
      '    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);',
      '    NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);\n    return STATUS_PENDING; /* VIOLATION */',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings.map((f) => f.rule)).toContain('REG-DE-STATUS');
    expect(run.result.stoppedAt).toMatchObject({ step: 0, rule: 'REG-DE-STATUS' });
  });

  it('REG-DE-FAIL-CLEANUP: failing DriverEntry after registering without deregistering', async () => {
    const files = variant(
      '    return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);',
      '    NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &DriverHandle);\n    return STATUS_UNSUCCESSFUL;',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-DE-FAIL-CLEANUP' });
  });

  it('REG-UNLOAD: MiniportDriverUnload must deregister the miniport driver', async () => {
    const run = await runDriverSource(variant('NdisMDeregisterMiniportDriver(DriverHandle); }', '}'), { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'REG-UNLOAD' });
    expect(run.result.driver.unloaded).toBe(true);
  });
});

describe('initialization and state rules (ndis-rules §5.2, §5.5)', () => {
  it('INIT-ATTR-GEN-ORDER: general attributes before registration attributes', async () => {
    const files = variant(
      '    status = NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&reg);\n    if (status != NDIS_STATUS_SUCCESS) return status;',
      '    status = NDIS_STATUS_SUCCESS;',
    );
    const source = files['driver.c']!;
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-GEN-ORDER', file: 'driver.c', line: lineOf(source, 'return NdisMSetMiniportAttributes') });
    expect(run.result.stoppedAt?.rule).toBe('INIT-ATTR-GEN-ORDER');
  });

  it('INIT-ATTR-MISSING: SUCCESS without general attributes stops, and the adapter never runs', async () => {
    const files = variant(
      '    return NdisMSetMiniportAttributes(MiniportAdapterHandle, (PNDIS_MINIPORT_ADAPTER_ATTRIBUTES)&gen);',
      '    return NDIS_STATUS_SUCCESS;',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-MISSING' });
    expect(run.result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Halted']);
  });

  it('INIT-ATTR-HDR: an unsupported attribute revision gets NDIS_STATUS_BAD_VERSION', async () => {
    const run = await runDriverSource(
      variant('reg.Header.Revision = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1;', 'reg.Header.Revision = 7;'),
      { scenario: LIFECYCLE },
    );
    expect(run.result.findings[0]).toMatchObject({ rule: 'INIT-ATTR-HDR' });
    const call = run.events.find((e) => e.kind === 'ndis.call' && e.api === 'NdisMSetMiniportAttributes');
    expect(call).toMatchObject({ result: 'NDIS_STATUS_BAD_VERSION' });
  });

  it('ST-PAUSE-RET: MiniportPause may return only SUCCESS or PENDING', async () => {
    const files = variant(
      'static NDIS_STATUS MpPause(NDIS_HANDLE c, PNDIS_MINIPORT_PAUSE_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p); return NDIS_STATUS_SUCCESS; }',
      'static NDIS_STATUS MpPause(NDIS_HANDLE c, PNDIS_MINIPORT_PAUSE_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p); return NDIS_STATUS_FAILURE; }',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.findings[0]).toMatchObject({ rule: 'ST-PAUSE-RET' });
  });

  it('ST-SPURIOUS-COMPLETE: NdisMPauseComplete with no pause pending is bug check 0x7C/0x1F', async () => {
    const files = variant(
      'static NDIS_STATUS MpRestart(NDIS_HANDLE c, PNDIS_MINIPORT_RESTART_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p); return NDIS_STATUS_SUCCESS; }',
      'static NDIS_STATUS MpRestart(NDIS_HANDLE c, PNDIS_MINIPORT_RESTART_PARAMETERS p) { UNREFERENCED_PARAMETER(c); UNREFERENCED_PARAMETER(p);\n    NdisMPauseComplete(TheAdapter.Handle); /* VIOLATION */\n    return NDIS_STATUS_SUCCESS; }',
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.result).toBe('bugcheck');
    expect(run.result.bugcheck).toMatchObject({ code: '0x0000007C', rule: 'ST-SPURIOUS-COMPLETE', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000001F');
    expect(run.result.bugcheck!.params[1]).toBe('0x00000001');
  });
});

describe('the sandbox', () => {
  it('stops an endless loop in MiniportInitializeEx within 2 s of wall time, naming the loop', async () => {
    const files = variant(
      '    TheAdapter.Handle = MiniportAdapterHandle;',
      '    TheAdapter.Handle = MiniportAdapterHandle;\n    for (;;) { /* VIOLATION */\n        TheAdapter.Sends++;\n    }',
    );
    const started = performance.now();
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    const wall = performance.now() - started;
    expect(run.result.result).toBe('bugcheck');
    expect(run.result.bugcheck).toMatchObject({ rule: 'WATCHDOG-LOOP', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(run.result.bugcheck!.message).toContain('MiniportInitializeEx');
    expect(wall).toBeLessThan(2000 + 1500); // build time included; the loop itself is stopped by fuel
  });

  it('a wild handler pointer is a bug check naming the callback, not a crash of the lab', async () => {
    const run = await runDriverSource(variant('chars.RestartHandler = MpRestart;', 'chars.RestartHandler = (MINIPORT_RESTART_HANDLER)(ULONG_PTR)0x7777;'), { scenario: LIFECYCLE });
    expect(run.result.result).toBe('bugcheck');
    expect(run.result.bugcheck).toMatchObject({ rule: 'HANDLER-POINTER' });
    expect(run.result.bugcheck!.message).toMatch(/^MiniportRestart: the handler pointer 0x00007777 is not a function of the driver/);
  });

  it('reading an NDIS handle as memory faults like a real page fault, at the right line', async () => {
    const files = variant('    TheAdapter.Handle = MiniportAdapterHandle;', '    TheAdapter.Handle = MiniportAdapterHandle;\n    TheAdapter.Sends = *(PULONG)MiniportAdapterHandle; /* VIOLATION */');
    const run = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(run.result.bugcheck).toMatchObject({ code: '0x00000050', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
  });
});

describe('systematic fault injection', () => {
  it('fails each fallible call site once, in its own run, and reports what each exposed', async () => {
    // This init ignores the status of the registration attributes call.
    const files = variant('    if (status != NDIS_STATUS_SUCCESS) return status;', '    UNREFERENCED_PARAMETER(status);');
    const baseline = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(baseline.result.result).toBe('clean');
    expect(baseline.sitesSeen.map((s) => s.split('@')[0])).toEqual(['NdisMRegisterMiniportDriver', 'NdisMSetMiniportAttributes', 'NdisMSetMiniportAttributes']);
    const outcomes = [];
    for (const site of baseline.sitesSeen) {
      const run = await runDriverSource(files, { scenario: LIFECYCLE, faults: ['systematic'], systematicTarget: site });
      outcomes.push({ api: site.split('@')[0], result: run.result.result, rules: run.result.findings.filter((f) => f.severity !== 'warn').map((f) => f.rule) });
      // The template's init never logs why it failed: NDIS recommends it, so that is a warning.
      if (site.startsWith('NdisMSetMiniportAttributes') && run.result.adapters[0]?.history.at(-1) === 'Halted') {
        expect(run.result.findings.some((f) => f.rule === 'INIT-FAIL-NOLOG' && f.severity === 'warn')).toBe(true);
      }
    }
    expect(outcomes).toEqual([
      // DriverEntry passes the failure on: correct, nothing to report.
      { api: 'NdisMRegisterMiniportDriver', result: 'clean', rules: [] },
      // The ignored failure: init returns SUCCESS without registration attributes.
      { api: 'NdisMSetMiniportAttributes', result: 'findings', rules: ['INIT-ATTR-GEN-ORDER'] },
      { api: 'NdisMSetMiniportAttributes', result: 'clean', rules: [] },
    ]);
  });

  it('Api@N fails exactly the Nth call, and says so in the log', async () => {
    const run = await runDriverSource({ 'driver.c': template }, { scenario: LIFECYCLE, faults: ['NdisMSetMiniportAttributes@2'] });
    const injected = run.events.filter((e) => e.kind === 'fault.injected');
    expect(injected).toHaveLength(1);
    expect(injected[0]).toMatchObject({ api: 'NdisMSetMiniportAttributes', call: 2, outcome: 'NDIS_STATUS_BAD_VERSION', file: 'driver.c', line: lineOf(template, 'return NdisMSetMiniportAttributes') });
    expect(run.result.adapters[0]!.history).toEqual(['Halted', 'Initializing', 'Halted']);
    expect(run.result.result).toBe('clean');
  });
});

describe('a null dereference under a failed allocation', () => {
  it('is a bug check at the line that dereferences, found by failing the allocation', async () => {
    const files = variant(
      '    TheAdapter.Handle = MiniportAdapterHandle;',
      "    TheAdapter.Handle = MiniportAdapterHandle;\n    {\n        PULONG counters = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 64, 'tseT', NormalPoolPriority);\n        counters[0] = 1; /* VIOLATION */\n        NdisFreeMemory(counters, 0, 0);\n    }",
    );
    const clean = await runDriverSource(files, { scenario: LIFECYCLE });
    expect(clean.result.result).toBe('clean');
    const faulted = await runDriverSource(files, { scenario: LIFECYCLE, faults: ['NdisAllocateMemoryWithTagPriority@1'] });
    expect(faulted.result.result).toBe('bugcheck');
    expect(faulted.result.bugcheck).toMatchObject({ code: '0x00000050', rule: 'UB-NULL', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(faulted.result.bugcheck!.message).toBe("store to null pointer of type 'unsigned long'");
  });
});

describe('writes through NULL plus an offset', () => {
  it('are a page fault at the next NDIS call, not silent: UBSan sees only an exact NULL', async () => {
    const files = variant(
      '    TheAdapter.Handle = MiniportAdapterHandle;',
      "    TheAdapter.Handle = MiniportAdapterHandle;\n    {\n        PULONG counters = NdisAllocateMemoryWithTagPriority(MiniportAdapterHandle, 64, 'tseT', NormalPoolPriority);\n        counters[3] = 1;\n        NdisFreeMemory(counters, 0, 0); /* VIOLATION: the first NDIS call after the write */\n    }",
    );
    const run = await runDriverSource(files, { scenario: LIFECYCLE, faults: ['NdisAllocateMemoryWithTagPriority@1'] });
    expect(run.result.bugcheck).toMatchObject({ code: '0x00000050', rule: 'NULL-PAGE', file: 'driver.c', line: lineOf(files['driver.c']!, 'VIOLATION') });
    expect(run.result.bugcheck!.params[0]).toBe('0x0000000C');
  });
});
