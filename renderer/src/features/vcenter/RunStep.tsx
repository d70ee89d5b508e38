import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, ExpandableSection, Flex, Icon, List, ListItem, Modal, ModalBody, ModalFooter, ModalHeader, Spinner, Title } from '@patternfly/react-core';
import { BanIcon, CheckCircleIcon, ExclamationCircleIcon, PendingIcon } from '@patternfly/react-icons';
import type { ProgressPart, ProgressSnapshot } from '../../../../shared/contract/events';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ProgressPanel } from '../../components/ProgressPanel';
import { describeElapsed } from '../../components/progress-view';
import { partSnapshot, stageLabel } from './migrate-run';
import type { LogLine, StageView } from './migrate-run';
import { cancelMigration, goTo, migrateAnother, useVcenterStore } from './store';

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

const STATE_TEXT: Record<StageView['state'], string> = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed', cancelled: 'stopped' };

function LogView({ lines, dropped }: { lines: LogLine[]; dropped: number }): ReactNode {
  const [open, setOpen] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <ExpandableSection toggleText={`Log (${lines.length + dropped} lines)`} isExpanded={open} onToggle={(_e, v) => setOpen(v)}>
      <div className="h2k-log" data-testid="migrate-log" role="log" ref={box}>
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
  const run = useVcenterStore((s) => s.run);
  const starting = useVcenterStore((s) => s.starting);
  const cancelling = useVcenterStore((s) => s.cancelling);
  const cancelError = useVcenterStore((s) => s.cancelError);
  const syncError = useVcenterStore((s) => s.syncError);
  const hasVm = useVcenterStore((s) => s.focus?.kind === 'vm' && s.connection !== null);
  const [confirming, setConfirming] = useState(false);

  if (starting || !run) {
    return (
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Spinner size="lg" aria-label="Starting" /> <span>Starting the migration…</span>
      </Flex>
    );
  }
  const outcome = run.outcome;
  const running = outcome === null;
  const variant = outcome?.type === 'failed' ? 'danger' : outcome?.type === 'done' ? 'success' : undefined;

  return (
    <div className="h2k-stack" data-testid="migrate-run" data-outcome={outcome?.type ?? 'running'} data-job-id={run.jobId}>
      <Title headingLevel="h2">{run.title || 'Migrating'}</Title>
      <List isPlain className="h2k-stages" aria-label="Stages">
        {run.stages.map((s) => (
          <ListItem key={s.id} icon={<StageIcon state={s.state} />} data-testid="migrate-stage" data-stage-id={s.id} data-state={s.state}>
            <strong>{s.label}</strong>{' '}
            <span className="h2k-muted">
              {STATE_TEXT[s.state]}
              {s.durationMs !== null ? `, ${describeElapsed(s.durationMs)}` : ''}
              {s.summary ? ` — ${s.summary}` : ''}
            </span>
          </ListItem>
        ))}
      </List>

      {run.progress.map((p) => (
        <StageProgress key={p.stage} stage={p.stage} label={stageLabel(run, p.stage)} snapshot={p.snapshot} variant={variant} />
      ))}

      {outcome?.type === 'cancelled' ? (
        <Alert variant="info" isInline title="Migration cancelled" data-testid="migrate-cancelled">
          The downloads and conversions were stopped and partial outputs removed. What was downloaded stays in the staging folder, so starting again resumes from there. The VM in vCenter was not touched.
        </Alert>
      ) : null}
      {outcome?.type === 'failed' ? (
        <ErrorAlert
          error={outcome.error}
          title={`The migration failed${outcome.stage ? ` in "${stageLabel(run, outcome.stage)}"` : ''}`}
          actions={[...(hasVm ? [{ label: 'Back to the VM', onClick: () => goTo('vm') }] : []), { label: 'Choose another VM', onClick: migrateAnother }]}
        />
      ) : null}
      {cancelError ? <ErrorAlert error={cancelError} title="Could not cancel" /> : null}
      {syncError ? <ErrorAlert error={syncError} title="Could not catch up with the migration after the connection came back" /> : null}

      <Flex>
        {running ? (
          <Button variant="danger" onClick={() => setConfirming(true)} isDisabled={cancelling} isLoading={cancelling} data-testid="migrate-cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : null}
        {outcome && outcome.type !== 'done' ? (
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
        ) : null}
        {outcome?.type === 'done' ? (
          <Button variant="primary" onClick={() => goTo('result')} data-testid="migrate-see-result">
            See the result
          </Button>
        ) : null}
      </Flex>

      <LogView lines={run.log} dropped={run.logDropped} />

      <Modal variant="small" isOpen={confirming} onClose={() => setConfirming(false)} aria-labelledby="vc-cancel-title" data-testid="migrate-cancel-confirm">
        <ModalHeader title="Cancel this migration?" labelId="vc-cancel-title" titleIconVariant="warning" />
        <ModalBody>Downloads and conversions stop and partial outputs are removed. Downloaded files are kept, so a new start resumes. The VM in vCenter is not touched.</ModalBody>
        <ModalFooter>
          <Button
            variant="danger"
            onClick={() => {
              setConfirming(false);
              void cancelMigration();
            }}
            data-testid="migrate-cancel-yes"
          >
            Cancel migration
          </Button>
          <Button variant="link" onClick={() => setConfirming(false)}>
            Keep migrating
          </Button>
        </ModalFooter>
      </Modal>
    </div>
  );
}
