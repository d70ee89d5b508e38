import type { BootMilestone, BootReason, BootVerdict, MilestoneKind } from '../../../shared/contract/models/boot';
import { markersFor } from './markers';
import type { Marker, TextSource } from './markers';
import { TerminalText } from './terminal-text';

/**
 * Watches what a booting guest shows — serial console text as it arrives, OCR text of
 * screenshots, guest-agent answers — and decides the verdict: the first line that settles it
 * wins. Keeps the milestones (first sighting of each boot stage, with its time) and the lines
 * needed for the report's excerpt. Pure: time is given by the caller.
 */

export interface BootOutcome {
  verdict: BootVerdict;
  reason: BootReason;
  detail: string;
  hint: string;
  atMs: number;
  excerpt: string;
  excerptSource: 'serial' | 'screen' | 'none';
}

export interface ClassifierOptions {
  firmware: 'bios' | 'uefi';
  /** How long a provisional success ("Reached target multi-user") waits for a login prompt. */
  settleMs?: number;
  /** Lines of context in the excerpt before the deciding line. */
  excerptLines?: number;
}

interface Line {
  text: string;
  atMs: number;
}

interface Pending {
  outcome: BootOutcome;
  since: number;
  waitMs: number;
}

/** SeaBIOS's last words before it jumps into the disk's boot code. */
const HANDOVER = /Booting from Hard Disk/;
/** The milestones in the order a boot reaches them (the progress bar counts them as steps). */
export const MILESTONE_ORDER: readonly MilestoneKind[] = ['firmware', 'bootloader', 'kernel', 'init', 'login'];
const MAX_KEPT_LINES = 5000;
const MAX_LINE_LENGTH = 300;

export class BootClassifier {
  private readonly serialMarkers = markersFor('serial');
  private readonly screenMarkers = markersFor('screen');
  private readonly terminal = new TerminalText();
  private readonly lines: Line[] = [];
  private readonly found = new Map<MilestoneKind, BootMilestone>();
  private decided: BootOutcome | null = null;
  private provisional: Pending | null = null;
  private lastNote: string | null = null;
  private lastScreen: { text: string; atMs: number } | null = null;
  private lastSerialLine: Line | null = null;
  private serialBytes = 0;
  private readonly settleMs: number;
  private readonly excerptLines: number;

  constructor(private readonly options: ClassifierOptions) {
    this.settleMs = options.settleMs ?? 15_000;
    this.excerptLines = options.excerptLines ?? 30;
  }

  /** The verdict, once something settled it. */
  get outcome(): BootOutcome | null {
    return this.decided;
  }

  get serialByteCount(): number {
    return this.serialBytes;
  }

  /** First sighting of each stage, in boot order. */
  get milestones(): BootMilestone[] {
    return MILESTONE_ORDER.flatMap((kind) => {
      const m = this.found.get(kind);
      return m ? [m] : [];
    });
  }

  feedSerial(chunk: string, atMs: number): void {
    if (this.decided) return;
    this.serialBytes += Buffer.byteLength(chunk);
    for (const text of this.terminal.push(chunk)) {
      this.addLine(text, atMs);
      if (this.decided) return;
    }
    // A prompt waits without a newline: look at the line being written too (it is looked at
    // again, harmlessly, once it completes).
    const current = this.terminal.currentLine;
    if (current.trim().length > 0) this.matchLine(current, atMs, 'serial', this.lines.length, current, true);
  }

  /** OCR text of one screenshot: the whole screen at that moment. */
  feedScreen(text: string, atMs: number): void {
    if (this.decided) return;
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    this.lastScreen = { text: lines.join('\n'), atMs };
    for (const line of lines) {
      this.matchLine(line, atMs, 'screen', -1, this.lastScreen.text);
      if (this.decided) return;
    }
  }

  /** The guest agent answered a ping: userspace is up. */
  agentAnswered(atMs: number): void {
    if (this.decided) return;
    this.decide({ verdict: 'booted', reason: 'guest-agent', detail: 'The QEMU guest agent answered a ping: the guest is up.', ...this.excerptAt(this.lines.length - 1, atMs) }, atMs);
  }

  /** Time passes: a provisional outcome becomes final once its wait is over. */
  tick(atMs: number): void {
    if (!this.decided && this.provisional && atMs - this.provisional.since >= this.provisional.waitMs) this.decided = this.provisional.outcome;
  }

  /**
   * The watch ended without a deciding line: the time ran out, the guest stopped by itself, or
   * the hypervisor could not run it. A provisional success still counts.
   */
  finish(atMs: number, why: 'timeout' | 'guest-stopped' | 'hypervisor-error', options: { timeoutSeconds?: number; screenRead?: boolean; message?: string } = {}): BootOutcome {
    if (this.decided) return this.decided;
    for (const text of this.terminal.flush()) this.addLine(text, atMs);
    if (this.decided) return this.decided;
    if (this.provisional) {
      this.decided = this.provisional.outcome;
      return this.decided;
    }
    const excerpt = this.tailExcerpt();
    if (why === 'hypervisor-error') {
      return this.decide({ verdict: 'failed', reason: 'hypervisor-error', detail: options.message ?? 'The hypervisor stopped the guest with an internal error.', ...excerpt }, atMs);
    }
    if (why === 'guest-stopped') {
      return this.decide({ verdict: 'failed', reason: 'guest-stopped', detail: `The guest stopped by itself before it finished booting${this.lastStageText()}.`, ...excerpt }, atMs);
    }
    if (options.screenRead && this.handedOverThenNothing()) return this.decideBootloaderHang(atMs);
    const limit = options.timeoutSeconds !== undefined ? ` within ${options.timeoutSeconds} s` : '';
    const note = this.lastNote ? `; last sign: ${this.lastNote}` : '';
    return this.decide({ verdict: 'timeout', reason: 'timeout', detail: `The guest neither reached a login prompt nor failed visibly${limit}${this.lastStageText()}${note}.`, ...excerpt }, atMs);
  }

  private addLine(raw: string, atMs: number): void {
    const text = raw.length > MAX_LINE_LENGTH ? raw.slice(0, MAX_LINE_LENGTH) + '…' : raw;
    if (text.trim().length === 0) {
      // Keep one blank line between paragraphs, not runs of them.
      if (this.lines.length > 0 && this.lines.at(-1)!.text !== '') this.lines.push({ text: '', atMs });
      return;
    }
    this.lines.push({ text, atMs });
    this.lastSerialLine = { text, atMs };
    if (this.lines.length > MAX_KEPT_LINES) this.lines.splice(0, this.lines.length - MAX_KEPT_LINES);
    this.matchLine(text, atMs, 'serial', this.lines.length - 1);
  }

  /** `index`: the line's place in the serial transcript (-1 for screen text). */
  private matchLine(text: string, atMs: number, source: TextSource, index: number, context = text, promptsOnly = false): void {
    for (const marker of source === 'serial' ? this.serialMarkers : this.screenMarkers) {
      if (promptsOnly && !marker.prompt) continue;
      const match = marker.pattern.exec(text);
      if (!match) continue;
      if (marker.milestone && !this.found.has(marker.milestone)) {
        this.found.set(marker.milestone, { kind: marker.milestone, atMs, source, text: text.trim() });
      }
      if (marker.note && marker.describe) this.lastNote = marker.describe(match, context);
      if (marker.outcome) this.onOutcome(marker, match, context, atMs, source, index);
      if (this.decided) return;
    }
  }

  private onOutcome(marker: Marker, match: RegExpMatchArray, context: string, atMs: number, source: TextSource, index: number): void {
    const outcome = marker.outcome!;
    const excerpt = source === 'serial' ? this.excerptAt(index, atMs) : { excerpt: context, excerptSource: 'screen' as const };
    const detail = marker.describe ? marker.describe(match, context) : marker.id;
    const result = { verdict: outcome.verdict, reason: outcome.reason, detail, ...excerpt };
    if (outcome.provisional !== undefined) {
      const waitMs = outcome.provisional === true ? this.settleMs : outcome.provisional;
      this.provisional ??= { outcome: { ...result, hint: hintFor(result.reason, this.options.firmware), atMs }, since: atMs, waitMs };
      return;
    }
    this.decide(result, atMs);
  }

  private decide(partial: Omit<BootOutcome, 'hint' | 'atMs'>, atMs: number): BootOutcome {
    this.decided = { ...partial, hint: hintFor(partial.reason, this.options.firmware), atMs };
    return this.decided;
  }

  /** The lines before the deciding one (and the one being written, for prompts). */
  private excerptAt(index: number, _atMs: number): Pick<BootOutcome, 'excerpt' | 'excerptSource'> {
    const end = index >= this.lines.length ? this.lines.length : index + 1;
    const from = Math.max(0, end - this.excerptLines);
    const texts = compressRepeats(this.lines.slice(from, end).map((l) => l.text));
    const current = this.terminal.currentLine.trim();
    if (index >= this.lines.length - 1 && current.length > 0 && texts.at(-1) !== current) texts.push(current);
    const excerpt = texts.join('\n').trim();
    if (excerpt.length > 0) return { excerpt, excerptSource: 'serial' };
    if (this.lastScreen) return { excerpt: this.lastScreen.text, excerptSource: 'screen' };
    return { excerpt: '', excerptSource: 'none' };
  }

  private tailExcerpt(): Pick<BootOutcome, 'excerpt' | 'excerptSource'> {
    const serial = compressRepeats(this.lines.slice(-this.excerptLines).map((l) => l.text)).join('\n').trim();
    // A silent serial port with a readable screen: the screen tells more.
    if (this.lastScreen && this.lastScreen.text.length > 0 && this.milestones.every((m) => m.kind === 'firmware' || m.source === 'screen')) {
      return { excerpt: this.lastScreen.text, excerptSource: 'screen' };
    }
    if (serial.length > 0) return { excerpt: serial, excerptSource: 'serial' };
    if (this.lastScreen) return { excerpt: this.lastScreen.text, excerptSource: 'screen' };
    return { excerpt: '', excerptSource: 'none' };
  }

  /**
   * "Booting from Hard Disk..." and then nothing, on the serial port and on the screen read at
   * least `stallMs` later: the firmware handed over and no boot loader ever showed up (an MBR
   * without boot code, a boot loader made for UEFI). Waiting for the timeout would add nothing.
   */
  stalledAfterFirmware(atMs: number, stallMs: number): boolean {
    const handover = this.lastSerialLine;
    if (!handover || !this.handedOverThenNothing()) return false;
    return atMs - handover.atMs >= stallMs && this.lastScreen !== null && this.lastScreen.atMs - handover.atMs >= stallMs / 2;
  }

  /** Decides "the boot loader did not start" (after stalledAfterFirmware said so). */
  decideBootloaderHang(atMs: number): BootOutcome {
    if (this.decided) return this.decided;
    return this.decide(
      { verdict: 'failed', reason: 'bootloader-hang', detail: 'The firmware handed over to the disk ("Booting from Hard Disk..."), then nothing happened: the boot loader did not start.', ...this.tailExcerpt() },
      atMs,
    );
  }

  private handedOverThenNothing(): boolean {
    if (!this.lastScreen || this.milestones.some((m) => m.kind !== 'firmware')) return false;
    // Both must still say it: a guest that boots graphically (Windows) leaves the serial port at
    // "Booting from Hard Disk..." too, but its screen moves on.
    const serialSaysHandover = this.lastSerialLine !== null && HANDOVER.test(this.lastSerialLine.text);
    const screenSaysHandover = HANDOVER.test(this.lastScreen.text.split('\n').at(-1) ?? '');
    return serialSaysHandover && screenSaysHandover;
  }

  private lastStageText(): string {
    const last = this.milestones.at(-1);
    if (!last) return ' (nothing recognisable was seen)';
    return `; the last stage seen was the ${last.kind} at ${(last.atMs / 1000).toFixed(1)} s`;
  }
}

/** "Begin: Running /scripts/local-block ... done." 26 times reads better as one line with a count. */
export function compressRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    count += 1;
    if (lines[i + 1] === lines[i]) continue;
    out.push(count > 1 ? `${lines[i]} [×${count}]` : lines[i]!);
    count = 0;
  }
  return out;
}

/** What to do next, per reason. Firmware matters: "nothing to boot" under BIOS may be a UEFI disk. */
export function hintFor(reason: BootReason, firmware: 'bios' | 'uefi'): string {
  switch (reason) {
    case 'login-prompt':
    case 'systemd-target':
    case 'cloud-init-finished':
    case 'guest-agent':
      return '';
    case 'kernel-panic':
      return 'Read the panic line: "Unable to mount root fs" means the initramfs lacks the disk driver (rebuild it with virtio_blk/virtio_scsi, or try a SATA disk); "Attempted to kill init" means init itself failed.';
    case 'emergency-mode':
      return 'A file system in /etc/fstab could not be mounted: VMware device names (/dev/sdX) change on KVM. Use UUID= or LABEL= in fstab, or mark optional mounts nofail.';
    case 'root-not-found':
      return 'The root device named on the kernel command line does not exist on KVM (VMware\'s /dev/sda is /dev/vda on virtio). Use root=UUID=... in the boot loader configuration and make sure the initramfs has the virtio drivers.';
    case 'dracut-timeout':
      return "Rebuild the initramfs with the virtio drivers (dracut -f --add-drivers 'virtio_blk virtio_scsi'), and check root= on the kernel command line.";
    case 'grub-rescue':
      return 'GRUB cannot find its files: the partition or file system it was installed for changed. Reinstall GRUB (grub-install) from a rescue system.';
    case 'no-bootable-device':
      return firmware === 'bios'
        ? 'The disk has no BIOS boot loader. If the source VM booted with UEFI, verify again with UEFI firmware; otherwise the boot loader was lost.'
        : 'UEFI found nothing to boot. If the source VM booted with BIOS, verify again with BIOS firmware; otherwise the EFI system partition lacks \\EFI\\BOOT\\BOOTX64.EFI.';
    case 'bootloader-hang':
      return firmware === 'bios' ? 'The boot loader is damaged or was made for UEFI: verify again with UEFI firmware.' : 'The boot loader hangs: check the EFI system partition.';
    case 'efi-shell':
      return 'UEFI has no boot entry it can start. If the source VM booted with BIOS, verify again with BIOS firmware; otherwise add the fallback loader \\EFI\\BOOT\\BOOTX64.EFI on the EFI system partition.';
    case 'windows-stop-code':
      return 'INACCESSIBLE_BOOT_DEVICE (0x7B) means Windows has no driver for the disk controller: boot it on SATA, or install the virtio drivers before switching to virtio.';
    case 'guest-stopped':
      return 'The guest powered off or crashed early: read the excerpt and the last screenshot.';
    case 'hypervisor-error':
      return 'The hypervisor stopped the guest: under KVM on a nested or limited host, verify again with software emulation (TCG); otherwise check for an I/O error such as a full disk.';
    case 'timeout':
      return 'It may only be slow (software emulation is 10–50× slower than KVM): raise the timeout, and look at the last screenshot. Guests without a serial console show their progress on the screen only.';
  }
}
