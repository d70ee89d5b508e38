import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepairRecord } from '../../shared/contract/models/repair';
import { repairGuest } from '../fixtures/debian/repair-variants';
import { windowsGuests } from '../fixtures/index';
import { LocalToolRunner } from '../../electron/engine/core/tool-runner';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { writePhonyVirtioWin, writePhonyVirtioWinIso } from '../support/virtio-win';

/**
 * The Repair step as an administrator meets it, in Debian's Chromium through the bridge: a
 * Debian guest whose fstab and kernel command line name /dev/sdX is converted; the job stops
 * at the plan, shown fix by fix with its diff and commands; one fix is unchecked and stays
 * out; the others are applied; the outcome and the re-checked findings are shown, then the
 * Result step and the report's Repairs tab. Then a Windows Server 2019 disk with a virtio-win
 * ISO: the registry changes and first-boot actions are shown before they are written. Each
 * test runs alone (each builds the fixture it needs and starts from a fresh page).
 */

let work: string;
let outDir: string;
let home: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'hyper2kvm-e2e-repair-'));
  await chmod(work, 0o755);
  outDir = join(work, 'out');
  home = join(work, 'home');
  bridge = await startBridgeProcess({ home, outDir });
  browser = await launchChromium({ width: 1400, height: 1000 });
});

/** A fresh page on the wizard's first step (a new page: the same URL again would not reload). */
async function openWizard(): Promise<void> {
  await page?.close();
  page = await watchedPage(browser, pageProblems);
  await loadApp(page, bridge.openUrl);
}

/** The job folder of the newest job (job ids sort by their start time). */
function newestJobDir(): string {
  return join(home, 'jobs', readdirSync(join(home, 'jobs')).filter((n) => /^\d{8}-/.test(n)).sort().at(-1)!);
}

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the Repair step in Chromium through the bridge', () => {
  it('shows the plan as diffs, applies the chosen fixes, and shows what was done', async () => {
    const guest = await repairGuest('sdx-gpt');
    await openWizard();
    await page.getByTestId('source-path').fill(guest.vmdk);
    await page.getByTestId('source-path-use').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('to-options').click();
    // Repair is on by default, with the names kept and no serial console added.
    expect(await page.getByTestId('repair-option').isChecked()).toBe(true);
    expect(await page.getByTestId('inspect').isDisabled()).toBe(true);
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('start').click();

    // The job stops at the plan; the wizard moves to the Repair step by itself.
    const review = page.getByTestId('repair-review');
    await review.waitFor({ timeout: 400_000 });
    expect(await page.getByTestId('step-repair').getAttribute('aria-current')).toBeTruthy();
    const fstab = page.locator('[data-testid="repair-fix"][data-fix="fstab-use-uuid"]');
    expect(await fstab.getAttribute('data-status')).toBe('planned');
    await fstab.getByTestId('repair-change').first().getByRole('button').click();
    const diff = await fstab.getByTestId('repair-diff').innerText();
    expect(diff).toContain('--- a/etc/fstab');
    expect(diff).toContain('-/dev/sda3 / ext4 errors=remount-ro 0 1');
    expect(diff).toContain(`+UUID=${guest.facts.uuids['/']} / ext4 errors=remount-ro 0 1`);
    const grub = page.locator('[data-testid="repair-fix"][data-fix="regenerate-bootloader"]');
    expect(await grub.getByTestId('repair-commands').innerText()).toContain('grub-mkconfig -o /boot/grub/grub.cfg');
    // VMware Tools: the enablement links go; the administrator leaves this one out.
    const tools = page.locator('[data-testid="repair-fix"][data-fix="remove-vmware-tools"]');
    await tools.getByTestId('repair-fix-check').uncheck();
    expect(await page.getByTestId('repair-apply').innerText()).toBe('Apply 2 fixes');
    // What will not be fixed, and why, is one click away.
    await page.getByTestId('repair-not-needed').getByRole('button').first().click();
    expect(await page.locator('[data-testid="repair-fix"][data-fix="rebuild-initramfs"]').innerText()).toContain('not needed');
    saveArtifact('repair-review.png', await page.screenshot({ fullPage: true }));

    await page.getByTestId('repair-apply').click();
    const outcome = page.getByTestId('repair-outcome');
    await outcome.waitFor({ timeout: 400_000 });
    expect(await outcome.getAttribute('data-applied')).toBe('true');
    expect(await page.getByTestId('repair-headline').innerText()).toMatch(/Repaired: 2 fixes, \d+ file changes?\. Checked again: 0 blockers/);
    const applied = await Promise.all((await page.getByTestId('repair-applied').all()).map((el) => el.getAttribute('data-fix')));
    expect(applied).toEqual(['fstab-use-uuid', 'regenerate-bootloader']);
    saveArtifact('repair-outcome.png', await page.screenshot({ fullPage: true }));

    // The job record has every change with its hashes; the left-out fix is said as such.
    const jobDir = newestJobDir();
    const record = RepairRecord.parse(JSON.parse(readFileSync(join(jobDir, 'repair.json'), 'utf8')));
    expect(record.fixes.find((f) => f.id === 'remove-vmware-tools')).toMatchObject({ applied: false, status: 'skipped' });
    expect(record.fixes.find((f) => f.id === 'fstab-use-uuid')!.changes[0]!.beforeSha256).toMatch(/^[0-9a-f]{64}$/);

    await page.getByTestId('repair-continue').click();
    await page.getByTestId('result').waitFor();
    expect(await page.getByTestId('conversion-repair').getAttribute('data-applied')).toBe('true');
    const output = (await page.getByTestId('result-output').getAttribute('data-path'))!;
    expect(existsSync(output)).toBe(true);

    // The report (made after the repair) has a Repairs tab with the same diffs.
    await page.getByTestId('view-inspection-report').click();
    await page.getByTestId('tab-repair').click();
    expect(await page.getByTestId('report-repair').innerText()).toContain('Name file systems by UUID in fstab and crypttab');
    expect(pageProblems).toEqual([]);
  }, 1_200_000 /* a conversion, an appliance, grub-mkconfig under TCG: minutes on a busy machine */);

  it('a Windows guest: virtio storage made boot-start, shown as registry changes and first-boot actions before anything is written (issue 12)', async () => {
    const win2019 = (await windowsGuests()).find((g) => g.id === 'win2019')!;
    const source = join(work, 'win2019.vmdk');
    await new LocalToolRunner().run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', win2019.raw, source]);
    const iso = await writePhonyVirtioWinIso(await writePhonyVirtioWin(join(work, 'virtio-win')), join(work, 'virtio-win.iso'));
    await openWizard();
    await page.getByTestId('source-path').fill(source);
    await page.getByTestId('source-path-use').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('to-options').click();
    expect(await page.getByTestId('repair-option').isChecked()).toBe(true);
    await page.getByTestId('virtio-win-option').fill(iso);
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('start').click();

    await page.getByTestId('repair-review').waitFor({ timeout: 400_000 });
    const drivers = page.locator('[data-testid="repair-fix"][data-fix="install-virtio-drivers"]');
    expect(await drivers.getAttribute('data-status')).toBe('planned');
    // The SYSTEM hive's edits, row by row: viostor starts at boot (0) where it did not exist.
    await drivers.getByTestId('repair-registry').getByRole('button').first().click();
    const rows = await drivers.getByTestId('repair-registry-row').allInnerTexts();
    expect(rows.find((r) => /Services\\viostor\s/.test(r) && /\bStart\b/.test(r))).toContain('0x00000000 (0)');
    // The driver files come from the ISO, and Windows is told to install them at its first boot.
    expect(await drivers.locator('[data-testid="repair-change"][data-path="/Windows/System32/drivers/viostor.sys"]').count()).toBe(1);
    await drivers.getByTestId('repair-firstboot').first().getByRole('button').click();
    expect(await drivers.getByTestId('repair-firstboot').first().innerText()).toContain('viostor.inf');
    saveArtifact('repair-windows-review.png', await page.screenshot({ fullPage: true }));

    await page.getByTestId('repair-apply').click();
    const outcome = page.getByTestId('repair-outcome');
    await outcome.waitFor({ timeout: 400_000 });
    expect(await outcome.getAttribute('data-applied')).toBe('true');
    expect(await page.getByTestId('repair-headline').innerText()).toMatch(/Repaired: 5 fixes, \d+ file changes?\. Checked again: 0 blockers/);
    const applied = await Promise.all((await page.getByTestId('repair-applied').all()).map((el) => el.getAttribute('data-fix')));
    expect([...applied].sort()).toEqual(['enable-guest-agent', 'enable-sata-driver', 'install-virtio-drivers', 'reapply-static-addresses', 'remove-vmware-tools']);
    saveArtifact('repair-windows-outcome.png', await page.screenshot({ fullPage: true }));

    const record = RepairRecord.parse(JSON.parse(readFileSync(join(newestJobDir(), 'repair.json'), 'utf8')));
    expect(record.fixes.find((f) => f.id === 'install-virtio-drivers')!.changes.find((c) => c.path === '/Windows/System32/config/SYSTEM')!.backup).toBe('/Windows/System32/config/SYSTEM.hyper2kvm-orig');
    await page.getByTestId('repair-continue').click();
    await page.getByTestId('result').waitFor();
    expect(await page.getByTestId('conversion-repair').getAttribute('data-applied')).toBe('true');
    expect(pageProblems).toEqual([]);
  }, 1_200_000);
});
