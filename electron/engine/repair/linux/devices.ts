import type { Filesystem, Mountpoint } from '../../../../shared/contract/models/inspection';
import { deviceStyle } from '../../guest/linux/fstab';

/**
 * Which file system a VMware-era device name meant, seen from the appliance. The appliance adds
 * the VM's disks in the VM's order, as sda, sdb, ..., which is also the order VMware's SCSI and
 * SATA controllers gave them, so /dev/sdb2 in the guest is /dev/sdb2 in the appliance; hdX, vdX
 * and xvdX name the same n-th disk, nvme0nK the K-th. by-path names carry the SCSI target; by-id
 * names carry a serial nothing maps, so those resolve only through libguestfs' own reading of
 * fstab (the mountpoints it reports) or not at all. Every answer is checked against the file
 * system type the entry expects: a guess that does not fit is no answer.
 */

export interface DeviceWorld {
  /** Appliance devices of the disks, in the VM's order. */
  drives: readonly string[];
  filesystems: readonly Filesystem[];
  /** libguestfs' mapping of the guest's mountpoints to appliance devices. */
  mountpoints: readonly Mountpoint[];
}

export type Resolution = { ok: true; device: string; uuid: string; via: string } | { ok: false; reason: string };

function letterIndex(letters: string): number {
  let n = 0;
  for (const c of letters) n = n * 26 + (c.charCodeAt(0) - 96);
  return n - 1;
}

/** The appliance device a name means by position, or null when the name carries no position. */
export function deviceByPosition(spec: string, drives: readonly string[]): string | null {
  let index: number | null = null;
  let partition = '';
  let m = /^\/dev\/(?:sd|hd|vd|xvd)([a-z]+)(\d*)$/.exec(spec);
  if (m) {
    index = letterIndex(m[1]!);
    partition = m[2]!;
  } else if ((m = /^\/dev\/nvme\d+n(\d+)(?:p(\d+))?$/.exec(spec))) {
    index = Number(m[1]) - 1;
    partition = m[2] ?? '';
  } else if ((m = /^\/dev\/disk\/by-path\/.*-(?:scsi|sas)-\d+:\d+:(\d+):\d+(?:-part(\d+))?$/.exec(spec))) {
    index = Number(m[1]);
    partition = m[2] ?? '';
  }
  if (index === null || index < 0) return null;
  const drive = drives[index];
  return drive ? `${drive}${partition}` : null;
}

/** File system types an fstab or crypttab entry accepts (auto and none accept anything). */
function typeFits(expected: string | null, actual: string): boolean {
  if (!expected || expected === 'auto' || expected === 'none') return true;
  if (expected === 'swap') return actual === 'swap';
  return expected.split(',').includes(actual) || (expected.startsWith('ext') && actual.startsWith('ext'));
}

/** The device of a libguestfs mountable: btrfsvol:/dev/sda2/@/var is a subvolume of /dev/sda2. */
export function mountableDevice(mountable: string, filesystems: readonly Pick<Filesystem, 'device'>[]): string {
  if (!mountable.startsWith('btrfsvol:')) return mountable;
  const rest = mountable.slice('btrfsvol:'.length);
  const known = filesystems.map((f) => f.device).filter((d) => rest.startsWith(`${d}/`)).sort((a, b) => b.length - a.length)[0];
  return known ?? rest.split('/').slice(0, 3).join('/');
}

/**
 * What `spec` (an fstab/crypttab device, root= or resume= value) meant. `mountpoint` lets
 * libguestfs' reading decide where the name alone cannot; `vfstype` is what the entry expects.
 */
export function resolveDevice(spec: string, world: DeviceWorld, expect: { mountpoint?: string | null; vfstype?: string | null; encrypted?: boolean }): Resolution {
  const candidates: Array<{ device: string; via: string }> = [];
  const byPosition = deviceByPosition(spec, world.drives);
  if (byPosition) candidates.push({ device: byPosition, via: deviceStyle(spec) === 'by-path' ? 'the SCSI target in the path' : 'the disk order' });
  const mounted = expect.mountpoint ? world.mountpoints.find((m) => m.path === expect.mountpoint) : undefined;
  if (mounted) candidates.push({ device: mountableDevice(mounted.device, world.filesystems), via: `libguestfs' reading of ${expect.mountpoint}` });
  if (candidates.length === 0) return { ok: false, reason: `${spec} names no disk position and libguestfs did not resolve it` };
  const tried: string[] = [];
  for (const candidate of candidates) {
    const fs = world.filesystems.find((f) => f.device === candidate.device);
    if (!fs) {
      tried.push(`${candidate.device} holds no file system`);
      continue;
    }
    if (expect.encrypted ? !fs.encrypted : !typeFits(expect.vfstype ?? null, fs.type)) {
      tried.push(`${candidate.device} holds ${fs.type}, not ${expect.encrypted ? 'an encrypted volume' : expect.vfstype}`);
      continue;
    }
    if (!fs.uuid) {
      tried.push(`${candidate.device} (${fs.type}) has no UUID`);
      continue;
    }
    return { ok: true, device: candidate.device, uuid: fs.uuid, via: candidate.via };
  }
  return { ok: false, reason: tried.join('; ') };
}
