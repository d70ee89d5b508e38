/**
 * Boot verification overhead: time from start to verdict for the Debian test guest, against a
 * bare qemu-system-x86_64 boot of the same disk to its serial login prompt (same accelerator,
 * memory and vCPUs), alternating the two, several runs; prints the median ratio (target ≤ 1.05).
 *
 *   node --import ./scripts/ts-register.mjs bench/boot.ts [--runs N] [--accel tcg|kvm]
 */
import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootVerification } from '../shared/contract/models/boot';
import { JobManager } from '../electron/engine/core/jobs';
import { LocalToolRunner } from '../electron/engine/core/tool-runner';
import { EngineFailure } from '../electron/engine/core/errors';
import { createVerifyBootStage } from '../electron/engine/boot/verify-stage';
import { kvmWorks } from '../electron/engine/core/accel';
import { debianGuest } from '../test/fixtures/index';
import { ensureLibvirtd } from '../test/support/libvirtd';

const MEMORY_MIB = 1024;
const VCPUS = 1;
const LOGIN = /\S+ login: *$/m;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, accel: { type: 'string' } } });
const runs = Number(values.runs);
const tools = new LocalToolRunner();

interface Sample {
  run: number;
  verifierMs: number;
  verifierReturnMs: number;
  bareMs: number;
  ratio: number;
  verdict: string;
}

async function verifierBoot(disk: string, accel: 'kvm' | 'tcg', jobsDir: string): Promise<{ verdictMs: number; returnMs: number; result: BootVerification }> {
  const jobs = new JobManager({ jobsDir, tools });
  let verdictAt = 0;
  const start = performance.now();
  jobs.onJobEvent((e) => {
    if (e.type === 'log' && e.message.startsWith('Verdict:') && verdictAt === 0) verdictAt = performance.now();
  });
  const stage = createVerifyBootStage();
  const request = { disk, format: 'raw' as const, accelerator: accel, memoryMiB: MEMORY_MIB, vcpus: VCPUS, timeoutSeconds: 600 };
  const id = await jobs.start({ kind: 'verify-boot', title: 'bench', stages: [stage], request, run: (job) => job.runStage(stage, request) });
  const summary = await jobs.wait(id);
  const returnMs = performance.now() - start;
  if (summary.state !== 'succeeded') throw new Error(`verification ${summary.state}: ${summary.error?.message ?? ''}`);
  return { verdictMs: verdictAt - start, returnMs, result: summary.result as BootVerification };
}

/** The same disk straight under qemu, watched on its serial port until the login prompt. */
async function bareBoot(disk: string, accel: 'kvm' | 'tcg', work: string): Promise<number> {
  const log = join(work, `bare-${Date.now()}.log`);
  await writeFile(log, '');
  const stop = new AbortController();
  const start = performance.now();
  const qemu = tools
    .run(
      'qemu-system-x86_64',
      [
        '-machine', `q35,accel=${accel}`,
        '-cpu', accel === 'kvm' ? 'host' : 'max',
        '-m', String(MEMORY_MIB),
        '-smp', String(VCPUS),
        '-display', 'none',
        '-vga', 'std',
        '-drive', `file=${disk},format=raw,if=virtio,snapshot=on`,
        '-nic', 'none',
        '-serial', `file:${log}`,
      ],
      { signal: stop.signal },
    )
    .catch((error: unknown) => {
      if (!(error instanceof EngineFailure && error.value.code === 'CANCELLED')) throw error;
    });
  const file = await open(log, 'r');
  let text = '';
  try {
    for (;;) {
      const { bytesRead, buffer } = await file.read(Buffer.alloc(65536), 0, 65536, Buffer.byteLength(text, 'latin1'));
      text += buffer.subarray(0, bytesRead).toString('latin1');
      if (LOGIN.test(text)) return performance.now() - start;
      if (performance.now() - start > 600_000) throw new Error('bare boot: no login prompt within 600 s');
      await sleep(50);
    }
  } finally {
    await file.close();
    stop.abort();
    await qemu;
    await rm(log, { force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

async function main(): Promise<void> {
  const daemon = await ensureLibvirtd();
  const guest = await debianGuest();
  const accel = values.accel === 'kvm' || values.accel === 'tcg' ? values.accel : (await kvmWorks(tools)) ? 'kvm' : 'tcg';
  const work = await mkdtemp(join(tmpdir(), 'h2k-bench-boot-'));
  await chmod(work, 0o755);
  console.log(`boot bench: ${guest.raw}, ${accel.toUpperCase()}, ${MEMORY_MIB} MiB, ${VCPUS} vCPU, ${runs} runs (alternating)`);
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Alternate the order so neither side always gets the warmer page cache.
      let verifier!: Awaited<ReturnType<typeof verifierBoot>>;
      let bareMs = 0;
      if (i % 2 === 0) {
        verifier = await verifierBoot(guest.raw, accel, work);
        bareMs = await bareBoot(guest.raw, accel, work);
      } else {
        bareMs = await bareBoot(guest.raw, accel, work);
        verifier = await verifierBoot(guest.raw, accel, work);
      }
      const sample = { run: i + 1, verifierMs: verifier.verdictMs, verifierReturnMs: verifier.returnMs, bareMs, ratio: verifier.verdictMs / bareMs, verdict: `${verifier.result.verdict} (${verifier.result.reason})` };
      samples.push(sample);
      console.log(`run ${sample.run}: verifier ${seconds(sample.verifierMs)} s to verdict [${sample.verdict}] (${seconds(sample.verifierReturnMs)} s with cleanup), bare qemu ${seconds(bareMs)} s to login: ratio ${sample.ratio.toFixed(3)}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await daemon.release();
  }
  const summary = {
    accel,
    memoryMiB: MEMORY_MIB,
    vcpus: VCPUS,
    runs: samples,
    medianVerifierSeconds: Number(seconds(median(samples.map((s) => s.verifierMs)))),
    medianBareSeconds: Number(seconds(median(samples.map((s) => s.bareMs)))),
    medianRatio: Number(median(samples.map((s) => s.ratio)).toFixed(3)),
    target: 1.05,
  };
  console.log(`median: verifier ${summary.medianVerifierSeconds} s, bare ${summary.medianBareSeconds} s, ratio ${summary.medianRatio} (target ≤ ${summary.target}) ${summary.medianRatio <= summary.target ? 'OK' : 'ABOVE TARGET'}`);
  const resultsDir = join(import.meta.dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `boot-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(summary, null, 2) + '\n');
}

await main();
