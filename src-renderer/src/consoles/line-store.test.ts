import { describe, expect, it } from 'vitest';
import { IdList, LineStore, type LineMeta } from './line-store';

const meta = (category: number, extra: Partial<LineMeta> = {}): LineMeta => ({ category, kind: 1, t: 0, run: 0, index: 0, ...extra });

describe('IdList', () => {
  it('grows, cuts at the front, and finds ids by binary search', () => {
    const list = new IdList(4);
    for (let id = 0; id < 100; id += 2) list.push(id);
    expect(list.length).toBe(50);
    expect(list.at(10)).toBe(20);
    expect(list.lowerBound(21)).toBe(11);
    expect(list.indexOf(21)).toBe(-1);
    expect(list.indexOf(22)).toBe(11);
    list.dropBelow(50);
    expect(list.length).toBe(25);
    expect(list.at(0)).toBe(50);
    // Pushing after a cut slides the kept ids to the front instead of growing for ever.
    for (let id = 100; id < 200; id++) list.push(id);
    expect(list.length).toBe(125);
    expect(list.at(24)).toBe(98);
    expect(list.at(25)).toBe(100);
    expect(list.lowerBound(1000)).toBe(125);
  });
});

describe('LineStore', () => {
  it('keeps text (any Unicode) and each line\'s columns', () => {
    const store = new LineStore({ chunkLines: 4, maxChunks: 3 });
    const run = store.runNumber('run-7');
    const a = store.append('   0.001 ms  → MiniportInitializeEx', meta(2, { kind: 3, t: 10, run, index: 0 }));
    const b = store.append('DbgPrint: héllo — ⏎ ok', meta(4, { t: 25, run, index: 1, file: 'miniport.c', line: 42 }));
    expect([a, b]).toEqual([0, 1]);
    expect(store.text(a)).toBe('   0.001 ms  → MiniportInitializeEx');
    expect(store.text(b)).toBe('DbgPrint: héllo — ⏎ ok');
    expect(store.kind(a)).toBe(3);
    expect(store.t(b)).toBe(25);
    expect(store.runName(store.run(b))).toBe('run-7');
    expect(store.index(b)).toBe(1);
    expect(store.site(a)).toBeUndefined();
    expect(store.site(b)).toEqual({ file: 'miniport.c', line: 42 });
    expect(store.category(b)).toBe(4);
  });

  it('encodes UTF-8 as TextEncoder does: 1 to 4 bytes a character, lone surrogates as U+FFFD', () => {
    const store = new LineStore({ chunkLines: 8, maxChunks: 2 });
    const texts = ['plain', 'é ß ← → — ⏎ 😀 𝄞', 'lone \ud800 high, lone \udc00 low, end \ud83d'];
    for (const text of texts) store.append(text, meta(1));
    expect(store.text(0)).toBe(texts[0]);
    expect(store.text(1)).toBe(texts[1]);
    expect(store.text(2)).toBe(new TextDecoder().decode(new TextEncoder().encode(texts[2])));
    expect(store.chunkText(0).text).toBe(`${texts.map((t) => new TextDecoder().decode(new TextEncoder().encode(t))).join('\n')}\n`);
  });

  it('grows a chunk\'s byte buffer for long lines', () => {
    const store = new LineStore({ chunkLines: 8, maxChunks: 2 });
    const long = 'x'.repeat(5000) + '→'.repeat(3000);
    store.append('short', meta(1));
    const id = store.append(long, meta(1));
    store.append('after', meta(1));
    expect(store.text(id)).toBe(long);
    expect(store.text(id + 1)).toBe('after');
  });

  it('drops the oldest chunk past capacity; views follow; old ids are refused with a clear error', () => {
    const store = new LineStore({ chunkLines: 4, maxChunks: 3 });
    const odd = store.view(1);
    for (let i = 0; i < 12; i++) store.append(`line ${i}`, meta(i % 2 ? 1 : 2));
    expect(store.count).toBe(12);
    expect(odd.length).toBe(6);
    const drops: number[] = [];
    store.onDrop((first) => drops.push(first));
    store.append('line 12', meta(2));
    expect(drops).toEqual([4]);
    expect(store.first).toBe(4);
    expect(store.count).toBe(9);
    expect(store.dropped).toBe(4);
    expect(store.text(4)).toBe('line 4');
    expect(store.has(3)).toBe(false);
    expect(() => store.text(3)).toThrow(/line 3 is not kept \(lines 4…12 are\)/);
    expect(odd.length).toBe(4);
    expect(odd.ids.at(0)).toBe(5);
  });

  it('a view made later is filled from the lines kept', () => {
    const store = new LineStore({ chunkLines: 4, maxChunks: 4 });
    for (let i = 0; i < 10; i++) store.append(`line ${i}`, meta(i % 3 === 0 ? 8 : 2));
    const hw = store.view(8);
    expect(Array.from({ length: hw.length }, (_, i) => hw.ids.at(i))).toEqual([0, 3, 6, 9]);
    expect(store.view(8)).toBe(hw);
    store.append('line 10', meta(8));
    expect(hw.length).toBe(5);
  });

  it('gives chunks as text for search, a newline after each line', () => {
    const store = new LineStore({ chunkLines: 4, maxChunks: 4 });
    for (let i = 0; i < 6; i++) store.append(`l${i} ü`, meta(1));
    const second = store.chunkText(5);
    expect(second.base).toBe(4);
    expect(second.count).toBe(2);
    expect(second.text).toBe('l4 ü\nl5 ü\n');
  });

  it('holds a million lines in typed arrays (about 26 bytes a line besides the text)', () => {
    const store = new LineStore();
    expect(store.capacity).toBeGreaterThanOrEqual(1_000_000);
    const view = store.view(2);
    for (let i = 0; i < 1_000_000; i++) store.append(`${i} NdisMIndicateReceiveNetBufferLists(…)`, meta(i % 2 ? 2 : 8, { t: i, index: i }));
    expect(store.count).toBe(1_000_000);
    expect(view.length).toBe(500_000);
    expect(store.text(999_999)).toBe('999999 NdisMIndicateReceiveNetBufferLists(…)');
    expect(store.t(123_456)).toBe(123_456);
  });

  it('clear() forgets every line; ids never repeat', () => {
    const store = new LineStore({ chunkLines: 4, maxChunks: 4 });
    const view = store.view(1);
    for (let i = 0; i < 6; i++) store.append(`l${i}`, meta(1));
    store.clear();
    expect(store.count).toBe(0);
    expect(view.length).toBe(0);
    const id = store.append('again', meta(1));
    expect(id).toBe(8);
    expect(store.text(id)).toBe('again');
    expect(view.ids.at(0)).toBe(8);
  });
});
