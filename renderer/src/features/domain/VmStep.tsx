import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  ClipboardCopy,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Radio,
  Spinner,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Confirm } from '../../components/Confirm';
import { ErrorAlert } from '../../components/ErrorAlert';
import { draftProblems, placementText, suggestedName } from './domain-draft';
import type { DomainDraft, VmTarget } from './domain-draft';
import { noOsWarning } from './guest-evidence';
import { definedResult, verifying } from './vm-flow';
import type { VmFlow } from './vm-flow';
import './domain.css';

function HelpOrProblem({ problem, help, testId }: { problem: string | undefined; help?: string; testId?: string }): ReactNode {
  if (!problem && !help) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={problem ? 'error' : 'default'} data-testid={testId}>
          {problem ?? help}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

function Select<T extends string>({ id, value, options, onChange, testId }: { id: string; value: T; options: ReadonlyArray<[T, string]>; onChange: (value: T) => void; testId?: string }): ReactNode {
  return (
    <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v as T)} data-testid={testId} aria-label={id}>
      {options.map(([v, label]) => (
        <FormSelectOption key={v} value={v} label={label} />
      ))}
    </FormSelect>
  );
}

function NetworkFields({ flow, draft }: { flow: VmFlow; draft: DomainDraft }): ReactNode {
  const networks = flow.useStore((s) => s.networks);
  const problems = draftProblems(draft);
  const known = networks?.map((n) => n.name) ?? [];
  const choices = known.includes(draft.networkName) || draft.networkName === '' ? known : [draft.networkName, ...known];
  const inactive = draft.networkKind === 'network' && networks?.find((n) => n.name === draft.networkName.trim())?.active === false;
  return (
    <FormGroup label="Network" fieldId="vm-network-kind">
      <div className={draft.networkKind === 'none' ? undefined : 'h2k-field-pair'}>
        <Select
          id="vm-network-kind"
          value={draft.networkKind}
          options={[
            ['network', 'libvirt network'],
            ['bridge', 'host bridge'],
            ['none', 'no network'],
          ]}
          onChange={(networkKind) => flow.updateDraft({ networkKind })}
          testId="vm-network-kind"
        />
        {draft.networkKind === 'network' && choices.length > 0 ? (
          <Select id="vm-network-name" value={draft.networkName} options={choices.map((n) => [n, networks?.find((x) => x.name === n)?.active === false ? `${n} (not started)` : n] as [string, string])} onChange={(networkName) => flow.updateDraft({ networkName })} testId="vm-network-name" />
        ) : null}
        {draft.networkKind === 'network' && choices.length === 0 ? <TextInput id="vm-network-name" aria-label="libvirt network" value={draft.networkName} onChange={(_e, networkName) => flow.updateDraft({ networkName })} data-testid="vm-network-name" /> : null}
        {draft.networkKind === 'bridge' ? <TextInput id="vm-bridge-name" aria-label="Host bridge" placeholder="br0" value={draft.bridgeName} onChange={(_e, bridgeName) => flow.updateDraft({ bridgeName })} data-testid="vm-bridge-name" /> : null}
      </div>
      <HelpOrProblem problem={problems.networkName ?? problems.bridgeName} help={draft.networkKind === 'network' && networks?.length === 0 ? 'This connection has no libvirt network yet: type the name of one you will create.' : undefined} />
      {inactive ? (
        <FormHelperText>
          <HelperText>
            <HelperTextItem variant="warning" data-testid="vm-network-inactive">
              The libvirt network “{draft.networkName}” is not started: the VM will not start until it is (virsh -c {draft.connection} net-start {draft.networkName}; net-autostart to keep it so), or choose
              another network.
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      ) : null}
    </FormGroup>
  );
}

function DomainForm({ flow, draft }: { flow: VmFlow; draft: DomainDraft }): ReactNode {
  const preview = flow.useStore((s) => s.preview);
  const spec = preview.status === 'ready' ? preview.plan.spec : null;
  const problems = draftProblems(draft);
  const update = flow.updateDraft;
  return (
    <Form isHorizontal onSubmit={(e) => e.preventDefault()} data-testid="vm-form">
      <FormGroup label="Name" fieldId="vm-name">
        <TextInput id="vm-name" value={draft.name} placeholder={spec?.name ?? ''} onChange={(_e, name) => update({ name })} validated={problems.name ? 'error' : 'default'} data-testid="vm-name" />
        <HelpOrProblem problem={problems.name} help={draft.name ? undefined : 'Empty: named after the source VM.'} testId="vm-name-help" />
      </FormGroup>
      <FormGroup label="Memory (MiB)" fieldId="vm-memory">
        <TextInput id="vm-memory" inputMode="numeric" value={draft.memoryMiB} placeholder={spec ? String(spec.memoryMiB) : ''} onChange={(_e, memoryMiB) => update({ memoryMiB })} validated={problems.memoryMiB ? 'error' : 'default'} data-testid="vm-memory" />
        <HelpOrProblem problem={problems.memoryMiB} />
      </FormGroup>
      <FormGroup label="vCPUs" fieldId="vm-vcpus">
        <TextInput id="vm-vcpus" inputMode="numeric" value={draft.vcpus} placeholder={spec ? String(spec.vcpus.sockets * spec.vcpus.cores * spec.vcpus.threads) : ''} onChange={(_e, vcpus) => update({ vcpus })} validated={problems.vcpus ? 'error' : 'default'} data-testid="vm-vcpus" />
        <HelpOrProblem problem={problems.vcpus} />
      </FormGroup>
      <FormGroup label="Firmware" role="radiogroup" fieldId="vm-firmware" isInline>
        <Radio id="vm-firmware-bios" name="vm-firmware" label="BIOS" isChecked={draft.firmware === 'bios'} onChange={() => update({ firmware: 'bios' })} />
        <Radio id="vm-firmware-uefi" name="vm-firmware" label="UEFI (OVMF)" isChecked={draft.firmware === 'uefi'} onChange={() => update({ firmware: 'uefi' })} />
        <Checkbox id="vm-secure-boot" label="Secure boot" isChecked={draft.firmware === 'uefi' && draft.secureBoot} isDisabled={draft.firmware !== 'uefi'} onChange={(_e, secureBoot) => update({ secureBoot })} />
      </FormGroup>
      <FormGroup label="Machine" fieldId="vm-machine">
        <Select
          id="vm-machine"
          value={draft.machine}
          options={[
            ['auto', spec ? `automatic (${spec.machine})` : 'automatic'],
            ['q35', 'q35 (PCI Express)'],
            ['i440fx', 'i440fx (older guests)'],
          ]}
          onChange={(machine) => update({ machine })}
        />
      </FormGroup>
      <FormGroup label="Disk bus" fieldId="vm-disk-bus">
        <Select
          id="vm-disk-bus"
          value={draft.diskBus}
          options={[
            ['auto', spec ? `automatic (${spec.disks[0]?.bus ?? 'virtio'})` : 'automatic'],
            ['virtio', 'virtio'],
            ['sata', 'SATA (no virtio drivers needed)'],
            ['scsi', 'SCSI (virtio-scsi)'],
          ]}
          onChange={(diskBus) => update({ diskBus })}
          testId="vm-disk-bus"
        />
      </FormGroup>
      <NetworkFields flow={flow} draft={draft} />
      {draft.networkKind !== 'none' ? (
        <FormGroup label="NIC" fieldId="vm-nic-model">
          <Select
            id="vm-nic-model"
            value={draft.nicModel}
            options={[
              ['auto', spec?.nics[0] ? `automatic (${spec.nics[0].model})` : 'automatic'],
              ['virtio', 'virtio-net'],
              ['e1000e', 'e1000e (no drivers needed)'],
            ]}
            onChange={(nicModel) => update({ nicModel })}
            testId="vm-nic-model"
          />
          <Checkbox id="vm-keep-mac" label="Keep the source MAC address" isChecked={draft.keepMac} onChange={(_e, keepMac) => update({ keepMac })} className="h2k-field-below" />
        </FormGroup>
      ) : null}
      <FormGroup label="Connection" role="radiogroup" fieldId="vm-connection" isInline>
        <Radio id="vm-connection-session" name="vm-connection" label="qemu:///session" description="Your own VMs" isChecked={draft.connection === 'qemu:///session'} onChange={() => update({ connection: 'qemu:///session' })} />
        <Radio id="vm-connection-system" name="vm-connection" label="qemu:///system" description="System VMs (libvirt's own rights)" isChecked={draft.connection === 'qemu:///system'} onChange={() => update({ connection: 'qemu:///system' })} />
      </FormGroup>
      <FormGroup label="Disks" fieldId="vm-placement">
        <Select
          id="vm-placement"
          value={draft.placement}
          options={[
            ['default', draft.connection === 'qemu:///system' ? 'automatic (move)' : 'automatic (leave in place)'],
            ['in-place', 'leave in place'],
            ['move', 'move to /var/lib/libvirt/images'],
            ['copy', 'copy to /var/lib/libvirt/images'],
          ]}
          onChange={(placement) => update({ placement })}
          testId="vm-placement"
        />
        <HelpOrProblem problem={undefined} help={placementText(draft)} />
      </FormGroup>
      <FormGroup label="Name taken" fieldId="vm-rename">
        <Checkbox id="vm-rename" label="Use the next free name (NAME-2, NAME-3…) instead of stopping" isChecked={draft.renameIfTaken} onChange={(_e, renameIfTaken) => update({ renameIfTaken })} data-testid="vm-rename" />
      </FormGroup>
    </Form>
  );
}

function PlanPreview({ flow }: { flow: VmFlow }): ReactNode {
  const preview = flow.useStore((s) => s.preview);
  if (preview.status === 'idle') return null;
  if (preview.status === 'loading') {
    return (
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <Spinner size="md" aria-label="Planning the domain" /> <span>Planning the domain…</span>
      </Flex>
    );
  }
  if (preview.status === 'error') return <ErrorAlert error={preview.error} title="The domain could not be planned" />;
  const { plan } = preview;
  return (
    <div className="h2k-stack" data-testid="vm-plan">
      {plan.warnings.map((w) => (
        <Alert key={w} variant="warning" isInline isPlain title={w} data-testid="vm-warning" />
      ))}
      <Table variant="compact" aria-label="Why the domain looks like this" data-testid="vm-decisions">
        <Thead>
          <Tr>
            <Th>Setting</Th>
            <Th>Choice</Th>
            <Th>Because</Th>
          </Tr>
        </Thead>
        <Tbody>
          {plan.decisions.map((d) => (
            <Tr key={d.field} data-testid="vm-decision" data-field={d.field}>
              <Td dataLabel="Setting">{d.field}</Td>
              <Td dataLabel="Choice">
                <strong>{d.value}</strong>
              </Td>
              <Td dataLabel="Because">{d.because}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <Title headingLevel="h3" size="md">
        Domain XML <span className="h2k-muted">(read-only preview)</span>
      </Title>
      <CodeBlock className="h2k-xml">
        <CodeBlockCode data-testid="domain-xml">{plan.xml}</CodeBlockCode>
      </CodeBlock>
    </div>
  );
}

function DefineOutcome({ flow, onVerify }: { flow: VmFlow; onVerify: () => void }): ReactNode {
  const define = flow.useStore((s) => s.define);
  const removed = flow.useStore((s) => s.removed);
  const undefining = flow.useStore((s) => s.undefining);
  const undefineError = flow.useStore((s) => s.undefineError);
  const busy = flow.useStore(verifying);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const outcome = define?.outcome;
  if (!outcome) return null;
  if (outcome.type === 'failed') {
    const suggestion = outcome.error.code === 'LIBVIRT_NAME_TAKEN' ? suggestedName(outcome.error.evidence?.details) : null;
    return <ErrorAlert error={outcome.error} title="The VM was not defined" actions={suggestion ? [{ label: `Use the name ${suggestion}`, onClick: () => flow.updateDraft({ name: suggestion }) }] : []} />;
  }
  if (outcome.type === 'cancelled') return <Alert variant="info" isInline title="Defining was cancelled; nothing was left behind." />;
  const r = outcome.result;
  if (removed) {
    return (
      <Alert variant="info" isInline title={`The VM "${removed}" was removed from ${r.connection}`} data-testid="vm-removed">
        Its disks were kept: {r.disks.map((d) => d.path).join(', ')}
      </Alert>
    );
  }
  return (
    <Alert variant="success" isInline title={`Defined "${r.name}" on ${r.connection}${r.renamed ? ' (the name you asked for was taken)' : ''}`} data-testid="define-result" data-name={r.name}>
      <DescriptionList isHorizontal isCompact>
        <DescriptionListGroup>
          <DescriptionListTerm>UUID</DescriptionListTerm>
          <DescriptionListDescription>
            <code>{r.uuid}</code>
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Disks</DescriptionListTerm>
          <DescriptionListDescription>
            {r.disks.map((d) => (
              <div key={d.path} data-testid="defined-disk" data-placement={d.placement}>
                <code>{d.path}</code> {d.placement === 'in-place' ? null : <span className="h2k-muted">({d.placement === 'move' ? 'moved' : 'copied'} from {d.from})</span>}
              </div>
            ))}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Domain XML</DescriptionListTerm>
          <DescriptionListDescription>
            <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied">
              {r.xmlPath}
            </ClipboardCopy>
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Start it</DescriptionListTerm>
          <DescriptionListDescription>
            <code>
              virsh -c {r.connection} start {r.name}
            </code>
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
      <Flex className="h2k-define-actions">
        <Button variant="primary" onClick={onVerify} data-testid="define-to-verify">
          Verify that it boots
        </Button>
        <Button variant="link" isDanger onClick={() => setConfirmRemove(true)} isLoading={undefining} isDisabled={undefining || busy} data-testid="undefine">
          Remove this VM (keep its disks)
        </Button>
      </Flex>
      {undefineError ? <ErrorAlert error={undefineError} title="The VM could not be removed" /> : null}
      <Confirm
        open={confirmRemove}
        title={`Remove the VM "${r.name}"?`}
        body={`Its definition is removed from ${r.connection} (with its UEFI variables, if any). Its disks are kept: ${r.disks.map((d) => d.path).join(', ')}.`}
        yes="Remove the VM"
        no="Keep it"
        testId="undefine-confirm"
        onYes={() => {
          setConfirmRemove(false);
          void flow.undefine();
        }}
        onNo={() => setConfirmRemove(false)}
      />
    </Alert>
  );
}

/** What the inspection of the disks said about the guest, or that nothing was checked. */
function GuestEvidenceLine({ target }: { target: VmTarget }): ReactNode {
  const guest = target.guest;
  if (guest.kind === 'inspected' && guest.noOs) {
    return (
      <Alert variant="warning" isInline title="The inspection found no operating system on these disks" data-testid="vm-guest-evidence" data-evidence="no-os">
        A VM made from them has nothing to boot. Defining and verifying ask first.
      </Alert>
    );
  }
  return (
    <p className="h2k-muted" data-testid="vm-guest-evidence" data-evidence={guest.kind}>
      {guest.kind === 'inspected' ? `Guest: ${guest.osName ?? 'unknown'} (from the inspection of these disks).` : `The guest was not inspected (${guest.why}): the reasons below say what was not checked.`}
    </p>
  );
}

/** Create VM: the domain's options, why it looks as it does, the XML it will be, and Define. */
export function VmStep({ flow, onVerify, onBack, backLabel = 'Back' }: { flow: VmFlow; onVerify: () => void; onBack?: () => void; backLabel?: string }): ReactNode {
  const target = flow.useStore((s) => s.target);
  const draft = flow.useStore((s) => s.draft);
  const preview = flow.useStore((s) => s.preview);
  const defineStarting = flow.useStore((s) => s.defineStarting);
  const defineStartError = flow.useStore((s) => s.defineStartError);
  const running = flow.useStore((s) => s.define !== null && s.define.outcome === null);
  const defined = flow.useStore(definedResult);
  const busy = flow.useStore(verifying);
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    void flow.loadNetworks();
    flow.schedulePreview(0);
  }, [flow]);

  if (!target || !draft) return null;
  const problems = Object.values(draftProblems(draft));
  const warning = noOsWarning(target.guest, 'define');
  const canDefine = problems.length === 0 && preview.status === 'ready' && !defineStarting && !running && !busy && defined === null;

  return (
    <div className="h2k-stack" data-testid="vm-step">
      <Title headingLevel="h2">Create a VM</Title>
      <p>
        For {target.disks.length === 1 ? 'the disk' : `${target.disks.length} disks:`}{' '}
        {target.disks.map((d, i) => (
          <span key={d.path}>
            {i > 0 ? ', ' : ''}
            <code data-testid="vm-disk">{d.path}</code> <span className="h2k-muted">({d.format})</span>
          </span>
        ))}
        {target.vm.origin !== 'none' ? <span className="h2k-muted"> — settings from the source VM ({target.vm.origin.toUpperCase()})</span> : null}
      </p>
      <GuestEvidenceLine target={target} />
      <DomainForm flow={flow} draft={draft} />
      <PlanPreview flow={flow} />
      {defineStartError ? <ErrorAlert error={defineStartError} title="The VM could not be defined" /> : null}
      <DefineOutcome flow={flow} onVerify={onVerify} />
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        {onBack ? (
          <Button variant="secondary" onClick={onBack}>
            {backLabel}
          </Button>
        ) : null}
        <Button variant="primary" onClick={() => (warning ? setAsking(true) : void flow.define())} isDisabled={!canDefine} isLoading={defineStarting || running} data-testid="define">
          {defineStarting || running ? 'Defining…' : 'Define the VM'}
        </Button>
        {/* Once defined, the success alert leads on to the verification: one button, not two. */}
        {defined ? null : (
          <Button variant="secondary" onClick={onVerify} isDisabled={defineStarting || running} data-testid="to-verify">
            Verify boot without defining
          </Button>
        )}
      </Flex>
      <Confirm
        open={asking && warning !== null}
        title="Define a VM without an operating system?"
        body={warning}
        yes="Define anyway"
        no="Do not define"
        testId="define-confirm"
        onYes={() => {
          setAsking(false);
          void flow.define();
        }}
        onNo={() => setAsking(false)}
      />
    </div>
  );
}
