import { describe, expect, it } from 'vitest';
import { LabClient } from '../../src-shared/rpc';
import { describeTransportConformance } from '../testing/transport-conformance';
import { MemoryTransport } from './memory-transport';

describeTransportConformance('in-memory', async (server) => {
  const transport = new MemoryTransport(server);
  // A second connection whose frames are pushed unvalidated, as a buggy client would.
  const client = await LabClient.connect(transport);
  return {
    client,
    transport,
    sendRaw: (raw) => transport.send(raw),
    close: async () => client.close(),
  };
});

describe('a client that joins late', () => {
  it('starts from the events emitted after it joined, without reporting a gap', async () => {
    const { LabEngine } = await import('./lab-engine');
    const { LabServer } = await import('./lab-server');
    const engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
    for (let i = 0; i < 20; i++) engine.hub.emit({ kind: 'engine.heartbeat', uptimeMs: i });
    engine.hub.flush();
    const client = await LabClient.connect(new MemoryTransport(new LabServer(engine)));
    const errors: string[] = [];
    const seen: number[] = [];
    client.onError((e) => errors.push(e.message));
    client.onEvents((events) => seen.push(...events.map((e) => e.seq)));
    engine.hub.emit({ kind: 'engine.heartbeat', uptimeMs: 99 });
    engine.hub.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([21]);
    expect(errors).toEqual([]);
    client.close();
    engine.dispose();
  });
});
