import { z } from 'zod';
import { tailOptionFields, tailResultFields } from './pipeline';
import { SourcePlan } from './source';

export const OutputFormat = z.enum(['qcow2', 'raw']);
export type OutputFormat = z.infer<typeof OutputFormat>;

/** A file name without a folder: what the user may type as the output's name. */
export const OutputName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'letters, digits, dot, dash, underscore and plus; no slash');

export const ConvertOptions = z.object({
  format: OutputFormat.default('qcow2'),
  compress: z.boolean().default(false),
  /** Destination folder; created if its parent exists. */
  outDir: z.string().min(1),
  /** Base name of the output(s); defaults to the VM's (or the disk's) name. */
  name: OutputName.optional(),
  /** Replace existing outputs. Off unless the user chose it explicitly. */
  overwrite: z.boolean().default(false),
  ...tailOptionFields,
});
export type ConvertOptions = z.input<typeof ConvertOptions>;
export type ResolvedConvertOptions = z.output<typeof ConvertOptions>;

export const PlannedOutput = z.object({
  diskId: z.string(),
  path: z.string(),
  format: OutputFormat,
  /** Conservative estimate of the bytes the output will occupy. */
  estimatedBytes: z.number().nonnegative(),
  exists: z.boolean(),
});
export type PlannedOutput = z.infer<typeof PlannedOutput>;

/** "What will happen": shown before any byte moves. */
export const ConvertPreview = z.object({
  source: SourcePlan,
  options: ConvertOptions,
  outputs: z.array(PlannedOutput),
  estimatedBytes: z.number().nonnegative(),
  destinationFreeBytes: z.number().nonnegative(),
  /** Problems that stop the job if not fixed (no space, output exists...). */
  blockers: z.array(z.object({ code: z.string(), message: z.string(), hint: z.string() })),
});
export type ConvertPreview = z.infer<typeof ConvertPreview>;

export const ConvertedDisk = z.object({
  diskId: z.string(),
  source: z.string(),
  path: z.string(),
  format: OutputFormat,
  virtualSize: z.number().nonnegative(),
  /** Bytes the output occupies on disk. */
  actualSize: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** Virtual bytes processed per second. */
  bytesPerSecond: z.number().nonnegative(),
  checked: z.boolean(),
});
export type ConvertedDisk = z.infer<typeof ConvertedDisk>;

export const ConvertResult = z.object({
  jobId: z.string(),
  outputs: z.array(ConvertedDisk),
  vm: SourcePlan.shape.vm,
  durationMs: z.number().nonnegative(),
  /** Where the job's JSON record was written. */
  recordPath: z.string(),
  ...tailResultFields,
});
export type ConvertResult = z.infer<typeof ConvertResult>;
