import {
  CONTRACT_VERSION,
  commands,
  LabError,
  LabEvent,
  schemaError,
  ServerFrame,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type LabErrorData,
  type WelcomeFrame,
} from '../contract';
import { Emitter, type Disposable } from './disposable';
import type { FrameTransport } from './transport';

interface PendingCall {
  name: CommandName;
  resolve(output: unknown): void;
  reject(error: LabError): void;
}

export interface LabClientOptions {
  /** How long to wait for the engine's welcome, ms. */
  helloTimeoutMs?: number;
}

/**
 * The one client of the engine, used by the renderer, the CLI and the tests over any transport.
 * Validates what it sends and everything it receives against the contract.
 */
export class LabClient {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly eventsEmitter = new Emitter<LabEvent[]>();
  private readonly errorEmitter = new Emitter<LabError>();
  private readonly closeEmitter = new Emitter<string>();
  private welcome: WelcomeFrame | undefined;
  private welcomeWaiter: { resolve(frame: WelcomeFrame): void; reject(error: LabError): void } | undefined;
  private lastSeq = 0;
  private closedReason: string | undefined;
  private readonly subscriptions: Disposable[];

  /** Events, validated, in engine order. */
  readonly onEvents = this.eventsEmitter.event;
  /** Protocol errors, invalid frames or events, and sequence gaps. The client stays usable. */
  readonly onError = this.errorEmitter.event;
  readonly onClose = this.closeEmitter.event;

  private constructor(private readonly transport: FrameTransport) {
    this.subscriptions = [
      transport.onFrame((frame) => this.receive(frame)),
      transport.onClose((reason) => this.handleClose(reason)),
    ];
  }

  /** Opens a client on a transport and completes the hello handshake. */
  static async connect(transport: FrameTransport, options: LabClientOptions = {}): Promise<LabClient> {
    const client = new LabClient(transport);
    try {
      await client.hello(options.helloTimeoutMs ?? 10_000);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get engine(): WelcomeFrame['engine'] {
    if (!this.welcome) throw new LabError({ code: 'E_PROTOCOL', message: 'not connected' });
    return this.welcome.engine;
  }

  /** The sequence number of the last event delivered. */
  get lastEventSeq(): number {
    return this.lastSeq;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  call<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new LabError({ code: 'E_DISCONNECTED', message: `${name}: connection closed (${this.closedReason})` }));
    }
    const parsed = commands[name].input.safeParse(input);
    if (!parsed.success) return Promise.reject(schemaError(`${name}: invalid input`, parsed.error, 'input'));
    const id = this.nextId++;
    return new Promise<CommandOutput<K>>((resolve, reject) => {
      this.pending.set(id, { name, resolve: resolve as (output: unknown) => void, reject });
      this.transport.send({ t: 'call', id, name, input: parsed.data });
    });
  }

  close(): void {
    this.transport.close();
    this.handleClose('closed by client');
  }

  private hello(timeoutMs: number): Promise<WelcomeFrame> {
    return new Promise<WelcomeFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.welcomeWaiter = undefined;
        reject(new LabError({ code: 'E_DISCONNECTED', message: `no answer from the engine within ${timeoutMs} ms` }));
      }, timeoutMs);
      this.welcomeWaiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.transport.send({ t: 'hello', contract: CONTRACT_VERSION });
    });
  }

  private receive(raw: unknown): void {
    const parsed = ServerFrame.safeParse(raw);
    if (!parsed.success) {
      this.errorEmitter.fire(schemaError('invalid frame from the engine', parsed.error, 'frame'));
      return;
    }
    const frame = parsed.data;
    switch (frame.t) {
      case 'welcome':
        return this.receiveWelcome(frame);
      case 'result': {
        const call = this.pending.get(frame.id);
        if (!call) {
          this.errorEmitter.fire(new LabError({ code: 'E_PROTOCOL', message: `result for unknown call id ${frame.id}` }));
          return;
        }
        this.pending.delete(frame.id);
        if (!frame.ok) return call.reject(new LabError(frame.error));
        const output = commands[call.name].output.safeParse(frame.output);
        if (!output.success) return call.reject(schemaError(`${call.name}: invalid output from the engine`, output.error, 'output'));
        return call.resolve(output.data);
      }
      case 'error':
        return this.receiveError(frame.error);
      case 'events':
        return this.receiveEvents(frame.events);
    }
  }

  private receiveWelcome(frame: WelcomeFrame): void {
    const waiter = this.welcomeWaiter;
    this.welcomeWaiter = undefined;
    if (frame.contract !== CONTRACT_VERSION) {
      waiter?.reject(
        new LabError({ code: 'E_VERSION', message: `engine speaks contract ${frame.contract}, this client ${CONTRACT_VERSION}` }),
      );
      return;
    }
    this.welcome = frame;
    this.lastSeq = frame.lastSeq;
    waiter?.resolve(frame);
  }

  private receiveError(error: LabErrorData): void {
    const labError = new LabError(error);
    if (this.welcomeWaiter && (error.code === 'E_VERSION' || error.code === 'E_FORBIDDEN')) {
      const waiter = this.welcomeWaiter;
      this.welcomeWaiter = undefined;
      waiter.reject(labError);
      return;
    }
    this.errorEmitter.fire(labError);
  }

  private receiveEvents(raw: unknown[]): void {
    const events: LabEvent[] = [];
    const checked = this.transport.checksEvents === true;
    for (let i = 0; i < raw.length; i++) {
      let event: LabEvent;
      if (checked) event = raw[i] as LabEvent;
      else {
        const parsed = LabEvent.safeParse(raw[i]);
        if (!parsed.success) {
          this.errorEmitter.fire(schemaError('invalid event from the engine', parsed.error, `events[${i}]`));
          continue;
        }
        event = parsed.data;
      }
      if (event.seq !== this.lastSeq + 1) {
        this.errorEmitter.fire(
          new LabError({ code: 'E_PROTOCOL', message: `event sequence gap: expected ${this.lastSeq + 1}, got ${event.seq}` }),
        );
      }
      this.lastSeq = event.seq;
      events.push(event);
    }
    if (events.length > 0) this.eventsEmitter.fire(events);
  }

  private handleClose(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const s of this.subscriptions) s.dispose();
    const error = new LabError({ code: 'E_DISCONNECTED', message: `connection closed: ${reason}` });
    this.welcomeWaiter?.reject(error);
    this.welcomeWaiter = undefined;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    this.closeEmitter.fire(reason);
  }
}
