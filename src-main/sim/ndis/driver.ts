import { BugCheck } from '../kernel/bugcheck';
import { PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { args, defineImports } from './imports';
import { isSuccess, K } from './status';

/** The driver object's life (ndis-rules §3.1). */
export type DriverPhase = 'not-loaded' | 'in-driver-entry' | 'registered' | 'unloading' | 'unloaded' | 'failed';

export interface MiniportHandlers {
  setOptions: number;
  initialize: number;
  halt: number;
  unload: number;
  pause: number;
  restart: number;
  oidRequest: number;
  sendNetBufferLists: number;
  returnNetBufferLists: number;
  cancelSend: number;
  checkForHang: number;
  reset: number;
  devicePnPEventNotify: number;
  shutdown: number;
  cancelOidRequest: number;
  directOidRequest: number;
  cancelDirectOidRequest: number;
}

export interface MiniportRegistration {
  handle: number;
  context: number;
  flags: number;
  majorNdisVersion: number;
  minorNdisVersion: number;
  handlers: MiniportHandlers;
  deregistered: boolean;
}

export interface DriverState {
  phase: DriverPhase;
  driverObject: number;
  registryPath: number;
  registrations: MiniportRegistration[];
  /** Status NdisMRegisterMiniportDriver returned, for REG-DE-STATUS. */
  lastRegisterStatus?: number;
}

export function driverState(session: Session): DriverState {
  return session.state<DriverState>('driver', () => ({ phase: 'not-loaded', driverObject: 0, registryPath: 0, registrations: [] }));
}

/** What other families check at the driver's milestones (the protocol edge of IM and protocol drivers). */
export interface DriverChecks {
  /** True when the family holds a registration that makes a DriverEntry without a miniport still a driver NDIS knows. */
  registered?(session: Session): boolean;
  /** DriverEntry returned `status` (after the miniport checks). */
  afterDriverEntry?(session: Session, status: number): void;
  /** The unload routine returned. */
  afterUnload?(session: Session): void;
}

const driverChecks: DriverChecks[] = [];
export function addDriverChecks(checks: DriverChecks): void {
  driverChecks.push(checks);
}

function setPhase(session: Session, phase: DriverPhase): void {
  driverState(session).phase = phase;
  session.emit({ kind: 'driver.state', state: phase });
}

/** Minor NDIS versions a 6.x miniport may declare (ndis-rules §4.4). */
export const MINOR_VERSIONS = new Set([0, 1, 20, 30, 40, 50, 51, 60, 70, 80, 81, 82, 83, 84, 85, 86, 87]);


/**
 * DriverEntry as the I/O manager calls it: a DRIVER_OBJECT (opaque) and the registry path as a
 * UNICODE_STRING in the driver's memory. Returns the status DriverEntry returned.
 */
export function loadDriver(session: Session, serviceName: string): number {
  const state = driverState(session);
  const path = `\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${serviceName}`;
  const buffer = session.pool.allocate(path.length * 2 + 2, 0x5349444e, 'DriverEntry', 'ndis');
  session.memory.writeUtf16(buffer, path);
  const registryPath = session.pool.allocate(session.memory.sizeOf('UNICODE_STRING'), 0x5349444e, 'DriverEntry', 'ndis');
  session.memory.setField('UNICODE_STRING', registryPath, 'Length', path.length * 2);
  session.memory.setField('UNICODE_STRING', registryPath, 'MaximumLength', path.length * 2 + 2);
  session.memory.setField('UNICODE_STRING', registryPath, 'Buffer', buffer);
  state.driverObject = driverObject(session, serviceName);
  state.registryPath = registryPath;
  setPhase(session, 'in-driver-entry');
  const status = session.kernel.atIrql(PASSIVE_LEVEL, () => session.callExport('DriverEntry', [state.driverObject, registryPath]));
  checkDriverEntryResult(session, status);
  return status;
}

/**
 * The DRIVER_OBJECT the I/O manager creates for the driver, in the driver's memory (NDIS-owned):
 * Type/Size, the name \Driver\<service>, a DRIVER_EXTENSION with the service key, and the
 * fields a driver writes itself (DriverUnload, for a protocol driver).
 */
function driverObject(session: Session, serviceName: string): number {
  const m = session.memory;
  const size = m.sizeOf('DRIVER_OBJECT');
  const extSize = m.sizeOf('DRIVER_EXTENSION');
  const name = `\\Driver\\${serviceName}`;
  const object = session.pool.allocate(size + extSize + (name.length + serviceName.length) * 2 + 4, 0x76697244 /* 'Driv' */, 'DriverEntry', 'ndis');
  m.fill(object, size + extSize, 0);
  const extension = object + size;
  const nameBuffer = extension + extSize;
  const keyBuffer = nameBuffer + name.length * 2 + 2;
  m.writeUtf16(nameBuffer, name);
  m.writeUtf16(keyBuffer, serviceName);
  m.setField('DRIVER_OBJECT', object, 'Type', 4); // IO_TYPE_DRIVER
  m.setField('DRIVER_OBJECT', object, 'Size', size);
  m.setField('DRIVER_OBJECT', object, 'DriverExtension', extension);
  m.setField('DRIVER_OBJECT', object, 'DriverName.Length', name.length * 2);
  m.setField('DRIVER_OBJECT', object, 'DriverName.MaximumLength', name.length * 2);
  m.setField('DRIVER_OBJECT', object, 'DriverName.Buffer', nameBuffer);
  m.setField('DRIVER_EXTENSION', extension, 'DriverObject', object);
  m.setField('DRIVER_EXTENSION', extension, 'ServiceKeyName.Length', serviceName.length * 2);
  m.setField('DRIVER_EXTENSION', extension, 'ServiceKeyName.MaximumLength', serviceName.length * 2);
  m.setField('DRIVER_EXTENSION', extension, 'ServiceKeyName.Buffer', keyBuffer);
  return object;
}

function checkDriverEntryResult(session: Session, status: number): void {
  const state = driverState(session);
  const live = state.registrations.filter((r) => !r.deregistered);
  const protocolEdge = driverChecks.some((c) => c.registered?.(session));
  if ((status === K.NDIS_STATUS_PENDING || status === K.STATUS_PENDING) && !protocolEdge) {
    session.violation('REG-DE-STATUS', 'DriverEntry returned STATUS_PENDING; DriverEntry is synchronous and must return a final status');
  } else if (isSuccess(status) && state.lastRegisterStatus !== undefined && !isSuccess(state.lastRegisterStatus)) {
    session.violation('REG-DE-STATUS', `DriverEntry returned success although NdisMRegisterMiniportDriver failed with ${hexStatus(state.lastRegisterStatus)}`);
  } else if (isSuccess(status) && live.length === 0 && !driverChecks.some((c) => c.registered?.(session))) {
    session.violation('REG-DE-STATUS', 'DriverEntry returned success without registering a miniport or protocol driver');
  }
  for (const c of driverChecks) c.afterDriverEntry?.(session, status);
  if (!isSuccess(status)) {
    if (live.length > 0) {
      session.violation('REG-DE-FAIL-CLEANUP', `DriverEntry failed (${hexStatus(status)}) but did not call NdisMDeregisterMiniportDriver for the miniport it registered`);
    }
    const leaks = session.pool.liveAllocations.filter((a) => a.owner === 'driver');
    if (leaks.length > 0) {
      session.violation('REG-DE-FAIL-CLEANUP', `DriverEntry failed (${hexStatus(status)}) with ${leaks.length} allocation(s) still live: ${describeLeaks(leaks)}`);
    }
    setPhase(session, 'failed');
    return;
  }
  setPhase(session, 'registered');
}

/** NDIS unloads the driver: MiniportDriverUnload (PASSIVE), which must deregister everything. */
export function unloadDriver(session: Session): void {
  const state = driverState(session);
  const registration = state.registrations[0];
  if (state.phase !== 'registered') return;
  // A miniport's unload is MiniportDriverUnload (NDIS owns DriverUnload); a protocol driver sets DriverObject->DriverUnload itself.
  const driverUnload = registration ? 0 : session.memory.field('DRIVER_OBJECT', state.driverObject, 'DriverUnload');
  if (!registration && driverUnload === 0) {
    throw new Error('the driver cannot be unloaded: it registered no miniport and left DriverObject->DriverUnload NULL');
  }
  setPhase(session, 'unloading');
  if (registration && registration.handlers.unload !== 0) {
    session.callDriver('MiniportDriverUnload', registration.handlers.unload, [state.driverObject]);
  } else if (driverUnload !== 0) {
    session.callDriver('DriverUnload', driverUnload, [state.driverObject]);
  }
  const live = state.registrations.filter((r) => !r.deregistered);
  if (live.length > 0) {
    session.violation(
      state.registrations.length > 1 ? 'IM-UNLOAD' : 'REG-UNLOAD',
      state.registrations.length > 1
        ? `MiniportDriverUnload deregistered ${state.registrations.length - live.length} of the driver's ${state.registrations.length} miniport registrations: call NdisMDeregisterMiniportDriver for each`
        : 'MiniportDriverUnload returned without calling NdisMDeregisterMiniportDriver',
    );
  }
  for (const c of driverChecks) c.afterUnload?.(session);
  const leaks = session.pool.liveAllocations.filter((a) => a.owner === 'driver');
  if (leaks.length > 0) session.violation('REG-UNLOAD', `the driver unloaded with ${leaks.length} allocation(s) still live: ${describeLeaks(leaks)}`);
  setPhase(session, 'unloaded');
}

export function describeLeaks(leaks: ReadonlyArray<{ size: number; api: string; site?: { file: string; line: number } }>): string {
  return leaks
    .slice(0, 8)
    .map((a) => `${a.size} bytes from ${a.api}${a.site ? ` at ${a.site.file}:${a.site.line}` : ''}`)
    .join('; ')
    .concat(leaks.length > 8 ? `; and ${leaks.length - 8} more` : '');
}

export function hexStatus(status: number): string {
  return `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function readHandlers(session: Session, chars: number, revision: number): MiniportHandlers {
  const m = session.memory;
  const at = (name: Parameters<typeof m.field<'NDIS_MINIPORT_DRIVER_CHARACTERISTICS'>>[2]) => m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, name);
  return {
    setOptions: at('SetOptionsHandler'),
    initialize: at('InitializeHandlerEx'),
    halt: at('HaltHandlerEx'),
    unload: at('UnloadHandler'),
    pause: at('PauseHandler'),
    restart: at('RestartHandler'),
    oidRequest: at('OidRequestHandler'),
    sendNetBufferLists: at('SendNetBufferListsHandler'),
    returnNetBufferLists: at('ReturnNetBufferListsHandler'),
    cancelSend: at('CancelSendHandler'),
    checkForHang: at('CheckForHangHandlerEx'),
    reset: at('ResetHandlerEx'),
    devicePnPEventNotify: at('DevicePnPEventNotifyHandler'),
    shutdown: at('ShutdownHandlerEx'),
    cancelOidRequest: at('CancelOidRequestHandler'),
    directOidRequest: revision >= 2 ? at('DirectOidRequestHandler') : 0,
    cancelDirectOidRequest: revision >= 2 ? at('CancelDirectOidRequestHandler') : 0,
  };
}

/** What NdisMRegisterMiniportDriver refuses (REG-CHARS-HDR, REG-HANDLERS); undefined when acceptable. */
function validateCharacteristics(session: Session, chars: number): { status: number; rule: string; why: string } | undefined {
  const m = session.memory;
  const type = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'Header.Type');
  const revision = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'Header.Revision');
  const size = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'Header.Size');
  const sizes: Record<number, number> = {
    1: K.NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1,
    2: K.NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2,
    3: K.NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_3,
  };
  const bad = (status: number, rule: string, why: string) => ({ status, rule, why });
  if (type !== K.NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS) {
    return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-CHARS-HDR', `Header.Type is 0x${type.toString(16)}, not NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS (0x8A)`);
  }
  const expected = sizes[revision];
  if (expected === undefined) return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-CHARS-HDR', `Header.Revision ${revision} is not 1, 2 or 3`);
  if (size < expected) {
    return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-CHARS-HDR', `Header.Size ${size} is smaller than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_${revision} (${expected})`);
  }
  const major = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'MajorNdisVersion');
  const minor = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'MinorNdisVersion');
  if (major !== 6 || !MINOR_VERSIONS.has(minor)) return bad(K.NDIS_STATUS_BAD_VERSION, 'REG-CHARS-HDR', `NDIS version ${major}.${minor} is not an NDIS 6.x version this NDIS supports`);
  const h = readHandlers(session, chars, revision);
  const flags = m.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars, 'Flags');
  const required: Array<[keyof MiniportHandlers, string]> = [
    ['initialize', 'InitializeHandlerEx'],
    ['halt', 'HaltHandlerEx'],
    ['unload', 'UnloadHandler'],
    ['pause', 'PauseHandler'],
    ['restart', 'RestartHandler'],
    ['oidRequest', 'OidRequestHandler'],
    ['sendNetBufferLists', 'SendNetBufferListsHandler'],
    ['returnNetBufferLists', 'ReturnNetBufferListsHandler'],
    ['cancelSend', 'CancelSendHandler'],
    ['shutdown', 'ShutdownHandlerEx'],
    ['cancelOidRequest', 'CancelOidRequestHandler'],
    // "All NDIS 6.0 and later miniport drivers must export a MiniportDevicePnPEventNotify function" (surprise removal, power profile).
    ['devicePnPEventNotify', 'DevicePnPEventNotifyHandler'],
  ];
  const missing = required.filter(([key]) => h[key] === 0).map(([, name]) => name);
  if (missing.length > 0) return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-HANDLERS', `required handler(s) missing: ${missing.join(', ')}`);
  if ((h.directOidRequest === 0) !== (h.cancelDirectOidRequest === 0)) {
    return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-HANDLERS', 'DirectOidRequestHandler and CancelDirectOidRequestHandler must be given together');
  }
  if (h.checkForHang !== 0 && h.reset === 0) return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-HANDLERS', 'CheckForHangHandlerEx needs ResetHandlerEx');
  if ((flags & K.NDIS_INTERMEDIATE_DRIVER) !== 0 && (h.checkForHang !== 0 || h.reset !== 0)) {
    return bad(K.NDIS_STATUS_BAD_CHARACTERISTICS, 'REG-HANDLERS', 'an intermediate driver must leave CheckForHangHandlerEx and ResetHandlerEx NULL');
  }
  return undefined;
}

defineImports([
  {
    name: 'NdisMRegisterMiniportDriver',
    args: args('DriverObject:ptr', 'RegistryPath:ptr', 'MiniportDriverContext:ptr', 'MiniportDriverCharacteristics:ptr', 'NdisMiniportDriverHandle:ptr'),
    result: 'status',
    maxIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [driverObject, , context, chars, handleOut]) {
      const state = driverState(session);
      const finish = (status: number): number => {
        state.lastRegisterStatus = status;
        return status;
      };
      if (driverObject !== state.driverObject) return finish(K.NDIS_STATUS_FAILURE);
      const problem = validateCharacteristics(session, chars!);
      if (problem) {
        session.violation(problem.rule, `NdisMRegisterMiniportDriver: ${problem.why}`);
        return finish(problem.status);
      }
      const revision = session.memory.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars!, 'Header.Revision');
      const registration: MiniportRegistration = {
        handle: session.newHandle(),
        context: context!,
        flags: session.memory.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars!, 'Flags'),
        majorNdisVersion: 6,
        minorNdisVersion: session.memory.field('NDIS_MINIPORT_DRIVER_CHARACTERISTICS', chars!, 'MinorNdisVersion'),
        handlers: readHandlers(session, chars!, revision),
        deregistered: false,
      };
      session.memory.setU32(handleOut!, registration.handle);
      state.registrations.push(registration);
      // MiniportSetOptions runs inside the registration call (ndis-rules §3.1).
      if (registration.handlers.setOptions !== 0) {
        const status = session.callDriver('MiniportSetOptions', registration.handlers.setOptions, [registration.handle, registration.context]);
        if (!isSuccess(status)) {
          state.registrations.pop();
          return finish(status);
        }
      }
      return finish(K.NDIS_STATUS_SUCCESS);
    },
  },
  {
    name: 'NdisMDeregisterMiniportDriver',
    args: args('NdisMiniportDriverHandle:handle'),
    result: 'void',
    maxIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const registration = driverState(session).registrations.find((r) => r.handle === handle);
      if (!registration || registration.deregistered) {
        throw new BugCheck(0x7c, [0x21, handle!, 0, 0], `NdisMDeregisterMiniportDriver: ${registration ? 'the handle was deregistered already' : 'not a miniport driver handle'}`, 'BAD-HANDLE', session.site());
      }
      registration.deregistered = true;
    },
  },
]);
