import { describe, expect, it } from 'vitest';
import { base64ToBytes, readChunks } from './download';
import { DEFAULT_LAYOUT, gridStyle, parseLayout, serializeLayout, shareAt } from './layout';
import { labelOf, shortcutFor } from './shortcuts';
import { monacoThemeOf, parseTheme } from './theme';

const key = (key: string, mods: Partial<{ ctrl: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) => ({
  key,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
});

describe('keyboard shortcuts', () => {
  it('Ctrl+B builds, F5 runs, Shift+F5 stops, Ctrl+S saves, Ctrl+Shift+S saves as, Ctrl+O opens', () => {
    expect(shortcutFor(key('b', { ctrl: true }))).toBe('build');
    expect(shortcutFor(key('B', { ctrl: true }))).toBe('build');
    expect(shortcutFor(key('b', { meta: true }))).toBe('build');
    expect(shortcutFor(key('F5'))).toBe('run');
    expect(shortcutFor(key('F5', { shift: true }))).toBe('stop');
    expect(shortcutFor(key('s', { ctrl: true }))).toBe('save');
    expect(shortcutFor(key('S', { ctrl: true, shift: true }))).toBe('saveAs');
    expect(shortcutFor(key('o', { ctrl: true }))).toBe('open');
  });

  it('leaves every other key alone (typing, Alt chords, Ctrl+F5)', () => {
    expect(shortcutFor(key('b'))).toBeUndefined();
    expect(shortcutFor(key('s'))).toBeUndefined();
    expect(shortcutFor(key('b', { ctrl: true, alt: true }))).toBeUndefined();
    expect(shortcutFor(key('F5', { ctrl: true }))).toBeUndefined();
    expect(shortcutFor(key('b', { ctrl: true, shift: true }))).toBeUndefined();
    expect(labelOf('stop')).toBe('Shift+F5');
  });
});

describe('the persisted layout', () => {
  it('reads back what it wrote', () => {
    const layout = { editorWidth: 0.42, topHeight: 0.7, bench: false, consoles: true };
    expect(parseLayout(serializeLayout(layout))).toEqual(layout);
  });

  it('falls back field by field for missing, damaged or out-of-range values', () => {
    expect(parseLayout(null)).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('{oops')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('[1,2]')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout(JSON.stringify({ editorWidth: 'wide', topHeight: 5, bench: 'no', consoles: false }))).toEqual({ ...DEFAULT_LAYOUT, topHeight: 0.85, consoles: false });
    expect(parseLayout(JSON.stringify({ editorWidth: -1 })).editorWidth).toBe(0.15);
  });

  it('lays the regions out as a grid, closed panes giving their room to the editor', () => {
    expect(gridStyle({ editorWidth: 0.6, topHeight: 0.7, bench: true, consoles: true })).toEqual({
      gridTemplateColumns: 'minmax(0, 0.6fr) minmax(0, 0.4fr)',
      gridTemplateRows: 'minmax(0, 0.7fr) minmax(0, 0.3fr)',
      gridTemplateAreas: "'editor bench' 'consoles consoles'",
    });
    expect(gridStyle({ ...DEFAULT_LAYOUT, bench: false }).gridTemplateAreas).toBe("'editor' 'consoles'");
    expect(gridStyle({ ...DEFAULT_LAYOUT, consoles: false })).toMatchObject({ gridTemplateRows: 'minmax(0, 1fr)', gridTemplateAreas: "'editor bench'" });
    expect(gridStyle({ ...DEFAULT_LAYOUT, bench: false, consoles: false })).toEqual({ gridTemplateColumns: 'minmax(0, 1fr)', gridTemplateRows: 'minmax(0, 1fr)', gridTemplateAreas: "'editor'" });
  });

  it('a splitter position becomes a share, kept between 15 % and 85 %', () => {
    expect(shareAt(300, 1000)).toBe(0.3);
    expect(shareAt(10, 1000)).toBe(0.15);
    expect(shareAt(990, 1000)).toBe(0.85);
    expect(shareAt(10, 0)).toBe(0.5);
  });
});

describe('the theme', () => {
  it('is dark or light; Monaco follows', () => {
    expect(parseTheme('light')).toBe('light');
    expect(parseTheme(null)).toBe('dark');
    expect(parseTheme('purple')).toBe('dark');
    expect(monacoThemeOf('light')).toBe('vs');
    expect(monacoThemeOf('dark')).toBe('vs-dark');
  });
});

describe('reading an export in chunks', () => {
  const file = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
  const source = (size: number, lie?: 'offset' | 'short') => async (offset: number) => {
    const slice = file.subarray(offset, offset + size);
    const data = btoa(String.fromCharCode(...slice));
    return { data, offset: lie === 'offset' && offset > 0 ? offset + 1 : offset, bytes: slice.length, done: offset + slice.length >= (lie === 'short' ? file.length + 10 : file.length) };
  };

  it('assembles the bytes in order', async () => {
    const progress: number[] = [];
    const parts = await readChunks(source(4096), file.length, (n) => progress.push(n));
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expect(joined).toEqual(file);
    expect(progress).toEqual([4096, 8192, 10_000]);
  });

  it('refuses chunks out of order and a total that is not what was announced', async () => {
    await expect(readChunks(source(4096, 'offset'), file.length)).rejects.toThrow('the export came back out of order: a chunk at byte 4097, expected 4096');
    await expect(readChunks(source(4096, 'short'), file.length)).rejects.toThrow('the export ended early, at byte 10000 of 10000');
    await expect(readChunks(source(4096), 12_000)).rejects.toThrow('the export has 10000 bytes, not the 12000 announced');
  });

  it('decodes base64', () => {
    expect([...base64ToBytes('AAH/')]).toEqual([0, 1, 255]);
  });
});
