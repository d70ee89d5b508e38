import type { GfCommand } from '../../appliance/guestfish-protocol';
import { RELEASE_FILES } from './root-detect';

/**
 * One shell command in the appliance (guestfish `debug sh`) that mounts every candidate file
 * system read-only in turn (every btrfs subvolume too, as inspect-os does) and prints what root
 * detection needs from each: the kind of the paths inspect-os's rules test, the release files,
 * fstab, crypttab and hostname files, and the first bytes of the binaries that tell the
 * architecture. One round trip instead of inspect-os's hundreds of internal ones.
 *
 * Paths are resolved inside the guest, symlink by symlink, an absolute target starting again at
 * the guest's root: followed naively, /etc/os-release -> /usr/lib/os-release would read the
 * appliance's own file. File contents travel base64-encoded, so nothing in a guest file can forge
 * a marker line. The probe mounts under its own folder and unmounts everything before it ends:
 * the daemon's /sysroot is never touched, so inspect-os can still run after it.
 */

const MARK = '@@h2k-root';
const MOUNT_DIR = '/tmp/h2k-root-probe';
/** lstat kinds of the paths inspect-os's check_filesystem tests, in its order. */
const KIND_PATHS = ['/etc', '/bin', '/etc/fstab', '/etc/hosts', '/grub/menu.lst', '/grub/grub.conf', '/grub2/grub.cfg', '/etc/freebsd-update.conf', '/netbsd', '/bsd', '/hurd/console', '/service/vm', '/etc/coreos/update.conf', '/share', '/etc/sysconfig/network'];
const READ_FILES = [...RELEASE_FILES, '/etc/fstab', '/etc/crypttab', '/etc/HOSTNAME', '/etc/hostname', '/etc/sysconfig/network'];
const EXISTS_FILES = ['/usr/bin/dnf'];
/** inspect-os's arch_binaries, in its order. */
const ARCH_BINARIES = ['/bin/bash', '/bin/ls', '/bin/echo', '/bin/rm', '/bin/sh'];
/** Larger files are not read whole (one byte more says "too large"): no release or hostname file comes near it. */
const MAX_FILE = 1024 * 1024;

const SCRIPT_BODY = `
M=${MOUNT_DIR}
mkdir -p $M
k() {
  p=$M$1
  if [ -L "$p" ]; then echo "${MARK} kind $1 l:$(readlink "$p")"; elif [ -d "$p" ]; then echo "${MARK} kind $1 d"; elif [ -f "$p" ]; then echo "${MARK} kind $1 f"; fi
}
r() {
  rest=\${1#/}; cur=; n=0; Q=
  while [ -n "$rest" ]; do
    c=\${rest%%/*}
    case $rest in */*) rest=\${rest#*/};; *) rest=;; esac
    if [ -z "$c" ] || [ "$c" = . ]; then continue; fi
    if [ "$c" = .. ]; then cur=\${cur%/*}; continue; fi
    if [ -L "$M$cur/$c" ]; then
      n=$((n+1)); [ $n -gt 40 ] && return 1
      t=$(readlink "$M$cur/$c")
      case $t in /*) cur=;; esac
      rest=\${t#/}\${rest:+/$rest}
    else cur=$cur/$c; fi
  done
  Q=$M$cur
}
probe() {
  echo "${MARK} fs $1"
  for p in ${KIND_PATHS.join(' ')}; do k $p; done
  for n in "$M"/*; do [ -e "$n" ] && echo "${MARK} top \${n#$M/}"; done
  if [ ! -d $M/etc ] || [ -L $M/etc ]; then return 0; fi
  for f in ${READ_FILES.join(' ')}; do
    r $f && [ -f "$Q" ] && echo "${MARK} file $f $(head -c ${MAX_FILE + 1} "$Q" | base64 -w0)"
  done
  for f in ${EXISTS_FILES.join(' ')}; do r $f && [ -f "$Q" ] && echo "${MARK} exists $f"; done
  for b in ${ARCH_BINARIES.join(' ')}; do
    r $b && [ -f "$Q" ] || continue
    h=$(od -An -tx1 -N20 "$Q" | tr -d ' \\n')
    echo "${MARK} elf $b $h"
    case $h in 7f454c46*) break;; esac
  done
  return 0
}
for d in /dev/md[0-9]* /dev/md/*; do [ -b "$d" ] && echo "${MARK} assembled $d"; done
for d in /dev/mapper/ldm_*; do [ -b "$d" ] && echo "${MARK} assembled $d"; done
for d in /dev/mapper/*; do [ -b "$d" ] && echo "${MARK} mapped $d"; done
while read -r dev typ; do
  [ -n "$dev" ] || continue
  if ! mount -o ro "$dev" $M 2>/dev/null; then echo "${MARK} unmountable $dev"; continue; fi
  probe "$dev"
  if [ "$typ" = btrfs ]; then
    def=$(btrfs subvolume get-default $M 2>/dev/null | sed -n 's/^ID \\([0-9]*\\).*/\\1/p')
    btrfs subvolume list $M 2>/dev/null | sed -n "/^ID $def /d; s/^ID [0-9]* gen [0-9]* top level [0-9]* path //p" > /tmp/h2k-subvols
    umount $M
    while read -r sv; do
      if mount -o "ro,subvol=$sv" "$dev" $M 2>/dev/null; then probe "btrfsvol:$dev/$sv"; umount $M; else echo "${MARK} unmountable btrfsvol:$dev/$sv"; fi
    done < /tmp/h2k-subvols
  else
    umount $M
  fi
done <<'H2K_DEVICES'
`;

export interface ProbeTarget {
  device: string;
  type: string | null;
}

/**
 * The probe for these block devices. Their names come from the appliance and go into the script
 * unquoted: a name with anything but letters, digits and _ . / + - gives "unsafe" (no probe).
 */
export function rootProbeCommand(targets: readonly ProbeTarget[]): GfCommand | 'unsafe' {
  if (targets.some((t) => !/^\/dev\/[\w./+-]+$/.test(t.device))) return 'unsafe';
  const list = targets.map((t) => `${t.device} ${t.type ?? 'unknown'}`).join('\n');
  const script = `${SCRIPT_BODY}${list}\nH2K_DEVICES\numount ${MOUNT_DIR} 2>/dev/null; true\n`;
  // guestfish splits debug's arguments at spaces and drops quotes before the daemon joins them
  // again (measured: "echo 'a  b'" prints "a b"): the script travels base64-encoded.
  return { name: 'debug', args: ['sh', `echo ${Buffer.from(script).toString('base64')} | base64 -d > ${MOUNT_DIR}.sh && sh ${MOUNT_DIR}.sh`] };
}

/** What the probe read from one mounted file system (or btrfs subvolume). */
export interface RootProbe {
  /** As inspect-os names it: /dev/sda1, /dev/VG/LV, btrfsvol:/dev/sda2/@home. */
  mountable: string;
  /** lstat of each tested path present: d, f or l:<target> (absent paths are not listed). */
  kinds: Map<string, string>;
  /** Names at the top of the file system (not the hidden ones). */
  top: string[];
  /** Regular files (after following symlinks inside the guest) and their text. */
  files: Map<string, string>;
  /** Files present but larger than the probe reads. */
  tooBig: Set<string>;
  exists: Set<string>;
  /** First 20 bytes of each architecture binary present, in inspect-os's order. */
  elf: Array<{ path: string; header: Buffer }>;
}

export interface RootProbeOutput {
  probes: RootProbe[];
  unmountable: string[];
  assembled: string[];
  /** Every device-mapper volume the appliance has active (LVM volumes among them). */
  mapped: string[];
}

export function parseRootProbe(output: string): RootProbeOutput {
  const out: RootProbeOutput = { probes: [], unmountable: [], assembled: [], mapped: [] };
  let current: RootProbe | null = null;
  for (const line of output.split('\n')) {
    if (!line.startsWith(`${MARK} `)) continue;
    const [kind = '', first = '', ...rest] = line.slice(MARK.length + 1).split(' ');
    const value = rest.join(' ');
    if (kind === 'fs') {
      current = { mountable: first, kinds: new Map(), top: [], files: new Map(), tooBig: new Set(), exists: new Set(), elf: [] };
      out.probes.push(current);
    } else if (kind === 'unmountable') out.unmountable.push(first);
    else if (kind === 'assembled') out.assembled.push(first);
    else if (kind === 'mapped') out.mapped.push(first);
    else if (!current) continue;
    else if (kind === 'kind') current.kinds.set(first, value);
    else if (kind === 'file') {
      const bytes = Buffer.from(value, 'base64');
      if (bytes.length > MAX_FILE) current.tooBig.add(first);
      else current.files.set(first, bytes.toString('utf8'));
    } else if (kind === 'top') current.top.push(value ? `${first} ${value}` : first);
    else if (kind === 'exists') current.exists.add(first);
    else if (kind === 'elf') current.elf.push({ path: first, header: Buffer.from(value, 'hex') });
  }
  return out;
}
