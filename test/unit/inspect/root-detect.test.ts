import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED, classify, detectLinuxRoot, fstabMountpoints, hostnameOf, osinfo, releaseData, shellUnquote } from '../../../electron/engine/inspect/linux/root-detect';
import type { BlockIds, DetectInput } from '../../../electron/engine/inspect/linux/root-detect';
import { parseRootProbe, rootProbeCommand } from '../../../electron/engine/inspect/linux/root-probe';
import type { RootProbe } from '../../../electron/engine/inspect/linux/root-probe';

/**
 * Root detection in place of inspect-os (electron/engine/inspect/linux/root-detect.ts). The probe
 * samples are the real output of the probe script in the appliance on two fixtures
 * (tmp harness: GuestfishSession + rootProbeCommand; disks .cache/fixtures/debian-guest-* and
 * debian-repair-btrfs-snapper-*); the expected identities are what `guestfish inspect-os` and
 * `inspect-get-*` printed on the same disks. Every distribution rule is compared with inspect-os
 * for real in test/integration/inspect/root-detect.test.ts.
 */

const sample = (name: string): string => readFileSync(join(__dirname, 'samples', name), 'utf8');
const X86_64_ELF = Buffer.from('7f454c4602010100000000000000000003003e00', 'hex');

function probeOf(mountable: string, files: Record<string, string>, extra: Partial<RootProbe> = {}): RootProbe {
  return {
    mountable,
    kinds: new Map([
      ['/etc', 'd'],
      ['/bin', 'l:usr/bin'],
      ['/etc/fstab', 'f'],
    ]),
    top: ['bin', 'etc', 'usr'],
    files: new Map(Object.entries(files)),
    tooBig: new Set(),
    exists: new Set(),
    elf: [{ path: '/bin/bash', header: X86_64_ELF }],
    ...extra,
  };
}

const ids = (device: string, fields: Partial<BlockIds> = {}): BlockIds => ({ device, type: 'ext4', uuid: null, label: null, ...fields });

function input(probes: RootProbe[], fields: Partial<DetectInput> = {}): DetectInput {
  return { probes, disks: ['/dev/sda'], partitions: ['/dev/sda1', '/dev/sda2', '/dev/sda3'], lvs: [], blkids: [], skipped: [], assembled: [], mapped: [], ...fields };
}

describe('the probe script and its output', () => {
  it('travels base64-encoded (guestfish drops quotes in debug arguments) and lists each device with its type', () => {
    const command = rootProbeCommand([
      { device: '/dev/sda1', type: 'ext4' },
      { device: '/dev/vg0/root', type: null },
    ]);
    if (command === 'unsafe') throw new Error('refused plain device names');
    expect(command.name).toBe('debug');
    const [sub, line] = command.args!;
    expect(sub).toBe('sh');
    expect(line).not.toMatch(/['"]/);
    const script = Buffer.from(/^echo (\S+) \|/.exec(line!)![1]!, 'base64').toString('utf8');
    expect(script).toContain("<<'H2K_DEVICES'\n/dev/sda1 ext4\n/dev/vg0/root unknown\nH2K_DEVICES\n");
    expect(rootProbeCommand([{ device: '/dev/sda1; reboot', type: 'ext4' }])).toBe('unsafe');
  });

  it('reads every btrfs subvolume as its own mountable, and the root in the default one', () => {
    const out = parseRootProbe(sample('root-probe-btrfs-snapper.txt'));
    expect(out.probes.map((p) => p.mountable)).toEqual(['/dev/sda1', 'btrfsvol:/dev/sda1/@', 'btrfsvol:/dev/sda1/@/.snapshots', 'btrfsvol:/dev/sda1/@/var', 'btrfsvol:/dev/sda1/@/home']);
    expect(out.probes.map(classify)).toEqual(['root', 'other', 'other', 'other', 'other']);
    const root = out.probes[0]!;
    expect(root.files.get('/etc/debian_version')).toBe('12.15\n');
    expect(root.kinds.get('/bin')).toBe('l:usr/bin');
    expect(root.elf).toEqual([{ path: '/bin/bash', header: X86_64_ELF }]);
  });

  it('gives what inspect-os gave on the btrfs snapper fixture (root in the default subvolume, three fstab subvolumes)', () => {
    const out = parseRootProbe(sample('root-probe-btrfs-snapper.txt'));
    const detection = detectLinuxRoot(input(out.probes, { partitions: ['/dev/sda1'], blkids: [ids('/dev/sda1', { type: 'btrfs' })] }));
    expect(detection).toEqual({
      kind: 'linux',
      root: {
        root: '/dev/sda1',
        distro: 'debian',
        productName: '12.15',
        majorVersion: 12,
        minorVersion: 15,
        arch: 'x86_64',
        hostname: 'h2k-debian',
        osinfo: 'debian12',
        packageFormat: 'deb',
        packageManagement: 'apt',
        // guestfish inspect-get-mountpoints /dev/sda1 on the same disk.
        mountpoints: [
          { device: '/dev/sda1', path: '/' },
          { device: 'btrfsvol:/dev/sda1//@/.snapshots', path: '/.snapshots' },
          { device: 'btrfsvol:/dev/sda1//@/home', path: '/home' },
          { device: 'btrfsvol:/dev/sda1//@/var', path: '/var' },
        ],
      },
    });
  });

  it('gives what inspect-os gave on the Debian fixture (fstab by UUID)', () => {
    const out = parseRootProbe(sample('root-probe-debian.txt'));
    const detection = detectLinuxRoot(input(out.probes, { partitions: ['/dev/sda1'], blkids: [ids('/dev/sda1', { uuid: '5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03' })] }));
    expect(detection.kind === 'linux' && detection.root).toMatchObject({ root: '/dev/sda1', productName: '12.15', hostname: 'h2k-debian', mountpoints: [{ device: '/dev/sda1', path: '/' }] });
  });
});

describe('release files, in inspect-os order', () => {
  const UBUNTU_OS_RELEASE = 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n';
  const cases: Array<{ name: string; files: Record<string, string>; want: ReturnType<typeof releaseData> }> = [
    // Debian's VERSION_ID has the major number only: /etc/debian_version gives product and minor.
    { name: 'Debian 12', files: { '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n', '/etc/debian_version': '12.4\n' }, want: { distro: 'debian', productName: '12.4', version: [12, 4] } },
    { name: 'Ubuntu 22.04', files: { '/etc/os-release': UBUNTU_OS_RELEASE }, want: { distro: 'ubuntu', productName: 'Ubuntu 22.04.3 LTS', version: [22, 4] } },
    { name: 'CentOS 7', files: { '/etc/os-release': 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n', '/etc/centos-release': 'CentOS Linux release 7.9.2009 (Core)\n' }, want: { distro: 'centos', productName: 'CentOS Linux release 7.9.2009 (Core)', version: [7, 9] } },
    { name: 'RHEL 6 (no os-release)', files: { '/etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n' }, want: { distro: 'rhel', productName: 'Red Hat Enterprise Linux Server release 6.10 (Santiago)', version: [6, 10] } },
    // No VERSION_ID: os-release gives up, the empty arch-release names the distribution, the product name stays.
    { name: 'Arch Linux', files: { '/etc/os-release': 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n', '/etc/arch-release': '' }, want: { distro: 'archlinux', productName: 'Arch Linux' } },
    { name: 'Debian testing', files: { '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nID=debian\n', '/etc/debian_version': 'trixie/sid\n' }, want: { distro: 'debian', productName: 'trixie/sid' } },
    { name: 'Ubuntu without os-release', files: { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=16.04\nDISTRIB_CODENAME=xenial\nDISTRIB_DESCRIPTION="Ubuntu 16.04.7 LTS"\n' }, want: { distro: 'ubuntu', productName: 'Ubuntu 16.04.7 LTS', version: [16, 4] } },
  ];
  it.each(cases)('$name', ({ files, want }) => {
    expect(releaseData(probeOf('/dev/sda1', files))).toEqual(want);
  });

  it('leaves release files it does not parse like inspect-os to inspect-os', () => {
    expect(releaseData(probeOf('/dev/sda1', { '/etc/gentoo-release': 'Gentoo Base System release 2.14\n' }))).toBe(UNSUPPORTED);
    // An os-release ID we do not map may be one this libguestfs knows: its call.
    const detection = detectLinuxRoot(input([probeOf('/dev/sda1', { '/etc/os-release': 'ID="almalinux"\nPRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"\nVERSION_ID="9.3"\n', '/etc/fstab': '' })]));
    expect(detection).toEqual({ kind: 'fallback', reason: 'a release file only inspect-os parses' });
  });

  it('unquotes os-release values as a shell would', () => {
    expect([shellUnquote('"a \\"b\\" \\$c"'), shellUnquote("'x y'"), shellUnquote('plain'), shellUnquote('"')]).toEqual(['a "b" $c', 'x y', 'plain', '"']);
  });

  it('names the osinfo short id as libguestfs does', () => {
    expect([osinfo('ubuntu', 22, 4), osinfo('centos', 7, 9), osinfo('centos', 6, 10), osinfo('sles', 15, 5), osinfo('sles', 15, 0), osinfo('rhel', 9, 3), osinfo('archlinux', 0, 0), osinfo('debian', 0, 0)]).toEqual([
      'ubuntu22.04',
      'centos7.0',
      'centos6.10',
      'sles15sp5',
      'sles15',
      'rhel9.3',
      'archlinux',
      null,
    ]);
  });
});

describe('hostname', () => {
  it.each<{ files: Record<string, string>; want: string | null | typeof UNSUPPORTED }>([
    { files: { '/etc/hostname': 'web01\n' }, want: 'web01' },
    { files: { '/etc/HOSTNAME': 'leap.suse.lan\n', '/etc/hostname': 'other\n' }, want: 'leap.suse.lan' },
    // Quotes kept, as Augeas gives the value (inspect-os on the linux-roots fixture's RHEL 6).
    { files: { '/etc/hostname': '\n', '/etc/sysconfig/network': 'NETWORKING=yes\nHOSTNAME="old.example.com"\n' }, want: '"old.example.com"' },
    { files: { '/etc/sysconfig/network': 'NETWORKING=yes\nHOSTNAME=a # comment\n' }, want: UNSUPPORTED },
    { files: {}, want: null },
  ])('$files', ({ files, want }) => {
    const probe = probeOf('/dev/sda1', files);
    if ('/etc/sysconfig/network' in files) probe.kinds.set('/etc/sysconfig/network', 'f');
    expect(hostnameOf(probe)).toBe(want);
  });
});

describe('fstab to mountpoints, as inspect-get-mountpoints resolves them', () => {
  const blkids = [ids('/dev/sda1', { uuid: 'u-root', label: 'root' }), ids('/dev/sda2', { type: 'vfat', uuid: 'AB12-CD34' }), ids('/dev/sda3', { type: 'btrfs', uuid: 'u-btrfs' }), ids('/dev/mapper/vg--data-lv_home', { uuid: 'u-lv' })];
  const cases: Array<{ name: string; fstab: string; want: Array<[string, string]> | string; lvs?: string[] }> = [
    // libguestfs 1.48 resolves UUID= and LABEL= only: PARTUUID= and PARTLABEL= lines are left out.
    { name: 'tags, quoted or not; a tag nothing carries is left out', fstab: 'UUID=u-root / ext4 defaults 0 1\nPARTUUID=p-2 /boot/efi vfat umask=0077 0 1\nLABEL="root" /again ext4 defaults\nPARTLABEL=system /sys2 ext4 defaults\nLABEL=missing /gone ext4 defaults\n', want: [['/', '/dev/sda1'], ['/again', '/dev/sda1']] },
    // Only the disk must exist: a partition it lacks is named all the same (/dev/xvda9 → /dev/sda9).
    { name: 'guest device names by disk index; another disk stays as written', fstab: '/dev/vda1 / ext4 defaults\n/dev/sda3 /data btrfs defaults\n/dev/sdb1 /b ext4 defaults\n/dev/xvda9 /x ext4 defaults\n/dev/vda /whole ext4 defaults\n', want: [['/', '/dev/sda1'], ['/b', '/dev/sdb1'], ['/data', '/dev/sda3'], ['/whole', '/dev/vda'], ['/x', '/dev/sda9']] },
    { name: 'by-id on a single disk, by-uuid as written, LVM through /dev/mapper', fstab: '/dev/disk/by-id/ata-VBOX_HARDDISK_VB1-part1 / ext4 defaults\n/dev/disk/by-uuid/AB12-CD34 /boot/efi vfat defaults\n/dev/mapper/vg--data-lv_home /home ext4 defaults\n/dev/mapper/rhel-root /r xfs defaults\n', lvs: ['/dev/vg-data/lv_home'], want: [['/', '/dev/sda1'], ['/boot/efi', '/dev/disk/by-uuid/AB12-CD34'], ['/home', '/dev/vg-data/lv_home'], ['/r', '/dev/mapper/rhel-root']] },
    { name: 'pseudo file systems, removable media, swap and /media are left out; paths canonical', fstab: '# comment\n\nproc /proc proc defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0\n/dev/cdrom /mnt/cd iso9660 ro\n/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0\nUUID=u-root none swap sw 0 0\nnas:/export /srv/nfs nfs defaults 0 0\nUUID=u-root ///usr//local// ext4 defaults\nUUID=u-root / ext4 defaults\n', want: [['/', '/dev/sda1'], ['/usr/local', '/dev/sda1']] },
    { name: 'btrfs subvolumes (the option kept as written), the first of two roots', fstab: 'UUID=u-btrfs / btrfs subvol=@,compress=zstd 0 0\nUUID=u-btrfs /home btrfs compress=zstd,subvol=/@/home 0 0\n/dev/sda1 / ext4 defaults\n', want: [['/', 'btrfsvol:/dev/sda3/@'], ['/home', 'btrfsvol:/dev/sda3//@/home']] },
    { name: 'no fstab entry at all: the root alone', fstab: '# empty\n', want: [['/', '/dev/sda1']] },
    { name: 'only swap: nothing mounted (inspect-os has entries, none of them a path)', fstab: 'UUID=u-root none swap sw 0 0\n', want: [] },
    { name: 'an inline comment: Augeas might read it otherwise', fstab: 'UUID=u-root / ext4 defaults 0 1 # root\n', want: '/etc/fstab has lines Augeas might read differently' },
    { name: 'an MD array', fstab: '/dev/md0 / ext4 defaults\n', want: '/dev/md0: a device inspect-os resolves its own way' },
    { name: 'over 100 kB: libguestfs would not let Augeas read it', fstab: `UUID=u-root / ext4 defaults\n${'#'.repeat(100_000)}\n`, want: '/etc/fstab is larger than libguestfs lets Augeas read' },
  ];
  it.each(cases)('$name', ({ fstab, want, lvs }) => {
    const result = fstabMountpoints(probeOf('/dev/sda1', { '/etc/fstab': fstab }), input([], { blkids, lvs: lvs ?? [] }));
    if (typeof want === 'string') expect(result).toEqual({ reason: want });
    else expect(result).toEqual(want.map(([path, device]) => ({ path, device })).sort((x, y) => x.path.localeCompare(y.path)));
  });

  it('refuses a tag two devices carry (findfs would pick one)', () => {
    const twins = [ids('/dev/sda1', { uuid: 'same' }), ids('/dev/sdb1', { uuid: 'same' })];
    expect(fstabMountpoints(probeOf('/dev/sda1', { '/etc/fstab': 'UUID=same / ext4 defaults\n' }), input([], { blkids: twins }))).toEqual({ reason: 'UUID=same is carried by 2 devices' });
  });
});

describe('what is left to inspect-os', () => {
  const debian = (mountable: string): RootProbe => probeOf(mountable, { '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n', '/etc/debian_version': '12.4\n', '/etc/fstab': '/dev/sda1 / ext4 defaults\n' });
  it.each([
    { name: 'an NTFS volume', fields: { probes: [debian('/dev/sda1')], skipped: [{ device: '/dev/sda2', type: 'ntfs' }] }, reason: '/dev/sda2 (ntfs): a file system only inspect-os reads' },
    { name: 'two Linux roots', fields: { probes: [debian('/dev/sda1'), debian('/dev/sda2')] }, reason: '2 operating systems' },
    { name: 'no root', fields: { probes: [] }, reason: 'no Linux root found' },
    { name: 'an MD array', fields: { probes: [debian('/dev/sda1')], assembled: ['/dev/md127'] }, reason: '/dev/md127: MD or dynamic-disk volumes' },
    // vg0 is active (its PV's partition type says Linux, not LVM: lvs was not asked); vg--data-home is listed.
    { name: 'an LV nobody listed', fields: { probes: [debian('/dev/sda1')], lvs: ['/dev/vg-data/home'], mapped: ['/dev/mapper/vg--data-home', '/dev/mapper/vg0-root'] }, reason: '/dev/mapper/vg0-root: volumes the inspection did not list' },
    {
      name: 'a separate /usr',
      fields: { probes: [debian('/dev/sda1'), probeOf('/dev/sda2', {}, { kinds: new Map([['/etc', 'd'], ['/bin', 'd'], ['/share', 'd']]) })] },
      reason: '/dev/sda2 holds something other than Linux (or a split /usr)',
    },
    { name: 'a FAT volume with a Windows folder', fields: { probes: [debian('/dev/sda1'), probeOf('/dev/sda2', {}, { kinds: new Map(), top: ['WINDOWS', 'boot.ini'] })] }, reason: '/dev/sda2 holds something other than Linux (or a split /usr)' },
    { name: 'a FreeBSD root', fields: { probes: [probeOf('/dev/sda1', {}, { kinds: new Map([['/etc', 'd'], ['/bin', 'd'], ['/etc/freebsd-update.conf', 'f'], ['/etc/fstab', 'f']]) })] }, reason: '/dev/sda1 holds something other than Linux (or a split /usr)' },
    { name: 'a RISC-V binary (an architecture not compared)', fields: { probes: [probeOf('/dev/sda1', { '/etc/os-release': 'ID=ubuntu\nPRETTY_NAME="x"\nVERSION_ID=22.04\n' }, { elf: [{ path: '/bin/bash', header: Buffer.from('7f454c460201010000000000000000000200f300', 'hex') }] })] }, reason: 'an architecture not compared with inspect-os' },
  ])('$name', ({ fields, reason }) => {
    expect(detectLinuxRoot(input([], fields))).toEqual({ kind: 'fallback', reason });
  });

  it('a /boot file system beside the root is not a second root', () => {
    const boot = probeOf('/dev/sda2', {}, { kinds: new Map([['/grub2/grub.cfg', 'f']]) });
    expect(detectLinuxRoot(input([debian('/dev/sda1'), boot])).kind).toBe('linux');
  });
});
