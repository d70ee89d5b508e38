// npm run bench:inventory — list (and render) 10,000 VMs of a vCenter; target ≤ 5 s in all.
//
// The simulator (test/support/vcsim, govmomi's vcsim with our paging wrapper) is started with
// 10,000 VMs. Then, in the same run:
//   list:   `vcenter.inventory` through the engine over the in-memory transport (the same
//           protocol, validation and JSON copies as the wizard's channel), --runs times;
//   render: the wizard in Debian's Chromium through the loopback bridge: log in, trust the
//           certificate, and wait until the VM table shows its first rows of all 10,000
//           (needs `npm run build` for dist/renderer; skipped with a note otherwise); then
//           scroll the table to its last VM, and search it (typed as a person types).
// Options: --vms N (default 10000), --runs N (default 3), --no-render.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startBridge } from '../electron/bridge/server';
import { connectInProcess } from '../electron/engine/connect';
import { createEngine } from '../electron/engine/service';
import { startVcsim } from '../test/support/vcsim/harness';
import { median } from './lib';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const vmCount = option('vms', 10_000);
const runs = option('runs', 3);
const render = !argv.includes('--no-render');
const TARGET_SECONDS = 5;

async function main(): Promise<void> {
  // 2 datacenters × (1 cluster + 1 standalone host) = 4 resource pools.
  const perPool = Math.ceil(vmCount / 4);
  let t = performance.now();
  const vcsim = await startVcsim({ datacenters: 2, clusters: 1, hostsPerCluster: 2, standaloneHosts: 1, vmsPerPool: perPool, startTimeoutMs: 900_000 });
  console.log(`simulator with ${vcsim.inventory.vms} VMs started in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const work = mkdtempSync(join(tmpdir(), 'h2k-bench-inventory-'));
  const engine = createEngine({ transport: 'memory', version: 'bench', jobsDir: join(work, 'jobs'), appHome: join(work, 'home') });
  const client = connectInProcess(engine);
  try {
    const { connectionId } = await client.call('vcenter.login', { server: `${vcsim.host}:${vcsim.port}`, user: vcsim.user, password: vcsim.password, trust: { kind: 'fingerprint', sha256: vcsim.sha256 } });
    const listings: number[] = [];
    let lastNames: string[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      const inventory = await client.call('vcenter.inventory', { connectionId });
      const seconds = (performance.now() - t) / 1000;
      if (inventory.vms.length !== vcsim.inventory.vms) throw new Error(`listed ${inventory.vms.length} VMs, expected ${vcsim.inventory.vms}`);
      listings.push(seconds);
      lastNames = inventory.vms.map((vm) => vm.name);
      console.log(`list run ${i + 1}/${runs}: ${inventory.vms.length} VMs in ${seconds.toFixed(2)} s (engine ${(inventory.durationMs / 1000).toFixed(2)} s, the rest is the protocol's JSON copies and validation)`);
    }
    const list = median(listings);
    console.log(`\nmedian list: ${list.toFixed(2)} s for ${vcsim.inventory.vms} VMs`);

    // The page picks up open connections (a reload continues where it was): close this one, so
    // that the render part measures the wizard's own login.
    await client.call('vcenter.logout', { connectionId });
    let shown: number | null = null;
    if (render) shown = await renderInChromium(engine, work, vcsim, lastNames);
    if (shown !== null) {
      console.log(`list + render in the wizard: ${shown.toFixed(2)} s   target ≤ ${TARGET_SECONDS} s`);
    } else {
      console.log(`list alone: ${list.toFixed(2)} s; the render part did not run (see above)   target for both ≤ ${TARGET_SECONDS} s`);
    }
  } finally {
    client.close();
    await engine.shutdown();
    await vcsim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The wizard's own path, measured from the click on "Log in" (the certificate check, the login
 * and the listing follow) to the moment the table shows its rows with every VM counted. Returns null
 * when the page cannot be driven here (no renderer build, no Chromium, or the vCenter page does
 * not have the elements this relies on yet).
 */
async function renderInChromium(engine: ReturnType<typeof createEngine>, work: string, vcsim: Awaited<ReturnType<typeof startVcsim>>, names: readonly string[]): Promise<number | null> {
  const staticDir = join(root, 'dist', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) {
    console.log('render: skipped — dist/renderer is missing (run `npm run build` first)');
    return null;
  }
  if (!existsSync('/usr/bin/chromium')) {
    console.log('render: skipped — /usr/bin/chromium is missing (apt-get install chromium)');
    return null;
  }
  const { launchChromium } = await import('../test/support/browser');
  const bridge = await startBridge({ engine, staticDir, uploadsDir: join(work, 'uploads') });
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(bridge.openUrl);
    const nav = page.getByTestId('nav-vcenter');
    if ((await nav.count()) === 0) {
      // TODO(vCenter wizard): the page is not in this build yet; once it is, this runs as is.
      console.log('render: skipped — the vCenter page (nav-vcenter) is not in this renderer build yet');
      return null;
    }
    await nav.click();
    await page.getByTestId('vc-server').fill(`${vcsim.host}:${vcsim.port}`);
    await page.getByTestId('vc-user').fill(vcsim.user);
    await page.getByTestId('vc-password').fill(vcsim.password);
    // Timed from the click on "Log in": the certificate probe, the login, the listing and the
    // first rows. The list part above trusted the certificate, as a returning user has; should
    // the page still ask, the prompt is answered at once (its time counts too).
    const started = performance.now();
    await page.getByTestId('vc-login').click();
    await page.locator('[data-testid="trust-certificate"], [data-testid="inventory-count"]').first().waitFor({ timeout: 60_000 });
    if ((await page.getByTestId('trust-certificate').count()) > 0) await page.getByTestId('trust-certificate').click();
    await page.waitForSelector(`[data-testid="inventory-count"][data-total="${vcsim.inventory.vms}"]`, { timeout: 120_000 });
    await page.getByTestId('vm-row').first().waitFor({ timeout: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    const timing = page.getByTestId('inventory-timing');
    const loadedMs = (await timing.count()) > 0 ? await timing.getAttribute('data-loaded-ms') : null;
    const indexMs = (await timing.count()) > 0 ? await timing.getAttribute('data-index-ms') : null;
    console.log(`render: log in → probe → login → list → ${await page.getByTestId('vm-row').count()} rows drawn of ${vcsim.inventory.vms}: ${seconds.toFixed(2)} s${loadedMs ? ` (the page's own listing time: ${(Number(loadedMs) / 1000).toFixed(2)} s${indexMs ? `, then ${indexMs} ms to index it for search` : ''})` : ''}`);
    await scrollAndSearch(page, names);
    return seconds;
  } catch (error) {
    const shot = join(root, '.cache', 'bench', 'inventory-render-failure.png');
    await browser.context.pages().at(-1)?.screenshot({ path: shot }).catch(() => undefined);
    console.log(`render: failed — ${(error as Error).message.split('\n')[0]} (screenshot: ${shot})`);
    if (pageErrors.length > 0) console.log(`render: the page reported: ${pageErrors.slice(0, 3).join(' | ')}`);
    return null;
  } finally {
    await browser.close();
    await bridge.close();
  }
}

/**
 * What using the table costs once it is there: a scroll from the first VM to the last (the
 * table is virtualized, so the last rows are only drawn when they come into view), and a search
 * typed one key at a time (each keystroke restarts the page's debounce, so the table is
 * filtered once the typing pauses). Times are from the action to the rows on screen.
 */
async function scrollAndSearch(page: Page, names: readonly string[]): Promise<void> {
  const total = names.length;
  const rowsBefore = await page.getByTestId('vm-row').count();
  let t = performance.now();
  await page.getByTestId('vm-table-scroll').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
    el.scrollTop = el.scrollHeight;
  });
  await page.locator(`[data-testid="vm-row"][data-index="${total - 1}"]`).waitFor({ timeout: 30_000 });
  const scrollSeconds = (performance.now() - t) / 1000;
  const rowsAfter = await page.getByTestId('vm-row').count();
  console.log(`scroll: first row → row ${total.toLocaleString('en-US')} drawn in ${(scrollSeconds * 1000).toFixed(0)} ms (${rowsBefore} rows in the page before, ${rowsAfter} after: virtualized)`);

  // A name from the middle of the list, typed as a person types it (about 8 keys a second);
  // timed from the last key to the matching rows on screen.
  const wanted = names[Math.floor(total / 2)]!;
  const query = wanted.toLowerCase();
  const expected = names.filter((n) => n.toLowerCase().includes(query)).length;
  const search = page.getByTestId('inventory-search').locator('input');
  await search.click();
  t = performance.now();
  await search.pressSequentially(query.slice(0, -1), { delay: 120 });
  const lastKey = performance.now();
  await search.press(query.slice(-1));
  await page.waitForSelector(`[data-testid="inventory-count"][data-shown="${expected}"]`, { timeout: 30_000 });
  await page.locator(`[data-testid="vm-row"][data-name="${wanted}"]`).waitFor({ timeout: 30_000 });
  const afterLastKey = performance.now() - lastKey;
  const filterMs = Number(await page.getByTestId('inventory-count').getAttribute('data-filter-ms'));
  console.log(`search: "${query}" typed in ${((lastKey - t) / 1000).toFixed(2)} s; ${expected} of ${total.toLocaleString('en-US')} VMs on screen ${afterLastKey.toFixed(0)} ms after the last key (the page waits 150 ms for more keys; one pass over the table takes ${filterMs.toFixed(1)} ms)`);

  // Clearing the search shows every VM again, from the top.
  t = performance.now();
  await search.fill('');
  await page.waitForSelector(`[data-testid="inventory-count"][data-shown="${total}"]`, { timeout: 30_000 });
  console.log(`search cleared: all ${total.toLocaleString('en-US')} VMs back in ${(performance.now() - t).toFixed(0)} ms (150 ms of it the typing pause)`);
  const heap = await page.evaluate<number | null>('performance.memory ? performance.memory.usedJSHeapSize : null');
  if (heap !== null) console.log(`page heap: ${(heap / 2 ** 20).toFixed(0)} MiB with ${total.toLocaleString('en-US')} VMs loaded`);
}

await main();
