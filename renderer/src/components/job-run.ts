import type { EngineError } from '../../../shared/contract/errors';
import type { JobEvent, ProgressSnapshot } from '../../../shared/contract/events';
import type { RepairPlan } from '../../../shared/contract/models/repair';

/**
 * A staged job (a conversion, a migration) as a pure function of its events: the same reducer
 * serves live events, the events that arrive before the start call answers, and the replay after
 * a reconnection (`jobs.get`), so a page always shows what the engine reported and nothing else.
 * What differs between jobs — the shape of their result and how their progress is kept — comes
 * in as `JobRunRules`.
 */

export type StageState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface StageView {
  id: string;
  label: string;
  state: StageState;
  durationMs: number | null;
  summary: string | null;
}

export interface LogLine {
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  stage: string | null;
  message: string;
}

export type JobOutcome<Result> =
  | { type: 'done'; result: Result }
  | { type: 'failed'; stage: string | null; error: EngineError }
  | { type: 'cancelled'; stage: string | null };

export interface JobRunView<Result, Progress> {
  jobId: string;
  title: string;
  stages: StageView[];
  progress: Progress;
  log: LogLine[];
  /** Lines dropped from the front of the log to keep the page light. */
  logDropped: number;
  /** The repair plan the job showed (conversions and migrations with the repair option). */
  repairPlan: RepairPlanView | null;
  outcome: JobOutcome<Result> | null;
}

export interface RepairPlanView {
  plan: RepairPlan;
  /** The job waits for the user's decision (repair.decide) until the repair stage starts. */
  awaitingDecision: boolean;
}

/** One progress reading and the stage it belongs to. */
export interface StageReading {
  stage: string;
  snapshot: ProgressSnapshot;
}

export const MAX_LOG_LINES = 1000;

/** How a job's progress readings are kept: from nothing, one reading at a time. */
export interface ProgressRule<Progress> {
  empty: Progress;
  record: (progress: Progress, reading: StageReading) => Progress;
}

/** One bar that follows whichever stage reported last: for jobs whose stages run one after another. */
export const latestReading: ProgressRule<StageReading | null> = {
  empty: null,
  record: (_progress, reading) => reading,
};

/**
 * The latest reading of every stage, in the order the stages first reported: for jobs with
 * stages that run side by side (download and conversion), which would otherwise share one bar
 * that jumps between the two.
 */
export const readingPerStage: ProgressRule<StageReading[]> = {
  empty: [],
  record: (progress, reading) =>
    progress.some((p) => p.stage === reading.stage) ? progress.map((p) => (p.stage === reading.stage ? reading : p)) : [...progress, reading],
};

/** The contract's schema of a job's result (a zod schema). */
export interface ResultSchema<Result> {
  safeParse(value: unknown): { success: true; data: Result } | { success: false };
}

export interface JobRunRules<Result, Progress> {
  /** The `done` event's result is checked against it. */
  result: ResultSchema<Result>;
  /** What the page says when the result does not match (a drifting engine shows as an error). */
  resultMismatch: { message: string; hint: string };
  progress: ProgressRule<Progress>;
}

export interface JobRunReducer<Result, Progress> {
  initial: (jobId: string) => JobRunView<Result, Progress>;
  apply: (view: JobRunView<Result, Progress>, event: JobEvent) => JobRunView<Result, Progress>;
  replay: (jobId: string, events: readonly JobEvent[]) => JobRunView<Result, Progress>;
}

function newStage(id: string, label: string): StageView {
  return { id, label, state: 'pending', durationMs: null, summary: null };
}

function setStage(stages: StageView[], id: string, patch: Partial<StageView>, label?: string): StageView[] {
  if (!stages.some((s) => s.id === id)) return [...stages, { ...newStage(id, label ?? id), ...patch }];
  return stages.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

/**
 * The job ended in `stage`; a stage that was still running beside it (download and conversion
 * run together) was stopped because of it, and says so.
 */
function endStages(stages: StageView[], stage: string | null, state: 'failed' | 'cancelled'): StageView[] {
  const ended = stage ? setStage(stages, stage, { state }) : stages;
  return ended.map((s) => (s.id !== stage && s.state === 'running' ? { ...s, state: 'cancelled' } : s));
}

function runningStage(view: JobRunView<unknown, unknown>): string | null {
  return view.stages.find((s) => s.state === 'running')?.id ?? null;
}

function appendLog<V extends JobRunView<unknown, unknown>>(view: V, line: LogLine): V {
  const log = [...view.log, line];
  const excess = log.length - MAX_LOG_LINES;
  return excess > 0 ? { ...view, log: log.slice(excess), logDropped: view.logDropped + excess } : { ...view, log };
}

export function jobRunReducer<Result, Progress>(rules: JobRunRules<Result, Progress>): JobRunReducer<Result, Progress> {
  type View = JobRunView<Result, Progress>;

  const initial = (jobId: string): View => ({ jobId, title: '', stages: [], progress: rules.progress.empty, log: [], logDropped: 0, repairPlan: null, outcome: null });

  const doneOutcome = (result: unknown, stage: string | null): JobOutcome<Result> => {
    const parsed = rules.result.safeParse(result);
    if (parsed.success) return { type: 'done', result: parsed.data };
    return { type: 'failed', stage, error: { code: 'INTERNAL', kind: 'failure', ...rules.resultMismatch } };
  };

  const apply = (view: View, event: JobEvent): View => {
    if (event.jobId !== view.jobId || view.outcome) return view;
    switch (event.type) {
      case 'job-started':
        return { ...view, title: event.title, stages: event.stages.map((s) => view.stages.find((known) => known.id === s.id) ?? newStage(s.id, s.label)) };
      case 'stage-started':
        return {
          ...view,
          stages: setStage(view.stages, event.stage, { state: 'running' }, event.label),
          // Once the repair runs, the plan is no longer waiting for anyone.
          ...(event.stage === 'repair' && view.repairPlan ? { repairPlan: { ...view.repairPlan, awaitingDecision: false } } : {}),
        };
      case 'progress':
        return {
          ...view,
          stages: view.stages.some((s) => s.id === event.stage && s.state === 'pending') ? setStage(view.stages, event.stage, { state: 'running' }) : view.stages,
          progress: rules.progress.record(view.progress, { stage: event.stage, snapshot: event.progress }),
        };
      case 'log':
        return appendLog(view, { at: event.at, level: event.level, stage: event.stage ?? null, message: event.message });
      case 'stage-done':
        return { ...view, stages: setStage(view.stages, event.stage, { state: 'done', durationMs: event.durationMs, summary: event.summary ?? null }) };
      case 'failed': {
        const stage = event.stage ?? runningStage(view);
        return { ...view, stages: endStages(view.stages, stage, 'failed'), outcome: { type: 'failed', stage, error: event.error } };
      }
      case 'cancelled': {
        const stage = event.stage ?? runningStage(view);
        return { ...view, stages: endStages(view.stages, stage, 'cancelled'), outcome: { type: 'cancelled', stage } };
      }
      case 'done':
        return { ...view, outcome: doneOutcome(event.result, runningStage(view)) };
      case 'observation':
        if (event.observation.kind === 'repair-plan') return { ...view, repairPlan: { plan: event.observation.plan, awaitingDecision: event.observation.awaitingDecision } };
        // What a stage saw (console text, screenshots) is for the pages that show it.
        return view;
    }
  };

  return { initial, apply, replay: (jobId, events) => events.reduce(apply, initial(jobId)) };
}

/** A stage's label, or its id when the job never announced it. */
export function stageLabel(view: JobRunView<unknown, unknown>, stage: string): string {
  return view.stages.find((s) => s.id === stage)?.label ?? stage;
}

/**
 * After a reconnection the page asks `jobs.get` for every event so far, while live events keep
 * arriving. Events received before the answer are normally in it already; the few that may
 * not be (sent between the engine's snapshot and its reply) are the buffered events after the
 * last one the snapshot also has.
 */
export function eventsAfterSnapshot(snapshot: readonly JobEvent[], buffered: readonly JobEvent[]): JobEvent[] {
  const seen = new Set(snapshot.map((e) => JSON.stringify(e)));
  let lastKnown = -1;
  buffered.forEach((e, i) => {
    if (seen.has(JSON.stringify(e))) lastKnown = i;
  });
  return buffered.slice(lastKnown + 1);
}
