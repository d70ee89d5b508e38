import type { ReactNode } from 'react';
import {
  Alert,
  Button,
  ClipboardCopy,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  List,
  ListItem,
  Title,
} from '@patternfly/react-core';
import { formatBytes, formatRate } from '../../../../shared/format';
import { ConvertedDisksTable } from '../../components/ConvertedDisksTable';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ConversionInspection } from '../reports';
import { describeElapsed } from '../../components/progress-view';
import { cpuText, firmwareText, memoryText } from './vm-view';
import { discardDownloads, goTo, migrateAnother, useVcenterStore } from './store';

function Fact({ term, children, testId }: { term: string; children: ReactNode; testId?: string }): ReactNode {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription data-testid={testId}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

export function ResultStep(): ReactNode {
  const outcome = useVcenterStore((s) => s.run?.outcome);
  const discard = useVcenterStore((s) => s.discard);
  if (outcome?.type !== 'done') return null;
  const result = outcome.result;
  const t = result.transfer;
  const vm = result.vm;
  return (
    <div className="h2k-stack" data-testid="migrate-result">
      <Alert variant="success" isInline title={`Migrated ${result.source.vmName}: ${result.outputs.length} disk${result.outputs.length === 1 ? '' : 's'} in ${describeElapsed(result.durationMs)}`} />
      <Title headingLevel="h2">Result</Title>
      <ConvertedDisksTable outputs={result.outputs} rowTestId="migrate-output" />

      <Title headingLevel="h3" size="md">
        Transfer
      </Title>
      <DescriptionList isHorizontal isCompact data-testid="migrate-transfer">
        <Fact term="Downloaded" testId="migrate-transfer-bytes">
          {formatBytes(t.bytes)} in {describeElapsed(t.durationMs)} ({formatRate(t.bytesPerSecond)})
        </Fact>
        {t.resumedBytes > 0 ? <Fact term="Resumed">{formatBytes(t.resumedBytes)} were already here from an earlier attempt</Fact> : null}
        {t.aheadBytes > 0 ? <Fact term="Fetched ahead">{formatBytes(t.aheadBytes)} were fetched out of order because the converter needed them first</Fact> : null}
        {t.disks.map((d) => (
          <Fact key={d.diskId} term={d.label}>
            {d.files.length} file{d.files.length === 1 ? '' : 's'}, {formatBytes(d.bytes)} in {describeElapsed(d.durationMs)}
          </Fact>
        ))}
      </DescriptionList>

      <Title headingLevel="h3" size="md">
        What travels with it to the libvirt stage
      </Title>
      <DescriptionList isHorizontal isCompact columnModifier={{ lg: '2Col' }} data-testid="migrate-metadata">
        <Fact term="Source">
          {result.source.vmName} ({result.source.vmId}) on {result.source.server}
        </Fact>
        {vm.vcpus ? <Fact term="CPU">{cpuText({ cpus: vm.vcpus, coresPerSocket: vm.coresPerSocket })}</Fact> : null}
        {vm.memoryMiB ? <Fact term="Memory">{memoryText(vm.memoryMiB)}</Fact> : null}
        <Fact term="Firmware">{firmwareText(vm)}</Fact>
        {vm.guestOsFullName || vm.guestOs ? <Fact term="Guest OS">{vm.guestOsFullName ?? vm.guestOs}</Fact> : null}
        {vm.nics.length > 0 ? (
          <Fact term="Network adapters">
            <List isPlain>
              {vm.nics.map((n) => (
                <ListItem key={n.label}>
                  {n.label}
                  {n.adapterType ? ` (${n.adapterType})` : ''} {n.mac ? <code>{n.mac}</code> : null}
                  {n.network ? ` on ${n.network}` : ''}
                </ListItem>
              ))}
            </List>
          </Fact>
        ) : null}
      </DescriptionList>

      {result.preflight.length > 0 ? (
        <Alert
          variant={result.preflight.some((i) => i.severity !== 'info') ? 'warning' : 'info'}
          isInline
          title={result.preflight.some((i) => i.severity !== 'info') ? 'The migration went ahead with these pre-flight warnings' : 'Pre-flight notes'}
          data-testid="migrate-result-notes"
        >
          <List>
            {result.preflight.map((i) => (
              <ListItem key={`${i.id}:${i.subject ?? ''}`}>
                <strong>{i.title}</strong>: {i.hint}
              </ListItem>
            ))}
          </List>
        </Alert>
      ) : null}

      <ConversionInspection result={result} feature="vcenter" />
      <DescriptionList isHorizontal isCompact>
        <Fact term="Job record">
          <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" data-testid="migrate-record-path">
            {result.recordPath}
          </ClipboardCopy>
        </Fact>
        {result.stagingDir ? (
          <Fact term="Downloaded VMware files">
            <code>{result.stagingDir}</code>{' '}
            {discard.status === 'done' ? (
              <span className="h2k-muted" data-testid="migrate-discarded">
                removed ({formatBytes(discard.bytes)})
              </span>
            ) : (
              <Button variant="link" isInline isLoading={discard.status === 'busy'} onClick={() => void discardDownloads(result.stagingDir!)} data-testid="migrate-discard">
                Delete them
              </Button>
            )}
          </Fact>
        ) : null}
      </DescriptionList>
      {discard.status === 'error' ? <ErrorAlert error={discard.error} title="The downloads could not be deleted" /> : null}
      <Flex>
        <Button variant="primary" onClick={() => goTo('define')} data-testid="migrate-create-vm">
          Create VM
        </Button>
        <Button variant="secondary" onClick={migrateAnother} data-testid="migrate-another">
          Migrate another VM
        </Button>
      </Flex>
    </div>
  );
}
