import type { Kernel } from '../../../../shared/contract/models/inspection';
import { initramfsFor } from '../../inspect/linux/facts';
import type { DraftCommand, FileEdit, FixDraft } from '../draft';
import { appendLines, blocked, notNeeded, PHASE } from '../draft';
import type { LinuxGuest } from './guest-view';
import { firstPresent, guestText } from './guest-view';

/**
 * The initramfs of every kernel that cannot reach a virtio disk at boot gets the drivers KVM's
 * devices need, through the guest's own tool and configuration (initramfs-tools' modules list,
 * a dracut.conf.d drop-in, mkinitcpio's MODULES), rebuilt for that kernel only. A kernel whose
 * initramfs (or built-in list) already has them is never rebuilt: rebuilding is where virt-v2v
 * spends most of its time, and it is pointless when nothing is missing.
 */

const TITLE = 'Add the virtio drivers to the initramfs';
const FINDINGS = ['INITRAMFS_NO_VIRTIO'];

/** What a KVM guest's first seconds need: the PCI transport, both disk controllers, the NIC. */
export const KVM_INITRAMFS_DRIVERS = ['virtio_pci', 'virtio_blk', 'virtio_scsi', 'virtio_net'] as const;
const MARK = '# Added by hyper2kvm: the drivers this guest needs to find its disk on KVM.';

type Tool = 'initramfs-tools' | 'dracut' | 'mkinitcpio';

function moduleListed(paths: readonly string[] | null | undefined, module: string): boolean {
  const re = new RegExp(`/${module}\\.ko(\\.(xz|zst|gz))?$`);
  return !!paths?.some((p) => re.test(p));
}

/** Drivers a kernel's initramfs lacks that are not built into the kernel either. */
export function missingDrivers(guest: Pick<LinuxGuest, 'kernels'>, kernel: Kernel): string[] {
  const image = initramfsFor(kernel.version, guest.kernels.bootFiles);
  const contents = image ? guest.kernels.initramfsContents[image] : null;
  const builtin = guest.kernels.builtin[kernel.version]?.split('\n') ?? [];
  return KVM_INITRAMFS_DRIVERS.filter((m) => !moduleListed(contents, m) && !moduleListed(builtin, m));
}

function toolOf(guest: LinuxGuest): { tool: Tool; binary: string } | null {
  const initramfsTools = firstPresent(guest, ['/usr/sbin/update-initramfs']);
  if (initramfsTools && ['/etc/initramfs-tools', '/etc/initramfs-tools/initramfs.conf', '/etc/initramfs-tools/modules'].some((p) => guest.tree.has(p))) return { tool: 'initramfs-tools', binary: initramfsTools };
  const dracut = firstPresent(guest, ['/usr/bin/dracut', '/usr/sbin/dracut']);
  if (dracut) return { tool: 'dracut', binary: dracut };
  const mkinitcpio = firstPresent(guest, ['/usr/bin/mkinitcpio', '/usr/sbin/mkinitcpio']);
  if (mkinitcpio && guest.tree.has('/etc/mkinitcpio.conf')) return { tool: 'mkinitcpio', binary: mkinitcpio };
  return null;
}

export function planInitramfs(guest: LinuxGuest): FixDraft {
  const lacking = guest.report.linux.kernels.filter((k) => k.virtioBootable === false && k.modules);
  if (lacking.length === 0) return notNeeded('rebuild-initramfs', TITLE, FINDINGS, 'Every kernel reaches a virtio disk at boot (drivers built in or in its initramfs).');
  const lowSpace = guest.report.findings.find((f) => f.code === 'LOW_FREE_SPACE_BOOT' || f.code === 'LOW_FREE_SPACE');
  if (lowSpace) return blocked('rebuild-initramfs', TITLE, FINDINGS, `${lowSpace.title}: a new initramfs (and the backup of the old one) would not fit. ${lowSpace.fix.label}.`);
  const tool = toolOf(guest);
  if (!tool) return blocked('rebuild-initramfs', TITLE, FINDINGS, 'The guest has none of the initramfs tools this product drives (update-initramfs, dracut, mkinitcpio).');

  const needed = [...new Set(lacking.flatMap((k) => missingDrivers(guest, k)))];
  const edits: FileEdit[] = [];
  if (tool.tool === 'initramfs-tools') {
    const path = '/etc/initramfs-tools/modules';
    const listed = new Set((guestText(guest, path) ?? '').split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0]).filter(Boolean));
    const add = needed.filter((m) => !listed.has(m));
    if (add.length) edits.push({ path, kind: 'text', transform: (text) => appendLines(text, [MARK, ...add]) });
  } else if (tool.tool === 'dracut') {
    edits.push({ path: '/etc/dracut.conf.d/90-hyper2kvm-virtio.conf', kind: 'create', content: `${MARK}\nadd_drivers+=" ${needed.join(' ')} "\n` });
  } else {
    const path = '/etc/mkinitcpio.conf';
    edits.push({
      path,
      kind: 'text',
      transform: (text) => text.replace(/^MODULES=\(([^)]*)\)/m, (_, inner: string) => `MODULES=(${[...inner.split(/\s+/).filter(Boolean), ...needed.filter((m) => !inner.split(/\s+/).includes(m))].join(' ')})`),
    });
  }

  const commands: DraftCommand[] = lacking.map((k) => {
    const image = k.initramfs ?? `/boot/initrd.img-${k.version}`;
    const argv =
      tool.tool === 'initramfs-tools'
        ? [tool.binary, '-u', '-k', k.version]
        : tool.tool === 'dracut'
          ? [tool.binary, '-f', image, k.version]
          : [tool.binary, '-k', k.version, '-g', image];
    return { argv, why: `Rebuild the initramfs of ${k.version} with ${needed.join(', ')}`, phase: PHASE.initramfs, produces: [image], expectSeconds: 45 };
  });
  const kernels = lacking.map((k) => k.version).join(', ');
  return {
    id: 'rebuild-initramfs',
    title: TITLE,
    findings: FINDINGS,
    status: 'planned',
    reason: `${kernels} cannot reach a virtio disk at boot; adds ${needed.join(', ')} to the ${tool.tool} configuration and rebuilds ${lacking.length === 1 ? 'its initramfs' : 'their initramfs images'} (the old image is kept as .hyper2kvm-orig). Kernels that already boot on virtio are not touched.`,
    optional: false,
    edits,
    commands,
  };
}
