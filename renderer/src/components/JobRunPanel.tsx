import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, ExpandableSection, Flex, Icon, List, ListItem, Modal, ModalBody, ModalFooter, ModalHeader, Spinner, Title } from '@patternfly/react-core';
import { BanIcon, CheckCircleIcon, ExclamationCircleIcon, PendingIcon } from '@patternfly/react-icons';
import type { EngineError } from '../../../shared/contract/errors';
import { ErrorAlert } from './ErrorAlert';
import type { JobOutcome, JobRunView, LogLine, StageState } from './job-run';
import { countText, describeElapsed } from './progress-view';

/** The words of one kind of job on its Run page (a conversion, a migration). */
export interface JobRunTexts {
  /** Beside the spinner until the engine has answered the start call. */
  starting: string;
  /** The heading until the job announced its title. */
  title: string;
  cancelledTitle: string;
  cancelledBody: string;
  syncErrorTitle: string;
  confirmTitle: string;
  confirmBody: string;
  confirmYes: string;
  confirmNo: string;
  /** How a cancelled stage reads: a migration says "stopped" (it may have stopped beside another). */
  cancelledStage?: string;
}

/** The test ids of the page's parts, which the end-to-end tests look for. */
export interface JobRunTestIds {
  root: string;
  stage: string;
  log: string;
  cancelled: string;
  cancel: string;
  confirm: string;
  confirmYes: string;
  seeResult?: string;
}

/** The bar colour that matches how the job ended. */
export type OutcomeVariant = 'danger' | 'success' | undefined;

function outcomeVariant(outcome: JobOutcome<unknown> | null): OutcomeVariant {
  return outcome?.type === 'failed' ? 'danger' : outcome?.type === 'done' ? 'success' : undefined;
}

function StageIcon({ state }: { state: StageState }): ReactNode {
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

const STATE_TEXT: Record<StageState, string> = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled' };

function LogView({ lines, dropped, testId }: { lines: LogLine[]; dropped: number; testId: string }): ReactNode {
  const [open, setOpen] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Follow the newest line inside the log box only: the page itself must not jump.
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <ExpandableSection toggleText={`Log (${countText(lines.length + dropped, 'line')})`} isExpanded={open} onToggle={(_e, v) => setOpen(v)}>
      <div className="h2k-log" data-testid={testId} role="log" ref={box}>
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

export interface JobRunPanelProps<Result, Progress> {
  run: JobRunView<Result, Progress> | null;
  starting: boolean;
  cancelling: boolean;
  cancelError: EngineError | null;
  syncError: EngineError | null;
  texts: JobRunTexts;
  testIds: JobRunTestIds;
  /** The job's progress bars, coloured like its outcome. */
  progress: (run: JobRunView<Result, Progress>, variant: OutcomeVariant) => ReactNode;
  /** The heading of the error when the job failed (the error's own message without it). */
  failedTitle?: string;
  /** The buttons once the job failed or was cancelled (the failure's alert has none of its own: one way out, not two). */
  endedButtons: ReactNode;
  onCancel: () => void;
  onSeeResult: () => void;
}

/**
 * A running job as its stages (each with its state and time), its progress, its log and a
 * Cancel that asks first; then how it ended and where to go from there.
 */
export function JobRunPanel<Result, Progress>(props: JobRunPanelProps<Result, Progress>): ReactNode {
  const { run, texts, testIds } = props;
  const [confirming, setConfirming] = useState(false);
  const confirmTitleId = useId();

  if (props.starting || !run) {
    return (
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Spinner size="lg" aria-label="Starting" /> <span>{texts.starting}</span>
      </Flex>
    );
  }
  const outcome = run.outcome;
  const stateText = { ...STATE_TEXT, cancelled: texts.cancelledStage ?? STATE_TEXT.cancelled };

  return (
    <div className="h2k-stack" data-testid={testIds.root} data-outcome={outcome?.type ?? 'running'} data-job-id={run.jobId}>
      <Title headingLevel="h2">{run.title || texts.title}</Title>
      <List isPlain className="h2k-stages" aria-label="Stages">
        {run.stages.map((s) => (
          <ListItem key={s.id} icon={<StageIcon state={s.state} />} data-testid={testIds.stage} data-stage-id={s.id} data-state={s.state}>
            <strong>{s.label}</strong>{' '}
            <span className="h2k-muted">
              {stateText[s.state]}
              {s.durationMs !== null ? `, ${describeElapsed(s.durationMs)}` : ''}
              {s.summary ? ` — ${s.summary}` : ''}
            </span>
          </ListItem>
        ))}
      </List>

      {props.progress(run, outcomeVariant(outcome))}

      {outcome?.type === 'cancelled' ? (
        <Alert variant="info" isInline title={texts.cancelledTitle} data-testid={testIds.cancelled}>
          {texts.cancelledBody}
        </Alert>
      ) : null}
      {outcome?.type === 'failed' ? <ErrorAlert error={outcome.error} title={props.failedTitle} /> : null}
      {props.cancelError ? <ErrorAlert error={props.cancelError} title="Could not cancel" /> : null}
      {props.syncError ? <ErrorAlert error={props.syncError} title={texts.syncErrorTitle} /> : null}

      <Flex>
        {outcome === null ? (
          <Button variant="danger" onClick={() => setConfirming(true)} isDisabled={props.cancelling} isLoading={props.cancelling} data-testid={testIds.cancel}>
            {props.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : null}
        {outcome && outcome.type !== 'done' ? props.endedButtons : null}
        {outcome?.type === 'done' ? (
          <Button variant="primary" onClick={props.onSeeResult} data-testid={testIds.seeResult}>
            See the result
          </Button>
        ) : null}
      </Flex>

      <LogView lines={run.log} dropped={run.logDropped} testId={testIds.log} />

      <Modal variant="small" isOpen={confirming} onClose={() => setConfirming(false)} aria-labelledby={confirmTitleId} data-testid={testIds.confirm}>
        <ModalHeader title={texts.confirmTitle} labelId={confirmTitleId} titleIconVariant="warning" />
        <ModalBody>{texts.confirmBody}</ModalBody>
        <ModalFooter>
          <Button
            variant="danger"
            onClick={() => {
              setConfirming(false);
              props.onCancel();
            }}
            data-testid={testIds.confirmYes}
          >
            {texts.confirmYes}
          </Button>
          <Button variant="link" onClick={() => setConfirming(false)}>
            {texts.confirmNo}
          </Button>
        </ModalFooter>
      </Modal>
    </div>
  );
}
