// `npm start`: the desktop app. Electron's binary is downloaded on first start; where that cannot
// happen (offline, or GitHub unreachable) the lab says so and opens in the browser host instead.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { ensureBuilt, repoRoot } from './build-state';
import { downloadElectronBinary, findElectronBinary } from './electron-binary';

ensureBuilt();
let binary = findElectronBinary();
if (!binary) {
  console.log("Electron's binary is not installed yet: downloading it (first start only)…");
  binary = downloadElectronBinary();
}

if (binary) {
  // Chromium refuses to run as root with its sandbox on; the renderer's own sandbox flag still applies.
  const args = process.getuid?.() === 0 ? ['--no-sandbox', repoRoot] : [repoRoot];
  const child = spawn(binary, args, { cwd: repoRoot, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    [
      '',
      "Could not download Electron's binary (no connection to GitHub?), so the desktop window cannot open.",
      'Starting the same lab in your browser instead. For the desktop app later, run `npx install-electron`',
      'where GitHub is reachable (or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron), then `npm start`.',
      '',
    ].join('\n'),
  );
  await import('../web/main');
}
