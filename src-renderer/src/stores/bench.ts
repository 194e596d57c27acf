import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { BenchConfig, ScenarioInput } from '../../../src-shared/contract';
import {
  buildScenario,
  BUILT_IN_SCENARIO_NAMES,
  hasLabnicDevice,
  hasVirtualDevice,
  type FaultToggle,
} from '../bench/scenario-builder';
import { benchTargets, type BenchAction, type BenchTargets, type BindSettings } from '../bench/bench-actions';

/** The largest seed run.start takes. */
const MAX_SEED = 0xffffffff;

/** What the next run does: the scenario, its seed, the project's bench.json, the device switch and the fault toggles. */
export const useBenchStore = defineStore('bench', () => {
  const scenario = ref('default');
  /** The project's bench.json (from its example): its adapters' device and registry values. */
  const config = shallowRef<BenchConfig>();
  const seedText = ref('1');
  const labnic = ref(false);
  const faults = ref<FaultToggle[]>([]);
  /** The bench's bind settings for an intermediate driver's scenario (undefined: the scenario's own). */
  const bind = shallowRef<BindSettings>();
  /** Actions placed in the run (waits, frames, unbind, removals), in order. */
  const actions = shallowRef<readonly BenchAction[]>([]);

  const scenarios = BUILT_IN_SCENARIO_NAMES;
  /** The chosen scenario's device is virtual: the bench offers LabNIC instead. */
  const virtualDevice = computed(() => hasVirtualDevice(scenario.value, config.value));
  /** There is a LabNIC in the run, so the fault toggles act on something. */
  const faultsApply = computed(() => hasLabnicDevice({ scenario: scenario.value, labnic: labnic.value, bench: config.value }));
  /** The seed as run.start takes it: an integer 0…2³²−1 (anything else counts as invalid). */
  const seed = computed<number | undefined>(() => {
    const text = seedText.value.trim();
    if (!/^\d+$/.test(text)) return undefined;
    const value = Number(text);
    return value <= MAX_SEED ? value : undefined;
  });

  /** What the chosen scenario has to act on (its adapters and bindings). */
  const targets = computed<BenchTargets>(() => {
    try {
      return benchTargets(buildScenario({ scenario: scenario.value, faults: [], labnic: labnic.value && virtualDevice.value, bench: config.value, bind: bind.value }).steps);
    } catch {
      return { adapters: [], lowers: [], labnicLowers: [] };
    }
  });
  // Another scenario: its binds and targets are its own; actions on what it lacks would be left out anyway.
  watch(scenario, () => {
    bind.value = undefined;
    actions.value = [];
  });

  function setFault(kind: FaultToggle, on: boolean): void {
    const rest = faults.value.filter((k) => k !== kind);
    faults.value = on ? [...rest, kind] : rest;
  }

  /** The scenario the Run button sends. */
  function buildRunScenario(): ScenarioInput {
    return buildScenario({ scenario: scenario.value, faults: faults.value, labnic: labnic.value && virtualDevice.value, bench: config.value, bind: bind.value, actions: actions.value });
  }

  return { scenario, config, seedText, seed, labnic, faults, bind, actions, targets, scenarios, virtualDevice, faultsApply, setFault, buildRunScenario };
});
