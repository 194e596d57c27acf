// The generic bitstream layer, on hand-written streams: clang's .dia files use only fixed, VBR,
// literal and blob operands, so char6, arrays and the error paths are exercised here.
import { describe, expect, it } from 'vitest';
import { BitWriter } from './bit-writer.testing';
import { BitstreamCursor, BitstreamError, type BitstreamEntry } from './bitstream';

function entries(bytes: Uint8Array): BitstreamEntry[] {
  const cursor = new BitstreamCursor(bytes, 0);
  const all: BitstreamEntry[] = [];
  for (let entry = cursor.next(); entry.kind !== 'endOfStream'; entry = cursor.next()) all.push(entry);
  return all;
}

const records = (bytes: Uint8Array): unknown[] =>
  entries(bytes).flatMap((e) =>
    e.kind === 'record' ? [{ code: e.code, fields: e.fields, blob: e.blob && new TextDecoder().decode(e.blob) }] : [],
  );

describe('BitstreamCursor', () => {
  it('reads every operand encoding: literal, fixed (up to 64 bits), VBR, char6 array, blob', () => {
    const w = new BitWriter().enterBlock(8, 3);
    w.defineAbbrev([7, ['fixed', 5], ['fixed', 40], ['vbr', 3], 'array', 'char6']);
    w.abbreviated(4).fixed(21, 5).fixed(2 ** 39 + 5, 40).vbr(1000, 3).vbr(4, 6);
    for (const c of 'aZ9_') w.fixed('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._'.indexOf(c), 6);
    w.defineAbbrev([['vbr', 6], ['fixed', 0], 'array', ['fixed', 8]]);
    w.abbreviated(5).vbr(3, 6).vbr(2, 6).fixed(1, 8).fixed(255, 8);
    w.defineAbbrev([4, 'blob']).abbreviated(6).blob('héllo');
    w.unabbreviated(9, [0, 63, 2 ** 40]);
    const bytes = w.endBlock().finish();
    expect(records(bytes)).toEqual([
      { code: 7, fields: [21, 2 ** 39 + 5, 1000, 97, 90, 57, 95], blob: undefined },
      // A zero-width fixed field reads as the literal 0, as in LLVM.
      { code: 3, fields: [0, 1, 255], blob: undefined },
      { code: 4, fields: [], blob: 'héllo' },
      { code: 9, fields: [0, 63, 2 ** 40], blob: undefined },
    ]);
  });

  it('applies BLOCKINFO abbreviations to later blocks of that id, before their own', () => {
    const w = new BitWriter().enterBlock(0, 2).unabbreviated(1, [9]).defineAbbrev([5, ['fixed', 4]]).endBlock();
    w.enterBlock(9, 3).defineAbbrev([6, ['fixed', 2]]).abbreviated(5).fixed(3, 2).abbreviated(4).fixed(15, 4).endBlock();
    w.enterBlock(10, 3).endBlock();
    const bytes = w.finish();
    expect(entries(bytes).map((e) => (e.kind === 'record' ? [e.code, ...e.fields] : e.kind))).toEqual([
      'enterBlock',
      [6, 3],
      [5, 15],
      'endBlock',
      'enterBlock',
      'endBlock',
    ]);
  });

  it('skips a block whole, nested blocks included', () => {
    const w = new BitWriter().enterBlock(8, 3).enterBlock(12, 5).unabbreviated(1, [1]).endBlock().endBlock();
    const bytes = w.enterBlock(9, 2).unabbreviated(2, [2]).endBlock().finish();
    const cursor = new BitstreamCursor(bytes, 0);
    expect(cursor.next()).toMatchObject({ kind: 'enterBlock', blockId: 8 });
    cursor.skipBlock();
    expect(cursor.next()).toMatchObject({ kind: 'enterBlock', blockId: 9 });
    expect(cursor.next()).toMatchObject({ kind: 'record', code: 2, fields: [2] });
    expect(cursor.next()).toMatchObject({ kind: 'endBlock', blockId: 9 });
    expect(cursor.next()).toMatchObject({ kind: 'endOfStream' });
  });

  it.each([
    ['an undefined abbreviation id', new BitWriter().enterBlock(8, 3).abbreviated(6), /undefined abbreviation id 6 in block 8 at bit 64$/],
    ['a wrong block length', new BitWriter().enterBlock(8, 3).unabbreviated(1, []).endBlock(1).fixed(0, 32), /block 8 ends at bit 96 but its header says bit 128 at bit 79$/],
    ['END_BLOCK at the top level', new BitWriter().fixed(0, 2).align(), /^END_BLOCK outside any block at bit 0$/],
    ['a blob that is not last', new BitWriter().enterBlock(8, 3).defineAbbrev([1, 'blob', ['fixed', 1]]), /blob operand is not last/],
    ['an array element that is a blob', new BitWriter().enterBlock(8, 3).defineAbbrev([1, 'array', 'blob']), /array element operand cannot be blob/],
    ['a DEFINE_ABBREV in BLOCKINFO before SETBID', new BitWriter().enterBlock(0, 2).defineAbbrev([1]), /before any SETBID at bit 64$/],
    ['an abbreviation width of 0', new BitWriter().enterBlock(8, 0).fixed(0, 32), /invalid abbreviation width 0 at bit 0$/],
    ['a VBR beyond 2^53', new BitWriter().enterBlock(8, 3).fixed(3, 3).vbr(1, 6).vbr(1, 6).vbr(2 ** 60, 6).align(), /VBR6 value exceeds 2\^53 at bit 79$/],
  ])('rejects %s', (_name, writer, message) => {
    const bytes = writer.finish();
    expect(() => entries(bytes)).toThrow(BitstreamError);
    expect(() => entries(bytes)).toThrow(message);
  });

  it('limits nesting depth instead of overflowing the stack', () => {
    const w = new BitWriter();
    for (let i = 0; i < 100; i++) w.enterBlock(8, 2);
    for (let i = 0; i < 100; i++) w.endBlock();
    expect(() => entries(w.finish())).toThrow(/blocks nested deeper than 64/);
  });
});
