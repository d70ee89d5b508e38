import type { EngineError } from '../../../../shared/contract/errors';
import { engineError, registerErrorCodes } from '../../../../shared/contract/errors';
import { readInspectionReport } from '../../../../shared/contract/models/inspection';
import type { InspectionReport } from '../../../../shared/contract/models/inspection';

/**
 * A saved report opened in the page (dropped or picked): read and checked here, against the
 * same schema the engine writes, so the viewer works without the engine inspecting anything.
 */

registerErrorCodes({ INSPECT_REPORT_INVALID: 'bad-input' });

/** Reports with thousands of packages are a few MB; anything this large is not one. */
export const MAX_REPORT_FILE_BYTES = 64 * 1024 * 1024;

const HINT = 'Choose the inspection.json of a job, or a report exported as JSON.';

export type ReadReport = { ok: true; report: InspectionReport } | { ok: false; error: EngineError };

function invalid(message: string, name: string): ReadReport {
  return { ok: false, error: engineError('INSPECT_REPORT_INVALID', message, HINT, { path: name }) };
}

/** Checks the size first: the file is only read when it can be a report. */
export function reportFileProblem(name: string, size: number): EngineError | null {
  if (size > MAX_REPORT_FILE_BYTES) return engineError('INSPECT_REPORT_INVALID', `${name} is too large to be an inspection report.`, HINT, { path: name });
  if (size === 0) return engineError('INSPECT_REPORT_INVALID', `${name} is empty.`, HINT, { path: name });
  return null;
}

export function readReportText(name: string, text: string): ReadReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(`${name} is not JSON, so it is not an inspection report.`, name);
  }
  const read = readInspectionReport(value);
  return read.ok ? read : invalid(`${name}: ${read.reason}`, name);
}
