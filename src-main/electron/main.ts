import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, MessageChannelMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { LabEngine, LabServer } from '../engine';
import { setWorkerDirectory } from '../engine/worker-entry';
import { APP_ORIGIN, registerAppScheme, serveAppScheme } from './app-protocol';
import { electronDialogs } from './dialogs';
import { attachIpcBridge } from './ipc-bridge';
import { hardenSessions } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '../renderer');
const preloadPath = path.join(here, '../preload/index.cjs');
/** Set by `electron-vite dev`: the renderer comes from Vite's dev server instead of app://. */
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];

const isAppUrl = (url: string): boolean => {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  return devServerUrl !== undefined && url.startsWith(devServerUrl);
};

registerAppScheme();
setWorkerDirectory(here);
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | undefined;

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'NDIS Lab',
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return mainWindow !== undefined && event.sender === mainWindow.webContents && frame !== null && isAppUrl(frame.url);
}

void app.whenReady().then(() => {
  hardenSessions(isAppUrl);
  serveAppScheme(rendererDir);
  const engine = new LabEngine({
    host: 'electron',
    toolchain: 'background',
    // Projects: the workspace (~/ndis-lab-projects) and any folder chosen in the system's dialogs.
    dialogs: electronDialogs(() => mainWindow),
    projects: { stateDir: path.join(app.getPath('userData'), 'projects') },
  });
  const detach = attachIpcBridge({
    ipcMain,
    server: new LabServer(engine),
    createChannel: () => new MessageChannelMain(),
    isTrustedSender,
  });
  mainWindow = createWindow();
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('will-quit', () => {
    detach();
    engine.dispose();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
