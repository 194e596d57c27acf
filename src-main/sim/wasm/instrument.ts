// Call-site markers: before every call of an imported function, `i32.const <marker>; global.set
// $site` records which call this is, so the simulator knows the driver's source line of an NDIS
// call by reading one global instead of walking the JS stack (which costs microseconds per call).
//
// Loop fuel: a driver stuck in a loop that never calls an import would never give the simulator
// control back. Every loop header gets a countdown on an exported global that traps when it reaches
// zero; the simulator sets the fuel before each call into the driver and refills it at each import
// call. Only loops: unbounded recursion already traps on stack overflow.
//
// All other bytes are copied unchanged, DWARF included, so the DWARF keeps describing the original
// module; toOriginalOffset maps a stack frame's offset back to it.

import { readCodeSection, type CodeSection } from './code';
import { ModuleWriter } from './module-writer';
import { encodeU32 } from './reader';
import {
  countImportedFunctions,
  countImportedGlobals,
  EXPORT_KIND_GLOBAL,
  HEADER_SIZE,
  readCount,
  readExportNames,
  readSections,
  SECTION,
  sectionRank,
  type Section,
} from './sections';

export interface InstrumentedModule {
  /** The rewritten module. */
  wasm: Uint8Array;
  /** Name of the exported mutable i32 global holding the fuel. */
  fuelGlobalExport: string;
  /** How many loop headers were instrumented. */
  loops: number;
  /** Name of the exported mutable i32 global a call of an import sets to its marker (0: none). */
  siteGlobalExport: string;
  /** Marker → module offset (rewritten, as in stack frames) of the marked `call` instruction; index 0 unused. */
  callSiteOffsets: Uint32Array;
  /**
   * Maps a module offset in the rewritten module (as in V8 wasm stack frames,
   * 'wasm-function[3]:0x1a2') to the offset of the same instruction in the original module, so the
   * original DWARF line table applies. Offsets inside an inserted fuel check map to its `loop`.
   */
  toOriginalOffset(rewrittenOffset: number): number;
}

export const FUEL_GLOBAL_EXPORT = '__lab_fuel';
export const SITE_GLOBAL_EXPORT = '__lab_site';

const utf8 = new TextEncoder();

export function instrumentLoops(original: Uint8Array): InstrumentedModule {
  const sections = readSections(original);
  const find = (id: number): Section | undefined => sections.find((s) => s.id === id);
  const fuelIndex = fuelGlobalIndex(original, find(SECTION.import), find(SECTION.global));
  const exports = find(SECTION.export);
  if (exports !== undefined && readExportNames(original, exports).some((n) => n === FUEL_GLOBAL_EXPORT || n === SITE_GLOBAL_EXPORT)) {
    throw new Error(`The module already exports '${FUEL_GLOBAL_EXPORT}' (instrumented twice?)`);
  }
  const imports = find(SECTION.import);
  const importedFunctions = imports === undefined ? 0 : countImportedFunctions(original, imports);
  const codeSection = find(SECTION.code);
  const code = codeSection === undefined ? undefined : readCodeSection(original, codeSection, importedFunctions);

  const writer = new ModuleWriter(original);
  writer.copy(0, HEADER_SIZE);
  const rewrite = new SectionRewriter(original, writer, fuelIndex);
  for (const section of sections) {
    rewrite.addMissingSectionsBefore(section);
    if (section.id === SECTION.global) rewrite.appendEntries(section, [FUEL_GLOBAL, FUEL_GLOBAL]);
    else if (section.id === SECTION.export) rewrite.appendEntries(section, [globalExport(FUEL_GLOBAL_EXPORT, fuelIndex), globalExport(SITE_GLOBAL_EXPORT, fuelIndex + 1)]);
    else if (section.id === SECTION.code && code !== undefined) rewrite.code(section, code);
    else writer.copy(section.start, section.end);
  }
  rewrite.addMissingSectionsBefore(undefined);

  const { wasm, toOriginalOffset, toRewrittenOffset } = writer.finish();
  const loops = code?.bodies.reduce((sum, body) => sum + body.loopOpcodes.length, 0) ?? 0;
  const calls = code?.bodies.flatMap((body) => body.importCalls) ?? [];
  const callSiteOffsets = new Uint32Array(calls.length + 1);
  calls.forEach((at, i) => {
    callSiteOffsets[i + 1] = Math.max(0, toRewrittenOffset(at));
  });
  return { wasm, fuelGlobalExport: FUEL_GLOBAL_EXPORT, loops, siteGlobalExport: SITE_GLOBAL_EXPORT, callSiteOffsets, toOriginalOffset };
}

/** The new global goes after all imported and defined globals, so no existing index changes. */
function fuelGlobalIndex(wasm: Uint8Array, imports: Section | undefined, globals: Section | undefined): number {
  const imported = imports === undefined ? 0 : countImportedGlobals(wasm, imports);
  return imported + (globals === undefined ? 0 : readCount(wasm, globals).count);
}

/** (global (mut i32) (i32.const 0)): the fuel, then the call-site marker. */
const FUEL_GLOBAL = [0x7f, 0x01, 0x41, 0x00, 0x0b];

function globalExport(name: string, index: number): number[] {
  const bytes = utf8.encode(name);
  return [...encodeU32(bytes.length), ...bytes, EXPORT_KIND_GLOBAL, ...encodeU32(index)];
}

/** Signed LEB128, as i32.const takes it. */
function encodeS32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** i32.const marker; global.set $site */
function siteMarker(siteIndex: number, marker: number): Uint8Array {
  return Uint8Array.from([0x41, ...encodeS32(marker), 0x24, ...encodeU32(siteIndex)]);
}

/**
 * global.get $fuel; i32.const 1; i32.sub; global.set $fuel; global.get $fuel; i32.eqz;
 * if; unreachable; end. Wasm has no global.tee, hence the second global.get: the check needs no
 * new local, so the locals of every function stay as they are.
 */
function fuelCheck(fuelIndex: number): Uint8Array {
  const get = [0x23, ...encodeU32(fuelIndex)];
  const set = [0x24, ...encodeU32(fuelIndex)];
  return Uint8Array.from([...get, 0x41, 0x01, 0x6b, ...set, ...get, 0x45, 0x04, 0x40, 0x00, 0x0b]);
}

class SectionRewriter {
  private globalMissing = true;
  private exportMissing = true;
  private readonly check: Uint8Array;

  constructor(
    private readonly original: Uint8Array,
    private readonly writer: ModuleWriter,
    private readonly fuelIndex: number,
  ) {
    this.check = fuelCheck(fuelIndex);
  }

  /**
   * Creates the Global and Export sections if the module has none, before the first known section
   * that must follow them (`undefined`: at the end of the module).
   */
  addMissingSectionsBefore(next: Section | undefined): void {
    if (next?.id === SECTION.global) this.globalMissing = false;
    if (next?.id === SECTION.export) this.exportMissing = false;
    const nextRank = next === undefined ? Infinity : sectionRank(next.id);
    if (nextRank === undefined) return; // a custom section: the known one after it decides
    const anchor = next?.start ?? this.original.length;
    if (this.globalMissing && nextRank > (sectionRank(SECTION.global) as number)) {
      this.writer.insert(sectionBytes(SECTION.global, [2, ...FUEL_GLOBAL, ...FUEL_GLOBAL]), anchor);
      this.globalMissing = false;
    }
    if (this.exportMissing && nextRank > (sectionRank(SECTION.export) as number)) {
      this.writer.insert(sectionBytes(SECTION.export, [2, ...globalExport(FUEL_GLOBAL_EXPORT, this.fuelIndex), ...globalExport(SITE_GLOBAL_EXPORT, this.fuelIndex + 1)]), anchor);
      this.exportMissing = false;
    }
  }

  /** Rewrites a vector section (Global, Export) with more entries at its end. */
  appendEntries(section: Section, entries: number[][]): void {
    const { count, entriesStart } = readCount(this.original, section);
    const newCount = encodeU32(count + entries.length);
    const added = entries.flat();
    const payloadSize = newCount.length + (section.end - entriesStart) + added.length;
    this.writer.copy(section.start, section.sizeStart);
    this.writer.insert([...encodeU32(payloadSize), ...newCount], section.sizeStart);
    this.writer.copy(entriesStart, section.end);
    this.writer.insert(added, section.end);
  }

  /** Copies the Code section with a fuel check at the top of every loop body and a marker before every import call. */
  code(section: Section, code: CodeSection): void {
    let marker = 0;
    const plans = code.bodies.map((body) => {
      // Insertions in body order: fuel checks at loop bodies, markers right before import calls.
      const inserts: Array<{ at: number; bytes: Uint8Array; anchor: number }> = [
        ...body.loopBodies.map((at, j) => ({ at, bytes: this.check, anchor: body.loopOpcodes[j] as number })),
        ...body.importCalls.map((at) => ({ at, bytes: siteMarker(this.fuelIndex + 1, ++marker), anchor: at })),
      ].sort((a, b) => a.at - b.at);
      return { body, inserts, size: body.end - body.start + inserts.reduce((n, x) => n + x.bytes.length, 0) };
    });
    const sizes = plans.map((p) => p.size);
    const payloadSize = sizes.reduce((sum, size) => sum + encodeU32(size).length + size, code.entriesStart - section.payloadStart);
    this.writer.copy(section.start, section.sizeStart);
    this.writer.insert(encodeU32(payloadSize), section.sizeStart);
    this.writer.copy(section.payloadStart, code.entriesStart);
    plans.forEach(({ body, inserts }, i) => {
      this.writer.insert(encodeU32(sizes[i] as number), body.sizeStart);
      let from = body.start;
      for (const x of inserts) {
        this.writer.copy(from, x.at);
        this.writer.insert(x.bytes, x.anchor);
        from = x.at;
      }
      this.writer.copy(from, body.end);
    });
  }
}

function sectionBytes(id: number, payload: number[]): number[] {
  return [id, ...encodeU32(payload.length), ...payload];
}
