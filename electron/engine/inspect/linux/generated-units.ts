import type { GuestTree } from '../../appliance/guest-tree';
import { joinGuestPath } from '../../appliance/guest-tree';
import { parseFstab } from '../../guest/linux/fstab';

/**
 * The units systemd's generators write to /run at every boot, worked out offline from the files
 * they read: systemd-sysv-generator (an /etc/init.d script without a native unit becomes
 * NAME.service), systemd-fstab-generator (an /etc/fstab line becomes a .mount, .automount or
 * .swap unit) and systemd-getty-generator (a login on the serial console the kernel command line
 * names; checked against its source only: on the running system it reads the kernel's consoles). A stopped guest has no /run, so `systemctl list-unit-files` there knows nothing of
 * them, yet on the running guest they are units like any other: a legacy application started by
 * its init script, the NFS share of /srv. Pure: reads the GuestTree, returns the generators'
 * output folders as files and links, which systemd.ts lays over the unit search path exactly
 * where systemd puts them (GENERATOR_DIR after /etc, GENERATOR_LATE_DIR last).
 *
 * The rules are those of systemd 252 (Debian 12; src/sysv-generator, src/fstab-generator, the
 * outputs checked against the real generators in test/integration/inspect/systemd-offline.test.ts).
 * Left out: what depends on the running machine (the kernel command line's root=, fstab=,
 * systemd.swap=; whether fsck.TYPE exists: a checked device is assumed checkable), symlinks in a
 * mount point (systemd follows them on the live system), LSB Provides: aliases of a generated
 * service, and the ordering lines (Before=/After=), which start nothing.
 */

/** Where the normal generators write (systemd-fstab-generator): after /etc and /run/systemd/system, before the vendor folders. */
export const GENERATOR_DIR = '/run/systemd/generator';
/** Where the late generators write (systemd-sysv-generator): after every other folder, so any unit file of the name wins. */
export const GENERATOR_LATE_DIR = '/run/systemd/generator.late';
export const GENERATOR_DIRS = [GENERATOR_DIR, GENERATOR_LATE_DIR] as const;

export interface GeneratorOutput {
  /** Unit files by their path in a generator folder, with their text. */
  files: Map<string, string>;
  /** .wants/.requires links by their path, to what they point at. */
  links: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Names (src/basic/unit-name.c)

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** do_escape: "/" becomes "-"; "-", "\" and anything but [A-Za-z0-9:_.] become \xNN (per UTF-8 byte), so does a leading ".". */
function escapeComponent(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (const [i, b] of bytes.entries()) {
    const c = String.fromCharCode(b);
    if (c === '/') out += '-';
    else if ((i === 0 && c === '.') || !/^[A-Za-z0-9:_.]$/.test(c)) out += hex(b);
    else out += c;
  }
  return out;
}

/**
 * `systemd-escape --path`: the unit name stem for a path ("/" → "-", "/var/lib/x-y" →
 * "var-lib-x\x2dy"); doubled or trailing slashes and "." components are dropped first; null for
 * a path systemd refuses (with a ".." component) or that is relative (no unit can mount there).
 */
export function escapePath(path: string): string | null {
  if (!path.startsWith('/')) return null;
  const parts = path.split('/').filter((p) => p && p !== '.');
  if (parts.includes('..')) return null;
  return parts.length ? escapeComponent(parts.join('/')) : '-';
}

/** unit_name_from_path: "/boot" → "boot.mount". */
export function unitNameFromPath(path: string, suffix: string): string | null {
  const stem = escapePath(path);
  return stem === null ? null : `${stem}${suffix}`;
}

const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;
const VALID_UNIT_NAME = /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

/** unit_name_mangle (no glob): a valid unit name stays, an absolute path becomes a .mount, anything else is escaped and gets the suffix. */
export function mangleUnitName(name: string, suffix: string): string {
  if (VALID_UNIT_NAME.test(name)) return name;
  if (name.startsWith('/dev/') || name.startsWith('/sys/')) return unitNameFromPath(name, '.device') ?? name;
  if (name.startsWith('/')) return unitNameFromPath(name, '.mount') ?? name;
  let out = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    out += c === '/' ? '-' : /^[A-Za-z0-9:_.\\@-]$/.test(c) ? c : hex(b);
  }
  return UNIT_SUFFIX.test(out) ? out : `${out}${suffix}`;
}

/** hidden_or_backup_file: what systemd skips when it reads a folder (FOREACH_DIRENT). */
export function isHiddenOrBackup(name: string): boolean {
  if (name.startsWith('.') || ['lost+found', 'aquota.user', 'aquota.group'].includes(name) || name.endsWith('~')) return true;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot + 1);
  return ['rpmnew', 'rpmsave', 'rpmorig', 'dpkg-old', 'dpkg-new', 'dpkg-tmp', 'dpkg-dist', 'dpkg-bak', 'dpkg-backup', 'dpkg-remove', 'ucf-new', 'ucf-old', 'ucf-dist', 'swp', 'bak', 'old', 'new'].includes(ext);
}

// ---------------------------------------------------------------------------------------------
// systemd-sysv-generator

/** The runlevel folders whose S links make a generated service wanted (K links and rc0/rc6 stop, rcS is not read). */
const RUNLEVEL_TARGETS: ReadonlyArray<[string, string]> = [
  ['rc1.d', 'rescue.target'],
  ['rc2.d', 'multi-user.target'],
  ['rc3.d', 'multi-user.target'],
  ['rc4.d', 'multi-user.target'],
  ['rc5.d', 'graphical.target'],
];

/** LSB facilities systemd knows (sysv_translate_facility); null: nothing to order after. */
const FACILITIES: Record<string, string | null> = {
  local_fs: null,
  network: 'network-online.target',
  named: 'nss-lookup.target',
  portmap: 'rpcbind.target',
  remote_fs: 'remote-fs.target',
  syslog: null,
  time: 'time-sync.target',
};

/** sysv_translate_name: "hwclock.sh" → "hwclock.service". */
export function sysvServiceName(fileName: string): string {
  return mangleUnitName(fileName.endsWith('.sh') ? fileName.slice(0, -3) : fileName, '.service');
}

export interface InitScriptHeader {
  /** What systemd shows: "LSB: <Short-Description>" (else Description:), "SYSV: <description:>" for a chkconfig header; null without either. */
  description: string | null;
  /** The units the generated service pulls in (Wants=): targets it Provides ($network: network-online.target), network-online.target when it starts after $network. */
  wants: string[];
}

/** A facility as a unit name, or null (a known facility without unit, or the script's own name). */
function facility(word: string, ownName: string): string | null {
  const n = word.startsWith('$') ? word.slice(1) : word;
  if (n in FACILITIES) return FACILITIES[n]!;
  if (word.startsWith('$')) return `${n}.target`;
  if (n === ownName) return null;
  return sysvServiceName(n);
}

/**
 * load_sysv: the LSB header ("### BEGIN INIT INFO" ... "### END INIT INFO") or the older chkconfig
 * comments ("# description: ..." with "\" continuations), as the generator reads them.
 */
export function parseInitScript(text: string, fileName: string): InitScriptHeader {
  const ownName = fileName.endsWith('.sh') ? fileName.slice(0, -3) : fileName;
  let state: 'normal' | 'description' | 'lsb' | 'lsb-description' = 'normal';
  let hasLsb = false;
  let short: string | null = null;
  let long: string | null = null;
  let chkconfig: string | null = null;
  const wants: string[] = [];
  const want = (unit: string): void => {
    if (!wants.includes(unit)) wants.push(unit);
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const stripped = line.trim();
    if (!stripped.startsWith('#')) continue;
    if (state === 'normal' && stripped === '### BEGIN INIT INFO') {
      state = 'lsb';
      hasLsb = true;
      continue;
    }
    if ((state === 'lsb' || state === 'lsb-description') && stripped === '### END INIT INFO') {
      state = 'normal';
      continue;
    }
    let t = stripped.slice(1).trimStart();
    const key = (k: string): boolean => t.toLowerCase().startsWith(k.toLowerCase());
    if (state === 'normal') {
      if (key('description:')) {
        if (t.endsWith('\\')) {
          state = 'description';
          t = t.slice(0, -1);
        }
        chkconfig = t.slice(12).trim() || null;
      }
    } else if (state === 'description') {
      if (t.endsWith('\\')) t = t.slice(0, -1);
      else state = 'normal';
      const j = t.trim();
      if (j) chkconfig = chkconfig ? `${chkconfig} ${j}` : j;
    } else {
      if (key('Provides:')) {
        state = 'lsb';
        for (const word of t.slice(9).trim().split(/\s+/).filter(Boolean)) {
          const unit = facility(word, ownName);
          // A target it provides is pulled in by the service (a service name would be an alias: left out).
          if (!unit?.endsWith('.target')) continue;
          want(unit);
          if (unit === 'network-online.target') want('network.target');
        }
      } else if (key('Required-Start:') || key('Should-Start:') || key('X-Start-Before:') || key('X-Start-After:')) {
        state = 'lsb';
        // Everything else is ordering only; network-online.target has to be pulled in to mean anything.
        if (key('X-Start-Before:')) continue;
        for (const word of t.slice(t.indexOf(':') + 1).trim().split(/\s+/).filter(Boolean)) {
          if (facility(word, ownName) === 'network-online.target') want('network-online.target');
        }
      } else if (key('Description:')) {
        state = 'lsb-description';
        long = t.slice(12).trim() || null;
      } else if (key('Short-Description:')) {
        state = 'lsb';
        short = t.slice(18).trim() || null;
      } else if (state === 'lsb-description') {
        // A continuation of Description: is a comment line indented by a tab or two spaces.
        if (line.startsWith('#\t') || line.startsWith('#  ')) {
          const j = t.trim();
          if (j) long = long ? `${long} ${j}` : j;
        } else state = 'lsb';
      }
    }
  }
  const description = short ?? chkconfig ?? long;
  return { description: description === null ? null : `${hasLsb ? 'LSB' : 'SYSV'}: ${description}`, wants };
}

/** The folder a path names, through a symlink to it (/etc/init.d → rc.d/init.d on Red Hat). */
function folderPath(tree: GuestTree, path: string): string {
  for (let hop = 0; hop < 8; hop++) {
    const entry = tree.get(path);
    if (entry?.kind !== 'symlink' || !entry.target) return path;
    const next = joinGuestPath(entry.target.startsWith('/') ? '/' : path.slice(0, path.lastIndexOf('/')) || '/', entry.target);
    if (!next) return path;
    path = next;
  }
  return path;
}

/**
 * SYSTEM_SYSVINIT_PATH and SYSTEM_SYSVRCND_PATH are set when systemd is built: /etc/init.d and
 * /etc on Debian, Ubuntu and SUSE, /etc/rc.d/init.d and /etc/rc.d on Red Hat, where /etc/init.d
 * and /etc/rcN.d are symlinks into /etc/rc.d. A real /etc/rc.d/init.d folder says which.
 */
function sysvPaths(tree: GuestTree): { initDir: string; rcDir: string } {
  const redHat = tree.get('/etc/rc.d/init.d')?.kind === 'dir' || tree.walk('/etc/rc.d/init.d').length > 0;
  return redHat ? { initDir: '/etc/rc.d/init.d', rcDir: '/etc/rc.d' } : { initDir: folderPath(tree, '/etc/init.d'), rcDir: '/etc' };
}

interface SysvService {
  name: string;
  path: string;
  header: InitScriptHeader;
  wantedBy: string[];
}

/**
 * The services systemd-sysv-generator writes: every executable regular file in the init folder
 * (a symlink counts as its target) with no unit file of the same name anywhere in the unit
 * search path (nativeExists), wanted by the targets of the runlevels with an S link to it.
 */
export function sysvServices(tree: GuestTree, nativeExists: (name: string) => boolean): SysvService[] {
  const { initDir, rcDir } = sysvPaths(tree);
  const services = new Map<string, SysvService>();
  for (const file of tree.list(initDir)) {
    if (isHiddenOrBackup(file)) continue;
    const path = `${initDir}/${file}`;
    const entry = tree.resolve(path);
    // Files read from the guest's tar carry their mode; one added by hand (tests) counts as executable.
    if (entry?.kind !== 'file' || (entry.mode !== undefined && (entry.mode & 0o100) === 0)) continue;
    const name = sysvServiceName(file);
    if (services.has(name) || nativeExists(name)) continue;
    services.set(name, { name, path, header: parseInitScript(tree.text(path) ?? '', file), wantedBy: [] });
  }
  for (const [dir, target] of RUNLEVEL_TARGETS) {
    const rc = folderPath(tree, `${rcDir}/${dir}`);
    for (const link of tree.list(rc)) {
      if (isHiddenOrBackup(link) || !/^S\d\d./.test(link)) continue;
      const service = services.get(sysvServiceName(link.slice(3)));
      if (service && !service.wantedBy.includes(target)) service.wantedBy.push(target);
    }
  }
  return [...services.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// systemd-fstab-generator

/**
 * Mount points systemd mounts itself or leaves alone (mount_point_is_api, mount_point_ignore in
 * systemd 252; the list as the real generator skipped them): no unit for these fstab lines.
 */
const API_MOUNTS = new Set([
  '/proc',
  '/sys',
  '/dev',
  '/dev/shm',
  '/dev/pts',
  '/run',
  '/run/lock',
  '/sys/kernel/security',
  '/sys/fs/cgroup',
  '/sys/fs/pstore',
  '/sys/firmware/efi/efivars',
  '/sys/fs/bpf',
  '/sys/fs/smackfs',
  '/sys/fs/selinux',
  '/proc/sys',
  '/dev/console',
  '/proc/kmsg',
  '/proc/sys/kernel/random/boot_id',
  '/run/host',
]);

function isApiMount(where: string): boolean {
  return API_MOUNTS.has(where) || where.startsWith('/sys/fs/cgroup/') || where.startsWith('/run/host/');
}

/** fstype_is_network (systemd 252): these mount after the network, for remote-fs.target. */
const NETWORK_FS = ['afs', 'ceph', 'cifs', 'smb3', 'smbfs', 'sshfs', 'ncpfs', 'ncp', 'nfs', 'nfs4', 'gfs', 'gfs2', 'glusterfs', 'gpfs', 'pvfs2', 'ocfs2', 'lustre', 'davfs'];

export function isNetworkFs(fsType: string): boolean {
  return NETWORK_FS.includes(fsType.startsWith('fuse.') ? fsType.slice(5) : fsType);
}

function options(opts: string): string[] {
  return opts.split(',');
}

/** fstab_test_option: any of the names appears. */
export function hasOption(opts: string, ...names: string[]): boolean {
  return options(opts).some((o) => names.includes(o));
}

/** fstab_test_yes_no_option: the last of the pair wins ("noauto,auto" mounts). */
export function yesNoOption(opts: string, yes: string, no: string): boolean {
  let value = false;
  for (const o of options(opts)) {
    if (o === yes) value = true;
    else if (o === no) value = false;
  }
  return value;
}

/** The values of "name=value" options, in order (x-systemd.requires=, x-systemd.wanted-by=). */
export function optionValues(opts: string, name: string): string[] {
  return options(opts)
    .filter((o) => o.startsWith(`${name}=`))
    .map((o) => o.slice(name.length + 1))
    .filter(Boolean);
}

/** encode_devnode_name: what udev does to a label or UUID in a /dev/disk/by-* name. */
function encodeDevnode(value: string): string {
  let out = '';
  for (const ch of value) {
    const bytes = Buffer.from(ch, 'utf8');
    if (bytes.length > 1 || /^[A-Za-z0-9#+\-.:=@_]$/.test(ch)) out += ch;
    else out += hex(bytes[0]!);
  }
  return out;
}

/** fstab_node_to_udev_node: "UUID=abc" → "/dev/disk/by-uuid/abc" (LABEL=, PARTUUID=, PARTLABEL= alike); anything else as written. */
export function udevNode(spec: string): string {
  for (const [tag, by] of [
    ['LABEL=', 'label'],
    ['UUID=', 'uuid'],
    ['PARTUUID=', 'partuuid'],
    ['PARTLABEL=', 'partlabel'],
  ] as const) {
    if (!spec.startsWith(tag)) continue;
    let value = spec.slice(tag.length);
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    return `/dev/disk/by-${by}/${encodeDevnode(value)}`;
  }
  return spec;
}

function isDevicePath(path: string): boolean {
  return path.startsWith('/dev/') || path.startsWith('/sys/');
}

export interface FstabUnit {
  unit: string;
  type: 'mount' | 'automount' | 'swap';
  /** The fstab line it comes from. */
  line: number;
  what: string;
  /** The mount point; null for swap. */
  where: string | null;
  fsType: string;
  options: string;
  /** fsck pass (0: not checked). */
  pass: number;
  /** Links the generator makes to it: target → "wants" or "requires". */
  links: Array<{ target: string; kind: 'wants' | 'requires' }>;
  /** Requires= lines in the unit (its fsck, x-systemd.requires=). */
  requires: string[];
}

/**
 * The units systemd-fstab-generator writes for an fstab (outside the initrd): a .mount per mount
 * point, wanted (nofail) or required by local-fs.target, remote-fs.target for a network file
 * system or _netdev, by the x-systemd.wanted-by=/required-by= units instead when given, by nothing
 * with noauto; with x-systemd.automount the .automount is linked instead of the .mount; a .swap
 * per swap line for swap.target. The root file system ignores noauto, nofail and automount. Lines
 * it skips: autofs, a mount point that is not a path ("none") or an API file system (/proc, /sys,
 * /dev/shm...), a second line for the same unit.
 */
export function fstabUnits(text: string): FstabUnit[] {
  const units: FstabUnit[] = [];
  const seen = new Set<string>();
  const add = (u: FstabUnit): void => {
    if (seen.has(u.unit)) return; // the generator refuses to write a unit twice ("Duplicate entry in /etc/fstab?")
    seen.add(u.unit);
    units.push(u);
  };
  for (const e of parseFstab(text)) {
    const what = udevNode(e.spec);
    const opts = e.options;
    let noauto = yesNoOption(opts, 'noauto', 'auto');
    let nofail = yesNoOption(opts, 'nofail', 'fail');
    if (e.vfstype === 'swap') {
      const unit = unitNameFromPath(what, '.swap');
      if (!unit) continue;
      add({ unit, type: 'swap', line: e.line, what, where: null, fsType: 'swap', options: opts, pass: 0, links: noauto ? [] : [{ target: 'swap.target', kind: nofail ? 'wants' : 'requires' }], requires: [] });
      continue;
    }
    if (e.vfstype === 'autofs' || !e.mountpoint.includes('/')) continue;
    const where = `/${e.mountpoint.split('/').filter((p) => p && p !== '.').join('/')}`;
    if (isApiMount(where)) continue;
    const unit = unitNameFromPath(where, '.mount');
    if (!unit) continue;
    let automount = hasOption(opts, 'x-systemd.automount', 'comment=systemd.automount');
    let wantedBy = optionValues(opts, 'x-systemd.wanted-by');
    let requiredBy = optionValues(opts, 'x-systemd.required-by');
    if (where === '/') {
      noauto = nofail = automount = false;
      wantedBy = requiredBy = [];
    }
    // An NFS "bg" mount is made an "fg" one that may fail: systemd does the backgrounding.
    if ((e.vfstype === 'nfs' || e.vfstype === 'nfs4') && !automount && yesNoOption(opts, 'bg', 'fg')) nofail = true;
    const target = hasOption(opts, '_netdev') || isNetworkFs(e.vfstype) ? 'remote-fs.target' : 'local-fs.target';
    const requires = optionValues(opts, 'x-systemd.requires').map((r) => mangleUnitName(r, '.mount'));
    // passno: fsck before mounting (the root's is systemd-fsck-root.service, pulled in by local-fs.target).
    if ((e.pass ?? 0) !== 0 && isDevicePath(what) && where !== '/') requires.push(`systemd-fsck@${escapePath(what)}.service`);
    const kind = nofail ? 'wants' : 'requires';
    const links: FstabUnit['links'] = [];
    if (!automount) {
      if (!noauto && !wantedBy.length && !requiredBy.length) links.push({ target, kind });
      else links.push(...wantedBy.map((t) => ({ target: t, kind: 'wants' as const })), ...requiredBy.map((t) => ({ target: t, kind: 'requires' as const })));
    }
    const pass = e.pass ?? 0;
    add({ unit, type: 'mount', line: e.line, what, where, fsType: e.vfstype, options: opts, pass, links, requires });
    if (automount) add({ unit: unit.replace(/\.mount$/, '.automount'), type: 'automount', line: e.line, what, where, fsType: e.vfstype, options: opts, pass: 0, links: [{ target, kind }], requires: [] });
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// systemd-getty-generator (src/getty-generator)

/** proc_cmdline_key_streq: "-" and "_" are the same in a kernel command line key. */
function cmdlineKey(word: string): { key: string; value: string | null } {
  const eq = word.indexOf('=');
  const key = (eq < 0 ? word : word.slice(0, eq)).replace(/-/g, '_');
  return { key, value: eq < 0 ? null : word.slice(eq + 1) };
}

/** parse_boolean; null for anything else (systemd then ignores the switch). */
function parseBoolean(value: string): boolean | null {
  if (/^(1|yes|y|true|t|on)$/i.test(value)) return true;
  if (/^(0|no|n|false|f|off)$/i.test(value)) return false;
  return null;
}

/**
 * The serial consoles systemd-getty-generator gives a login at boot on the domain hyper2kvm
 * defines. The generator reads the running kernel's consoles (/sys/class/tty/console/active, the
 * console= parameters of its command line), skips virtual terminals (tty0–tty63) and any console
 * that does not open as a terminal, and links serial-getty@NAME.service into getty.target; unless
 * systemd.getty_auto=0 (the last one wins). The domain has one serial port, ttyS0, and no virtio
 * console: so console=ttyS0 gives serial-getty@ttyS0, console=ttyS1 opens nothing, and hvc0 (which
 * the generator also takes when it exists) does not exist there.
 */
export function gettyConsoles(kernelCmdline: string | null): string[] {
  let enabled = true;
  const consoles: string[] = [];
  for (const word of (kernelCmdline ?? '').split(/\s+/).filter(Boolean)) {
    const { key, value } = cmdlineKey(word);
    if (key === 'systemd.getty_auto') enabled = value === null ? true : (parseBoolean(value) ?? enabled);
    else if (key === 'console' && value !== null) {
      const name = value.split(',')[0]!;
      if (name === 'ttyS0' && !consoles.includes(name)) consoles.push(name);
    }
  }
  return enabled ? consoles : [];
}

// ---------------------------------------------------------------------------------------------
// The generators' output folders

/**
 * What the two generators write at boot, as files and links in GENERATOR_DIR and
 * GENERATOR_LATE_DIR; nativeExists says whether a unit file of a name is in the unit search path
 * (an init script with one is not turned into a service).
 */
export function generatorOutput(tree: GuestTree, nativeExists: (name: string) => boolean, kernelCmdline: string | null = null): GeneratorOutput {
  const files = new Map<string, string>();
  const links = new Map<string, string>();
  const link = (dir: string, target: string, kind: string, unit: string, to = `../${unit}`): void => {
    links.set(`${dir}/${target}.${kind}/${unit}`, to);
  };

  for (const s of sysvServices(tree, nativeExists)) {
    const unit = [
      '# Automatically generated by systemd-sysv-generator (as hyper2kvm reads it offline)',
      '[Unit]',
      `SourcePath=${s.path}`,
      ...(s.header.description === null ? [] : [`Description=${s.header.description}`]),
      ...s.header.wants.map((w) => `Wants=${w}`),
      '',
      '[Service]',
      'Type=forking',
      `ExecStart=${s.path} start`,
      `ExecStop=${s.path} stop`,
      '',
    ];
    files.set(`${GENERATOR_LATE_DIR}/${s.name}`, unit.join('\n'));
    for (const target of s.wantedBy) link(GENERATOR_LATE_DIR, target, 'wants', s.name);
  }

  const fstab = tree.text('/etc/fstab');
  for (const u of fstab === null ? [] : fstabUnits(fstab)) {
    const head = ['# Automatically generated by systemd-fstab-generator (as hyper2kvm reads it offline)', '[Unit]', 'SourcePath=/etc/fstab', ...u.requires.map((r) => `Requires=${r}`), ''];
    const body =
      u.type === 'swap'
        ? ['[Swap]', `What=${u.what}`]
        : u.type === 'automount'
          ? ['[Automount]', `Where=${u.where}`]
          : ['[Mount]', `What=${u.what}`, `Where=${u.where}`, ...(u.fsType && u.fsType !== 'auto' ? [`Type=${u.fsType}`] : [])];
    if (u.type !== 'automount' && u.options && u.options !== 'defaults') body.push(`Options=${u.options}`);
    files.set(`${GENERATOR_DIR}/${u.unit}`, [...head, ...body, ''].join('\n'));
    for (const l of u.links) link(GENERATOR_DIR, l.target, l.kind, u.unit);
    if (u.type === 'mount' && u.where === '/' && u.pass !== 0 && isDevicePath(u.what)) {
      link(GENERATOR_DIR, 'local-fs.target', 'wants', 'systemd-fsck-root.service', '/lib/systemd/system/systemd-fsck-root.service');
    }
  }
  // systemd 252 always lets local-fs.target pull in the remount of the root file system.
  link(GENERATOR_DIR, 'local-fs.target', 'wants', 'systemd-remount-fs.service', '/lib/systemd/system/systemd-remount-fs.service');
  for (const tty of gettyConsoles(kernelCmdline)) link(GENERATOR_DIR, 'getty.target', 'wants', `serial-getty@${tty}.service`, '/lib/systemd/system/serial-getty@.service');
  return { files, links };
}
