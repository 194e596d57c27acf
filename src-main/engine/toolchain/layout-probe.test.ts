import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSTANTS, LAYOUTS } from '../../sim/layouts/generated';
import { CONSTANT_SPEC, LAYOUT_SPEC } from '../../sim/layouts/spec';
import { resourcesDir } from '../resources';
import { Clang } from './clang';
import { readHeaderSet } from './lab-headers';
import { probeLayouts, renderLayoutsModule } from './layout-probe';

let clang: Clang;
beforeAll(async () => {
  clang = new Clang();
  await clang.load();
}, 120_000);

describe('struct layouts the simulator uses', () => {
  it('are exactly what clang computes from the lab headers (regenerate with npm run gen:layouts)', () => {
    const probed = probeLayouts(clang, readHeaderSet(path.join(resourcesDir(), 'include')), LAYOUT_SPEC, CONSTANT_SPEC);
    expect(LAYOUTS).toEqual(probed.layouts);
    expect(CONSTANTS).toEqual(probed.constants);
    expect(CONSTANTS.NDIS_STATUS_BAD_VERSION).toBe(0xc0010004);
    const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../../sim/layouts/generated.ts'), 'utf8');
    expect(committed).toBe(renderLayoutsModule(probed));
  });

  it('agree with the NDIS_SIZEOF_* revision sizes on wasm32', () => {
    const chars = LAYOUTS.NDIS_MINIPORT_DRIVER_CHARACTERISTICS.fields;
    const through = (f: { offset: number; size: number }) => f.offset + f.size;
    expect(through(chars.CancelOidRequestHandler)).toBe(72);
    expect(through(chars.CancelDirectOidRequestHandler)).toBe(80);
    expect(through(chars.SynchronousOidRequestHandler)).toBe(84);
    expect(LAYOUTS.NDIS_OBJECT_HEADER.size).toBe(4);
    expect(through(LAYOUTS.NDIS_TIMER_CHARACTERISTICS.fields.FunctionContext)).toBe(16);
  });

  it('fail loudly when the spec names a field the headers do not have', () => {
    const headers = readHeaderSet(path.join(resourcesDir(), 'include'));
    expect(() => probeLayouts(clang, headers, { NDIS_OBJECT_HEADER: ['Type', 'Colour'] } as never)).toThrow(/no member named 'Colour'/);
  });
});
