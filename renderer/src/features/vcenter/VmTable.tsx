import { useEffect, useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import { Button, Label } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ThProps } from '@patternfly/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { VspherePowerState } from '../../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../../shared/format';
import { POWER_TEXT } from './inventory-model';
import type { InventoryIndex, SortBy, SortKey } from './inventory-model';
import { memoryText } from './vm-view';
import { openVm, setSelection, sortBy, toggleSelected, useVcenterStore } from './store';

const ROW_HEIGHT = 40;

interface Column {
  key: SortKey | null;
  label: string;
  width: string;
}

/**
 * The columns, with their widths: the table is laid out to the width it has (a 1440 px window
 * shows every column, no sideways scrolling); short values get what their header and widest
 * value need, the four free-text columns share the rest and end in "…" with the full value on
 * hover.
 */
const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', width: '26%' },
  { key: 'powerState', label: 'Power', width: '5.25rem' },
  { key: 'guestOs', label: 'Guest OS', width: '19%' },
  { key: 'cpus', label: 'vCPUs', width: '5rem' },
  { key: 'memory', label: 'Memory', width: '5.75rem' },
  { key: 'used', label: 'Used', width: '5.25rem' },
  { key: 'host', label: 'Host', width: '14%' },
  { key: 'folder', label: 'Folder', width: '16%' },
  { key: null, label: 'IP address', width: '7.5rem' },
];

/** The power state in a word: the dot beside it carries the colour. */
const POWER_SHORT: Record<VspherePowerState, string> = { poweredOn: 'On', poweredOff: 'Off', suspended: 'Suspended', unknown: 'Unknown' };

/**
 * The flat VM table, virtualized: only the rows in view (and a few around) are in the page, so
 * 10,000 VMs cost what 40 do. `shown` holds row indices already filtered and sorted.
 */
export function VmTable({ index, shown, sort, filterKey }: { index: InventoryIndex; shown: Int32Array; sort: SortBy; filterKey: unknown }): ReactNode {
  const scroller = useRef<HTMLDivElement>(null);
  // A new search or sort starts at the top: the old position means nothing in the new list.
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [filterKey, sort]);
  const selected = useVcenterStore((s) => s.selected);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const before = items.length > 0 ? items[0]!.start : 0;
  const after = items.length > 0 ? total - items[items.length - 1]!.end : 0;

  const allShownSelected = useMemo(() => shown.length > 0 && Array.prototype.every.call(shown, (i: number) => selected.has(index.rows[i]!.vm.id)), [shown, selected, index]);

  const sortParams = (column: Column, columnIndex: number): ThProps['sort'] | undefined =>
    column.key === null
      ? undefined
      : {
          sortBy: { index: COLUMNS.findIndex((c) => c.key === sort.key) + 1, direction: sort.direction },
          onSort: (_e, _i, direction) => sortBy({ key: column.key!, direction }),
          columnIndex,
        };

  return (
    <div className="h2k-vc-table-scroll" ref={scroller} data-testid="vm-table-scroll">
      <Table variant="compact" isStickyHeader aria-label="Virtual machines" className="h2k-vc-table" data-testid="vm-table" data-rows={shown.length}>
        <Thead>
          <Tr>
            <Th
              select={{
                onSelect: (_e, on) => setSelection(on ? new Set([...selected, ...Array.from(shown, (i) => index.rows[i]!.vm.id)]) : []),
                isSelected: allShownSelected,
              }}
              aria-label="Select all shown"
              style={{ width: '2.5rem' }}
            />
            {COLUMNS.map((c, i) => (
              <Th key={c.label} sort={sortParams(c, i + 1)} modifier="nowrap" style={{ width: c.width }} data-testid={c.key ? `sort-${c.key}` : undefined}>
                {c.label}
              </Th>
            ))}
          </Tr>
        </Thead>
        <Tbody>
          {before > 0 ? (
            <Tr className="h2k-vc-spacer" aria-hidden>
              <Td colSpan={COLUMNS.length + 1} style={{ height: before }} />
            </Tr>
          ) : null}
          {items.map((item) => {
            const row = index.rows[shown[item.index]!]!;
            const vm = row.vm;
            const isSelected = selected.has(vm.id);
            return (
              <Tr key={vm.id} className="h2k-vc-row" data-index={item.index} ref={virtualizer.measureElement} data-testid="vm-row" data-vm-id={vm.id} data-name={vm.name} data-power={vm.powerState} isRowSelected={isSelected}>
                <Td select={{ rowIndex: item.index, onSelect: (_e, on) => toggleSelected(vm.id, on), isSelected }} />
                <Td dataLabel="Name" className="h2k-vc-cell-name" title={vm.name}>
                  <Button variant="link" isInline onClick={() => void openVm(vm.id)} data-testid="vm-open">
                    {vm.name}
                  </Button>
                  {vm.template ? (
                    <>
                      {' '}
                      <Label isCompact>template</Label>
                    </>
                  ) : null}
                </Td>
                <Td dataLabel="Power" title={POWER_TEXT[vm.powerState]}>
                  <span className={`h2k-vc-power h2k-vc-power--${vm.powerState}`} />
                  {POWER_SHORT[vm.powerState]}
                </Td>
                <Td dataLabel="Guest OS" className="h2k-vc-cell-wide" title={row.guestOs}>
                  {row.guestOs}
                </Td>
                <Td dataLabel="vCPUs">{vm.cpus ?? ''}</Td>
                <Td dataLabel="Memory">{memoryText(vm.memoryMiB) ?? ''}</Td>
                <Td dataLabel="Used">{vm.usedBytes !== undefined ? formatBytes(vm.usedBytes) : ''}</Td>
                <Td dataLabel="Host" className="h2k-vc-cell-wide" title={vm.host}>
                  {vm.host ?? ''}
                </Td>
                <Td dataLabel="Folder" className="h2k-vc-cell-wide" title={vm.folderPath}>
                  {vm.folderPath ?? ''}
                </Td>
                <Td dataLabel="IP address" title={vm.ipAddress}>
                  {vm.ipAddress ?? ''}
                </Td>
              </Tr>
            );
          })}
          {after > 0 ? (
            <Tr className="h2k-vc-spacer" aria-hidden>
              <Td colSpan={COLUMNS.length + 1} style={{ height: after }} />
            </Tr>
          ) : null}
        </Tbody>
      </Table>
      {shown.length === 0 ? (
        <p className="h2k-muted h2k-center" data-testid="vm-table-empty">
          No VM matches these filters.
        </p>
      ) : null}
    </div>
  );
}
