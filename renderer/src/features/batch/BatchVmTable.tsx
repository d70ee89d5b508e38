import { memo, useRef } from 'react';
import type { ReactNode } from 'react';
import { Button, Label } from '@patternfly/react-core';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { BatchVmRow } from '../../../../shared/contract/models/batch';
import { formatBytes, formatDuration, formatRate } from '../../../../shared/format';
import { rowActions } from './batch-model';

const ROW_HEIGHT = 36;

const STATE_COLOR: Record<BatchVmRow['state'], 'grey' | 'blue' | 'green' | 'red' | 'orange'> = { queued: 'grey', running: 'blue', done: 'green', failed: 'red', cancelled: 'orange' };

export interface RowHandlers {
  cancel: (name: string) => void;
  retry: (name: string) => void;
  record: (name: string) => void;
}

/**
 * One VM: a fixed-height grid row. Memoized on the row object, which the store replaces only
 * when the VM changed: with a thousand VMs updating every second, only the rows in view that
 * changed are drawn again.
 */
const VmRow = memo(function VmRow({ row, top, runActive, on }: { row: BatchVmRow; top: number; runActive: boolean; on: RowHandlers }): ReactNode {
  const actions = rowActions(row, runActive);
  const percent = Math.floor(row.fraction * 100);
  return (
    <div className="h2k-batch-row" style={{ transform: `translateY(${top}px)` }} role="row" data-testid="batch-vm-row" data-name={row.name} data-state={row.state}>
      <div role="cell" className="h2k-batch-cell-name" title={row.source}>
        {row.name}
      </div>
      <div role="cell">
        <Label isCompact color={STATE_COLOR[row.state]}>
          {row.state}
        </Label>
      </div>
      <div role="cell" className="h2k-batch-cell-clip" title={row.stageLabel ?? row.stage ?? ''}>
        {row.stage ?? ''}
      </div>
      <div role="cell" aria-label={`${percent} %`}>
        {row.state === 'running' || row.state === 'done' ? (
          <div className="h2k-batch-bar" data-testid="batch-vm-progress" data-percent={percent}>
            <div className="h2k-batch-bar-fill" style={{ width: `${percent}%` }} />
            <span className="h2k-batch-bar-text">{percent} %</span>
          </div>
        ) : null}
      </div>
      <div role="cell" className="h2k-batch-cell-num">
        {row.bytesTotal > 0 ? `${formatBytes(row.bytesDone)} / ${formatBytes(row.bytesTotal)}` : ''}
      </div>
      <div role="cell" className="h2k-batch-cell-num">
        {row.state === 'running' ? formatRate(row.bytesPerSecond) : ''}
      </div>
      <div role="cell" className="h2k-batch-cell-num">
        {row.state === 'running' ? formatDuration(row.etaSeconds) : row.durationMs !== null && row.state === 'done' ? formatDuration(row.durationMs / 1000) : ''}
      </div>
      <div role="cell" className="h2k-batch-cell-clip" title={row.error ? `${row.error.code}: ${row.error.message}` : ''}>
        {row.error && row.state === 'failed' ? (
          <span className="h2k-batch-error-text">
            <b>{row.error.code}</b> {row.error.message}
          </span>
        ) : row.warnings ? (
          `${row.warnings} hook warning${row.warnings === 1 ? '' : 's'}`
        ) : (
          ''
        )}
      </div>
      <div role="cell" className="h2k-batch-cell-actions">
        {actions.record ? (
          <Button variant="link" isInline size="sm" onClick={() => on.record(row.name)} data-testid="batch-vm-record">
            Record
          </Button>
        ) : null}
        {actions.cancel ? (
          <Button variant="link" isInline size="sm" isDanger onClick={() => on.cancel(row.name)} data-testid="batch-vm-cancel">
            Cancel
          </Button>
        ) : null}
        {actions.retry ? (
          <Button variant="link" isInline size="sm" onClick={() => on.retry(row.name)} data-testid="batch-vm-retry">
            Retry
          </Button>
        ) : null}
      </div>
    </div>
  );
});

/** Every VM of the batch, virtualized: only the rows in view (and a few around) are in the page. */
export function BatchVmTable({ rows, total, runActive, on }: { rows: readonly BatchVmRow[]; total: number; runActive: boolean; on: RowHandlers }): ReactNode {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  return (
    <div className="h2k-batch-table" role="table" aria-label="VMs of the batch" aria-rowcount={rows.length} data-testid="batch-vm-table" data-total={total} data-shown={rows.length} data-rendered={items.length}>
      <div className="h2k-batch-row h2k-batch-head" role="row">
        {['VM', 'State', 'Stage', 'Progress', 'Bytes', 'Throughput', 'ETA / time', 'Error', ''].map((h) => (
          <div key={h} role="columnheader">
            {h}
          </div>
        ))}
      </div>
      <div className="h2k-batch-body" ref={scroller} data-testid="batch-vm-scroll" style={{ height: `min(${Math.max(rows.length, 3) * ROW_HEIGHT + 2}px, calc(100vh - 22rem))` }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            return <VmRow key={row.name} row={row} top={item.start} runActive={runActive} on={on} />;
          })}
        </div>
        {rows.length === 0 ? <p className="h2k-muted h2k-batch-empty">No VM matches.</p> : null}
      </div>
    </div>
  );
}
