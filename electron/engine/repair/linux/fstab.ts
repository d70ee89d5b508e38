import { isUnstableStyle, replaceField } from '../../guest/linux/fstab';
import type { FileEdit, FixDraft } from '../draft';
import { notNeeded } from '../draft';
import { resolveDevice } from './devices';
import type { LinuxGuest } from './guest-view';

/**
 * fstab and crypttab entries that name a disk the way VMware's controllers did (/dev/sdX,
 * /dev/disk/by-path, /dev/disk/by-id) are rewritten to `UUID=` of the file system they meant.
 * Only the device field changes: options (subvol=, nofail), comments and order stay. An entry
 * whose file system cannot be told for sure is left as it is and named in the plan.
 */

const TITLE = 'Name file systems by UUID in fstab and crypttab';
const FINDINGS = ['FSTAB_DEVICE_NAME', 'FSTAB_BY_PATH', 'FSTAB_BY_ID'];

export function planFstab(guest: LinuxGuest): FixDraft {
  const { fstab, crypttab } = guest.report.linux;
  const edits: FileEdit[] = [];
  const done: string[] = [];
  const unresolved: string[] = [];
  let rootUnresolved = false;

  for (const entry of fstab) {
    if (!isUnstableStyle(entry.style)) continue;
    const answer = resolveDevice(entry.spec, guest.world, { mountpoint: entry.vfstype === 'swap' ? null : entry.mountpoint, vfstype: entry.vfstype });
    if (!answer.ok) {
      unresolved.push(`${entry.spec} (${entry.mountpoint}, line ${entry.line}): ${answer.reason}`);
      if (entry.mountpoint === '/') rootUnresolved = true;
      continue;
    }
    const value = `UUID=${answer.uuid}`;
    edits.push({ path: '/etc/fstab', kind: 'text', transform: (text) => replaceField(text, entry.line, 0, value) ?? text });
    done.push(`${entry.spec} → ${value} (${entry.mountpoint}, found by ${answer.via})`);
  }
  for (const entry of crypttab) {
    if (!isUnstableStyle(entry.style)) continue;
    const answer = resolveDevice(entry.device, guest.world, { encrypted: true });
    if (!answer.ok) {
      unresolved.push(`${entry.device} (crypttab ${entry.name}, line ${entry.line}): ${answer.reason}`);
      continue;
    }
    const value = `UUID=${answer.uuid}`;
    edits.push({ path: '/etc/crypttab', kind: 'text', transform: (text) => replaceField(text, entry.line, 1, value) ?? text });
    done.push(`${entry.device} → ${value} (crypttab ${entry.name})`);
  }

  if (edits.length === 0 && unresolved.length === 0) return notNeeded('fstab-use-uuid', TITLE, FINDINGS, 'Every entry already names its file system in a way that survives the move (UUID=, LABEL=, LVM).');
  if (rootUnresolved || edits.length === 0) {
    return { id: 'fstab-use-uuid', title: TITLE, findings: FINDINGS, status: 'blocked', reason: `Cannot tell which file system these entries meant, so none is changed: ${unresolved.join('; ')}. Edit them by hand (blkid in the guest shows the UUIDs).`, optional: false, edits: [], commands: [] };
  }
  const reason = [`Rewrites ${done.join('; ')}.`, unresolved.length ? `Left as they are (cannot tell which file system they meant): ${unresolved.join('; ')}.` : ''].filter(Boolean).join(' ');
  return { id: 'fstab-use-uuid', title: TITLE, findings: FINDINGS, status: 'planned', reason, optional: false, edits, commands: [] };
}
