import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalToolRunner } from '../../electron/engine/core/tool-runner';
import { kvmWorks } from '../../electron/engine/core/accel';
import { domainNames, dumpXml, virsh } from '../../electron/engine/libvirt/virsh';
import { debianGuest } from '../fixtures';
import type { DebianGuest } from '../fixtures';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { ensureLibvirtd } from '../support/libvirtd';
import type { LibvirtdHandle } from '../support/libvirtd';

/**
 * Create VM and Verify boot as a user drives them, in Debian's Chromium through the bridge:
 * the Debian test guest's VMDK converted, defined with the XML previewed, and booted to its
 * login prompt with the console, screenshots and milestones shown live (one boot, ~40–90 s
 * under TCG); a blank disk chosen directly that fails in seconds; a verification cancelled.
 */

const tools = new LocalToolRunner();
const prefix = `h2k-e2e-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle;
let guest: DebianGuest;
let work: string;
let outDir: string;
let home: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
let domainType: string;
const pageProblems: string[] = [];

function text(testId: string): Promise<string> {
  return page.getByTestId(testId).first().innerText();
}

/** The verification domains of this test's bridge (other engineers' jobs do not count). */
async function verificationDomains(): Promise<string[]> {
  const ours = existsSync(join(home, 'jobs')) ? readdirSync(join(home, 'jobs')) : [];
  return (await domainNames({ tools }, 'qemu:///system')).filter((n) => ours.some((id) => n.startsWith(`h2k-verify-${id}`)));
}

/** The newest job of this test's bridge (job ids sort by their start time). */
function newestJobId(): string {
  return readdirSync(join(home, 'jobs')).sort().at(-1)!;
}

function jobsOfKind(kind: string): Array<{ jobId: string; state: string; result: unknown }> {
  return readdirSync(join(home, 'jobs'))
    .filter((id) => existsSync(join(home, 'jobs', id, 'job.json')))
    .map((id) => JSON.parse(readFileSync(join(home, 'jobs', id, 'job.json'), 'utf8')) as { jobId: string; kind: string; state: string; result: unknown })
    .filter((j) => j.kind === kind);
}

/** Whether the image element shows a decoded PNG (not a broken image). Runs in the page. */
function imageShown(testId: string): Promise<boolean> {
  return page.getByTestId(testId).evaluate((element: unknown) => {
    const img = element as { complete: boolean; naturalWidth: number; src: string };
    return img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/png;base64,');
  });
}

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  guest = await debianGuest();
  domainType = (await kvmWorks(tools)) ? 'kvm' : 'qemu';
  work = await mkdtemp(join(tmpdir(), 'hyper2kvm-e2e-vm-'));
  // Converted disks live in folders libvirt's qemu user may enter.
  await chmod(work, 0o755);
  outDir = join(work, 'out');
  home = join(work, 'home');
  mkdirSync(outDir);
  bridge = await startBridgeProcess({ home, outDir });
  browser = await launchChromium({ width: 1400, height: 1000 });
  page = await watchedPage(browser, pageProblems);
  await loadApp(page, bridge.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  for (const connection of ['qemu:///session', 'qemu:///system'] as const) {
    for (const name of (await domainNames({ tools }, connection).catch(() => [])).filter((n) => n.startsWith(prefix))) {
      await virsh({ tools }, connection, ['undefine', '--domain', name, '--nvram']).catch(() => undefined);
    }
  }
  if (work) await rm(work, { recursive: true, force: true });
  await daemon?.release();
});

describe('Create VM and Verify boot in Chromium through the bridge', () => {
  it('converts the Debian guest, previews and defines its VM, boots it to login with the console, screen and milestones live', async () => {
    // Convert: the VMDK by path, to qcow2.
    await page.getByTestId('source-path').fill(guest.vmdk);
    await page.getByTestId('source-path-use').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('to-options').click();
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('start').click();
    // The wizard repairs by default: this guest's VMware Tools services are disabled.
    await page.getByTestId('repair-review').waitFor({ timeout: 400_000 });
    expect(await page.locator('[data-testid="repair-fix"][data-fix="remove-vmware-tools"]').getAttribute('data-status')).toBe('planned');
    await page.getByTestId('repair-apply').click();
    await page.getByTestId('repair-outcome').waitFor({ timeout: 300_000 });
    await page.getByTestId('repair-continue').click();
    await page.getByTestId('result').waitFor({ timeout: 60_000 });
    const converted = (await page.getByTestId('result-output').getAttribute('data-path'))!;
    expect(converted).toBe(join(outDir, 'disk.qcow2'));

    // Create VM: the plan's XML, read-only, follows the options.
    await page.getByTestId('create-vm').click();
    await page.getByTestId('vm-step').waitFor();
    expect(await text('vm-disk')).toBe(converted);
    const xml = page.getByTestId('domain-xml');
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).toContain(`<domain type='${domainType}'>`);
    expect(await page.locator('[data-testid="vm-decision"][data-field="acceleration"]').innerText()).toContain(domainType);
    expect(await xml.innerText()).toContain(`<source file='${converted}'/>`);
    const name = `${prefix}-debian`;
    await page.getByTestId('vm-name').fill(name);
    await page.getByTestId('vm-memory').fill('1024');
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).toContain(`<name>${name}</name>`);
    expect(await xml.innerText()).toContain("<memory unit='MiB'>1024</memory>");
    await page.locator('#vm-firmware-uefi').check();
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).toMatch(/<loader readonly='yes' type='pflash'>\/usr\/share\/OVMF\//);
    await page.locator('#vm-firmware-bios').check();
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).not.toContain('<loader');
    // A name virsh would misread is refused before anything is asked of the engine.
    await page.getByTestId('vm-name').fill('-bad');
    expect(await text('vm-name-help')).toContain('starting with a letter or digit');
    expect(await page.getByTestId('define').isDisabled()).toBe(true);
    await page.getByTestId('vm-name').fill(name);
    await expect.poll(() => xml.innerText(), { timeout: 30_000 }).toContain(`<name>${name}</name>`);
    saveArtifact('create-vm.png', await page.screenshot({ fullPage: true }));

    // Define: libvirt has the domain as previewed, on the disk the conversion wrote.
    await page.locator('[data-testid="define"]:not([disabled])').click();
    const defined = page.getByTestId('define-result');
    await defined.waitFor({ timeout: 60_000 });
    expect(await defined.getAttribute('data-name')).toBe(name);
    expect(await page.getByTestId('defined-disk').getAttribute('data-placement')).toBe('in-place');
    const definedXml = await dumpXml({ tools }, 'qemu:///session', name, { inactive: true });
    expect(definedXml).toContain(`<source file='${converted}'/>`);
    expect(definedXml).toContain(`<domain type='${domainType}'`);

    // Verify boot: the console grows while the guest boots, a screenshot shows, milestones fill in.
    await page.getByTestId('define-to-verify').click();
    expect(await text('verify-disk')).toBe(converted);
    await page.getByTestId('verify-start').click();
    await page.locator('[data-testid="verify"][data-outcome="running"]').waitFor({ timeout: 30_000 });
    const consoleText = page.getByTestId('boot-console');
    await expect.poll(async () => (await consoleText.innerText()).includes('SeaBIOS'), { timeout: 60_000, interval: 250 }).toBe(true);
    const early = (await consoleText.innerText()).length;
    await expect.poll(async () => (await consoleText.innerText()).length, { timeout: 120_000, interval: 500 }).toBeGreaterThan(early + 2000);
    expect(await page.getByTestId('verify').getAttribute('data-outcome')).toBe('running');
    await page.getByTestId('boot-screenshot').waitFor({ timeout: 60_000 });
    expect(await imageShown('boot-screenshot')).toBe(true);
    expect(await page.locator('[data-testid="milestone"][data-kind="firmware"]').getAttribute('data-state')).toBe('reached');
    saveArtifact('verify-boot-running.png', await page.screenshot({ fullPage: true }));

    // The verdict, with its reason and evidence.
    const verdict = page.getByTestId('boot-verdict');
    await verdict.waitFor({ timeout: 400_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('booted');
    expect(await verdict.getAttribute('data-reason')).toBe('login-prompt');
    expect(await text('boot-detail')).toBe('The guest reached its login prompt.');
    expect(await consoleText.innerText()).toMatch(new RegExp(`${guest.facts.hostname} login: ?$`));
    const states = await Promise.all((await page.getByTestId('milestone').all()).map(async (m) => `${await m.getAttribute('data-kind')}:${await m.getAttribute('data-state')}`));
    expect(states).toEqual(['firmware:reached', 'bootloader:reached', 'kernel:reached', 'init:reached', 'login:reached']);
    expect(await text('boot-excerpt')).toContain(`${guest.facts.hostname} login:`);
    await expect.poll(() => imageShown('boot-screenshot'), { timeout: 20_000 }).toBe(true);
    const evidenceFolder = await page.getByTestId('boot-evidence-folder').locator('input').inputValue();
    const stored = JSON.parse(readFileSync(join(evidenceFolder, '..', 'boot-verification.json'), 'utf8')) as { verdict: string; evidence: { finalScreenshot: string } };
    expect(stored.verdict).toBe('booted');
    expect(await page.getByTestId('boot-screenshot').getAttribute('data-name')).toBe(stored.evidence.finalScreenshot.split('/').at(-1));
    saveArtifact('verify-boot.png', await page.screenshot({ fullPage: true }));
    expect(await verificationDomains()).toEqual([]);

    // The VM is removed on request; its disk stays.
    await page.getByTestId('step-vm').getByRole('button').click();
    await page.getByTestId('undefine').click();
    // Removing asks first; keeping it changes nothing.
    await page.getByTestId('undefine-confirm').getByRole('button', { name: 'Keep it' }).click();
    expect(await domainNames({ tools }, 'qemu:///session')).toContain(name);
    await page.getByTestId('undefine').click();
    await page.getByTestId('undefine-confirm-yes').click();
    await page.getByTestId('vm-removed').waitFor({ timeout: 30_000 });
    expect(await domainNames({ tools }, 'qemu:///session')).not.toContain(name);
    expect(existsSync(converted)).toBe(true);
  }, 1_200_000 /* a conversion, an appliance with the repair's dracut and grub-mkconfig, and a boot to login under TCG: minutes on a busy machine */);

  it('the Create VM page: a VMDK is refused, a blank disk chosen directly fails in seconds with its reason', async () => {
    await page.getByTestId('nav-vm').click();
    await page.getByTestId('disk-step').waitFor();
    await page.getByTestId('disk-path').fill(guest.vmdk);
    await page.getByTestId('disk-path-use').click();
    const refused = page.locator('[data-testid="error-alert"][data-error-code="VM_DISK_UNSUITABLE"]');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.innerText()).toContain('not a converted qcow2 or raw disk');

    const blank = join(work, 'blank.raw');
    await tools.run('qemu-img', ['create', '-q', '-f', 'raw', blank, '64M']);
    await page.getByTestId('disk-path').fill(blank);
    await page.getByTestId('disk-path-use').click();
    await page.getByTestId('vm-step').waitFor({ timeout: 30_000 });
    await page.getByTestId('to-verify').click();
    await page.getByTestId('verify-timeout').fill('60');
    await page.getByTestId('verify-start').click();
    const verdict = page.getByTestId('boot-verdict');
    await verdict.waitFor({ timeout: 120_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('failed');
    expect(await verdict.getAttribute('data-reason')).toBe('no-bootable-device');
    expect((await text('boot-hint')).length).toBeGreaterThan(20);
    expect(await text('boot-excerpt')).toContain('Boot failed: not a bootable disk');
    expect(await page.locator('[data-testid="milestone"][data-kind="bootloader"]').getAttribute('data-state')).toBe('stopped');
    await expect.poll(() => imageShown('boot-screenshot'), { timeout: 20_000 }).toBe(true);
    saveArtifact('verify-boot-failed.png', await page.screenshot({ fullPage: true }));
  });

  it('cancels a verification while the guest boots: the UI says so, the temporary VM is gone', async () => {
    await page.getByTestId('vm-step-disk').getByRole('button').click();
    await page.getByTestId('disk-path').fill(guest.raw);
    await page.getByTestId('disk-path-use').click();
    await page.getByTestId('vm-step').waitFor({ timeout: 30_000 });
    await page.getByTestId('to-verify').click();
    await page.getByTestId('verify-start').click();
    await expect.poll(async () => (await page.getByTestId('boot-console').innerText()).includes('GRUB'), { timeout: 60_000, interval: 250 }).toBe(true);
    const jobId = newestJobId();
    const domainOf = async (): Promise<string[]> => (await verificationDomains()).filter((n) => n.startsWith(`h2k-verify-${jobId}`));
    expect(await domainOf()).toHaveLength(1);

    await page.getByTestId('verify-cancel').click();
    await page.getByTestId('verify-cancel-yes').click();
    await page.getByTestId('verify-cancelled').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('verify').getAttribute('data-outcome')).toBe('cancelled');
    expect(await domainOf()).toEqual([]);
    expect(jobsOfKind('verify-boot').find((j) => j.jobId === jobId)?.state).toBe('cancelled');
    expect(existsSync(join(home, 'jobs', jobId, 'boot', 'work'))).toBe(false);
    expect(existsSync(join(home, 'jobs', jobId, 'boot', 'serial.log'))).toBe(true);
    // Verifying again is offered at once.
    expect(await page.getByTestId('verify-start').isEnabled()).toBe(true);
  });

  it('ran without page errors or console errors', () => {
    expect(pageProblems).toEqual([]);
  });
});
