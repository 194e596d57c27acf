import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LabEvent, ScenarioInput } from '../../../src-shared/contract';
import { HardwareModel, type AdapterView, type SnapshotEntry, type BindingView } from '../bench/hardware-model';
import type { CheckedRunEvents } from '../transport/event-pipeline';
import { useEngineStore } from './engine';
import { publishOnTick } from './publish-clock';

/**
 * The hardware panel's state: the run's adapters and devices, folded from the event stream by a
 * plain (non-reactive) model, and published to the view on the stream's publish clock (with the
 * consoles, at most every 40 ms), however many register events a batch carries.
 */
export const useHardwareStore = defineStore('hardware', () => {
  const model = new HardwareModel();
  /** The model's version the view last drew; reading it makes a computed follow the model. */
  const version = ref(0);
  const selectedName = ref<string>();
  /** The snapshot shown, as an index into the adapter's history; undefined follows the latest. */
  const pinnedSnapshot = ref<number>();
  const show = (): void => void (version.value = model.version);
  function publish(): void {
    publishOnTick(show);
  }

  /** Makes the calling computed follow the model (which is not reactive itself). */
  const track = (): number => version.value;
  const runId = computed(() => {
    track();
    return model.runId;
  });
  const adapters = computed<AdapterView[]>(() => {
    track();
    return [...model.adapters.values()];
  });
  const bindings = computed<BindingView[]>(() => {
    track();
    return [...model.bindings.values()];
  });
  const selected = computed<AdapterView | undefined>(() => adapters.value.find((a) => a.name === selectedName.value) ?? adapters.value.find((a) => a.snapshots.length > 0) ?? adapters.value[0]);
  /** How many snapshots the selected adapter has (the snapshot picker's range). */
  const snapshotCount = computed(() => {
    track();
    return selected.value?.snapshots.length ?? 0;
  });
  const entry = computed<SnapshotEntry | undefined>(() => {
    track();
    const snapshots = selected.value?.snapshots ?? [];
    const pinned = pinnedSnapshot.value;
    return pinned !== undefined && pinned < snapshots.length ? snapshots[pinned] : snapshots.at(-1);
  });
  /** The register access to highlight: the latest one, or the one before the pinned snapshot. */
  const lastAccess = computed(() => {
    track();
    return pinnedSnapshot.value === undefined ? selected.value?.lastAccess : entry.value?.lastAccess;
  });

  /** The link indication and faults as of the snapshot shown (the latest, unless one is pinned). */
  const linkIndication = computed(() => {
    track();
    return pinnedSnapshot.value === undefined ? selected.value?.linkIndication : entry.value?.linkIndication;
  });
  const faultEvents = computed(() => {
    track();
    return (pinnedSnapshot.value === undefined ? selected.value?.faultEvents : entry.value?.faultEvents) ?? [];
  });

  function select(name: string): void {
    selectedName.value = name;
    pinnedSnapshot.value = undefined;
  }

  function pinSnapshot(index: number | undefined): void {
    pinnedSnapshot.value = index;
  }

  /** The scenario the next run starts with (its devices show before they do anything). */
  function expect(scenario: ScenarioInput | undefined): void {
    model.expect(scenario);
  }

  function onEvents(events: LabEvent[]): void {
    let changed = false;
    for (const event of events) {
      if (event.kind !== 'run.events') continue;
      const before = model.runId;
      if (model.apply(event.runId, event.events)) changed = true;
      // A batch from the event worker counts its interrupts and most register accesses instead of carrying them.
      const tallies = (event as CheckedRunEvents).hardware;
      if (tallies && model.tally(event.runId, tallies)) changed = true;
      if (model.runId !== before) pinnedSnapshot.value = undefined;
    }
    if (changed) publish();
  }

  function start(): void {
    useEngineStore().onEvents(onEvents);
  }

  return { version, runId, adapters, bindings, selected, selectedName, snapshotCount, pinnedSnapshot, entry, lastAccess, linkIndication, faultEvents, select, pinSnapshot, expect, start };
});
