import type { Bootloader } from '../../../../shared/contract/models/inspection';
import { isUnstableStyle, deviceStyle } from '../../guest/linux/fstab';
import { BIOS_BOOT_GUID } from '../../inspect/partition-table';
import { commentShellVar, mapKernelParams, parseDefaultGrub, setShellVar } from '../../guest/linux/bootloader';
import type { DraftCommand, FileEdit, FixDraft } from '../draft';
import { blocked, notNeeded, PHASE } from '../draft';
import { resolveDevice } from './devices';
import type { LinuxGuest } from './guest-view';
import { firstPresent, guestText } from './guest-view';

/**
 * The boot loader's side of a move: the kernel command line must name the root file system (and
 * the resume device) by UUID, a device.map naming VMware's disks goes, the configuration is
 * regenerated with the guest's own tool (grub-mkconfig / grub2-mkconfig) so that the next kernel
 * update keeps what we fixed, and boot code is written only when the boot disk has none. Three
 * other fixes (VMware parameters, a serial console, the UEFI fallback loader) live here too:
 * they edit the same files and share the one regeneration.
 */

const DEFAULTS = '/etc/default/grub';
const CMDLINE_VARS = ['GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT'] as const;
const DEVICE_MAPS = ['/boot/grub/device.map', '/boot/grub2/device.map'];
const SERIAL_ARGS = ['console=tty0', 'console=ttyS0,115200n8'];
const SERIAL_COMMAND = 'serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1';

/** How the guest's GRUB configuration gets regenerated, or why it cannot be. */
export function regenerateCommand(guest: LinuxGuest, bl: Bootloader, why: string): DraftCommand | null {
  if (bl.kind !== 'grub2' || !bl.configPath) return null;
  const generator = firstPresent(guest, ['/usr/sbin/grub-mkconfig', '/usr/sbin/grub2-mkconfig']);
  if (!generator) return null;
  return { argv: [generator, '-o', bl.configPath], why, phase: PHASE.bootConfig, produces: [bl.configPath], expectSeconds: 15 };
}

/** root= / resume= values that name a VMware device, with the UUID they meant. */
function deviceParams(guest: LinuxGuest, cmdline: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of cmdline.matchAll(/(?:^|\s)(root|resume)=(\S+)/g)) {
    const [, param, value] = m as unknown as [string, 'root' | 'resume', string];
    if (!isUnstableStyle(deviceStyle(value))) continue;
    const answer = resolveDevice(value, guest.world, param === 'root' ? { mountpoint: '/' } : { vfstype: 'swap' });
    if (answer.ok) out.set(`${param}=${value}`, `${param}=UUID=${answer.uuid}`);
  }
  return out;
}

function replaceParams(text: string, replacements: ReadonlyMap<string, string | null>): string {
  let out = text;
  for (const [from, to] of replacements) {
    const re = new RegExp(`(^|[\\s"'])${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?=[\\s"']|$)`, 'gm');
    out = out.replace(re, (_, lead: string) => (to === null ? lead : `${lead}${to}`));
  }
  // A dropped parameter leaves a double space behind on its line.
  return replacements.size && [...replacements.values()].includes(null) ? out.replace(/([^\s]) {2,}(?=\S)/g, '$1 ') : out;
}

/** Text edits of every file that carries kernel command lines: defaults, BLS entries, and grub.cfg itself when nothing regenerates it. */
function cmdlineEdits(guest: LinuxGuest, bl: Bootloader, replacements: ReadonlyMap<string, string | null>, regenerates: boolean): FileEdit[] {
  if (replacements.size === 0) return [];
  const edits: FileEdit[] = [];
  const defaults = guestText(guest, DEFAULTS);
  if (defaults !== null) {
    const vars = parseDefaultGrub(defaults);
    for (const key of CMDLINE_VARS) {
      const value = vars[key];
      if (value === undefined) continue;
      const next = mapKernelParams(value, (p) => (replacements.has(p) ? replacements.get(p)! : p));
      if (next !== value.trim()) edits.push({ path: DEFAULTS, kind: 'text', transform: (text) => setShellVar(text, key, next) });
    }
  }
  for (const path of guest.tree.walk('/boot/loader/entries').filter((p) => p.endsWith('.conf'))) {
    edits.push({ path, kind: 'text', transform: (text) => replaceParams(text, replacements) });
  }
  if (guest.tree.has('/etc/kernel/cmdline')) edits.push({ path: '/etc/kernel/cmdline', kind: 'text', transform: (text) => replaceParams(text, replacements) });
  if (!regenerates && bl.configPath) edits.push({ path: bl.configPath, kind: 'text', transform: (text) => replaceParams(text, replacements) });
  // Only the edits that change something.
  return edits.filter((e) => e.kind !== 'text' || e.transform(guestText(guest, e.path) ?? '') !== (guestText(guest, e.path) ?? ''));
}

/** The disk that boots: the one holding /boot, else /. */
function bootDrive(guest: LinuxGuest): string | null {
  const mp = guest.world.mountpoints.find((m) => m.path === '/boot') ?? guest.world.mountpoints.find((m) => m.path === '/');
  if (!mp) return guest.world.drives[0] ?? null;
  return guest.world.drives.find((d) => mp.device.replace(/^btrfsvol:/, '').startsWith(d)) ?? guest.world.drives[0] ?? null;
}

function hasBootCode(head: Buffer | undefined): boolean | null {
  if (!head || head.length < 512) return null;
  return head.subarray(0, 440).some((b) => b !== 0);
}

export function planBootloader(guest: LinuxGuest): FixDraft {
  const id = 'regenerate-bootloader';
  const title = 'Name the root file system by UUID on the kernel command line and regenerate GRUB';
  const findings = ['KERNEL_DEVICE_NAME'];
  const bl = guest.report.linux.bootloader;
  const cmdlines = [...bl.entries.map((e) => e.cmdline), ...CMDLINE_VARS.map((k) => bl.defaults[k] ?? ''), guestText(guest, '/etc/kernel/cmdline') ?? ''];
  const replacements = new Map<string, string | null>();
  for (const cmdline of cmdlines) for (const [from, to] of deviceParams(guest, cmdline)) replacements.set(from, to);
  const unresolved = cmdlines.flatMap((c) => [...c.matchAll(/(?:^|\s)root=(\S+)/g)].map((m) => m[1]!)).filter((v) => isUnstableStyle(deviceStyle(v)) && ![...replacements.keys()].includes(`root=${v}`));
  const staleMaps = DEVICE_MAPS.filter((p) => /\/dev\/(sd|hd|disk\/by-)/.test(guestText(guest, p) ?? ''));
  const drive = bootDrive(guest);
  const needsBootCode = guest.report.boot.firmware === 'bios' && bl.kind === 'grub2' && drive !== null && hasBootCode(guest.diskHeads.get(drive)) === false;
  const uuidDisabled = /^(true|y|yes|1)$/i.test(bl.defaults.GRUB_DISABLE_LINUX_UUID ?? '');

  if (replacements.size === 0 && unresolved.length === 0 && staleMaps.length === 0 && !needsBootCode) {
    return notNeeded(id, title, findings, 'The kernel command lines name the root file system in a way that survives the move, and the boot disk has boot code.');
  }
  if (unresolved.length) return blocked(id, title, findings, `Cannot tell which file system root=${unresolved[0]} meant; set root=UUID=… in ${bl.defaultsPath ?? 'the boot loader configuration'} by hand.`);
  if (bl.kind !== 'grub2' && bl.kind !== 'grub-legacy') return blocked(id, title, findings, `The boot loader is ${bl.kind === 'none' ? 'not one this product recognises (no grub.cfg, menu.lst or BLS entries)' : bl.kind}; its configuration is left as it is.`);

  const regen = regenerateCommand(guest, bl, 'Regenerate the GRUB configuration from /etc/default/grub');
  const edits: FileEdit[] = cmdlineEdits(guest, bl, replacements, regen !== null);
  if (uuidDisabled && regen) edits.push({ path: DEFAULTS, kind: 'text', transform: (text) => commentShellVar(text, 'GRUB_DISABLE_LINUX_UUID', 'hyper2kvm: root= must be a UUID on KVM (the appliance would write its own device names)') });
  for (const path of staleMaps) edits.push({ path, kind: 'remove' });
  const commands: DraftCommand[] = [];
  if (regen && (replacements.size || staleMaps.length)) commands.push(regen);
  if (needsBootCode) {
    const table = guest.report.disks.find((d) => d.device === drive);
    if (table?.partitionTable === 'gpt' && !table.partitions.some((p) => p.type?.toLowerCase() === BIOS_BOOT_GUID)) {
      return blocked(id, title, findings, `${drive} has no boot code and a GPT without a BIOS boot partition, so GRUB cannot be installed for BIOS; boot it with UEFI, or add a BIOS boot partition.`);
    }
    const installer = firstPresent(guest, ['/usr/sbin/grub-install', '/usr/sbin/grub2-install']);
    if (!installer) return blocked(id, title, findings, `${drive} has no boot code and the guest has no grub-install to write it.`);
    commands.push({ argv: [installer, '--target=i386-pc', drive], why: `Write GRUB's boot code to the boot disk (it has none)`, phase: PHASE.bootCode, produces: [], expectSeconds: 10, rootOnly: true });
  }
  const parts = [
    replacements.size ? `Rewrites ${[...replacements].map(([a, b]) => `${a} → ${b}`).join(', ')}` : '',
    staleMaps.length ? `removes ${staleMaps.join(', ')} (it names VMware's disks)` : '',
    regen && commands.includes(regen) ? `regenerates ${bl.configPath} with ${regen.argv[0]!.split('/').pop()}` : '',
    needsBootCode ? `writes boot code to ${drive}` : '',
  ].filter(Boolean);
  return { id, title, findings, status: 'planned', reason: `${parts.join('; ')}.`, optional: false, edits, commands };
}

/** VMware-only kernel parameters removed from every command line. */
export function planCleanCmdline(guest: LinuxGuest): FixDraft {
  const id = 'clean-kernel-cmdline';
  const title = 'Remove the VMware-specific kernel parameters';
  const bl = guest.report.linux.bootloader;
  if (bl.vmwareParams.length === 0) return notNeeded(id, title, ['KERNEL_VMWARE_PARAMS'], 'No VMware-specific kernel parameter.');
  const drop = new Map<string, string | null>(bl.vmwareParams.map((p) => [p, null]));
  const regen = regenerateCommand(guest, bl, 'Regenerate the GRUB configuration from /etc/default/grub');
  const edits = cmdlineEdits(guest, bl, drop, regen !== null);
  if (edits.length === 0) return blocked(id, title, ['KERNEL_VMWARE_PARAMS'], `The parameters (${bl.vmwareParams.join(' ')}) are not in a file this product edits.`);
  return { id, title, findings: ['KERNEL_VMWARE_PARAMS'], status: 'planned', reason: `Removes ${bl.vmwareParams.join(' ')}.`, optional: false, edits, commands: regen ? [regen] : [] };
}

/** Optional: a serial console on ttyS0 for GRUB and the kernel (boot verification and virsh console read it). */
export function planSerialConsole(guest: LinuxGuest): FixDraft {
  const id = 'add-serial-console';
  const title = 'Add a serial console (ttyS0) to GRUB and the kernel command line';
  const bl = guest.report.linux.bootloader;
  const optional = !guest.options.serialConsole;
  if (bl.serialConsole) return notNeeded(id, title, ['NO_SERIAL_CONSOLE'], 'The kernel already writes to a serial console.');
  const regen = regenerateCommand(guest, bl, 'Regenerate the GRUB configuration from /etc/default/grub');
  if (!regen || guestText(guest, DEFAULTS) === null) return blocked(id, title, ['NO_SERIAL_CONSOLE'], 'Only GRUB 2 guests with /etc/default/grub and grub-mkconfig get a serial console added.');
  const current = bl.defaults.GRUB_CMDLINE_LINUX ?? '';
  const cmdline = [current.trim(), ...SERIAL_ARGS.filter((a) => !current.includes(a))].filter(Boolean).join(' ');
  const terminal = (bl.defaults.GRUB_TERMINAL ?? '').includes('serial') ? null : 'console serial';
  const edits: FileEdit[] = [
    {
      path: DEFAULTS,
      kind: 'text',
      transform: (text) => {
        let out = setShellVar(text, 'GRUB_CMDLINE_LINUX', cmdline);
        if (terminal) out = setShellVar(out, 'GRUB_TERMINAL', terminal);
        if (!bl.defaults.GRUB_SERIAL_COMMAND) out = setShellVar(out, 'GRUB_SERIAL_COMMAND', SERIAL_COMMAND);
        return out;
      },
    },
  ];
  return { id, title, findings: ['NO_SERIAL_CONSOLE'], status: optional ? 'skipped' : 'planned', reason: optional ? 'Not asked for (changes what the guest prints at boot). Choose it to let virsh console and boot verification read the guest.' : `Adds ${SERIAL_ARGS.join(' ')} and a serial terminal to GRUB.`, optional: true, edits, commands: [regen] };
}

/** UEFI: the distribution's loader copied to EFI/BOOT/BOOTX64.EFI, since NVRAM boot entries do not migrate. */
export function planFallbackLoader(guest: LinuxGuest): FixDraft {
  const id = 'install-fallback-loader';
  const title = 'Copy the boot loader to EFI/BOOT/BOOTX64.EFI';
  const esp = guest.report.boot.esp;
  if (guest.report.boot.firmware !== 'uefi' || !esp || esp.fallbackLoader) return notNeeded(id, title, ['UEFI_NO_FALLBACK'], 'BIOS boot, or the fallback loader is already there.');
  const espMount = guest.world.mountpoints.find((m) => m.device === esp.device)?.path;
  if (!espMount) return blocked(id, title, ['UEFI_NO_FALLBACK'], `The EFI system partition ${esp.device} is not mounted by the guest's fstab, so its files cannot be reached safely.`);
  const pick = (name: string): string | undefined => esp.loaders.find((l) => l.toLowerCase().endsWith(`/${name}`) && !/^efi\/boot\//i.test(l));
  const shim = pick('shimx64.efi');
  const grub = pick('grubx64.efi');
  const loader = shim ?? grub;
  if (!loader) return blocked(id, title, ['UEFI_NO_FALLBACK'], `No shimx64.efi or grubx64.efi on the EFI system partition (found: ${esp.loaders.join(', ') || 'nothing'}).`);
  const at = (rel: string): string => `${espMount.replace(/\/$/, '')}/${rel}`;
  const edits: FileEdit[] = [{ path: at('EFI/BOOT/BOOTX64.EFI'), kind: 'copy', from: at(loader) }];
  if (shim && grub) edits.push({ path: at('EFI/BOOT/grubx64.efi'), kind: 'copy', from: at(grub) });
  return { id, title, findings: ['UEFI_NO_FALLBACK'], status: 'planned', reason: `Copies ${loader}${shim && grub ? ` (and ${grub}, which shim loads)` : ''} to EFI/BOOT/, where the KVM firmware looks when it has no boot entries.`, optional: false, edits, commands: [] };
}
