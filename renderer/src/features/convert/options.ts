import { OutputName } from '../../../../shared/contract/models/convert';
import type { ConvertOptions, ConvertPreview, OutputFormat } from '../../../../shared/contract/models/convert';
import type { SourcePlan } from '../../../../shared/contract/models/source';
import type { EngineError } from '../../../../shared/contract/errors';
import { baseName, defaultOutputName as sharedDefaultName, sanitizeOutputName, stripDiskExtension } from '../../../../shared/naming';
import { DEFAULT_REPAIR_DRAFT, repairOption } from '../repair/repair-options';
import type { RepairDraft } from '../repair/repair-options';

/** What the Options step edits; turned into the contract's ConvertOptions for every call. */
export interface OptionsDraft extends RepairDraft {
  format: OutputFormat;
  /** Asked for; only sent with qcow2 (raw has no compression). */
  compress: boolean;
  outDir: string;
  name: string;
  overwrite: boolean;
  /** Inspect the converted disks at the end (on unless the user turns it off). */
  inspect: boolean;
}

/**
 * Files dropped in a browser reach the engine in an upload folder with a random name; when the
 * engine names the VM after that folder, the name of what was dropped is the better default.
 */
export interface UploadOrigin {
  batchFolder: string;
  /** The folder the user dropped, when it was a folder. */
  droppedFolder: string | null;
}

/**
 * The name outputs get when the user types none: the VM's name (or the disk's file name)
 * made safe for a file name. The engine derives the same default; the preview shows the real
 * output paths either way.
 */
export function defaultOutputName(plan: SourcePlan, upload: UploadOrigin | null = null): string {
  const namedAfterUploadFolder = upload !== null && plan.kind === 'folder' && plan.input === upload.batchFolder && (plan.vm.name === undefined || plan.vm.name === baseName(upload.batchFolder));
  if (!namedAfterUploadFolder) return sharedDefaultName(plan);
  return sanitizeOutputName(upload.droppedFolder ?? stripDiskExtension(plan.disks[0]?.label ?? ''));
}

export function initialDraft(plan: SourcePlan, defaultOutDir: string, upload: UploadOrigin | null = null): OptionsDraft {
  return { format: 'qcow2', compress: false, outDir: defaultOutDir, name: defaultOutputName(plan, upload), overwrite: false, inspect: true, ...DEFAULT_REPAIR_DRAFT };
}

/** Why the typed name cannot be used, in words; null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'Give the output a name.';
  const parsed = OutputName.safeParse(name);
  if (parsed.success) return null;
  if (name.length > 200) return 'The name is longer than 200 characters.';
  if (name.includes('/')) return 'The name is a file name, not a path: no slash. Choose the folder under Destination.';
  if (!/^[A-Za-z0-9]/.test(name)) return 'The name must start with a letter or a digit.';
  return 'Use letters, digits, dot, dash, underscore and plus only.';
}

export function outDirProblem(outDir: string): string | null {
  if (outDir.trim() === '') return 'Choose a destination folder.';
  if (!outDir.startsWith('/')) return 'Give the destination as an absolute path (starting with /).';
  return null;
}

/** The draft as the contract's options, or null while a field is not valid. */
export function toConvertOptions(draft: OptionsDraft): ConvertOptions | null {
  if (nameProblem(draft.name) || outDirProblem(draft.outDir)) return null;
  return {
    format: draft.format,
    compress: draft.format === 'qcow2' && draft.compress,
    outDir: draft.outDir.trim(),
    name: draft.name,
    overwrite: draft.overwrite,
    // A repair inspects first, in the same appliance.
    inspect: draft.inspect || draft.repair,
    ...repairOption(draft),
  };
}

export type PreviewState =
  | { status: 'idle' }
  | { status: 'loading'; requestId: number }
  | { status: 'ready'; requestId: number; preview: ConvertPreview }
  | { status: 'error'; requestId: number; error: EngineError };

/**
 * Every reason "Start" is disabled, in words. Start needs a valid draft and a preview of that
 * very draft without blockers: the user must have seen what will happen before it happens.
 */
export function startProblems(draft: OptionsDraft, preview: PreviewState, previewedFor: ConvertOptions | null): string[] {
  const problems: string[] = [];
  const name = nameProblem(draft.name);
  if (name) problems.push(name);
  const outDir = outDirProblem(draft.outDir);
  if (outDir) problems.push(outDir);
  if (problems.length) return problems;
  if (preview.status === 'idle' || preview.status === 'loading') return ['Waiting for the preview of this conversion.'];
  if (preview.status === 'error') return [`The preview failed: ${preview.error.message}`];
  const current = toConvertOptions(draft);
  if (JSON.stringify(current) !== JSON.stringify(previewedFor)) return ['Waiting for the preview of this conversion.'];
  return preview.preview.blockers.map((b) => b.message);
}
