import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { startVcsim } from '../support/vcsim/harness';
import type { Vcsim } from '../support/vcsim/harness';
import { overflowingHeaders, pathsBrokenInNames, splitValues } from '../support/layout';

/**
 * What a new administrator tripped over on the vCenter pages (issue 17), checked in Chromium
 * through the bridge against the simulator: a wrong address said on the Server field, a port
 * that does not speak HTTPS named as such, the simulator's default VMs (1 MiB disks whose files
 * are 0 B) blocked by pre-flight instead of failing half-way, their disk files listed once with
 * what the migration does with them, and an inventory that fits a 1440 px window. Every test
 * gets where it needs to be by itself, so each one runs alone too (vitest -t).
 */

const VM = 'DC0_H0_VM0';

let work: string;
let bridge: BridgeProcess;
let vcsim: Vcsim;
let browser: Browser;
let page: Page;
let plainHttp: Server;
const pageProblems: string[] = [];

const text = (testId: string): Promise<string> => page.getByTestId(testId).first().innerText();

async function vcenterPage(): Promise<void> {
  await loadApp(page, bridge.openUrl);
  await page.getByTestId('nav-vcenter').click();
}

/** Where a fresh page lands: the login form, or (already connected) one of the later steps. */
async function landing(): Promise<'login' | 'connected'> {
  const server = page.getByTestId('vc-server');
  const inventoryStep = page.locator('[data-testid="vc-step-inventory"] button, [data-testid="vc-step-inventory"][data-current="true"]');
  for (let i = 0; i < 200; i++) {
    if (await server.isVisible()) return 'login';
    if ((await inventoryStep.count()) > 0 || (await page.getByTestId('vc-connected').count()) > 0) return 'connected';
    await page.waitForTimeout(100);
  }
  throw new Error('the vCenter page showed neither the login form nor its steps');
}

/** Logged in and on the inventory, whatever the page showed before. */
async function loggedIn(): Promise<void> {
  await vcenterPage();
  const inventory = page.getByTestId('vm-row').first();
  if ((await landing()) === 'login') {
    await page.getByTestId('vc-server').fill(`127.0.0.1:${vcsim.port}`);
    await page.getByTestId('vc-user').fill(vcsim.user);
    await page.getByTestId('vc-password').fill(vcsim.password);
    await page.getByTestId('vc-login').click();
    const trust = page.getByTestId('trust-certificate');
    await Promise.race([trust.waitFor({ timeout: 30_000 }), inventory.waitFor({ timeout: 30_000 })]);
    if (await trust.isVisible()) await trust.click();
  } else if ((await page.locator('[data-testid="vc-step-inventory"] button').count()) > 0) {
    await page.getByTestId('vc-step-inventory').getByRole('button').click();
  }
  await inventory.waitFor({ timeout: 60_000 });
}

async function loggedOut(): Promise<void> {
  await vcenterPage();
  if ((await landing()) === 'connected') {
    if ((await page.getByTestId('vc-connected').count()) === 0) await page.getByTestId('vc-step-connect').getByRole('button').click();
    await page.getByTestId('vc-logout').click();
  }
  await page.getByTestId('vc-server').waitFor();
}

async function openVm(name: string): Promise<void> {
  await loggedIn();
  await page.getByTestId('inventory-search').locator('input').fill(name);
  await page.locator(`[data-testid="vm-row"][data-name="${name}"]`).getByTestId('vm-open').click();
  await page.getByTestId('vm-details').waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  vcsim = await startVcsim({ clusters: 1, hostsPerCluster: 1, standaloneHosts: 1, vmsPerPool: 20 });
  work = mkdtempSync(join(tmpdir(), 'hyper2kvm-e2e-ux-vc-'));
  mkdirSync(join(work, 'out'));
  bridge = await startBridgeProcess({ home: join(work, 'home'), outDir: join(work, 'out') });
  // A plain-HTTP server: what a user reaches when they give the wrong port.
  plainHttp = createServer((_req, res) => res.end('plain http\n'));
  await new Promise<void>((resolve) => plainHttp.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium({ width: 1440, height: 900 });
  page = await watchedPage(browser, pageProblems);
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  await vcsim?.stop();
  await new Promise((resolve) => plainHttp?.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the vCenter pages, as a new administrator meets them (issue 17)', () => {
  it('says on the Server field that http:// is wrong, and names a plain-HTTP port as not HTTPS', async () => {
    await loggedOut();
    await page.getByTestId('vc-server').fill(`http://127.0.0.1:${vcsim.port}`);
    await page.getByTestId('vc-user').fill(vcsim.user);
    await page.getByTestId('vc-password').fill(vcsim.password);
    // The problem is on the field itself, marked invalid, and Log in waits for it.
    expect(await text('vc-server-problem')).toContain('vSphere speaks only HTTPS: write https:// or leave the scheme out.');
    expect(await page.getByTestId('vc-server').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('vc-login').isDisabled()).toBe(true);
    expect(await page.getByTestId('vc-login-problems').count()).toBe(0); // said once, where it belongs
    saveArtifact('ux-vcenter-http-scheme.png', await page.screenshot({ fullPage: true }));

    // The right scheme, the wrong port: a port that answers in plain HTTP.
    const port = (plainHttp.address() as AddressInfo).port;
    await page.getByTestId('vc-server').fill(`127.0.0.1:${port}`);
    expect(await page.getByTestId('vc-server-problem').count()).toBe(0);
    await page.getByTestId('vc-login').click();
    const alert = page.getByTestId('error-alert').first();
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.getAttribute('data-error-code')).toBe('VSPHERE_NOT_HTTPS');
    const headline = await alert.locator('.pf-v6-c-alert__title').innerText();
    expect(headline).toContain('This port does not speak HTTPS');
    const shown = await alert.innerText();
    expect(shown).toContain(`127.0.0.1:${port} does not answer in HTTPS`);
    expect(shown).not.toMatch(/wrong version number|ssl3_get_record|SSL routines/);
    expect(await page.getByTestId('vc-server').getAttribute('aria-invalid')).toBe('true');
    saveArtifact('ux-vcenter-not-https.png', await page.screenshot({ fullPage: true }));
  });

  it('blocks a VM whose disk files are empty before anything moves, and says why', async () => {
    await openVm(VM);
    // vcsim's default VMs: a 1 MiB disk whose files are 0 B (the migration used to fail in
    // "Read the disk chains" with "arrived incomplete").
    expect(await page.locator('[data-testid="vm-disk-capacity"]').first().innerText()).toBe('1.0 MiB');
    const preflight = page.locator('[data-testid="preflight"][data-status="ready"]');
    await preflight.waitFor({ timeout: 30_000 });
    expect(await preflight.getAttribute('data-can-migrate')).toBe('false');
    const empty = page.locator('[data-testid="preflight-item"][data-id="disk-files-empty"]');
    expect(await empty.getAttribute('data-severity')).toBe('blocker');
    const message = await empty.getByTestId('preflight-message').innerText();
    expect(message).toContain('capacity of 1.0 MiB');
    expect(message).toContain('0 bytes');
    expect(await empty.getByTestId('preflight-hint').innerText()).toContain('datastore browser');
    expect(await page.getByTestId('migrate-start').isDisabled()).toBe(true);
    expect(await text('migrate-disabled-reasons')).toContain('Disk files are empty');
    saveArtifact('ux-vcenter-empty-disk.png', await page.screenshot({ fullPage: true }));
  });

  it('lists each disk file once, with what the migration does with it', async () => {
    await openVm(VM);
    await page.getByRole('tab', { name: /^Files/ }).click();
    const files = page.getByTestId('vm-files').getByTestId('vm-file');
    await files.first().waitFor();
    const names = await Promise.all((await files.all()).map((f) => f.getAttribute('data-name')));
    // The simulator also lists "[LocalDS_0] disk1.vmdk" (no such file): not as a second disk1.vmdk.
    expect(names.filter((n) => n?.endsWith('disk1.vmdk'))).toEqual([`[LocalDS_0] ${VM}/disk1.vmdk`]);
    const used = page.locator(`[data-testid="vm-file"][data-name="[LocalDS_0] ${VM}/disk1.vmdk"]`);
    expect(await used.getAttribute('data-use')).toBe('downloaded');
    expect(await used.innerText()).toContain('downloaded');
    // The stale entries are one click away, and said to be used by no disk.
    const unused = page.getByTestId('vm-files-unused');
    expect(await unused.innerText()).toContain('no disk of this VM uses');
    await unused.getByRole('button').click();
    expect(await page.locator('[data-testid="vm-file"][data-name="[LocalDS_0] disk1.vmdk"]').getAttribute('data-use')).toBe('unused-disk-file');
    expect(await pathsBrokenInNames(page)).toEqual([]);
  });

  it('fits the inventory into a 1440 px window: every column in view, no header cut short, no value broken', async () => {
    await loggedIn();
    const scroll = page.getByTestId('vm-table-scroll');
    const box = await scroll.evaluate((el: unknown) => {
      const e = el as { scrollWidth: number; clientWidth: number };
      return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
    });
    const columns = await page.evaluate<string>(`[...document.querySelectorAll('[data-testid="vm-table"] th')].map((t) => t.innerText + '=' + Math.round(t.getBoundingClientRect().width)).join(' ')`);
    console.log(`inventory at 1440 px: table ${box.scrollWidth} of ${box.clientWidth} px; ${columns}`);
    saveArtifact('ux-vcenter-inventory-1440.png', await page.screenshot());
    console.log(await page.evaluate<string>(`[...document.querySelectorAll('[data-testid="vm-table"] th')].map((t) => [t, ...t.querySelectorAll('*')].filter((p) => p.clientWidth > 0 && p.scrollWidth > p.clientWidth + 1).map((p) => t.innerText + ':' + p.className + ':' + p.scrollWidth + '>' + p.clientWidth).join(' | ')).filter(Boolean).join('\\n')`));
    expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth + 1);
    // Host, Folder and IP address are inside the visible part of the table.
    const scrollBox = (await scroll.boundingBox())!;
    for (const label of ['Host', 'Folder', 'IP address']) {
      const header = page.getByTestId('vm-table').locator('th', { hasText: label });
      const hb = (await header.boundingBox())!;
      expect(hb.x + hb.width, label).toBeLessThanOrEqual(scrollBox.x + scrollBox.width + 1);
    }
    expect(await overflowingHeaders(page, '[data-testid="vm-table"] th')).toEqual([]);
    saveArtifact('ux-vcenter-inventory-1440.png', await page.screenshot());

    // A VM's details: the Disks header reads "Provisioning" in full, the MACs and file paths stay whole.
    await openVm(VM);
    expect(await overflowingHeaders(page, '[data-testid="vm-disks"] th')).toEqual([]);
    expect(await splitValues(page, '[data-testid="vm-nic"] code')).toEqual([]);
    saveArtifact('ux-vcenter-vm-1440.png', await page.screenshot({ fullPage: true }));
  });

  it('ran without page errors or console errors', () => {
    expect(pageProblems).toEqual([]);
  });
});
