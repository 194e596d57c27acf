import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { BuildSummary, CompilerDiagnostic, RunResultData } from '../../../src-shared/contract';
import { useEngineStore } from './engine';

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

  async function run(): Promise<void> {
    const engine = useEngineStore();
    if (!engine.client) return;
    building.value = true;
    runResult.value = undefined;
    try {
      const started = await engine.client.call('run.start', { files: files.value });
      lastBuild.value = started.build;
      diagnostics.value = started.build.diagnostics;
      runId.value = started.runId;
      runState.value = started.runId ? 'running' : 'build failed';
    } finally {
      building.value = false;
    }
  }

  function start(): void {
    useEngineStore().onEvents((events) => {
      for (const event of events) {
        if (event.kind === 'run.status' && event.runId === runId.value) {
          runState.value = event.state;
          if (event.result) runResult.value = event.result;
        }
      }
    });
  }

  return { files, activeFile, building, lastBuild, diagnostics, runId, runState, runResult, setText, build, run, start };
});
