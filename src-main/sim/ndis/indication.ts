import { BugCheck, hex } from '../kernel/bugcheck';
import { DISPATCH_LEVEL } from '../kernel/irql';
import { formatValue, type Session } from '../session/session';
import { adapterOf } from './adapter';
import { args, defineImports } from './imports';
import { K } from './status';
import { upperStack } from './upper-edge';

/**
 * NdisMIndicateStatusEx: a miniport tells NDIS and the drivers above about a change (link state,
 * media connect, …) with an NDIS_STATUS_INDICATION. NDIS checks the header (type 0x98, revision 1,
 * size), that SourceHandle is the miniport adapter handle, and the timing: inside
 * MiniportInitializeEx only after the registration attributes, and never after MiniportHaltEx.
 */

const CONNECT: Record<number, string> = {
  [K.MediaConnectStateUnknown]: 'connect state unknown',
  [K.MediaConnectStateConnected]: 'connected',
  [K.MediaConnectStateDisconnected]: 'disconnected',
};
const DUPLEX: Record<number, string> = {
  [K.MediaDuplexStateUnknown]: 'duplex unknown',
  [K.MediaDuplexStateHalf]: 'half duplex',
  [K.MediaDuplexStateFull]: 'full duplex',
};

function speed(bitsPerSecond: bigint): string {
  if (bitsPerSecond === 0xffffffffffffffffn) return 'unknown';
  const units: Array<[bigint, string]> = [
    [1_000_000_000n, 'Gbps'],
    [1_000_000n, 'Mbps'],
    [1_000n, 'kbps'],
  ];
  for (const [scale, unit] of units) if (bitsPerSecond >= scale && bitsPerSecond % scale === 0n) return `${bitsPerSecond / scale} ${unit}`;
  return `${bitsPerSecond} bps`;
}

function linkStates(session: Session): Map<number, number> {
  return session.state('link-state', () => new Map<number, number>());
}

/** The MediaConnectState of the last NDIS_STATUS_LINK_STATE the adapter indicated: 'up', 'down', or undefined (none, or unknown). */
export function lastLinkState(session: Session, adapterHandle: number): 'up' | 'down' | undefined {
  const state = linkStates(session).get(adapterHandle);
  return state === K.MediaConnectStateConnected ? 'up' : state === K.MediaConnectStateDisconnected ? 'down' : undefined;
}

/** NDIS_LINK_STATE as text; a malformed payload is bug check 0x7C/0x20. */
function decodeLinkState(session: Session, code: number, buffer: number, size: number, adapterHandle: number): string {
  const m = session.memory;
  const needed = K.NDIS_SIZEOF_LINK_STATE_REVISION_1;
  const bad = (why: string): never => {
    throw new BugCheck(0x7c, [0x20, code, buffer, 0], `NdisMIndicateStatusEx(NDIS_STATUS_LINK_STATE): ${why} (bug check 0x7C NDIS_BUGCHECK_STATUS_INDICATION_INVALID_BUFFER)`, 'STATUS-INDICATION', session.site());
  };
  if (buffer === 0 || size < needed) bad(`StatusBuffer must point to an NDIS_LINK_STATE of at least ${needed} bytes (StatusBufferSize is ${size})`);
  const type = m.field('NDIS_LINK_STATE', buffer, 'Header.Type');
  const revision = m.field('NDIS_LINK_STATE', buffer, 'Header.Revision');
  const headerSize = m.field('NDIS_LINK_STATE', buffer, 'Header.Size');
  if (type !== K.NDIS_OBJECT_TYPE_DEFAULT || revision < K.NDIS_LINK_STATE_REVISION_1 || headerSize < needed) {
    bad(`the NDIS_LINK_STATE header is Type 0x${type.toString(16)} / Revision ${revision} / Size ${headerSize}; it must be NDIS_OBJECT_TYPE_DEFAULT (0x80) / NDIS_LINK_STATE_REVISION_1 / NDIS_SIZEOF_LINK_STATE_REVISION_1 (${needed})`);
  }
  const connect = m.field('NDIS_LINK_STATE', buffer, 'MediaConnectState');
  linkStates(session).set(adapterHandle, connect);
  const duplex = m.field('NDIS_LINK_STATE', buffer, 'MediaDuplexState');
  const xmit = m.u64(buffer + m.offsetOf('NDIS_LINK_STATE', 'XmitLinkSpeed'));
  const rcv = m.u64(buffer + m.offsetOf('NDIS_LINK_STATE', 'RcvLinkSpeed'));
  const speeds = xmit === rcv ? speed(xmit) : `${speed(xmit)} transmit / ${speed(rcv)} receive`;
  return `${CONNECT[connect] ?? `MediaConnectState ${connect}`}, ${DUPLEX[duplex] ?? `MediaDuplexState ${duplex}`}, ${speeds}`;
}

function indicateStatus(session: Session, handle: number, indication: number): void {
  const api = 'NdisMIndicateStatusEx';
  const adapter = adapterOf(session, handle, api);
  const m = session.memory;
  const type = m.field('NDIS_STATUS_INDICATION', indication, 'Header.Type');
  const revision = m.field('NDIS_STATUS_INDICATION', indication, 'Header.Revision');
  const size = m.field('NDIS_STATUS_INDICATION', indication, 'Header.Size');
  if (type !== K.NDIS_OBJECT_TYPE_STATUS_INDICATION || revision < K.NDIS_STATUS_INDICATION_REVISION_1 || size < K.NDIS_SIZEOF_STATUS_INDICATION_REVISION_1) {
    throw new BugCheck(
      0x7c,
      [0x21, adapter.registration.handle, indication, 0],
      `${api}: the NDIS_STATUS_INDICATION header is Type 0x${type.toString(16)} / Revision ${revision} / Size ${size}; it must be NDIS_OBJECT_TYPE_STATUS_INDICATION (0x98) / NDIS_STATUS_INDICATION_REVISION_1 / NDIS_SIZEOF_STATUS_INDICATION_REVISION_1 (${K.NDIS_SIZEOF_STATUS_INDICATION_REVISION_1}) (bug check 0x7C NDIS_BUGCHECK_INVALID_OBJECT_HEADER)`,
      'STATUS-INDICATION',
      session.site(),
    );
  }
  const code = m.field('NDIS_STATUS_INDICATION', indication, 'StatusCode');
  const name = formatValue('status', code);
  if (adapter.state === 'Halted' || adapter.state === 'Shutdown') {
    session.violation('HALT-AFTER', `${api}(${name}) after MiniportHaltEx of ${adapter.name} returned: the adapter handle is no longer valid (SDV NdisMIndicateStatusEx)`);
    return;
  }
  if (adapter.state === 'Initializing' && !adapter.registrationAttributes) {
    session.violation('INIT-ATTR-STATUS-EARLY', `${api}(${name}) inside MiniportInitializeEx before NdisMSetMiniportAttributes set the registration attributes`);
    return;
  }
  const source = m.field('NDIS_STATUS_INDICATION', indication, 'SourceHandle');
  if (source !== handle) {
    throw new BugCheck(0x7c, [0x20, code, adapter.registration.handle, indication], `${api}(${name}): SourceHandle is ${hex(source)}; it must be the MiniportAdapterHandle ${hex(handle)} (bug check 0x7C NDIS_BUGCHECK_STATUS_INDICATION_INVALID_BUFFER)`, 'STATUS-INDICATION', session.site());
  }
  const buffer = m.field('NDIS_STATUS_INDICATION', indication, 'StatusBuffer');
  const bufferSize = m.field('NDIS_STATUS_INDICATION', indication, 'StatusBufferSize');
  const detail = code === K.NDIS_STATUS_LINK_STATE ? decodeLinkState(session, code, buffer, bufferSize, adapter.handle) : bufferSize > 0 ? `${bufferSize}-byte payload` : undefined;
  const site = session.site();
  session.emit({ kind: 'status.indication', adapter: adapter.name, status: name, ...(detail ? { detail } : {}), ...(site ? { file: site.file, line: site.line } : {}) });
  // A protocol bound above the adapter hears of it (lower-miniport.ts), inside this call.
  upperStack(session)?.status(adapter, code, buffer, bufferSize);
}

defineImports([
  {
    name: 'NdisMIndicateStatusEx',
    args: args('MiniportAdapterHandle:handle', 'StatusIndication:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl: (session, [handle, indication]) => indicateStatus(session, handle!, indication!),
  },
]);
