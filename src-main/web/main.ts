import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { LabEngine, LabServer } from '../engine';
import { startWebHost } from './web-host';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function parsePort(argv: string[]): number {
  const index = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = index < 0 ? (process.env.NDIS_LAB_PORT ?? '5199') : argv[index]!.includes('=') ? argv[index]!.split('=')[1]! : argv[index + 1];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`ndis-lab serve: --port must be a whole number from 0 to 65535, got "${raw}"`);
    process.exit(3);
  }
  return port;
}

const engine = new LabEngine({ host: 'web', toolchain: 'background' });
const host = await startWebHost({
  server: new LabServer(engine),
  rendererDir: path.join(root, 'out', 'renderer'),
  port: parsePort(process.argv.slice(2)),
});
console.log(`NDIS Lab web host listening on 127.0.0.1:${host.port}`);
console.log(`Open: ${host.url}`);

const stop = (): void => {
  void host.close().then(() => {
    engine.dispose();
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
