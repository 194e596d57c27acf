import fs from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../resources';
import type { ProjectFiles } from '../toolchain/project';

/**
 * The lab's own drivers that runs stand on: the reference LabNIC miniport
 * (resources/examples/labnic-miniport) runs below a binding (a bind step with below: 'labnic').
 * It is built like any driver, by the same compiler and caches, so it is built once and reused.
 */
export const LABNIC_REFERENCE_FOLDER = 'labnic-miniport';

/** The reference LabNIC driver's sources, as a project. */
export function labnicReferenceFiles(): ProjectFiles {
  const dir = path.join(resourcesDir(), 'examples', LABNIC_REFERENCE_FOLDER);
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => /\.[ch]$/.test(f))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
}
