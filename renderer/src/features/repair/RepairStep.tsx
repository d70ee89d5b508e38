import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Button, Checkbox, ExpandableSection, Flex, Label, Title } from '@patternfly/react-core';
import type { EngineError } from '../../../../shared/contract/errors';
import type { AppliedFix, FixId, PlannedFix, RepairRecord } from '../../../../shared/contract/models/repair';
import { engine } from '../../app/app-store';
import { toErrorValue } from '../../app/errors';
import type { JobRunView } from '../../components/job-run';
import { ErrorAlert } from '../../components/ErrorAlert';
import { applyLabel, changeSummary, decisionFor, diffLines, findingsText, groupFixes, initialSelection, outcomeView, registryRow, toggle } from './repair-view';
import './repair.css';

/**
 * The Repair step of the Convert and vCenter wizards: the plan the job made, fix by fix with
 * its diffs and commands and a checkbox, what will not be fixed and why; Apply (or continue
 * without repairing) answers the job, which waits; then the repair's progress, and what it
 * did, with the findings checked again.
 */
export interface RepairStepProps {
  run: JobRunView<{ repair?: RepairRecord | undefined }, unknown>;
  /** The wizard's progress panel for the running stage. */
  progress: ReactNode;
  onContinue: () => void;
}

function Diff({ diff }: { diff: string }): ReactNode {
  return (
    <pre className="h2k-diff" data-testid="repair-diff">
      {diffLines(diff).map((line, i) => (
        <span key={i} className={`h2k-diff-${line.kind}`}>
          {line.text}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

function FixBody({ fix }: { fix: PlannedFix | AppliedFix }): ReactNode {
  const outcomes = 'commandOutcomes' in fix ? fix.commandOutcomes : [];
  return (
    <div className="h2k-repair-body">
      <p data-testid="repair-reason">{fix.reason}</p>
      {fix.changes.map((change) => (
        <ExpandableSection key={change.path} toggleText={changeSummary(change)} data-testid="repair-change" data-path={change.path} isIndented>
          {change.diff ? <Diff diff={change.diff} /> : <p className="h2k-muted">{/\/config\/(SYSTEM|SOFTWARE)$/i.test(change.path) ? 'Registry hive (its changes are listed below): ' : 'Binary file: '}{change.beforeSha256 ? `sha256 ${change.beforeSha256.slice(0, 12)}… → ` : ''}{change.afterSha256 ? `${change.afterSha256.slice(0, 12)}…` : 'removed'}</p>}
        </ExpandableSection>
      ))}
      {fix.registry?.length ? (
        <ExpandableSection toggleText={`${fix.registry.length} registry change${fix.registry.length === 1 ? '' : 's'}`} data-testid="repair-registry" isIndented>
          <table className="h2k-repair-registry">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th>Before</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              {fix.registry.map((change) => {
                const row = registryRow(change);
                return (
                  <tr key={`${change.key}|${change.value ?? ''}`} data-testid="repair-registry-row">
                    <td>
                      <code>{row.key}</code>
                    </td>
                    <td>{row.value}</td>
                    <td>{row.before}</td>
                    <td>{row.after}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ExpandableSection>
      ) : null}
      {fix.firstBoot?.map((action) => (
        <ExpandableSection key={action.path} toggleText={`runs once at the first boot: ${action.path}`} data-testid="repair-firstboot" isIndented>
          <pre className="h2k-diff">{action.script.replace(/\r\n/g, '\n')}</pre>
        </ExpandableSection>
      ))}
      {fix.commands.length > 0 && outcomes.length === 0 ? (
        <div data-testid="repair-commands">
          {fix.commands.map((c) => (
            <p key={c.argv.join(' ')} className="h2k-repair-command">
              <code>$ {c.argv.join(' ')}</code> <span className="h2k-muted">{c.why}</span>
            </p>
          ))}
        </div>
      ) : null}
      {outcomes.map((c) => (
        <ExpandableSection key={c.argv.join(' ')} toggleText={`$ ${c.argv.join(' ')} — ${c.ok ? `done in ${(c.durationMs / 1000).toFixed(1)} s` : 'failed'}`} data-testid="repair-command-outcome" isIndented>
          <pre className="h2k-diff">{c.outputTail || '(no output)'}</pre>
        </ExpandableSection>
      ))}
    </div>
  );
}

function FixCard({ fix, checked, onChange }: { fix: PlannedFix; checked?: boolean; onChange?: (on: boolean) => void }): ReactNode {
  const findings = findingsText(fix);
  return (
    <div className="h2k-repair-fix" data-testid="repair-fix" data-fix={fix.id} data-status={fix.status}>
      {onChange ? (
        <Checkbox id={`fix-${fix.id}`} isChecked={checked ?? false} onChange={(_e, on) => onChange(on)} label={<strong>{fix.title}</strong>} description={findings ? `For ${findings}` : undefined} data-testid="repair-fix-check" />
      ) : (
        <Flex spaceItems={{ default: 'spaceItemsSm' }}>
          <strong>{fix.title}</strong>
          {findings ? <span className="h2k-muted">for {findings}</span> : null}
        </Flex>
      )}
      <FixBody fix={fix} />
    </div>
  );
}

function PlanReview({ run, onDecided }: { run: RepairStepProps['run']; onDecided: () => void }): ReactNode {
  const plan = run.repairPlan!.plan;
  const groups = groupFixes(plan);
  const [selection, setSelection] = useState<FixId[]>(() => initialSelection(plan));
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<EngineError | null>(null);
  useEffect(() => setSelection(initialSelection(plan)), [plan]);
  const send = async (fixes: FixId[]): Promise<void> => {
    setSending(true);
    setError(null);
    try {
      await engine().call('repair.decide', { jobId: run.jobId, decision: decisionFor(fixes) });
      onDecided();
    } catch (e) {
      setError(toErrorValue(e));
    } finally {
      setSending(false);
    }
  };
  return (
    <div className="h2k-stack" data-testid="repair-review">
      <p>
        Nothing has been written yet. Every file a fix changes keeps its original in the guest as <code>FILE.hyper2kvm-orig</code>, and the job record lists each change with the file’s hash before and after. If a fix fails, nothing is kept and the disks stay as converted.
      </p>
      {groups.toApply.length ? (
        <section>
          <Title headingLevel="h3">Will be fixed</Title>
          {groups.toApply.map((fix) => (
            <FixCard key={fix.id} fix={fix} checked={selection.includes(fix.id)} onChange={(on) => setSelection((s) => toggle(s, fix.id, on))} />
          ))}
        </section>
      ) : (
        <Alert variant="success" isInline title="The guest needs no repair: nothing will be written." data-testid="repair-nothing" />
      )}
      {groups.optional.length ? (
        <section>
          <Title headingLevel="h3">Optional</Title>
          {groups.optional.map((fix) => (
            <FixCard key={fix.id} fix={fix} checked={selection.includes(fix.id)} onChange={(on) => setSelection((s) => toggle(s, fix.id, on))} />
          ))}
        </section>
      ) : null}
      <NotFixed groups={groups} />
      {error ? <ErrorAlert error={error} /> : null}
      <Flex>
        <Button variant="primary" isDisabled={sending} isLoading={sending} onClick={() => void send(selection)} data-testid="repair-apply">
          {applyLabel(selection)}
        </Button>
        {selection.length ? (
          <Button variant="link" isDisabled={sending} onClick={() => void send([])} data-testid="repair-skip">
            Skip the repair
          </Button>
        ) : null}
      </Flex>
    </div>
  );
}

function NotFixed({ groups }: { groups: ReturnType<typeof groupFixes> }): ReactNode {
  return (
    <>
      {groups.blocked.length ? (
        <section data-testid="repair-blocked">
          <Title headingLevel="h3">Will not be fixed</Title>
          {groups.blocked.map((fix) => (
            <FixCard key={fix.id} fix={fix} />
          ))}
        </section>
      ) : null}
      {groups.leftOut.length + groups.notNeeded.length ? (
        <ExpandableSection toggleText={`Not needed or left out (${groups.leftOut.length + groups.notNeeded.length})`} data-testid="repair-not-needed">
          {[...groups.leftOut, ...groups.notNeeded].map((fix) => (
            <p key={fix.id} data-testid="repair-fix" data-fix={fix.id} data-status={fix.status}>
              <Label isCompact color={fix.status === 'skipped' ? 'orange' : 'grey'}>
                {fix.status === 'skipped' ? 'left out' : 'not needed'}
              </Label>{' '}
              <strong>{fix.title}</strong>: {fix.reason}
            </p>
          ))}
        </ExpandableSection>
      ) : null}
    </>
  );
}

function Outcome({ record, onContinue }: { record: RepairRecord; onContinue: () => void }): ReactNode {
  const view = outcomeView(record);
  return (
    <div className="h2k-stack" data-testid="repair-outcome" data-applied={record.applied}>
      <Alert variant={view.variant} isInline title={view.headline} data-testid="repair-headline">
        {record.error ? record.error.hint : null}
      </Alert>
      {view.applied.map((fix) => (
        <div key={fix.id} className="h2k-repair-fix" data-testid="repair-applied" data-fix={fix.id}>
          <strong>{fix.title}</strong>
          <FixBody fix={fix} />
        </div>
      ))}
      <Button variant="primary" onClick={onContinue} data-testid="repair-continue">
        Continue to the result
      </Button>
    </div>
  );
}

export function RepairStep({ run, progress, onContinue }: RepairStepProps): ReactNode {
  const [decided, setDecided] = useState(false);
  const repairPlan = run.repairPlan;
  const outcome = run.outcome;
  return (
    <div className="h2k-stack" data-testid="repair">
      <Title headingLevel="h2">Repair the guest</Title>
      {repairPlan?.plan.blockers.map((b) => (
        <Alert key={b.code} variant="danger" isInline title={`Nothing will be written: ${b.message}`} data-testid="repair-blocker">
          {b.hint}
        </Alert>
      ))}
      {repairPlan?.plan.warnings?.map((w) => (
        <Alert key={w.code} variant="warning" isInline title={w.message} data-testid="repair-warning">
          {w.hint}
        </Alert>
      ))}
      {!repairPlan && !outcome ? <p className="h2k-muted">The plan appears here once the converted guest has been inspected.</p> : null}
      {repairPlan?.awaitingDecision && !decided && !outcome ? <PlanReview run={run} onDecided={() => setDecided(true)} /> : null}
      {repairPlan && !outcome && (!repairPlan.awaitingDecision || decided) ? (
        <>
          <p data-testid="repair-running">Repairing: the fixes are applied in the inspection’s appliance, then the guest is checked again.</p>
          {progress}
        </>
      ) : null}
      {outcome?.type === 'done' && outcome.result.repair ? <Outcome record={outcome.result.repair} onContinue={onContinue} /> : null}
      {outcome && outcome.type !== 'done' ? <p className="h2k-muted">The job ended before the repair: see the Run step.</p> : null}
    </div>
  );
}

/** What a repair did, as the report viewer shows it (the report made right after the repair carries it). */
export function RepairRecordView({ record }: { record: RepairRecord }): ReactNode {
  const view = outcomeView(record);
  return (
    <div className="h2k-stack" data-testid="report-repair">
      <Alert variant={view.variant} isInline title={view.headline} />
      {record.plan.warnings?.map((w) => (
        <Alert key={w.code} variant="warning" isInline title={w.message} data-testid="repair-warning">
          {w.hint}
        </Alert>
      ))}
      {view.applied.map((fix) => (
        <div key={fix.id} className="h2k-repair-fix" data-testid="repair-applied" data-fix={fix.id}>
          <strong>{fix.title}</strong>
          <FixBody fix={fix} />
        </div>
      ))}
      {view.notApplied.length ? (
        <ExpandableSection toggleText={`Not applied (${view.notApplied.length})`}>
          {view.notApplied.map((fix) => (
            <p key={fix.id}>
              <strong>{fix.title}</strong>: {fix.reason}
            </p>
          ))}
        </ExpandableSection>
      ) : null}
    </div>
  );
}
