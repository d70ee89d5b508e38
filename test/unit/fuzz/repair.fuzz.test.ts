import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editedText } from '../../../electron/engine/repair/draft';
import { planLinuxRepair } from '../../../electron/engine/repair/linux/plan';
import { RepairPlan, RepairOptions } from '../../../shared/contract/models/repair';
import { cleanDebianFiles, fs, grubCfg, linuxGuest, ROOT_UUID } from '../../support/linux-guest';
import type { GuestSpec } from '../../support/linux-guest';
import { fuzzParameters, fuzzTimeout, mutatedText, reportSeed, resultOrErrorValue } from './harness';

/**
 * Issue 11 on the repair planner (issue 10): it reads the guest's own files (fstab, boot loader
 * configuration, initramfs settings, network configuration, unit files), which whoever owned
 * the VM wrote, and turns them into edits of those very files. One file of a guest that needs
 * every kind of fix is mutated per case; the inspection's facts, the plan and the edited texts
 * must each be a result or an error value, and the plan a valid contract value (it is sent to
 * the wizard and stored in the job record as such).
 */

reportSeed();

const BOOT_UUID = '0b7c2e4a-96d1-4c3f-8e25-7a1d3f6b9c20';
const SWAP_UUID = 'f3e1c2d4-1111-4a2b-9c3d-0e1f2a3b4c5d';
const VMWARE_MAC = '00:50:56:a1:b2:c3';

/** A Debian guest as VMware left it with everything to repair: /dev/sdX names, a NIC pinned to its MAC, no virtio. */
const spec: GuestSpec = {
  files: {
    ...cleanDebianFiles(),
    '/etc/fstab': `# <file system> <mount point> <type> <options> <dump> <pass>\n/dev/sda3 / ext4 errors=remount-ro 0 1\n/dev/sda2 /boot ext4 defaults 0 2\n/dev/sda4 none swap sw 0 0\n`,
    '/boot/grub/grub.cfg': grubCfg('root=/dev/sda3 ro resume=/dev/sda4 console=tty0'),
    '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="root=/dev/sda3 resume=/dev/sda4 net.ifnames=0"\nGRUB_DISABLE_LINUX_UUID=true\n',
    '/etc/initramfs-tools/initramfs.conf': 'MODULES=list\nBUSYBOX=auto\n',
    '/etc/initramfs-tools/modules': '# modules\nvmw_pvscsi\nvmxnet3\n',
    '/etc/systemd/network/10-ens192.link': `[Match]\nMACAddress=${VMWARE_MAC}\n\n[Link]\nName=ens192\n`,
    '/etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nallow-hotplug ens192\niface ens192 inet static\n\taddress 10.20.30.40/24\n',
    '/etc/udev/rules.d/70-persistent-net.rules': `SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="${VMWARE_MAC}", NAME="eth0"\n`,
    '/etc/systemd/system/multi-user.target.wants/vmtoolsd.service': '[Unit]\nDescription=Service for virtual machines hosted on VMware\n[Service]\nExecStart=/usr/bin/vmtoolsd\n[Install]\nWantedBy=multi-user.target\n',
  },
  filesystems: [fs('/dev/sda2', 'ext4', BOOT_UUID, '/boot'), fs('/dev/sda3', 'ext4', ROOT_UUID, '/'), fs('/dev/sda4', 'swap', SWAP_UUID)],
  mountpoints: [
    { device: '/dev/sda3', path: '/' },
    { device: '/dev/sda2', path: '/boot' },
  ],
  kernels: { initramfsContents: { 'initrd.img-6.1.0-41-amd64': ['usr/lib/modules/6.1.0-41-amd64/kernel/drivers/scsi/vmw_pvscsi.ko'] } },
  options: RepairOptions.parse({ macs: { [VMWARE_MAC]: null }, serialConsole: true }),
};

const textFiles = Object.entries(spec.files).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

/** One of the guest's files, mutated. */
const mutatedGuest = fc.constantFrom(...textFiles).chain(([path, text]) => mutatedText([text]).map((mutated) => ({ path, text: mutated })));

describe('fuzz: the Linux repair planner on the guest files it reads and edits', () => {
  it('the unmutated guest plans real fixes (so the property below exercises them)', () => {
    const planned = planLinuxRepair(linuxGuest(spec)).plan.fixes.filter((f) => f.status === 'planned').map((f) => f.id);
    expect(planned).toEqual(expect.arrayContaining(['fstab-use-uuid', 'keep-network-identity']));
  });

  it('inspection facts → plan → edited files: a result or an error value, the plan a valid contract value', () => {
    fc.assert(
      fc.property(mutatedGuest, ({ path, text }) => {
        const files = { ...spec.files, [path]: text };
        const guest = resultOrErrorValue(`inspecting a guest with a mutated ${path}`, () => linuxGuest({ ...spec, files }));
        if (!guest.ok) return;
        const planned = resultOrErrorValue(`planning with a mutated ${path}`, () => planLinuxRepair(guest.value));
        if (!planned.ok) return;
        const valid = RepairPlan.safeParse(planned.value.plan);
        if (!valid.success) throw new Error(`the plan for a mutated ${path} is not a valid RepairPlan: ${valid.error.message}`);
        for (const draft of planned.value.drafts) {
          for (const edited of new Set(draft.edits.map((e) => e.path))) {
            const current = files[edited];
            resultOrErrorValue(`${draft.id} editing ${edited}`, () => editedText(edited, draft.edits, typeof current === 'string' ? current : null));
          }
        }
      }),
      fuzzParameters({ weight: 0.5 }),
    );
  }, fuzzTimeout({ weight: 0.5 }));
});
