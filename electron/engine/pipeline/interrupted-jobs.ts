import { link, readdir, readFile, appendFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import type { JobEvent } from '../../../shared/contract/events';
import { toEngineError } from '../core/errors';
import { JOB_RECORD_FILE, writeJobRecord } from '../core/job-record';
import { here as hereNow, ownerRecordFor, ownerStatus, readOwnerRecord, removeOwnerRecord } from '../core/job-owner';
import type { Here, OwnerRecord } from '../core/job-owner';
import type { ToolRunner } from '../core/tool-runner';
import './error-codes';
import { killJobProcesses, removePartialOutputs } from './job-leftovers';
import { clearLeftoverDomains } from './leftover-domains';

/**
 * The engine's start-up sweep of single jobs whose process died (kill -9, a crash, a power cut):
 * nobody resumes them, so without it a verification domain would keep booting (its qemu burning
 * CPU until someone finds it with `virsh list`), a defined domain would keep the VM's name (the
 * next attempt refused) with the disks in libvirt's images folder, and the job would look
 * "running" forever. A job is swept when its folder has an owner record (core/job-owner.ts,
 * written when the job starts), no job record (job.json, written at its end), an owner that is
 * gone, and no batch running it (a batch's resume clears its own: batch/leftovers.ts).
 *
 * Two engines at once (the CLI while the app runs, two CLIs) never sweep each other's live
 * jobs: a job whose owner process still runs — same pid, same start time, same boot — is left
 * alone. Two engines starting at once do not sweep the same dead job twice: the first to link
 * its claim into the folder does it.
 */

export type SweepDecision = { sweep: true } | { sweep: false; reason: 'finished' | 'no-owner' | 'batch' | 'owner-alive' | 'owner-unknown' };

/** What a job folder holds that decides whether it is swept: pure, so each case is tested. */
export function sweepDecision(folder: { hasJobRecord: boolean; owner: OwnerRecord | null }, at: Here): SweepDecision {
  if (folder.hasJobRecord) return { sweep: false, reason: 'finished' };
  // No owner record: a job of a version before owner records, or one whose folder was made a
  // moment ago and whose record is not written yet. Neither can be told dead.
  if (!folder.owner) return { sweep: false, reason: 'no-owner' };
  if (folder.owner.batch) return { sweep: false, reason: 'batch' };
  const status = ownerStatus(folder.owner, at);
  if (status === 'alive') return { sweep: false, reason: 'owner-alive' };
  if (status === 'unknown') return { sweep: false, reason: 'owner-unknown' };
  return { sweep: true };
}

export interface EventLogFacts {
  startedAt: string | null;
  /** Stages started and not done when the log stops: the job died during these. */
  running: Array<{ id: string; label: string }>;
  /** Stages that finished, in order, with their times (for the record). */
  done: Array<{ id: string; label: string; durationMs: number }>;
}

/** Reads what a dead job's event log says about where it was. A last line cut short by the crash is skipped. */
export function eventLogFacts(text: string): EventLogFacts {
  let startedAt: string | null = null;
  const labels = new Map<string, string>();
  const running = new Map<string, string>();
  const done: EventLogFacts['done'] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event: JobEvent;
    try {
      event = JSON.parse(line) as JobEvent;
    } catch {
      continue;
    }
    if (event.type === 'job-started') {
      startedAt = event.at;
      for (const s of event.stages) labels.set(s.id, s.label);
    } else if (event.type === 'stage-started') {
      labels.set(event.stage, event.label);
      running.set(event.stage, event.label);
    } else if (event.type === 'stage-done') {
      running.delete(event.stage);
      done.push({ id: event.stage, label: labels.get(event.stage) ?? event.stage, durationMs: event.durationMs });
    }
  }
  return { startedAt, running: [...running].map(([id, label]) => ({ id, label })), done };
}

/** Where the job was when its process died, in words: `"Boot the guest and prove it" (verify-boot)`. */
export function stagePhrase(facts: Pick<EventLogFacts, 'running' | 'done'>): string {
  if (facts.running.length) return facts.running.map((s) => `the stage "${s.label}" (${s.id})`).join(' and ');
  const last = facts.done.at(-1);
  return last ? `the work after the stage "${last.label}" (${last.id})` : 'its start, before its first stage';
}

/** The error value the sweep records for a job it found dead. */
export function interruptedError(facts: Pick<EventLogFacts, 'running' | 'done'>, undone: readonly string[], details: Record<string, unknown>): EngineError {
  const what = undone.length ? `Undone: ${undone.join('; ')}.` : 'Nothing was left to undo.';
  // Outputs the job had finalized are finished disks, kept; a new run refuses to overwrite them.
  const finalized = facts.done.some((s) => s.id === 'finalize');
  const hint = finalized ? 'Run the job again. Its converted disks were finished and are kept: remove them, or let the new run overwrite them.' : 'Run the job again.';
  return engineError('JOB_INTERRUPTED', `The process running this job stopped (killed or crashed) during ${stagePhrase(facts)}. ${what}`, hint, {
    details: { ...details, stage: facts.running[0]?.id ?? null, undone },
  });
}

/** The destination folder a convert or migrate request names (options.outDir), absolute. */
export function destinationOf(request: unknown, cwd: string): string | null {
  if (typeof request !== 'object' || request === null) return null;
  const options = (request as { options?: unknown }).options;
  if (typeof options !== 'object' || options === null) return null;
  const outDir = (options as { outDir?: unknown }).outDir;
  if (typeof outDir !== 'string' || !outDir) return null;
  return isAbsolute(outDir) ? outDir : resolve(cwd, outDir);
}

/**
 * The temporary overlay folders a verification domain's XML names (`hyper2kvm-boot-XXXXXX`,
 * made by verify-stage.ts when the job folder is closed to qemu). Only those: a disk path of
 * any other shape is the user's, never removed.
 */
export function overlayFolders(domainXml: string): string[] {
  const found = new Set<string>();
  for (const m of domainXml.matchAll(/<source file='([^']+)'/g)) {
    const folder = /^(\/.+\/hyper2kvm-boot-[A-Za-z0-9]{6})\/overlay-\d+\.qcow2$/.exec(m[1]!)?.[1];
    if (folder) found.add(folder);
  }
  return [...found];
}

export interface SweptJob {
  jobId: string;
  jobDir: string;
  error: EngineError;
}

export interface SweepOptions {
  jobsDir: string;
  tools: ToolRunner;
  now?: () => Date;
  /** Where the owners are checked (tests give a fixed one). */
  here?: Here;
  /** Told about a job folder the sweep could not finish (it goes on with the others). */
  onError?: (jobId: string, error: EngineError) => void;
}

/** Sweeps every job folder of `jobsDir` once; returns the jobs it recorded as interrupted. */
export async function sweepInterruptedJobs(options: SweepOptions): Promise<SweptJob[]> {
  const at = options.here ?? hereNow();
  const names = await readdir(options.jobsDir).catch(() => [] as string[]);
  const swept: SweptJob[] = [];
  for (const jobId of names) {
    const jobDir = join(options.jobsDir, jobId);
    try {
      // owner.json first: finished jobs have none, so the common case costs one failed open.
      const owner = await readOwnerRecord(jobDir);
      if (!owner) continue;
      const decision = sweepDecision({ hasJobRecord: await exists(join(jobDir, JOB_RECORD_FILE)), owner }, at);
      if (!decision.sweep) continue;
      const claim = await claimJob(jobDir, at);
      if (!claim) continue;
      try {
        // Another sweep may have finished it between our look and our claim.
        if (await exists(join(jobDir, JOB_RECORD_FILE))) continue;
        swept.push(await sweepJob(jobId, jobDir, owner, options));
      } finally {
        await claim.release();
      }
    } catch (error) {
      options.onError?.(jobId, toEngineError(error));
    }
  }
  return swept;
}

async function sweepJob(jobId: string, jobDir: string, owner: OwnerRecord, options: SweepOptions): Promise<SweptJob> {
  const now = options.now ?? (() => new Date());
  const facts = eventLogFacts(await readFile(join(jobDir, 'events.jsonl'), 'utf8').catch(() => ''));
  const undone: string[] = [];
  const killed = await killJobProcesses(jobId);
  if (killed.length) undone.push(`killed ${killed.length === 1 ? 'the process' : 'the processes'} ${killed.join(', ')} still working for it`);
  // Before the partial outputs go: a defined domain's disks come back to the destination.
  undone.push(...(await clearLeftoverDomains(jobId, jobDir, options.tools)));
  const destination = destinationOf(owner.request, owner.cwd);
  if (destination) for (const path of await removePartialOutputs(jobId, [destination])) undone.push(`removed the partial output ${path}`);
  // The boot verification's copy-on-write overlays (verify-stage.ts): in the job folder, or in a
  // temporary folder of their own, named by the domain XML the job kept.
  const domainXml = await readFile(join(jobDir, 'boot', 'domain.xml'), 'utf8').catch(() => '');
  for (const folder of [join(jobDir, 'boot', 'work'), ...overlayFolders(domainXml)]) {
    if (!(await exists(folder))) continue;
    await rm(folder, { recursive: true, force: true });
    undone.push(`removed the boot verification overlay folder ${folder}`);
  }

  const error = interruptedError(facts, undone, { pid: owner.pid, killed });
  const endedAt = now().toISOString();
  await writeJobRecord(jobDir, {
    jobId,
    kind: owner.kind,
    title: owner.title,
    state: 'failed',
    startedAt: facts.startedAt,
    endedAt,
    request: owner.request,
    cli: owner.cli,
    stages: facts.done,
    result: null,
    error,
  });
  // The event log ends like any failed job's, for whoever replays it.
  const stage = facts.running[0]?.id;
  const terminal: JobEvent = stage === undefined ? { type: 'failed', jobId, at: endedAt, error } : { type: 'failed', jobId, at: endedAt, stage, error };
  await appendFile(join(jobDir, 'events.jsonl'), `${JSON.stringify(terminal)}\n`).catch(() => undefined);
  await removeOwnerRecord(jobDir);
  return { jobId, jobDir, error };
}

const CLAIM_FILE = 'sweep.claim';

/**
 * One sweep per dead job: the claim (this process as an owner record) is written aside and linked
 * into place, which fails if another sweep got there first. A claim whose sweep died too is taken
 * over.
 */
async function claimJob(jobDir: string, at: Here): Promise<{ release(): Promise<void> } | null> {
  const path = join(jobDir, CLAIM_FILE);
  const temp = join(jobDir, `.${CLAIM_FILE}.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify(ownerRecordFor({ kind: 'sweep', title: 'start-up sweep', request: null, cli: null, batch: false }, at)));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(temp, path);
        return { release: () => rm(path, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readFile(path, 'utf8').then((t) => JSON.parse(t) as Pick<OwnerRecord, 'pid' | 'startTime' | 'bootId' | 'host'>, () => null);
      if (holder && ownerStatus(holder, at) !== 'dead') return null;
      // Its sweep died (or its claim is unreadable): move it aside atomically and try again.
      await rename(path, `${path}.stale-${process.pid}`).catch(() => undefined);
      await rm(`${path}.stale-${process.pid}`, { force: true });
    }
    return null;
  } finally {
    await rm(temp, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
