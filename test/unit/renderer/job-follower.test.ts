import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { jobFollower, wizardJobFollower } from '../../../renderer/src/app/job-follower';
import type { FollowedJobState, JobFollowerOptions, JobLink } from '../../../renderer/src/app/job-follower';
import { jobRunReducer, latestReading } from '../../../renderer/src/components/job-run';
import type { JobRunView, StageReading } from '../../../renderer/src/components/job-run';
import type { EngineError } from '../../../shared/contract/errors';
import { JobEvent } from '../../../shared/contract/events';

type View = JobRunView<{ answer: number }, StageReading | null>;
const reducer = jobRunReducer({ result: z.object({ answer: z.number() }), resultMismatch: { message: 'Unexpected result.', hint: 'A bug.' }, progress: latestReading });

const JOB = '20261125-193000-a1b2c3';
const OTHER = '20261125-193000-ffffff';
let clock = 0;
const ev = (event: Record<string, unknown>, jobId = JOB): JobEvent => JobEvent.parse({ jobId, at: new Date(Date.UTC(2026, 10, 25, 19, 30, 0, clock++)).toISOString(), ...event });
const started = ev({ type: 'job-started', kind: 'convert', title: 'Convert disk.vmdk', stages: [{ id: 'convert', label: 'Convert disks' }] });
const stageStarted = ev({ type: 'stage-started', stage: 'convert', label: 'Convert disks' });
const log = (message: string): JobEvent => ev({ type: 'log', stage: 'convert', level: 'info', message });
const done = ev({ type: 'done', result: { answer: 42 } });
const NOT_FOUND: EngineError = { code: 'JOB_NOT_FOUND', kind: 'bad-input', message: 'No such job.', hint: '' };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A feature's store and a fake engine link whose calls answer when the test says so. */
function harness(extra: Partial<JobFollowerOptions<View>> = {}) {
  let state: FollowedJobState<View> = { starting: false, run: null, cancelling: false };
  let listener: (event: JobEvent) => void = () => undefined;
  const calls: Array<{ method: string; input: unknown; answer: ReturnType<typeof deferred<unknown>> }> = [];
  const link = {
    call: (method: string, input: unknown) => {
      const answer = deferred<unknown>();
      calls.push({ method, input, answer });
      return answer.promise;
    },
    onJobEvent: (l: (event: JobEvent) => void) => {
      listener = l;
      return () => undefined;
    },
    onReconnect: () => () => undefined,
  };
  const options: JobFollowerOptions<View> = {
    store: {
      getState: () => state,
      setState: (patch) => {
        state = { ...state, ...patch };
      },
    },
    reducer,
    maxBuffered: 3,
    // Only the calls a follower makes are answered: jobs.get and jobs.cancel.
    link: () => link as unknown as JobLink,
    ...extra,
  };
  const follower = jobFollower(options);
  follower.listen();
  return { follower, state: () => state, emit: (event: JobEvent) => listener(event), calls };
}

const messages = (view: View | null): string[] => view?.log.map((l) => l.message) ?? [];

describe('starting a job', () => {
  it('keeps the events that come before the start call answers, of that job only, up to the limit', async () => {
    const h = harness();
    const begin = deferred<{ jobId: string }>();
    const starting = h.follower.start(() => begin.promise);
    expect(h.state()).toMatchObject({ starting: true, run: null });
    // The limit (3) counts every buffered event, another job's included.
    for (const event of [started, ev({ type: 'log', level: 'info', message: 'not ours' }, OTHER), log('one'), log('beyond the limit')]) h.emit(event);
    begin.resolve({ jobId: JOB });
    await starting;
    expect(h.state().starting).toBe(false);
    expect(h.state().run?.title).toBe('Convert disk.vmdk');
    expect(messages(h.state().run)).toEqual(['one']);
  });

  it('clears `starting` and passes the error on when the engine refuses', async () => {
    const h = harness();
    await expect(h.follower.start(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(h.state()).toMatchObject({ starting: false, run: null });
  });

  it('settles a job that already ended before the call answered', async () => {
    const onEnded = vi.fn();
    const h = harness({ onEnded });
    const begin = deferred<{ jobId: string }>();
    const starting = h.follower.start(() => begin.promise);
    h.emit(started);
    h.emit(done);
    begin.resolve({ jobId: JOB });
    await starting;
    expect(h.state().run?.outcome).toEqual({ type: 'done', result: { answer: 42 } });
    expect(onEnded).toHaveBeenCalledTimes(1);
  });
});

describe('live events', () => {
  it.each<[string, JobEvent[], string[], number, number]>([
    ['applied to the run', [stageStarted, log('a'), log('b')], ['a', 'b'], 0, 0],
    ["another job's events go to onOtherJob", [log('a'), ev({ type: 'done', result: {} }, OTHER)], ['a'], 1, 0],
    ['the end settles the run', [log('a'), done], ['a'], 0, 1],
  ])('%s', async (_name, events, expectedLog, otherJobCalls, endedCalls) => {
    const onOtherJob = vi.fn();
    const onEnded = vi.fn();
    const h = harness({ onOtherJob, onEnded });
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    for (const event of events) h.emit(event);
    expect(messages(h.state().run)).toEqual(expectedLog);
    expect(onOtherJob).toHaveBeenCalledTimes(otherJobCalls);
    expect(onEnded).toHaveBeenCalledTimes(endedCalls);
  });
});

describe('catching up after a reconnection', () => {
  it('rebuilds the run from the snapshot and the buffered events it lacks, none twice', async () => {
    const onSync = vi.fn();
    const h = harness({ onSync });
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    const catchingUp = h.follower.catchUp();
    const a = log('a');
    const b = log('b');
    // Arrive while jobs.get is under way: `a` is in its answer already, `b` is not.
    h.emit(a);
    h.emit(b);
    expect(h.calls.at(-1)).toMatchObject({ method: 'jobs.get', input: { jobId: JOB } });
    h.calls.at(-1)!.answer.resolve({ events: [started, stageStarted, a] });
    await catchingUp;
    expect(messages(h.state().run)).toEqual(['a', 'b']);
    expect(onSync).toHaveBeenCalledWith(null);
  });

  it('reports a failed catch-up and keeps the run as it was', async () => {
    const onSync = vi.fn();
    const h = harness({ onSync });
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    h.emit(log('a'));
    const catchingUp = h.follower.catchUp();
    h.calls.at(-1)!.answer.reject(NOT_FOUND);
    await catchingUp;
    expect(messages(h.state().run)).toEqual(['a']);
    expect(onSync).toHaveBeenCalledWith(expect.objectContaining({ message: 'No such job.' }));
  });

  it('resumes the running job of its kind, from its events so far', async () => {
    const h = harness();
    const show = vi.fn();
    const resuming = h.follower.resume('convert', show);
    h.calls.at(-1)!.answer.resolve([
      { jobId: OTHER, kind: 'inspect', state: 'running' },
      { jobId: '20261125-180000-000000', kind: 'convert', state: 'succeeded' },
      { jobId: JOB, kind: 'convert', state: 'running' },
    ]);
    await vi.waitFor(() => expect(h.calls.at(-1)?.method).toBe('jobs.get'));
    expect(show).toHaveBeenCalledTimes(1);
    h.calls.at(-1)!.answer.resolve({ events: [started, stageStarted, log('so far')] });
    await resuming;
    expect(h.state().run?.jobId).toBe(JOB);
    expect(messages(h.state().run)).toEqual(['so far']);
    h.emit(log('live'));
    expect(messages(h.state().run)).toEqual(['so far', 'live']);
  });

  it.each<[string, (jobsList: ReturnType<typeof deferred<unknown>>) => void]>([
    ['no job of its kind runs', (jobsList) => jobsList.resolve([{ jobId: JOB, kind: 'convert', state: 'cancelled' }])],
    ['the engine cannot list its jobs', (jobsList) => jobsList.reject(NOT_FOUND)],
  ])('resumes nothing when %s', async (_name, answer) => {
    const h = harness();
    const show = vi.fn();
    const resuming = h.follower.resume('convert', show);
    answer(h.calls.at(-1)!.answer);
    await resuming;
    expect(show).not.toHaveBeenCalled();
    expect(h.state().run).toBeNull();
  });
});

describe('cancelling', () => {
  it('asks the engine, and clears `cancelling` when the job ends', async () => {
    const h = harness();
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    const cancelling = h.follower.cancel();
    expect(h.state().cancelling).toBe(true);
    expect(h.calls.at(-1)).toMatchObject({ method: 'jobs.cancel', input: { jobId: JOB } });
    h.calls.at(-1)!.answer.resolve({ cancelled: true, state: 'running' });
    await cancelling;
    h.emit(ev({ type: 'cancelled', stage: 'convert' }));
    expect(h.state().cancelling).toBe(false);
  });

  it('clears `cancelling` and passes the error on when the engine refuses', async () => {
    const h = harness();
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    const cancelling = h.follower.cancel();
    h.calls.at(-1)!.answer.reject(NOT_FOUND);
    await expect(cancelling).rejects.toBe(NOT_FOUND);
    expect(h.state().cancelling).toBe(false);
  });

  it('does nothing once the job has ended', async () => {
    const h = harness();
    await h.follower.start(() => Promise.resolve({ jobId: JOB }));
    h.emit(started);
    h.emit(done);
    const calls = h.calls.length;
    await h.follower.cancel();
    expect(h.calls.length).toBe(calls);
  });
});

describe('a wizard following its job', () => {
  type WizardState = FollowedJobState<View> & { step: string; syncError: EngineError | null };

  function wizard(step: string) {
    let state: WizardState = { starting: false, run: null, cancelling: false, step, syncError: null };
    let listener: (event: JobEvent) => void = () => undefined;
    const link = {
      call: () => Promise.resolve({ events: [] }),
      onJobEvent: (l: (event: JobEvent) => void) => {
        listener = l;
        return () => undefined;
      },
      onReconnect: () => () => undefined,
    };
    const follower = wizardJobFollower<View>({
      link: () => link as unknown as JobLink,
      store: { getState: () => state, setState: (patch) => (state = { ...state, ...patch }) },
      reducer,
      maxBuffered: 10,
    });
    follower.listen();
    return { follower, state: () => state, emit: (event: JobEvent) => listener(event) };
  }

  it.each<[string, string, JobEvent, string]>([
    ['success on the Run step shows the result', 'run', done, 'result'],
    ['success while the user looks at another step leaves them there', 'source', done, 'source'],
    ['a failure stays on the Run step, with its error', 'run', ev({ type: 'failed', error: NOT_FOUND }), 'run'],
    ['a cancel stays on the Run step', 'run', ev({ type: 'cancelled' }), 'run'],
  ])('%s', async (_name, step, end, expectedStep) => {
    const w = wizard(step);
    await w.follower.start(() => Promise.resolve({ jobId: JOB }));
    w.emit(started);
    w.emit(end);
    expect(w.state().step).toBe(expectedStep);
  });
});
