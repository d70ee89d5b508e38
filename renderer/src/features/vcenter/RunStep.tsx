import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Button } from '@patternfly/react-core';
import type { ProgressPart, ProgressSnapshot } from '../../../../shared/contract/events';
import { stageLabel } from '../../components/job-run';
import { JobRunPanel } from '../../components/JobRunPanel';
import type { JobRunTestIds, JobRunTexts } from '../../components/JobRunPanel';
import { ProgressPanel } from '../../components/ProgressPanel';
import { RepairStep } from '../repair';
import { partSnapshot } from './migrate-run';
import { cancelMigration, goTo, migrateAnother, useVcenterStore } from './store';

const TEXTS: JobRunTexts = {
  starting: 'Starting the migration…',
  title: 'Migrating',
  cancelledTitle: 'Migration cancelled',
  cancelledBody:
    'The downloads and conversions were stopped and partial outputs removed. What was downloaded stays in the staging folder, so starting again resumes from there. The VM in vCenter was not touched.',
  syncErrorTitle: 'Could not catch up with the migration after the connection came back',
  confirmTitle: 'Cancel this migration?',
  confirmBody: 'Downloads and conversions stop and partial outputs are removed. Downloaded files are kept, so a new start resumes. The VM in vCenter is not touched.',
  confirmYes: 'Cancel migration',
  confirmNo: 'Keep migrating',
  cancelledStage: 'stopped',
};

const TEST_IDS: JobRunTestIds = {
  root: 'migrate-run',
  stage: 'migrate-stage',
  log: 'migrate-log',
  cancelled: 'migrate-cancelled',
  cancel: 'migrate-cancel',
  confirm: 'migrate-cancel-confirm',
  confirmYes: 'migrate-cancel-yes',
  seeResult: 'migrate-see-result',
};

const PART_STATE: Record<ProgressPart['state'], string> = { waiting: 'waiting', running: 'running', done: 'done' };

/**
 * One stage's overall bar, and one bar per disk when it works on several at once (a single
 * disk's bar would repeat the overall one: its name and state are enough).
 */
function StageProgress({ stage, label, snapshot, variant }: { stage: string; label: string; snapshot: ProgressSnapshot; variant: 'danger' | 'success' | undefined }): ReactNode {
  const parts = snapshot.parts ?? [];
  const single = parts.length === 1 ? parts[0]! : null;
  return (
    <div className="h2k-stack" data-testid={`progress-${stage}`}>
      <ProgressPanel title={snapshot.item ? `${label}: ${snapshot.item}` : label} snapshot={snapshot} testId={`progress-${stage}-overall`} variant={variant} />
      {single ? (
        <div className="h2k-muted" data-testid="progress-part" data-stage={stage} data-part-id={single.id} data-state={single.state}>
          {single.label}: {PART_STATE[single.state]}
        </div>
      ) : null}
      {parts.length > 1 ? (
        <div className="h2k-vc-parts">
          {parts.map((part) => (
            <div key={part.id} data-testid="progress-part" data-stage={stage} data-part-id={part.id} data-state={part.state}>
              <ProgressPanel title={`${part.label} (${PART_STATE[part.state]})`} snapshot={partSnapshot(part)} testId={`progress-${stage}-part`} variant={part.state === 'done' ? 'success' : undefined} />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function RunStep(): ReactNode {
  const job = useVcenterStore(useShallow((s) => ({ run: s.run, starting: s.starting, cancelling: s.cancelling, cancelError: s.cancelError, syncError: s.syncError })));
  const hasVm = useVcenterStore((s) => s.focus?.kind === 'vm' && s.connection !== null);
  const run = job.run;
  const failedIn = run?.outcome?.type === 'failed' && run.outcome.stage ? ` in "${stageLabel(run, run.outcome.stage)}"` : '';

  return (
    <JobRunPanel
      {...job}
      texts={TEXTS}
      testIds={TEST_IDS}
      progress={(run, variant) => run.progress.map((p) => <StageProgress key={p.stage} stage={p.stage} label={stageLabel(run, p.stage)} snapshot={p.snapshot} variant={variant} />)}
      failedTitle={`The migration failed${failedIn}`}
      endedButtons={
        <>
          {hasVm ? (
            <Button variant="primary" onClick={() => goTo('vm')}>
              Back to the VM
            </Button>
          ) : null}
          <Button variant="link" onClick={migrateAnother}>
            Choose another VM
          </Button>
        </>
      }
      onCancel={() => void cancelMigration()}
      onSeeResult={() => goTo('result')}
    />
  );
}

/** The Repair step: the plan to review, then the repair's progress and what it did. */
export function MigrateRepairStep(): ReactNode {
  const run = useVcenterStore((s) => s.run);
  if (!run) return null;
  const repairing = run.progress.filter((p) => p.stage === 'repair' || p.stage === 'repair-plan' || p.stage === 'inspect').slice(-1);
  return (
    <RepairStep
      run={run}
      progress={repairing.map((p) => <StageProgress key={p.stage} stage={p.stage} label={stageLabel(run, p.stage)} snapshot={p.snapshot} variant={undefined} />)}
      onContinue={() => goTo('result')}
    />
  );
}
