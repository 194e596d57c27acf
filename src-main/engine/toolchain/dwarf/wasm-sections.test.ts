import { describe, expect, it } from 'vitest';
import { readWasmSections } from './wasm-sections';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A custom section: id 0, size, name length, name, data. */
const custom = (name: string, data: number[]): number[] => {
  const bytes = [name.length, ...Buffer.from(name), ...data];
  return [0, bytes.length, ...bytes];
};

describe('readWasmSections', () => {
  it('lists sections with their offsets, custom names and data, and the Code payload start', () => {
    // An empty Code section (id 10, size 1, zero functions) between two custom sections.
    const wasm = Uint8Array.from([...HEADER, ...custom('.debug_str', [0x61, 0]), 10, 1, 0, ...custom('name', [])]);
    const { sections, codeSectionOffset, custom: named } = readWasmSections(wasm);
    expect(sections).toEqual([
      { id: 0, name: '.debug_str', start: 8, payloadStart: 10, dataStart: 21, end: 23 },
      { id: 10, name: undefined, start: 23, payloadStart: 25, dataStart: 25, end: 26 },
      { id: 0, name: 'name', start: 26, payloadStart: 28, dataStart: 33, end: 33 },
    ]);
    expect(codeSectionOffset).toBe(25);
    expect([...(named.get('.debug_str')?.bytes ?? [])]).toEqual([0x61, 0]);
    expect(named.get('.debug_str')?.offset).toBe(21);
  });

  it('rejects what is not a wasm module', () => {
    expect(() => readWasmSections(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))).toThrow('at offset 0x0: not a wasm module');
    expect(() => readWasmSections(Uint8Array.from([...HEADER.slice(0, 4), 2, 0, 0, 0]))).toThrow('at offset 0x4: unsupported wasm version 2');
  });

  it('names the offset of a section that runs past the end, or of a name that runs past its section', () => {
    expect(() => readWasmSections(Uint8Array.from([...HEADER, 1, 5, 0]))).toThrow(
      'Malformed wasm module at offset 0x8: section 1 declares 5 bytes but only 1 remain (truncated module?)',
    );
    expect(() => readWasmSections(Uint8Array.from([...HEADER, 0, 2, 9, 0x61, 10, 1, 0]))).toThrow('at offset 0xb: needs 9 byte(s)');
    expect(() => readWasmSections(Uint8Array.from([...HEADER, 1, 0xff, 0xff]))).toThrow('at offset 0xb: needs 1 byte(s)');
  });
});
