import type { Clang } from './clang';
import { INCLUDE_ROOT } from './flags';
import type { HeaderSet } from './lab-headers';
import { getFile } from './vfs';

/**
 * The configurations a driver can include the headers in; together they declare every import
 * (the newest NDIS version of each kind, and the kernel headers alone).
 */
const PROBES: Record<string, string> = {
  'miniport.c': '#define NDIS_MINIPORT_DRIVER 1\n#define NDIS687_MINIPORT 1\n#define NDIS687 1\n#include <ndis.h>\n',
  'protocol.c': '#define NDIS687 1\n#include <ndis.h>\n',
  'kernel.c': '#include <ntddk.h>\n',
};

/**
 * Every function the lab headers declare as an NDIS import, read from the preprocessor's own output:
 * NDIS_LAB_IMPORT(Name) expands to `import_module("ndis"), import_name("Name")`. Preprocessed
 * without the generated availability header, so every declaration is plain.
 */
export function discoverDeclaredImports(clang: Clang, headers: HeaderSet): string[] {
  const names = new Set<string>();
  for (const [file, source] of Object.entries(PROBES)) {
    const files = { probe: { [file]: source }, [INCLUDE_ROOT]: headers.tree };
    const input = `probe/${file}`;
    const output = `probe/${file}.i`;
    const run = clang.run(
      ['--target=wasm32', '-ffreestanding', '-nostdinc', '-fms-extensions', '-fshort-wchar', `-I${INCLUDE_ROOT}`, '-E', input, '-o', output],
      files,
      [input, output],
    );
    const text = getFile(run.files, output);
    if (!run.ok || text === undefined) throw new Error(`the lab headers do not preprocess (${file}): ${run.stderr.trim()}`);
    const decoded = typeof text === 'string' ? text : new TextDecoder().decode(text);
    for (const match of decoded.matchAll(/import_module\("ndis"\)\s*,\s*import_name\("(\w+)"\)/g)) names.add(match[1]!);
  }
  return [...names].sort();
}
