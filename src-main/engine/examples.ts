import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ExampleName,
  LabError,
  type ExampleGroup,
  type ExampleProject,
  type ExampleSummary,
} from '../../src-shared/contract';
import { parseBench } from '../../src-shared/contract/bench';
import { resourcesDir } from './resources';

/** The folder of rule-violation drivers, whose sub-folders are examples of their own. */
const RULE_VIOLATIONS = 'rule-violations';
const SOURCE = /\.[ch]$/;

function badInput(message: string): LabError {
  return new LabError({ code: 'E_SCHEMA', message, issues: [{ path: 'input.name', message }] });
}

/** The README's first heading, or its first line with the Markdown marks taken out. */
export function readmeTitle(readme: string, fallback: string): string {
  const lines = readme.split(/\r?\n/).map((l) => l.trim());
  const heading = lines.find((l) => /^#{1,6}\s+\S/.test(l));
  const text = heading ? heading.replace(/^#{1,6}\s+/, '') : (lines.find((l) => l && !l.startsWith('<!--')) ?? '');
  const plain = text.replace(/[`*_]/g, '').trim();
  if (!plain) return fallback;
  return plain.length > 160 ? `${plain.slice(0, 157)}…` : plain;
}

/**
 * The example projects under resources/examples: each folder with a .c file is one, and each
 * folder of rule-violations/ is one named `rule-violations/<folder>`. Only names found by listing
 * the folder are ever opened, so a name cannot reach outside it.
 */
export class ExampleLibrary {
  constructor(private readonly root: string = path.join(resourcesDir(), 'examples')) {}

  async list(): Promise<ExampleSummary[]> {
    const out: ExampleSummary[] = [];
    for (const name of await this.folders(this.root)) {
      if (name === RULE_VIOLATIONS) {
        for (const rule of await this.folders(path.join(this.root, name))) {
          const summary = await this.summary(`${name}/${rule}`, 'rule-violation');
          if (summary) out.push(summary);
        }
      } else {
        const summary = await this.summary(name, 'example');
        if (summary) out.push(summary);
      }
    }
    return out;
  }

  async get(name: string): Promise<ExampleProject> {
    const parsed = ExampleName.safeParse(name);
    if (!parsed.success) throw badInput(`not an example name: ${JSON.stringify(name)} (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    const known = (await this.list()).find((e) => e.name === name);
    if (!known) throw badInput(`no example named ${JSON.stringify(name)}; examples.list gives the names`);
    const dir = this.resolve(name);
    const files: Record<string, string> = {};
    for (const file of known.files) files[file] = await fs.readFile(path.join(dir, file), 'utf8');
    const project: ExampleProject = { name, title: known.title, group: known.group, files };
    if (known.bench) {
      const text = await fs.readFile(path.join(dir, 'bench.json'), 'utf8');
      try {
        project.bench = parseBench(text, `${name}/bench.json`);
      } catch (error) {
        throw new LabError({ code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) });
      }
    }
    return project;
  }

  /** A known example's folder (to copy it as a new project); unknown names are refused. */
  async folder(name: string): Promise<string> {
    const parsed = ExampleName.safeParse(name);
    if (!parsed.success) throw badInput(`not an example name: ${JSON.stringify(name)} (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    if (!(await this.list()).some((e) => e.name === name)) throw badInput(`no example named ${JSON.stringify(name)}; examples.list gives the names`);
    return this.resolve(name);
  }

  /** The example's folder, refusing anything that would leave the examples folder. */
  private resolve(name: string): string {
    const dir = path.resolve(this.root, name);
    const relative = path.relative(this.root, dir);
    if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) throw badInput(`not an example name: ${JSON.stringify(name)}`);
    return dir;
  }

  private async folders(dir: string): Promise<string[]> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && ExampleName.safeParse(e.name).success)
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
  }

  private async summary(name: string, group: ExampleGroup): Promise<ExampleSummary | undefined> {
    const dir = this.resolve(name);
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile()).map((e) => e.name);
    const files = names.filter((f) => SOURCE.test(f)).sort((a, b) => a.localeCompare(b));
    if (!files.some((f) => f.endsWith('.c'))) return undefined;
    const readme = names.includes('README.md') ? await fs.readFile(path.join(dir, 'README.md'), 'utf8') : '';
    return { name, title: readmeTitle(readme, name), group, files, bench: names.includes('bench.json') };
  }
}
