// `npm run gen:layouts`: regenerates src-main/sim/layouts/generated.ts from the lab headers.
import fs from 'node:fs';
import path from 'node:path';
import { LAYOUT_SPEC } from '../../sim/layouts/spec';
import { resourcesDir } from '../resources';
import { Clang } from './clang';
import { readHeaderSet } from './lab-headers';
import { probeLayouts, renderLayoutsModule } from './layout-probe';

const clang = new Clang();
await clang.load();
const layouts = probeLayouts(clang, readHeaderSet(path.join(resourcesDir(), 'include')), LAYOUT_SPEC);
const target = path.resolve(import.meta.dirname, '../../sim/layouts/generated.ts');
fs.writeFileSync(target, renderLayoutsModule(layouts));
console.log(`wrote ${path.relative(process.cwd(), target)}: ${Object.keys(layouts).length} structures`);
