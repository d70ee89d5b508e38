// npm run bench:batch — a batch against what an administrator would script by hand, same run.
//
//   throughput: 8 local VMDK migrations (convert only: probe, convert, check, finalize, with the
//               journal synced at every step) at concurrency 2, `hyper2kvm batch run PLAN`
//               end to end, against the same 8 `qemu-img convert` (same arguments) run 2 at a
//               time by `xargs -P2`. Runs alternate; the source files are evicted from the page
//               cache before each side (as bench:convert does). Target: median ratio ≤ 1.05.
//   dashboard:  the Batch page in Debian's Chromium through the loopback bridge showing 1,000
//               VMs, every one of them changing every second (the engine's batch.status and
//               batch.list answered by a synthetic batch: no machine runs 1,000 conversions at
//               once; the page, the transport and the polling are the real ones). The
//               renderer's CPU is measured over --seconds: its main thread (Chrome's own task
//               time, from the DevTools protocol) and its whole process (/proc). Target < 10 %
//               of one core. Needs `npm run build` (dist/renderer); skipped with a note without.
// Options: --runs N (default 3), --gib N (virtual size of each disk, default 2), --seconds N
// (default 30), --no-dashboard, --no-throughput.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startBridge } from '../electron/bridge/server';
import { convertArgs } from '../electron/engine/disk/qemu-img';
import { createEngine } from '../electron/engine/service';
import type { BatchStatus, BatchVmRow } from '../shared/contract/models/batch';
import { median, timed } from './lib';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const runs = option('runs', 3);
const gib = option('gib', 2);
const seconds = option('seconds', 30);
const DISKS = 8;
const work = join(root, '.cache', 'bench', `batch-${DISKS}x${gib}g`);

/** Eight different disks that look used: ~40 % random data, some written zeros, the rest holes. */
function buildSources(): string[] {
  const sources = Array.from({ length: DISKS }, (_, i) => join(work, 'sources', `vm-${i + 1}.vmdk`));
  if (sources.every((s) => existsSync(s))) return sources;
  mkdirSync(join(work, 'sources'), { recursive: true });
  console.log(`building ${DISKS} source disks of ${gib} GiB (once; cached in ${work})…`);
  for (const source of sources) {
    if (existsSync(source)) continue;
    const raw = `${source}.raw`;
    execFileSync('/usr/bin/qemu-img', ['create', '-q', '-f', 'raw', raw, `${gib}G`]);
    const chunks = gib * 16; // 64 MiB chunks
    for (let c = 0; c < chunks; c++) {
      const kind = c % 10 < 4 ? 'random' : c % 10 < 6 ? 'zero' : 'hole';
      if (kind === 'hole') continue;
      execFileSync('/bin/dd', [`if=${kind === 'random' ? '/dev/urandom' : '/dev/zero'}`, `of=${raw}`, 'bs=1M', 'count=64', `seek=${c * 64}`, 'conv=notrunc', 'status=none']);
    }
    execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, `${source}.tmp`]);
    rmSync(raw);
    renameSync(`${source}.tmp`, source);
  }
  return sources;
}

function dropCaches(files: string[]): void {
  execFileSync('/bin/sync');
  for (const f of files) execFileSync('/bin/dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
}

async function throughput(): Promise<void> {
  const sources = buildSources();
  const plan = join(work, 'plan.yaml');
  const ours = join(work, 'out-ours');
  const bare = join(work, 'out-bare');
  writeFileSync(plan, stringify({ title: 'bench:batch', defaults: { destination: ours, format: 'qcow2', concurrency: 2 }, vms: sources.map((source, i) => ({ name: `vm-${i + 1}`, source })) }));
  const env = { ...process.env, HYPER2KVM_HOME: join(work, 'home') };
  const bareArgs = (source: string): string[] => convertArgs({ source: { type: 'file', path: source }, sourceFormat: 'vmdk', output: join(bare, `${source.slice(source.lastIndexOf('/') + 1, -5)}.qcow2`), format: 'qcow2', compress: false });
  // xargs runs qemu-img with the same argument vectors, 2 at a time (NUL-separated words, n per run).
  const lines = join(work, 'bare-arguments');
  const perRun = bareArgs(sources[0]!).length;
  writeFileSync(lines, sources.map((s) => bareArgs(s).join('\u0000') + '\u0000').join(''));
  console.log(`bare: xargs -0 -P2 -n ${perRun} -a ${lines} /usr/bin/qemu-img (qemu-img ${bareArgs(sources[0]!).join(' ')} for each)`);
  console.log(`ours: hyper2kvm batch run ${plan} --json (concurrency 2)\n`);
  const times = { ours: [] as number[], bare: [] as number[], ratio: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
    const t: Record<string, number> = {};
    for (const side of order) {
      rmSync(ours, { recursive: true, force: true });
      rmSync(bare, { recursive: true, force: true });
      rmSync(join(work, 'plan.journal.jsonl'), { force: true });
      mkdirSync(bare, { recursive: true });
      dropCaches(sources);
      if (side === 'ours') {
        const run = await timed(process.execPath, [join(root, 'bin', 'hyper2kvm.mjs'), 'batch', 'run', plan, '--json'], env);
        if (run.exitCode !== 0) throw new Error(`batch run failed (${run.exitCode}): ${run.stdout.split('\n').filter(Boolean).at(-1)}`);
        t.ours = run.seconds;
      } else {
        const run = await timed('/usr/bin/xargs', ['-0', '-P2', '-n', String(perRun), '-a', lines, '/usr/bin/qemu-img']);
        if (run.exitCode !== 0) throw new Error(`xargs qemu-img failed: ${run.stderr}`);
        if (readdirSync(bare).length !== DISKS) throw new Error('xargs did not write every output');
        t.bare = run.seconds;
      }
    }
    times.ours.push(t.ours!);
    times.bare.push(t.bare!);
    times.ratio.push(t.ours! / t.bare!);
    console.log(`run ${i + 1}/${runs}: batch ${t.ours!.toFixed(2)} s, xargs ${t.bare!.toFixed(2)} s, ratio ${(t.ours! / t.bare!).toFixed(3)}`);
  }
  console.log(`\nmedian batch ${median(times.ours).toFixed(2)} s, median xargs ${median(times.bare).toFixed(2)} s`);
  console.log(`median ratio (batch ÷ xargs -P2): ${median(times.ratio).toFixed(3)}   target ≤ 1.05`);
}

/** A batch of `count` VMs in which every VM changes every second. */
function syntheticBatch(count: number): { status: (since?: number) => BatchStatus; list: () => unknown[] } {
  const started = Date.now();
  const states: Array<BatchVmRow['state']> = ['running', 'running', 'running', 'queued', 'done', 'failed'];
  let rev = 0;
  let rows: BatchVmRow[] = [];
  let tick = -1;
  const refresh = (): void => {
    const now = Math.floor((Date.now() - started) / 1000);
    if (now === tick) return;
    tick = now;
    rev++;
    rows = Array.from({ length: count }, (_, i) => {
      const state = states[i % states.length]!;
      const fraction = ((tick * 3 + i) % 100) / 100;
      return {
        name: `vm-${String(i).padStart(4, '0')}`, index: i, origin: 'vc.example.com', source: `/DC/vm/Prod/vm-${i}`, host: `esx-${i % 16}`, datastores: [`ds-${i % 8}`],
        state, stage: state === 'running' ? (i % 2 ? 'transfer' : 'convert') : state === 'done' ? 'finalize' : null, stageLabel: null,
        fraction: state === 'done' ? 1 : fraction, bytesDone: fraction * 40e9, bytesTotal: 40e9, bytesPerSecond: state === 'running' ? 80e6 + (tick % 7) * 1e6 : null, etaSeconds: state === 'running' ? (1 - fraction) * 500 : null,
        attempts: 1, jobId: state === 'queued' ? null : `20261201-000000-${String(i).padStart(6, '0')}`, jobDir: null, startedAt: null, endedAt: null, durationMs: state === 'done' ? 60_000 + i : null,
        error: state === 'failed' ? { code: 'HOOK_FAILED', kind: 'failure', message: `The after-convert hook exited with code ${tick % 5}.`, hint: 'See the job log.' } : null,
        warnings: 0, outputs: [], rev,
      };
    });
  };
  return {
    status: (since) => {
      refresh();
      const vms = since === undefined ? rows : rows.filter((r) => r.rev > since);
      const countOf = (s: string): number => rows.filter((r) => r.state === s).length;
      return {
        batchId: 'batch-bench-000001', plan: '/srv/plans/bench.yaml', journal: '/srv/plans/bench.journal.jsonl', title: `${count} VMs, all changing every second`, state: 'running', endReason: null, startedAt: new Date(started).toISOString(),
        concurrency: { total: 500, perHost: 40, perDatastore: null },
        totals: { vms: rows.length, done: countOf('done'), running: countOf('running'), failed: countOf('failed'), queued: countOf('queued'), cancelled: 0, bytesDone: tick * 1e9, bytesPerSecond: 4e10, etaSeconds: 3600 - tick },
        errorRate: { lastMinute: tick % 4, perMinute: Array.from({ length: 60 }, (_, m) => (m + tick) % 5) },
        vms, rev, partial: since !== undefined, runnerPid: process.pid,
      };
    },
    list: () => [{ batchId: 'batch-bench-000001', plan: '/srv/plans/bench.yaml', title: 'bench', state: 'running', totals: { vms: count, done: 0, running: 0, failed: 0, queued: count, cancelled: 0, bytesDone: 0, bytesPerSecond: null, etaSeconds: null } }],
  };
}

/** utime + stime of a process, in seconds (NaN once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of every renderer process now, by pid. */
function rendererCpu(): Map<number, number> {
  return new Map(rendererPids().map((pid) => [pid, cpuSeconds(pid)]));
}

/**
 * The page's renderer is the one that worked during the window: a new page's first renderer
 * (about:blank) is replaced when it navigates, so "the pid that appeared" can be a dead one.
 */
function busiestRenderer(before: Map<number, number>, after: Map<number, number>): { pid: number; seconds: number } | null {
  let best: { pid: number; seconds: number } | null = null;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (start === undefined || Number.isNaN(start) || Number.isNaN(end)) continue;
    if (!best || end - start > best.seconds) best = { pid, seconds: end - start };
  }
  return best;
}

function rendererPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes('chromium') && cmd.includes('--type=renderer') && !cmd.includes('--extension-process');
      } catch {
        return false;
      }
    });
}

async function dashboard(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.log('\ndashboard: skipped (dist/renderer is missing: run `npm run build` first)');
    return;
  }
  const { launchChromium } = await import('../test/support/browser');
  const scratch = mkdtempSync(join(tmpdir(), 'h2k-bench-batch-'));
  const engine = createEngine({ transport: 'websocket', version: 'bench', jobsDir: join(scratch, 'jobs'), appHome: join(scratch, 'home') });
  const batch = syntheticBatch(1000);
  engine.handlers['batch.list'] = () => Promise.resolve(batch.list() as never);
  engine.handlers['batch.status'] = (input) => Promise.resolve(batch.status('batchId' in input ? input.since : undefined));
  const bridge = await startBridge({ engine, staticDir: join(root, 'dist', 'renderer'), uploadsDir: join(scratch, 'uploads') });
  const browser = await launchChromium({ width: 1440, height: 1000 });
  try {
    const page = await browser.context.newPage();
    await page.goto(bridge.openUrl);
    await page.getByTestId('nav-batch').click();
    await page.locator('[data-testid="batch-vm-table"][data-total="1000"]').waitFor({ timeout: 60_000 });
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskTime = async (): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
    // Settle, then measure.
    await page.waitForTimeout(3000);
    const t0 = Date.now();
    const task0 = await taskTime();
    const cpu0 = rendererCpu();
    await page.waitForTimeout(seconds * 1000);
    const elapsed = (Date.now() - t0) / 1000;
    const mainThread = (await taskTime()) - task0;
    const busiest = busiestRenderer(cpu0, rendererCpu());
    const processCpu = busiest ? busiest.seconds : NaN;
    const rendered = await page.getByTestId('batch-vm-table').getAttribute('data-rendered');
    console.log(`\ndashboard: 1,000 VMs, every one changing every second, for ${elapsed.toFixed(0)} s (${rendered} rows in the DOM)`);
    console.log(`  renderer main thread: ${((mainThread / elapsed) * 100).toFixed(1)} % of one core   target < 10 %`);
    console.log(`  renderer process (all its threads, /proc, pid ${busiest?.pid ?? '?'}): ${((processCpu / elapsed) * 100).toFixed(1)} % of one core`);
  } finally {
    await browser.close();
    await bridge.close();
    await engine.shutdown();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (!argv.includes('--no-throughput')) await throughput();
if (!argv.includes('--no-dashboard')) await dashboard();
