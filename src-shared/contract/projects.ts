import { z } from 'zod';
import { BenchConfig } from './bench';
import { ExampleName } from './examples';

/**
 * Driver projects on disk. A project is a folder: its .c and .h sources (sub-folders allowed) and
 * its bench.json. The web host keeps projects in one workspace folder and names them by folder
 * name; the desktop app also opens and saves folders anywhere, chosen in the system's dialogs.
 */

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Why `name` cannot name a project folder in the workspace, or undefined when it can. */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a project needs a name';
  if (name.length > 64) return 'a project name is at most 64 characters';
  if (name === '.' || name === '..' || name.includes('..')) return 'a project name may not contain ".."';
  if (/[/\\]/.test(name)) return 'a project name is one folder name: no / or \\';
  if (!/^[A-Za-z0-9]/.test(name)) return 'a project name starts with a letter or a digit';
  if (!/^[A-Za-z0-9 _.-]+$/.test(name)) return 'a project name may use letters, digits, space, _ . and - only';
  if (/[ .]$/.test(name)) return 'a project name may not end with a space or a dot';
  if (WINDOWS_RESERVED.test(name)) return `"${name}" is a reserved device name on Windows`;
  return undefined;
}

export const ProjectName = z.string().superRefine((name, ctx) => {
  const problem = projectNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Which project: a workspace project's name, or (desktop app only) the absolute path of a folder
 * the user chose in a dialog or opened before.
 */
export const ProjectRef = z.string().min(1).max(4096);

/** Sources by relative path; the engine checks every path again before it writes one. */
export const ProjectSources = z.record(z.string(), z.string());

export const ProjectData = z.object({
  ref: ProjectRef,
  /** The folder's name. */
  name: z.string(),
  /** The folder on disk. */
  location: z.string(),
  files: ProjectSources,
  bench: BenchConfig.optional(),
  /** When the sources on disk last changed, ms since the epoch. */
  savedAt: z.number(),
});
export type ProjectData = z.infer<typeof ProjectData>;

export const ProjectSummary = z.object({
  ref: ProjectRef,
  name: z.string(),
  location: z.string(),
  files: z.number().int(),
  modifiedAt: z.number(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const RecentProject = z.object({
  ref: ProjectRef,
  name: z.string(),
  location: z.string(),
  openedAt: z.number(),
  /** The folder is gone (moved or deleted) since. */
  missing: z.boolean(),
});
export type RecentProject = z.infer<typeof RecentProject>;

/** A window's identity for its autosave slot (kept by the window across reloads). */
export const ClientId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'a client id of 8 to 64 letters, digits and dashes');

/** What a window had open, saved every few seconds and when it closes, so edits survive a crash. */
export const AutosaveSlot = z.object({
  /** The project on disk, or null for an untitled one (the starter or an example not saved yet). */
  ref: ProjectRef.nullable(),
  name: z.string().max(200),
  files: ProjectSources,
  bench: BenchConfig.optional(),
  /** The example an untitled project was made from. */
  example: z.string().max(200).optional(),
  activeFile: z.string().max(200).optional(),
  /** The files differ from what is saved on disk (or from the template, when untitled). */
  dirty: z.boolean(),
  savedAt: z.number(),
});
export type AutosaveSlot = z.infer<typeof AutosaveSlot>;

const saveInput = { files: ProjectSources, bench: BenchConfig.optional() };

export const projectCommands = {
  /** The workspace folder, whether this host has folder dialogs, and the projects in the workspace. */
  'project.list': {
    input: z.object({}).strict(),
    output: z.object({ workspace: z.string(), dialogs: z.boolean(), projects: z.array(ProjectSummary) }),
  },
  /** Opens a project; without a ref the desktop app asks with a folder dialog (null: cancelled). */
  'project.open': {
    input: z.object({ ref: ProjectRef.optional() }).strict(),
    output: z.object({ project: ProjectData.nullable() }),
  },
  /** A new workspace project: a copy of an example's folder (sources, README, bench.json, scenarios). */
  'project.create': {
    input: z.object({ name: ProjectName, template: ExampleName }).strict(),
    output: ProjectData,
  },
  /** Writes the sources (and bench.json) into the project's folder. */
  'project.save': {
    input: z.object({ ref: ProjectRef, ...saveInput }).strict(),
    output: z.object({ ref: ProjectRef, savedAt: z.number(), written: z.array(z.string()) }),
  },
  /**
   * Saves as a new project: a workspace folder `name` (refused if it exists), or, without a name,
   * a folder the desktop app's dialog chooses (null: cancelled).
   */
  'project.saveAs': {
    input: z.object({ name: ProjectName.optional(), ...saveInput }).strict(),
    output: z.object({ project: ProjectData.nullable() }),
  },
  /** Recently opened projects, newest first. */
  'project.recent': {
    input: z.object({}).strict(),
    output: z.object({ projects: z.array(RecentProject) }),
  },
  /** Keeps a window's unsaved state (engine-side, under the workspace's .ndis-lab folder). */
  'project.autosave': {
    input: z.object({ client: ClientId, slot: AutosaveSlot.omit({ savedAt: true }) }).strict(),
    output: z.object({ savedAt: z.number() }),
  },
  /** The window's last autosave, if any (after a reload or a crash). */
  'project.restore': {
    input: z.object({ client: ClientId }).strict(),
    output: z.object({ slot: AutosaveSlot.nullable() }),
  },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;
