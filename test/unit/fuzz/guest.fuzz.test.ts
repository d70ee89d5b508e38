import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { describeBootloader, parseBlsEntry, parseDefaultGrub, parseGrubCfg, parseGrubLegacy, shellWords } from '../../../electron/engine/guest/linux/bootloader';
import { parseCrypttab, parseFstab } from '../../../electron/engine/guest/linux/fstab';
import { readCpioNames } from '../../../electron/engine/inspect/linux/initramfs';
import { parseNetworkFile } from '../../../electron/engine/guest/linux/network';
import { parseApkInstalled, parseDpkgStatus } from '../../../electron/engine/inspect/linux/packages';
import { controlSetName, windowsFacts } from '../../../electron/engine/inspect/windows/facts';
import { parseRegText, RegTree } from '../../../electron/engine/inspect/windows/registry';
import { fuzzParameters, fuzzTimeout, mutatedBytes, mutatedText, reportSeed, resultOrErrorValue } from './harness';

/**
 * Issue 11: the parsers of files read from a guest's disk (whoever owned the VM wrote them) and of
 * the registry values hivex prints, fed mutated realistic samples.
 */

reportSeed();

const FSTAB = `# /etc/fstab: static file system information.
UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 /               ext4    errors=remount-ro 0       1
UUID=1A2B-3C4D  /boot/efi       vfat    umask=0077      0       1
/dev/mapper/rhel-swap   none    swap    sw,nofail      0       0
LABEL=data /srv xfs defaults,x-systemd.device-timeout=0 0 2
nfs.example:/export /mnt/nfs nfs _netdev,noauto 0 0
/dev/sdb1\\040with\\040space /mnt/odd ext4 defaults 0 0
tmpfs /tmp tmpfs mode=1777 0 0
`;
const CRYPTTAB = `# <target name> <source device> <key file> <options>
luks-5b2d UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 none luks,discard
swap /dev/sdb2 /dev/urandom swap,cipher=aes-xts-plain64
`;

const NETWORK: Array<[string, string]> = [
  ['/etc/network/interfaces', 'auto lo\niface lo inet loopback\n\nallow-hotplug ens192\niface ens192 inet static\n    address 10.20.30.40/24\n    gateway 10.20.30.1\n    dns-nameservers 10.20.30.2 10.20.30.3\n    hwaddress ether 00:50:56:8a:2f:11\niface ens192 inet6 auto\nsource /etc/network/interfaces.d/*\n'],
  ['/etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n  ethernets:\n    ens160:\n      match:\n        macaddress: "00:50:56:aa:bb:cc"\n      set-name: ens160\n      dhcp4: false\n      addresses: [192.168.1.10/24, "fe80::1/64"]\n      routes:\n        - to: default\n          via: 192.168.1.1\n      nameservers:\n        addresses: [1.1.1.1]\n  bonds:\n    bond0:\n      interfaces: [ens192, ens224]\n'],
  ['/etc/NetworkManager/system-connections/Wired.nmconnection', '[connection]\nid=Wired connection 1\nuuid=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03\ntype=ethernet\ninterface-name=ens192\n\n[ethernet]\nmac-address=00:50:56:8A:2F:11\n\n[ipv4]\naddress1=10.20.30.40/24,10.20.30.1\ndns=10.20.30.2;\nmethod=manual\n\n[ipv6]\nmethod=auto\n'],
  ['/etc/sysconfig/network-scripts/ifcfg-ens192', 'TYPE=Ethernet\nBOOTPROTO=none\nNAME=ens192\nDEVICE=ens192\nONBOOT=yes\nHWADDR="00:50:56:8a:2f:11"\nIPADDR=10.20.30.40\nNETMASK=255.255.255.0\nGATEWAY=10.20.30.1\nDNS1=10.20.30.2\nIPV6INIT=yes\n'],
  ['/etc/systemd/network/10-ens192.network', '[Match]\nName=ens192\nMACAddress=00:50:56:8a:2f:11\n\n[Network]\nAddress=10.20.30.40/24\nGateway=10.20.30.1\nDNS=10.20.30.2\nDHCP=ipv6\n'],
  ['/etc/systemd/network/10-ens192.link', '[Match]\nMACAddress=00:50:56:8a:2f:11\n\n[Link]\nName=ens192\n'],
  ['/etc/udev/rules.d/70-persistent-net.rules', 'SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="00:50:56:8a:2f:11", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"\n'],
];

const GRUB_CFG = `set default="0"
if [ -s $prefix/grubenv ]; then
  load_env
fi
terminal_input serial console
serial --unit=0 --speed=115200
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-5b2d' {
	insmod ext2
	search --no-floppy --fs-uuid --set=root 5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03
	linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03 ro console=tty0 console=ttyS0,115200n8 quiet
	initrd	/boot/initrd.img-6.1.0-18-amd64
}
submenu 'Advanced options for Debian GNU/Linux' {
	menuentry "Debian GNU/Linux, with Linux 6.1.0-18-amd64 (recovery mode)" {
		linux	/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro single vga=791 "quoted arg" 'x y'
		initrd	/boot/initrd.img-6.1.0-18-amd64
	}
}
blscfg
`;
const GRUB_LEGACY = `default=0
timeout=5
serial --unit=0 --speed=9600
title CentOS (2.6.32-754.el6.x86_64)
	root (hd0,0)
	kernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=/dev/mapper/vg-root rd_NO_LUKS crashkernel=auto rhgb quiet
	initrd /initramfs-2.6.32-754.el6.x86_64.img
`;
const BLS = `title Red Hat Enterprise Linux (4.18.0-513.el8.x86_64) 8.9 (Ootpa)
version 4.18.0-513.el8.x86_64
linux /vmlinuz-4.18.0-513.el8.x86_64
initrd /initramfs-4.18.0-513.el8.x86_64.img $tuned_initrd
options root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root $tuned_params
id rhel-20231106-4.18.0-513.el8.x86_64
grub_users $grub_users
grub_arg --unrestricted
grub_class kernel
`;
const DEFAULT_GRUB = `GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8 net.ifnames=0 'single quoted'"
export GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --speed=115200 --unit=0"
`;
const DPKG_STATUS = `Package: open-vm-tools
Status: install ok installed
Priority: extra
Section: admin
Installed-Size: 2480
Maintainer: Bernd Zeimetz <bzed@debian.org>
Architecture: amd64
Version: 2:12.2.0-1+deb12u1
Depends: init-system-helpers (>= 1.52), libc6 (>= 2.34)
Description: Open VMware Tools for virtual machines hosted on VMware (CLI)
 The Open Virtual Machine Tools (open-vm-tools) are the open source
 .
 implementation of VMware Tools.

Package: linux-image-6.1.0-18-amd64
Status: deinstall ok config-files
Version: 6.1.76-1
Architecture: amd64
`;
const APK_INSTALLED = `C:Q1abcdefghijklmnopqrstuvwxyz0=
P:musl
V:1.2.4-r2
A:x86_64
S:383304
I:622592
T:the musl c library (libc) implementation
o:musl
t:1698951207

P:open-vm-tools
V:12.3.0-r0
A:x86_64
`;

describe('fuzz: Linux guest configuration files', () => {
  it('fstab and crypttab', () => {
    fc.assert(
      fc.property(mutatedText([FSTAB, CRYPTTAB]), (text) => {
        resultOrErrorValue('parseFstab', () => parseFstab(text));
        resultOrErrorValue('parseCrypttab', () => parseCrypttab(text));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('network configuration of every tool, each under its own path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NETWORK.keys()), mutatedText(NETWORK.map(([, text]) => text)), (index, text) => {
        const [path] = NETWORK[index]!;
        resultOrErrorValue(`parseNetworkFile ${path}`, () => parseNetworkFile(path, text));
      }),
      fuzzParameters({ weight: 2 }),
    );
  }, fuzzTimeout({ weight: 2 }));

  it('boot loaders: grub.cfg, menu.lst, BLS entries, /etc/default/grub', () => {
    fc.assert(
      fc.property(mutatedText([GRUB_CFG, GRUB_LEGACY, BLS, DEFAULT_GRUB]), fc.constantFrom('grub2', 'legacy', 'bls', 'words'), (text, kind) => {
        resultOrErrorValue('parseGrubCfg', () => parseGrubCfg(text));
        resultOrErrorValue('parseGrubLegacy', () => parseGrubLegacy(text));
        resultOrErrorValue('parseBlsEntry', () => parseBlsEntry(text, 'fuzz.conf'));
        resultOrErrorValue('parseDefaultGrub', () => parseDefaultGrub(text));
        resultOrErrorValue('shellWords', () => shellWords(text));
        const file = { path: '/boot/grub/grub.cfg', text };
        resultOrErrorValue('describeBootloader', () =>
          describeBootloader(
            kind === 'grub2'
              ? { grubCfg: file, defaultGrub: { path: '/etc/default/grub', text } }
              : kind === 'legacy'
                ? { grubLegacy: file }
                : kind === 'bls'
                  ? { grubCfg: { path: '/boot/grub2/grub.cfg', text: 'blscfg\n' }, blsEntries: [file, file] }
                  : { extlinux: file },
          ),
        );
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('package databases (dpkg status, apk installed)', () => {
    fc.assert(
      fc.property(mutatedText([DPKG_STATUS, APK_INSTALLED]), (text) => {
        resultOrErrorValue('parseDpkgStatus', () => parseDpkgStatus(text));
        resultOrErrorValue('parseApkInstalled', () => parseApkInstalled(text));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());

  it('initramfs cpio (newc) headers', () => {
    const newc = (name: string, data: string): Buffer => {
      const nameBytes = `${name}\0`;
      const fields = [1, 0o100644, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map((n) => n.toString(16).padStart(8, '0')).join('');
      const header = `070701${fields}${nameBytes}`;
      const pad = (s: string): string => s + '\0'.repeat((4 - (s.length % 4)) % 4);
      return Buffer.from(pad(header) + pad(data), 'latin1');
    };
    const archive = Buffer.concat([newc('usr/lib/modules/6.1.0/kernel/drivers/virtio/virtio_pci.ko', 'x'.repeat(37)), newc('init', '#!/bin/sh\n'), newc('TRAILER!!!', '')]);
    fc.assert(
      fc.property(mutatedBytes([archive], [6, 14, 22, 54, 62, 94, 102]), (bytes) => {
        resultOrErrorValue('readCpioNames', () => readCpioNames(bytes));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});

describe('fuzz: Windows registry values (as hivexregedit and hivexget print them)', () => {
  const regDir = new URL('../../fixtures/windows/reg/', import.meta.url);
  // The fixtures are written for `hivexregedit --merge --prefix HKLM\\…`; exports name keys from the hive root.
  const exports = readdirSync(regDir)
    .sort()
    .map((name) => readFileSync(new URL(name, regDir), 'utf8').replace(/^\[HKEY_LOCAL_MACHINE\\(SYSTEM|SOFTWARE)/gm, '['));
  const values = ['"CurrentBuild"="17763"\n"InstallDate"=dword:5e6ca418\n"InstallTime"=hex(11):00,c0,7d,3d,63,f6,d5,01\n"ComSpec"=str(2):"%SystemRoot%\\\\system32\\\\cmd.exe"\n"Multi"=hex(7):31,00,00,00,00,00\n'];

  it('text → keys and typed values → the Windows facts', () => {
    fc.assert(
      fc.property(mutatedText([...exports, ...values]), fc.constantFrom(10 as const, 16 as const), (text, radix) => {
        const parsed = resultOrErrorValue('parseRegText', () => parseRegText(text, radix));
        if (!parsed.ok) return;
        const tree = parsed.value;
        const merged = new RegTree();
        merged.merge(tree);
        resultOrErrorValue('windowsFacts', () => windowsFacts({ system: merged, software: merged, controlSet: controlSetName(merged), systemRoot: '/Windows', hiberfil: { present: true, header: null } }));
      }),
      fuzzParameters(),
    );
  }, fuzzTimeout());
});
