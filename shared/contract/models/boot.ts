import { z } from 'zod';
import { DiskBus, LibvirtConnection } from './libvirt';

/**
 * Boot verification: boot a throwaway overlay of the converted disk and prove, with evidence,
 * whether the guest comes up. `verdict` says how the guest fared; the check having run at all is
 * the job's own success.
 */

export const BootVerdict = z.enum(['booted', 'failed', 'timeout']);
export type BootVerdict = z.infer<typeof BootVerdict>;

/** Stable codes for why the verdict is what it is (scripts and the report key on these). */
export const BootReason = z.enum([
  // booted
  'login-prompt',
  'systemd-target',
  'cloud-init-finished',
  'guest-agent',
  // failed
  'kernel-panic',
  'emergency-mode',
  'root-not-found',
  'dracut-timeout',
  'grub-rescue',
  'no-bootable-device',
  'bootloader-hang',
  'efi-shell',
  'windows-stop-code',
  'guest-stopped',
  'hypervisor-error',
  // timeout
  'timeout',
]);
export type BootReason = z.infer<typeof BootReason>;

/** The stages a PC boot goes through, in order. */
export const MilestoneKind = z.enum(['firmware', 'bootloader', 'kernel', 'init', 'login']);
export type MilestoneKind = z.infer<typeof MilestoneKind>;

export const SignalSource = z.enum(['serial', 'screen', 'agent', 'hypervisor']);
export type SignalSource = z.infer<typeof SignalSource>;

export const BootMilestone = z.object({
  kind: MilestoneKind,
  /** Milliseconds since the domain was started. */
  atMs: z.number().nonnegative(),
  source: SignalSource,
  /** The line that showed it. */
  text: z.string(),
});
export type BootMilestone = z.infer<typeof BootMilestone>;

export const BootScreenshot = z.object({
  path: z.string(),
  atMs: z.number().nonnegative(),
  /** What tesseract read on it, when it was read. */
  text: z.string().optional(),
});
export type BootScreenshot = z.infer<typeof BootScreenshot>;

export const BootAccelerator = z.enum(['kvm', 'tcg']);
export type BootAccelerator = z.infer<typeof BootAccelerator>;

export const BootVerification = z.object({
  verdict: BootVerdict,
  reason: BootReason,
  /** One sentence for people: what happened. */
  detail: z.string(),
  /** What to try next; empty when the guest booted. */
  hint: z.string(),
  /** The first sighting of each boot stage, in time order. */
  milestones: z.array(BootMilestone),
  /** When the verdict was reached (ms since start of the domain). */
  verdictAtMs: z.number().nonnegative(),
  /** The serial (or screen) text around the deciding line, ANSI codes removed. */
  excerpt: z.string(),
  excerptSource: z.enum(['serial', 'screen', 'none']),
  evidence: z.object({
    serialLog: z.string(),
    serialBytes: z.number().int().nonnegative(),
    screenshots: z.array(BootScreenshot),
    /** The screenshot taken when the verdict was reached (the report's picture). */
    finalScreenshot: z.string().nullable(),
    agentAnswered: z.boolean(),
  }),
  disk: z.object({
    path: z.string(),
    format: z.string(),
    /** Size and modification time of the converted disk were the same after the boot. */
    untouched: z.boolean(),
  }),
  firmware: z.enum(['bios', 'uefi']),
  accelerator: BootAccelerator,
  connection: LibvirtConnection,
  domainName: z.string(),
  timeoutSeconds: z.number().positive(),
  durationMs: z.number().nonnegative(),
  notes: z.array(z.string()),
});
export type BootVerification = z.infer<typeof BootVerification>;

export const VerifyBootRequest = z
  .object({
    disk: z.string().min(1),
    /** qcow2 or raw; probed with qemu-img when absent (never guessed from the name). */
    format: z.enum(['qcow2', 'raw']).optional(),
    firmware: z.enum(['bios', 'uefi']).default('bios'),
    secureBoot: z.boolean().default(false),
    /** Default: 120 s with KVM, 300 s under TCG (Debian reaches its login prompt in ~40 s under TCG). */
    timeoutSeconds: z.number().positive().max(3600).optional(),
    memoryMiB: z.number().int().min(128).default(1024),
    vcpus: z.number().int().min(1).max(64).default(1),
    diskBus: DiskBus.default('virtio'),
    connection: LibvirtConnection.default('qemu:///session'),
    /** auto: KVM when /dev/kvm is usable (falling back to TCG if KVM cannot run the guest). */
    accelerator: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    screenshotIntervalSeconds: z.number().min(1).max(60).default(5),
    /** Read the screen with tesseract when the serial console is silent. */
    ocr: z.boolean().default(true),
  })
  .strict();
export type VerifyBootRequest = z.input<typeof VerifyBootRequest>;
export type ResolvedVerifyBootRequest = z.output<typeof VerifyBootRequest>;
