import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const monacoEsm = resolve(__dirname, 'node_modules/monaco-editor/esm/vs');

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          // Engine workers are entries of their own, found next to index.js (engine/worker-entry.ts).
          'build-worker': resolve(__dirname, 'src-main/engine/toolchain/build-worker.ts'),
          'session-worker': resolve(__dirname, 'src-main/engine/session/session-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be one CommonJS file.
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    base: './',
    plugins: [vue()],
    resolve: { alias: { '@monaco-esm': monacoEsm } },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      chunkSizeWarningLimit: 8192,
      rolldownOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
    worker: { format: 'es' },
  },
});
