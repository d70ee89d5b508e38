import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureTimes, Journal, readJournal, replay } from '../../../electron/engine/batch/journal';
import type { JournalRecord } from '../../../electron/engine/batch/journal';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2k-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const at = '2026-12-01T12:00:00.000Z';
const error = { code: 'CONVERT_FAILED', kind: 'failure' as const, message: 'qemu-img failed', hint: 'see below' };

describe('the batch journal', () => {
  it('appends records in order, one JSON line each, and reads them back', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path, { create: true });
    await Promise.all([
      journal.append({ t: 'vm-start', vm: 'a', attempt: 1, jobId: 'job-1', jobDir: '/jobs/job-1', at }),
      journal.append({ t: 'vm-stage', vm: 'a', jobId: 'job-1', stage: 'convert', at }),
      journal.append({ t: 'vm-end', vm: 'a', jobId: 'job-1', state: 'done', at, outputs: [{ path: '/o/a.qcow2', format: 'qcow2', virtualSize: 10 }] }),
    ]);
    await journal.close();
    expect(readFileSync(path, 'utf8').split('\n').map((l) => (l ? (JSON.parse(l) as JournalRecord).t : ''))).toEqual(['vm-start', 'vm-stage', 'vm-end', '']);
    expect(await readJournal(path)).toHaveLength(3);
    expect(await readJournal(join(dir, 'none.jsonl'))).toBeNull();
  });

  it('group commit: records appended together share a sync, and each caller hears back once its own is on disk', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path, { create: true });
    // Two VMs journaling at once (the bench's two lanes): one write and one fdatasync may carry both.
    const durable: string[] = [];
    await Promise.all(
      (['a', 'b', 'c', 'd'] as const).map((vm, i) =>
        journal.append({ t: 'vm-start', vm, attempt: 1, jobId: `job-${i}`, jobDir: `/jobs/job-${i}`, at }).then(() => {
          // Resolved only after a sync that started once this record was written.
          durable.push(vm);
          expect(readFileSync(path, 'utf8')).toContain(`"vm":"${vm}"`);
        }),
      ),
    );
    expect(durable.sort()).toEqual(['a', 'b', 'c', 'd']);
    // One record per sync would be 4: the first goes alone, the three queued behind it share one.
    expect(journal.syncs).toBeLessThanOrEqual(2);
    await journal.close();
    expect((await readJournal(path))!.map((r) => (r as { vm: string }).vm)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a stage record appended without waiting for its sync is in the file at once, and on disk with the next durable one', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await Journal.open(path, { create: true });
    await journal.append({ t: 'vm-stage', vm: 'a', jobId: 'job-1', stage: 'probe', at }, { durable: false });
    // In the file (the kernel has it: a kill -9 of the runner now keeps it), with no sync paid.
    expect(readFileSync(path, 'utf8')).toContain('"stage":"probe"');
    expect(journal.syncs).toBe(0);
    await journal.append({ t: 'vm-stage', vm: 'a', jobId: 'job-1', stage: 'convert', at }, { durable: false });
    await journal.append({ t: 'vm-outputs', vm: 'a', jobId: 'job-1', finals: ['/o/a.qcow2'], at });
    // One fdatasync for the three: it started after all of them were written.
    expect(journal.syncs).toBe(1);
    await journal.append({ t: 'vm-stage', vm: 'a', jobId: 'job-1', stage: 'check', at }, { durable: false });
    await journal.close();
    // close() syncs what was written without a sync.
    expect(journal.syncs).toBe(2);
    expect((await readJournal(path))!.map((r) => r.t)).toEqual(['vm-stage', 'vm-stage', 'vm-outputs', 'vm-stage']);
  });

  it('drops a record cut by a crash, and cuts it from the file so the next one does not glue onto it', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, JSON.stringify({ t: 'vm-start', vm: 'a', attempt: 1, jobId: 'j1', jobDir: '/j', at }) + '\n');
    appendFileSync(path, '{"t":"vm-end","vm":"a","jobId":"j1","sta');
    const journal = await Journal.open(path, { create: false });
    expect(journal.records.map((r) => r.t)).toEqual(['vm-start']);
    await journal.append({ t: 'vm-end', vm: 'a', jobId: 'j1', state: 'interrupted', at });
    await journal.close();
    expect((await readJournal(path))!.map((r) => r.t)).toEqual(['vm-start', 'vm-end']);
  });

  it('refuses a damaged line in the middle, naming it', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, '{"t":"run"}\nnot json\n{"t":"run"}\n');
    await expect(Journal.open(path, { create: false })).rejects.toMatchObject({ value: { code: 'BATCH_JOURNAL_CORRUPT', evidence: { line: 2 } } });
  });

  it('replays each VM’s state: done stays done, a start without an end is in flight, retry requeues', () => {
    const records: JournalRecord[] = [
      { t: 'vm-start', vm: 'a', attempt: 1, jobId: 'j1', jobDir: '/j/j1', at },
      { t: 'vm-outputs', vm: 'a', jobId: 'j1', finals: ['/o/a.qcow2'], at },
      { t: 'vm-end', vm: 'a', jobId: 'j1', state: 'done', at, outputs: [{ path: '/o/a.qcow2', format: 'qcow2', virtualSize: 1 }], bytes: 1 },
      { t: 'vm-start', vm: 'b', attempt: 1, jobId: 'j2', jobDir: '/j/j2', at },
      { t: 'vm-stage', vm: 'b', jobId: 'j2', stage: 'convert', at },
      { t: 'vm-outputs', vm: 'b', jobId: 'j2', finals: ['/o/b.raw'], at },
      { t: 'vm-start', vm: 'c', attempt: 1, jobId: 'j3', jobDir: '/j/j3', at },
      { t: 'vm-end', vm: 'c', jobId: 'j3', state: 'failed', error, at: '2026-12-01T12:00:05.000Z' },
      { t: 'vm-retry', vm: 'c', at },
      { t: 'vm-start', vm: 'd', attempt: 1, jobId: 'j4', jobDir: '/j/j4', at },
      { t: 'vm-end', vm: 'd', jobId: 'j4', state: 'interrupted', at },
    ];
    const states = replay(records);
    expect(states.get('a')).toMatchObject({ state: 'done', attempts: 1, outputs: [{ path: '/o/a.qcow2' }], bytes: 1 });
    expect(states.get('b')).toMatchObject({ state: 'running', jobId: 'j2', stage: 'convert', finals: ['/o/b.raw'] });
    expect(states.get('c')).toMatchObject({ state: 'queued', attempts: 1, error: null });
    expect(states.get('d')).toMatchObject({ state: 'queued', jobId: 'j4' });
    expect(failureTimes(records)).toEqual([Date.parse('2026-12-01T12:00:05.000Z')]);
  });
});
