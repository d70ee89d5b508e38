import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GuestfishSession } from '../../electron/engine/appliance/guestfish-session';
import type { GfCommand } from '../../electron/engine/appliance/guestfish-protocol';
import { LocalToolRunner, runCommand } from '../../electron/engine/core/tool-runner';
import { cachedFixture } from '../fixtures/cache';
import { logFixture, step } from '../fixtures/log';

/**
 * One raw GPT disk holding many small synthetic Linux roots (and the non-root file systems that
 * sit next to them: ESP, /boot, data, swap, a btrfs with subvolumes), so a test can run
 * libguestfs `inspect-os` and our own root detection on every kind of root in ONE appliance
 * launch and compare. Built mostly on the host (see build()), cached, read-only once built.
 *
 * Release files are the real distributions' texts. Binaries used for architecture detection are
 * the host's own /usr/bin/ls (x86_64) or a bare 64-byte ELF header (i386, aarch64): enough for
 * `file`, which is what libguestfs asks. No XFS: mkfs.xfs refuses file systems under 300 MiB
 * since xfsprogs 5.19 (the host has 6.1), too large for a fixture of this kind.
 *
 * Partition 9 is created and deleted again, so the GPT has a hole there and centos7's fstab line
 * `/dev/vda9` names a partition that does not exist (libguestfs maps vdX/sdX/hdX to the drive
 * index, so any free number would do; 9 is the one the brief asked for).
 */

export interface LinuxRootsFixture {
  disk: string;
  format: 'raw';
  partitions: Array<{ device: string; fs: string; label: string; role: string }>;
}

/**
 * Bump when the build changes in a way the recipe's data does not show. 2: built on the host (was
 * one guestfish session for everything, 154-190 s under TCG); same partitions, file systems and files.
 */
const RECIPE_VERSION = 2;
const MiB = 1024 * 1024;
const SECTOR = 512;
const DISK_SIZE = 264 * MiB;
const HOST_LS = '/usr/bin/ls';

const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const SWAP_TYPE = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';
/** What parted gives a new GPT partition: "Linux filesystem data". */
const LINUX_DATA_TYPE = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

type Arch = 'x86_64' | 'i386' | 'aarch64';

interface RootSpec {
  name: string;
  /** /bin as the symlink `bin -> usr/bin` (merged /usr) or a real directory. */
  mergedUsr: boolean;
  files: Array<[path: string, content: string]>;
  links?: Array<[link: string, target: string]>;
  binaries: Array<[path: string, arch: Arch]>;
}

interface PartitionPlan {
  number: number;
  sizeMiB: number;
  gptName: string;
  fs: 'ext4' | 'vfat' | 'swap' | 'btrfs' | 'placeholder';
  label: string;
  role: string;
  /** File system UUID (ext4, swap, btrfs); vfat has a serial number instead. */
  uuid?: string;
  /** The GPT partition GUID (PARTUUID=). */
  partGuid: string;
  root?: RootSpec;
}

const fsUuid = (n: number): string => `7e57f500-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const partGuid = (n: number): string => `7e57a700-0000-4000-8000-${n.toString(16).padStart(12, '0')}`.toUpperCase();

/** Partition numbers, fixed so fstab texts can name them. */
const N = {
  esp: 1,
  boot: 2,
  debian12: 3,
  ubuntu2204: 4,
  centos7: 5,
  rhel610: 6,
  fedora39: 7,
  rhel93: 8,
  hole: 9,
  rocky93: 10,
  alma93: 11,
  opensuse155: 12,
  sles155: 13,
  alpine319: 14,
  arch: 15,
  debianTesting: 16,
  ubuntu1004: 17,
  data: 18,
  swap: 19,
  btrfs: 20,
} as const;

const BTRFS_UUID = fsUuid(N.btrfs);
const DATA_GPT_NAME = 'srvdata';

const hosts = (hostname: string): string => `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`;
const redhatHosts = '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n';

/** The header Debian's and Ubuntu's installers write. */
const DEBIAN_FSTAB_HEADER = `# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# systemd generates mount units based on this file, see systemd.mount(5).
# Please run 'systemctl daemon-reload' after you make changes here.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
`;

const ANACONDA_FSTAB_HEADER = `
#
# /etc/fstab
# Created by anaconda on Tue Nov 28 10:12:01 2023
#
# Accessible filesystems, by reference, are maintained under '/dev/disk/'.
# See man pages fstab(5), findfs(8), mount(8) and/or blkid(8) for more info.
#
# After editing this file, run 'systemctl daemon-reload' to update systemd
# units generated from this file.
#
`;

const ROOTS: RootSpec[] = [
  {
    name: 'debian12',
    mergedUsr: true,
    files: [
      [
        '/usr/lib/os-release',
        `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
      ],
      ['/etc/debian_version', '12.4\n'],
      ['/etc/hostname', 'deb12\n'],
      ['/etc/hosts', hosts('deb12')],
      [
        '/etc/fstab',
        `${DEBIAN_FSTAB_HEADER}UUID=${fsUuid(N.debian12)} / ext4 errors=remount-ro 0 1
proc /proc proc defaults 0 0
tmpfs /tmp tmpfs defaults 0 0
/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0
/dev/fd0 /media/floppy auto rw 0 0
LABEL=swap none swap sw 0 0
LABEL=data /srv/data ext4 defaults 0 2
`,
      ],
    ],
    // Debian's /etc/os-release is this relative symlink (package base-files).
    links: [
      ['/etc/os-release', '../usr/lib/os-release'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'ubuntu2204',
    mergedUsr: true,
    files: [
      [
        '/usr/lib/os-release',
        `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
`,
      ],
      [
        '/etc/lsb-release',
        `DISTRIB_ID=Ubuntu
DISTRIB_RELEASE=22.04
DISTRIB_CODENAME=jammy
DISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"
`,
      ],
      ['/etc/debian_version', 'bookworm/sid\n'],
      ['/etc/hostname', 'jammy\n'],
      ['/etc/hosts', hosts('jammy')],
      [
        '/etc/fstab',
        `${DEBIAN_FSTAB_HEADER}/dev/disk/by-uuid/${fsUuid(N.ubuntu2204)} / ext4 defaults 0 1
PARTUUID=${partGuid(N.esp).toLowerCase()} /boot/efi vfat umask=0077 0 1
`,
      ],
    ],
    links: [
      ['/etc/os-release', '../usr/lib/os-release'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'centos7',
    mergedUsr: false,
    files: [
      [
        '/etc/os-release',
        `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

`,
      ],
      ['/etc/centos-release', 'CentOS Linux release 7.9.2009 (Core)\n'],
      ['/etc/redhat-release', 'CentOS Linux release 7.9.2009 (Core)\n'],
      ['/etc/hostname', 'c7\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/yum', '#!/usr/bin/python\nimport sys\n'],
      [
        '/etc/fstab',
        `${ANACONDA_FSTAB_HEADER}/dev/sda${N.centos7} / ext4 defaults 1 1
/dev/vda${N.hole} /opt ext4 defaults 0 0
/dev/sdb1 ///usr//local// ext4 defaults 0 0
`,
      ],
    ],
    binaries: [['/bin/bash', 'x86_64']],
  },
  {
    name: 'rhel610',
    mergedUsr: false,
    files: [
      ['/etc/redhat-release', 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n'],
      ['/etc/sysconfig/network', 'NETWORKING=yes\nHOSTNAME="old.example.com"\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/yum', '#!/usr/bin/python\nimport sys\n'],
      [
        '/etc/fstab',
        `# /etc/fstab as the RHEL 6 installer left it, root by disk id

/dev/disk/by-id/ata-VBOX_HARDDISK_VB1234-part${N.rhel610} / ext4 defaults 1 1
tmpfs                   /dev/shm                tmpfs   defaults        0 0
devpts                  /dev/pts                devpts  gid=5,mode=620  0 0
sysfs                   /sys                    sysfs   defaults        0 0
proc                    /proc                   proc    defaults        0 0
`,
      ],
    ],
    binaries: [['/bin/bash', 'i386']],
  },
  {
    name: 'fedora39',
    mergedUsr: true,
    files: [
      [
        '/usr/lib/os-release',
        `NAME="Fedora Linux"
VERSION="39 (Workstation Edition)"
ID=fedora
VERSION_ID=39
VERSION_CODENAME=""
PLATFORM_ID="platform:f39"
PRETTY_NAME="Fedora Linux 39 (Workstation Edition)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:39"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora/f39/system-administrators-guide/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=39
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=39
SUPPORT_END=2024-11-12
VARIANT="Workstation Edition"
VARIANT_ID=workstation
`,
      ],
      ['/etc/fedora-release', 'Fedora release 39 (Thirty Nine)\n'],
      ['/etc/hostname', 'fedora39\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/dnf-3', '#!/usr/bin/python3\nimport sys\n'],
      [
        '/etc/fstab',
        `${ANACONDA_FSTAB_HEADER}LABEL=fedora39 / ext4 defaults 1 1
UUID="${BTRFS_UUID}" /home btrfs subvol=home,compress=zstd:1 0 0
PARTLABEL=${DATA_GPT_NAME} /mnt/data ext4 defaults 0 0
`,
      ],
    ],
    // As Fedora ships them: os-release, redhat-release and system-release are symlinks, dnf -> dnf-3.
    links: [
      ['/etc/os-release', '../usr/lib/os-release'],
      ['/etc/redhat-release', 'fedora-release'],
      ['/etc/system-release', 'fedora-release'],
      ['/usr/bin/dnf', 'dnf-3'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'rhel93',
    mergedUsr: true,
    files: [
      [
        '/etc/os-release',
        `NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.3
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`,
      ],
      ['/etc/redhat-release', 'Red Hat Enterprise Linux release 9.3 (Plow)\n'],
      ['/etc/sysconfig/network', '# Created by anaconda\nHOSTNAME=rhel9.example.com\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/dnf-3', '#!/usr/bin/python3\nimport sys\n'],
      ['/etc/fstab', `${ANACONDA_FSTAB_HEADER}/dev/mapper/rhel-root / xfs defaults 0 0\n`],
    ],
    links: [
      ['/usr/bin/dnf', 'dnf-3'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'rocky93',
    mergedUsr: true,
    files: [
      [
        '/etc/os-release',
        `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`,
      ],
      ['/etc/rocky-release', 'Rocky Linux release 9.3 (Blue Onyx)\n'],
      ['/etc/redhat-release', 'Rocky Linux release 9.3 (Blue Onyx)\n'],
      ['/etc/hostname', 'rocky\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/dnf-3', '#!/usr/bin/python3\nimport sys\n'],
      ['/etc/fstab', `${ANACONDA_FSTAB_HEADER}UUID=${fsUuid(N.rocky93)} /                       ext4    defaults        1 1\n`],
    ],
    links: [
      ['/usr/bin/dnf', 'dnf-3'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'alma93',
    mergedUsr: true,
    files: [
      // AlmaLinux 9.3's code name is "Shamrock Pampas Cat" (almalinux-release-9.3).
      [
        '/etc/os-release',
        `NAME="AlmaLinux"
VERSION="9.3 (Shamrock Pampas Cat)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"
ANSI_COLOR="0;34"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
DOCUMENTATION_URL="https://wiki.almalinux.org/"
BUG_REPORT_URL="https://bugs.almalinux.org/"

ALMALINUX_MANTISBT_PROJECT="AlmaLinux-9"
ALMALINUX_MANTISBT_PROJECT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="AlmaLinux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`,
      ],
      ['/etc/almalinux-release', 'AlmaLinux release 9.3 (Shamrock Pampas Cat)\n'],
      ['/etc/redhat-release', 'AlmaLinux release 9.3 (Shamrock Pampas Cat)\n'],
      ['/etc/hostname', 'alma\n'],
      ['/etc/hosts', redhatHosts],
      ['/usr/bin/dnf-3', '#!/usr/bin/python3\nimport sys\n'],
      ['/etc/fstab', `${ANACONDA_FSTAB_HEADER}UUID=${fsUuid(N.alma93)} /                       ext4    defaults        1 1\n`],
    ],
    links: [
      ['/usr/bin/dnf', 'dnf-3'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'opensuse155',
    mergedUsr: true,
    files: [
      [
        '/etc/os-release',
        `NAME="openSUSE Leap"
VERSION="15.5"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.5"
PRETTY_NAME="openSUSE Leap 15.5"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:leap:15.5"
BUG_REPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org/"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Leap"
LOGO="distributor-logo-Leap"
`,
      ],
      ['/etc/HOSTNAME', 'leap.suse.lan\n'],
      ['/etc/hosts', hosts('leap')],
      ['/usr/bin/zypper', 'not a real zypper\n'],
      ['/etc/fstab', `UUID=${fsUuid(N.opensuse155)}  /  ext4  defaults  0  1\n`],
    ],
    links: [['/usr/bin/bash', 'ls']],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'sles155',
    mergedUsr: true,
    files: [
      [
        '/etc/os-release',
        `NAME="SLES"
VERSION="15-SP5"
VERSION_ID="15.5"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"
ID="sles"
ID_LIKE="suse"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:15:sp5"
DOCUMENTATION_URL="https://documentation.suse.com/"
`,
      ],
      ['/etc/hostname', 'sles15\n'],
      ['/etc/hosts', hosts('sles15')],
      ['/usr/bin/zypper', 'not a real zypper\n'],
      ['/etc/fstab', `UUID=${fsUuid(N.sles155)}  /  ext4  defaults  0  1\n`],
    ],
    binaries: [
      ['/usr/bin/bash', 'aarch64'],
      ['/usr/bin/ls', 'aarch64'],
    ],
  },
  {
    name: 'alpine319',
    mergedUsr: false,
    files: [
      [
        '/etc/os-release',
        `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`,
      ],
      ['/etc/alpine-release', '3.19.1\n'],
      ['/etc/hostname', 'alpine\n'],
      ['/etc/hosts', '127.0.0.1\tlocalhost localhost.localdomain\n::1\t\tlocalhost localhost.localdomain\n'],
      ['/etc/fstab', `UUID=${fsUuid(N.alpine319)}\t/\text4\trw,relatime 0 1\n`],
    ],
    // Alpine's /bin is busybox and symlinks to it.
    links: [
      ['/bin/sh', 'busybox'],
      ['/bin/ls', 'busybox'],
    ],
    binaries: [['/bin/busybox', 'x86_64']],
  },
  {
    name: 'arch',
    mergedUsr: true,
    files: [
      [
        '/etc/os-release',
        `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
ANSI_COLOR="38;2;23;147;209"
HOME_URL="https://archlinux.org/"
DOCUMENTATION_URL="https://wiki.archlinux.org/"
SUPPORT_URL="https://bbs.archlinux.org/"
BUG_REPORT_URL="https://gitlab.archlinux.org/groups/archlinux/-/issues"
PRIVACY_POLICY_URL="https://terms.archlinux.org/docs/privacy-policy/"
LOGO=archlinux-logo
`,
      ],
      ['/etc/arch-release', ''],
      ['/etc/hostname', 'archie\n'],
      ['/etc/hosts', '# Static table lookup for hostnames.\n# See hosts(5) for details.\n'],
      ['/etc/fstab', `# Static information about the filesystems.\n# See fstab(5) for details.\n\n# <file system> <dir> <type> <options> <dump> <pass>\n# /dev/sda${N.arch}\nUUID=${fsUuid(N.arch)}\t/         \text4      \trw,relatime\t0 1\n\n`],
    ],
    links: [['/usr/bin/bash', 'ls']],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    name: 'debian-testing',
    mergedUsr: true,
    files: [
      [
        '/usr/lib/os-release',
        `PRETTY_NAME="Debian GNU/Linux trixie/sid"
NAME="Debian GNU/Linux"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
      ],
      ['/etc/debian_version', 'trixie/sid\n'],
      ['/etc/hostname', 'trixie\n'],
      ['/etc/hosts', hosts('trixie')],
      ['/etc/fstab', `${DEBIAN_FSTAB_HEADER}UUID=${fsUuid(N.debianTesting)} / ext4 errors=remount-ro 0 1\n`],
    ],
    links: [
      ['/etc/os-release', '../usr/lib/os-release'],
      ['/usr/bin/bash', 'ls'],
    ],
    binaries: [['/usr/bin/ls', 'x86_64']],
  },
  {
    // Ubuntu 10.04 had no os-release yet: /etc/lsb-release is all there is.
    name: 'ubuntu1004',
    mergedUsr: false,
    files: [
      [
        '/etc/lsb-release',
        `DISTRIB_ID=Ubuntu
DISTRIB_RELEASE=10.04
DISTRIB_CODENAME=lucid
DISTRIB_DESCRIPTION="Ubuntu 10.04.4 LTS"
`,
      ],
      ['/etc/debian_version', 'squeeze/sid\n'],
      ['/etc/hostname', 'lucid\n'],
      ['/etc/hosts', hosts('lucid')],
      [
        '/etc/fstab',
        `# /etc/fstab: static file system information.
#
# Use 'blkid -o value -s UUID' to print the universally unique identifier
# for a device; this may be used with UUID= as a more robust way to name
# devices that works even if disks are added and removed. See fstab(5).
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
proc            /proc           proc    nodev,noexec,nosuid 0       0
UUID=${fsUuid(N.ubuntu1004)} /               ext4    errors=remount-ro 0       1
`,
      ],
    ],
    binaries: [['/bin/bash', 'x86_64']],
  },
];

/** openSUSE Tumbleweed in the btrfs subvolume `@` (its /home is the nested subvolume `@/home`). */
const TUMBLEWEED: RootSpec = {
  name: 'tumbleweed',
  mergedUsr: true,
  files: [
    [
      '/usr/lib/os-release',
      `NAME="openSUSE Tumbleweed"
# VERSION="20231201"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
VERSION_ID="20231201"
PRETTY_NAME="openSUSE Tumbleweed"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:tumbleweed:20231201"
BUG_REPORT_URL="https://bugzilla.opensuse.org"
SUPPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Tumbleweed"
LOGO="distributor-logo-Tumbleweed"
`,
    ],
    ['/etc/hostname', 'tw\n'],
    ['/etc/hosts', hosts('tw')],
    ['/usr/bin/zypper', 'not a real zypper\n'],
    ['/etc/fstab', `UUID=${BTRFS_UUID}  /      btrfs  subvol=@       0  0\nUUID=${BTRFS_UUID}  /home  btrfs  subvol=@/home  0  0\n`],
  ],
  links: [
    ['/etc/os-release', '../usr/lib/os-release'],
    ['/usr/bin/bash', 'ls'],
  ],
  binaries: [['/usr/bin/ls', 'x86_64']],
};

function rootPartition(root: RootSpec, number: number): PartitionPlan {
  return { number, sizeMiB: 8, gptName: root.name, fs: 'ext4', label: root.name, role: `root:${root.name}`, uuid: fsUuid(number), partGuid: partGuid(number), root };
}

function planPartitions(): PartitionPlan[] {
  const byName = new Map(ROOTS.map((r) => [r.name, r]));
  const root = (name: string, number: number): PartitionPlan => {
    const spec = byName.get(name);
    if (!spec) throw new Error(`no root spec ${name}`);
    return rootPartition(spec, number);
  };
  const plan: PartitionPlan[] = [
    { number: N.esp, sizeMiB: 8, gptName: 'EFI-System', fs: 'vfat', label: 'ESP', role: 'esp', partGuid: partGuid(N.esp) },
    { number: N.boot, sizeMiB: 8, gptName: 'boot', fs: 'ext4', label: 'boot', role: 'boot', uuid: fsUuid(N.boot), partGuid: partGuid(N.boot) },
    root('debian12', N.debian12),
    root('ubuntu2204', N.ubuntu2204),
    root('centos7', N.centos7),
    root('rhel610', N.rhel610),
    root('fedora39', N.fedora39),
    root('rhel93', N.rhel93),
    { number: N.hole, sizeMiB: 1, gptName: 'deleted', fs: 'placeholder', label: '', role: 'hole', partGuid: partGuid(N.hole) },
    root('rocky93', N.rocky93),
    root('alma93', N.alma93),
    root('opensuse155', N.opensuse155),
    root('sles155', N.sles155),
    root('alpine319', N.alpine319),
    root('arch', N.arch),
    root('debian-testing', N.debianTesting),
    root('ubuntu1004', N.ubuntu1004),
    { number: N.data, sizeMiB: 4, gptName: DATA_GPT_NAME, fs: 'ext4', label: 'data', role: 'data', uuid: fsUuid(N.data), partGuid: partGuid(N.data) },
    { number: N.swap, sizeMiB: 4, gptName: 'swap', fs: 'swap', label: 'swap', role: 'swap', uuid: fsUuid(N.swap), partGuid: partGuid(N.swap) },
    // mkfs.btrfs refuses less than ~114 MiB (two DUP metadata chunks and a data chunk).
    { number: N.btrfs, sizeMiB: 120, gptName: 'tumbleweed', fs: 'btrfs', label: 'tw-btrfs', role: 'btrfs', uuid: BTRFS_UUID, partGuid: partGuid(N.btrfs) },
  ];
  plan.forEach((p, i) => {
    if (p.number !== i + 1) throw new Error(`partition ${p.gptName} is number ${i + 1}, not ${p.number}`);
    // libguestfs 1.48's part-set-name hands the name to `parted name` as one argument, and parted
    // keeps only its first word ("EFI System Partition" became "EFI").
    if (/\s/.test(p.gptName)) throw new Error(`GPT name with a space: ${p.gptName}`);
  });
  if (plan.filter((p) => p.root).length !== ROOTS.length) throw new Error('every root spec needs a partition');
  return plan;
}

/**
 * A bare ELF header (64 bytes): magic, class, little-endian, version 1, ET_EXEC, the machine,
 * e_version 1 and the header sizes. `file` names the machine from it (checked while building).
 */
export function elfHeader(arch: 'i386' | 'aarch64'): Buffer {
  const b = Buffer.alloc(64);
  const is64 = arch === 'aarch64';
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1]).copy(b, 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(is64 ? 0xb7 : 0x03, 18); // EM_AARCH64 / EM_386
  b.writeUInt32LE(1, 20);
  if (is64) {
    b.writeUInt16LE(64, 52); // e_ehsize
    b.writeUInt16LE(56, 54); // e_phentsize
    b.writeUInt16LE(64, 58); // e_shentsize
  } else {
    b.writeUInt16LE(52, 40);
    b.writeUInt16LE(32, 42);
    b.writeUInt16LE(40, 46);
  }
  return b;
}

const FILE_SAYS: Record<Arch, string> = { x86_64: 'x86-64', i386: 'Intel 80386', aarch64: 'ARM aarch64' };

function hostLsSha256(): string {
  return createHash('sha256').update(readFileSync(HOST_LS)).digest('hex');
}

export async function linuxRoots(): Promise<LinuxRootsFixture> {
  const plan = planPartitions();
  const recipe = {
    version: RECIPE_VERSION,
    diskSize: DISK_SIZE,
    plan,
    tumbleweed: TUMBLEWEED,
    hostLs: hostLsSha256(),
    elf: { i386: elfHeader('i386').toString('hex'), aarch64: elfHeader('aarch64').toString('hex') },
  };
  const { dir } = await cachedFixture('linux-roots', recipe, (workDir) => build(workDir, plan));
  return {
    disk: join(dir, 'disk.raw'),
    format: 'raw',
    partitions: plan
      .filter((p) => p.fs !== 'placeholder')
      .map((p) => ({ device: `/dev/sda${p.number}`, fs: p.fs, label: p.label, role: p.role })),
  };
}

/**
 * Every partition but the btrfs one is made on the host, without an appliance or a mount: ext4 by
 * `mke2fs -d` from a folder, the ESP by mkfs.vfat and mtools, swap by mkswap, the GPT by sfdisk;
 * the images are then written into the disk at their offsets. Only the btrfs subvolumes need a
 * kernel (btrfs-progs 6.2's mkfs.btrfs has --rootdir but no --subvol), so one small appliance
 * fills them on the btrfs image alone, launched first and running while the host does the rest.
 * (mkfs.btrfs, mkfs.vfat, mtools and mkswap come with libguestfs0's dependencies.)
 */
async function build(workDir: string, plan: PartitionPlan[]): Promise<{ partitions: number }> {
  const tools = new LocalToolRunner();
  const file = (name: string): string => join(workDir, name);
  const disk = file('disk.raw');
  const scratch = file('parts');
  mkdirSync(scratch);

  // The binaries, checked with `file` (what libguestfs's file_architecture runs).
  const binaries: Record<Arch, Buffer> = { x86_64: readFileSync(HOST_LS), i386: elfHeader('i386'), aarch64: elfHeader('aarch64') };
  for (const arch of Object.keys(binaries) as Arch[]) {
    const sample = join(scratch, `bin-${arch}`);
    writeFileSync(sample, binaries[arch]);
    const { stdout } = await runCommand('/usr/bin/file', ['-b', sample]);
    if (!stdout.includes(FILE_SAYS[arch])) throw new Error(`file(1) does not see ${arch} in ${sample}: ${stdout.trim()}`);
  }

  const offsets = new Map<number, number>();
  let offset = MiB;
  for (const p of plan) {
    offsets.set(p.number, offset);
    offset += p.sizeMiB * MiB;
  }
  const btrfsPlan = plan.find((p) => p.fs === 'btrfs');
  if (!btrfsPlan) throw new Error('the plan has no btrfs partition');
  const btrfsImage = join(scratch, 'btrfs.img');
  const appliance = step('linux-roots', 'btrfs subvolumes @, @/home, home in a libguestfs appliance', () => buildBtrfs(tools, btrfsPlan, btrfsImage, scratch, binaries));
  // Awaited below; this only keeps a failure from counting as unhandled while the host works.
  appliance.catch(() => undefined);

  try {
    await step('linux-roots', `write ${plan.length - 2} partitions and the GPT on the host`, async () => {
      await tools.run('qemu-img', ['create', '-q', '-f', 'raw', disk, String(DISK_SIZE)]);
      await writePartitionTable(tools, disk, plan);
      for (const p of plan) {
        const image = join(scratch, `part${p.number}.img`);
        if (p.fs === 'ext4') await buildExt4(tools, p, image, join(scratch, `tree${p.number}`), partitionTree(p, binaries));
        else if (p.fs === 'vfat') await buildEsp(p, image, offsets.get(p.number)! / SECTOR, join(scratch, 'BOOTX64.EFI'));
        else if (p.fs === 'swap') await buildSwap(p, image);
        else continue;
        copyIntoDisk(image, disk, offsets.get(p.number)!);
      }
    });
  } catch (error) {
    await appliance.catch(() => undefined);
    throw error;
  }
  await appliance;
  copyIntoDisk(btrfsImage, disk, offsets.get(btrfsPlan.number)!);
  // Only disk.raw (and the manifest) belong to the fixture.
  rmSync(scratch, { recursive: true, force: true });
  await step('linux-roots', 'check the partition table with sfdisk', () => checkPartitionTable(tools, disk, plan));
  logFixture('linux-roots', `built ${disk}`);
  return { partitions: plan.length - 1 };
}

/**
 * The GPT as parted made it before: partitions from 1 MiB on, back to back, with their names,
 * GUIDs and types; partition 9 is created and deleted again, as the plan's hole.
 */
async function writePartitionTable(tools: LocalToolRunner, disk: string, plan: PartitionPlan[]): Promise<void> {
  const lines = ['label: gpt', 'first-lba: 34'];
  let sector = MiB / SECTOR;
  for (const p of plan) {
    const sectors = (p.sizeMiB * MiB) / SECTOR;
    const type = p.fs === 'vfat' ? ESP_TYPE : p.fs === 'swap' ? SWAP_TYPE : LINUX_DATA_TYPE;
    lines.push(`${disk}${p.number} : start=${sector}, size=${sectors}, type=${type}, uuid=${p.partGuid}, name="${p.gptName}"`);
    sector += sectors;
  }
  await tools.run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', disk], { input: `${lines.join('\n')}\n` });
  await tools.run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--delete', disk, String(N.hole)]);
}

/** Writes an image into the disk at `offset`, leaving all-zero blocks unwritten (the disk stays sparse). */
function copyIntoDisk(image: string, disk: string, offset: number): void {
  const block = Buffer.alloc(64 * 1024);
  const zero = Buffer.alloc(block.length);
  const src = openSync(image, 'r');
  const dst = openSync(disk, 'r+');
  try {
    for (let pos = 0; ; pos += block.length) {
      const n = readSync(src, block, 0, block.length, pos);
      if (n === 0) break;
      if (!block.subarray(0, n).equals(zero.subarray(0, n))) writeSync(dst, block, 0, n, offset + pos);
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

/**
 * What guestfish's mkdir-p, write, upload + chmod and ln-s left in a file system: directories
 * 0755, files 0644, programs 0755, all owned by root.
 */
type TreeEntry = { path: string; kind: 'dir' } | { path: string; kind: 'file'; content: string | Buffer; mode: number } | { path: string; kind: 'link'; target: string };

function partitionTree(p: PartitionPlan, binaries: Record<Arch, Buffer>): TreeEntry[] {
  if (p.root) return rootTree(p.root, binaries);
  if (p.role === 'boot') {
    const grub = "set default=0\nset timeout=5\nmenuentry 'Fedora Linux 39' {\n  linux /vmlinuz-6.5.6-300.fc39.x86_64 root=LABEL=fedora39 ro\n  initrd /initramfs-6.5.6-300.fc39.x86_64.img\n}\n";
    return [{ path: '/grub2', kind: 'dir' }, { path: '/grub2/grub.cfg', kind: 'file', content: grub, mode: 0o644 }];
  }
  if (p.role === 'data') return [{ path: '/README', kind: 'file', content: 'data partition, no operating system\n', mode: 0o644 }];
  throw new Error(`no file tree for partition ${p.number} (${p.role})`);
}

/** A root's files, symlinks and usual directories (/bin a link to usr/bin when /usr is merged). */
function rootTree(root: RootSpec, binaries: Record<Arch, Buffer>): TreeEntry[] {
  const dirs = new Set(['/etc', '/usr/bin', '/usr/lib', '/var/lib', '/tmp', '/root', '/home', '/dev', '/proc', '/sys']);
  for (const [path] of [...root.files, ...(root.links ?? []), ...root.binaries]) dirs.add(path.slice(0, path.lastIndexOf('/')) || '/');
  if (!root.mergedUsr) dirs.add('/bin');
  const out: TreeEntry[] = [...dirs].filter((d) => d !== '/' && d !== '/bin').map((path) => ({ path, kind: 'dir' }));
  out.push(root.mergedUsr ? { path: '/bin', kind: 'link', target: 'usr/bin' } : { path: '/bin', kind: 'dir' });
  for (const [path, content] of root.files) out.push({ path, kind: 'file', content, mode: path.startsWith('/usr/bin/') ? 0o755 : 0o644 });
  for (const [path, arch] of root.binaries) out.push({ path, kind: 'file', content: binaries[arch], mode: 0o755 });
  for (const [path, target] of root.links ?? []) out.push({ path, kind: 'link', target });
  return out;
}

/** Creates the tree under `dir` (parents 0755 as mkdir-p makes them); modes set explicitly, whatever the umask. */
function writeTree(dir: string, entries: TreeEntry[]): void {
  const ensureDir = (path: string): void => {
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i <= parts.length; i++) {
      const at = join(dir, ...parts.slice(0, i));
      if (existsSync(at)) continue;
      mkdirSync(at);
      chmodSync(at, 0o755);
    }
  };
  ensureDir('/');
  chmodSync(dir, 0o755);
  for (const e of entries) {
    const at = join(dir, e.path);
    ensureDir(e.path.slice(0, e.path.lastIndexOf('/')));
    if (e.kind === 'dir') ensureDir(e.path);
    else if (e.kind === 'link') symlinkSync(e.target, at);
    else {
      writeFileSync(at, e.content);
      chmodSync(at, e.mode);
    }
  }
}

/** Every path of the tree, parents included, as `find` prints them from the tree's top. */
function treePaths(entries: TreeEntry[]): Set<string> {
  const paths = new Set<string>();
  for (const e of entries) {
    const parts = e.path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) paths.add(`/${parts.slice(0, i).join('/')}`);
  }
  return paths;
}

async function buildExt4(tools: LocalToolRunner, p: PartitionPlan, image: string, treeDir: string, entries: TreeEntry[]): Promise<void> {
  writeTree(treeDir, entries);
  // -t ext4 on an 8 MiB file: the same "small" geometry mke2fs gave the partition in the appliance.
  await tools.run('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', p.label, '-U', p.uuid!, '-E', 'root_owner=0:0', '-d', treeDir, image, `${p.sizeMiB}M`]);
  // mke2fs -d copies the owners of the host files: whoever runs the tests. Make them root's.
  const paths = [...treePaths(entries)];
  const script = paths.flatMap((path) => [`sif ${path} uid 0`, `sif ${path} gid 0`]).join('\n');
  await tools.run('debugfs', ['-w', '-f', '-', image], { input: `${script}\n` });
  await checkExt4(tools, image, entries);
}

/**
 * Reads the image back with debugfs: every entry there with its type, permissions, owner 0:0 and
 * size (a symlink's size is its target's length).
 */
async function checkExt4(tools: LocalToolRunner, image: string, entries: TreeEntry[]): Promise<void> {
  const dirs = ['/', ...[...treePaths(entries)].filter((path) => entries.some((e) => e.path !== path && e.path.startsWith(`${path}/`)))];
  const { stdout } = await tools.run('debugfs', ['-f', '-', image], { input: `${dirs.map((d) => `ls -l -p ${d}`).join('\n')}\n` });
  // `ls -p` prints one "/inode/mode/uid/gid/name/size/" line per entry, after the echoed command.
  const seen = new Map<string, { mode: number; uid: number; gid: number; size: number }>();
  let current = '';
  for (const line of stdout.split('\n')) {
    const cmd = /^debugfs: ls -l -p (\S+)$/.exec(line);
    if (cmd) current = cmd[1] === '/' ? '' : cmd[1]!;
    const m = /^\/\d+\/(\d+)\/(\d+)\/(\d+)\/([^/]+)\/(\d*)\/$/.exec(line);
    if (m && m[4] !== '.' && m[4] !== '..') seen.set(`${current}/${m[4]}`, { mode: parseInt(m[1]!, 8), uid: Number(m[2]), gid: Number(m[3]), size: Number(m[5] || 0) });
  }
  const expected = new Map<string, { mode: number; size?: number }>();
  for (const path of treePaths(entries)) expected.set(path, { mode: 0o40755 });
  for (const e of entries) {
    if (e.kind === 'file') expected.set(e.path, { mode: 0o100000 | e.mode, size: Buffer.byteLength(e.content) });
    if (e.kind === 'link') expected.set(e.path, { mode: 0o120777, size: Buffer.byteLength(e.target) });
  }
  for (const [path, want] of expected) {
    const got = seen.get(path);
    if (!got || got.mode !== want.mode || got.uid !== 0 || got.gid !== 0 || (want.size !== undefined && got.size !== want.size)) {
      throw new Error(`${image}: ${path} is ${JSON.stringify(got)}, expected mode ${want.mode.toString(8)}, owner 0:0${want.size === undefined ? '' : `, size ${want.size}`}`);
    }
  }
  const extra = [...seen.keys()].filter((path) => !expected.has(path) && path !== '/lost+found');
  if (extra.length > 0) throw new Error(`${image}: unexpected ${extra.join(', ')}`);
}

/**
 * mkfs.vfat as it ran in the appliance: the same 8 MiB FAT12, hidden sectors = the partition's
 * start, and the 9 heads / 59 sectors per track the appliance's disk reported (mkfs.fat rounds the
 * size down to whole tracks, 16343 sectors). The serial stays random, as it was.
 */
async function buildEsp(p: PartitionPlan, image: string, startSector: number, loader: string): Promise<void> {
  await runCommand('/usr/sbin/mkfs.fat', ['-n', p.label, '-h', String(startSector), '-g', '9/59', '-C', image, String(p.sizeMiB * 1024)]);
  writeFileSync(loader, 'MZ (not a real loader)');
  await runCommand('/usr/bin/mmd', ['-i', image, '::/EFI', '::/EFI/BOOT']);
  await runCommand('/usr/bin/mcopy', ['-i', image, loader, '::/EFI/BOOT/BOOTX64.EFI']);
  const { stdout } = await runCommand('/usr/bin/mdir', ['-/', '-b', '-i', image, '::/']);
  const listed = stdout.split('\n').filter(Boolean).sort().join(' ');
  if (listed !== '::/EFI/ ::/EFI/BOOT/ ::/EFI/BOOT/BOOTX64.EFI') throw new Error(`the ESP holds ${listed}`);
}

async function buildSwap(p: PartitionPlan, image: string): Promise<void> {
  writeFileSync(image, '');
  truncateSync(image, p.sizeMiB * MiB);
  await runCommand('/usr/sbin/mkswap', ['-L', p.label, '-U', p.uuid!, image]);
}

/**
 * The btrfs partition: mkfs.btrfs on the host (label and UUID at once), then one appliance on the
 * image alone creates the subvolumes @, @/home (nested) and home, and unpacks one tarball over them:
 * Tumbleweed's root in @, a user's profile in @/home, Fedora's user in home. The default stays 5.
 */
async function buildBtrfs(tools: LocalToolRunner, p: PartitionPlan, image: string, scratch: string, binaries: Record<Arch, Buffer>): Promise<void> {
  writeFileSync(image, '');
  truncateSync(image, p.sizeMiB * MiB);
  await runCommand('/usr/sbin/mkfs.btrfs', ['-q', '-f', '-L', p.label, '-U', p.uuid!, image]);
  const entries: TreeEntry[] = [
    ...rootTree(TUMBLEWEED, binaries).map((e) => ({ ...e, path: `/@${e.path}` })),
    { path: '/@/home/geeko', kind: 'dir' },
    { path: '/@/home/geeko/.profile', kind: 'file', content: '# ~/.profile of the Tumbleweed user\n', mode: 0o644 },
    { path: '/home/fedora', kind: 'dir' },
    { path: '/home/fedora/.bashrc', kind: 'file', content: '# ~/.bashrc of the Fedora user\n', mode: 0o644 },
  ];
  const treeDir = join(scratch, 'btrfs-tree');
  const tarball = join(scratch, 'btrfs.tar');
  writeTree(treeDir, entries);
  await tools.run('tar', ['--create', '--file', tarball, '--owner=0', '--group=0', '--numeric-owner', '-C', treeDir, '.']);

  const session = await GuestfishSession.open({
    disks: [{ path: image, format: 'raw' }],
    access: 'read-write',
    tools,
    signal: new AbortController().signal,
    workDir: join(scratch, 'session'),
  });
  try {
    const commands: GfCommand[] = [
      { name: 'mount', args: ['/dev/sda', '/'] },
      { name: 'btrfs-subvolume-create', args: ['/@'] },
      { name: 'btrfs-subvolume-create', args: ['/@/home'] },
      { name: 'btrfs-subvolume-create', args: ['/home'] },
      { name: 'tar-in', args: [tarball, '/'] },
      { name: 'find', args: ['/'] },
      { name: 'btrfs-subvolume-list', args: ['/'] },
      { name: 'btrfs-subvolume-get-default', args: ['/'] },
      { name: 'umount-all' },
      { name: 'sync' },
    ];
    const results = await session.batch(commands);
    const bad = results.find((r) => !r.ok);
    if (bad) throw new Error(`guestfish ${bad.command.name} ${(bad.command.args ?? []).join(' ')}: ${bad.error}`);
    const output = (name: string): string => results.find((r) => r.command.name === name)?.output ?? '';
    const found = output('find').split('\n').filter(Boolean).map((path) => `/${path}`).sort();
    const want = [...treePaths(entries)].sort();
    if (found.join('\n') !== want.join('\n')) throw new Error(`the btrfs holds ${found.join(' ')}, expected ${want.join(' ')}`);
    const subvolumes = [...output('btrfs-subvolume-list').matchAll(/btrfssubvolume_path: (\S+)/g)].map((m) => m[1]).sort();
    if (subvolumes.join(' ') !== '@ @/home home') throw new Error(`btrfs subvolumes are ${subvolumes.join(' ')}, expected @ @/home home`);
    if (output('btrfs-subvolume-get-default').trim() !== '5') throw new Error(`btrfs default subvolume is ${output('btrfs-subvolume-get-default')}, expected 5`);
  } finally {
    await session.close();
    await session.removeScratch();
  }
}

/** The GPT as the host's sfdisk reads it must be the plan: names, partition GUIDs, types, the hole at 9. */
async function checkPartitionTable(tools: LocalToolRunner, disk: string, plan: PartitionPlan[]): Promise<void> {
  const { stdout } = await tools.run('sfdisk', ['--json', disk]);
  const table = JSON.parse(stdout) as { partitiontable: { partitions: Array<{ node: string; type: string; uuid: string; name?: string }> } };
  const found = new Map(table.partitiontable.partitions.map((p) => [Number(p.node.slice(disk.length)), p]));
  for (const p of plan) {
    const got = found.get(p.number);
    if (p.fs === 'placeholder') {
      if (got) throw new Error(`partition ${p.number} should have been deleted`);
      continue;
    }
    const type = p.fs === 'vfat' ? ESP_TYPE : p.fs === 'swap' ? SWAP_TYPE : LINUX_DATA_TYPE;
    if (!got || got.name !== p.gptName || got.uuid.toUpperCase() !== p.partGuid || got.type.toUpperCase() !== type) {
      throw new Error(`partition ${p.number} is ${JSON.stringify(got)}, expected name ${p.gptName}, uuid ${p.partGuid}, type ${type}`);
    }
  }
  if (found.size !== plan.length - 1) throw new Error(`sfdisk sees ${found.size} partitions, expected ${plan.length - 1}`);
}
