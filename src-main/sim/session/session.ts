import type { SimEvent, SimEventInput } from '../../../src-shared/contract/sim-events';
import { ruleById } from '../checker/catalog';
import { BugCheck, hex, KMODE_EXCEPTION_NOT_HANDLED, LAB_STOP } from '../kernel/bugcheck';
import { PASSIVE_LEVEL, type Irql } from '../kernel/irql';
import { Kernel, VirtualTimeExhausted } from '../kernel/kernel';
import { decodeUbsanReport, isUbsanHandler } from '../kernel/ubsan';
import { DriverMemory, MemoryAccessError } from '../memory/driver-memory';
import { Pool } from '../memory/pool';
import { importSpecs, runCallChecks, runNullDereferenceChecks, type ArgFormat, type ImportSpec, type ResultFormat } from '../ndis/imports';
import { FaultPlan } from './faults';
import { currentDriverOffset, driverOffsetsOf, type SourceMap, type SourceSite } from './source-site';

export interface SessionOptions {
  /** The driver module, as built (and possibly instrumented) by the engine. */
  wasm: Uint8Array;
  driverName: string;
  sourceMap?: SourceMap;
  /** Name of the exported i32 global that counts loop iterations down (loop instrumentation), if any. */
  fuelGlobal?: string;
  /** The exported global each import call site sets to its marker (call-site instrumentation), and marker → module offset. */
  siteGlobal?: string;
  callSiteOffsets?: Uint32Array;
  seed: number;
  faults?: FaultPlan;
  /** Every NDIS call as an event; off for benchmarks of the bare boundary. */
  tracing?: boolean;
  /**
   * The simulated CPU of another session, shared: its clock, scheduler, DPC queue and IRQL. The
   * lab's own driver below a binding (lower-miniport.ts) runs on the learner's CPU this way.
   */
  kernel?: Kernel;
  /**
   * This driver is the lab's own, below the learner's (the reference LabNIC miniport under a
   * binding): its periodic timers are housekeeping that cannot end a wait of the learner's, and its
   * bug checks say they are its own.
   */
  lower?: boolean;
  limits?: Partial<SessionLimits>;
  emit(event: SimEvent): void;
  /**
   * Called before every NDIS call runs: where breakpoints on functions and source lines stop the
   * run (the host blocks inside it until resumed). `site` is computed only when asked for.
   */
  beforeCall?(api: string, site: () => SourceSite | undefined): void;
}

export interface SessionLimits {
  maxVirtualTicks: number;
  memoryCapBytes: number;
  /** Loop iterations a driver may run between two NDIS calls before the watchdog stops it. */
  fuelPerCall: number;
}

const DEFAULT_LIMITS: SessionLimits = {
  maxVirtualTicks: 3600 * 10_000_000,
  memoryCapBytes: 64 * 1024 * 1024,
  fuelPerCall: 50_000_000,
};

export interface Finding {
  rule: string;
  severity: 'bugcheck' | 'stop' | 'api-fail' | 'warn';
  message: string;
  site?: SourceSite;
  doc: string;
}

/** A callback of the driver that is running now, innermost last. */
export interface CallbackFrame {
  handler: string;
  adapter?: number;
}

/** Thrown to end the scenario after a "stop" finding, once the driver is back in NDIS. */
export class ScenarioStopped extends Error {}

/**
 * Thrown by the host (a stop request, a breakpoint session ending) from inside an event or call
 * hook: it unwinds through the driver and the scenario untouched, never becoming a bug check.
 */
export class HostInterrupt extends Error {}

const HANDLE_BASE = 0xf000_0000;
/** The guard page at address 0, and how much of it is checked at each NDIS call (field offsets are small). */
const NULL_PAGE_BYTES = 4096;
const NULL_PAGE_QUICK_WORDS = 16;

/**
 * One run of one driver: its module instance, memory, pool, the simulated CPU, and every NDIS
 * object it created. Synchronous and environment-free: the engine runs it in a worker, tests run it
 * in-process. Families of NDIS functions (ndis/*.ts) keep their state here through `state()`.
 */
export class Session {
  readonly kernel: Kernel;
  readonly memory: DriverMemory;
  readonly pool: Pool;
  readonly instance: WebAssembly.Instance;
  readonly faults: FaultPlan;
  readonly findings: Finding[] = [];
  readonly callbacks: CallbackFrame[] = [];
  bugCheck: BugCheck | undefined;
  /** Set by a "stop" finding: the scenario ends when control is back in NDIS. */
  stopRule: string | undefined;
  readonly tracing: boolean;
  private readonly limits: SessionLimits;
  private readonly table: WebAssembly.Table;
  private readonly fuel: WebAssembly.Global | undefined;
  private readonly siteGlobal: WebAssembly.Global | undefined;
  private readonly callSiteOffsets: Uint32Array | undefined;
  /** Module offsets of the driver's calls into NDIS that are running now, innermost last (-1: not known from a marker). */
  private readonly callStack: number[] = [];
  private readonly families = new Map<string, unknown>();
  private nextHandle = 1;
  /** The lowest page of driver memory, where NULL plus a small offset lands; undefined if the layout uses it. */
  private nullPage: Uint32Array | undefined;
  private nullPage64: Float64Array | undefined;
  private readonly handlerCache = new Map<number, WebAssembly.WasmFunction>();
  /** The IRQL the last driver callback returned at (before NDIS restored its own). */
  returnIrql: Irql = PASSIVE_LEVEL;
  private callDepth = 0;
  calls = 0;

  constructor(readonly options: SessionOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.kernel = options.kernel ?? new Kernel(options.seed, { maxVirtualTicks: this.limits.maxVirtualTicks });
    this.faults = options.faults ?? new FaultPlan([]);
    this.tracing = options.tracing ?? true;
    const module = new WebAssembly.Module(options.wasm);
    this.instance = new WebAssembly.Instance(module, this.buildImports(module));
    const exports = this.instance.exports;
    this.memory = new DriverMemory(exports['memory'] as WebAssembly.Memory);
    this.table = exports['__indirect_function_table'] as WebAssembly.Table;
    this.fuel = options.fuelGlobal ? (exports[options.fuelGlobal] as WebAssembly.Global | undefined) : undefined;
    this.siteGlobal = options.siteGlobal ? (exports[options.siteGlobal] as WebAssembly.Global | undefined) : undefined;
    this.callSiteOffsets = options.callSiteOffsets;
    const heapBase = exports['__heap_base'] as WebAssembly.Global | undefined;
    this.pool = new Pool(this.memory, heapBase ? Number(heapBase.value) : this.memory.size, this.limits.memoryCapBytes);
    this.armNullPage();
  }

  /**
   * wasm-ld puts the stack first: the lowest bytes of memory are the far end of a 64 KiB stack, so
   * a write through NULL plus a field offset lands there and nothing would notice. The page is
   * watched instead: checked at every NDIS call and when a handler returns.
   */
  private armNullPage(): void {
    const stackPointer = this.instance.exports['__stack_pointer'] as WebAssembly.Global | undefined;
    const page = new Uint32Array(this.memory.memory.buffer, 0, NULL_PAGE_BYTES / 4);
    const stackTop = stackPointer ? Number(stackPointer.value) : 0;
    if (stackTop !== 0 && stackTop < 4 * NULL_PAGE_BYTES) return;
    if (page.some((word) => word !== 0)) return;
    this.nullPage = page;
    this.nullPage64 = new Float64Array(this.memory.memory.buffer, 0, NULL_PAGE_BYTES / 8);
  }

  /** Throws the page fault a real system would have taken, if the null page was written. */
  /** `when` names the moment for the report: 'in <handler>' after a callback, else before a call to that import. */
  private checkNullPage(words: number, name: string, afterCallback: boolean): void {
    let page = this.nullPage;
    if (!page) return;
    // Growing the memory detaches the old buffer (its views read as empty): only then look again.
    if (page.length === 0) {
      page = this.nullPage = new Uint32Array(this.memory.memory.buffer, 0, NULL_PAGE_BYTES / 4);
      this.nullPage64 = new Float64Array(this.memory.memory.buffer, 0, NULL_PAGE_BYTES / 8);
    }
    // The whole page, eight bytes a step: a non-zero pattern is a double that is not +0 (-0 and NaN included).
    if (words > NULL_PAGE_QUICK_WORDS) {
      const page64 = this.nullPage64!;
      let clean = true;
      for (let i = 0; i < page64.length; i++) {
        const x = page64[i]!;
        if (x !== 0 || 1 / x < 0) {
          clean = false;
          break;
        }
      }
      if (clean) return;
    }
    for (let i = 0; i < words; i++) {
      if (page[i] !== 0) {
        const offset = i * 4 + Math.max(0, new Uint8Array(page.buffer, i * 4, 4).findIndex((b) => b !== 0));
        this.nullPage = undefined;
        throw new BugCheck(
          0x50,
          [offset, 1, 0, 0],
          `write through a NULL pointer at offset 0x${offset.toString(16)} (a field of a structure whose pointer is NULL?) ${afterCallback ? `in ${name} (since its last NDIS call)` : `before this call to ${name}`}`,
          'NULL-PAGE',
          this.site(),
        );
      }
    }
  }

  get now(): number {
    return this.kernel.clock.now;
  }

  get irql(): Irql {
    return this.kernel.irql;
  }

  /** Per-family state, created on first use. */
  state<T>(family: string, create: () => T): T {
    let value = this.families.get(family) as T | undefined;
    if (value === undefined) {
      value = create();
      this.families.set(family, value);
    }
    return value;
  }

  emit(event: SimEventInput): void {
    this.options.emit({ ...event, t: this.kernel.clock.now } as SimEvent);
  }

  /** An opaque NDIS handle: a value outside the driver's memory, so dereferencing one faults. */
  newHandle(): number {
    return (HANDLE_BASE + this.nextHandle++ * 16) >>> 0;
  }

  /** The driver source position of the NDIS call running now (or of a driver frame in `error`). */
  site(offset = this.callOffset()): SourceSite | undefined {
    return offset === undefined ? undefined : this.options.sourceMap?.lookup(offset);
  }

  /** The module offset of the driver's call into NDIS running now: from its call-site marker, else from the JS stack. */
  callOffset(): number | undefined {
    const top = this.callStack.length > 0 ? this.callStack[this.callStack.length - 1]! : -1;
    return top >= 0 ? top : currentDriverOffset();
  }

  /** The marker the calling site set (instrumented modules): its call's module offset, or -1. */
  private takeCallSite(): number {
    const global = this.siteGlobal;
    if (!global) return -1;
    const marker = global.value as number;
    if (marker === 0) return -1;
    global.value = 0;
    return this.callSiteOffsets?.[marker] ?? -1;
  }

  get currentCallback(): CallbackFrame | undefined {
    return this.callbacks[this.callbacks.length - 1];
  }

  inCallback(handler: string): boolean {
    return this.callbacks.some((c) => c.handler === handler);
  }

  /**
   * Reports a violation of a catalog rule with the policy of its severity: a bug check stops the
   * run now; a stop ends the scenario once the driver is back in NDIS (the call still fails so the
   * driver's error path runs); api-fail and warn are recorded and the run goes on.
   */
  violation(
    ruleId: string,
    message: string,
    options: { site?: SourceSite; params?: [number, number, number]; severity?: 'warn' } = {},
  ): void {
    const rule = ruleById(ruleId);
    const site = options.site ?? this.site();
    // A rule whose documentation gives a milder consequence for some cases (e.g. SHUT-NO-NDIS) may be reported as a warning.
    const severity = options.severity ?? rule.severity;
    const finding: Finding = { rule: rule.id, severity, message, doc: rule.docs[0] ?? '', ...(site ? { site } : {}) };
    this.findings.push(finding);
    this.emit({ kind: 'finding', rule: rule.id, severity, message, doc: finding.doc, ...siteFields(site) });
    if (severity === 'warn') return;
    if (rule.severity === 'bugcheck' && rule.bugCheck) {
      const p = options.params ?? [0, 0, 0];
      throw this.owned(new BugCheck(rule.bugCheck.code, [rule.bugCheck.p1 ?? 0, p[0], p[1], p[2]], message, rule.id, site));
    }
    if (rule.severity === 'stop') this.stopRule ??= rule.id;
  }

  /**
   * Records a lab finding (no Windows code documents it) of "stop" severity without unwinding: for
   * mistakes noticed outside the driver's own call (a device's DMA to an address the driver gave it).
   * The scenario ends once control is back in NDIS.
   */
  labFinding(rule: string, message: string, site = this.site()): void {
    this.findings.push({ rule, severity: 'stop', message, doc: '', ...(site ? { site } : {}) });
    this.emit({ kind: 'finding', rule, severity: 'stop', message, doc: '', ...siteFields(site) });
    this.stopRule ??= rule;
  }

  /** Stops the run at once with a lab stop (no Windows code documents it) naming `rule`. */
  labStop(rule: string, message: string, site = this.site()): never {
    throw this.owned(new BugCheck(LAB_STOP, [0, 0, 0, 0], message, rule, site));
  }

  /**
   * Calls a function of the driver through its function table (a handler it registered), at `irql`,
   * as the callback `handler`. Traps and sanitizer reports become bug checks with the source line.
   */
  callDriver(handler: string, pointer: number, args: number[], irql: Irql = PASSIVE_LEVEL, adapter?: number): number {
    let fn: WebAssembly.WasmFunction | null = this.handlerCache.get(pointer) ?? null;
    if (!fn) {
      try {
        fn = pointer === 0 ? null : this.table.get(pointer);
      } catch {
        // An index past the table: the pointer was never a function of this driver.
      }
      // The driver cannot change its own table (C has no way to): a resolved entry stays valid.
      if (fn) this.handlerCache.set(pointer, fn);
    }
    if (!fn) this.labStop('HANDLER-POINTER', `${handler}: the handler pointer ${hex(pointer)} is not a function of the driver`, undefined);
    this.callbacks.push(adapter === undefined ? { handler } : { handler, adapter });
    if (this.tracing) this.emit({ kind: 'driver.callback', handler, phase: 'enter', irql });
    this.refuel();
    let result: number;
    try {
      result =
        this.kernel.atIrql(irql, () => {
          const value = invoke(fn as (...a: number[]) => number | undefined, args);
          this.returnIrql = this.kernel.irql;
          this.checkNullPage(NULL_PAGE_BYTES / 4, handler, true);
          return value;
        }) ?? 0;
    } catch (error) {
      throw this.owned(this.asBugCheck(error, handler));
    } finally {
      this.callbacks.pop();
    }
    if (this.tracing) this.emit({ kind: 'driver.callback', handler, phase: 'exit', irql, result: hex(result) });
    return result >>> 0;
  }

  /** The driver's export (DriverEntry), called like a callback. */
  callExport(name: string, args: number[]): number {
    const fn = this.instance.exports[name] as ((...a: number[]) => number) | undefined;
    if (!fn) this.labStop('NO-EXPORT', `the driver does not export ${name}`);
    this.callbacks.push({ handler: name });
    this.emit({ kind: 'driver.callback', handler: name, phase: 'enter', irql: this.kernel.irql });
    this.refuel();
    let result: number;
    try {
      result = fn(...args);
    } catch (error) {
      throw this.owned(this.asBugCheck(error, name));
    } finally {
      this.callbacks.pop();
    }
    this.emit({ kind: 'driver.callback', handler: name, phase: 'exit', irql: this.kernel.irql, result: hex(result) });
    return result >>> 0;
  }

  /** Records and returns the bug check that ends the run. */
  recordBugCheck(check: BugCheck): BugCheck {
    if (!this.bugCheck) {
      this.bugCheck = check;
      this.emit({
        kind: 'bugcheck',
        code: check.code,
        params: [...check.params],
        message: check.message,
        ...(check.rule ? { rule: check.rule } : {}),
        ...siteFields(check.site),
      });
    }
    return this.bugCheck;
  }

  private refuel(): void {
    if (this.fuel) this.fuel.value = this.limits.fuelPerCall;
  }

  /** A bug check leaving this driver's code names the driver, unless a driver it called raised it. */
  private owned(error: Error): Error {
    if (error instanceof BugCheck) error.origin ??= this.options.driverName;
    return error;
  }

  /** Turns whatever escaped from the driver into the bug check a real system would show. */
  private asBugCheck(error: unknown, handler: string): Error {
    if (error instanceof BugCheck || error instanceof ScenarioStopped || error instanceof HostInterrupt) return error;
    if (error instanceof VirtualTimeExhausted) {
      return new BugCheck(LAB_STOP, [0, 0, 0, 0], `watchdog: ${handler} kept the system busy past the run's virtual-time limit`, 'WATCHDOG-TIME', this.site());
    }
    const site = this.firstSite(error);
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof MemoryAccessError) {
      return new BugCheck(0x50, [0, 0, 0, 0], `${handler}: NDIS read a structure the driver passed at a bad address: ${text}`, 'BAD-POINTER', site);
    }
    if (error instanceof WebAssembly.RuntimeError) {
      if (/unreachable/.test(text) && this.fuel && Number(this.fuel.value) <= 0) {
        const loop = driverOffsetsOf(error)[0];
        const loopSite = loop === undefined ? site : (this.options.sourceMap?.lookupAfter(loop) ?? site);
        return new BugCheck(LAB_STOP, [0, 0, 0, 0], `watchdog: ${handler} looped ${this.limits.fuelPerCall.toLocaleString('en-US')} times without calling NDIS (an endless loop?)`, 'WATCHDOG-LOOP', loopSite);
      }
      if (/out of bounds/.test(text) && /memory/.test(text)) return new BugCheck(0x50, [0, 0, 0, 0], `${handler}: memory access outside the driver's memory (page fault)`, 'PAGE-FAULT', site);
      if (/divide by zero|integer overflow|remainder by zero/.test(text)) return new BugCheck(0x7f, [0, 0, 0, 0], `${handler}: ${text} (divide error)`, 'DIVIDE-ERROR', site);
      return new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, [0, 0, 0, 0], `${handler}: ${text}`, 'TRAP', site);
    }
    if (error instanceof RangeError && /call stack/.test(text)) {
      return new BugCheck(0x7f, [8, 0, 0, 0], `${handler}: kernel stack overflow (unbounded recursion?)`, 'STACK-OVERFLOW', site);
    }
    return new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, [0, 0, 0, 0], `${handler}: the simulator failed: ${text}`, 'SIMULATOR', site);
  }

  private firstSite(error: unknown): SourceSite | undefined {
    for (const offset of driverOffsetsOf(error)) {
      const site = this.site(offset);
      if (site) return site;
    }
    return undefined;
  }

  private buildImports(module: WebAssembly.Module): WebAssembly.Imports {
    const ndis: Record<string, WebAssembly.WasmFunction> = {};
    const env: Record<string, WebAssembly.WasmFunction> = {};
    const specs = importSpecs();
    for (const i of WebAssembly.Module.imports(module)) {
      if (i.kind !== 'function') continue;
      if (i.module === 'ndis') {
        const spec = specs.get(i.name);
        ndis[i.name] = (spec ? this.wrap(spec) : this.missing(i.name)) as WebAssembly.WasmFunction;
      } else if (i.module === 'env' && isUbsanHandler(i.name)) {
        env[i.name] = ((...args: number[]) => this.sanitizerReport(i.name, args)) as WebAssembly.WasmFunction;
      } else {
        const where = `${i.module}.${i.name}`;
        (i.module === 'env' ? env : ndis)[i.name] = (() => this.labStop('UNKNOWN-IMPORT', `the driver called ${where}, which NDIS does not provide`)) as WebAssembly.WasmFunction;
      }
    }
    return { ndis, env };
  }

  private missing(name: string): (...args: number[]) => never {
    return () => this.labStop('UNKNOWN-IMPORT', `${name} is declared by the lab headers but not implemented by the simulator yet`);
  }

  private sanitizerReport(handler: string, args: number[]): never {
    const report = decodeUbsanReport(handler, this.memory.memory.buffer, args);
    const site: SourceSite = { file: report.file.replace(/^src\//, ''), line: report.line, column: report.column };
    if (report.check === 'null-pointer') {
      runNullDereferenceChecks(this);
      throw new BugCheck(0x50, [0, 0, 0, 0], report.message, 'UB-NULL', site);
    }
    throw new BugCheck(LAB_STOP, [0, 0, 0, 0], report.message, `UB-${report.check.toUpperCase()}`, site);
  }

  /** The function the driver's module imports for `spec`: IRQL rules, faults, tracing, then the implementation. */
  private wrap(spec: ImportSpec): (...args: number[]) => number | bigint | undefined {
    const fault = spec.fault;
    return (...raw: number[]) => {
      this.callStack.push(this.takeCallSite());
      try {
        return this.callImport(spec, fault, raw);
      } finally {
        this.callStack.pop();
      }
    };
  }

  private callImport(spec: ImportSpec, fault: ImportSpec['fault'], raw: number[]): number | bigint | undefined {
    this.calls++;
    this.refuel();
    this.checkNullPage(NULL_PAGE_QUICK_WORDS, spec.name, false);
    this.options.beforeCall?.(spec.name, () => this.site());
    // wasm passes i32 values to JS signed; NDIS handles and pointers are unsigned.
    const args = raw.map((v) => (typeof v === 'number' ? v >>> 0 : v));
    if (spec.maxIrql !== undefined && this.kernel.irql > spec.maxIrql) this.irqlViolation(spec, `at most ${spec.maxIrql}`);
    if (spec.exactIrql !== undefined && this.kernel.irql !== spec.exactIrql) this.irqlViolation(spec, `exactly ${spec.exactIrql}`);
    runCallChecks(this, spec, args);
    let result: number | bigint | void = undefined;
    let injected: string | undefined;
    if (fault) {
      const decision = this.faults.shouldFail(spec.name, () => this.callOffset() ?? -1);
      if (decision.fail) {
        injected = fault.label;
        this.emit({ kind: 'fault.injected', api: spec.name, call: decision.call, outcome: fault.label, ...siteFields(this.site()) });
        result = fault.kind === 'return' ? fault.value : fault.apply(this, args);
      }
    }
    this.callDepth++;
    try {
      if (injected === undefined) result = spec.impl(this, args);
    } finally {
      this.callDepth--;
    }
    if (this.tracing && !spec.quiet) {
      this.emit({
        kind: 'ndis.call',
        api: spec.name,
        args: spec.args.map((a, i) => `${a.name}=${formatValue(a.format, args[i] ?? 0)}`),
        ...(spec.result === 'void' ? {} : { result: formatResult(spec.result, result) }),
        irql: this.kernel.irql,
        ...siteFields(this.site()),
      });
    }
    return typeof result === 'bigint' || typeof result === 'number' ? result : undefined;
  }

  private irqlViolation(spec: ImportSpec, requirement: string): void {
    this.violation('IRQL-TABLE', `${spec.name} called at IRQL ${this.kernel.irql}; it must be called at IRQL ${requirement}`, {
      params: [this.kernel.irql, 0, 0],
    });
  }
}

/** Calls a driver function with its arguments spelled out (spreading them costs a generic wasm entry). */
function invoke(fn: (...a: number[]) => number | undefined, args: number[]): number | undefined {
  switch (args.length) {
    case 0:
      return fn();
    case 1:
      return fn(args[0]!);
    case 2:
      return fn(args[0]!, args[1]!);
    case 3:
      return fn(args[0]!, args[1]!, args[2]!);
    case 4:
      return fn(args[0]!, args[1]!, args[2]!, args[3]!);
    case 5:
      return fn(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!);
    default:
      return fn(...args);
  }
}

export function siteFields(site: SourceSite | undefined): { file?: string; line?: number } {
  return site ? { file: site.file, line: site.line } : {};
}

const STATUS_NAMES: Record<number, string> = {};
export function registerStatusNames(names: Record<string, number>): void {
  for (const [name, value] of Object.entries(names)) STATUS_NAMES[value >>> 0] ??= name;
}

export function formatValue(format: ArgFormat, value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  switch (format) {
    case 'u32':
      return String(value >>> 0);
    case 'i32':
      return String(value | 0);
    case 'bool':
      return value ? 'TRUE' : 'FALSE';
    case 'status':
      return STATUS_NAMES[value >>> 0] ?? hex(value);
    case 'tag': {
      const chars = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
      return `'${chars.map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('')}'`;
    }
    case 'ptr':
    case 'handle':
      return value === 0 ? 'NULL' : hex(value);
    default:
      return hex(value);
  }
}

function formatResult(format: ResultFormat, value: number | bigint | void): string {
  if (value === undefined) return '';
  if (typeof value === 'bigint') return value.toString();
  switch (format) {
    case 'status':
      return formatValue('status', value);
    case 'bool':
      return value ? 'TRUE' : 'FALSE';
    case 'u32':
      return String(value >>> 0);
    default:
      return value === 0 ? 'NULL' : hex(value);
  }
}
