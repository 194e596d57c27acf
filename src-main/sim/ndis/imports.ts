import type { Session } from '../session/session';

export type WasmType = 'i32' | 'i64';

/** How an argument is shown in the call trace. */
export type ArgFormat = 'u32' | 'i32' | 'hex' | 'ptr' | 'handle' | 'status' | 'tag' | 'bool' | 'irql' | 'i64';

export interface ImportArg {
  name: string;
  format: ArgFormat;
}

export type ResultFormat = 'void' | 'status' | 'ptr' | 'bool' | 'u32' | 'handle' | 'irql' | 'i64';

/** What an injected fault makes the call do (the documented failure, §5.8). */
export type FaultOutcome = { kind: 'return'; value: number; label: string } | { kind: 'custom'; label: string; apply(session: Session, args: number[]): number | void };

export interface ImportSpec {
  name: string;
  args: readonly ImportArg[];
  result: ResultFormat;
  /** Highest IRQL the documentation allows the call at. */
  maxIrql?: number;
  /** Exact IRQL the call requires (e.g. NdisDprAcquireSpinLock at DISPATCH_LEVEL). */
  exactIrql?: number;
  /** The failure an injected fault produces; absent for calls that cannot fail. */
  fault?: FaultOutcome;
  /** Calls that must not be traced one by one (DbgPrint traces itself as output). */
  quiet?: boolean;
  impl(session: Session, args: number[]): number | bigint | void;
}

const registry = new Map<string, ImportSpec>();

/** Families of NDIS functions register here at module load (see ndis/index.ts). */
export function defineImports(specs: readonly ImportSpec[]): void {
  for (const spec of specs) {
    if (registry.has(spec.name)) throw new Error(`NDIS import ${spec.name} is defined twice`);
    registry.set(spec.name, spec);
  }
}

export function importSpecs(): ReadonlyMap<string, ImportSpec> {
  return registry;
}

/** Shorthand for argument lists: `args('MiniportAdapterHandle:handle', 'Length:u32')`. */
export function args(...items: string[]): ImportArg[] {
  return items.map((item) => {
    const [name, format] = item.split(':') as [string, ArgFormat | undefined];
    return { name, format: format ?? 'hex' };
  });
}

/**
 * Checks that apply to every NDIS call in some context (e.g. nothing may be freed during
 * MiniportShutdownEx); run by the session before the call, after its IRQL check.
 */
export type CallCheck = (session: Session, spec: ImportSpec, args: number[]) => void;
const callChecks: CallCheck[] = [];

export function addCallCheck(check: CallCheck): void {
  callChecks.push(check);
}

export function runCallChecks(session: Session, spec: ImportSpec, args: number[]): void {
  for (const check of callChecks) check(session, spec, args);
}

/**
 * Checks run when the driver dereferences NULL, before the bug check: a family that knows why the
 * pointer was NULL (an allocation the driver did not check) reports its rule first.
 */
export type NullDereferenceCheck = (session: Session) => void;
const nullChecks: NullDereferenceCheck[] = [];

export function addNullDereferenceCheck(check: NullDereferenceCheck): void {
  nullChecks.push(check);
}

export function runNullDereferenceChecks(session: Session): void {
  for (const check of nullChecks) check(session);
}
