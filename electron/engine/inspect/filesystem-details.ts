import type { BtrfsSubvolume, FilesystemDetails, FstabEntry, SnapperSnapshot } from '../../../shared/contract/models/inspection';
import type { GfCommand } from '../appliance/guestfish-protocol';
import { parseInteger, parseLines, parseStruct, parseStructList } from '../appliance/guestfish-protocol';

/**
 * What each file system's own tools say about it (tune2fs -l, xfs_info, xfs_logprint,
 * ntfs-3g.probe, btrfs subvolume list, snapper's info.xml, lsattr), read inside the inspection's
 * appliance and parsed here (pure).
 *
 * Why the device-level reads run in one shell command before inspect-os: inspect-os mounts every
 * file system to look for an OS, and a mount replays the journal into the appliance's overlay.
 * Measured on a scratch XFS disk with a dirty log: `xfs_logprint -t` said "state: <DIRTY>" before
 * inspect-os and "<CLEAN>" right after it. Read later, a dirty log could never be reported.
 * guestfish's xfs-info struct also lacks crc/reflink/bigtime, which xfs_info prints.
 */

/** Files repair may edit (electron/engine/repair/linux/): an immutable or append-only one makes the repair fail. */
export const REPAIR_EDITED_FILES = [
  '/etc/fstab',
  '/etc/crypttab',
  '/etc/default/grub',
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/etc/kernel/cmdline',
  '/etc/initramfs-tools/modules',
  '/etc/initramfs-tools/initramfs.conf',
  '/etc/mkinitcpio.conf',
  '/etc/dracut.conf.d',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/network/interfaces',
  '/etc/netplan',
  '/etc/sysconfig/network-scripts',
  '/etc/NetworkManager/system-connections',
  '/etc/systemd/network',
] as const;

export const EXT_TYPES = new Set(['ext2', 'ext3', 'ext4']);

const PRE_MARK = '@@h2k-fs';

/**
 * One shell command (guestfish `debug sh`, in the appliance) printing, before anything is
 * mounted: each disk's physical sector size, then for every ext, XFS and NTFS file system blkid
 * finds (LVM volumes included) its tool's own report, and blkid's reading of each ZFS member's
 * vdev label (there is no ZFS tool in the appliance). Markers separate the parts.
 *
 * NTFS: ntfs-3g.probe --readwrite says whether ntfs-3g would write it (14 hibernated, 15 not
 * cleanly unmounted); the dirty flag is not among its refusals (measured: a volume ntfsresize
 * left dirty probes 0), so ntfsinfo reads it from $Volume. -f: without it ntfsinfo refuses a dirty
 * volume; it opens read-only either way.
 */
export const PRE_MOUNT_SCRIPT = [
  `for f in /sys/block/*/queue/physical_block_size; do d=\${f#/sys/block/}; echo "${PRE_MARK} pbsz /dev/\${d%%/*} $(cat $f)"; done`,
  `for t in ext2 ext3 ext4; do for d in $(blkid -t TYPE=$t -o device 2>/dev/null); do echo "${PRE_MARK} ext $d"; tune2fs -l $d 2>&1; done; done`,
  `for d in $(blkid -t TYPE=xfs -o device 2>/dev/null); do echo "${PRE_MARK} xfs $d"; xfs_info $d 2>&1; echo "${PRE_MARK} xfslog $d"; xfs_logprint -t $d 2>&1 | grep -m1 tail:; done`,
  `for d in $(blkid -t TYPE=ntfs -o device 2>/dev/null); do ntfs-3g.probe --readwrite $d >/dev/null 2>&1; echo "${PRE_MARK} ntfs $d $?"; echo "${PRE_MARK} ntfsinfo $d"; ntfsinfo -f -m $d 2>/dev/null | grep -m1 "Volume Flags:"; done`,
  `for d in $(blkid -t TYPE=zfs_member -o device 2>/dev/null); do echo "${PRE_MARK} zfs $d"; blkid -p -o export $d 2>&1; done`,
  'true',
].join('\n');

export function preMountCommand(): GfCommand {
  return { name: 'debug', args: ['sh', PRE_MOUNT_SCRIPT] };
}

export interface PreMountReads {
  /** Physical sector size by appliance disk (/dev/sda). */
  physicalSectorSize: Map<string, number>;
  ext: Map<string, NonNullable<FilesystemDetails['ext']>>;
  xfs: Map<string, NonNullable<FilesystemDetails['xfs']>>;
  /** ntfs-3g.probe --readwrite exit status by device. */
  ntfsProbe: Map<string, number>;
  /** The NTFS dirty flag from ntfsinfo's "Volume Flags:" line, by device. */
  ntfsDirty: Map<string, boolean>;
  /** `blkid -p -o export` of each ZFS member. */
  zfs: Map<string, NonNullable<FilesystemDetails['zfs']>>;
}

/**
 * blkid prints an LVM volume as /dev/mapper/VG-LV (a "-" inside a name doubled); the inspection
 * names it /dev/VG/LV as lvs does.
 */
export function lvmName(device: string): string {
  const m = /^\/dev\/mapper\/(.+)$/.exec(device);
  if (!m) return device;
  const split = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(m[1]!);
  if (!split) return device;
  return `/dev/${split[1]!.replace(/--/g, '-')}/${split[2]!.replace(/--/g, '-')}`;
}

export function parsePreMount(output: string): PreMountReads {
  const out: PreMountReads = { physicalSectorSize: new Map(), ext: new Map(), xfs: new Map(), ntfsProbe: new Map(), ntfsDirty: new Map(), zfs: new Map() };
  const sections: Array<{ kind: string; device: string; rest: string; lines: string[] }> = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(`${PRE_MARK} `)) {
      const [kind = '', device = '', ...rest] = line.slice(PRE_MARK.length + 1).trim().split(/\s+/);
      sections.push({ kind, device: lvmName(device), rest: rest.join(' '), lines: [] });
    } else sections.at(-1)?.lines.push(line);
  }
  for (const s of sections) {
    if (s.kind === 'pbsz') {
      const n = parseInteger(s.rest);
      if (n !== null && n > 0) out.physicalSectorSize.set(s.device, n);
    } else if (s.kind === 'ext') {
      const ext = parseTune2fs(s.lines.join('\n'));
      if (ext) out.ext.set(s.device, ext);
    } else if (s.kind === 'xfs') {
      const xfs = parseXfsInfo(s.lines.join('\n'));
      if (xfs) out.xfs.set(s.device, xfs);
    } else if (s.kind === 'xfslog') {
      const xfs = out.xfs.get(s.device);
      if (xfs) xfs.dirtyLog = parseXfsLogState(s.lines.join('\n'));
    } else if (s.kind === 'ntfs') {
      const n = parseInteger(s.rest);
      if (n !== null) out.ntfsProbe.set(s.device, n);
    } else if (s.kind === 'ntfsinfo') {
      const dirty = parseNtfsVolumeFlags(s.lines.join('\n'));
      if (dirty !== null) out.ntfsDirty.set(s.device, dirty);
    } else if (s.kind === 'zfs') {
      const zfs = zfsFromBlkid(s.lines.join('\n'));
      if (zfs) out.zfs.set(s.device, zfs);
    }
  }
  return out;
}

/** `tune2fs -l DEVICE` (or guestfish tune2fs-l, which prints the same "Key: value" lines). */
export function parseTune2fs(text: string): NonNullable<FilesystemDetails['ext']> | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  if (!fields.has('Filesystem magic number') && !fields.has('Filesystem features')) return null;
  const int = (key: string): number | null => {
    const v = fields.get(key);
    return v === undefined || !/^-?\d+$/.test(v) ? null : Number(v);
  };
  const features = (fields.get('Filesystem features') ?? '').split(/\s+/).filter((f) => f && f !== '(none)');
  return { features, state: fields.get('Filesystem state') || null, mountCount: int('Mount count'), maxMountCount: int('Maximum mount count'), attributes: [] };
}

/** `xfs_info DEVICE` (xfsprogs 6.x layout: "meta-data=... isize=512 agcount=4, ..."). */
export function parseXfsInfo(text: string): NonNullable<FilesystemDetails['xfs']> | null {
  const pairs = new Map<string, string>();
  let section = '';
  for (const line of text.split('\n')) {
    const head = /^([a-z-]+)\s*=/.exec(line);
    if (head) section = head[1]!;
    // The first "=" of a section line names the section ("meta-data=xfs.img"), not a setting.
    const body = head ? line.slice(head[0].length).replace(/^\S+/, (w) => (w.includes('=') ? w : '')) : line.replace(/^\s*=/, '');
    for (const m of body.matchAll(/([a-z0-9-]+)=(\S+?),?(?=\s|$)/g)) {
      pairs.set(`${section}.${m[1]}`, m[2]!);
      if (!pairs.has(m[1]!)) pairs.set(m[1]!, m[2]!);
    }
  }
  const int = (key: string): number | null => parseInteger(pairs.get(key) ?? '');
  const blockSize = int('data.bsize');
  const agCount = int('meta-data.agcount');
  const inodeSize = int('meta-data.isize');
  if (!blockSize || !agCount || !inodeSize) return null;
  const flag = (key: string): boolean | null => (pairs.has(key) ? pairs.get(key) === '1' : null);
  return { blockSize, agCount, inodeSize, v5: flag('crc') === true, reflink: flag('reflink'), bigtime: flag('bigtime'), dirtyLog: null };
}

/** The "log tail: 2 head: 7 state: <DIRTY>" line of `xfs_logprint -t`. */
export function parseXfsLogState(text: string): boolean | null {
  const m = /state:\s*<(\w+)>/.exec(text);
  if (!m) return null;
  return m[1] === 'DIRTY' ? true : m[1] === 'CLEAN' ? false : null;
}

/**
 * ntfs-3g.probe --readwrite exit status (ntfs-3g.probe(8)): 0 mountable, 14 hibernated (hiberfil.sys
 * starts "hibr"/"HIBR": hibernation or Windows Fast Startup), 15 not cleanly unmounted ($LogFile
 * still open: Fast Startup on a data volume, or a crash). The dirty flag comes from ntfsinfo
 * (`dirtyFlag`): the probe does not refuse it. Other codes (12 not NTFS, 13 inconsistent...) say
 * nothing about either.
 */
export function ntfsFromProbe(code: number | undefined, hibernatedFromWindows: boolean | null, dirtyFlag: boolean | null = null): NonNullable<FilesystemDetails['ntfs']> {
  const known = code === 0 || code === 14 || code === 15;
  const hibernated = hibernatedFromWindows ?? (known ? code === 14 : null);
  // A hibernated volume probes 14 before its $LogFile is looked at: unknown then.
  const uncleanUnmount = code === 15 ? true : code === 0 ? false : null;
  return { dirty: dirtyFlag, hibernated, uncleanUnmount };
}

/** ntfsinfo -m's "Volume Flags: 0x0001 DIRTY" line: bit 0 (VOLUME_IS_DIRTY) of $Volume's flags. */
export function parseNtfsVolumeFlags(text: string): boolean | null {
  const m = /Volume Flags:\s*0x([0-9a-f]+)/i.exec(text);
  return m ? (parseInt(m[1]!, 16) & 1) === 1 : null;
}

export const ZFS_DATASETS_REASON = 'the appliance cannot read ZFS; datasets are listed only when the pool can be imported';

/** `blkid -p -o export DEVICE` of a ZFS member: the pool named in its vdev label (null when blkid says it is not one). */
export function zfsFromBlkid(text: string): NonNullable<FilesystemDetails['zfs']> | null {
  const tags = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) tags.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  if (tags.get('TYPE') !== 'zfs_member') return null;
  const tag = (key: string): string | null => tags.get(key) || null;
  return { pool: tag('LABEL'), poolGuid: tag('UUID'), vdevGuid: tag('UUID_SUB'), version: tag('VERSION'), datasets: 'unknown', datasetsReason: ZFS_DATASETS_REASON };
}

/** guestfish `get-e2attrs` prints the set flags as letters ("ei"); i: immutable, a: append only. */
export function e2attrs(path: string, output: string): NonNullable<FilesystemDetails['ext']>['attributes'][number] {
  const flags = output.trim();
  return { path, flags, immutable: flags.includes('i'), appendOnly: flags.includes('a') };
}

/** statvfs as guestfish prints it: inode counts (btrfs has no fixed count: it says 0, and we say null). */
export function parseInodes(output: string): FilesystemDetails['inodes'] {
  const s = parseStruct(output);
  const total = Number(s.files);
  const free = Number(s.ffree);
  if (!Number.isFinite(total) || !Number.isFinite(free) || total <= 0) return null;
  return { total, free };
}

const BTRFS_MARK = '@@h2k-btrfs';

/**
 * Run with the btrfs top level (subvolid=5) mounted at / (/sysroot in the appliance): the
 * read-only subvolumes, `btrfs filesystem df -b`, and every snapper info.xml under a subvolume
 * named .snapshots or @snapshots (ls and download in one command: their numbers are not known
 * before).
 */
export const BTRFS_SCRIPT = [
  'cd /sysroot || exit 0',
  `echo "${BTRFS_MARK} readonly"; btrfs subvolume list -r . 2>&1`,
  `echo "${BTRFS_MARK} df"; btrfs filesystem df -b . 2>&1`,
  // "ID 257 gen 12 top level 256 path @/.snapshots": the ninth field on is the path. No single
  // quotes anywhere: guestfish's debug sh loses them (measured: grep 'log tail' became two words).
  `btrfs subvolume list . 2>/dev/null | while read -r _ _ _ _ _ _ _ _ s; do case "$s" in .snapshots|*/.snapshots|@snapshots|*/@snapshots) for f in "$s"/*/info.xml; do [ -f "$f" ] && { echo "${BTRFS_MARK} snapper $f"; head -c 65536 "$f"; echo; }; done;; esac; done`,
  'true',
].join('\n');

export function btrfsCommands(): GfCommand[] {
  return [
    { name: 'btrfs-subvolume-list', args: ['/'] },
    { name: 'btrfs-subvolume-get-default', args: ['/'] },
    { name: 'debug', args: ['sh', BTRFS_SCRIPT] },
  ];
}

export interface BtrfsScript {
  readOnlyIds: Set<number>;
  usage: NonNullable<FilesystemDetails['btrfs']>['usage'];
  /** info.xml files by their path from the top level ("@/.snapshots/1/info.xml"). */
  snapper: Array<{ path: string; xml: string }>;
}

export function parseBtrfsScript(output: string): BtrfsScript {
  const out: BtrfsScript = { readOnlyIds: new Set(), usage: [], snapper: [] };
  let part: { kind: string; arg: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (!part) return;
    if (part.kind === 'readonly') for (const l of part.lines) { const m = /^ID (\d+) /.exec(l); if (m) out.readOnlyIds.add(Number(m[1])); }
    else if (part.kind === 'df') out.usage.push(...parseBtrfsDf(part.lines.join('\n')));
    else if (part.kind === 'snapper') out.snapper.push({ path: part.arg, xml: part.lines.join('\n') });
  };
  for (const line of output.split('\n')) {
    if (line.startsWith(`${BTRFS_MARK} `)) {
      flush();
      const [kind = '', ...rest] = line.slice(BTRFS_MARK.length + 1).split(' ');
      part = { kind, arg: rest.join(' ').replace(/^\.\//, ''), lines: [] };
    } else part?.lines.push(line);
  }
  flush();
  return out;
}

/** `btrfs filesystem df -b` ("Data, single: total=8388608, used=0"). */
export function parseBtrfsDf(text: string): BtrfsScript['usage'] {
  const out: BtrfsScript['usage'] = [];
  for (const line of parseLines(text)) {
    const m = /^(\w+), ([\w/]+): total=(\d+), used=(\d+)$/.exec(line.trim());
    if (m) out.push({ kind: m[1]!, profile: m[2] === 'unknown' ? null : m[2]!, total: Number(m[3]), used: Number(m[4]) });
  }
  return out;
}

/** snapper's NUMBER/info.xml: num, type, date, description (entities as snapper writes them). */
export function parseSnapperInfo(path: string, xml: string): SnapperSnapshot | null {
  const tag = (name: string): string | null => {
    const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
    return m ? decodeXml(m[1]!.trim()) : null;
  };
  const fromPath = /(?:^|\/)(\d+)\/info\.xml$/.exec(path);
  const number = parseInteger(tag('num') ?? '') ?? (fromPath ? Number(fromPath[1]) : null);
  if (number === null || !/<snapshot>/.test(xml)) return null;
  return { number, date: tag('date'), description: tag('description'), type: tag('type'), subvolume: path.replace(/info\.xml$/, 'snapshot') };
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/**
 * The btrfs details from the three reads of btrfsCommands, and where the guest's fstab mounts
 * each subvolume (subvol= or subvolid=; an entry without either mounts the default).
 */
export function btrfsDetails(list: string, defaultId: string, script: string, fstab: readonly FstabEntry[]): NonNullable<FilesystemDetails['btrfs']> {
  const extra = parseBtrfsScript(script);
  const def = parseInteger(defaultId.trim());
  const subvolumes: BtrfsSubvolume[] = parseStructList(list).map((s) => {
    const id = Number(s.btrfssubvolume_id);
    const parent = parseInteger(s.btrfssubvolume_top_level_id ?? '');
    return { id, path: (s.btrfssubvolume_path ?? '').replace(/^\/+/, ''), parentId: parent, readOnly: extra.readOnlyIds.has(id), isDefault: id === def, mountedAt: [] };
  });
  // An fstab naming no subvolume mounts the default one: the top level (5) unless one was set.
  const top: BtrfsSubvolume = { id: 5, path: '', parentId: null, readOnly: false, isDefault: def === 5 || def === null, mountedAt: [] };
  for (const e of fstab) {
    if (e.vfstype !== 'btrfs') continue;
    const opts = new Map(e.options.split(',').map((o) => { const i = o.indexOf('='); return i < 0 ? [o, ''] : [o.slice(0, i), o.slice(i + 1)]; }));
    const subvol = opts.get('subvol')?.replace(/^\/+/, '');
    const subvolid = parseInteger(opts.get('subvolid') ?? '');
    const target = subvol !== undefined ? (subvol === '' ? top : subvolumes.find((s) => s.path === subvol)) : subvolid !== null ? (subvolid === 5 ? top : subvolumes.find((s) => s.id === subvolid)) : subvolumes.find((s) => s.isDefault) ?? top;
    target?.mountedAt.push(e.mountpoint);
  }
  const snapshots = extra.snapper.map((f) => parseSnapperInfo(f.path, f.xml)).filter((s): s is SnapperSnapshot => s !== null).sort((a, b) => a.number - b.number);
  return { subvolumes, snapshots, usage: extra.usage };
}

/** The file system (mounted at one of `mounts`) that holds `path`: the deepest mountpoint above it. */
export function mountHolding(path: string, mounts: ReadonlyArray<{ device: string; path: string }>): { device: string; path: string } | null {
  let best: { device: string; path: string } | null = null;
  for (const m of mounts) {
    const prefix = m.path === '/' ? '/' : `${m.path}/`;
    if ((path === m.path || path.startsWith(prefix)) && (!best || m.path.length > best.path.length)) best = m;
  }
  return best;
}

export interface DetailReads {
  pre: PreMountReads;
  inodes: FilesystemDetails['inodes'];
  btrfs: FilesystemDetails['btrfs'];
  attributes: NonNullable<FilesystemDetails['ext']>['attributes'];
  /** The Windows reading of hiberfil.sys, for the system volume (null for other volumes). */
  windowsHibernated: boolean | null;
}

/** A file system's details from every read above (null when none says anything about it). */
export function filesystemDetails(device: string, type: string | null, reads: DetailReads): FilesystemDetails | null {
  const ext = type !== null && EXT_TYPES.has(type) ? reads.pre.ext.get(device) ?? null : null;
  const details: FilesystemDetails = {
    inodes: reads.inodes,
    btrfs: type === 'btrfs' ? reads.btrfs : null,
    xfs: type === 'xfs' ? reads.pre.xfs.get(device) ?? null : null,
    ext: ext ? { ...ext, attributes: reads.attributes } : null,
    ntfs: type === 'ntfs' ? ntfsFromProbe(reads.pre.ntfsProbe.get(device), reads.windowsHibernated, reads.pre.ntfsDirty.get(device) ?? null) : null,
    // A member blkid -p did not read still says its datasets are unknown, never an empty list.
    zfs: type === 'zfs_member' ? reads.pre.zfs.get(device) ?? { pool: null, poolGuid: null, vdevGuid: null, version: null, datasets: 'unknown', datasetsReason: ZFS_DATASETS_REASON } : null,
  };
  return Object.values(details).every((v) => v === null) ? null : details;
}
