import { BugCheck } from '../kernel/bugcheck';
import { PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { driverState } from './driver';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * NdisSetOptionalHandlers: a miniport registers optional entry points from MiniportSetOptions, with
 * the NdisDriverHandle NDIS passed to it. The lab's headers model one optional characteristics
 * structure for a miniport, NDIS_MINIPORT_PNP_CHARACTERISTICS; it is accepted and recorded. The
 * documented statuses: SUCCESS, RESOURCES, NOT_SUPPORTED (the driver is not NDIS 6.0 or later),
 * and FAILURE for everything else — a call outside MiniportSetOptions, a handle that is not the
 * driver handle, or a structure of a kind the lab does not know.
 */

export interface OptionalHandlers {
  type: number;
  revision: number;
  size: number;
  address: number;
}

/** The optional characteristics each registration set, by NdisDriverHandle (for other families and tests). */
export function optionalHandlers(session: Session): Map<number, OptionalHandlers[]> {
  return session.state('optional-handlers', () => new Map<number, OptionalHandlers[]>());
}

const KNOWN_TYPES = new Set<number>([K.NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS]);

defineImports([
  {
    name: 'NdisSetOptionalHandlers',
    args: args('NdisHandle:handle', 'OptionalHandlers:ptr'),
    result: 'status',
    exactIrql: PASSIVE_LEVEL,
    fault: { kind: 'return', value: K.NDIS_STATUS_FAILURE, label: 'NDIS_STATUS_FAILURE' },
    impl(session, [handle, pointer]) {
      if (!session.inCallback('MiniportSetOptions')) return K.NDIS_STATUS_FAILURE;
      const registration = driverState(session).registrations.find((r) => r.handle === handle && !r.deregistered);
      if (!registration) return K.NDIS_STATUS_FAILURE;
      if (registration.majorNdisVersion < 6) return K.NDIS_STATUS_NOT_SUPPORTED;
      if (pointer === 0) throw new BugCheck(0x50, [0, 0, 0, 0], 'NdisSetOptionalHandlers: OptionalHandlers is NULL', 'UB-NULL', session.site());
      const m = session.memory;
      const type = m.field('NDIS_OBJECT_HEADER', pointer!, 'Type');
      const revision = m.field('NDIS_OBJECT_HEADER', pointer!, 'Revision');
      const size = m.field('NDIS_OBJECT_HEADER', pointer!, 'Size');
      if (!KNOWN_TYPES.has(type) || revision === 0 || size <= m.sizeOf('NDIS_OBJECT_HEADER')) return K.NDIS_STATUS_FAILURE;
      const list = optionalHandlers(session).get(handle!) ?? [];
      list.push({ type, revision, size, address: pointer! });
      optionalHandlers(session).set(handle!, list);
      return K.NDIS_STATUS_SUCCESS;
    },
  },
]);
