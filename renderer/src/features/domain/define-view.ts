import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import type { DefineResult } from '../../../../shared/contract/models/libvirt';
import { DefineResult as DefineResultSchema } from '../../../../shared/contract/models/libvirt';
import type { BootLogLine } from './boot-view';

/** The Define job as the Create VM step shows it: its log and how it ended. */

export type DefineOutcome = { type: 'done'; result: DefineResult } | { type: 'failed'; error: EngineError } | { type: 'cancelled' };

export interface DefineView {
  jobId: string;
  log: BootLogLine[];
  outcome: DefineOutcome | null;
}

export function initialDefineView(jobId: string): DefineView {
  return { jobId, log: [], outcome: null };
}

export function applyDefineEvent(view: DefineView, event: JobEvent): DefineView {
  if (event.jobId !== view.jobId || view.outcome) return view;
  switch (event.type) {
    case 'log':
      return { ...view, log: [...view.log, { at: event.at, level: event.level, message: event.message }].slice(-100) };
    case 'failed':
      return { ...view, outcome: { type: 'failed', error: event.error } };
    case 'cancelled':
      return { ...view, outcome: { type: 'cancelled' } };
    case 'done': {
      const parsed = DefineResultSchema.safeParse(event.result);
      return {
        ...view,
        outcome: parsed.success
          ? { type: 'done', result: parsed.data }
          : { type: 'failed', error: { code: 'INTERNAL', kind: 'failure', message: 'The domain was defined but the answer does not match what this wizard expects.', hint: 'This is a bug: check the domain with virsh list --all.' } },
      };
    }
    default:
      return view;
  }
}

export function replayDefineEvents(jobId: string, events: readonly JobEvent[]): DefineView {
  return events.reduce(applyDefineEvent, initialDefineView(jobId));
}
