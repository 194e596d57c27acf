// `npm run gen:layouts`: regenerates src-main/sim/layouts/generated.ts from the lab headers.
import fs from 'node:fs';
import path from 'node:path';
import { CONSTANT_SPEC, LAYOUT_SPEC } from '../../sim/layouts/spec';
import { resourcesDir } from '../resources';
import { Clang } from './clang';
import { readHeaderSet } from './lab-headers';
import { probeLayouts, renderLayoutsModule } from './layout-probe';

const clang = new Clang();
await clang.load();
const probed = probeLayouts(clang, readHeaderSet(path.join(resourcesDir(), 'include')), LAYOUT_SPEC, CONSTANT_SPEC);
const target = path.resolve(import.meta.dirname, '../../sim/layouts/generated.ts');
fs.writeFileSync(target, renderLayoutsModule(probed));
console.log(`wrote ${path.relative(process.cwd(), target)}: ${Object.keys(probed.layouts).length} structures, ${CONSTANT_SPEC.length} constants`);
