import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElectronApplication, Page } from 'playwright-core';
import { cspProblems } from '../../../electron/main/policy';
import { REPO_ROOT } from '../../support/cli';

// Starts the real Electron app and checks that the wizard loads, reaches the engine over IPC, and
// that the window keeps Electron's security checklist (issue 11) — the same checklist
// test/unit/electron/policy.test.ts pins down as data. The Electron binary cannot be downloaded on
// our build machines (no internet; installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1): there the
// test is skipped, and says so.

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** The little of the page's window these checks touch (the Node-side tsconfig has no DOM types). */
interface PageElement {
  textContent: string;
  src: string;
  getAttribute(name: string): string | null;
}
interface PageWindow {
  hyper2kvm?: { kind: string; send: (message: unknown) => void; onMessage: (listener: (message: unknown) => void) => () => void };
  require?: unknown;
  process?: unknown;
  __inlineRan?: boolean;
  document: { querySelector(selector: string): PageElement | null; createElement(tag: string): PageElement; head: { appendChild(node: PageElement): void }; body: { appendChild(node: PageElement): void } };
  open(url: string): unknown;
  location: { href: string };
  Notification: { requestPermission(): Promise<string> };
  navigator: { mediaDevices?: { getUserMedia(constraints: { video: boolean }): Promise<unknown> } };
  Image: new () => PageElement;
}

const binary = electronBinary();
const reason = 'SKIPPED: no Electron binary on this machine (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); the same UI is tested in Chromium through the bridge (test/e2e), and the window policy by test/unit/electron/policy.test.ts.';
if (!binary) console.warn(`[electron smoke] ${reason}`);

describe.skipIf(!binary)('Electron app smoke test', () => {
  let app: ElectronApplication;
  let page: Page;
  /** A server on loopback standing in for "remote content": the window must never reach it. */
  let remote: { url: string; hits: string[]; close: () => Promise<void> };

  beforeAll(async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('remote');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    remote = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
    const { _electron } = await import('playwright-core');
    // Chromium will not start as root with its sandbox; the sandbox check is then skipped (below).
    app = await _electron.launch({ executablePath: binary!, args: [join(REPO_ROOT, 'dist', 'electron', 'main.cjs'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], env: { ...process.env, HYPER2KVM_HOME: join(REPO_ROOT, '.cache', 'electron-smoke') } });
    page = await app.firstWindow();
    await page.waitForSelector('text=hyper2kvm', { timeout: 30_000 });
  });

  afterAll(async () => {
    await app?.close();
    await remote?.close();
  });

  it('opens the wizard window and the page talks to the engine over IPC, with no Node in the page', async () => {
    const info = await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      const api = w.hyper2kvm;
      return {
        kind: api?.kind,
        hasRequire: typeof w.require,
        hasProcess: typeof w.process,
        api: Object.keys(api ?? {}).sort(),
        // Through contextBridge (context isolation) the page only ever sees wrapped functions.
        sendSource: String(api?.send),
      };
    });
    expect(info).toMatchObject({ kind: 'electron', hasRequire: 'undefined', hasProcess: 'undefined', api: ['kind', 'onMessage', 'pathForFile', 'send'] });
    expect(info.sendSource).toMatch(/\[native code\]/);
  });

  it.skipIf(process.getuid?.() === 0)('runs the renderer sandboxed (Electron adds --no-sandbox to a renderer that is not)', async () => {
    const pid = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.getOSProcessId());
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).not.toContain('--no-sandbox');
  });

  it('enforces a strict Content-Security-Policy: no inline script, no eval', async () => {
    const outcome = await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      const csp = w.document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
      const script = w.document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      w.document.head.appendChild(script);
      let evalResult = 'ran';
      try {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point is that it is refused
        (new Function('return 1') as () => number)();
      } catch (error) {
        evalResult = (error as Error).name;
      }
      return { csp, inlineRan: w.__inlineRan === true, evalResult };
    });
    expect(cspProblems(outcome.csp)).toEqual([]);
    expect(outcome.inlineRan).toBe(false);
    expect(outcome.evalResult).toBe('EvalError');
  });

  it('refuses new windows and navigation, and stays on its page', async () => {
    const before = page.url();
    const refused = await page.evaluate((url) => (globalThis as unknown as PageWindow).open(url) === null, remote.url);
    expect(refused).toBe(true);
    await page.evaluate((url) => {
      (globalThis as unknown as PageWindow).location.href = url;
    }, `${remote.url}/navigate`);
    await page.waitForTimeout(1000);
    expect(page.url()).toBe(before);
    expect(app.windows()).toHaveLength(1);
  });

  it('denies permission requests', async () => {
    const notification = await page.evaluate(() => (globalThis as unknown as PageWindow).Notification.requestPermission());
    expect(notification).toBe('denied');
    const camera = await page.evaluate(() => (globalThis as unknown as PageWindow).navigator.mediaDevices?.getUserMedia({ video: true }).then(() => 'granted', (error: Error) => error.name) ?? 'unavailable');
    expect(camera).not.toBe('granted');
  });

  it('never loads remote content: fetch, images and frames never leave the window', async () => {
    await page.evaluate(async (url) => {
      const w = globalThis as unknown as PageWindow;
      await fetch(`${url}/fetch`).catch(() => undefined);
      const image = new w.Image();
      image.src = `${url}/image.png`;
      const frame = w.document.createElement('iframe');
      frame.src = `${url}/frame`;
      w.document.body.appendChild(frame);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }, remote.url);
    expect(remote.hits).toEqual([]);
  });

  it('ignores IPC from anything but its own top frame (the engine answers the page itself)', async () => {
    const answered = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const api = (globalThis as unknown as PageWindow).hyper2kvm!;
          const stop = api.onMessage((message) => {
            if ((message as { id?: number }).id === 424242) {
              stop();
              resolve(true);
            }
          });
          api.send({ v: 1, kind: 'call', id: 424242, method: 'app.info', params: {} });
          setTimeout(() => resolve(false), 5000);
        }),
    );
    expect(answered).toBe(true);
  });
});
