import { BugCheck, hex } from '../kernel/bugcheck';
import { PASSIVE_LEVEL } from '../kernel/irql';
import { siteFields, type Session } from '../session/session';
import { addDriverChecks, driverState, hexStatus, MINOR_VERSIONS } from './driver';
import { args, defineImports } from './imports';
import { isSuccess, K } from './status';

/**
 * The protocol edge of a driver (ndis-rules §3.3–§3.4): NdisRegisterProtocolDriver (with
 * ProtocolSetOptions inside it), NdisDeregisterProtocolDriver, and NdisIMAssociateMiniport, which
 * ties an intermediate driver's miniport and protocol registrations together in DriverEntry.
 *
 * The checks at the driver's milestones: an IM DriverEntry must register both edges and associate
 * them (IM-DE-ASSOC); a DriverEntry that fails after registering its protocol must deregister it
 * (BIND-DE); an IM unload must deregister the protocol too (IM-UNLOAD).
 */

export interface ProtocolHandlers {
  setOptions: number;
  bindAdapter: number;
  unbindAdapter: number;
  openAdapterComplete: number;
  closeAdapterComplete: number;
  netPnPEvent: number;
  uninstall: number;
  oidRequestComplete: number;
  status: number;
  receiveNetBufferLists: number;
  sendNetBufferListsComplete: number;
}

export interface ProtocolRegistration {
  handle: number;
  context: number;
  name: string;
  minorNdisVersion: number;
  handlers: ProtocolHandlers;
  deregistered: boolean;
  /** The IM miniport registration NdisIMAssociateMiniport tied it to. */
  associatedMiniport?: number;
}

interface ProtocolState {
  registrations: ProtocolRegistration[];
}

export function protocolState(session: Session): ProtocolState {
  return session.state<ProtocolState>('protocol', () => ({ registrations: [] }));
}

function readHandlers(session: Session, chars: number): ProtocolHandlers {
  const m = session.memory;
  const at = (name: Parameters<typeof m.field<'NDIS_PROTOCOL_DRIVER_CHARACTERISTICS'>>[2]) => m.field('NDIS_PROTOCOL_DRIVER_CHARACTERISTICS', chars, name);
  return {
    setOptions: at('SetOptionsHandler'),
    bindAdapter: at('BindAdapterHandlerEx'),
    unbindAdapter: at('UnbindAdapterHandlerEx'),
    openAdapterComplete: at('OpenAdapterCompleteHandlerEx'),
    closeAdapterComplete: at('CloseAdapterCompleteHandlerEx'),
    netPnPEvent: at('NetPnPEventHandler'),
    uninstall: at('UninstallHandler'),
    oidRequestComplete: at('OidRequestCompleteHandler'),
    status: at('StatusHandlerEx'),
    receiveNetBufferLists: at('ReceiveNetBufferListsHandler'),
    sendNetBufferListsComplete: at('SendNetBufferListsCompleteHandler'),
  };
}

/** Why NdisRegisterProtocolDriver refuses the characteristics (with the status it returns); undefined when acceptable. */
function validate(session: Session, chars: number): { status: number; why: string } | undefined {
  const m = session.memory;
  const f = (name: Parameters<typeof m.field<'NDIS_PROTOCOL_DRIVER_CHARACTERISTICS'>>[2]) => m.field('NDIS_PROTOCOL_DRIVER_CHARACTERISTICS', chars, name);
  const type = f('Header.Type');
  const revision = f('Header.Revision');
  const size = f('Header.Size');
  if (type !== K.NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS) {
    return { status: K.NDIS_STATUS_BAD_CHARACTERISTICS, why: `Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS (${hex(K.NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS)})` };
  }
  if (revision < K.NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 || revision > 2) return { status: K.NDIS_STATUS_BAD_CHARACTERISTICS, why: `Header.Revision ${revision} is not 1 or 2` };
  if (size < K.NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1) {
    return { status: K.NDIS_STATUS_BAD_CHARACTERISTICS, why: `Header.Size ${size} is smaller than NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1 (${K.NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1})` };
  }
  const major = f('MajorNdisVersion');
  const minor = f('MinorNdisVersion');
  if (major !== 6 || !MINOR_VERSIONS.has(minor)) return { status: K.NDIS_STATUS_BAD_VERSION, why: `NDIS version ${major}.${minor} is not an NDIS 6.x version this NDIS supports` };
  if (f('Name.Length') === 0 || f('Name.Buffer') === 0) return { status: K.NDIS_STATUS_BAD_CHARACTERISTICS, why: 'Name is empty: a protocol registers under its service name' };
  const h = readHandlers(session, chars);
  const required: Array<[keyof ProtocolHandlers, string]> = [
    ['bindAdapter', 'BindAdapterHandlerEx'],
    ['unbindAdapter', 'UnbindAdapterHandlerEx'],
    ['openAdapterComplete', 'OpenAdapterCompleteHandlerEx'],
    ['closeAdapterComplete', 'CloseAdapterCompleteHandlerEx'],
    ['netPnPEvent', 'NetPnPEventHandler'],
    ['oidRequestComplete', 'OidRequestCompleteHandler'],
    ['status', 'StatusHandlerEx'],
    ['receiveNetBufferLists', 'ReceiveNetBufferListsHandler'],
    ['sendNetBufferListsComplete', 'SendNetBufferListsCompleteHandler'],
  ];
  const missing = required.filter(([key]) => h[key] === 0).map(([, name]) => name);
  if (missing.length > 0) return { status: K.NDIS_STATUS_BAD_CHARACTERISTICS, why: `required handler(s) missing: ${missing.join(', ')}` };
  return undefined;
}

function liveProtocols(session: Session): ProtocolRegistration[] {
  return protocolState(session).registrations.filter((r) => !r.deregistered);
}

function isIntermediate(flags: number): boolean {
  return (flags & K.NDIS_INTERMEDIATE_DRIVER) !== 0;
}

addDriverChecks({
  /** True when the driver registered something NDIS can use besides a miniport (DriverEntry's success needs one). */
  registered: (session) => liveProtocols(session).length > 0,
  afterDriverEntry(session, status) {
    const driver = driverState(session);
    const im = driver.registrations.filter((r) => !r.deregistered && isIntermediate(r.flags));
    const protocols = liveProtocols(session);
    if ((status === K.NDIS_STATUS_PENDING || status === K.STATUS_PENDING) && protocols.length > 0) {
      session.violation('BIND-DE', 'DriverEntry returned STATUS_PENDING: DriverEntry is synchronous; a protocol (or intermediate) driver returns the final status of its registrations');
      return;
    }
    if (!isSuccess(status)) {
      if (protocols.length > 0) {
        session.violation('BIND-DE', `DriverEntry failed (${hexStatus(status)}) but did not call NdisDeregisterProtocolDriver for the protocol it registered (${protocols.map((p) => `"${p.name}"`).join(', ')})`);
      }
      return;
    }
    if (im.length === 0) return;
    if (protocols.length === 0) {
      session.violation('IM-DE-ASSOC', 'an intermediate driver (NDIS_INTERMEDIATE_DRIVER miniport) returned from DriverEntry without registering its protocol edge with NdisRegisterProtocolDriver');
    } else if (!protocols.some((p) => p.associatedMiniport !== undefined && im.some((r) => r.handle === p.associatedMiniport))) {
      session.violation('IM-DE-ASSOC', 'an intermediate driver returned from DriverEntry without NdisIMAssociateMiniport(DriverHandle, ProtocolHandle): its miniport and protocol edges are not tied together');
    }
  },
  afterUnload(session) {
    const driver = driverState(session);
    const protocols = liveProtocols(session);
    if (protocols.length === 0) return;
    const im = driver.registrations.some((r) => isIntermediate(r.flags));
    session.violation(
      im ? 'IM-UNLOAD' : 'BIND-DE',
      `the driver unloaded with its protocol ${protocols.map((p) => `"${p.name}"`).join(', ')} still registered: call NdisDeregisterProtocolDriver in the unload routine`,
    );
  },
});

defineImports([
  {
    name: 'NdisRegisterProtocolDriver',
    args: args('ProtocolDriverContext:ptr', 'ProtocolCharacteristics:ptr', 'NdisProtocolHandle:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_RESOURCES, label: 'NDIS_STATUS_RESOURCES' },
    impl(session, [context, chars, handleOut]) {
      const m = session.memory;
      if (handleOut) m.setU32(handleOut, 0);
      const problem = validate(session, chars!);
      if (problem) {
        session.emit({ kind: 'ndis.note', api: 'NdisRegisterProtocolDriver', text: `refused: ${problem.why}`, ...siteFields(session.site()) });
        return problem.status;
      }
      const nameLength = m.field('NDIS_PROTOCOL_DRIVER_CHARACTERISTICS', chars!, 'Name.Length');
      const registration: ProtocolRegistration = {
        handle: session.newHandle(),
        context: context!,
        name: m.utf16(m.field('NDIS_PROTOCOL_DRIVER_CHARACTERISTICS', chars!, 'Name.Buffer'), nameLength),
        minorNdisVersion: m.field('NDIS_PROTOCOL_DRIVER_CHARACTERISTICS', chars!, 'MinorNdisVersion'),
        handlers: readHandlers(session, chars!),
        deregistered: false,
      };
      protocolState(session).registrations.push(registration);
      m.setU32(handleOut!, registration.handle);
      // ProtocolSetOptions runs inside the registration call; its failure fails the registration.
      if (registration.handlers.setOptions !== 0) {
        const status = session.callDriver('ProtocolSetOptions', registration.handlers.setOptions, [registration.handle, registration.context]);
        if (!isSuccess(status)) {
          protocolState(session).registrations.pop();
          m.setU32(handleOut!, 0);
          return status;
        }
      }
      return K.NDIS_STATUS_SUCCESS;
    },
  },
  {
    name: 'NdisDeregisterProtocolDriver',
    args: args('NdisProtocolHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [handle]) {
      const registration = protocolState(session).registrations.find((r) => r.handle === handle);
      if (!registration || registration.deregistered) {
        throw new BugCheck(0x7c, [0x21, handle!, 0, 0], `NdisDeregisterProtocolDriver: ${registration ? 'the protocol was deregistered already' : 'not a protocol driver handle'}`, 'BAD-HANDLE', session.site());
      }
      registration.deregistered = true;
    },
  },
  {
    name: 'NdisIMAssociateMiniport',
    args: args('DriverHandle:handle', 'ProtocolHandle:handle'),
    result: 'void',
    exactIrql: PASSIVE_LEVEL,
    impl(session, [driverHandle, protocolHandle]) {
      const driver = driverState(session);
      if (driver.phase !== 'in-driver-entry') {
        session.violation('IM-DE-ASSOC', `NdisIMAssociateMiniport outside DriverEntry (the driver is ${driver.phase}): the association is made once, while the driver initializes`);
        return;
      }
      const miniport = driver.registrations.find((r) => r.handle === driverHandle && !r.deregistered);
      const protocol = liveProtocols(session).find((p) => p.handle === protocolHandle);
      if (!miniport || !protocol) {
        session.violation('IM-DE-ASSOC', `NdisIMAssociateMiniport(${hex(driverHandle!)}, ${hex(protocolHandle!)}): ${!miniport ? 'the first handle is not a miniport driver handle from NdisMRegisterMiniportDriver' : 'the second handle is not a protocol handle from NdisRegisterProtocolDriver'}`);
        return;
      }
      if (!isIntermediate(miniport.flags)) {
        session.violation('IM-DE-ASSOC', 'NdisIMAssociateMiniport with a miniport registered without NDIS_INTERMEDIATE_DRIVER in its characteristics Flags: only an intermediate miniport has a protocol edge to associate');
        return;
      }
      protocol.associatedMiniport = miniport.handle;
    },
  },
]);
