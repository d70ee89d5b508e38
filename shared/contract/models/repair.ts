import { z } from 'zod';
import { EngineError } from '../errors';

/**
 * Guest repair: what the product changes inside a converted guest so that it boots on KVM, as a
 * plan the user can read (a unified diff per file, the commands that run in the guest) before
 * anything is written, and as a record of what was written (each file's hash before and after,
 * with the original kept in the guest as FILE.hyper2kvm-orig).
 */

/**
 * Every repair the product knows, automatic or not. A finding names the one that addresses it
 * (FixOffer.id); `--only` / `--skip` and the wizard's checkboxes select by these ids. Stable:
 * scripts key on them, never reword one.
 */
export const FIX_IDS = [
  // Linux, automatic
  'fstab-use-uuid',
  'rebuild-initramfs',
  'regenerate-bootloader',
  'clean-kernel-cmdline',
  'add-serial-console',
  'keep-network-identity',
  'remove-vmware-tools',
  'enable-guest-agent',
  'selinux-relabel',
  'install-fallback-loader',
  // Windows, automatic (remove-vmware-tools and enable-guest-agent too, as first-boot actions)
  'install-virtio-drivers',
  'enable-virtio-driver',
  'enable-sata-driver',
  'reapply-static-addresses',
  'disable-fast-startup',
  // Nothing the product can do: the administrator acts (the finding says what)
  'none',
  'grow-disk',
  'decrypt-volume',
  'shut-down-fully',
  'review-policies',
  'review-antivirus',
  'serial-console-on-overlay',
  // Written by reports of earlier versions (network fixes before keep-network-identity).
  'unpin-mac',
  'match-any-interface-name',
  'preserve-static-addresses',
] as const;
export const FixId = z.enum(FIX_IDS);

/** The fixes the product applies itself (the others name what the administrator has to do). */
export const AUTOMATIC_FIX_IDS = FIX_IDS.slice(0, FIX_IDS.indexOf('none'));
export type FixId = z.infer<typeof FixId>;

/** How the guest keeps its network identity when its NIC becomes virtio (and may get a new MAC). */
export const NetworkRepairMode = z.enum([
  /** A systemd .link file gives the new NIC the interface name the configurations use. */
  'pin-name',
  /** The configurations that name the old interface are rewritten for the name it gets on KVM. */
  'rewrite-configs',
]);
export type NetworkRepairMode = z.infer<typeof NetworkRepairMode>;

export const RepairOptions = z
  .object({
    /** Wait for the user's decision (repair.decide) between planning and applying: the wizard's Repair step. */
    review: z.boolean().default(false),
    /** Plan only these fixes (default: every automatic fix a finding asks for). */
    only: z.array(FixId).optional(),
    /** Never plan these. */
    skip: z.array(FixId).default([]),
    network: NetworkRepairMode.default('pin-name'),
    /** Add a serial console (console=ttyS0) to the guest's kernel command line and GRUB. */
    serialConsole: z.boolean().default(false),
    /**
     * The MAC each NIC will have on KVM, by its MAC on VMware (lower case). A NIC missing here
     * keeps its MAC (the domain's default); `null` means a new MAC that is not known yet.
     */
    macs: z.record(z.string(), z.string().nullable()).default({}),
    /**
     * Windows: the virtio-win driver set (the virtio-win ISO, or a folder with its layout:
     * viostor/2k19/amd64/...). Without it, Windows boots from SATA with e1000e.
     */
    virtioWin: z.string().min(1).optional(),
  })
  .strict();
export type RepairOptions = z.input<typeof RepairOptions>;
export type ResolvedRepairOptions = z.output<typeof RepairOptions>;

/** One file the repair edits, creates or removes inside the guest. */
export const FileChange = z.object({
  /** Path inside the guest. */
  path: z.string(),
  action: z.enum(['edit', 'create', 'remove']),
  /** Unified diff (`--- a/etc/fstab` / `+++ b/etc/fstab`), empty for a binary file. */
  diff: z.string(),
  /** sha256 of the file before (null when it did not exist) and after (null when removed). */
  beforeSha256: z.string().nullable(),
  afterSha256: z.string().nullable(),
  /** Where the original is kept inside the guest (FILE.hyper2kvm-orig), null for a new file. */
  backup: z.string().nullable(),
  /** Size in bytes after the change (binary files: a driver, a registry hive). */
  size: z.number().int().nonnegative().optional(),
});
export type FileChange = z.infer<typeof FileChange>;

/**
 * One change in a Windows registry hive (edited on the host with hivex): the key, the value
 * (null for a change of the key itself), and its data before and after as Windows would show it.
 */
export const RegistryChange = z.object({
  /** HKLM\SYSTEM\ControlSet001\Services\viostor (the control set by its number, as in the hive). */
  key: z.string(),
  /** The value's name ("" for the default value), null when the key itself is created or removed. */
  value: z.string().nullable(),
  action: z.enum(['set', 'delete-value', 'create-key', 'delete-key']),
  /** REG_DWORD, REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_BINARY; null for a key. */
  type: z.string().nullable(),
  /** The data before (null: the value or key did not exist) and after (null: removed). */
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type RegistryChange = z.infer<typeof RegistryChange>;

/** A script that runs once, as SYSTEM, at the guest's first boot on KVM (Windows). */
export const FirstBootAction = z.object({
  /** The action's name as its log lines say it ("20-reapply-static-addresses"). */
  name: z.string(),
  /** Where the script is in the guest (C:\ProgramData\hyper2kvm\firstboot\actions\...). */
  path: z.string(),
  language: z.enum(['cmd', 'powershell']),
  script: z.string(),
});
export type FirstBootAction = z.infer<typeof FirstBootAction>;

/** A command that runs inside the guest (chrooted into it in the appliance). */
export const GuestCommand = z.object({
  argv: z.array(z.string()),
  /** Why it runs, in one line. */
  why: z.string(),
});
export type GuestCommand = z.infer<typeof GuestCommand>;

export const CommandOutcome = GuestCommand.extend({
  ok: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** The end of what it printed. */
  outputTail: z.string(),
});
export type CommandOutcome = z.infer<typeof CommandOutcome>;

export const FixStatus = z.enum([
  /** Will be applied (or was, see `applied`). */
  'planned',
  /** The guest does not need it (already right). */
  'not-needed',
  /** Cannot be done safely here; `reason` says why. Nothing of it is written. */
  'blocked',
  /** Left out by the user (--skip, --only, an unchecked box). */
  'skipped',
]);
export type FixStatus = z.infer<typeof FixStatus>;

export const PlannedFix = z.object({
  id: FixId,
  title: z.string(),
  /** The findings (codes) this fix addresses. */
  findings: z.array(z.string()),
  status: FixStatus,
  /** Why it is not needed, blocked or skipped; what it does when planned. */
  reason: z.string(),
  /** Off unless the user asks for it (the wizard shows it unchecked). */
  optional: z.boolean(),
  changes: z.array(FileChange),
  commands: z.array(GuestCommand),
  /** Windows: the registry changes, key by key. */
  registry: z.array(RegistryChange).optional(),
  /** Windows: what runs once at the first boot, script by script. */
  firstBoot: z.array(FirstBootAction).optional(),
});
export type PlannedFix = z.infer<typeof PlannedFix>;

export const PlanIssue = z.object({ code: z.string(), message: z.string(), hint: z.string() });
export type PlanIssue = z.infer<typeof PlanIssue>;

export const RepairPlan = z.object({
  /** The OS the plan is for (its root device in the appliance), null when none was found. */
  osRoot: z.string().nullable(),
  osType: z.string(),
  fixes: z.array(PlannedFix),
  /** Why nothing at all may be written (encrypted root, unknown boot loader...). */
  blockers: z.array(PlanIssue),
  /** What may still go wrong although the repair is done (a pending Windows Update reboot...). */
  warnings: z.array(PlanIssue).optional(),
  notes: z.array(z.string()),
});
export type RepairPlan = z.infer<typeof RepairPlan>;

export const AppliedFix = PlannedFix.extend({
  applied: z.boolean(),
  commandOutcomes: z.array(CommandOutcome),
});
export type AppliedFix = z.infer<typeof AppliedFix>;

/** What a repair did: stored with the job as repair.json and carried by the job's result. */
export const RepairRecord = z.object({
  plan: RepairPlan,
  fixes: z.array(AppliedFix),
  /** False with --dry-run, or when the user chose not to apply: nothing was written. */
  applied: z.boolean(),
  /** Set when applying failed: nothing was kept (the disk is as it was before the repair). */
  error: EngineError.nullable(),
  durationMs: z.number().nonnegative(),
  /** The findings of the inspection made after applying (the same appliance, before committing). */
  reinspected: z
    .object({
      readiness: z.enum(['ready', 'needs-repair', 'blocked']),
      blockers: z.number().int().nonnegative(),
      warnings: z.number().int().nonnegative(),
      /** What planning again on the repaired guest still proposes: empty when the repair is complete. */
      stillPlanned: z.array(FixId),
    })
    .optional(),
});
export type RepairRecord = z.infer<typeof RepairRecord>;

/** The user's answer to a plan shown for review. */
export const RepairDecision = z.discriminatedUnion('action', [
  /** Apply exactly these fixes (ids of planned fixes; optional ones only when listed). */
  z.object({ action: z.literal('apply'), fixes: z.array(FixId) }),
  /** Write nothing; the job goes on with the disk as converted. */
  z.object({ action: z.literal('skip') }),
]);
export type RepairDecision = z.infer<typeof RepairDecision>;
