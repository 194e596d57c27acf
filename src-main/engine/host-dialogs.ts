/**
 * The system dialogs a host can show for the engine (the desktop app has them; the web host and
 * the command line do not). The engine asks; the host answers with a path, or undefined when the
 * user cancelled. A path chosen here is one the user picked, so the engine may open or write it.
 */
export interface HostDialogs {
  /** A folder to open a project from, or to save one into (`create`: offer to make a new folder). */
  chooseFolder(options: { title: string; defaultPath?: string; create?: boolean }): Promise<string | undefined>;
  /** A file to save to. */
  chooseSaveFile(options: { title: string; defaultPath: string; filters: Array<{ name: string; extensions: string[] }> }): Promise<string | undefined>;
}
