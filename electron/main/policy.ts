/**
 * The Electron window's security policy as plain data and pure checks, kept free of electron
 * imports so that unit tests can pin it down (the Electron binary does not exist everywhere).
 */

export interface WindowSecurity {
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
  navigateOnDragDrop: false;
}

export function webPreferences(preloadPath: string): WindowSecurity & { preload: string } {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    // A file dropped outside the drop zone must not replace the app with file:// content.
    navigateOnDragDrop: false,
  };
}

/**
 * Only our own page, in the top frame, may talk to the engine. `appUrl` is the file:// URL of
 * the bundled index.html; anything else (an injected iframe, a navigated page) is ignored.
 */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean, appUrl: string): boolean {
  if (!frameUrl || !isMainFrame) return false;
  try {
    const frame = new URL(frameUrl);
    const app = new URL(appUrl);
    return frame.protocol === 'file:' && app.protocol === 'file:' && frame.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** The app never navigates: every navigation attempt is refused (links open nothing). */
export function allowNavigation(_targetUrl: string): boolean {
  return false;
}

/** Permissions the page may get: none (no camera, notifications, geolocation…). */
export function allowPermission(_permission: string): boolean {
  return false;
}
