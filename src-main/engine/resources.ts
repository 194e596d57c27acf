import fs from 'node:fs';
import path from 'node:path';

/**
 * The lab's resources folder (headers, runtime, examples, exercises). From source it is
 * <repo>/resources; in the Electron bundle (out/main/*.js) it is two levels up.
 * NDIS_LAB_RESOURCES overrides both.
 */
export function resourcesDir(): string {
  const override = process.env['NDIS_LAB_RESOURCES'];
  const here = path.dirname(new URL(import.meta.url).pathname);
  const candidates = [override, path.resolve(here, '../../resources'), path.resolve(here, '../../../resources')];
  const found = candidates.find((c): c is string => c !== undefined && fs.existsSync(path.join(c, 'include', 'ndis.h')));
  if (!found) throw new Error(`cannot find the lab's resources (include/ndis.h) in: ${candidates.filter(Boolean).join(', ')}`);
  return found;
}

/** Where the command line keeps finished builds between runs (NDIS_LAB_CACHE overrides). */
export function buildCacheDir(): string {
  return process.env['NDIS_LAB_CACHE'] ?? path.join(resourcesDir(), '..', 'node_modules', '.cache', 'ndis-lab', 'builds');
}
