// Electron main process: one sandboxed window over the studio renderer, the StudioApi behind the
// preload's bridge, library images through the studio-file: protocol.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { STUDIO_METHOD_NAMES } from '../../shared/api/methods.ts';
import { FILE_PROTOCOL } from '../../shared/api/protocol.ts';
import { openStudio, type Studio } from '../api/studio.ts';
import { fileStoreRoot } from '../library/data-dir.ts';
import { sniffMime } from '../server/store-files.ts';
import { IPC_CALL, IPC_METHODS, IPC_PROGRESS } from './bridge.ts';
import { resolveStudioFileUrl } from './file-protocol.ts';
import { chooseFolderHandler } from './folder-dialog.ts';
import { answerBridgeCall } from './ipc.ts';
import { navigationAllowed, newWindowDecision, permissionAllowed } from './security.ts';
import { studioCsp, studioWindowOptions } from './window-options.ts';

const devServer = process.env.ELECTRON_RENDERER_URL;
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const rendererUrl = devServer ?? pathToFileURL(rendererFile).toString();

protocol.registerSchemesAsPrivileged([
  { scheme: FILE_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let studio: Studio | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(studioWindowOptions(join(import.meta.dirname, '../preload/index.cjs')));
  win.once('ready-to-show', () => win.show());
  if (devServer) void win.loadURL(devServer);
  else void win.loadFile(rendererFile);
  return win;
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!navigationAllowed(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = newWindowDecision(url);
    if (decision.openExternally) void shell.openExternal(url);
    return { action: decision.action };
  });
});

app.whenReady().then(() => {
  // Packaged, the embedded model, the shipped annotator networks and the shipped tuners live in
  // resources/ (electron-builder.yml's extraResources); the engine worker inherits this environment.
  if (app.isPackaged) {
    process.env.SCEDIT_MODEL_DIR ??= join(process.resourcesPath, 'models', 'embedded');
    process.env.SCEDIT_ANNOTATORS_DIR ??= join(process.resourcesPath, 'annotators');
    process.env.SCEDIT_TUNERS_DIR ??= join(process.resourcesPath, 'tuners');
  }
  studio = openStudio({
    mode: 'electron',
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    handlers: {
      chooseFolder: chooseFolderHandler((options) => {
        const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
        return win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options);
      }),
    },
  });
  const storeRoot = fileStoreRoot(studio.context.dataDir);
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
  const csp = studioCsp(devServer);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  protocol.handle(FILE_PROTOCOL, (request) => {
    const found = resolveStudioFileUrl(storeRoot, request.url);
    if (!found.ok) return new Response(found.reason, { status: found.status });
    return readFile(found.path).then(
      (bytes) =>
        new Response(bytes, {
          headers: { 'content-type': sniffMime(bytes), 'x-content-type-options': 'nosniff' },
        }),
    );
  });
  ipcMain.on(IPC_METHODS, (event) => {
    event.returnValue = STUDIO_METHOD_NAMES;
  });
  ipcMain.handle(IPC_CALL, (event, callId: number, method: unknown, input: unknown) => {
    const sender = event.sender;
    return answerBridgeCall(
      studio!,
      { url: event.senderFrame?.url, rendererUrl },
      method,
      input,
      (progress) => {
        if (!sender.isDestroyed()) sender.send(IPC_PROGRESS, callId, progress);
      },
    );
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void studio?.close();
});
