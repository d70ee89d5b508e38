import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { engineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../core/errors';
import './error-codes';
import { procInfo } from '../core/processes';

/**
 * One runner per journal. The lock file beside the journal names its owner (pid and the
 * process's start time, so a reused pid does not look like the owner); a lock whose owner is
 * gone (kill -9) is taken over. Taking it is atomic: the new lock is written aside and linked
 * into place, which fails if another runner got there first.
 */

interface Owner {
  pid: number;
  startTime: number;
  host: string;
}

export function lockPath(journal: string): string {
  return `${journal}.lock`;
}

export interface RunnerLock {
  release(): Promise<void>;
}

export async function acquireRunnerLock(journal: string): Promise<RunnerLock> {
  const path = lockPath(journal);
  const me: Owner = { pid: process.pid, startTime: procInfo(process.pid)?.startTime ?? 0, host: hostname() };
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, path);
        return { release: () => releaseIfOurs(path, me) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readOwner(path);
      if (owner && isAlive(owner)) {
        throw new EngineFailure(
          engineError('BATCH_LOCKED', `This batch is already running (process ${owner.pid}).`, 'Wait for it to end, or stop it (Ctrl-C in its terminal, or Stop on the Batch page); then resume.', { path, details: { pid: owner.pid } }),
        );
      }
      // Its owner is gone: move the stale lock aside (atomically) and try again.
      await rename(path, `${path}.stale-${process.pid}`).catch(() => undefined);
      await rm(`${path}.stale-${process.pid}`, { force: true });
    }
    throw new EngineFailure(engineError('BATCH_LOCKED', 'Another runner keeps taking this batch’s lock.', 'Make sure only one hyper2kvm runs this plan.', { path }));
  } finally {
    await rm(temp, { force: true });
  }
}

/** The pid of the live runner holding the journal, or null. */
export async function lockHolder(journal: string): Promise<number | null> {
  const owner = await readOwner(lockPath(journal));
  return owner && isAlive(owner) ? owner.pid : null;
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Owner;
  } catch {
    return null;
  }
}

function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // another machine's lock (shared folder): respect it
  const info = procInfo(owner.pid);
  return info !== null && info.state !== 'Z' && (owner.startTime === 0 || info.startTime === owner.startTime);
}

async function releaseIfOurs(path: string, me: Owner): Promise<void> {
  const owner = await readOwner(path);
  if (owner && owner.pid === me.pid && owner.startTime === me.startTime) await rm(path, { force: true });
}
