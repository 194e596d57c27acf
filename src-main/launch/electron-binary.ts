import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './build-state';

const electronPackage = path.join(repoRoot, 'node_modules', 'electron');

/**
 * Where the Electron binary is, without triggering its lazy download: requiring `electron` from
 * Node would try to fetch it. Electron 42+ records the binary's path in path.txt once installed.
 */
export function findElectronBinary(): string | undefined {
  const pathFile = path.join(electronPackage, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  if (!relative) return undefined;
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  const candidates = [override ? path.join(override, relative) : undefined, path.join(electronPackage, 'dist', relative)];
  return candidates.find((c): c is string => c !== undefined && fs.existsSync(c));
}

/** Runs Electron's own installer (a download from GitHub). Returns the binary, or undefined offline. */
export function downloadElectronBinary(): string | undefined {
  const installer = path.join(electronPackage, 'install.js');
  if (!fs.existsSync(installer)) return undefined;
  const result = spawnSync(process.execPath, [installer], { cwd: electronPackage, stdio: 'inherit', timeout: 300_000 });
  return result.status === 0 ? findElectronBinary() : undefined;
}
