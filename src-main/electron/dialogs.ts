import path from 'node:path';
import { app, dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { HostDialogs } from '../engine/host-dialogs';

/**
 * The system's folder and save dialogs, for the engine (projects anywhere, exports). Each is modal
 * to the lab's window; what the user picks is what the engine may open or write — the renderer
 * never names a path outside the workspace itself.
 */
export function electronDialogs(window: () => BrowserWindow | undefined): HostDialogs {
  return {
    async chooseFolder({ title, defaultPath, create }) {
      const properties: OpenDialogOptions['properties'] = ['openDirectory', ...(create ? (['createDirectory', 'promptToCreate'] as const) : [])];
      const options: OpenDialogOptions = { title, properties, ...(defaultPath ? { defaultPath } : {}) };
      const parent = window();
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? undefined : result.filePaths[0];
    },
    async chooseSaveFile({ title, defaultPath, filters }) {
      const options = { title, defaultPath: path.join(app.getPath('downloads'), defaultPath), filters };
      const parent = window();
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? undefined : result.filePath;
    },
  };
}
