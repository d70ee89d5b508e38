import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BootVerification } from '../../../shared/contract/models/boot';
import { BootVerification as BootVerificationSchema } from '../../../shared/contract/models/boot';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { readInspectionReport } from '../../../shared/contract/models/inspection';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import { BOOT_RESULT_NOT_FOUND, BOOT_SCREENSHOT_NOT_FOUND } from './error-codes';
import { isPng } from './png';

/**
 * A verification's evidence as it is kept with its job: the result in boot-verification.json,
 * the serial log and the screenshots under boot/. The report and the wizard read it from there,
 * also after the app was restarted (the job manager only remembers the current session).
 */

export const BOOT_RESULT_FILE = 'boot-verification.json';
/** The verify stage writes its serial log and screenshots here, inside the job folder. */
export const EVIDENCE_FOLDER = 'boot';

export async function storeVerification(jobDir: string, verification: BootVerification): Promise<string> {
  const path = join(jobDir, BOOT_RESULT_FILE);
  await writeJsonAtomically(path, verification);
  return path;
}

export async function loadVerification(jobDir: string): Promise<BootVerification> {
  const path = join(jobDir, BOOT_RESULT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      fail(BOOT_RESULT_NOT_FOUND, `The job ${basename(jobDir)} has no boot verification result.`, 'It may still be running, have failed or been cancelled, or be another kind of job: list the jobs to check.', { path });
    }
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  return BootVerificationSchema.parse(JSON.parse(text));
}

export interface ScreenshotImage {
  name: string;
  mime: 'image/png';
  base64: string;
  bytes: number;
}

/** One screenshot of a job, by its file name (the caller has checked the name's shape). */
export async function readScreenshot(jobDir: string, name: string): Promise<ScreenshotImage> {
  const path = join(jobDir, EVIDENCE_FOLDER, basename(name));
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // Unchanged screens are deleted right after they are taken: a late fetch may miss one.
      fail(BOOT_SCREENSHOT_NOT_FOUND, `The job ${basename(jobDir)} has no screenshot ${basename(name)}.`, 'Fetch one of the screenshots its events or its result name.', { path });
    }
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  if (!isPng(data)) fail(BOOT_SCREENSHOT_NOT_FOUND, `${basename(name)} is not a PNG image.`, 'Fetch one of the screenshots its events or its result name.', { path });
  return { name: basename(name), mime: 'image/png', base64: data.toString('base64'), bytes: data.length };
}

/**
 * The screenshots of a verification as data URIs keyed by their path: what the HTML report
 * renderer embeds (its `images` option). Screenshots that are gone are left out.
 */
export async function evidenceImages(verification: BootVerification): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const shot of verification.evidence.screenshots) {
    const data = await readFile(shot.path).catch(() => null);
    if (data && isPng(data)) images[shot.path] = `data:image/png;base64,${data.toString('base64')}`;
  }
  return images;
}

/** The report with the verification as its boot section (replacing an earlier one). */
export function withBootVerification(report: InspectionReport, verification: BootVerification): InspectionReport {
  return { ...report, bootVerification: verification };
}

/**
 * Puts the verdict and its evidence into an inspection job's report (inspection.json), so that
 * the HTML and PDF report of that VM show them. Returns why it could not, or null when done.
 */
export async function attachToInspectionReport(reportPath: string, verification: BootVerification): Promise<string | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(reportPath, 'utf8'));
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    return errno === 'ENOENT' ? `There is no inspection report at ${reportPath}.` : `The inspection report at ${reportPath} could not be read (${(error as Error).message}).`;
  }
  const read = readInspectionReport(raw);
  if (!read.ok) return read.reason;
  await writeJsonAtomically(reportPath, withBootVerification(read.report, verification));
  return null;
}

/** The inspection report at a path, or null when there is none or it cannot be read. */
export async function readInspectionFile(reportPath: string): Promise<InspectionReport | null> {
  const raw = await readFile(reportPath, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => null,
  ).catch(() => null);
  const read = raw === null ? null : readInspectionReport(raw);
  return read?.ok ? read.report : null;
}

/**
 * What the inspection of the booted disk said that the verdict should repeat: that it found no
 * operating system (then a failed boot is what was to be expected, and the verdict says why).
 * Null when there is nothing to add.
 */
export function inspectionNoteFor(report: InspectionReport, jobId: string): string | null {
  if (report.os.type !== 'unknown') return null;
  return `The inspection of this disk (job ${jobId}) found no operating system on it: there was nothing to boot.`;
}

/** Readers never see half a file: written next to it, then renamed over it. */
async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const partial = `${path}.partial-${process.pid}`;
  try {
    await writeFile(partial, `${JSON.stringify(value, null, 2)}\n`);
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
  }
}
