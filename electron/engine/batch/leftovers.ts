import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { processesMentioning, liveGroupMembers } from './processes';

/**
 * What an attempt interrupted by a crash (kill -9 of the runner, a power cut) leaves behind, and
 * how a resume clears it before running the VM again:
 *  - processes still working for the dead job: qemu-img writing `.NAME.part-JOBID` (found by
 *    that name on its command line), hooks (found by HYPER2KVM_JOB_ID in their environment);
 *  - partial outputs `.NAME.part-JOBID` in the destination folders: never taken as done;
 *  - final outputs the attempt's finalize had already renamed (known from the journal's
 *    vm-outputs record, which is written before finalize): removed when the plan does not
 *    overwrite, since the next attempt refuses existing outputs.
 * A vCenter VM's staging folder (the downloaded VMware files) is kept: the next attempt resumes
 * the downloads from it.
 */

export interface Leftovers {
  killed: number[];
  removed: string[];
}

export async function clearAttempt(jobId: string, folders: readonly string[], finals: readonly string[], removeFinals: boolean): Promise<Leftovers> {
  const killed = await killJobProcesses(jobId);
  const removed: string[] = [];
  const suffix = `.part-${jobId}`;
  for (const folder of new Set(folders)) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith('.') || !name.endsWith(suffix)) continue;
      await rm(join(folder, name), { force: true });
      removed.push(join(folder, name));
    }
  }
  if (removeFinals) {
    for (const final of finals) {
      if (!(await stat(final).then(() => true, () => false))) continue;
      await rm(final, { force: true });
      removed.push(final);
    }
  }
  return { killed, removed };
}

/** Kills (SIGKILL, whole groups) what still works for a job whose runner died; returns the pids. */
export async function killJobProcesses(jobId: string): Promise<number[]> {
  const found = [...processesMentioning(`.part-${jobId}`, { cmdline: true }), ...processesMentioning(`HYPER2KVM_JOB_ID=${jobId}`, { environ: true })];
  const ownGroup = process.pid;
  const killed: number[] = [];
  for (const p of found) {
    try {
      // Never our own group (a test runner, the app itself): then only the process.
      if (p.pgid !== ownGroup && p.pgid > 1) process.kill(-p.pgid, 'SIGKILL');
      else process.kill(p.pid, 'SIGKILL');
      killed.push(p.pid);
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + 5000;
  for (const p of found) {
    while (liveGroupMembers(p.pgid).includes(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  return killed;
}
