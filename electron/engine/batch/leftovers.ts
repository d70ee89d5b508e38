import { rm, stat } from 'node:fs/promises';
import type { ToolRunner } from '../core/tool-runner';
import { clearLeftoverDomains } from '../pipeline/leftover-domains';
import { killJobProcesses, removePartialOutputs } from '../pipeline/job-leftovers';

/**
 * What an attempt interrupted by a crash (kill -9 of the runner, a power cut) leaves behind, and
 * how a resume clears it before running the VM again:
 *  - processes still working for the dead job: qemu-img writing `.NAME.part-JOBID` (found by
 *    that name on its command line), hooks (found by HYPER2KVM_JOB_ID in their environment);
 *  - partial outputs `.NAME.part-JOBID` in the destination folders: never taken as done;
 *  - a domain the attempt had defined (recorded in its job folder by the define stage):
 *    undefined, its disks put back from libvirt's images folder; a throwaway verification
 *    domain still booting: stopped;
 *  - final outputs the attempt's finalize had already renamed (known from the journal's
 *    vm-outputs record, which is written before finalize): removed when the plan does not
 *    overwrite, since the next attempt refuses existing outputs.
 * A vCenter VM's staging folder (the downloaded VMware files) is kept: the next attempt resumes
 * the downloads from it.
 */

export interface Leftovers {
  killed: number[];
  removed: string[];
  /** What was undone in libvirt, one line each. */
  domains: string[];
}

export interface Attempt {
  jobId: string;
  /** The dead job's folder (its record of a defined domain, its event log), when known. */
  jobDir: string | null;
  tools: ToolRunner;
}

export async function clearAttempt(attempt: Attempt, folders: readonly string[], finals: readonly string[], removeFinals: boolean): Promise<Leftovers> {
  const { jobId } = attempt;
  const killed = await killJobProcesses(jobId);
  // Before the outputs go: the disks come back from libvirt's images folder to where finals are.
  const domains = attempt.jobDir ? await clearLeftoverDomains(jobId, attempt.jobDir, attempt.tools) : [];
  const removed = await removePartialOutputs(jobId, folders);
  if (removeFinals) {
    for (const final of finals) {
      if (!(await stat(final).then(() => true, () => false))) continue;
      await rm(final, { force: true });
      removed.push(final);
    }
  }
  return { killed, removed, domains };
}
