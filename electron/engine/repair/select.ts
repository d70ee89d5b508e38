import type { FixId, RepairDecision, ResolvedRepairOptions } from '../../../shared/contract/models/repair';
import type { FixDraft } from './draft';

/**
 * Which planned fixes run: --only and --skip (or the wizard's checkboxes) leave the others out,
 * each saying why; an optional fix runs only when asked for by name (or by its own option).
 */
export function selectFixes(drafts: readonly FixDraft[], options: Pick<ResolvedRepairOptions, 'only' | 'skip'>): FixDraft[] {
  return drafts.map((d) => {
    if (d.status !== 'planned' && !(d.optional && d.status === 'skipped')) return d;
    const named = options.only?.includes(d.id) ?? false;
    if (options.skip.includes(d.id)) return { ...d, status: 'skipped', reason: `Left out (skip ${d.id}). It would have: ${d.reason}` };
    if (options.only && !named) return { ...d, status: 'skipped', reason: `Left out (only ${options.only.join(', ')} asked for). It would have: ${d.reason}` };
    if (d.optional && d.status === 'skipped' && named) return { ...d, status: 'planned' };
    return d;
  });
}

/** The fixes the user's decision keeps: the planned ones it names (optional ones included when named). */
export function decide(drafts: readonly FixDraft[], decision: RepairDecision): FixDraft[] {
  if (decision.action === 'skip') return drafts.map((d) => (d.status === 'planned' ? { ...d, status: 'skipped', reason: `Not applied (the repair was skipped). It would have: ${d.reason}` } : d));
  const keep = new Set<FixId>(decision.fixes);
  const chosen = drafts.map((d): FixDraft => {
    const runnable = d.status === 'planned' || (d.optional && d.status === 'skipped' && d.edits.length + d.commands.length > 0);
    if (!runnable) return d;
    if (keep.has(d.id)) return { ...d, status: 'planned' };
    return d.status === 'planned' ? { ...d, status: 'skipped', reason: `Not chosen. It would have: ${d.reason}` } : d;
  });
  // A relabel only follows other writes: alone, it has nothing to relabel.
  const writes = chosen.some((d) => d.status === 'planned' && d.id !== RELABEL);
  return chosen.map((d) => (d.id === RELABEL && d.status === 'planned' && !writes ? { ...d, status: 'skipped', reason: 'Nothing else is written, so nothing needs a new label.' } : d));
}

const RELABEL: FixId = 'selinux-relabel';
