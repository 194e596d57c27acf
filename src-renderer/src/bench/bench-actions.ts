import type { ScenarioInput } from '../../../src-shared/contract/scenario';

type StepInput = ScenarioInput['steps'][number];
type BindStep = Extract<StepInput, { step: 'bind' }>;

export type BindStart = 'inside' | 'later' | 'never';
export type PendedOperation = 'open' | 'close' | 'oid';
export type Below = 'labnic' | 'model';

/** How the bench binds an intermediate driver: every `bind` step of the scenario takes these. */
export interface BindSettings {
  /** When the PnP manager starts the virtual device the driver asks for: inside the call, `startAfterMs` later, or never. */
  start: BindStart;
  startAfterMs: number;
  /** Operations of the lower adapter that return NDIS_STATUS_PENDING. */
  pend: readonly PendedOperation[];
  /** What the lower adapter is: a LabNIC run by the reference driver, or the simulator's model. */
  below: Below;
}

/**
 * Something the bench does during the run, in order, once the first adapter or binding is up. A
 * `wait` lets virtual time pass, so each action happens at the sum of the waits before it.
 */
export type BenchAction =
  | { kind: 'wait'; ms: number }
  /** The link partner sends frames: onto the adapter's LabNIC wire, or at a lower adapter below a binding. */
  | { kind: 'inject'; target: InjectTarget; count: number; bytes: number; burst: number; intervalUs: number }
  /** NDIS removes the binding over the lower adapter (NetEventPause, ProtocolUnbindAdapterEx). */
  | { kind: 'unbind'; lower: string }
  /** An orderly removal of an adapter of the driver: NDIS pauses, then halts it. */
  | { kind: 'remove'; adapter: string }
  /** PnP reports the device gone: an adapter of the driver, or the LabNIC below a binding (lower0). */
  | { kind: 'surprise-remove'; adapter: string };

export type InjectTarget = { adapter: string } | { lower: string };
export type BenchActionKind = BenchAction['kind'];

/** Limits of the controls (the scenario schema's). */
export const ACTION_LIMITS = {
  waitMs: { min: 0, max: 3_600_000 },
  startAfterMs: { min: 0, max: 3_600_000 },
  count: { min: 1, max: 1_000_000 },
  bytes: { min: 18, max: 9018 },
  burst: { min: 1, max: 65_536 },
  intervalUs: { min: 0, max: 60_000_000 },
} as const;

/** What the bench can act on in a scenario: its adapters (add-device names) and bindings (lower adapters). */
export interface BenchTargets {
  adapters: string[];
  lowers: string[];
  /** Lower adapters that are LabNIC devices (a bind with below: labnic): these can be surprise-removed and take frames on their wire. */
  labnicLowers: string[];
}

export function benchTargets(steps: readonly StepInput[]): BenchTargets {
  const adapters: string[] = [];
  const lowers: string[] = [];
  const labnicLowers: string[] = [];
  for (const step of steps) {
    if (step.step === 'add-device') {
      const name = step.name ?? 'adapter0';
      if (!adapters.includes(name)) adapters.push(name);
    } else if (step.step === 'bind') {
      const lower = step.lower ?? 'lower0';
      if (!lowers.includes(lower)) lowers.push(lower);
      if ((step.below ?? 'labnic') === 'labnic' && !labnicLowers.includes(lower)) labnicLowers.push(lower);
    }
  }
  return { adapters, lowers, labnicLowers };
}

/** Every `bind` step with the bench's settings. */
export function applyBindSettings(steps: readonly StepInput[], bind: BindSettings): StepInput[] {
  return steps.map((step): StepInput => {
    if (step.step !== 'bind') return step;
    const next: BindStep = { ...step, start: bind.start, pend: [...bind.pend], below: bind.below };
    if (bind.start === 'later') next.startAfterMs = bind.startAfterMs;
    else delete next.startAfterMs;
    return next;
  });
}

/** The virtual time (ms after the point the actions start) each action happens at. */
export function actionTimes(actions: readonly BenchAction[]): number[] {
  let t = 0;
  return actions.map((a) => {
    if (a.kind === 'wait') t += a.ms;
    return t;
  });
}

/** An action in a few words, for the list and the scenario's name. */
export function describeAction(action: BenchAction): string {
  switch (action.kind) {
    case 'wait':
      return `wait ${action.ms} ms`;
    case 'inject': {
      const where = 'lower' in action.target ? `below the binding at ${action.target.lower}` : `onto ${action.target.adapter}'s wire`;
      return `inject ${action.count} × ${action.bytes} B ${where} (bursts of ${action.burst}, ${action.intervalUs} µs apart)`;
    }
    case 'unbind':
      return `unbind ${action.lower}`;
    case 'remove':
      return `remove ${action.adapter} (pause, halt)`;
    case 'surprise-remove':
      return `surprise-remove ${action.adapter}`;
  }
}

/**
 * Where the actions go: for a scenario with devices, after the first `advance-time` that follows
 * the first adapter's `restart` (it is Running, its link up); for an intermediate driver's, after
 * the first binding is checked Running (else right after its `bind`). Undefined: nothing to act on.
 */
export function actionPoint(steps: readonly StepInput[]): number | undefined {
  const device = steps.findIndex((s) => s.step === 'add-device');
  if (device >= 0) {
    const restart = steps.findIndex((s, i) => i > device && s.step === 'restart');
    if (restart < 0) return device + 1;
    const advance = steps.findIndex((s, i) => i > restart && s.step === 'advance-time');
    return advance < 0 ? restart + 1 : advance + 1;
  }
  const bind = steps.findIndex((s) => s.step === 'bind');
  if (bind < 0) return undefined;
  const running = steps.findIndex((s, i) => i > bind && s.step === 'expect-binding' && s.state === 'Running');
  return running < 0 ? bind + 1 : running + 1;
}

/** What a removal ended: an adapter of the driver, a binding, or the LabNIC below a binding. */
interface Gone {
  adapters: Set<string>;
  bindings: Set<string>;
  /** The virtual miniports of an intermediate driver (adapter-less steps of a bind scenario) went with an unbinding. */
  virtual: boolean;
}

/** Steps that need a live adapter (a check that it is Halted does not). */
function needsLiveAdapter(step: StepInput): boolean {
  switch (step.step) {
    case 'restart':
    case 'pause':
    case 'halt':
    case 'shutdown':
    case 'send':
    case 'oid':
    case 'hw-fault':
    case 'surprise-remove':
    case 'expect-link':
      return true;
    case 'inject-frame':
    case 'expect-traffic':
      return step.lower === undefined;
    case 'expect-state':
      return step.state !== 'Halted';
    default:
      return false;
  }
}

/** Steps of the binding over a lower adapter (which an unbinding ends). */
function bindingOf(step: StepInput): string | undefined {
  switch (step.step) {
    case 'unbind':
    case 'expect-binding':
    case 'lower-link':
      return step.lower ?? 'lower0';
    case 'inject-frame':
    case 'expect-traffic':
      return step.lower;
    default:
      return undefined;
  }
}

/** A later scenario step that can no longer happen: it names what is gone. `implicit` is the adapter an adapter-less step means. */
function obsolete(step: StepInput, implicit: string | undefined, gone: Gone): boolean {
  const binding = bindingOf(step);
  if (binding !== undefined && gone.bindings.has(binding)) return true;
  if (!needsLiveAdapter(step)) return false;
  const named = 'adapter' in step ? step.adapter : undefined;
  if (named !== undefined) return gone.adapters.has(named);
  return implicit !== undefined ? gone.adapters.has(implicit) : gone.virtual;
}

/** The adapter an adapter-less step at `index` means: the last device added before it (undefined in a bind scenario). */
function implicitAdapter(steps: readonly StepInput[], index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.step === 'add-device') return s.name ?? 'adapter0';
  }
  return undefined;
}

/**
 * What an action does, as scenario steps (without the checks placeActions adds after it): a wait
 * lets virtual time pass, an injection is `inject-frame`, an unbinding `unbind`, a removal `pause` +
 * `halt`, a surprise removal `surprise-remove`. All but the wait can also be given to a run that is
 * going (run.act): they are of LIVE_STEPS.
 */
export function actionSteps(action: BenchAction): StepInput[] {
  switch (action.kind) {
    case 'wait':
      return action.ms > 0 ? [{ step: 'advance-time', ms: action.ms }] : [];
    case 'inject': {
      const t = action.target;
      const frames = { count: action.count, bytes: action.bytes, burst: action.burst, intervalUs: action.intervalUs };
      return ['lower' in t ? { step: 'inject-frame', lower: t.lower, ...frames } : { step: 'inject-frame', adapter: t.adapter, ...frames }];
    }
    case 'unbind':
      return [{ step: 'unbind', lower: action.lower }];
    case 'remove':
      return [
        { step: 'pause', adapter: action.adapter },
        { step: 'halt', adapter: action.adapter },
      ];
    case 'surprise-remove':
      return [{ step: 'surprise-remove', adapter: action.adapter }];
  }
}

/**
 * The scenario's steps with the bench's actions placed at `at` (actionSteps): waits become `advance-time`,
 * injections `inject-frame`, an unbinding `unbind` (checked Unbound after), a removal `pause` +
 * `halt`, a surprise removal `surprise-remove` (checked Halted after; below a binding, the binding
 * is checked Unbound too, since NDIS unbinds before it halts the miniport below). Later scenario
 * steps that need what a removal ended are left out, so the rest of the scenario still holds; an
 * action on something already gone is left out. Returns the steps and the actions placed.
 */
export function placeActions(steps: readonly StepInput[], at: number, actions: readonly BenchAction[], targets: BenchTargets): { steps: StepInput[]; placed: BenchAction[] } {
  const gone: Gone = { adapters: new Set(), bindings: new Set(), virtual: false };
  const inserted: StepInput[] = [];
  const placed: BenchAction[] = [];
  const bindScenario = targets.adapters.length === 0;
  for (const action of actions) {
    switch (action.kind) {
      case 'wait':
        inserted.push(...actionSteps(action));
        break;
      case 'inject': {
        const t = action.target;
        if ('lower' in t) {
          if (!targets.lowers.includes(t.lower) || gone.bindings.has(t.lower)) continue;
        } else {
          const known = targets.adapters.includes(t.adapter) || targets.labnicLowers.includes(t.adapter);
          if (!known || gone.adapters.has(t.adapter)) continue;
        }
        inserted.push(...actionSteps(action));
        break;
      }
      case 'unbind':
        if (!targets.lowers.includes(action.lower) || gone.bindings.has(action.lower)) continue;
        inserted.push(...actionSteps(action), { step: 'expect-binding', lower: action.lower, state: 'Unbound' });
        gone.bindings.add(action.lower);
        if (bindScenario && gone.bindings.size === targets.lowers.length) gone.virtual = true;
        break;
      case 'remove':
        if (!targets.adapters.includes(action.adapter) || gone.adapters.has(action.adapter)) continue;
        inserted.push(...actionSteps(action), { step: 'expect-state', adapter: action.adapter, state: 'Halted' });
        gone.adapters.add(action.adapter);
        break;
      case 'surprise-remove': {
        const lower = targets.labnicLowers.includes(action.adapter) && !targets.adapters.includes(action.adapter);
        if ((!lower && !targets.adapters.includes(action.adapter)) || gone.adapters.has(action.adapter)) continue;
        inserted.push(...actionSteps(action));
        if (lower && !gone.bindings.has(action.adapter)) {
          inserted.push({ step: 'expect-binding', lower: action.adapter, state: 'Unbound' });
          gone.bindings.add(action.adapter);
          if (bindScenario && gone.bindings.size === targets.lowers.length) gone.virtual = true;
        }
        inserted.push({ step: 'expect-state', adapter: action.adapter, state: 'Halted' });
        gone.adapters.add(action.adapter);
        break;
      }
    }
    placed.push(action);
  }
  const before = steps.slice(0, at);
  const after = steps.slice(at).filter((step, i) => !obsolete(step, implicitAdapter(steps, at + i), gone));
  return { steps: [...before, ...inserted, ...after], placed };
}
