import { useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Flex, FlexItem, SearchInput } from '@patternfly/react-core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { filterRows, sortRows } from './report-model';
import type { Column, SortDirection } from './report-model';

const ROW_HEIGHT = 34;

/**
 * A searchable, sortable table that stays smooth with thousands of rows: only the rows in view
 * (and a few around them) are in the DOM. Rows have one fixed height; long values are cut with
 * an ellipsis and shown whole on hover.
 */
export function VirtualTable<Row>({
  rows,
  columns,
  label,
  testId,
  height = 420,
  initialSort,
  emptyText = 'Nothing to show.',
}: {
  rows: readonly Row[];
  columns: ReadonlyArray<Column<Row>>;
  label: string;
  testId: string;
  height?: number;
  initialSort?: { column: string; direction: SortDirection };
  emptyText?: string;
}): ReactNode {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState(initialSort ?? { column: columns[0]!.id, direction: 'asc' as SortDirection });
  const scrollRef = useRef<HTMLDivElement>(null);

  const shown = useMemo(() => {
    const column = columns.find((c) => c.id === sort.column) ?? columns[0]!;
    return sortRows(filterRows(rows, columns, query), column, sort.direction);
  }, [rows, columns, query, sort]);

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const template = columns.map((c) => `minmax(0, ${c.width ?? 1}fr)`).join(' ');
  const toggle = (id: string): void => setSort((s) => (s.column === id ? { column: id, direction: s.direction === 'asc' ? 'desc' : 'asc' } : { column: id, direction: 'asc' }));

  return (
    <div className="h2k-vtable-wrap" data-testid={testId} data-total={rows.length} data-shown={shown.length}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} className="h2k-vtable-tools">
        <FlexItem grow={{ default: 'grow' }}>
          <SearchInput aria-label={`Search ${label}`} placeholder={`Search ${label}`} value={query} onChange={(_e, v) => setQuery(v)} onClear={() => setQuery('')} data-testid={`${testId}-search`} />
        </FlexItem>
        <FlexItem className="h2k-muted" data-testid={`${testId}-count`}>
          {shown.length === rows.length ? `${rows.length} ${rows.length === 1 ? 'row' : 'rows'}` : `${shown.length} of ${rows.length}`}
        </FlexItem>
      </Flex>
      <div className="h2k-vtable" role="table" aria-label={label} aria-rowcount={shown.length + 1}>
        <div role="rowgroup">
          <div role="row" className="h2k-vtable-row h2k-vtable-head" style={{ gridTemplateColumns: template }}>
            {columns.map((c) => {
              const active = sort.column === c.id;
              return (
                <div key={c.id} role="columnheader" aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'} className="h2k-vtable-cell">
                  <button type="button" className="h2k-vtable-sort" onClick={() => toggle(c.id)} data-testid={`${testId}-sort-${c.id}`}>
                    {c.label}
                    <span aria-hidden="true" className="h2k-vtable-arrow">
                      {active ? (sort.direction === 'asc' ? '▲' : '▼') : '⇅'}
                    </span>
                  </button>
                </div>
              );
            })}
          </div>
        </div>
        <div ref={scrollRef} role="rowgroup" className="h2k-vtable-body" style={{ height: shown.length ? Math.min(height, shown.length * ROW_HEIGHT + 2) : 'auto' }}>
          {shown.length === 0 ? (
            <div className="h2k-vtable-empty h2k-muted">{query ? 'No row matches the search.' : emptyText}</div>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((item) => {
                const row = shown[item.index]!;
                return (
                  <div
                    key={item.key}
                    role="row"
                    aria-rowindex={item.index + 2}
                    className={`h2k-vtable-row${item.index % 2 ? ' h2k-vtable-odd' : ''}`}
                    data-testid={`${testId}-row`}
                    style={{ gridTemplateColumns: template, height: item.size, transform: `translateY(${item.start}px)` }}
                  >
                    {columns.map((c) => {
                      const text = String(c.text ? c.text(row) : c.value(row));
                      return (
                        <div key={c.id} role="cell" className={`h2k-vtable-cell${c.mono ? ' h2k-mono' : ''}`} title={text} data-column={c.id}>
                          {text}
                        </div>
                      );
                    })}
                  </div>
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
