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
  /**
   * Maps a module offset in the rewritten module (as in V8 wasm stack frames,
   * 'wasm-function[3]:0x1a2') to the offset of the same instruction in the original module, so the
   * original DWARF line table applies. Offsets inside an inserted fuel check map to its `loop`.
   */
  toOriginalOffset(rewrittenOffset: number): number;
}

export const FUEL_GLOBAL_EXPORT = '__lab_fuel';

const utf8 = new TextEncoder();

export function instrumentLoops(original: Uint8Array): InstrumentedModule {
  const sections = readSections(original);
  const find = (id: number): Section | undefined => sections.find((s) => s.id === id);
  const fuelIndex = fuelGlobalIndex(original, find(SECTION.import), find(SECTION.global));
  const exports = find(SECTION.export);
  if (exports !== undefined && readExportNames(original, exports).includes(FUEL_GLOBAL_EXPORT)) {
    throw new Error(`The module already exports '${FUEL_GLOBAL_EXPORT}' (instrumented twice?)`);
  }
  const codeSection = find(SECTION.code);
  const code = codeSection === undefined ? undefined : readCodeSection(original, codeSection);

  const writer = new ModuleWriter(original);
  writer.copy(0, HEADER_SIZE);
  const rewrite = new SectionRewriter(original, writer, fuelIndex);
  for (const section of sections) {
    rewrite.addMissingSectionsBefore(section);
    if (section.id === SECTION.global) rewrite.appendEntry(section, FUEL_GLOBAL);
    else if (section.id === SECTION.export) rewrite.appendEntry(section, fuelExport(fuelIndex));
    else if (section.id === SECTION.code && code !== undefined) rewrite.code(section, code);
    else writer.copy(section.start, section.end);
  }
  rewrite.addMissingSectionsBefore(undefined);

  const { wasm, toOriginalOffset } = writer.finish();
  const loops = code?.bodies.reduce((sum, body) => sum + body.loopOpcodes.length, 0) ?? 0;
  return { wasm, fuelGlobalExport: FUEL_GLOBAL_EXPORT, loops, toOriginalOffset };
}

/** The new global goes after all imported and defined globals, so no existing index changes. */
function fuelGlobalIndex(wasm: Uint8Array, imports: Section | undefined, globals: Section | undefined): number {
  const imported = imports === undefined ? 0 : countImportedGlobals(wasm, imports);
  return imported + (globals === undefined ? 0 : readCount(wasm, globals).count);
}

/** (global (mut i32) (i32.const 0)) */
const FUEL_GLOBAL = [0x7f, 0x01, 0x41, 0x00, 0x0b];

function fuelExport(fuelIndex: number): number[] {
  const name = utf8.encode(FUEL_GLOBAL_EXPORT);
  return [...encodeU32(name.length), ...name, EXPORT_KIND_GLOBAL, ...encodeU32(fuelIndex)];
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
      this.writer.insert(sectionBytes(SECTION.global, [1, ...FUEL_GLOBAL]), anchor);
      this.globalMissing = false;
    }
    if (this.exportMissing && nextRank > (sectionRank(SECTION.export) as number)) {
      this.writer.insert(sectionBytes(SECTION.export, [1, ...fuelExport(this.fuelIndex)]), anchor);
      this.exportMissing = false;
    }
  }

  /** Rewrites a vector section (Global, Export) with one more entry at its end. */
  appendEntry(section: Section, entry: number[]): void {
    const { count, entriesStart } = readCount(this.original, section);
    const newCount = encodeU32(count + 1);
    const payloadSize = newCount.length + (section.end - entriesStart) + entry.length;
    this.writer.copy(section.start, section.sizeStart);
    this.writer.insert([...encodeU32(payloadSize), ...newCount], section.sizeStart);
    this.writer.copy(entriesStart, section.end);
    this.writer.insert(entry, section.end);
  }

  /** Copies the Code section with a fuel check at the top of every loop body. */
  code(section: Section, code: CodeSection): void {
    const sizes = code.bodies.map((body) => body.end - body.start + body.loopBodies.length * this.check.length);
    const payloadSize = sizes.reduce((sum, size) => sum + encodeU32(size).length + size, code.entriesStart - section.payloadStart);
    this.writer.copy(section.start, section.sizeStart);
    this.writer.insert(encodeU32(payloadSize), section.sizeStart);
    this.writer.copy(section.payloadStart, code.entriesStart);
    code.bodies.forEach((body, i) => {
      this.writer.insert(encodeU32(sizes[i] as number), body.sizeStart);
      let from = body.start;
      body.loopBodies.forEach((loopBody, j) => {
        this.writer.copy(from, loopBody);
        this.writer.insert(this.check, body.loopOpcodes[j] as number);
        from = loopBody;
      });
      this.writer.copy(from, body.end);
    });
  }
}

function sectionBytes(id: number, payload: number[]): number[] {
  return [id, ...encodeU32(payload.length), ...payload];
}
