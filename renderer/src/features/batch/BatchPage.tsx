import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  Label,
  Modal,
  ModalBody,
  ModalHeader,
  PageSection,
  SearchInput,
  Spinner,
  TextInput,
  Title,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import type { BatchVmRow } from '../../../../shared/contract/models/batch';
import { formatBytes, formatDuration, formatRate } from '../../../../shared/format';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileBrowser } from '../../components/FileBrowser';
import { useAppStore } from '../../app/app-store';
import { errorChartData, filterRows, resumeOffer } from './batch-model';
import type { StateFilter } from './batch-model';
import { BatchVmTable } from './BatchVmTable';
import type { RowHandlers } from './BatchVmTable';
import { PlanEditor } from './PlanEditor';
import {
  cancelVm,
  checkPlan,
  closeRecord,
  editText,
  loadPlan,
  openRecord,
  pauseBatch,
  resumeBatch,
  retryVms,
  savePlan,
  setFilter,
  setPath,
  setQuery,
  startBatch,
  stopBatch,
  useBatchStore,
} from './store';

const handlers: RowHandlers = { cancel: (vm) => void cancelVm(vm), retry: (vm) => void retryVms([vm]), record: (vm) => void openRecord(vm) };

function PlanCard(): ReactNode {
  const path = useBatchStore((s) => s.path);
  const text = useBatchStore((s) => s.text);
  const savedText = useBatchStore((s) => s.savedText);
  const validation = useBatchStore((s) => s.validation);
  const problems = useBatchStore((s) => s.problems);
  const checking = useBatchStore((s) => s.checking);
  const planError = useBatchStore((s) => s.planError);
  const busy = useBatchStore((s) => s.busy);
  const status = useBatchStore((s) => s.status);
  const homeDir = useAppStore((s) => s.info?.homeDir ?? '/');
  const actionError = useBatchStore((s) => s.actionError);
  const [browsing, setBrowsing] = useState(false);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const running = status !== null && status.state !== 'ended';
  const offer = validation ? resumeOffer(validation.journal) : 'run';
  const loaded = validation !== null || savedText !== null;
  const dirty = savedText !== null && text !== savedText;

  return (
    <Card data-testid="batch-plan-card">
      <CardTitle>Plan</CardTitle>
      <CardBody>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
          <FlexItem grow={{ default: 'grow' }}>
            <TextInput aria-label="Plan file" placeholder="/srv/plans/wave-1.yaml" value={path} onChange={(_e, v) => setPath(v)} onKeyDown={(e) => e.key === 'Enter' && void loadPlan()} data-testid="batch-plan-path" />
          </FlexItem>
          <Button variant="secondary" onClick={() => setBrowsing(true)} data-testid="batch-browse">
            Browse…
          </Button>
          <Button variant="primary" onClick={() => void loadPlan()} isDisabled={!path.trim()} data-testid="batch-load">
            Open
          </Button>
        </Flex>
        <FileBrowser isOpen={browsing} mode="source" startPath={path.trim() ? path.replace(/\/[^/]*$/, '') || '/' : homeDir} title="Open a batch plan" onPick={(picked) => { setBrowsing(false); void loadPlan(picked); }} onClose={() => setBrowsing(false)} />
        {planError ? <ErrorAlert error={planError} /> : null}
        {actionError && status === null ? <ErrorAlert error={actionError} /> : null}
        {loaded ? (
          <>
            <Flex className="h2k-batch-plan-status" alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
              <span data-testid="batch-plan-summary" data-errors={errors} data-warnings={warnings}>
                {checking ? <Spinner size="sm" aria-label="Checking" /> : null} {errors ? `${errors} error${errors === 1 ? '' : 's'}` : 'No errors'}
                {warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}
                {validation?.plan ? ` · ${validation.plan.vms.length} VMs, ${validation.plan.concurrency.total} at once` : ''}
                {dirty ? ' · not saved' : ''}
              </span>
              {validation?.journal.exists ? (
                <Label isCompact color={offer === 'busy' ? 'orange' : 'blue'} data-testid="batch-journal">
                  journal: {validation.journal.done} done, {validation.journal.failed} failed, {validation.journal.interrupted} interrupted
                  {validation.journal.runnerPid ? ` · running in process ${validation.journal.runnerPid}` : ''}
                </Label>
              ) : null}
            </Flex>
            <PlanEditor text={text} problems={problems} onChange={editText} />
            <Flex spaceItems={{ default: 'spaceItemsSm' }} className="h2k-batch-actions">
              <Button variant="secondary" onClick={() => void checkPlan()} isLoading={checking} data-testid="batch-check">
                Check
              </Button>
              <Button variant="secondary" onClick={() => void savePlan()} isDisabled={!dirty || busy} data-testid="batch-save">
                Save
              </Button>
              {offer !== 'resume' ? (
                <Button variant="primary" onClick={() => void startBatch('run')} isDisabled={busy || running || errors > 0 || offer === 'busy'} data-testid="batch-run">
                  {dirty ? 'Save and run' : 'Run'}
                </Button>
              ) : (
                <>
                  <Button variant="primary" onClick={() => void startBatch('resume')} isDisabled={busy || running || errors > 0} data-testid="batch-resume-plan">
                    Resume
                  </Button>
                  <Button variant="secondary" onClick={() => void startBatch('resume', true)} isDisabled={busy || running || errors > 0} data-testid="batch-resume-retry">
                    Resume and retry failed
                  </Button>
                </>
              )}
            </Flex>
          </>
        ) : null}
      </CardBody>
    </Card>
  );
}

function Total({ id, label, value }: { id: string; label: string; value: string | number }): ReactNode {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription data-testid={`batch-total-${id}`} data-value={value}>
        {value}
      </DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function ErrorRateChart({ perMinute }: { perMinute: readonly number[] }): ReactNode {
  const data = useMemo(() => errorChartData(perMinute), [perMinute]);
  return (
    <div className="h2k-batch-chart" data-testid="batch-error-chart" data-total={perMinute.reduce((a, b) => a + b, 0)} aria-label="Failures per minute over the last hour">
      <ResponsiveContainer width="100%" height={110}>
        <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
          <XAxis dataKey="minute" interval={9} tickLine={false} fontSize={11} />
          <YAxis allowDecimals={false} width={28} fontSize={11} />
          <Tooltip formatter={(v) => [String(v), 'failures']} />
          <Bar dataKey="errors" fill="#c9190b" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function RunCard(): ReactNode {
  const status = useBatchStore((s) => s.status);
  const rows = useBatchStore((s) => s.rows.rows);
  const busy = useBatchStore((s) => s.busy);
  const actionError = useBatchStore((s) => s.actionError);
  const filter = useBatchStore((s) => s.filter);
  const query = useBatchStore((s) => s.query);
  const shown = useMemo(() => filterRows(rows, filter, query), [rows, filter, query]);
  const failures = useMemo(() => rows.filter((r) => r.state === 'failed'), [rows]);
  if (!status) return null;
  const t = status.totals;
  const active = status.state !== 'ended';
  return (
    <Card data-testid="batch-run-card">
      <CardTitle>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }}>
          <span>{status.title ?? status.plan}</span>
          <Label color={status.state === 'running' ? 'blue' : status.state === 'ended' ? (t.failed ? 'red' : 'green') : 'orange'} data-testid="batch-state" data-state={status.state}>
            {status.state}
            {status.endReason ? ` (${status.endReason})` : ''}
          </Label>
        </Flex>
      </CardTitle>
      <CardBody>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} className="h2k-batch-actions">
          {status.state === 'running' ? (
            <Button variant="secondary" onClick={() => void pauseBatch()} isDisabled={busy} data-testid="batch-pause">
              Pause
            </Button>
          ) : null}
          {status.state === 'pausing' || status.state === 'paused' ? (
            <Button variant="primary" onClick={() => void resumeBatch()} isDisabled={busy} data-testid="batch-resume">
              Resume
            </Button>
          ) : null}
          {active ? (
            <>
              <Button variant="secondary" onClick={() => void stopBatch(false)} isDisabled={busy || status.state === 'stopping'} data-testid="batch-stop">
                Stop (finish running VMs)
              </Button>
              <Button variant="danger" onClick={() => void stopBatch(true)} isDisabled={busy} data-testid="batch-interrupt">
                Interrupt running VMs
              </Button>
            </>
          ) : null}
          {failures.length > 0 ? (
            <Button variant="secondary" onClick={() => void retryVms()} isDisabled={busy} data-testid="batch-retry-failed">
              Retry {failures.length} failed
            </Button>
          ) : null}
        </Flex>
        {actionError ? <ErrorAlert error={actionError} /> : null}
        <div className="h2k-batch-overview">
          <DescriptionList isHorizontal isCompact columnModifier={{ default: '2Col' }} className="h2k-batch-totals">
            <Total id="done" label="Done" value={t.done} />
            <Total id="running" label="Running" value={t.running} />
            <Total id="failed" label="Failed" value={t.failed} />
            <Total id="queued" label="Queued" value={t.queued} />
            {t.cancelled ? <Total id="cancelled" label="Cancelled" value={t.cancelled} /> : null}
            <Total id="bytes" label="Moved" value={formatBytes(t.bytesDone)} />
            <Total id="rate" label="Throughput" value={formatRate(t.bytesPerSecond)} />
            <Total id="eta" label="ETA" value={formatDuration(t.etaSeconds)} />
          </DescriptionList>
          <div className="h2k-batch-rate">
            <div className="h2k-batch-rate-figure" data-testid="batch-error-rate" data-value={status.errorRate.lastMinute}>
              <span className="h2k-batch-rate-number">{status.errorRate.lastMinute}</span> errors / min <span className="h2k-muted">(last 60 s)</span>
            </div>
            <ErrorRateChart perMinute={status.errorRate.perMinute} />
          </div>
        </div>
        <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }} className="h2k-batch-filters">
          <ToggleGroup aria-label="Show VMs by state">
            {(['all', 'running', 'queued', 'done', 'failed', 'cancelled'] as StateFilter[]).map((f) => (
              <ToggleGroupItem key={f} text={f} isSelected={filter === f} onChange={() => setFilter(f)} data-testid={`batch-filter-${f}`} />
            ))}
          </ToggleGroup>
          <FlexItem grow={{ default: 'grow' }}>
            <SearchInput aria-label="Search VMs" placeholder="Name, source or error code" value={query} onChange={(_e, v) => setQuery(v)} onClear={() => setQuery('')} data-testid="batch-search" />
          </FlexItem>
          <span className="h2k-muted">
            {shown.length} of {rows.length}
          </span>
        </Flex>
        <BatchVmTable rows={shown} total={rows.length} runActive={active} on={handlers} />
        {failures.length > 0 ? <Failures failures={failures} /> : null}
      </CardBody>
    </Card>
  );
}

function Failures({ failures }: { failures: readonly BatchVmRow[] }): ReactNode {
  return (
    <div className="h2k-batch-failures" data-testid="batch-failures">
      <Title headingLevel="h3" size="md">
        Failures
      </Title>
      <ul>
        {failures.slice(0, 50).map((f) => (
          <li key={f.name} data-testid="batch-failure" data-name={f.name} data-code={f.error?.code}>
            <b>{f.name}</b> <Label isCompact color="red">{f.error?.code ?? '?'}</Label> {f.error?.message}
            {f.stage ? <span className="h2k-muted"> (in {f.stage})</span> : null}{' '}
            {f.jobId ? (
              <Button variant="link" isInline onClick={() => void openRecord(f.name)} data-testid="batch-failure-record">
                Open job record
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {failures.length > 50 ? <p className="h2k-muted">…and {failures.length - 50} more: filter the table by “failed”.</p> : null}
    </div>
  );
}

interface StageTime {
  id: string;
  label: string;
  durationMs: number;
}

/** A job's events as the lines of its log: stages, log lines (not debug), the end. */
function timeline(events: readonly JobEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    const at = e.at.slice(11, 19);
    if (e.type === 'stage-started') lines.push(`${at} ▸ ${e.label}`);
    else if (e.type === 'stage-done') lines.push(`${at}   ${e.stage} done in ${formatDuration(e.durationMs / 1000)}`);
    else if (e.type === 'log' && e.level !== 'debug') lines.push(`${at}   ${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
    else if (e.type === 'failed') lines.push(`${at} ✗ failed${e.stage ? ` in ${e.stage}` : ''}: [${e.error.code}] ${e.error.message}`);
    else if (e.type === 'cancelled') lines.push(`${at} ✗ cancelled`);
    else if (e.type === 'done') lines.push(`${at} ✓ done`);
  }
  return lines;
}

function RecordModal(): ReactNode {
  const record = useBatchStore((s) => s.record);
  if (!record) return null;
  let body: ReactNode;
  if ('loading' in record) body = <Spinner aria-label="Loading the job record" />;
  else if ('error' in record) body = <ErrorAlert error={record.error} />;
  else {
    const r = (record.record ?? {}) as { state?: string; error?: EngineError | null; stages?: StageTime[]; cli?: string[] | null; startedAt?: string; endedAt?: string | null };
    const lines = timeline(record.events).slice(-120);
    body = (
      <div data-testid="batch-record" data-job-id={record.jobId}>
        <DescriptionList isHorizontal isCompact>
          <DescriptionListGroup>
            <DescriptionListTerm>Job</DescriptionListTerm>
            <DescriptionListDescription>{record.jobId}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>State</DescriptionListTerm>
            <DescriptionListDescription data-testid="batch-record-state">{r.state ?? 'running'}</DescriptionListDescription>
          </DescriptionListGroup>
          {r.cli ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Command line</DescriptionListTerm>
              <DescriptionListDescription className="h2k-mono">{r.cli.join(' ')}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
          {r.stages?.length ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Stages</DescriptionListTerm>
              <DescriptionListDescription>{r.stages.map((s) => `${s.label} ${formatDuration(s.durationMs / 1000)}`).join(' · ')}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
        </DescriptionList>
        {r.error ? <ErrorAlert error={r.error} /> : null}
        <Title headingLevel="h4" size="md" className="h2k-batch-record-log-title">
          Events and log
        </Title>
        <CodeBlock>
          <CodeBlockCode data-testid="batch-record-log">{lines.join('\n') || 'No events.'}</CodeBlockCode>
        </CodeBlock>
      </div>
    );
  }
  return (
    <Modal isOpen variant="large" onClose={closeRecord} aria-labelledby="batch-record-title" data-testid="batch-record-modal">
      <ModalHeader title={`Job record of ${record.vm}`} labelId="batch-record-title" />
      <ModalBody>{body}</ModalBody>
    </Modal>
  );
}

export function BatchPage(): ReactNode {
  const status = useBatchStore((s) => s.status);
  return (
    <PageSection data-testid="batch-page">
      <Title headingLevel="h1">Batch migrations</Title>
      <p className="h2k-muted">
        Many VMs from one YAML plan: each runs as a migration of its own, as many at once as the plan allows. The journal beside the plan keeps the batch across crashes; the same plan runs from the command line (<code>hyper2kvm batch run</code>).
      </p>
      <Flex direction={{ default: 'column' }} spaceItems={{ default: 'spaceItemsMd' }}>
        <PlanCard />
        {status ? <RunCard /> : null}
      </Flex>
      {status === null ? (
        <Alert variant="info" isInline isPlain title="Open a plan to check it; run it from here or from a terminal." className="h2k-batch-hint" />
      ) : null}
      <RecordModal />
    </PageSection>
  );
}
