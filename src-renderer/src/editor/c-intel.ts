import { fieldDeclaration, HeaderLookup, paramDeclaration, salDirection } from '../../../src-shared/headers/header-lookup';
import type { HeaderField, HeaderRecord, HeaderSymbol, HeaderTypeLink } from '../../../src-shared/headers/types';

/**
 * What the C editor knows about the text under the cursor, from the lab-header index: no Monaco in
 * here (c-language.ts turns the answers into Monaco's), so it is tested as plain functions.
 * The analysis is lexical, not a compiler: it finds the call around the cursor, the declaration of
 * a variable in the same file, and follows `.`/`->` through the fields the headers (and the file's
 * own structures) declare.
 */

// ---- text --------------------------------------------------------------------------------------

/** Spans of comments and string/char literals, as [start, end) offsets. */
export function nonCodeSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      // Up to and including the newline: the end of the comment's line is still inside it.
      const end = text.indexOf('\n', i);
      spans.push([i, end < 0 ? text.length + 1 : end + 1]);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      spans.push([i, end < 0 ? text.length + 1 : end + 2]);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      spans.push([i, j >= text.length ? text.length + 1 : j + 1]);
      i = j + 1;
    } else i++;
  }
  return spans;
}

/** The text with comments and literals blanked (newlines kept), so offsets stay valid. */
export function maskCode(text: string, spans = nonCodeSpans(text)): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    out += text.slice(at, start) + text.slice(start, end).replace(/[^\n]/g, ' ');
    at = end;
  }
  return out + text.slice(at);
}

/** A cursor at this offset is inside a comment or a literal. */
export function inNonCode(spans: ReadonlyArray<[number, number]>, offset: number): boolean {
  return spans.some(([start, end]) => offset > start && offset < end);
}

const IDENT = /[A-Za-z0-9_]/;

export interface Word {
  word: string;
  start: number;
  end: number;
}

/** The identifier at (or just before) an offset. */
export function identifierAt(text: string, offset: number): Word | undefined {
  let start = offset;
  while (start > 0 && IDENT.test(text[start - 1]!)) start--;
  let end = offset;
  while (end < text.length && IDENT.test(text[end]!)) end++;
  if (start === end || /[0-9]/.test(text[start]!)) return undefined;
  return { word: text.slice(start, end), start, end };
}

const KEYWORDS = [
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float', 'for', 'goto',
  'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch',
  'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', '_Alignof', '_Static_assert', '__forceinline', '__int64',
];
const KEYWORD_SET = new Set(KEYWORDS);
const BASIC_TYPES = new Set(['char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', 'void', '_Bool', '__int64']);

// ---- types: the headers' and the file's own -----------------------------------------------------

/** Structures the file itself declares (`typedef struct _ADAPTER { … } ADAPTER, *PADAPTER;`). */
export interface DocumentTypes {
  records: Map<string, HeaderRecord>;
  typeLinks: Map<string, HeaderTypeLink>;
}

export function documentTypes(masked: string): DocumentTypes {
  const types: DocumentTypes = { records: new Map(), typeLinks: new Map() };
  const re = /\b(typedef\s+)?(struct|union)\s+([A-Za-z_]\w*)?\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked))) {
    const open = m.index + m[0].length - 1;
    const close = matching(masked, open, '{', '}');
    if (close < 0) break;
    const tag = m[3];
    const after = masked.slice(close + 1, masked.indexOf(';', close) < 0 ? masked.length : masked.indexOf(';', close));
    const names = m[1] ? after.split(',').map((d) => /^\s*((?:\*\s*)*)([A-Za-z_]\w*)/.exec(d)).filter((d): d is RegExpExecArray => d !== null) : [];
    const key = `local:${tag ?? names[0]?.[2] ?? `${m.index}`}`;
    if (!tag && names.length === 0) continue; // an unnamed member of another structure: read with it
    const kind = m[2] as 'struct' | 'union';
    types.records.set(key, { kind, name: tag ?? names[0]![2]!, file: '', line: lineOf(masked, m.index), fields: parseFields(masked.slice(open + 1, close), masked, open + 1, key, types) });
    if (tag) types.typeLinks.set(`${kind} ${tag}`, { record: key, depth: 0 });
    for (const d of names) types.typeLinks.set(d[2]!, { record: key, depth: (d[1] ?? '').replace(/\s/g, '').length });
    re.lastIndex = close + 1;
  }
  return types;
}

function parseFields(body: string, masked: string, base: number, key: string, types: DocumentTypes): HeaderField[] {
  const fields: HeaderField[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ';' && depth === 0) {
      fields.push(...parseMember(body.slice(start, i), masked, base + start, key, types));
      start = i + 1;
    }
  }
  return fields;
}

function parseMember(member: string, masked: string, base: number, key: string, types: DocumentTypes): HeaderField[] {
  const text = member.replace(/#[^\n]*/g, ' ');
  const nested = /\b(struct|union)\s*([A-Za-z_]\w*)?\s*\{/.exec(text);
  if (nested) {
    const open = nested.index + nested[0].length - 1;
    const close = matching(text, open, '{', '}');
    const inner = parseFields(text.slice(open + 1, close), masked, base + open + 1, key, types);
    const declarators = text.slice(close + 1).split(',').map((d) => /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*$/.exec(d)?.[1]).filter(Boolean) as string[];
    if (declarators.length === 0) return inner; // unnamed member: its fields are the parent's
    const innerKey = `${key}.${declarators[0]}`;
    types.records.set(innerKey, { kind: nested[1] as 'struct' | 'union', name: nested[2] ?? '', file: '', line: lineOf(masked, base), fields: inner });
    return declarators.map((name) => ({ name, type: `${nested[1]} {…}`, line: lineOf(masked, base), record: innerKey }));
  }
  const clean = text.replace(/\b_[A-Z][A-Za-z0-9_]*_(?:\s*\((?:[^()]|\([^()]*\))*\))?/g, ' ').replace(/:\s*\d+\s*$/, '').trim();
  if (!clean) return [];
  const pieces = clean.split(',');
  const first = /^(.*?)([A-Za-z_]\w*)\s*((?:\[[^\]]*\])*)$/.exec(pieces[0]!.trim());
  if (!first) return [];
  const baseType = first[1]!.replace(/\*/g, '').trim();
  const line = lineOf(masked, base + Math.max(0, member.search(/\S/)));
  return pieces.map((piece, i) => {
    const d = i === 0 ? first : /^((?:\*\s*)*)([A-Za-z_]\w*)\s*((?:\[[^\]]*\])*)$/.exec(piece.trim());
    if (!d) return undefined;
    const stars = i === 0 ? (first[1]!.match(/\*/g) ?? []).length : (d[1]!.match(/\*/g) ?? []).length;
    const type = `${baseType}${stars ? ` ${'*'.repeat(stars)}` : ''}${d[3] ? d[3] : ''}`;
    return { name: d[2]!, type, line };
  }).filter((f): f is HeaderField => f !== undefined);
}

function matching(text: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === o) depth++;
    else if (text[i] === c && --depth === 0) return i;
  }
  return -1;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** Types, fields and records of the headers and of the file, together. */
export class TypeResolver {
  constructor(
    readonly lookup: HeaderLookup,
    readonly local: DocumentTypes = { records: new Map(), typeLinks: new Map() },
  ) {}

  record(key: string): HeaderRecord | undefined {
    return this.local.records.get(key) ?? this.lookup.record(key);
  }

  private readonly linkedLocal = new Map<string, HeaderField[]>();

  /** A record's fields; the file's own fields are linked to the types they name on first use. */
  fields(key: string): readonly HeaderField[] {
    const local = this.local.records.get(key);
    if (!local) return this.lookup.record(key)?.fields ?? [];
    let linked = this.linkedLocal.get(key);
    if (!linked) {
      linked = local.fields.map((f) => {
        if (f.record) return f;
        const link = this.typeLink(f.type);
        return link ? { ...f, record: link.record, ...(link.depth ? { depth: link.depth } : {}) } : f;
      });
      this.linkedLocal.set(key, linked);
    }
    return linked;
  }

  /** The record a type (as written: `PADAPTER`, `struct _MDL *`, `NDIS_OID_REQUEST`) leads to. */
  typeLink(type: string): HeaderTypeLink | undefined {
    let text = type.replace(/\b(const|volatile)\b/g, ' ').replace(/\s+/g, ' ').trim();
    const array = /^(.*?)\s*((?:\[[^\]]*\])+)$/.exec(text);
    let extra = 0;
    if (array) {
      text = array[1]!;
      extra = (array[2]!.match(/\[/g) ?? []).length;
    }
    let stars = 0;
    while (text.endsWith('*')) {
      stars++;
      text = text.slice(0, -1).trim();
    }
    const local = this.local.typeLinks.get(text);
    if (local) return { record: local.record, depth: local.depth + stars + extra };
    const link = this.lookup.typeLink(text);
    return link ? { record: link.record, depth: link.depth + stars + extra } : undefined;
  }

  isType(word: string): boolean {
    if (BASIC_TYPES.has(word) || this.local.typeLinks.has(word)) return true;
    return this.lookup.all(word).some((s) => s.kind === 'typedef' || s.kind === 'struct' || s.kind === 'enum' || (s.kind === 'macro' && /^(VOID|CONST)$/.test(s.name)));
  }

  /** All fields of all known records, for `.`/`->` on something whose type is not known. */
  allFields(): Array<{ field: HeaderField; record: HeaderRecord }> {
    const out: Array<{ field: HeaderField; record: HeaderRecord }> = [];
    for (const record of [...this.local.records.values(), ...Object.values(this.lookup.index.records)]) {
      for (const field of record.fields) out.push({ field, record });
    }
    return out;
  }
}

// ---- expressions ---------------------------------------------------------------------------------

/** The type written in the nearest declaration of `name` before an offset (`PNDIS_OID_REQUEST`, `struct _X *`). */
export function declaredType(masked: string, name: string, before: number, resolver: TypeResolver): string | undefined {
  const head = masked.slice(0, before);
  const re = new RegExp(`(?:\\b(struct|union)\\s+)?\\b([A-Za-z_]\\w*)\\s*((?:\\*\\s*)*)(?:\\b(?:const|volatile)\\b\\s*(?:\\*\\s*)*)*\\b${name}\\b\\s*(?=[;,=)\\[]|$)`, 'g');
  let found: string | undefined;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    const [, tag, type, stars] = m;
    if (KEYWORD_SET.has(type!) && !BASIC_TYPES.has(type!)) continue;
    if (!tag && !resolver.isType(type!)) continue;
    found = `${tag ? `${tag} ` : ''}${type}${stars ? ` ${stars.replace(/\s/g, '')}` : ''}`;
  }
  return found;
}

/** `expr->` or `expr.` right before an offset (the start of the member name being typed). */
export function memberAccess(masked: string, wordStart: number): { expression: string; start: number } | undefined {
  let i = wordStart;
  while (i > 0 && /\s/.test(masked[i - 1]!)) i--;
  let opStart: number;
  if (masked[i - 1] === '.' && !/[0-9]/.test(masked[i - 2] ?? '')) opStart = i - 1;
  else if (masked[i - 1] === '>' && masked[i - 2] === '-') opStart = i - 2;
  else return undefined;
  const start = expressionStart(masked, opStart);
  if (start === undefined || start >= opStart) return undefined;
  return { expression: masked.slice(start, opStart), start };
}

/** Where a postfix expression (`a->b[2].c`, `((PADAPTER)ctx)`, `F(x)->y`) ending at `end` starts. */
function expressionStart(text: string, end: number): number | undefined {
  let i = end;
  for (;;) {
    while (i > 0 && /\s/.test(text[i - 1]!)) i--;
    const c = text[i - 1];
    if (c === ']') {
      const open = matchingBack(text, i - 1, '[', ']');
      if (open < 0) return undefined;
      i = open;
      continue;
    }
    if (c === ')') {
      const open = matchingBack(text, i - 1, '(', ')');
      if (open < 0) return undefined;
      i = open;
      let j = i;
      while (j > 0 && /\s/.test(text[j - 1]!)) j--;
      if (j > 0 && IDENT.test(text[j - 1]!)) {
        while (j > 0 && IDENT.test(text[j - 1]!)) j--;
        i = j; // a call
      }
    } else if (c !== undefined && IDENT.test(c)) {
      while (i > 0 && IDENT.test(text[i - 1]!)) i--;
    } else return undefined;
    let j = i;
    while (j > 0 && /\s/.test(text[j - 1]!)) j--;
    if (text[j - 1] === '.' && !/[0-9]/.test(text[j - 2] ?? '')) i = j - 1;
    else if (text[j - 1] === '>' && text[j - 2] === '-') i = j - 2;
    else return i;
  }
}

function matchingBack(text: string, close: number, o: string, c: string): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === c) depth++;
    else if (text[i] === o && --depth === 0) return i;
  }
  return -1;
}

type Token = { ident: string } | { op: '.' | '->' } | { index: true } | { group: string };

function tokenize(expression: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (/\s/.test(c)) i++;
    else if (IDENT.test(c)) {
      let j = i;
      while (j < expression.length && IDENT.test(expression[j]!)) j++;
      tokens.push({ ident: expression.slice(i, j) });
      i = j;
    } else if (c === '.') {
      tokens.push({ op: '.' });
      i++;
    } else if (c === '-' && expression[i + 1] === '>') {
      tokens.push({ op: '->' });
      i += 2;
    } else if (c === '[') {
      const close = matching(expression, i, '[', ']');
      if (close < 0) return undefined;
      tokens.push({ index: true });
      i = close + 1;
    } else if (c === '(') {
      const close = matching(expression, i, '(', ')');
      if (close < 0) return undefined;
      tokens.push({ group: expression.slice(i + 1, close) });
      i = close + 1;
    } else if (c === '*' || c === '&') i++; // unary operators at the start: approximated away
    else return undefined;
  }
  return tokens;
}

/** The record an expression's value leads to, following declarations, casts, calls and fields. */
export function resolveExpression(masked: string, expression: string, before: number, resolver: TypeResolver, depthLeft = 4): HeaderTypeLink | undefined {
  const tokens = tokenize(expression);
  if (!tokens || tokens.length === 0 || depthLeft === 0) return undefined;
  let current: HeaderTypeLink | undefined;
  let k = 0;
  const first = tokens[0]!;
  if ('group' in first) {
    const cast = /^\s*\(\s*((?:struct|union)\s+)?([A-Za-z_]\w*)\s*((?:\*\s*)*)\)/.exec(first.group);
    current = cast
      ? resolver.typeLink(`${cast[1] ?? ''}${cast[2]}${cast[3] ? ` ${cast[3].replace(/\s/g, '')}` : ''}`)
      : resolveExpression(masked, first.group, before, resolver, depthLeft - 1);
    k = 1;
  } else if ('ident' in first) {
    const call = tokens[1];
    if (call && 'group' in call) {
      current = callResult(masked, first.ident, call.group, before, resolver, depthLeft);
      k = 2;
    } else {
      const type = declaredType(masked, first.ident, before, resolver);
      current = type ? resolver.typeLink(type) : undefined;
      k = 1;
    }
  }
  for (; current && k < tokens.length; k++) {
    const t = tokens[k]!;
    if ('index' in t) current = { record: current.record, depth: Math.max(0, current.depth - 1) };
    else if ('op' in t) {
      const name = tokens[k + 1];
      if (!name || !('ident' in name)) return undefined;
      const field = resolver.fields(current.record).find((f) => f.name === name.ident);
      current = field?.record ? { record: field.record, depth: field.depth ?? 0 } : undefined;
      k++;
    } else return undefined;
  }
  return current;
}

/** What a call gives back: a function's return type, or an accessor macro `((_X)->Field)` applied to its argument. */
function callResult(masked: string, name: string, args: string, before: number, resolver: TypeResolver, depthLeft: number): HeaderTypeLink | undefined {
  const symbol = resolver.lookup.get(name, 'call');
  if (!symbol) return undefined;
  if (symbol.kind === 'function' && symbol.returns) return resolver.typeLink(symbol.returns);
  const accessor = symbol.kind === 'macro' && symbol.params ? /^\(\(\s*(\w+)\s*\)\s*->\s*(\w+)\s*\)$/.exec(symbol.body ?? '') : null;
  if (!accessor) return undefined;
  const index = symbol.params!.findIndex((p) => p.name === accessor[1]);
  const arg = splitArguments(args)[index];
  if (arg === undefined) return undefined;
  const target = resolveExpression(masked, arg, before, resolver, depthLeft - 1);
  const field = target ? resolver.fields(target.record).find((f) => f.name === accessor[2]) : undefined;
  return field?.record ? { record: field.record, depth: field.depth ?? 0 } : undefined;
}

function splitArguments(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of args) {
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((a) => a.trim());
}

// ---- calls ----------------------------------------------------------------------------------------

export interface ActiveCall {
  name: string;
  /** 0-based argument the cursor is in. */
  argument: number;
  /** Offset of the call's `(`. */
  open: number;
}

const NOT_CALLS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', '_Alignof', '__typeof__', 'typeof']);

/** The innermost call whose argument list contains the offset. */
export function activeCall(masked: string, offset: number): ActiveCall | undefined {
  let depth = 0;
  let commas = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const c = masked[i];
    if (c === ')' || c === ']') depth++;
    else if (c === '[') depth--;
    else if (c === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      let j = i;
      while (j > 0 && /\s/.test(masked[j - 1]!)) j--;
      const word = identifierAt(masked, j);
      if (!word || word.end !== j || NOT_CALLS.has(word.word)) return undefined;
      return { name: word.word, argument: commas, open: i };
    } else if (c === ',' && depth === 0) commas++;
    else if ((c === ';' || c === '{' || c === '}') && depth === 0) return undefined;
  }
  return undefined;
}

// ---- what the providers show ---------------------------------------------------------------------

export type EntryKind = HeaderSymbol['kind'] | 'field' | 'keyword' | 'word' | 'header' | 'local-type';

export interface CompletionEntry {
  label: string;
  kind: EntryKind;
  /** One line: our description (or the field's structure). */
  detail?: string;
  /** After the label: the parameter list of a function, the type of a field. */
  labelDetail?: string;
  /** Right-aligned in the list: our one-line description (after "not simulated yet" when the simulator lacks it). */
  labelDescription?: string;
  insertText?: string;
  snippet?: boolean;
  /** Open signature help after inserting. */
  triggerSignature?: boolean;
  symbol?: HeaderSymbol;
  field?: { field: HeaderField; record: HeaderRecord };
  sortText?: string;
}

export interface Completions {
  entries: CompletionEntry[];
  /** The range the chosen entry replaces. */
  start: number;
  end: number;
}

const KIND_LABELS: Record<HeaderSymbol['kind'], string> = {
  function: 'function',
  role: 'callback role type',
  struct: 'structure',
  enum: 'enumeration',
  enumerator: 'enumeration value',
  typedef: 'type',
  constant: 'constant',
  macro: 'macro',
};

const KIND_ORDER: Record<string, string> = { function: '1', macro: '2', role: '3', struct: '3', enum: '4', typedef: '5', constant: '6', enumerator: '6' };

export function completionsAt(text: string, offset: number, lookup: HeaderLookup, headerFiles: readonly string[] = []): Completions | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const include = /^\s*#\s*include\s*[<"]([\w/.]*)$/.exec(text.slice(lineStart, offset));
  if (include) {
    return {
      start: offset - include[1]!.length,
      end: offset,
      entries: headerFiles.map((file) => ({ label: file, kind: 'header', detail: 'Lab header (read-only; F12 or Ctrl+click opens it)' })),
    };
  }
  const spans = nonCodeSpans(text);
  if (inNonCode(spans, offset)) return undefined;
  const masked = maskCode(text, spans);
  let start = offset;
  while (start > 0 && IDENT.test(masked[start - 1]!)) start--;
  let end = offset;
  while (end < masked.length && IDENT.test(masked[end]!)) end++;
  if (/[0-9]/.test(masked[start] ?? '')) return undefined;
  const resolver = new TypeResolver(lookup, documentTypes(masked));
  const access = memberAccess(masked, start);
  if (access) return { start, end: offset, entries: memberEntries(masked, access.expression, start, resolver) };
  // After `struct` or `union`: the tags.
  const tagged = /\b(struct|union)\s+$/.exec(masked.slice(Math.max(0, start - 20), start));
  if (tagged) {
    const tags: CompletionEntry[] = [];
    for (const [key, record] of [...Object.entries(lookup.index.records), ...resolver.local.records]) {
      if (record.kind !== tagged[1] || !record.name.startsWith('_') || (key.includes(':') && !key.startsWith('local:'))) continue;
      const struct = key.startsWith('local:') ? undefined : lookup.structOf(key);
      tags.push({ label: record.name, kind: 'struct', detail: struct ? lookup.description(struct) : 'Declared in this file', ...(struct ? { symbol: struct } : {}) });
    }
    return { start, end: offset, entries: tags };
  }
  const entries: CompletionEntry[] = [];
  for (const symbol of lookup.symbols) entries.push(symbolEntry(symbol, lookup));
  for (const [name, link] of resolver.local.typeLinks) {
    if (!name.includes(' ')) entries.push({ label: name, kind: 'local-type', detail: `${link.depth ? 'Pointer to a structure' : 'Structure'} declared in this file`, sortText: `0${name}` });
  }
  for (const keyword of KEYWORDS) entries.push({ label: keyword, kind: 'keyword', sortText: `9${keyword}` });
  const known = new Set(entries.map((e) => e.label));
  const current = masked.slice(start, offset);
  for (const m of masked.matchAll(/[A-Za-z_]\w{2,}/g)) {
    const word = m[0];
    if (known.has(word) || (m.index === start && word.startsWith(current))) continue;
    known.add(word);
    entries.push({ label: word, kind: 'word', sortText: `0${word}` });
  }
  return { start, end: offset, entries };
}

function memberEntries(masked: string, expression: string, before: number, resolver: TypeResolver): CompletionEntry[] {
  const link = resolveExpression(masked, expression, before, resolver);
  const record = link ? resolver.record(link.record) : undefined;
  if (link && record) {
    return resolver.fields(link.record).map((field, i) => fieldEntry({ field, record }, resolver, String(i).padStart(3, '0')));
  }
  // Type not known from this file: every field the headers and the file declare.
  const byName = new Map<string, Array<{ field: HeaderField; record: HeaderRecord }>>();
  for (const item of resolver.allFields()) {
    const list = byName.get(item.field.name) ?? [];
    list.push(item);
    byName.set(item.field.name, list);
  }
  return [...byName.values()].map((items) => {
    const entry = fieldEntry(items[0]!, resolver);
    const owners = [...new Set(items.map((i) => structName(i.record, resolver)))];
    entry.detail = `Field of ${owners.slice(0, 3).join(', ')}${owners.length > 3 ? `, … (${owners.length})` : ''}`;
    entry.labelDescription = entry.detail;
    return entry;
  });
}

const recordKeys = new WeakMap<HeaderRecord, string>();
const keyedIndexes = new WeakSet<object>();

function structName(record: HeaderRecord, resolver: TypeResolver): string {
  const records = resolver.lookup.index.records;
  if (!keyedIndexes.has(records)) {
    for (const [key, r] of Object.entries(records)) recordKeys.set(r, key);
    keyedIndexes.add(records);
  }
  const key = recordKeys.get(record);
  return (key ? resolver.lookup.structOf(key)?.name : undefined) ?? (record.name.replace(/^_/, '') || `${record.kind} {…}`);
}

function fieldEntry(item: { field: HeaderField; record: HeaderRecord }, resolver: TypeResolver, order?: string): CompletionEntry {
  return {
    label: item.field.name,
    kind: 'field',
    labelDetail: ` ${item.field.type}`,
    detail: `Field of ${structName(item.record, resolver)}`,
    field: item,
    ...(order ? { sortText: `0${order}` } : {}),
  };
}

function symbolEntry(symbol: HeaderSymbol, lookup: HeaderLookup): CompletionEntry {
  const callable = symbol.kind === 'function' || (symbol.kind === 'macro' && symbol.params !== undefined);
  const description = lookup.description(symbol);
  // Short parameter lists fit next to the name; long ones would push the description out of the row.
  const params = `(${(symbol.params ?? []).map((p) => p.name).join(', ')}${symbol.variadic ? ', ...' : ''})`;
  return {
    label: symbol.name,
    kind: symbol.kind,
    detail: `${KIND_LABELS[symbol.kind]} · ${symbol.file}${symbol.notSimulated ? ' · not simulated yet' : ''}`,
    ...(callable ? { labelDetail: params.length <= 28 ? params : '(…)' } : {}),
    ...(symbol.value !== undefined ? { labelDetail: ` = ${symbol.value}` } : {}),
    labelDescription: symbol.notSimulated ? `not simulated yet · ${description}` : description,
    ...(callable ? { insertText: `${symbol.name}($0)`, snippet: true, triggerSignature: true } : {}),
    symbol,
    sortText: `${KIND_ORDER[symbol.kind] ?? '7'}${symbol.name}`,
  };
}

/** Markdown for a symbol: its declaration, our description, IRQL, value, simulator support, page. */
export function symbolMarkdown(symbol: HeaderSymbol, lookup: HeaderLookup): string[] {
  const parts = ['```c\n' + lookup.declaration(symbol) + '\n```', lookup.description(symbol)];
  const facts: string[] = [];
  if (symbol.irql) facts.push(`IRQL: ${symbol.irql}`);
  if (symbol.checkResult) facts.push('check the result');
  if (symbol.value !== undefined && symbol.kind !== 'enumerator') facts.push(`value ${symbol.value}`);
  if (facts.length > 0) parts.push(facts.join(' · '));
  if (symbol.notSimulated) {
    const what = symbol.notSimulated.length === 1 && symbol.notSimulated[0] === symbol.name ? 'It is' : `It needs ${symbol.notSimulated.join(', ')}, which ${symbol.notSimulated.length > 1 ? 'are' : 'is'}`;
    parts.push(`**Not simulated yet.** ${what} not implemented by the NDIS Lab simulator: a build that calls it fails.`);
  }
  const doc = lookup.doc(symbol);
  parts.push(`${headerLink(symbol.file, symbol.line)}${doc ? ` · [learn.microsoft.com ↗](${doc})` : ''}`);
  return parts;
}

/** A command link that opens a lab header at a line in the read-only viewer. */
export const OPEN_HEADER_COMMAND = 'ndisLab.openLabHeader';

export function headerLink(file: string, line: number): string {
  return `[${file}:${line}](command:${OPEN_HEADER_COMMAND}?${encodeURIComponent(JSON.stringify([file, line]))})`;
}

export function fieldMarkdown(item: { field: HeaderField; record: HeaderRecord }, resolver: TypeResolver): string[] {
  const owner = structName(item.record, resolver);
  const struct = resolver.lookup.get(owner, 'type');
  const parts = ['```c\n' + `${fieldDeclaration(item.field)}; // ${owner}` + '\n```'];
  if (struct) parts.push(`Field of ${owner}: ${resolver.lookup.description(struct)}`);
  else parts.push(`Field of ${owner}.`);
  const doc = struct ? resolver.lookup.doc(struct) : undefined;
  if (item.record.file) parts.push(`${headerLink(item.record.file, item.field.line)}${doc ? ` · [learn.microsoft.com ↗](${doc})` : ''}`);
  return parts;
}

export interface Hover {
  parts: string[];
  start: number;
  end: number;
}

/** The hover at an offset: a header symbol, or a field reached through `.`/`->`. */
export function hoverAt(text: string, offset: number, lookup: HeaderLookup): Hover | undefined {
  const spans = nonCodeSpans(text);
  if (inNonCode(spans, offset)) return undefined;
  const masked = maskCode(text, spans);
  const word = identifierAt(masked, offset);
  if (!word) return undefined;
  const resolver = new TypeResolver(lookup, documentTypes(masked));
  const access = memberAccess(masked, word.start);
  if (access) {
    const link = resolveExpression(masked, access.expression, word.start, resolver);
    const record = link ? resolver.record(link.record) : undefined;
    const field = record?.fields.find((f) => f.name === word.word);
    if (record && field) return { parts: fieldMarkdown({ field, record }, resolver), start: word.start, end: word.end };
    return undefined;
  }
  const symbol = lookup.get(word.word, usageAt(masked, word.end));
  if (!symbol) return undefined;
  return { parts: symbolMarkdown(symbol, lookup), start: word.start, end: word.end };
}

function usageAt(masked: string, end: number): 'call' | 'type' {
  return /^\s*\(/.test(masked.slice(end, end + 40)) ? 'call' : 'type';
}

export interface Signature {
  label: string;
  documentation: string;
  parameters: Array<{ label: [number, number]; documentation: string }>;
  activeParameter: number;
}

/** Signature help inside the argument list of a header function or function-like macro. */
export function signatureAt(text: string, offset: number, lookup: HeaderLookup): Signature | undefined {
  const spans = nonCodeSpans(text);
  if (inNonCode(spans, offset)) return undefined;
  const call = activeCall(maskCode(text, spans), offset);
  if (!call) return undefined;
  const symbol = lookup.get(call.name, 'call');
  if (!symbol || !symbol.params || (symbol.kind !== 'function' && symbol.kind !== 'macro')) return undefined;
  let label = `${symbol.returns ? `${symbol.returns} ` : ''}${symbol.name}(`;
  const parameters: Signature['parameters'] = [];
  symbol.params.forEach((p, i) => {
    if (i > 0) label += ', ';
    const decl = paramDeclaration(p);
    parameters.push({ label: [label.length, label.length + decl.length], documentation: paramDocumentation(p) });
    label += decl;
  });
  if (symbol.variadic) {
    label += `${symbol.params.length > 0 ? ', ' : ''}...`;
    parameters.push({ label: [label.length - 3, label.length], documentation: 'more arguments' });
  }
  label += ')';
  const documentation = [lookup.description(symbol), symbol.irql ? `IRQL: ${symbol.irql}` : '', symbol.notSimulated ? 'Not simulated yet.' : ''].filter(Boolean).join(' · ');
  const last = Math.max(0, parameters.length - 1);
  return { label, documentation, parameters, activeParameter: Math.min(call.argument, last) };
}

function paramDocumentation(p: { name: string; type: string; sal?: string }): string {
  const direction = salDirection(p.sal);
  return [direction ? `[${direction}]` : '', p.type, p.sal && !/^_(In|Out|Inout)(_opt)?_$/.test(p.sal) ? `(${p.sal})` : ''].filter(Boolean).join(' ');
}

export interface DefinitionTarget {
  file: string;
  line: number;
}

/** Where a header symbol, field or included header is defined. */
export function definitionAt(text: string, offset: number, lookup: HeaderLookup, headerFiles: readonly string[] = []): DefinitionTarget | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const lineText = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const include = /^\s*#\s*include\s*[<"]([^>"]+)[>"]/.exec(lineText);
  if (include) {
    const at = lineText.indexOf(include[1]!);
    const column = offset - lineStart;
    if (column >= at && column <= at + include[1]!.length && headerFiles.includes(include[1]!)) return { file: include[1]!, line: 1 };
  }
  const spans = nonCodeSpans(text);
  if (inNonCode(spans, offset)) return undefined;
  const masked = maskCode(text, spans);
  const word = identifierAt(masked, offset);
  if (!word) return undefined;
  const resolver = new TypeResolver(lookup, documentTypes(masked));
  const access = memberAccess(masked, word.start);
  if (access) {
    const link = resolveExpression(masked, access.expression, word.start, resolver);
    const record = link ? resolver.record(link.record) : undefined;
    const field = record?.fields.find((f) => f.name === word.word);
    return record?.file && field ? { file: record.file, line: field.line } : undefined;
  }
  const symbol = lookup.get(word.word, usageAt(masked, word.end));
  if (symbol) return { file: symbol.file, line: symbol.line };
  const record = lookup.record(word.word);
  return record ? { file: record.file, line: record.line } : undefined;
}
