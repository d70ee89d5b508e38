import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectionReport } from '../../shared/contract/models/inspection';
import { repoRoot } from '../fixtures/cache-dir';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { dropFiles, launchChromium, loadApp, saveArtifact, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';

/**
 * The report viewer as an administrator uses it: the real UI in Debian's Chromium through the
 * bridge started as `hyper2kvm serve`. A saved report (the real report of an inspection of the
 * Debian fixture made to look like an old VMware template) is dropped on the page, read
 * there and shown without inspecting again; it is exported as HTML, PDF and JSON by the engine;
 * a report with thousands of packages stays a short DOM; and a disk is inspected from the page.
 */

const SAMPLE = join(repoRoot(), 'test', 'unit', 'renderer', 'samples', 'inspection-linux-legacy.json');
const DROP = '[data-testid="report-drop"]';

let work: string;
let outDir: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
let report: InspectionReport;
const pageProblems: string[] = [];

function text(testId: string): Promise<string> {
  return page.getByTestId(testId).first().innerText();
}

function pdfText(path: string): string {
  return execFileSync('/usr/bin/pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
}

async function openReports(): Promise<void> {
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').waitFor();
}

async function backToReportsHome(): Promise<void> {
  if (await page.getByTestId('report-close').count()) await page.getByTestId('report-close').click();
  await page.getByTestId('reports-home').waitFor();
}

async function tab(name: string): Promise<void> {
  await page.getByTestId(`tab-${name}`).click();
}

beforeAll(async () => {
  report = InspectionReport.parse(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  work = mkdtempSync(join(tmpdir(), 'hyper2kvm-e2e-report-'));
  outDir = join(work, 'exports');
  mkdirSync(outDir);
  bridge = await startBridgeProcess({ home: join(work, 'home'), outDir });
  browser = await launchChromium({ width: 1360, height: 900 });
  page = await watchedPage(browser, pageProblems);
  await loadApp(page, bridge.openUrl);
  await openReports();
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the report viewer in Chromium through the bridge', () => {
  it('refuses a dropped file that is not a report, with its code and what to do', async () => {
    const notReport = join(work, 'package.json');
    writeFileSync(notReport, '{"name":"not-a-report"}');
    expect(await dropFiles(page, DROP, [notReport])).toBe(1);
    const alert = page.getByTestId('error-alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-error-code')).toBe('INSPECT_REPORT_INVALID');
    expect(await alert.innerText()).toContain('not a hyper2kvm inspection report');
    expect(await text('error-hint')).toContain('inspection.json');
    expect(await page.getByTestId('report-view').count()).toBe(0);
    saveArtifact('report-home.png', await page.screenshot({ fullPage: true }));
  });

  it('opens a dropped report as saved: overview with OS, verdict, counts and the findings chart', async () => {
    expect(await dropFiles(page, DROP, [SAMPLE])).toBe(1);
    await page.getByTestId('report-view').waitFor();
    expect(await text('report-title')).toBe('Debian 12.15 — h2k-debian');
    expect(await page.getByTestId('report-verdict').getAttribute('data-readiness')).toBe('blocked');
    expect(await text('report-verdict')).toBe('Blocked');
    expect(await page.getByTestId('count-blockers').getAttribute('data-count')).toBe('3');
    expect(await page.getByTestId('count-warnings').getAttribute('data-count')).toBe('4');
    expect(await page.getByTestId('count-infos').getAttribute('data-count')).toBe('1');
    const facts = await text('os-facts');
    for (const fact of ['h2k-debian', 'x86_64', 'debian12', 'BIOS', '/dev/sda1']) expect(facts).toContain(fact);
    // The chart is drawn: one bar per non-empty severity, labelled with its count.
    const chart = page.getByTestId('chart-findings');
    await chart.locator('svg.recharts-surface').waitFor();
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBe(3);
    expect(await chart.locator('.recharts-label-list').textContent()).toMatch(/^3\s*4\s*1$/);
    saveArtifact('report-overview.png', await page.screenshot({ fullPage: true }));
  });

  it('shows the findings grouped by severity, with evidence and the fix', async () => {
    await tab('findings');
    const groups = page.getByTestId('finding-group');
    await groups.first().waitFor();
    expect(await Promise.all((await groups.all()).map((g) => g.getAttribute('data-severity')))).toEqual(['blocker', 'warning', 'info']);
    const fstab = page.locator('[data-testid="finding"][data-code="FSTAB_DEVICE_NAME"]');
    expect(await fstab.getAttribute('data-severity')).toBe('blocker');
    expect(await fstab.getByTestId('finding-evidence').innerText()).toContain('/etc/fstab:2');
    expect(await fstab.getByTestId('finding-fix').innerText()).toContain('Rewrite the entries to UUID= names');
    expect(await fstab.getByTestId('finding-fix').getAttribute('data-automatic')).toBe('true');
    expect(await page.getByTestId('finding').count()).toBe(report.findings.length);
    saveArtifact('report-findings.png', await page.screenshot({ fullPage: true }));
  });

  it('draws file system usage and the partitions to scale', async () => {
    await tab('storage');
    const usage = page.getByTestId('chart-usage');
    await usage.locator('svg.recharts-surface').waitFor();
    expect(await usage.innerText()).toContain('sda1 /');
    expect(await usage.locator('.recharts-bar-rectangle').count()).toBe(2); // used and free
    const segments = page.locator('[data-testid="partition-layout"][data-disk="disk1"] [data-testid="partition-segment"]');
    expect(await segments.count()).toBe(1);
    expect(await segments.first().innerText()).toContain('sda1');
    expect(await text('filesystems')).toContain('5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03');
    saveArtifact('report-storage.png', await page.screenshot({ fullPage: true }));
  });

  it('lists packages in a searchable, sortable table, and the services and boot facts', async () => {
    await tab('applications');
    const table = page.getByTestId('applications');
    await table.waitFor();
    expect(await table.getAttribute('data-total')).toBe(String(report.applications.length));
    await page.getByTestId('applications-search').locator('input').fill('open-vm-tools');
    await expect.poll(() => table.getAttribute('data-shown')).toBe('1');
    expect(await page.getByTestId('applications-row').first().innerText()).toContain('open-vm-tools');
    await page.getByTestId('applications-search').locator('input').fill('');
    await page.getByTestId('applications-sort-name').click(); // already ascending: now descending
    const first = await page.locator('[data-testid="applications-row"] [data-column="name"]').first().innerText();
    expect(first).toBe([...report.applications].map((a) => a.name).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0]);

    await tab('network');
    expect(await text('network')).toContain('ens192');
    await tab('system');
    expect(await page.getByTestId('services').getAttribute('data-total')).toBe('14');
    expect(await text('linux-details')).toContain('vmw_pvscsi.cmd_per_lun=254');
  });

  it('exports HTML, PDF and JSON through the engine; the PDF text names the OS and a finding', async () => {
    await page.getByTestId('export-folder').fill(outDir);
    await page.getByTestId('export-name').fill('legacy');
    const done = (kind: string) => page.locator(`[data-testid="export-done"][data-kind="${kind}"]`);

    await page.getByTestId('export-html').click();
    await done('html').waitFor({ timeout: 60_000 });
    expect(await done('html').getAttribute('data-path')).toBe(join(outDir, 'legacy.html'));
    const html = readFileSync(join(outDir, 'legacy.html'), 'utf8');
    expect(html).toContain('h2k-debian');
    expect(html).toContain('<svg'); // charts inline

    await page.getByTestId('export-pdf').click();
    await done('pdf').waitFor({ timeout: 120_000 });
    const text = pdfText(join(outDir, 'legacy.pdf'));
    expect(text).toContain('h2k-debian');
    expect(text).toMatch(/debian 12\.15/i);
    expect(text).toContain('FSTAB_DEVICE_NAME');
    expect(text).toContain('fstab names disks by device name');
    expect(text).toContain('libacl1'); // the package list is printed open

    await page.getByTestId('export-json').click();
    await done('json').waitFor({ timeout: 60_000 });
    expect(InspectionReport.parse(JSON.parse(readFileSync(join(outDir, 'legacy.json'), 'utf8')))).toEqual(report);

    // The same name again is refused unless replacing was chosen.
    await page.getByTestId('export-pdf').click();
    const failure = page.getByTestId('export-bar').getByTestId('error-alert');
    await failure.waitFor({ timeout: 60_000 });
    expect(await failure.getAttribute('data-error-code')).toBe('OUTPUT_EXISTS');
    await page.getByTestId('export-overwrite').check();
    const before = statSync(join(outDir, 'legacy.pdf')).mtimeMs;
    await page.getByTestId('export-pdf').click();
    await page.locator('[data-testid="export-pdf"]:not([disabled])').waitFor({ timeout: 120_000 });
    expect(await failure.count()).toBe(0);
    expect(statSync(join(outDir, 'legacy.pdf')).mtimeMs).toBeGreaterThan(before); // replaced by a new print
    saveArtifact('report-exports.png', await page.screenshot({ fullPage: true }));
  });

  it('keeps a report with 5000 packages smooth: only the rows in view are in the page', async () => {
    const many = { ...report, applications: Array.from({ length: 5000 }, (_, i) => ({ name: `pkg-${String(i).padStart(5, '0')}`, version: `1.${i}`, arch: 'amd64', summary: `synthetic package ${i}`, origin: 'dpkg' as const })) };
    const path = join(work, 'many-packages.json');
    writeFileSync(path, JSON.stringify(many));
    await backToReportsHome();
    const started = Date.now();
    await dropFiles(page, DROP, [path]);
    await page.getByTestId('report-view').waitFor();
    await tab('applications');
    const table = page.getByTestId('applications');
    await page.getByTestId('applications-row').first().waitFor();
    const opened = Date.now() - started;
    expect(await table.getAttribute('data-total')).toBe('5000');
    expect(await page.getByTestId('applications-row').count()).toBeLessThan(60);
    // Scrolled to the end, the last package is there and the DOM is still short.
    await page.locator('.h2k-vtable-body').first().hover();
    await page.mouse.wheel(0, 5000 * 40);
    await page.locator('[data-testid="applications-row"]', { hasText: 'pkg-04999' }).waitFor();
    expect(await page.getByTestId('applications-row').count()).toBeLessThan(60);
    const searchStarted = Date.now();
    await page.getByTestId('applications-search').locator('input').fill('pkg-0421');
    await expect.poll(() => table.getAttribute('data-shown')).toBe('10');
    const searched = Date.now() - searchStarted;
    console.log(`5000 packages: report open to first rows ${opened} ms, search ${searched} ms`);
    expect(searched).toBeLessThan(2000);
  });

  it('opens a report picked with the file chooser and shows its boot verification', async () => {
    // The report with the verdict of a real verification of the Debian guest (its screenshots
    // stayed on the machine that booted it: the viewer says so instead of showing a broken image).
    const verification = JSON.parse(readFileSync(join(repoRoot(), 'test', 'unit', 'boot', 'samples', 'debian-boot-verification.json'), 'utf8')) as unknown;
    const path = join(work, 'with-boot.json');
    writeFileSync(path, JSON.stringify({ ...report, bootVerification: verification }));
    await backToReportsHome();
    await page.getByTestId('report-file-input').setInputFiles(path);
    await page.getByTestId('report-view').waitFor();
    await tab('boot');
    const boot = page.getByTestId('boot-verification');
    expect(await boot.getAttribute('data-verdict')).toBe('booted');
    expect(await text('boot-verdict')).toBe('booted');
    expect(await text('boot-excerpt')).toContain('login:');
    await expect.poll(() => boot.innerText(), { timeout: 10_000 }).toContain('The screenshot is not available on this machine.');
  });

  it('shows file system details and the guest\'s services, journal and logins', async () => {
    // A report with the offline systemd, journal, wtmp and file-system facts (its unit files are
    // systemctl list-unit-files --root of the Debian fixture's tree; see the sample's test).
    const sample = join(repoRoot(), 'test', 'unit', 'renderer', 'samples', 'inspection-debian-services.json');
    const deep = InspectionReport.parse(JSON.parse(readFileSync(sample, 'utf8')));
    await backToReportsHome();
    await page.getByTestId('report-file-input').setInputFiles(sample);
    await page.getByTestId('report-view').waitFor();

    await tab('filesystems');
    const btrfs = page.locator('[data-testid="fs-card"][data-type="btrfs"]');
    await btrfs.waitFor();
    const btrfsText = await btrfs.innerText();
    for (const subvolume of ['@/.snapshots/1/snapshot', '@/home', '@/var']) expect(btrfsText).toContain(subvolume);
    expect(await btrfs.getByTestId('btrfs-snapshots').locator('tbody tr').count()).toBe(deep.filesystems.find((f) => f.type === 'btrfs')!.details!.btrfs!.snapshots.length);
    const ext = page.locator('[data-testid="fs-card"][data-type="ext4"]');
    expect(await ext.innerText()).toContain('/etc/fstab');
    saveArtifact('report-filesystems.png', await page.screenshot({ fullPage: true }));

    await tab('services');
    const units = page.getByTestId('units');
    await units.waitFor();
    expect(await units.getAttribute('data-total')).toBe(String(deep.linux!.systemd!.unitFiles.length));
    await page.getByTestId('unit-filter-type').selectOption('timer');
    await expect.poll(() => units.getAttribute('data-shown')).toBe(String(deep.linux!.systemd!.unitFiles.filter((u) => u.type === 'timer').length));
    expect(await text('timers')).toContain('e2scrub_all.timer');
    expect(await text('journal-failed')).toContain('apt-daily.service failed');
    expect(await page.getByTestId('journal-boots').locator('tbody tr').count()).toBe(deep.linux!.journal!.boots.length);
    expect(await page.getByTestId('logins').locator('tbody tr').count()).toBe(deep.linux!.logins.length);
    saveArtifact('report-services.png', await page.screenshot({ fullPage: true }));
  });

  it('inspects a disk from the first screen and shows its report', async () => {
    const disk = join(work, 'blank.raw');
    execFileSync('/usr/bin/qemu-img', ['create', '-q', '-f', 'raw', disk, '64M']);
    await backToReportsHome();
    await page.getByTestId('inspect-path').fill(disk);
    await page.getByTestId('inspect-add').click();
    expect(await page.getByTestId('inspect-disk').getAttribute('data-path')).toBe(disk);
    await page.getByTestId('inspect-start').click();
    await page.getByTestId('inspect-run').waitFor({ timeout: 30_000 });
    await page.getByTestId('report-view').waitFor({ timeout: 300_000 });
    expect(await page.getByTestId('report-view').getAttribute('data-os-type')).toBe('unknown');
    expect(await text('report-title')).toBe('No operating system found');
    await tab('findings');
    expect(await page.locator('[data-testid="finding"][data-code="NO_OS_FOUND"]').count()).toBe(1);
    // The job keeps its report: it is listed and opens again by job.
    await backToReportsHome();
    await page.getByTestId('recent-report').first().click();
    await page.getByTestId('report-view').waitFor();
    expect(await text('report-origin')).toMatch(/job [a-z0-9-]+/);
  });

  it('ran without page errors or console errors (CSP violations included)', () => {
    expect(pageProblems).toEqual([]);
  });
});
