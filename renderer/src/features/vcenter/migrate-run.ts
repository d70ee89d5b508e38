import { MigrateResult } from '../../../../shared/contract/api/vcenter';
import type { MigrateResult as MigrateResultValue } from '../../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent, ProgressPart, ProgressSnapshot } from '../../../../shared/contract/events';

/**
 * A migration's Run view as a pure function of its job events. Unlike a local conversion, the
 * download and the conversion run at the same time, as two stages that both report progress:
 * the view keeps the latest reading of each stage (with its per-disk parts) instead of one bar
 * that would jump between the two.
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

export type MigrateOutcome =
  | { type: 'done'; result: MigrateResultValue }
  | { type: 'failed'; stage: string | null; error: EngineError }
  | { type: 'cancelled'; stage: string | null };

export interface MigrateRunView {
  jobId: string;
  title: string;
  stages: StageView[];
  /** Latest progress per stage, in the order the stages first reported. */
  progress: Array<{ stage: string; snapshot: ProgressSnapshot }>;
  log: LogLine[];
  logDropped: number;
  outcome: MigrateOutcome | null;
}

export const MAX_LOG_LINES = 1000;

export function initialMigrateRun(jobId: string): MigrateRunView {
  return { jobId, title: '', stages: [], progress: [], log: [], logDropped: 0, outcome: null };
}

function setStage(stages: StageView[], id: string, patch: Partial<StageView>, label?: string): StageView[] {
  if (!stages.some((s) => s.id === id)) return [...stages, { id, label: label ?? id, state: 'pending', durationMs: null, summary: null, ...patch }];
  return stages.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

/**
 * The job ended in `stage`; a stage that was running beside it (download and conversion run
 * together) was stopped because of it, and says so.
 */
function endStages(stages: StageView[], stage: string | null, state: 'failed' | 'cancelled'): StageView[] {
  return stages.map((s) => (s.id === stage ? { ...s, state } : s.state === 'running' ? { ...s, state: 'cancelled' } : s));
}

function runningStage(view: MigrateRunView): string | null {
  return view.stages.find((s) => s.state === 'running')?.id ?? null;
}

function doneOutcome(result: unknown): MigrateOutcome {
  const parsed = MigrateResult.safeParse(result);
  if (parsed.success) return { type: 'done', result: parsed.data };
  return {
    type: 'failed',
    stage: null,
    error: {
      code: 'INTERNAL',
      kind: 'failure',
      message: 'The migration finished but its result does not match what this wizard expects.',
      hint: 'This is a bug: the outputs may still be fine; check the job record in the jobs folder.',
    },
  };
}

export function applyMigrateEvent(view: MigrateRunView, event: JobEvent): MigrateRunView {
  if (event.jobId !== view.jobId || view.outcome) return view;
  switch (event.type) {
    case 'job-started':
      return {
        ...view,
        title: event.title,
        stages: event.stages.map((s) => view.stages.find((known) => known.id === s.id) ?? { id: s.id, label: s.label, state: 'pending', durationMs: null, summary: null }),
      };
    case 'stage-started':
      return { ...view, stages: setStage(view.stages, event.stage, { state: 'running' }, event.label) };
    case 'progress': {
      const stages = view.stages.some((s) => s.id === event.stage && s.state === 'pending') ? setStage(view.stages, event.stage, { state: 'running' }) : view.stages;
      const known = view.progress.some((p) => p.stage === event.stage);
      const progress = known ? view.progress.map((p) => (p.stage === event.stage ? { stage: p.stage, snapshot: event.progress } : p)) : [...view.progress, { stage: event.stage, snapshot: event.progress }];
      return { ...view, stages, progress };
    }
    case 'log': {
      const log = [...view.log, { at: event.at, level: event.level, stage: event.stage ?? null, message: event.message }];
      const excess = log.length - MAX_LOG_LINES;
      return excess > 0 ? { ...view, log: log.slice(excess), logDropped: view.logDropped + excess } : { ...view, log };
    }
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
      return { ...view, outcome: doneOutcome(event.result) };
    case 'observation':
      return view;
  }
}

export function replayMigrateEvents(jobId: string, events: readonly JobEvent[]): MigrateRunView {
  return events.reduce(applyMigrateEvent, initialMigrateRun(jobId));
}

/** A part's reading in the shape the shared progress panel draws. */
export function partSnapshot(part: ProgressPart): ProgressSnapshot {
  return { fraction: part.fraction, bytesDone: part.bytesDone, bytesTotal: part.bytesTotal, bytesPerSecond: part.bytesPerSecond, etaSeconds: part.etaSeconds };
}

export function stageLabel(view: MigrateRunView, stage: string): string {
  return view.stages.find((s) => s.id === stage)?.label ?? stage;
}
