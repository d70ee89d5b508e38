/**
 * Guest inspection, as the rest of the engine uses it: the stage (for jobs and the CLI), the
 * session (kept open for the repair stage), and the report files (open, HTML export).
 */
export { inspectStage, probeDisks } from './stage';
export type { InspectDisk, InspectStageInput, InspectStageOutput } from './stage';
export { GuestfishSession } from '../appliance/guestfish-session';
export type { DiskAccess, SessionDisk, SessionDrive, SessionOptions } from '../appliance/guestfish-session';
export { evaluateFindings, FINDING_CODES } from './findings';
export { readReportFile, writeReportHtml } from '../report/files';
export { renderInspectionHtml } from '../report/render-html';
export * from './error-codes';
