import { z } from 'zod';
import { EngineError } from './errors';
import { BootMilestone } from './models/boot';
import { RepairPlan } from './models/repair';

/**
 * Everything a running job tells the outside world. The same events drive the wizard's
 * progress page, the CLI's `--json` output and the job's record on disk.
 */

export const JobId = z.string().regex(/^[a-z0-9-]{6,64}$/, 'a job id');
export type JobId = z.infer<typeof JobId>;

/** Where a job stands; a job ends in exactly one of succeeded / failed / cancelled. */
export const JobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

/** One part of a job's work (a disk of a VM) inside an overall progress snapshot. */
export const ProgressPart = z.object({
  id: z.string(),
  label: z.string(),
  state: z.enum(['waiting', 'running', 'done']),
  fraction: z.number().min(0).max(1),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
});
export type ProgressPart = z.infer<typeof ProgressPart>;

export const ProgressSnapshot = z.object({
  /** 0..1, never decreasing within a stage. */
  fraction: z.number().min(0).max(1),
  /** Work done and total in bytes (for qemu-img: bytes of the virtual disk processed). */
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  /** Measured over a recent window, not since the start: null until there is enough data. */
  bytesPerSecond: z.number().nonnegative().nullable(),
  /** Seconds left at the current rate: null while unknown (we never invent one). */
  etaSeconds: z.number().nonnegative().nullable(),
  /** What is being worked on, e.g. the disk's name. */
  item: z.string().optional(),
  /** Per-part progress when the stage works on several parts at once (disks in parallel). */
  parts: z.array(ProgressPart).optional(),
  /**
   * What bytesDone and bytesTotal count: bytes (the default) or steps of a stage that does not
   * move bytes (an inspection: launching its appliance, then each thing it reads).
   */
  unit: z.enum(['bytes', 'steps']).optional(),
  /**
   * Bytes actually written so far, with their rate, when bytesDone counts something else (a
   * conversion counts the virtual disk, holes included, which moves no data): the rate a user
   * can compare with their disk.
   */
  moved: z.object({ bytesDone: z.number().nonnegative(), bytesPerSecond: z.number().nonnegative().nullable() }).optional(),
});
export type ProgressSnapshot = z.infer<typeof ProgressSnapshot>;

const base = { jobId: JobId, at: z.string() };

/**
 * What a running job saw, for front ends that show more than log lines (the boot console, a
 * milestone timeline, the latest screenshot). `atMs` counts from when the observed thing
 * started. Front ends ignore kinds they do not know.
 */
export const Observation = z.discriminatedUnion('kind', [
  /** What the guest wrote to its serial console since the last piece, terminal codes removed. */
  z.object({ kind: z.literal('console-text'), atMs: z.number().nonnegative(), text: z.string() }),
  /**
   * The console as a terminal shows it (cursor addressing applied: GRUB's menu as a box), as a
   * change to the lines sent before: lines from `from` on are replaced by `lines`.
   */
  z.object({ kind: z.literal('console-screen'), atMs: z.number().nonnegative(), from: z.number().int().nonnegative(), lines: z.array(z.string()) }),
  z.object({ kind: z.literal('milestone'), milestone: BootMilestone }),
  /** A PNG in the job's folder, fetched by name (`boot.screenshot`): events stay small. */
  z.object({ kind: z.literal('screenshot'), atMs: z.number().nonnegative(), name: z.string() }),
  /** The repair plan, with every diff and command; with awaitingDecision the job waits for repair.decide. */
  z.object({ kind: z.literal('repair-plan'), plan: RepairPlan, awaitingDecision: z.boolean() }),
]);
export type Observation = z.infer<typeof Observation>;

export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job-started'), ...base, kind: z.string(), title: z.string(), stages: z.array(z.object({ id: z.string(), label: z.string() })) }),
  z.object({ type: z.literal('stage-started'), ...base, stage: z.string(), label: z.string() }),
  z.object({ type: z.literal('progress'), ...base, stage: z.string(), progress: ProgressSnapshot }),
  z.object({
    type: z.literal('log'),
    ...base,
    stage: z.string().optional(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
  }),
  z.object({ type: z.literal('stage-done'), ...base, stage: z.string(), durationMs: z.number().nonnegative(), summary: z.string().optional() }),
  z.object({ type: z.literal('failed'), ...base, stage: z.string().optional(), error: EngineError }),
  z.object({ type: z.literal('cancelled'), ...base, stage: z.string().optional() }),
  z.object({ type: z.literal('observation'), ...base, stage: z.string(), observation: Observation }),
  /** `result` is the job kind's own result, described by its schema in the API contract. */
  z.object({ type: z.literal('done'), ...base, result: z.unknown() }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type JobEventType = JobEvent['type'];

/** True for the events after which a job sends nothing more. */
export function isTerminal(event: JobEvent): boolean {
  return event.type === 'done' || event.type === 'failed' || event.type === 'cancelled';
}
