// npm run bench:convert — our CLI vs bare `qemu-img convert` with the same settings, on a
// generated multi-GiB VMDK with realistic content (random data, written zeros, never-written
// holes). Runs alternate; prints each pair, the median ratio (ours ÷ bare) and our peak RSS.
// Targets: ratio ≤ 1.02, RSS ≤ 150 MB.  Options: --runs N (default 7), --gib N (default 16: a
// small system disk; what we add is a fixed ~0.2 s of start-up, probe and check, so on smaller
// disks the ratio grows: 8 GiB measured 1.07 here),
// --warm (keep the source in the page cache between runs; by default the source file is evicted
// from the page cache before every timed run, so both sides read it from disk as a real migration
// does, while the programs themselves stay cached as they are on a machine in use).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertArgs } from '../electron/engine/disk/qemu-img';
import { median, mib, timed } from './lib';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const runs = option('runs', 7);
const cold = !argv.includes('--warm');
const gib = option('gib', 16);
const work = join(root, '.cache', 'bench', `convert-${gib}g`);
const source = join(work, 'source.vmdk');

/** A disk that looks like a used system disk: about 40 % data, 15 % written zeros, the rest holes. */
function buildSource(): void {
  if (existsSync(source)) return;
  mkdirSync(work, { recursive: true });
  const raw = join(work, 'source.raw');
  console.log(`building a ${gib} GiB source disk (once; cached in ${work})…`);
  execFileSync('/usr/bin/qemu-img', ['create', '-f', 'raw', raw, `${gib}G`], { stdio: 'ignore' });
  const chunks = gib * 4; // 256 MiB chunks
  for (let i = 0; i < chunks; i++) {
    const kind = i % 20 < 8 ? 'random' : i % 20 < 11 ? 'zero' : 'hole';
    if (kind === 'hole') continue;
    const input = kind === 'random' ? '/dev/urandom' : '/dev/zero';
    execFileSync('/bin/dd', [`if=${input}`, `of=${raw}`, 'bs=1M', 'count=256', `seek=${i * 256}`, 'conv=notrunc', 'status=none']);
  }
  execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, `${source}.tmp`]);
  rmSync(raw);
  renameSync(`${source}.tmp`, source);
}

/**
 * Writes back dirty pages (the previous run's output), then evicts the source file from the page
 * cache (GNU dd: `iflag=nocache count=0` advises the kernel to drop the whole file). Only the
 * source: dropping every cache would also make each run reload node, qemu-img and their libraries
 * from disk, which a machine converting disks all day does not do either.
 */
function dropCaches(): void {
  execFileSync('/bin/sync');
  execFileSync('/bin/dd', [`if=${source}`, 'iflag=nocache', 'count=0', 'status=none']);
}

async function main(): Promise<void> {
  buildSource();
  const outDir = join(work, 'out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const env = { ...process.env, HYPER2KVM_HOME: join(work, 'home') };
  const bareOut = join(outDir, 'bare.qcow2');
  const bareArgs = convertArgs({ source: { type: 'file', path: source }, sourceFormat: 'vmdk', output: bareOut, format: 'qcow2', compress: false });
  console.log(`bare: qemu-img ${bareArgs.join(' ')}`);
  console.log(`ours: hyper2kvm convert ${source} --out ${outDir} --name ours --json\n`);

  console.log(cold ? 'source evicted from the page cache before every timed run (cold reads, as in a real migration)\n' : 'warm page cache (one untimed run first)\n');
  if (!cold) {
    await timed('/usr/bin/qemu-img', bareArgs);
    rmSync(bareOut, { force: true });
  }

  const ours: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
    const times: Record<string, number> = {};
    for (const which of order) {
      if (cold) dropCaches();
      if (which === 'ours') {
        const run = await timed(process.execPath, [join(root, 'bin', 'hyper2kvm.mjs'), 'convert', source, '--out', outDir, '--name', 'ours', '--json'], env);
        if (run.exitCode !== 0) throw new Error(`our CLI failed (${run.exitCode}): ${run.stdout.split('\n').filter(Boolean).at(-1)}`);
        times.ours = run.seconds;
        peak = Math.max(peak, run.peakRssBytes);
        rmSync(join(outDir, 'ours.qcow2'), { force: true });
      } else {
        const run = await timed('/usr/bin/qemu-img', bareArgs);
        if (run.exitCode !== 0) throw new Error(`qemu-img failed: ${run.stderr}`);
        times.bare = run.seconds;
        rmSync(bareOut, { force: true });
      }
    }
    ours.push(times.ours!);
    bare.push(times.bare!);
    ratios.push(times.ours! / times.bare!);
    console.log(`run ${i + 1}/${runs}: ours ${times.ours!.toFixed(2)} s, bare ${times.bare!.toFixed(2)} s, ratio ${(times.ours! / times.bare!).toFixed(3)}`);
  }
  console.log('');
  console.log(`median ours ${median(ours).toFixed(2)} s, median bare ${median(bare).toFixed(2)} s`);
  console.log(`median ratio (ours ÷ bare): ${median(ratios).toFixed(3)}   target ≤ 1.02`);
  console.log(`peak RSS of our Node process: ${mib(peak)}   target ≤ 150 MB`);
}

await main();
