import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRunnerLock, lockHolder, lockPath } from '../../../electron/engine/batch/lock';
import { parseStat, procInfo } from '../../../electron/engine/core/processes';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2k-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('one runner per journal', () => {
  it('refuses a second runner while the first lives, and frees the journal on release', async () => {
    const journal = join(dir, 'j.jsonl');
    const lock = await acquireRunnerLock(journal);
    expect(await lockHolder(journal)).toBe(process.pid);
    await expect(acquireRunnerLock(journal)).rejects.toMatchObject({ value: { code: 'BATCH_LOCKED', evidence: { details: { pid: process.pid } } } });
    await lock.release();
    expect(await lockHolder(journal)).toBeNull();
    await (await acquireRunnerLock(journal)).release();
  });

  it('takes over the lock of a runner that died (kill -9 leaves it behind)', async () => {
    const journal = join(dir, 'j.jsonl');
    const dead = spawnSync('/bin/true').pid;
    writeFileSync(lockPath(journal), JSON.stringify({ pid: dead, startTime: 1, host: hostname() }));
    expect(await lockHolder(journal)).toBeNull();
    const lock = await acquireRunnerLock(journal);
    expect((JSON.parse(readFileSync(lockPath(journal), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    await lock.release();
  });

  it('does not mistake a reused pid for the owner (the start time differs)', async () => {
    const journal = join(dir, 'j.jsonl');
    writeFileSync(lockPath(journal), JSON.stringify({ pid: process.pid, startTime: procInfo(process.pid)!.startTime + 1, host: hostname() }));
    expect(await lockHolder(journal)).toBeNull();
  });
});

describe('/proc/PID/stat', () => {
  it.each([
    ['1234 (qemu-img) S 1 1234 1234 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0', { state: 'S', pgid: 1234, startTime: 987654 }],
    ['77 (a) weird) name) R 1 70 70 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0', { state: 'R', pgid: 70, startTime: 42 }],
    ['garbage', null],
  ])('%s', (text, expected) => {
    expect(parseStat(text)).toEqual(expected);
  });
});
