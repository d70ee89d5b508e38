import { describe, expect, it } from 'vitest';
import { GuestTree } from '../../../electron/engine/appliance/guest-tree';
import {
  cloudInitState,
  compareVersions,
  defaultTarget,
  describeKernels,
  enabledUnits,
  initramfsFor,
  kernelVersions,
  linuxFacts,
  selinuxState,
  vmwareToolsPresence,
} from '../../../electron/engine/inspect/linux/facts';
import type { Application } from '../../../shared/contract/models/inspection';

function tree(files: Record<string, string>, links: Record<string, string> = {}): GuestTree {
  const t = new GuestTree();
  for (const [path, text] of Object.entries(files)) t.addFile(path, Buffer.from(text));
  for (const [path, target] of Object.entries(links)) t.addSymlink(path, target);
  return t;
}

describe('kernels and virtio in their initramfs', () => {
  it.each([
    ['6.1.0-50-amd64', ['vmlinuz-6.1.0-50-amd64', 'initrd.img-6.1.0-50-amd64'], 'initrd.img-6.1.0-50-amd64'],
    ['5.14.0-362.el9.x86_64', ['vmlinuz-5.14.0-362.el9.x86_64', 'initramfs-5.14.0-362.el9.x86_64.img'], 'initramfs-5.14.0-362.el9.x86_64.img'],
    ['5.14.21-150500.55-default', ['vmlinuz-5.14.21-150500.55-default', 'initrd-5.14.21-150500.55-default'], 'initrd-5.14.21-150500.55-default'],
    ['6.1.0-9-amd64', ['vmlinuz-6.1.0-9-amd64'], null],
  ])('initramfs of %s', (version, files, expected) => {
    expect(initramfsFor(version, files)).toBe(expected);
  });

  it('lists kernels newest first, without rescue images', () => {
    const boot = ['vmlinuz-6.1.0-9-amd64', 'vmlinuz-6.1.0-50-amd64', 'vmlinuz-0-rescue-4f1e', 'config-6.1.0-50-amd64', 'grub'];
    expect(kernelVersions(boot).map((k) => k.version)).toEqual(['6.1.0-50-amd64', '6.1.0-9-amd64']);
    expect(compareVersions('5.14.0-362.el9', '5.14.0-70.el9')).toBeGreaterThan(0);
  });

  const debianModules = (modules: string[]): string[] => modules.map((m) => `usr/lib/modules/6.1.0-50-amd64/kernel/drivers/${m}`);

  it.each([
    {
      name: 'Debian: all three as modules in the initramfs',
      contents: debianModules(['virtio/virtio_pci.ko', 'block/virtio_blk.ko', 'scsi/virtio_scsi.ko']),
      builtin: '',
      expected: { virtio_pci: 'in-initramfs', virtio_blk: 'in-initramfs', virtio_scsi: 'in-initramfs' },
      bootable: true,
    },
    {
      name: 'built into the kernel (modules.builtin), compressed modules elsewhere',
      contents: ['lib/modules/5.14/kernel/drivers/block/virtio_blk.ko.xz'],
      builtin: 'kernel/drivers/virtio/virtio_pci.ko\n',
      expected: { virtio_pci: 'built-in', virtio_blk: 'in-initramfs', virtio_scsi: 'missing' },
      bootable: true,
    },
    {
      name: 'a host-only initramfs made on VMware (no virtio at all)',
      contents: debianModules(['scsi/vmw_pvscsi.ko', 'message/fusion/mptspi.ko']),
      builtin: '',
      expected: { virtio_pci: 'missing', virtio_blk: 'missing', virtio_scsi: 'missing' },
      bootable: false,
    },
    {
      name: 'initramfs could not be listed',
      contents: null,
      builtin: null,
      expected: { virtio_pci: 'unknown', virtio_blk: 'unknown', virtio_scsi: 'unknown' },
      bootable: null,
    },
  ])('$name', ({ contents, builtin, expected, bootable }) => {
    const [kernel] = describeKernels({
      bootFiles: ['vmlinuz-6.1.0-50-amd64', 'initrd.img-6.1.0-50-amd64'],
      moduleDirs: ['6.1.0-50-amd64'],
      builtin: { '6.1.0-50-amd64': builtin },
      initramfsContents: { 'initrd.img-6.1.0-50-amd64': contents },
    });
    expect(kernel).toMatchObject({ version: '6.1.0-50-amd64', vmlinuz: '/boot/vmlinuz-6.1.0-50-amd64', initramfs: '/boot/initrd.img-6.1.0-50-amd64', modules: true });
    expect(kernel!.virtio).toEqual(expected);
    expect(kernel!.virtioBootable).toBe(bootable);
  });
});

describe('systemd, SELinux, cloud-init, VMware Tools', () => {
  const guest = tree(
    {
      '/etc/selinux/config': '# comment\nSELINUX=enforcing\nSELINUXTYPE=targeted\n',
      '/etc/cloud/cloud.cfg': 'users: [default]\n',
      '/etc/cloud/cloud.cfg.d/90_dpkg.cfg': 'datasource_list: [ NoCloud, ConfigDrive, None ]\n',
      '/usr/bin/vmtoolsd': '',
    },
    {
      '/etc/systemd/system/default.target': '/lib/systemd/system/multi-user.target',
      '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service': '/lib/systemd/system/open-vm-tools.service',
      '/etc/systemd/system/multi-user.target.wants/ssh.service': '/lib/systemd/system/ssh.service',
      '/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service': '/lib/systemd/system/systemd-timesyncd.service',
      '/etc/systemd/system/open-vm-tools.service.requires/vgauth.service': '/lib/systemd/system/vgauth.service',
      '/lib/systemd/system/default.target': 'graphical.target',
    },
  );

  it('lists enabled units from the wants/requires links, and the default target', () => {
    expect(enabledUnits(guest).map((u) => `${u.wantedBy} → ${u.unit}`)).toEqual([
      'multi-user.target → open-vm-tools.service',
      'multi-user.target → ssh.service',
      'open-vm-tools.service → vgauth.service',
      'sysinit.target → systemd-timesyncd.service',
    ]);
    expect(defaultTarget(guest)).toBe('multi-user.target');
    expect(defaultTarget(tree({}, { '/lib/systemd/system/default.target': 'graphical.target' }))).toBe('graphical.target');
  });

  it.each([
    ['enforcing config', 'SELINUX=enforcing\nSELINUXTYPE=targeted\n', null, { mode: 'enforcing', policy: 'targeted' }],
    ['selinux=0 on the command line wins', 'SELINUX=enforcing\n', 'ro selinux=0', { mode: 'disabled', policy: null }],
    ['enforcing=0 makes it permissive', 'SELINUX=enforcing\n', 'ro enforcing=0', { mode: 'permissive', policy: null }],
    ['no config', null, null, { mode: 'absent', policy: null }],
  ] as const)('SELinux: %s', (_name, config, cmdline, expected) => {
    expect(selinuxState(tree(config === null ? {} : { '/etc/selinux/config': config }), cmdline)).toEqual(expected);
  });

  it('cloud-init: present, with its data sources; disabled by marker file or kernel parameter', () => {
    expect(cloudInitState(guest, [], null)).toEqual({ present: true, disabled: false, datasources: ['NoCloud', 'ConfigDrive', 'None'] });
    expect(cloudInitState(tree({ '/etc/cloud/cloud-init.disabled': '' }), [{ name: 'cloud-init', version: '23.1', origin: 'dpkg' }], null)).toMatchObject({ present: true, disabled: true });
    expect(cloudInitState(tree({}), [], 'ro cloud-init=disabled')).toEqual({ present: false, disabled: true, datasources: [] });
  });

  it('VMware Tools from packages, files and enabled units', () => {
    const apps: Application[] = [{ name: 'open-vm-tools', version: '12.2.0', origin: 'dpkg' }];
    const presence = vmwareToolsPresence(guest, apps, enabledUnits(guest));
    expect(presence.present).toBe(true);
    expect(presence.evidence).toEqual([
      { note: 'package open-vm-tools 12.2.0' },
      { path: '/usr/bin/vmtoolsd' },
      { path: '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service', note: 'enabled for multi-user.target' },
      { path: '/etc/systemd/system/open-vm-tools.service.requires/vgauth.service', note: 'enabled for open-vm-tools.service' },
    ]);
    expect(vmwareToolsPresence(tree({}), [], []).present).toBe(false);
  });

  it('assembles Linux facts and network configuration from the tree', () => {
    const t = tree(
      {
        '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
        '/etc/network/interfaces': 'auto lo\niface lo inet loopback\nauto ens192\niface ens192 inet dhcp\n',
        '/etc/systemd/network/10-ens192.link': '[Match]\nMACAddress=00:50:56:8a:2f:11\n[Link]\nName=ens192\n',
        '/boot/grub/grub.cfg': "menuentry 'Debian' {\n linux /boot/vmlinuz-6.1.0-50-amd64 root=/dev/sda1 ro quiet\n initrd /boot/initrd.img-6.1.0-50-amd64\n}\n",
      },
      { '/etc/systemd/system/default.target': '/lib/systemd/system/graphical.target' },
    );
    const { facts, network } = linuxFacts({ tree: t, applications: [], kernels: { bootFiles: ['vmlinuz-6.1.0-50-amd64'], moduleDirs: [], builtin: {}, initramfsContents: {} } });
    expect(facts.fstab[0]!.style).toBe('device-name');
    expect(facts.bootloader.kernelCmdline).toBe('root=/dev/sda1 ro quiet');
    // default.target links to a graphical.target the tree lacks: a dangling alias, not listed (systemctl says "bad").
    // The fstab line is a unit all the same, once systemd-fstab-generator has run at boot (not a
    // unit file systemctl --root would list: compared apart).
    const { chains, unitFiles, ...systemd } = facts.systemd!;
    expect({ ...systemd, unitFiles: unitFiles.filter((u) => u.state !== 'generated') }).toEqual({ defaultTarget: 'graphical.target', enabledUnits: [], unitFiles: [], timers: [], sockets: [] });
    expect(unitFiles).toEqual([{ unit: '-.mount', type: 'mount', state: 'generated', path: '/etc/fstab', wantedBy: ['local-fs.target'], description: 'Root Mount' }]);
    // Nothing installed: every repair unit says so (cloud-init's are only listed when installed).
    expect(chains?.every((c) => c.reason === 'not installed: no unit file of this name')).toBe(true);
    expect(chains?.map((c) => c.unit)).toContain('networking.service');
    expect(facts.kernels.map((k) => [k.version, k.initramfs, k.modules])).toEqual([['6.1.0-50-amd64', null, false]]);
    expect(network.map((n) => [n.source, n.interface, n.mac, n.setsName, n.method])).toEqual([
      ['ifupdown', 'ens192', null, null, 'dhcp'],
      ['systemd-link', null, '00:50:56:8a:2f:11', 'ens192', 'none'],
    ]);
  });
});
