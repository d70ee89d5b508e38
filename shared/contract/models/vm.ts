import { z } from 'zod';

/**
 * What we know about the virtual machine around the disks, from a VMX, an OVF or vCenter.
 * It travels with the job so that later stages (libvirt domain, repairs) can use it. Every
 * field is optional because a bare VMDK tells us none of it.
 */

export const Firmware = z.enum(['bios', 'uefi']);
export type Firmware = z.infer<typeof Firmware>;

export const NicMetadata = z.object({
  /** e.g. "ethernet0" (VMX), the OVF item's name, or vCenter's device label. */
  label: z.string(),
  /** vmxnet3, e1000, e1000e, ... as the source called it. */
  adapterType: z.string().optional(),
  /** Lower-case colon form aa:bb:cc:dd:ee:ff. */
  mac: z.string().optional(),
  macSource: z.enum(['generated', 'static', 'unknown']).optional(),
  network: z.string().optional(),
  connected: z.boolean().optional(),
});
export type NicMetadata = z.infer<typeof NicMetadata>;

export const VmDiskMetadata = z.object({
  /** Controller slot as the source names it: "scsi0:0", "sata0:1", "nvme0:0", OVF disk id. */
  slot: z.string(),
  controller: z.enum(['scsi', 'sata', 'ide', 'nvme', 'unknown']).optional(),
  /** The file the source points at (absolute once resolved). */
  fileName: z.string(),
  capacityBytes: z.number().nonnegative().optional(),
  /** VMware disk modes: independent disks are not captured by snapshots. */
  mode: z.string().optional(),
  isCdrom: z.boolean().optional(),
});
export type VmDiskMetadata = z.infer<typeof VmDiskMetadata>;

export const VmMetadata = z.object({
  name: z.string().optional(),
  /** VMware guest OS id: "debian12-64", "windows9Server64Guest"... */
  guestOs: z.string().optional(),
  guestOsFullName: z.string().optional(),
  vcpus: z.number().int().positive().optional(),
  coresPerSocket: z.number().int().positive().optional(),
  memoryMiB: z.number().int().positive().optional(),
  firmware: Firmware.optional(),
  secureBoot: z.boolean().optional(),
  nics: z.array(NicMetadata).default([]),
  disks: z.array(VmDiskMetadata).default([]),
  /** Where the metadata came from, for the report. */
  origin: z.enum(['vmx', 'ovf', 'vcenter', 'none']).default('none'),
  uuid: z.string().optional(),
});
export type VmMetadata = z.infer<typeof VmMetadata>;
