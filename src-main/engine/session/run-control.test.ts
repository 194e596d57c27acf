import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createControlBuffers, RunController, RunGate } from './run-control';

describe('live steps between the engine and the session worker', () => {
  it('are posted in order, counted in shared memory, read off the port only when some wait, and counted until taken', () => {
    const buffers = createControlBuffers();
    const controller = new RunController(buffers);
    const gate = new RunGate(buffers, () => undefined, () => undefined);
    const { port1, port2 } = new MessageChannel();
    let reads = 0;
    const receive = (): { message: unknown } | undefined => {
      reads++;
      return receiveMessageOnPort(port2);
    };
    try {
      // Nothing posted: the port is not touched.
      expect(gate.takeLive(receive)).toEqual([]);
      expect(reads).toBe(0);
      expect(controller.act(port1, [{ step: 'pause', adapter: 'adapter0' }])).toBe(1);
      expect(controller.act(port1, [{ step: 'halt', adapter: 'adapter0' }, { step: 'unbind', lower: 'lower0' }])).toBe(3);
      expect(controller.liveWaiting).toBe(3);
      expect(gate.takeLive(receive).map((s) => s.step)).toEqual(['pause', 'halt', 'unbind']);
      expect(controller.liveWaiting).toBe(0);
      reads = 0;
      expect(gate.takeLive(receive)).toEqual([]);
      expect(reads).toBe(0);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
