import type { FileChange, FirstBootAction, FixId, FixStatus, GuestCommand, PlannedFix, RegistryChange } from '../../../shared/contract/models/repair';
import { backupPath, sha256, unifiedDiff } from './diff';
import type { RegEdit } from './windows/registry-edit';

/**
 * A fix as the planner builds it: the edits it makes (as transforms of the file's text, so that
 * several fixes touching one file — fstab, /etc/default/grub — compose in fix order whichever of
 * them the user keeps) and the commands it needs. `toPlanned` turns it into the contract's
 * PlannedFix with one unified diff per file, computed from the file as the guest has it now.
 */

export type FileEdit =
  | { path: string; kind: 'text'; transform: (text: string) => string }
  /** A new text file (mode null: the file system has no POSIX modes, e.g. NTFS). */
  | { path: string; kind: 'create'; content: string; mode?: number | null }
  | { path: string; kind: 'remove' }
  /** A binary copy inside the guest (a boot loader to its fallback path). */
  | { path: string; kind: 'copy'; from: string }
  /** A symlink the fix creates (enabling a unit) or removes (disabling one): no backup, the record says what it pointed to. */
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'unlink'; target: string }
  /** A binary file from the host (a driver of the virtio-win set), replacing the guest's (beforeSha256) if any. */
  | { path: string; kind: 'upload'; from: string; size: number; sha256: string; beforeSha256: string | null }
  /**
   * Registry edits of a Windows hive: merged on the host (hivexregedit) into a copy of the hive
   * downloaded as `local`, then uploaded. The edits of every fix touching one hive are merged
   * in fix order, once.
   */
  | { path: string; kind: 'hive'; hive: 'SYSTEM' | 'SOFTWARE'; local: string; sha256: string; size: number; edits: readonly RegEdit[] };

/**
 * Commands run after every file edit, in phase order, each distinct command once (three fixes
 * asking for a new grub.cfg regenerate it once). Phases: initramfs before the boot loader (a new
 * initramfs can be named in grub.cfg), boot code last.
 */
export const PHASE = { initramfs: 10, bootConfig: 20, bootCode: 30, late: 40 } as const;

export interface DraftCommand extends GuestCommand {
  phase: number;
  /** Files the command rewrites: their hashes (and a backup) are recorded around it. */
  produces: readonly string[];
  /** Seconds it typically takes under TCG, for the progress message. */
  expectSeconds?: number;
  /**
   * Run with only / (and /boot) mounted: grub-install fails on btrfs while the other subvolumes
   * are mounted ("btrfs doesn't support blocklists"), measured in the appliance.
   */
  rootOnly?: boolean;
}

export interface FixDraft {
  id: FixId;
  title: string;
  findings: string[];
  status: FixStatus;
  reason: string;
  optional: boolean;
  edits: FileEdit[];
  commands: DraftCommand[];
  /** Windows: the registry changes its hive edits make, as the plan shows them. */
  registry?: RegistryChange[];
  /** Windows: the scripts it runs once at the first boot. */
  firstBoot?: FirstBootAction[];
}

/** The current text of guest files (what the inspection read), by path; null when absent. */
export type ReadGuestFile = (path: string) => string | null;

export function notNeeded(id: FixId, title: string, findings: string[], reason: string): FixDraft {
  return { id, title, findings, status: 'not-needed', reason, optional: false, edits: [], commands: [] };
}

export function blocked(id: FixId, title: string, findings: string[], reason: string): FixDraft {
  return { id, title, findings, status: 'blocked', reason, optional: false, edits: [], commands: [] };
}

/** Applies a list of edits to a file's text (text edits only; create replaces). */
export function editedText(path: string, edits: readonly FileEdit[], current: string | null): string | null {
  let text = current;
  for (const edit of edits) {
    if (edit.path !== path) continue;
    if (edit.kind === 'text') text = edit.transform(text ?? '');
    else if (edit.kind === 'create') text = edit.content;
    else if (edit.kind === 'remove') text = null;
  }
  return text;
}

export function describeEdit(edit: FileEdit, read: ReadGuestFile): FileChange {
  switch (edit.kind) {
    case 'text':
    case 'create':
    case 'remove': {
      const before = read(edit.path);
      const after = editedText(edit.path, [edit], before);
      return {
        path: edit.path,
        action: edit.kind === 'remove' ? 'remove' : before === null ? 'create' : 'edit',
        diff: unifiedDiff(edit.path, before, after),
        beforeSha256: before === null ? null : sha256(before),
        afterSha256: after === null ? null : sha256(after),
        backup: before === null ? null : backupPath(edit.path),
      };
    }
    case 'copy':
      return { path: edit.path, action: 'create', diff: `copy ${edit.from} -> ${edit.path}`, beforeSha256: null, afterSha256: null, backup: null };
    case 'symlink':
      return { path: edit.path, action: 'create', diff: `symlink ${edit.path} -> ${edit.target}`, beforeSha256: null, afterSha256: null, backup: null };
    case 'unlink':
      return { path: edit.path, action: 'remove', diff: `remove symlink ${edit.path} (-> ${edit.target})`, beforeSha256: null, afterSha256: null, backup: null };
    case 'upload':
      return { path: edit.path, action: edit.beforeSha256 ? 'edit' : 'create', diff: '', beforeSha256: edit.beforeSha256, afterSha256: edit.sha256, backup: edit.beforeSha256 ? backupPath(edit.path) : null, size: edit.size };
    case 'hive':
      // The edited hive's hash is known once the edits are merged (the record has it).
      return { path: edit.path, action: 'edit', diff: '', beforeSha256: edit.sha256, afterSha256: null, backup: backupPath(edit.path), size: edit.size };
  }
}

export function toPlanned(draft: FixDraft, read: ReadGuestFile): PlannedFix {
  // Several text edits of one file by one fix show as one diff.
  const seen = new Set<string>();
  const changes: FileChange[] = [];
  for (const edit of draft.edits) {
    if (edit.kind === 'text' || edit.kind === 'create' || edit.kind === 'remove') {
      if (seen.has(edit.path)) continue;
      seen.add(edit.path);
      const mine = draft.edits.filter((e) => e.path === edit.path);
      const before = read(edit.path);
      const after = editedText(edit.path, mine, before);
      changes.push({ ...describeEdit(edit, read), diff: unifiedDiff(edit.path, before, after), afterSha256: after === null ? null : sha256(after), action: after === null ? 'remove' : before === null ? 'create' : 'edit' });
    } else {
      changes.push(describeEdit(edit, read));
    }
  }
  return {
    id: draft.id,
    title: draft.title,
    findings: draft.findings,
    status: draft.status,
    reason: draft.reason,
    optional: draft.optional,
    changes,
    commands: draft.commands.map(({ argv, why }) => ({ argv, why })),
    ...(draft.registry ? { registry: draft.registry } : {}),
    ...(draft.firstBoot ? { firstBoot: draft.firstBoot } : {}),
  };
}

/** A file's lines with a transform on each (keeps the trailing newline as it was). */
export function mapLines(text: string, fn: (line: string, index: number) => string | null): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const mapped = fn(line, i);
    if (mapped !== null) out.push(mapped);
  });
  return out.join('\n');
}

/** Appends lines, making sure the file ended with a newline first. */
export function appendLines(text: string, lines: readonly string[]): string {
  if (lines.length === 0) return text;
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${base}${lines.join('\n')}\n`;
}
