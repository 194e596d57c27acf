import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { CompilerDiagnostic } from '../../src-shared/contract';
import { IMPLEMENTED_IMPORTS } from '../sim/ndis/implemented';
import { buildCacheDir } from '../engine/resources';
import { BuildService } from '../engine/toolchain/build-service';
import { ProjectFiles } from '../engine/toolchain/project';
import { readProjectFiles, UsageError } from './project-files';
import type { CliIo } from './main';

export const buildUsage = `ndis-lab build <file.c|dir> [--json] [-o driver.wasm] [--headers-only]

  Compiles a driver project with clang to a wasm32 module, against the lab's WDK-compatible headers.
  --json           print { ok, diagnostics, imports, exports, timings } as JSON
  -o, --out FILE   write the module to FILE
  --headers-only   do not check which NDIS functions the simulator implements
  Exit codes: 0 built, 2 compile errors, 3 usage error.`;

function formatDiagnostic(d: CompilerDiagnostic, indent = ''): string {
  const where = d.file ? `${d.file}:${d.line}:${d.column}: ` : '';
  const option = d.option ? ` [${d.option}]` : '';
  return [`${indent}${where}${d.severity}: ${d.message}${option}`, ...d.notes.map((n) => formatDiagnostic(n, `${indent}  `))].join('\n');
}

export async function buildCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, out: { type: 'string', short: 'o' }, 'headers-only': { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('build takes one file or folder');
  const { files } = readProjectFiles(parsed.positionals[0]!);
  const project = ProjectFiles.safeParse(files);
  if (!project.success) throw new UsageError(`not a buildable project: ${project.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('; ')}`);

  const service = new BuildService({ implementedImports: parsed.values['headers-only'] ? null : IMPLEMENTED_IMPORTS, diskCache: buildCacheDir() });
  try {
    const output = await service.build(project.data);
    if (parsed.values.out && output.wasm) fs.writeFileSync(parsed.values.out, output.wasm);
    if (parsed.values.json) {
      io.out(
        JSON.stringify(
          {
            ok: output.ok,
            diagnostics: output.diagnostics,
            imports: output.imports,
            exports: output.exports,
            wasmBytes: output.wasm?.byteLength ?? 0,
            timings: output.timings,
          },
          null,
          2,
        ),
      );
    } else {
      for (const d of output.diagnostics) io.err(formatDiagnostic(d));
      const errors = output.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal').length;
      const warnings = output.diagnostics.filter((d) => d.severity === 'warning').length;
      if (output.ok) {
        const ndis = output.imports.filter((i) => i.module === 'ndis').map((i) => i.name);
        io.out(`built: ${output.wasm!.byteLength} bytes, ${warnings} warning(s), ${Math.round(output.timings.total)} ms`);
        io.out(`NDIS imports (${ndis.length}): ${ndis.join(', ') || 'none'}`);
      } else {
        io.out(`build failed: ${errors} error(s), ${warnings} warning(s)`);
      }
    }
    return output.ok ? 0 : 2;
  } finally {
    await service.dispose();
  }
}
