// `npm run gen:header-index`: regenerates src-shared/headers/header-index.generated.ts and
// header-sources.generated.ts (the editor's knowledge of the lab headers) with clang.
import fs from 'node:fs';
import path from 'node:path';
import { IMPLEMENTED_IMPORTS } from '../../sim/ndis/implemented';
import { resourcesDir } from '../resources';
import { Clang } from './clang';
import { buildHeaderIndex, renderHeaderIndexModule, renderHeaderSourcesModule } from './header-index';
import { readHeaderSet } from './lab-headers';

const clang = new Clang();
await clang.load();
const headers = readHeaderSet(path.join(resourcesDir(), 'include'));
const index = buildHeaderIndex({ clang, headers, implemented: IMPLEMENTED_IMPORTS });
const dir = path.resolve(import.meta.dirname, '../../../src-shared/headers');
const indexFile = path.join(dir, 'header-index.generated.ts');
const sourcesFile = path.join(dir, 'header-sources.generated.ts');
fs.writeFileSync(indexFile, renderHeaderIndexModule(index));
fs.writeFileSync(sourcesFile, renderHeaderSourcesModule(headers));
const count = (kind: string): number => index.symbols.filter((s) => s.kind === kind).length;
console.log(
  `wrote ${path.relative(process.cwd(), indexFile)}: ${index.symbols.length} symbols (${count('function')} functions, ${count('role')} role types, ` +
    `${count('struct')} structures, ${count('enum')} enumerations, ${count('constant')} constants, ${count('macro')} macros), ${Object.keys(index.records).length} records`,
);
console.log(`wrote ${path.relative(process.cwd(), sourcesFile)}: ${headers.files.size} headers`);
