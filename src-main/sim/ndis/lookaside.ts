import { DISPATCH_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * Nonpaged lookaside lists. The NPAGED_LOOKASIDE_LIST lives in the driver's memory; its state is
 * kept here by the list's address, so a list used before ExInitializeNPagedLookasideList or after
 * ExDeleteNPagedLookasideList is caught. Entries come from the driver's Allocate callback when it
 * gave one (and go back through its Free callback), as the kernel does.
 */
interface LookasideList {
  allocate: number;
  free: number;
  size: number;
  tag: number;
  depth: number;
  cached: number[];
  outstanding: Set<number>;
}

function lists(session: Session): Map<number, LookasideList> {
  return session.state('lookaside', () => new Map<number, LookasideList>());
}

function listAt(session: Session, address: number, api: string): LookasideList {
  const list = lists(session).get(address);
  if (!list) return session.labStop('LOOKASIDE-UNINITIALIZED', `${api}: the lookaside list at 0x${address.toString(16)} was never initialized (or was deleted)`);
  return list;
}

function obtain(session: Session, list: LookasideList): number {
  if (list.allocate !== 0) {
    return session.callDriver('AllocateFunction', list.allocate, [K.NonPagedPoolNx, list.size, list.tag], session.irql);
  }
  return session.pool.allocate(list.size, list.tag, 'ExAllocateFromNPagedLookasideList', 'driver', session.site());
}

function release(session: Session, list: LookasideList, entry: number): void {
  if (list.free !== 0) session.callDriver('FreeFunction', list.free, [entry], session.irql);
  else session.pool.release(entry);
}

defineImports([
  {
    name: 'ExInitializeNPagedLookasideList',
    args: args('Lookaside:ptr', 'Allocate:ptr', 'Free:ptr', 'Flags:hex', 'Size:u32', 'Tag:tag', 'Depth:u32'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, allocate, free, , size, tag, depth]) {
      // Touch the storage so a bad pointer faults here, at the call.
      session.memory.u32(address!);
      lists(session).set(address!, { allocate: allocate!, free: free!, size: size!, tag: tag!, depth: Math.max(4, depth! & 0xffff), cached: [], outstanding: new Set() });
    },
  },
  {
    name: 'ExDeleteNPagedLookasideList',
    args: args('Lookaside:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address]) {
      const list = listAt(session, address!, 'ExDeleteNPagedLookasideList');
      for (const entry of list.cached.splice(0)) release(session, list, entry);
      lists(session).delete(address!);
    },
  },
  {
    name: 'ExAllocateFromNPagedLookasideList',
    args: args('Lookaside:ptr'),
    result: 'ptr',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [address]) {
      const list = listAt(session, address!, 'ExAllocateFromNPagedLookasideList');
      const entry = list.cached.pop() ?? obtain(session, list);
      if (entry !== 0) list.outstanding.add(entry);
      return entry;
    },
  },
  {
    name: 'ExFreeToNPagedLookasideList',
    args: args('Lookaside:ptr', 'Entry:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [address, entry]) {
      const list = listAt(session, address!, 'ExFreeToNPagedLookasideList');
      if (!list.outstanding.delete(entry!)) {
        session.labStop('LOOKASIDE-FOREIGN', `ExFreeToNPagedLookasideList: 0x${entry!.toString(16)} did not come from this lookaside list (or was freed to it already)`);
      }
      if (list.cached.length < list.depth) list.cached.push(entry!);
      else release(session, list, entry!);
    },
  },
]);
