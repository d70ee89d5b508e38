import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { liveGroupMembers, processesMentioning } from '../core/processes';

/**
 * What a job whose process died (kill -9, a crash, a power cut) leaves outside libvirt (see
 * leftover-domains.ts for the libvirt side), and how it is cleared. Used by a batch resume
 * (batch/leftovers.ts) and by the start-up sweep of single jobs (interrupted-jobs.ts).
 */

/**
 * Kills (SIGKILL, whole groups) what still works for a dead job: qemu-img writing
 * `.NAME.part-JOBID` (found by that name on its command line) and hooks (found by
 * HYPER2KVM_JOB_ID in their environment). Returns their pids.
 */
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

/**
 * Removes the job's partial outputs `.NAME.part-JOBID` (stages/convert.ts partialPath) from these
 * folders: never taken as done. Returns the paths removed.
 */
export async function removePartialOutputs(jobId: string, folders: Iterable<string>): Promise<string[]> {
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
  return removed;
}
