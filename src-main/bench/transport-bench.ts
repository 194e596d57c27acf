import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { BridgeTransport, LabClient, WebSocketTransport, type WebSocketLike } from '../../src-shared/rpc';
import { LabEngine } from '../engine/lab-engine';
import { LabServer } from '../engine/lab-server';
import { MemoryTransport } from '../engine/memory-transport';
import { attachStandInBridge, StandInIpcMain, standInRenderer } from '../testing/ipc-standin';
import { startWebHost } from '../web/web-host';
import { median, percentile, type BenchRow, type BenchSuite } from './table';

interface Connected {
  client: LabClient;
  close(): Promise<void>;
}

interface Connector {
  name: string;
  note?: string;
  connect(server: LabServer): Promise<Connected>;
}

const connectors: Connector[] = [
  {
    name: 'in-memory',
    connect: async (server) => {
      const client = await LabClient.connect(new MemoryTransport(server));
      return { client, close: async () => client.close() };
    },
  },
  {
    name: 'websocket',
    note: 'loopback, JSON text frames',
    connect: async (server) => {
      const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndis-lab-bench-'));
      const host = await startWebHost({ server, rendererDir });
      const client = await LabClient.connect(new WebSocketTransport(new WebSocket(host.socketUrl) as unknown as WebSocketLike));
      return {
        client,
        close: async () => {
          client.close();
          await host.close();
        },
      };
    },
  },
  {
    name: 'electron-ipc-bridge',
    note: 'our bridge over Node MessagePorts; no Electron binary here',
    connect: async (server) => {
      const ipc = new StandInIpcMain();
      const detach = attachStandInBridge(ipc, server);
      const renderer = standInRenderer(ipc);
      const client = await LabClient.connect(new BridgeTransport(renderer.bridge));
      return {
        client,
        close: async () => {
          client.close();
          renderer.destroy();
          detach();
        },
      };
    },
  },
];

async function roundTrips(client: LabClient, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await client.call('engine.ping', { nonce: i });
    samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

/** Events per second from the engine's emit to the client's validated delivery. */
async function throughput(client: LabClient, count: number): Promise<number> {
  const start = performance.now();
  const result = await client.call('diag.burst', { count });
  while (client.lastEventSeq < result.lastSeq) await new Promise((resolve) => setImmediate(resolve));
  return count / ((performance.now() - start) / 1000);
}

export const transportSuite: BenchSuite = {
  name: 'contract',
  async run() {
    const rows: BenchRow[] = [];
    for (const connector of connectors) {
      const engine = new LabEngine({ host: 'memory', heartbeatMs: 0 });
      const { client, close } = await connector.connect(new LabServer(engine));
      try {
        await roundTrips(client, 300); // warm-up
        const samples = await roundTrips(client, 3000);
        rows.push(
          { group: 'contract', name: `round trip median, ${connector.name}`, value: median(samples), unit: 'µs', note: connector.note },
          { group: 'contract', name: `round trip p95, ${connector.name}`, value: percentile(samples, 95), unit: 'µs' },
        );
        await throughput(client, 20_000); // warm-up
        const rates: number[] = [];
        for (let i = 0; i < 3; i++) rates.push(await throughput(client, 200_000));
        rows.push({
          group: 'contract',
          name: `event throughput, ${connector.name}`,
          value: median(rates),
          unit: 'events/s',
          note: 'median of 3 bursts of 200k, validated by the client',
        });
      } finally {
        await close();
        engine.dispose();
      }
    }
    return rows;
  },
};
