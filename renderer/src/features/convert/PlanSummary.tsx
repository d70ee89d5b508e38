import type { ReactNode } from 'react';
import { Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label, List, ListItem, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { SourcePlan } from '../../../../shared/contract/models/source';
import { formatBytes } from '../../../../shared/format';

const KIND_LABEL: Record<SourcePlan['kind'], string> = {
  vmdk: 'VMDK disk',
  vmx: 'VMware VM (.vmx)',
  ovf: 'OVF package',
  ova: 'OVA appliance',
  folder: 'VM folder',
  image: 'Disk image',
};

function Fact({ term, children }: { term: string; children: ReactNode }): ReactNode {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

/** What the intake recognised: the kind of source, what it knows of the VM, every disk. */
export function PlanSummary({ plan }: { plan: SourcePlan }): ReactNode {
  const vm = plan.vm;
  const firmware = vm.firmware ? `${vm.firmware === 'uefi' ? 'UEFI' : 'BIOS'}${vm.secureBoot ? ', Secure Boot' : ''}` : null;
  return (
    <div data-testid="plan-summary" className="h2k-stack">
      <DescriptionList isHorizontal isCompact columnModifier={{ lg: '2Col' }}>
        <Fact term="Recognised as">
          <Label color="blue" data-testid="plan-kind" data-kind={plan.kind}>
            {KIND_LABEL[plan.kind]}
          </Label>
        </Fact>
        <Fact term="Read from">
          <code>{plan.primary}</code>
        </Fact>
        {vm.name ? <Fact term="VM name">{vm.name}</Fact> : null}
        {vm.guestOsFullName || vm.guestOs ? <Fact term="Guest OS">{vm.guestOsFullName ?? vm.guestOs}</Fact> : null}
        {vm.vcpus ? <Fact term="vCPUs">{vm.coresPerSocket ? `${vm.vcpus} (${vm.coresPerSocket} per socket)` : vm.vcpus}</Fact> : null}
        {vm.memoryMiB ? <Fact term="Memory">{formatBytes(vm.memoryMiB * 1024 * 1024)}</Fact> : null}
        {firmware ? <Fact term="Firmware">{firmware}</Fact> : null}
        {vm.nics.length > 0 ? (
          <Fact term="Network adapters">
            <List isPlain>
              {vm.nics.map((nic) => (
                <ListItem key={nic.label}>
                  {nic.label}
                  {nic.adapterType ? ` (${nic.adapterType})` : ''}
                  {nic.mac ? (
                    <>
                      {' '}
                      <code>{nic.mac}</code>
                      {nic.macSource ? ` ${nic.macSource}` : ''}
                    </>
                  ) : null}
                  {nic.network ? ` on ${nic.network}` : ''}
                  {nic.connected === false ? ' (disconnected)' : ''}
                </ListItem>
              ))}
            </List>
          </Fact>
        ) : null}
        {plan.manifest.length > 0 ? <Fact term="Manifest">{plan.manifest.length} file(s) are verified against it before conversion</Fact> : null}
      </DescriptionList>

      <Title headingLevel="h3" size="md">
        {plan.disks.length === 1 ? 'Disk' : `Disks (${plan.disks.length})`}
      </Title>
      <Table variant="compact" aria-label="Disks" data-testid="plan-disks">
        <Thead>
          <Tr>
            <Th>Disk</Th>
            <Th>Format</Th>
            <Th>Virtual size</Th>
            <Th>Allocated</Th>
            <Th>Snapshot chain</Th>
            {plan.disks.some((d) => d.slot) ? <Th>Slot</Th> : null}
          </Tr>
        </Thead>
        <Tbody>
          {plan.disks.map((disk) => (
            <Tr key={disk.id} data-testid="plan-disk">
              <Td dataLabel="Disk">{disk.label}</Td>
              <Td dataLabel="Format" data-testid="plan-disk-format">
                {disk.format}
                {disk.subformat ? ` (${disk.subformat})` : ''}
              </Td>
              <Td dataLabel="Virtual size" data-testid="plan-disk-virtual">
                {formatBytes(disk.virtualSize)}
              </Td>
              <Td dataLabel="Allocated">{formatBytes(disk.allocatedSize)}</Td>
              <Td dataLabel="Snapshot chain">{disk.chain.length <= 1 ? 'none' : `${disk.chain.length} links, flattened`}</Td>
              {plan.disks.some((d) => d.slot) ? <Td dataLabel="Slot">{disk.slot ?? ''}</Td> : null}
            </Tr>
          ))}
        </Tbody>
      </Table>

      {plan.warnings.length > 0 ? (
        <Alert variant="warning" isInline title="Worth knowing" data-testid="plan-warnings">
          <List>
            {plan.warnings.map((w) => (
              <ListItem key={w}>{w}</ListItem>
            ))}
          </List>
        </Alert>
      ) : null}
    </div>
  );
}
