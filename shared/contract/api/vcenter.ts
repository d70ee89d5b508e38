import { z } from 'zod';
import { method } from './define';
import { JobId } from '../events';
import { ConvertedDisk, OutputFormat, OutputName } from '../models/convert';
import { LibvirtConnection } from '../models/libvirt';
import { tailOptionFields, tailResultFields } from '../models/pipeline';
import { Firmware, VmMetadata } from '../models/vm';
import { CertificateInfo, InventoryNode, VmDetails, VmSummary, VsphereAbout, VsphereDatastore, VspherePowerState } from '../models/vsphere';

/**
 * The vCenter / ESXi source as the wizard and the CLI use it: trust the server's certificate,
 * log in (a connection lives in the engine and is named by its id), list thousands of VMs fast,
 * open one VM in detail, run the pre-flight rules, act on them (power off, guest shutdown) and
 * start a migration (download and conversion overlapped, as one job).
 *
 * Secrets: a password goes in with `vcenter.login` and never comes out of any call, event, job
 * record or report.
 */

export const ConnectionId = z.string().regex(/^vc-[a-z0-9]{8,40}$/, 'a vCenter connection id');
export type ConnectionId = z.infer<typeof ConnectionId>;

/** "vcenter.example.com", "vcenter.example.com:8443", "https://vcenter.example.com/sdk", "[fd00::1]:443". */
export const ServerAddress = z.string().trim().min(1).max(300);

/** Where a server lives once the address is parsed. */
export const ServerEndpoint = z.object({
  host: z.string(),
  port: z.number().int().positive(),
  /** host:port as shown to people ("[fd00::1]:443" for IPv6). */
  display: z.string(),
});
export type ServerEndpoint = z.infer<typeof ServerEndpoint>;

/**
 * How to trust the server's certificate at login:
 *  - store: what the user trusted before (first contact fails with VSPHERE_CERT_UNKNOWN, whose
 *    evidence carries the certificate for the prompt);
 *  - fingerprint: the user just confirmed this SHA-256 fingerprint (it is checked against what the
 *    server presents, then remembered for the host);
 *  - ca: verify the chain against a CA file (PEM), nothing remembered.
 */
export const TrustChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('store') }).strict(),
  z.object({ kind: z.literal('fingerprint'), sha256: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('ca'), caFile: z.string().min(1) }).strict(),
]);
export type TrustChoice = z.infer<typeof TrustChoice>;

export const TrustedCertificate = z.object({ sha256: z.string(), subject: z.string(), trustedAt: z.string() });
export type TrustedCertificate = z.infer<typeof TrustedCertificate>;

/** The trust prompt's content: the certificate and how it compares with what was trusted. */
export const CertificateProbe = z.object({
  server: ServerEndpoint,
  certificate: CertificateInfo,
  /** trusted: matches the remembered one; unknown: first contact; changed: differs (warn loudly). */
  status: z.enum(['trusted', 'unknown', 'changed']),
  trusted: TrustedCertificate.nullable(),
  /** The certificate's validity as of now. */
  expired: z.boolean(),
  notYetValid: z.boolean(),
  daysLeft: z.number().int(),
});
export type CertificateProbe = z.infer<typeof CertificateProbe>;

export const LoginRequest = z
  .object({
    server: ServerAddress,
    user: z.string().min(1).max(256),
    /** Omit to use the password remembered for this server and user (see `vcenter.savedLogins`). */
    password: z.string().min(1).max(1024).optional(),
    trust: TrustChoice.default({ kind: 'store' }),
    /** Remember the password, encrypted by the operating system's keyring (desktop app only). */
    rememberPassword: z.boolean().default(false),
  })
  .strict();
export type LoginRequest = z.input<typeof LoginRequest>;

export const ConnectionInfo = z.object({
  connectionId: ConnectionId,
  server: ServerEndpoint,
  user: z.string(),
  about: VsphereAbout,
  /** How the certificate is trusted on this connection. */
  trust: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('pinned'), sha256: z.string(), trustedAt: z.string().optional() }),
    z.object({ kind: z.literal('ca'), caFile: z.string() }),
  ]),
  passwordRemembered: z.boolean(),
  connectedAt: z.string(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

/**
 * One VM in the inventory table: only what the list shows, searches and filters on (name, power
 * state, guest OS, datastore, folder, host...). Cheap to fetch for thousands of VMs; the heavy
 * details (devices, files, snapshots) come from `vcenter.vm` when a VM is opened.
 */
export const VmListItem = z.object({
  id: z.string(),
  name: z.string(),
  powerState: VspherePowerState,
  template: z.boolean(),
  guestId: z.string().optional(),
  guestFullName: z.string().optional(),
  cpus: z.number().int().nonnegative().optional(),
  memoryMiB: z.number().int().nonnegative().optional(),
  firmware: Firmware.optional(),
  host: z.string().optional(),
  cluster: z.string().optional(),
  datacenter: z.string().optional(),
  /** "/DC0/vm/Production": the VM folder from the root. */
  folderPath: z.string().optional(),
  /** Datastore names, for the datastore filter. */
  datastores: z.array(z.string()),
  diskCount: z.number().int().nonnegative().optional(),
  nicCount: z.number().int().nonnegative().optional(),
  /** Bytes the VM's files occupy (committed) and could grow to (committed + uncommitted). */
  usedBytes: z.number().nonnegative().optional(),
  provisionedBytes: z.number().nonnegative().optional(),
  toolsRunningStatus: z.string().optional(),
  ipAddress: z.string().optional(),
  guestHostName: z.string().optional(),
  uuid: z.string().optional(),
  instanceUuid: z.string().optional(),
  vmPathName: z.string().optional(),
});
export type VmListItem = z.infer<typeof VmListItem>;

export const FacetValue = z.object({ value: z.string(), count: z.number().int().nonnegative() });
export type FacetValue = z.infer<typeof FacetValue>;

/** Distinct values with counts, for the filter drop-downs (computed once, not per keystroke). */
export const InventoryFacets = z.object({
  powerStates: z.array(FacetValue),
  guestOs: z.array(FacetValue),
  datastores: z.array(FacetValue),
  folders: z.array(FacetValue),
  hosts: z.array(FacetValue),
});
export type InventoryFacets = z.infer<typeof InventoryFacets>;

export const VcenterInventory = z.object({
  connectionId: ConnectionId,
  about: VsphereAbout,
  /** Datacenters → folders → clusters / hosts → VMs. */
  tree: InventoryNode,
  vms: z.array(VmListItem),
  datastores: z.array(VsphereDatastore),
  facets: InventoryFacets,
  listedAt: z.string(),
  durationMs: z.number().nonnegative(),
});
export type VcenterInventory = z.infer<typeof VcenterInventory>;

/** Names a VM by its id ("vm-42") or by its name (refused when two VMs share it). */
export const VmSelector = z
  .object({ connectionId: ConnectionId, vmId: z.string().min(1).optional(), name: z.string().min(1).optional() })
  .strict()
  .refine((value) => (value.vmId === undefined) !== (value.name === undefined), { message: 'give exactly one of vmId and name' });

export const VmDetailsResult = z.object({
  vm: VmDetails,
  /** What travels with a migration into the libvirt stage. */
  metadata: VmMetadata,
});
export type VmDetailsResult = z.infer<typeof VmDetailsResult>;

export const PreflightSeverity = z.enum(['blocker', 'warning', 'info']);
export type PreflightSeverity = z.infer<typeof PreflightSeverity>;

/** Something the UI can offer next to an item; `call` actions need the user's confirmation. */
export const PreflightAction = z.object({
  id: z.enum(['power-off', 'shutdown-guest', 'choose-destination', 'choose-name', 'start-libvirt', 'consolidate-snapshots', 'refresh']),
  label: z.string(),
  /** The call that performs it, when the engine can (with `confirmed: true`). */
  call: z.enum(['vcenter.powerOff', 'vcenter.shutdownGuest']).optional(),
  /** The question to ask before doing it. */
  confirm: z.string().optional(),
});
export type PreflightAction = z.infer<typeof PreflightAction>;

export const PreflightItem = z.object({
  /** Stable rule id: powered-on, snapshots, rdm-disk, independent-disk, encrypted, vsan, destination-space, domain-name-taken, secure-boot, guest-os... */
  id: z.string(),
  severity: PreflightSeverity,
  title: z.string(),
  message: z.string(),
  /** What to do about it. */
  hint: z.string(),
  /** The disk or NIC the item is about, when it is about one. */
  subject: z.string().optional(),
  actions: z.array(PreflightAction),
});
export type PreflightItem = z.infer<typeof PreflightItem>;

export const PreflightRequest = z
  .object({
    connectionId: ConnectionId,
    vmId: z.string().min(1),
    /** Destination to check for space and existing outputs (default: the app's output folder). */
    outDir: z.string().min(1).optional(),
    format: OutputFormat.default('qcow2'),
    /** Base name of the outputs and of the libvirt domain (default: the VM's name). */
    name: OutputName.optional(),
    overwrite: z.boolean().default(false),
    /** Where the domain will be defined (name collisions are checked there). */
    libvirt: LibvirtConnection.default('qemu:///system'),
  })
  .strict();
export type PreflightRequest = z.input<typeof PreflightRequest>;

export const PreflightReport = z.object({
  vm: z.object({ id: z.string(), name: z.string(), powerState: VspherePowerState }),
  items: z.array(PreflightItem),
  counts: z.object({ blocker: z.number().int(), warning: z.number().int(), info: z.number().int() }),
  /** No blocker: a migration may start. */
  canMigrate: z.boolean(),
  estimate: z.object({
    destination: z.string(),
    /** Every file of every disk chain. */
    downloadBytes: z.number().nonnegative(),
    /** Of which already downloaded by an earlier, interrupted migration. */
    alreadyDownloadedBytes: z.number().nonnegative(),
    /** Upper bound of what the converted disks occupy. */
    outputBytes: z.number().nonnegative(),
    destinationFreeBytes: z.number().nonnegative(),
  }),
  checkedAt: z.string(),
});
export type PreflightReport = z.infer<typeof PreflightReport>;

export const MigrateOptions = z
  .object({
    outDir: z.string().min(1),
    format: OutputFormat.default('qcow2'),
    compress: z.boolean().default(false),
    name: OutputName.optional(),
    overwrite: z.boolean().default(false),
    /** Disks copied (and converted) at the same time. */
    parallelDisks: z.number().int().min(1).max(8).default(2),
    /** Bandwidth limit for all downloads of the job together, in bytes per second. */
    maxBytesPerSecond: z.number().positive().optional(),
    /** Failed attempts in a row (no byte gained) before a download gives up. */
    retries: z.number().int().min(1).max(50).default(6),
    /** Keep the downloaded VMware files after a successful conversion. */
    keepDownloads: z.boolean().default(false),
    libvirt: LibvirtConnection.default('qemu:///system'),
    ...tailOptionFields,
  })
  .strict();
export type MigrateOptions = z.input<typeof MigrateOptions>;
export type ResolvedMigrateOptions = z.output<typeof MigrateOptions>;

export const DiskTransfer = z.object({
  diskId: z.string(),
  label: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().nonnegative(), resumedFrom: z.number().nonnegative() })),
  /** Bytes of this disk's files. */
  bytes: z.number().nonnegative(),
  /** Bytes that were already on disk from an earlier attempt. */
  resumedBytes: z.number().nonnegative(),
  /** Bytes the converter needed before the sequential download reached them (fetched ahead). */
  aheadBytes: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type DiskTransfer = z.infer<typeof DiskTransfer>;

export const MigrateResult = z.object({
  jobId: z.string(),
  source: z.object({ server: z.string(), vmId: z.string(), vmName: z.string(), instanceUuid: z.string().optional() }),
  /** CPU, memory, firmware, NICs with MACs and networks, guest OS: for the libvirt stage. */
  vm: VmMetadata,
  outputs: z.array(ConvertedDisk),
  transfer: z.object({
    disks: z.array(DiskTransfer),
    bytes: z.number().nonnegative(),
    resumedBytes: z.number().nonnegative(),
    aheadBytes: z.number().nonnegative(),
    durationMs: z.number().nonnegative(),
    bytesPerSecond: z.number().nonnegative(),
  }),
  /** Pre-flight warnings and notes the migration went ahead with. */
  preflight: z.array(PreflightItem),
  /** Where the VMware files were downloaded; null once removed. */
  stagingDir: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  recordPath: z.string(),
  ...tailResultFields,
});
export type MigrateResult = z.infer<typeof MigrateResult>;

const Empty = z.object({}).strict();

export const vcenterApi = {
  'vcenter.probeCertificate': method({
    summary: "Read a vCenter's certificate for the trust prompt (fingerprints, names, dates) and compare it with the remembered one",
    input: z.object({ server: ServerAddress }).strict(),
    output: CertificateProbe,
  }),
  'vcenter.trust': method({
    summary: 'Remember that the user trusts this certificate for this server (checked against what the server presents now)',
    input: z.object({ server: ServerAddress, sha256: z.string().min(1) }).strict(),
    output: TrustedCertificate,
  }),
  'vcenter.forgetTrust': method({
    summary: 'Forget the trusted certificate of a server (it will ask again)',
    input: z.object({ server: ServerAddress }).strict(),
    output: z.object({ forgotten: z.boolean() }),
  }),
  'vcenter.login': method({
    summary: 'Log in to vCenter or ESXi; unknown or changed certificates fail with the certificate in the evidence',
    input: LoginRequest,
    output: ConnectionInfo,
  }),
  'vcenter.logout': method({
    summary: 'Log out and close a connection',
    input: z.object({ connectionId: ConnectionId }).strict(),
    output: z.object({ loggedOut: z.boolean() }),
  }),
  'vcenter.connections': method({
    summary: 'The open vCenter connections (a reloaded UI picks up where it was)',
    input: Empty,
    output: z.array(ConnectionInfo),
  }),
  'vcenter.savedLogins': method({
    summary: 'Servers and users whose password the user asked to remember (never the passwords)',
    input: Empty,
    output: z.object({ available: z.boolean(), logins: z.array(z.object({ server: z.string(), user: z.string() })) }),
  }),
  'vcenter.forgetPassword': method({
    summary: 'Forget a remembered password',
    input: z.object({ server: ServerAddress, user: z.string().min(1) }).strict(),
    output: z.object({ forgotten: z.boolean() }),
  }),
  'vcenter.inventory': method({
    summary: 'Every VM (light fields for search and filters), the inventory tree and the datastores',
    input: z.object({ connectionId: ConnectionId, pageSize: z.number().int().min(10).max(5000).default(1000) }).strict(),
    output: VcenterInventory,
  }),
  'vcenter.vms': method({
    summary: 'Every VM with its disks and NICs (heavier than vcenter.inventory; for scripts)',
    input: z.object({ connectionId: ConnectionId }).strict(),
    output: z.object({ vms: z.array(VmSummary) }),
  }),
  'vcenter.vm': method({
    summary: 'One VM in detail: hardware, disks, NICs, snapshots, files and the download plan',
    input: VmSelector,
    output: VmDetailsResult,
  }),
  'vcenter.preflight': method({
    summary: 'Pre-flight checks of one VM before anything moves: blockers, warnings and notes with what to do',
    input: PreflightRequest,
    output: PreflightReport,
  }),
  'vcenter.powerOff': method({
    summary: 'Power a VM off (like pulling the plug); needs confirmed: true',
    input: z.object({ connectionId: ConnectionId, vmId: z.string().min(1), confirmed: z.literal(true) }).strict(),
    output: z.object({ powerState: VspherePowerState }),
  }),
  'vcenter.shutdownGuest': method({
    summary: 'Ask the guest to shut down through VMware Tools and wait until it is off; needs confirmed: true',
    input: z.object({ connectionId: ConnectionId, vmId: z.string().min(1), confirmed: z.literal(true), timeoutSeconds: z.number().int().min(5).max(3600).default(300) }).strict(),
    output: z.object({ powerState: VspherePowerState }),
  }),
  'migrate.start': method({
    summary: 'Migrate a VM: download its disks and convert them at the same time; progress arrives as job events',
    input: z.object({ connectionId: ConnectionId, vmId: z.string().min(1), options: MigrateOptions }).strict(),
    output: z.object({ jobId: JobId }),
  }),
  'migrate.discardDownloads': method({
    summary: 'Delete what an interrupted migration downloaded (its staging folder)',
    input: z.object({ stagingDir: z.string().min(1) }).strict(),
    output: z.object({ removed: z.boolean(), bytes: z.number().nonnegative() }),
  }),
};
