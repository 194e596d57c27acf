import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file at `file` (relative to the repo) and returns the import violations. */
async function boundaryViolations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries (ARCHITECTURE.md)', () => {
  const cases: Array<[file: string, importPath: string, allowed: boolean]> = [
    ['src-renderer/src/probe.ts', '../../src-main/engine', false],
    ['src-renderer/src/probe.ts', 'node:fs', false],
    ['src-renderer/src/probe.ts', 'electron', false],
    ['src-renderer/src/probe.ts', '../../src-shared/contract', true],
    ['src-shared/probe.ts', '../src-main/engine/lab-engine', false],
    ['src-shared/probe.ts', 'vue', false],
    ['src-shared/probe.ts', 'zod', true],
    ['src-main/sim/probe.ts', '../engine', false],
    ['src-main/sim/probe.ts', '../engine/lab-engine', false],
    ['src-main/sim/probe.ts', '../../src-shared/contract', true],
    ['src-main/engine/probe.ts', 'electron', false],
    ['src-main/engine/probe.ts', '../web/web-host', false],
    ['src-main/engine/probe.ts', '../cli/main', false],
    ['src-main/engine/probe.ts', '../sim/kernel', true],
    ['src-main/web/probe.ts', 'electron', false],
    ['src-main/web/probe.ts', '../electron/ipc-bridge', false],
    ['src-main/web/probe.ts', '../engine', true],
    ['src-main/cli/probe.ts', 'electron', false],
    ['src-main/electron/probe.ts', 'electron', true],
  ];
  it.each(cases)('%s importing %s: allowed=%s', async (file, importPath, allowed) => {
    const violations = await boundaryViolations(file, `import * as probe from '${importPath}';\nexport default probe;\n`);
    expect(violations.length === 0).toBe(allowed);
  });
});
