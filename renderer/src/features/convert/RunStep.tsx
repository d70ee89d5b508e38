import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Button } from '@patternfly/react-core';
import { JobRunPanel } from '../../components/JobRunPanel';
import type { JobRunTestIds, JobRunTexts } from '../../components/JobRunPanel';
import { ProgressPanel } from '../../components/ProgressPanel';
import { RepairStep } from '../repair';
import { progressLabel } from './run-state';
import { cancelConversion, goTo, resetWizard, useConvertStore } from './store';

const TEXTS: JobRunTexts = {
  starting: 'Starting the conversion…',
  title: 'Converting',
  cancelledTitle: 'Conversion cancelled',
  cancelledBody: 'qemu-img was stopped and the partial output files were removed. The source was not touched.',
  syncErrorTitle: 'Could not catch up with the job after the connection came back',
  confirmTitle: 'Cancel this conversion?',
  confirmBody: 'qemu-img is stopped and the partial output files are removed. The source is not touched; you can start again later.',
  confirmYes: 'Cancel conversion',
  confirmNo: 'Keep converting',
};

const TEST_IDS: JobRunTestIds = { root: 'run', stage: 'stage', log: 'run-log', cancelled: 'run-cancelled', cancel: 'cancel', confirm: 'cancel-confirm', confirmYes: 'cancel-confirm-yes' };

export function RunStep(): ReactNode {
  const job = useConvertStore(useShallow((s) => ({ run: s.run, starting: s.starting, cancelling: s.cancelling, cancelError: s.cancelError, syncError: s.syncError })));
  // A job resumed after a reload has no source or options in this page to go back to.
  const hasPlan = useConvertStore((s) => s.source.status === 'ready');

  return (
    <JobRunPanel
      {...job}
      texts={TEXTS}
      testIds={TEST_IDS}
      progress={(run, variant) => (run.progress ? <ProgressPanel title={progressLabel(run)} snapshot={run.progress.snapshot} variant={variant} /> : null)}
      endedButtons={
        <>
          {hasPlan ? (
            <Button variant="primary" onClick={() => goTo('options')} data-testid="back-to-options">
              Back to options
            </Button>
          ) : null}
          <Button variant={hasPlan ? 'link' : 'primary'} onClick={resetWizard}>
            Start over
          </Button>
        </>
      }
      onCancel={() => void cancelConversion()}
      onSeeResult={() => goTo('result')}
    />
  );
}

/** The Repair step: the plan to review, then the repair's progress and what it did. */
export function ConvertRepairStep(): ReactNode {
  const run = useConvertStore((s) => s.run);
  if (!run) return null;
  return <RepairStep run={run} progress={run.progress ? <ProgressPanel title={progressLabel(run)} snapshot={run.progress.snapshot} /> : null} onContinue={() => goTo('result')} />;
}
