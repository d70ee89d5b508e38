import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { InspectionReport } from '../models/inspection';

/**
 * Guest inspection: start it on any disk(s), fetch the report a job stored, open a saved report
 * file without re-inspecting, and export the self-contained HTML rendering. (PDF export is
 * rendered from the HTML by the front end: Electron's printToPDF or Chromium's page.pdf.)
 */

export const InspectDiskInput = z
  .object({
    path: z.string().min(1),
    /** raw, qcow2, vmdk...; probed with qemu-img when absent. */
    format: z.string().min(1).optional(),
  })
  .strict();
export type InspectDiskInput = z.infer<typeof InspectDiskInput>;

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
    input: z
      .object({
        /** The job whose report to export, or a saved report file. */
        source: z.union([z.object({ jobId: JobId }).strict(), z.object({ path: z.string().min(1) }).strict()]),
        out: z.string().min(1),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ path: z.string(), bytes: z.number().int().nonnegative() }),
  }),
};
