import { BugCheck, hex } from '../kernel/bugcheck';
import { DISPATCH_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { args, defineImports } from './imports';
import { allocateDriverBlock, describeSite, releaseDriverBlock } from './memory';
import { K } from './status';

/**
 * NDIS generic objects (NdisAllocateGenericObject / NdisFreeGenericObject): an NDIS_GENERIC_OBJECT
 * header NDIS fills in, followed by the Size bytes the driver asked for. The block is the driver's
 * to free: one never freed is reported by the halt / init-failure / unload leak checks with the
 * line that allocated it (SDV NdisAllocateGenericObject, Memory Usage rule set).
 */

const API = 'NdisAllocateGenericObject';

defineImports([
  {
    name: 'NdisAllocateGenericObject',
    args: args('DriverObject:handle', 'Tag:tag', 'Size:u32'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [driverObject, tag, size]) {
      const m = session.memory;
      const header = m.sizeOf('NDIS_GENERIC_OBJECT');
      const address = allocateDriverBlock(session, API, header + (size! & 0xffff), tag! >>> 0, 'generic-object');
      if (address === 0) return 0;
      m.fill(address, header, 0);
      m.setField('NDIS_GENERIC_OBJECT', address, 'Header.Type', K.NDIS_OBJECT_TYPE_DEFAULT);
      m.setField('NDIS_GENERIC_OBJECT', address, 'Header.Revision', 1);
      m.setField('NDIS_GENERIC_OBJECT', address, 'Header.Size', header);
      m.setField('NDIS_GENERIC_OBJECT', address, 'DriverObject', driverObject!);
      return address;
    },
  },
  {
    name: 'NdisFreeGenericObject',
    args: args('NdisObject:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session: Session, [address]) {
      const allocation = session.pool.lookup(address!);
      if (!allocation || allocation.api !== API) {
        const what = allocation ? `a block from ${allocation.api} (at ${describeSite(allocation.site)})` : 'not an object from NdisAllocateGenericObject (or freed already)';
        throw new BugCheck(0xc4, [0x10, address!, 0, 0], `NdisFreeGenericObject(${hex(address!)}): this is ${what}`, 'POOL-FREE', session.site());
      }
      releaseDriverBlock(session, address!, 'generic-object');
    },
  },
]);
