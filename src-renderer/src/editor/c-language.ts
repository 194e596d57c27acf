import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import { HeaderLookup } from '../../../src-shared/headers/header-lookup';
import { LAB_INCLUDE_AUTHORITY, LAB_INCLUDE_SCHEME, labIncludeUri } from '../../../src-shared/headers/types';
import {
  completionsAt,
  definitionAt,
  fieldMarkdown,
  hoverAt,
  OPEN_HEADER_COMMAND,
  signatureAt,
  symbolMarkdown,
  TypeResolver,
  type CompletionEntry,
  type EntryKind,
} from './c-intel';
import { HeaderViewer } from './header-viewer';

type Monaco = typeof MonacoApi;
type CodeEditor = MonacoApi.editor.ICodeEditor;
type LabCompletionItem = MonacoApi.languages.CompletionItem & { entry?: CompletionEntry };

/**
 * The C language features of the lab's editor, from the index of the lab headers
 * (src-shared/headers/header-index.generated.ts): completion, hover, signature help and go to
 * definition, the definitions opening as read-only header models (`inmemory://lab-include/…`) in a
 * viewer over the editor. The index and the header texts load on first use, in chunks of their own.
 */
export function registerCLanguage(monaco: Monaco): MonacoApi.IDisposable {
  const features = new CLanguageFeatures(monaco);
  return { dispose: () => features.dispose() };
}

interface HeaderData {
  lookup: HeaderLookup;
  files: readonly string[];
}

let headerData: Promise<HeaderData> | undefined;
let headerSources: Promise<Readonly<Record<string, string>>> | undefined;

/** The header index, loaded once (its module is a chunk of its own). */
export function loadHeaderData(): Promise<HeaderData> {
  headerData ??= import('../../../src-shared/headers/header-index.generated').then(({ HEADER_INDEX }) => ({
    lookup: new HeaderLookup(HEADER_INDEX),
    files: HEADER_INDEX.files,
  }));
  return headerData;
}

function loadHeaderSources(): Promise<Readonly<Record<string, string>>> {
  headerSources ??= import('../../../src-shared/headers/header-sources.generated').then((m) => m.HEADER_SOURCES);
  return headerSources;
}

const TRUSTED = { enabledCommands: [OPEN_HEADER_COMMAND] };

class CLanguageFeatures {
  private readonly disposables: MonacoApi.IDisposable[] = [];
  private readonly viewers = new Map<CodeEditor, HeaderViewer>();
  private lastEditor: CodeEditor | undefined;

  constructor(private readonly monaco: Monaco) {
    const { languages, editor } = monaco;
    this.disposables.push(
      languages.registerCompletionItemProvider('c', {
        triggerCharacters: ['.', '>', '<', '/'],
        provideCompletionItems: (model, position, context) => this.complete(model, position, context),
        resolveCompletionItem: (item: LabCompletionItem) => this.resolve(item),
      }),
      languages.registerHoverProvider('c', { provideHover: (model, position) => this.hover(model, position) }),
      languages.registerSignatureHelpProvider('c', {
        signatureHelpTriggerCharacters: ['(', ','],
        signatureHelpRetriggerCharacters: [')'],
        provideSignatureHelp: (model, position) => this.signature(model, position),
      }),
      languages.registerDefinitionProvider('c', { provideDefinition: (model, position) => this.definition(model, position) }),
      // Go to definition in a header: show it in the viewer over the editor it was asked from.
      editor.registerEditorOpener({
        openCodeEditor: (source, resource, selection) => {
          if (resource.scheme !== LAB_INCLUDE_SCHEME || resource.authority !== LAB_INCLUDE_AUTHORITY) return false;
          const model = editor.getModel(resource);
          if (!model) return false;
          this.viewerFor(source).open(model, selection);
          return true;
        },
      }),
      editor.registerCommand(OPEN_HEADER_COMMAND, (_accessor: unknown, file: string, line: number) => void this.openHeader(file, line)),
      editor.onDidCreateEditor((created) => this.track(created)),
    );
    for (const existing of editor.getEditors()) this.track(existing);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const viewer of this.viewers.values()) viewer.dispose();
    this.viewers.clear();
  }

  private track(created: CodeEditor): void {
    if ([...this.viewers.values()].some((v) => v.editor === created)) return;
    // Hovers, signature help and suggestion details are taller than the editor's region: let them
    // overflow it instead of being clipped at its edge.
    created.updateOptions({ fixedOverflowWidgets: true });
    const focus = created.onDidFocusEditorText(() => {
      if (!this.isViewerEditor(created)) this.lastEditor = created;
    });
    const dispose = created.onDidDispose(() => {
      focus.dispose();
      dispose.dispose();
      this.viewers.get(created)?.dispose();
      this.viewers.delete(created);
      if (this.lastEditor === created) this.lastEditor = undefined;
    });
  }

  private isViewerEditor(editor: CodeEditor): boolean {
    return [...this.viewers.values()].some((v) => v.editor === editor);
  }

  /** The viewer of the editor a request came from (a viewer's own editor navigates in place). */
  private viewerFor(source: CodeEditor): HeaderViewer {
    const own = [...this.viewers.values()].find((v) => v.editor === source);
    if (own) return own;
    let viewer = this.viewers.get(source);
    if (!viewer) {
      viewer = new HeaderViewer(this.monaco, source);
      this.viewers.set(source, viewer);
    }
    return viewer;
  }

  private async openHeader(file: string, line: number): Promise<void> {
    const host = this.lastEditor ?? this.monaco.editor.getEditors().find((e) => !this.isViewerEditor(e));
    const model = await this.headerModel(file);
    if (host && model) this.viewerFor(host).open(model, { lineNumber: line, column: 1 });
  }

  /** The read-only model of a lab header, created on first use. */
  private async headerModel(file: string): Promise<MonacoApi.editor.ITextModel | undefined> {
    const uri = this.monaco.Uri.parse(labIncludeUri(file));
    const existing = this.monaco.editor.getModel(uri);
    if (existing) return existing;
    const text = (await loadHeaderSources())[file];
    if (text === undefined) return undefined;
    return this.monaco.editor.getModel(uri) ?? this.monaco.editor.createModel(text, 'c', uri);
  }

  private async complete(
    model: MonacoApi.editor.ITextModel,
    position: MonacoApi.Position,
    context: MonacoApi.languages.CompletionContext,
  ): Promise<MonacoApi.languages.CompletionList> {
    const { lookup, files } = await loadHeaderData();
    const offset = model.getOffsetAt(position);
    const text = model.getValue();
    const result = completionsAt(text, offset, lookup, files);
    if (!result) return { suggestions: [] };
    // Typed trigger characters only start member or #include completion.
    if (context.triggerKind === this.monaco.languages.CompletionTriggerKind.TriggerCharacter && result.entries.every((e) => e.kind !== 'field' && e.kind !== 'header')) {
      return { suggestions: [] };
    }
    const start = model.getPositionAt(result.start);
    const range = new this.monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
    const { CompletionItemInsertTextRule } = this.monaco.languages;
    const suggestions = result.entries.map((entry): LabCompletionItem => ({
      label: { label: entry.label, ...(entry.labelDetail ? { detail: entry.labelDetail } : {}), ...(entry.labelDescription ? { description: entry.labelDescription } : {}) },
      kind: this.kind(entry.kind),
      ...(entry.detail ? { detail: entry.detail } : {}),
      insertText: entry.insertText ?? entry.label,
      ...(entry.snippet ? { insertTextRules: CompletionItemInsertTextRule.InsertAsSnippet } : {}),
      ...(entry.triggerSignature ? { command: { id: 'editor.action.triggerParameterHints', title: 'Parameter hints' } } : {}),
      ...(entry.sortText ? { sortText: entry.sortText } : {}),
      range,
      entry,
    }));
    return { suggestions };
  }

  private async resolve(item: LabCompletionItem): Promise<LabCompletionItem> {
    const entry = item.entry;
    if (!entry || item.documentation) return item;
    const { lookup } = await loadHeaderData();
    const parts = entry.symbol ? symbolMarkdown(entry.symbol, lookup) : entry.field ? fieldMarkdown(entry.field, new TypeResolver(lookup)) : undefined;
    if (parts) item.documentation = { value: parts.join('\n\n'), isTrusted: TRUSTED };
    return item;
  }

  private kind(kind: EntryKind): MonacoApi.languages.CompletionItemKind {
    const K = this.monaco.languages.CompletionItemKind;
    switch (kind) {
      case 'function':
        return K.Function;
      case 'role':
        return K.Interface;
      case 'struct':
      case 'local-type':
        return K.Struct;
      case 'enum':
        return K.Enum;
      case 'enumerator':
        return K.EnumMember;
      case 'typedef':
        return K.TypeParameter;
      case 'constant':
        return K.Constant;
      case 'macro':
        return K.Snippet;
      case 'field':
        return K.Field;
      case 'keyword':
        return K.Keyword;
      case 'header':
        return K.File;
      case 'word':
        return K.Text;
    }
  }

  private async hover(model: MonacoApi.editor.ITextModel, position: MonacoApi.Position): Promise<MonacoApi.languages.Hover | undefined> {
    const { lookup } = await loadHeaderData();
    const hover = hoverAt(model.getValue(), model.getOffsetAt(position), lookup);
    if (!hover) return undefined;
    const start = model.getPositionAt(hover.start);
    const end = model.getPositionAt(hover.end);
    return {
      range: new this.monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
      contents: hover.parts.map((value) => ({ value, isTrusted: TRUSTED })),
    };
  }

  private async signature(model: MonacoApi.editor.ITextModel, position: MonacoApi.Position): Promise<MonacoApi.languages.SignatureHelpResult | undefined> {
    const { lookup } = await loadHeaderData();
    const signature = signatureAt(model.getValue(), model.getOffsetAt(position), lookup);
    if (!signature) return undefined;
    return {
      value: {
        signatures: [
          {
            label: signature.label,
            documentation: signature.documentation,
            parameters: signature.parameters.map((p) => ({ label: p.label, documentation: p.documentation })),
          },
        ],
        activeSignature: 0,
        activeParameter: signature.activeParameter,
      },
      dispose: () => {},
    };
  }

  private async definition(model: MonacoApi.editor.ITextModel, position: MonacoApi.Position): Promise<MonacoApi.languages.Location[] | undefined> {
    const { lookup, files } = await loadHeaderData();
    const offset = model.getOffsetAt(position);
    const target = definitionAt(model.getValue(), offset, lookup, files);
    if (!target) return undefined;
    const header = await this.headerModel(target.file);
    if (!header) return undefined;
    const word = model.getWordAtPosition(position)?.word;
    const line = header.getLineContent(target.line);
    const column = word && !/#\s*include/.test(model.getLineContent(position.lineNumber)) ? Math.max(1, line.search(new RegExp(`\\b${word}\\b`)) + 1) : 1;
    const end = word && column > 1 ? column + word.length : column;
    return [{ uri: header.uri, range: new this.monaco.Range(target.line, column, target.line, end) }];
  }
}
