import { registerErrorCodes } from '../../../shared/contract/errors';

/**
 * Error codes of the libguestfs appliance session (stable strings: scripts and tests match on
 * them). They keep their INSPECT_ names: inspection was their first user, and scripts already
 * match on them.
 */
/** The libguestfs appliance did not start (qemu, kernel, supermin). */
export const INSPECT_LAUNCH_FAILED = 'INSPECT_LAUNCH_FAILED';
/** The appliance or guestfish died while we were talking to it. */
export const INSPECT_SESSION_LOST = 'INSPECT_SESSION_LOST';
/** A guestfish command the caller cannot do without failed. */
export const INSPECT_COMMAND_FAILED = 'INSPECT_COMMAND_FAILED';
/** A write was attempted on a session opened read-only (a bug in the caller). */
export const INSPECT_READ_ONLY = 'INSPECT_READ_ONLY';
/** A disk the user named cannot be read (missing, not an image, unknown format). */
export const INSPECT_DISK_UNREADABLE = 'INSPECT_DISK_UNREADABLE';

registerErrorCodes({
  [INSPECT_DISK_UNREADABLE]: 'bad-input',
  [INSPECT_LAUNCH_FAILED]: 'failure',
  [INSPECT_SESSION_LOST]: 'failure',
  [INSPECT_COMMAND_FAILED]: 'failure',
  [INSPECT_READ_ONLY]: 'failure',
});
