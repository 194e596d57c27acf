// Lint, and the layer boundaries of ARCHITECTURE.md: src-shared ← sim ← engine ← hosts; the
// renderer imports only src-shared; nothing below the Electron host imports electron.
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'crypto'];
/** `dir` as a module path, whether imported as the folder itself or a file inside it. */
const layer = (...dirs) => dirs.flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]);
const restrict = (message, groups) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
});

export default tseslint.config(
  { ignores: ['.scratch/**', 'test-reports/**', 'out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/artifacts/**', 'resources/**'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['src-shared/**'],
    rules: restrict('src-shared is the bottom layer: it may import only itself and zod.', [
      ...layer('src-main', 'src-renderer'), 'electron', 'vue', 'pinia', 'monaco-editor*', 'ws', ...nodeBuiltins,
    ]),
  },
  {
    files: ['src-renderer/**'],
    rules: restrict('The renderer talks to the engine only through src-shared (the contract and LabClient).', [
      ...layer('src-main'), 'electron', 'ws', ...nodeBuiltins,
    ]),
  },
  {
    files: ['src-main/sim/**'],
    rules: restrict('The simulator sits below the engine and the hosts.', [
      ...layer('engine', 'electron', 'web', 'cli', 'preload', 'src-renderer'), 'electron',
    ]),
  },
  {
    files: ['src-main/engine/**', 'src-main/cli/**', 'src-main/web/**', 'src-main/bench/**', 'src-main/security/**', 'src-main/launch/**'],
    rules: restrict('Only the Electron host may import electron or its modules.', [
      'electron', ...layer('electron', 'preload', 'src-renderer'),
    ]),
  },
  {
    files: ['src-main/engine/**'],
    rules: restrict('The engine is below the hosts.', ['electron', ...layer('electron', 'preload', 'web', 'cli', 'src-renderer')]),
  },
);
