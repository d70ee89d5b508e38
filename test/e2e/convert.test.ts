import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kindOf } from '../../shared/contract/errors';
import { vmdkSamples } from '../fixtures';
import type { VmdkSamples } from '../fixtures';
import { repoRoot } from '../fixtures/cache-dir';
import { startBridgeProcess } from '../support/bridge-process';
import type { BridgeProcess } from '../support/bridge-process';
import { dropFiles, launchChromium, saveArtifact, waitForEngine, watchedPage } from '../support/browser';
import type { Browser } from '../support/browser';
import { notADisk, slowDisk } from '../support/e2e-disks';

/**
 * The wizard as a user drives it: the real UI in Debian's Chromium, through the loopback
 * bridge started as `hyper2kvm serve`, against the real engine and qemu-img. The four tests
 * share one bridge and one page, in order: a dropped disk converted and compared, a blocker,
 * a bad input, a cancellation half-way through a slow conversion.
 */

let work: string;
let outDir: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
let samples: VmdkSamples;
let slow: { path: string; bytes: number };
const pageProblems: string[] = [];
const shots: { run?: Buffer; result?: Buffer } = {};

const DROP_ZONE = '[data-testid="drop-zone"]';

function qemuImg(args: string[]): string {
  return execFileSync('/usr/bin/qemu-img', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** qemu-img processes whose command line names `needle` (other engineers' jobs do not count). */
function qemuImgProcessesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (basename(argv[0] ?? '') === 'qemu-img' && argv.some((a) => a.includes(needle))) found.push(`${pid}: ${argv.join(' ')}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** A screenshot of the page down to the end of `testId`'s element (no empty space below). */
async function shot(testId: string): Promise<Buffer> {
  const box = await page.getByTestId(testId).boundingBox();
  const viewport = page.viewportSize()!;
  const height = Math.min(Math.ceil((box?.y ?? 0) + (box?.height ?? viewport.height)) + 40, viewport.height);
  return page.screenshot({ clip: { x: 0, y: 0, width: viewport.width, height } });
}

function text(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).first().innerText();
}

async function openWizard(): Promise<void> {
  await waitForEngine(page);
  await page.getByTestId('drop-zone').waitFor();
}

/** Starts over on the Source step (after a reload the token comes from this tab's session storage). */
async function freshSourceStep(): Promise<void> {
  await page.reload();
  await openWizard();
}

beforeAll(async () => {
  [samples, slow] = await Promise.all([vmdkSamples(), slowDisk()]);
  work = mkdtempSync(join(tmpdir(), 'hyper2kvm-e2e-'));
  outDir = join(work, 'out');
  mkdirSync(outDir);
  bridge = await startBridgeProcess({ home: join(work, 'home'), outDir });
  browser = await launchChromium({ width: 1280, height: 860 });
  page = await watchedPage(browser, pageProblems);
  await page.goto(bridge.openUrl);
  await openWizard();
});

// Each test ends with no page error and no console error (CSP violations included), run alone or not.
afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

afterAll(async () => {
  if (browser) await saveScreenshot();
  await browser?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the Convert wizard in Chromium through the bridge', () => {
  it('keeps the access token out of the address bar', async () => {
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate<string | null>("sessionStorage.getItem('hyper2kvm.token')")).toBe(bridge.token);
  });

  it('converts a dropped VMDK: plan, options, progress, result, and the output equals the source', async () => {
    // Source: the drop is streamed to the engine, then planned.
    expect(await dropFiles(page, DROP_ZONE, [samples.monolithicSparse])).toBe(1);
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('plan-kind').getAttribute('data-kind')).toBe('vmdk');
    expect(await text(page, 'plan-disk-format')).toBe('vmdk (monolithicSparse)');
    expect(await text(page, 'plan-disk-virtual')).toBe('2.5 GiB');

    // Options: the defaults, and a preview without blockers.
    await page.getByTestId('to-options').click();
    expect(await page.getByTestId('out-dir').inputValue()).toBe(outDir);
    expect(await page.getByTestId('out-name').inputValue()).toBe('disk');
    expect(await page.locator('#format-qcow2').isChecked()).toBe(true);
    expect(await page.getByTestId('overwrite').isChecked()).toBe(false);
    await page.getByTestId('preview').waitFor({ timeout: 30_000 });
    expect(await text(page, 'preview-output')).toContain(join(outDir, 'disk.qcow2'));
    expect(await page.getByTestId('blocker').count()).toBe(0);
    await page.locator('[data-testid="start"]:not([disabled])').waitFor();

    // Run: stages from the engine, the progress panel, then the result.
    await page.getByTestId('start').click();
    await page.getByTestId('run').waitFor();
    // Inspecting (and, for a guest, repairing) the output starts an appliance: allow for it.
    await page.getByTestId('result').waitFor({ timeout: 300_000 });
    const row = page.getByTestId('result-output');
    expect(await row.getAttribute('data-path')).toBe(join(outDir, 'disk.qcow2'));
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[1]).toBe('qcow2');
    expect(cells[2]).toBe('2.5 GiB');
    expect(cells[5]).toMatch(/^\d+(\.\d)? MiB\/s written$/); // the data written, not the virtual disk
    expect(cells[6]).toBe('qemu-img check passed');
    shots.result = await shot('result');

    // The Run step shows every stage done and the final progress reading.
    await page.getByTestId('step-run').getByRole('button').click();
    const states = await Promise.all((await page.getByTestId('stage').all()).map(async (el) => `${await el.getAttribute('data-stage-id')}:${await el.getAttribute('data-state')}`));
    // The wizard inspects and repairs the converted disk by default, before it takes its final name.
    expect(states).toEqual(['probe:done', 'verify:done', 'preflight:done', 'convert:done', 'check:done', 'inspect:done', 'repair-plan:done', 'repair:done', 'finalize:done']);
    expect(await text(page, 'progress-panel-percent')).toBe('100.0 %');
    // The last bar is the inspection's (its own, in steps), full.
    expect(await text(page, 'progress-panel-bytes')).toMatch(/^step (\d+) of \1$/);
    expect(await text(page, 'run-log')).toContain('disk.qcow2');

    // On disk: the output has the source's content, the job left its record, nothing partial.
    expect(qemuImg(['compare', '-f', 'vmdk', '-F', 'qcow2', samples.monolithicSparse, join(outDir, 'disk.qcow2')])).toContain('Images are identical');
    expect(qemuImg(['compare', '-f', 'raw', '-F', 'qcow2', samples.raw, join(outDir, 'disk.qcow2')])).toContain('Images are identical');
    await page.getByTestId('step-result').getByRole('button').click();
    const recordPath = await page.getByTestId('record-path').locator('input').inputValue();
    expect(recordPath).toMatch(/\/jobs\/[a-z0-9-]+\/job\.json$/);
    expect(JSON.parse(readFileSync(recordPath, 'utf8'))).toMatchObject({ kind: 'convert', state: 'succeeded' });
    expect(readdirSync(outDir).filter((n) => n.includes('.part-'))).toEqual([]);

    // The inspection of the output (test data, no operating system) and the way to its report.
    const inspection = page.getByTestId('conversion-inspection');
    expect(await inspection.getAttribute('data-readiness')).toBe('blocked');
    expect(await inspection.innerText()).toContain('No operating system found');
    await page.getByTestId('view-inspection-report').click();
    await page.getByTestId('report-view').waitFor();
    expect(await page.getByTestId('report-origin').innerText()).toContain(recordPath.split('/').at(-2)!);
    await page.getByTestId('report-back').click();
    await page.getByTestId('result').waitFor();
  });

  it('uploads a multi-file VMDK as one batch, and an existing output blocks Start until overwriting is allowed', async () => {
    await page.getByTestId('convert-another').click();
    const folder = dirname(samples.twoGbMaxExtentSparse);
    const files = readdirSync(folder).map((n) => join(folder, n));
    expect(await dropFiles(page, DROP_ZONE, files)).toBe(3);
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    // Descriptor and extents landed in one folder: the engine found the disk in it.
    expect(await page.getByTestId('plan-kind').getAttribute('data-kind')).toBe('folder');
    expect(await page.getByTestId('plan-disk').count()).toBe(1);
    expect(await text(page, 'plan-disk-format')).toBe('vmdk (twoGbMaxExtentSparse)');

    await page.getByTestId('to-options').click();
    expect(await page.getByTestId('out-name').inputValue()).toBe('disk');
    const blocker = page.locator('[data-testid="blocker"][data-code="OUTPUT_EXISTS"]');
    await blocker.waitFor({ timeout: 30_000 });
    expect(await blocker.innerText()).toContain(join(outDir, 'disk.qcow2'));
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    expect(await text(page, 'start-disabled-reasons')).toContain('already exists');
    saveArtifact('blocker.png', await page.screenshot({ fullPage: true }));

    // Replacing is an explicit choice: then Start is allowed; unticking blocks again.
    await page.getByTestId('overwrite').check();
    await blocker.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid="start"]:not([disabled])').waitFor();
    await page.getByTestId('overwrite').uncheck();
    await blocker.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('start').isDisabled()).toBe(true);

    // A name that is not a file name is refused before anything is asked of the engine.
    await page.getByTestId('out-name').fill('../disk');
    expect(await text(page, 'out-name-help')).toContain('no slash');
    expect(await page.getByTestId('start').isDisabled()).toBe(true);

    // Another name and raw: converts, and equals the reference.
    await page.getByTestId('out-name').fill('from-extents');
    await page.locator('#format-raw').check();
    // Inspected and repaired in the test above: spare the appliance.
    await page.getByTestId('repair-option').uncheck();
    await page.getByTestId('inspect').uncheck();
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    expect(await blocker.count()).toBe(0);
    await page.getByTestId('start').click();
    await page.getByTestId('result').waitFor({ timeout: 300_000 });
    const output = join(outDir, 'from-extents.raw');
    expect(await page.getByTestId('result-output').getAttribute('data-path')).toBe(output);
    expect(qemuImg(['compare', '-f', 'raw', '-F', 'raw', samples.raw, output])).toContain('Images are identical');
  });

  it('shows a text file named .vmdk as an error with its code and hint, and lets the user choose again', async () => {
    await freshSourceStep();
    const notes = notADisk(work);
    await dropFiles(page, DROP_ZONE, [notes]);
    const alert = page.getByTestId('error-alert');
    await alert.waitFor({ timeout: 30_000 });
    const code = await alert.getAttribute('data-error-code');
    expect(code).toBeTruthy();
    expect(kindOf(code!)).toBe('bad-input');
    expect(await text(page, 'error-code')).toBe(code);
    expect((await text(page, 'error-hint')).length).toBeGreaterThan(10);
    const shown = await alert.innerText();
    expect(shown).toContain('notes.vmdk');
    expect(shown).not.toMatch(/\n\s+at |\.ts:\d+|\.mjs:\d+/); // never a stack trace
    expect(await page.getByTestId('to-options').count()).toBe(0);
    await alert.getByRole('button', { name: 'Show evidence' }).click().catch(() => undefined); // not every error has evidence
    saveArtifact('bad-input.png', await page.screenshot({ fullPage: true }));

    await alert.getByRole('button', { name: 'Choose another source' }).click();
    await alert.waitFor({ state: 'detached' });
    await page.getByTestId('drop-zone').waitFor();
  });

  it('shows an honest upload bar for a large dropped file, and cancelling the upload leaves nothing behind', async () => {
    await freshSourceStep();
    await dropFiles(page, DROP_ZONE, [slow.path]);
    const rate = page.getByTestId('upload-progress-rate');
    await rate.waitFor({ timeout: 30_000 });
    await expect.poll(() => rate.innerText(), { timeout: 30_000, interval: 100 }).toMatch(/^\d+(\.\d)? MiB\/s$/);
    expect(await text(page, 'upload-progress-percent')).toMatch(/^\d{1,2}\.\d %$/);
    expect(await text(page, 'upload-progress-bytes')).toMatch(/ of 1\.0 GiB$/);
    expect(await text(page, 'upload-progress-eta')).toMatch(/^ETA \d+ s$/);

    await page.getByTestId('upload').getByRole('button', { name: 'Cancel upload' }).click();
    await page.getByTestId('upload').waitFor({ state: 'detached' });
    expect(await page.getByTestId('error-alert').count()).toBe(0);
    expect(await page.getByTestId('plan-summary').count()).toBe(0);
    // The bridge removes the partial upload once the browser hangs up.
    const uploads = join(work, 'home', 'uploads');
    const leftovers = (): string[] => readdirSync(uploads).flatMap((batch) => readdirSync(join(uploads, batch)).filter((n) => n.startsWith('slow')));
    await expect.poll(leftovers, { timeout: 10_000 }).toEqual([]);
  });

  it('cancels a running conversion: the UI says so, no partial file and no qemu-img process remain', async () => {
    await freshSourceStep();
    // A disk already on the engine's machine is picked with the server-side file browser.
    await page.getByTestId('browse-source').click();
    const browserDialog = page.getByTestId('file-browser');
    await browserDialog.waitFor();
    await page.getByTestId('file-browser-path').fill(dirname(slow.path));
    await page.getByTestId('file-browser-go').click();
    await page.locator(`[data-testid="file-browser-entry"][data-name="${basename(slow.path)}"]`).click();
    await page.getByTestId('file-browser-choose').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 60_000 });
    expect(await text(page, 'plan-disk-virtual')).toBe('1.0 GiB');

    await page.getByTestId('to-options').click();
    await page.locator('#compress').check(); // incompressible data, compressed: tens of seconds
    await page.locator('[data-testid="start"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('start').click();

    // While it runs: percent, bytes of the total and a measured throughput are on screen.
    const rate = page.getByTestId('progress-panel-rate');
    await rate.waitFor({ timeout: 60_000 });
    await expect.poll(() => rate.innerText(), { timeout: 60_000, interval: 200 }).toMatch(/^\d+(\.\d)? MiB\/s written$/);
    expect(await text(page, 'progress-panel-percent')).toMatch(/^\d{1,2}\.\d %$/);
    expect(await text(page, 'progress-panel-bytes')).toMatch(/ of 1\.0 GiB \(virtual\); [\d.]+ [KMG]?i?B written$/);
    expect(await text(page, 'progress-panel-eta')).toMatch(/^ETA (\d+ s|\d+ min \d{2} s)$/);
    expect(await page.locator('[data-testid="stage"][data-stage-id="convert"]').getAttribute('data-state')).toBe('running');
    const partials = readdirSync(outDir).filter((n) => n.includes('.part-'));
    expect(partials).toHaveLength(1); // qemu-img writes under a temporary name
    expect(qemuImgProcessesMentioning(outDir)).toHaveLength(1);
    // For the README picture: let the bar move a little further first.
    await expect.poll(async () => parseFloat(await text(page, 'progress-panel-percent')), { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(12);
    shots.run = await shot('run');

    // A reload in the middle: the page finds the running job and catches up with its events.
    const before = parseFloat(await text(page, 'progress-panel-percent'));
    await page.reload();
    await waitForEngine(page);
    await page.locator('[data-testid="run"][data-outcome="running"]').waitFor({ timeout: 20_000 });
    await expect.poll(async () => parseFloat(await text(page, 'progress-panel-percent')), { timeout: 30_000, interval: 250 }).toBeGreaterThan(before);
    expect(await page.locator('[data-testid="stage"][data-stage-id="probe"]').getAttribute('data-state')).toBe('done');
    expect(await text(page, 'run-log')).toContain('slow.qcow2');

    await page.getByTestId('cancel').click();
    await page.getByTestId('cancel-confirm-yes').click();
    const cancelled = page.getByTestId('run-cancelled');
    await cancelled.waitFor({ timeout: 60_000 });
    expect(await cancelled.innerText()).toContain('partial output files were removed');
    expect(await page.locator('[data-testid="stage"][data-stage-id="convert"]').getAttribute('data-state')).toBe('cancelled');
    expect(await page.getByTestId('run').getAttribute('data-outcome')).toBe('cancelled');
    expect(readdirSync(outDir).filter((n) => n.includes('.part-') || n.startsWith('slow'))).toEqual([]);
    expect(qemuImgProcessesMentioning(outDir)).toEqual([]);
  });

});

/** The README's picture: the Run and Result steps side by side, when the tests that take them ran. */
async function saveScreenshot(): Promise<void> {
  if (!shots.run || !shots.result) return;
  const composed = await composeScreenshot(shots.run, shots.result);
  saveArtifact('screenshot-convert.png', composed);
  // The README's picture is refreshed only on request, so that test runs leave the tree clean.
  if (process.env.HYPER2KVM_UPDATE_SCREENSHOTS === '1') writeFileSync(join(repoRoot(), 'docs', 'screenshot-convert.png'), composed);
}

/** The two steps side by side, scaled down, in one PNG (laid out by Chromium itself). */
async function composeScreenshot(run: Buffer, result: Buffer): Promise<Buffer> {
  const sheet = await browser.context.newPage();
  await sheet.setViewportSize({ width: 1700, height: 700 });
  const img = (png: Buffer, caption: string): string =>
    `<figure><img src="data:image/png;base64,${png.toString('base64')}"><figcaption>${caption}</figcaption></figure>`;
  await sheet.setContent(`<!doctype html><html><body style="margin:0;background:#f2f2f2;font:15px sans-serif">
    <div id="sheet" style="display:flex;gap:16px;padding:16px;width:max-content">
      ${img(run, 'Run: converting, with throughput and ETA')}${img(result, 'Result: checked output, time and throughput')}
    </div>
    <style>figure{margin:0}img{width:820px;display:block;border:1px solid #ccc}figcaption{padding-top:6px;color:#333}</style>
  </body></html>`);
  const png = await sheet.locator('#sheet').screenshot();
  await sheet.close();
  return png;
}
