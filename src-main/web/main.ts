import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { LabEngine, LabServer } from '../engine';
import { defaultWorkspace } from '../engine/projects';
import { startWebHost } from './web-host';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The value of `--name VALUE` or `--name=VALUE`, if given. */
function option(argv: string[], name: string): string | undefined {
  const index = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (index < 0) return undefined;
  return argv[index]!.includes('=') ? argv[index]!.slice(argv[index]!.indexOf('=') + 1) : argv[index + 1];
}

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

/** The folder whose sub-folders are the projects this host serves: --workspace, else NDIS_LAB_WORKSPACE or ~/ndis-lab-projects. */
function parseWorkspace(argv: string[]): string {
  const given = option(argv, 'workspace');
  if (given === undefined && argv.includes('--workspace')) {
    console.error('ndis-lab serve: --workspace needs a folder');
    process.exit(3);
  }
  const workspace = path.resolve(given ?? defaultWorkspace());
  try {
    fs.mkdirSync(workspace, { recursive: true });
  } catch (error) {
    console.error(`ndis-lab serve: cannot use ${workspace} as the workspace: ${(error as Error).message}`);
    process.exit(3);
  }
  return workspace;
}

const argv = process.argv.slice(2);
const workspace = parseWorkspace(argv);
const engine = new LabEngine({ host: 'web', toolchain: 'background', projects: { workspace } });
const host = await startWebHost({
  server: new LabServer(engine),
  rendererDir: path.join(root, 'out', 'renderer'),
  port: parsePort(argv),
});
console.log(`NDIS Lab web host listening on 127.0.0.1:${host.port}`);
console.log(`Projects: ${workspace}`);
console.log(`Open: ${host.url}`);

const stop = (): void => {
  void host.close().then(() => {
    engine.dispose();
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
