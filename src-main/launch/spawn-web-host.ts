import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Starts the web host (`npm run serve`'s script) as a child process of this Node and resolves with
 * the URL it prints (token included), as a user reads it. For the e2e tests and the ui bench.
 */
export async function spawnWebHost(root: string, args: readonly string[], timeoutMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/launch/serve.ts'), '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web host did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Open: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web host exited with ${code}:\n${output}`));
    });
  });
  return { url, child };
}
