import process from 'node:process';
import {
  CONTRACT_VERSION,
  DEFAULT_SCENARIO,
  Scenario,
  type CommandName,
  type CommandOutput,
  type CommandParsedInput,
  type EngineInfo,
  type HostKind,
  LabError,
  schemaError,
} from '../../src-shared/contract';
import { needsReferenceLabnic } from '../../src-shared/contract/scenario';
import { IMPLEMENTED_IMPORTS } from '../sim/ndis/implemented';
import { EventHub, unrefTimer, type EventHubOptions } from './event-hub';
import { ExampleLibrary } from './examples';
import type { HostDialogs } from './host-dialogs';
import { defaultWorkspace, ProjectService } from './projects';
import { ExportService } from './session/exports';
import { RunRecordings } from './session/recording';
import { SessionService } from './session/session-service';
import { labnicReferenceFiles } from './session/reference-drivers';
import { BuildService } from './toolchain/build-service';
import type { BuildOutput } from './toolchain/build-types';
import { ProjectFiles } from './toolchain/project';
import { ENGINE_NAME, ENGINE_VERSION } from './version';
import { runEventsFromText } from './event-text';

export type CommandHandlers = {
  [K in CommandName]: (input: CommandParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

export interface LabEngineOptions {
  host: HostKind;
  /** Heartbeat period, ms; 0 turns the heartbeat off (tests). */
  heartbeatMs?: number;
  events?: EventHubOptions;
  /** 'background' starts loading the compiler at once (hosts); 'lazy' on the first build (tests). */
  toolchain?: 'background' | 'lazy';
  /** Where projects live (default: NDIS_LAB_WORKSPACE or ~/ndis-lab-projects) and the recent list and autosaves (default: <workspace>/.ndis-lab). */
  projects?: { workspace?: string; stateDir?: string };
  /** The host's system dialogs (the desktop app): open/save projects anywhere, save exports. */
  dialogs?: HostDialogs;
  /** Where runs are recorded (default: a fresh folder under the system's temporary folder) and how many are kept. */
  recordings?: { dir?: string; keep?: number };
}

/** Events emitted by one synchronous slice of a diagnostic burst before yielding to other work. */
const BURST_SLICE = 8192;

/**
 * The engine every host runs: it owns the event hub and answers the contract's commands. It knows
 * nothing of Electron, sockets or the DOM.
 */
export class LabEngine {
  readonly hub: EventHub;
  readonly host: HostKind;
  private readonly startedAt = Date.now();
  private readonly startedMono = performance.now();
  private readonly heartbeat: ReturnType<typeof setInterval> | undefined;
  private bursts = 0;
  private exampleLibrary: ExampleLibrary | undefined;
  private projectService: ProjectService | undefined;
  private readonly options: LabEngineOptions;
  private labnicBuild: Promise<BuildOutput> | undefined;

  readonly handlers: CommandHandlers = {
    'engine.info': () => this.info(),
    'engine.ping': ({ nonce }) => ({ nonce, engineTime: performance.now() }),
    'diag.burst': (input) => this.burst(input.count, input.payloadBytes),
    'toolchain.status': () => this.builds.status,
    'build.run': async (input) => this.summarize(await this.build(input.files)),
    'run.start': async (input) => {
      const output = await this.build(input.files);
      const build = this.summarize(output);
      if (!output.ok || !output.wasm) return { runId: null, build };
      const scenarioSpec = input.scenario ?? Scenario.parse(DEFAULT_SCENARIO);
      // A bind to a LabNIC adapter runs the reference LabNIC driver below: built once, then reused.
      const lower = input.scenario && needsReferenceLabnic(input.scenario) ? await this.referenceLabnic() : undefined;
      const { runId } = this.sessions.start(
        {
          build: { wasm: output.wasm, lineTable: output.lineTable, inlineTable: output.inlineTable },
          ...(lower ? { lower: { wasm: lower.wasm, lineTable: lower.lineTable, inlineTable: lower.inlineTable } } : {}),
          driverName: 'driver',
          ...(input.scenario ? { scenario: input.scenario } : {}),
          faults: input.faults,
          seed: input.seed,
        },
        {
          ...(input.breakpoints ? { breakpoints: input.breakpoints } : {}),
          paused: input.paused,
          ...(input.eventsPerSecond ? { eventsPerSecond: input.eventsPerSecond } : {}),
          // The recording's header carries what a replay needs: the sources and the whole scenario.
          record: { driver: 'driver', seed: input.seed, scenario: scenarioSpec.name, faults: input.faults, buildHash: output.hash, files: input.files, scenarioSpec },
        },
      );
      return { runId, build };
    },
    'run.control': ({ runId, action, events }) => {
      const state = this.sessions.control(runId, action, events);
      return { runId, state };
    },
    'run.act': ({ runId, steps }) => ({ runId, waiting: this.sessions.act(runId, steps) }),
    'run.speed': ({ runId, eventsPerSecond }) => ({ runId, eventsPerSecond: this.sessions.setSpeed(runId, eventsPerSecond) }),
    'run.breakpoints': ({ runId, breakpoints }) => {
      this.sessions.setBreakpoints(runId, breakpoints);
      return { runId };
    },
    'examples.list': async () => ({ examples: await this.examples.list() }),
    'examples.get': ({ name }) => this.examples.get(name),
    'export.save': ({ runId, format, name }) => this.exports.save(runId, format, name),
    'export.read': ({ exportId, offset }) => this.exports.read(exportId, offset),
    'project.list': () => this.projects.list(),
    'project.open': async ({ ref }) => ({ project: await this.projects.open(ref) }),
    'project.create': ({ name, template }) => this.projects.create(name, template),
    'project.save': ({ ref, files, bench }) => this.projects.save(ref, files, bench),
    'project.saveAs': async ({ name, files, bench }) => ({ project: await this.projects.saveAs(name, files, bench) }),
    'project.recent': async () => ({ projects: await this.projects.recent() }),
    'project.autosave': ({ client, slot }) => this.projects.autosave(client, slot),
    'project.restore': async ({ client }) => ({ slot: await this.projects.restore(client) }),
  };

  readonly builds: BuildService;
  readonly sessions: SessionService;
  readonly recordings: RunRecordings;
  readonly exports: ExportService;

  constructor(options: LabEngineOptions) {
    this.options = options;
    this.host = options.host;
    this.hub = new EventHub(options.events);
    const reportStatus = (): void => void this.hub.emit({ kind: 'toolchain.status', status: this.builds.status });
    this.builds = new BuildService({
      implementedImports: IMPLEMENTED_IMPORTS,
      warmUp: options.toolchain === 'background',
      onProgress: reportStatus,
      onReady: reportStatus,
      onFailed: reportStatus,
    });
    if (options.toolchain === 'background') void this.builds.start().catch(() => undefined);
    this.recordings = new RunRecordings(options.recordings);
    this.sessions = new SessionService(
      {
        onEvents: (batch) => void this.hub.emit(runEventsFromText(batch)),
        onStatus: (runId, state, detail) => void this.hub.emit({ kind: 'run.status', runId, state, ...detail }),
      },
      this.recordings,
    );
    this.exports = new ExportService(this.recordings, {
      dialogs: options.dialogs,
      generator: `${ENGINE_NAME} ${ENGINE_VERSION}`,
      isActive: (runId) => this.sessions.stateOf(runId) !== undefined,
    });
    const heartbeatMs = options.heartbeatMs ?? 1000;
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.hub.emit({ kind: 'engine.heartbeat', uptimeMs: this.uptimeMs() }), heartbeatMs);
      unrefTimer(this.heartbeat);
    }
  }

  /** The example projects (resources/examples), found on first use. */
  get examples(): ExampleLibrary {
    this.exampleLibrary ??= new ExampleLibrary();
    return this.exampleLibrary;
  }

  /** Projects on disk (the workspace is made on first use). */
  get projects(): ProjectService {
    this.projectService ??= new ProjectService({
      workspace: this.options.projects?.workspace ?? defaultWorkspace(),
      ...(this.options.projects?.stateDir ? { stateDir: this.options.projects.stateDir } : {}),
      dialogs: this.options.dialogs,
      examples: this.examples,
    });
    return this.projectService;
  }

  uptimeMs(): number {
    return Math.max(0, Math.round(performance.now() - this.startedMono));
  }

  info(): EngineInfo {
    return {
      name: ENGINE_NAME,
      version: ENGINE_VERSION,
      contractVersion: CONTRACT_VERSION,
      host: this.host,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      startedAt: this.startedAt,
      uptimeMs: this.uptimeMs(),
    };
  }

  dispose(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    void this.builds.dispose();
    // Now (a host may exit right after), and again once the workers are gone (Windows keeps open files).
    this.recordings.dispose();
    void this.sessions.dispose().then(() => this.recordings.dispose());
    this.hub.dispose();
  }

  /** The reference LabNIC driver's build (for runs with a LabNIC below a binding), compiled on first need. */
  private referenceLabnic(): Promise<BuildOutput> {
    this.labnicBuild ??= this.builds.build(labnicReferenceFiles()).then((output) => {
      if (!output.ok || !output.wasm) {
        const first = output.diagnostics.find((d) => d.severity === 'error' || d.severity === 'fatal');
        throw new LabError({ code: 'E_INTERNAL', message: `the reference LabNIC driver (resources/examples/labnic-miniport), which runs below the binding, did not build${first ? `: ${first.file}:${first.line}: ${first.message}` : ''}` });
      }
      return output;
    });
    this.labnicBuild.catch(() => (this.labnicBuild = undefined));
    return this.labnicBuild;
  }

  private async build(files: Record<string, string>): Promise<BuildOutput & { cached: boolean }> {
    const parsed = ProjectFiles.safeParse(files);
    if (!parsed.success) throw schemaError('invalid project', parsed.error, 'input.files');
    const output = await this.builds.build(parsed.data);
    const count = (severity: string): number => output.diagnostics.filter((d) => d.severity === severity).length;
    this.hub.emit({
      kind: 'build.finished',
      ok: output.ok,
      hash: output.hash,
      errors: count('error') + count('fatal'),
      warnings: count('warning'),
      ms: output.timings.total,
      cached: output.cached,
    });
    return output;
  }

  private summarize(output: BuildOutput & { cached: boolean }): CommandOutput<'build.run'> {
    return {
      ok: output.ok,
      hash: output.hash,
      cached: output.cached,
      diagnostics: output.diagnostics,
      imports: output.imports.map(({ module, name, kind }) => ({ module, name, kind })),
      exports: output.exports,
      wasmBytes: output.wasm?.byteLength ?? 0,
      timings: output.timings,
    };
  }

  /** Emits `count` tick events in slices, yielding between slices so other commands still get answers. */
  private async burst(count: number, payloadBytes: number): Promise<CommandOutput<'diag.burst'>> {
    const burst = this.bursts++;
    const payload = payloadBytes > 0 ? 'x'.repeat(payloadBytes) : undefined;
    const firstSeq = this.hub.lastSeq + 1;
    for (let index = 0; index < count; ) {
      const end = Math.min(count, index + BURST_SLICE);
      for (; index < end; index++) {
        this.hub.emit(payload === undefined ? { kind: 'diag.tick', index, burst } : { kind: 'diag.tick', index, burst, payload });
      }
      if (index < count) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Ticks interleave with other events (heartbeats), so lastSeq is the hub's, not firstSeq + count - 1.
    const lastSeq = this.hub.lastSeq;
    this.hub.flush();
    return { emitted: count, firstSeq, lastSeq };
  }
}
