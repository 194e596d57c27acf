import type { Session } from '../session/session';
import { hardwareOf, currentAdapter, describeSite } from './hw-state';
import { addCallCheck, addNullDereferenceCheck } from './imports';

/**
 * Teardown order (HALT-ORDER): memory the ISR or DPC may use must outlive the interrupt, so halt
 * frees it only after NdisMDeregisterInterruptEx. A free while the interrupt is still registered
 * is reported as a warning, as the rule documents.
 */
const FREES = new Set(['NdisFreeMemory', 'NdisFreeMemoryWithTag', 'NdisFreeMemoryWithTagPriority', 'ExFreePoolWithTag', 'ExFreePool']);

addCallCheck((session, spec) => {
  if (!FREES.has(spec.name) || !session.inCallback('MiniportHaltEx')) return;
  const adapter = currentAdapter(session);
  if (!adapter) return;
  const interrupt = hardwareOf(session, adapter).interrupt;
  if (interrupt?.registered) {
    session.violation(
      'HALT-ORDER',
      `${spec.name} in MiniportHaltEx while the interrupt registered at ${describeSite(interrupt.site)} is still live: the ISR and DPC may still touch this memory; call NdisMDeregisterInterruptEx first`,
      { severity: 'warn' },
    );
  }
});

/**
 * INIT-SHMEM-NULL: a NULL dereference right after NdisMAllocateSharedMemory returned NULL in this
 * initialization is the unchecked shared memory the rule is about.
 */
addNullDereferenceCheck((session: Session) => {
  const adapter = currentAdapter(session);
  if (!adapter || adapter.state !== 'Initializing') return;
  const failed = hardwareOf(session, adapter).failedClaims.find((c) => c.api === 'NdisMAllocateSharedMemory');
  if (!failed) return;
  session.violation(
    'INIT-SHMEM-NULL',
    `the driver used the addresses NdisMAllocateSharedMemory returned as NULL at ${describeSite(failed.site)}: check VirtualAddress before using the shared memory`,
  );
});
