import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BuildSummary, CompilerDiagnostic, ExampleSummary, RunResultData, ScenarioInput } from '../../../src-shared/contract';
import { useBenchStore } from './bench';
import { useEngineStore } from './engine';
import { useHardwareStore } from './hardware';
import { useRunControlsStore } from './run-controls';

export const STARTER_DRIVER = `#define NDIS_MINIPORT_DRIVER 1
#define NDIS620_MINIPORT 1
#include <ndis.h>

DRIVER_INITIALIZE DriverEntry;

NTSTATUS
DriverEntry(
    _In_ PDRIVER_OBJECT DriverObject,
    _In_ PUNICODE_STRING RegistryPath
    )
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}
`;

/** The file to open first in a project: the one with DriverEntry, else the first .c file. */
export function mainFile(files: Readonly<Record<string, string>>): string {
  const names = Object.keys(files).sort((a, b) => a.localeCompare(b));
  const sources = names.filter((n) => n.endsWith('.c'));
  return sources.find((n) => /\bDriverEntry\s*\(/.test(files[n] ?? '')) ?? sources[0] ?? names[0] ?? 'driver.c';
}

/** The driver project being edited, and the last build and run of it. */
export const useProjectStore = defineStore('project', () => {
  const files = ref<Record<string, string>>({ 'driver.c': STARTER_DRIVER });
  const activeFile = ref('driver.c');
  const building = ref(false);
  const lastBuild = shallowRef<BuildSummary>();
  const diagnostics = shallowRef<CompilerDiagnostic[]>([]);
  const runId = ref<string | null>(null);
  const runState = ref<string>('');
  const runResult = shallowRef<RunResultData>();
  /** The scenario the last run was started with (the status bar counts its steps). */
  const runScenario = shallowRef<ScenarioInput>();
  /** Bumped whenever the whole project is replaced (a new project from an example), not on edits. */
  const revision = ref(0);
  /** The example the project was made from (its bench.json goes to the bench store). */
  const example = shallowRef<{ name: string; title: string }>();
  const examples = shallowRef<ExampleSummary[]>([]);
  const loadingExample = ref(false);
  const exampleError = ref<string>();
  /** File names, sorted, sources before headers (the editor's tabs). */
  const fileNames = computed(() =>
    Object.keys(files.value).sort((a, b) => Number(a.endsWith('.h')) - Number(b.endsWith('.h')) || a.localeCompare(b)),
  );

  function setText(file: string, text: string): void {
    files.value = { ...files.value, [file]: text };
  }

  async function build(): Promise<BuildSummary | undefined> {
    const client = useEngineStore().client;
    if (!client) return undefined;
    building.value = true;
    try {
      const summary = await client.call('build.run', { files: files.value });
      lastBuild.value = summary;
      diagnostics.value = summary.diagnostics;
      return summary;
    } finally {
      building.value = false;
    }
  }

  /** The example projects the engine ships (for "New from example"). */
  async function loadExamples(): Promise<void> {
    const client = useEngineStore().client;
    if (!client) return;
    try {
      examples.value = (await client.call('examples.list', {})).examples;
    } catch (error) {
      exampleError.value = error instanceof Error ? error.message : String(error);
    }
  }

  /** Replaces the project with an example's files; its bench.json goes to the bench store. */
  async function loadExample(name: string): Promise<void> {
    const client = useEngineStore().client;
    if (!client) return;
    loadingExample.value = true;
    exampleError.value = undefined;
    try {
      const project = await client.call('examples.get', { name });
      files.value = { ...project.files };
      activeFile.value = mainFile(project.files);
      example.value = { name: project.name, title: project.title };
      const bench = useBenchStore();
      bench.config = project.bench;
      // The example's bench.json may name the scenario it is meant for (an intermediate driver's).
      const named = project.bench?.scenario;
      bench.scenario = named && bench.scenarios.includes(named) ? named : 'default';
      lastBuild.value = undefined;
      diagnostics.value = [];
      runId.value = null;
      runState.value = '';
      runResult.value = undefined;
      revision.value++;
    } catch (error) {
      exampleError.value = error instanceof Error ? error.message : String(error);
    } finally {
      loadingExample.value = false;
    }
  }

  function openFile(file: string): void {
    if (file in files.value) activeFile.value = file;
  }

  /** The latest status of recent runs, also of one whose status came before run.start answered. */
  const statuses = new Map<string, { state: string; result?: RunResultData | undefined }>();

  /** Builds and runs the project; `paused` starts it paused after its first event (to step through it). */
  async function run(options: { paused?: boolean } = {}): Promise<void> {
    const engine = useEngineStore();
    if (!engine.client) return;
    // One run at a time from the window: a new run ends the one still going.
    if (runId.value && (runState.value === 'running' || runState.value === 'paused')) {
      await engine.client.call('run.control', { runId: runId.value, action: 'stop' }).catch(() => undefined);
    }
    const benchStore = useBenchStore();
    const seed = benchStore.seed;
    if (seed === undefined) {
      runState.value = 'invalid seed';
      return;
    }
    const scenario = benchStore.buildRunScenario();
    building.value = true;
    runResult.value = undefined;
    try {
      useHardwareStore().expect(scenario);
      runScenario.value = scenario;
      const eventsPerSecond = useRunControlsStore().speed;
      const started = await engine.client.call('run.start', { files: files.value, scenario, seed, paused: options.paused ?? false, ...(eventsPerSecond > 0 ? { eventsPerSecond } : {}) });
      lastBuild.value = started.build;
      diagnostics.value = started.build.diagnostics;
      runId.value = started.runId;
      const known = started.runId ? statuses.get(started.runId) : undefined;
      runState.value = known?.state ?? (started.runId ? 'running' : 'build failed');
      if (known?.result) runResult.value = known.result;
    } finally {
      building.value = false;
    }
  }

  function start(): void {
    useEngineStore().onEvents((events) => {
      for (const event of events) {
        if (event.kind !== 'run.status') continue;
        statuses.set(event.runId, { state: event.state, result: event.result });
        if (statuses.size > 32) statuses.delete(statuses.keys().next().value!);
        if (event.runId === runId.value) {
          runState.value = event.state;
          if (event.result) runResult.value = event.result;
        }
      }
    });
  }

  return {
    files,
    fileNames,
    activeFile,
    building,
    lastBuild,
    diagnostics,
    runId,
    runState,
    runResult,
    runScenario,
    revision,
    example,
    examples,
    loadingExample,
    exampleError,
    setText,
    openFile,
    build,
    run,
    loadExamples,
    loadExample,
    start,
  };
});
