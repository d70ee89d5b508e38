import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  ClipboardCopy,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  ExpandableSection,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  List,
  ListItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  ProgressStep,
  ProgressStepper,
  Radio,
  Spinner,
  TextInput,
  Title,
} from '@patternfly/react-core';
import type { BootVerification } from '../../../../shared/contract/models/boot';
import { Confirm } from '../../components/Confirm';
import { ErrorAlert } from '../../components/ErrorAlert';
import { countText, describeElapsed } from '../../components/progress-view';
import { consoleText, seconds, timeline, verdictText } from './boot-view';
import type { BootView } from './boot-view';
import { timeoutProblem, verifyRequest } from './domain-draft';
import { noOsWarning } from './guest-evidence';
import { definedResult, verifying } from './vm-flow';
import type { VmFlow } from './vm-flow';
import './domain.css';

function Timeline({ view }: { view: BootView }): ReactNode {
  const steps = timeline(view);
  const current = view.outcome ? -1 : steps.findIndex((s) => s.state === 'pending');
  return (
    <ProgressStepper isCenterAligned aria-label="Boot milestones" data-testid="boot-timeline">
      {steps.map((s, i) => (
        <ProgressStep
          key={s.kind}
          id={`boot-step-${s.kind}`}
          titleId={`boot-step-${s.kind}-title`}
          variant={s.state === 'reached' ? 'success' : s.state === 'stopped' ? 'danger' : i === current ? 'info' : 'pending'}
          isCurrent={i === current}
          description={s.time ?? (s.state === 'stopped' ? 'stopped before this' : i === current ? 'waiting…' : '')}
          data-testid="milestone"
          data-kind={s.kind}
          data-state={s.state}
        >
          <span title={s.text ?? undefined}>{s.label}</span>
        </ProgressStep>
      ))}
    </ProgressStepper>
  );
}

function Console({ view }: { view: BootView }): ReactNode {
  const box = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  useLayoutEffect(() => {
    // Follow the newest text unless the user scrolled up to read.
    if (box.current && following.current) box.current.scrollTop = box.current.scrollHeight;
  }, [view.console, view.screen]);
  const text = consoleText(view);
  return (
    <div>
      <Title headingLevel="h3" size="md">
        Serial console {view.consoleDropped > 0 ? <span className="h2k-muted">(the first {view.consoleDropped} characters are in the serial log)</span> : null}
      </Title>
      <pre
        className="h2k-console"
        data-testid="boot-console"
        role="log"
        aria-live="off"
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {text || (view.outcome ? 'The guest wrote nothing to its serial console.' : 'Waiting for the guest…')}
      </pre>
    </div>
  );
}

function Screen({ flow, view }: { flow: VmFlow; view: BootView }): ReactNode {
  const shot = flow.useStore((s) => s.shot);
  return (
    <div>
      <Title headingLevel="h3" size="md">
        Screen {view.screenshots > 0 ? <span className="h2k-muted">({view.screenshots} screenshot{view.screenshots === 1 ? '' : 's'})</span> : null}
      </Title>
      {shot ? (
        <figure className="h2k-screen">
          <img src={shot.url} alt={`The guest's screen at ${seconds(shot.atMs)}`} data-testid="boot-screenshot" data-name={shot.name} />
          <figcaption className="h2k-muted">at {seconds(shot.atMs)}</figcaption>
        </figure>
      ) : (
        <div className="h2k-screen-empty h2k-muted">{view.outcome ? 'No screenshot was taken.' : 'The first screenshot comes within seconds.'}</div>
      )}
    </div>
  );
}

function Verdict({ result }: { result: BootVerification }): ReactNode {
  const text = verdictText(result);
  const evidenceFolder = result.evidence.serialLog.slice(0, result.evidence.serialLog.lastIndexOf('/'));
  return (
    <Alert variant={text.variant} isInline title={text.title} data-testid="boot-verdict" data-verdict={result.verdict} data-reason={result.reason}>
      <p data-testid="boot-detail">{result.detail}</p>
      {result.hint ? (
        <p data-testid="boot-hint">
          <strong>What to do:</strong> {result.hint}
        </p>
      ) : null}
      <DescriptionList isHorizontal isCompact className="h2k-define-actions" data-testid="boot-evidence">
        <DescriptionListGroup>
          <DescriptionListTerm>Reason</DescriptionListTerm>
          <DescriptionListDescription>
            <Label isCompact data-testid="boot-reason">
              {result.reason}
            </Label>
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Booted with</DescriptionListTerm>
          <DescriptionListDescription>
            {result.firmware.toUpperCase()}, {result.accelerator === 'kvm' ? 'KVM' : 'software emulation (TCG)'}, on {result.connection}; checked in {describeElapsed(result.durationMs)}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Converted disk</DescriptionListTerm>
          <DescriptionListDescription>
            <code>{result.disk.path}</code> {result.disk.untouched ? <Label color="green" isCompact>not changed</Label> : <Label color="orange" isCompact>changed during the check</Label>}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Guest agent</DescriptionListTerm>
          <DescriptionListDescription>{result.evidence.agentAnswered ? 'answered' : 'no answer'}</DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Evidence</DescriptionListTerm>
          <DescriptionListDescription>
            <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" data-testid="boot-evidence-folder">
              {evidenceFolder}
            </ClipboardCopy>
            <span className="h2k-muted">
              serial log ({result.evidence.serialBytes} bytes) and {result.evidence.screenshots.length} screenshot{result.evidence.screenshots.length === 1 ? '' : 's'}
            </span>
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
      {result.excerpt ? (
        <>
          <Title headingLevel="h4" size="md">
            {result.excerptSource === 'screen' ? 'What the screen said' : 'What the serial console said'}
          </Title>
          <CodeBlock className="h2k-excerpt">
            <CodeBlockCode data-testid="boot-excerpt">{result.excerpt}</CodeBlockCode>
          </CodeBlock>
        </>
      ) : null}
      {result.notes.length > 0 ? (
        <List>
          {result.notes.map((n) => (
            <ListItem key={n}>{n}</ListItem>
          ))}
        </List>
      ) : null}
    </Alert>
  );
}

function Elapsed({ since }: { since: string | null }): ReactNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!since) return null;
  return <span className="h2k-muted">{describeElapsed(Math.max(now - Date.parse(since), 0))}</span>;
}

function VerifySettings({ flow }: { flow: VmFlow }): ReactNode {
  const choice = flow.useStore((s) => s.verifyChoice);
  const problem = timeoutProblem(choice.timeoutSeconds);
  return (
    <Form isHorizontal onSubmit={(e) => e.preventDefault()}>
      <FormGroup label="Firmware" role="radiogroup" fieldId="verify-firmware" isInline>
        <Radio id="verify-firmware-bios" name="verify-firmware" label="BIOS" isChecked={choice.firmware === 'bios'} onChange={() => flow.setVerifyChoice({ firmware: 'bios' })} />
        <Radio id="verify-firmware-uefi" name="verify-firmware" label="UEFI" isChecked={choice.firmware === 'uefi'} onChange={() => flow.setVerifyChoice({ firmware: 'uefi' })} />
      </FormGroup>
      <FormGroup label="Give up after (s)" fieldId="verify-timeout">
        <TextInput id="verify-timeout" inputMode="numeric" placeholder="default: 120 with KVM, 300 without" value={choice.timeoutSeconds} onChange={(_e, timeoutSeconds) => flow.setVerifyChoice({ timeoutSeconds })} validated={problem ? 'error' : 'default'} data-testid="verify-timeout" />
        <FormHelperText>
          <HelperText>
            <HelperTextItem variant={problem ? 'error' : 'default'}>{problem ?? 'Without KVM a guest boots 10–50 times slower; a Debian guest needs about 40 s.'}</HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
    </Form>
  );
}

/**
 * Verify boot: boots a throwaway overlay of the disk and shows, live, the serial console, the
 * newest screenshot and the milestones; then the verdict with its reason and evidence.
 */
export function VerifyStep({ flow, onBack, backLabel = 'Back' }: { flow: VmFlow; onBack?: () => void; backLabel?: string }): ReactNode {
  const state = flow.useStore((s) => s);
  const busy = verifying(state);
  const [confirming, setConfirming] = useState(false);
  const [askingNoOs, setAskingNoOs] = useState(false);
  const { target, verify: view } = state;
  if (!target) return null;
  const noOs = noOsWarning(target.guest, 'verify');
  const plan = state.preview.status === 'ready' ? state.preview.plan : null;
  const defined = definedResult(state);
  const request = verifyRequest(target, state.draft, plan, defined, state.verifyChoice);
  const outcome = view?.outcome ?? null;

  return (
    <div className="h2k-stack" data-testid="verify" data-outcome={view ? (outcome?.type ?? 'running') : 'idle'}>
      <Title headingLevel="h2">Verify boot</Title>
      <p>
        Boots a throwaway copy-on-write overlay of <code data-testid="verify-disk">{request?.disk ?? target.disks[0]?.path}</code>
        {defined ? ` (the disk of "${defined.name}")` : ''} as a temporary VM without network: the disk itself is only read. Everything the check creates is removed afterwards.
      </p>
      {!busy ? <VerifySettings flow={flow} /> : null}
      {state.verifyStartError ? <ErrorAlert error={state.verifyStartError} title="The verification could not start" /> : null}

      {view ? (
        <>
          <Flex alignItems={{ default: 'alignItemsCenter' }}>
            {busy ? <Spinner size="md" aria-label="Verifying" /> : null}
            <strong>{view.title || 'Starting the verification…'}</strong>
            {busy ? <Elapsed since={view.startedAt} /> : null}
          </Flex>
          <Timeline view={view} />
          {outcome?.type === 'done' ? <Verdict result={outcome.result} /> : null}
          {outcome?.type === 'cancelled' ? (
            <Alert variant="info" isInline title="Verification cancelled" data-testid="verify-cancelled">
              The temporary VM was stopped and its overlay removed; the disk was not changed.
            </Alert>
          ) : null}
          {outcome?.type === 'failed' ? <ErrorAlert error={outcome.error} title="The verification could not be done" /> : null}
          <div className="h2k-boot-panes">
            <Console view={view} />
            <Screen flow={flow} view={view} />
          </div>
          <ExpandableSection toggleText={`Log (${countText(view.log.length, 'line')})`}>
            <div className="h2k-log" data-testid="verify-log" role="log">
              {view.log.map((l, i) => (
                <div key={i} className={`h2k-log-${l.level}`}>
                  <span className="h2k-muted">{l.at.slice(11, 19)}</span> {l.message}
                </div>
              ))}
            </div>
          </ExpandableSection>
        </>
      ) : null}
      {state.cancelError ? <ErrorAlert error={state.cancelError} title="Could not cancel" /> : null}
      {state.syncError ? <ErrorAlert error={state.syncError} title="Could not catch up with the verification after the connection came back" /> : null}

      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        {onBack ? (
          <Button variant="secondary" onClick={onBack} isDisabled={busy}>
            {backLabel}
          </Button>
        ) : null}
        {busy ? (
          <Button variant="danger" onClick={() => setConfirming(true)} isDisabled={state.cancelling || state.verifyStarting} isLoading={state.cancelling} data-testid="verify-cancel">
            {state.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : (
          <Button variant="primary" onClick={() => (noOs ? setAskingNoOs(true) : void flow.startVerify())} isDisabled={!request} data-testid="verify-start">
            {view ? 'Verify again' : 'Start verification'}
          </Button>
        )}
      </Flex>

      <Confirm
        open={askingNoOs && noOs !== null}
        title="Boot a disk without an operating system?"
        body={noOs}
        yes="Boot it anyway"
        no="Do not boot"
        testId="verify-no-os-confirm"
        danger={false}
        onYes={() => {
          setAskingNoOs(false);
          void flow.startVerify();
        }}
        onNo={() => setAskingNoOs(false)}
      />
      <Modal variant="small" isOpen={confirming} onClose={() => setConfirming(false)} aria-labelledby="verify-cancel-title" data-testid="verify-cancel-confirm">
        <ModalHeader title="Stop the verification?" labelId="verify-cancel-title" titleIconVariant="warning" />
        <ModalBody>The temporary VM is stopped and its overlay removed. The disk is not changed; you can verify again later.</ModalBody>
        <ModalFooter>
          <Button
            variant="danger"
            onClick={() => {
              setConfirming(false);
              void flow.cancelVerify();
            }}
            data-testid="verify-cancel-yes"
          >
            Stop the verification
          </Button>
          <Button variant="link" onClick={() => setConfirming(false)}>
            Keep verifying
          </Button>
        </ModalFooter>
      </Modal>
    </div>
  );
}
