import { ConvertResult } from '../../../../shared/contract/models/convert';
import type { ConvertResult as ConvertResultValue } from '../../../../shared/contract/models/convert';
import { jobRunReducer, latestReading, stageLabel } from '../../components/job-run';
import type { JobOutcome, JobRunView, StageReading } from '../../components/job-run';

/**
 * The Run step as a pure function of the conversion's events (see components/job-run). Its
 * stages run one after another, so one progress bar follows the latest reading.
 */

export type RunOutcome = JobOutcome<ConvertResultValue>;
export type RunView = JobRunView<ConvertResultValue, StageReading | null>;

export const conversionRun = jobRunReducer({
  result: ConvertResult,
  resultMismatch: {
    message: 'The conversion finished but its result does not match what this wizard expects.',
    hint: 'This is a bug: the outputs may still be fine; check the job record.',
  },
  progress: latestReading,
});

export const { initial: initialRun, apply: applyJobEvent, replay: replayJobEvents } = conversionRun;

/** The stage the progress panel is about, by label. */
export function progressLabel(view: RunView): string {
  if (!view.progress) return '';
  const label = stageLabel(view, view.progress.stage);
  return view.progress.snapshot.item ? `${label}: ${view.progress.snapshot.item}` : label;
}
