import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of the job pipeline shared by convert and migrate. */
export const PIPELINE_ERROR_CODES = {
  /**
   * The process running a job died (kill -9, a crash, a power cut) before the job's end; the
   * next engine's start-up sweep undid what it left and recorded the job as failed with this.
   */
  JOB_INTERRUPTED: 'failure',
} as const;

registerErrorCodes(PIPELINE_ERROR_CODES);
