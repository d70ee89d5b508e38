import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootVerification, VerifyBootRequest } from '../../../shared/contract/models/boot';
import type { JobEvent } from '../../../shared/contract/events';
import { JobManager } from '../../../electron/engine/core/jobs';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { createVerifyBootStage } from '../../../electron/engine/boot/verify-stage';
import type { VerifyBootObserver, VerifyBootTuning } from '../../../electron/engine/boot/verify-stage';
import { domainNames } from '../../../electron/engine/libvirt/virsh';

/**
 * Runs the verify-boot stage the way the app will: inside a real job (JobManager), so that
 * cancellation and the cleanup registry behave as in production.
 */
export interface StageRun {
  jobId: string;
  jobDir: string;
  events: JobEvent[];
  cancel(): void;
  done: Promise<{ state: string; result: BootVerification | null; error: unknown }>;
}

export async function startVerifyBoot(request: VerifyBootRequest, options: { observer?: VerifyBootObserver; tuning?: Partial<VerifyBootTuning>; jobsDir?: string } = {}): Promise<StageRun> {
  const jobsDir = options.jobsDir ?? (await mkdtemp(join(tmpdir(), 'h2k-boot-jobs-')));
  if (!options.jobsDir) createdJobsDirs.push(jobsDir);
  const jobs = new JobManager({ jobsDir, tools: new LocalToolRunner(), progressIntervalMs: 0 });
  const events: JobEvent[] = [];
  jobs.onJobEvent((e) => events.push(e));
  const stage = createVerifyBootStage(options.observer, options.tuning);
  const jobId = await jobs.start({
    kind: 'verify-boot',
    title: `Verify boot of ${request.disk}`,
    stages: [{ id: stage.id, label: stage.label }],
    request,
    run: (job) => job.runStage(stage, request),
  });
  return {
    jobId,
    jobDir: join(jobsDir, jobId),
    events,
    cancel: () => jobs.cancel(jobId),
    done: jobs.wait(jobId).then((summary) => ({ state: summary.state, result: summary.result as BootVerification | null, error: summary.error })),
  };
}

const createdJobsDirs: string[] = [];

/** Removes the job folders (evidence included) of the runs started here; HYPER2KVM_KEEP_JOBS=1 keeps them. */
export async function removeJobFolders(): Promise<void> {
  if (process.env.HYPER2KVM_KEEP_JOBS === '1') return;
  for (const dir of createdJobsDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** What a verification might leave behind: domains, qemu processes, the overlay folder. */
export async function leftoversOf(run: Pick<StageRun, 'jobId' | 'jobDir'>): Promise<{ domains: string[]; qemuPids: number[]; workFolder: boolean; scratchFolders: string[] }> {
  const prefix = `h2k-verify-${run.jobId}`;
  const names = await domainNames({ tools: new LocalToolRunner() }, 'qemu:///system');
  const qemuPids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.includes(`guest=${prefix}`)) qemuPids.push(Number(entry));
  }
  const scratchFolders = (await readdir(tmpdir())).filter((e) => e.startsWith('hyper2kvm-boot-'));
  return { domains: names.filter((n) => n.startsWith(prefix)), qemuPids, workFolder: existsSync(join(run.jobDir, 'boot', 'work')), scratchFolders };
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function ownerOf(path: string): Promise<{ uid: number; gid: number; mode: number }> {
  const s = await stat(path);
  return { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 };
}

export async function isPngFile(path: string): Promise<boolean> {
  const head = (await readFile(path)).subarray(0, 8);
  return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

/** Reads a screenshot with tesseract, the way a person would look at it. */
export async function screenText(path: string): Promise<string> {
  const { stdout } = await new LocalToolRunner().run('tesseract', [path, 'stdout', '--psm', '6']);
  return stdout;
}
