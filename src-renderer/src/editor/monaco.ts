import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { registerCLanguage } from './c-language';
import './monaco-features';

// Monaco runs its text model services in a worker; the C language needs no worker of its own.
(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

// Completion, hover, signature help and go to definition for the lab headers (c-language.ts).
registerCLanguage(monaco);

export { monaco };
