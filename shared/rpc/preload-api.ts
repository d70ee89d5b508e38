/**
 * What the Electron preload exposes to the renderer as `window.hyper2kvm` (contextBridge):
 * a message pipe for the RPC protocol and the one Electron-only capability the wizard needs —
 * the real path of a dropped file. Nothing else of Electron or Node reaches the page.
 */
export interface PreloadApi {
  readonly kind: 'electron';
  send(message: unknown): void;
  /** Returns a function that removes the listener. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** The absolute path of a file dropped on or picked in the window (webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

export const PRELOAD_GLOBAL = 'hyper2kvm';
export const IPC_CHANNEL = 'hyper2kvm:rpc';
