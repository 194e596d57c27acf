/** The virtual file system tree @yowasp/clang works on: folders are objects, files are text or bytes. */
export type Tree = { [name: string]: Tree | string | Uint8Array };

/** Puts `content` at `path` ('a/b/c.h') inside `tree`, creating folders. */
export function putFile(tree: Tree, path: string, content: string | Uint8Array): void {
  const parts = path.split('/');
  let dir = tree;
  for (const part of parts.slice(0, -1)) {
    const next = dir[part];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) dir[part] = {};
    dir = dir[part] as Tree;
  }
  dir[parts[parts.length - 1]!] = content;
}

/** The file at `path`, or undefined. */
export function getFile(tree: Tree, path: string): string | Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const part of path.split('/')) {
    if (node === undefined || typeof node === 'string' || node instanceof Uint8Array) return undefined;
    node = node[part];
  }
  return typeof node === 'string' || node instanceof Uint8Array ? node : undefined;
}

/** A shallow copy of the top level, so that runs do not see each other's outputs. */
export function overlay(...trees: Tree[]): Tree {
  return Object.assign({}, ...trees) as Tree;
}
