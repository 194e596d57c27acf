import { z } from 'zod';
import { LabErrorData } from './errors';
import { LabEvent } from './events';

/**
 * The frames that travel between a client and the engine, whatever the transport (Electron IPC and
 * MessagePort, WebSocket, in-memory). A transport only moves frames; meaning lives here.
 */
export const HelloFrame = z.object({ t: z.literal('hello'), contract: z.number().int() }).strict();
export const CallFrame = z
  .object({ t: z.literal('call'), id: z.number().int().nonnegative(), name: z.string().min(1), input: z.unknown() })
  .strict();
export const ClientFrame = z.discriminatedUnion('t', [HelloFrame, CallFrame]);
export type HelloFrame = z.infer<typeof HelloFrame>;
export type CallFrame = z.infer<typeof CallFrame>;
export type ClientFrame = z.infer<typeof ClientFrame>;

export const WelcomeFrame = z.object({
  t: z.literal('welcome'),
  contract: z.number().int(),
  engine: z.object({ name: z.string(), version: z.string() }),
  /** The seq of the last event emitted before this client joined: its first event is the next one. */
  lastSeq: z.number().int().nonnegative(),
});
export const ResultOkFrame = z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(true), output: z.unknown() });
export const ResultErrFrame = z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: LabErrorData });
/** A protocol-level error about a frame that had no usable call id. The connection stays open. */
export const ErrorFrame = z.object({ t: z.literal('error'), error: LabErrorData });
/**
 * A batch of events. Events are validated one by one on receipt (see rpc/client.ts), so that one bad
 * event is reported by position instead of discarding its whole batch.
 */
export const EventsFrame = z.object({ t: z.literal('events'), events: z.array(z.unknown()) });
export const ServerFrame = z.union([WelcomeFrame, ResultOkFrame, ResultErrFrame, ErrorFrame, EventsFrame]);
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type ResultFrame = z.infer<typeof ResultOkFrame> | z.infer<typeof ResultErrFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type EventsFrame = { t: 'events'; events: LabEvent[] };
export type ServerFrame = WelcomeFrame | ResultFrame | ErrorFrame | EventsFrame;
