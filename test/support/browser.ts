import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { repoRoot } from '../fixtures/cache-dir';

/** Debian's Chromium: Playwright's own browser download is blocked on our machines. */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temporary folder, removed again on close. */
export async function launchChromium(viewport = { width: 1360, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'hyper2kvm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page that reports every page error and console error (CSP violations included) into
 * `problems`: each e2e file asserts it is empty after every test.
 */
export async function watchedPage(browser: Browser, problems: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  return page;
}

/** Loads the app from the bridge and waits until it is connected to the engine. */
export async function loadApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForEngine(page);
}

/** The app shows its connection to the engine as open (after a load or a reconnect). */
export async function waitForEngine(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor({ timeout: 20_000 });
}

const DROP_INPUT_ID = 'h2k-e2e-drop-source';

/*
 * Code that runs in the page is kept as strings: this file is type-checked as Node code,
 * without the DOM's types.
 */
const CREATE_INPUT = `(() => {
  document.getElementById('${DROP_INPUT_ID}')?.remove();
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.id = '${DROP_INPUT_ID}';
  input.style.display = 'none';
  document.body.appendChild(input);
})()`;

const DISPATCH_DROP = `((selector) => {
  const input = document.getElementById('${DROP_INPUT_ID}');
  const target = document.querySelector(selector);
  if (!target) throw new Error('No drop target ' + selector);
  const transfer = new DataTransfer();
  for (const file of Array.from(input.files)) transfer.items.add(file);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
  }
  input.remove();
  return transfer.files.length;
})`;

/**
 * Drops files on an element the way a user's drag from the file manager arrives: a
 * DataTransfer holding real File objects (read from disk by the browser), then dragenter,
 * dragover and drop events. Returns how many files were dropped.
 */
export async function dropFiles(page: Page, targetSelector: string, paths: readonly string[]): Promise<number> {
  await page.evaluate(CREATE_INPUT);
  await page.locator(`#${DROP_INPUT_ID}`).setInputFiles([...paths]);
  return page.evaluate<number>(`${DISPATCH_DROP}(${JSON.stringify(targetSelector)})`);
}

/** Keeps a screenshot of an e2e test in test-results/e2e/ (for CI artifacts and the README). */
export function saveArtifact(name: string, png: Buffer): void {
  const dir = join(repoRoot(), 'test-results', 'e2e');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), png);
}
