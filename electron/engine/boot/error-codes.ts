import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of a verification's stored evidence (stable strings: scripts and tests match on them). */
export const BOOT_RESULT_NOT_FOUND = 'BOOT_RESULT_NOT_FOUND';
export const BOOT_SCREENSHOT_NOT_FOUND = 'BOOT_SCREENSHOT_NOT_FOUND';

registerErrorCodes({
  [BOOT_RESULT_NOT_FOUND]: 'bad-input',
  [BOOT_SCREENSHOT_NOT_FOUND]: 'bad-input',
});
