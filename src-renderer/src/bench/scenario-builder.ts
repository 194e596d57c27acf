import { applyBench, type BenchConfig } from '../../../src-shared/contract/bench';
import { BUILT_IN_SCENARIOS } from '../../../src-shared/contract/built-in-scenarios';
import type { HardwareFaultInput, HardwareFaultKind, ScenarioInput } from '../../../src-shared/contract/scenario';
import { actionPoint, applyBindSettings, benchTargets, describeAction, placeActions, type BenchAction, type BindSettings } from './bench-actions';

type StepInput = ScenarioInput['steps'][number];
type AddDeviceStep = Extract<StepInput, { step: 'add-device' }>;
type Registry = NonNullable<AddDeviceStep['registry']>;

/** LabNIC faults that only make sense from power-on: they go into the first LabNIC `add-device`'s `faults`. */
export const POWER_ON_FAULTS = ['bad-eeprom-checksum', 'reset-hang', 'reset-late', 'msi-as-line'] as const satisfies readonly HardwareFaultKind[];
/**
 * LabNIC faults of a running adapter: `hw-fault` steps once the adapter is up. In the order they are
 * injected; surprise removal last, since nothing works after it.
 */
export const RUNNING_FAULTS = ['link-flap', 'interrupt-storm', 'stuck-interrupt', 'lost-interrupt', 'dma-error', 'receive-overrun', 'surprise-removal'] as const satisfies readonly HardwareFaultKind[];

export type PowerOnFault = (typeof POWER_ON_FAULTS)[number];
export type RunningFault = (typeof RUNNING_FAULTS)[number];
export type FaultToggle = PowerOnFault | RunningFault;
/** Every toggle of the bench, in the order shown. */
export const FAULT_TOGGLES: readonly FaultToggle[] = [...RUNNING_FAULTS, ...POWER_ON_FAULTS];

/** What each toggle does, in a few words (the toggles' tooltips). */
export const FAULT_DESCRIPTIONS: Readonly<Record<FaultToggle, string>> = {
  'link-flap': 'the link goes down for 100 ms, then comes back',
  'interrupt-storm': 'TXDW set again every time it is cleared',
  'stuck-interrupt': 'the interrupt line stays asserted',
  'lost-interrupt': 'the next interrupt is latched but never signalled',
  'dma-error': 'the next bus-master transfer fails (DMAERR)',
  'receive-overrun': '1024 frames back to back, more than the ring holds',
  'surprise-removal': 'the device is gone: registers read all ones',
  'bad-eeprom-checksum': "the EEPROM's checksum word is wrong (from power-on)",
  'reset-hang': 'CTRL.RST never completes (from power-on)',
  'reset-late': 'CTRL.RST completes 20 ms late (from power-on)',
  'msi-as-line': 'a line interrupt granted although MSI was asked for (from power-on)',
};

/** The registry a LabNIC device instance gets from its INF: MSI asked for. */
export const LABNIC_REGISTRY: Readonly<Registry> = { MSISupported: 1 };
/** Virtual time after each running fault, so its effect shows before the scenario goes on. */
export const FAULT_SETTLE_MS = 50;
/** How long a toggled link flap keeps the link down. */
export const LINK_FLAP_DOWN_MS = 100;

export interface BenchSettings {
  /** A built-in scenario's name (BUILT_IN_SCENARIOS). */
  scenario: string;
  /** Fault toggles that are on. */
  faults: readonly FaultToggle[];
  /** Switch the scenario's virtual devices to LabNIC (only matters where the scenario's device is virtual). */
  labnic: boolean;
  /** The project's bench.json (its adapters' device and registry values); the scenario's own settings win. */
  bench?: BenchConfig | undefined;
  /** An intermediate driver's binds: when the virtual device starts, what pends, what is below (absent: the scenario's own). */
  bind?: BindSettings | undefined;
  /** What the bench does during the run once the first adapter or binding is up (bench-actions.ts). */
  actions?: readonly BenchAction[] | undefined;
}

export const BUILT_IN_SCENARIO_NAMES: readonly string[] = Object.keys(BUILT_IN_SCENARIOS);

function isPowerOn(kind: FaultToggle): kind is PowerOnFault {
  return (POWER_ON_FAULTS as readonly string[]).includes(kind);
}

function isLabnic(step: AddDeviceStep): boolean {
  return step.device?.toLowerCase() === 'labnic';
}

function isVirtual(step: AddDeviceStep): boolean {
  return step.device === undefined || step.device === 'virtual';
}

/** The built-in scenario with the project's bench.json applied (a copy: the built-ins are shared, read-only values). */
function baseScenario(name: string, bench: BenchConfig | undefined): ScenarioInput {
  const base = BUILT_IN_SCENARIOS[name];
  if (!base) throw new Error(`no built-in scenario named ${JSON.stringify(name)} (${BUILT_IN_SCENARIO_NAMES.join(', ')})`);
  return applyBench(JSON.parse(JSON.stringify(base)) as ScenarioInput, bench);
}

function addDevices(name: string, bench: BenchConfig | undefined): AddDeviceStep[] {
  if (!BUILT_IN_SCENARIOS[name]) return [];
  return baseScenario(name, bench).steps.filter((s): s is AddDeviceStep => s.step === 'add-device');
}

/** The scenario (with the project's bench.json) has a virtual device: the bench can offer to switch it to LabNIC. */
export function hasVirtualDevice(name: string, bench?: BenchConfig): boolean {
  return addDevices(name, bench).some(isVirtual);
}

/** The scenario (with the bench.json and the device switch) has a LabNIC device, so the fault toggles apply. */
export function hasLabnicDevice(settings: Pick<BenchSettings, 'scenario' | 'labnic' | 'bench'>): boolean {
  return addDevices(settings.scenario, settings.bench).some((s) => isLabnic(s) || (settings.labnic && isVirtual(s)));
}

function runningFault(kind: RunningFault): HardwareFaultInput {
  switch (kind) {
    case 'link-flap':
      return { kind, downMs: LINK_FLAP_DOWN_MS };
    default:
      return { kind };
  }
}

/** How long to let the fault act: a link flap until the link is back, so later `expect-link up` steps still hold. */
function settleMs(kind: RunningFault): number {
  return kind === 'link-flap' ? LINK_FLAP_DOWN_MS + FAULT_SETTLE_MS : FAULT_SETTLE_MS;
}

/**
 * The scenario a run of the bench sends: a built-in scenario with the project's bench.json applied
 * (device and registry of every adapter, under the scenario's own), its virtual devices switched to
 * LabNIC if asked, and the toggled faults:
 * power-on faults in the first LabNIC `add-device`, running faults as `hw-fault` steps (each
 * followed by an `advance-time`) after the first `advance-time` that follows the `restart` of that
 * adapter. Without a LabNIC device the fault toggles have nothing to act on and are left out.
 */
export function buildScenario(settings: BenchSettings): ScenarioInput {
  const scenario = baseScenario(settings.scenario, settings.bench);
  const changes: string[] = [];
  const hasBind = scenario.steps.some((s) => s.step === 'bind');
  const steps: StepInput[] = settings.bind && hasBind ? applyBindSettings(scenario.steps, settings.bind) : [...scenario.steps];
  if (settings.bind && hasBind) changes.push(`start ${settings.bind.start}${settings.bind.start === 'later' ? ` ${settings.bind.startAfterMs} ms` : ''}, below ${settings.bind.below}${settings.bind.pend.length ? `, pend ${settings.bind.pend.join('/')}` : ''}`);
  // Where the bench's actions go, before faults are inserted there (the actions follow the faults).
  let actionsAt = actionPoint(steps);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.step !== 'add-device' || !settings.labnic || !isVirtual(step)) continue;
    steps[i] = { ...step, device: 'labnic', registry: { ...LABNIC_REGISTRY, ...step.registry } };
    if (!changes.includes('labnic')) changes.push('labnic');
  }

  const wanted = FAULT_TOGGLES.filter((kind) => settings.faults.includes(kind));
  const deviceIndex = steps.findIndex((s) => s.step === 'add-device' && isLabnic(s));
  if (wanted.length > 0 && deviceIndex >= 0) {
    const device = steps[deviceIndex] as AddDeviceStep;
    const adapter = device.name ?? 'adapter0';
    const powerOn = wanted.filter(isPowerOn);
    if (powerOn.length > 0) {
      const existing = device.faults ?? [];
      const added = powerOn.filter((kind) => !existing.some((f) => f.kind === kind)).map((kind): HardwareFaultInput => ({ kind }));
      steps[deviceIndex] = { ...device, faults: [...existing, ...added] };
    }
    const running = wanted.filter((kind): kind is RunningFault => !isPowerOn(kind));
    if (running.length > 0) {
      const at = injectionPoint(steps, deviceIndex, adapter);
      const inserted: StepInput[] = running.flatMap((kind): StepInput[] => [
        { step: 'hw-fault', adapter, fault: runningFault(kind) },
        { step: 'advance-time', ms: settleMs(kind) },
      ]);
      steps.splice(at, 0, ...inserted);
      if (actionsAt !== undefined && actionsAt >= at) actionsAt += inserted.length;
    }
    changes.push(...wanted);
  }

  let result = steps;
  if (settings.actions && settings.actions.length > 0 && actionsAt !== undefined) {
    const { steps: withActions, placed } = placeActions(steps, actionsAt, settings.actions, benchTargets(steps));
    result = withActions;
    changes.push(...placed.filter((a) => a.kind !== 'wait').map(describeAction));
  }

  const name = changes.length > 0 ? `${scenario.name ?? settings.scenario} + ${changes.join(', ')}` : (scenario.name ?? settings.scenario);
  return { ...scenario, name: name.length > 100 ? `${name.slice(0, 99)}…` : name, steps: result };
}

/**
 * Where running faults go: after the first `advance-time` that follows the adapter's `restart` (the
 * adapter is Running and its link up by then); failing that, right after the restart, or after the
 * `add-device` itself.
 */
function injectionPoint(steps: readonly StepInput[], deviceIndex: number, adapter: string): number {
  const restart = steps.findIndex((s, i) => i > deviceIndex && s.step === 'restart' && (s.adapter === undefined || s.adapter === adapter));
  if (restart < 0) return deviceIndex + 1;
  const advance = steps.findIndex((s, i) => i > restart && s.step === 'advance-time');
  return advance < 0 ? restart + 1 : advance + 1;
}
