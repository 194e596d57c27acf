import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ExportFormat } from '../../../src-shared/contract';
import { downloadBlob, readChunks } from '../window/download';
import { useEngineStore } from './engine';
import { useProjectStore } from './project';
import { useProjectsStore } from './projects';
import { useReplayStore } from './replay';

const ENDED = ['finished', 'stopped', 'failed'];

/** Exports of the last run: saved through the desktop's dialog, or downloaded by the browser. */
export const useExporterStore = defineStore('exporter', () => {
  const project = useProjectStore();
  const engine = useEngineStore();
  const busy = ref<ExportFormat>();
  const progress = ref(0);
  const notice = ref<string>();
  const error = ref<string>();

  /** The run can be exported: a real run of the engine (not a replay) that has ended. */
  const ready = computed(() => !!project.runId && !useReplayStore().active && ENDED.includes(project.runState) && engine.state === 'connected');

  async function exportRun(format: ExportFormat): Promise<void> {
    const client = engine.client;
    const runId = project.runId;
    if (!client || !runId || !ready.value || busy.value) return;
    busy.value = format;
    progress.value = 0;
    error.value = undefined;
    notice.value = undefined;
    try {
      const projects = useProjectsStore();
      const name = (projects.current?.name ?? project.example?.name.replace(/\//g, '-') ?? 'driver').slice(0, 100);
      const saved = await client.call('export.save', { runId, format, name });
      if (saved.mode === 'cancelled') return;
      if (saved.mode === 'saved') {
        notice.value = `Exported ${runId} to ${saved.path} (${saved.bytes.toLocaleString()} bytes)`;
        return;
      }
      const parts = await readChunks((offset) => client.call('export.read', { exportId: saved.exportId, offset }), saved.bytes, (done) => {
        progress.value = saved.bytes ? done / saved.bytes : 1;
      });
      downloadBlob(parts, saved.fileName, saved.mime);
      notice.value = `Downloaded ${saved.fileName} (${saved.bytes.toLocaleString()} bytes)`;
    } catch (e) {
      error.value = `Export ${format}: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy.value = undefined;
    }
  }

  return { busy, progress, notice, error, ready, exportRun };
});
