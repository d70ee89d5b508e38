import type { Mountpoint } from '../../../../shared/contract/models/inspection';
import { lvmName } from '../filesystem-details';
import type { ProbeTarget, RootProbe } from './root-probe';

/**
 * Our own Linux root detection, in place of libguestfs `inspect-os` (about 6 s under TCG, most of
 * it spent loading Augeas and listing file systems again). It reads what the one probe script
 * (root-probe.ts) printed for every file system and answers with the same identity and
 * mountpoints inspect-os would give, following its rules (libguestfs 1.48's daemon/inspect_fs*.ml:
 * the order of the release-file tests, how a parse that fails still leaves its fields behind,
 * the fstab device resolution, the osinfo names).
 *
 * Anything outside what we have compared with inspect-os on real disks (test/integration/inspect/
 * root-detect.test.ts) is not guessed at: the answer is "fallback" with the reason, and the
 * inspection runs inspect-os as before. That covers Windows, the BSDs, several OSes on one set of
 * disks, a split /usr, MD arrays, encrypted root volumes, distributions not in VERIFIED_DISTROS,
 * and fstab lines Augeas might read differently.
 */

export interface DetectedRoot {
  root: string;
  distro: string | null;
  productName: string | null;
  majorVersion: number | null;
  minorVersion: number | null;
  arch: string | null;
  hostname: string | null;
  osinfo: string | null;
  packageFormat: string | null;
  packageManagement: string | null;
  mountpoints: Mountpoint[];
}

/** A fact in a form we have not compared with inspect-os: the inspection falls back to it. */
export const UNSUPPORTED = Symbol('unsupported');

export type RootDetection = { kind: 'linux'; root: DetectedRoot } | { kind: 'fallback'; reason: string };

/** What blkid said about one block device (partition, whole disk or LV). */
export interface BlockIds {
  device: string;
  type: string | null;
  uuid: string | null;
  label: string | null;
}

export interface DetectInput {
  /** What the probe script read, one entry per mountable it mounted. */
  probes: readonly RootProbe[];
  /** The appliance's whole disks in order (/dev/sda, /dev/sdb...). */
  disks: readonly string[];
  /** The partitions the appliance kernel sees. */
  partitions: readonly string[];
  /** LVM logical volumes as lvs names them (/dev/VG/LV). */
  lvs: readonly string[];
  blkids: readonly BlockIds[];
  /** Block devices the probe did not look at because they are of a kind only inspect-os knows. */
  skipped: readonly { device: string; type: string }[];
  /** MD arrays or Windows dynamic disk volumes the appliance assembled. */
  assembled: readonly string[];
  /** Device-mapper volumes the appliance has active (/dev/mapper/VG-LV): any that is not an LV in `lvs` was not probed. */
  mapped: readonly string[];
}

/** libguestfs hands Augeas no file larger than this (it then reads as if the file were absent). */
const MAX_AUGEAS_FILE = 100 * 1000;

/** Distributions whose every field we have compared with inspect-os (and whose rules we follow). */
export const VERIFIED_DISTROS = new Set(['debian', 'ubuntu', 'fedora', 'rhel', 'centos', 'rocky', 'opensuse', 'sles', 'alpinelinux', 'archlinux', 'redhat-based']);

/** File-system types the probe mounts; any other (NTFS, UFS, HFS+...) is left to inspect-os. */
const PROBED_TYPES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat']);
/** Types inspect-os does not try to mount either (containers and swap). */
function ignoredType(type: string): boolean {
  return type === 'swap' || type === 'crypto_LUKS' || type.endsWith('_member');
}

/** Which devices the probe mounts, and which it leaves alone because only inspect-os reads them. */
export function probeTargets(devices: readonly string[], typeOf: (device: string) => string | null): { targets: ProbeTarget[]; skipped: Array<{ device: string; type: string }> } {
  const targets: ProbeTarget[] = [];
  const skipped: Array<{ device: string; type: string }> = [];
  for (const device of devices) {
    const type = typeOf(device);
    if (type !== null && ignoredType(type)) continue;
    if (type === null || PROBED_TYPES.has(type)) targets.push({ device, type });
    else skipped.push({ device, type });
  }
  return { targets, skipped };
}

export function detectLinuxRoot(input: DetectInput): RootDetection {
  if (input.skipped.length) return fallback(`${input.skipped.map((s) => `${s.device} (${s.type})`).join(', ')}: a file system only inspect-os reads`);
  if (input.assembled.length) return fallback(`${input.assembled.join(', ')}: MD or dynamic-disk volumes`);
  // An LV on a partition whose type does not say LVM is active all the same, but was never listed.
  const unlisted = input.mapped.filter((d) => !input.lvs.includes(lvmName(d)));
  if (unlisted.length) return fallback(`${unlisted.join(', ')}: volumes the inspection did not list`);
  const roles = input.probes.map((p) => ({ probe: p, role: classify(p) }));
  const foreign = roles.find((r) => r.role === 'foreign');
  if (foreign) return fallback(`${foreign.probe.mountable} holds something other than Linux (or a split /usr)`);
  const roots = roles.filter((r) => r.role === 'root').map((r) => r.probe);
  if (roots.length !== 1) return fallback(roots.length ? `${roots.length} operating systems` : 'no Linux root found');
  return describeRoot(roots[0]!, input);
}

/** One Linux root's identity and mountpoints, as inspect-os and inspect-get-* give them. */
export function describeRoot(probe: RootProbe, input: DetectInput): RootDetection {
  if (probe.tooBig.size) return fallback(`${[...probe.tooBig].join(', ')} too large to read`);

  const data = releaseData(probe);
  if (data === UNSUPPORTED) return fallback('a release file only inspect-os parses');
  if (!data.distro || !VERIFIED_DISTROS.has(data.distro)) return fallback(`distribution ${data.distro ?? 'unknown'} not among those compared with inspect-os`);
  const arch = architecture(probe);
  if (arch === UNSUPPORTED) return fallback('an architecture not compared with inspect-os');
  const hostname = hostnameOf(probe);
  if (hostname === UNSUPPORTED) return fallback('/etc/sysconfig/network in a form only Augeas reads');
  const mountpoints = fstabMountpoints(probe, input);
  if (!Array.isArray(mountpoints)) return fallback(mountpoints.reason);

  const major = data.version?.[0] ?? 0;
  const minor = data.version?.[1] ?? 0;
  const format = packageFormat(data.distro);
  return {
    kind: 'linux',
    root: {
      root: probe.mountable,
      distro: data.distro,
      productName: data.productName ?? null,
      // inspect-os says 0 for an unknown version; the report says null for an unknown major.
      majorVersion: major === 0 ? null : major,
      minorVersion: minor,
      arch,
      hostname,
      osinfo: osinfo(data.distro, major, minor),
      packageFormat: format,
      packageManagement: packageManagement(data.distro, major, probe),
      mountpoints,
    },
  };
}

function fallback(reason: string): RootDetection {
  return { kind: 'fallback', reason };
}

type Role = 'root' | 'foreign' | 'other';

/** inspect-os's check_filesystem, in its order: the first rule that matches decides. */
export function classify(p: RootProbe): Role {
  const kind = (path: string): string => p.kinds.get(path) ?? '-';
  if (['/grub/menu.lst', '/grub/grub.conf', '/grub2/grub.cfg'].some((f) => kind(f) === 'f')) return 'other';
  // FreeBSD, NetBSD, OpenBSD, Hurd, Minix markers: those roots are inspect-os's to describe.
  if (['/etc/freebsd-update.conf', '/netbsd', '/bsd', '/hurd/console', '/service/vm'].some((f) => kind(f) === 'f')) return 'foreign';
  const bin = kind('/bin');
  if (kind('/etc') === 'd' && (bin === 'd' || bin === 'l:usr/bin') && (kind('/etc/fstab') === 'f' || kind('/etc/hosts') === 'f')) return 'root';
  if (kind('/etc/coreos/update.conf') === 'f') return 'foreign';
  // A separate /usr (or /usr/local): inspect-os merges what it finds there into the root's data.
  if (kind('/etc') === 'd' && bin === 'd' && kind('/share') === 'd') return 'foreign';
  // Windows and DOS system folders (on FAT: NTFS never reaches the probe).
  if (p.top.some((name) => /^(windows|winnt|fdos|dos)$/i.test(name))) return 'foreign';
  return 'other';
}

interface ReleaseData {
  distro?: string;
  productName?: string;
  version?: [number, number];
}

/** Unanchored, as libguestfs's PCRE.matches: "a.b" first, then a lone number. */
function parseVersion(text: string, data: ReleaseData): void {
  const mm = /(\d+)\.(\d+)/.exec(text);
  if (mm) {
    data.version = [Number(mm[1]), Number(mm[2])];
    return;
  }
  const m = /(\d+)/.exec(text);
  if (m) data.version = [Number(m[1]), 0];
}

/** A file's lines as read_small_file splits them (no empty last line). */
function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** Shell unquoting as os-release allows it: "..." with backslash escapes, or '...'. */
export function shellUnquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  return value;
}

function keyValues(text: string, unquote: (v: string) => string): Array<[string, string]> {
  return lines(text)
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? [l, ''] : [l.slice(0, eq), unquote(l.slice(eq + 1))];
    });
}

const OS_RELEASE_IDS: Record<string, string> = {
  alpine: 'alpinelinux',
  altlinux: 'altlinux',
  arch: 'archlinux',
  centos: 'centos',
  coreos: 'coreos',
  debian: 'debian',
  fedora: 'fedora',
  frugalware: 'frugalware',
  kali: 'kalilinux',
  mageia: 'mageia',
  neokylin: 'neokylin',
  opensuse: 'opensuse',
  pld: 'pldlinux',
  rhel: 'rhel',
  rocky: 'rocky',
  sles: 'sles',
  sled: 'sles',
  ubuntu: 'ubuntu',
  void: 'voidlinux',
};

function osReleaseId(id: string): string | undefined {
  return OS_RELEASE_IDS[id] ?? (id.startsWith('opensuse-') ? 'opensuse' : undefined);
}

type Parser = (text: string, data: ReleaseData) => boolean;

function parseOsRelease(text: string, data: ReleaseData): boolean {
  for (const [key, value] of keyValues(text, shellUnquote)) {
    if (key === 'ID') {
      const distro = osReleaseId(value);
      // An ID we do not map may be one this libguestfs knows (it grows with each release): its call.
      if (!distro) throw new UnsupportedRelease();
      data.distro = distro;
    } else if (key === 'PRETTY_NAME') data.productName = value;
    else if (key === 'VERSION_ID') {
      const neokylin = /^V(\d+)Update(\d+)$/.exec(value);
      if (neokylin) data.version = [Number(neokylin[1]), Number(neokylin[2])];
      else parseVersion(value, data);
    }
  }
  if (!data.distro || data.productName === undefined) return false;
  // Debian's and CentOS's VERSION_ID carry the major number only: their release files say more.
  if ((data.distro === 'debian' || data.distro === 'centos') && data.version?.[1] === 0) return false;
  if (data.distro === 'voidlinux' && !data.version) {
    data.version = [0, 0];
    return true;
  }
  return data.version !== undefined;
}

const LSB_IDS: Record<string, string> = { CoreOS: 'coreos', LinuxMint: 'linuxmint', Mageia: 'mageia', Ubuntu: 'ubuntu' };

function parseLsbRelease(text: string, data: ReleaseData): boolean {
  let ok = false;
  const simpleUnquote = (v: string): string => v.replace(/^["']/, '').replace(/["']$/, '');
  for (const [key, value] of keyValues(text, simpleUnquote)) {
    if (key === 'DISTRIB_ID') {
      const distro = LSB_IDS[value];
      if (distro) {
        ok = true;
        data.distro = distro;
      }
    } else if (key === 'DISTRIB_RELEASE') parseVersion(value, data);
    else if (key === 'DISTRIB_DESCRIPTION') {
      ok = true;
      data.productName = value;
    }
  }
  return ok;
}

/** Any /etc/x-release: product name from its first line; with a pattern, the pattern must match. */
function generic(distro: string, pattern?: RegExp): Parser {
  return (text, data) => {
    const first = text.split('\n')[0] ?? '';
    if (first === '') return false;
    data.productName = first;
    data.distro = distro;
    if (!pattern) {
      parseVersion(first, data);
      return true;
    }
    const m = pattern.exec(first);
    if (!m) return false;
    const major = m[1] !== undefined ? Number(m[1]) : NaN;
    const minor = m[2] !== undefined ? Number(m[2]) : NaN;
    if (Number.isInteger(major)) data.version = [major, Number.isInteger(minor) ? minor : 0];
    return true;
  };
}

function parseSuseRelease(text: string, data: ReleaseData): boolean {
  const l = lines(text);
  if (!l.length) return false;
  const name = l[0]!;
  data.productName = name;
  if (/^SUSE (Linux|LINUX) Enterprise /.test(name) || /^Novell Linux Desktop /.test(name)) {
    const major = /^VERSION = (\d+)/.exec(l[1] ?? '');
    const minor = /^PATCHLEVEL = (\d+)/.exec(l[2] ?? '');
    data.distro = 'sles';
    data.version = major ? [Number(major[1]), minor ? Number(minor[1]) : 0] : undefined;
  } else if (/^(openSUSE|SuSE Linux|SUSE LINUX) /.test(name)) {
    if (l.length >= 2) parseVersion(l[1]!, data);
    data.distro = 'opensuse';
  }
  return true;
}

const setDistro =
  (distro: string): Parser =>
  (_text, data) => {
    data.distro = distro;
    return true;
  };
const unsupported: Parser = () => {
  throw new UnsupportedRelease();
};
class UnsupportedRelease extends Error {}

/** inspect-os's linux_root_tests: tried in order while a release file exists and its parse says "go on". */
const RELEASE_TESTS: Array<[string, Parser]> = [
  ['/etc/os-release', parseOsRelease],
  ['/etc/lsb-release', parseLsbRelease],
  ['/etc/oracle-release', unsupported],
  ['/etc/centos-release', generic('centos', /CentOS.*release (\d+).*Update (\d+)/)],
  ['/etc/centos-release', generic('centos', /CentOS.*release (\d+)\.(\d+)/)],
  ['/etc/centos-release', generic('centos', /CentOS.*release (\d+)/)],
  ['/etc/altlinux-release', unsupported],
  ['/etc/redhat-release', generic('fedora', /Fedora release (\d+)/)],
  ['/etc/redhat-release', generic('rhel', /Red Hat.*release (\d+).*Update (\d+)/)],
  ['/etc/redhat-release', generic('rhel', /Red Hat.*release (\d+)\.(\d+)/)],
  ['/etc/redhat-release', generic('rhel', /Red Hat.*release (\d+)/)],
  ['/etc/redhat-release', generic('centos', /CentOS.*release (\d+).*Update (\d+)/)],
  ['/etc/redhat-release', generic('centos', /CentOS.*release (\d+)\.(\d+)/)],
  ['/etc/redhat-release', generic('centos', /CentOS.*release (\d+)/)],
  ['/etc/redhat-release', generic('scientificlinux', /Scientific Linux.*release (\d+).*Update (\d+)/)],
  ['/etc/redhat-release', generic('scientificlinux', /Scientific Linux.*release (\d+)\.(\d+)/)],
  ['/etc/redhat-release', generic('scientificlinux', /Scientific Linux.*release (\d+)/)],
  ['/etc/redhat-release', generic('redhat-based')],
  ['/etc/redhat-release', setDistro('redhat-based')],
  ['/etc/debian_version', generic('debian')],
  ['/etc/pardus-release', unsupported],
  ['/etc/arch-release', setDistro('archlinux')],
  ['/etc/gentoo-release', unsupported],
  ['/etc/meego-release', unsupported],
  ['/etc/slackware-version', unsupported],
  ['/etc/ttylinux-target', unsupported],
  ['/etc/SuSE-release', parseSuseRelease],
  ['/etc/SuSE-release', setDistro('suse-based')],
  ['/etc/cirros/version', unsupported],
  ['/etc/br-version', unsupported],
  ['/etc/alpine-release', generic('alpinelinux')],
  ['/etc/frugalware-release', unsupported],
  ['/etc/pld-release', unsupported],
];

/** The release files the probe reads (each once, following symlinks inside the guest). */
export const RELEASE_FILES = [...new Set(RELEASE_TESTS.map(([file]) => file))];

export function releaseData(probe: RootProbe): ReleaseData | typeof UNSUPPORTED {
  const data: ReleaseData = {};
  try {
    for (const [file, parse] of RELEASE_TESTS) {
      const text = probe.files.get(file);
      if (text !== undefined && parse(text, data)) break;
    }
  } catch (error) {
    if (error instanceof UnsupportedRelease) return UNSUPPORTED;
    throw error;
  }
  return data;
}

/** The ELF machines we map as `file` names them (inspect-os runs file(1) on the binary). */
const ELF_MACHINES: Record<number, string> = { 0x03: 'i386', 0x3e: 'x86_64', 0xb7: 'aarch64' };

/** inspect-os's check_architecture: the first of its binaries that is a file decides. */
export function architecture(probe: RootProbe): string | null | typeof UNSUPPORTED {
  for (const { header } of probe.elf) {
    // Not ELF (a script): file(1) names no architecture and inspect-os tries the next binary.
    if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) continue;
    const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
    return ELF_MACHINES[machine] ?? UNSUPPORTED;
  }
  return null;
}

/** /etc/HOSTNAME, /etc/hostname (first line), then HOSTNAME= in /etc/sysconfig/network. */
export function hostnameOf(probe: RootProbe): string | null | typeof UNSUPPORTED {
  for (const file of ['/etc/HOSTNAME', '/etc/hostname']) {
    const text = probe.files.get(file);
    if (text === undefined) continue;
    const first = lines(text)[0];
    if (first) return first;
  }
  if (probe.kinds.get('/etc/sysconfig/network') !== 'f') return null;
  const text = probe.files.get('/etc/sysconfig/network') ?? '';
  if (Buffer.byteLength(text) > MAX_AUGEAS_FILE) return UNSUPPORTED;
  const values: string[] = [];
  for (const line of lines(text)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=("[^"\\$`]*"|'[^']*'|[^\s"'\\$`;#]*)$/.exec(trimmed);
    // Anything fancier (export, arrays, escapes, trailing comments) is Augeas's to read.
    if (!m) return UNSUPPORTED;
    // Augeas keeps the quotes (measured: HOSTNAME="old.example.com" gives "\"old.example.com\"").
    if (m[1] === 'HOSTNAME') values.push(m[2]!);
  }
  if (values.length > 1) return UNSUPPORTED;
  return values[0] || null;
}

interface FstabLine {
  spec: string;
  file: string;
  vfstype: string;
  options: Array<[string, string | null]>;
}

/** /etc/fstab as Augeas's Fstab lens splits it, or null where the lens might read it otherwise. */
export function parseFstabStrict(text: string): FstabLine[] | null {
  const out: FstabLine[] = [];
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    if (fields.length < 3 || fields.length > 6 || fields.some((f) => f.includes('#'))) return null;
    if (fields.length >= 5 && !/^\d+$/.test(fields[4]!)) return null;
    if (fields.length === 6 && !/^\d+$/.test(fields[5]!)) return null;
    const options = fields[3] === undefined ? [] : fields[3].split(',').map((o): [string, string | null] => {
      const eq = o.indexOf('=');
      return eq < 0 ? [o, null] : [o.slice(0, eq), o.slice(eq + 1)];
    });
    out.push({ spec: fields[0]!, file: fields[1]!, vfstype: fields[2]!, options });
  }
  return out;
}

/** "///usr//local//" → "/usr/local", as inspect-os canonicalises a mountpoint. */
function canonicalPath(path: string): string {
  const c = path.replace(/\/+/g, '/');
  return c.length > 1 ? c.replace(/\/$/, '') : c;
}

/** /dev, /proc, /selinux, /sys and below, and anything under /media (not /media itself). */
const IGNORED_MOUNTPOINT = /^(\/(dev|proc|selinux|sys)(\/|$)|\/media\/)/;

/** inspect-get-mountpoints for the root: its fstab entries resolved to appliance devices. */
export function fstabMountpoints(probe: RootProbe, input: DetectInput): Mountpoint[] | { reason: string } {
  const text = probe.files.get('/etc/fstab');
  if (text !== undefined && Buffer.byteLength(text) > MAX_AUGEAS_FILE) return { reason: '/etc/fstab is larger than libguestfs lets Augeas read' };
  const entries = text === undefined ? [] : parseFstabStrict(text);
  if (entries === null) return { reason: '/etc/fstab has lines Augeas might read differently' };
  const resolved: Array<{ device: string; path: string }> = [];
  for (const e of entries) {
    if (/^\/dev\/(fd|cd)\d/.test(e.spec) || e.spec === '/dev/floppy' || e.spec === '/dev/cdrom' || e.spec.startsWith('/dev/iso9660/')) continue;
    const path = canonicalPath(e.file);
    if (IGNORED_MOUNTPOINT.test(path)) continue;
    const device = resolveSpec(e.spec, probe, input);
    if (device === null) continue;
    if (typeof device !== 'string') return device;
    const subvol = e.vfstype === 'btrfs' && !device.startsWith('btrfsvol:') ? e.options.find(([name, value]) => name === 'subvol' && value !== null)?.[1] : undefined;
    resolved.push({ device: subvol !== undefined && subvol !== null ? `btrfsvol:${device}/${subvol}` : device, path });
  }
  // Several "/" lines: inspect-os keeps the first.
  const firstRoot = resolved.findIndex((r) => r.path === '/');
  const entriesKept = resolved.filter((r, i) => r.path !== '/' || i === firstRoot);
  if (!entriesKept.length) return [{ device: probe.mountable, path: '/' }];
  const mountpoints = entriesKept.filter((r) => r.path.startsWith('/'));
  if (new Set(mountpoints.map((m) => m.path)).size !== mountpoints.length) return { reason: 'a mountpoint listed twice in /etc/fstab' };
  return mountpoints.sort((x, y) => x.path.localeCompare(y.path));
}

/** One fstab spec → appliance device; null when inspect-os leaves the line out. */
function resolveSpec(spec: string, probe: RootProbe, input: DetectInput): string | null | { reason: string } {
  const tag = /^(UUID|LABEL)=(.*)$/.exec(spec);
  if (tag) return findfs(tag[1] as Tag, shellUnquote(tag[2]!), input);
  // libguestfs 1.48 resolves neither PARTUUID= nor PARTLABEL= (measured: the lines are left out).
  if (spec === '/dev/root') return probe.mountable;
  if (!spec.startsWith('/dev/')) return null;
  if (spec.startsWith('/dev/mapper/')) {
    const crypttab = probe.files.get('/etc/crypttab');
    if (crypttab !== undefined && lines(crypttab).some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) return { reason: 'a /dev/mapper device with /etc/crypttab present' };
    const lv = lvmName(spec);
    return input.lvs.includes(lv) ? lv : spec;
  }
  const xdev = /^\/dev\/(h|s|v|xv)d([a-z]+)(\d*)$/.exec(spec);
  if (xdev) {
    const index = [...xdev[2]!].reduce((n, c) => n * 26 + (c.charCodeAt(0) - 96), 0) - 1;
    const disk = input.disks[index];
    // inspect-os only checks that the disk exists (measured: /dev/vda9 becomes /dev/sda9 with no partition 9).
    return disk && xdev[3] ? `${disk}${xdev[3]}` : spec;
  }
  if (/^\/dev\/md\d+$/.test(spec) || spec.startsWith('/dev/cciss/') || spec.startsWith('/dev/dm-')) return { reason: `${spec}: a device inspect-os resolves its own way` };
  const byId = /^\/dev\/disk\/by-id\/(.*)$/.exec(spec);
  if (byId) {
    if (byId[1]!.startsWith('dm-uuid-')) return { reason: `${spec}: a device inspect-os resolves its own way` };
    const part = /-part(\d+)$/.exec(byId[1]!);
    return part && input.disks.length === 1 ? `${input.disks[0]}${part[1]}` : spec;
  }
  // libguestfs 1.48 keeps /dev/disk/by-uuid/... as written (measured); other /dev/disk names it may map.
  if (spec.startsWith('/dev/disk/by-uuid/')) return spec;
  if (spec.startsWith('/dev/disk/')) return { reason: `${spec}: a device inspect-os resolves its own way` };
  return spec;
}

type Tag = 'UUID' | 'LABEL';

/** findfs in the appliance: the one device carrying the tag (two carrying it: inspect-os's pick, not ours). */
function findfs(tag: Tag, value: string, input: DetectInput): string | null | { reason: string } {
  const field = { UUID: 'uuid', LABEL: 'label' } as const;
  // Exact comparison, as blkid evaluates a tag.
  const matches = input.blkids.filter((b) => b[field[tag]] === value);
  if (matches.length > 1) return { reason: `${tag}=${value} is carried by ${matches.length} devices` };
  if (!matches[0]) return null;
  return matches[0].device.startsWith('/dev/mapper/') ? lvmName(matches[0].device) : matches[0].device;
}

/** lib/inspect-osinfo.c for the distributions we detect. */
export function osinfo(distro: string, major: number, minor: number): string | null {
  switch (distro) {
    case 'centos':
      if (major >= 8) return `centos${major}`;
      if (major === 7) return 'centos7.0';
      if (major === 6) return `centos6.${minor}`;
      break;
    case 'debian':
      if (major >= 4) return `debian${major}`;
      break;
    case 'rocky':
      if (major >= 8) return `rocky${major}`;
      break;
    case 'fedora':
    case 'mageia':
      return `${distro}${major}`;
    case 'sles':
      return minor === 0 ? `sles${major}` : `sles${major}sp${minor}`;
    case 'ubuntu':
      return `ubuntu${major}.${String(minor).padStart(2, '0')}`;
    case 'archlinux':
    case 'gentoo':
    case 'voidlinux':
      return distro;
  }
  return major > 0 || minor > 0 ? `${distro}${major}.${minor}` : null;
}

export function packageFormat(distro: string): string | null {
  if (['altlinux', 'centos', 'rocky', 'fedora', 'mageia', 'mandriva', 'meego', 'neokylin', 'opensuse', 'oraclelinux', 'redhat-based', 'rhel', 'scientificlinux', 'sles', 'suse-based'].includes(distro)) return 'rpm';
  if (['debian', 'kalilinux', 'linuxmint', 'ubuntu'].includes(distro)) return 'deb';
  return { archlinux: 'pacman', gentoo: 'ebuild', pardus: 'pisi', alpinelinux: 'apk', voidlinux: 'xbps' }[distro] ?? null;
}

export function packageManagement(distro: string, major: number, probe: RootProbe): string | null {
  switch (distro) {
    case 'fedora':
      if (major >= 22 && probe.exists.has('/usr/bin/dnf')) return 'dnf';
      return major >= 1 ? 'yum' : null;
    case 'centos':
    case 'oraclelinux':
    case 'redhat-based':
    case 'rhel':
    case 'rocky':
    case 'scientificlinux':
      return major >= 8 ? 'dnf' : major >= 5 ? 'yum' : major >= 2 ? 'up2date' : null;
    case 'altlinux':
    case 'debian':
    case 'kalilinux':
    case 'linuxmint':
    case 'ubuntu':
      return 'apt';
    case 'opensuse':
    case 'sles':
    case 'suse-based':
      return 'zypper';
  }
  return { archlinux: 'pacman', gentoo: 'portage', alpinelinux: 'apk', voidlinux: 'xbps', mageia: 'urpmi', mandriva: 'urpmi', meego: 'yum', neokylin: 'dnf', pardus: 'pisi' }[distro] ?? null;
}
