import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/contract';
import { BridgeTransport, LabClient } from '../../src-shared/rpc';
import { runEventsFromText } from '../engine/event-text';
import { LabEngine } from '../engine/lab-engine';
import { LabServer } from '../engine/lab-server';
import { attachStandInBridge, StandInIpcMain, standInRenderer } from '../testing/ipc-standin';
import { describeTransportConformance } from '../testing/transport-conformance';

describeTransportConformance('Electron IPC bridge', async (server) => {
  const ipc = new StandInIpcMain();
  const detach = attachStandInBridge(ipc, server);
  const renderer = standInRenderer(ipc);
  const transport = new BridgeTransport(renderer.bridge);
  const client = await LabClient.connect(transport);
  return {
    client,
    transport,
    sendRaw: (raw) => transport.send(raw),
    close: async () => {
      client.close();
      renderer.destroy();
      detach();
    },
  };
});

describe('Electron IPC bridge', () => {
  it('refuses a sender that is not our page, and still serves ours', async () => {
    const engine = new LabEngine({ host: 'electron', heartbeatMs: 0 });
    const ipc = new StandInIpcMain();
    const detach = attachStandInBridge(ipc, new LabServer(engine));
    const stranger = standInRenderer(ipc, { url: 'https://evil.example/' });
    await expect(LabClient.connect(new BridgeTransport(stranger.bridge), { helloTimeoutMs: 2000 })).rejects.toMatchObject({
      code: 'E_FORBIDDEN',
    });
    const ours = standInRenderer(ipc);
    const client = await LabClient.connect(new BridgeTransport(ours.bridge));
    expect((await client.call('engine.ping', { nonce: 3 })).nonce).toBe(3);
    client.close();
    ours.destroy();
    stranger.destroy();
    detach();
    engine.dispose();
  });

  it('closes the engine connection when the renderer goes away', async () => {
    const engine = new LabEngine({ host: 'electron', heartbeatMs: 0 });
    const ipc = new StandInIpcMain();
    const detach = attachStandInBridge(ipc, new LabServer(engine));
    const renderer = standInRenderer(ipc);
    const client = await LabClient.connect(new BridgeTransport(renderer.bridge));
    const received: number[] = [];
    client.onEvents((events) => received.push(...events.map((e) => e.seq)));
    renderer.sender.emit('destroyed');
    engine.hub.emit({ kind: 'engine.heartbeat', uptimeMs: 1 });
    engine.hub.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    client.close();
    renderer.destroy();
    detach();
    engine.dispose();
  });

  it('posts event frames on the port as JSON text, a run batch spliced in as the session worker wrote it', async () => {
    const engine = new LabEngine({ host: 'electron', heartbeatMs: 0 });
    const ipc = new StandInIpcMain();
    const detach = attachStandInBridge(ipc, new LabServer(engine));
    const renderer = standInRenderer(ipc);
    const raw: unknown[] = [];
    renderer.bridge.onFrame((frame) => raw.push(frame));
    const client = await LabClient.connect(new BridgeTransport(renderer.bridge));
    const received: LabEvent[] = [];
    client.onEvents((events) => received.push(...events));
    const events = [{ kind: 'debug.print', t: 5, text: 'héllo' }];
    engine.hub.emit(runEventsFromText({ runId: 'run-1', json: JSON.stringify(events), count: 1 }));
    engine.hub.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(raw).toHaveLength(1);
    expect(typeof raw[0]).toBe('string');
    expect(raw[0]).toContain('"events":[{"kind":"debug.print","t":5,"text":"héllo"}]');
    expect(received).toEqual([{ kind: 'run.events', runId: 'run-1', events, seq: 1 }]);
    client.close();
    renderer.destroy();
    detach();
    engine.dispose();
  });
});
