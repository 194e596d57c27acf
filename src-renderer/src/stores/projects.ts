import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { AutosaveSlot, BenchConfig, ProjectData, ProjectSummary, RecentProject } from '../../../src-shared/contract';
import { useBenchStore } from './bench';
import { useEngineStore } from './engine';
import { mainFile, useProjectStore } from './project';

/** How often unsaved state goes to the engine's autosave slot (and on closing the window). */
export const AUTOSAVE_MS = 2000;
const CLIENT_KEY = 'ndis-lab.client';

/** This window's id for its autosave slot, kept across reloads (one per browser profile and origin). */
function clientId(): string {
  try {
    const known = localStorage.getItem(CLIENT_KEY);
    if (known && /^[A-Za-z0-9-]{8,64}$/.test(known)) return known;
    const fresh = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(CLIENT_KEY, fresh);
    return fresh;
  } catch {
    return 'window-without-storage';
  }
}

function sameFiles(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] === a[k]);
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export type ProjectDialog = 'new' | 'open' | 'saveAs';

/**
 * The project on disk behind the editor: open, save, save as, new from an example, the recent
 * list, and the autosave that brings unsaved edits back after a reload or a crash.
 */
export const useProjectsStore = defineStore('projects', () => {
  const project = useProjectStore();
  const bench = useBenchStore();
  const engine = useEngineStore();

  /** The project on disk, or undefined for an untitled one (the starter, or an example not saved yet). */
  const current = shallowRef<{ ref: string; name: string; location: string }>();
  const savedFiles = shallowRef<Record<string, string>>({ ...project.files });
  const savedBench = shallowRef<BenchConfig | undefined>(bench.config);
  const workspace = ref('');
  const dialogs = ref(false);
  const workspaceProjects = shallowRef<ProjectSummary[]>([]);
  const recent = shallowRef<RecentProject[]>([]);
  const busy = ref(false);
  const notice = ref<string>();
  const error = ref<string>();
  /** Unsaved edits were brought back from the autosave at start (when they were saved). */
  const restored = shallowRef<{ savedAt: number; name: string }>();
  const autosavedAt = ref<number>();
  const dialog = ref<ProjectDialog>();
  /** A read-only replay owns the editor: nothing is saved or autosaved meanwhile. */
  const suspended = ref(false);
  let applying = false;
  let armedDiscard: { action: string; until: number } | undefined;
  const client = clientId();

  const dirty = computed(() => !sameFiles(project.files, savedFiles.value) || JSON.stringify(bench.config ?? null) !== JSON.stringify(savedBench.value ?? null));
  const displayName = computed(() => current.value?.name ?? (project.example ? `${project.example.name} (unsaved)` : 'untitled'));

  // A project replaced from elsewhere (New from example): untitled, its files the baseline.
  watch(
    () => project.revision,
    () => {
      if (applying || suspended.value) return;
      current.value = undefined;
      savedFiles.value = { ...project.files };
      savedBench.value = bench.config;
      restored.value = undefined;
    },
    { flush: 'sync' },
  );

  /** Puts files into the editor as a new project (models rebuilt, last build and run cleared). */
  function replace(files: Record<string, string>, options: { activeFile?: string | undefined; example?: { name: string; title: string } | undefined; bench?: BenchConfig | undefined }): void {
    applying = true;
    try {
      project.files = { ...files };
      project.activeFile = options.activeFile && options.activeFile in files ? options.activeFile : mainFile(files);
      project.example = options.example;
      project.lastBuild = undefined;
      project.diagnostics = [];
      project.runId = null;
      project.runState = '';
      project.runResult = undefined;
      bench.config = options.bench;
      const named = options.bench?.scenario;
      bench.scenario = named && bench.scenarios.includes(named) ? named : 'default';
      project.revision++;
    } finally {
      applying = false;
    }
  }

  function adopt(data: ProjectData): void {
    replace(data.files, { bench: data.bench });
    current.value = { ref: data.ref, name: data.name, location: data.location };
    savedFiles.value = { ...data.files };
    savedBench.value = data.bench;
    restored.value = undefined;
  }

  /** Unsaved edits are lost by `action` unless the user asks twice (or saves first). */
  function confirmDiscard(action: string): boolean {
    if (!dirty.value) return true;
    if (armedDiscard && armedDiscard.action === action && Date.now() < armedDiscard.until) {
      armedDiscard = undefined;
      return true;
    }
    armedDiscard = { action, until: Date.now() + 10_000 };
    notice.value = `${displayName.value} has unsaved changes: save them (Ctrl+S), or ${action} again to discard them`;
    return false;
  }

  async function run<T>(what: string, task: () => Promise<T>): Promise<T | undefined> {
    if (!engine.client) return undefined;
    busy.value = true;
    error.value = undefined;
    try {
      return await task();
    } catch (e) {
      error.value = `${what}: ${message(e)}`;
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  async function refresh(): Promise<void> {
    const c = engine.client;
    if (!c) return;
    try {
      const listed = await c.call('project.list', {});
      workspace.value = listed.workspace;
      dialogs.value = listed.dialogs;
      workspaceProjects.value = listed.projects;
      recent.value = (await c.call('project.recent', {})).projects;
    } catch (e) {
      error.value = message(e);
    }
  }

  async function create(name: string, template: string): Promise<boolean> {
    if (suspended.value || !confirmDiscard('create a project')) return false;
    const data = await run(`New project ${name}`, () => engine.client!.call('project.create', { name, template }));
    if (!data) return false;
    adopt(data);
    notice.value = `Created ${data.name} from ${template} in ${data.location}`;
    dialog.value = undefined;
    await autosaveNow();
    void refresh();
    return true;
  }

  async function open(ref?: string): Promise<boolean> {
    if (suspended.value) return false;
    if (ref === undefined && !dialogs.value) {
      void refresh();
      dialog.value = 'open';
      return false;
    }
    if (!confirmDiscard('open a project')) return false;
    const result = await run(`Open ${ref ?? 'project'}`, () => engine.client!.call('project.open', ref === undefined ? {} : { ref }));
    if (!result?.project) return false;
    adopt(result.project);
    notice.value = `Opened ${result.project.name}`;
    dialog.value = undefined;
    await autosaveNow();
    void refresh();
    return true;
  }

  async function save(): Promise<boolean> {
    if (suspended.value) return false;
    const target = current.value;
    if (!target) return saveAs();
    const files = project.files;
    const benchConfig = bench.config;
    const saved = await run(`Save ${target.name}`, () => engine.client!.call('project.save', { ref: target.ref, files, ...(benchConfig ? { bench: benchConfig } : {}) }));
    if (!saved) return false;
    savedFiles.value = files;
    savedBench.value = benchConfig;
    restored.value = undefined;
    notice.value = `Saved ${target.name} (${saved.written.length} files) at ${new Date(saved.savedAt).toLocaleTimeString()}`;
    await autosaveNow();
    void refresh();
    return true;
  }

  /** Save as: the name comes from the window's dialog in a browser, the system's folder dialog on the desktop. */
  async function saveAs(name?: string): Promise<boolean> {
    if (suspended.value) return false;
    if (name === undefined && !dialogs.value) {
      dialog.value = 'saveAs';
      return false;
    }
    const files = project.files;
    const benchConfig = bench.config;
    const result = await run(`Save as ${name ?? ''}`.trim(), () => engine.client!.call('project.saveAs', { ...(name !== undefined ? { name } : {}), files, ...(benchConfig ? { bench: benchConfig } : {}) }));
    if (!result?.project) return false;
    const data = result.project;
    current.value = { ref: data.ref, name: data.name, location: data.location };
    savedFiles.value = files;
    savedBench.value = benchConfig;
    restored.value = undefined;
    project.example = undefined;
    notice.value = `Saved as ${data.name} in ${data.location}`;
    dialog.value = undefined;
    await autosaveNow();
    void refresh();
    return true;
  }

  /** Throws the restored edits away: back to the project as saved. */
  async function discardRestored(): Promise<void> {
    const target = current.value;
    restored.value = undefined;
    if (target) {
      const result = await run(`Reopen ${target.name}`, () => engine.client!.call('project.open', { ref: target.ref }));
      if (result?.project) adopt(result.project);
    }
    await autosaveNow();
  }

  // Autosave: what the window has, every AUTOSAVE_MS when it changed, and when the window closes.
  let lastSignature: unknown[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;

  function slot(): Omit<AutosaveSlot, 'savedAt'> {
    return {
      ref: current.value?.ref ?? null,
      name: current.value?.name ?? project.example?.name ?? 'untitled',
      files: project.files,
      ...(bench.config ? { bench: bench.config } : {}),
      ...(!current.value && project.example ? { example: project.example.name } : {}),
      activeFile: project.activeFile,
      dirty: dirty.value,
    };
  }

  async function autosaveNow(force = true): Promise<void> {
    const c = engine.client;
    if (!c || suspended.value || timer === undefined) return;
    const signature = [project.files, project.activeFile, current.value?.ref, bench.config, dirty.value];
    if (!force && signature.length === lastSignature.length && signature.every((v, i) => v === lastSignature[i])) return;
    lastSignature = signature;
    try {
      autosavedAt.value = (await c.call('project.autosave', { client, slot: slot() })).savedAt;
    } catch (e) {
      error.value = `Autosave failed: ${message(e)}`;
    }
  }

  async function restore(): Promise<void> {
    const c = engine.client!;
    const { slot: saved } = await c.call('project.restore', { client });
    if (!saved) return;
    if (saved.ref !== null) {
      let data: ProjectData | null = null;
      try {
        data = (await c.call('project.open', { ref: saved.ref })).project;
      } catch (e) {
        error.value = `${saved.name} could not be opened (${message(e)}); its last autosave is shown, not saved anywhere yet`;
      }
      if (data) {
        adopt(data);
        if (saved.dirty && !sameFiles(saved.files, data.files)) {
          replace(saved.files, { activeFile: saved.activeFile, bench: saved.bench });
          restored.value = { savedAt: saved.savedAt, name: data.name };
        } else if (saved.activeFile && saved.activeFile in data.files) {
          project.activeFile = saved.activeFile;
        }
        return;
      }
    }
    replace(saved.files, { activeFile: saved.activeFile, bench: saved.bench, example: saved.example ? { name: saved.example, title: saved.example } : undefined });
    current.value = undefined;
    // An untitled project's template is not kept: restored edits count as unsaved.
    savedFiles.value = saved.dirty ? {} : { ...saved.files };
    savedBench.value = saved.bench;
    if (saved.dirty) restored.value = { savedAt: saved.savedAt, name: saved.name };
  }

  /** After the engine connects: the workspace, the recent list, then the last autosave; autosave starts after that. */
  async function start(): Promise<void> {
    if (!engine.client) return;
    void refresh();
    try {
      await restore();
    } catch (e) {
      error.value = `Could not restore the last session: ${message(e)}`;
    }
    timer = setInterval(() => void autosaveNow(false), AUTOSAVE_MS);
    window.addEventListener('beforeunload', () => void autosaveNow(false));
  }

  function setDialog(value: ProjectDialog | undefined): void {
    if (value === 'new' || value === 'open' || value === 'saveAs') void refresh();
    dialog.value = value;
  }

  return {
    current,
    workspace,
    dialogs,
    workspaceProjects,
    recent,
    busy,
    notice,
    error,
    restored,
    autosavedAt,
    dialog,
    suspended,
    dirty,
    displayName,
    refresh,
    create,
    open,
    save,
    saveAs,
    discardRestored,
    autosaveNow,
    start,
    setDialog,
  };
});
