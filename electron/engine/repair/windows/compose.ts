import type { FixId } from '../../../../shared/contract/models/repair';
import type { FileEdit, FixDraft } from '../draft';
import { blocked, notNeeded } from '../draft';
import type { ActionFile } from './firstboot';
import { firstBootBlocked, firstBootScheduling } from './firstboot';
import type { WindowsGuest } from './guest-view';
import type { Hive, RegEdit } from './registry-edit';
import { effectiveEdits } from './registry-edit';

/**
 * A Windows fix from what it wants the guest to look like: files (driver binaries, scripts),
 * registry edits and first-boot actions. Only what differs from the guest as it is now is kept,
 * so a fix whose every part is already there is "not needed" (a second repair plans nothing).
 * A fix with a first-boot action also brings the runner and the Setup values that start it.
 */
export interface WindowsParts {
  files?: FileEdit[];
  registry?: RegEdit[];
  actions?: ActionFile[];
}

export interface FixMeta {
  id: FixId;
  title: string;
  findings: string[];
}

/** A file edit that changes nothing: the same bytes are already there. */
function unchanged(guest: Pick<WindowsGuest, 'files'>, edit: FileEdit): boolean {
  const current = guest.files.get(edit.path);
  if (!current) return false;
  if (edit.kind === 'upload') return current.sha256 === edit.sha256;
  if (edit.kind === 'create') return current.text === edit.content;
  return false;
}

/** The edits of each hive as one FileEdit per hive file (null when a hive could not be read). */
function hiveEdits(guest: Pick<WindowsGuest, 'hives'>, edits: readonly RegEdit[]): FileEdit[] | null {
  const out: FileEdit[] = [];
  for (const hive of ['SYSTEM', 'SOFTWARE'] as const satisfies readonly Hive[]) {
    const mine = edits.filter((e) => e.hive === hive);
    if (mine.length === 0) continue;
    const copy = guest.hives[hive];
    if (!copy) return null;
    out.push({ path: copy.guestPath, kind: 'hive', hive, local: copy.local, sha256: copy.sha256, size: copy.size, edits: mine });
  }
  return out;
}

export function composeFix(guest: WindowsGuest, meta: FixMeta, parts: WindowsParts, reasons: { planned: string; nothing: string }): FixDraft {
  const { id, title, findings } = meta;
  const actions = (parts.actions ?? []).filter((a) => !unchanged(guest, a.edit));
  const files = [...(parts.files ?? []), ...actions.map((a) => a.edit)].filter((e) => !unchanged(guest, e));
  const own = effectiveEdits(parts.registry ?? [], guest.registry);
  if (files.length === 0 && own.edits.length === 0) return notNeeded(id, title, findings, reasons.nothing);
  if (actions.length) {
    const why = firstBootBlocked(guest);
    if (why) return blocked(id, title, findings, why);
  }
  const scheduling = actions.length ? firstBootScheduling(guest) : { edits: [], registry: [] };
  const schedule = effectiveEdits(scheduling.registry, guest.registry);
  const registry = [...own.edits, ...schedule.edits];
  const hives = hiveEdits(guest, registry);
  if (!hives) return blocked(id, title, findings, 'The registry hive it must change could not be read from the guest (see the inspection’s notes).');
  return {
    id,
    title,
    findings,
    status: 'planned',
    reason: reasons.planned,
    optional: false,
    edits: [...files, ...scheduling.edits.filter((e) => !unchanged(guest, e)), ...hives],
    commands: [],
    registry: [...own.changes, ...schedule.changes],
    ...(actions.length ? { firstBoot: actions.map((a) => a.action) } : {}),
  };
}
