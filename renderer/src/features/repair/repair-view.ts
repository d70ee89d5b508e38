import type { AppliedFix, FileChange, FixId, PlannedFix, RegistryChange, RepairDecision, RepairPlan, RepairRecord } from '../../../../shared/contract/models/repair';

/**
 * The Repair step as pure functions: what the plan offers grouped the way an administrator reads
 * it (what will change, what may change if chosen, what will not and why), the checkboxes'
 * starting state and the decision they make, and a diff cut into lines to colour.
 */

export interface PlanGroups {
  /** Planned: applied unless unchecked. */
  toApply: PlannedFix[];
  /** Optional fixes with something to do: applied only when checked. */
  optional: PlannedFix[];
  /** Blocked: cannot be done here, with the reason. */
  blocked: PlannedFix[];
  /** Left out by an option (--skip, --only). */
  leftOut: PlannedFix[];
  notNeeded: PlannedFix[];
}

const hasWork = (f: PlannedFix): boolean => f.changes.length + f.commands.length > 0;

export function groupFixes(plan: RepairPlan): PlanGroups {
  return {
    toApply: plan.fixes.filter((f) => f.status === 'planned'),
    optional: plan.fixes.filter((f) => f.status === 'skipped' && f.optional && hasWork(f)),
    blocked: plan.fixes.filter((f) => f.status === 'blocked'),
    leftOut: plan.fixes.filter((f) => f.status === 'skipped' && !(f.optional && hasWork(f))),
    notNeeded: plan.fixes.filter((f) => f.status === 'not-needed'),
  };
}

/** The boxes checked at first: every planned fix, no optional one. */
export function initialSelection(plan: RepairPlan): FixId[] {
  return groupFixes(plan).toApply.map((f) => f.id);
}

export function toggle(selection: readonly FixId[], id: FixId, on: boolean): FixId[] {
  return on ? [...new Set([...selection, id])] : selection.filter((x) => x !== id);
}

export function decisionFor(selection: readonly FixId[]): RepairDecision {
  return selection.length ? { action: 'apply', fixes: [...selection] } : { action: 'skip' };
}

/** What the Apply button says. */
export function applyLabel(selection: readonly FixId[]): string {
  return selection.length === 0 ? 'Continue without repairing' : `Apply ${selection.length} fix${selection.length === 1 ? '' : 'es'}`;
}

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'context' | 'note';

export function diffLines(diff: string): Array<{ kind: DiffLineKind; text: string }> {
  return diff
    .split('\n')
    .filter((line, i, all) => !(line === '' && i === all.length - 1))
    .map((text) => {
      if (text.startsWith('--- ') || text.startsWith('+++ ')) return { kind: 'file', text };
      if (text.startsWith('@@')) return { kind: 'hunk', text };
      if (text.startsWith('+')) return { kind: 'add', text };
      if (text.startsWith('-')) return { kind: 'del', text };
      if (text.startsWith(' ')) return { kind: 'context', text };
      return { kind: 'note', text };
    });
}

/** One line about a file change. */
export function changeSummary(change: FileChange): string {
  const verb = change.action === 'create' ? 'creates' : change.action === 'remove' ? 'removes' : 'edits';
  const size = change.size !== undefined ? `, ${formatSize(change.size)}` : '';
  return `${verb} ${change.path}${size}${change.backup ? ` (original kept as ${change.backup.split('/').pop()})` : ''}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A registry change as a row: key, value, and its data before and after (Windows guests). */
export function registryRow(change: RegistryChange): { key: string; value: string; before: string; after: string } {
  if (change.action === 'delete-key') return { key: change.key, value: '(the key)', before: change.before ?? '', after: '(removed)' };
  return { key: change.key, value: `${change.value || '(default)'}${change.type ? ` ${change.type}` : ''}`, before: change.before ?? '(absent)', after: change.after ?? '(removed)' };
}

/** The findings a fix addresses, for its heading. */
export function findingsText(fix: PlannedFix): string {
  return fix.findings.length ? fix.findings.join(', ') : '';
}

export interface RepairOutcomeView {
  applied: AppliedFix[];
  notApplied: AppliedFix[];
  headline: string;
  variant: 'success' | 'info' | 'danger' | 'warning';
}

/** What the record says happened. */
export function outcomeView(record: RepairRecord): RepairOutcomeView {
  const applied = record.fixes.filter((f) => f.applied);
  const notApplied = record.fixes.filter((f) => !f.applied && f.status !== 'not-needed');
  if (record.error) return { applied, notApplied, headline: `Not repaired: ${record.error.message}`, variant: record.plan.blockers.length ? 'warning' : 'danger' };
  if (!record.applied) return { applied, notApplied, headline: 'Nothing was written: the disks are as converted.', variant: 'info' };
  const changes = applied.reduce((n, f) => n + f.changes.length, 0);
  const after = record.reinspected ? ` Checked again: ${record.reinspected.blockers} blocker${record.reinspected.blockers === 1 ? '' : 's'}, ${record.reinspected.warnings} warning${record.reinspected.warnings === 1 ? '' : 's'}.` : '';
  return { applied, notApplied, headline: `Repaired: ${applied.length} fix${applied.length === 1 ? '' : 'es'}, ${changes} file change${changes === 1 ? '' : 's'}.${after}`, variant: 'success' };
}
