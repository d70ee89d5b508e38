import type { ReactNode } from 'react';
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { FactRow } from './report-model';

/** Label/value rows as a description list (each value findable by its label: data-fact). */
export function Facts({ rows, testId }: { rows: readonly FactRow[]; testId?: string }): ReactNode {
  return (
    <DescriptionList isHorizontal isCompact data-testid={testId}>
      {rows.map(([label, value]) => (
        <DescriptionListGroup key={label}>
          <DescriptionListTerm>{label}</DescriptionListTerm>
          <DescriptionListDescription data-fact={label}>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

/** A small table (tens of rows at most); large lists use VirtualTable. */
export function SimpleTable({
  label,
  head,
  rows,
  empty = 'None found.',
  testId,
  rowClass,
}: {
  label: string;
  head: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<ReactNode>>;
  empty?: string;
  testId?: string;
  /** A class for some rows (e.g. an immutable file highlighted). */
  rowClass?: (index: number) => string | undefined;
}): ReactNode {
  if (!rows.length) return <p className="h2k-muted">{empty}</p>;
  return (
    <Table variant="compact" aria-label={label} data-testid={testId}>
      <Thead>
        <Tr>
          {head.map((h) => (
            <Th key={h} modifier="wrap">
              {h}
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((row, i) => (
          <Tr key={i} className={rowClass?.(i)}>
            {row.map((cell, j) => (
              <Td key={j} dataLabel={head[j]} modifier="breakWord">
                {cell}
              </Td>
            ))}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
