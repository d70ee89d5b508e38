import type { RepairPlan } from '../../../../shared/contract/models/repair';
import type { FixDraft, ReadGuestFile } from '../draft';
import { toPlanned } from '../draft';
import { selectFixes } from '../select';
import { planBootloader, planCleanCmdline, planFallbackLoader, planSerialConsole } from './bootloader';
import { planFstab } from './fstab';
import type { LinuxGuest } from './guest-view';
import { guestText } from './guest-view';
import { planInitramfs } from './initramfs';
import { planNetwork } from './network';
import { planGuestAgent, planRelabel, planVmwareTools } from './services';

/**
 * The Linux repair plan: every fix the product knows, each planned, not needed, blocked or left
 * out with its reason, in the order they are applied. Pure: it reads only the LinuxGuest.
 */
export interface LinuxPlan {
  plan: RepairPlan;
  /** The fixes with their edits and commands, for the apply stage (same order as plan.fixes). */
  drafts: FixDraft[];
}

export function planLinuxRepair(guest: LinuxGuest): LinuxPlan {
  const blockers: RepairPlan['blockers'] = [];
  const notes: string[] = [];
  const bl = guest.report.linux.bootloader;
  if (bl.kind === 'none' || bl.kind === 'unknown') {
    blockers.push({
      code: 'REPAIR_UNKNOWN_BOOTLOADER',
      message: 'No boot loader configuration this product recognises was found (no grub.cfg, menu.lst, BLS entries or extlinux.conf), so how the guest boots cannot be told.',
      hint: 'Check that /boot is mounted by the guest’s fstab and holds its boot loader; nothing is written until then.',
    });
  }
  if (guest.probe.rootSubvolume?.readOnly) {
    blockers.push({
      code: 'REPAIR_READ_ONLY_ROOT',
      message: `The root file system is the read-only btrfs snapshot ${guest.probe.rootSubvolume.path}; repairs would have to write into it.`,
      hint: 'Roll back to a writable snapshot in the source VM (snapper rollback), or make the default subvolume writable, then migrate again.',
    });
  }
  const encryptedRoot = guest.report.filesystems.some((f) => f.encrypted && f.mountpoint === '/');
  if (encryptedRoot) {
    blockers.push({ code: 'REPAIR_ENCRYPTED_ROOT', message: 'The root file system is encrypted and no key was given.', hint: 'Decrypt it in the source VM before migrating.' });
  }

  const drafts: FixDraft[] = [planFstab(guest), planInitramfs(guest), planBootloader(guest), planCleanCmdline(guest), planSerialConsole(guest), planFallbackLoader(guest), planNetwork(guest), planVmwareTools(guest), planGuestAgent(guest)];
  const selected = selectFixes(drafts, guest.options);
  const writes = selected.some((d) => d.status === 'planned' && (d.edits.length > 0 || d.commands.length > 0));
  selected.push(...selectFixes([planRelabel(guest, writes)], guest.options));
  if (guest.probe.rootSubvolume) notes.push(`Root is the btrfs subvolume ${guest.probe.rootSubvolume.path}${guest.probe.rootSubvolume.readOnly ? ' (read-only)' : ''}; the other subvolumes are mounted as fstab says before anything is written.`);

  const read: ReadGuestFile = (path) => guestText(guest, path);
  return {
    plan: {
      osRoot: guest.report.os.root,
      osType: guest.report.os.type,
      fixes: selected.map((d) => toPlanned(d, read)),
      blockers,
      notes,
    },
    drafts: selected,
  };
}
