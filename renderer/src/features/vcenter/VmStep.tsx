import { useRef, useState } from 'react';
import type { ReactNode, RefObject } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  ExpandableSection,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  InputGroup,
  InputGroupItem,
  InputGroupText,
  Label,
  List,
  ListItem,
  Spinner,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { useAppStore } from '../../app/app-store';
import { ErrorAlert } from '../../components/ErrorAlert';
import { DestinationFolderField } from '../../components/DestinationFolderField';
import { FileBrowser } from '../../components/FileBrowser';
import { OutputFormatFields } from '../../components/OutputFormatFields';
import { RepairOptionsFields } from '../repair';
import { nameProblem, outDirProblem } from '../convert/options';
import { POWER_TEXT } from './inventory-model';
import { limitProblem, startProblems, toPreflightRequest } from './migrate-options';
import { ActionDialog, PreflightPanel } from './PreflightPanel';
import { countsText, summarizeSelection, verdictOf } from './preflight-model';
import type { VmVerdict } from './preflight-model';
import { goTo, openVm, startMigration, updateMigrateDraft, useVcenterStore } from './store';
import { VmDetailsView } from './VmDetailsView';

function MigrateForm({ vmId, onBrowse, nameInput }: { vmId: string; onBrowse: () => void; nameInput: RefObject<HTMLInputElement | null> }): ReactNode {
  const draft = useVcenterStore((s) => s.migrateDraft);
  const connection = useVcenterStore((s) => s.connection);
  const preflight = useVcenterStore((s) => s.preflights.get(vmId));
  const starting = useVcenterStore((s) => s.starting);
  const startError = useVcenterStore((s) => s.startError);
  if (!draft || !connection) return null;
  const name = nameProblem(draft.name);
  const outDir = outDirProblem(draft.outDir);
  const limit = limitProblem(draft.limitMBps);
  const problems = startProblems(draft, preflight ?? { status: 'idle' }, toPreflightRequest(connection.connectionId, vmId, draft));

  return (
    <div className="h2k-stack" data-testid="migrate-form">
      <Form
        isHorizontal
        onSubmit={(e) => {
          e.preventDefault();
          if (problems.length === 0) void startMigration();
        }}
      >
        <DestinationFolderField
          id="vc-out-dir"
          value={draft.outDir}
          problem={outDir}
          hint="The disks are downloaded and converted here (created if it does not exist yet)."
          onChange={(v) => updateMigrateDraft({ outDir: v })}
          onBrowse={onBrowse}
          testId="migrate-out-dir"
          browseTestId="migrate-browse"
        />
        <FormGroup label="Name" fieldId="vc-name" isRequired>
          <TextInput id="vc-name" ref={nameInput} value={draft.name} onChange={(_e, v) => updateMigrateDraft({ name: v })} validated={name ? 'error' : 'default'} data-testid="migrate-name" />
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant={name ? 'error' : 'default'} data-testid="migrate-name-help">
                {name ?? `Outputs become ${draft.name}.${draft.format} (with -disk2, -disk3… for more disks); also the libvirt domain's name.`}
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        </FormGroup>
        <OutputFormatFields idPrefix="vc-" format={draft.format} compress={draft.compress} onChange={updateMigrateDraft} />
        <FormGroup fieldId="vc-overwrite" label="Existing files">
          <Checkbox id="vc-overwrite" label="Replace outputs that already exist" isChecked={draft.overwrite} onChange={(_e, v) => updateMigrateDraft({ overwrite: v })} data-testid="migrate-overwrite" />
        </FormGroup>
        <FormGroup fieldId="vc-limit" label="Bandwidth limit">
          <InputGroup>
            <InputGroupItem>
              <TextInput id="vc-limit" value={draft.limitMBps} onChange={(_e, v) => updateMigrateDraft({ limitMBps: v })} placeholder="none" validated={limit ? 'error' : 'default'} style={{ width: '8rem' }} data-testid="migrate-limit" />
            </InputGroupItem>
            <InputGroupItem isPlain>
              <InputGroupText>MiB/s for all disks together</InputGroupText>
            </InputGroupItem>
          </InputGroup>
          {limit ? (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error">{limit}</HelperTextItem>
              </HelperText>
            </FormHelperText>
          ) : null}
        </FormGroup>
        <FormGroup fieldId="vc-keep" label="Downloads">
          <Checkbox id="vc-keep" label="Keep the downloaded VMware files after a successful conversion" isChecked={draft.keepDownloads} onChange={(_e, v) => updateMigrateDraft({ keepDownloads: v })} />
        </FormGroup>
        <RepairOptionsFields idPrefix="vc-" draft={draft} onChange={updateMigrateDraft} />
      </Form>
      {startError ? <ErrorAlert error={startError} title="The migration could not start" /> : null}
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Button variant="secondary" onClick={() => goTo('inventory')}>
          Back to the inventory
        </Button>
        <Button variant="primary" isDisabled={problems.length > 0 || starting} isLoading={starting} onClick={() => void startMigration()} data-testid="migrate-start">
          Start migration
        </Button>
      </Flex>
      {problems.length > 0 && preflight?.status !== 'loading' ? (
        <HelperText data-testid="migrate-disabled-reasons">
          <HelperTextItem variant="warning">
            Start is disabled until {problems.length === 1 ? 'this is' : 'these are'} fixed:
            <List>
              {problems.map((p) => (
                <ListItem key={p}>{p}</ListItem>
              ))}
            </List>
          </HelperTextItem>
        </HelperText>
      ) : null}
    </div>
  );
}

function OneVm({ vmId }: { vmId: string }): ReactNode {
  const details = useVcenterStore((s) => s.details);
  const preflight = useVcenterStore((s) => s.preflights.get(vmId));
  const outDir = useVcenterStore((s) => s.migrateDraft?.outDir ?? '');
  const defaultOutDir = useAppStore((s) => s.info?.defaultOutDir ?? '/');
  const [browsing, setBrowsing] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const vmName = details.status === 'ready' ? details.result.vm.name : preflight?.status === 'ready' ? preflight.report.vm.name : vmId;

  const fields = {
    chooseDestination: () => setBrowsing(true),
    chooseName: () => {
      nameInput.current?.focus();
      nameInput.current?.select();
    },
  };

  return (
    <div className="h2k-stack">
      <Title headingLevel="h2" data-testid="vm-title">
        {vmName}
      </Title>
      <Card isCompact>
        <CardTitle>What vCenter says about it</CardTitle>
        <CardBody>
          {details.status === 'loading' ? (
            <Flex alignItems={{ default: 'alignItemsCenter' }}>
              <Spinner size="md" aria-label="Loading" /> <span>Reading the VM's configuration…</span>
            </Flex>
          ) : null}
          {details.status === 'error' ? <ErrorAlert error={details.error} title="The VM's details could not be read" actions={[{ label: 'Try again', onClick: () => void openVm(vmId) }]} /> : null}
          {details.status === 'ready' ? <VmDetailsView result={details.result} /> : null}
        </CardBody>
      </Card>
      <div className="h2k-vc-two">
        <Card isCompact>
          <CardTitle>Pre-flight checks</CardTitle>
          <CardBody>
            <PreflightPanel vmId={vmId} vmName={vmName} state={preflight} fields={fields} />
          </CardBody>
        </Card>
        <Card isCompact>
          <CardTitle>Migration</CardTitle>
          <CardBody>
            <MigrateForm vmId={vmId} onBrowse={() => setBrowsing(true)} nameInput={nameInput} />
          </CardBody>
        </Card>
      </div>
      <FileBrowser
        isOpen={browsing}
        mode="folder"
        title="Choose the destination folder"
        startPath={outDir || defaultOutDir}
        onClose={() => setBrowsing(false)}
        onPick={(path) => {
          setBrowsing(false);
          updateMigrateDraft({ outDir: path });
        }}
      />
    </div>
  );
}

const VERDICT: Record<VmVerdict, { text: string; color: 'blue' | 'green' | 'orange' | 'red' | 'grey' }> = {
  checking: { text: 'checking…', color: 'grey' },
  ready: { text: 'ready', color: 'green' },
  warnings: { text: 'ready, with warnings', color: 'orange' },
  blocked: { text: 'blocked', color: 'red' },
  failed: { text: 'check failed', color: 'red' },
};

/** Several VMs at once: how many can go now, what blocks the others, each one's items. */
function Selection({ vmIds }: { vmIds: string[] }): ReactNode {
  const preflights = useVcenterStore((s) => s.preflights);
  const summary = summarizeSelection(vmIds, preflights);
  return (
    <div className="h2k-stack" data-testid="selection-preflight">
      <Title headingLevel="h2">Pre-flight of {vmIds.length} VMs</Title>
      <Flex data-testid="selection-summary">
        <Label color="green">{summary.ready + summary.warnings} ready</Label>
        <Label color="red">{summary.blocked} blocked</Label>
        {summary.failed > 0 ? <Label color="red">{summary.failed} not checked</Label> : null}
        {summary.checking > 0 ? (
          <Label color="grey">
            <Spinner size="sm" aria-label="Checking" /> {summary.checking} checking
          </Label>
        ) : null}
      </Flex>
      {summary.commonBlockers.length > 0 ? (
        <List data-testid="selection-blockers">
          {summary.commonBlockers.map((b) => (
            <ListItem key={b.id}>
              <strong>{b.title}</strong>: {b.vms} VM{b.vms === 1 ? '' : 's'}
            </ListItem>
          ))}
        </List>
      ) : null}
      {vmIds.map((vmId) => {
        const state = preflights.get(vmId);
        const verdict = VERDICT[verdictOf(state)];
        const name = state?.status === 'ready' ? state.report.vm.name : vmId;
        return (
          <ExpandableSection
            key={vmId}
            toggleContent={
              <span data-testid="selection-vm" data-vm-id={vmId} data-verdict={verdictOf(state)}>
                <strong>{name}</strong>{' '}
                {state?.status === 'ready' ? <span className="h2k-muted">{POWER_TEXT[state.report.vm.powerState]} · {countsText(state.report.counts)} </span> : null}
                <Label isCompact color={verdict.color}>
                  {verdict.text}
                </Label>
              </span>
            }
          >
            <PreflightPanel vmId={vmId} vmName={name} state={state} fields={null} />
            <Button variant="link" onClick={() => void openVm(vmId)}>
              Open {name} to migrate it
            </Button>
          </ExpandableSection>
        );
      })}
      <Button variant="secondary" onClick={() => goTo('inventory')}>
        Back to the inventory
      </Button>
    </div>
  );
}

export function VmStep(): ReactNode {
  const focus = useVcenterStore((s) => s.focus);
  if (!focus) return null;
  return (
    <>
      {focus.kind === 'vm' ? <OneVm key={focus.vmId} vmId={focus.vmId} /> : <Selection vmIds={focus.vmIds} />}
      <ActionDialog />
    </>
  );
}
