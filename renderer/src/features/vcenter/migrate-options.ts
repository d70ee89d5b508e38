import type { MigrateOptions, PreflightReport, PreflightRequest } from '../../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../../shared/contract/errors';
import type { OutputFormat } from '../../../../shared/contract/models/convert';
import { sanitizeOutputName } from '../../../../shared/naming';
import { nameProblem, outDirProblem } from '../convert/options';
import { DEFAULT_REPAIR_DRAFT, repairOption } from '../repair/repair-options';
import type { RepairDraft } from '../repair/repair-options';

/** What the migration form edits; turned into the contract's MigrateOptions and PreflightRequest. */
export interface MigrateDraft extends RepairDraft {
  outDir: string;
  format: OutputFormat;
  /** Only sent with qcow2. */
  compress: boolean;
  name: string;
  overwrite: boolean;
  /** Bandwidth limit in MiB/s as typed (the unit every rate is shown in); empty for none. */
  limitMBps: string;
  keepDownloads: boolean;
}

export function initialMigrateDraft(vmName: string, outDir: string): MigrateDraft {
  return { outDir, format: 'qcow2', compress: false, name: sanitizeOutputName(vmName), overwrite: false, limitMBps: '', keepDownloads: false, ...DEFAULT_REPAIR_DRAFT };
}

/** Why the typed limit cannot be used; null when it is fine (or empty: no limit). */
export function limitProblem(limit: string): string | null {
  const text = limit.trim();
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) return 'The bandwidth limit is a number of MiB/s above zero (or empty for none).';
  return null;
}

export function draftProblems(draft: MigrateDraft): string[] {
  return [nameProblem(draft.name), outDirProblem(draft.outDir), limitProblem(draft.limitMBps)].filter((p): p is string => p !== null);
}

/** The draft as MigrateOptions, or null while a field is not valid. */
export function toMigrateOptions(draft: MigrateDraft): MigrateOptions | null {
  if (draftProblems(draft).length > 0) return null;
  const limit = draft.limitMBps.trim();
  return {
    outDir: draft.outDir.trim(),
    format: draft.format,
    compress: draft.format === 'qcow2' && draft.compress,
    name: draft.name,
    overwrite: draft.overwrite,
    keepDownloads: draft.keepDownloads,
    ...(limit === '' ? {} : { maxBytesPerSecond: Math.round(Number(limit) * 1024 * 1024) }),
    // The wizard inspects what it migrated (the report, Create VM's evidence); a repair needs it.
    inspect: true,
    ...repairOption(draft),
  };
}

/** The pre-flight for the same destination, name and format the migration would use. */
export function toPreflightRequest(connectionId: string, vmId: string, draft: MigrateDraft | null): PreflightRequest {
  const options = draft ? toMigrateOptions(draft) : null;
  if (!options) return { connectionId, vmId };
  return { connectionId, vmId, outDir: options.outDir, format: options.format ?? 'qcow2', name: options.name, overwrite: options.overwrite ?? false };
}

/** Two requests ask the same question (a pre-flight answer is only valid for its request). */
export function sameRequest(a: PreflightRequest | null, b: PreflightRequest | null): boolean {
  return a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

export type PreflightState =
  | { status: 'idle' }
  | { status: 'loading'; request: PreflightRequest }
  | { status: 'ready'; request: PreflightRequest; report: PreflightReport }
  | { status: 'error'; request: PreflightRequest; error: EngineError };

/**
 * Every reason "Start migration" is disabled, in words. The pre-flight of exactly these options
 * must have run without blockers: people must see what blocks before anything moves (the engine
 * checks again when the job starts).
 */
export function startProblems(draft: MigrateDraft, preflight: PreflightState, current: PreflightRequest): string[] {
  const problems = draftProblems(draft);
  if (problems.length > 0) return problems;
  if (preflight.status === 'idle' || preflight.status === 'loading' || !sameRequest(preflight.request, current)) return ['Waiting for the pre-flight checks of these options.'];
  if (preflight.status === 'error') return [`The pre-flight checks failed: ${preflight.error.message}`];
  return preflight.report.items.filter((i) => i.severity === 'blocker').map((i) => `${i.title}${i.subject ? ` (${i.subject})` : ''}: ${i.hint}`);
}
