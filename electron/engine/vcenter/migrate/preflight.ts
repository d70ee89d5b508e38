import type { EngineError } from '../../../../shared/contract/errors';
import { engineError } from '../../../../shared/contract/errors';
import type { PreflightItem } from '../../../../shared/contract/api/vcenter';
import type { VmDetails } from '../../../../shared/contract/models/vsphere';
import { EngineFailure } from '../../core/errors';
import type { LogLevel, Stage } from '../../core/stage';
import type { ToolRunner } from '../../core/tool-runner';
import type { VsphereSession } from '../../vsphere/session';
import { getVmDetails } from '../../vsphere/inventory';
import '../error-codes';
import { runPreflight } from '../preflight-facts';
import type { PreflightOptions } from '../preflight-facts';

/**
 * Stage 1 of a vCenter migration: the VM's details read afresh (the wizard's may be minutes old)
 * and every pre-flight rule (vcenter/preflight.ts) run on them; a blocker stops the job here,
 * before anything moves. Warnings and notes go on with the job and into its result.
 */

export const PREFLIGHT = { id: 'preflight', label: 'Pre-flight checks' } as const;

export interface PreflightInput {
  vmId: string;
  options: PreflightOptions;
}

export interface PreflightOutput {
  details: VmDetails;
  /** The items that did not block: they go into the result. */
  notes: PreflightItem[];
}

export function preflightStage(deps: { session: VsphereSession; tools: ToolRunner }): Stage<PreflightInput, PreflightOutput> {
  return {
    ...PREFLIGHT,
    async run(input, ctx) {
      const fresh = await getVmDetails(deps.session, input.vmId, { signal: ctx.signal });
      const report = await runPreflight(fresh, input.options, { tools: deps.tools, session: deps.session, signal: ctx.signal });
      for (const item of report.items) ctx.log(logLevelOf(item), `${item.title}: ${item.message}`);
      const verdict = preflightVerdict(fresh, report.items);
      if (!verdict.go) throw new EngineFailure(verdict.error);
      return { details: fresh, notes: verdict.notes };
    },
  };
}

/** How an item is logged: a blocker as an error, so the job's log shows why it stopped. */
export function logLevelOf(item: Pick<PreflightItem, 'severity'>): LogLevel {
  return item.severity === 'info' ? 'info' : item.severity === 'warning' ? 'warn' : 'error';
}

export type PreflightVerdict = { go: true; notes: PreflightItem[] } | { go: false; error: EngineError };

/** Whether the migration may go on: no blockers, and a datacenter to locate the VM's files in. */
export function preflightVerdict(vm: Pick<VmDetails, 'name' | 'datacenterPath'>, items: readonly PreflightItem[]): PreflightVerdict {
  const blockers = items.filter((i) => i.severity === 'blocker');
  if (blockers.length > 0) {
    return {
      go: false,
      error: engineError('VCENTER_PREFLIGHT_BLOCKED', `${vm.name} cannot be migrated yet: ${blockers.map((b) => b.title.toLowerCase()).join('; ')}.`, blockers[0]!.hint, {
        details: { blockers: blockers.map(({ id, title, message, hint }) => ({ id, title, message, hint })) },
      }),
    };
  }
  if (!vm.datacenterPath) return { go: false, error: engineError('VCENTER_DISK_UNSUPPORTED', `The datacenter of ${vm.name} is not known, so its files cannot be located.`, 'Refresh the inventory and try again.') };
  return { go: true, notes: items.filter((i) => i.severity !== 'blocker') };
}
