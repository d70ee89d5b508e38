import type { InspectionReport } from '../../../../shared/contract/models/inspection';
import type { GfCommand } from '../../appliance/guestfish-protocol';
import { parseHash, parseStructList } from '../../appliance/guestfish-protocol';
import type { GuestfishSession } from '../../appliance/guestfish-session';
import { mountOrder } from '../apply';
import { mountableDevice } from './devices';
import type { LinuxProbe } from './guest-view';
import { GUEST_AGENT_UNITS, PROBED_TOOLS } from './guest-view';

/**
 * The few facts the planner needs beyond the inspection, read in one round trip with the guest
 * mounted read-only as its fstab mounts it: which tools the guest has (update-initramfs, dracut,
 * grub-mkconfig...), the guest agent's unit file, and for a btrfs root which subvolume it is and
 * whether that subvolume is read-only (a snapper snapshot set as default can be).
 */
export async function probeLinux(session: GuestfishSession, report: InspectionReport): Promise<LinuxProbe> {
  const mounts = mountOrder(report.mountpoints);
  const rootMountable = report.mountpoints.find((m) => m.path === '/')?.device ?? null;
  const rootDevice = rootMountable ? mountableDevice(rootMountable, report.filesystems) : null;
  const btrfsRoot = !!rootMountable && (rootMountable.startsWith('btrfsvol:') || report.filesystems.find((f) => f.device === rootDevice)?.type === 'btrfs');
  const commands: GfCommand[] = [
    { name: 'umount-all' },
    ...mounts.map((m) => ({ name: 'mount-ro', args: [m.device, m.path] })),
    ...PROBED_TOOLS.map((p) => ({ name: 'exists', args: [p] })),
    ...GUEST_AGENT_UNITS.map((p) => ({ name: 'cat', args: [p] })),
    // show names the subvolume only by its last component; the list gives its path from the top.
    ...(btrfsRoot ? [{ name: 'btrfs-subvolume-show', args: ['/'] }, { name: 'btrfs-subvolume-list', args: ['/'] }] : []),
  ];
  const r = await session.batch(commands);
  let i = 1 + mounts.length;
  const present = new Set<string>();
  for (const path of PROBED_TOOLS) if (r[i++]!.output.trim() === 'true') present.add(path);
  const files = new Map<string, string>();
  for (const path of GUEST_AGENT_UNITS) {
    const result = r[i++]!;
    if (result.ok) {
      files.set(path, result.output);
      present.add(path);
    }
  }
  let rootSubvolume: LinuxProbe['rootSubvolume'] = null;
  if (btrfsRoot) {
    const show = r[i++]!;
    const fields = show.ok ? parseHash(show.output) : new Map<string, string>();
    const list = r[i++]!;
    const fromMountable = rootMountable?.startsWith('btrfsvol:') && rootDevice ? rootMountable.slice(`btrfsvol:${rootDevice}`.length).replace(/^\/+/, '') : null;
    const id = fields.get('Subvolume ID');
    const fromList = id && list.ok ? parseStructList(list.output).find((s) => s.btrfssubvolume_id === id)?.btrfssubvolume_path : undefined;
    const path = fromMountable || fromList || fields.get('Name') || '(default subvolume)';
    rootSubvolume = { path, readOnly: /readonly/i.test(fields.get('Flags') ?? '') };
  }
  return { present, rootSubvolume, files };
}
