import { z } from 'zod';
import { method } from './define';
import { JobEvent } from '../events';
import { BatchStatus, JournalSummary, PlanProblem, ResolvedPlan } from '../models/batch';

/**
 * Batch migrations: a YAML plan of many VMs, run with bounded concurrency, recorded in a journal
 * that survives a crash. A batch is named by its id while an engine runs it; the plan's path
 * names it on disk (the journal lives beside the plan unless `journal` says otherwise).
 */

export const BatchId = z.string().regex(/^batch-[a-z0-9-]{6,64}$/, 'a batch id');
export type BatchId = z.infer<typeof BatchId>;

const PlanPath = z.string().min(1);
const JournalPath = z.string().min(1).optional();

export const PlanValidation = z.object({
  /** The plan's absolute path (when it came from a file). */
  file: z.string(),
  /** The text that was validated (read from the file when none was given). */
  text: z.string(),
  /** No error (warnings allowed): the plan can run. */
  ok: z.boolean(),
  problems: z.array(PlanProblem),
  /** Each VM with its resolved settings (only when there is no error). */
  plan: ResolvedPlan.nullable(),
  journal: JournalSummary,
});
export type PlanValidation = z.infer<typeof PlanValidation>;

export const BatchStarted = z.object({ batchId: BatchId, journal: z.string(), resumed: z.boolean() });

export const BatchSummary = z.object({
  batchId: BatchId,
  plan: z.string(),
  title: z.string().nullable(),
  state: BatchStatus.shape.state,
  totals: BatchStatus.shape.totals,
});
export type BatchSummary = z.infer<typeof BatchSummary>;

const Ref = z.object({ batchId: BatchId }).strict();

export const batchApi = {
  'batch.validate': method({
    summary: 'Read and check a batch plan: every problem with its file, line and column, and each VM with its resolved settings',
    input: z
      .object({
        path: PlanPath,
        /** The plan's text as edited (not saved yet); read from `path` when absent. */
        text: z.string().max(8 * 1024 * 1024).optional(),
        /** static: the file alone (as you type); full: also what the plan names (paths, libvirt networks, vCenter VMs). */
        checks: z.enum(['static', 'full']).default('full'),
        journal: JournalPath,
      })
      .strict(),
    output: PlanValidation,
  }),
  'batch.save': method({
    summary: 'Write a plan file (atomically), e.g. after editing it on the Batch page',
    input: z.object({ path: PlanPath, text: z.string().max(8 * 1024 * 1024) }).strict(),
    output: z.object({ path: z.string(), bytes: z.number().int().nonnegative() }),
  }),
  'batch.start': method({
    summary: 'Run a plan (mode run), or go on with one whose journal says it was interrupted (mode resume)',
    input: z
      .object({
        path: PlanPath,
        journal: JournalPath,
        mode: z.enum(['run', 'resume']).default('run'),
        /** With resume: run the failed and cancelled VMs again too. */
        retryFailed: z.boolean().default(false),
      })
      .strict(),
    output: BatchStarted,
  }),
  'batch.status': method({
    summary: 'A batch now: every VM with state, stage, progress, error and outputs; totals; the error rate',
    input: z
      .union([
        z.object({ batchId: BatchId, since: z.number().int().nonnegative().optional() }).strict(),
        z.object({ path: PlanPath, journal: JournalPath }).strict(),
      ]),
    output: BatchStatus,
  }),
  'batch.list': method({
    summary: 'The batches this engine runs or ran, newest first',
    input: z.object({}).strict(),
    output: z.array(BatchSummary),
  }),
  'batch.pause': method({ summary: 'Start no new VM; the running ones finish', input: Ref, output: z.object({ state: BatchStatus.shape.state }) }),
  'batch.resume': method({ summary: 'Start VMs again after a pause', input: Ref, output: z.object({ state: BatchStatus.shape.state }) }),
  'batch.stop': method({
    summary: 'End the run: no new VM starts; running VMs finish, or are interrupted (and run again on resume) with cancelRunning',
    input: z.object({ batchId: BatchId, cancelRunning: z.boolean().default(false) }).strict(),
    output: z.object({ state: BatchStatus.shape.state }),
  }),
  'batch.cancelVm': method({
    summary: 'Cancel one VM (its job stops and cleans up); the batch goes on',
    input: z.object({ batchId: BatchId, vm: z.string().min(1) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  }),
  'batch.retry': method({
    summary: 'Queue failed or cancelled VMs again (all failed ones when none are named)',
    input: z.object({ batchId: BatchId, vms: z.array(z.string().min(1)).optional() }).strict(),
    output: z.object({ queued: z.array(z.string()) }),
  }),
  'batch.jobRecord': method({
    summary: "A VM's job record from disk (job.json and its events), also for jobs of an earlier run",
    input: z.object({ batchId: BatchId, vm: z.string().min(1) }).strict(),
    output: z.object({ jobId: z.string(), record: z.unknown(), events: z.array(JobEvent) }),
  }),
  'batch.exportForklift': method({
    summary: "Write the plan as Forklift's Kubernetes resources (forklift.konveyor.io/v1beta1): Provider, NetworkMap, StorageMap, Plan, Migration",
    input: z.object({ path: PlanPath, outDir: z.string().min(1) }).strict(),
    output: z.object({
      outDir: z.string(),
      files: z.array(z.object({ path: z.string(), kind: z.string(), name: z.string() })),
      vms: z.number().int().nonnegative(),
      skipped: z.array(z.object({ vm: z.string(), reason: z.string() })),
      notes: z.array(z.string()),
    }),
  }),
};
