import type { BootReason, MilestoneKind } from '../../../shared/contract/models/boot';

/**
 * What a booting PC says on its serial console or screen, and what each line means. Sources:
 * SeaBIOS, OVMF (EDK II), GRUB, Linux, initramfs-tools, dracut, systemd, cloud-init, Windows.
 * Screen text comes from OCR, so screen patterns tolerate tesseract's usual confusions (l/I/1).
 */

export type TextSource = 'serial' | 'screen';

export interface Marker {
  readonly id: string;
  readonly pattern: RegExp;
  readonly sources: readonly TextSource[];
  /** The boot stage this line shows was reached. */
  readonly milestone?: MilestoneKind;
  /**
   * The verdict this line settles. `provisional`: wait for a more telling line first (a login
   * prompt after "Reached target", the device name after "Gave up waiting"); `true` waits the
   * classifier's settle time, a number that many milliseconds.
   */
  readonly outcome?: { verdict: 'booted' | 'failed'; reason: BootReason; provisional?: true | number };
  /** A condition worth naming if the boot later times out ("A start job is running for ..."). */
  readonly note?: boolean;
  /** A prompt: written without a newline, so it is looked for in the line still being written. */
  readonly prompt?: boolean;
  /** The sentence for the report: gets the match and the text around it (the whole screen for OCR text). */
  describe?(match: RegExpMatchArray, context: string): string;
}

const BOTH: readonly TextSource[] = ['serial', 'screen'];
const SCREEN: readonly TextSource[] = ['screen'];

/** Checked in order; a line may show a milestone and an outcome (both are recorded). */
export const MARKERS: readonly Marker[] = [
  // --- failures (checked first: "emergency mode" lines also mention logging in) ---
  {
    id: 'kernel-panic',
    pattern: /Kernel panic - not syncing:?\s*(.*)$/,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'kernel-panic' },
    describe: (m) => `The kernel panicked: ${trimEnd(m[1]) || 'no reason given'}.`,
  },
  {
    id: 'emergency-mode',
    pattern: /You are in (emergency|rescue) mode|Entering emergency mode|Reached target .*(Emergency Mode|Rescue Mode)|Give root password for maintenance/,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'emergency-mode' },
    describe: () => 'systemd gave up on the normal boot and entered emergency mode (a file system in /etc/fstab could not be mounted, or a required device did not appear).',
  },
  {
    id: 'root-alert',
    pattern: /ALERT!\s+(.+?)\s+does not exist/,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'root-not-found' },
    describe: (m) => `The initramfs could not find the root device ${m[1]} and dropped to a shell.`,
  },
  {
    id: 'root-gave-up',
    pattern: /Gave up waiting for root (file system )?device/,
    sources: BOTH,
    // "ALERT! /dev/sda1 does not exist" follows within moments and names the device.
    outcome: { verdict: 'failed', reason: 'root-not-found', provisional: 5000 },
    describe: () => 'The initramfs gave up waiting for the root file system device.',
  },
  {
    id: 'dracut-timeout',
    pattern: /Warning: dracut-initqueue:? timeout|dracut-initqueue\[\d+\]: Warning: Could not boot\./,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'dracut-timeout' },
    describe: () => "dracut timed out waiting for the root device (the initramfs likely lacks the disk's driver).",
  },
  {
    id: 'dracut-missing-root',
    pattern: /^\s*Warning: (\/dev\/\S+) does not exist/,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'root-not-found' },
    describe: (m) => `dracut could not find the root device ${m[1]}.`,
  },
  {
    id: 'grub-rescue',
    pattern: /grub rescue>/,
    sources: BOTH,
    prompt: true,
    outcome: { verdict: 'failed', reason: 'grub-rescue' },
    describe: () => 'GRUB could not find its own files and stopped at the "grub rescue>" prompt.',
  },
  {
    id: 'grub-shell',
    pattern: /^\s*grub>\s*$/,
    sources: BOTH,
    prompt: true,
    outcome: { verdict: 'failed', reason: 'grub-rescue' },
    describe: () => 'GRUB found no configuration and stopped at its command prompt.',
  },
  {
    id: 'seabios-not-bootable',
    pattern: /Boot failed: not a bootable disk|No bootable device|FATAL: No bootable medium found|Operating System not found|Missing operating system|No boot sector on hard disk|BdsDxe: No bootable option or device was found/,
    sources: BOTH,
    milestone: 'firmware',
    outcome: { verdict: 'failed', reason: 'no-bootable-device' },
    describe: () => 'The firmware found no boot loader on the disk ("No bootable device").',
  },
  {
    id: 'efi-shell',
    pattern: /UEFI Interactive Shell|EFI Shell version|^\s*Shel[lI1|]\s?>/,
    sources: BOTH,
    prompt: true,
    milestone: 'firmware',
    outcome: { verdict: 'failed', reason: 'efi-shell' },
    describe: () => 'The UEFI firmware found no boot entry it could start and opened its built-in shell.',
  },
  {
    id: 'windows-inaccessible-boot-device',
    pattern: /INACCESSIBLE[_ ]BOOT[_ ]DEVICE|0x0{0,6}7B\b/i,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'windows-stop-code' },
    describe: () => 'Windows stopped with INACCESSIBLE_BOOT_DEVICE (0x7B): it has no driver for the disk controller.',
  },
  {
    id: 'windows-stop-code',
    pattern: /Your (PC|device) ran into a problem|Stop code:|STOP:\s*0x[0-9A-F]/i,
    sources: BOTH,
    outcome: { verdict: 'failed', reason: 'windows-stop-code' },
    describe: (_m, context) => {
      const code = /Stop code:?\s*([A-Z][A-Z_ ]{6,}[A-Z])/i.exec(context)?.[1] ?? /STOP:?\s*(0x[0-9A-F]{8})/i.exec(context)?.[1];
      return `Windows stopped with a blue screen${code ? ` (stop code ${code.trim().replace(/ /g, '_').toUpperCase()})` : ''}.`;
    },
  },
  {
    id: 'windows-boot-manager-error',
    pattern: /Windows failed to start|Status:\s*(0xc[0-9a-f]{7})/i,
    sources: SCREEN,
    outcome: { verdict: 'failed', reason: 'windows-stop-code' },
    describe: (m) => `Windows Boot Manager could not start Windows${m[1] ? ` (status ${m[1].toLowerCase()})` : ''}.`,
  },

  // --- success ---
  {
    id: 'login-prompt',
    pattern: /(^|\s)login:\s*[_|]?\s*$/,
    sources: BOTH,
    prompt: true,
    milestone: 'login',
    outcome: { verdict: 'booted', reason: 'login-prompt' },
    describe: () => 'The guest reached its login prompt.',
  },
  {
    id: 'cloud-init-finished',
    pattern: /Cloud-init v\. \S+ finished/,
    sources: BOTH,
    outcome: { verdict: 'booted', reason: 'cloud-init-finished' },
    describe: () => 'cloud-init finished its work: the guest is up.',
  },
  {
    id: 'systemd-target',
    pattern: /Reached target .*(Multi-User System|Graphical Interface|multi-user\.target|graphical\.target)/,
    sources: BOTH,
    milestone: 'init',
    outcome: { verdict: 'booted', reason: 'systemd-target', provisional: true },
    describe: (m) => `systemd reached the ${m[1]?.includes('raphical') ? 'graphical' : 'multi-user'} target.`,
  },

  // --- milestones ---
  { id: 'seabios', pattern: /SeaBIOS \(version|Booting from (Hard Disk|DVD\/CD|Floppy|ROM)/, sources: BOTH, milestone: 'firmware' },
  { id: 'ovmf', pattern: /BdsDxe: (loading|starting) Boot|UEFI v\d+\.\d+ \(EDK II|TianoCore/, sources: BOTH, milestone: 'firmware' },
  {
    id: 'bootloader',
    pattern: /GRUB loading|GNU GRUB|Welcome to GRUB|Booting [`'‘]?[A-Z]|Booting a command list|Loading Linux |Loading initial ramdisk|SYSLINUX|ISOLINUX|systemd-boot|Windows Boot Manager|EFI stub: Loaded initrd/,
    sources: BOTH,
    milestone: 'bootloader',
  },
  { id: 'kernel', pattern: /Linux version \d+\.\d+|^\[\s*0\.0{6}\]|Decompressing Linux|Booting the kernel/, sources: BOTH, milestone: 'kernel' },
  // The screen scrolls past "Linux version" before the first screenshot: any timestamped kernel
  // line shows the kernel runs (tesseract reads 0 as @ at times).
  { id: 'kernel-log', pattern: /^\[\s*[\d@]{1,5}[.,]\d{4,}/, sources: SCREEN, milestone: 'kernel' },
  {
    id: 'init',
    pattern: /Run \S*init as init process|Loading, please wait\.\.\.|Begin: Loading essential drivers|systemd\[1\]:|Welcome to (?!GRUB).+!\s*$|INIT: version|dracut-\d+|Starting version \d+/,
    sources: BOTH,
    milestone: 'init',
  },

  // --- conditions that explain a timeout ---
  { id: 'start-job', pattern: /A start job is running for (.+?)(\s*\(\d+.*)?$/, sources: BOTH, note: true, describe: (m) => `systemd was waiting for ${trimEnd(m[1])}` },
  { id: 'timed-out-device', pattern: /Timed out waiting for device (.+)$/, sources: BOTH, note: true, describe: (m) => `systemd timed out waiting for device ${trimEnd(m[1])}` },
];

/** The markers that apply to a source, in table order. */
export function markersFor(source: TextSource): Marker[] {
  return MARKERS.filter((m) => m.sources.includes(source));
}

function trimEnd(text: string | undefined): string {
  return (text ?? '').trim().replace(/[.\s]+$/, '');
}
