import { useState } from 'react';
import type { ReactNode } from 'react';
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, ExpandableSection, Label, Tab, Tabs, TabTitleText } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { VmDetailsResult } from '../../../../shared/contract/api/vcenter';
import { formatBytes } from '../../../../shared/format';
import { PathText } from '../../components/PathText';
import { POWER_TEXT } from './inventory-model';
import { cpuText, diskRows, fileSummary, firmwareText, memoryText, snapshotLines, toolsText } from './vm-view';
import type { FileSummary } from './vm-view';

function Fact({ term, testId, children }: { term: string; testId?: string; children: ReactNode }): ReactNode {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription data-testid={testId}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function Summary({ vm }: { vm: VmDetailsResult['vm'] }): ReactNode {
  return (
    <DescriptionList isHorizontal isCompact columnModifier={{ lg: '2Col', xl: '3Col' }} data-testid="vm-summary">
      <Fact term="Power state" testId="vm-power">
        <span className={`h2k-vc-power h2k-vc-power--${vm.powerState}`} />
        {POWER_TEXT[vm.powerState]}
      </Fact>
      <Fact term="Guest OS" testId="vm-guest">
        {vm.guestFullName ?? vm.guestId ?? 'Not reported'}
        {vm.guestId && vm.guestFullName && vm.guestId !== vm.guestFullName ? <span className="h2k-muted"> ({vm.guestId})</span> : null}
      </Fact>
      <Fact term="CPU" testId="vm-cpu">
        {cpuText(vm) ?? 'Not reported'}
      </Fact>
      <Fact term="Memory" testId="vm-memory">
        {memoryText(vm.memoryMiB) ?? 'Not reported'}
      </Fact>
      <Fact term="Firmware" testId="vm-firmware">
        {firmwareText(vm)}
      </Fact>
      <Fact term="VMware Tools" testId="vm-tools">
        {toolsText(vm.toolsRunningStatus)}
      </Fact>
      <Fact term="Host">{[vm.host, vm.cluster, vm.datacenter].filter(Boolean).join(' · ') || 'Not reported'}</Fact>
      <Fact term="Folder">{vm.folderPath ?? 'Not reported'}</Fact>
      {vm.ipAddresses.length > 0 ? <Fact term="IP addresses">{vm.ipAddresses.join(', ')}</Fact> : null}
      {vm.vmPathName ? (
        <Fact term="Configuration">
          <code>{vm.vmPathName}</code>
        </Fact>
      ) : null}
      {vm.instanceUuid ? (
        <Fact term="Instance UUID">
          <code>{vm.instanceUuid}</code>
        </Fact>
      ) : null}
      {vm.template ? <Fact term="Template">yes</Fact> : null}
    </DescriptionList>
  );
}

function Disks({ vm }: { vm: VmDetailsResult['vm'] }): ReactNode {
  const rows = diskRows(vm.disks);
  if (rows.length === 0) return <p className="h2k-muted">No virtual disks.</p>;
  return (
    <Table variant="compact" aria-label="Disks" data-testid="vm-disks">
      <Thead>
        <Tr>
          <Th modifier="fitContent">Disk</Th>
          <Th modifier="wrap">File</Th>
          <Th modifier="fitContent">Capacity</Th>
          <Th modifier="fitContent">Provisioning</Th>
          <Th modifier="fitContent">Mode</Th>
          <Th modifier="fitContent">Slot</Th>
          <Th modifier="fitContent">Chain</Th>
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((d) => (
          <Tr key={d.key} data-testid="vm-disk">
            <Td dataLabel="Disk">
              {d.label}
              {d.flags.map((f) => (
                <Label key={f} isCompact color="orange" className="pf-v6-u-ml-xs">
                  {f}
                </Label>
              ))}
            </Td>
            <Td dataLabel="File">
              <PathText path={d.fileName} />
            </Td>
            <Td dataLabel="Capacity" data-testid="vm-disk-capacity">
              {d.capacity}
            </Td>
            <Td dataLabel="Provisioning">{d.provisioning}</Td>
            <Td dataLabel="Mode">{d.mode}</Td>
            <Td dataLabel="Slot">{d.slot}</Td>
            <Td dataLabel="Chain">{d.chain}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function Nics({ vm }: { vm: VmDetailsResult['vm'] }): ReactNode {
  if (vm.nics.length === 0) return <p className="h2k-muted">No network adapters.</p>;
  return (
    <Table variant="compact" aria-label="Network adapters" data-testid="vm-nics">
      <Thead>
        <Tr>
          <Th modifier="fitContent">Adapter</Th>
          <Th modifier="fitContent">Type</Th>
          <Th modifier="fitContent">MAC address</Th>
          <Th modifier="wrap">Network</Th>
          <Th modifier="fitContent">Connected</Th>
        </Tr>
      </Thead>
      <Tbody>
        {vm.nics.map((n) => (
          <Tr key={n.key} data-testid="vm-nic">
            <Td dataLabel="Adapter">{n.label}</Td>
            <Td dataLabel="Type">{n.adapterType}</Td>
            <Td dataLabel="MAC address">
              {n.mac ? <code className="h2k-nowrap">{n.mac}</code> : 'none'}
              {n.addressType ? <span className="h2k-muted"> ({n.addressType})</span> : null}
            </Td>
            <Td dataLabel="Network">{n.network ?? ''}</Td>
            <Td dataLabel="Connected">{n.connected === undefined ? '' : n.connected ? 'yes' : 'no'}{n.startConnected === false ? ' (not at power on)' : ''}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function Snapshots({ vm }: { vm: VmDetailsResult['vm'] }): ReactNode {
  const lines = snapshotLines(vm.snapshots, vm.currentSnapshot);
  if (lines.length === 0) return <p className="h2k-muted" data-testid="vm-snapshots-none">No snapshots.</p>;
  return (
    <ul className="h2k-vc-snapshot" data-testid="vm-snapshots" style={{ listStyle: 'none', paddingLeft: 0 }}>
      {lines.map((s) => (
        <li key={s.id} style={{ paddingLeft: `${s.depth * 1.25}rem` }} data-testid="vm-snapshot" data-current={s.current}>
          {s.depth > 0 ? '└ ' : ''}
          <strong>{s.name}</strong>
          {s.current ? (
            <>
              {' '}
              <Label isCompact color="blue">
                you are here
              </Label>
            </>
          ) : null}
          {s.createdAt ? <span className="h2k-muted"> {s.createdAt.replace('T', ' ').slice(0, 19)}</span> : null}
          {s.description ? <span className="h2k-muted"> — {s.description}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function FileTable({ files, label, testId }: { files: FileSummary['files']; label: string; testId: string }): ReactNode {
  return (
    <Table variant="compact" aria-label={label} data-testid={testId}>
      <Thead>
        <Tr>
          <Th>File</Th>
          <Th modifier="nowrap">Type</Th>
          <Th modifier="nowrap">Size</Th>
          <Th modifier="nowrap">Migration</Th>
        </Tr>
      </Thead>
      <Tbody>
        {files.map((f) => (
          <Tr key={f.name} data-testid="vm-file" data-name={f.name} data-use={f.use}>
            <Td dataLabel="File">
              <PathText path={f.name} />
            </Td>
            <Td dataLabel="Type">{f.typeText}</Td>
            <Td dataLabel="Size" className="h2k-nowrap">
              {f.size}
            </Td>
            <Td dataLabel="Migration" className={f.use === 'downloaded' ? undefined : 'h2k-muted'}>
              {f.useText}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/**
 * The VM's files, each once: those its disks use (what a migration downloads) and the others;
 * disk files vCenter still lists but no disk uses (stale entries) are kept apart, folded away.
 */
function Files({ vm }: { vm: VmDetailsResult['vm'] }): ReactNode {
  const summary = fileSummary(vm.files, vm.downloads);
  const listed = summary.files.filter((f) => f.use !== 'unused-disk-file');
  const unused = summary.files.filter((f) => f.use === 'unused-disk-file');
  return (
    <div className="h2k-stack">
      <p data-testid="vm-files-total">
        {listed.length} files, {formatBytes(summary.totalBytes)} in all; the disks' files (what a migration downloads): {formatBytes(summary.diskBytes)}.
      </p>
      <FileTable files={listed} label="Files" testId="vm-files" />
      {unused.length > 0 ? (
        <ExpandableSection toggleText={`${unused.length} more disk file${unused.length === 1 ? '' : 's'} that vCenter lists but no disk of this VM uses`} data-testid="vm-files-unused">
          <FileTable files={unused} label="Disk files no disk uses" testId="vm-files-unused-table" />
        </ExpandableSection>
      ) : null}
    </div>
  );
}

/** Everything vCenter says about one VM, in tabs: the summary is what most people need. */
export function VmDetailsView({ result }: { result: VmDetailsResult }): ReactNode {
  const [tab, setTab] = useState<string | number>('summary');
  const vm = result.vm;
  const snapshotCount = snapshotLines(vm.snapshots, vm.currentSnapshot).length;
  return (
    <div data-testid="vm-details" data-vm-id={vm.id}>
      <Tabs activeKey={tab} onSelect={(_e, key) => setTab(key)} aria-label="VM details" mountOnEnter>
        <Tab eventKey="summary" title={<TabTitleText>Hardware</TabTitleText>} data-testid="vm-tab-summary">
          <div className="h2k-stack" style={{ paddingTop: '1rem' }}>
            <Summary vm={vm} />
            <Disks vm={vm} />
            <Nics vm={vm} />
          </div>
        </Tab>
        <Tab eventKey="snapshots" title={<TabTitleText>Snapshots ({snapshotCount})</TabTitleText>} data-testid="vm-tab-snapshots">
          <div style={{ paddingTop: '1rem' }}>
            <Snapshots vm={vm} />
          </div>
        </Tab>
        <Tab eventKey="files" title={<TabTitleText>Files ({fileSummary(vm.files, vm.downloads).files.filter((f) => f.use !== 'unused-disk-file').length})</TabTitleText>} data-testid="vm-tab-files">
          <div style={{ paddingTop: '1rem' }}>
            <Files vm={vm} />
          </div>
        </Tab>
      </Tabs>
    </div>
  );
}
