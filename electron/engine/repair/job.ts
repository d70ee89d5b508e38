import { basename, join, resolve } from 'node:path';
import type { RepairDisk, RepairJobResult } from '../../../shared/contract/api/repair';
import { RepairDecision } from '../../../shared/contract/models/repair';
import type { ResolvedRepairOptions } from '../../../shared/contract/models/repair';
import type { z } from 'zod';
import { EngineFailure, fail } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import type { JobSpec } from '../core/jobs';
import { tailCli } from '../pipeline/cli';
import { inspectStage, probeDisks } from '../inspect/stage';
import { REPAIR_DISK_REFUSED } from './error-codes';
import { applyAllDecision, repairApplyStage, repairPlanStage, storeRepair } from './stage';

/**
 * Repair as a job of its own (`repair.start`, `hyper2kvm repair DISK...`) on disks already
 * converted: inspect → repair-plan → repair in one appliance. The disks are written only
 * through the appliance's overlay, committed when every chosen fix worked. A dry run opens them
 * read-only and stops after the plan: no byte changes.
 */

export const REPAIR_STAGES = [
  { id: 'inspect', label: 'Inspect the guest' },
  { id: 'repair-plan', label: 'Plan the repair' },
  { id: 'repair', label: 'Repair the guest' },
] as const;

export interface RepairJobDeps {
  version: string;
  tools: ToolRunner;
}

type Disk = z.output<typeof RepairDisk>;

export function repairCli(disks: readonly Disk[], options: ResolvedRepairOptions, dryRun: boolean): string[] {
  const flags = tailCli({ inspect: true, repair: options }).filter((f) => f !== '--repair');
  return ['hyper2kvm', 'repair', ...disks.map((d) => d.path), ...(dryRun ? ['--dry-run'] : []), ...flags];
}

export function repairJob(disks: readonly Disk[], options: ResolvedRepairOptions, dryRun: boolean, deps: RepairJobDeps): JobSpec<RepairJobResult> {
  const absolute = disks.map((d) => ({ ...d, path: resolve(d.path) }));
  return {
    kind: 'repair',
    title: `${dryRun ? 'Plan the repair of' : 'Repair'} ${absolute.map((d) => basename(d.path)).join(', ')}`,
    stages: dryRun ? REPAIR_STAGES.slice(0, 2) : REPAIR_STAGES,
    request: { disks: absolute, options, dryRun },
    cli: repairCli(absolute, options, dryRun),
    async run(job) {
      // Never a VMware source: those are converted first (and never written).
      const probes = await probeDisks(absolute, { tools: deps.tools, signal: job.signal });
      const refused = probes.find((p) => p.format !== 'qcow2' && p.format !== 'raw');
      if (refused) fail(REPAIR_DISK_REFUSED, `${refused.path} is a ${refused.format} image; only converted disks (qcow2 or raw) are repaired.`, 'Convert it first: hyper2kvm convert SOURCE --out DIR --repair.', { path: refused.path });
      const inspected = await job.runStage(inspectStage, {
        disks: probes.map((p) => ({ id: p.id, path: p.path, format: p.format })),
        producerVersion: deps.version,
        access: dryRun ? 'read-only' : 'overlay',
        keepSession: true,
      });
      const session = inspected.session!;
      job.cleanup.always('drop the repair overlay', async () => {
        await session.kill();
        await session.discardOverlays();
      });
      const planned = await job.runStage(repairPlanStage, { session, report: inspected.report, capture: inspected.capture, probes: inspected.probes, vm: null, options, producerVersion: deps.version });
      const decidable = !dryRun && planned.plan.blockers.length === 0 && planned.plan.fixes.some((f) => f.status === 'planned');
      job.observe({ kind: 'repair-plan', plan: planned.plan, awaitingDecision: options.review && decidable });
      const base = { jobId: job.id, disks: probes.map((p) => ({ path: p.path, format: p.format })), dryRun, plan: planned.plan, recordPath: join(job.dir, 'job.json') };
      if (dryRun) {
        await session.close();
        const record = { plan: planned.plan, fixes: planned.plan.fixes.map((f) => ({ ...f, applied: false, commandOutcomes: [] })), applied: false, error: null, durationMs: 0 };
        return { ...base, record, report: inspected.report };
      }
      const decision = options.review && decidable ? RepairDecision.parse(await job.waitForAnswer('repair')) : applyAllDecision(planned);
      const outcome = await job.runStage(repairApplyStage, { planned, decision });
      await storeRepair(job.dir, outcome);
      if (outcome.record.error) throw new EngineFailure(outcome.record.error);
      return { ...base, record: outcome.record, report: outcome.report ?? inspected.report };
    },
  };
}
