import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/contract/events';
import { fail } from '../../../electron/engine/core/errors';
import { JobManager } from '../../../electron/engine/core/jobs';
import type { StageHooks } from '../../../electron/engine/core/jobs';
import type { Stage } from '../../../electron/engine/core/stage';
import type { ToolRunner } from '../../../electron/engine/core/tool-runner';

// Stage hooks: what a caller of JobManager.start runs around each stage (batches run the site's
// hooks there). Awaited inside the stage; a hook that throws fails the stage and the job.

const noTools: ToolRunner = { run: () => Promise.reject(new Error('no tools in this test')) };
const stage = (id: string, out: unknown): Stage<void, unknown> => ({ id, label: id.toUpperCase(), run: () => Promise.resolve(out) });

async function runWith(hooks: StageHooks): Promise<{ events: JobEvent[]; state: string; error: unknown }> {
  const jobs = new JobManager({ jobsDir: mkdtempSync(join(tmpdir(), 'h2k-hooks-')), tools: noTools, progressIntervalMs: 0 });
  const events: JobEvent[] = [];
  jobs.onJobEvent((e) => events.push(e));
  const id = await jobs.start({ kind: 't', title: 'T', stages: [], request: null, run: async (job) => [await job.runStage(stage('a', 1), undefined), await job.runStage(stage('b', [{ path: '/x' }]), undefined)] }, { stageHooks: hooks });
  const summary = await jobs.wait(id);
  return { events, state: summary.state, error: summary.error };
}

describe('JobManager stage hooks', () => {
  it('runs before and after every stage, inside it, with the stage output and a log under the stage', async () => {
    const calls: string[] = [];
    const { events, state } = await runWith({
      before: (s, ctx) => {
        calls.push(`before ${s.id} ${s.label}`);
        ctx.log('info', `hello from before-${s.id}`);
        return Promise.resolve();
      },
      after: (s, output) => {
        calls.push(`after ${s.id} ${JSON.stringify(output)}`);
        return Promise.resolve();
      },
    });
    expect(state).toBe('succeeded');
    expect(calls).toEqual(['before a A', 'after a 1', 'before b B', 'after b [{"path":"/x"}]']);
    expect(events.filter((e) => e.type !== 'job-started' && e.type !== 'done').map((e) => `${e.type} ${'stage' in e ? e.stage : ''}`)).toEqual(['stage-started a', 'log a', 'stage-done a', 'stage-started b', 'log b', 'stage-done b']);
  });

  it('a hook that throws fails its stage with its error value; later stages do not run', async () => {
    const { events, state, error } = await runWith({ after: (s) => (s.id === 'a' ? Promise.resolve(fail('HOOK_FAILED', 'The after-a hook exited with code 3.', 'Fix it.', { exitCode: 3 })) : Promise.resolve()) });
    expect(state).toBe('failed');
    expect(error).toMatchObject({ code: 'HOOK_FAILED', evidence: { exitCode: 3 } });
    expect(events.at(-1)).toMatchObject({ type: 'failed', stage: 'a' });
    expect(events.some((e) => e.type === 'stage-started' && e.stage === 'b')).toBe(false);
  });
});
