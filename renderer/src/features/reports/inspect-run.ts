import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import { InspectionReport } from '../../../../shared/contract/models/inspection';

/**
 * An inspection started from the Reports page, as a pure function of its job's events (live,
 * or replayed with `jobs.get` after a reconnection): what it is doing now, how far it got, and
 * its report or error at the end.
 */

export type InspectOutcome = { type: 'done'; report: InspectionReport } | { type: 'failed'; error: EngineError } | { type: 'cancelled' };

export interface InspectRunView {
  jobId: string;
  title: string;
  /** What the inspection is reading now ("Appliance ready", "Packages"...). */
  step: string | null;
  /** 0..1, from the stage's own count of steps. */
  fraction: number;
  log: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string }>;
  outcome: InspectOutcome | null;
}

export const MAX_RUN_LOG_LINES = 200;

export function initialInspectRun(jobId: string): InspectRunView {
  return { jobId, title: '', step: null, fraction: 0, log: [], outcome: null };
}

export function applyInspectEvent(view: InspectRunView, event: JobEvent): InspectRunView {
  if (event.jobId !== view.jobId || view.outcome) return view;
  switch (event.type) {
    case 'job-started':
      return { ...view, title: event.title };
    case 'stage-started':
      return { ...view, step: event.label };
    case 'progress':
      return { ...view, step: event.progress.item ?? view.step, fraction: Math.max(view.fraction, Math.min(1, event.progress.fraction)) };
    case 'log':
      if (event.level === 'debug') return view;
      return { ...view, log: [...view.log, { level: event.level, message: event.message }].slice(-MAX_RUN_LOG_LINES) };
    case 'stage-done':
      return { ...view, fraction: 1 };
    case 'failed':
      return { ...view, outcome: { type: 'failed', error: event.error } };
    case 'cancelled':
      return { ...view, outcome: { type: 'cancelled' } };
    case 'done': {
      const parsed = InspectionReport.safeParse(event.result);
      return parsed.success
        ? { ...view, fraction: 1, outcome: { type: 'done', report: parsed.data } }
        : {
            ...view,
            outcome: {
              type: 'failed',
              error: { code: 'INTERNAL', kind: 'failure', message: 'The inspection finished but its report does not match what this viewer expects.', hint: 'This is a bug: the report is still in the job folder (inspection.json).' },
            },
          };
    }
    case 'observation':
      return view;
  }
}

export function replayInspectEvents(jobId: string, events: readonly JobEvent[]): InspectRunView {
  return events.reduce(applyInspectEvent, initialInspectRun(jobId));
}
