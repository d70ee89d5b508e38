import type { JobManager } from './core/jobs';
import type { ToolRunner } from './core/tool-runner';
import type { DiskOps } from './privilege/disk-ops';

/**
 * What every feature's call handlers may use. Feature areas implement their slice of the
 * contract as `(deps) => handlers` in `<feature>/handlers.ts`; service.ts merges the slices.
 */
export interface EngineDeps {
  tools: ToolRunner;
  jobs: JobManager;
  isRoot: boolean;
  jobsDir: string;
  defaultOutDir: string;
  /** Opens the privileged helper when a job needs it (Electron app); absent elsewhere. */
  elevate?: () => Promise<DiskOps>;
  /** App version, for records and reports. */
  version: string;
}
