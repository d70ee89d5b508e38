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

/**
 * The page's Content-Security-Policy, as renderer/index.html carries it in a <meta> tag (the app
 * loads from file://, where no response header exists): only the app's own scripts (no inline
 * script, no eval), no plugins, no <base>, no form posts, and network only to the app itself and
 * the loopback bridge's socket. A unit test keeps the tag equal to this.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Sources a strict policy may allow for scripts: the app's own files, nothing else. */
const SCRIPT_SOURCES = new Set(["'self'", "'none'"]);
/** Network destinations a policy may allow: the app, and sockets on loopback (the bridge). */
const CONNECT_SOURCE = /^('self'|'none'|wss?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:(\d+|\*))?)$/;

/**
 * What makes a Content-Security-Policy weaker than the checklist asks, one line per problem (none
 * for a strict one): inline script or eval allowed, a script or connection to anywhere but the
 * app and loopback, plugins, <base>. Used on the app's <meta> tag, the bridge's header and, where
 * Electron exists, the policy the real window enforces.
 */
export function cspProblems(policy: string): string[] {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  const problems: string[] = [];
  const effective = (name: string): string[] | undefined => directives.get(name) ?? directives.get('default-src');
  const scripts = effective('script-src');
  if (!scripts) problems.push('no script-src or default-src: scripts from anywhere');
  for (const source of scripts ?? []) if (!SCRIPT_SOURCES.has(source)) problems.push(`script-src allows ${source}`);
  const defaults = directives.get('default-src');
  if (!defaults || defaults.some((s) => s !== "'self'" && s !== "'none'")) problems.push(`default-src must be 'self' or 'none', not ${defaults?.join(' ') ?? 'missing'}`);
  for (const source of effective('connect-src') ?? []) if (!CONNECT_SOURCE.test(source)) problems.push(`connect-src allows ${source}`);
  if (directives.get('object-src')?.join(' ') !== "'none'") problems.push("object-src must be 'none'");
  if (directives.get('base-uri')?.join(' ') !== "'none'") problems.push("base-uri must be 'none'");
  for (const [name, sources] of directives) {
    if (sources.some((s) => /^'unsafe-eval'|^'wasm-unsafe-eval'|^\*$|^https?:$/.test(s))) problems.push(`${name} allows ${sources.join(' ')}`);
  }
  return problems;
}

/**
 * Which requests the window may make: the app's own files (under the folder of its index.html),
 * data: and blob: URLs it builds itself, and the devtools. Anything else — http(s), other files
 * on disk, ws to anywhere — is cancelled before it leaves, whatever the page tries.
 */
export function allowRequest(url: string, appUrl: string): boolean {
  let target: URL;
  let app: URL;
  try {
    target = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  switch (target.protocol) {
    case 'data:':
    case 'blob:':
    case 'devtools:':
      return true;
    case 'file:': {
      const root = app.pathname.slice(0, app.pathname.lastIndexOf('/') + 1);
      const path = decodeURIComponentSafe(target.pathname);
      return app.protocol === 'file:' && path !== null && !path.split('/').includes('..') && target.pathname.startsWith(root);
    }
    default:
      return false;
  }
}

function decodeURIComponentSafe(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
