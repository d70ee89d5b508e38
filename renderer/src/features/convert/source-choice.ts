/**
 * Turning what was dropped or picked into one source path for `source.plan`, and deciding
 * which dropped files are worth streaming through the bridge. Pure: no DOM here.
 */

export interface DroppedFile {
  name: string;
  /** Path inside the dropped folder ("vm/disk.vmdk"), or the name for a loose file. */
  relativePath: string;
  size: number;
}

export interface UploadSelection<F extends DroppedFile> {
  upload: F[];
  skipped: Array<{ file: F; reason: string }>;
  /** Why nothing can be uploaded, in words; null when `upload` is usable. */
  problem: string | null;
}

/**
 * Files a VM folder holds that conversion never reads: memory images and swap (often as large
 * as the VM's RAM), suspend state, logs and lock files. Skipping them saves a long upload.
 */
const NOT_NEEDED: Array<{ test: RegExp; reason: string }> = [
  { test: /\.(vmem|vswp)$/i, reason: 'memory or swap file (not needed to convert the disks)' },
  { test: /\.(vmss|vmsn)$/i, reason: 'suspend or snapshot memory state (not needed to convert the disks)' },
  { test: /\.log$/i, reason: 'log file' },
  { test: /\.scoreboard$/i, reason: 'VMware run-time state' },
  { test: /(^|\/)[^/]*\.lck(\/|$)/i, reason: 'lock file' },
];

export function selectUploads<F extends DroppedFile>(files: readonly F[]): UploadSelection<F> {
  const upload: F[] = [];
  const skipped: Array<{ file: F; reason: string }> = [];
  for (const file of files) {
    if (file.name.startsWith('.')) {
      skipped.push({ file, reason: 'hidden file' });
      continue;
    }
    const rule = NOT_NEEDED.find((r) => r.test.test(file.relativePath) || r.test.test(file.name));
    if (rule) skipped.push({ file, reason: rule.reason });
    else upload.push(file);
  }
  if (upload.length === 0) {
    return { upload, skipped, problem: files.length === 0 ? 'Nothing was dropped.' : 'None of the dropped files is a disk or a VM description.' };
  }
  // One drop becomes one flat folder on the engine's side (a VMware VM folder is flat): two
  // files with the same name from different subfolders would overwrite each other.
  const byName = new Map<string, F>();
  for (const file of upload) {
    const clash = byName.get(file.name);
    if (clash) {
      return { upload: [], skipped, problem: `Two dropped files are both named "${file.name}" (${clash.relativePath} and ${file.relativePath}). Drop one VM folder at a time.` };
    }
    byName.set(file.name, file);
  }
  return { upload, skipped, problem: null };
}

export interface UploadedFile {
  /** Where the bridge stored the file. */
  path: string;
  /** The batch folder all files of this drop went to. */
  folder: string;
}

/** One uploaded file is planned as itself; several as their batch folder (the intake finds the VM). */
export function sourceAfterUpload(uploaded: readonly UploadedFile[]): string | null {
  if (uploaded.length === 0) return null;
  if (uploaded.length === 1) return uploaded[0]!.path;
  return uploaded[0]!.folder;
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i <= 0 ? '/' : trimmed.slice(0, i);
}

/**
 * Real paths (Electron, or typed): one path is the source; several files of one folder are
 * that folder (a descriptor with its extents, a VMX with its disks); anything else is unclear.
 */
export function sourceFromPaths(paths: readonly string[]): { source: string } | { problem: string } {
  const clean = paths.filter((p) => p !== '');
  if (clean.length === 0) return { problem: 'The dropped items have no path on this machine.' };
  if (clean.length === 1) return { source: clean[0]! };
  const parents = new Set(clean.map(parentOf));
  if (parents.size === 1) return { source: [...parents][0]! };
  return { problem: 'The dropped files come from different folders. Drop one VM (its folder, or its files) at a time.' };
}

/** An id for one drop's batch folder on the engine side (the bridge wants 8–64 of [A-Za-z0-9-]). */
export function newBatchId(random: (bytes: number) => Uint8Array): string {
  return Array.from(random(12), (b) => b.toString(16).padStart(2, '0')).join('');
}
