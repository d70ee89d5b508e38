import { registerErrorCodes } from '../../../shared/contract/errors';

/** Error codes of the report calls (stable strings: scripts and tests match on them). */

/** A job has no inspection report (still running, failed, or a job of another kind). */
export const INSPECT_REPORT_NOT_FOUND = 'INSPECT_REPORT_NOT_FOUND';
/** Printing the report to PDF failed (Chromium or Electron's printToPDF). */
export const REPORT_PDF_FAILED = 'REPORT_PDF_FAILED';

registerErrorCodes({
  [INSPECT_REPORT_NOT_FOUND]: 'bad-input',
  [REPORT_PDF_FAILED]: 'failure',
});
