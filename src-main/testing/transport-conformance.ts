import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, ServerFrame } from '../../src-shared/contract';
import { LabClient, type FrameTransport } from '../../src-shared/rpc';
import { LabEngine } from '../engine/lab-engine';
import { LabServer } from '../engine/lab-server';

/** One transport under test: a connected pair and a way to push raw bytes/values at the engine. */
export interface TransportHarness {
  client: LabClient;
  transport: FrameTransport;
  /** Sends something that is not a valid frame, bypassing the client's own checks. */
  sendRaw(raw: unknown): void;
  /** Sends text that is not JSON, where the transport carries text (WebSocket); undefined elsewhere. */
  sendText?: (text: string) => void;
  close(): Promise<void>;
}

export type HarnessFactory = (server: LabServer) => Promise<TransportHarness>;

/** Waits for the next raw frame from the engine that satisfies `match`. */
export function nextFrame(transport: FrameTransport, match: (frame: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('no matching frame from the engine'));
    }, timeoutMs);
    const sub = transport.onFrame((raw) => {
      const frame = raw as ServerFrame;
      if (frame && typeof frame === 'object' && match(frame)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(frame);
      }
    });
  });
}

/** Polls until `done()` holds, or fails naming what it waited for. */
export async function waitFor(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The behaviour every transport must show: the same tests run over in-memory, WebSocket and the
 * Electron IPC bridge.
 */
export function describeTransportConformance(name: string, factory: HarnessFactory): void {
  describe(`${name} transport`, () => {
    let engine: LabEngine;
    let harness: TransportHarness;

    beforeEach(async () => {
      engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
      harness = await factory(new LabServer(engine));
    });
    afterEach(async () => {
      await harness.close();
      engine.dispose();
    });

    it('answers a command round trip with the engine version', async () => {
      const info = await harness.client.call('engine.info', {});
      expect(info.name).toBe('NDIS Lab');
      expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(harness.client.engine.version).toBe(info.version);
    });

    it('answers a call with an invalid input by naming the field, and keeps serving', async () => {
      const answer = nextFrame(harness.transport, (f) => f.t === 'result' && f.id === 9001);
      harness.sendRaw({ t: 'call', id: 9001, name: 'diag.burst', input: { count: 'many' } });
      const frame = await answer;
      expect(frame).toMatchObject({ t: 'result', id: 9001, ok: false, error: { code: 'E_SCHEMA' } });
      const error = (frame as Extract<ServerFrame, { ok: false }>).error;
      expect(error.message).toContain('input.count');
      expect(error.issues?.map((i) => i.path)).toContain('input.count');
      expect((await harness.client.call('engine.ping', { nonce: 7 })).nonce).toBe(7);
    });

    it('answers a frame with no usable shape by naming the missing field, and keeps serving', async () => {
      const answer = nextFrame(harness.transport, (f) => f.t === 'error');
      harness.sendRaw({ t: 'call', name: 'engine.info' });
      const frame = (await answer) as Extract<ServerFrame, { t: 'error' }>;
      expect(frame.error.code).toBe('E_SCHEMA');
      expect(frame.error.message).toContain('frame.id');

      const second = nextFrame(harness.transport, (f) => f.t === 'error');
      harness.sendRaw({ hello: true });
      expect(((await second) as Extract<ServerFrame, { t: 'error' }>).error.message).toContain('frame.t');

      const third = nextFrame(harness.transport, (f) => f.t === 'error');
      harness.sendRaw(42);
      expect(((await third) as Extract<ServerFrame, { t: 'error' }>).error.code).toBe('E_SCHEMA');

      expect((await harness.client.call('engine.ping', { nonce: 8 })).nonce).toBe(8);
    });

    it('refuses an unknown command by name, and keeps serving', async () => {
      const answer = nextFrame(harness.transport, (f) => f.t === 'result' && f.id === 9002);
      harness.sendRaw({ t: 'call', id: 9002, name: 'engine.selfDestruct', input: {} });
      expect(await answer).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_COMMAND', message: expect.stringContaining('engine.selfDestruct') } });
      expect((await harness.client.call('engine.ping', { nonce: 9 })).nonce).toBe(9);
    });

    it('refuses text that is not JSON, where the transport carries text', async () => {
      if (!harness.sendText) return;
      const answer = nextFrame(harness.transport, (f) => f.t === 'error');
      harness.sendText('{"t": "call", "id": 1,');
      expect(await answer).toMatchObject({ t: 'error', error: { code: 'E_PROTOCOL', message: expect.stringContaining('not valid JSON') } });
      expect((await harness.client.call('engine.ping', { nonce: 10 })).nonce).toBe(10);
    });

    it('rejects invalid input in the client before it is sent', async () => {
      await expect(harness.client.call('diag.burst', { count: -1 } as never)).rejects.toMatchObject({ code: 'E_SCHEMA' });
    });

    it('delivers every event of a 100k burst, in order, with no gap', async () => {
      const ticks: LabEvent[] = [];
      const errors: string[] = [];
      harness.client.onError((e) => errors.push(e.message));
      harness.client.onEvents((events) => {
        for (const event of events) if (event.kind === 'diag.tick') ticks.push(event);
      });
      const result = await harness.client.call('diag.burst', { count: 100_000 });
      await waitFor(() => harness.client.lastEventSeq >= result.lastSeq, `events up to seq ${result.lastSeq}`);
      expect(errors).toEqual([]);
      expect(ticks).toHaveLength(100_000);
      for (let i = 0; i < ticks.length; i++) {
        const tick = ticks[i] as Extract<LabEvent, { kind: 'diag.tick' }>;
        if (tick.index !== i || tick.seq !== result.firstSeq + i) {
          throw new Error(`event ${i} out of order: index ${tick.index}, seq ${tick.seq}`);
        }
      }
    });
  });
}
