import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- tests build C drivers with the engine's toolchain
import { lineOf, runDriverSource } from '../../engine/session/testing';
import type { SimEvent } from '../../../src-shared/contract/sim-events';
import { lifecycle, miniport } from './family-test-driver';

const INIT_ONLY = { steps: [{ step: 'load' }, { step: 'add-device' }] } as const;

function prints(events: SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'debug.print').map((e) => (e as { text: string }).text);
}

describe('Rtl string conversions', () => {
  it('ANSI -> Unicode -> upcase -> ANSI with allocated destinations, freed with RtlFree*String', async () => {
    const source = miniport({
      init: `{ ANSI_STRING a, back; UNICODE_STRING u, up; NTSTATUS s1, s2, s3;
        RtlInitAnsiString(&a, "Hello ndis");
        s1 = RtlAnsiStringToUnicodeString(&u, &a, TRUE);
        s2 = RtlUpcaseUnicodeString(&up, &u, TRUE);
        s3 = RtlUnicodeStringToAnsiString(&back, &up, TRUE);
        DbgPrint("%x %x %x u=%u/%u back=%s len=%u/%u", s1, s2, s3, u.Length, u.MaximumLength, back.Buffer, back.Length, back.MaximumLength);
        RtlFreeUnicodeString(&u); RtlFreeUnicodeString(&up); RtlFreeAnsiString(&back);
        DbgPrint("freed %d", u.Buffer == NULL); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['0 0 0 u=20/22 back=HELLO NDIS len=10/11', 'freed 1']);
  });

  it('STATUS_BUFFER_OVERFLOW when the caller\'s buffer is too small; a fitting buffer converts in place', async () => {
    const source = miniport({
      init: `{ ANSI_STRING a, small; UNICODE_STRING u; WCHAR wbuf[4]; WCHAR big[32]; CHAR cbuf[4]; NTSTATUS s1, s2, s3;
        RtlInitAnsiString(&a, "toolong");
        u.Buffer = wbuf; u.Length = 0; u.MaximumLength = sizeof(wbuf);
        s1 = RtlAnsiStringToUnicodeString(&u, &a, FALSE);
        u.Buffer = big; u.MaximumLength = sizeof(big);
        s2 = RtlAnsiStringToUnicodeString(&u, &a, FALSE);
        small.Buffer = cbuf; small.Length = 0; small.MaximumLength = sizeof(cbuf);
        s3 = RtlUnicodeStringToAnsiString(&small, &u, FALSE);
        DbgPrint("%x %x len=%u %x cut=%s", s1, s2, u.Length, s3, cbuf); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['80000005 0 len=14 80000005 cut=too']);
  });

  it('a converted string never freed is a leak reported with the line of the conversion', async () => {
    const source = miniport({
      fields: 'UNICODE_STRING Name;',
      init: '{ ANSI_STRING a; RtlInitAnsiString(&a, "x"); RtlAnsiStringToUnicodeString(&Adapter.Name, &a, TRUE); /* ALLOC */ }',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.findings[0]).toMatchObject({ rule: 'HALT-LEAK' });
    expect(run.result.findings[0]!.message).toContain(`RtlAnsiStringToUnicodeString at driver.c:${lineOf(source, 'ALLOC')}`);
  });

  it('NdisInitializeString allocates a Unicode copy freed by NdisFreeString; version and routine look-ups', async () => {
    const source = miniport({
      init: `{ NDIS_STRING s; UNICODE_STRING name; PVOID p;
        NdisInitializeString(&s, (PUCHAR)"Adapter");
        DbgPrint("%ls %u/%u", s.Buffer, s.Length, s.MaximumLength);
        NdisFreeString(s);
        RtlInitUnicodeString(&name, L"NdisMSleep");
        p = NdisGetRoutineAddress(&name);
        DbgPrint("win10=%d win11=%d future=%d routine=%d", RtlIsNtDdiVersionAvailable(0x0A000000), RtlIsNtDdiVersionAvailable(0x0A00000C),
            RtlIsNtDdiVersionAvailable(0x0B000000), p == NULL); }`,
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: lifecycle() });
    expect(run.result.result).toBe('clean');
    expect(prints(run.events)).toEqual(['Adapter 14/16', 'win10=1 win11=1 future=0 routine=1']);
  });

  it('RtlFreeUnicodeString of a buffer no string routine allocated is bug check 0xC4/0x10 at its line', async () => {
    const source = miniport({
      init: '{ UNICODE_STRING u; RtlInitUnicodeString(&u, L"static"); RtlFreeUnicodeString(&u); /* FREE */ }',
    });
    const run = await runDriverSource({ 'driver.c': source }, { scenario: INIT_ONLY });
    expect(run.result.bugcheck).toMatchObject({ code: '0x000000C4', line: lineOf(source, 'FREE') });
    expect(run.result.bugcheck!.params[0]).toBe('0x00000010');
  });
});
