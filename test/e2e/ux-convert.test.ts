import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalToolRunner } from '../../electron/engine/core/tool-runner';
import { domainNames, virsh } from '../../electron/engine/libvirt/virsh';
import { debianGuest, vmdkSamples } from '../fixtures';
import type { VmdkSamples } from '../fixtures';
import { repoRoot } from '../fixtures/cache-dir';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { lineCount, pathsBrokenInNames, splitValues, widths } from '../support/layout';
import { ensureLibvirtd } from '../support/libvirtd';
import type { LibvirtdHandle } from '../support/libvirtd';
import { copyFolder } from '../support/sources';

/**
 * What a new administrator tripped over in the Convert wizard, Create VM, Verify boot and the
 * report viewer (issue 17), checked in Chromium through the bridge: a conversion whose bars and
 * rates tell what really moves (in MiB, like every size), an inspection with its own bar timed
 * against launches measured here, Create VM reasons that say what was checked and what was not,
 * warnings before defining or booting a disk without an operating system, the console drawn by
 * a terminal emulator, exports into a folder that does not exist yet, and values and paths that
 * break only where they may. Each test gets to where it needs to be by itself (the conversion it
 * builds on is made once, by whichever test needs it first), so each runs alone too.
 */

const tools = new LocalToolRunner();
const VM_NAME = `h2k-ux-${randomBytes(3).toString('hex')}`;
let daemon: LibvirtdHandle;
let samples: VmdkSamples;
let work: string;
let outDir: string;
let home: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];

const text = (testId: string): Promise<string> => page.getByTestId(testId).first().innerText();

/** A VM folder as VMware leaves it: a .vmx (UEFI, 2 vCPUs) and its disk, which holds test data and no OS. */
function vmxFolder(): string {
  const dir = copyFolder(dirname(samples.monolithicSparse), join(work, 'source', 'a-rather-long-vm-folder-name-as-vmware-leaves-them'));
  writeFileSync(
    join(dir, `${VM_NAME}.vmx`),
    [
      '.encoding = "UTF-8"',
      'config.version = "8"',
      'virtualHW.version = "19"',
      `displayName = "${VM_NAME}"`,
      'guestOS = "debian11-64"',
      'numvcpus = "2"',
      'memsize = "1024"',
      'firmware = "efi"',
      'scsi0.present = "TRUE"',
      'scsi0.virtualDev = "pvscsi"',
      'scsi0:0.present = "TRUE"',
      `scsi0:0.fileName = "${basename(samples.monolithicSparse)}"`,
      'ethernet0.present = "TRUE"',
      'ethernet0.virtualDev = "vmxnet3"',
      'ethernet0.addressType = "generated"',
      'ethernet0.generatedAddress = "00:50:56:aa:bb:cc"',
      '',
    ].join('\n'),
  );
  return join(dir, `${VM_NAME}.vmx`);
}

async function home_(): Promise<void> {
  await loadApp(page, bridge.openUrl);
}

/**
 * The VMX converted with inspection, the wizard left on its Result step; `during` looks at the
 * Run step while the job runs. Done once per file run: later callers find it done.
 */
let conversion: Promise<{ output: string }> | null = null;
function converted(during?: () => Promise<void>): Promise<{ output: string }> {
  conversion ??= (async () => {
    await home_();
    await page.getByTestId('nav-convert').click();
    await page.getByTestId('source-path').fill(vmxFolder());
    await page.getByTestId('source-path-use').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('to-options').click();
    expect(await page.getByTestId('inspect').isChecked()).toBe(true);
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('start').click();
    await page.getByTestId('run').waitFor();
    if (during) await during();
    await page.getByTestId('result').waitFor({ timeout: 400_000 });
    return { output: (await page.getByTestId('result-output').getAttribute('data-path'))! };
  })();
  return conversion;
}

/** On the Convert wizard's Result step of that conversion (the wizard keeps it while the page lives). */
async function onResult(): Promise<string> {
  const { output } = await converted();
  if ((await page.getByTestId('result').count()) === 0) {
    await page.getByTestId('nav-convert').click();
    if ((await page.getByTestId('result').count()) === 0) await page.getByTestId('step-result').getByRole('button').click();
    await page.getByTestId('result').waitFor({ timeout: 20_000 });
  }
  return output;
}

/** On the Create VM step of that conversion. */
async function onCreateVm(): Promise<string> {
  const output = await onResult();
  await page.getByTestId('create-vm').click();
  await page.getByTestId('vm-step').waitFor();
  await page.getByTestId('vm-plan').waitFor({ timeout: 30_000 });
  return output;
}

function decision(field: string): Promise<string> {
  return page.locator(`[data-testid="vm-decision"][data-field="${field}"] td`).nth(2).innerText();
}

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  samples = await vmdkSamples();
  work = await mkdtemp(join(tmpdir(), 'hyper2kvm-e2e-ux-'));
  await chmod(work, 0o755); // libvirt's qemu may need to enter it
  // A destination as deep as real ones are: its paths have to wrap in narrow windows.
  outDir = join(work, 'out', 'converted-virtual-machines', 'from-the-old-vsphere-cluster-in-building-b');
  home = join(work, 'home');
  mkdirSync(outDir, { recursive: true });
  bridge = await startBridgeProcess({ home, outDir });
  browser = await launchChromium({ width: 1440, height: 960 });
  page = await watchedPage(browser, pageProblems);
  await home_();
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  for (const connection of ['qemu:///session', 'qemu:///system'] as const) {
    for (const name of (await domainNames({ tools }, connection).catch(() => [])).filter((n) => n.startsWith('h2k-ux-'))) {
      await virsh({ tools }, connection, ['undefine', '--domain', name, '--nvram']).catch(() => undefined);
    }
  }
  await virsh({ tools }, 'qemu:///session', ['net-undefine', '--network', `${VM_NAME}-net`]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
  await daemon?.release();
});

describe('the Convert wizard, Create VM and Verify boot, as a new administrator meets them (issue 17)', () => {
  it('shows the inspection after a conversion as its own live bar, timed against launches measured here, and rates of bytes really written, in MiB', async () => {
    await converted(async () => {
      // The inspection stage runs: its bar, not "Convert disks 100 % … ETA 0 s".
      const inspect = page.locator('[data-testid="stage"][data-stage-id="inspect"][data-state="running"]');
      await inspect.waitFor({ timeout: 120_000 });
      const panel = page.getByTestId('progress-panel');
      await expect.poll(async () => panel.innerText(), { timeout: 30_000 }).toContain('Inspect the guest');
      // The appliance's start is progress: the bar moves off 0 % while it boots, with an ETA.
      await expect.poll(async () => parseFloat(await text('progress-panel-percent')), { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
      const title = await panel.innerText();
      expect(title).toMatch(/Starting the inspection appliance: \d+ s \(about \d+ s without KVM\)|Reading|Identifying|Measuring/);
      expect(await text('progress-panel-bytes')).toMatch(/^step \d+ of \d+$/);
      expect(await page.getByTestId('progress-panel-rate').count()).toBe(0); // no byte rate for an inspection
      expect(await text('progress-panel-percent')).not.toBe('100.0 %');
      saveArtifact('ux-convert-inspecting.png', await page.screenshot({ fullPage: true }));
    });

    // The result: "converted in" is the table's Time; the rest of the job is said apart.
    const row = page.getByTestId('result-output');
    const cells = await row.locator('td').allInnerTexts();
    const time = cells[4]!;
    expect(await page.getByTestId('result-title').locator('.pf-v6-c-alert__title').innerText()).toContain(`Converted 1 disk in ${time}`);
    expect(await text('result-timing')).toMatch(/^The whole job took .+: .*convert disks .+, .*inspect the guest (\d+ s|\d+ min \d+ s)(, [^,]+)*\.$/);
    // The data rate is on the bytes written (24 MiB of data in a 2.5 GiB disk), and says so.
    expect(cells[5]).toMatch(/^\d+(\.\d)? MiB\/s written$/);
    expect(parseFloat(cells[5]!)).toBeLessThan(2000);
    expect(await page.locator('th', { hasText: 'Data rate' }).count()).toBe(1);
    // One unit family: nothing on the page speaks decimal MB.
    expect(await page.locator('body').innerText()).not.toMatch(/\d MB\/s|\bMB\b/);
    saveArtifact('ux-convert-result.png', await page.screenshot({ fullPage: true }));

    // From now on the wizard says how long an inspection takes here, measured.
    await page.getByTestId('nav-reports').click();
    // The page asks the engine for its estimate when it opens: wait for the answer, not the first paint.
    await page.getByText(/in one inspection appliance \(about \d+ s, as measured on this machine\)/).waitFor({ timeout: 15_000 });
    await page.getByTestId('nav-convert').click();
    await page.getByTestId('result').waitFor();
  });

  it('states Create VM reasons from what was checked, warns before defining a disk without an OS, and removes a VM only when asked twice', async () => {
    await onCreateVm();
    // What the inspection found, said before anything else.
    expect(await page.getByTestId('vm-guest-evidence').getAttribute('data-evidence')).toBe('no-os');
    expect(await text('vm-guest-evidence')).toContain('no operating system');
    // Nothing claims virtio drivers that nobody saw; the firmware came from the .vmx.
    expect(await decision('disk bus')).toBe('virtio drivers not checked (inspection found no operating system); virtio is the fastest');
    expect(await decision('NIC model')).toContain('not checked');
    expect(await decision('firmware')).toBe('the source VM booted with UEFI (its .vmx)');
    expect(await page.getByTestId('vm-warning').allInnerTexts()).toContainEqual(expect.stringContaining('The inspection found no operating system on these disks: a VM made from them has nothing to boot.'));

    // The network and NIC drop-downs are as wide as the other fields, and a network that is not started is said to be so.
    const nameBox = (await page.getByTestId('vm-name').boundingBox())!;
    const kindBox = (await page.getByTestId('vm-network-kind').boundingBox())!;
    const nicBox = (await page.getByTestId('vm-nic-model').boundingBox())!;
    expect(Math.abs(kindBox.x - nameBox.x)).toBeLessThanOrEqual(4);
    expect(Math.abs(nicBox.width - nameBox.width)).toBeLessThanOrEqual(4);
    const networkName = page.getByTestId('vm-network-name');
    const netBox = (await networkName.boundingBox())!;
    expect(Math.abs(netBox.x + netBox.width - (nameBox.x + nameBox.width))).toBeLessThanOrEqual(4);
    const xml = join(work, 'inactive-net.xml');
    writeFileSync(xml, `<network><name>${VM_NAME}-net</name><bridge name='virbr-${VM_NAME.slice(-6)}'/></network>`);
    await virsh({ tools }, 'qemu:///session', ['net-define', xml]);
    await page.locator('#vm-connection-system').check();
    await page.locator('#vm-connection-session').check(); // the list is read again
    await page.locator(`[data-testid="vm-network-name"] option[value="${VM_NAME}-net"]`).waitFor({ state: 'attached', timeout: 20_000 });
    await networkName.selectOption(`${VM_NAME}-net`);
    expect(await text('vm-network-inactive')).toContain(`net-start ${VM_NAME}-net`);
    saveArtifact('ux-create-vm.png', await page.screenshot({ fullPage: true }));
    await page.getByTestId('vm-network-kind').selectOption('none');

    // Define asks first; saying no defines nothing.
    await page.getByTestId('vm-name').fill(VM_NAME);
    await page.locator('[data-testid="define"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('define').click();
    expect(await page.getByTestId('define-confirm').innerText()).toContain('no operating system');
    await page.getByTestId('define-confirm').getByRole('button', { name: 'Do not define' }).click();
    expect(await domainNames({ tools }, 'qemu:///session')).not.toContain(VM_NAME);
    await page.getByTestId('define').click();
    await page.getByTestId('define-confirm-yes').click();
    await page.getByTestId('define-result').waitFor({ timeout: 60_000 });
    // One way on to the verification, not two.
    expect(await page.getByTestId('define-to-verify').count()).toBe(1);
    expect(await page.getByTestId('to-verify').count()).toBe(0);
    // Removing asks first.
    await page.getByTestId('undefine').click();
    await page.getByTestId('undefine-confirm').getByRole('button', { name: 'Keep it' }).click();
    expect(await domainNames({ tools }, 'qemu:///session')).toContain(VM_NAME);
    await page.getByTestId('undefine').click();
    await page.getByTestId('undefine-confirm-yes').click();
    await page.getByTestId('vm-removed').waitFor({ timeout: 30_000 });
    expect(await domainNames({ tools }, 'qemu:///session')).not.toContain(VM_NAME);
  });

  it('asks before booting a disk without an OS, and the verdict says no OS was found, quoted single-spaced', async () => {
    await onCreateVm();
    await page.getByTestId('to-verify').click();
    await page.locator('#verify-firmware-bios').check(); // SeaBIOS says "not a bootable disk" at once
    await page.getByTestId('verify-timeout').fill('120');
    await page.getByTestId('verify-start').click();
    const ask = page.getByTestId('verify-no-os-confirm');
    expect(await ask.innerText()).toContain('The boot will fail');
    await page.getByTestId('verify-no-os-confirm-yes').click();
    const verdict = page.getByTestId('boot-verdict');
    await verdict.waitFor({ timeout: 300_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('failed');
    expect(await verdict.innerText()).toMatch(/The inspection of this disk \(job [a-z0-9-]+\) found no operating system on it/);
    const excerpt = (await text('boot-excerpt')).split('\n');
    expect(excerpt.join('\n')).toContain('not a bootable disk');
    // Not double-spaced: no blank line after every line.
    const blanks = excerpt.filter((l) => l.trim() === '').length;
    expect(blanks).toBeLessThan(Math.max(1, excerpt.length / 3));
    expect(await page.getByText(/^Log \((1 line|\d+ lines)\)$/).count()).toBeGreaterThan(0);
    saveArtifact('ux-verify-no-os.png', await page.screenshot({ fullPage: true }));
  });

  it('offers the disk just converted on the Create VM page, with what its inspection found', async () => {
    const output = await onResult();
    await page.getByTestId('nav-vm').click();
    if ((await page.getByTestId('disk-step').count()) === 0) await page.getByTestId('vm-step-disk').getByRole('button').click();
    const recent = page.locator(`[data-testid="recent-disk"][data-path="${output}"]`);
    await recent.waitFor({ timeout: 20_000 });
    expect(await recent.innerText()).toContain('inspected: no operating system');
    await recent.getByTestId('recent-disk-use').click();
    await page.getByTestId('vm-step').waitFor();
    expect(await text('vm-disk')).toBe(output);
    expect(await page.getByTestId('vm-guest-evidence').getAttribute('data-evidence')).toBe('no-os');
  });

  it('exports a report into a folder that does not exist yet, and names the folder when it cannot be made', async () => {
    await onResult();
    await page.getByTestId('view-inspection-report').click();
    await page.getByTestId('report-view').waitFor();
    const fresh = join(outDir, 'reports', 'not-yet');
    expect(existsSync(fresh)).toBe(false);
    await page.getByTestId('export-folder').fill(fresh);
    await page.getByTestId('export-name').fill('ux-report');
    await page.getByTestId('export-json').click();
    const done = page.locator('[data-testid="export-done"][data-kind="json"]');
    await done.waitFor({ timeout: 30_000 });
    expect(await done.getAttribute('data-path')).toBe(join(fresh, 'ux-report.json'));
    expect(existsSync(join(fresh, 'ux-report.json'))).toBe(true);

    // A file where a folder should be: the message names the folder and the file in its way.
    const blocker = join(outDir, 'reports', 'a-file');
    writeFileSync(blocker, 'not a folder');
    await page.getByTestId('export-folder').fill(join(blocker, 'sub'));
    await page.getByTestId('export-html').click();
    const failure = page.getByTestId('export-bar').getByTestId('error-alert');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.innerText()).toContain(`The export folder ${join(blocker, 'sub')} cannot be created: ${blocker} is a file, not a folder.`);
    expect(await failure.innerText()).not.toContain('ux-report.html');
    await page.getByTestId('report-back').click();
  });

  it('breaks paths only after a slash, and never an address or a MAC in the middle', async () => {
    const output = await onResult();
    // A narrow window makes the output's path wrap: at its slashes, never inside a name.
    await page.setViewportSize({ width: 760, height: 900 });
    try {
      const path = page.getByTestId('result-output').locator('.h2k-path').first();
      expect(await path.getAttribute('title')).toBe(output);
      expect((await lineCount(page, '[data-testid="result-output"] .h2k-path'))[0]).toBeGreaterThan(1);
      expect(await pathsBrokenInNames(page, '[data-testid="result-output"] .h2k-path')).toEqual([]);
      saveArtifact('ux-result-narrow.png', await page.screenshot({ fullPage: true }));
    } finally {
      await page.setViewportSize({ width: 1440, height: 960 });
    }

    // A saved report with a static address and a pinned MAC, on its Network tab.
    await page.getByTestId('nav-reports').click();
    // The conversion's report stays open on the Reports page after "Back to the conversion".
    if ((await page.getByTestId('report-close').count()) > 0) await page.getByTestId('report-close').click();
    await page.getByTestId('report-file-input').setInputFiles(join(repoRoot(), 'test', 'unit', 'renderer', 'samples', 'inspection-linux-legacy.json'));
    await page.getByTestId('report-view').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: /^Network/ }).click();
    const network = page.getByTestId('network');
    await network.waitFor();
    expect(await network.innerText()).toContain('10.20.30.40/24');
    expect(await splitValues(page, '[data-testid="network"] .h2k-nowrap')).toEqual([]);
    expect(await pathsBrokenInNames(page, '[data-testid="network"] .h2k-path')).toEqual([]);
    expect((await widths(page, '[data-testid="network"] .h2k-nowrap')).every((w) => w > 0)).toBe(true);
    saveArtifact('ux-report-network.png', await page.screenshot({ fullPage: true }));
  });

  it('draws the serial console through a terminal: GRUB\u2019s menu is its box, not a column of "|"', async () => {
    const guest = await debianGuest();
    await home_();
    await page.getByTestId('nav-vm').click();
    if ((await page.getByTestId('disk-step').count()) === 0) await page.getByTestId('vm-step-disk').getByRole('button').click();
    await page.getByTestId('disk-path').fill(guest.raw);
    await page.getByTestId('disk-path-use').click();
    await page.getByTestId('vm-step').waitFor({ timeout: 30_000 });
    await page.getByTestId('to-verify').click();
    await page.getByTestId('verify-start').click();
    const consoleText = page.getByTestId('boot-console');
    // GRUB's menu box: its top edge and the entry inside it, as on screen.
    await expect.poll(async () => /^ [┌+][─-]{76}[┐+]$/m.test(await consoleText.innerText()), { timeout: 120_000, interval: 250 }).toBe(true);
    const shown = await consoleText.innerText();
    expect(shown).toMatch(/^ [│|]\*Debian GNU\/Linux/m);
    expect(shown).not.toMatch(/^\s*[│|]\s*$(\n^\s*[│|]\s*$){3}/m); // no column of bars
    expect(shown).toContain('SeaBIOS'); // the firmware's lines stay above GRUB's screen
    saveArtifact('ux-console-grub.png', await page.getByTestId('boot-console').screenshot());
    await page.getByTestId('verify-cancel').click();
    await page.getByTestId('verify-cancel-yes').click();
    await page.getByTestId('verify-cancelled').waitFor({ timeout: 60_000 });
  });

  it('offers one way out of a failed run, not the same two links in the alert and as buttons', async () => {
    await home_();
    await page.getByTestId('nav-convert').click();
    // The wizard found the earlier conversion after the reload: start over from its result.
    await page.getByTestId('steps').waitFor();
    if ((await page.getByTestId('source-path').count()) === 0) {
      if ((await page.getByTestId('result').count()) === 0) await page.getByTestId('step-result').getByRole('button').click();
      await page.getByTestId('convert-another').click();
    }
    // A disk that goes missing between the plan and the start: the conversion fails.
    const folder = copyFolder(dirname(samples.monolithicSparse), join(work, 'vanishing'));
    await page.getByTestId('source-path').fill(join(folder, basename(samples.monolithicSparse)));
    await page.getByTestId('source-path-use').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('to-options').click();
    await page.getByTestId('out-name').fill('vanishing');
    await page.getByTestId('repair-option').uncheck(); // the repair needs the inspection
    await page.getByTestId('inspect').uncheck();
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await rm(folder, { recursive: true, force: true });
    await page.getByTestId('start').click();
    await page.locator('[data-testid="run"][data-outcome="failed"]').waitFor({ timeout: 60_000 });
    const alert = page.getByTestId('run').getByTestId('error-alert');
    expect(await alert.locator('.pf-v6-c-alert__action-group button, .pf-v6-c-alert__action-group a').count()).toBe(0);
    for (const label of ['Back to options', 'Start over']) expect(await page.getByRole('button', { name: label, exact: true }).count(), label).toBe(1);
    expect(await page.getByText('Choose another source', { exact: true }).count()).toBe(0);
  });

  it('ran without page errors or console errors', () => {
    expect(pageProblems).toEqual([]);
  });
});
