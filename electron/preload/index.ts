import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IPC_CHANNEL, PRELOAD_GLOBAL } from '../../shared/rpc/preload-api';
import type { PreloadApi } from '../../shared/rpc/preload-api';

// The whole bridge between the page and the app: one message pipe and the path of a dropped
// file. The raw ipcRenderer never reaches the page.
const api: PreloadApi = {
  kind: 'electron',
  send: (message) => ipcRenderer.send(IPC_CHANNEL, message),
  onMessage: (listener) => {
    const handler = (_event: IpcRendererEvent, message: unknown): void => listener(message);
    ipcRenderer.on(IPC_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNEL, handler);
    };
  },
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, api);
