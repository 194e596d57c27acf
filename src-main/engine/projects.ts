import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  AutosaveSlot,
  LabError,
  projectNameProblem,
  RecentProject,
  type BenchConfig,
  type ProjectData,
  type ProjectSummary,
} from '../../src-shared/contract';
import { parseBench } from '../../src-shared/contract/bench';
import type { ExampleLibrary } from './examples';
import type { HostDialogs } from './host-dialogs';
import { MAX_FILE_BYTES, MAX_PROJECT_FILES, ProjectFiles, ProjectPath } from './toolchain/project';

/** Projects in the recent list. */
export const MAX_RECENT = 10;

/** The workspace a host uses unless told otherwise: NDIS_LAB_WORKSPACE, or ~/ndis-lab-projects. */
export function defaultWorkspace(): string {
  return process.env['NDIS_LAB_WORKSPACE'] ?? path.join(os.homedir(), 'ndis-lab-projects');
}

function refused(field: string, message: string): LabError {
  return new LabError({ code: 'E_SCHEMA', message, issues: [{ path: `input.${field}`, message }] });
}

function failed(message: string): LabError {
  return new LabError({ code: 'E_INTERNAL', message });
}

/**
 * Where a project ref points: a workspace project's folder for a name; for an absolute path (the
 * desktop app only), the folder itself if the user chose it in a dialog or opened it before.
 * Everything else — a web host asked for a path, `..`, separators in a name — is refused with why.
 */
export function resolveProjectRef(ref: string, options: { workspace: string; dialogs: boolean; granted: ReadonlySet<string> }): string {
  if (path.isAbsolute(ref) || /^[A-Za-z]:[\\/]/.test(ref)) {
    if (!options.dialogs) throw refused('ref', `this host opens projects in its workspace only (${options.workspace}); ${JSON.stringify(ref)} is a path, not a project name`);
    const folder = path.resolve(ref);
    if (!options.granted.has(folder)) throw refused('ref', `${folder} was not chosen in a dialog: open it with Open… first`);
    return folder;
  }
  const problem = projectNameProblem(ref);
  if (problem) throw refused('ref', `not a project name: ${JSON.stringify(ref)} (${problem})`);
  const folder = path.resolve(options.workspace, ref);
  const relative = path.relative(options.workspace, folder);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative) || relative.includes(path.sep)) throw refused('ref', `not a project name: ${JSON.stringify(ref)}`);
  return folder;
}

export interface RecentEntry {
  ref: string;
  name: string;
  location: string;
  openedAt: number;
}

/** The recent list with `entry` first (an older entry for the same project goes), at most `max` long. */
export function updateRecent(list: readonly RecentEntry[], entry: RecentEntry, max = MAX_RECENT): RecentEntry[] {
  return [entry, ...list.filter((e) => e.location !== entry.location && e.ref !== entry.ref)].slice(0, max);
}

const RecentFile = z.array(RecentProject.omit({ missing: true }));

/** Writes a file so that a crash leaves the old or the new content, never half of one. */
async function writeAtomically(file: string, content: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temporary, content, 'utf8');
  await fsp.rename(temporary, file);
}

interface FolderScan {
  files: Record<string, string>;
  newest: number;
}

/** The .c and .h files under a project folder (not in dot folders or node_modules), read and checked. */
async function scanSources(folder: string, read: boolean): Promise<FolderScan & { count: number }> {
  const files: Record<string, string> = {};
  let count = 0;
  let newest = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (/\.[ch]$/.test(entry.name) || entry.name === 'bench.json')) {
        const stat = await fsp.stat(full);
        newest = Math.max(newest, stat.mtimeMs);
        if (entry.name === 'bench.json') continue;
        count++;
        if (!read) continue;
        const relative = path.relative(folder, full).split(path.sep).join('/');
        if (count > MAX_PROJECT_FILES) throw failed(`${folder} has more than ${MAX_PROJECT_FILES} source files; a project holds at most ${MAX_PROJECT_FILES}`);
        if (stat.size > MAX_FILE_BYTES) throw failed(`${relative} in ${folder} is ${stat.size} bytes; a source file is at most ${MAX_FILE_BYTES}`);
        files[relative] = await fsp.readFile(full, 'utf8');
      }
    }
  };
  await walk(folder);
  return { files, newest: Math.round(newest), count };
}

export interface ProjectServiceOptions {
  /** The folder whose sub-folders are the projects (created if missing). */
  workspace: string;
  /** Where the recent list and the autosaves live (default: <workspace>/.ndis-lab). */
  stateDir?: string;
  /** The host's folder and file dialogs (the desktop app); none in a browser. */
  dialogs?: HostDialogs | undefined;
  examples: ExampleLibrary;
}

/**
 * Driver projects on disk: open, save, save as, new from an example, the recent list, and each
 * window's autosave slot. A project is a folder of sources with its bench.json.
 */
export class ProjectService {
  readonly workspace: string;
  private readonly stateDir: string;
  /** Folders the user chose in a dialog this session (and those in the recent list). */
  private readonly granted = new Set<string>();
  private grantedLoaded = false;

  constructor(private readonly options: ProjectServiceOptions) {
    this.workspace = path.resolve(options.workspace);
    this.stateDir = path.resolve(options.stateDir ?? path.join(this.workspace, '.ndis-lab'));
  }

  get dialogs(): boolean {
    return this.options.dialogs !== undefined;
  }

  async list(): Promise<{ workspace: string; dialogs: boolean; projects: ProjectSummary[] }> {
    await fsp.mkdir(this.workspace, { recursive: true });
    const projects: ProjectSummary[] = [];
    for (const entry of await fsp.readdir(this.workspace, { withFileTypes: true })) {
      if (!entry.isDirectory() || projectNameProblem(entry.name)) continue;
      const location = path.join(this.workspace, entry.name);
      const scan = await scanSources(location, false);
      projects.push({ ref: entry.name, name: entry.name, location, files: scan.count, modifiedAt: scan.newest });
    }
    projects.sort((a, b) => a.name.localeCompare(b.name));
    return { workspace: this.workspace, dialogs: this.dialogs, projects };
  }

  async open(ref: string | undefined): Promise<ProjectData | null> {
    let folder: string;
    let projectRef: string;
    if (ref === undefined) {
      const dialogs = this.options.dialogs;
      if (!dialogs) throw refused('ref', 'this host has no folder dialog: name a project of the workspace');
      const chosen = await dialogs.chooseFolder({ title: 'Open driver project', defaultPath: this.workspace });
      if (!chosen) return null;
      folder = path.resolve(chosen);
      this.granted.add(folder);
      projectRef = this.refFor(folder);
    } else {
      folder = await this.resolve(ref);
      projectRef = ref;
    }
    const project = await this.read(folder, projectRef);
    await this.remember(project);
    return project;
  }

  async create(name: string, template: string): Promise<ProjectData> {
    const source = await this.options.examples.folder(template);
    const folder = await this.resolve(name);
    if (fs.existsSync(folder)) throw refused('name', `a project named ${JSON.stringify(name)} exists in the workspace already`);
    await fsp.mkdir(this.workspace, { recursive: true });
    await fsp.cp(source, folder, { recursive: true, errorOnExist: true, force: false });
    const project = await this.read(folder, name);
    await this.remember(project);
    return project;
  }

  async save(ref: string, files: Record<string, string>, bench: BenchConfig | undefined): Promise<{ ref: string; savedAt: number; written: string[] }> {
    const folder = await this.resolve(ref);
    if (!fs.existsSync(folder)) throw failed(`the project folder ${folder} is gone (moved or deleted?): use Save As`);
    const written = await this.write(folder, files, bench);
    const { newest } = await scanSources(folder, false);
    await this.remember({ ref, name: path.basename(folder), location: folder });
    return { ref, savedAt: newest, written };
  }

  async saveAs(name: string | undefined, files: Record<string, string>, bench: BenchConfig | undefined): Promise<ProjectData | null> {
    let folder: string;
    let ref: string;
    if (name !== undefined) {
      folder = await this.resolve(name);
      if (fs.existsSync(folder)) throw refused('name', `a project named ${JSON.stringify(name)} exists in the workspace already: choose another name`);
      ref = name;
    } else {
      const dialogs = this.options.dialogs;
      if (!dialogs) throw refused('name', 'this host has no folder dialog: give the new project a name');
      const chosen = await dialogs.chooseFolder({ title: 'Save driver project into folder', defaultPath: this.workspace, create: true });
      if (!chosen) return null;
      folder = path.resolve(chosen);
      this.granted.add(folder);
      ref = this.refFor(folder);
    }
    // Checked before the folder is made, so a refused project leaves nothing behind.
    this.checkFiles(files);
    await fsp.mkdir(folder, { recursive: true });
    await this.write(folder, files, bench);
    const project = await this.read(folder, ref);
    await this.remember(project);
    return project;
  }

  async recent(): Promise<RecentProject[]> {
    const list = await this.readRecent(true);
    return list.map((e) => ({ ...e, missing: !fs.existsSync(e.location) }));
  }

  async autosave(client: string, slot: Omit<AutosaveSlot, 'savedAt'>): Promise<{ savedAt: number }> {
    const savedAt = Date.now();
    await writeAtomically(this.autosaveFile(client), JSON.stringify({ ...slot, savedAt }));
    return { savedAt };
  }

  async restore(client: string): Promise<AutosaveSlot | null> {
    const file = this.autosaveFile(client);
    if (!fs.existsSync(file)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(await fsp.readFile(file, 'utf8'));
    } catch (error) {
      throw failed(`the autosave ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); it was left as it is`);
    }
    const parsed = AutosaveSlot.safeParse(raw);
    if (!parsed.success) throw failed(`the autosave ${file} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }

  private autosaveFile(client: string): string {
    // The client id is checked by the contract (letters, digits, dashes), so it is a plain file name.
    return path.join(this.stateDir, 'autosave', `${client}.json`);
  }

  private refFor(folder: string): string {
    const relative = path.relative(this.workspace, folder);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) && !relative.includes(path.sep) && !projectNameProblem(relative) ? relative : folder;
  }

  private async resolve(ref: string): Promise<string> {
    if (!this.grantedLoaded && this.dialogs) {
      this.grantedLoaded = true;
      for (const entry of await this.readRecent(false)) if (path.isAbsolute(entry.ref)) this.granted.add(path.resolve(entry.ref));
    }
    return resolveProjectRef(ref, { workspace: this.workspace, dialogs: this.dialogs, granted: this.granted });
  }

  private async read(folder: string, ref: string): Promise<ProjectData> {
    if (!fs.existsSync(folder)) throw failed(`no project folder ${folder}`);
    if (!(await fsp.stat(folder)).isDirectory()) throw failed(`${folder} is not a folder`);
    const scan = await scanSources(folder, true);
    if (Object.keys(scan.files).length === 0) throw failed(`${folder} has no .c or .h file: not a driver project`);
    const project: ProjectData = { ref, name: path.basename(folder), location: folder, files: scan.files, savedAt: scan.newest };
    const benchFile = path.join(folder, 'bench.json');
    if (fs.existsSync(benchFile)) {
      try {
        project.bench = parseBench(await fsp.readFile(benchFile, 'utf8'), benchFile);
      } catch (error) {
        throw failed(error instanceof Error ? error.message : String(error));
      }
    }
    return project;
  }

  private checkFiles(files: Record<string, string>): void {
    // Each path on its own first: a record's key error would only say "Invalid key in record".
    for (const key of Object.keys(files)) {
      const bad = ProjectPath.safeParse(key);
      if (!bad.success) {
        const message = `files.${key}: ${bad.error.issues[0]?.message ?? 'not a project path'}`;
        throw new LabError({ code: 'E_SCHEMA', message: `cannot save the project: ${message}`, issues: [{ path: 'input.files', message }] });
      }
    }
    const parsed = ProjectFiles.safeParse(files);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.length ? `files.${i.path.join('.')}` : 'files'}: ${i.message}`).join('; ');
      throw new LabError({ code: 'E_SCHEMA', message: `cannot save the project: ${message}`, issues: [{ path: 'input.files', message }] });
    }
  }

  /** Writes each source (paths checked: relative, no `..`, .c or .h) and bench.json. */
  private async write(folder: string, files: Record<string, string>, bench: BenchConfig | undefined): Promise<string[]> {
    this.checkFiles(files);
    const written: string[] = [];
    for (const [relative, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      const target = path.resolve(folder, ...relative.split('/'));
      const inside = path.relative(folder, target);
      if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) throw refused('files', `${relative} is outside the project folder`);
      await writeAtomically(target, text);
      written.push(relative);
    }
    if (bench) {
      await writeAtomically(path.join(folder, 'bench.json'), `${JSON.stringify(bench, null, 2)}\n`);
      written.push('bench.json');
    }
    return written;
  }

  private async remember(project: { ref: string; name: string; location: string }): Promise<void> {
    if (path.isAbsolute(project.ref)) this.granted.add(path.resolve(project.ref));
    const list = await this.readRecent(false);
    const next = updateRecent(list, { ref: project.ref, name: project.name, location: project.location, openedAt: Date.now() });
    await writeAtomically(path.join(this.stateDir, 'recent.json'), `${JSON.stringify(next, null, 2)}\n`);
  }

  /** The recent list on disk; a damaged one is an error when asked for, and replaced on the next update. */
  private async readRecent(strict: boolean): Promise<RecentEntry[]> {
    const file = path.join(this.stateDir, 'recent.json');
    if (!fs.existsSync(file)) return [];
    try {
      const parsed = RecentFile.safeParse(JSON.parse(await fsp.readFile(file, 'utf8')));
      if (parsed.success) return parsed.data;
      if (strict) throw failed(`the recent-projects list ${file} is not valid (${parsed.error.issues[0]?.message ?? 'invalid'}); opening a project writes a new one`);
    } catch (error) {
      if (error instanceof LabError) throw error;
      if (strict) throw failed(`the recent-projects list ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); opening a project writes a new one`);
    }
    return [];
  }
}
