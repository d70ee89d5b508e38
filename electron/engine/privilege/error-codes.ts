import { registerErrorCodes } from '../../../shared/contract/errors';

/**
 * Codes of the privileged helper and its client. PRIVILEGE_DENIED (pkexec said no, or nobody
 * could be asked), HELPER_FAILED (the helper died or could not start), INVALID_REQUEST and
 * CANCELLED are already in the shared catalogue.
 */
export const HELPER_ERROR_CODES = {
  /** A path the helper will not touch: outside the allowed roots, a symlink escape, a device. */
  HELPER_PATH_REFUSED: 'bad-input',
  /** A request line longer than the helper accepts. */
  HELPER_REQUEST_TOO_LARGE: 'bad-input',
  /** An operation that is not on the helper's allow-list. */
  HELPER_UNKNOWN_OP: 'bad-input',
  /** The helper and the app do not understand each other (version skew, garbled output). */
  HELPER_PROTOCOL: 'failure',
} as const;

registerErrorCodes(HELPER_ERROR_CODES);

export const HELPER_PATH_REFUSED = 'HELPER_PATH_REFUSED';
export const HELPER_REQUEST_TOO_LARGE = 'HELPER_REQUEST_TOO_LARGE';
export const HELPER_UNKNOWN_OP = 'HELPER_UNKNOWN_OP';
export const HELPER_PROTOCOL = 'HELPER_PROTOCOL';
