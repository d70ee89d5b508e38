import type { PreflightAction, PreflightItem, PreflightSeverity } from '../../../../shared/contract/api/vcenter';
import type { PreflightState } from './migrate-options';

/**
 * What the pre-flight panel does with the engine's items: which actions call the engine (and so
 * ask first), which move the user to a field, which only explain; and how several VMs' checks
 * add up. Pure.
 */

export type ActionBehaviour =
  /** vcenter.powerOff / vcenter.shutdownGuest, after a confirmation dialog. */
  | { kind: 'call'; call: NonNullable<PreflightAction['call']>; question: string }
  | { kind: 'choose-destination' }
  | { kind: 'choose-name' }
  | { kind: 'refresh' }
  /** Nothing the app can do itself: the text tells how. */
  | { kind: 'help'; text: string };

const HELP: Partial<Record<PreflightAction['id'], string>> = {
  'start-libvirt': 'On the machine running hyper2kvm: `sudo systemctl enable --now libvirtd` (or `virtqemud.socket` on distributions with modular daemons), then check again.',
  'consolidate-snapshots': 'In the vSphere Client: right-click the VM → Snapshots → Delete All Snapshots (this consolidates the chain into the base disks), then check again.',
};

export function actionBehaviour(action: PreflightAction, vmName: string): ActionBehaviour {
  if (action.call) {
    const question = action.confirm ?? `${action.label} ${vmName}?`;
    return { kind: 'call', call: action.call, question };
  }
  switch (action.id) {
    case 'choose-destination':
      return { kind: 'choose-destination' };
    case 'choose-name':
      return { kind: 'choose-name' };
    case 'refresh':
      return { kind: 'refresh' };
    default:
      return { kind: 'help', text: HELP[action.id] ?? action.label };
  }
}

export const SEVERITY_TEXT: Record<PreflightSeverity, string> = { blocker: 'Blocker', warning: 'Warning', info: 'Note' };

/** Blockers first, then warnings, then notes; the engine's order within each. */
export function orderedItems(items: readonly PreflightItem[]): PreflightItem[] {
  const rank: Record<PreflightSeverity, number> = { blocker: 0, warning: 1, info: 2 };
  return items.map((item, i) => ({ item, i })).sort((a, b) => rank[a.item.severity] - rank[b.item.severity] || a.i - b.i).map((x) => x.item);
}

/** "2 blockers, 1 warning, 3 notes" / "No problems found". */
export function countsText(counts: Record<PreflightSeverity, number>): string {
  const parts: string[] = [];
  if (counts.blocker) parts.push(`${counts.blocker} blocker${counts.blocker === 1 ? '' : 's'}`);
  if (counts.warning) parts.push(`${counts.warning} warning${counts.warning === 1 ? '' : 's'}`);
  if (counts.info) parts.push(`${counts.info} note${counts.info === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'No problems found';
}

export type VmVerdict = 'checking' | 'ready' | 'warnings' | 'blocked' | 'failed';

export function verdictOf(state: PreflightState | undefined): VmVerdict {
  if (!state || state.status === 'idle' || state.status === 'loading') return 'checking';
  if (state.status === 'error') return 'failed';
  if (!state.report.canMigrate) return 'blocked';
  return state.report.counts.warning > 0 ? 'warnings' : 'ready';
}

export interface SelectionSummary {
  total: number;
  checking: number;
  ready: number;
  warnings: number;
  blocked: number;
  failed: number;
  /** Blocker titles with how many VMs have each, most frequent first (what to fix in bulk). */
  commonBlockers: Array<{ id: string; title: string; vms: number }>;
}

/** Several VMs checked at once: how many can go, and which blockers they share. */
export function summarizeSelection(vmIds: readonly string[], states: ReadonlyMap<string, PreflightState>): SelectionSummary {
  const summary: SelectionSummary = { total: vmIds.length, checking: 0, ready: 0, warnings: 0, blocked: 0, failed: 0, commonBlockers: [] };
  const blockers = new Map<string, { id: string; title: string; vms: number }>();
  for (const id of vmIds) {
    const state = states.get(id);
    summary[verdictOf(state)]++;
    if (state?.status !== 'ready') continue;
    const seen = new Set<string>();
    for (const item of state.report.items) {
      if (item.severity !== 'blocker' || seen.has(item.id)) continue;
      seen.add(item.id);
      const entry = blockers.get(item.id) ?? { id: item.id, title: item.title, vms: 0 };
      entry.vms++;
      blockers.set(item.id, entry);
    }
  }
  summary.commonBlockers = [...blockers.values()].sort((a, b) => b.vms - a.vms || a.title.localeCompare(b.title));
  return summary;
}

/** At most this many pre-flights at once: each reads the VM's details from vCenter. */
export const PREFLIGHT_CONCURRENCY = 3;

/** Runs `work` for every id with at most `limit` running at once; resolves when all ended. */
export async function forEachBounded(ids: readonly string[], limit: number, work: (id: string) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await work(id).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, ids.length) }, lane));
}
