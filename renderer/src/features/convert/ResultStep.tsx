import type { ReactNode } from 'react';
import { Alert, Button, ClipboardCopy, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Flex, Label, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { formatBytes, formatRate } from '../../../../shared/format';
import { describeElapsed } from '../../components/progress-view';
import { ConversionInspection } from '../reports';
import { goTo, resetWizard, useConvertStore } from './store';

export function ResultStep(): ReactNode {
  const outcome = useConvertStore((s) => s.run?.outcome);
  if (outcome?.type !== 'done') return null;
  const result = outcome.result;
  return (
    <div className="h2k-stack" data-testid="result">
      <Alert variant="success" isInline title={`Converted ${result.outputs.length} disk${result.outputs.length === 1 ? '' : 's'} in ${describeElapsed(result.durationMs)}`} />
      <Title headingLevel="h2">Result</Title>
      <Table aria-label="Converted disks" variant="compact">
        <Thead>
          <Tr>
            <Th modifier="wrap">Output</Th>
            <Th modifier="wrap">Format</Th>
            <Th modifier="wrap">Virtual size</Th>
            <Th modifier="wrap">Size on disk</Th>
            <Th modifier="wrap">Time</Th>
            <Th modifier="wrap" info={{ tooltip: 'Virtual bytes processed per second (holes count: they are read as zeros)' }}>Throughput</Th>
            <Th modifier="wrap">Checked</Th>
          </Tr>
        </Thead>
        <Tbody>
          {result.outputs.map((o) => (
            <Tr key={o.diskId} data-testid="result-output" data-path={o.path}>
              <Td dataLabel="Output">
                <code>{o.path}</code>
                <div className="h2k-muted">from {o.source}</div>
              </Td>
              <Td dataLabel="Format">{o.format}</Td>
              <Td dataLabel="Virtual size">{formatBytes(o.virtualSize)}</Td>
              <Td dataLabel="Size on disk">{formatBytes(o.actualSize)}</Td>
              <Td dataLabel="Time">{describeElapsed(o.durationMs)}</Td>
              <Td dataLabel="Throughput">{formatRate(o.bytesPerSecond)}</Td>
              <Td dataLabel="Checked">{o.checked ? <Label color="green">{o.format === 'qcow2' ? 'qemu-img check passed' : 'checked'}</Label> : <Label color="grey">not checked</Label>}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <DescriptionList isHorizontal isCompact>
        <DescriptionListGroup>
          <DescriptionListTerm>Job record</DescriptionListTerm>
          <DescriptionListDescription>
            <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" data-testid="record-path">
              {result.recordPath}
            </ClipboardCopy>
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
      <ConversionInspection result={result} />
      <Flex>
        <Button variant="primary" onClick={() => goTo('vm')} data-testid="create-vm">
          Create VM
        </Button>
        <Button variant="secondary" onClick={resetWizard} data-testid="convert-another">
          Convert another
        </Button>
      </Flex>
    </div>
  );
}
