import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readInspectionReport } from '../../../shared/contract/models/inspection';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import { INSPECT_REPORT_INVALID } from '../inspect/error-codes';
import { writeExportFile } from './export-file';
import { renderInspectionHtml } from './render-html';
import type { RenderOptions } from './render-html';

/**
 * Reports as files: open a saved report (the viewer's "open", `inspect.open`), and write the
 * HTML export next to nothing half-written (a temporary name, renamed when complete).
 */

/** Saved reports are small (a few MB with thousands of packages); anything far bigger is not one. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export async function readReportFile(path: string): Promise<InspectionReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  if (text.length > MAX_REPORT_BYTES) fail(INSPECT_REPORT_INVALID, `${basename(path)} is too large to be an inspection report.`, 'Choose the inspection.json of a job.', { path });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(INSPECT_REPORT_INVALID, `${basename(path)} is not JSON.`, 'Choose the inspection.json of a job, or a report saved as JSON.', { path });
  }
  const read = readInspectionReport(value);
  if (!read.ok) return fail(INSPECT_REPORT_INVALID, read.reason, 'Choose the inspection.json of a job, or a report saved as JSON.', { path });
  return read.report;
}

export async function writeReportHtml(report: InspectionReport, out: string, options: RenderOptions & { overwrite?: boolean } = {}): Promise<{ path: string; bytes: number }> {
  return writeExportFile(out, renderInspectionHtml(report, options), options.overwrite ?? false);
}
