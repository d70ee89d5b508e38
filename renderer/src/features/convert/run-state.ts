import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent, ProgressSnapshot } from '../../../../shared/contract/events';
import { ConvertResult } from '../../../../shared/contract/models/convert';
import type { ConvertResult as ConvertResultValue } from '../../../../shared/contract/models/convert';

/**
 * The Run step as a pure function of the job's events: the same reducer serves live events,
 * the events that arrive before `convert.start` answers, and the replay after a reconnection
 * (`jobs.get`), so the page always shows what the engine reported and nothing else.
 */

export type StageState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface StageView {
  id: string;
  label: string;
  state: StageState;
  durationMs: number | null;
}

export interface LogLine {
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  stage: string | null;
  message: string;
}

export type RunOutcome =
  | { type: 'done'; result: ConvertResultValue }
  | { type: 'failed'; stage: string | null; error: EngineError }
  | { type: 'cancelled'; stage: string | null };

export interface RunView {
  jobId: string;
  title: string;
  stages: StageView[];
  /** The latest progress reading and the stage it belongs to. */
  progress: { stage: string; snapshot: ProgressSnapshot } | null;
  log: LogLine[];
  /** Lines dropped from the front of the log to keep the page light. */
  logDropped: number;
  outcome: RunOutcome | null;
}

export const MAX_LOG_LINES = 1000;

export function initialRun(jobId: string): RunView {
  return { jobId, title: '', stages: [], progress: null, log: [], logDropped: 0, outcome: null };
}

function setStage(stages: StageView[], id: string, patch: Partial<StageView>, label?: string): StageView[] {
  if (!stages.some((s) => s.id === id)) return [...stages, { id, label: label ?? id, state: 'pending', durationMs: null, ...patch }];
  return stages.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

function appendLog(view: RunView, line: LogLine): RunView {
  const log = [...view.log, line];
  const excess = log.length - MAX_LOG_LINES;
  return excess > 0 ? { ...view, log: log.slice(excess), logDropped: view.logDropped + excess } : { ...view, log };
}

/** A `done` event's result, checked against the contract (a drifting engine shows as an error). */
function doneOutcome(result: unknown, stage: string | null): RunOutcome {
  const parsed = ConvertResult.safeParse(result);
  if (parsed.success) return { type: 'done', result: parsed.data };
  return {
    type: 'failed',
    stage,
    error: {
      code: 'INTERNAL',
      kind: 'failure',
      message: 'The conversion finished but its result does not match what this wizard expects.',
      hint: 'This is a bug: the outputs may still be fine; check the job record.',
    },
  };
}

export function applyJobEvent(view: RunView, event: JobEvent): RunView {
  if (event.jobId !== view.jobId || view.outcome) return view;
  switch (event.type) {
    case 'job-started':
      return {
        ...view,
        title: event.title,
        stages: event.stages.map((s) => view.stages.find((known) => known.id === s.id) ?? { id: s.id, label: s.label, state: 'pending', durationMs: null }),
      };
    case 'stage-started':
      return { ...view, stages: setStage(view.stages, event.stage, { state: 'running' }, event.label) };
    case 'progress':
      return {
        ...view,
        stages: view.stages.some((s) => s.id === event.stage && s.state === 'pending') ? setStage(view.stages, event.stage, { state: 'running' }) : view.stages,
        progress: { stage: event.stage, snapshot: event.progress },
      };
    case 'log':
      return appendLog(view, { at: event.at, level: event.level, stage: event.stage ?? null, message: event.message });
    case 'stage-done':
      return { ...view, stages: setStage(view.stages, event.stage, { state: 'done', durationMs: event.durationMs }) };
    case 'failed': {
      const stage = event.stage ?? runningStage(view);
      const stages = stage ? setStage(view.stages, stage, { state: 'failed' }) : view.stages;
      return { ...view, stages, outcome: { type: 'failed', stage, error: event.error } };
    }
    case 'cancelled': {
      const stage = event.stage ?? runningStage(view);
      const stages = stage ? setStage(view.stages, stage, { state: 'cancelled' }) : view.stages;
      return { ...view, stages, outcome: { type: 'cancelled', stage } };
    }
    case 'done':
      return { ...view, outcome: doneOutcome(event.result, runningStage(view)) };
    case 'observation':
      // What a stage saw (console text, screenshots) is for the pages that show it.
      return view;
  }
}

function runningStage(view: RunView): string | null {
  return view.stages.find((s) => s.state === 'running')?.id ?? null;
}

export function replayJobEvents(jobId: string, events: readonly JobEvent[]): RunView {
  return events.reduce(applyJobEvent, initialRun(jobId));
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

/** The stage the progress panel is about, by label. */
export function progressLabel(view: RunView): string {
  if (!view.progress) return '';
  const stage = view.stages.find((s) => s.id === view.progress!.stage);
  const label = stage?.label ?? view.progress.stage;
  return view.progress.snapshot.item ? `${label}: ${view.progress.snapshot.item}` : label;
}
