import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Whether out/ is missing or older than any source it is built from. */
export function buildIsStale(): boolean {
  const built = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs'].map((f) => newestMtime(path.join(repoRoot, f)));
  if (built.some((t) => t === 0)) return true;
  const sources = ['src-renderer', 'src-shared', 'src-main', 'electron.vite.config.ts', 'package.json'].map((f) =>
    newestMtime(path.join(repoRoot, f)),
  );
  return Math.min(...built) < Math.max(...sources);
}

/** Runs `electron-vite build` when out/ is stale; exits the process if the build fails. */
export function ensureBuilt(log: (line: string) => void = console.log): void {
  if (!buildIsStale()) return;
  log('Building the lab (electron-vite build)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The build failed; see the messages above.');
    process.exit(result.status ?? 1);
  }
}
