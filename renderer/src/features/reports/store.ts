import { create } from 'zustand';
import type { ReportSource } from '../../../../shared/contract/api/inspect';
import type { JobSummary } from '../../../../shared/contract/api/core';
import type { EngineError } from '../../../../shared/contract/errors';
import type { InspectionReport } from '../../../../shared/contract/models/inspection';
import { MAX_MESSAGE_BYTES } from '../../../../shared/rpc/protocol';
import { appEnvironment, engine, useAppStore } from '../../app/app-store';
import { toErrorValue, uiError } from '../../app/errors';
import { jobFollower } from '../../app/job-follower';
import { uploadBatch, UploadError } from '../../app/uploads';
import { newBatchId } from '../convert/source-choice';
import { applyInspectEvent, initialInspectRun } from './inspect-run';
import type { InspectRunView } from './inspect-run';
import { readReportText, reportFileProblem } from './report-file';

/** Where the report on screen came from: it decides what an export sends to the engine. */
export type ReportOrigin =
  | { kind: 'job'; jobId: string }
  /** A file on the engine's machine, opened with the server-side file browser. */
  | { kind: 'engine-file'; path: string }
  /** A file dropped or picked in the page; its path only when the page can know it (Electron). */
  | { kind: 'local-file'; name: string; path: string | null };

export type ExportKind = 'html' | 'pdf' | 'json';

export interface ExportDone {
  kind: ExportKind;
  path: string;
  bytes: number;
}

export interface ReportsState {
  report: InspectionReport | null;
  origin: ReportOrigin | null;
  /** The feature to go back to when the report was opened from elsewhere (the Convert wizard). */
  returnTo: string | null;
  opening: boolean;
  openError: EngineError | null;
  /** Disks chosen for a new inspection (paths on the engine's machine). */
  disks: string[];
  starting: boolean;
  startError: EngineError | null;
  run: InspectRunView | null;
  cancelling: boolean;
  exporting: ExportKind | null;
  exported: ExportDone[];
  exportError: EngineError | null;
  /** Reports of this session's jobs (inspections, conversions that inspected). */
  recent: JobSummary[];
}

const initialState: ReportsState = {
  report: null,
  origin: null,
  returnTo: null,
  opening: false,
  openError: null,
  disks: [],
  starting: false,
  startError: null,
  run: null,
  cancelling: false,
  exporting: null,
  exported: [],
  exportError: null,
  recent: [],
};

export const useReportsStore = create<ReportsState>()(() => ({ ...initialState }));

const get = useReportsStore.getState;
const set = useReportsStore.setState;

// ---- Showing a report -----------------------------------------------------------------------

export function showReport(report: InspectionReport, origin: ReportOrigin, returnTo: string | null = null): void {
  set({ report, origin, returnTo, opening: false, openError: null, exported: [], exportError: null, exporting: null });
}

/** Opens the Reports page on a report from another feature (the wizard's Result step). */
export function viewReportFrom(feature: string, report: InspectionReport, origin: ReportOrigin): void {
  showReport(report, origin, feature);
  useAppStore.getState().setFeature('reports');
}

export function closeReport(): void {
  set({ report: null, origin: null, returnTo: null, exported: [], exportError: null });
}

export function goBack(): void {
  const { returnTo } = get();
  if (returnTo) useAppStore.getState().setFeature(returnTo);
}

async function opened(load: () => Promise<InspectionReport>, origin: ReportOrigin): Promise<void> {
  set({ opening: true, openError: null });
  try {
    showReport(await load(), origin);
  } catch (error) {
    set({ opening: false, openError: toErrorValue(error) });
  }
}

export function openJobReport(jobId: string): Promise<void> {
  return opened(() => engine().call('inspect.report', { jobId }), { kind: 'job', jobId });
}

export function openEngineFile(path: string): Promise<void> {
  return opened(() => engine().call('inspect.open', { path }), { kind: 'engine-file', path });
}

/** A saved report dropped on or picked in the page: read and checked here, nothing inspected. */
export async function openLocalFile(file: File, pathForFile: ((file: File) => string) | null): Promise<void> {
  const tooBig = reportFileProblem(file.name, file.size);
  if (tooBig) {
    set({ openError: tooBig });
    return;
  }
  set({ opening: true, openError: null });
  try {
    const read = readReportText(file.name, await file.text());
    if (!read.ok) {
      set({ opening: false, openError: read.error });
      return;
    }
    showReport(read.report, { kind: 'local-file', name: file.name, path: pathForFile ? pathForFile(file) : null });
  } catch (error) {
    set({ opening: false, openError: uiError('DROP_UNUSABLE', `${file.name} could not be read: ${toErrorValue(error).message}`, 'Drop the file again, or pick it with the button.') });
  }
}

export function reportOpenFailed(error: EngineError): void {
  set({ openError: error, opening: false });
}

// ---- Exports ------------------------------------------------------------------------------

/** Room left in one RPC message for the rest of the call. */
const INLINE_REPORT_LIMIT = MAX_MESSAGE_BYTES - 64 * 1024;

/**
 * What the engine is told to export. A job or a file it can read goes by reference; a report
 * that only the page has goes inline, or — too large for one message — uploaded first.
 */
async function exportSource(report: InspectionReport, origin: ReportOrigin): Promise<ReportSource> {
  if (origin.kind === 'job') return { jobId: origin.jobId };
  if (origin.kind === 'engine-file') return { path: origin.path };
  if (origin.path) return { path: origin.path };
  const text = JSON.stringify(report);
  if (new TextEncoder().encode(text).length < INLINE_REPORT_LIMIT) return { report };
  const env = appEnvironment();
  if (env.mode !== 'bridge') throw uiError('INSPECT_REPORT_INVALID', 'This report is too large to send to the engine.', 'Open it with "Open a report on this machine" instead.');
  const batch = newBatchId((n) => crypto.getRandomValues(new Uint8Array(n)));
  const [uploaded] = await uploadBatch([new File([text], 'report.json', { type: 'application/json' })], batch, env.token, new AbortController().signal, () => undefined);
  return { path: uploaded!.path };
}

const EXPORT_CALL = { html: 'inspect.exportHtml', pdf: 'inspect.exportPdf', json: 'inspect.exportJson' } as const;

export async function exportReport(kind: ExportKind, out: string, overwrite: boolean): Promise<void> {
  const { report, origin, exporting } = get();
  if (!report || !origin || exporting) return;
  set({ exporting: kind, exportError: null });
  try {
    const source = await exportSource(report, origin);
    const written = await engine().call(EXPORT_CALL[kind], { source, out, overwrite });
    if (get().report !== report) return;
    set({ exporting: null, exported: [...get().exported.filter((e) => e.kind !== kind), { kind, ...written }] });
  } catch (error) {
    if (get().report !== report) return;
    set({ exporting: null, exportError: error instanceof UploadError ? error.value : toErrorValue(error) });
  }
}

// ---- Inspecting a disk ----------------------------------------------------------------------

export function setDisks(disks: string[]): void {
  set({ disks: [...new Set(disks.map((d) => d.trim()).filter(Boolean))], startError: null });
}

const inspectionJob = jobFollower<InspectRunView>({
  link: engine,
  store: useReportsStore,
  reducer: { initial: initialInspectRun, apply: applyInspectEvent },
  maxBuffered: 2000,
  // A finished inspection opens its report at once.
  onEnded: (run) => {
    if (run.outcome?.type !== 'done') return;
    showReport(run.outcome.report, { kind: 'job', jobId: run.jobId });
    set({ run: null });
    void refreshRecent();
  },
  // Another job's report (a conversion that inspected) belongs in the list of this session.
  onOtherJob: (event) => {
    if (event.type === 'done') void refreshRecent();
  },
  // No onSync: a catch-up fails when the job is gone with the engine that ran it (a restart),
  // and then nothing more will come.
});

export async function startInspection(): Promise<void> {
  const { disks, starting } = get();
  if (!disks.length || starting || (get().run && !get().run!.outcome)) return;
  set({ startError: null });
  try {
    await inspectionJob.start(() => engine().call('inspect.start', { disks: disks.map((path) => ({ path })) }));
  } catch (error) {
    set({ startError: toErrorValue(error) });
  }
}

export function cancelInspection(): Promise<void> {
  return inspectionJob.cancel().catch((error: unknown) => set({ startError: toErrorValue(error) }));
}

export function dismissRun(): void {
  if (get().run?.outcome) set({ run: null, cancelling: false });
}

// ---- Reports of this session ----------------------------------------------------------------

export function hasReport(job: JobSummary): boolean {
  if (job.state !== 'succeeded') return false;
  if (job.kind === 'inspect') return true;
  return job.kind === 'convert' && typeof job.result === 'object' && job.result !== null && 'inspection' in job.result;
}

export async function refreshRecent(): Promise<void> {
  try {
    const jobs = await engine().call('jobs.list', {});
    set({ recent: jobs.filter(hasReport) });
  } catch {
    // The list is a convenience; the page works without it.
  }
}

let connected = false;

export function connectReportsFeature(): void {
  if (connected) return;
  connected = true;
  inspectionJob.listen();
}
