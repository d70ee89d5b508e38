import type { JobManager } from './core/jobs';
import type { ToolRunner } from './core/tool-runner';
import type { DiskOps } from './privilege/disk-ops';
import type { PdfPrinter } from './report/pdf';
import type { SecretStore } from './vcenter/secret-store';

/**
 * What every feature's call handlers may use. Feature areas implement their slice of the
 * contract as `(deps) => handlers` in `<feature>/handlers.ts`; service.ts merges the slices.
 */
export interface EngineDeps {
  tools: ToolRunner;
  jobs: JobManager;
  isRoot: boolean;
  jobsDir: string;
  defaultOutDir: string;
  /** Opens the privileged helper when a job needs it (Electron app); absent elsewhere. */
  elevate?: () => Promise<DiskOps>;
  /** App version, for records and reports. */
  version: string;
  /** The app's own folder (trusted vCenter certificates live there). */
  appHome: string;
  /** Where passwords may be remembered on request (the desktop app's keyring); absent elsewhere. */
  secrets?: SecretStore;
  /** Prints reports to PDF (the Electron app's printToPDF); headless Chromium when absent. */
  pdfPrinter?: PdfPrinter;
}
