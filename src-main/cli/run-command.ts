import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyBench, parseBench, type BenchConfig } from '../../src-shared/contract/bench';
import { BUILT_IN_SCENARIOS } from '../../src-shared/contract/built-in-scenarios';
import { DEFAULT_SCENARIO, needsReferenceLabnic, Scenario, type ScenarioInput } from '../../src-shared/contract/scenario';
import type { SimEvent } from '../../src-shared/contract/sim-events';
import { IMPLEMENTED_IMPORTS } from '../sim/ndis/implemented';
import { parseFault } from '../sim/session/faults';
import type { RunResult } from '../sim/session/scenario';
import { NdjsonWriter } from '../engine/session/ndjson';
import { PcapWriter } from '../engine/session/pcap';
import { runDriver } from '../engine/session/run-driver';
import { buildCacheDir } from '../engine/resources';
import { labnicReferenceFiles } from '../engine/session/reference-drivers';
import { BuildService } from '../engine/toolchain/build-service';
import { ProjectFiles } from '../engine/toolchain/project';
import type { CliIo } from './main';
import { readProjectFiles, UsageError } from './project-files';

export const runUsage = `ndis-lab run <file.c|dir> [--scenario <name|file.json>] [--fault <Api@N>|systematic]... [--seed N] [--ndjson <out>] [--pcap <out>] [--json] [--no-trace]

  Builds the driver, then runs it against the simulated NDIS: the default scenario (load; add one
  device; init; restart; a little traffic; pause; halt; unload), a built-in one by name (traffic,
  faults: LabNIC drivers; im-start-inside, im-over-labnic, …: intermediate drivers), or the given
  scenario file. A bench.json beside the sources gives the adapters' device ("device": "labnic")
  and registry values, under the scenario's own. A bind to a LabNIC below (the default) also builds
  and runs the lab's reference LabNIC driver (resources/examples/labnic-miniport) under the driver.
  --fault Api@N      the Nth call of Api fails with its documented failure (repeatable)
  --fault systematic each distinct call site that can fail fails once, in its own run (like Driver Verifier)
  --seed N           the run's seed (default 1): same build + scenario + faults + seed = same run
  --ndjson FILE      the full event log, one JSON event per line
  --pcap FILE        the wire as a pcap capture (Wireshark, tshark), time stamps in virtual time
                     (with a LabNIC below a binding: that NIC's wire)
  --json             print the result as JSON
  Exit codes: 0 clean, 1 findings or bug check, 2 build failed, 3 usage error.`;

function loadScenario(spec: string | undefined): ScenarioInput {
  if (spec === undefined) return DEFAULT_SCENARIO;
  const builtIn = BUILT_IN_SCENARIOS[spec];
  if (builtIn) return builtIn;
  if (!fs.existsSync(spec)) throw new UsageError(`no built-in scenario or file named ${spec} (built-in: ${Object.keys(BUILT_IN_SCENARIOS).join(', ')})`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(spec, 'utf8'));
  } catch (error) {
    throw new UsageError(`${spec} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = Scenario.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`${spec} is not a valid scenario: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The project's bench.json (device and registry of its adapters), if it has one. */
function readBench(root: string): BenchConfig | undefined {
  const file = path.join(root, 'bench.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return parseBench(fs.readFileSync(file, 'utf8'), file);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

interface Injection {
  site: string;
  api: string;
  where: string;
  result: RunResult['result'];
  findings: RunResult['findings'];
  bugcheck: RunResult['bugcheck'];
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        scenario: { type: 'string' },
        fault: { type: 'string', multiple: true },
        seed: { type: 'string' },
        ndjson: { type: 'string' },
        pcap: { type: 'string' },
        json: { type: 'boolean' },
        'no-trace': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('run takes one driver file or folder');
  const target = parsed.positionals[0]!;
  const seed = parsed.values.seed === undefined ? 1 : Number(parsed.values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be a whole number from 0 to 4294967295, got ${parsed.values.seed}`);
  const faults = parsed.values.fault ?? [];
  for (const f of faults) {
    try {
      parseFault(f);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (parsed.values.pcap && parsed.values['no-trace']) throw new UsageError('--pcap needs the frames that tracing records: drop --no-trace');
  const { root, files } = readProjectFiles(target);
  const bench = readBench(root);
  const scenario = applyBench(loadScenario(parsed.values.scenario ?? bench?.scenario), bench);
  const project = ProjectFiles.safeParse(files);
  if (!project.success) throw new UsageError(`not a buildable project: ${project.error.issues.map((i) => i.message).join('; ')}`);
  const driverName = path.basename(path.resolve(target)).replace(/\.c$/, '');

  const service = new BuildService({ implementedImports: IMPLEMENTED_IMPORTS, diskCache: buildCacheDir() });
  let built;
  let lower;
  try {
    built = await service.build(project.data);
    // A bind to a LabNIC adapter runs the reference LabNIC driver below (cached like every build).
    if (built.ok && needsReferenceLabnic(Scenario.parse(scenario))) lower = await service.build(labnicReferenceFiles());
  } finally {
    await service.dispose();
  }
  if (lower && !lower.ok) {
    io.err('the reference LabNIC driver (resources/examples/labnic-miniport), which runs below the binding, did not build:');
    for (const d of lower.diagnostics.filter((x) => x.severity === 'error' || x.severity === 'fatal')) io.err(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
    return 2;
  }
  if (!built.ok) {
    const errors = built.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'fatal');
    if (parsed.values.json) io.out(JSON.stringify({ result: 'build-failed', diagnostics: built.diagnostics }, null, 2));
    else for (const d of errors) io.err(`${d.file ? `${d.file}:${d.line}:${d.column}: ` : ''}${d.severity}: ${d.message}`);
    return 2;
  }

  const systematic = faults.includes('systematic');
  const plainFaults = faults.filter((f) => f !== 'systematic');
  const scenarioSpec = Scenario.parse(scenario);
  const writer = parsed.values.ndjson
    ? new NdjsonWriter(parsed.values.ndjson, { driver: driverName, seed, scenario: scenarioSpec.name, faults, buildHash: built.hash, files: project.data, scenarioSpec })
    : undefined;
  // Below a binding the wire is the LabNIC's; the virtual miniport's frames are where NDIS sees them, not a wire.
  const capture = parsed.values.pcap ? new PcapWriter(parsed.values.pcap, lower ? (frame) => frame.driver === 'lower' : undefined) : undefined;
  let events = 0;
  const onEvent = (event: SimEvent): void => {
    events++;
    writer?.write(event);
    capture?.write(event);
  };
  const base = { build: built, ...(lower ? { lower } : {}), driverName, scenario, seed, tracing: !parsed.values['no-trace'], onEvent };
  try {
    const first = runDriver({ ...base, faults: plainFaults });
    const injections: Injection[] = [];
    if (systematic) {
      for (const site of first.sitesSeen) {
        const api = site.slice(0, site.lastIndexOf('@'));
        const run = runDriver({ ...base, faults: plainFaults, systematicTarget: site });
        injections.push({ site, api, where: first.describeSite(site), result: run.result.result, findings: run.result.findings, bugcheck: run.result.bugcheck });
      }
    }
    // One run's log ends with its result; a systematic log holds every run, one after the other.
    if (!systematic) writer?.end({ state: 'finished', result: first.result });
    const worst = [first.result.result, ...injections.map((i) => i.result)].includes('bugcheck')
      ? 'bugcheck'
      : [first.result.result, ...injections.map((i) => i.result)].includes('findings')
        ? 'findings'
        : 'clean';
    if (parsed.values.json) {
      io.out(JSON.stringify({ ...first.result, result: worst, events, ...(systematic ? { injections } : {}) }, null, 2));
    } else {
      printText(io, first.result, events);
      for (const inj of injections) {
        const what = inj.bugcheck ? `bug check ${inj.bugcheck.code} (${inj.bugcheck.rule ?? ''}) ${inj.bugcheck.message}` : inj.findings.map((f) => `${f.rule}: ${f.message}`).join('; ') || 'clean';
        io.out(`fault ${inj.api} at ${inj.where}: ${inj.result}${inj.result === 'clean' ? '' : ` — ${what}`}`);
      }
    }
    return worst === 'clean' ? 0 : 1;
  } finally {
    writer?.close();
    capture?.close();
  }
}

function printText(io: CliIo, result: RunResult, events: number): void {
  for (const a of result.adapters) io.out(`${a.name}: ${a.history.join(' → ')}`);
  for (const below of result.lower ?? []) for (const a of below.adapters) io.out(`${a.name} (below, ${below.driver}): ${a.history.join(' → ')}`);
  for (const f of result.findings) io.out(`${f.file ? `${f.file}:${f.line}: ` : ''}${f.severity} ${f.rule}: ${f.message}\n  ${f.doc}`);
  for (const e of result.expectations.filter((x) => !x.ok)) io.out(`expectation failed (step ${e.step + 1}): ${e.message}`);
  if (result.bugcheck) {
    const b = result.bugcheck;
    io.out(`BUG CHECK ${b.code} (${b.params.join(', ')})${b.rule ? ` [${b.rule}]` : ''}: ${b.message}${b.file ? `\n  at ${b.file}:${b.line}` : ''}`);
  }
  io.out(`${result.result}: ${result.findings.length} finding(s), ${events} events, ${result.ndisCalls} NDIS calls, ${(result.virtualTime / 10_000).toFixed(1)} ms virtual time`);
}
