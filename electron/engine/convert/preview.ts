import { access, constants, statfs, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConvertOptions } from '../../../shared/contract/models/convert';
import type { ConvertPreview, PlannedOutput, ResolvedConvertOptions } from '../../../shared/contract/models/convert';
import type { SourcePlan } from '../../../shared/contract/models/source';
import { fail } from '../core/errors';
import { formatBytes } from '../../../shared/format';
import { defaultOutputName } from '../../../shared/naming';

/** Room we keep free beyond the estimate: file system metadata, the job's own files. */
const SPACE_MARGIN_BYTES = 64 * 1024 * 1024;

export interface PreviewDeps {
  /** True when a privileged helper can write where this user cannot. */
  canElevate: boolean;
}

export function resolveOptions(options: ConvertOptions): ResolvedConvertOptions {
  const parsed = ConvertOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'options';
    if (field === 'name') fail('OUTPUT_NAME_INVALID', `The output name is not valid: ${issue?.message}.`, 'Use letters, digits, dots, dashes and underscores, starting with a letter or digit.');
    fail('INVALID_REQUEST', `The conversion options are not valid (${field}: ${issue?.message}).`, 'Fix the option named above.');
  }
  if (parsed.data.compress && parsed.data.format !== 'qcow2') {
    fail('INVALID_REQUEST', 'Only qcow2 output can be compressed.', 'Choose qcow2, or turn compression off.');
  }
  return { ...parsed.data, outDir: resolve(parsed.data.outDir) };
}

export function outputPaths(plan: SourcePlan, options: ResolvedConvertOptions): Array<{ diskId: string; path: string }> {
  const name = options.name ?? defaultOutputName(plan);
  const ext = options.format === 'qcow2' ? 'qcow2' : 'raw';
  return plan.disks.map((disk, i) => ({
    diskId: disk.id,
    path: join(options.outDir, plan.disks.length > 1 ? `${name}-disk${i + 1}.${ext}` : `${name}.${ext}`),
  }));
}

/**
 * What a conversion will do, before any byte moves: outputs and their estimated size (from
 * qemu-img measure, which reads only the allocation map), the free space at the destination,
 * and every blocker — so the user sees "not enough space" now, not at 93 %.
 */
export async function previewConversion(plan: SourcePlan, options: ResolvedConvertOptions, deps: PreviewDeps): Promise<ConvertPreview> {
  const blockers: ConvertPreview['blockers'] = [];
  const outputs: PlannedOutput[] = [];
  let estimatedBytes = 0;
  for (const { diskId, path } of outputPaths(plan, options)) {
    const required = plan.disks.find((d) => d.id === diskId)!.requiredBytes;
    const exists = await pathExists(path);
    outputs.push({ diskId, path, format: options.format, estimatedBytes: required, exists });
    estimatedBytes += required;
    if (exists && !options.overwrite) {
      blockers.push({ code: 'OUTPUT_EXISTS', message: `${path} already exists.`, hint: 'Choose another name or folder, or allow overwriting explicitly.' });
    }
  }

  const destination = await destinationState(options.outDir);
  if (!destination.parentExists) {
    blockers.push({ code: 'DEST_NOT_FOUND', message: `The destination ${options.outDir} does not exist, nor does its parent folder.`, hint: 'Create the folder first or choose another one.' });
  } else if (!destination.isDirectory) {
    blockers.push({ code: 'DEST_NOT_FOUND', message: `The destination ${options.outDir} is not a folder.`, hint: 'Choose a folder.' });
  } else if (!destination.writable && !deps.canElevate) {
    blockers.push({ code: 'DEST_NOT_WRITABLE', message: `You cannot write to ${destination.existing}.`, hint: 'Choose a folder you own, or run the app with the rights to write there.' });
  }
  const free = destination.freeBytes;
  if (destination.parentExists && free < estimatedBytes + SPACE_MARGIN_BYTES) {
    blockers.push({
      code: 'DEST_NO_SPACE',
      message: `Not enough space in ${destination.existing}: the output needs about ${formatBytes(estimatedBytes)}, ${formatBytes(free)} is free.`,
      hint: 'Free some space or choose a destination on another disk.',
    });
  }
  return { source: plan, options, outputs, estimatedBytes, destinationFreeBytes: free, blockers };
}

interface DestinationState {
  /** The folder itself if it exists, else its parent. */
  existing: string;
  parentExists: boolean;
  isDirectory: boolean;
  writable: boolean;
  freeBytes: number;
}

async function destinationState(outDir: string): Promise<DestinationState> {
  let existing = outDir;
  let stats = await stat(outDir).catch(() => null);
  if (!stats) {
    existing = dirname(outDir);
    stats = await stat(existing).catch(() => null);
  }
  if (!stats) return { existing, parentExists: false, isDirectory: false, writable: false, freeBytes: 0 };
  const writable = await access(existing, constants.W_OK).then(
    () => true,
    () => false,
  );
  const fs = await statfs(existing);
  return { existing, parentExists: true, isDirectory: stats.isDirectory(), writable, freeBytes: fs.bavail * fs.bsize };
}

async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
