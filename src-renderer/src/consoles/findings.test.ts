import { describe, expect, it } from 'vitest';
import { FindingFilter, findingText, type FindingRecord } from './findings';
import { parseQuery } from './search';

const finding = (rule: string, message: string, extra: Partial<FindingRecord> = {}): FindingRecord => ({ lineId: 0, runId: 'run-1', index: 0, t: 0, kind: 'finding', rule, severity: 'stop', message, ...extra });

describe('FindingFilter', () => {
  it('keeps the findings that match, testing only new ones as the list grows; a new query or dropped findings start over', () => {
    const records = [finding('HALT-TIMER', 'a timer is still set', { file: 'driver.c', line: 209 }), finding('HALT-LEAK', 'a pool allocation was never freed')];
    const filter = new FindingFilter();
    expect(filter.update(records, undefined, 0)).toEqual([0, 1]);
    expect(filter.update(records, parseQuery('timer'), 0)).toEqual([0]);
    records.push(finding('INIT-FAIL-TIMER', 'the timer outlived a failed initialization'));
    expect(filter.update(records, parseQuery('timer'), 0)).toEqual([0, 2]);
    expect(filter.update(records, parseQuery('driver.c:209'), 0)).toEqual([0]);
    expect(filter.update(records, parseQuery('/^HALT-/'), 0)).toEqual([0, 1]);
    records.shift();
    expect(filter.update(records, parseQuery('/^HALT-/'), 1)).toEqual([0]);
    expect(findingText(records[0]!)).toBe('HALT-LEAK stop a pool allocation was never freed run-1');
  });
});
