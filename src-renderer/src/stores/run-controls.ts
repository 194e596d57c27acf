import { defineStore } from 'pinia';
import type { CommandInput } from '../../../src-shared/contract';
import { computed, ref, watch } from 'vue';
import { useEngineStore } from './engine';
import { useProjectStore } from './project';

/** The speeds offered: simulator events per wall-clock second, 0 for as fast as it goes. */
export const SPEEDS: ReadonlyArray<{ value: number; label: string }> = [
  { value: 0, label: 'full speed' },
  { value: 10_000, label: '10,000 events/s' },
  { value: 1_000, label: '1,000 events/s' },
  { value: 100, label: '100 events/s' },
  { value: 10, label: '10 events/s' },
  { value: 1, label: '1 event/s' },
];

/** Stop, pause/resume, step, speed and live actions of the run the window started last. */
export const useRunControlsStore = defineStore('run-controls', () => {
  /** The speed for the current run and the next ones. */
  const speed = ref(0);
  const error = ref<string>();
  const pending = ref(false);

  const project = useProjectStore();
  /** A run that can still be controlled. */
  const active = computed(() => project.runId !== null && (project.runState === 'running' || project.runState === 'paused'));
  const paused = computed(() => active.value && project.runState === 'paused');

  async function call(run: (client: NonNullable<ReturnType<typeof useEngineStore>['client']>, runId: string) => Promise<unknown>): Promise<void> {
    const client = useEngineStore().client;
    const runId = project.runId;
    if (!client || !runId) return;
    pending.value = true;
    error.value = undefined;
    try {
      await run(client, runId);
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      pending.value = false;
    }
  }

  const stop = (): Promise<void> => call((client, runId) => client.call('run.control', { runId, action: 'stop' }));
  const pause = (): Promise<void> => call((client, runId) => client.call('run.control', { runId, action: 'pause' }));
  const resume = (): Promise<void> => call((client, runId) => client.call('run.control', { runId, action: 'resume' }));
  /**
   * Lets one more event happen, then pauses (pauses a running run after its next event); with no
   * run going, starts one paused after its first event.
   */
  async function step(): Promise<void> {
    if (!active.value) {
      error.value = undefined;
      await project.run({ paused: true });
      return;
    }
    await call((client, runId) => client.call('run.control', { runId, action: 'step', events: 1 }));
  }

  /** What the last run.act said: how many steps the run still had to take (until another run starts). */
  const acted = ref<string>();
  watch(
    () => project.runId,
    () => (acted.value = undefined),
  );

  /**
   * Gives the run going steps to take at its next idle point (run.act): an action of the bench done
   * now rather than placed in the scenario. A paused run takes them once it goes on.
   */
  async function act(steps: CommandInput<'run.act'>['steps'], what: string): Promise<void> {
    acted.value = undefined;
    await call(async (client, runId) => {
      const { waiting } = await client.call('run.act', { runId, steps });
      acted.value = `${what}: sent to ${runId}, which takes it at its next idle point${paused.value ? ' once it goes on' : ''} (${waiting} step${waiting === 1 ? '' : 's'} waiting)`;
    });
  }

  async function setSpeed(value: number): Promise<void> {
    speed.value = value;
    if (active.value) await call((client, runId) => client.call('run.speed', { runId, eventsPerSecond: value }));
  }

  return { speed, error, pending, active, paused, acted, stop, pause, resume, step, act, setSpeed };
});
