import { describe, expect, it } from 'vitest';
import { deviceStyle, isOptionalMount, isUnstableStyle, parseCrypttab, parseFstab } from '../../../electron/engine/guest/linux/fstab';
import { fullPackageVersion, parseApkInstalled, parseDpkgStatus, splitDebVersion } from '../../../electron/engine/inspect/linux/packages';
import {
  describeBootloader,
  hasSerialConsole,
  parseBlsEntry,
  parseDefaultGrub,
  parseGrubCfg,
  parseGrubLegacy,
  shellWords,
  vmwareKernelParams,
} from '../../../electron/engine/guest/linux/bootloader';

describe('fstab device styles', () => {
  it.each([
    ['UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03', 'uuid'],
    ['uuid=5b2d7c1e', 'uuid'],
    ['LABEL=root', 'label'],
    ['PARTUUID=48324b44-01', 'partuuid'],
    ['PARTLABEL=EFI', 'partlabel'],
    ['/dev/sda1', 'device-name'],
    ['/dev/hdb3', 'device-name'],
    ['/dev/vda2', 'device-name'],
    ['/dev/xvda1', 'device-name'],
    ['/dev/nvme0n1p2', 'device-name'],
    ['/dev/cciss/c0d0p1', 'device-name'],
    ['/dev/disk/by-uuid/5b2d7c1e', 'by-uuid'],
    ['/dev/disk/by-label/root', 'by-label'],
    ['/dev/disk/by-partuuid/48324b44-01', 'by-partuuid'],
    ['/dev/disk/by-id/scsi-36000c29f1a2b3c4d5e6f-part1', 'by-id'],
    ['/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1', 'by-path'],
    ['/dev/mapper/rhel-root', 'mapper'],
    ['/dev/rhel/root', 'lvm'],
    ['/dev/md0', 'md'],
    ['nfs.example:/export', 'network'],
    ['//fileserver/share', 'network'],
    ['tmpfs', 'pseudo'],
    ['proc', 'pseudo'],
  ] as const)('%s is %s', (spec, style) => {
    expect(deviceStyle(spec)).toBe(style);
  });

  it('treats device names, by-path and by-id as unstable across the move, and the rest as stable', () => {
    expect(['device-name', 'by-path', 'by-id'].every((s) => isUnstableStyle(s as never))).toBe(true);
    expect(['uuid', 'label', 'partuuid', 'lvm', 'mapper', 'by-uuid'].some((s) => isUnstableStyle(s as never))).toBe(false);
  });
});

describe('parseFstab', () => {
  const sample = [
    '# /etc/fstab: static file system information.',
    '#',
    '# <file system> <mount point>   <type>  <options>       <dump>  <pass>',
    'UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 / ext4 errors=remount-ro 0 1',
    '/dev/sdb1\t/srv/data\txfs\tdefaults,nofail\t0\t2',
    '/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1 /mnt/My\\040Files ext4 defaults',
    '',
    'tmpfs /tmp tmpfs defaults 0 0',
    'broken-line-with-one-field',
  ].join('\n');

  it('reads every entry with its line number, style and unescaped fields', () => {
    const entries = parseFstab(sample);
    expect(entries.map((e) => [e.line, e.spec, e.style, e.mountpoint, e.vfstype, e.options, e.dump, e.pass])).toEqual([
      [4, 'UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03', 'uuid', '/', 'ext4', 'errors=remount-ro', 0, 1],
      [5, '/dev/sdb1', 'device-name', '/srv/data', 'xfs', 'defaults,nofail', 0, 2],
      [6, '/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1', 'by-path', '/mnt/My Files', 'ext4', 'defaults', null, null],
      [8, 'tmpfs', 'pseudo', '/tmp', 'tmpfs', 'defaults', 0, 0],
    ]);
  });

  it('knows nofail and noauto mounts do not stop the boot', () => {
    const [root, data] = parseFstab(sample);
    expect(isOptionalMount(root!)).toBe(false);
    expect(isOptionalMount(data!)).toBe(true);
    expect(isOptionalMount({ options: 'noauto,user' })).toBe(true);
  });

  it('reads crypttab device names', () => {
    expect(parseCrypttab('# comment\ncryptdata /dev/sdb2 none luks\ncryptswap UUID=1234 /dev/urandom swap\n')).toEqual([
      { line: 2, name: 'cryptdata', device: '/dev/sdb2', style: 'device-name' },
      { line: 3, name: 'cryptswap', device: 'UUID=1234', style: 'uuid' },
    ]);
  });
});

/** Three stanzas from the Debian test guest's /var/lib/dpkg/status, plus a removed package. */
const DPKG_STATUS = `Package: adduser
Status: install ok installed
Priority: important
Architecture: all
Multi-Arch: foreign
Version: 3.134
Depends: passwd
Conffiles:
 /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands for creating
 and removing users.
 .
 A custom script can be executed after each of the commands.

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u14
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: open-vm-tools
Status: install ok installed
Architecture: amd64
Version: 2:12.2.0-1+deb12u4
Description: Open VMware Tools for virtual machines hosted on VMware (CLI)

Package: vim-tiny
Status: deinstall ok config-files
Architecture: amd64
Source: vim (2:9.0.1378-2)
Version: 2:9.0.1378-2
Description: Vi IMproved - enhanced vi editor - compact version
`;

describe('packages', () => {
  it.each([
    ['3.134', { epoch: 0, version: '3.134', release: '' }],
    ['2.36-9+deb12u14', { epoch: 0, version: '2.36', release: '9+deb12u14' }],
    ['2:12.2.0-1+deb12u4', { epoch: 2, version: '12.2.0', release: '1+deb12u4' }],
    ['1:2.38.1-5-really-2', { epoch: 1, version: '2.38.1-5-really', release: '2' }],
  ])('splits the Debian version %s', (full, parts) => {
    expect(splitDebVersion(full)).toEqual(parts);
    expect(fullPackageVersion(parts)).toBe(full);
  });

  it('lists installed dpkg packages only, with versions split as libguestfs does', () => {
    const apps = parseDpkgStatus(DPKG_STATUS);
    expect(apps.map((a) => [a.name, a.epoch, a.version, a.release, a.arch])).toEqual([
      ['adduser', 0, '3.134', '', 'all'],
      ['libc6', 0, '2.36', '9+deb12u14', 'amd64'],
      ['open-vm-tools', 2, '12.2.0', '1+deb12u4', 'amd64'],
    ]);
    const [adduser, libc] = apps;
    expect(adduser!.summary).toBe('add and remove users and groups');
    expect(adduser!.description).toBe("This package includes the 'adduser' and 'deluser' commands for creating\nand removing users.\n\nA custom script can be executed after each of the commands.");
    expect(libc!.sourcePackage).toBe('glibc');
    expect(libc!.url).toBe('https://www.gnu.org/software/libc/libc.html');
    expect(apps.every((a) => a.origin === 'dpkg')).toBe(true);
  });

  it('reads the apk installed database', () => {
    const db = ['C:Q1abc=', 'P:musl', 'V:1.2.4-r2', 'A:x86_64', 'T:the musl c library', 'U:https://musl.libc.org/', 'o:musl', '', 'P:busybox', 'V:1.36.1-r5', 'A:x86_64', ''].join('\n');
    expect(parseApkInstalled(db)).toEqual([
      { name: 'musl', version: '1.2.4', release: 'r2', arch: 'x86_64', summary: 'the musl c library', url: 'https://musl.libc.org/', sourcePackage: 'musl', origin: 'apk' },
      { name: 'busybox', version: '1.36.1', release: 'r5', arch: 'x86_64', origin: 'apk' },
    ]);
  });
});

/** grub.cfg as update-grub writes it on Debian (trimmed), with a submenu. */
const GRUB_CFG = `#
# DO NOT EDIT THIS FILE
#
set default="0"
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-5b2d7c1e' {
	load_video
	insmod ext2
	echo	'Loading Linux 6.1.0-50-amd64 ...'
	linux	/boot/vmlinuz-6.1.0-50-amd64 root=UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 ro  quiet vmw_pvscsi.cmd_per_lun=254 elevator=noop
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-6.1.0-50-amd64
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-5b2d7c1e' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-49-amd64 (recovery mode)' --class debian {
		linux	/boot/vmlinuz-6.1.0-49-amd64 root=/dev/sda1 ro single
		initrd	/boot/initrd.img-6.1.0-49-amd64
	}
}
`;

describe('boot loader', () => {
  it('splits shell words with quotes', () => {
    expect(shellWords(`menuentry 'Debian GNU/Linux' --class "a b" x\\ y`)).toEqual(['menuentry', 'Debian GNU/Linux', '--class', 'a b', 'x y']);
  });

  it('reads menuentries from grub.cfg, including those inside submenus', () => {
    expect(parseGrubCfg(GRUB_CFG)).toEqual([
      {
        title: 'Debian GNU/Linux',
        kernel: '/boot/vmlinuz-6.1.0-50-amd64',
        initrd: '/boot/initrd.img-6.1.0-50-amd64',
        cmdline: 'root=UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 ro quiet vmw_pvscsi.cmd_per_lun=254 elevator=noop',
        line: 9,
      },
      { title: 'Debian GNU/Linux, with Linux 6.1.0-49-amd64 (recovery mode)', kernel: '/boot/vmlinuz-6.1.0-49-amd64', initrd: '/boot/initrd.img-6.1.0-49-amd64', cmdline: 'root=/dev/sda1 ro single', line: 15 },
    ]);
  });

  it('reads GRUB legacy menu.lst and BLS entries', () => {
    const legacy = 'default=0\ntitle CentOS (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=/dev/mapper/vg-root rhgb quiet\n\tinitrd /initramfs-2.6.32-754.el6.x86_64.img\n';
    expect(parseGrubLegacy(legacy)).toEqual([
      { title: 'CentOS (2.6.32-754.el6.x86_64)', kernel: '/vmlinuz-2.6.32-754.el6.x86_64', initrd: '/initramfs-2.6.32-754.el6.x86_64.img', cmdline: 'ro root=/dev/mapper/vg-root rhgb quiet', line: 4 },
    ]);
    const bls = 'title Red Hat Enterprise Linux (5.14.0-362.el9.x86_64) 9.3\nversion 5.14.0-362.el9.x86_64\nlinux /vmlinuz-5.14.0-362.el9.x86_64\ninitrd /initramfs-5.14.0-362.el9.x86_64.img $tuned_initrd\noptions root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M\n';
    expect(parseBlsEntry(bls, 'x.conf')).toEqual({
      title: 'Red Hat Enterprise Linux (5.14.0-362.el9.x86_64) 9.3',
      kernel: '/vmlinuz-5.14.0-362.el9.x86_64',
      initrd: '/initramfs-5.14.0-362.el9.x86_64.img $tuned_initrd',
      cmdline: 'root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M',
      line: 5,
    });
  });

  it('reads /etc/default/grub assignments', () => {
    const text = '# comment\nGRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_CMDLINE_LINUX=\'console=tty0 console=ttyS0,115200n8\'\nexport GRUB_TERMINAL="console serial"\n';
    expect(parseDefaultGrub(text)).toEqual({
      GRUB_DEFAULT: '0',
      GRUB_TIMEOUT: '5',
      GRUB_CMDLINE_LINUX_DEFAULT: 'quiet splash',
      GRUB_CMDLINE_LINUX: 'console=tty0 console=ttyS0,115200n8',
      GRUB_TERMINAL: 'console serial',
    });
  });

  it.each([
    ['root=UUID=x ro quiet', []],
    ['root=UUID=x ro vmw_pvscsi.cmd_per_lun=254 vmwgfx.enable_fbdev=1', ['vmw_pvscsi.cmd_per_lun=254', 'vmwgfx.enable_fbdev=1']],
    ['ro divider=10 notsc clocksource=acpi_pm', ['divider=10', 'notsc', 'clocksource=acpi_pm']],
    ['ro modprobe.blacklist=virtio_blk,floppy', ['modprobe.blacklist=virtio_blk,floppy']],
    ['ro modprobe.blacklist=floppy', []],
  ])('VMware-specific parameters of "%s"', (cmdline, expected) => {
    expect(vmwareKernelParams(cmdline)).toEqual(expected);
  });

  it.each([
    ['ro console=tty0 console=ttyS0,115200n8', {}, true],
    ['ro quiet', {}, false],
    ['ro quiet', { GRUB_TERMINAL: 'serial', GRUB_CMDLINE_LINUX: 'console=ttyS1' }, true],
  ] as const)('serial console in "%s"', (cmdline, defaults, expected) => {
    expect(hasSerialConsole(cmdline, defaults)).toBe(expected);
  });

  it('describes the boot loader from the files found', () => {
    const bl = describeBootloader({ grubCfg: { path: '/boot/grub/grub.cfg', text: GRUB_CFG }, defaultGrub: { path: '/etc/default/grub', text: 'GRUB_CMDLINE_LINUX="notsc"\n' } });
    expect(bl.kind).toBe('grub2');
    expect(bl.configPath).toBe('/boot/grub/grub.cfg');
    expect(bl.entries).toHaveLength(2);
    expect(bl.kernelCmdline).toBe('root=UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 ro quiet vmw_pvscsi.cmd_per_lun=254 elevator=noop');
    expect(bl.vmwareParams).toEqual(['vmw_pvscsi.cmd_per_lun=254', 'notsc']);
    expect(bl.serialConsole).toBe(false);
    expect(describeBootloader({}).kind).toBe('none');
    // RHEL 8+: grub.cfg only runs blscfg; the entries are the BLS files.
    const rhel = describeBootloader({
      grubCfg: { path: '/boot/grub2/grub.cfg', text: 'insmod blscfg\nblscfg\n' },
      blsEntries: [{ path: '/boot/loader/entries/a.conf', text: 'title RHEL\nlinux /vmlinuz-5.14\noptions root=/dev/mapper/rhel-root ro console=ttyS0\n' }],
    });
    expect(rhel.entries.map((e) => e.title)).toEqual(['RHEL']);
    expect(rhel.serialConsole).toBe(true);
  });
});
