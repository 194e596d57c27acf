import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { BenchConfig, LabEvent, RunResultData, SessionLogEnd, SessionLogHeader, SimEvent } from '../../../src-shared/contract';
import { SessionLogReader, type SessionLogRecord } from '../../../src-shared/session/log-reader';
import { sameResult, SessionReplay, type ReplayState } from '../../../src-shared/session/replay';
import { useBenchStore } from './bench';
import { useEngineStore } from './engine';
import { useHardwareStore } from './hardware';
import { useProjectStore } from './project';
import { useProjectsStore } from './projects';

/** Events handed to the window's stores per batch while a replay fills them (as the engine batches). */
const REPLAY_BATCH = 1024;

/** The text of a file, piece by piece, however large it is. */
async function* textOf(file: Blob): AsyncGenerator<string> {
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads a session log through, record by record; a problem throws with its line. */
async function readLog(file: Blob, name: string, validate: boolean, take: (record: SessionLogRecord) => void): Promise<void> {
  const reader = new SessionLogReader({ source: name, validate });
  for await (const text of textOf(file)) for (const record of reader.push(text)) take(record);
  for (const record of reader.finish()) take(record);
}

const yieldToPaint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

interface Saved {
  files: Record<string, string>;
  activeFile: string;
  example: { name: string; title: string } | undefined;
  bench: BenchConfig | undefined;
  scenario: string;
  runId: string | null;
  runState: string;
  runResult: RunResultData | undefined;
}

/**
 * Opens an exported session log (NDJSON) read-only: the log is checked line by line first (a bad
 * one is refused, naming the line, and nothing changes); then the editor shows its sources, and
 * its events go to the consoles, the hardware panel and the result as they did when it ran.
 */
export const useReplayStore = defineStore('replay', () => {
  const project = useProjectStore();
  const bench = useBenchStore();
  const engine = useEngineStore();
  const active = ref(false);
  const fileName = ref('');
  const loading = ref(false);
  const error = ref<string>();
  const header = shallowRef<SessionLogHeader>();
  const state = shallowRef<ReplayState>();
  const end = shallowRef<SessionLogEnd>();
  /** What checking the replayed result against the one recorded at the end of the log found. */
  const verdict = ref<'matches' | 'differs' | 'unrecorded'>('unrecorded');
  const moreRuns = ref(0);
  let saved: Saved | undefined;
  let replays = 0;

  async function importFile(file: File): Promise<boolean> {
    if (loading.value) return false;
    loading.value = true;
    error.value = undefined;
    try {
      // First pass: check everything and replay it, touching nothing.
      const replay = new SessionReplay();
      let logHeader: SessionLogHeader | undefined;
      let logEnd: SessionLogEnd | undefined;
      let runs = 0;
      await readLog(file, file.name, true, (record) => {
        if (record.type === 'header') logHeader = record.header;
        else if (record.type === 'end') logEnd = record.end;
        else {
          if (record.event.kind === 'run.started') runs++;
          if (runs <= 1) replay.apply(record.event);
        }
      });
      const replayed = replay.state();
      if (!active.value) saved = snapshot();
      active.value = true;
      useProjectsStore().suspended = true;
      fileName.value = file.name;
      header.value = logHeader;
      end.value = logEnd;
      state.value = replayed;
      moreRuns.value = Math.max(0, runs - 1);
      verdict.value = logEnd?.result && runs <= 1 ? (sameResult(logEnd.result, replayed.result) ? 'matches' : 'differs') : 'unrecorded';
      show(logHeader!, replayed);
      // Second pass: the events, batch by batch, to every store that follows the event stream.
      await fill(file, replayed, logEnd);
      return true;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      loading.value = false;
    }
  }

  function snapshot(): Saved {
    return {
      files: project.files,
      activeFile: project.activeFile,
      example: project.example,
      bench: bench.config,
      scenario: bench.scenario,
      runId: project.runId,
      runState: project.runState,
      runResult: project.runResult,
    };
  }

  function show(logHeader: SessionLogHeader, replayed: ReplayState): void {
    const files = logHeader.files ?? {};
    project.files = { ...files };
    project.activeFile = Object.keys(files).find((f) => replayed.findings[0]?.file === f) ?? Object.keys(files).find((f) => f.endsWith('.c')) ?? Object.keys(files)[0] ?? '';
    project.example = undefined;
    project.lastBuild = undefined;
    project.diagnostics = [];
    project.revision++;
  }

  async function fill(file: File, replayed: ReplayState, logEnd: SessionLogEnd | undefined): Promise<void> {
    const runId = `replay-${++replays}`;
    project.runId = runId;
    project.runState = 'replaying';
    project.runResult = undefined;
    useHardwareStore().expect(header.value?.scenarioSpec);
    let batch: SimEvent[] = [];
    let firstSeq = 1;
    let runs = 0;
    const send = (): void => {
      if (batch.length === 0) return;
      engine.dispatch([{ seq: firstSeq, kind: 'run.events', runId, events: batch } satisfies LabEvent]);
      batch = [];
    };
    // The file is read in pieces, so the window paints between them however long the log is.
    await readLog(file, file.name, false, (record) => {
      if (record.type !== 'event') return;
      if (record.event.kind === 'run.started') runs++;
      if (runs > 1) return;
      if (batch.length === 0) firstSeq = record.seq;
      batch.push(record.event);
      if (batch.length >= REPLAY_BATCH) send();
    });
    send();
    await yieldToPaint();
    const status = logEnd?.state ?? (replayed.finished ? 'finished' : 'stopped');
    engine.dispatch([
      {
        seq: replayed.events + 1,
        kind: 'run.status',
        runId,
        state: status,
        ...(logEnd?.reason ? { reason: logEnd.reason } : {}),
        ...(replayed.result ? { result: replayed.result } : {}),
      } satisfies LabEvent,
    ]);
  }

  /** Leaves the replay: the project that was open comes back, editable. */
  function close(): void {
    if (!active.value) return;
    const previous = saved;
    active.value = false;
    header.value = undefined;
    state.value = undefined;
    end.value = undefined;
    saved = undefined;
    if (previous) {
      project.files = previous.files;
      project.activeFile = previous.activeFile;
      project.example = previous.example;
      bench.config = previous.bench;
      bench.scenario = previous.scenario;
      project.runId = previous.runId;
      project.runState = previous.runState;
      project.runResult = previous.runResult;
      project.lastBuild = undefined;
      project.diagnostics = [];
      project.revision++;
    }
    useProjectsStore().suspended = false;
  }

  function dismissError(): void {
    error.value = undefined;
  }

  return { active, fileName, loading, error, header, state, end, verdict, moreRuns, importFile, close, dismissError };
});
