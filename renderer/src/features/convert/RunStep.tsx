import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, ExpandableSection, Flex, Icon, List, ListItem, Modal, ModalBody, ModalFooter, ModalHeader, Spinner, Title } from '@patternfly/react-core';
import { BanIcon, CheckCircleIcon, ExclamationCircleIcon, PendingIcon } from '@patternfly/react-icons';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ProgressPanel } from '../../components/ProgressPanel';
import { describeElapsed } from '../../components/progress-view';
import { progressLabel } from './run-state';
import type { LogLine, StageView } from './run-state';
import { cancelConversion, goTo, resetWizard, useConvertStore } from './store';

function StageIcon({ state }: { state: StageView['state'] }): ReactNode {
  switch (state) {
    case 'running':
      return <Spinner size="md" aria-label="running" />;
    case 'done':
      return (
        <Icon status="success">
          <CheckCircleIcon />
        </Icon>
      );
    case 'failed':
      return (
        <Icon status="danger">
          <ExclamationCircleIcon />
        </Icon>
      );
    case 'cancelled':
      return (
        <Icon status="info">
          <BanIcon />
        </Icon>
      );
    default:
      return (
        <Icon>
          <PendingIcon />
        </Icon>
      );
  }
}

const STATE_TEXT: Record<StageView['state'], string> = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled' };

function LogView({ lines, dropped }: { lines: LogLine[]; dropped: number }): ReactNode {
  const [open, setOpen] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Follow the newest line inside the log box only: the page itself must not jump.
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <ExpandableSection toggleText={`Log (${lines.length + dropped} lines)`} isExpanded={open} onToggle={(_e, v) => setOpen(v)}>
      <div className="h2k-log" data-testid="run-log" role="log" ref={box}>
        {dropped > 0 ? <div className="h2k-muted">… {dropped} earlier lines are in the job's event log</div> : null}
        {lines.map((l, i) => (
          <div key={i} className={`h2k-log-${l.level}`}>
            <span className="h2k-muted">{l.at.slice(11, 19)}</span> {l.stage ? <span className="h2k-muted">[{l.stage}]</span> : null} {l.message}
          </div>
        ))}
      </div>
    </ExpandableSection>
  );
}

export function RunStep(): ReactNode {
  const run = useConvertStore((s) => s.run);
  const starting = useConvertStore((s) => s.starting);
  const cancelling = useConvertStore((s) => s.cancelling);
  const cancelError = useConvertStore((s) => s.cancelError);
  const syncError = useConvertStore((s) => s.syncError);
  // A job resumed after a reload has no source or options in this page to go back to.
  const hasPlan = useConvertStore((s) => s.source.status === 'ready');
  const [confirming, setConfirming] = useState(false);

  if (starting || !run) {
    return (
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Spinner size="lg" aria-label="Starting" /> <span>Starting the conversion…</span>
      </Flex>
    );
  }
  const outcome = run.outcome;
  const running = outcome === null;

  return (
    <div className="h2k-stack" data-testid="run" data-outcome={outcome?.type ?? 'running'}>
      <Title headingLevel="h2">{run.title || 'Converting'}</Title>
      <List isPlain className="h2k-stages" aria-label="Stages">
        {run.stages.map((s) => (
          <ListItem key={s.id} icon={<StageIcon state={s.state} />} data-testid="stage" data-stage-id={s.id} data-state={s.state}>
            <strong>{s.label}</strong> <span className="h2k-muted">{STATE_TEXT[s.state]}{s.durationMs !== null ? `, ${describeElapsed(s.durationMs)}` : ''}</span>
          </ListItem>
        ))}
      </List>

      {run.progress ? <ProgressPanel title={progressLabel(run)} snapshot={run.progress.snapshot} variant={outcome?.type === 'failed' ? 'danger' : outcome?.type === 'done' ? 'success' : undefined} /> : null}

      {outcome?.type === 'cancelled' ? (
        <Alert variant="info" isInline title="Conversion cancelled" data-testid="run-cancelled">
          qemu-img was stopped and the partial output files were removed. The source was not touched.
        </Alert>
      ) : null}
      {outcome?.type === 'failed' ? (
        <ErrorAlert
          error={outcome.error}
          actions={[...(hasPlan ? [{ label: 'Back to options', onClick: () => goTo('options') }] : []), { label: 'Choose another source', onClick: resetWizard }]}
        />
      ) : null}
      {cancelError ? <ErrorAlert error={cancelError} title="Could not cancel" /> : null}
      {syncError ? <ErrorAlert error={syncError} title="Could not catch up with the job after the connection came back" /> : null}

      <Flex>
        {running ? (
          <Button variant="danger" onClick={() => setConfirming(true)} isDisabled={cancelling} isLoading={cancelling} data-testid="cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : null}
        {outcome && outcome.type !== 'done' ? (
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
        ) : null}
        {outcome?.type === 'done' ? (
          <Button variant="primary" onClick={() => goTo('result')}>
            See the result
          </Button>
        ) : null}
      </Flex>

      <LogView lines={run.log} dropped={run.logDropped} />

      <Modal variant="small" isOpen={confirming} onClose={() => setConfirming(false)} aria-labelledby="cancel-title" data-testid="cancel-confirm">
        <ModalHeader title="Cancel this conversion?" labelId="cancel-title" titleIconVariant="warning" />
        <ModalBody>qemu-img is stopped and the partial output files are removed. The source is not touched; you can start again later.</ModalBody>
        <ModalFooter>
          <Button
            variant="danger"
            onClick={() => {
              setConfirming(false);
              void cancelConversion();
            }}
            data-testid="cancel-confirm-yes"
          >
            Cancel conversion
          </Button>
          <Button variant="link" onClick={() => setConfirming(false)}>
            Keep converting
          </Button>
        </ModalFooter>
      </Modal>
    </div>
  );
}
