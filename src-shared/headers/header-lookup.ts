import type { HeaderField, HeaderIndex, HeaderParam, HeaderRecord, HeaderSymbol, HeaderTypeLink } from './types';

/**
 * Questions about the lab-header index (header-index.generated.ts) that the editor asks: a name's
 * symbols, the page and description of a symbol (enumerators and pointer typedefs share those of
 * what they belong to), its declaration as C, and the fields a type leads to.
 */
export class HeaderLookup {
  private readonly byName = new Map<string, HeaderSymbol[]>();
  private readonly structByRecord = new Map<string, HeaderSymbol>();

  constructor(readonly index: HeaderIndex) {
    for (const symbol of index.symbols) {
      const list = this.byName.get(symbol.name);
      if (list) list.push(symbol);
      else this.byName.set(symbol.name, [symbol]);
      if (symbol.kind === 'struct' && symbol.record) {
        // The structure's own name (NDIS_OBJECT_HEADER for _NDIS_OBJECT_HEADER) before other names for it.
        const current = this.structByRecord.get(symbol.record);
        if (!current || symbol.name === symbol.record.replace(/^_/, '')) this.structByRecord.set(symbol.record, symbol);
      }
    }
  }

  get symbols(): readonly HeaderSymbol[] {
    return this.index.symbols;
  }

  /** Every symbol with this name (a name can be a type and a macro: NET_BUFFER_DATA_LENGTH). */
  all(name: string): readonly HeaderSymbol[] {
    return this.byName.get(name) ?? [];
  }

  /** The symbol a name means where it is used: `call` prefers functions and function-like macros. */
  get(name: string, usage: 'call' | 'type' | 'any' = 'any'): HeaderSymbol | undefined {
    const list = this.byName.get(name);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const callable = list.find((s) => s.kind === 'function' || (s.kind === 'macro' && s.params !== undefined));
    const type = list.find((s) => s.kind === 'struct' || s.kind === 'typedef' || s.kind === 'enum' || s.kind === 'role');
    return (usage === 'call' ? callable : type) ?? list[0];
  }

  record(key: string): HeaderRecord | undefined {
    return this.index.records[key];
  }

  /** The structure symbol (its typedef name) of a record. */
  structOf(record: string): HeaderSymbol | undefined {
    return this.structByRecord.get(record);
  }

  /** The record a type leads to: `PNDIS_OID_REQUEST`, `struct _MDL *`, `NET_BUFFER_LIST`. */
  typeLink(type: string): HeaderTypeLink | undefined {
    let text = type.replace(/\b(const|volatile)\b/g, ' ').replace(/\s+/g, ' ').trim();
    let stars = 0;
    while (text.endsWith('*')) {
      stars++;
      text = text.slice(0, -1).trim();
    }
    const link = this.index.typeLinks[text];
    return link ? { record: link.record, depth: link.depth + stars } : undefined;
  }

  fields(record: string): readonly HeaderField[] {
    return this.index.records[record]?.fields ?? [];
  }

  /** Our one-line description (an enumerator adds its enumeration's). */
  description(symbol: HeaderSymbol): string {
    if (symbol.kind === 'enumerator' && symbol.of) {
      const of = this.get(symbol.of, 'type');
      return of?.description ? `${symbol.description} ${of.description}` : symbol.description;
    }
    return symbol.description;
  }

  /** The learn.microsoft.com page: the symbol's own, else that of its enumeration, structure or role. */
  doc(symbol: HeaderSymbol): string | undefined {
    if (symbol.doc) return symbol.doc;
    if (symbol.kind === 'enumerator' && symbol.of) return this.get(symbol.of, 'type')?.doc;
    if (symbol.kind === 'typedef') {
      const fn = /^(\w+) \(\*\)$/.exec(symbol.type ?? '');
      if (fn) return this.get(fn[1]!, 'type')?.doc;
      if (symbol.record && /\*$/.test(symbol.type ?? '')) return this.structOf(symbol.record)?.doc;
    }
    return undefined;
  }

  /** The symbol's declaration as C, for hovers and completion details. */
  declaration(symbol: HeaderSymbol): string {
    switch (symbol.kind) {
      case 'function':
        return `${symbol.returns ?? 'void'} ${symbol.name}(${paramList(symbol.params, symbol.variadic)});`;
      case 'role':
        return `typedef ${symbol.returns ?? 'void'} ${symbol.name}(${paramList(symbol.params, false)});`;
      case 'macro':
      case 'constant': {
        const params = symbol.params && !symbol.of ? `(${symbol.params.map((p) => p.name).join(', ')})` : '';
        return `#define ${symbol.name}${params} ${symbol.body ?? ''}`.trimEnd();
      }
      case 'enumerator':
        return `${symbol.of ?? 'enum'} ${symbol.name}${symbol.value !== undefined ? ` = ${symbol.value}` : ''}`;
      case 'struct': {
        const record = symbol.record ? this.index.records[symbol.record] : undefined;
        if (!record) return `typedef ${symbol.type ?? 'struct'} ${symbol.name}; // opaque in the lab headers`;
        const fields = record.fields.map((f) => `    ${fieldDeclaration(f)};`);
        const shown = fields.length > 24 ? [...fields.slice(0, 24), `    /* … ${fields.length - 24} more */`] : fields;
        const tag = record.name.startsWith('_') ? `${record.name} ` : '';
        const body = `${record.kind} ${tag}{\n${shown.join('\n')}\n}`;
        const own = !symbol.type || symbol.type === `${record.kind} ${symbol.record}` || symbol.type === `${record.kind} {…}`;
        return own ? `typedef ${body} ${symbol.name};` : `typedef ${symbol.type} ${symbol.name};\n${body};`;
      }
      case 'enum':
      case 'typedef': {
        const t = symbol.type ?? '';
        if (t.includes('(*)')) return `typedef ${t.replace('(*)', `(*${symbol.name})`)};`;
        return `typedef ${t}${t.endsWith('*') ? '' : ' '}${symbol.name};`;
      }
    }
  }
}

/** `UCHAR Data[8]` from `UCHAR[8]`; `PVOID Buffer` from `PVOID`. */
export function fieldDeclaration(field: HeaderField): string {
  const array = /^(.*?)(\[[^\]]*\](?:\[[^\]]*\])*)$/.exec(field.type);
  if (array) return `${array[1]!.trim()} ${field.name}${array[2]}`;
  return `${field.type}${field.type.endsWith('*') ? '' : ' '}${field.name}`;
}

/** `_In_opt_ NDIS_HANDLE MiniportDriverContext`; a macro parameter is its name. */
export function paramDeclaration(param: HeaderParam): string {
  const type = param.type ? `${param.type}${param.type.endsWith('*') ? '' : ' '}` : '';
  return `${param.sal ? `${param.sal} ` : ''}${type}${param.name}`.trim();
}

/** A parameter list with SAL, one parameter a line when there are more than two. */
function paramList(params: readonly HeaderParam[] | undefined, variadic: boolean | undefined): string {
  const list = (params ?? []).map((p) => paramDeclaration(p));
  if (variadic) list.push('...');
  if (list.length === 0) return 'void';
  return list.length > 2 ? `\n    ${list.join(',\n    ')}\n` : list.join(', ');
}

/** What the SAL annotation of a parameter says about its direction: `in`, `out`, `in/out`, plus `optional`. */
export function salDirection(sal: string | undefined): string | undefined {
  if (!sal) return undefined;
  const first = sal.split(/\s+/)[0] ?? '';
  const optional = /_opt_/.test(first) || /maybenull/.test(first);
  let direction: string | undefined;
  if (/^_Inout_/.test(first)) direction = 'in/out';
  else if (/^_In_/.test(first)) direction = 'in';
  else if (/^_Out/.test(first)) direction = 'out';
  if (!direction) return undefined;
  return optional ? `${direction}, optional` : direction;
}
