import { basename, join, resolve } from 'node:path';
import type { ResolvedVerifyBootCall } from '../../../shared/contract/api/libvirt';
import type { BootVerification, ResolvedVerifyBootRequest, VerifyBootRequest } from '../../../shared/contract/models/boot';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { fail } from '../core/errors';
import type { JobHandle, JobSpec } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import { kvmWorks } from '../core/accel';
import { ConsoleScreen } from './console-screen';
import { ConsoleTextStream } from './console-stream';
import { attachToInspectionReport, inspectionNoteFor, readInspectionFile, storeVerification } from './evidence';
import { createVerifyBootStage } from './verify-stage';
import type { VerifyBootTuning } from './verify-stage';

export interface VerifyBootJobDeps {
  tools: ToolRunner;
  /** Where other jobs' folders are (an inspection job's report is completed in place). */
  jobsDir: string;
  /** Test seam: stage timing. */
  tuning?: Partial<VerifyBootTuning>;
}

export const VERIFY_BOOT_STAGES = [{ id: 'verify-boot', label: 'Boot the guest and prove it' }] as const;

/** The equivalent command line, stored in the job record so that any run can be replayed. */
export function verifyBootCli(request: ResolvedVerifyBootCall): string[] {
  return [
    'hyper2kvm',
    'verify-boot',
    request.disk,
    ...(request.format ? ['--format', request.format] : []),
    ...(request.firmware ? ['--firmware', request.firmware] : []),
    ...(request.timeoutSeconds ? ['--timeout', String(request.timeoutSeconds)] : []),
    ...(request.connection ? ['--connect', request.connection] : []),
  ];
}

/** The inspection of the disk being booted, and the job whose report it is. */
export interface InspectedDisk {
  report: InspectionReport;
  jobId: string;
}

/**
 * The verify stage inside any job, with everything it sees live — serial text, the console as a
 * terminal renders it, milestones, screenshots — sent as the job's observation events. KVM when
 * qemu can use it here; asked for explicitly and missing, an error; on auto without it, software
 * emulation, said in the notes.
 * With the disk's inspection, the verdict says when it found no operating system to boot.
 */
export async function verifyBootIn(job: JobHandle, request: ResolvedVerifyBootRequest, deps: Pick<VerifyBootJobDeps, 'tools' | 'tuning'>, inspected?: InspectedDisk | null): Promise<BootVerification> {
  const kvm = await kvmWorks(deps.tools);
  const asked = request.accelerator;
  if (asked === 'kvm' && !kvm) {
    fail('BOOT_KVM_UNAVAILABLE', 'KVM was asked for, but qemu cannot run guests with KVM on this machine.', 'Leave the accelerator on auto (software emulation is used), or enable virtualization for this machine.');
  }
  // auto on a host whose /dev/kvm qemu cannot use: straight to TCG, no failed KVM start first.
  const stageRequest: VerifyBootRequest = { ...request, accelerator: asked === 'auto' && !kvm ? 'tcg' : asked };
  const serialText = new ConsoleTextStream();
  // The console as a terminal shows it, sent as changes at most four times a second.
  const screen = new ConsoleScreen();
  let screenAtMs = 0;
  let screenTimer: NodeJS.Timeout | null = null;
  const sendScreen = async (): Promise<void> => {
    screenTimer = null;
    await screen.settled();
    const patch = screen.patch();
    if (patch) job.observe({ kind: 'console-screen', atMs: Math.round(screenAtMs), ...patch });
  };
  const stage = createVerifyBootStage(
    {
      onSerialText: (raw, atMs) => {
        const text = serialText.push(raw);
        if (text) job.observe({ kind: 'console-text', atMs: Math.round(atMs), text });
        void screen.write(raw);
        screenAtMs = atMs;
        screenTimer ??= setTimeout(() => void sendScreen(), 250);
      },
      onMilestone: (milestone) => job.observe({ kind: 'milestone', milestone }),
      onScreenshot: (shot) => job.observe({ kind: 'screenshot', atMs: Math.round(shot.atMs), name: basename(shot.path) }),
    },
    deps.tuning,
  );
  let result: BootVerification;
  try {
    result = await job.runStage(stage, stageRequest);
  } finally {
    if (screenTimer) clearTimeout(screenTimer);
    await sendScreen();
    screen.dispose();
  }
  const notes = [...result.notes];
  if (asked === 'auto' && !kvm && result.accelerator === 'tcg') notes.push('KVM cannot run guests on this machine: the guest was booted with software emulation (TCG), which is slower.');
  const noOs = inspected ? inspectionNoteFor(inspected.report, inspected.jobId) : null;
  if (noOs) notes.unshift(noOs);
  return { ...result, notes };
}

/**
 * Boot verification as a job (kind 'verify-boot'): the verify stage, with everything it sees
 * live — serial text, milestones, screenshots — sent as observation events. The result is kept
 * with the job (boot-verification.json next to the evidence) and, when an inspection job is
 * named, put into that job's report.
 */
export function verifyBootJob(call: ResolvedVerifyBootCall, deps: VerifyBootJobDeps): JobSpec<BootVerification> {
  const { inspectionJobId, ...request } = call;
  const disk = resolve(request.disk);
  return {
    kind: 'verify-boot',
    title: `Verify that ${basename(disk)} boots`,
    stages: VERIFY_BOOT_STAGES,
    request: call,
    cli: verifyBootCli(call),
    async run(job) {
      const inspection = inspectionJobId ? await readInspectionFile(join(deps.jobsDir, inspectionJobId, 'inspection.json')) : null;
      const verification = await verifyBootIn(job, { ...request, disk }, deps, inspection && inspectionJobId ? { report: inspection, jobId: inspectionJobId } : null);
      const path = await storeVerification(job.dir, verification);
      job.log('info', `Verification stored in ${path}.`);
      if (inspectionJobId) {
        const problem = await attachToInspectionReport(join(deps.jobsDir, inspectionJobId, 'inspection.json'), verification);
        if (problem) job.log('warn', `The verdict was not added to the report of job ${inspectionJobId}: ${problem}`);
        else job.log('info', `The verdict and its evidence were added to the report of job ${inspectionJobId}.`);
      }
      return verification;
    },
  };
}
