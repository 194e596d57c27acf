import type { SourceMap, SourceSite } from '../../sim/session/source-site';
import { projectPath } from '../../sim/session/source-site';
import { lookupInlined, type InlineTable } from '../toolchain/dwarf/inline-chains';
import { findRow, type LineTable } from '../toolchain/dwarf/line-table';

/**
 * Module offsets of the running (possibly instrumented) driver → project source positions, from
 * the build's DWARF. Lookups are cached per offset: a driver makes the same calls from the same
 * places over and over.
 */
export function createSourceMap(lines: LineTable, inline: InlineTable | undefined, toOriginal: (offset: number) => number = (o) => o): SourceMap {
  const cache = new Map<number, SourceSite | undefined>();
  const siteAt = (row: number): SourceSite | undefined => {
    const line = lines.line[row] ?? 0;
    if (line === 0) return undefined;
    const column = lines.column[row] ?? 0;
    return { file: projectPath(lines.files[lines.file[row] ?? 0] ?? ''), line, ...(column ? { column } : {}) };
  };
  return {
    lookup(moduleOffset) {
      if (cache.has(moduleOffset)) return cache.get(moduleOffset);
      const original = toOriginal(moduleOffset);
      const row = findRow(lines, original - lines.codeSectionOffset);
      let site = row < 0 ? undefined : siteAt(row);
      if (site && inline) {
        const chain = lookupInlined(inline, lines, original);
        const outer = chain[0];
        if (outer) site = { ...site, function: chain.map((f) => f.function).reverse().join(' ← ') };
      }
      cache.set(moduleOffset, site);
      return site;
    },
    lookupAfter(moduleOffset) {
      const original = toOriginal(moduleOffset);
      let row = findRow(lines, original - lines.codeSectionOffset);
      if (row < 0) return undefined;
      // The first row at or after this address that names a line: the statement the address leads into.
      for (; row < lines.address.length; row++) {
        if ((lines.endSequence[row] ?? 0) === 1) return undefined;
        const site = siteAt(row);
        if (site) return site;
      }
      return undefined;
    },
  };
}
