import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { InspectionReport } from '../models/inspection';
import { RepairDecision, RepairOptions, RepairPlan, RepairRecord } from '../models/repair';

/**
 * Guest repair on disks that are already converted (qcow2 or raw): inspect, plan and apply in
 * one appliance, or only plan (dry run). Conversions and vCenter migrations repair through their
 * own `repair` option (the shared pipeline tail); `repair.decide` answers a plan shown for review
 * by any of them.
 */

export const RepairDisk = z
  .object({
    path: z.string().min(1),
    /** qcow2 or raw; probed with qemu-img when absent. VMware formats are refused: convert first. */
    format: z.enum(['qcow2', 'raw']).optional(),
  })
  .strict();

export const RepairRequest = z
  .object({
    disks: z.array(RepairDisk).min(1).max(16),
    options: RepairOptions.default({ review: false, skip: [], network: 'pin-name', serialConsole: false, macs: {} }),
    /** Plan only: the disks are opened read-only and no byte changes. */
    dryRun: z.boolean().default(false),
  })
  .strict();
export type RepairRequest = z.input<typeof RepairRequest>;

export const RepairJobResult = z.object({
  jobId: z.string(),
  disks: z.array(z.object({ path: z.string(), format: z.string() })),
  dryRun: z.boolean(),
  plan: RepairPlan,
  record: RepairRecord,
  /** The inspection after the repair (before it, for a dry run or when nothing was written). */
  report: InspectionReport,
  recordPath: z.string(),
});
export type RepairJobResult = z.infer<typeof RepairJobResult>;

export const repairApi = {
  'repair.start': method({
    summary: 'Repair converted disks (inspect, plan, apply in one appliance), or only plan them with dryRun',
    input: RepairRequest,
    output: z.object({ jobId: JobId }),
  }),
  'repair.decide': method({
    summary: 'Answer a repair plan a job shows for review: apply the chosen fixes, or skip the repair',
    input: z.object({ jobId: JobId, decision: RepairDecision }).strict(),
    output: z.object({ accepted: z.literal(true) }),
  }),
};
