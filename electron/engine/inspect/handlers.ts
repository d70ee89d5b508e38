import { access } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ApiHandlers, CallParams } from '../../../shared/contract/api';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { evidenceImages } from '../boot/evidence';
import { fail } from '../core/errors';
import type { EngineDeps } from '../deps';
import { INSPECT_REPORT_NOT_FOUND } from '../report/error-codes';
import { writeExportFile } from '../report/export-file';
import { readReportFile, writeReportHtml } from '../report/files';
import { chromiumPdfPrinter, writeReportPdf } from '../report/pdf';
import { inspectJob } from './job';
import { launchTimesFile, readEstimate } from './launch-times';

type InspectHandlers = Pick<ApiHandlers, 'inspect.start' | 'inspect.report' | 'inspect.open' | 'inspect.estimate' | 'inspect.exportHtml' | 'inspect.exportPdf' | 'inspect.exportJson'>;
type ExportParams = CallParams<'inspect.exportHtml'>;

export const REPORT_FILE = 'inspection.json';

/** Guest inspection and its report: start a job, read a stored or saved report, export it. */
export function inspectHandlers(deps: EngineDeps): InspectHandlers {
  const { jobs, jobsDir, tools, version } = deps;
  const printer = deps.pdfPrinter ?? chromiumPdfPrinter(tools);

  // Job ids are checked by the contract ([a-z0-9-]): a job's report cannot be outside jobsDir.
  const jobReport = async (jobId: string): Promise<InspectionReport> => {
    const path = join(jobsDir, jobId, REPORT_FILE);
    const found = await access(path).then(
      () => true,
      () => false,
    );
    if (!found) {
      fail(INSPECT_REPORT_NOT_FOUND, `The job ${jobId} has no inspection report.`, 'It may still be running, have failed or been cancelled, or be a conversion without inspection: list the jobs to check.', { path });
    }
    return readReportFile(path);
  };

  const load = (source: ExportParams['source']): Promise<InspectionReport> => {
    if ('jobId' in source) return jobReport(source.jobId);
    if ('path' in source) return readReportFile(absolutePath(source.path, 'path'));
    return Promise.resolve(source.report);
  };

  /**
   * Boot screenshots go into exports as data URIs. Only files inside this app's job folders are
   * read: a report opened from elsewhere must not make the engine embed arbitrary files.
   */
  const images = async (report: InspectionReport): Promise<Record<string, string>> => {
    const verification = report.bootVerification;
    if (!verification) return {};
    const screenshots = verification.evidence.screenshots.filter((shot) => isInside(jobsDir, shot.path));
    return evidenceImages({ ...verification, evidence: { ...verification.evidence, screenshots } });
  };

  return {
    'inspect.start': async ({ disks }) => ({ jobId: await jobs.start(inspectJob(disks, { version })) }),
    'inspect.report': ({ jobId }) => jobReport(jobId),
    'inspect.open': async ({ path }) => readReportFile(absolutePath(path, 'path')),
    'inspect.estimate': () => readEstimate(launchTimesFile(jobsDir)),
    'inspect.exportHtml': async ({ source, out, overwrite }) => {
      const report = await load(source);
      return writeReportHtml(report, absolutePath(out, 'out'), { overwrite, images: await images(report) });
    },
    'inspect.exportPdf': async ({ source, out, overwrite }, call) => {
      const report = await load(source);
      // Printing runs a browser for seconds: closing the dialog (or the page) stops it.
      return writeReportPdf(report, absolutePath(out, 'out'), { overwrite, printer, images: await images(report), ...(call ? { signal: call.signal } : {}) });
    },
    'inspect.exportJson': async ({ source, out, overwrite }) => {
      const report = await load(source);
      return writeExportFile(absolutePath(out, 'out'), `${JSON.stringify(report, null, 2)}\n`, overwrite);
    },
  };
}

/** The engine's working folder means nothing to a front end: paths must be absolute. */
function absolutePath(path: string, field: string): string {
  if (!isAbsolute(path)) fail('INVALID_REQUEST', `${field} must be an absolute path, not "${path}".`, 'Give the full path, starting with /.');
  return resolve(path);
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
