import { z } from 'zod';
import { Firmware } from './vm';

/**
 * What the product knows about a vCenter or ESXi source: the server's certificate (for the
 * trust prompt), its inventory tree, and each VM with what a migration needs to plan the copy.
 * Ids are vSphere managed object ids ("vm-42"); they are opaque strings.
 */

/** The server certificate as shown to the user on first contact. */
export const CertificateInfo = z.object({
  host: z.string().optional(),
  port: z.number().int().positive().optional(),
  /** Colon-separated upper-case hex, as browsers and vSphere show it. */
  sha256: z.string(),
  /** What vSphere tools call the thumbprint. */
  sha1: z.string(),
  subject: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  selfSigned: z.boolean(),
  pem: z.string(),
});
export type CertificateInfo = z.infer<typeof CertificateInfo>;

/** How the connection's certificate is trusted: pinned fingerprint or a CA file. */
export const VsphereTrust = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pinned'), sha256: z.string() }),
  z.object({ kind: z.literal('ca'), caFile: z.string() }),
]);
export type VsphereTrust = z.infer<typeof VsphereTrust>;

export const VspherePowerState = z.enum(['poweredOn', 'poweredOff', 'suspended', 'unknown']);
export type VspherePowerState = z.infer<typeof VspherePowerState>;

export const DiskProvisioning = z.enum(['thin', 'thick-lazy', 'thick-eager', 'unknown']);
export type DiskProvisioning = z.infer<typeof DiskProvisioning>;

export const VsphereController = z.object({
  /** Bus family as the product's VM metadata names it. */
  kind: z.enum(['scsi', 'sata', 'ide', 'nvme', 'unknown']),
  /** pvscsi, lsilogic, lsilogic-sas, buslogic, ahci, ide, nvme... */
  model: z.string(),
  bus: z.number().int().nonnegative(),
});
export type VsphereController = z.infer<typeof VsphereController>;

export const VsphereDisk = z.object({
  /** Device key, unique within the VM. */
  key: z.number().int(),
  label: z.string(),
  /** The descriptor the VM uses now, e.g. "[datastore1] web01/web01-000001.vmdk". */
  fileName: z.string(),
  datastore: z.string().optional(),
  capacityBytes: z.number().nonnegative(),
  provisioning: DiskProvisioning,
  /** persistent, independent_persistent, independent_nonpersistent, nonpersistent, ... */
  diskMode: z.string(),
  /** Independent disks are not captured by snapshots. */
  independent: z.boolean(),
  /** The backing's type without the VirtualDisk prefix: FlatVer2BackingInfo, RawDiskMappingVer1BackingInfo, ... */
  backingType: z.string(),
  /** Raw device mappings cannot be copied over /folder; physical mode not at all. */
  rdm: z.enum(['physical', 'virtual']).optional(),
  controller: VsphereController.optional(),
  /** "scsi0:1", "sata0:0", "nvme0:0", "ide1:0" */
  slot: z.string().optional(),
  /** Backing files of the snapshot chain below fileName, nearest parent first, base last. */
  parents: z.array(z.string()),
});
export type VsphereDisk = z.infer<typeof VsphereDisk>;

export const VsphereNic = z.object({
  key: z.number().int(),
  label: z.string(),
  /** vmxnet3, e1000, e1000e, vmxnet2, pcnet32, sriov... (from the device's xsi:type) */
  adapterType: z.string(),
  /** Lower-case colon form. */
  mac: z.string().optional(),
  /** generated / assigned (by vCenter) / manual (set by a person). */
  addressType: z.string().optional(),
  network: z.string().optional(),
  connected: z.boolean().optional(),
  startConnected: z.boolean().optional(),
});
export type VsphereNic = z.infer<typeof VsphereNic>;

export const VsphereDatastore = z.object({
  id: z.string(),
  name: z.string(),
  /** VMFS, NFS, NFS41, vsan, vvol, OTHER... as the server reports it. */
  type: z.string(),
  capacityBytes: z.number().nonnegative().optional(),
  freeBytes: z.number().nonnegative().optional(),
  accessible: z.boolean().optional(),
  url: z.string().optional(),
});
export type VsphereDatastore = z.infer<typeof VsphereDatastore>;

export const VmFile = z.object({
  /** "[datastore1] web01/web01-flat.vmdk" */
  name: z.string(),
  /** config, nvram, diskDescriptor, diskExtent, snapshotData, log, swap, ... */
  type: z.string(),
  sizeBytes: z.number().nonnegative(),
});
export type VmFile = z.infer<typeof VmFile>;

export interface SnapshotNode {
  id: string;
  name: string;
  description?: string;
  createdAt?: string;
  state?: string;
  quiesced?: boolean;
  children: SnapshotNode[];
}
export const SnapshotNode: z.ZodType<SnapshotNode> = z.lazy(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    createdAt: z.string().optional(),
    state: z.string().optional(),
    quiesced: z.boolean().optional(),
    children: z.array(SnapshotNode),
  }),
);

/** One VM as the source list shows it (and the CLI prints it). */
export const VmSummary = z.object({
  id: z.string(),
  name: z.string(),
  uuid: z.string().optional(),
  instanceUuid: z.string().optional(),
  template: z.boolean(),
  guestId: z.string().optional(),
  guestFullName: z.string().optional(),
  firmware: Firmware.optional(),
  secureBoot: z.boolean().optional(),
  cpus: z.number().int().nonnegative().optional(),
  coresPerSocket: z.number().int().nonnegative().optional(),
  memoryMiB: z.number().int().nonnegative().optional(),
  powerState: VspherePowerState,
  /** Name of the ESXi host it runs on. */
  host: z.string().optional(),
  cluster: z.string().optional(),
  datacenter: z.string().optional(),
  /** "/DC0/vm/Production" — the VM folder, from the root. */
  folderPath: z.string().optional(),
  vmPathName: z.string().optional(),
  disks: z.array(VsphereDisk),
  nics: z.array(VsphereNic),
  datastores: z.array(VsphereDatastore),
  snapshots: z.array(SnapshotNode),
  currentSnapshot: z.string().optional(),
  /** layoutEx.file: every file of the VM with its size (what a copy must fetch). */
  files: z.array(VmFile),
  toolsRunningStatus: z.string().optional(),
  ipAddresses: z.array(z.string()),
});
export type VmSummary = z.infer<typeof VmSummary>;

/** The files to fetch for one disk: every link of its chain, descriptor and extents. */
export const DiskDownloadPlan = z.object({
  diskKey: z.number().int(),
  label: z.string(),
  /** Top first (what the VM sees), base last; each link lists its descriptor then its extents. */
  chain: z.array(z.object({ descriptor: z.string(), files: z.array(VmFile) })),
  totalBytes: z.number().nonnegative(),
});
export type DiskDownloadPlan = z.infer<typeof DiskDownloadPlan>;

/** One VM with what planning the copy needs on top of the summary. */
export const VmDetails = VmSummary.extend({
  /** Datacenter inventory path for /folder downloads (dcPath), e.g. "DC0" or "Europe/DC1". */
  datacenterPath: z.string().optional(),
  resourcePool: z.string().optional(),
  downloads: z.array(DiskDownloadPlan),
});
export type VmDetails = z.infer<typeof VmDetails>;

export const InventoryNodeType = z.enum(['root', 'datacenter', 'folder', 'cluster', 'host', 'vm']);
export type InventoryNodeType = z.infer<typeof InventoryNodeType>;

export interface InventoryNode {
  id: string;
  type: InventoryNodeType;
  name: string;
  /** VMs only. */
  powerState?: VspherePowerState;
  children: InventoryNode[];
}
export const InventoryNode: z.ZodType<InventoryNode> = z.lazy(() =>
  z.object({
    id: z.string(),
    type: InventoryNodeType,
    name: z.string(),
    powerState: VspherePowerState.optional(),
    children: z.array(InventoryNode),
  }),
);

export const VsphereAbout = z.object({
  name: z.string(),
  fullName: z.string(),
  version: z.string(),
  build: z.string().optional(),
  apiType: z.string(),
  apiVersion: z.string(),
  instanceUuid: z.string().optional(),
});
export type VsphereAbout = z.infer<typeof VsphereAbout>;

/** Everything one listing returns. */
export const VsphereInventory = z.object({
  about: VsphereAbout,
  tree: InventoryNode,
  vms: z.array(VmSummary),
  datastores: z.array(VsphereDatastore),
});
export type VsphereInventory = z.infer<typeof VsphereInventory>;
