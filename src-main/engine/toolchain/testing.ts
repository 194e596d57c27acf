import fs from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../resources';
import { DriverBuilder } from './build';
import { Clang } from './clang';
import { discoverDeclaredImports } from './declared-imports';
import { readHeaderSet } from './lab-headers';

/** A loaded compiler and builder for tests and benchmarks, in this thread. */
export async function loadTestBuilder(): Promise<{ clang: Clang; builder: DriverBuilder; declaredImports: string[] }> {
  const clang = new Clang();
  await clang.load();
  const headers = readHeaderSet(path.join(resourcesDir(), 'include'));
  const runtimeDir = path.join(resourcesDir(), 'runtime');
  const runtime = Object.fromEntries(
    fs.readdirSync(runtimeDir).filter((f) => f.endsWith('.c')).map((f) => [f, fs.readFileSync(path.join(runtimeDir, f), 'utf8')]),
  );
  const declaredImports = discoverDeclaredImports(clang, headers);
  return { clang, builder: new DriverBuilder({ clang, headers, runtime, declaredImports }), declaredImports };
}

/** Calls a driver's DriverEntry as the simulator would, with two handle arguments. */
export function callDriverEntry(instance: WebAssembly.Instance): number {
  return (instance.exports['DriverEntry'] as (driverObject: number, registryPath: number) => number)(0, 0);
}

/** A folder of C sources as project files. */
export function readExample(name: string): Record<string, string> {
  const dir = path.join(resourcesDir(), 'examples', name);
  return Object.fromEntries(
    fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
}

/** Imports for instantiating a built driver outside the simulator: every function import answers 0. */
export type ImportFunction = (...args: number[]) => unknown;

export function inertImports(module: WebAssembly.Module, overrides: Record<string, Record<string, ImportFunction>> = {}): WebAssembly.Imports {
  const imports: WebAssembly.Imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== 'function') continue;
    imports[i.module] ??= {};
    imports[i.module]![i.name] = (overrides[i.module]?.[i.name] ?? (() => 0)) as WebAssembly.WasmFunction;
  }
  return imports;
}
