import type { InspectionReport, LinuxFacts } from '../../../../shared/contract/models/inspection';
import type { ResolvedRepairOptions } from '../../../../shared/contract/models/repair';
import type { VmMetadata } from '../../../../shared/contract/models/vm';
import type { GuestTree } from '../../appliance/guest-tree';
import type { KernelInputs } from '../../inspect/linux/facts';
import type { DeviceWorld } from './devices';

/**
 * Everything the Linux planner reads, gathered before it runs so that planning itself is pure:
 * the inspection's report and the files it read (no second download), plus the few facts the
 * planner asks the appliance for (LinuxProbe), plus what the user chose.
 */
export interface LinuxGuest {
  report: InspectionReport & { linux: LinuxFacts };
  tree: GuestTree;
  kernels: KernelInputs;
  world: DeviceWorld;
  /** First bytes of each disk by appliance device (the MBR's boot code). */
  diskHeads: ReadonlyMap<string, Buffer>;
  probe: LinuxProbe;
  /** The VM around the disks (NICs and their MACs), when known. */
  vm: VmMetadata | null;
  options: ResolvedRepairOptions;
}

export interface LinuxProbe {
  /** Guest paths (tools, unit files) that exist. */
  present: ReadonlySet<string>;
  /** The btrfs subvolume the root file system is mounted from, when root is on btrfs. */
  rootSubvolume: { path: string; readOnly: boolean } | null;
  /** Unit files the planner reads (qemu-guest-agent.service), by path. */
  files: ReadonlyMap<string, string>;
}

/** Paths the planner asks the appliance about (present when they exist). */
export const PROBED_TOOLS = [
  '/usr/sbin/update-initramfs',
  '/usr/bin/dracut',
  '/usr/sbin/dracut',
  '/usr/bin/mkinitcpio',
  '/usr/sbin/mkinitcpio',
  '/usr/sbin/grub-mkconfig',
  '/usr/sbin/grub2-mkconfig',
  '/usr/sbin/grub-install',
  '/usr/sbin/grub2-install',
  '/usr/bin/systemctl',
  '/bin/systemctl',
] as const;

export const GUEST_AGENT_UNITS = ['/lib/systemd/system/qemu-guest-agent.service', '/usr/lib/systemd/system/qemu-guest-agent.service'] as const;

/** The first of `paths` that exists in the guest. */
export function firstPresent(guest: Pick<LinuxGuest, 'probe'>, paths: readonly string[]): string | null {
  return paths.find((p) => guest.probe.present.has(p)) ?? null;
}

/** A guest file's text: what the inspection read (/etc, boot configs) or what the planner probed. */
export function guestText(guest: Pick<LinuxGuest, 'tree' | 'probe'>, path: string): string | null {
  return guest.tree.text(path) ?? guest.probe.files.get(path) ?? null;
}
