/**
 * Convert + inspect + repair against virt-v2v, on the same VMDK, in the same run.
 *
 *   node --import ./scripts/ts-register.mjs bench/repair.ts      (npm run bench:repair)
 *
 * The disk is the Debian fixture whose initramfs holds only VMware's storage drivers
 * (MODULES=list): without a repair it does not boot on virtio. Ours is `hyper2kvm convert
 * --repair` (one appliance: inspect, plan, add the drivers, rebuild that kernel's initramfs,
 * re-check); virt-v2v's is `virt-v2v -i disk VMDK -o local -of qcow2`. Both results are then
 * booted (`hyper2kvm verify-boot`, outside the timing) and must reach their login prompt.
 *
 * BENCH_RUNS pairs (default 1: virt-v2v takes several minutes under TCG), alternating which
 * goes first. Prints each time, both verdicts, and the median ratio ours ÷ virt-v2v (target ≤ 0.5).
 * Compare ratios, never absolute times across runs: this machine is shared and noisy.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applianceEnv } from '../electron/engine/core/accel';
import { LocalToolRunner } from '../electron/engine/core/tool-runner';
import { repairGuest } from '../test/fixtures/debian/repair-variants';
import { ensureLibvirtd } from '../test/support/libvirtd';
import { median, timed } from './lib';

const runs = Number(process.env.BENCH_RUNS ?? 1);
const cli = resolve('bin/hyper2kvm.mjs');

interface Outcome {
  seconds: number;
  output: string;
  verdict: string;
}

async function verdictOf(disk: string, home: string): Promise<string> {
  const run = await timed(process.execPath, [cli, 'verify-boot', disk, '--format', 'qcow2', '--json'], { ...process.env, HYPER2KVM_HOME: home });
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}';
  const result = JSON.parse(last) as { ok?: boolean; verdict?: string; reason?: string; error?: { code?: string; message?: string } };
  return result.verdict ? `${result.verdict} (${result.reason})` : `verify-boot failed (exit ${run.exitCode}${result.error ? `: ${result.error.code} ${result.error.message}` : ''})`;
}

async function ours(vmdk: string, work: string): Promise<Outcome> {
  const out = join(work, 'ours');
  const home = join(work, 'home');
  const run = await timed(process.execPath, [cli, 'convert', vmdk, '--out', out, '--name', 'guest', '--repair', '--json'], { ...process.env, HYPER2KVM_HOME: home });
  if (run.exitCode !== 0) throw new Error(`hyper2kvm convert --repair failed (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
  const output = join(out, 'guest.qcow2');
  return { seconds: run.seconds, output, verdict: await verdictOf(output, home) };
}

async function virtV2v(vmdk: string, work: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const out = join(work, 'v2v');
  await mkdir(out, { recursive: true });
  const run = await timed('/usr/bin/virt-v2v', ['-i', 'disk', vmdk, '-o', 'local', '-os', out, '-of', 'qcow2', '-on', 'guest'], env);
  if (run.exitCode !== 0) throw new Error(`virt-v2v failed (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  const output = join(out, 'guest-sda');
  return { seconds: run.seconds, output, verdict: await verdictOf(output, join(work, 'home')) };
}

async function main(): Promise<void> {
  // Both results are booted through libvirt, as the tests do.
  const daemon = await ensureLibvirtd();
  try {
    await pairs();
  } finally {
    await daemon.release();
  }
}

async function pairs(): Promise<void> {
  const guest = await repairGuest('modules-list');
  const env = { ...process.env, ...(await applianceEnv(new LocalToolRunner())), LIBGUESTFS_BACKEND: 'direct' };
  process.stdout.write(`bench:repair on ${guest.vmdk} (Debian 12, MODULES=list initramfs without virtio), ${runs} pair(s)\n`);
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const work = await mkdtemp(join(tmpdir(), 'h2k-bench-repair-'));
    // The results are booted by libvirt's qemu, another user: the folder must let it in (as the tests do).
    await chmod(work, 0o755);
    try {
      const order = i % 2 === 0 ? (['ours', 'v2v'] as const) : (['v2v', 'ours'] as const);
      const results: Partial<Record<'ours' | 'v2v', Outcome>> = {};
      for (const who of order) results[who] = who === 'ours' ? await ours(guest.vmdk, work) : await virtV2v(guest.vmdk, work, env);
      const a = results.ours!;
      const b = results.v2v!;
      ratios.push(a.seconds / b.seconds);
      process.stdout.write(`  pair ${i + 1}: ours ${a.seconds.toFixed(1)} s (boot: ${a.verdict}), virt-v2v ${b.seconds.toFixed(1)} s (boot: ${b.verdict}), ratio ${(a.seconds / b.seconds).toFixed(3)}\n`);
      if (!a.verdict.startsWith('booted') || !b.verdict.startsWith('booted')) process.stdout.write('  WARNING: a result did not boot; its time does not count for much.\n');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`median ratio ours ÷ virt-v2v: ${median(ratios).toFixed(3)} (target ≤ 0.5)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
