import { app, BrowserWindow, ipcMain, session } from 'electron';
import type { WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_CHANNEL } from '../../shared/rpc/preload-api';
import type { Channel } from '../../shared/rpc/protocol';
import { serveChannel } from '../../shared/rpc/server';
import { toEngineError } from '../engine/core/errors';
import { helperSession } from '../engine/privilege/helper-client';
import { helperCommand, isRootProcess } from '../engine/privilege/locate';
import { appHome } from '../engine/paths';
import { createEngine } from '../engine/service';
import { encryptedFileSecretStore } from '../engine/vcenter/secret-store';
import { electronPdfPrinter } from './pdf';
import { allowNavigation, allowPermission, allowRequest, isTrustedSender, webPreferences } from './policy';
import { safeStorageCipher } from './secret-store';

// The Electron main process is a thin host: a locked-down window, and the engine behind the
// contract on an IPC channel. All the work lives in the engine, which knows nothing of Electron.

const appUrl = pathToFileURL(join(__dirname, '..', 'renderer', 'index.html')).href;
// Writing where the user may not (the libvirt image folder) goes through the pkexec helper,
// started on first need: one password prompt per app session.
const helper = isRootProcess() ? null : helperSession({ command: helperCommand(join(__dirname, '..', '..'), '/usr/bin/node'), elevate: true });
// vCenter passwords are remembered only when the user asks, sealed by the desktop keyring.
const secrets = encryptedFileSecretStore(join(appHome(), 'vcenter-passwords.json'), safeStorageCipher);
const engine = createEngine({ transport: 'electron-ipc', version: app.getVersion(), pdfPrinter: electronPdfPrinter(), secrets, ...(helper ? { elevate: () => helper.elevate() } : {}) });
const channels = new Map<number, { deliver(message: unknown): void; close(): void }>();

function channelFor(contents: WebContents): { deliver(message: unknown): void } {
  const existing = channels.get(contents.id);
  if (existing) return existing;
  const handlers = new Set<(message: unknown) => void>();
  const closers = new Set<() => void>();
  const channel: Channel = {
    send: (message) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onClose: (handler) => {
      closers.add(handler);
      return () => closers.delete(handler);
    },
  };
  serveChannel(channel, engine.handlers, engine, toEngineError);
  const entry = {
    deliver: (message: unknown) => handlers.forEach((h) => h(message)),
    close: () => closers.forEach((c) => c()),
  };
  channels.set(contents.id, entry);
  // The page that made the calls is gone: its calls in flight are aborted (serveChannel does it
  // on close), and a reloaded page gets a fresh channel, so that no stale reply can answer one
  // of its own calls (the new page's client counts ids from 1 again).
  const end = (): void => {
    if (channels.get(contents.id) !== entry) return;
    channels.delete(contents.id);
    contents.off('did-start-navigation', onNavigation);
    contents.off('render-process-gone', end);
    contents.off('destroyed', end);
    entry.close();
  };
  const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
    if (details.isMainFrame && !details.isSameDocument) end();
  };
  contents.on('did-start-navigation', onNavigation);
  contents.on('render-process-gone', end);
  contents.once('destroyed', end);
  return entry;
}

ipcMain.on(IPC_CHANNEL, (event, message: unknown) => {
  // Every message is checked: it must come from our own page's top frame. The RPC server then
  // validates the call's name and arguments against the contract.
  if (!isTrustedSender(event.senderFrame?.url, event.senderFrame === event.sender.mainFrame, appUrl)) return;
  channelFor(event.sender).deliver(message);
});

// Every renderer is sandboxed, whatever a window's own preferences say.
app.enableSandbox();

// The security checklist, for every web contents that will ever exist (electron/main/policy.ts
// holds the decisions, tested without Electron): no navigation of any frame, no redirect, no new
// window, no webview.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!allowNavigation(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!allowNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!allowNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    title: 'hyper2kvm',
    show: false,
    webPreferences: webPreferences(join(__dirname, 'preload.cjs')),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(appUrl);
}

void app.whenReady().then(() => {
  // No permission is ever granted (camera, notifications, clipboard, devices...), asked or checked.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(allowPermission(permission)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
  session.defaultSession.setDevicePermissionHandler(() => false);
  // Remote content is never loaded: only the app's own files (and data:/blob: it makes) leave the page.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allowRequest(details.url, appUrl) }));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting) return;
  // Running jobs are cancelled and cleaned up (tools killed, partial files removed) before exit.
  event.preventDefault();
  quitting = true;
  void engine
    .shutdown()
    .then(() => helper?.close())
    .finally(() => app.quit());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
