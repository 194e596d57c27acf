import { lineMatches, type Query } from './search';

/** A checker finding (or bug check) as the findings console lists it. */
export interface FindingRecord {
  /** Its line in the consoles. */
  lineId: number;
  runId: string;
  /** The event's position in its run from 0. */
  index: number;
  t: number;
  kind: 'finding' | 'bugcheck';
  rule: string;
  severity: string;
  message: string;
  doc?: string | undefined;
  file?: string | undefined;
  line?: number | undefined;
}

/** What the findings console's search looks at. */
export function findingText(f: FindingRecord): string {
  return `${f.rule} ${f.severity} ${f.message}${f.file ? ` ${f.file}:${f.line ?? 0}` : ''} ${f.runId}`;
}

/**
 * The findings that match a query, kept as the list grows: only findings not yet looked at are
 * tested; a new query, or findings dropped at the front (`dropped` moved), start it over.
 */
export class FindingFilter {
  private source: string | undefined;
  private dropped = -1;
  private scanned = 0;
  private matches: number[] = [];

  update(records: readonly FindingRecord[], query: Query | undefined, dropped: number): readonly number[] {
    const source = query ? `${query.kind}:${query.source}` : undefined;
    if (source !== this.source || dropped !== this.dropped || this.scanned > records.length) {
      this.source = source;
      this.dropped = dropped;
      this.scanned = 0;
      this.matches = [];
    }
    for (let i = this.scanned; i < records.length; i++) if (!query || lineMatches(findingText(records[i]!), query)) this.matches.push(i);
    this.scanned = records.length;
    return this.matches;
  }
}
