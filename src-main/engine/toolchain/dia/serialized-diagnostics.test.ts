// Real clang (@yowasp/clang) writes the .dia files these tests read, so they pin down both our
// reader and what clang actually puts in the format.
import { runClang, runLLVM, type Tree } from '@yowasp/clang';
import { beforeAll, describe, expect, it } from 'vitest';
import { BitWriter } from './bit-writer.testing';
import { BitstreamError } from './bitstream';
import { readSerializedDiagnostics, type CompilerDiagnostic } from './serialized-diagnostics';

interface Compile {
  exitCode: number;
  dia: Uint8Array | undefined;
}

const quiet = { stdout: () => {}, stderr: () => {}, fetchProgress: () => {}, decodeASCII: false };

async function compile(files: Tree, args: string[]): Promise<Compile> {
  const argv = ['clang', '--target=wasm32', '-c', ...args, '--serialize-diagnostics', 'out.dia'];
  let exitCode = 0;
  let out: Tree | undefined;
  try {
    out = await runClang(argv, files, quiet);
  } catch (error) {
    const exit = error as { code?: number; files?: Tree };
    if (typeof exit.code !== 'number') throw error;
    exitCode = exit.code;
    out = exit.files;
  }
  const dia = out?.['out.dia'];
  if (dia !== undefined && !(dia instanceof Uint8Array)) throw new Error('out.dia was not returned as bytes');
  return { exitCode, dia };
}

/** Compiles `src/a.c` and parses the diagnostics clang serialized. */
async function diagnosticsOf(source: string, flags: string[] = [], extra: Tree = {}): Promise<CompilerDiagnostic[]> {
  const { dia } = await compile({ ...extra, src: { 'a.c': source } }, ['src/a.c', '-o', 'a.o', ...flags]);
  if (dia === undefined) throw new Error('clang wrote no .dia');
  return readSerializedDiagnostics(dia);
}

const none = { ranges: [], fixIts: [], notes: [] };

beforeAll(async () => {
  // Loads the ~105 MB toolchain once; runClang's own planning step would print fetch progress.
  await runLLVM(undefined, {}, { fetchProgress: () => {} });
}, 60_000);

describe('readSerializedDiagnostics on real clang output', () => {
  it('reads an error with its exact location and the span of the identifier', async () => {
    const diagnostics = await diagnosticsOf('int g(void) {\n\treturn undefined_var;\n}\n');
    const range = { file: 'src/a.c', line: 2, column: 9, endLine: 2, endColumn: 22 };
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message: "use of undeclared identifier 'undefined_var'",
        file: 'src/a.c',
        line: 2,
        column: 9, // a tab counts as one column
        endLine: 2,
        endColumn: 22, // exclusive: 'undefined_var' is 13 bytes from column 9
        category: 'Semantic Issue',
        ...none,
        ranges: [range],
      },
    ]);
  });

  it('reads warnings with their flag and category, in the order clang emitted them', async () => {
    const diagnostics = await diagnosticsOf('int f(void) {\n  int unused = 1;\n  return 0;\n}\n#warning hi there\n', ['-Wall']);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        message: 'hi there',
        file: 'src/a.c',
        line: 5,
        column: 2, // clang points at the directive name after '#', with no range
        endLine: 5,
        endColumn: 2,
        option: '-W#warnings',
        category: 'User-Defined Issue',
        ...none,
      },
      {
        severity: 'warning',
        message: "unused variable 'unused'",
        file: 'src/a.c',
        line: 2,
        column: 7,
        endLine: 2,
        endColumn: 13,
        option: '-Wunused-variable',
        category: 'Unused Entity Issue',
        ...none,
        ranges: [{ file: 'src/a.c', line: 2, column: 7, endLine: 2, endColumn: 13 }],
      },
    ]);
  });

  it('reads a fix-it inserting a missing semicolon', async () => {
    const [diagnostic, ...rest] = await diagnosticsOf('int f(int);\nvoid h(void) { f(0) }\n');
    const at = { file: 'src/a.c', line: 2, column: 20, endLine: 2, endColumn: 20 };
    expect(rest).toEqual([]);
    expect(diagnostic).toEqual({
      severity: 'error',
      message: "expected ';' after expression",
      ...at,
      category: 'Parse Issue',
      ranges: [at], // clang also sends the empty insertion point as a range
      fixIts: [{ range: at, replacement: ';' }],
      notes: [],
    });
  });

  it('nests "previous definition is here" under its error, pointing into the header', async () => {
    const diagnostics = await diagnosticsOf('#include "ndis.h"\nint x = 2;\n', ['-Iinclude'], {
      include: { 'ndis.h': '// NDIS\nint x = 1;\n' },
    });
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message: "redefinition of 'x'",
        file: 'src/a.c',
        line: 2,
        column: 5,
        endLine: 2,
        endColumn: 5,
        category: 'Semantic Issue',
        ...none,
        notes: [
          {
            severity: 'note',
            message: 'previous definition is here',
            file: 'include/ndis.h',
            line: 2,
            column: 5,
            endLine: 2,
            endColumn: 5,
            ...none,
          },
        ],
      },
    ]);
  });

  it("reports an error inside a header with the header's name and an include note", async () => {
    const diagnostics = await diagnosticsOf('// driver\n#include "ndis.h"\n', ['-Iinclude'], {
      include: { 'ndis.h': 'int ok;\nint bad = ;\n' },
    });
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message: 'expected expression',
        file: 'include/ndis.h',
        line: 2,
        column: 11,
        endLine: 2,
        endColumn: 11,
        category: 'Parse Issue',
        ...none,
        notes: [
          {
            // clang writes the include stack as a note located at the #include's file name
            severity: 'note',
            message: 'in file included from src/a.c:2:',
            file: 'src/a.c',
            line: 2,
            column: 10,
            endLine: 2,
            endColumn: 10,
            ...none,
          },
        ],
      },
    ]);
  });

  it('keeps ranges that do not contain the location out of the underline', async () => {
    const [diagnostic] = await diagnosticsOf('struct S { int a; };\nint f(struct S s, int b) { return s + b; }\n');
    expect(diagnostic).toMatchObject({ line: 2, column: 37, endLine: 2, endColumn: 37 });
    expect(diagnostic?.ranges).toEqual([
      { file: 'src/a.c', line: 2, column: 35, endLine: 2, endColumn: 36 },
      { file: 'src/a.c', line: 2, column: 39, endLine: 2, endColumn: 40 },
    ]);
  });

  it('reads fatal errors and macro-expansion notes', async () => {
    const fatal = await diagnosticsOf('#include "nosuch.h"\n');
    expect(fatal).toEqual([
      {
        severity: 'fatal',
        message: "'nosuch.h' file not found",
        file: 'src/a.c',
        line: 1,
        column: 10,
        endLine: 1,
        endColumn: 20,
        category: 'Lexical or Preprocessor Issue',
        ...none,
        ranges: [{ file: 'src/a.c', line: 1, column: 10, endLine: 1, endColumn: 20 }],
      },
    ]);
    const [macro] = await diagnosticsOf('#define USE(x) ((x) + nope)\nint f(int a) { return USE(a); }\n');
    expect(macro?.notes).toEqual([
      {
        severity: 'note',
        message: "expanded from macro 'USE'",
        file: 'src/a.c',
        line: 1,
        column: 23,
        endLine: 1,
        endColumn: 27,
        ...none,
        ranges: [{ file: 'src/a.c', line: 1, column: 23, endLine: 1, endColumn: 27 }],
      },
    ]);
  });

  it('reads a command-line warning that has no location', async () => {
    const diagnostics = await diagnosticsOf('int f(void) { return 0; }\n', ['-Wno-such-warning']);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        message: "unknown warning option '-Wno-such-warning'; did you mean '-Wno-#warnings'?",
        file: '',
        line: 0,
        column: 0,
        endLine: 0,
        endColumn: 0,
        option: '-Wunknown-warning-option',
        ...none,
      },
    ]);
  });

  it("reads the driver's own errors, which have no location, and their location-less notes", async () => {
    const unknown = await compile({ src: { 'a.c': '' } }, ['src/a.c', '-fno-such-flag']);
    expect(unknown.exitCode).toBe(1);
    const noLocation = { file: '', line: 0, column: 0, endLine: 0, endColumn: 0 };
    expect(readSerializedDiagnostics(unknown.dia ?? new Uint8Array())).toEqual([
      { severity: 'error', message: "unknown argument: '-fno-such-flag'", ...noLocation, ...none },
    ]);
    const [std, ...rest] = await diagnosticsOf('', ['-std=c77']);
    expect(rest).toEqual([]);
    expect(std).toMatchObject({ severity: 'error', message: "invalid value 'c77' in '-std=c77'", ...noLocation });
    expect(std?.notes.length).toBeGreaterThan(10);
    expect(std?.notes[0]).toEqual({
      severity: 'note',
      message: "use 'c89', 'c90', or 'iso9899:1990' for 'ISO C 1990' standard",
      ...noLocation,
      ...none,
    });
  });

  it('writes a .dia with no diagnostics on a clean compile', async () => {
    const { exitCode, dia } = await compile({ src: { 'a.c': 'int f(void) { return 1; }\n' } }, ['src/a.c', '-o', 'a.o', '-Wall']);
    expect(exitCode).toBe(0);
    // Clang always writes the preamble (magic, BLOCKINFO, META) even when there is nothing to say.
    expect(dia).toBeInstanceOf(Uint8Array);
    expect(readSerializedDiagnostics(dia ?? new Uint8Array())).toEqual([]);
  });

  it('needs one .dia per translation unit: several inputs overwrite each other', async () => {
    const files = { src: { 'a.c': 'int f(void) { int u; return 1; }\n', 'b.c': 'int g(void) { return y; }\n' } };
    const a = readSerializedDiagnostics((await compile(files, ['src/a.c', '-o', 'a.o', '-Wall'])).dia ?? new Uint8Array());
    const b = readSerializedDiagnostics((await compile(files, ['src/b.c', '-o', 'b.o', '-Wall'])).dia ?? new Uint8Array());
    expect(a.map((d) => [d.file, d.line, d.option])).toEqual([['src/a.c', 1, '-Wunused-variable']]);
    expect(b.map((d) => [d.file, d.line, d.message])).toEqual([['src/b.c', 1, "use of undeclared identifier 'y'"]]);
    // @yowasp/clang's runClang plans with `clang -###` and runs each cc1 itself, so the driver never
    // merges the per-input files: each cc1 rewrites out.dia and only the last input's survives.
    const { dia } = await compile(files, ['src/a.c', 'src/b.c', '-Wall']);
    expect(readSerializedDiagnostics(dia ?? new Uint8Array()).map((d) => d.file)).toEqual(['src/b.c']);
  });

  it('parses 100+ diagnostics well under 5 ms', async () => {
    const body = Array.from({ length: 120 }, (_, i) => `  int unused${i};`).join('\n');
    const { dia } = await compile({ src: { 'a.c': `void f(void) {\n${body}\n}\n` } }, ['src/a.c', '-o', 'a.o', '-Wall']);
    const bytes = dia ?? new Uint8Array();
    expect(readSerializedDiagnostics(bytes)).toHaveLength(120);
    // Each parse timed alone; the fastest shows the parser's cost, since on a small machine the
    // other test workers and the toolchain's background wasm tier-up preempt some runs.
    const times = Array.from({ length: 40 }, () => {
      const start = performance.now();
      readSerializedDiagnostics(bytes);
      return performance.now() - start;
    }).sort((x, y) => x - y);
    expect(times[0]).toBeLessThan(1);
  });
});

describe('readSerializedDiagnostics on corrupt input', () => {
  let real: Uint8Array;
  let full: CompilerDiagnostic[];

  beforeAll(async () => {
    const source = 'int f(int *p) {\n  int unused = 1;\n  return *p\n}\n#warning hi\nint g(void) { return nope; }\n';
    const { dia } = await compile({ src: { 'a.c': source } }, ['src/a.c', '-o', 'a.o', '-Wall']);
    if (dia === undefined) throw new Error('clang wrote no .dia');
    real = dia;
    full = readSerializedDiagnostics(real);
  }, 60_000);

  it('rejects a wrong magic number and empty input', () => {
    const bitcode = new Uint8Array([0x42, 0x43, 0xc0, 0xde, 0, 0, 0, 0]);
    expect(() => readSerializedDiagnostics(bitcode)).toThrow(/expected magic 'DIAG', found "BCÀÞ" at bit 0/);
    expect(() => readSerializedDiagnostics(new Uint8Array())).toThrow(/expected magic 'DIAG', found "" at bit 0/);
  });

  it.each([
    ['a newer format version', diaFile((w) => w.enterBlock(8, 3).unabbreviated(1, [3]).endBlock()), /version 3 is newer than the supported 2 at bit 96$/],
    ['a META block without version', diaFile((w) => w.enterBlock(8, 3).endBlock()), /META block has no VERSION record at bit 32$/],
    ['a DIAG block without DIAG record', diaFile((w) => meta(w).enterBlock(9, 3).endBlock()), /DIAG block ends without a DIAG record at bit \d+$/],
    ['an undefined file id', diaFile((w) => meta(w).enterBlock(9, 3).unabbreviated(3, [7, 1, 1, 0, 7, 1, 2, 0]).endBlock()), /refers to file id 7, which was never defined at bit \d+$/],
    ['a DIAG record of the wrong size', diaFile((w) => meta(w).enterBlock(9, 3).unabbreviated(2, [3, 0]).endBlock()), /DIAG record has 2 fields, expected 8 at bit \d+$/],
    ['a record at the top level', diaFile((w) => meta(w).unabbreviated(2, [])), /unexpected record at the top level at bit \d+$/],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => readSerializedDiagnostics(bytes)).toThrow(message);
  });

  it('reads a hand-written file: other abbreviations, a remark, an unabbreviated range, an unknown record', () => {
    const bytes = diaFile((w) => {
      meta(w).enterBlock(9, 3);
      w.defineAbbrev([6, ['fixed', 10], ['fixed', 32], ['fixed', 32], ['fixed', 16], 'blob']);
      w.abbreviated(4).fixed(1, 10).fixed(0, 32).fixed(0, 32).fixed(5, 16).blob('x/y.c');
      w.defineAbbrev([2, ['fixed', 3], ['vbr', 6], ['vbr', 6], ['vbr', 6], ['vbr', 6], ['vbr', 6], ['vbr', 6], ['vbr', 6], 'blob']);
      w.abbreviated(5).fixed(5, 3).vbr(1, 6).vbr(3, 6).vbr(4, 6).vbr(0, 6).vbr(0, 6).vbr(0, 6).vbr(4, 6).blob('hmm!');
      w.unabbreviated(3, [1, 3, 2, 0, 1, 3, 9, 0]).unabbreviated(8, [1, 2, 3]).endBlock();
    });
    expect(readSerializedDiagnostics(bytes)).toEqual([
      {
        severity: 'remark',
        message: 'hmm!',
        file: 'x/y.c',
        line: 3,
        column: 4,
        endLine: 3,
        endColumn: 9,
        ranges: [{ file: 'x/y.c', line: 3, column: 2, endLine: 3, endColumn: 9 }],
        fixIts: [],
        notes: [],
      },
    ]);
  });

  it('rejects the magic alone: no META block', () => {
    expect(() => readSerializedDiagnostics(real.subarray(0, 4))).toThrow('serialized diagnostics have no META block with a version at bit 32');
  });

  it('names truncation and its bit offset for every cut inside a block', () => {
    expect(() => readSerializedDiagnostics(real.subarray(0, 300))).toThrow(
      /^block 9 declares \d+ words, more than the data holds \(file truncated\?\); the block starts at bit \d+$/,
    );
    expect(full.map((d) => d.severity)).toEqual(['error', 'warning', 'error']);
    let intact = 0;
    for (let length = 5; length < real.length; length++) {
      let result: CompilerDiagnostic[];
      try {
        result = readSerializedDiagnostics(real.subarray(0, length));
      } catch (error) {
        expect(error).toBeInstanceOf(BitstreamError);
        expect((error as Error).message).toMatch(/(truncated\?\)|no META block).* at bit \d+$/);
        continue;
      }
      // A cut exactly between two top-level DIAG blocks leaves a valid, shorter file.
      expect(full.slice(0, result.length)).toEqual(result);
      expect(result.length).toBeLessThan(full.length);
      intact++;
    }
    // Cuts right after META and after each DIAG block but the last.
    expect(intact).toBe(full.length);
  });

  it('throws a BitstreamError, never anything else or a hang, on random and bit-flipped input', () => {
    const random = seededRandom(42);
    const outcomes = { parsed: 0, rejected: 0 };
    const attempt = (bytes: Uint8Array): void => {
      try {
        readSerializedDiagnostics(bytes);
        outcomes.parsed++;
      } catch (error) {
        if (!(error instanceof BitstreamError)) throw error;
        expect(error.message).toMatch(/ at bit \d+$/);
        outcomes.rejected++;
      }
    };
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 4 + Math.floor(random() * 400) }, () => Math.floor(random() * 256));
      bytes.set([0x44, 0x49, 0x41, 0x47]);
      attempt(bytes);
    }
    for (let bit = 32; bit < real.length * 8; bit++) {
      const flipped = real.slice();
      flipped[bit >>> 3] = (flipped[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
      attempt(flipped);
    }
    // Flips inside message text still parse; flips in the structure are caught.
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(2000);
  });
});

/** A small deterministic generator (mulberry32), so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The magic, then what `body` writes. */
function diaFile(body: (writer: BitWriter) => void): Uint8Array {
  const writer = new BitWriter().bytesOf('DIAG');
  body(writer);
  return writer.finish();
}

/** A META block with clang's version 2. */
function meta(writer: BitWriter): BitWriter {
  return writer.enterBlock(8, 3).unabbreviated(1, [2]).endBlock();
}
