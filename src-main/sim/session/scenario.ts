import { DEFAULT_BELOW, type LiveStep, type Scenario, type ScenarioStep } from '../../../src-shared/contract/scenario';
import { BugCheck, hex } from '../kernel/bugcheck';
import { TICKS_PER_MILLISECOND } from '../kernel/clock';
import { adapterByName, adapters, haltAdapter, initializeAdapter, pauseAdapter, restartAdapter, shutdownAdapter, type Adapter } from '../ndis/adapter';
import { driverState, loadDriver, unloadDriver } from '../ndis/driver';
import { createDevice } from '../hw/device';
import { errorLogCount } from '../ndis/debug';
import { emitHardwareSnapshots } from '../ndis/hardware';
import { bindingStateOf, bindProtocol, injectToBinding, lowerLinkChange, startDeviceByName, unbindProtocol } from '../ndis/binding';
import { applyHardwareFault, applyPowerOnFaults } from '../ndis/hw-faults';
import { lastLinkState } from '../ndis/indication';
import { surpriseRemove } from '../ndis/reset';
import { scenarioHooks } from '../ndis/scenario-hooks';
import { checkTraffic, injectFrames, setWireByteChecks } from '../ndis/wire';
import { asLowerBugCheck, bringUpLower, checkBindingTraffic, finishLowerDrivers, lowerAdapter, lowerFindings, lowerSessionOf, lowerStopRule, lowerSummary, useModelBelow } from '../ndis/lower-miniport';
import { HostInterrupt, ScenarioStopped, siteFields, type Finding, type Session } from './session';

export interface RunResult {
  result: 'clean' | 'findings' | 'bugcheck';
  driver: { loaded: boolean; unloaded: boolean };
  adapters: Array<{ name: string; state: string; history: string[] }>;
  findings: Array<{ rule: string; severity: string; message: string; file?: string; line?: number; doc: string }>;
  bugcheck: null | { code: string; params: string[]; rule?: string; message: string; file?: string; line?: number };
  expectations: Array<{ step: number; ok: boolean; message: string }>;
  stoppedAt?: { step: number; rule: string };
  virtualTime: number;
  ndisCalls: number;
  /** The lab's reference drivers that ran below the learner's bindings (lower-miniport.ts). */
  lower?: Array<{ driver: string; adapters: Array<{ name: string; state: string; history: string[] }>; ndisCalls: number }>;
}

function describeStep(step: ScenarioStep): string {
  const { step: name, ...rest } = step;
  const detail = Object.entries(rest)
    .filter(([, v]) => v !== undefined && !(typeof v === 'object' && Object.keys(v as object).length === 0))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return detail ? `${name} ${detail}` : name;
}

function pickAdapter(session: Session, name: string | undefined): Adapter {
  if (name !== undefined) {
    const found = adapterByName(session, name);
    if (!found) throw new Error(`no adapter named ${name}${lowerAdapter(session, name) ? ` of the driver under test (${name} is the LabNIC adapter below a binding: NDIS drives it)` : ''}`);
    return found;
  }
  const all = [...adapters(session).values()].filter((a) => a.state !== 'Halted');
  const last = all[all.length - 1];
  if (!last) throw new Error('no adapter: add a device first');
  return last;
}

/**
 * The adapter a hardware or checking step names, with the session that owns it: the driver under
 * test's, or the LabNIC adapter below one of its bindings (lower0…), which belongs to the lab's
 * reference driver.
 */
function pickAnyAdapter(session: Session, name: string | undefined): { owner: Session; adapter: Adapter } {
  if (name !== undefined && !adapterByName(session, name)) {
    const below = lowerAdapter(session, name);
    if (below) return { owner: below.session, adapter: below.adapter };
  }
  return { owner: session, adapter: pickAdapter(session, name) };
}

/** For checks: the adapter named (the driver under test's, or one below a binding), or else the last one added. */
function pickAnyAdapterOrNone(session: Session, name: string | undefined): { owner: Session; adapter: Adapter } | undefined {
  const below = name !== undefined && !adapterByName(session, name) ? lowerAdapter(session, name) : undefined;
  if (below) return { owner: below.session, adapter: below.adapter };
  const adapter = pickAdapterOrNone(session, name);
  return adapter ? { owner: session, adapter } : undefined;
}

export interface ScenarioOptions {
  /**
   * Steps the bench gave the run while it goes (run.act), taken whenever the system is idle:
   * between the scenario's steps, and inside an advance-time step whenever nothing is running
   * (PASSIVE_LEVEL, no DPC, no driver code on the stack). Returns those waiting, once each.
   */
  takeLive?: () => LiveStep[];
}

/**
 * Runs a scenario to the end, to a bug check, or to a "stop" finding (after the step in which the
 * driver returned to NDIS). Everything that happens is emitted as events; the result summarises.
 */
export function runScenario(session: Session, scenario: Scenario, driverName: string, options: ScenarioOptions = {}): RunResult {
  const expectations: RunResult['expectations'] = [];
  setWireByteChecks(session, scenario.steps.some((s) => s.step === 'expect-traffic'));
  let stoppedAt: RunResult['stoppedAt'];
  let loaded = false;
  let index = 0;
  /**
   * What live steps removed (adapters halted or surprise-removed, bindings unbound): the scenario's
   * later steps on them cannot happen and are skipped, saying so. The bench did it, not the driver.
   */
  const removedLive = { adapters: new Set<string>(), bindings: new Set<string>() };
  const removedByLive = (step: ScenarioStep): string | undefined => {
    if (step.step === 'unbind' || step.step === 'expect-binding' || step.step === 'lower-link' || ((step.step === 'inject-frame' || step.step === 'expect-traffic') && step.lower !== undefined)) {
      const lower = step.lower ?? 'lower0';
      return removedLive.bindings.has(lower) ? `the binding over ${lower} was removed during the run (a live step)` : undefined;
    }
    const name = adapterOf(step);
    return name !== undefined && removedLive.adapters.has(name) ? `${name} was removed during the run (a live step)` : undefined;
  };
  /** The adapter a step acts on or checks: the one it names, else the last one added. */
  const adapterOf = (step: ScenarioStep): string | undefined => {
    if (!ADAPTER_STEPS.has(step.step)) return undefined;
    return (step as { adapter?: string }).adapter ?? pickAnyAdapterOrNone(session, undefined)?.adapter.name;
  };
  /** Notes what a live step that happened removed. */
  const noteRemoved = (step: LiveStep, adapter: string | undefined): void => {
    if (step.step === 'unbind') removedLive.bindings.add(step.lower ?? 'lower0');
    if ((step.step === 'surprise-remove' || step.step === 'halt') && adapter !== undefined) {
      removedLive.adapters.add(adapter);
      // Below a binding: NDIS unbinds before it halts the miniport there.
      if (lowerAdapter(session, adapter)) removedLive.bindings.add(adapter);
    }
  };

  /** The snapshots after a step: the system is idle at PASSIVE_LEVEL, whatever is ready runs now. */
  const settle = (): void => {
    session.kernel.runReady();
    emitHardwareSnapshots(session);
    const below = lowerSessionOf(session);
    if (below) emitHardwareSnapshots(below);
  };

  /**
   * The live steps waiting, each as a step of its own in the log (marked live, numbered as the
   * scenario step the run is in). One that cannot happen now says why and the run goes on; a bug
   * check or a "stop" finding ends the run as in any step. A live step never lets virtual time pass
   * with idle points (LIVE_STEPS has no advance-time), so this is never re-entered.
   */
  const takeLive = (during: number): void => {
    for (const step of options.takeLive?.() ?? []) {
      const label = describeStep(step);
      const blocked = notApplicable(session, step) ?? removedByLive(step);
      if (blocked) {
        session.emit({ kind: 'scenario.step', index: during, step: label, status: 'skipped', detail: blocked, live: true });
        continue;
      }
      session.emit({ kind: 'scenario.step', index: during, step: label, status: 'started', live: true });
      try {
        // The adapter it acts on, named before a halt takes it out of the running ones.
        const adapter = adapterOf(step);
        perform(step, during);
        noteRemoved(step, adapter);
        settle();
      } catch (error) {
        if (error instanceof HostInterrupt) throw error;
        const detail = error instanceof BugCheck ? `bug check ${hex(error.code)}` : error instanceof Error ? error.message : String(error);
        session.emit({ kind: 'scenario.step', index: during, step: label, status: 'failed', detail, live: true });
        if (error instanceof BugCheck || error instanceof ScenarioStopped) throw error;
        continue;
      }
      session.emit({ kind: 'scenario.step', index: during, step: label, status: 'done', live: true });
      if (session.stopRule ?? lowerStopRule(session)) break;
    }
  };

  /** Does what a step says (an expect-* step adds its expectation). */
  const perform = (step: ScenarioStep, index: number): void => {
    switch (step.step) {
      case 'load':
        loaded = true;
        loadDriver(session, driverName);
        break;
      case 'add-device': {
        const device = createDevice(step.device ?? 'virtual');
        if (step.faults) applyPowerOnFaults(session, step.name, device, step.faults);
        initializeAdapter(session, step.name, step.registry, device);
        break;
      }
      case 'restart':
        restartAdapter(session, pickAdapter(session, step.adapter));
        break;
      case 'pause':
        pauseAdapter(session, pickAdapter(session, step.adapter));
        break;
      case 'halt':
        haltAdapter(session, pickAdapter(session, step.adapter));
        break;
      case 'shutdown':
        shutdownAdapter(session, pickAdapter(session, step.adapter));
        break;
      case 'unload':
        unloadDriver(session);
        break;
      case 'advance-time':
        session.kernel.advance(Math.round(step.ms * TICKS_PER_MILLISECOND), options.takeLive ? () => takeLive(index) : undefined);
        break;
      case 'send':
        scenarioHooks.send(session, pickAdapter(session, step.adapter), step.count, step.bytes);
        break;
      case 'oid':
        scenarioHooks.oid(session, pickAdapter(session, step.adapter), step.oid, step.request, step.data);
        break;
      case 'inject-frame':
        if (step.lower !== undefined) injectToBinding(session, step.lower, step);
        else {
          const { owner, adapter } = pickAnyAdapter(session, step.adapter);
          injectFrames(owner, adapter, step);
        }
        break;
      case 'hw-fault': {
        const { owner, adapter } = pickAnyAdapter(session, step.adapter);
        applyHardwareFault(owner, adapter, step.fault);
        break;
      }
      case 'surprise-remove': {
        // The device is gone from the bus (its registers read all ones), and PnP tells NDIS now.
        const { owner, adapter } = pickAnyAdapter(session, step.adapter);
        adapter.device.inject?.({ kind: 'surprise-removal' });
        surpriseRemove(owner, adapter);
        break;
      }
      case 'bind':
        // The miniport below comes up first: NDIS binds only to an adapter that initialized.
        if ((step.below ?? DEFAULT_BELOW) === 'labnic') bringUpLower(session, step.lower);
        else useModelBelow(session, step.lower);
        bindProtocol(session, step.lower, { start: step.start, startAfterMs: step.startAfterMs, pend: step.pend, ...(step.registry ? { registry: step.registry } : {}) });
        break;
      case 'unbind':
        unbindProtocol(session, step.lower);
        break;
      case 'start-device':
        startDeviceByName(session, step.name);
        break;
      case 'lower-link':
        lowerLinkChange(session, step.lower, step.state === 'up');
        break;
      case 'expect-binding': {
        const state = bindingStateOf(session, step.lower);
        const ok = state === step.state;
        expectations.push({ step: index, ok, message: ok ? `the binding over ${step.lower} is ${step.state}` : `expected the binding over ${step.lower} to be ${step.state}, found ${state ?? 'no binding'}` });
        break;
      }
      case 'expect-traffic': {
        if (step.lower !== undefined) {
          expectations.push({ step: index, ...checkBindingTraffic(session, step.lower, step.minIndicated, step.minSent) });
          break;
        }
        const found = pickAnyAdapterOrNone(session, step.adapter);
        const check = found ? checkTraffic(found.owner, found.adapter, step.minIndicated, step.minSent) : { ok: false, message: 'expected traffic, found no adapter' };
        expectations.push({ step: index, ...check });
        break;
      }
      case 'expect-link': {
        const found = pickAnyAdapterOrNone(session, step.adapter);
        const link = found ? lastLinkState(found.owner, found.adapter.handle) : undefined;
        const ok = link === step.state;
        expectations.push({ step: index, ok, message: ok ? `${found!.adapter.name} indicated link ${step.state}` : `expected the last link-state indication to say ${step.state}, found ${link ?? 'none'}` });
        break;
      }
      case 'expect-error-log': {
        const adapter = pickAdapterOrNone(session, step.adapter);
        const count = adapter ? errorLogCount(session, adapter.handle) : 0;
        const ok = count >= step.min;
        expectations.push({ step: index, ok, message: ok ? `${count} error log entr${count === 1 ? 'y' : 'ies'} for ${adapter!.name}` : `expected at least ${step.min} error log entr${step.min === 1 ? 'y' : 'ies'}, found ${count}` });
        break;
      }
      case 'expect-state': {
        const adapter = pickAnyAdapterOrNone(session, step.adapter)?.adapter;
        const ok = adapter?.state === step.state;
        expectations.push({ step: index, ok, message: ok ? `${adapter!.name} is ${step.state}` : `expected ${step.state}, found ${adapter ? adapter.state : 'no adapter'}` });
        break;
      }
      case 'expect-finding': {
        const ok = session.findings.some((f) => f.rule === step.rule);
        expectations.push({ step: index, ok, message: ok ? `finding ${step.rule} reported` : `expected finding ${step.rule}, none reported` });
        break;
      }
    }
  };

  for (; index < scenario.steps.length; index++) {
    const step = scenario.steps[index]!;
    const label = describeStep(step);
    const blocked = notApplicable(session, step) ?? removedByLive(step);
    if (blocked) {
      // The driver failed correctly (often because of an injected fault), or a live step removed
      // what the step needs: it cannot happen.
      session.emit({ kind: 'scenario.step', index, step: label, status: 'skipped', detail: blocked });
      continue;
    }
    session.emit({ kind: 'scenario.step', index, step: label, status: 'started' });
    const expected = expectations.length;
    try {
      perform(step, index);
      // Between steps the system is idle at PASSIVE_LEVEL: whatever is ready runs now.
      settle();
      // An expect-* step's outcome goes into the log too, so a replay of the log has the result's expectations.
      const expectation = expectations.length > expected ? expectations[expectations.length - 1] : undefined;
      session.emit({ kind: 'scenario.step', index, step: label, status: 'done', ...(expectation ? { detail: expectation.message, ok: expectation.ok } : {}) });
    } catch (error) {
      if (error instanceof HostInterrupt) throw error;
      if (error instanceof BugCheck) {
        session.recordBugCheck(asLowerBugCheck(session, error) ?? error);
        session.emit({ kind: 'scenario.step', index, step: label, status: 'failed', detail: `bug check ${hex(error.code)}` });
        break;
      }
      if (error instanceof ScenarioStopped) break;
      // A step that cannot happen in this state (halting a running adapter, …) is a scenario error.
      const message = error instanceof Error ? error.message : String(error);
      expectations.push({ step: index, ok: false, message: `${label}: ${message}` });
      session.emit({ kind: 'scenario.step', index, step: label, status: 'failed', detail: message, ok: false });
      break;
    }
    let stopRule = session.stopRule ?? lowerStopRule(session);
    if (stopRule === undefined) {
      // Between two steps: the live steps waiting happen now (their bug check or stop ends the run here too).
      try {
        takeLive(index);
      } catch (error) {
        if (error instanceof BugCheck) session.recordBugCheck(asLowerBugCheck(session, error) ?? error);
        else if (!(error instanceof ScenarioStopped)) throw error;
        break;
      }
      stopRule = session.stopRule ?? lowerStopRule(session);
    }
    if (stopRule !== undefined) {
      stoppedAt = { step: index, rule: stopRule };
      break;
    }
  }
  // NDIS halts what is left below the bindings and unloads the lab's driver there.
  if (!session.bugCheck && stoppedAt === undefined) {
    try {
      finishLowerDrivers(session);
    } catch (error) {
      if (error instanceof HostInterrupt) throw error;
      if (!(error instanceof BugCheck)) throw error;
      session.recordBugCheck(asLowerBugCheck(session, error) ?? error);
    }
  }
  const findings = [...session.findings, ...lowerFindings(session)];
  for (let rest = index + 1; rest < scenario.steps.length; rest++) {
    session.emit({ kind: 'scenario.step', index: rest, step: describeStep(scenario.steps[rest]!), status: 'skipped' });
  }
  const phase = driverState(session).phase;
  const check = session.bugCheck;
  // Warnings (documented "should"s) are listed but leave a run clean; everything else is a finding.
  const serious = findings.some((f) => f.severity !== 'warn');
  const result: RunResult['result'] = check ? 'bugcheck' : serious || expectations.some((e) => !e.ok) ? 'findings' : 'clean';
  const lower = lowerSummary(session);
  session.emit({ kind: 'run.finished', result, findings: findings.length, ndisCalls: session.calls, ...(lower ? { lower: lower.map((l) => ({ driver: l.driver, ndisCalls: l.ndisCalls })) } : {}) });
  return {
    result,
    driver: { loaded: loaded && phase !== 'failed' && phase !== 'not-loaded', unloaded: phase === 'unloaded' },
    adapters: [...adapters(session).values()].map((a) => ({ name: a.name, state: a.state, history: [...a.history] })),
    findings: findings.map(findingJson),
    bugcheck: check
      ? {
          code: hex(check.code),
          params: check.params.map((p) => hex(p)),
          message: check.message,
          ...(check.rule ? { rule: check.rule } : {}),
          ...siteFields(check.site),
        }
      : null,
    expectations,
    ...(stoppedAt ? { stoppedAt } : {}),
    virtualTime: session.now,
    ndisCalls: session.calls,
    ...(lower ? { lower } : {}),
  };
}

/** Why a step cannot apply after the driver or its adapter failed as NDIS allows; undefined if it can. */
/** The steps that act on an adapter or check one (`adapter`, else the last added); inject-frame and expect-traffic only without `lower`. */
const ADAPTER_STEPS: ReadonlySet<ScenarioStep['step']> = new Set<ScenarioStep['step']>(['restart', 'pause', 'halt', 'shutdown', 'send', 'oid', 'inject-frame', 'hw-fault', 'surprise-remove', 'expect-traffic', 'expect-link', 'expect-state']);

function notApplicable(session: Session, step: ScenarioStep): string | undefined {
  if (step.step === 'load' || step.step === 'advance-time' || step.step === 'expect-finding' || step.step === 'expect-error-log') return undefined;
  const injected = session.faults.injected > 0;
  // What a run expects of a working adapter or binding cannot hold once an injected API failure
  // made the driver fail as NDIS allows; without an injected failure it is checked, and fails.
  const expectsWorking =
    step.step === 'expect-traffic' || step.step === 'expect-link' || step.step === 'expect-binding' || (step.step === 'expect-state' && step.state !== 'Halted');
  if (step.step.startsWith('expect-') && !(expectsWorking && injected)) {
    // An adapter an injected failure kept from ever existing (a virtual miniport, the LabNIC below a failed bind) has no state to check.
    if (injected && step.step === 'expect-state' && !pickAnyAdapterOrNone(session, step.adapter)) return `there is no adapter${step.adapter ? ` named ${step.adapter}` : ''}`;
    return undefined;
  }
  const phase = driverState(session).phase;
  if (phase === 'failed') return 'DriverEntry failed, so the driver is not loaded';
  if (step.step === 'add-device' || step.step === 'unload' || step.step === 'bind') return undefined;
  if (step.step === 'unbind' || step.step === 'expect-binding' || step.step === 'lower-link' || (step.step === 'inject-frame' && step.lower !== undefined)) {
    const lower = step.lower ?? 'lower0';
    const state = bindingStateOf(session, lower);
    if (injected && (state === undefined || state === 'Unbound')) return `the bind to ${lower} failed, so there is no binding`;
    return undefined;
  }
  if (step.step === 'start-device') return undefined;
  const named = 'adapter' in step ? step.adapter : undefined;
  const adapter = pickAnyAdapterOrNone(session, named)?.adapter;
  // A virtual miniport that never came to exist (its driver failed the bind or the initialization request).
  if (!adapter && injected) return named !== undefined ? `there is no adapter named ${named}` : 'there is no adapter';
  if (adapter && adapter.state === 'Halted' && !adapter.history.includes('Paused')) return `${adapter.name} failed to initialize`;
  return undefined;
}

function pickAdapterOrNone(session: Session, name: string | undefined): Adapter | undefined {
  try {
    return name === undefined ? [...adapters(session).values()].pop() : adapterByName(session, name);
  } catch {
    return undefined;
  }
}

function findingJson(f: Finding): RunResult['findings'][number] {
  return { rule: f.rule, severity: f.severity, message: f.message, doc: f.doc, ...siteFields(f.site) };
}
