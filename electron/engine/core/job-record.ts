import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { JobState } from '../../../shared/contract/events';

/**
 * job.json: what a finished job leaves in its folder, written by the job manager at the job's
 * end (core/jobs.ts) and, for a job whose process died, by the start-up sweep in its stead
 * (pipeline/interrupted-jobs.ts). A folder holding one is a finished job.
 */
export const JOB_RECORD_FILE = 'job.json';

export interface JobRecord {
  schema: 'hyper2kvm.job/1';
  jobId: string;
  kind: string;
  title: string;
  state: JobState;
  startedAt: string | null;
  endedAt: string | null;
  request: unknown;
  cli: string[] | null;
  stages: Array<{ id: string; label: string; durationMs: number }>;
  result: unknown;
  error: EngineError | null;
}

/** Written aside and renamed into place: a crash mid-write leaves no half record that would pass for a finished job. */
export async function writeJobRecord(jobDir: string, record: Omit<JobRecord, 'schema'>): Promise<void> {
  const temp = join(jobDir, `.${JOB_RECORD_FILE}.tmp`);
  await writeFile(temp, `${JSON.stringify({ schema: 'hyper2kvm.job/1', ...record }, null, 2)}\n`);
  await rename(temp, join(jobDir, JOB_RECORD_FILE));
}
