import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKER_RULES, FAULT_MENU, SCHEDULE_PERTURBATIONS, ruleById, type CheckerRule, type RuleArea } from './catalog';

const REFERENCE = '/work/shared/reference/ndis-rules.md';
const hasReference = fs.existsSync(REFERENCE);
const LEARN = 'https://learn.microsoft.com/windows-hardware/drivers/';

// --- reading the reference (only when this checkout has it) -------------------------------------

interface RefRow { section: string; cells: string[] }

function referenceText(): string {
  return fs.readFileSync(REFERENCE, 'utf8');
}

/** The text between a heading starting with `start` and the next heading of the same or higher level. */
function section(text: string, start: string): string {
  const lines = text.split('\n');
  const from = lines.findIndex((line) => line.startsWith(start));
  if (from < 0) throw new Error(`reference has no heading '${start}'`);
  const level = /^#+/.exec(start)?.[0].length ?? 2;
  const rest = lines.slice(from + 1);
  const to = rest.findIndex((line) => /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 9) <= level);
  return (to < 0 ? rest : rest.slice(0, to)).join('\n');
}

function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\|\s*-/.test(line))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

/** §5.1–§5.7 rows: [id, violation, when, severity, citation, exposing]. */
function catalogRows(): RefRow[] {
  const text = referenceText();
  const rows: RefRow[] = [];
  for (let n = 1; n <= 7; n++) {
    for (const cells of tableRows(section(text, `### 5.${n} `))) {
      if (/^[A-Z]+(-[A-Z0-9]+)+$/.test(cells[0] ?? '')) rows.push({ section: `5.${n}`, cells });
    }
  }
  return rows;
}

const PREFIXES: Record<string, string> = {
  'DDI:': `${LEARN}ddi/ndis/`,
  'NET:': `${LEARN}network/`,
  'DEV:': `${LEARN}devtest/`,
  'DBG:': `${LEARN}debugger/`,
};

function expandCitations(cell: string): string[] {
  return cell.split(';').map((part) => {
    const token = part.trim().split(/\s+/)[0] ?? '';
    const prefix = Object.keys(PREFIXES).find((p) => token.startsWith(p));
    return prefix ? `${PREFIXES[prefix]}${token.slice(prefix.length)}` : token;
  });
}

/** NDIS_STATUS_X → value, from the §4.4 table. */
function statusValues(): Map<string, number> {
  const values = new Map<string, number>();
  for (const cells of tableRows(section(referenceText(), '### 4.4 '))) {
    const name = /^NDIS_STATUS_([A-Z_]+)/.exec(cells[0] ?? '')?.[1];
    const value = /^0x[0-9A-F]{8}$/i.exec(cells[1] ?? '')?.[0];
    if (name && value) values.set(name, Number(value));
  }
  return values;
}

function bugChecksOf(rule: CheckerRule): string[] {
  return [rule.bugCheck, ...(rule.otherBugChecks ?? [])]
    .filter((b) => b !== undefined)
    .map((b) => `${hex(b.code)}/${hex(b.p1 ?? -1)}`);
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase()}`;
const normHex = (s: string): string => hex(Number(s));

// --- catalog shape --------------------------------------------------------------------------------

describe('checker rule catalog', () => {
  it('has exactly 74 rules, split over the areas as §5 states', () => {
    expect(CHECKER_RULES).toHaveLength(74);
    const perArea: Record<RuleArea, number> = {
      registration: 0, initialization: 0, 'irql-locks-timers': 0, 'halt-shutdown-unload': 0, 'state-oid': 0, intermediate: 0, protocol: 0,
    };
    for (const rule of CHECKER_RULES) perArea[rule.area]++;
    expect(perArea).toEqual({
      registration: 6, initialization: 28, 'irql-locks-timers': 7, 'halt-shutdown-unload': 8, 'state-oid': 9, intermediate: 8, protocol: 8,
    });
  });

  it('uses unique, well-formed ids', () => {
    const ids = CHECKER_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Z]+(-[A-Z0-9]+)+$/);
  });

  it('assigns issue 4 to §5.1–§5.5 and issue 6 to §5.6–§5.7', () => {
    for (const rule of CHECKER_RULES) {
      expect(rule.issue, rule.id).toBe(rule.area === 'intermediate' || rule.area === 'protocol' ? 6 : 4);
    }
  });

  it('fills every text field with one short piece of prose', () => {
    for (const rule of CHECKER_RULES) {
      expect(rule.title.length, rule.id).toBeGreaterThan(10);
      expect(rule.title.length, rule.id).toBeLessThanOrEqual(90);
      expect(rule.title, rule.id).not.toMatch(/\n/);
      expect(rule.explanation.length, rule.id).toBeGreaterThan(40);
      expect(rule.explanation.length, rule.id).toBeLessThanOrEqual(500);
      const sentences = rule.explanation.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
      expect(sentences, rule.id).toBeLessThanOrEqual(3);
      expect(rule.detectedAt.length, rule.id).toBeGreaterThan(3);
    }
  });

  it('cites only full learn.microsoft.com driver-documentation URLs', () => {
    for (const rule of CHECKER_RULES) {
      expect(rule.docs.length, rule.id).toBeGreaterThan(0);
      expect(new Set(rule.docs).size, rule.id).toBe(rule.docs.length);
      for (const url of rule.docs) {
        expect(url, rule.id).toMatch(/^https:\/\/learn\.microsoft\.com\/windows-hardware\/drivers\/[a-z0-9/_.-]+$/);
        expect(() => new URL(url)).not.toThrow();
      }
    }
  });

  it('gives every bugcheck rule a 0x7C or 0xC4 bug check, and alternatives only known codes', () => {
    for (const rule of CHECKER_RULES) {
      if (rule.severity === 'bugcheck') {
        expect(rule.bugCheck, rule.id).toBeDefined();
        expect([0x7c, 0xc4], rule.id).toContain(rule.bugCheck?.code);
      }
      for (const spec of [rule.bugCheck, ...(rule.otherBugChecks ?? [])]) {
        if (!spec) continue;
        expect([0x7c, 0xc4, 0x15e], rule.id).toContain(spec.code);
        expect(spec.p1, rule.id).toBeTypeOf('number');
        if (spec.code === 0xc4) expect(spec.p1! >>> 16, rule.id).toBe(0x0009);
        if (spec.code === 0x7c) expect(spec.p1!, rule.id).toBeLessThanOrEqual(0x27);
      }
      if (rule.otherBugChecks) for (const spec of rule.otherBugChecks) expect(spec.when, rule.id).toBeTruthy();
    }
  });

  it('gives every api-fail rule an NDIS_STATUS error code', () => {
    for (const rule of CHECKER_RULES.filter((r) => r.severity === 'api-fail')) {
      expect(rule.failStatus, rule.id).toBeTypeOf('number');
      expect(rule.failStatus! >>> 30, rule.id).toBe(3); // error severity bits
    }
  });

  it('names fault injections that exist', () => {
    const apis = new Set(FAULT_MENU.map((fault) => fault.api));
    for (const rule of CHECKER_RULES) {
      for (const injection of rule.exposedBy) {
        if (/^S\d+$/.test(injection)) expect(Object.keys(SCHEDULE_PERTURBATIONS), rule.id).toContain(injection);
        else {
          expect(injection, rule.id).toMatch(/^[A-Za-z]+@N$/);
          expect(apis, `${rule.id}: ${injection}`).toContain(injection.slice(0, -2));
        }
      }
    }
  });

  it('keeps the fault menu and the rules consistent in both directions', () => {
    for (const fault of FAULT_MENU) {
      expect(fault.failures.length, fault.api).toBeGreaterThan(0);
      for (const id of fault.exposes) expect(ruleById(id).exposedBy, `${fault.api} → ${id}`).toContain(`${fault.api}@N`);
    }
    for (const rule of CHECKER_RULES) {
      for (const injection of rule.exposedBy.filter((i) => i.endsWith('@N'))) {
        const fault = FAULT_MENU.find((f) => `${f.api}@N` === injection);
        expect(fault?.exposes, `${rule.id} ← ${injection}`).toContain(rule.id);
      }
    }
  });

  it('defines the twelve schedule perturbations S1..S12', () => {
    expect(Object.keys(SCHEDULE_PERTURBATIONS).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `S${i + 1}`).sort());
    for (const text of Object.values(SCHEDULE_PERTURBATIONS)) expect(text).not.toMatch(/\n/);
  });

  it('lists every fault API once, with statuses or NULL results', () => {
    const apis = FAULT_MENU.map((fault) => fault.api);
    expect(new Set(apis).size).toBe(apis.length);
    expect(apis).toContain('NdisAllocateMemoryWithTagPriority');
    expect(FAULT_MENU.find((f) => f.api === 'NdisAllocateMemoryWithTagPriority')?.failures).toEqual([{ nullResult: true, outcome: 'returns NULL' }]);
    const map = FAULT_MENU.find((f) => f.api === 'NdisMMapIoSpace');
    expect(map?.failures.map((f) => f.status)).toEqual([0xc001001e, 0xc000009a, 0xc0000001]);
    expect(map?.failures.every((f) => f.nullResult)).toBe(true);
  });

  it('throws for an unknown id, naming it', () => {
    expect(() => ruleById('NO-SUCH-RULE')).toThrow(/NO-SUCH-RULE/);
    expect(() => ruleById('')).toThrow(/Unknown checker rule id/);
    expect(ruleById('INIT-FAIL-INT').id).toBe('INIT-FAIL-INT');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CHECKER_RULES)).toBe(true);
    expect(Object.isFrozen(ruleById('HALT-INT').bugCheck)).toBe(true);
    expect(Object.isFrozen(FAULT_MENU[0]?.failures)).toBe(true);
  });
});

// --- spot checks against §5 (by hand) -----------------------------------------------------------

describe('spot checks', () => {
  const bug = (id: string): { code?: number; p1?: number } => ({ code: ruleById(id).bugCheck?.code, p1: ruleById(id).bugCheck?.p1 });

  it.each([
    ['INIT-FAIL-INT', 0x7c, 0x0b],
    ['INIT-FAIL-TIMER', 0x7c, 0x0c],
    ['ST-SPURIOUS-COMPLETE', 0x7c, 0x1f],
    ['OID-DOUBLE', 0xc4, 0x00091002],
    ['OID-STATUS', 0xc4, 0x00091001],
    ['OID-TIMEOUT', 0xc4, 0x00092003],
    ['INIT-SHMEM-IRQL', 0x7c, 0x01],
    ['HALT-INT', 0x7c, 0x08],
    ['HALT-TIMER', 0x7c, 0x09],
    ['HALT-SHMEM-FREE', 0x7c, 0x03],
    ['IRQL-WAITEVENT', 0x7c, 0x14],
    ['REG-NDIS5-API', 0x7c, 0x15],
  ].map(([id, code, p1]) => ({ id: id as string, code: code as number, p1: p1 as number, name: `${hex(code as number)}/${hex(p1 as number)}` })))(
    '$id is bug check $name',
    ({ id, code, p1 }) => {
      expect(ruleById(id).severity).toBe('bugcheck');
      expect(bug(id)).toEqual({ code, p1 });
    },
  );

  it('records the documented alternative codes', () => {
    expect(bugChecksOf(ruleById('INIT-FAIL-INT'))).toEqual(['0x7C/0xB', '0x7C/0x10']);
    expect(bugChecksOf(ruleById('INIT-FAIL-TIMER'))).toEqual(['0x7C/0xC', '0x7C/0x11']);
    expect(bugChecksOf(ruleById('HALT-INT'))).toEqual(['0x7C/0x8', '0x7C/0xD']);
    expect(bugChecksOf(ruleById('HALT-TIMER'))).toEqual(['0x7C/0x9', '0x7C/0xE']);
    expect(bugChecksOf(ruleById('OID-DOUBLE'))).toEqual(['0xC4/0x91002', '0x7C/0x26']);
    expect(bugChecksOf(ruleById('OID-TIMEOUT'))).toEqual(['0xC4/0x92003', '0xC4/0x9100E', '0x7C/0x25']);
    expect(ruleById('ST-SPURIOUS-COMPLETE').otherBugChecks?.[0]).toMatchObject({ code: 0x7c, p1: 0x0f });
  });

  it('uses the §2.2 parameter meanings', () => {
    expect(ruleById('INIT-FAIL-INT').bugCheck?.params).toEqual(['adapter handle', 'interrupt object']);
    expect(ruleById('INIT-SHMEM-IRQL').bugCheck?.params).toEqual(['adapter handle', 'requested length', 'current IRQL']);
    expect(ruleById('IRQL-WAITEVENT').bugCheck?.params).toEqual(['current IRQL']);
    expect(ruleById('ST-SPURIOUS-COMPLETE').bugCheck?.params?.[1]).toBe('adapter handle');
    expect(ruleById('BIND-OPEN-CONTEXT').bugCheck).toMatchObject({ code: 0x7c, p1: 0x16, params: ['protocol handle', 'bind context', 'open handle'] });
  });

  it('records watchdog subtypes as P2', () => {
    expect(ruleById('ST-PAUSE-INCOMPLETE').bugCheck).toMatchObject({ code: 0x7c, p1: 0x25, p2: 0x21 });
    expect(ruleById('ST-PAUSE-INCOMPLETE').otherBugChecks?.[0]).toMatchObject({ code: 0x7c, p1: 0x25, p2: 0x22 });
    expect(ruleById('BIND-COMPLETE').bugCheck).toMatchObject({ p1: 0x25, p2: 0x04 });
    expect(ruleById('BIND-STATE-IO').bugCheck).toMatchObject({ p1: 0x25, p2: 0x01 });
    expect(ruleById('OID-TIMEOUT').otherBugChecks?.[1]).toMatchObject({ p1: 0x25, p2: 0x23 });
    expect(ruleById('HALT-RCV-OUT').bugCheck).toMatchObject({ code: 0x7c, p1: 0x27, p2: 0x01 });
  });

  it('maps api-fail rules to their statuses', () => {
    expect(ruleById('REG-CHARS-HDR')).toMatchObject({ severity: 'api-fail', failStatus: 0xc0010005 });
    expect(ruleById('INIT-ATTR-HDR')).toMatchObject({ severity: 'api-fail', failStatus: 0xc0010004, bugCheck: { code: 0x7c, p1: 0x21 } });
    expect(ruleById('INIT-SGDMA-REG')).toMatchObject({ severity: 'api-fail', failStatus: 0xc00000bb });
    expect(ruleById('INIT-TIMER-CHARS')).toMatchObject({ severity: 'api-fail', failStatus: 0xc0010005 });
    expect(ruleById('BIND-OPEN-CONTEXT')).toMatchObject({ severity: 'api-fail', failStatus: 0xc0000001 });
    expect(CHECKER_RULES.filter((r) => r.severity === 'api-fail')).toHaveLength(5);
  });

  it('keeps live dumps as information on warn/stop rules', () => {
    expect(ruleById('IM-INIT-FAIL')).toMatchObject({ severity: 'warn', bugCheck: { code: 0x15e, p1: 0x01 } });
    expect(ruleById('ST-RESTART')).toMatchObject({ severity: 'stop', bugCheck: { code: 0x15e, p1: 0x01 } });
  });

  it('names the SDV / DV rules exactly', () => {
    expect(ruleById('ST-PAUSE-RET').sdvRule).toBe('MiniportPause_Return');
    expect(ruleById('INIT-ATTR-REG-FIRST').sdvRule).toBe('NdisMRegisterIoPortRange');
    expect(ruleById('OID-NETPNP').sdvRule).toBe('NdisMNetPnPEventInOIDRequest');
    expect(ruleById('STALL-50US').sdvRule).toBe('NdisStallExecution_Delay');
    expect(ruleById('LOCK-DISCIPLINE').relatedSdvRules).toEqual(['SpinLockDpr', 'SpinLockDprRelease', 'SpinLockRelease', 'SpinLockBalanced']);
  });

  it('expands the citation abbreviations', () => {
    expect(ruleById('INIT-ATTR-GEN-ORDER').docs[0]).toBe('https://learn.microsoft.com/windows-hardware/drivers/ddi/ndis/nf-ndis-ndismsetminiportattributes');
    expect(ruleById('INIT-FAIL-INT').docs).toEqual([
      'https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x7c--bugcode-ndis-driver',
      'https://learn.microsoft.com/windows-hardware/drivers/devtest/ndis-init-registerinterrupt',
    ]);
    expect(ruleById('INIT-POOL').docs[0]).toBe('https://learn.microsoft.com/windows-hardware/drivers/ddi/nblapi/nf-nblapi-ndisallocatenetbufferlistpool');
  });

  it('has the expected severity mix', () => {
    const count = (s: string): number => CHECKER_RULES.filter((r) => r.severity === s).length;
    expect({ bugcheck: count('bugcheck'), stop: count('stop'), 'api-fail': count('api-fail'), warn: count('warn') }).toEqual({
      bugcheck: 12, stop: 48, 'api-fail': 5, warn: 9,
    });
  });
});

// --- cross-check with the reference itself --------------------------------------------------------

describe('agreement with the reference §5', () => {
  const AREA_OF_SECTION: Record<string, RuleArea> = {
    '5.1': 'registration', '5.2': 'initialization', '5.3': 'irql-locks-timers', '5.4': 'halt-shutdown-unload',
    '5.5': 'state-oid', '5.6': 'intermediate', '5.7': 'protocol',
  };

  it.skipIf(!hasReference)('has the same ids as the §5 tables, in the same areas', () => {
    const rows = catalogRows();
    const refIds = rows.map((row) => row.cells[0]);
    expect(new Set(refIds).size).toBe(refIds.length);
    expect([...refIds].sort()).toEqual(CHECKER_RULES.map((r) => r.id).sort());
    for (const row of rows) expect(ruleById(row.cells[0]!).area, row.cells[0]).toBe(AREA_OF_SECTION[row.section]);
  });

  it.skipIf(!hasReference)('agrees on severity, bug check codes and API-FAIL statuses', () => {
    for (const { cells } of catalogRows()) {
      const id = cells[0]!;
      const severityCell = cells[3]!;
      const rule = ruleById(id);
      const first = severityCell.split(/[\s(;,]/)[0];
      const expected = { BUGCHECK: 'bugcheck', STOP: 'stop', 'API-FAIL': 'api-fail', WARN: 'warn' }[first ?? ''];
      expect(rule.severity, id).toBe(expected);

      const mentioned = [...severityCell.matchAll(/(0x7C|0xC4|0x15E)\/(0x[0-9A-F]+)/gi)].map((m) => `${normHex(m[1]!)}/${normHex(m[2]!)}`);
      if (rule.severity === 'bugcheck') expect(bugChecksOf(rule)[0], id).toBe(mentioned[0]);
      for (const code of mentioned) expect(bugChecksOf(rule), id).toContain(code);
      expect(bugChecksOf(rule).length > 0, id).toBe(mentioned.length > 0);

      const status = /0xC0[0-9A-F]{6}/i.exec(severityCell)?.[0];
      if (rule.severity === 'api-fail' && status) expect(rule.failStatus, id).toBe(Number(status));
    }
  });

  it.skipIf(!hasReference)('cites the same pages as §5', () => {
    for (const { cells } of catalogRows()) {
      const id = cells[0]!;
      expect([...ruleById(id).docs].sort(), id).toEqual(expandCitations(cells[4]!).sort());
    }
  });

  it.skipIf(!hasReference)('names only SDV / DV rules that §1 lists', () => {
    const known = new Set(tableRows(section(referenceText(), '## 1. ')).map((cells) => cells[0]));
    for (const rule of CHECKER_RULES) {
      for (const name of [rule.sdvRule, ...(rule.relatedSdvRules ?? [])].filter((n) => n !== undefined)) {
        expect(known, `${rule.id}: ${name}`).toContain(name);
      }
    }
  });

  it.skipIf(!hasReference)('uses §4.4 values for every status', () => {
    const values = new Set(statusValues().values());
    for (const rule of CHECKER_RULES) if (rule.failStatus !== undefined) expect(values, rule.id).toContain(rule.failStatus);
    for (const fault of FAULT_MENU) {
      for (const failure of fault.failures) if (failure.status !== undefined) expect(values, fault.api).toContain(failure.status);
    }
  });

  it.skipIf(!hasReference)('covers every API, failure and exposed rule of the §5.8 menu', () => {
    const statuses = statusValues();
    const rows = tableRows(section(referenceText(), '### 5.8 ')).filter((cells) => cells[0] !== 'NDIS call');
    expect(rows.length).toBeGreaterThan(10);
    const covered = new Set<string>();
    for (const [apiCell, failureCell, exposesCell] of rows) {
      const apis = apiCell!.replace(/^.*context:\s*/, '').split('/').map((a) => a.trim());
      const faults = apis.map((api) => {
        const fault = FAULT_MENU.find((f) => f.api === api);
        expect(fault, api).toBeDefined();
        covered.add(api);
        return fault!;
      });
      const failures = faults.flatMap((f) => f.failures);
      for (const word of failureCell!.match(/\b[A-Z][A-Z_]+\b/g) ?? []) {
        const value = statuses.get(word);
        if (value !== undefined) expect(failures.map((f) => f.status), `${apiCell}: ${word}`).toContain(value);
      }
      if (/\bNULL\b/.test(failureCell!)) expect(failures.some((f) => f.nullResult), apiCell).toBe(true);

      const exposes = new Set(faults.flatMap((f) => f.exposes));
      for (const token of exposesCell!.match(/[A-Z]+(?:-[A-Z0-9]+)*-(?:\*|[A-Z0-9]+)(?:\/[A-Z0-9]+)*/g) ?? []) {
        if (token.endsWith('-*')) {
          const stem = token.slice(0, -1);
          expect([...exposes].some((id) => id.startsWith(stem)), `${apiCell}: ${token}`).toBe(true);
          continue;
        }
        const [head, ...alternatives] = token.split('/');
        const ids = [head!, ...alternatives.map((alt) => head!.replace(/[A-Z0-9]+$/, alt))];
        for (const id of ids) expect([...exposes], `${apiCell}: ${id}`).toContain(id);
      }
    }
    expect([...covered].sort()).toEqual(FAULT_MENU.map((f) => f.api).sort());
  });

  it.skipIf(!hasReference)('maps the §5 exposing column to the lab syntax', () => {
    for (const { cells } of catalogRows()) {
      const id = cells[0]!;
      const rule = ruleById(id);
      for (const fault of FAULT_MENU) {
        // An API named as the target of an injection ("make X return…", "fail X"), not as a place ("inside X", "after X").
        if (new RegExp(`(?<!(?:inside|after)\\*? )\\b${fault.api}\\b`).test(cells[5]!)) expect(rule.exposedBy, `${id}: ${fault.api}`).toContain(`${fault.api}@N`);
      }
    }
  });
});
