import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allowNavigation, allowPermission, isTrustedSender, webPreferences } from '../../../electron/main/policy';

const appUrl = 'file:///opt/hyper2kvm/resources/app.asar/dist/renderer/index.html';

describe('the Electron window policy', () => {
  it('isolates and sandboxes the page, with no Node in it', () => {
    expect(webPreferences('/x/preload.cjs')).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
  });

  it.each([
    [appUrl, true, true],
    [`${appUrl}#/convert`, true, true],
    [appUrl, false, false], // a sub-frame
    ['file:///tmp/evil.html', true, false],
    ['https://example.com/', true, false],
    ['http://127.0.0.1:5173/', true, false],
    [undefined, true, false],
    ['not a url', true, false],
  ])('trusts IPC from %s (main frame %s): %s', (url, mainFrame, trusted) => {
    expect(isTrustedSender(url, mainFrame, appUrl)).toBe(trusted);
  });

  it('never navigates and grants no permission', () => {
    expect(allowNavigation('https://example.com')).toBe(false);
    expect(allowNavigation(appUrl)).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(allowPermission(p)).toBe(false);
  });
});

describe('the Electron shell source', () => {
  // These lines are the security checklist; a refactor that drops one should fail loudly.
  const main = readFileSync(new URL('../../../electron/main/index.ts', import.meta.url), 'utf8');
  const preload = readFileSync(new URL('../../../electron/preload/index.ts', import.meta.url), 'utf8');
  it('checks the sender of every IPC message and denies new windows and webviews', () => {
    expect(main).toMatch(/isTrustedSender\(event\.senderFrame/);
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(main).toMatch(/will-attach-webview/);
    expect(main).toMatch(/will-navigate/);
  });
  it('exposes one API object and never the raw ipcRenderer', () => {
    expect(preload).toMatch(/contextBridge\.exposeInMainWorld\(PRELOAD_GLOBAL, api\)/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});
