import process from 'node:process';
import { CONTRACT_VERSION } from '../../src-shared/contract';
import { ENGINE_NAME, ENGINE_VERSION } from '../engine/version';
import { buildCommand, buildUsage } from './build-command';
import { runCommand, runUsage } from './run-command';
import { UsageError } from './project-files';

/** Exit codes every subcommand shares. */
export const ExitCode = { ok: 0, findings: 1, buildFailed: 2, usage: 3 } as const;

interface Subcommand {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number> | number;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Subcommands arrive with later work (build, run, grade, export); each registers here. */
const subcommands: Record<string, Subcommand> = {
  build: {
    summary: 'compile a driver (a .c file or a folder) with clang; diagnostics as text or --json',
    usage: buildUsage,
    run: buildCommand,
  },
  run: {
    summary: 'build a driver and run it against the simulated NDIS (scenarios, faults, NDJSON log)',
    usage: runUsage,
    run: runCommand,
  },
  version: {
    summary: 'print the version of the lab and of its engine contract',
    usage: 'ndis-lab version',
    run: (_args, io) => {
      io.out(versionText());
      return ExitCode.ok;
    },
  },
};

function versionText(): string {
  return `${ENGINE_NAME} ${ENGINE_VERSION} (contract v${CONTRACT_VERSION}, Node ${process.versions.node})`;
}

function helpText(): string {
  const width = Math.max(...Object.keys(subcommands).map((n) => n.length));
  const lines = Object.entries(subcommands).map(([name, sub]) => `  ${name.padEnd(width)}  ${sub.summary}`);
  return [
    `${ENGINE_NAME} ${ENGINE_VERSION} — write Windows NDIS drivers in C against a simulated NDIS and a virtual NIC.`,
    '',
    'Usage: ndis-lab <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show this help (or a command\'s, after its name)',
    '  -V, --version  print the version',
    '',
    'The desktop app: npm start. The lab in a browser: npm run serve.',
    'Exit codes: 0 ok, 1 findings or bug check, 2 build failed, 3 usage error.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined) {
      const sub = subcommands[topic];
      if (!sub) return usageError(io, `unknown command "${topic}"`);
      io.out(`Usage: ${sub.usage}\n\n${sub.summary}`);
      return ExitCode.ok;
    }
    io.out(helpText());
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === '-V' || first === '--version') {
    io.out(versionText());
    return ExitCode.ok;
  }
  if (first.startsWith('-')) return usageError(io, `unknown option "${first}"`);
  const sub = subcommands[first];
  if (!sub) return usageError(io, `unknown command "${first}"`);
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(`Usage: ${sub.usage}\n\n${sub.summary}`);
    return ExitCode.ok;
  }
  try {
    return await sub.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, `${first}: ${error.message}`);
    io.err(`ndis-lab ${first}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.findings;
  }
}

function usageError(io: CliIo, message: string): number {
  io.err(`ndis-lab: ${message}\nRun "ndis-lab --help" for the commands.`);
  return ExitCode.usage;
}
