import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of guest inspection (stable strings: scripts and tests match on them). */
export const INSPECT_NO_DISKS = 'INSPECT_NO_DISKS';
/** A file opened as a saved report is not one (or is from a newer hyper2kvm). */
export const INSPECT_REPORT_INVALID = 'INSPECT_REPORT_INVALID';
// The appliance's own codes (launch, session lost, ...), which inspection reports too.
export * from '../appliance/error-codes';

registerErrorCodes({
  [INSPECT_NO_DISKS]: 'bad-input',
  [INSPECT_REPORT_INVALID]: 'bad-input',
});
