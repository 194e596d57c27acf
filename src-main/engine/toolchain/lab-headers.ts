import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { putFile, type Tree } from './vfs';

export interface HeaderSet {
  /** Files by path relative to the include root ('ndis.h', 'ndis/nbl.h'). */
  files: Map<string, string>;
  tree: Tree;
  hash: string;
}

/** Reads every file under `dir` (the lab's include folder) into a tree and hashes it. */
export function readHeaderSet(dir: string): HeaderSet {
  const files = new Map<string, string>();
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(h|inl)$/.test(entry.name)) files.set(path.relative(dir, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  const tree: Tree = {};
  const hash = createHash('sha256');
  for (const [name, text] of files) {
    putFile(tree, name, text);
    hash.update(name).update('\0').update(text).update('\0');
  }
  return { files, tree, hash: hash.digest('hex') };
}
