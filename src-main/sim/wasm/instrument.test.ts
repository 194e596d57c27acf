// Real clang output, instrumented and run in V8: the fuel check must trap on time, leave results
// unchanged, keep the DWARF usable through toOriginalOffset, and let the host refill the fuel.
/* eslint-disable no-restricted-imports -- the test builds real drivers and reads their DWARF with the engine's toolchain; instrument.ts itself stays in the simulator layer */
import { runClang, runLLVM } from '@yowasp/clang';
import { beforeAll, describe, expect, it } from 'vitest';
import { findRow, lookupModuleOffset, readLineTable, wasmFrameOffset, type LineTable } from '../../engine/toolchain/dwarf/line-table';
import { loadTestBuilder, readExample } from '../../engine/toolchain/testing';
import { readCodeSection } from './code';
import { instrumentLoops, type InstrumentedModule } from './instrument';
import { encodeU32 } from './reader';
import { countImportedFunctions, readSections, SECTION } from './sections';

const quiet = { stdout: () => {}, stderr: () => {}, fetchProgress: () => {}, decodeASCII: false };

async function compile(source: string, flags: string[] = []): Promise<Uint8Array> {
  const argv = ['clang', '--target=wasm32', '-nostdlib', '-O1', '-gline-tables-only', ...flags];
  const link = ['-Wl,--no-entry', '-Wl,--export-table', '-Wl,--allow-undefined', 'src/a.c', '-o', 'a.wasm'];
  const out = await runClang([...argv, ...link], { src: { 'a.c': source } }, quiet);
  const wasm = out?.['a.wasm'];
  if (!(wasm instanceof Uint8Array)) throw new Error('clang wrote no a.wasm');
  return wasm;
}

const SPIN_BODY_LINE = 7;
const LOOPS_C = `
volatile int counter;
__attribute__((export_name("counter_addr"))) volatile int *counter_addr(void) { return &counter; }

__attribute__((export_name("spin"))) void spin(void) {
  for (;;) {
    counter++;
  }
}

__attribute__((export_name("nested"))) int nested(int n) {
  int s = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) s += (i ^ j) * 3 + (s >> 7);
  return s;
}

__attribute__((export_name("classify"))) int classify(int n) {
  int s = 1;
  for (int i = 0; i < n; i++) {
    switch ((i * 7 + s) & 7) {
      case 0: s += 3; break;
      case 1: s ^= i; break;
      case 2: s -= 17; break;
      case 3: s = s * 3 + 1; break;
      case 4: s += i * i; break;
      case 5: s >>= 1; break;
      case 6: s = ~s; break;
      default: s += 11;
    }
  }
  return s;
}

__attribute__((import_module("host"), import_name("step"))) int host_step(int calls);

__attribute__((export_name("poll"))) int poll(int limit) {
  int calls = 0;
  while (host_step(calls) < limit) calls++;
  return calls;
}
`;

type IntFunction = (...args: number[]) => number;

interface Running {
  exports: WebAssembly.Exports;
  call(name: string, ...args: number[]): number;
  fuel: WebAssembly.Global | undefined;
}

function run(wasm: Uint8Array, fuelExport?: string, hostStep: IntFunction = (calls) => calls): Running {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), { host: { step: hostStep as WebAssembly.WasmFunction } });
  const exports = instance.exports;
  return {
    exports,
    call: (name, ...args) => (exports[name] as IntFunction)(...args),
    fuel: fuelExport === undefined ? undefined : (exports[fuelExport] as WebAssembly.Global),
  };
}

let original: Uint8Array;
let instrumented: InstrumentedModule;

beforeAll(async () => {
  // Loads the toolchain once, quietly: runClang's planning step would print fetch progress.
  await runLLVM(undefined, {}, { fetchProgress: () => {} });
  original = await compile(LOOPS_C);
  instrumented = instrumentLoops(original);
}, 120_000);

describe('instrumentLoops on clang output', () => {
  it('produces a valid module with one fuel check per loop', () => {
    expect(WebAssembly.validate(instrumented.wasm)).toBe(true);
    expect(instrumented.fuelGlobalExport).toBe('__lab_fuel');
    // spin, nested (two), classify, poll.
    expect(instrumented.loops).toBeGreaterThanOrEqual(5);
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(instrumented.wasm));
    expect(exported).toContainEqual({ name: '__lab_fuel', kind: 'global' });
  });

  it('traps an endless loop when the fuel runs out, at the N-th loop entry', () => {
    const m = run(instrumented.wasm, instrumented.fuelGlobalExport);
    const counter = new Int32Array((m.exports['memory'] as WebAssembly.Memory).buffer, m.call('counter_addr'), 1);
    for (const fuel of [1, 2, 1000, 123_457]) {
      counter[0] = 0;
      m.fuel!.value = fuel;
      expect(() => m.call('spin')).toThrow(new WebAssembly.RuntimeError('unreachable'));
      // The check runs on entering the loop body: entry N finds the fuel at 0 before its increment.
      expect(counter[0]).toBe(fuel - 1);
      expect(m.fuel!.value).toBe(0);
    }
  });

  it('leaves results unchanged when the fuel suffices', () => {
    const before = run(original);
    const after = run(instrumented.wasm, instrumented.fuelGlobalExport);
    for (const [name, arg] of [['nested', 0], ['nested', 1], ['nested', 200], ['classify', 0], ['classify', 5000], ['poll', 300]] as const) {
      after.fuel!.value = 1_000_000;
      expect(after.call(name, arg), `${name}(${arg})`).toBe(before.call(name, arg));
    }
  });

  it('maps the trap back to the source line of the loop through the original DWARF', () => {
    const m = run(instrumented.wasm, instrumented.fuelGlobalExport);
    m.fuel!.value = 10;
    let stack = '';
    try {
      m.call('spin');
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    const frame = stack.split('\n').find((line) => wasmFrameOffset(line) !== undefined);
    expect(frame, stack).toBeDefined();
    const originalOffset = instrumented.toOriginalOffset(wasmFrameOffset(frame!)!);
    expect(original[originalOffset]).toBe(0x03); // the loop instruction
    const table = readLineTable(original);
    expect(lookupModuleOffset(table, originalOffset)?.file).toBe('src/a.c');
    // clang gives the loop instruction no row of its own: it falls under the row before it (here the
    // function's opening line), so the loop's line is that of the first line-bearing row after it.
    expect(firstLineAfter(table, originalOffset)).toBe(SPIN_BODY_LINE);
  });

  it('lets an import called inside a loop refill the fuel', () => {
    const fuelPerCall = 3;
    const refilling: Running = run(instrumented.wasm, instrumented.fuelGlobalExport, (calls) => {
      refilling.fuel!.value = fuelPerCall;
      return calls;
    });
    refilling.fuel!.value = fuelPerCall;
    expect(refilling.call('poll', 500)).toBe(500);

    const starving = run(instrumented.wasm, instrumented.fuelGlobalExport);
    starving.fuel!.value = fuelPerCall;
    expect(() => starving.call('poll', 500)).toThrow(new WebAssembly.RuntimeError('unreachable'));
  });

  it('maps every loop, every function end and every fuel check back to the original', () => {
    const before = codeOf(original);
    const after = codeOf(instrumented.wasm);
    const map = instrumented.toOriginalOffset;
    const checkLength = 14; // with a one-byte global index
    const markerLength = 4; // i32.const <one-byte marker>; global.set <one-byte index>
    const calls = importCallsOf(original);
    after.bodies.forEach((body, i) => {
      const old = before.bodies[i]!;
      expect(body.end - body.start).toBe(old.end - old.start + checkLength * old.loopOpcodes.length + markerLength * calls.bodies[i]!.importCalls.length);
      expect(body.loopOpcodes.map(map)).toEqual(old.loopOpcodes);
      // The first and last byte of each inserted check map to the loop it follows.
      expect(body.loopBodies.map(map)).toEqual(old.loopOpcodes);
      expect(body.loopBodies.map((at) => map(at + checkLength - 1))).toEqual(old.loopOpcodes);
      // The first instruction after a check is original code again.
      expect(body.loopBodies.map((at) => map(at + checkLength))).toEqual(old.loopBodies);
      expect(map(body.end - 1)).toBe(old.end - 1);
      expect(map(body.start)).toBe(old.start);
    });
  });
});

function importCallsOf(wasm: Uint8Array): ReturnType<typeof readCodeSection> {
  const sections = readSections(wasm);
  const imports = sections.find((s) => s.id === SECTION.import);
  return readCodeSection(wasm, sections.find((s) => s.id === SECTION.code)!, imports ? countImportedFunctions(wasm, imports) : 0);
}

describe('call-site markers', () => {
  it('every call of an import sets the site global to a marker that names that call, as the JS stack does', () => {
    const seen: Array<{ marker: number; stack: number | undefined }> = [];
    const globals: { site?: WebAssembly.Global } = {};
    const running = run(instrumented.wasm, instrumented.fuelGlobalExport, (calls) => {
      seen.push({ marker: globals.site!.value as number, stack: wasmFrameOffset(new Error().stack ?? '') });
      globals.site!.value = 0;
      return calls;
    });
    globals.site = running.exports[instrumented.siteGlobalExport] as WebAssembly.Global;
    running.fuel!.value = 1_000_000;
    expect(running.call('poll', 3)).toBe(3);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const call of seen) {
      expect(call.marker).toBeGreaterThan(0);
      expect(instrumented.callSiteOffsets[call.marker]).toBe(call.stack);
    }
    // Marker offsets map back to the original module's call instructions.
    const originalCalls = importCallsOf(original).bodies.flatMap((b) => b.importCalls);
    expect([...instrumented.callSiteOffsets.subarray(1)].map(instrumented.toOriginalOffset)).toEqual(originalCalls);
  });
});

/** The line of the first row after the one covering a module offset that names a line. */
function firstLineAfter(table: LineTable, moduleOffset: number): number | undefined {
  let row = findRow(table, moduleOffset - table.codeSectionOffset) + 1;
  while (row < table.line.length && (table.line[row] === 0 || table.endSequence[row] === 1)) row++;
  return table.line[row];
}

function codeOf(wasm: Uint8Array): ReturnType<typeof readCodeSection> {
  return readCodeSection(wasm, readSections(wasm).find((s) => s.id === SECTION.code)!);
}

describe('instrumentLoops on other clang features', () => {
  it('walks SIMD and bulk-memory code exactly', async () => {
    const source = `
typedef int v4 __attribute__((vector_size(16)));
typedef unsigned char v16 __attribute__((vector_size(16)));
__attribute__((export_name("simd"))) int simd(int n) {
  v4 acc = {1, 2, 3, 4};
  v16 bytes = {0};
  for (int i = 0; i < n; i++) {
    acc = acc * 3 + (v4){i, i, i, i};
    acc[i & 3] ^= i;
    bytes = __builtin_shufflevector(bytes, (v16)acc, 31, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14);
  }
  return acc[0] + acc[1] + acc[2] + acc[3] + bytes[3] + bytes[10];
}
static char buffer[4096];
__attribute__((export_name("bulk"))) int bulk(int n) {
  int sum = 0;
  for (int i = 0; i < n; i++) {
    __builtin_memcpy(buffer + 2048, buffer + (i & 511), (unsigned)n);
    __builtin_memset(buffer + (i & 1023), i, (unsigned)(n & 63));
    sum += buffer[2048 + i / 2];
  }
  return sum;
}`;
    const wasm = await compile(source, ['-msimd128', '-mbulk-memory']);
    const result = instrumentLoops(wasm);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
    const before = run(wasm);
    const after = run(result.wasm, result.fuelGlobalExport);
    after.fuel!.value = 1_000_000;
    for (const [name, arg] of [['simd', 100], ['bulk', 300]] as const) {
      expect(after.call(name, arg)).toBe(before.call(name, arg));
    }
  }, 60_000);

  it('instruments a module without loops without changing its code', async () => {
    const wasm = await compile('__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }');
    const result = instrumentLoops(wasm);
    expect(result.loops).toBe(0);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
    expect(run(result.wasm).call('add', 2, 40)).toBe(42);
  }, 60_000);
});

// Hand-made modules: the corner cases of the section layout that clang never produces.
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function section(id: number, ...entries: number[][]): number[] {
  const payload = [...encodeU32(entries.length), ...entries.flat()];
  return [id, ...encodeU32(payload.length), ...payload];
}

function name(text: string): number[] {
  return [...encodeU32(text.length), ...new TextEncoder().encode(text)];
}

function body(locals: number[][], code: number[]): number[] {
  const bytes = [...encodeU32(locals.length), ...locals.flat(), ...code];
  return [...encodeU32(bytes.length), ...bytes];
}

const TYPE_I32_TO_I32 = [0x60, 1, 0x7f, 1, 0x7f];
/** count(n): increments a local until it reaches n, in one loop; returns the local. */
const COUNT_BODY = body(
  [[1, 0x7f]],
  [0x03, 0x40, 0x20, 1, 0x41, 1, 0x6a, 0x21, 1, 0x20, 1, 0x20, 0, 0x48, 0x0d, 0, 0x0b, 0x20, 1, 0x0b],
);

function module(...sections: number[][]): Uint8Array {
  return Uint8Array.from([...HEADER, ...sections.flat()]);
}

function sectionIds(wasm: Uint8Array): number[] {
  return readSections(wasm).map((s) => s.id);
}

describe('instrumentLoops on hand-made modules', () => {
  it('creates the Global and Export sections, in order, when the module has neither', () => {
    const wasm = module(section(1, TYPE_I32_TO_I32), section(3, [0]), section(10, COUNT_BODY));
    const result = instrumentLoops(wasm);
    expect(result.loops).toBe(1);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
    expect(sectionIds(result.wasm)).toEqual([1, 3, 6, 7, 10]);
    expect(WebAssembly.Module.exports(new WebAssembly.Module(result.wasm))).toEqual([
      { name: '__lab_fuel', kind: 'global' },
      { name: '__lab_site', kind: 'global' },
    ]);
  });

  it('adds the global after imported and defined globals, leaving their indices alone', () => {
    // Imports env.base (i32), defines (mut i32) 7; count(n) as function 0, and get() returns global 1.
    const wasm = module(
      section(1, TYPE_I32_TO_I32, [0x60, 0, 1, 0x7f]),
      section(2, [...name('env'), ...name('base'), 0x03, 0x7f, 0x00]),
      section(3, [0], [1]),
      section(6, [0x7f, 0x01, 0x41, 7, 0x0b]),
      section(7, [...name('count'), 0x00, 0], [...name('get'), 0x00, 1]),
      section(10, COUNT_BODY, body([], [0x23, 1, 0x0b])),
    );
    const result = instrumentLoops(wasm);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
    expect(sectionIds(result.wasm)).toEqual([1, 2, 3, 6, 7, 10]);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(result.wasm), { env: { base: 5 } });
    const fuel = instance.exports['__lab_fuel'] as WebAssembly.Global;
    expect((instance.exports['get'] as IntFunction)()).toBe(7);
    fuel.value = 4;
    expect((instance.exports['count'] as IntFunction)(3)).toBe(3);
    fuel.value = 4;
    expect(() => (instance.exports['count'] as IntFunction)(4)).toThrow(new WebAssembly.RuntimeError('unreachable'));
  });

  it('keeps custom sections and maps offsets after the new sections', () => {
    const payload = [...name('note'), 1, 2, 3];
    const custom = [0, ...encodeU32(payload.length), ...payload];
    const wasm = module(section(1, TYPE_I32_TO_I32), custom, section(3, [0]), section(10, COUNT_BODY), custom);
    const result = instrumentLoops(wasm);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
    expect(sectionIds(result.wasm)).toEqual([1, 0, 3, 6, 7, 10, 0]);
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(result.wasm), 'note')).toHaveLength(2);
    // The new sections come before Code, so every offset in it shifts.
    const loopAt = codeOf(result.wasm).bodies[0]!.loopOpcodes[0]!;
    expect(result.toOriginalOffset(loopAt)).toBe(codeOf(wasm).bodies[0]!.loopOpcodes[0]);
    expect(result.toOriginalOffset(loopAt)).toBeLessThan(loopAt);
  });

  it('rejects garbage and truncated input with the offset', () => {
    expect(() => instrumentLoops(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/Malformed wasm module at offset 0x0: not a wasm module/);
    const whole = module(section(1, TYPE_I32_TO_I32), section(3, [0]), section(10, COUNT_BODY));
    expect(() => instrumentLoops(whole.subarray(0, whole.length - 3))).toThrow(/at offset 0x[0-9a-f]+: .*truncated module/);
    const unknown = module(section(1, TYPE_I32_TO_I32), section(3, [0]), section(10, body([], [0xff, 0x0b])));
    expect(() => instrumentLoops(unknown)).toThrow(/at offset 0x19: unknown opcode 0xff/);
  });

  it('rejects exception handling and atomics by name', () => {
    const withCode = (code: number[]): Uint8Array => module(section(1, TYPE_I32_TO_I32), section(3, [0]), section(10, body([], code)));
    expect(() => instrumentLoops(withCode([0x06, 0x40, 0x0b, 0x0b]))).toThrow(/exception-handling instruction 0x6 is not supported/);
    expect(() => instrumentLoops(withCode([0xfe, 0x10, 0x02, 0x00, 0x0b]))).toThrow(/atomic instruction 0xfe 0x10 is not supported/);
  });

  it('refuses a module that is already instrumented', () => {
    const once = instrumentLoops(module(section(1, TYPE_I32_TO_I32), section(3, [0]), section(10, COUNT_BODY)));
    expect(() => instrumentLoops(once.wasm)).toThrow(/already exports '__lab_fuel'/);
  });
});

describe('instrumentLoops on the sample driver', () => {
  it('validates, and takes a few milliseconds', async () => {
    const { builder } = await loadTestBuilder();
    const built = builder.build({ files: readExample('wdk-sample-miniport'), implementedImports: null });
    expect(built.ok).toBe(true);
    const wasm = built.wasm!;
    instrumentLoops(wasm); // warm up the JIT before timing
    const start = performance.now();
    const result = instrumentLoops(wasm);
    const ms = performance.now() - start;
    console.log(`instrumented ${result.loops} loops of a ${wasm.length}-byte driver in ${ms.toFixed(2)} ms`);
    expect(result.loops).toBeGreaterThan(0);
    expect(WebAssembly.validate(result.wasm)).toBe(true);
  }, 120_000);
});
