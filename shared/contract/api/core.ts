import { z } from 'zod';
import { method } from './define';
import { JobEvent, JobId, JobState } from '../events';
import { EngineError } from '../errors';

/** Calls every front end needs whatever the feature: app facts, files, jobs. */

export const ToolStatus = z.object({ name: z.string(), path: z.string().nullable(), package: z.string() });

export const AppInfo = z.object({
  version: z.string(),
  /** Which transport this front end is talking through. */
  transport: z.enum(['electron-ipc', 'websocket', 'memory']),
  platform: z.string(),
  isRoot: z.boolean(),
  kvmAvailable: z.boolean(),
  homeDir: z.string(),
  defaultOutDir: z.string(),
  jobsDir: z.string(),
  tools: z.array(ToolStatus),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const FsEntry = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['file', 'dir', 'other']),
  size: z.number().nonnegative(),
  mtimeMs: z.number(),
});
export type FsEntry = z.infer<typeof FsEntry>;

export const JobSummary = z.object({
  jobId: JobId,
  kind: z.string(),
  title: z.string(),
  state: JobState,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: EngineError.nullable(),
  result: z.unknown().nullable(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const coreApi = {
  'app.info': method({ summary: 'Version, transport, privileges and the tools found', input: z.object({}).strict(), output: AppInfo }),
  'fs.list': method({
    summary: 'List a folder on the machine running the engine (server-side file browser)',
    input: z.object({ path: z.string().min(1), showHidden: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(FsEntry) }),
  }),
  'jobs.list': method({ summary: 'Jobs of this session, newest first', input: z.object({}).strict(), output: z.array(JobSummary) }),
  'jobs.get': method({
    summary: 'One job with every event it sent so far (lets a reconnecting UI catch up)',
    input: z.object({ jobId: JobId }).strict(),
    output: z.object({ job: JobSummary, events: z.array(JobEvent) }),
  }),
  'jobs.cancel': method({
    summary: 'Cancel a running job: its tools are killed and its partial outputs removed',
    input: z.object({ jobId: JobId }).strict(),
    output: z.object({ cancelled: z.boolean(), state: JobState }),
  }),
};
