/**
 * Our inspection against virt-inspector on the same Debian VMDK.
 *
 *   node --import ./scripts/ts-register.mjs bench/inspect.ts      (npm run bench:inspect)
 *
 * Runs both alternately (ours first on even pairs, virt-inspector first on odd ones, so neither
 * always gets the warmer page cache), BENCH_RUNS pairs (default 3), and prints each time, the
 * medians, the median of the per-pair ratios (ours ÷ virt-inspector: the number to watch;
 * target ≤ 1.0, product goal ≤ 0.5), and both field counts. Times on this shared, noisy machine
 * vary run to run: compare the ratio, never absolute seconds across runs.
 *
 * Each pair also times the appliance alone (`guestfish --ro -a DISK run`: launch and shut down,
 * nothing read), the floor under any inspection that starts its own appliance, ours or
 * virt-inspector's, printed as a ratio to virt-inspector too: a target below it cannot be met by
 * reading faster, only by not launching (a kept appliance).
 *
 * BENCH_DISK=/path/to.vmdk inspects that disk instead of the Debian fixture. BENCH_NO_ICON=1 runs
 * virt-inspector with --no-icon (it then skips looking for the distribution's logo, work our
 * inspection does not do either): the stricter comparison.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectionReport } from '../shared/contract/models/inspection';
import type { CleanupRegistry, StageContext } from '../electron/engine/core/stage';
import { LocalToolRunner } from '../electron/engine/core/tool-runner';
import { applianceEnv } from '../electron/engine/core/accel';
import { inspectStage } from '../electron/engine/inspect/stage';
import { debianGuest } from '../test/fixtures/index';
import { countReportFields, parseVirtInspector } from '../test/integration/inspect/virt-inspector';

const tools = new LocalToolRunner();

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function ours(disk: string, format: string): Promise<{ ms: number; report: InspectionReport }> {
  const jobDir = await mkdtemp(join(tmpdir(), 'h2k-bench-inspect-'));
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup: CleanupRegistry = {
    always: (_label, action) => {
      cleanups.push(action);
      return () => undefined;
    },
    onFailure: () => () => undefined,
  };
  const ctx: StageContext = {
    jobId: 'bench',
    jobDir,
    signal: new AbortController().signal,
    tools,
    log: () => undefined,
    cleanup,
    progress: () => undefined,
    progressSnapshot: () => undefined,
  };
  const started = performance.now();
  try {
    const { report } = await inspectStage.run({ disks: [{ path: disk, format }] }, ctx);
    return { ms: performance.now() - started, report };
  } finally {
    for (const action of cleanups.reverse()) await action();
    await rm(jobDir, { recursive: true, force: true });
  }
}

async function reference(disk: string, format: string): Promise<{ ms: number; xml: string }> {
  const env = await applianceEnv(tools);
  const started = performance.now();
  const noIcon = process.env.BENCH_NO_ICON === '1' ? ['--no-icon'] : [];
  const { stdout } = await tools.run('virt-inspector', [...noIcon, `--format=${format}`, '-a', disk], { env });
  return { ms: performance.now() - started, xml: stdout };
}

/** The appliance launched and shut down with the disk attached, nothing read. */
async function launchOnly(disk: string, format: string): Promise<number> {
  const env = await applianceEnv(tools);
  const started = performance.now();
  await tools.run('guestfish', ['--ro', `--format=${format}`, '-a', disk, 'run'], { env });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const disk = process.env.BENCH_DISK ?? (await debianGuest()).vmdk;
  const format = disk.endsWith('.vmdk') ? 'vmdk' : disk.endsWith('.qcow2') ? 'qcow2' : 'raw';
  console.log(`inspect bench: ${disk} (${format}), ${runs} alternating pair(s), virt-inspector${process.env.BENCH_NO_ICON === '1' ? ' --no-icon' : ''}`);

  const oursMs: number[] = [];
  const refMs: number[] = [];
  const ratios: number[] = [];
  const floorRatios: number[] = [];
  let lastReport: InspectionReport | null = null;
  let lastXml = '';
  for (let i = 0; i < runs; i++) {
    let o: Awaited<ReturnType<typeof ours>>;
    let r: Awaited<ReturnType<typeof reference>>;
    if (i % 2 === 0) {
      o = await ours(disk, format);
      r = await reference(disk, format);
    } else {
      r = await reference(disk, format);
      o = await ours(disk, format);
    }
    const launch = await launchOnly(disk, format);
    oursMs.push(o.ms);
    refMs.push(r.ms);
    ratios.push(o.ms / r.ms);
    floorRatios.push(launch / r.ms);
    lastReport = o.report;
    lastXml = r.xml;
    console.log(`  pair ${i + 1}: ours ${(o.ms / 1000).toFixed(1)} s, virt-inspector ${(r.ms / 1000).toFixed(1)} s, ratio ${(o.ms / r.ms).toFixed(2)}; appliance launch alone ${(launch / 1000).toFixed(1)} s`);
  }

  const refOs = parseVirtInspector(lastXml)[0];
  const report = lastReport!;
  const refFields = refOs?.fieldCount ?? 0;
  const ourFields = countReportFields(report);
  // "At least the same facts": every OS field virt-inspector states, we state the same.
  const missing: string[] = [];
  if (refOs) {
    const pairs: Array<[string, string | number | null, string | number | null]> = [
      ['type', refOs.name, report.os.type],
      ['distro', refOs.distro, report.os.distro],
      ['product name', refOs.productName, report.os.productName],
      ['major version', refOs.majorVersion, report.os.majorVersion],
      ['minor version', refOs.minorVersion, report.os.minorVersion],
      ['arch', refOs.arch, report.os.arch],
      ['hostname', refOs.hostname, report.os.hostname],
      ['osinfo', refOs.osinfo, report.os.osinfo],
      ['package format', refOs.packageFormat, report.os.packageFormat],
      ['package management', refOs.packageManagement, report.os.packageManagement],
    ];
    for (const [name, theirs, mine] of pairs) if (theirs !== null && theirs !== mine) missing.push(`${name}: ${String(theirs)} vs ${String(mine)}`);
    for (const fs of refOs.filesystems) {
      // virt-inspector lists each btrfs subvolume as a file system of its own
      // ("btrfsvol:/dev/sda1//@/home"); our report states it in its file system's subvolume tree.
      const subvolume = /^btrfsvol:(\/dev\/[^/]+)\/+(.*)$/.exec(fs.device);
      const device = subvolume ? subvolume[1]! : fs.device;
      const match = report.filesystems.find((f) => f.device === device);
      const sameFs = match !== undefined && match.type === fs.type && match.uuid === fs.uuid && (fs.label ?? null) === match.label;
      const listed = !subvolume || (match?.details?.btrfs?.subvolumes.some((v) => v.path === subvolume[2]!.replace(/^\/+/, '')) ?? false);
      if (!sameFs || !listed) missing.push(`filesystem ${fs.device}`);
    }
    for (const mp of refOs.mountpoints) if (!report.mountpoints.some((m) => m.device === mp.device && m.path === mp.path)) missing.push(`mountpoint ${mp.path}`);
    if (report.applications.length < refOs.applications.length) missing.push(`applications: ${refOs.applications.length} vs ${report.applications.length}`);
  }

  console.log(`median: ours ${(median(oursMs) / 1000).toFixed(1)} s, virt-inspector ${(median(refMs) / 1000).toFixed(1)} s`);
  console.log(`median ratio (ours ÷ virt-inspector): ${median(ratios).toFixed(2)}   (target ≤ 1.0, goal ≤ 0.5)`);
  console.log(`floor (appliance launch alone ÷ virt-inspector): ${median(floorRatios).toFixed(2)}   (no inspection that launches its own appliance can be faster)`);
  console.log(`fields: ours ${ourFields}, virt-inspector ${refFields} (applications ${report.applications.length} vs ${refOs?.applications.length ?? 0}; findings ${report.findings.length})`);
  console.log(missing.length ? `NOT the same facts: ${missing.join('; ')}` : 'same facts: every OS field, file system, mountpoint and the application count of virt-inspector are in our report');
  if (missing.length) process.exitCode = 1;
}

await main();
