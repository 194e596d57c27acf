import type { SourceSite } from '../session/source-site';

/**
 * A bug check: the run stops here, as a real system would stop with a blue screen. Thrown through
 * the driver's stack (wasm frames unwind on a JS exception) back to the session, which records it.
 */
export class BugCheck extends Error {
  constructor(
    readonly code: number,
    readonly params: readonly [number, number, number, number],
    message: string,
    readonly rule: string | undefined,
    readonly site: SourceSite | undefined,
  ) {
    super(message);
    this.name = 'BugCheck';
  }

  /**
   * The driver whose code was running when the bug check was raised, set by the innermost session
   * it unwinds through: tells a bug check of the lab's own driver below a binding from the learner's.
   */
  origin: string | undefined;
}

/** Codes the lab raises on its own account (no Windows code documents these stops). */
export const LAB_STOP = 0x4c4142; // 'LAB'
export const BUGCODE_NDIS_DRIVER = 0x7c;
export const DRIVER_VERIFIER_DETECTED_VIOLATION = 0xc4;
/** What the lab reports for a wasm trap: the closest Windows analogue of a fault in a driver. */
export const KMODE_EXCEPTION_NOT_HANDLED = 0x1e;
export const DRIVER_IRQL_NOT_LESS_OR_EQUAL = 0xd1;

export function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}
