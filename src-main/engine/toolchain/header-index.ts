import type {
  HeaderField,
  HeaderIndex,
  HeaderParam,
  HeaderRecord,
  HeaderSymbol,
  HeaderSymbolKind,
  HeaderTypeLink,
} from '../../../src-shared/headers/types';
import type { Clang } from './clang';
import { INCLUDE_ROOT } from './flags';
import { describeSymbol, type DescribeInput } from './header-docs';
import type { HeaderSet } from './lab-headers';
import { getFile } from './vfs';

/**
 * Builds the editor's index of the lab headers (src-shared/headers/header-index.generated.ts) from
 * what clang itself reports, so names, types, parameter lists, values, files and lines are exact:
 *
 * - declarations (functions, role types, structures and their fields, enumerations, typedefs) from
 *   clang's JSON AST of a file that includes every header (the newest NDIS miniport configuration);
 * - macros from the preprocessor's own list (`-E -dM`), found in the header text for file and line;
 * - the integer value of every macro and enumerator that is an integer constant expression, from a
 *   probe module clang builds and we instantiate (as the layout probe does);
 * - SAL annotations and IRQL requirements from the header text between the positions clang gives.
 *
 * Descriptions and documentation links are ours (header-docs.ts).
 */

/** Everything a driver can include, in the configuration that declares the most (NDIS 6.87 miniport + protocol). */
const PROBE_PRELUDE = [
  '#define NDIS_MINIPORT_DRIVER 1',
  '#define NDIS687_MINIPORT 1',
  '#define NDIS687 1',
  '#include <ndis.h>',
  '#include <ntintsafe.h>',
  '#include <netpnp.h>',
  '#include <driverspecs.h>',
  '#include <specstrings.h>',
  '',
].join('\n');

const BASE_FLAGS = ['--target=wasm32', '-ffreestanding', '-nostdinc', '-fms-extensions', '-fshort-wchar', `-I${INCLUDE_ROOT}`];

/** Headers whose macros are compiler glue, not API (the lab's import shims, legacy SAL spellings). */
const GLUE_HEADERS = new Set(['sal.h', 'specstrings.h', 'driverspecs.h', 'lab/ndislab.h']);

/** SAL 2 annotations (`_In_opt_`, `_IRQL_requires_max_`) are offered even though sal.h is glue: WDK code is written with them. */
const SAL_ANNOTATION = /^_[A-Z][A-Za-z0-9_]*_$/;

export interface HeaderIndexInput {
  clang: Clang;
  headers: HeaderSet;
  /** The imports the simulator implements (sim/ndis/implemented.ts). */
  implemented: readonly string[];
}

export function buildHeaderIndex({ clang, headers, implemented }: HeaderIndexInput): HeaderIndex {
  const ast = dumpAst(clang, headers);
  const macroLines = listMacros(clang, headers);
  const texts = new Map([...headers.files].map(([name, text]) => [name, text]));
  const decls = readDeclarations(ast, texts, macroLines);
  const macros = readMacros(macroLines, texts);
  const callables = new Map<string, Callable>([
    ...decls.functions.map((f): [string, Callable] => [f.name, f]),
    ...macros.filter((m) => m.params !== undefined).map((m): [string, Callable] => [m.name, { name: m.name, params: m.params!.map((p) => ({ name: p, type: '' })) }]),
  ]);
  const valueNames = macros.filter((m) => m.params === undefined && isValueCandidate(m.body) && !aliasTarget(m.body, callables)).map((m) => m.name);
  const values = probeValues(clang, headers, [...valueNames, ...decls.enumerators.map((e) => e.name)]);
  const implementedSet = new Set(implemented);

  const symbols: HeaderSymbol[] = [];
  const add = (input: DescribeInput & Omit<HeaderSymbol, 'description' | 'doc'>): void => {
    const { description, doc } = describeSymbol(input);
    const symbol: HeaderSymbol = { ...input, description };
    // Enumerators and pointer/handler typedefs share their enumeration's or target's page (HeaderLookup.doc in src-shared/headers/header-lookup.ts).
    const derivedDoc = input.kind === 'enumerator' || input.kind === 'typedef';
    delete (symbol as Partial<DescribeInput>).aliasOf;
    delete (symbol as Partial<DescribeInput>).typeText;
    if (doc && !derivedDoc) symbol.doc = doc;
    symbols.push(symbol);
  };

  // Which imports a macro or inline helper ends up calling, through other macros.
  const functionsByName = new Map(decls.functions.map((f) => [f.name, f]));
  const macrosByName = new Map(macros.map((m) => [m.name, m]));
  const missingCache = new Map<string, string[]>();
  const missingFor = (name: string, seen = new Set<string>()): string[] => {
    const cached = missingCache.get(name);
    if (cached) return cached;
    if (seen.has(name)) return [];
    seen.add(name);
    const missing = new Set<string>();
    const fn = functionsByName.get(name);
    if (fn) {
      if (fn.imported && !implementedSet.has(name)) missing.add(name);
      for (const need of fn.needs) if (!implementedSet.has(need)) missing.add(need);
    }
    const macro = macrosByName.get(name);
    if (macro) {
      for (const id of new Set(macro.body.match(/[A-Za-z_]\w*/g) ?? [])) {
        if (id !== name && (functionsByName.has(id) || macrosByName.has(id))) for (const m of missingFor(id, seen)) missing.add(m);
      }
    }
    const result = [...missing].sort();
    missingCache.set(name, result);
    return result;
  };
  const notSimulated = (name: string): { notSimulated?: string[] } => {
    const missing = missingFor(name);
    return missing.length > 0 ? { notSimulated: missing } : {};
  };

  for (const fn of decls.functions) {
    add({
      name: fn.name,
      kind: 'function',
      file: fn.file,
      line: fn.line,
      returns: fn.returns,
      params: fn.params,
      ...(fn.variadic ? { variadic: true } : {}),
      ...(fn.irql ? { irql: fn.irql } : {}),
      ...(fn.checkResult ? { checkResult: true } : {}),
      ...(fn.imported ? {} : { inline: true }),
      ...notSimulated(fn.name),
    });
  }
  const roles = new Map(decls.roles.map((r) => [r.name, r]));
  for (const role of decls.roles) {
    const target = role.aliasOf ? roles.get(role.aliasOf) : undefined;
    const shape = target ?? role;
    add({
      name: role.name,
      kind: 'role',
      file: role.file,
      line: role.line,
      returns: shape.returns,
      params: shape.params,
      ...(role.aliasOf ? { of: role.aliasOf, aliasOf: role.aliasOf } : {}),
      ...((role.irql ?? target?.irql) ? { irql: role.irql ?? target?.irql } : {}),
    });
  }
  for (const t of decls.typedefs) {
    if (roles.has(t.name)) continue;
    const link = decls.typeLinks[t.name];
    const recordKind = link && link.depth === 0 ? decls.records[link.record]?.kind : undefined;
    const isEnum = /^enum \w+$/.test(t.desugared);
    const opaque = /^(?:struct|union) \w+$/.test(t.desugared) && !recordKind;
    const kind: HeaderSymbolKind = recordKind || opaque ? 'struct' : isEnum && t.written.startsWith('enum ') ? 'enum' : 'typedef';
    const primary = decls.primaryTypedef.get(link && link.depth === 0 ? `record:${link.record}` : `enum:${t.desugared}`);
    add({
      name: t.name,
      kind,
      file: t.file,
      line: t.line,
      type: t.written,
      ...(link ? { record: link.record } : {}),
      typeText: t.written,
      ...(primary && primary !== t.name ? { aliasOf: primary } : {}),
    });
  }
  for (const e of decls.enumerators) {
    add({
      name: e.name,
      kind: 'enumerator',
      file: e.file,
      line: e.line,
      of: e.enumType,
      ...(values.has(e.name) ? { value: formatValue(values.get(e.name)!, false) } : {}),
    });
  }
  for (const m of macros) {
    const value = m.params === undefined ? values.get(m.name) : undefined;
    const target = m.params === undefined ? aliasTarget(m.body, callables) : undefined;
    add({
      name: m.name,
      kind: value ? 'constant' : 'macro',
      file: m.file,
      line: m.line,
      body: shorten(m.body),
      ...(m.params !== undefined ? { params: m.params.map((name) => ({ name, type: '' })) } : {}),
      ...(target ? { ...(target.returns ? { returns: target.returns } : {}), params: target.params, of: target.name, aliasOf: target.name } : {}),
      ...(value ? { value: formatValue(value, usesHex(m.name, macrosByName)) } : {}),
      ...notSimulated(m.name),
    });
  }

  const fileOrder = [...headers.files.keys()];
  symbols.sort((a, b) => fileOrder.indexOf(a.file) - fileOrder.indexOf(b.file) || a.line - b.line || a.name.localeCompare(b.name));
  return { headersHash: headers.hash, files: fileOrder, symbols, records: decls.records, typeLinks: decls.typeLinks };
}

// ---- clang runs ---------------------------------------------------------------------------------

function probeFiles(headers: HeaderSet, name: string, source: string) {
  return { probe: { [name]: source }, [INCLUDE_ROOT]: headers.tree };
}

function dumpAst(clang: Clang, headers: HeaderSet): AstNode {
  const run = clang.run([...BASE_FLAGS, '-fsyntax-only', '-w', '-Xclang', '-ast-dump=json', 'probe/index.c'], probeFiles(headers, 'index.c', PROBE_PRELUDE));
  // stdout and stderr share one stream here; with -w a clean run prints only the dump.
  if (!run.ok || !run.stderr.startsWith('{')) throw new Error(`the lab headers do not compile for the index:\n${run.stderr.slice(0, 4000)}`);
  const ast = JSON.parse(run.stderr) as AstNode;
  completeLocations(ast);
  return ast;
}

function listMacros(clang: Clang, headers: HeaderSet): string[] {
  const run = clang.run([...BASE_FLAGS, '-E', '-dM', 'probe/index.c', '-o', 'probe/macros.txt'], probeFiles(headers, 'index.c', PROBE_PRELUDE));
  const out = getFile(run.files, 'probe/macros.txt');
  if (!run.ok || out === undefined) throw new Error(`the lab headers do not preprocess:\n${run.stderr}`);
  return (typeof out === 'string' ? out : new TextDecoder().decode(out)).split('\n').filter((l) => l.startsWith('#define '));
}

/**
 * The value of each name that is an integer constant expression: one probe line per name, checked
 * with -fsyntax-only (names whose line has an error are not constants), then the rest in a table in
 * a module clang builds, read back from its memory: value, sign and size of each.
 */
function probeValues(clang: Clang, headers: HeaderSet, names: readonly string[]): Map<string, ProbedValue> {
  let candidates = [...new Set(names)];
  const first = PROBE_PRELUDE.split('\n').length;
  for (let attempt = 0; attempt < 4 && candidates.length > 0; attempt++) {
    const source =
      PROBE_PRELUDE +
      candidates.map((n, i) => `static const unsigned long long v${i}[3] = { (unsigned long long)(${n}), (unsigned long long)((${n}) < 0), sizeof(${n}) };`).join('\n') +
      '\n';
    const run = clang.run([...BASE_FLAGS, '-fsyntax-only', '-w', '-ferror-limit=0', '-fno-caret-diagnostics', 'probe/values.c'], probeFiles(headers, 'values.c', source));
    if (run.ok) break;
    const bad = new Set<number>();
    for (const m of run.stderr.matchAll(/^probe\/values\.c:(\d+):\d+: (?:fatal )?error:/gm)) bad.add(Number(m[1]) - first);
    if (bad.size === 0) throw new Error(`the value probe fails outside its lines:\n${run.stderr.slice(0, 4000)}`);
    candidates = candidates.filter((_, i) => !bad.has(i));
  }
  const table = candidates.map((n) => `  (unsigned long long)(${n}), (unsigned long long)((${n}) < 0), sizeof(${n}),`).join('\n');
  const source = `${PROBE_PRELUDE}static const unsigned long long ValueTable[] = {\n${table}\n  0 };\n__attribute__((export_name("value_table"))) const unsigned long long *value_table(void) { return ValueTable; }\n`;
  const run = clang.run([...BASE_FLAGS, '-nostdlib', '-w', '-O1', '-Wl,--no-entry', 'probe/values.c', '-o', 'probe/values.wasm'], probeFiles(headers, 'values.c', source));
  const wasm = getFile(run.files, 'probe/values.wasm');
  if (!run.ok || !(wasm instanceof Uint8Array)) throw new Error(`the value probe does not build:\n${run.stderr.slice(0, 4000)}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm));
  const base = (instance.exports['value_table'] as () => number)();
  const memory = new DataView((instance.exports['memory'] as WebAssembly.Memory).buffer);
  const at = (i: number): bigint => memory.getBigUint64(base + 8 * i, true);
  return new Map(candidates.map((name, i) => [name, { value: at(3 * i), negative: at(3 * i + 1) !== 0n, size: Number(at(3 * i + 2)) }]));
}

interface ProbedValue {
  value: bigint;
  negative: boolean;
  size: number;
}

function formatValue({ value, negative, size }: ProbedValue, hex: boolean): string {
  const bits = BigInt(Math.min(Math.max(size, 1), 8) * 8);
  const unsigned = BigInt.asUintN(Number(bits), value);
  if (hex) {
    const digits = unsigned.toString(16).toUpperCase();
    return `0x${unsigned > 0xffffn ? digits.padStart(Number(bits) / 4, '0') : digits}`;
  }
  return negative ? BigInt.asIntN(Number(bits), value).toString() : unsigned.toString();
}

function usesHex(name: string, macros: Map<string, MacroInfo>, seen = new Set<string>()): boolean {
  const macro = macros.get(name);
  if (!macro || seen.has(name)) return false;
  seen.add(name);
  if (/\b0x[0-9a-f]/i.test(macro.body)) return true;
  return (macro.body.match(/[A-Za-z_]\w*/g) ?? []).some((id) => usesHex(id, macros, seen));
}

function isValueCandidate(body: string): boolean {
  return body.trim() !== '' && !body.includes('"') && !body.includes("'") && !/[{};]/.test(body);
}

function shorten(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

interface Callable {
  name: string;
  returns?: string;
  params: HeaderParam[];
}

/** A macro that is another name for a function or function-like macro (`RtlInitAnsiString` → `RtlInitString`). */
function aliasTarget(body: string, callables: Map<string, Callable>): Callable | undefined {
  const id = body.trim();
  return /^[A-Za-z_]\w*$/.test(id) ? callables.get(id) : undefined;
}

// ---- the AST ------------------------------------------------------------------------------------

interface AstLoc {
  offset?: number;
  file?: string;
  line?: number;
  col?: number;
  tokLen?: number;
  spellingLoc?: AstLoc;
  expansionLoc?: AstLoc;
}

interface AstNode {
  id?: string;
  kind?: string;
  name?: string;
  loc?: AstLoc;
  range?: { begin?: AstLoc; end?: AstLoc };
  type?: { qualType: string; desugaredQualType?: string };
  tagUsed?: 'struct' | 'union' | 'class' | 'enum';
  completeDefinition?: boolean;
  isImplicit?: boolean;
  inline?: boolean;
  variadic?: boolean;
  storageClass?: string;
  inner?: AstNode[];
  decl?: { name?: string; kind?: string };
  [key: string]: unknown;
}

/** clang's JSON leaves out a location's file and line when they repeat the previous one printed: put them back. */
function completeLocations(root: AstNode): void {
  let file: string | undefined;
  let line: number | undefined;
  const fix = (loc: AstLoc): void => {
    if (loc.spellingLoc || loc.expansionLoc) {
      if (loc.spellingLoc) fix(loc.spellingLoc);
      if (loc.expansionLoc) fix(loc.expansionLoc);
      return;
    }
    if (loc.offset === undefined) return;
    if (loc.file !== undefined) file = loc.file;
    else loc.file = file;
    if (loc.line !== undefined) line = loc.line;
    else loc.line = line;
  };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    if ('spellingLoc' in obj || 'expansionLoc' in obj || (typeof obj['offset'] === 'number' && 'col' in obj)) {
      fix(obj as AstLoc);
      return;
    }
    for (const v of Object.values(obj)) walk(v);
  };
  walk(root);
}

/** Where a location is in the file as written (the expansion point of a macro location). */
function written(loc: AstLoc | undefined): { file: string; offset: number; line: number; end: number } | undefined {
  if (!loc) return undefined;
  const l = loc.expansionLoc ?? loc;
  if (l.offset === undefined || l.file === undefined || l.line === undefined) return undefined;
  return { file: headerPath(l.file), offset: l.offset, line: l.line, end: l.offset + (l.tokLen ?? 0) };
}

/** The token itself (the spelling inside a macro argument, as for functions a macro declares). */
function spelled(loc: AstLoc | undefined): { file: string; offset: number; line: number; end: number } | undefined {
  if (!loc) return undefined;
  const spelling = loc.spellingLoc;
  const l = spelling?.file?.startsWith(`${INCLUDE_ROOT}/`) ? spelling : (loc.expansionLoc ?? loc);
  if (l.offset === undefined || l.file === undefined || l.line === undefined) return undefined;
  return { file: headerPath(l.file), offset: l.offset, line: l.line, end: l.offset + (l.tokLen ?? 0) };
}

function headerPath(file: string): string {
  return file.startsWith(`${INCLUDE_ROOT}/`) ? file.slice(INCLUDE_ROOT.length + 1) : file;
}

interface FunctionInfo {
  name: string;
  file: string;
  line: number;
  returns: string;
  params: HeaderParam[];
  variadic: boolean;
  irql?: string;
  checkResult: boolean;
  imported: boolean;
  needs: string[];
}

interface RoleInfo {
  name: string;
  file: string;
  line: number;
  returns: string;
  params: HeaderParam[];
  irql?: string;
  aliasOf?: string;
}

interface TypedefInfo {
  name: string;
  file: string;
  line: number;
  /** The underlying type as written (`struct _NDIS_OBJECT_HEADER`, `PVOID`). */
  written: string;
  desugared: string;
}

interface EnumeratorInfo {
  name: string;
  file: string;
  line: number;
  enumType: string;
}

interface Declarations {
  functions: FunctionInfo[];
  roles: RoleInfo[];
  typedefs: TypedefInfo[];
  enumerators: EnumeratorInfo[];
  records: Record<string, HeaderRecord>;
  typeLinks: Record<string, HeaderTypeLink>;
  /** The first typedef naming each record (`record:<key>`) or enumeration (`enum:enum _TAG`). */
  primaryTypedef: Map<string, string>;
}

function readDeclarations(ast: AstNode, texts: Map<string, string>, macroLines: readonly string[]): Declarations {
  const macroValues = new Map<string, string>();
  for (const line of macroLines) {
    const m = /^#define (\w+)(?:\(([^)]*)\))? ?(.*)$/.exec(line);
    if (m && m[2] === undefined) macroValues.set(m[1]!, m[3]!);
  }
  const text = (file: string, from: number, to: number): string => (texts.get(file) ?? '').slice(from, to);
  const inHeaders = (node: AstNode): boolean => {
    const at = written(node.loc);
    return at !== undefined && texts.has(at.file);
  };

  const out: Declarations = { functions: [], roles: [], typedefs: [], enumerators: [], records: {}, typeLinks: {}, primaryTypedef: new Map() };
  const lastEnd = new Map<string, number>();

  // Records first (fields refer to them), including nested and unnamed ones.
  const recordKeyOfType = (qualType: string): { key: string; depth: number } | undefined => {
    let t = qualType.replace(/\b(const|volatile|__restrict|restrict)\b/g, ' ').replace(/\s+/g, ' ').trim();
    let depth = 0;
    for (;;) {
      const array = /^(.*?)\s*\[[^\]]*\]$/.exec(t);
      if (array) {
        t = array[1]!.trim();
        depth++;
        continue;
      }
      if (t.endsWith('*')) {
        t = t.slice(0, -1).trim();
        depth++;
        continue;
      }
      break;
    }
    const named = /^(?:struct|union) (\w+)$/.exec(t);
    if (named) return { key: named[1]!, depth };
    const unnamed = /^(?:struct|union) .*\((?:unnamed|anonymous)(?: struct| union)? at ([^()]+):(\d+):(\d+)\)$/.exec(t);
    if (unnamed) return { key: `${headerPath(unnamed[1]!)}:${unnamed[2]}:${unnamed[3]}`, depth };
    return undefined;
  };
  const recordKey = (node: AstNode): string => {
    if (node.name) return node.name;
    const l = node.loc?.spellingLoc ?? node.loc;
    return `${headerPath(l?.file ?? '?')}:${l?.line}:${l?.col}`;
  };
  const fieldsOf = (node: AstNode): HeaderField[] => {
    const fields: HeaderField[] = [];
    for (const child of node.inner ?? []) {
      if (child.kind !== 'FieldDecl') continue;
      const type = child.type?.qualType ?? '';
      const link = recordKeyOfType(child.type?.desugaredQualType ?? type);
      if (!child.name) {
        // An unnamed struct/union member: its members are reachable directly.
        const inner = link ? (node.inner ?? []).find((n) => n.kind === 'RecordDecl' && recordKey(n) === link.key) : undefined;
        if (inner) fields.push(...fieldsOf(inner));
        continue;
      }
      const at = spelled(child.loc);
      const field: HeaderField = { name: child.name, type: displayType(type), line: at?.line ?? 0 };
      if (link) {
        field.record = link.key;
        if (link.depth > 0) field.depth = link.depth;
      }
      fields.push(field);
    }
    return fields;
  };
  const collectRecord = (node: AstNode): void => {
    for (const child of node.inner ?? []) if (child.kind === 'RecordDecl') collectRecord(child);
    if (!node.completeDefinition || (node.tagUsed !== 'struct' && node.tagUsed !== 'union')) return;
    const at = spelled(node.loc);
    if (!at || !texts.has(at.file)) return;
    out.records[recordKey(node)] = { kind: node.tagUsed, name: node.name ?? '', file: at.file, line: at.line, fields: fieldsOf(node) };
  };
  for (const node of ast.inner ?? []) if (node.kind === 'RecordDecl' && inHeaders(node)) collectRecord(node);
  for (const [key, record] of Object.entries(out.records)) {
    if (record.name) out.typeLinks[`${record.kind} ${key}`] = { record: key, depth: 0 };
  }

  for (const node of ast.inner ?? []) {
    if (!inHeaders(node) || node.isImplicit) continue;
    const at = spelled(node.loc)!;
    const begin = written(node.range?.begin);
    const end = written(node.range?.end);
    const file = written(node.loc)!.file;
    const before = begin && begin.file === file ? leadingAnnotations(text(file, lastEnd.get(file) ?? 0, begin.offset)) : '';
    if (end && end.file === file) lastEnd.set(file, Math.max(lastEnd.get(file) ?? 0, end.end));
    const name = node.name ?? '';
    if (node.kind === 'FunctionDecl' && name && !name.startsWith('__')) {
      const params = (node.inner ?? []).filter((n) => n.kind === 'ParmVarDecl');
      const nameEnd = written(node.loc)!;
      let prev = nameEnd.end;
      const list: HeaderParam[] = params.map((p) => {
        const pBegin = written(p.range?.begin);
        const pEnd = written(p.range?.end);
        const segment = pBegin && pBegin.file === file && pBegin.offset >= prev && pBegin.offset - prev < 400 ? text(file, prev, pBegin.offset) : '';
        if (pEnd && pEnd.file === file) prev = pEnd.end;
        const param: HeaderParam = { name: p.name ?? '', type: displayType(p.type?.qualType ?? '') };
        const sal = salOf(segment);
        if (sal) param.sal = sal;
        return param;
      });
      const qual = node.type?.qualType ?? '';
      out.functions.push({
        name,
        file: at.file,
        line: at.line,
        returns: returnType(qual),
        params: list,
        variadic: node.variadic === true || /\.\.\.\)$/.test(qual),
        ...irqlOf(before),
        checkResult: /\b_Must_inspect_result_\b|\b_Check_return_\b/.test(before),
        imported: (node.inner ?? []).some((n) => n.kind === 'WebAssemblyImportNameAttr'),
        needs: [...before.matchAll(/NDIS_LAB_INLINE_NEEDS\((\w+)\)/g)].map((m) => m[1]!),
      });
      continue;
    }
    if (node.kind === 'EnumDecl') {
      for (const e of node.inner ?? []) {
        if (e.kind !== 'EnumConstantDecl' || !e.name) continue;
        const eAt = spelled(e.loc)!;
        out.enumerators.push({ name: e.name, file: eAt.file, line: eAt.line, enumType: `enum ${node.name ?? ''}` });
      }
      continue;
    }
    if (node.kind !== 'TypedefDecl' || !name) continue;
    const qual = node.type?.qualType ?? '';
    const desugared = node.type?.desugaredQualType ?? qual;
    const fnType = functionTypeOf(node);
    if (fnType === 'proto') {
      const source = begin && end && begin.file === file ? text(file, begin.offset, end.end) : '';
      const types = protoParamTypes(node);
      const parsed = parseRoleParams(source, name, macroValues);
      if (parsed.params.length !== types.length) {
        throw new Error(`role type ${name}: the header text has ${parsed.params.length} parameters, clang ${types.length}:\n${source}`);
      }
      out.roles.push({
        name,
        file: at.file,
        line: at.line,
        returns: returnType(qual),
        params: parsed.params.map((p, i) => ({ ...p, type: displayType(types[i]!) })),
        ...irqlOf(parsed.annotations),
      });
      continue;
    }
    if (fnType === 'alias') {
      out.roles.push({ name, file: at.file, line: at.line, returns: returnType(desugared), params: [], aliasOf: qual.replace(/^\((.*)\)$/, '$1').trim() });
      continue;
    }
    out.typedefs.push({ name, file: at.file, line: at.line, written: displayType(qual), desugared });
    const link = recordKeyOfType(desugared);
    if (link && out.records[link.key]) {
      out.typeLinks[name] = { record: link.key, depth: link.depth };
      if (link.depth === 0 && !out.primaryTypedef.has(`record:${link.key}`)) out.primaryTypedef.set(`record:${link.key}`, name);
    } else if (/^enum \w+$/.test(desugared) && qual.startsWith('enum ') && !out.primaryTypedef.has(`enum:${desugared}`)) {
      out.primaryTypedef.set(`enum:${desugared}`, name);
    }
  }
  // Unnamed records are known by their first typedef (`typedef struct { … } BINARY_DATA;`).
  for (const [key, record] of Object.entries(out.records)) {
    if (!record.name) record.name = out.primaryTypedef.get(`record:${key}`) ?? '';
  }
  for (const e of out.enumerators) e.enumType = out.primaryTypedef.get(`enum:${e.enumType}`) ?? e.enumType;
  return out;
}

/** `FunctionProtoType` under the typedef (a role type), a typedef of one (a second name for a role), or neither. */
function functionTypeOf(node: AstNode): 'proto' | 'alias' | undefined {
  let t = node.inner?.[0];
  while (t && (t.kind === 'ParenType' || t.kind === 'ElaboratedType')) t = t.inner?.[0];
  if (!t) return undefined;
  if (t.kind === 'FunctionProtoType' || t.kind === 'FunctionNoProtoType') return 'proto';
  if (t.kind === 'TypedefType') {
    let u: AstNode | undefined = t;
    while (u && (u.kind === 'TypedefType' || u.kind === 'ParenType' || u.kind === 'ElaboratedType')) u = u.inner?.[0];
    if (u && (u.kind === 'FunctionProtoType' || u.kind === 'FunctionNoProtoType')) return 'alias';
  }
  return undefined;
}

function protoParamTypes(node: AstNode): string[] {
  let t = node.inner?.[0];
  while (t && (t.kind === 'ParenType' || t.kind === 'ElaboratedType')) t = t.inner?.[0];
  return (t?.inner ?? []).slice(1).map((p) => p.type?.qualType ?? '');
}

/** `NDIS_STATUS (PDRIVER_OBJECT, …)` → `NDIS_STATUS`. */
function returnType(functionType: string): string {
  let depth = 0;
  for (let i = functionType.length - 1; i >= 0; i--) {
    const c = functionType[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return displayType(functionType.slice(0, i));
    }
  }
  return displayType(functionType);
}

function displayType(type: string): string {
  return type
    .replace(/\b(struct|union|enum) (?:(?:\w+|\((?:unnamed|anonymous)(?: struct| union| enum)? at [^)]*\))::)*\((?:unnamed|anonymous)(?: struct| union| enum)? at [^)]*\)/g, '$1 {…}')
    .replace(/\s+/g, ' ')
    .trim();
}

const SAL_TOKEN = /\b_[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*_(?:\s*\((?:[^()]|\([^()]*\))*\))?/g;

/** The SAL annotations in the text before a parameter (`_In_opt_`, `_Out_writes_bytes_(Length)`). */
function salOf(segment: string): string | undefined {
  const tokens = (stripComments(segment).match(SAL_TOKEN) ?? []).map((t) => t.replace(/\s+/g, ''));
  return tokens.length > 0 ? tokens.join(' ') : undefined;
}

/** The annotations written right before a declaration (after the previous one, its `#` lines and comments). */
function leadingAnnotations(segment: string): string {
  const cleaned = stripComments(segment);
  const lines = cleaned.split('\n');
  let start = 0;
  lines.forEach((l, i) => {
    if (/^\s*#/.test(l) || /[;}]\s*$/.test(l)) start = i + 1;
  });
  return lines.slice(start).join('\n');
}

function irqlOf(annotations: string): { irql?: string } {
  const req = /\b_IRQL_requires_\((\w+)\)/.exec(annotations);
  if (req) return { irql: req[1]! };
  const max = /\b_IRQL_requires_max_\((\w+)\)/.exec(annotations);
  const min = /\b_IRQL_requires_min_\((\w+)\)/.exec(annotations);
  if (max && min) return { irql: `${min[1]} to ${max[1]}` };
  if (max) return { irql: `<= ${max[1]}` };
  if (min) return { irql: `>= ${min[1]}` };
  const raises = /\b_IRQL_raises_\((\w+)\)/.exec(annotations);
  if (raises) return { irql: `raises to ${raises[1]}` };
  return {};
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/**
 * The parameters of a role type from its typedef's text (clang keeps parameter names out of the
 * type): the last parenthesised list, with `#if` branches the probe configuration does not take
 * removed. Checked against clang's parameter count by the caller.
 */
function parseRoleParams(source: string, name: string, macros: Map<string, string>): { params: Omit<HeaderParam, 'type'>[]; annotations: string } {
  const code = activeLines(stripComments(source), macros);
  const close = code.lastIndexOf(')');
  let depth = 0;
  let open = -1;
  for (let i = close; i >= 0; i--) {
    if (code[i] === ')') depth++;
    else if (code[i] === '(') {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open < 0) throw new Error(`role type ${name}: no parameter list in ${source}`);
  const annotations = code.slice(0, open);
  const list = code.slice(open + 1, close);
  const pieces: string[] = [];
  depth = 0;
  let current = '';
  for (const c of list) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      pieces.push(current);
      current = '';
    } else current += c;
  }
  pieces.push(current);
  const params = pieces
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '' && p !== 'VOID' && p !== 'void')
    .map((p) => {
      const sal = (p.match(SAL_TOKEN) ?? []).map((t) => t.replace(/\s+/g, ''));
      const rest = p.replace(SAL_TOKEN, ' ').replace(/\s+/g, ' ').trim();
      const id = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*$/.exec(rest);
      return { name: id ? id[1]! : '', ...(sal.length > 0 ? { sal: sal.join(' ') } : {}) };
    });
  return { params, annotations };
}

/** Removes the lines of `#if` branches not taken with the probe's macros (NDIS_SUPPORT_NDISxxx and friends). */
function activeLines(code: string, macros: Map<string, string>): string {
  const out: string[] = [];
  const stack: Array<{ active: boolean; taken: boolean; parent: boolean }> = [];
  const active = (): boolean => stack.every((s) => s.active);
  for (const line of code.split('\n')) {
    const d = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(line);
    if (!d) {
      if (active()) out.push(line);
      continue;
    }
    const [, directive, rest] = d;
    if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') {
      const cond = directive === 'if' ? evalCondition(rest!, macros) : directive === 'ifdef' ? macros.has(rest!.trim()) : !macros.has(rest!.trim());
      stack.push({ active: cond, taken: cond, parent: active() });
    } else if (directive === 'elif') {
      const top = stack[stack.length - 1]!;
      const cond = !top.taken && evalCondition(rest!, macros);
      top.active = cond;
      top.taken ||= cond;
    } else if (directive === 'else') {
      const top = stack[stack.length - 1]!;
      top.active = !top.taken;
      top.taken = true;
    } else stack.pop();
  }
  return out.join('\n');
}

/** A preprocessor condition over defined macros: `defined`, integers, `! && || == != < > <= >=`, parentheses. */
function evalCondition(expr: string, macros: Map<string, string>): boolean {
  const source = expr
    .replace(/\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)/g, (_m, a?: string, b?: string) => (macros.has((a ?? b)!) ? '1' : '0'))
    .replace(/[A-Za-z_]\w*/g, (id) => {
      const body = macros.get(id);
      return body !== undefined && /^\s*\(?\s*\d+[uUlL]*\s*\)?\s*$/.test(body) ? String(parseInt(body.replace(/[()\s]/g, ''), 10)) : '0';
    });
  const tokens = source.match(/\d+|&&|\|\||==|!=|<=|>=|[!<>()]/g) ?? [];
  let i = 0;
  const primary = (): number => {
    const t = tokens[i++];
    if (t === '!') return primary() ? 0 : 1;
    if (t === '(') {
      const v = or();
      i++;
      return v;
    }
    return Number(t ?? 0);
  };
  const compare = (): number => {
    let v = primary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(tokens[i] ?? '')) {
      const op = tokens[i++];
      const r = primary();
      v = Number(op === '==' ? v === r : op === '!=' ? v !== r : op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : v >= r);
    }
    return v;
  };
  const and = (): number => {
    let v = compare();
    while (tokens[i] === '&&') {
      i++;
      const r = compare();
      v = v && r ? 1 : 0;
    }
    return v;
  };
  const or = (): number => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      const r = and();
      v = v || r ? 1 : 0;
    }
    return v;
  };
  return or() !== 0;
}

// ---- macros -------------------------------------------------------------------------------------

interface MacroInfo {
  name: string;
  params?: string[];
  body: string;
  file: string;
  line: number;
}

/**
 * The API macros the headers define in the probe configuration, each at the `#define` whose body is
 * the one the preprocessor kept. Compiler glue (SAL, the lab's import shims, include guards) is left out.
 */
function readMacros(lines: readonly string[], texts: Map<string, string>): MacroInfo[] {
  const definitions = new Map<string, Array<{ file: string; line: number; body: string }>>();
  for (const [file, text] of texts) {
    const rows = text.split('\n');
    for (let i = 0; i < rows.length; i++) {
      const m = /^\s*#\s*define\s+(\w+)(\([^)]*\))?(.*)$/.exec(rows[i]!);
      if (!m) continue;
      let body = m[3]!;
      let j = i;
      while (body.endsWith('\\') && j + 1 < rows.length) body = body.slice(0, -1) + ' ' + rows[++j]!;
      const list = definitions.get(m[1]!) ?? [];
      list.push({ file, line: i + 1, body: normalize(stripComments(body)) });
      definitions.set(m[1]!, list);
    }
  }
  const macros: MacroInfo[] = [];
  for (const line of lines) {
    const m = /^#define (\w+)(?:\(([^)]*)\))? ?(.*)$/.exec(line);
    if (!m) continue;
    const [, name, params, body] = m;
    const candidates = definitions.get(name!);
    if (!candidates || /^NDIS_?LAB/.test(name!)) continue;
    const at = candidates.find((c) => c.body === normalize(body!)) ?? candidates[0]!;
    const sal = at.file === 'sal.h' && SAL_ANNOTATION.test(name!) && !/_H_$/.test(name!);
    if (!sal && (name!.startsWith('_') || GLUE_HEADERS.has(at.file))) continue;
    macros.push({ name: name!, ...(params !== undefined ? { params: params.split(',').map((p) => p.trim()).filter(Boolean) } : {}), body: body!, file: at.file, line: at.line });
  }
  return macros;
}

function normalize(body: string): string {
  return body.replace(/\s+/g, '').trim();
}

// ---- the generated modules ----------------------------------------------------------------------

const GENERATED_NOTE = [
  '// Generated by `npm run gen:header-index` (src-main/engine/toolchain/gen-header-index.ts) from the lab',
  '// headers (resources/include) and our descriptions (src-main/engine/toolchain/header-docs.ts).',
  '// Do not edit: change those, then regenerate.',
];

export function renderHeaderIndexModule(index: HeaderIndex): string {
  const json = (v: unknown): string => rawSafe(JSON.stringify(v));
  const entries = (pairs: Array<[string, unknown]>): string => pairs.map(([k, v]) => `${json(k)}: ${json(v)}`).join(',\n');
  return [
    ...GENERATED_NOTE,
    '// One JSON entry per line (diffs stay readable); JSON.parse keeps the bundle as compact as the data.',
    "import type { HeaderIndex } from './types';",
    '',
    'export const HEADER_INDEX = JSON.parse(String.raw`{',
    `"headersHash": ${json(index.headersHash)},`,
    `"files": ${json(index.files)},`,
    '"symbols": [',
    index.symbols.map((s) => json(s)).join(',\n'),
    '],',
    '"records": {',
    entries(Object.entries(index.records)),
    '},',
    '"typeLinks": {',
    entries(Object.entries(index.typeLinks)),
    '}',
    '}`) as HeaderIndex;',
    '',
  ].join('\n');
}

/** The header texts for the editor's read-only header models, by path under the include root. */
export function renderHeaderSourcesModule(headers: HeaderSet): string {
  return [
    ...GENERATED_NOTE,
    '',
    'export const HEADER_SOURCES = JSON.parse(String.raw`{',
    [...headers.files].map(([name, text]) => `${rawSafe(JSON.stringify(name))}: ${rawSafe(JSON.stringify(text))}`).join(',\n'),
    '}`) as Readonly<Record<string, string>>;',
    '',
  ].join('\n');
}

/** JSON text that can sit in a String.raw template literal: no backquote, no `${`. */
function rawSafe(jsonText: string): string {
  return jsonText.replace(/`/g, '\\u0060').replace(/\$\{/g, '\\u0024{');
}
