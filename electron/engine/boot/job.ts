import { basename, join, resolve } from 'node:path';
import type { ResolvedVerifyBootCall } from '../../../shared/contract/api/libvirt';
import type { BootVerification, VerifyBootRequest } from '../../../shared/contract/models/boot';
import { fail } from '../core/errors';
import type { JobSpec } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import { kvmWorks } from '../core/accel';
import '../libvirt/error-codes';
import { ConsoleTextStream } from './console-stream';
import { attachToInspectionReport, storeVerification } from './evidence';
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
      const kvm = await kvmWorks(deps.tools);
      const asked = request.accelerator;
      if (asked === 'kvm' && !kvm) {
        fail('BOOT_KVM_UNAVAILABLE', 'KVM was asked for, but qemu cannot run guests with KVM on this machine.', 'Leave the accelerator on auto (software emulation is used), or enable virtualization for this machine.');
      }
      // auto on a host whose /dev/kvm qemu cannot use: straight to TCG, no failed KVM start first.
      const stageRequest: VerifyBootRequest = { ...request, disk, accelerator: asked === 'auto' && !kvm ? 'tcg' : asked };
      const serialText = new ConsoleTextStream();
      const stage = createVerifyBootStage(
        {
          onSerialText: (raw, atMs) => {
            const text = serialText.push(raw);
            if (text) job.observe({ kind: 'console-text', atMs: Math.round(atMs), text });
          },
          onMilestone: (milestone) => job.observe({ kind: 'milestone', milestone }),
          onScreenshot: (shot) => job.observe({ kind: 'screenshot', atMs: Math.round(shot.atMs), name: basename(shot.path) }),
        },
        deps.tuning,
      );
      const result = await job.runStage(stage, stageRequest);
      const verification: BootVerification =
        asked === 'auto' && !kvm && result.accelerator === 'tcg' ? { ...result, notes: [...result.notes, 'KVM cannot run guests on this machine: the guest was booted with software emulation (TCG), which is slower.'] } : result;

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
