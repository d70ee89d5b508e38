import { describe, expect, it } from 'vitest';
import { editedText } from '../../../electron/engine/repair/draft';
import type { FixDraft } from '../../../electron/engine/repair/draft';
import { planLinuxRepair } from '../../../electron/engine/repair/linux/plan';
import { decide } from '../../../electron/engine/repair/select';
import { RepairOptions } from '../../../shared/contract/models/repair';
import type { FixId } from '../../../shared/contract/models/repair';
import { cleanDebianFiles, DEFAULT_GRUB, fs, grubCfg, initramfsListing, KERNEL, linuxGuest, ROOT_UUID } from '../../support/linux-guest';
import type { GuestSpec } from '../../support/linux-guest';

const BOOT_UUID = '0b7c2e4a-96d1-4c3f-8e25-7a1d3f6b9c20';
const SWAP_UUID = 'f3e1c2d4-1111-4a2b-9c3d-0e1f2a3b4c5d';
const BTRFS_UUID = '9a4e1c7b-2f38-4d65-b0c1-5e8d7a3f2b61';

function status(spec: GuestSpec): Record<string, string> {
  const { plan } = planLinuxRepair(linuxGuest(spec));
  return Object.fromEntries(plan.fixes.map((f) => [f.id, f.status]));
}

function draft(spec: GuestSpec, id: FixId): FixDraft {
  const found = planLinuxRepair(linuxGuest(spec)).drafts.find((d) => d.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

/** The file as it is after a fix's edits. */
function after(spec: GuestSpec, id: FixId, path: string): string | null {
  const d = draft(spec, id);
  const current = spec.files[path];
  return editedText(path, d.edits, typeof current === 'string' ? current : null);
}

const sdxGpt: GuestSpec = {
  files: {
    ...cleanDebianFiles(),
    '/etc/fstab': `# <file system> <mount point> <type> <options> <dump> <pass>\n/dev/sda3 / ext4 errors=remount-ro 0 1\n/dev/sda2 /boot ext4 defaults,x-systemd.device-timeout=5s 0 2\n# swap was on /dev/sda4 during installation\n/dev/sda4 none swap sw 0 0\n`,
    '/boot/grub/grub.cfg': grubCfg('root=/dev/sda3 ro console=tty0 console=ttyS0,115200n8 rootdelay=5'),
  },
  filesystems: [fs('/dev/sda2', 'ext4', BOOT_UUID, '/boot'), fs('/dev/sda3', 'ext4', ROOT_UUID, '/'), fs('/dev/sda4', 'swap', SWAP_UUID)],
  mountpoints: [
    { device: '/dev/sda3', path: '/' },
    { device: '/dev/sda2', path: '/boot' },
  ],
};

describe('Linux repair plan', () => {
  it('plans nothing for a clean guest (UUIDs everywhere, virtio in the initramfs, MAC kept)', () => {
    const plan = planLinuxRepair(linuxGuest({ files: cleanDebianFiles() })).plan;
    expect(plan.fixes.filter((f) => f.status === 'planned')).toEqual([]);
    expect(plan.blockers).toEqual([]);
    expect(plan.fixes.map((f) => f.id)).toContain('fstab-use-uuid');
  });

  it('rewrites every fstab entry by /dev/sdX to UUID=, keeping options, comments and order', () => {
    expect(after(sdxGpt, 'fstab-use-uuid', '/etc/fstab')).toBe(
      `# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\nUUID=${BOOT_UUID} /boot ext4 defaults,x-systemd.device-timeout=5s 0 2\n# swap was on /dev/sda4 during installation\nUUID=${SWAP_UUID} none swap sw 0 0\n`,
    );
    const planned = planLinuxRepair(linuxGuest(sdxGpt)).plan.fixes.find((f) => f.id === 'fstab-use-uuid')!;
    expect(planned.changes).toHaveLength(1);
    expect(planned.changes[0]!.diff).toContain('\n-/dev/sda3 / ext4 errors=remount-ro 0 1\n-/dev/sda2 /boot');
    expect(planned.changes[0]!.diff).toContain(`\n+UUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\n+UUID=${BOOT_UUID} /boot`);
    expect(planned.changes[0]!.backup).toBe('/etc/fstab.hyper2kvm-orig');
  });

  it('regenerates GRUB when grub.cfg boots root=/dev/sdX, without touching /etc/default/grub that has no root=', () => {
    const d = draft(sdxGpt, 'regenerate-bootloader');
    expect(d.status).toBe('planned');
    expect(d.commands.map((c) => c.argv)).toEqual([['/usr/sbin/grub-mkconfig', '-o', '/boot/grub/grub.cfg']]);
    expect(d.edits).toEqual([]);
    expect(d.reason).toContain(`root=/dev/sda3 → root=UUID=${ROOT_UUID}`);
  });

  it('edits root= and resume= in /etc/default/grub and re-enables UUIDs the generator was told not to use', () => {
    const spec: GuestSpec = {
      ...sdxGpt,
      files: {
        ...sdxGpt.files,
        '/etc/default/grub': `${DEFAULT_GRUB.replace('GRUB_CMDLINE_LINUX=""', 'GRUB_CMDLINE_LINUX="root=/dev/sda3 resume=/dev/sda4 net.ifnames=0"')}GRUB_DISABLE_LINUX_UUID=true\n`,
      },
    };
    const text = after(spec, 'regenerate-bootloader', '/etc/default/grub')!;
    expect(text).toContain(`GRUB_CMDLINE_LINUX="root=UUID=${ROOT_UUID} resume=UUID=${SWAP_UUID} net.ifnames=0"`);
    expect(text).toMatch(/^#GRUB_DISABLE_LINUX_UUID=true$/m);
    expect(text).not.toMatch(/^GRUB_DISABLE_LINUX_UUID/m);
  });

  it('edits grub.cfg itself when the guest has no generator', () => {
    const spec: GuestSpec = { ...sdxGpt, present: ['/usr/sbin/update-initramfs'] };
    expect(after(spec, 'regenerate-bootloader', '/boot/grub/grub.cfg')).toContain(`root=UUID=${ROOT_UUID} ro console=tty0`);
  });

  it('writes boot code only when the boot disk has none, and refuses on GPT without a BIOS boot partition', () => {
    const noCode = { ...cleanDebianFiles() };
    const withoutCode: GuestSpec = { files: noCode, diskHeads: { '/dev/sda': Buffer.alloc(512) } };
    expect(draft(withoutCode, 'regenerate-bootloader').commands.map((c) => c.argv)).toEqual([['/usr/sbin/grub-install', '--target=i386-pc', '/dev/sda']]);
    expect(draft(withoutCode, 'regenerate-bootloader').commands[0]!.rootOnly).toBe(true);
    const gpt: GuestSpec = {
      ...withoutCode,
      disks: [{ id: 'disk1', path: '/x', format: 'qcow2', device: '/dev/sda', virtualSize: 1, allocatedSize: 1, partitionTable: 'gpt', partitions: [{ device: '/dev/sda1', number: 1, start: 1048576, size: 1, type: '0fc63daf-8483-4772-8e79-3d69d8477de4', typeName: 'Linux filesystem', bootable: null, name: null }], logicalSectorSize: null, physicalSectorSize: null, readOnly: null }],
    };
    expect(draft(gpt, 'regenerate-bootloader')).toMatchObject({ status: 'blocked' });
    expect(status({ files: cleanDebianFiles() })['regenerate-bootloader']).toBe('not-needed');
  });

  it('adds the virtio drivers to initramfs-tools and rebuilds only the kernel that lacks them', () => {
    const OLD = '6.1.0-9-amd64';
    const spec: GuestSpec = {
      files: { ...cleanDebianFiles(), '/etc/initramfs-tools/modules': '# List of modules\nvmw_pvscsi\nsd_mod\n' },
      kernels: {
        bootFiles: [`vmlinuz-${KERNEL}`, `initrd.img-${KERNEL}`, `vmlinuz-${OLD}`, `initrd.img-${OLD}`],
        moduleDirs: [KERNEL, OLD],
        initramfsContents: { [`initrd.img-${KERNEL}`]: initramfsListing(false), [`initrd.img-${OLD}`]: initramfsListing(true) },
        builtin: { [KERNEL]: 'kernel/drivers/virtio/virtio.ko\n' },
      },
    };
    const d = draft(spec, 'rebuild-initramfs');
    expect(d.status).toBe('planned');
    expect(d.commands.map((c) => c.argv)).toEqual([['/usr/sbin/update-initramfs', '-u', '-k', KERNEL]]);
    expect(after(spec, 'rebuild-initramfs', '/etc/initramfs-tools/modules')).toBe('# List of modules\nvmw_pvscsi\nsd_mod\n# Added by hyper2kvm: the drivers this guest needs to find its disk on KVM.\nvirtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\n');
  });

  it('uses a dracut drop-in on dracut guests, and refuses to rebuild with /boot nearly full', () => {
    const lacking = { initramfsContents: { [`initrd.img-${KERNEL}`]: initramfsListing(false) } };
    const dracut: GuestSpec = { files: { ...cleanDebianFiles(), '/etc/initramfs-tools/modules': '' }, kernels: lacking, present: ['/usr/bin/dracut', '/usr/sbin/grub2-mkconfig'] };
    delete dracut.files['/etc/initramfs-tools/modules'];
    delete dracut.files['/etc/initramfs-tools/initramfs.conf'];
    const d = draft(dracut, 'rebuild-initramfs');
    expect(d.edits.map((e) => [e.path, e.kind])).toEqual([['/etc/dracut.conf.d/90-hyper2kvm-virtio.conf', 'create']]);
    expect(editedText('/etc/dracut.conf.d/90-hyper2kvm-virtio.conf', d.edits, null)).toContain('add_drivers+=" virtio_pci virtio_blk virtio_scsi virtio_net "');
    expect(d.commands[0]!.argv).toEqual(['/usr/bin/dracut', '-f', `/boot/initrd.img-${KERNEL}`, KERNEL]);
    const full: GuestSpec = { files: cleanDebianFiles(), kernels: lacking, filesystems: [fs('/dev/sda1', 'ext4', ROOT_UUID, '/', { free: 20 * 2 ** 20 })] };
    expect(draft(full, 'rebuild-initramfs').status).toBe('blocked');
    expect(draft(full, 'rebuild-initramfs').reason).toContain('Low free space');
  });

  it('btrfs snapper layout: fstab subvolume entries keep subvol= and get the btrfs UUID', () => {
    const spec: GuestSpec = {
      files: {
        ...cleanDebianFiles(),
        '/etc/fstab': '/dev/sda1 / btrfs defaults 0 0\n/dev/sda1 /var btrfs subvol=/@/var 0 0\n/dev/sda1 /home btrfs subvol=/@/home 0 0\n',
        '/boot/grub/grub.cfg': grubCfg('root=/dev/sda1 ro rootflags=subvol=@/.snapshots/1/snapshot'),
        '/etc/default/grub': `${DEFAULT_GRUB}GRUB_DISABLE_LINUX_UUID=true\n`,
      },
      filesystems: [fs('/dev/sda1', 'btrfs', BTRFS_UUID, '/')],
      mountpoints: [
        { device: 'btrfsvol:/dev/sda1/@/.snapshots/1/snapshot', path: '/' },
        { device: 'btrfsvol:/dev/sda1/@/var', path: '/var' },
        { device: 'btrfsvol:/dev/sda1/@/home', path: '/home' },
      ],
      rootSubvolume: { path: '@/.snapshots/1/snapshot', readOnly: false },
    };
    expect(after(spec, 'fstab-use-uuid', '/etc/fstab')).toBe(`UUID=${BTRFS_UUID} / btrfs defaults 0 0\nUUID=${BTRFS_UUID} /var btrfs subvol=/@/var 0 0\nUUID=${BTRFS_UUID} /home btrfs subvol=/@/home 0 0\n`);
    expect(after(spec, 'regenerate-bootloader', '/etc/default/grub')).toMatch(/^#GRUB_DISABLE_LINUX_UUID=true$/m);
    const { plan } = planLinuxRepair(linuxGuest(spec));
    expect(plan.blockers).toEqual([]);
    expect(plan.notes.join(' ')).toContain('@/.snapshots/1/snapshot');
    // A read-only snapshot as root: nothing may be written.
    const ro = planLinuxRepair(linuxGuest({ ...spec, rootSubvolume: { path: '@/.snapshots/2/snapshot', readOnly: true } })).plan;
    expect(ro.blockers.map((b) => b.code)).toEqual(['REPAIR_READ_ONLY_ROOT']);
  });

  it('leaves an entry it cannot resolve, and blocks when it is the root', () => {
    const spec: GuestSpec = { files: { ...cleanDebianFiles(), '/etc/fstab': '/dev/disk/by-id/scsi-36000c29f3a1b2c3d-part1 / ext4 defaults 0 1\n' }, mountpoints: [] };
    expect(draft(spec, 'fstab-use-uuid').status).toBe('blocked');
    expect(draft(spec, 'fstab-use-uuid').reason).toContain('by-id/scsi-36000c29f3a1b2c3d-part1');
    // A type that does not fit is no answer: /dev/sdb1 is xfs, fstab says ext4.
    const wrong: GuestSpec = { files: { ...cleanDebianFiles(), '/etc/fstab': `UUID=${ROOT_UUID} / ext4 defaults 0 1\n/dev/sdb1 /srv ext4 defaults 0 2\n` }, drives: ['/dev/sda', '/dev/sdb'], filesystems: [fs('/dev/sda1', 'ext4', ROOT_UUID, '/'), fs('/dev/sdb1', 'xfs', 'x-1', null)] };
    expect(draft(wrong, 'fstab-use-uuid').status).toBe('blocked');
    expect(draft(wrong, 'fstab-use-uuid').reason).toContain('holds xfs, not ext4');
  });

  it('disables VMware Tools by removing their enablement links, and says the package stays', () => {
    const spec: GuestSpec = {
      files: { ...cleanDebianFiles(), '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service': { link: '/lib/systemd/system/open-vm-tools.service' }, '/etc/systemd/system/multi-user.target.wants/ssh.service': { link: '/lib/systemd/system/ssh.service' } },
      applications: [{ name: 'open-vm-tools', version: '2:12.2.0', origin: 'dpkg' }],
    };
    const d = draft(spec, 'remove-vmware-tools');
    expect(d.edits).toEqual([{ path: '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service', kind: 'unlink', target: '/lib/systemd/system/open-vm-tools.service' }]);
    expect(d.reason).toContain('open-vm-tools');
    expect(d.reason).toContain('The package open-vm-tools stays installed');
  });

  it('--only, --skip and the user’s decision leave fixes out, each saying why', () => {
    const only = planLinuxRepair(linuxGuest({ ...sdxGpt, options: { only: ['fstab-use-uuid'] } })).plan.fixes;
    expect(only.find((f) => f.id === 'fstab-use-uuid')!.status).toBe('planned');
    expect(only.find((f) => f.id === 'regenerate-bootloader')!.status).toBe('skipped');
    expect(only.find((f) => f.id === 'regenerate-bootloader')!.reason).toContain('only fstab-use-uuid');
    const skip = planLinuxRepair(linuxGuest({ ...sdxGpt, options: { skip: ['regenerate-bootloader'] } })).plan.fixes;
    expect(skip.find((f) => f.id === 'regenerate-bootloader')!.status).toBe('skipped');
    const chosen = decide(planLinuxRepair(linuxGuest(sdxGpt)).drafts, { action: 'apply', fixes: ['regenerate-bootloader'] });
    expect(chosen.filter((d) => d.status === 'planned').map((d) => d.id)).toEqual(['regenerate-bootloader']);
    expect(decide(planLinuxRepair(linuxGuest(sdxGpt)).drafts, { action: 'skip' }).some((d) => d.status === 'planned')).toBe(false);
  });

  it('offers the serial console unchecked unless asked for', () => {
    const files = { ...cleanDebianFiles() };
    expect(status({ files })['add-serial-console']).toBe('skipped');
    const asked = draft({ files, options: { serialConsole: true } }, 'add-serial-console');
    expect(asked.status).toBe('planned');
    const text = editedText('/etc/default/grub', asked.edits, DEFAULT_GRUB)!;
    expect(text).toContain('GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"');
    expect(text).toContain('GRUB_TERMINAL="console serial"');
  });

  it('relabels an SELinux guest only when something is written', () => {
    const selinux = { '/etc/selinux/config': 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' };
    expect(status({ files: { ...cleanDebianFiles(), ...selinux } })['selinux-relabel']).toBe('not-needed');
    expect(status({ ...sdxGpt, files: { ...sdxGpt.files, ...selinux } })['selinux-relabel']).toBe('planned');
  });

  /** The guest's files as a plan's edits leave them. */
  function applied(spec: GuestSpec): GuestSpec['files'] {
    const files: GuestSpec['files'] = { ...spec.files };
    for (const d of planLinuxRepair(linuxGuest(spec)).drafts.filter((x) => x.status === 'planned')) {
      for (const path of new Set(d.edits.map((e) => e.path))) {
        const current = files[path];
        const text = editedText(path, d.edits, typeof current === 'string' ? current : null);
        if (text === null) delete files[path];
        else files[path] = text;
      }
    }
    return files;
  }

  const VMWARE_MAC = '00:50:56:a1:b2:c3';
  /** A static address on ens192, the name pinned by a .link file to the VMware MAC, which changes. */
  const pinnedNic: GuestSpec = {
    files: {
      ...cleanDebianFiles(),
      '/etc/systemd/network/10-ens192.link': `[Match]\nMACAddress=${VMWARE_MAC}\n\n[Link]\nName=ens192\n`,
      '/etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nallow-hotplug ens192\niface ens192 inet static\n\taddress 10.20.30.40/24\n',
    },
    options: RepairOptions.parse({ macs: { [VMWARE_MAC]: null } }),
  };

  it.each([
    ['/dev/sdX names', sdxGpt, 'fstab-use-uuid'],
    ['a NIC name pinned to a MAC that changes', pinnedNic, 'keep-network-identity'],
  ] as const)('is idempotent (%s): the guest as the plan leaves it plans nothing', (_, spec, expected) => {
    expect(status(spec)[expected]).toBe('planned');
    const files = applied(spec);
    // What update-grub writes from the repaired configuration.
    if (spec === sdxGpt) files['/boot/grub/grub.cfg'] = grubCfg(`root=UUID=${ROOT_UUID} ro console=tty0 console=ttyS0,115200n8 rootdelay=5`);
    const second = planLinuxRepair(linuxGuest({ ...spec, files })).plan;
    expect(second.fixes.filter((f) => f.status === 'planned')).toEqual([]);
  });

  it('refuses a guest whose boot loader cannot be told', () => {
    const files = { ...cleanDebianFiles() };
    delete files['/boot/grub/grub.cfg'];
    delete files['/etc/default/grub'];
    expect(planLinuxRepair(linuxGuest({ files })).plan.blockers.map((b) => b.code)).toEqual(['REPAIR_UNKNOWN_BOOTLOADER']);
  });
});
