import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/contract/events';
import { fail } from '../../../electron/engine/core/errors';
import { JobManager, newJobId } from '../../../electron/engine/core/jobs';
import type { Stage } from '../../../electron/engine/core/stage';
import type { ToolRunner } from '../../../electron/engine/core/tool-runner';

const noTools: ToolRunner = { run: () => Promise.reject(new Error('no tools in this test')) };

function manager(): { jobs: JobManager; events: JobEvent[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'h2k-jobs-'));
  const jobs = new JobManager({ jobsDir: dir, tools: noTools, progressIntervalMs: 0 });
  const events: JobEvent[] = [];
  jobs.onJobEvent((e) => events.push(e));
  return { jobs, events, dir };
}

const double: Stage<number, number> = {
  id: 'double',
  label: 'Double',
  run(input, ctx) {
    ctx.progress({ bytesDone: 5, bytesTotal: 10 });
    ctx.log('info', 'doubling');
    return Promise.resolve(input * 2);
  },
};

const waitForAbort: Stage<void, void> = {
  id: 'wait',
  label: 'Wait',
  run(_input, ctx) {
    return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
  },
};

describe('JobManager', () => {
  it('runs stages, emits their events in order and ends with done', async () => {
    const { jobs, events, dir } = manager();
    const id = await jobs.start({ kind: 'test', title: 'T', stages: [double], request: { n: 21 }, run: (job) => job.runStage(double, 21) });
    const summary = await jobs.wait(id);
    expect(summary.state).toBe('succeeded');
    expect(summary.result).toBe(42);
    expect(events.map((e) => e.type)).toEqual(['job-started', 'stage-started', 'progress', 'log', 'stage-done', 'done']);
    const record = JSON.parse(readFileSync(join(dir, id, 'job.json'), 'utf8')) as { state: string; stages: Array<{ id: string }>; request: unknown };
    expect(record.state).toBe('succeeded');
    expect(record.stages.map((s) => s.id)).toEqual(['double']);
    expect(record.request).toEqual({ n: 21 });
    expect(readFileSync(join(dir, id, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('has written the whole event log when listeners hear the job ended (a CLI exits on that event; the folder may be removed next)', async () => {
    for (const outcome of ['done', 'failed'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'h2k-jobs-'));
      const jobs = new JobManager({ jobsDir: dir, tools: noTools, progressIntervalMs: 0 });
      const logged: string[][] = [];
      jobs.onJobEvent((e) => {
        if (e.type === 'done' || e.type === 'failed') logged.push(readFileSync(join(dir, e.jobId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as JobEvent).type));
      });
      const id = await jobs.start({
        kind: 'test',
        title: 'T',
        stages: [double],
        request: {},
        run: async (job) => {
          const n = await job.runStage(double, 1);
          if (outcome === 'failed') fail('TEST_FAILED', 'failed on purpose', 'none');
          return n;
        },
      });
      await jobs.wait(id);
      expect(logged).toEqual([['job-started', 'stage-started', 'progress', 'log', 'stage-done', outcome]]);
    }
  });

  it("creates the job's folder, and the app's folders on the way, private to this user (issue 11)", async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'h2k-jobs-')), 'home');
    const jobs = new JobManager({ jobsDir: join(home, 'jobs'), tools: noTools, progressIntervalMs: 0 });
    const id = await jobs.start({ kind: 'test', title: 'T', stages: [double], request: {}, run: (job) => job.runStage(double, 1) });
    await jobs.wait(id);
    for (const folder of [home, join(home, 'jobs'), join(home, 'jobs', id)]) expect([folder, statSync(folder).mode & 0o777]).toEqual([folder, 0o700]);
  });

  it('turns a thrown error value into a failed event and runs failure cleanups only', async () => {
    const { jobs, events } = manager();
    const ran: string[] = [];
    const id = await jobs.start({
      kind: 'test',
      title: 'T',
      stages: [],
      request: {},
      run: (job) => {
        job.cleanup.onFailure('partial', () => void ran.push('partial'));
        job.cleanup.always('overlay', () => void ran.push('overlay'));
        return fail('DEST_NO_SPACE', 'full', 'free some');
      },
    });
    const summary = await jobs.wait(id);
    expect(summary.state).toBe('failed');
    expect(summary.error?.code).toBe('DEST_NO_SPACE');
    expect(summary.error?.kind).toBe('bad-input');
    expect(ran).toEqual(['overlay', 'partial']);
    expect(events.at(-1)).toMatchObject({ type: 'failed', error: { code: 'DEST_NO_SPACE' } });
  });

  it('cancels: aborts the stage, runs the cleanups, then sends cancelled', async () => {
    const { jobs, events } = manager();
    const ran: string[] = [];
    const id = await jobs.start({
      kind: 'test',
      title: 'T',
      stages: [waitForAbort],
      request: {},
      run: async (job) => {
        job.cleanup.onFailure('partial', async () => {
          await new Promise((r) => setTimeout(r, 20));
          ran.push('partial');
        });
        await job.runStage(waitForAbort, undefined);
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(jobs.cancel(id)).toEqual({ cancelled: true, state: 'running' });
    const summary = await jobs.wait(id);
    expect(summary.state).toBe('cancelled');
    expect(summary.error?.code).toBe('CANCELLED');
    // The terminal event comes after the cleanup has finished.
    expect(ran).toEqual(['partial']);
    expect(events.at(-1)).toMatchObject({ type: 'cancelled', stage: 'wait' });
    expect(jobs.cancel(id)).toEqual({ cancelled: false, state: 'cancelled' });
  });

  it('reports an unexpected exception as INTERNAL without its stack', async () => {
    const { jobs } = manager();
    const id = await jobs.start({ kind: 'test', title: 'T', stages: [], request: {}, run: () => Promise.reject(new TypeError('x is undefined')) });
    const summary = await jobs.wait(id);
    expect(summary.error).toMatchObject({ code: 'INTERNAL', kind: 'failure' });
    expect(JSON.stringify(summary.error)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('keeps every job in its own folder and refuses unknown ids', async () => {
    const { jobs, dir } = manager();
    const id = await jobs.start({ kind: 'test', title: 'T', stages: [], request: {}, run: () => Promise.resolve(1) });
    await jobs.wait(id);
    expect(existsSync(join(dir, id, 'job.json'))).toBe(true);
    expect(() => jobs.get('nope-000000')).toThrow(/no job/);
    expect(jobs.list().map((j) => j.jobId)).toEqual([id]);
  });
});

describe('newJobId', () => {
  it('is sortable by time and matches the contract', () => {
    const id = newJobId(new Date('2026-11-25T19:15:30Z'));
    expect(id).toMatch(/^20261125-191530-[0-9a-f]{6}$/);
  });
});
