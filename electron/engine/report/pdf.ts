import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { EngineFailure, fail } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { REPORT_PDF_FAILED } from './error-codes';
import { writeExportFile } from './export-file';
import { renderInspectionHtml } from './render-html';
import type { RenderOptions } from './render-html';

/**
 * The report as PDF: the self-contained HTML report, printed by a browser engine. The Electron
 * app prints with its own Chromium (webContents.printToPDF, see electron/main); the CLI and the
 * bridge run Debian's headless Chromium. Either way the page is our own HTML, whose
 * Content-Security-Policy allows no script and no request, so printing it loads nothing else.
 */

/** Prints one self-contained HTML page; resolves to the PDF's bytes. */
export type PdfPrinter = (html: string, options: { signal?: AbortSignal }) => Promise<Uint8Array>;

/** A report of a few hundred packages prints in 1–3 s; a hung browser must not hang the call. */
const PRINT_TIMEOUT_MS = 120_000;

/** Headless Chromium's arguments for printing `htmlUrl` to `pdfPath` with a throwaway profile. */
export function chromiumPrintArgs(htmlUrl: string, pdfPath: string, profileDir: string): string[] {
  return [
    '--headless',
    // Chromium refuses to run as root with its sandbox, and the page runs no script at all.
    '--no-sandbox',
    '--disable-gpu',
    '--no-pdf-header-footer',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--no-first-run',
    '--no-default-browser-check',
    `--user-data-dir=${profileDir}`,
    `--print-to-pdf=${pdfPath}`,
    htmlUrl,
  ];
}

export function isPdf(data: Uint8Array): boolean {
  return data.length > 8 && Buffer.from(data.subarray(0, 5)).toString('latin1') === '%PDF-';
}

/** Prints with Debian's Chromium through the tool runner, in a temporary folder removed afterwards. */
export function chromiumPdfPrinter(tools: ToolRunner, timeoutMs = PRINT_TIMEOUT_MS): PdfPrinter {
  return async (html, { signal }) => {
    const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-pdf-'));
    const htmlPath = join(dir, 'report.html');
    const pdfPath = join(dir, 'report.pdf');
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      await writeFile(htmlPath, html);
      try {
        await tools.run('chromium', chromiumPrintArgs(pathToFileURL(htmlPath).href, pdfPath, join(dir, 'profile')), {
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          failureCode: REPORT_PDF_FAILED,
          failureHint: 'Check that Chromium starts (chromium --headless --version), then export again.',
        });
      } catch (error) {
        if (timeout.aborted && !signal?.aborted) {
          fail(REPORT_PDF_FAILED, `Chromium did not print the report within ${Math.round(timeoutMs / 1000)} s.`, 'Try again; if it keeps happening, export HTML and print it from a browser.');
        }
        throw error;
      }
      const pdf = await readFile(pdfPath).catch(() => null);
      if (!pdf || !isPdf(pdf)) fail(REPORT_PDF_FAILED, 'Chromium ended without writing a PDF.', 'Export HTML and print it from a browser instead.', { path: pdfPath });
      return pdf;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

export interface PdfExportOptions extends RenderOptions {
  printer: PdfPrinter;
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** Renders the report, prints it and writes the PDF under its final name only once complete. */
export async function writeReportPdf(report: InspectionReport, out: string, options: PdfExportOptions): Promise<{ path: string; bytes: number }> {
  const { printer, overwrite, signal, ...render } = options;
  let pdf: Uint8Array;
  try {
    pdf = await printer(renderInspectionHtml(report, { ...render, expanded: true }), signal ? { signal } : {});
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    return fail(REPORT_PDF_FAILED, `The report could not be printed to PDF: ${error instanceof Error ? error.message : String(error)}`, 'Export HTML and print it from a browser instead.');
  }
  if (!isPdf(pdf)) fail(REPORT_PDF_FAILED, 'The printer returned something that is not a PDF.', 'Export HTML and print it from a browser instead.');
  return writeExportFile(out, pdf, overwrite ?? false);
}
