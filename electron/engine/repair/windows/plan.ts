import type { InspectionReport } from '../../../../shared/contract/models/inspection';
import type { PlanIssue, RepairPlan } from '../../../../shared/contract/models/repair';
import { driverBootsDisk, VIRTIO_STORAGE } from '../../inspect/windows/facts';
import type { FixDraft, ReadGuestFile } from '../draft';
import { toPlanned } from '../draft';
import { WINDOWS_BLOCKERS, WINDOWS_WARNINGS } from '../error-codes';
import { selectFixes } from '../select';
import { planFastStartup, planGuestAgent, planStaticAddresses, planVmwareTools } from './actions';
import { planEnableVirtio, planInstallVirtio, planSataDriver } from './drivers';
import type { WindowsGuest } from './guest-view';
import { hasDrivers } from './guest-view';

/**
 * The Windows repair plan: every fix the product knows for Windows, each planned, not needed,
 * blocked or left out with its reason, in the order they are applied; the blockers that stop
 * every write (hibernated NTFS, a half-written hive) and the warnings that do not. Pure: it
 * reads only the WindowsGuest.
 */
export interface WindowsPlan {
  plan: RepairPlan;
  drafts: FixDraft[];
}

/** LDM (dynamic disk) partitions: MBR type 0x42, GPT LDM metadata and data. */
const LDM_TYPES = new Set(['42', '5808c8aa-7e8f-42e0-85d2-e1e90434cfb3', 'af9b60a0-1431-4f62-bc68-3311714a69ad']);

/** A BitLocker volume the inspection could not look into, when no operating system was found: the system volume is encrypted. */
export function bitlockerBlocker(report: Pick<InspectionReport, 'os' | 'filesystems'>): PlanIssue | null {
  const locked = report.filesystems.filter((f) => f.encrypted && /bitlocker/i.test(f.type));
  if (report.os.type !== 'unknown' || locked.length === 0) return null;
  return {
    code: WINDOWS_BLOCKERS.bitlocker,
    message: `The Windows system volume is encrypted with BitLocker (${locked.map((f) => f.device).join(', ')}): its files and registry cannot be read or changed offline, and Windows would ask for the recovery key on the new hardware.`,
    hint: 'In the VM on VMware, turn BitLocker off for the system drive (manage-bde -off C:, or Control Panel → BitLocker) and wait for decryption to finish, or at least suspend it (manage-bde -protectors -disable C:); shut down fully, then migrate again.',
  };
}

export function windowsBlockers(guest: Pick<WindowsGuest, 'report' | 'hives'>): PlanIssue[] {
  const w = guest.report.windows;
  const out: PlanIssue[] = [];
  if (w.hibernation.hibernated) {
    out.push({
      code: WINDOWS_BLOCKERS.hibernated,
      message: w.hibernation.fastStartup
        ? 'The system volume was left hibernated: Windows was shut down with Fast Startup on, which hibernates the kernel session (hiberfil.sys holds it), so NTFS is not clean and nothing may be changed offline.'
        : 'Windows is hibernated (hiberfil.sys holds a hibernated session): NTFS is not clean and nothing may be changed offline; resuming that session on other hardware would crash.',
      hint: w.hibernation.fastStartup
        ? 'Start the VM on VMware and shut it down fully: “shutdown /s /t 0” from a command prompt, or hold Shift while choosing Shut down (turning Fast Startup off first, with powercfg /h off, avoids it for good). Then migrate again.'
        : 'Start the VM on VMware (it resumes), then shut it down (not hibernate); then migrate again.',
    });
  }
  for (const hive of ['SYSTEM', 'SOFTWARE'] as const) {
    const copy = guest.hives[hive];
    if (!copy && hive === 'SYSTEM') out.push({ code: WINDOWS_BLOCKERS.noHive, message: 'The SYSTEM registry hive could not be read, so the drivers cannot be set up.', hint: 'Check the inspection’s notes; the system volume may be damaged (run chkdsk in the VM on VMware).' });
    if (copy?.dirty) {
      out.push({
        code: WINDOWS_BLOCKERS.dirtyHive,
        message: `The ${hive} registry hive was not written completely (its sequence numbers differ): Windows was not shut down cleanly, and changes still sit in its transaction logs. Editing it now would lose them, or Windows would replay them over the repair.`,
        hint: 'Start the VM on VMware and shut it down from Windows (not a power-off), then migrate again.',
      });
    }
  }
  return out;
}

export function windowsWarnings(guest: Pick<WindowsGuest, 'report' | 'registry' | 'controlSet' | 'drivers' | 'options'>, virtioBoots: boolean): PlanIssue[] {
  const out: PlanIssue[] = [];
  const ldm = guest.report.disks.flatMap((d) => d.partitions.filter((p) => LDM_TYPES.has((p.type ?? '').toLowerCase())).map((p) => p.device));
  if (ldm.length) {
    out.push({
      code: WINDOWS_WARNINGS.dynamicDisk,
      message: `Dynamic disks (LDM): ${ldm.join(', ')}. The repair changes only the system volume; a volume spanned or striped across disks needs every one of them attached to the new VM, in any order.`,
      hint: 'Give every disk of the VM to the migration. If you can, convert the disks to basic disks on VMware first (dynamic volumes are what most tools handle worst).',
    });
  }
  const software = guest.registry.SOFTWARE;
  const pending = [
    software.key('Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired') ? 'Windows Update (WindowsUpdate\\Auto Update\\RebootRequired)' : null,
    software.key('Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') ? 'component servicing (Component Based Servicing\\RebootPending)' : null,
    guest.registry.SYSTEM.strings(`${guest.controlSet}\\Control\\Session Manager`, 'PendingFileRenameOperations').length ? 'file operations (Session Manager\\PendingFileRenameOperations)' : null,
  ].filter((p): p is string => p !== null);
  if (pending.length) {
    out.push({
      code: WINDOWS_WARNINGS.pendingReboot,
      message: `A restart is pending for ${pending.join(', ')}: updates finish installing at the next boot, which will be the first boot on KVM, with new hardware at the same time.`,
      hint: 'Best: restart the VM on VMware until no restart is pending, shut it down, then migrate. Otherwise expect a longer first boot, possibly with an extra restart.',
    });
  }
  const encrypted = guest.report.filesystems.filter((f) => f.encrypted);
  if (encrypted.length) {
    out.push({
      code: WINDOWS_WARNINGS.otherEncrypted,
      message: `Encrypted volume${encrypted.length > 1 ? 's' : ''} ${encrypted.map((f) => `${f.device} (${f.type})`).join(', ')}: not repaired (nothing on ${encrypted.length > 1 ? 'them' : 'it'} needs to be), but BitLocker may ask for the recovery key on the new hardware.`,
      hint: 'Have the recovery keys at hand for the first boot, or suspend BitLocker on VMware before migrating.',
    });
  }
  if (!virtioBoots) {
    out.push({
      code: WINDOWS_WARNINGS.noVirtioWin,
      message: guest.options.virtioWin ? 'The virtio drivers could not be installed: Windows boots from a SATA disk with an e1000e NIC (slower than virtio).' : 'No virtio-win driver set was given: Windows boots from a SATA disk with an e1000e NIC (slower than virtio).',
      hint: 'For virtio (much faster disk and network), repair again with --virtio-win PATH (the virtio-win ISO from Fedora or Red Hat, or a folder with its contents).',
    });
  }
  return out;
}

export function planWindowsRepair(guest: WindowsGuest): WindowsPlan {
  const blockers = windowsBlockers(guest);
  const install = planInstallVirtio(guest);
  const enable = planEnableVirtio(guest);
  const bootsNow = guest.report.windows.storageDrivers.some((d) => (VIRTIO_STORAGE as readonly string[]).includes(d.service) && driverBootsDisk(d));
  const virtioBoots = bootsNow || install.status === 'planned' || enable.status === 'planned' || (install.status === 'not-needed' && hasDrivers(guest));
  const drafts: FixDraft[] = [install, enable, planSataDriver(guest, virtioBoots), planFastStartup(guest), planStaticAddresses(guest), planVmwareTools(guest), planGuestAgent(guest)];
  const selected = selectFixes(drafts, guest.options);
  const notes: string[] = [];
  if (hasDrivers(guest)) {
    const c = guest.drivers.choice;
    notes.push(`virtio-win: ${guest.drivers.set.source} (${guest.drivers.set.kind}); for this guest ${c.releases[0] ?? '(no folder)'}/${c.arch ?? '?'}: ${c.drivers.map((d) => d.folder).join(', ') || 'no drivers'}${c.agentMsi ? `, ${c.agentMsi}` : ''}.`);
  }
  const read: ReadGuestFile = (path) => guest.files.get(path)?.text ?? null;
  return {
    plan: {
      osRoot: guest.report.os.root,
      osType: guest.report.os.type,
      fixes: selected.map((d) => toPlanned(d, read)),
      blockers,
      warnings: windowsWarnings(guest, virtioBoots),
      notes,
    },
    drafts: selected,
  };
}
