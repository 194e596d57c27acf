import { describe, expect, it } from 'vitest';
import { BridgeTransport, LabClient } from '../../src-shared/rpc';
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
});
