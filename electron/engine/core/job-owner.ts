import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { procInfo } from './processes';

/**
 * Who runs a job: written to the job folder when the job starts (owner.json) and removed once
 * its record (job.json) is written. A folder with an owner record, no job record and an owner
 * that is gone is a job whose process died (kill -9, a crash, a power cut) before its end: the
 * engine's start-up sweep (pipeline/interrupted-jobs.ts) undoes what it left and records it.
 *
 * The owner is told apart from a later process that reuses its pid by the process's start time
 * (/proc/PID/stat field 22, clock ticks after boot) and the boot it started in (a power cut
 * restarts the tick count, so a start time alone could match again after a reboot).
 */

export const OWNER_FILE = 'owner.json';

export const OwnerRecord = z.object({
  schema: z.literal('hyper2kvm.job-owner/1'),
  pid: z.number().int().positive(),
  startTime: z.number().int().nonnegative(),
  bootId: z.string(),
  host: z.string(),
  /** A batch runs the job: the batch's resume clears what it left, the start-up sweep must not. */
  batch: z.boolean(),
  /** The owner's working folder: a relative destination in the request is relative to it. */
  cwd: z.string(),
  kind: z.string(),
  title: z.string(),
  /** The job's request and equivalent command, for the record the sweep writes in its stead. */
  request: z.unknown(),
  cli: z.array(z.string()).nullable(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

/** This machine and boot, and a way to see whether a process still runs: what an owner is checked against. */
export interface Here {
  host: string;
  bootId: string;
  /** The start time of the live (not zombie) process with this pid, or null when there is none. */
  startTimeOf(pid: number): number | null;
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

export function here(): Here {
  return {
    host: hostname(),
    bootId: bootId(),
    startTimeOf: (pid) => {
      const info = procInfo(pid);
      return info && info.state !== 'Z' ? info.startTime : null;
    },
  };
}

/** The record for a job this process starts now. */
export function ownerRecordFor(job: { kind: string; title: string; request: unknown; cli: string[] | null; batch: boolean }, at: Here = here()): OwnerRecord {
  return {
    schema: 'hyper2kvm.job-owner/1',
    pid: process.pid,
    startTime: at.startTimeOf(process.pid) ?? 0,
    bootId: at.bootId,
    host: at.host,
    batch: job.batch,
    cwd: process.cwd(),
    kind: job.kind,
    title: job.title,
    request: job.request ?? null,
    cli: job.cli,
  };
}

/** Written aside and renamed into place: a crash mid-write leaves no half record. */
export async function writeOwnerRecord(jobDir: string, record: OwnerRecord): Promise<void> {
  const temp = join(jobDir, `.${OWNER_FILE}.tmp`);
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, join(jobDir, OWNER_FILE));
}

export async function removeOwnerRecord(jobDir: string): Promise<void> {
  await rm(join(jobDir, OWNER_FILE), { force: true });
}

/** The job's owner record; null when there is none or it cannot be read. */
export async function readOwnerRecord(jobDir: string): Promise<OwnerRecord | null> {
  const text = await readFile(join(jobDir, OWNER_FILE), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = OwnerRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Whether the owner still runs. 'unknown' is never taken as dead: an owner on another machine (a
 * jobs folder shared between machines, whose processes cannot be seen from here), or one whose
 * start time could not be read (no /proc), so that a reused pid could not be told apart.
 */
export function ownerStatus(owner: Pick<OwnerRecord, 'pid' | 'startTime' | 'bootId' | 'host'>, at: Here): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== at.host) return 'unknown';
  // Started in an earlier boot: whatever has its pid now is another process.
  if (owner.bootId !== '' && at.bootId !== '' && owner.bootId !== at.bootId) return 'dead';
  if (owner.startTime === 0) return 'unknown';
  const startTime = at.startTimeOf(owner.pid);
  return startTime !== null && startTime === owner.startTime ? 'alive' : 'dead';
}
