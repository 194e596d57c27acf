import type { Session } from '../session/session';
import type { Adapter } from './adapter';

/**
 * What is bound above the adapters of a session whose driver is the lab's own miniport below a
 * binding (lower-miniport.ts): NDIS hands what the miniport indicates and completes to the protocol
 * bound there, inside the miniport's call, as NDIS does. The families that see those calls (nbl.ts,
 * indication.ts) ask here; a session without an upper stack keeps NDIS's built-in behaviour (the
 * protocols above are NDIS's own and return receives after a moment).
 */
export interface UpperStack {
  /**
   * The miniport indicated `chain` (NDIS_RECEIVE_FLAGS_* in `flags`). With
   * NDIS_RECEIVE_FLAGS_RESOURCES the miniport owns the NBLs again when this returns. Without it,
   * NDIS holds them: true means the protocol above took them and NDIS gives them back
   * (returnIndicated) once the protocol has returned them; false, that nobody above takes them.
   */
  receive(adapter: Adapter, chain: readonly number[], flags: number): boolean;
  /** The miniport completed sends that came from above (NdisMSendNetBufferListsComplete), with each NBL's status. */
  sendsCompleted(adapter: Adapter, done: ReadonlyArray<{ nbl: number; status: number }>): void;
  /** The miniport indicated a status (NdisMIndicateStatusEx), already checked. */
  status(adapter: Adapter, code: number, buffer: number, size: number): void;
}

const stacks = new WeakMap<Session, UpperStack>();

export function setUpperStack(session: Session, stack: UpperStack): void {
  stacks.set(session, stack);
}

export function upperStack(session: Session): UpperStack | undefined {
  return stacks.get(session);
}
