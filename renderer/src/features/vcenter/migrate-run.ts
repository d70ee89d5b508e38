import { MigrateResult } from '../../../../shared/contract/api/vcenter';
import type { MigrateResult as MigrateResultValue } from '../../../../shared/contract/api/vcenter';
import type { ProgressPart, ProgressSnapshot } from '../../../../shared/contract/events';
import { jobRunReducer, readingPerStage } from '../../components/job-run';
import type { JobOutcome, JobRunView, StageReading } from '../../components/job-run';

/**
 * A migration's Run view as a pure function of its job events (see components/job-run). Unlike
 * a local conversion, the download and the conversion run at the same time, as two stages that
 * both report progress: the view keeps the latest reading of each stage (with its per-disk
 * parts) instead of one bar that would jump between the two.
 */

export type MigrateOutcome = JobOutcome<MigrateResultValue>;
export type MigrateRunView = JobRunView<MigrateResultValue, StageReading[]>;

export const migrationRun = jobRunReducer({
  result: MigrateResult,
  resultMismatch: {
    message: 'The migration finished but its result does not match what this wizard expects.',
    hint: 'This is a bug: the outputs may still be fine; check the job record in the jobs folder.',
  },
  progress: readingPerStage,
});

export const { initial: initialMigrateRun, apply: applyMigrateEvent, replay: replayMigrateEvents } = migrationRun;

/** A part's reading in the shape the shared progress panel draws. */
export function partSnapshot(part: ProgressPart): ProgressSnapshot {
  return { fraction: part.fraction, bytesDone: part.bytesDone, bytesTotal: part.bytesTotal, bytesPerSecond: part.bytesPerSecond, etaSeconds: part.etaSeconds };
}
