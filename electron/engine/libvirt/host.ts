import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DomainType, LibvirtConnection } from '../../../shared/contract/models/libvirt';
import { kvmWorks } from '../core/accel';
import type { ToolRunner } from '../core/tool-runner';
import { chooseOvmf } from './firmware';
import type { PlanHost } from './plan';

/** The host facts the domain planner needs: KVM only where qemu really runs KVM guests. */
export async function thisHost(tools: ToolRunner): Promise<PlanHost> {
  const domainType: DomainType = (await kvmWorks(tools)) ? 'kvm' : 'qemu';
  return { domainType, ovmf: (secureBoot) => chooseOvmf(secureBoot, existsSync) };
}

/** The user a connection's qemu processes run as. */
export interface QemuIdentity {
  uid: number;
  gids: number[];
  /** For messages: "libvirt-qemu". */
  name: string;
}

/**
 * The system daemon runs qemu as an unprivileged user (libvirt-qemu on Debian, qemu on Fedora).
 * As root, qemu:///session is served by the system daemon too. A non-root session runs qemu as
 * the user, who can read their own files: no identity to check then (null).
 */
export function qemuIdentityFor(connection: LibvirtConnection, uid: number = process.getuid?.() ?? 0, files: { passwd: string; group: string } | null = null): QemuIdentity | null {
  if (connection === 'qemu:///session' && uid !== 0) return null;
  const passwd = files?.passwd ?? readOr('/etc/passwd');
  const group = files?.group ?? readOr('/etc/group');
  for (const name of ['libvirt-qemu', 'qemu']) {
    const entry = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
    if (!entry) continue;
    const [, , uidText, gidText] = entry.split(':');
    const gids = new Set([Number(gidText)]);
    for (const line of group.split('\n')) {
      const [, , gid, members] = line.split(':');
      if (members?.split(',').includes(name)) gids.add(Number(gid));
    }
    return { uid: Number(uidText), gids: [...gids], name };
  }
  // No such user: qemu runs as root (qemu.conf user = "root"), which reaches everything.
  return null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface DirStat {
  path: string;
  uid: number;
  gid: number;
  mode: number;
}

/** The first folder on the way to a file that `who` may not enter, or null if all are open. */
export function firstClosedFolder(folders: readonly DirStat[], who: QemuIdentity): string | null {
  for (const dir of folders) {
    const bits = dir.uid === who.uid ? (dir.mode >> 6) & 7 : who.gids.includes(dir.gid) ? (dir.mode >> 3) & 7 : dir.mode & 7;
    if ((bits & 1) === 0) return dir.path;
  }
  return null;
}

/** Stats every folder from / down to the one holding `file`. */
export async function foldersOnTheWay(file: string): Promise<DirStat[]> {
  const chain: string[] = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === '/' || dir === '.') break;
  }
  return Promise.all(
    chain.map(async (path) => {
      const s = await stat(path);
      return { path, uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 };
    }),
  );
}

/** The folder that keeps qemu (as `who`) away from `file`, or null when it can get there. */
export async function closedFolderFor(file: string, who: QemuIdentity | null): Promise<string | null> {
  if (!who) return null;
  return firstClosedFolder(await foldersOnTheWay(file), who);
}
