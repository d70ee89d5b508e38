import type { BatchStatus, BatchVmRow, BatchVmState, PlanProblem } from '../../../../shared/contract/models/batch';

/**
 * The Batch page's pure logic: keeping a thousand VM rows current from the engine's partial
 * status answers (only rows that changed are new objects, so only those re-render), filtering,
 * placing the plan's problems on the editor's lines, and the error-rate chart's data.
 */

export interface RowSet {
  /** In plan order. */
  rows: readonly BatchVmRow[];
  /** Position of each VM in `rows`. */
  indexOf: ReadonlyMap<string, number>;
  rev: number;
}

export const EMPTY_ROWS: RowSet = { rows: [], indexOf: new Map(), rev: 0 };

/**
 * Applies a status answer: a full one replaces everything, a partial one (`since`) replaces the
 * changed rows only; the untouched rows keep their identity.
 */
export function mergeStatus(previous: RowSet, status: Pick<BatchStatus, 'vms' | 'partial' | 'rev'>): RowSet {
  if (!status.partial || previous.rows.length === 0) {
    const rows = [...status.vms].sort((a, b) => a.index - b.index);
    return { rows, indexOf: new Map(rows.map((r, i) => [r.name, i])), rev: status.rev };
  }
  if (status.vms.length === 0) return previous.rev === status.rev ? previous : { ...previous, rev: status.rev };
  const rows = previous.rows.slice();
  let added = false;
  for (const row of status.vms) {
    const at = previous.indexOf.get(row.name);
    if (at === undefined) {
      rows.push(row);
      added = true;
    } else {
      rows[at] = row;
    }
  }
  if (added) {
    rows.sort((a, b) => a.index - b.index);
    return { rows, indexOf: new Map(rows.map((r, i) => [r.name, i])), rev: status.rev };
  }
  return { rows, indexOf: previous.indexOf, rev: status.rev };
}

export type StateFilter = 'all' | BatchVmState;

export function filterRows(rows: readonly BatchVmRow[], state: StateFilter, query: string): readonly BatchVmRow[] {
  const q = query.trim().toLowerCase();
  if (state === 'all' && q === '') return rows;
  return rows.filter((r) => (state === 'all' || r.state === state) && (q === '' || r.name.toLowerCase().includes(q) || r.source.toLowerCase().includes(q) || (r.error?.code.toLowerCase().includes(q) ?? false)));
}

export interface LineMark {
  severity: 'error' | 'warning';
  messages: string[];
}

/** Problems by line, for the editor's gutter: a line with an error is an error line. */
export function marksByLine(problems: readonly PlanProblem[]): Map<number, LineMark> {
  const marks = new Map<number, LineMark>();
  for (const p of problems) {
    const mark = marks.get(p.line) ?? { severity: p.severity, messages: [] };
    if (p.severity === 'error') mark.severity = 'error';
    mark.messages.push(`${p.column}: ${p.message}`);
    marks.set(p.line, mark);
  }
  return marks;
}

/** The character offset of a line and column (1-based) in a text, for placing the caret there. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  return Math.min(offset + column - 1, end < 0 ? text.length : end);
}

/** The last hour as 60 bars, minutes ago as the label ("now" for the last one). */
export function errorChartData(perMinute: readonly number[]): Array<{ minute: string; errors: number }> {
  return perMinute.map((errors, i) => ({ minute: i === perMinute.length - 1 ? 'now' : `-${perMinute.length - 1 - i}m`, errors }));
}

/** Buttons a VM row offers. */
export function rowActions(row: Pick<BatchVmRow, 'state' | 'jobId'>, runActive: boolean): { cancel: boolean; retry: boolean; record: boolean } {
  return {
    cancel: runActive && (row.state === 'running' || row.state === 'queued'),
    retry: row.state === 'failed' || row.state === 'cancelled',
    record: row.jobId !== null,
  };
}

/** What the journal lets the page offer for a plan that is not running here. */
export function resumeOffer(journal: { exists: boolean; done: number; failed: number; cancelled: number; interrupted: number; runnerPid: number | null }): 'run' | 'resume' | 'busy' {
  if (journal.runnerPid !== null) return 'busy';
  if (!journal.exists || journal.done + journal.failed + journal.cancelled + journal.interrupted === 0) return 'run';
  return 'resume';
}
