import { z } from 'zod';
import { VmMetadata } from './vm';

/** What the user brought: the intake resolves a path into one of these. */
export const SourceKind = z.enum(['vmdk', 'vmx', 'ovf', 'ova', 'folder', 'image']);
export type SourceKind = z.infer<typeof SourceKind>;

/** VMware's descriptor createType values we accept (plus what qemu-img reports for others). */
export const VmdkSubformat = z.enum([
  'monolithicSparse',
  'monolithicFlat',
  'twoGbMaxExtentSparse',
  'twoGbMaxExtentFlat',
  'streamOptimized',
  'vmfs',
  'vmfsSparse',
  'vmfsThin',
  'seSparse',
  'other',
]);
export type VmdkSubformat = z.infer<typeof VmdkSubformat>;

export const ChainLink = z.object({
  /** The descriptor (or image) file of this link. */
  path: z.string(),
  format: z.string(),
  subformat: z.string().optional(),
  virtualSize: z.number().nonnegative(),
  /** Bytes the link's files occupy on disk (all extents). */
  allocatedSize: z.number().nonnegative(),
  /** Every file this link is made of, descriptor first. */
  files: z.array(z.string()),
});
export type ChainLink = z.infer<typeof ChainLink>;

/**
 * How qemu-img should open a disk. Usually a plain file; for a disk read in place from inside an
 * uncompressed OVA it is a byte range of the tar (qemu's raw driver with offset and size).
 */
export const DiskLocator = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: z.string() }),
  z.object({
    type: z.literal('tar-member'),
    archive: z.string(),
    member: z.string(),
    offset: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    format: z.string(),
  }),
]);
export type DiskLocator = z.infer<typeof DiskLocator>;

export const SourceDisk = z.object({
  /** Stable id within the plan, used for progress items and output names: "disk1". */
  id: z.string(),
  /** A human name: file name of the top descriptor. */
  label: z.string(),
  locator: DiskLocator,
  format: z.string(),
  subformat: z.string().optional(),
  virtualSize: z.number().nonnegative(),
  /** Sum over the chain of the bytes its files occupy. */
  allocatedSize: z.number().nonnegative(),
  /** Bytes a converted copy needs (qemu-img measure for qcow2; a sparse raw copy about the same). */
  requiredBytes: z.number().nonnegative(),
  /** Top first: the disk as the VM sees it, then its parents down to the base. */
  chain: z.array(ChainLink),
  /** Slot in the VM, when the VM metadata says. */
  slot: z.string().optional(),
});
export type SourceDisk = z.infer<typeof SourceDisk>;

/** Bytes of a file: the whole file (size null) or a member of an archive. */
export const ByteRange = z.object({
  path: z.string(),
  offset: z.number().int().nonnegative(),
  size: z.number().int().nonnegative().nullable(),
});
export type ByteRange = z.infer<typeof ByteRange>;

export const ManifestCheck = z.object({
  /** The name as the manifest writes it. */
  file: z.string(),
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']),
  expected: z.string(),
  /** Where those bytes are. */
  range: ByteRange,
});
export type ManifestCheck = z.infer<typeof ManifestCheck>;

export const SourcePlan = z.object({
  kind: SourceKind,
  /** The path the user gave. */
  input: z.string(),
  /** The file the plan was made from (the VMX found in a folder, for example). */
  primary: z.string(),
  vm: VmMetadata,
  disks: z.array(SourceDisk).min(1),
  /** Entries of an OVA/OVF manifest that the verify stage must check. */
  manifest: z.array(ManifestCheck).default([]),
  warnings: z.array(z.string()).default([]),
});
export type SourcePlan = z.infer<typeof SourcePlan>;
