import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectVsphere } from '../../electron/engine/vsphere/connect';
import { sessionFileAccess } from '../../electron/engine/vsphere/datastore-download';
import { uploadDatastoreFile } from '../support/vcsim/upload';
import { vmdkSamples } from '../fixtures';
import type { VmdkSamples } from '../fixtures';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, waitForEngine, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { startVcsim } from '../support/vcsim/harness';
import type { Vcsim } from '../support/vcsim/harness';

/**
 * The vCenter pages as a user drives them: the real UI in Debian's Chromium, through the
 * loopback bridge (`hyper2kvm serve`), against a real vCenter simulator on loopback with our
 * own certificate, a user and password, and 300 VMs; one of them holds a real VMDK (PUT into its
 * folder over /folder). The tests share one bridge, one simulator and one page, in order: the
 * trust prompt and the login errors, the inventory, a VM with its pre-flight, a migration
 * watched to its end across a page reload (and compared with qemu-img), a pre-flight of several
 * VMs, a cancelled migration, and last a certificate that changed, and one verified with a CA
 * file.
 */

const TARGET = 'DC0_H0_VM42';
const VMS_PER_POOL = 150;

let work: string;
let outDir: string;
let bridge: BridgeProcess;
let vcsim: Vcsim;
let browser: Browser;
let page: Page;
let samples: VmdkSamples;
const pageProblems: string[] = [];
const shots: Record<string, Buffer> = {};

const text = (testId: string): Promise<string> => page.getByTestId(testId).first().innerText();
const server = (): string => `127.0.0.1:${vcsim.port}`;

async function attributes(testId: string, name: string): Promise<Array<string | null>> {
  return Promise.all((await page.getByTestId(testId).all()).map((el) => el.getAttribute(name)));
}

/** The VMDK fixture becomes the VM's disk1.vmdk (a monolithicSparse disk is one self-contained file). */
async function putDisk(): Promise<void> {
  const { session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 });
  try {
    await uploadDatastoreFile({ access: sessionFileAccess(session), source: samples.monolithicSparse, target: { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: `${TARGET}/disk1.vmdk` } });
  } finally {
    await session.close();
  }
}

async function fillLogin(password: string, host = server()): Promise<void> {
  await page.getByTestId('vc-server').fill(host);
  await page.getByTestId('vc-user').fill(vcsim.user);
  await page.getByTestId('vc-password').fill(password);
}

async function errorShown(): Promise<{ code: string | null; title: string; text: string }> {
  const alert = page.getByTestId('error-alert').first();
  await alert.waitFor({ timeout: 30_000 });
  return { code: await alert.getAttribute('data-error-code'), title: await alert.locator('.pf-v6-c-alert__title').innerText(), text: await alert.innerText() };
}

beforeAll(async () => {
  samples = await vmdkSamples();
  vcsim = await startVcsim({ clusters: 1, hostsPerCluster: 2, standaloneHosts: 1, vmsPerPool: VMS_PER_POOL });
  await putDisk();
  work = mkdtempSync(join(tmpdir(), 'hyper2kvm-e2e-vc-'));
  outDir = join(work, 'out');
  mkdirSync(join(outDir, 'migrated'), { recursive: true });
  bridge = await startBridgeProcess({ home: join(work, 'home'), outDir });
  browser = await launchChromium({ width: 1440, height: 900 });
  page = await watchedPage(browser, pageProblems);
  await loadApp(page, bridge.openUrl);
  await page.getByTestId('nav-vcenter').click();
  await page.getByTestId('vc-server').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  await vcsim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the vCenter pages in Chromium through the bridge, against the simulator', () => {
  it('says clearly when the server cannot be reached', async () => {
    await fillLogin('whatever', '127.0.0.1:1');
    await page.getByTestId('vc-login').click();
    const shown = await errorShown();
    expect(shown.code).toBe('VSPHERE_UNREACHABLE');
    expect(shown.title).toContain('The server cannot be reached');
    expect(shown.text).toContain('127.0.0.1:1');
    expect(shown.text).not.toMatch(/\n\s+at |\.ts:\d+|\.mjs:\d+/);
  });

  it('shows the certificate on first contact, and refuses a wrong password in plain words', async () => {
    await fillLogin('not-the-password');
    await page.getByTestId('vc-login').click();
    const prompt = page.getByTestId('trust-prompt');
    await prompt.waitFor({ timeout: 30_000 });
    expect(await prompt.getAttribute('data-status')).toBe('unknown');
    const cert = new X509Certificate(vcsim.certPem);
    expect(await page.getByTestId('cert-sha256').getAttribute('data-value')).toBe(vcsim.sha256);
    expect(await page.getByTestId('cert-sha1').getAttribute('data-value')).toBe(cert.fingerprint);
    expect((await text('cert-sha256')).replace(/\s+/g, ':')).toBe(vcsim.sha256); // shown in full, eight bytes a line
    expect(await text('cert-subject')).toBe('CN=vcsim-a');
    expect(await text('cert-issuer')).toContain('CN=vcsim-a');
    expect(await text('cert-validity')).toMatch(/^valid from \d{4}-\d\d-\d\d until \d{4}-\d\d-\d\d \(\d+ days left\)$/);
    shots.trust = await page.screenshot({ fullPage: true });

    await page.getByTestId('trust-certificate').click();
    const shown = await errorShown();
    expect(shown.code).toBe('VSPHERE_LOGIN_FAILED');
    expect(shown.title).toContain('Wrong user name or password');
    expect(shown.text).not.toContain('not-the-password');
  });

  it('logs in with the right password without asking about the certificate again, and lists every VM', async () => {
    await page.getByTestId('vc-password').fill(vcsim.password);
    const clicked = performance.now();
    await page.getByTestId('vc-login').click();
    await page.getByTestId('vm-row').first().waitFor({ timeout: 60_000 });
    const seconds = (performance.now() - clicked) / 1000;
    expect(await page.getByTestId('trust-prompt').count()).toBe(0);
    const count = page.getByTestId('inventory-count');
    expect(Number(await count.getAttribute('data-total'))).toBe(vcsim.inventory.vms);
    expect(vcsim.inventory.vms).toBe(2 * VMS_PER_POOL);
    expect(await count.innerText()).toBe('300 VMs');
    // Virtualized: a screenful of rows in the page, not 300.
    expect(await page.getByTestId('vm-row').count()).toBeLessThan(80);
    // The tree: the datacenter, its cluster and hosts, with their VM counts.
    expect(await page.locator('[data-testid="tree-node"][data-type="datacenter"]').innerText()).toMatch(/^DC0\s*\(300\)$/);
    expect(await page.locator('[data-testid="tree-node"][data-type="cluster"]').innerText()).toMatch(/^DC0_C0\s*\(150\)$/);
    console.log(`log in → first rows of ${vcsim.inventory.vms} VMs: ${seconds.toFixed(2)} s`);
  });

  it('searches and filters the inventory, and scopes it to a node of the tree', async () => {
    const count = page.getByTestId('inventory-count');
    await page.getByTestId('inventory-search').locator('input').fill('h0_vm4');
    await expect.poll(() => count.getAttribute('data-shown'), { timeout: 5000 }).toBe('11'); // DC0_H0_VM4, VM40…VM49
    const shownNames = await attributes('vm-row', 'data-name');
    expect(shownNames).toContain(TARGET);
    expect(shownNames.every((n) => n?.startsWith('DC0_H0_VM4'))).toBe(true);
    await page.getByTestId('inventory-search').locator('input').fill(TARGET.toLowerCase());
    await expect.poll(() => count.getAttribute('data-shown')).toBe('1');
    expect(await count.innerText()).toBe('1 of 300 VMs');

    // Filters: every VM of the simulator runs; a folder filter keeps them all.
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('filter-power').selectOption('poweredOff');
    await expect.poll(() => count.getAttribute('data-shown')).toBe('0');
    await page.getByTestId('filter-power').selectOption('poweredOn');
    await expect.poll(() => count.getAttribute('data-shown')).toBe('300');
    await page.getByTestId('filter-folder').selectOption('/DC0/vm');
    await page.getByTestId('filter-datastore').selectOption('LocalDS_0');
    await expect.poll(() => count.getAttribute('data-shown')).toBe('300');

    // A host in the tree scopes the table to its VMs.
    await page.getByTestId('filter-clear').click();
    await page.locator('[data-testid="tree-node"][data-type="host"]', { hasText: /^DC0_H0\s*\(/ }).click();
    await expect.poll(() => count.getAttribute('data-shown')).toBe(String(VMS_PER_POOL));
    expect(await text('filter-scope')).toBe('In DC0 › DC0_H0');
    await page.getByTestId('inventory-search').locator('input').fill(TARGET);
    await expect.poll(() => count.getAttribute('data-shown')).toBe('1');
  });

  it('opens a VM: its hardware, disks and NICs, files, and a pre-flight whose power-off action asks first', async () => {
    await page.locator(`[data-testid="vm-row"][data-name="${TARGET}"]`).getByTestId('vm-open').click();
    await page.getByTestId('vm-details').waitFor({ timeout: 30_000 });
    expect(await text('vm-title')).toBe(TARGET);
    expect(await text('vm-cpu')).toBe('1 vCPU (1 socket × 1 core)');
    expect(await text('vm-memory')).toBe('32.0 MiB');
    expect(await text('vm-firmware')).toBe('BIOS');
    expect(await text('vm-power')).toBe('Powered on');
    expect(await page.getByTestId('vm-disk').first().innerText()).toContain(`[LocalDS_0] ${TARGET}/disk1.vmdk`);
    expect(await page.getByTestId('vm-nic').first().innerText()).toMatch(/([0-9a-f]{2}:){5}[0-9a-f]{2}/);

    const preflight = page.locator('[data-testid="preflight"][data-status="ready"]');
    await preflight.waitFor({ timeout: 30_000 });
    expect(await preflight.getAttribute('data-can-migrate')).toBe('false');
    const running = page.locator('[data-testid="preflight-item"][data-id="powered-on"]');
    expect(await running.getAttribute('data-severity')).toBe('blocker');
    expect(await running.getByTestId('preflight-hint').innerText()).toContain('power the VM off');
    expect(await page.getByTestId('migrate-start').isDisabled()).toBe(true);
    expect(await text('migrate-disabled-reasons')).toContain('The VM is running');
    shots.preflight = await page.screenshot({ fullPage: true });

    // Power off: a confirmation first; cancelling it changes nothing.
    await running.locator('[data-testid="preflight-action"][data-action="power-off"]').click();
    expect(await text('action-question')).toContain('pulling the plug');
    await page.getByTestId('action-confirm').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('action-confirm').waitFor({ state: 'detached' });
    expect(await text('vm-power')).toBe('Powered on');
    await running.locator('[data-testid="preflight-action"][data-action="power-off"]').click();
    await page.getByTestId('action-confirm-yes').click();

    // Checked again by itself: nothing blocks any more.
    await page.locator('[data-testid="preflight"][data-status="ready"][data-can-migrate="true"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="preflight-item"][data-id="powered-on"]').count()).toBe(0);
    await expect.poll(() => text('vm-power'), { timeout: 10_000 }).toBe('Powered off');
  });

  it('migrates the VM: transfer and conversion progress with MiB/s and ETA, per disk, the result, and the same bytes as the source', async () => {
    // The destination through the server-side file browser.
    await page.getByTestId('migrate-browse').click();
    await page.getByTestId('file-browser-path').fill(join(outDir, 'migrated'));
    await page.getByTestId('file-browser-go').click();
    await page.getByTestId('file-browser').getByRole('navigation').getByText('migrated').waitFor();
    await page.getByTestId('file-browser-choose').click();
    expect(await page.getByTestId('migrate-out-dir').inputValue()).toBe(join(outDir, 'migrated'));
    expect(await page.getByTestId('migrate-name').inputValue()).toBe(TARGET);
    // A bandwidth limit makes the transfer last long enough to be watched.
    await page.getByTestId('migrate-limit').fill('2');
    const start = page.locator('[data-testid="migrate-start"]:not([disabled])');
    await start.waitFor({ timeout: 30_000 });
    await start.click();

    await page.locator('[data-testid="migrate-run"][data-outcome="running"]').waitFor({ timeout: 30_000 });
    const rate = page.getByTestId('progress-transfer-overall-rate');
    await rate.waitFor({ timeout: 30_000 });
    await expect.poll(() => rate.innerText(), { timeout: 30_000, interval: 100 }).toMatch(/^\d+(\.\d)? MiB\/s$/);
    // The first readings may be of a transfer still getting going (a loaded machine): a measured rate, then the limit.
    await expect.poll(async () => parseFloat(await rate.innerText()), { timeout: 30_000, interval: 100 }).toBeGreaterThan(1);
    const mbps = parseFloat(await rate.innerText());
    expect(mbps).toBeLessThan(4); // the 2 MiB/s limit holds
    expect(await text('progress-transfer-overall-percent')).toMatch(/^\d{1,2}\.\d %$/);
    expect(await text('progress-transfer-overall-bytes')).toMatch(/ of 2\d\.\d MiB$/);
    expect(await text('progress-transfer-overall-eta')).toMatch(/^ETA \d+ s$/);
    const part = page.locator('[data-testid="progress-part"][data-stage="transfer"]');
    expect(await part.getAttribute('data-state')).toBe('running');
    // The conversion runs while the download proceeds.
    await page.getByTestId('progress-convert').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="migrate-stage"][data-stage-id="transfer"]').getAttribute('data-state')).toBe('running');
    expect(await page.locator('[data-testid="migrate-stage"][data-stage-id="convert"]').getAttribute('data-state')).toBe('running');
    shots.run = await page.screenshot({ fullPage: true });

    // A reload in the middle: the page finds its vCenter connection and the running migration.
    const before = parseFloat(await text('progress-transfer-overall-percent'));
    await page.reload();
    await waitForEngine(page);
    await page.getByTestId('nav-vcenter').click();
    await page.locator('[data-testid="migrate-run"][data-outcome="running"]').waitFor({ timeout: 20_000 });
    await expect.poll(async () => parseFloat(await text('progress-transfer-overall-percent')), { timeout: 30_000, interval: 200 }).toBeGreaterThan(before);
    expect(await page.locator('[data-testid="migrate-stage"][data-stage-id="plan"]').getAttribute('data-state')).toBe('done');

    await page.getByTestId('migrate-result').waitFor({ timeout: 180_000 });
    const output = join(outDir, 'migrated', `${TARGET}.qcow2`);
    expect(await page.getByTestId('migrate-output').getAttribute('data-path')).toBe(output);
    expect(await page.getByTestId('migrate-output').innerText()).toContain('qemu-img check passed');
    expect(await text('migrate-transfer-bytes')).toMatch(/^2\d\.\d MiB in /);
    expect(await page.getByTestId('migrate-metadata').innerText()).toContain(TARGET);
    shots.result = await page.screenshot({ fullPage: true });
    const compare = execFileSync('/usr/bin/qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', samples.raw, output], { encoding: 'utf8' });
    expect(compare).toContain('Images are identical');
    expect(readdirSync(join(outDir, 'migrated'))).toEqual([`${TARGET}.qcow2`]);

    // Back on the Run step: every stage done, both bars full.
    await page.getByTestId('vc-step-run').getByRole('button').click();
    const ids = await attributes('migrate-stage', 'data-stage-id');
    const states = (await attributes('migrate-stage', 'data-state')).map((state, i) => `${ids[i]}:${state}`);
    expect(states).toEqual(['preflight:done', 'plan:done', 'transfer:done', 'convert:done', 'check:done', 'inspect:done', 'repair-plan:done', 'repair:done', 'finalize:done']);
    expect(await text('progress-transfer-overall-percent')).toBe('100.0 %');
    expect(await text('progress-convert-overall-percent')).toBe('100.0 %');
    expect(await text('migrate-log')).toContain(`${TARGET}.qcow2`);

    // The wizard goes on as after a local conversion (issue 17): Create VM from the migrated disk
    // and the VM's metadata from vCenter, stating what its inspection found (this disk holds no
    // OS), then Verify boot of the same disk.
    await page.getByTestId('vc-step-define').getByRole('button').click();
    await page.getByTestId('vm-step').waitFor();
    expect(await text('vm-disk')).toBe(output);
    const xml = page.getByTestId('domain-xml');
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).toContain(`<source file='${output}'/>`);
    expect(await page.getByTestId('vm-guest-evidence').getAttribute('data-evidence')).toBe('no-os');
    expect(await page.locator('[data-testid="vm-decision"][data-field="disk bus"]').innerText()).toContain('inspection found no operating system');
    await page.getByTestId('vc-step-verify').getByRole('button').click();
    expect(await text('verify-disk')).toBe(output);
  });

  it('checks several selected VMs at once and says which can go', async () => {
    await page.getByTestId('vc-step-result').getByRole('button').click();
    await page.getByTestId('migrate-another').click();
    const count = page.getByTestId('inventory-count');
    // The page was reloaded during the migration: the inventory is listed afresh, unfiltered.
    await count.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('filter-clear').count()).toBe(0);
    await page.getByTestId('inventory-search').locator('input').fill('DC0_H0_VM4');
    await expect.poll(() => count.getAttribute('data-shown')).toBe('11');
    for (const name of [TARGET, 'DC0_H0_VM43']) await page.locator(`[data-testid="vm-row"][data-name="${name}"] input[type="checkbox"]`).check();
    // The VM powered off from its pre-flight is listed as such.
    expect(await page.locator(`[data-testid="vm-row"][data-name="${TARGET}"]`).getAttribute('data-power')).toBe('poweredOff');
    await page.getByTestId('check-selected').click();
    await page.getByTestId('selection-preflight').waitFor();
    const verdict = (name: string) => page.locator('[data-testid="selection-vm"]', { hasText: name }).getAttribute('data-verdict');
    await expect.poll(() => verdict('DC0_H0_VM43'), { timeout: 30_000 }).toBe('blocked');
    await expect.poll(() => verdict(TARGET), { timeout: 30_000 }).not.toBe('checking');
    expect(['ready', 'warnings']).toContain(await verdict(TARGET));
    expect(await text('selection-blockers')).toContain('The VM is running: 1 VM');
  });

  it('cancels a migration half-way: the page says so, the earlier output stays, nothing partial remains', async () => {
    await page.getByTestId('vc-step-inventory').getByRole('button').click();
    await page.locator(`[data-testid="vm-row"][data-name="${TARGET}"]`).getByTestId('vm-open').click();
    await page.getByTestId('migrate-out-dir').fill(join(outDir, 'migrated'));
    // The first migration's output is there: a blocker until replacing it is allowed.
    await page.locator('[data-testid="preflight-item"][data-id="output-exists"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('migrate-overwrite').check();
    await page.getByTestId('migrate-limit').fill('1');
    const start = page.locator('[data-testid="migrate-start"]:not([disabled])');
    await start.waitFor({ timeout: 30_000 });
    await start.click();
    const rate = page.getByTestId('progress-transfer-overall-rate');
    await rate.waitFor({ timeout: 30_000 });
    await expect.poll(() => rate.innerText(), { timeout: 30_000, interval: 100 }).toMatch(/^\d+(\.\d)? MiB\/s$/);

    await page.getByTestId('migrate-cancel').click();
    await page.getByTestId('migrate-cancel-yes').click();
    await page.getByTestId('migrate-cancelled').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migrate-run').getAttribute('data-outcome')).toBe('cancelled');
    for (const stage of ['transfer', 'convert']) expect(await page.locator(`[data-testid="migrate-stage"][data-stage-id="${stage}"]`).getAttribute('data-state')).toBe('cancelled');
    const left = readdirSync(join(outDir, 'migrated'));
    expect(left.filter((n) => !n.startsWith('.hyper2kvm-download-'))).toEqual([`${TARGET}.qcow2`]); // the downloads are kept for a resume
    const compare = execFileSync('/usr/bin/qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', samples.raw, join(outDir, 'migrated', `${TARGET}.qcow2`)], { encoding: 'utf8' });
    expect(compare).toContain('Images are identical');
  });

  it('warns loudly when the server presents another certificate, with both fingerprints', async () => {
    const before = vcsim.sha256;
    await page.getByTestId('vc-step-connect').getByRole('button').click();
    await page.getByTestId('vc-logout').click();
    const port = vcsim.port;
    await vcsim.stop();
    vcsim = await startVcsim({ port, certificate: 'b', vmsPerPool: 1 });
    expect(vcsim.sha256).not.toBe(before);

    await fillLogin(vcsim.password);
    await page.getByTestId('vc-login').click();
    const prompt = page.locator('[data-testid="trust-prompt"][data-status="changed"]');
    await prompt.waitFor({ timeout: 30_000 });
    expect(await text('cert-changed')).toContain('CHANGED');
    expect(await page.getByTestId('cert-previous-sha256').getAttribute('data-value')).toBe(before);
    expect(await page.getByTestId('cert-presented-sha256').getAttribute('data-value')).toBe(vcsim.sha256);
    expect(await text('cert-subject')).toBe('CN=vcsim-b');
    // Trusting the new one takes an explicit confirmation.
    expect(await page.getByTestId('trust-certificate').isDisabled()).toBe(true);
    await page.getByTestId('cert-confirm-change').check();
    expect(await page.getByTestId('trust-certificate').isDisabled()).toBe(false);
    shots.changed = await page.screenshot({ fullPage: true });
    await page.getByTestId('trust-cancel').click();
    await prompt.waitFor({ state: 'detached' });
  });

  it('logs in by verifying the certificate with a CA file instead of trusting its fingerprint', async () => {
    const port = vcsim.port;
    await vcsim.stop();
    vcsim = await startVcsim({ port, certificate: 'ca-signed', vmsPerPool: 1 });
    await fillLogin(vcsim.password);
    await page.getByTestId('vc-login').click();
    await page.getByTestId('trust-prompt').waitFor({ timeout: 30_000 });
    expect(await text('cert-issuer')).toContain('hyper2kvm test CA');
    await page.getByTestId('vc-ca-file').fill(vcsim.certificateFiles.caCert);
    await page.getByTestId('vc-use-ca').click();
    await page.getByTestId('vm-row').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('inventory-count').getAttribute('data-total')).toBe(String(vcsim.inventory.vms));
    await page.getByTestId('vc-step-connect').getByRole('button').click();
    expect(await text('vc-connection-summary')).toContain(`certificate verified with ${vcsim.certificateFiles.caCert}`);
  });

  it('ran without page errors or console errors (CSP violations included)', () => {
    expect(pageProblems).toEqual([]);
  });

  it('leaves screenshots of the trust prompt, the pre-flight, the run, the result and the changed certificate', () => {
    for (const [name, png] of Object.entries(shots)) saveArtifact(`vcenter-${name}.png`, png);
    expect(Object.keys(shots).sort()).toEqual(['changed', 'preflight', 'result', 'run', 'trust']);
  });
});
