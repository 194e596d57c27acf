import type * as MonacoApi from 'monaco-editor/editor/editor.api';

type Monaco = typeof MonacoApi;
type CodeEditor = MonacoApi.editor.ICodeEditor;

/**
 * A read-only view of a lab header over an editor: go to definition into `ndis/miniport.h` opens it
 * here (a second Monaco editor on the header's model) instead of replacing the driver file in the
 * editor, which stays exactly as it was underneath. Escape or the close button returns to it.
 */
export class HeaderViewer {
  private panel: HTMLDivElement | undefined;
  private title: HTMLSpanElement | undefined;
  private viewer: MonacoApi.editor.IStandaloneCodeEditor | undefined;

  constructor(
    private readonly monaco: Monaco,
    readonly host: CodeEditor,
  ) {}

  /** The editor showing headers, while the view is open. */
  get editor(): MonacoApi.editor.IStandaloneCodeEditor | undefined {
    return this.viewer;
  }

  open(model: MonacoApi.editor.ITextModel, target?: MonacoApi.IRange | MonacoApi.IPosition): void {
    const viewer = this.viewer ?? this.create();
    if (viewer.getModel() !== model) viewer.setModel(model);
    this.title!.textContent = `${model.uri.path.replace(/^\//, '')} — lab header, read-only`;
    if (target) {
      const range = 'startLineNumber' in target ? target : { startLineNumber: target.lineNumber, startColumn: target.column, endLineNumber: target.lineNumber, endColumn: target.column };
      viewer.setSelection(range);
      viewer.revealRangeNearTop(range);
    }
    viewer.focus();
  }

  close(): void {
    this.viewer?.dispose();
    this.viewer = undefined;
    this.panel?.remove();
    this.panel = undefined;
    this.host.focus();
  }

  dispose(): void {
    this.viewer?.dispose();
    this.viewer = undefined;
    this.panel?.remove();
    this.panel = undefined;
  }

  private create(): MonacoApi.editor.IStandaloneCodeEditor {
    const container = this.host.getContainerDomNode();
    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    const panel = document.createElement('div');
    panel.className = 'lab-header-viewer';
    panel.dataset['testid'] = 'header-viewer';
    Object.assign(panel.style, {
      position: 'absolute',
      inset: '0',
      // Above the file's own overflow widgets (Monaco's hover is at 50), which may still be showing.
      zIndex: '60',
      display: 'flex',
      flexDirection: 'column',
      background: 'var(--bg, #1e1e1e)',
      boxShadow: '0 0 0 1px var(--border, #3c3c3c)',
    });
    const bar = document.createElement('div');
    Object.assign(bar.style, {
      display: 'flex',
      alignItems: 'center',
      gap: '8px',
      height: '24px',
      padding: '0 8px',
      flex: 'none',
      fontSize: '12px',
      background: 'var(--panel, #252526)',
      borderBottom: '1px solid var(--border, #3c3c3c)',
    });
    const title = document.createElement('span');
    title.dataset['testid'] = 'header-viewer-title';
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close (Esc)';
    close.title = 'Back to your file';
    Object.assign(close.style, { marginLeft: 'auto', background: 'transparent', color: 'inherit', border: '1px solid var(--border, #3c3c3c)', borderRadius: '3px', cursor: 'pointer', font: 'inherit' });
    close.addEventListener('click', () => this.close());
    bar.append(title, close);
    const body = document.createElement('div');
    Object.assign(body.style, { flex: '1', minHeight: '0' });
    panel.append(bar, body);
    container.append(panel);
    const viewer = this.monaco.editor.create(body, {
      model: null,
      readOnly: true,
      readOnlyMessage: { value: 'Lab headers are read-only: they are what clang compiles your driver against.' },
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      scrollBeyondLastLine: false,
      theme: 'vs-dark',
    });
    viewer.addCommand(this.monaco.KeyCode.Escape, () => this.close(), '!findWidgetVisible && !referenceSearchVisible && !suggestWidgetVisible');
    this.panel = panel;
    this.title = title;
    this.viewer = viewer;
    return viewer;
  }
}
