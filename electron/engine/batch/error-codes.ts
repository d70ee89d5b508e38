import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of batch migrations. */
export const BATCH_ERROR_CODES = {
  /** The plan has errors; evidence.details.problems lists each with file, line and column. */
  BATCH_PLAN_INVALID: 'bad-input',
  /** `batch run` on a plan whose journal already records work: resume it, or move it away. */
  BATCH_JOURNAL_EXISTS: 'bad-input',
  /** `batch resume`/`status` without a journal. */
  BATCH_JOURNAL_MISSING: 'bad-input',
  /** A journal line that is not a record (edited or damaged). */
  BATCH_JOURNAL_CORRUPT: 'failure',
  /** Another process runs this batch (its pid is in the evidence). */
  BATCH_LOCKED: 'bad-input',
  /** No batch with that id in this engine. */
  BATCH_NOT_FOUND: 'bad-input',
  /** The VM is not in the batch, or not in a state for that action. */
  BATCH_VM_NOT_FOUND: 'bad-input',
  /** A NIC's network is not in the plan's `networks` mapping. */
  BATCH_NETWORK_UNMAPPED: 'bad-input',
  /** A hook exited non-zero (or could not start) and its plan says onFailure: fail. */
  HOOK_FAILED: 'failure',
  /** A hook ran past its timeout: its whole process group was killed. */
  HOOK_TIMEOUT: 'failure',
  /** Nothing in the plan can be exported to Forklift (no vCenter VM), or a mapping is missing. */
  BATCH_FORKLIFT_UNSUPPORTED: 'bad-input',
} as const;

registerErrorCodes(BATCH_ERROR_CODES);
