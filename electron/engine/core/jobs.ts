import { mkdir, appendFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { JobEvent, JobState, Observation } from '../../../shared/contract/events';
import type { JobSummary } from '../../../shared/contract/api/core';
import { EngineFailure, toEngineError, cancelledError, fail } from './errors';
import { ProgressMeter, throttle } from '../../../shared/progress';
import { writeJobRecord } from './job-record';
import { ownerRecordFor, removeOwnerRecord, writeOwnerRecord } from './job-owner';
import type { CleanupRegistry, LogLevel, LogSink, ProgressReport, Stage, StageContext } from './stage';
import type { ToolRunner } from './tool-runner';

/** What a job kind gives the manager: its name, its stages (for the UI's step list) and its body. */
export interface JobSpec<R> {
  kind: string;
  title: string;
  stages: ReadonlyArray<{ id: string; label: string }>;
  /** The request as the user made it, for the record (never put secrets here). */
  request: unknown;
  /** The equivalent CLI command line, for the record: every run can be replayed. */
  cli?: string[];
  run(job: JobHandle): Promise<R>;
}

/** What a job body uses to run its stages. */
export interface JobHandle {
  readonly id: string;
  readonly dir: string;
  readonly signal: AbortSignal;
  runStage<I, O>(stage: Stage<I, O>, input: I): Promise<O>;
  log(level: LogLevel, message: string): void;
  /** Sends what the running stage saw (console text, a milestone, a screenshot) as an event. */
  observe(observation: Observation): void;
  /**
   * Waits for the user's answer to a question of this kind (the wizard's Repair step answers
   * through a contract call that reaches `JobManager.answer`). Cancelling the job ends the wait.
   */
  waitForAnswer(kind: string): Promise<unknown>;
  readonly cleanup: CleanupRegistry;
}

/**
 * Work to do around a job's stages, given by whoever starts the job (a batch runs the site's
 * hooks here). `before` runs once the stage has started and `after` once it has produced its
 * output, both awaited inside the stage: a hook that throws fails the stage (and so the job) with
 * its own error value. Stages that run at the same time call their hooks at the same time.
 */
export interface StageHooks {
  before?(stage: { id: string; label: string }, ctx: StageHookContext): Promise<void>;
  after?(stage: { id: string; label: string }, output: unknown, ctx: StageHookContext): Promise<void>;
}

/** What a stage hook may use: the job's identity and folder, its abort signal and its log. */
export interface StageHookContext {
  readonly jobId: string;
  readonly jobDir: string;
  readonly signal: AbortSignal;
  /** Lines land in the job's log under the stage the hook runs for. */
  readonly log: LogSink;
}

export interface JobStartOptions {
  stageHooks?: StageHooks;
  /**
   * A batch runs this job (batch/runner.ts). Recorded in the job's owner record: a batch's
   * resume clears what a dead attempt left, so the engine's start-up sweep of interrupted jobs
   * (pipeline/interrupted-jobs.ts) leaves the job alone.
   */
  batch?: boolean;
}

interface JobEntry {
  summary: JobSummary;
  events: JobEvent[];
  controller: AbortController;
  finished: Promise<JobSummary>;
  /** The question the job waits on, if any. */
  question: { kind: string; resolve: (answer: unknown) => void } | null;
}

export interface JobManagerOptions {
  jobsDir: string;
  tools: ToolRunner;
  /** Interval between progress events of one stage (ms). */
  progressIntervalMs?: number;
  now?: () => Date;
}

/** Progress is throttled; the rest of the events are kept in full for `jobs.get`. */
const MAX_KEPT_EVENTS = 5000;

/**
 * Runs jobs: gives each an id, a folder, an abort signal and a cleanup registry; runs its
 * stages with a context; turns every outcome into exactly one terminal event (done, failed or
 * cancelled) sent only after the cleanup has finished, so that "cancelled" really means that
 * nothing is left behind. Every job leaves a JSON record and an event log in its folder.
 */
export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private readonly now: () => Date;

  constructor(private readonly options: JobManagerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  onJobEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a job and returns its id at once; the work goes on in the background. */
  async start<R>(spec: JobSpec<R>, options: JobStartOptions = {}): Promise<string> {
    const id = newJobId(this.now());
    const dir = join(this.options.jobsDir, id);
    // Job records hold what a guest contains (users, packages, file diffs): this user's only.
    // `mode` applies to every folder created on the way, the app's home among them.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Who runs the job, before any of its work: if this process dies before job.json is
    // written, the next engine's start-up sweep knows the job was orphaned (core/job-owner.ts).
    await writeOwnerRecord(dir, ownerRecordFor({ kind: spec.kind, title: spec.title, request: spec.request, cli: spec.cli ?? null, batch: options.batch ?? false }));
    const controller = new AbortController();
    const summary: JobSummary = {
      jobId: id,
      kind: spec.kind,
      title: spec.title,
      state: 'running',
      startedAt: this.now().toISOString(),
      endedAt: null,
      error: null,
      result: null,
    };
    const entry: JobEntry = { summary, events: [], controller, finished: Promise.resolve(summary), question: null };
    this.jobs.set(id, entry);
    entry.finished = this.execute(entry, dir, spec, options.stageHooks);
    return id;
  }

  /** Resolves when the job has ended (after its cleanup), with its final summary. */
  async wait(jobId: string): Promise<JobSummary> {
    return this.entry(jobId).finished;
  }

  cancel(jobId: string): { cancelled: boolean; state: JobState } {
    const entry = this.entry(jobId);
    if (entry.summary.state !== 'running') return { cancelled: false, state: entry.summary.state };
    entry.controller.abort();
    return { cancelled: true, state: entry.summary.state };
  }

  /** Answers the question a running job waits on; false when it waits on no question of this kind. */
  answer(jobId: string, kind: string, answer: unknown): boolean {
    const entry = this.entry(jobId);
    if (entry.summary.state !== 'running' || entry.question?.kind !== kind) return false;
    const { resolve } = entry.question;
    entry.question = null;
    resolve(answer);
    return true;
  }

  /** Cancels every running job and waits for their cleanup (app shutdown). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((e) => e.summary.state === 'running');
    for (const e of running) e.controller.abort();
    await Promise.allSettled(running.map((e) => e.finished));
  }

  get(jobId: string): { job: JobSummary; events: JobEvent[] } {
    const entry = this.entry(jobId);
    return { job: { ...entry.summary }, events: [...entry.events] };
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((e) => ({ ...e.summary })).reverse();
  }

  private entry(jobId: string): JobEntry {
    const entry = this.jobs.get(jobId);
    if (!entry) return fail('JOB_NOT_FOUND', `There is no job ${jobId} in this session.`, 'List the jobs to see their ids.');
    return entry;
  }

  private async execute<R>(entry: JobEntry, dir: string, spec: JobSpec<R>, hooks: StageHooks | undefined): Promise<JobSummary> {
    const id = entry.summary.jobId;
    const signal = entry.controller.signal;
    const eventLog = join(dir, 'events.jsonl');
    let logChain: Promise<void> = Promise.resolve();
    const stageTimes: Array<{ id: string; label: string; durationMs: number }> = [];
    let currentStage: string | undefined;

    const keep = (event: JobEvent): void => {
      if (entry.events.length < MAX_KEPT_EVENTS || event.type !== 'progress') entry.events.push(event);
      const line = JSON.stringify(event) + '\n';
      logChain = logChain.then(() => appendFile(eventLog, line)).catch(() => undefined);
    };
    const broadcast = (event: JobEvent): void => {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // a broken listener must not break the job
        }
      }
    };
    // Set when the terminal event is written: a late timer (a throttled progress, an appliance's
    // estimate) must not append to a finished job's log or speak after its end.
    let ended = false;
    const emit = (event: JobEvent): void => {
      if (ended) return;
      keep(event);
      broadcast(event);
    };
    const at = (): string => this.now().toISOString();
    const log = (level: LogLevel, message: string, stage = currentStage): void => {
      emit(stage === undefined ? { type: 'log', jobId: id, at: at(), level, message } : { type: 'log', jobId: id, at: at(), stage, level, message });
    };

    const cleanups = new CleanupList(log);
    const handle: JobHandle = {
      id,
      dir,
      signal,
      cleanup: cleanups.registry,
      log: (level, message) => log(level, message),
      observe: (observation) => emit({ type: 'observation', jobId: id, at: at(), stage: currentStage ?? spec.kind, observation }),
      waitForAnswer: (kind) =>
        new Promise<unknown>((resolve, reject) => {
          if (signal.aborted) return reject(new EngineFailure(cancelledError()));
          const onAbort = (): void => {
            entry.question = null;
            reject(new EngineFailure(cancelledError()));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          entry.question = {
            kind,
            resolve: (answer) => {
              signal.removeEventListener('abort', onAbort);
              resolve(answer);
            },
          };
        }),
      runStage: async <I, O>(stage: Stage<I, O>, input: I): Promise<O> => {
        if (signal.aborted) throw new EngineFailure(cancelledError());
        currentStage = stage.id;
        const started = Date.now();
        emit({ type: 'stage-started', jobId: id, at: at(), stage: stage.id, label: stage.label });
        let meter: ProgressMeter | null = null;
        let meterTotal = -1;
        const progressOut = throttle((snapshot: JobEvent & { type: 'progress' }) => emit(snapshot), this.options.progressIntervalMs ?? 250);
        const ctx: StageContext = {
          jobId: id,
          jobDir: dir,
          signal,
          tools: this.options.tools,
          cleanup: cleanups.registry,
          log: (level, message) => log(level, message, stage.id),
          progress: (report: ProgressReport) => {
            if (!meter || meterTotal !== report.bytesTotal) {
              meter = new ProgressMeter(report.bytesTotal);
              meterTotal = report.bytesTotal;
            }
            progressOut.push({ type: 'progress', jobId: id, at: at(), stage: stage.id, progress: meter.update(report.bytesDone, report.item) });
          },
          progressSnapshot: (snapshot) => progressOut.push({ type: 'progress', jobId: id, at: at(), stage: stage.id, progress: snapshot }),
        };
        const hookCtx: StageHookContext = { jobId: id, jobDir: dir, signal, log: ctx.log };
        const info = { id: stage.id, label: stage.label };
        try {
          if (hooks?.before) await hooks.before(info, hookCtx);
          const output = await stage.run(input, ctx);
          progressOut.flush();
          if (hooks?.after) await hooks.after(info, output, hookCtx);
          const durationMs = Date.now() - started;
          stageTimes.push({ id: stage.id, label: stage.label, durationMs });
          emit({ type: 'stage-done', jobId: id, at: at(), stage: stage.id, durationMs });
          return output;
        } catch (error) {
          progressOut.flush();
          throw error;
        }
      },
    };

    emit({ type: 'job-started', jobId: id, at: at(), kind: spec.kind, title: spec.title, stages: spec.stages.map((s) => ({ id: s.id, label: s.label })) });

    let state: JobState;
    let error: EngineError | null = null;
    let result: R | null = null;
    try {
      result = await spec.run(handle);
      state = 'succeeded';
    } catch (thrown) {
      error = toEngineError(thrown);
      state = error.code === 'CANCELLED' || signal.aborted ? 'cancelled' : 'failed';
      if (state === 'cancelled') error = cancelledError();
    }
    await cleanups.run(state === 'succeeded' ? 'success' : 'failure');

    entry.summary.state = state;
    entry.summary.endedAt = at();
    entry.summary.error = error;
    entry.summary.result = result ?? null;

    await writeJobRecord(dir, {
      jobId: id,
      kind: spec.kind,
      title: spec.title,
      state,
      startedAt: entry.summary.startedAt,
      endedAt: entry.summary.endedAt,
      request: spec.request,
      cli: spec.cli ?? null,
      stages: stageTimes,
      result,
      error,
    }).catch(() => undefined);
    // The record supersedes it: a folder with job.json is a finished job, whoever its owner was.
    await removeOwnerRecord(dir).catch(() => undefined);

    const terminal: JobEvent =
      state === 'succeeded'
        ? { type: 'done', jobId: id, at: at(), result }
        : state === 'cancelled'
          ? currentStage === undefined
            ? { type: 'cancelled', jobId: id, at: at() }
            : { type: 'cancelled', jobId: id, at: at(), stage: currentStage }
          : currentStage === undefined
            ? { type: 'failed', jobId: id, at: at(), error: error! }
            : { type: 'failed', jobId: id, at: at(), stage: currentStage, error: error! };
    // The event log is complete before anyone hears the job ended: a CLI exits on this event,
    // and whoever removes or copies the job folder next must not race a late append.
    ended = true;
    keep(terminal);
    await logChain;
    broadcast(terminal);
    return { ...entry.summary };
  }
}

class CleanupList {
  private readonly items: Array<{ label: string; when: 'failure' | 'always'; action: () => Promise<void> | void }> = [];
  constructor(private readonly log: (level: LogLevel, message: string) => void) {}

  readonly registry: CleanupRegistry = {
    onFailure: (label, action) => this.add(label, 'failure', action),
    always: (label, action) => this.add(label, 'always', action),
  };

  private add(label: string, when: 'failure' | 'always', action: () => Promise<void> | void): () => void {
    const item = { label, when, action };
    this.items.push(item);
    return () => {
      const i = this.items.indexOf(item);
      if (i >= 0) this.items.splice(i, 1);
    };
  }

  async run(outcome: 'success' | 'failure'): Promise<void> {
    for (const item of [...this.items].reverse()) {
      if (item.when === 'failure' && outcome === 'success') continue;
      try {
        await item.action();
      } catch (error) {
        this.log('warn', `Cleanup "${item.label}" did not complete: ${toEngineError(error).message}`);
      }
    }
    this.items.length = 0;
  }
}

/** Sortable, readable, unique enough: 20261125-191530-3fa9c2. */
export function newJobId(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
