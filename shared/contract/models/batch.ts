import { z } from 'zod';
import { EngineError } from '../errors';
import { OutputFormat, OutputName } from './convert';
import { DiskPlacement, DomainOptions, LibvirtConnection, NameCollisionPolicy } from './libvirt';
import { FixId, NetworkRepairMode } from './repair';

/**
 * A batch plan: the YAML file an administrator writes to migrate many VMs unattended, and what
 * the engine makes of it. This is the one schema of that file; the CLI, the engine and the Batch
 * page all use it. Scripts rely on its shape: add keys, never rename or remove one.
 *
 *   defaults:            settings every VM starts from
 *   vms:                 each a local source (`source:`) or a vCenter VM (`vm:`), with overrides
 *   forklift:            only for `batch export-forklift`
 *
 * A VM's settings are `defaults` deep-merged with the VM's own keys: maps merge key by key at
 * every depth, lists and scalars replace.
 */

/** Stages a hook can run before or after (stage ids of the single-migration pipeline). */
export const HOOK_STAGES = ['transfer', 'convert', 'check', 'inspect', 'repair', 'finalize', 'define', 'verify-boot'] as const;
export type HookStage = (typeof HOOK_STAGES)[number];
export const HOOK_POINTS = HOOK_STAGES.flatMap((s) => [`before-${s}`, `after-${s}`] as const);
export type HookPoint = `before-${HookStage}` | `after-${HookStage}`;

/** Seconds a hook may run when the plan does not say (5 minutes). */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 300;

export const HookSpec = z
  .object({
    /** An argument list (run without a shell), or a string run by /bin/sh -c when `shell: true`. */
    command: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]),
    /** Run through /bin/sh -c: only when asked for. */
    shell: z.boolean().optional(),
    /** Seconds before the hook's whole process group is killed and the VM fails (HOOK_TIMEOUT). */
    timeout: z.number().positive().max(86_400).optional(),
    /** What a non-zero exit does: fail the VM (default) or only log a warning. */
    onFailure: z.enum(['fail', 'warn']).optional(),
    /** Extra environment variables for the hook. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
  })
  .strict();
export type HookSpec = z.infer<typeof HookSpec>;

/** `hooks:` is a map from hook point to a list of hooks, run one after the other. */
export const HookMap = z
  .object(Object.fromEntries(HOOK_POINTS.map((p) => [p, z.array(HookSpec).optional()])) as Record<HookPoint, z.ZodOptional<z.ZodArray<typeof HookSpec>>>)
  .strict();
export type HookMap = z.infer<typeof HookMap>;

/** A vCenter or ESXi to read VMs from. Passwords are never in the plan: a file, or a variable's name. */
export const VcenterSource = z
  .object({
    server: z.string().min(1),
    user: z.string().min(1),
    passwordFile: z.string().min(1).optional(),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    /** SHA-256 fingerprint of the server's certificate (as `hyper2kvm vcenter vms` prints it). */
    thumbprint: z.string().min(1).optional(),
    /** A CA file (PEM) to verify the server's certificate with instead. */
    ca: z.string().min(1).optional(),
  })
  .strict();
export type VcenterSource = z.infer<typeof VcenterSource>;

/** Repair the guest (true, or which fixes and how): the single migration's repair options. */
export const RepairSettings = z.union([
  z.boolean(),
  z
    .object({
      only: z.array(FixId).optional(),
      skip: z.array(FixId).optional(),
      network: NetworkRepairMode.optional(),
      serialConsole: z.boolean().optional(),
    })
    .strict(),
]);

/**
 * The libvirt domain's shape (DomainOptions, without defaults: unset means the define stage's
 * own choice); its name is the VM's name, its network comes from `networks`, its connection is
 * `define.connection`.
 */
const domain = DomainOptions.shape;
export const DefineDomainOptions = z
  .object({
    memoryMiB: domain.memoryMiB,
    vcpus: domain.vcpus,
    firmware: domain.firmware,
    secureBoot: domain.secureBoot,
    machine: domain.machine,
    diskBus: domain.diskBus,
    nicModel: domain.nicModel,
    keepMac: domain.keepMac.unwrap().optional(),
    keepUuid: domain.keepUuid.unwrap().optional(),
  })
  .strict();

export const DefineSettings = z.union([
  z.boolean(),
  z
    .object({
      connection: LibvirtConnection.optional(),
      onCollision: NameCollisionPolicy.optional(),
      /** Default: in place for qemu:///session, moved under /var/lib/libvirt/images for qemu:///system. */
      placement: DiskPlacement.optional(),
      options: DefineDomainOptions.optional(),
    })
    .strict(),
]);

export const VerifyBootSettings = z.union([z.boolean(), z.object({ timeoutSeconds: z.number().int().min(30).max(3600).optional() }).strict()]);

/** Where a source network's NICs go: a libvirt network or a host bridge (one of the two). */
export const NetworkTarget = z
  .object({ network: z.string().min(1).max(64).optional(), bridge: z.string().min(1).max(15).optional() })
  .strict()
  .refine((t) => (t.network === undefined) !== (t.bridge === undefined), { message: 'give exactly one of network or bridge' });
export type NetworkTarget = z.infer<typeof NetworkTarget>;

export const TransferSettings = z
  .object({
    /** Disks of one VM copied at once. */
    parallelDisks: z.number().int().min(1).max(8).optional(),
    /** Bandwidth limit of one VM's downloads, in MB/s. */
    limitMBps: z.number().positive().max(100_000).optional(),
    /** Failed attempts in a row before a download gives up. */
    retries: z.number().int().min(1).max(50).optional(),
  })
  .strict();

/** How many VMs run at once: a number (all together), or limits per source host and datastore too. */
export const ConcurrencySettings = z.union([
  z.number().int().min(1).max(256),
  z
    .object({
      total: z.number().int().min(1).max(256).optional(),
      perHost: z.number().int().min(1).max(256).optional(),
      perDatastore: z.number().int().min(1).max(256).optional(),
    })
    .strict(),
]);

/** Settings a VM can have; every key optional here (defaults and overrides are merged). */
export const VmSettingsInput = z
  .object({
    vcenter: VcenterSource.partial().strict(),
    /** Folder the VM's disks are written to (relative paths are relative to the plan's folder). */
    destination: z.string().min(1),
    format: OutputFormat,
    compress: z.boolean(),
    /** Replace existing outputs (off unless the plan says so). */
    overwrite: z.boolean(),
    /** Inspect the converted guest (one libguestfs appliance per VM); repair and define imply it. */
    inspect: z.boolean(),
    repair: RepairSettings,
    define: DefineSettings,
    verifyBoot: VerifyBootSettings,
    /** Source network name → libvirt network or bridge. */
    networks: z.record(z.string().min(1), NetworkTarget),
    /** Source datastore name → destination folder for VMs on that datastore. */
    storage: z.record(z.string().min(1), z.string().min(1)),
    hooks: HookMap,
    transfer: TransferSettings,
  })
  .partial()
  .strict();
export type VmSettingsInput = z.infer<typeof VmSettingsInput>;

/** Keys that describe the whole batch: only under `defaults`. */
export const BatchSettingsInput = z
  .object({
    concurrency: ConcurrencySettings,
    /** Stop starting VMs once this many have failed in a run (default: carry on with the others). */
    stopAfterFailures: z.number().int().min(1),
  })
  .partial()
  .strict();

export const DefaultsInput = VmSettingsInput.extend(BatchSettingsInput.shape).strict();

/** A vCenter VM: by name (a string), or `{ name }`, `{ id: vm-42 }` or `{ path: /DC/vm/folder/name }`. */
export const VmRefInput = z.union([
  z.string().min(1),
  z
    .object({ name: z.string().min(1).optional(), id: z.string().regex(/^vm-\d+$/, 'a VM id like vm-42').optional(), path: z.string().regex(/^\/.+\/[^/]+$/, 'an inventory path like /Datacenter/vm/Folder/name').optional() })
    .strict()
    .refine((r) => [r.name, r.id, r.path].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of name, id and path' }),
]);

export const VmEntryInput = VmSettingsInput.extend({
  /** The VM's name in the batch (unique): names its outputs and, later, its libvirt domain. */
  name: OutputName.optional(),
  /** A local VMDK, VMX, OVF, OVA or folder. */
  source: z.string().min(1).optional(),
  /** A vCenter VM. */
  vm: VmRefInput.optional(),
}).strict();
export type VmEntryInput = z.infer<typeof VmEntryInput>;

/** For `batch export-forklift` only: where things go in the Kubernetes cluster. */
export const ForkliftSettings = z
  .object({
    /** Namespace of the Provider, maps, Plan and Migration (Forklift's own by default). */
    namespace: z.string().min(1).optional(),
    /** Namespace the migrated VMs are created in. */
    targetNamespace: z.string().min(1).optional(),
    /** Base name of the generated resources (default: the plan file's name). */
    name: z.string().min(1).optional(),
    /** Source network → `pod`, or `NAMESPACE/NAME` of a Multus network attachment (default: pod). */
    networks: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** Source datastore → storage class. */
    storage: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** Storage class of datastores not named in `storage`. */
    storageClass: z.string().min(1).optional(),
    warm: z.boolean().optional(),
  })
  .strict();
export type ForkliftSettings = z.infer<typeof ForkliftSettings>;

export const PlanFileInput = z
  .object({
    /** Version of this file format; 1 when absent. */
    version: z.literal(1).optional(),
    /** A title for people. */
    title: z.string().optional(),
    defaults: DefaultsInput.optional(),
    vms: z.array(z.unknown()),
    forklift: ForkliftSettings.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// What the engine makes of a plan

export const ResolvedHook = z.object({
  point: z.string(),
  command: z.array(z.string()),
  shell: z.boolean(),
  timeoutSeconds: z.number().positive(),
  onFailure: z.enum(['fail', 'warn']),
  env: z.record(z.string(), z.string()),
});
export type ResolvedHook = z.infer<typeof ResolvedHook>;

/** A VM's settings once defaults, overrides and built-in defaults are merged and paths resolved. */
export const ResolvedSettings = z.object({
  destination: z.string(),
  format: OutputFormat,
  compress: z.boolean(),
  overwrite: z.boolean(),
  inspect: z.boolean(),
  repair: z.union([z.literal(false), z.object({ only: z.array(FixId).optional(), skip: z.array(FixId).optional(), network: NetworkRepairMode.optional(), serialConsole: z.boolean().optional() })]),
  define: z.union([
    z.literal(false),
    z.object({ connection: LibvirtConnection, onCollision: NameCollisionPolicy, placement: DiskPlacement.optional(), options: DefineDomainOptions }),
  ]),
  verifyBoot: z.union([z.literal(false), z.object({ timeoutSeconds: z.number().int().optional() })]),
  networks: z.record(z.string(), z.object({ network: z.string().optional(), bridge: z.string().optional() })),
  storage: z.record(z.string(), z.string()),
  hooks: z.array(ResolvedHook),
  transfer: z.object({ parallelDisks: z.number().int(), limitMBps: z.number().optional(), retries: z.number().int() }),
  vcenter: VcenterSource.optional(),
});
export type ResolvedSettings = z.infer<typeof ResolvedSettings>;

export const VmSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string() }),
  z.object({ kind: z.literal('vcenter'), server: z.string(), name: z.string().optional(), id: z.string().optional(), path: z.string().optional() }),
]);
export type VmSource = z.infer<typeof VmSource>;

export const ResolvedVm = z.object({
  name: z.string(),
  /** Position in the plan's `vms` list. */
  index: z.number().int().nonnegative(),
  source: VmSource,
  settings: ResolvedSettings,
});
export type ResolvedVm = z.infer<typeof ResolvedVm>;

export const ResolvedConcurrency = z.object({
  total: z.number().int().positive(),
  perHost: z.number().int().positive().nullable(),
  perDatastore: z.number().int().positive().nullable(),
});
export type ResolvedConcurrency = z.infer<typeof ResolvedConcurrency>;

export const ResolvedPlan = z.object({
  file: z.string(),
  title: z.string().nullable(),
  concurrency: ResolvedConcurrency,
  stopAfterFailures: z.number().int().positive().nullable(),
  vms: z.array(ResolvedVm),
  forklift: ForkliftSettings.nullable(),
});
export type ResolvedPlan = z.infer<typeof ResolvedPlan>;

/** One problem found in a plan, where it is: what a compiler would print. */
export const PlanProblem = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  file: z.string(),
  /** 1-based, like editors. */
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  /** The key path: "vms[1].format", "defaults.hooks.after-convert[0].timeout". */
  path: z.string(),
});
export type PlanProblem = z.infer<typeof PlanProblem>;

// ---------------------------------------------------------------------------------------------
// A batch while it runs, and after

export const BatchVmState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type BatchVmState = z.infer<typeof BatchVmState>;

export const BatchOutput = z.object({ path: z.string(), format: OutputFormat, virtualSize: z.number().nonnegative() });
export type BatchOutput = z.infer<typeof BatchOutput>;

export const BatchVmRow = z.object({
  name: z.string(),
  index: z.number().int().nonnegative(),
  /** "local" or the vCenter server. */
  origin: z.string(),
  source: z.string(),
  host: z.string().nullable(),
  datastores: z.array(z.string()),
  state: BatchVmState,
  /** The stage the VM's job is in (or ended in). */
  stage: z.string().nullable(),
  stageLabel: z.string().nullable(),
  /** Progress of the current stage. */
  fraction: z.number().min(0).max(1),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
  attempts: z.number().int().nonnegative(),
  jobId: z.string().nullable(),
  jobDir: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nonnegative().nullable(),
  error: EngineError.nullable(),
  warnings: z.number().int().nonnegative(),
  outputs: z.array(BatchOutput),
  /** Increases whenever the row changes (for `since`). */
  rev: z.number().int().nonnegative(),
});
export type BatchVmRow = z.infer<typeof BatchVmRow>;

export const BatchTotals = z.object({
  vms: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  /** Bytes the VMs' main stage moved (downloaded for vCenter VMs, converted for local ones). */
  bytesDone: z.number().nonnegative(),
  /** Measured over the last seconds, all running VMs together; null until known. */
  bytesPerSecond: z.number().nonnegative().nullable(),
  /** Of the whole batch, at the current rate; null while unknown (never invented). */
  etaSeconds: z.number().nonnegative().nullable(),
});
export type BatchTotals = z.infer<typeof BatchTotals>;

export const ErrorRate = z.object({
  /** VM failures in the last 60 seconds. */
  lastMinute: z.number().int().nonnegative(),
  /** Failures per minute over the last hour, oldest first (60 buckets; the last is the current minute). */
  perMinute: z.array(z.number().int().nonnegative()),
});
export type ErrorRate = z.infer<typeof ErrorRate>;

/**
 * running: VMs are being started; pausing/paused: no new VM starts (running ones finish);
 * stopping: ending the run; ended: the run is over (everything done, stopped or failed too often);
 * idle: nobody is running it (read from the journal).
 */
export const BatchRunState = z.enum(['running', 'pausing', 'paused', 'stopping', 'ended', 'idle']);
export type BatchRunState = z.infer<typeof BatchRunState>;

export const BatchStatus = z.object({
  batchId: z.string(),
  plan: z.string(),
  journal: z.string(),
  title: z.string().nullable(),
  state: BatchRunState,
  /** Why the run ended, when it did: complete, stopped, failure-limit, interrupted. */
  endReason: z.string().nullable(),
  startedAt: z.string().nullable(),
  concurrency: ResolvedConcurrency,
  totals: BatchTotals,
  errorRate: ErrorRate,
  /** Every VM, or only those changed since `since`. */
  vms: z.array(BatchVmRow),
  rev: z.number().int().nonnegative(),
  /** True when `vms` holds only the rows changed since the `since` asked for. */
  partial: z.boolean(),
  /** Another process runs this batch (read from its journal): its pid. */
  runnerPid: z.number().int().nullable(),
});
export type BatchStatus = z.infer<typeof BatchStatus>;

/** What the journal of a plan says at a glance (a reopened app offers to resume). */
export const JournalSummary = z.object({
  path: z.string(),
  exists: z.boolean(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  interrupted: z.number().int().nonnegative(),
  /** A runner holds the journal right now. */
  runnerPid: z.number().int().nullable(),
});
export type JournalSummary = z.infer<typeof JournalSummary>;
