import type { ReactNode } from 'react';
import { Label } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ConvertedDisk } from '../../../shared/contract/models/convert';
import { formatBytes, formatRate } from '../../../shared/format';
import { PathText } from './PathText';
import { describeElapsed } from './progress-view';

/**
 * Bytes written to the output per second: its size on disk over the time it took. Holes and
 * zeros are not written, so this is data actually moved, not the virtual disk's size (which a
 * 2.5 GiB disk with 24 MiB of data "converts" at thousands of MB/s). Null under a millisecond.
 */
export function writtenRate(disk: Pick<ConvertedDisk, 'actualSize' | 'durationMs'>): number | null {
  return disk.durationMs > 0 ? disk.actualSize / (disk.durationMs / 1000) : null;
}

/**
 * The disks a job wrote: where, in which format, how large, how long it took and whether the
 * output was checked. The data rate is optional: the migration's result reports its download
 * rate in a section of its own instead.
 */
export function ConvertedDisksTable({ outputs, rowTestId, showThroughput = false }: { outputs: ConvertedDisk[]; rowTestId: string; showThroughput?: boolean }): ReactNode {
  return (
    <Table aria-label="Converted disks" variant="compact">
      <Thead>
        <Tr>
          <Th modifier="wrap">Output</Th>
          <Th modifier="nowrap">Format</Th>
          <Th modifier="nowrap">Virtual size</Th>
          <Th modifier="nowrap">Size on disk</Th>
          <Th modifier="nowrap">Time</Th>
          {showThroughput ? (
            <Th modifier="nowrap" info={{ tooltip: 'Bytes written to the output per second: its size on disk over its time. Holes are not written, so they do not count.' }}>
              Data rate
            </Th>
          ) : null}
          <Th modifier="nowrap">Checked</Th>
        </Tr>
      </Thead>
      <Tbody>
        {outputs.map((o) => (
          <Tr key={o.diskId} data-testid={rowTestId} data-path={o.path}>
            <Td dataLabel="Output">
              <PathText path={o.path} />
              <div className="h2k-muted">
                from <PathText path={o.source} />
              </div>
            </Td>
            <Td dataLabel="Format">{o.format}</Td>
            <Td dataLabel="Virtual size" className="h2k-nowrap">
              {formatBytes(o.virtualSize)}
            </Td>
            <Td dataLabel="Size on disk" className="h2k-nowrap">
              {formatBytes(o.actualSize)}
            </Td>
            <Td dataLabel="Time" className="h2k-nowrap">
              {describeElapsed(o.durationMs)}
            </Td>
            {showThroughput ? (
              <Td dataLabel="Data rate" className="h2k-nowrap">
                {formatRate(writtenRate(o))} written
              </Td>
            ) : null}
            <Td dataLabel="Checked">{o.checked ? <Label color="green">{o.format === 'qcow2' ? 'qemu-img check passed' : 'checked'}</Label> : <Label color="grey">not checked</Label>}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
