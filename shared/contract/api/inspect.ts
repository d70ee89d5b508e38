import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { InspectionReport } from '../models/inspection';

/**
 * Guest inspection: start it on any disk(s), fetch the report a job stored, open a saved report
 * file without re-inspecting, and export it as the self-contained HTML rendering, as PDF (that
 * HTML printed by Electron's printToPDF in the app, by headless Chromium elsewhere) or as JSON.
 */

export const InspectDiskInput = z
  .object({
    path: z.string().min(1),
    /** raw, qcow2, vmdk...; probed with qemu-img when absent. */
    format: z.string().min(1).optional(),
  })
  .strict();
export type InspectDiskInput = z.infer<typeof InspectDiskInput>;

/**
 * The report an export writes: a job's, a saved file on the engine's machine, or the report
 * itself (a file opened in a browser, which the engine cannot read by path).
 */
export const ReportSource = z.union([
  z.object({ jobId: JobId }).strict(),
  z.object({ path: z.string().min(1) }).strict(),
  z.object({ report: InspectionReport }).strict(),
]);
export type ReportSource = z.input<typeof ReportSource>;

const ExportInput = z
  .object({
    source: ReportSource,
    /** Where to write, on the engine's machine; an existing file is replaced only with overwrite. */
    out: z.string().min(1),
    overwrite: z.boolean().default(false),
  })
  .strict();
const ExportOutput = z.object({ path: z.string(), bytes: z.number().int().nonnegative() });

export const inspectApi = {
  'inspect.start': method({
    summary: 'Inspect the disks of one VM (read-only, one appliance); the report arrives as the job result',
    input: z.object({ disks: z.array(InspectDiskInput).min(1).max(26) }).strict(),
    output: z.object({ jobId: JobId }),
  }),
  'inspect.report': method({
    summary: "The inspection report a job stored (<jobDir>/inspection.json)",
    input: z.object({ jobId: JobId }).strict(),
    output: InspectionReport,
  }),
  'inspect.open': method({
    summary: 'Open a saved inspection report (JSON) without inspecting again',
    input: z.object({ path: z.string().min(1) }).strict(),
    output: InspectionReport,
  }),
  'inspect.exportHtml': method({
    summary: 'Write the report as one self-contained HTML file (inline CSS and SVG charts)',
    input: ExportInput,
    output: ExportOutput,
  }),
  'inspect.exportPdf': method({
    summary: 'Write the report as PDF: the self-contained HTML, printed by Chromium (Electron in the app)',
    input: ExportInput,
    output: ExportOutput,
  }),
  'inspect.estimate': method({
    summary: 'How long the inspection appliance takes to start on this machine, and the inspection after it (medians of recent inspections)',
    input: z.object({}).strict(),
    output: z.object({ launchSeconds: z.number().nonnegative(), inspectSeconds: z.number().nonnegative(), measured: z.number().int().nonnegative() }),
  }),
  'inspect.exportJson': method({
    summary: 'Write the report as JSON (what inspect.open and the viewer read back)',
    input: ExportInput,
    output: ExportOutput,
  }),
};
