import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { startBridgeProcess } from '../../support/bridge-process';
import type { BridgeProcess } from '../../support/bridge-process';
import { launchChromium, loadApp, saveArtifact, watchedPage } from '../../support/browser';
import type { Browser } from '../../support/browser';
import { brokenVmdk } from '../../integration/batch/batch-env';

/**
 * The Batch page as an administrator uses it: the real UI in Debian's Chromium, through the
 * bridge started as `hyper2kvm serve`, against the real engine and qemu-img. A plan with
 * mistakes is opened (each shown at its line), fixed in the editor, saved and run; during the
 * run the counts move, injected failures raise the error rate and open their job record; and a
 * plan of 1,000 VMs renders as a short DOM that scrolls to its last VM.
 */

let work: string;
let bridge: BridgeProcess;
let browser: Browser;
let page: Page;
let samples: VmdkSamples;
const pageProblems: string[] = [];

const data = async (testId: string, attribute: string): Promise<string | null> => page.getByTestId(testId).first().getAttribute(attribute);
const total = async (id: string): Promise<number> => Number(await data(`batch-total-${id}`, 'data-value'));

/** Some attributes of every element with a test id, joined by spaces, one string per element. */
async function attributes(testId: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const el of await page.getByTestId(testId).all()) out.push((await Promise.all(names.map((n) => el.getAttribute(n)))).join(' '));
  return out;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

async function openPlan(path: string): Promise<void> {
  await page.getByTestId('batch-plan-path').fill(path);
  await page.getByTestId('batch-load').click();
  await page.getByTestId('batch-editor').waitFor();
}

beforeAll(async () => {
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'hyper2kvm-e2e-batch-'));
  bridge = await startBridgeProcess({ home: join(work, 'home'), outDir: join(work, 'default-out') });
  browser = await launchChromium({ width: 1440, height: 1000 });
  page = await watchedPage(browser, pageProblems);
  await loadApp(page, bridge.openUrl);
  await page.getByTestId('nav-batch').click();
  await page.getByTestId('batch-page').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the Batch page in Chromium through the bridge', () => {
  it('shows a plan’s problems at their lines, and checks again as the plan is edited', async () => {
    const dir = join(work, 'wave');
    mkdirSync(dir, { recursive: true });
    const plan = join(dir, 'wave.yaml');
    const broken = [brokenVmdk(dir, 'broken-1.vmdk'), brokenVmdk(dir, 'broken-2.vmdk')];
    // Good VMs take a moment (a hook after their conversion), so the run can be watched.
    const vms = [
      { name: 'sparse', source: samples.monolithicSparse },
      { name: 'broken-1', source: broken[0] },
      { name: 'flat', source: samples.monolithicFlat, format: 'raw' },
      { name: 'broken-2', source: broken[1] },
      { name: 'stream', source: samples.streamOptimized },
      { name: 'chain', source: samples.snapshotChain.top },
    ];
    const good = stringify({ title: 'Wave 1', defaults: { destination: 'out', concurrency: 2, hooks: { 'after-convert': [{ command: ['/bin/sleep', '2'] }] } }, vms });
    // Two mistakes: a misspelt key (line 2) and a format that does not exist.
    writeFileSync(plan, good.replace('defaults:\n', 'defaults:\n  fromat: raw\n').replace('format: raw', 'format: vmdk'));
    await openPlan(plan);
    await waitFor(async () => (await data('batch-plan-summary', 'data-errors')) === '2', 'the two problems');
    const problems = (await attributes('batch-problem', ['data-line', 'data-column', 'data-code'])).map((a) => a.replace(' ', ':'));
    const formatLine = readFileSync(plan, 'utf8').split('\n').findIndex((l) => l.includes('format: vmdk')) + 1;
    expect(problems).toEqual(['3:3 PLAN_UNKNOWN_KEY', `${formatLine}:13 PLAN_INVALID_VALUE`]);
    const marked = await attributes('batch-gutter-mark', ['data-line', 'data-severity']);
    expect(marked).toEqual(['3 error', `${formatLine} error`]);
    await expect(page.getByTestId('batch-run').isDisabled()).resolves.toBe(true);
    saveArtifact('batch-plan-problems.png', await page.getByTestId('batch-plan-card').screenshot());

    // Fixed in the editor: checked again as typed, without saving.
    await page.getByTestId('batch-editor').fill(good);
    await waitFor(async () => (await data('batch-plan-summary', 'data-errors')) === '0', 'the fixed plan');
    await expect(page.getByTestId('batch-gutter-mark').count()).resolves.toBe(0);
    await expect(page.getByTestId('batch-run').innerText()).resolves.toBe('Save and run');
  });

  it('runs it: counts move, injected failures show in the error rate and open their job record', async () => {
    await page.getByTestId('batch-run').click();
    await page.getByTestId('batch-state').waitFor();
    await waitFor(async () => (await total('running')) > 0, 'a running VM');
    expect(await total('running')).toBeLessThanOrEqual(2);
    expect(await page.getByTestId('batch-vm-row').count()).toBe(6);
    await waitFor(async () => (await total('failed')) === 2, 'the two injected failures');
    await waitFor(async () => (await data('batch-error-rate', 'data-value')) === '2', 'the error rate');
    expect(await data('batch-error-chart', 'data-total')).toBe('2');
    saveArtifact('batch-running.png', await page.getByTestId('batch-run-card').screenshot());
    await waitFor(async () => (await data('batch-state', 'data-state')) === 'ended', 'the end of the run');
    expect([await total('done'), await total('failed'), await total('queued'), await total('running')]).toEqual([4, 2, 0, 0]);
    const failures = await attributes('batch-failure', ['data-name', 'data-code']);
    expect(failures).toEqual(['broken-1 VMDK_EXTENT_MISSING', 'broken-2 VMDK_EXTENT_MISSING']);
    await page.getByTestId('batch-failure-record').first().click();
    await page.getByTestId('batch-record').waitFor();
    expect(await page.getByTestId('batch-record-state').innerText()).toBe('failed');
    expect(await page.getByTestId('batch-record-modal').getByTestId('error-code').innerText()).toBe('VMDK_EXTENT_MISSING');
    const log = await page.getByTestId('batch-record-log').innerText();
    expect(log).toContain('▸ Probe source');
    expect(log).toContain('✗ failed in probe: [VMDK_EXTENT_MISSING]');
    await page.getByTestId('batch-record-modal').getByRole('button', { name: /close/i }).click();
    await page.getByTestId('batch-record-modal').waitFor({ state: 'detached' });
    // The outputs are real: each one the content of its source.
    expect(execFileSync('/usr/bin/qemu-img', ['compare', '-q', samples.raw, join(work, 'wave', 'out', 'flat.raw')]).length).toBe(0);
  });

  it('renders a plan of 1,000 VMs as a short DOM that scrolls to its last VM', async () => {
    const dir = join(work, 'thousand');
    mkdirSync(join(dir, 'disks'), { recursive: true });
    const tiny = join(dir, 'tiny.vmdk');
    execFileSync('/usr/bin/qemu-img', ['create', '-q', '-f', 'vmdk', tiny, '1M']);
    const vms = Array.from({ length: 1000 }, (_, i) => {
      const source = join(dir, 'disks', `vm-${String(i).padStart(4, '0')}.vmdk`);
      copyFileSync(tiny, source);
      return { source };
    });
    const plan = join(dir, 'thousand.yaml');
    writeFileSync(plan, stringify({ defaults: { destination: 'out', concurrency: 2 }, vms }));
    await openPlan(plan);
    await waitFor(async () => (await data('batch-plan-summary', 'data-errors')) === '0' && (await page.getByTestId('batch-plan-summary').innerText()).includes('1000 VMs'), 'the 1,000-VM plan');
    await page.getByTestId('batch-run').click();
    await waitFor(async () => (await data('batch-vm-table', 'data-total')) === '1000' && (await total('done')) > 2, 'the first VMs of the thousand');
    const rendered = Number(await data('batch-vm-table', 'data-rendered'));
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    expect(await page.getByTestId('batch-vm-row').count()).toBeLessThan(60);
    // Scrolled with the mouse wheel, as a person does, to the end of the thousand.
    await page.getByTestId('batch-vm-scroll').hover();
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 4000);
    await page.locator('[data-testid="batch-vm-row"][data-name="vm-0999"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('batch-filter-done').click();
    await waitFor(async () => Number(await data('batch-vm-table', 'data-shown')) === (await total('done')) || Number(await data('batch-vm-table', 'data-shown')) > 0, 'the done filter');
    await page.getByTestId('batch-filter-all').click();
    await page.getByTestId('batch-interrupt').click();
    await waitFor(async () => (await data('batch-state', 'data-state')) === 'ended', 'the interrupted run', 60_000);
    expect(await total('queued')).toBeGreaterThan(900);
  });

  it('raised no error in the page', () => {
    expect(pageProblems).toEqual([]);
  });
});
