import type { ReactNode } from 'react';
import { Label } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ConvertedDisk } from '../../../shared/contract/models/convert';
import { formatBytes, formatRate } from '../../../shared/format';
import { describeElapsed } from './progress-view';

/**
 * The disks a job wrote: where, in which format, how large, how long it took and whether the
 * output was checked. Throughput is optional: the migration's result reports its download
 * rate in a section of its own instead.
 */
export function ConvertedDisksTable({ outputs, rowTestId, showThroughput = false }: { outputs: ConvertedDisk[]; rowTestId: string; showThroughput?: boolean }): ReactNode {
  return (
    <Table aria-label="Converted disks" variant="compact">
      <Thead>
        <Tr>
          <Th modifier="wrap">Output</Th>
          <Th modifier="wrap">Format</Th>
          <Th modifier="wrap">Virtual size</Th>
          <Th modifier="wrap">Size on disk</Th>
          <Th modifier="wrap">Time</Th>
          {showThroughput ? (
            <Th modifier="wrap" info={{ tooltip: 'Virtual bytes processed per second (holes count: they are read as zeros)' }}>
              Throughput
            </Th>
          ) : null}
          <Th modifier="wrap">Checked</Th>
        </Tr>
      </Thead>
      <Tbody>
        {outputs.map((o) => (
          <Tr key={o.diskId} data-testid={rowTestId} data-path={o.path}>
            <Td dataLabel="Output">
              <code>{o.path}</code>
              <div className="h2k-muted">from {o.source}</div>
            </Td>
            <Td dataLabel="Format">{o.format}</Td>
            <Td dataLabel="Virtual size">{formatBytes(o.virtualSize)}</Td>
            <Td dataLabel="Size on disk">{formatBytes(o.actualSize)}</Td>
            <Td dataLabel="Time">{describeElapsed(o.durationMs)}</Td>
            {showThroughput ? <Td dataLabel="Throughput">{formatRate(o.bytesPerSecond)}</Td> : null}
            <Td dataLabel="Checked">{o.checked ? <Label color="green">{o.format === 'qcow2' ? 'qemu-img check passed' : 'checked'}</Label> : <Label color="grey">not checked</Label>}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
