import {
  CONTRACT_VERSION,
  ClientFrame,
  commands,
  isCommandName,
  LabError,
  schemaError,
  type CallFrame,
  type EventsFrame,
  type LabErrorData,
  type ResultFrame,
  type ServerFrame,
} from '../../src-shared/contract';
import type { Disposable } from '../../src-shared/rpc/disposable';
import type { LabEngine } from './lab-engine';
import { ENGINE_NAME, ENGINE_VERSION } from './version';

/**
 * Speaks the contract for one engine: every frame that arrives is validated before anything acts on
 * it, and every bad frame gets an answer that names what is wrong. Transports create one
 * connection per client.
 */
export class LabServer {
  constructor(readonly engine: LabEngine) {}

  /** A new client. `sink` receives the frames the engine sends unasked (events). */
  connect(sink: (frame: ServerFrame) => void): ServerConnection {
    return new ServerConnection(this.engine, sink);
  }
}

export class ServerConnection {
  private subscription: Disposable | undefined;
  private closed = false;

  constructor(
    private readonly engine: LabEngine,
    private readonly sink: (frame: ServerFrame) => void,
  ) {}

  get greeted(): boolean {
    return this.subscription !== undefined;
  }

  /**
   * Handles one raw client frame and returns the answer frame (or null when none is due). Never
   * throws: every failure becomes an error answer.
   */
  async request(raw: unknown): Promise<ServerFrame | null> {
    if (this.closed) return null;
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const id = callIdOf(raw);
      const error = schemaError('malformed frame', parsed.error, 'frame').toData();
      return id === undefined ? { t: 'error', error } : { t: 'result', id, ok: false, error };
    }
    const frame = parsed.data;
    if (frame.t === 'hello') return this.hello(frame.contract);
    if (!this.greeted) return failure(frame.id, { code: 'E_PROTOCOL', message: `${frame.name}: send hello before calling commands` });
    return this.call(frame);
  }

  /** For streaming transports: handles a frame and sends the answer through the sink. */
  receive(raw: unknown): void {
    void this.request(raw).then((answer) => {
      if (answer && !this.closed) this.sink(answer);
    });
  }

  close(): void {
    this.closed = true;
    this.subscription?.dispose();
    this.subscription = undefined;
  }

  private hello(contract: number): ServerFrame {
    if (contract !== CONTRACT_VERSION) {
      return { t: 'error', error: { code: 'E_VERSION', message: `client speaks contract ${contract}, engine ${CONTRACT_VERSION}` } };
    }
    this.subscription ??= this.engine.hub.subscribe((batch: EventsFrame) => {
      if (!this.closed) this.sink(batch);
    });
    // Events already numbered but not yet sent reach this client too, so it starts before them.
    return { t: 'welcome', contract: CONTRACT_VERSION, engine: { name: ENGINE_NAME, version: ENGINE_VERSION }, lastSeq: this.engine.hub.lastDeliveredSeq };
  }

  private async call(frame: CallFrame): Promise<ResultFrame> {
    const { id, name } = frame;
    if (!isCommandName(name)) return failure(id, { code: 'E_UNKNOWN_COMMAND', message: `unknown command "${name}"` });
    const spec = commands[name];
    const input = spec.input.safeParse(frame.input ?? {});
    if (!input.success) return failure(id, schemaError(`${name}: invalid input`, input.error, 'input').toData());
    try {
      const handler = this.engine.handlers[name] as (input: unknown) => unknown;
      const output = spec.output.safeParse(await handler(input.data));
      if (!output.success) {
        return failure(id, { ...schemaError(`${name}: the engine produced an invalid output`, output.error, 'output').toData(), code: 'E_INTERNAL' });
      }
      return { t: 'result', id, ok: true, output: output.data };
    } catch (error) {
      if (error instanceof LabError) return failure(id, error.toData());
      return failure(id, { code: 'E_INTERNAL', message: `${name} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
}

function failure(id: number, error: LabErrorData): ResultFrame {
  return { t: 'result', id, ok: false, error };
}

/** The call id of a frame that failed validation, if it has a usable one, so the caller's promise settles. */
function callIdOf(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : undefined;
}
