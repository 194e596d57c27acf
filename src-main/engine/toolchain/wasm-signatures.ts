import { ByteReader } from './dwarf/byte-reader';
import { readWasmSections } from './dwarf/wasm-sections';

/** Value types of the core wasm spec, by their binary encoding. */
const VALUE_TYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;

export interface FunctionSignature {
  params: string[];
  results: string[];
}

export interface ImportedFunction extends FunctionSignature {
  module: string;
  name: string;
}

/**
 * The signatures of a module's function imports, read from its Type and Import sections (Node does
 * not expose them). This is what clang really emitted, so the simulator's import table can be
 * checked against it: e.g. a LARGE_INTEGER passed by value arrives as an i32 pointer.
 */
export function readImportedFunctions(wasm: Uint8Array): ImportedFunction[] {
  const { sections } = readWasmSections(wasm);
  const types: FunctionSignature[] = [];
  const imports: ImportedFunction[] = [];
  const typeSection = sections.find((s) => s.id === TYPE_SECTION);
  if (typeSection) {
    const r = new ByteReader(wasm, 'type section', 0, typeSection.payloadStart, typeSection.end);
    for (let count = r.uleb(), i = 0; i < count; i++) {
      const form = r.u8();
      if (form !== 0x60) r.fail(`type ${i} is not a function type (form 0x${form.toString(16)})`, r.pos - 1);
      const params = readValueTypes(r);
      const results = readValueTypes(r);
      types.push({ params, results });
    }
  }
  const importSection = sections.find((s) => s.id === IMPORT_SECTION);
  if (importSection) {
    const r = new ByteReader(wasm, 'import section', 0, importSection.payloadStart, importSection.end);
    for (let count = r.uleb(), i = 0; i < count; i++) {
      const module = r.utf8(r.uleb());
      const name = r.utf8(r.uleb());
      const kind = r.u8();
      switch (kind) {
        case 0: {
          const index = r.uleb();
          const type = types[index] ?? r.fail(`import ${module}.${name} names type ${index}, which does not exist`);
          imports.push({ module, name, params: type.params, results: type.results });
          break;
        }
        case 1: // table: reftype, limits
          r.u8();
          readLimits(r);
          break;
        case 2: // memory: limits
          readLimits(r);
          break;
        case 3: // global: valtype, mutability
          r.u8();
          r.u8();
          break;
        case 4: // tag: attribute, type index
          r.u8();
          r.uleb();
          break;
        default:
          r.fail(`import ${module}.${name} has unknown kind ${kind}`, r.pos - 1);
      }
    }
  }
  return imports;
}

function readValueTypes(r: ByteReader): string[] {
  const out: string[] = [];
  for (let count = r.uleb(), i = 0; i < count; i++) {
    const code = r.u8();
    out.push(VALUE_TYPES[code] ?? r.fail(`unknown value type 0x${code.toString(16)}`, r.pos - 1));
  }
  return out;
}

function readLimits(r: ByteReader): void {
  const flags = r.u8();
  r.uleb();
  if (flags & 1) r.uleb();
}

export function formatSignature(s: FunctionSignature): string {
  return `(${s.params.join(',')})->(${s.results.join(',')})`;
}
