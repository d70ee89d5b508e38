import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../electron/bridge/server';
import { allowNavigation, allowPermission, allowRequest, CONTENT_SECURITY_POLICY, cspProblems, isTrustedSender, webPreferences } from '../../../electron/main/policy';

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
  it('refuses navigation of every frame and redirects, sandboxes every renderer (issue 11)', () => {
    expect(main).toMatch(/contents\.on\('will-frame-navigate', \(event\) => \{\s*if \(!allowNavigation\(event\.url\)\) event\.preventDefault\(\);/);
    expect(main).toMatch(/contents\.on\('will-redirect', \(event\) => \{\s*if \(!allowNavigation\(event\.url\)\) event\.preventDefault\(\);/);
    expect(main).toMatch(/^app\.enableSandbox\(\);$/m);
  });
  it('denies permission requests and checks, device access, and every request that is not the app\'s own (issue 11)', () => {
    expect(main).toMatch(/setPermissionRequestHandler\(\(_contents, permission, callback\) => callback\(allowPermission\(permission\)\)\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(\(_contents, permission\) => allowPermission\(permission\)\)/);
    expect(main).toMatch(/setDevicePermissionHandler\(\(\) => false\)/);
    expect(main).toMatch(/webRequest\.onBeforeRequest\(\(details, callback\) => callback\(\{ cancel: !allowRequest\(details\.url, appUrl\) \}\)\)/);
  });
  it('prints reports in a session of their own that loads only the report file (issue 11)', () => {
    const pdf = readFileSync(new URL('../../../electron/main/pdf.ts', import.meta.url), 'utf8');
    expect(pdf).toMatch(/session\.fromPartition\(`hyper2kvm-pdf-/);
    expect(pdf).toMatch(/printing\.webRequest\.onBeforeRequest\(\(details, callback\) => callback\(\{ cancel: !allowRequest\(details\.url, pageUrl\) \}\)\)/);
    expect(pdf).toMatch(/session: printing,/);
    expect(pdf).toMatch(/javascript: false/);
  });
  it('exposes one API object and never the raw ipcRenderer', () => {
    expect(preload).toMatch(/contextBridge\.exposeInMainWorld\(PRELOAD_GLOBAL, api\)/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});

describe('Content-Security-Policy (issue 11: no inline script, no eval, nothing remote)', () => {
  const metaOf = (html: string): string | undefined => /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];

  it('the policy itself is strict', () => {
    expect(cspProblems(CONTENT_SECURITY_POLICY)).toEqual([]);
  });

  it('renderer/index.html carries exactly that policy', () => {
    const html = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
    expect(metaOf(html)).toBe(CONTENT_SECURITY_POLICY);
  });

  it.runIf(existsSync(new URL('../../../dist/renderer/index.html', import.meta.url)))('the built page keeps it, and has no inline script or inline event handler', () => {
    const html = readFileSync(new URL('../../../dist/renderer/index.html', import.meta.url), 'utf8');
    expect(metaOf(html)).toBe(CONTENT_SECURITY_POLICY);
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="\.\/assets\//);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it("the bridge's header is as strict, with only its own socket added", () => {
    const header = contentSecurityPolicy('http://127.0.0.1:41527');
    expect(cspProblems(header)).toEqual([]);
    expect(header).toContain('connect-src \'self\' ws://127.0.0.1:41527');
    expect(header).toContain("frame-ancestors 'none'");
  });

  it.each([
    ["script-src 'self' 'unsafe-inline'", /script-src allows 'unsafe-inline'/],
    ["script-src 'self' 'unsafe-eval'", /script-src allows 'unsafe-eval'/],
    ["script-src 'self' https://cdn.example", /script-src allows https:\/\/cdn\.example/],
    ["script-src 'self' 'wasm-unsafe-eval'", /'wasm-unsafe-eval'/],
    ["connect-src 'self' https://telemetry.example", /connect-src allows https:\/\/telemetry\.example/],
    ["connect-src 'self' ws://10.0.0.5:8080", /connect-src allows ws:\/\/10\.0\.0\.5:8080/],
    ["default-src *", /default-src/],
    ["object-src 'self'", /object-src must be 'none'/],
    ["base-uri 'self'", /base-uri must be 'none'/],
  ])('finds the weakness in %s', (weakened, problem) => {
    const name = weakened.split(' ')[0]!;
    const policy = CONTENT_SECURITY_POLICY.split('; ')
      .filter((d) => !d.startsWith(`${name} `))
      .concat(weakened)
      .join('; ');
    expect(cspProblems(policy).join('\n')).toMatch(problem);
  });

  it('a policy without script-src or default-src allows scripts from anywhere', () => {
    expect(cspProblems("object-src 'none'; base-uri 'none'")).toContain('no script-src or default-src: scripts from anywhere');
  });
});

describe('requests the window may make (issue 11: remote content never loaded)', () => {
  it.each([
    [appUrl, true],
    ['file:///opt/hyper2kvm/resources/app.asar/dist/renderer/assets/index-S1ZGLkeS.js', true],
    ['data:image/png;base64,iVBORw0KGgo=', true],
    ['blob:file:///5b2d7c1e-8a34', true],
    ['devtools://devtools/bundled/inspector.html', true],
    ['https://example.com/tracker.png', false],
    ['http://127.0.0.1:41527/rpc', false],
    ['ws://127.0.0.1:41527/rpc', false],
    ['file:///etc/passwd', false],
    ['file:///opt/hyper2kvm/resources/app.asar/dist/renderer/../../../secret', false],
    ['file:///opt/hyper2kvm/resources/app.asar/dist/renderer-evil/x.js', false],
    ['ftp://example.com/x', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(allowRequest(url, appUrl)).toBe(allowed);
  });

  it('the report printer loads its own page and the images inside it, not the folder around it', () => {
    const report = 'file:///tmp/hyper2kvm-pdf-Ab12/report.html';
    expect(allowRequest(report, report)).toBe(true);
    expect(allowRequest('data:image/png;base64,iVBORw0KGgo=', report)).toBe(true);
    expect(allowRequest('file:///tmp/other/secret.html', report)).toBe(false);
    expect(allowRequest('https://example.com/x.png', report)).toBe(false);
  });
});
