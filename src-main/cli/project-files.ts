import fs from 'node:fs';
import path from 'node:path';

export class UsageError extends Error {}

/**
 * Reads a driver project from disk: a folder (every .c and .h below it) or one .c file (with the
 * .h files beside it, so its quoted includes resolve). Paths are relative, with forward slashes.
 */
export function readProjectFiles(target: string): { root: string; files: Record<string, string> } {
  if (!fs.existsSync(target)) throw new UsageError(`no such file or folder: ${target}`);
  const stat = fs.statSync(target);
  const files: Record<string, string> = {};
  if (stat.isDirectory()) {
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.[ch]$/.test(entry.name)) files[path.relative(target, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
      }
    };
    walk(target);
    if (!Object.keys(files).some((f) => f.endsWith('.c'))) throw new UsageError(`no .c file in ${target}`);
    return { root: target, files };
  }
  if (!target.endsWith('.c')) throw new UsageError(`expected a .c file or a folder, got ${target}`);
  const dir = path.dirname(target);
  files[path.basename(target)] = fs.readFileSync(target, 'utf8');
  for (const name of fs.readdirSync(dir)) if (name.endsWith('.h')) files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  return { root: dir, files };
}
