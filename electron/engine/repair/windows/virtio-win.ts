import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { EngineFailure } from '../../core/errors';
import type { ToolRunner } from '../../core/tool-runner';
import { REPAIR_VIRTIO_WIN_UNREADABLE } from '../error-codes';

/**
 * The virtio-win driver set: the ISO Fedora and Red Hat publish, or a folder with its layout
 * (`viostor/2k19/amd64/viostor.{inf,cat,sys}`, `NetKVM/w10/amd64/...`,
 * `guest-agent/qemu-ga-x86_64.msi`). The ISO is read on the host with xorriso (it lists the
 * image and extracts only the few folders a guest needs); nothing is mounted.
 *
 * Which folder fits a guest is decided from its version, edition and build, the way the
 * virtio-win folders are named (w7, 2k8R2, w8, 2k12, w8.1, 2k12R2, w10, 2k16, 2k19, 2k22, w11,
 * 2k25): a driver built for another Windows release can load, but it is not signed for it.
 */

export interface DriverSet {
  /** The path the user gave. */
  source: string;
  kind: 'iso' | 'folder';
  /** Every file of the set, relative, with forward slashes, spelled as in the set. */
  files: string[];
}

/** What decides the folder: the guest's version as the inspection read it. */
export interface WindowsTarget {
  majorVersion: number | null;
  minorVersion: number | null;
  build: number | null;
  /** Client or Server (InstallationType; libguestfs' product variant). */
  variant: string | null;
  /** x86_64, i386, aarch64 (libguestfs' arch). */
  arch: string | null;
}

export type DriverName = 'viostor' | 'vioscsi' | 'netkvm';

export interface ChosenDriver {
  name: DriverName;
  /** The set's folder for this guest, as spelled in the set ("viostor/2k19/amd64"). */
  folder: string;
  /** The virtio-win name of the Windows release it was built for ("2k19"). */
  release: string;
  /** Relative paths of its files (no debug symbols). */
  files: string[];
}

export interface DriverChoice {
  /** The virtio-win release names that fit the guest, best first (empty when none does). */
  releases: string[];
  arch: string | null;
  drivers: ChosenDriver[];
  /** The guest agent's installer, when the set has one for this architecture. */
  agentMsi: string | null;
}

/** Folder names of the driver set, by driver (the set spells NetKVM with capitals). */
const DRIVER_FOLDERS: Record<DriverName, string> = { viostor: 'viostor', vioscsi: 'vioscsi', netkvm: 'NetKVM' };
export const DRIVER_NAMES: readonly DriverName[] = ['viostor', 'vioscsi', 'netkvm'];

/** The virtio-win release folders for a guest, best first; the second one (if any) is the fallback virtio-win itself documents. */
export function releaseFolders(t: WindowsTarget): string[] {
  const server = t.variant !== null && t.variant.toLowerCase() !== 'client';
  const v = `${t.majorVersion ?? '?'}.${t.minorVersion ?? '?'}`;
  switch (v) {
    case '6.0':
      return server ? ['2k8'] : ['vista'];
    case '6.1':
      return server ? ['2k8R2'] : ['w7'];
    case '6.2':
      return server ? ['2k12'] : ['w8'];
    case '6.3':
      return server ? ['2k12R2'] : ['w8.1'];
    case '10.0': {
      const build = t.build ?? 0;
      if (!server) return build >= 22000 ? ['w11', 'w10'] : ['w10'];
      if (build >= 26100) return ['2k25', '2k22'];
      if (build >= 20348) return ['2k22'];
      if (build >= 17763) return ['2k19'];
      if (build >= 14393) return ['2k16'];
      return [];
    }
    default:
      return [];
  }
}

export function archFolder(arch: string | null): string | null {
  if (arch === 'x86_64') return 'amd64';
  if (arch === 'i386' || arch === 'i686') return 'x86';
  if (arch === 'aarch64') return 'ARM64';
  return null;
}

const AGENT_MSI: Record<string, string[]> = { amd64: ['qemu-ga-x86_64.msi', 'qemu-ga-x64.msi'], x86: ['qemu-ga-i386.msi', 'qemu-ga-x86.msi'] };

/**
 * The folder of each driver for this guest. Two layouts exist: one folder per driver
 * (`viostor/2k19/amd64/`, every virtio-win release) and one per release (`amd64/2k19/`, where
 * newer ISOs also put every driver).
 */
export function chooseDrivers(files: readonly string[], target: WindowsTarget): DriverChoice {
  const releases = releaseFolders(target);
  const arch = archFolder(target.arch);
  const lower = files.map((f) => ({ path: f, parts: f.toLowerCase().split('/') }));
  const drivers: ChosenDriver[] = [];
  if (arch) {
    for (const name of DRIVER_NAMES) {
      for (const release of releases) {
        const byDriver = lower.filter((f) => f.parts.length === 4 && f.parts[0] === DRIVER_FOLDERS[name].toLowerCase() && f.parts[1] === release.toLowerCase() && f.parts[2] === arch.toLowerCase());
        const byRelease = lower.filter((f) => f.parts.length === 3 && f.parts[0] === arch.toLowerCase() && f.parts[1] === release.toLowerCase() && f.parts[2]!.startsWith(`${name}.`));
        const found = byDriver.some((f) => f.parts[3] === `${name}.inf`) ? byDriver : byRelease.some((f) => f.parts[2] === `${name}.inf`) ? byRelease : [];
        if (found.length === 0) continue;
        const chosen = found.filter((f) => !f.path.toLowerCase().endsWith('.pdb')).map((f) => f.path);
        drivers.push({ name, folder: chosen[0]!.split('/').slice(0, -1).join('/'), release, files: chosen.sort() });
        break;
      }
    }
  }
  const msiNames = arch ? (AGENT_MSI[arch] ?? []) : [];
  const agentMsi = lower.find((f) => f.parts[0] === 'guest-agent' && msiNames.includes(f.parts.at(-1)!))?.path ?? null;
  return { releases, arch, drivers, agentMsi };
}

/** A driver's file with the given extension (the .sys the service loads, the .inf pnputil adds). */
export function driverFile(driver: ChosenDriver, extension: string): string | null {
  return driver.files.find((f) => f.toLowerCase() === `${driver.folder}/${driver.name}${extension}`.toLowerCase()) ?? driver.files.find((f) => f.toLowerCase().endsWith(extension)) ?? null;
}

const unreadable = (source: string, why: string, hint: string): EngineFailure =>
  new EngineFailure({ code: REPAIR_VIRTIO_WIN_UNREADABLE, kind: 'bad-input', message: `The virtio-win driver set ${source} cannot be read: ${why}`, hint, evidence: { path: source } });

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, full)));
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

/** xorriso quotes each path in single quotes, a quote inside as '"'"'. */
export function parseXorrisoFind(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith("'") && line.endsWith("'"))
    .map((line) => line.slice(1, -1).replace(/'"'"'/g, "'").replace(/^\/+/, ''))
    .filter(Boolean);
}

const XORRISO_READ = ['-osirrox', 'on', '-abort_on', 'FAILURE'];

/** Lists the set: a folder is walked, an ISO listed by xorriso (its Rock Ridge or Joliet names). */
export async function openDriverSet(source: string, tools: ToolRunner, signal: AbortSignal): Promise<DriverSet> {
  const info = await stat(source).catch((e: NodeJS.ErrnoException) => {
    throw unreadable(source, e.code === 'ENOENT' ? 'it does not exist.' : (e.message ?? String(e)), 'Give the virtio-win ISO (virtio-win.iso) or a folder with its layout (viostor/, NetKVM/, guest-agent/).');
  });
  if (info.isDirectory()) {
    const files = await walk(source);
    if (!files.some((f) => /(^|\/)(viostor|vioscsi|netkvm)\.inf$/i.test(f))) {
      throw unreadable(source, 'the folder holds no viostor, vioscsi or netkvm driver.', 'Point to the root of the virtio-win ISO’s contents (the folder with viostor/, NetKVM/, guest-agent/).');
    }
    return { source, kind: 'folder', files };
  }
  const result = await tools.run('xorriso', ['-indev', source, ...XORRISO_READ, '-find', '/', '-type', 'f'], { signal, okExitCodes: [0, 32] }).catch(() => null);
  const files = result && result.exitCode === 0 ? parseXorrisoFind(result.stdout) : [];
  if (files.length === 0) throw unreadable(source, 'it is not an ISO image xorriso can read.', 'Give the virtio-win ISO (virtio-win.iso) or a folder with its layout.');
  return { source, kind: 'iso', files };
}

export interface HostFile {
  /** Relative path in the set. */
  rel: string;
  /** Where it is on the host (the set's folder, or what was extracted from the ISO). */
  local: string;
  size: number;
  sha256: string;
}

/** The files on the host (extracted from an ISO into `workDir`), with their size and hash. */
export async function materialize(set: DriverSet, rels: readonly string[], workDir: string, tools: ToolRunner, signal: AbortSignal): Promise<Map<string, HostFile>> {
  const root = set.kind === 'folder' ? set.source : join(workDir, 'virtio-win');
  if (set.kind === 'iso' && rels.length) {
    await mkdir(root, { recursive: true });
    await tools.run('xorriso', ['-indev', set.source, ...XORRISO_READ, ...rels.flatMap((r) => ['-extract', `/${r}`, join(root, r)])], {
      signal,
      failureCode: REPAIR_VIRTIO_WIN_UNREADABLE,
      failureHint: 'Check that the ISO is complete (compare its checksum with the published one).',
    });
    // An ISO's folders are read-only: make the extracted copy removable with the job folder.
    for (const r of rels) {
      const parts = r.split('/');
      for (let depth = 1; depth < parts.length; depth++) await chmod(join(root, ...parts.slice(0, depth)), 0o755).catch(() => undefined);
      await chmod(join(root, r), 0o644).catch(() => undefined);
    }
  }
  const out = new Map<string, HostFile>();
  for (const rel of rels) {
    const local = join(root, rel);
    const data = await readFile(local);
    out.set(rel, { rel, local, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }
  return out;
}
