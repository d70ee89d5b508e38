import { describe, expect, it } from 'vitest';
import { EMPTY_ROWS, errorChartData, filterRows, marksByLine, mergeStatus, offsetOf, resumeOffer, rowActions } from '../../../renderer/src/features/batch/batch-model';
import type { BatchVmRow, PlanProblem } from '../../../shared/contract/models/batch';

const row = (name: string, index: number, over: Partial<BatchVmRow> = {}): BatchVmRow => ({
  name, index, origin: 'local', source: `/d/${name}.vmdk`, host: null, datastores: [], state: 'queued', stage: null, stageLabel: null, fraction: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: null, etaSeconds: null, attempts: 0, jobId: null, jobDir: null, startedAt: null, endedAt: null, durationMs: null, error: null, warnings: 0, outputs: [], rev: 0, ...over,
});

describe('the Batch page model', () => {
  it('keeps unchanged rows as they were: only changed VMs get new objects', () => {
    const full = mergeStatus(EMPTY_ROWS, { vms: [row('b', 1), row('a', 0), row('c', 2)], partial: false, rev: 3 });
    expect(full.rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    const changed = row('b', 1, { state: 'running', rev: 4 });
    const next = mergeStatus(full, { vms: [changed], partial: true, rev: 4 });
    expect(next.rows[1]).toBe(changed);
    expect(next.rows[0]).toBe(full.rows[0]);
    expect(next.rows[2]).toBe(full.rows[2]);
    expect(next.indexOf).toBe(full.indexOf);
    // Nothing changed: the same set, the page does not render at all.
    expect(mergeStatus(next, { vms: [], partial: true, rev: 4 })).toBe(next);
  });

  it('keeps 1,000 rows current in well under a millisecond per update', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(`vm-${i}`, i));
    let set = mergeStatus(EMPTY_ROWS, { vms: rows, partial: false, rev: 1 });
    const started = performance.now();
    for (let tick = 2; tick < 102; tick++) set = mergeStatus(set, { vms: rows.map((r) => ({ ...r, fraction: tick / 200 })), partial: true, rev: tick });
    expect(set.rows[999]!.fraction).toBeCloseTo(101 / 200);
    expect((performance.now() - started) / 100).toBeLessThan(5);
  });

  it('filters by state and by name, source or error code', () => {
    const rows = [row('web-01', 0, { state: 'done' }), row('db-01', 1, { state: 'failed', error: { code: 'HOOK_TIMEOUT', kind: 'failure', message: 'x', hint: '' } }), row('app', 2)];
    expect(filterRows(rows, 'all', '')).toBe(rows);
    expect(filterRows(rows, 'failed', '').map((r) => r.name)).toEqual(['db-01']);
    expect(filterRows(rows, 'all', 'hook_').map((r) => r.name)).toEqual(['db-01']);
    expect(filterRows(rows, 'all', 'WEB').map((r) => r.name)).toEqual(['web-01']);
  });

  it('marks the editor’s lines: an error wins over a warning on the same line', () => {
    const p = (line: number, column: number, severity: PlanProblem['severity']): PlanProblem => ({ severity, code: 'X', message: `m${line}.${column}`, file: '/p', line, column, path: '' });
    const marks = marksByLine([p(3, 11, 'warning'), p(3, 2, 'error'), p(7, 1, 'warning')]);
    expect(marks.get(3)).toEqual({ severity: 'error', messages: ['11: m3.11', '2: m3.2'] });
    expect(marks.get(7)?.severity).toBe('warning');
    expect(marks.has(1)).toBe(false);
  });

  it.each([
    [1, 1, 0],
    [2, 2, 6],
    [2, 3, 7],
    [2, 99, 7],
    [3, 1, 8],
    [9, 1, 11],
  ])('offsetOf(line %i, column %i) in "abcd\\nef\\nghi" = %i', (line, column, expected) => {
    expect(offsetOf('abcd\nef\nghi', line, column)).toBe(expected);
  });

  it('charts the last hour oldest first, "now" last', () => {
    const data = errorChartData(Array.from({ length: 60 }, (_, i) => (i === 59 ? 3 : 0)));
    expect(data[0]).toEqual({ minute: '-59m', errors: 0 });
    expect(data[59]).toEqual({ minute: 'now', errors: 3 });
  });

  it('offers the actions that make sense for a VM and for a plan’s journal', () => {
    expect(rowActions({ state: 'running', jobId: 'j' }, true)).toEqual({ cancel: true, retry: false, record: true });
    expect(rowActions({ state: 'queued', jobId: null }, false)).toEqual({ cancel: false, retry: false, record: false });
    expect(rowActions({ state: 'failed', jobId: 'j' }, false)).toEqual({ cancel: false, retry: true, record: true });
    const journal = { exists: true, done: 0, failed: 0, cancelled: 0, interrupted: 0, runnerPid: null };
    expect(resumeOffer({ ...journal, exists: false })).toBe('run');
    expect(resumeOffer(journal)).toBe('run');
    expect(resumeOffer({ ...journal, interrupted: 2 })).toBe('resume');
    expect(resumeOffer({ ...journal, done: 2, runnerPid: 42 })).toBe('busy');
  });
});
