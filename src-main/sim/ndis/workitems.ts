import { hex } from '../kernel/bugcheck';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../kernel/irql';
import type { Session } from '../session/session';
import { adapters } from './adapter';
import { driverState } from './driver';
import { args, defineImports } from './imports';
import { allocateDriverBlock, describeSite, releaseDriverBlock, shortSite } from './memory';
import { checkLocksReleased } from './sync';

/**
 * NDIS I/O work items. An NDIS_IO_WORKITEM is a block of the driver's pool (so one never freed is
 * a leak the adapter and unload checks report with its allocation line). A queued item runs its
 * routine later at PASSIVE_LEVEL on a system worker thread: whenever the simulated CPU next reaches
 * PASSIVE_LEVEL outside the driver (between scenario steps) or the driver waits or sleeps.
 * Like IoQueueWorkItem / IoFreeWorkItem underneath, an item is queued again only once its routine
 * has started, and freed only when it is not queued.
 */

type Site = { file: string; line: number } | undefined;

interface WorkItem {
  handle: number;
  owner: number;
  adapter: number | undefined;
  allocatedAt: Site;
  queuedAt?: Site;
  queued: boolean;
  freed: boolean;
}

function workItems(session: Session): Map<number, WorkItem> {
  return session.state('workitems', () => new Map<number, WorkItem>());
}

function itemOf(session: Session, api: string, handle: number): WorkItem {
  const item = workItems(session).get(handle);
  if (!item || item.freed) {
    session.labStop(
      'WORKITEM-HANDLE',
      `${api}(${hex(handle)}): ${item ? `the work item (allocated at ${describeSite(item.allocatedAt)}) was freed with NdisFreeIoWorkItem` : 'not a work item from NdisAllocateIoWorkItem — did the allocation return NULL?'}`,
    );
  }
  return item;
}

defineImports([
  {
    name: 'NdisAllocateIoWorkItem',
    args: args('NdisObjectHandle:handle'),
    result: 'handle',
    maxIrql: DISPATCH_LEVEL,
    fault: { kind: 'return', value: 0, label: 'NULL' },
    impl(session, [owner]) {
      const isAdapter = adapters(session).has(owner!);
      const isDriver = driverState(session).registrations.some((r) => r.handle === owner && !r.deregistered);
      if (!isAdapter && !isDriver) {
        session.labStop('BAD-HANDLE', `NdisAllocateIoWorkItem(${hex(owner!)}): the handle is neither a miniport adapter handle nor the miniport driver handle`);
      }
      const address = allocateDriverBlock(session, 'NdisAllocateIoWorkItem', 32, 0x6b774f49 /* 'IOwk' */, 'work item', owner);
      if (address === 0) return 0;
      workItems(session).set(address, {
        handle: address,
        owner: owner!,
        adapter: isAdapter ? owner : undefined,
        allocatedAt: shortSite(session.site()),
        queued: false,
        freed: false,
      });
      return address;
    },
  },
  {
    name: 'NdisQueueIoWorkItem',
    args: args('NdisIoWorkItemHandle:handle', 'Routine:ptr', 'WorkItemContext:ptr'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, routine, context]) {
      const item = itemOf(session, 'NdisQueueIoWorkItem', handle!);
      if (item.queued) {
        session.labStop(
          'WORKITEM-REQUEUE',
          `NdisQueueIoWorkItem(${hex(handle!)}): the work item is already queued (at ${describeSite(item.queuedAt)}) and its routine has not started; a work item can be queued again only once its routine runs`,
        );
      }
      if (routine === 0) session.labStop('HANDLER-POINTER', 'NdisQueueIoWorkItem: Routine is NULL');
      item.queued = true;
      item.queuedAt = shortSite(session.site());
      session.kernel.queueWorkItem({
        label: `NDIS work item ${hex(handle!)}`,
        run: () => {
          item.queued = false;
          session.callDriver('IoWorkItemRoutine', routine!, [context!, handle!], PASSIVE_LEVEL, item.adapter);
          checkLocksReleased(session);
        },
      });
    },
  },
  {
    name: 'NdisFreeIoWorkItem',
    args: args('NdisIoWorkItemHandle:handle'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle]) {
      const item = itemOf(session, 'NdisFreeIoWorkItem', handle!);
      if (item.queued) {
        session.labStop(
          'WORKITEM-FREE-QUEUED',
          `NdisFreeIoWorkItem(${hex(handle!)}): the work item queued at ${describeSite(item.queuedAt)} has not run yet; free a work item only when it is not queued (for example in its own routine)`,
        );
      }
      item.freed = true;
      releaseDriverBlock(session, handle!, 'work item');
    },
  },
]);
