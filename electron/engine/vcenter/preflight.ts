import type { PreflightAction, PreflightItem, PreflightReport } from '../../../shared/contract/api/vcenter';
import type { DiskDownloadPlan, VmDetails } from '../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../shared/format';
import { DOWNLOAD_PRIVILEGES, POWER_OFF_PRIVILEGE } from '../vsphere/privileges';
import { guestSupport } from './guest-os';

/**
 * The pre-flight rules: everything that would stop or spoil a migration of one VM, found before
 * a byte moves, each with a severity, what it means, what to do, and the action the UI can offer.
 * Pure: the facts (VM details, destination, libvirt) are gathered by the caller.
 */

export interface DestinationFacts {
  path: string;
  /** The folder exists, or its parent does (it will be created). */
  usable: boolean;
  isDirectory: boolean;
  writable: boolean;
  freeBytes: number;
}

export interface LibvirtFacts {
  uri: string;
  /** Null when libvirt could not be asked (not running, not installed); `error` says why. */
  domains: string[] | null;
  error?: string;
}

export interface PreflightFacts {
  vm: VmDetails;
  /** The VM is encrypted (config.keyId set); undefined when the server cannot tell. */
  encrypted?: boolean;
  destination: DestinationFacts;
  /** Output files that exist already (and overwrite is off). */
  existingOutputs: string[];
  /** The libvirt domain name the migration would use. */
  domainName: string;
  libvirt: LibvirtFacts;
  downloadBytes: number;
  alreadyDownloadedBytes: number;
  outputBytes: number;
  /** qemu-img can read over HTTP (qemu-block-extra); undefined when not checked. */
  converterReadsHttp?: boolean;
  /** What the vCenter account may do here; undefined when not asked. */
  privileges?: PrivilegeFacts;
}

export type PrivilegeFacts =
  | {
      checked: true;
      /** Datastores holding files of the VM's disks, with the download privileges the account lacks there. */
      missingOnDatastores: Array<{ datastore: string; privileges: string[] }>;
      /** The account may power the VM off (asked only when it is not off already). */
      mayPowerOff: boolean;
    }
  | { checked: false; reason: string };

/** Room kept free beyond the estimates: file system metadata, job records, logs. */
export const SPACE_MARGIN_BYTES = 256 * 1024 * 1024;
/** Beyond this many snapshots, consolidating first is faster and safer than copying the chain. */
const LONG_CHAIN = 8;

const POWER_OFF: PreflightAction = {
  id: 'power-off',
  label: 'Power off',
  call: 'vcenter.powerOff',
  confirm: 'Power off the VM now? This is like pulling the plug: unsaved work in the guest is lost and its file systems will need a check.',
};
const SHUTDOWN: PreflightAction = {
  id: 'shutdown-guest',
  label: 'Shut down guest',
  call: 'vcenter.shutdownGuest',
  confirm: 'Shut down the guest operating system now? Users of the VM are disconnected.',
};

function item(id: string, severity: PreflightItem['severity'], title: string, message: string, hint: string, extra: { subject?: string; actions?: PreflightAction[] } = {}): PreflightItem {
  return { id, severity, title, message, hint, ...(extra.subject !== undefined ? { subject: extra.subject } : {}), actions: extra.actions ?? [] };
}

export function preflightItems(facts: PreflightFacts): PreflightItem[] {
  const { vm } = facts;
  const items: PreflightItem[] = [];

  // Power state: the disks of a running VM change under the copy (and ESXi locks them).
  const privileges = facts.privileges;
  // Offering Power off to an account that may not would only fail later, and cryptically.
  const mayPowerOff = privileges?.checked !== true || privileges.mayPowerOff;
  const cannotPowerOff = `This account may not power it off or shut it down (it lacks ${POWER_OFF_PRIVILEGE}): do it in vSphere with an account that may, or from inside the guest, then check again.`;
  if (vm.powerState === 'poweredOn') {
    const toolsRunning = vm.toolsRunningStatus === 'guestToolsRunning';
    items.push(
      item(
        'powered-on',
        'blocker',
        'The VM is running',
        `${vm.name} is powered on: its disks change while they would be copied, and ESXi locks them.`,
        !mayPowerOff ? cannotPowerOff : toolsRunning ? 'Shut the guest down (clean, through VMware Tools) or power the VM off, then check again.' : 'Shut the guest down from inside, or power the VM off (VMware Tools is not running, so a clean shutdown from here is not possible), then check again.',
        { actions: !mayPowerOff ? [] : toolsRunning ? [SHUTDOWN, POWER_OFF] : [POWER_OFF] },
      ),
    );
  } else if (vm.powerState === 'suspended') {
    items.push(
      item('suspended', 'blocker', 'The VM is suspended', `${vm.name} is suspended: its memory state is on the datastore and its disks are not in a consistent state for a copy.`, mayPowerOff ? 'Resume it and shut it down cleanly; or power it off, which discards the suspended state.' : cannotPowerOff, {
        actions: mayPowerOff ? [{ ...POWER_OFF, confirm: 'Power off the suspended VM? Its suspended state (open programs, unsaved work) is discarded.' }] : [],
      }),
    );
  }

  // Privileges: a refused download should be found now, not half-way through the copy.
  if (privileges?.checked === true) {
    for (const { datastore, privileges: lacking } of privileges.missingOnDatastores) {
      items.push(
        item(
          'download-privileges',
          'blocker',
          'The account may not download the disks',
          `The vCenter account lacks ${lacking.join(' and ')} on the datastore ${datastore}, which holds files of this VM's disks: vCenter would refuse to hand them out.`,
          `Ask the vCenter administrator to grant ${DOWNLOAD_PRIVILEGES.join(' and ')} (Datastore → Browse datastore, Low level file operations) on ${datastore} to this account, or log in with an account that has them.`,
          { subject: datastore },
        ),
      );
    }
  } else if (privileges?.checked === false) {
    items.push(item('privileges-unchecked', 'info', 'Privileges not checked in advance', `The server did not say what this account may do (${privileges.reason}).`, `Nothing to do now; if the download is refused, the account needs ${DOWNLOAD_PRIVILEGES.join(' and ')} on the VM's datastores.`));
  }

  if (vm.template) items.push(item('template', 'info', 'This is a template', `${vm.name} is a template; it is copied like a VM.`, 'Nothing to do.'));

  if (facts.encrypted) {
    items.push(item('encrypted', 'blocker', 'The VM is encrypted', `${vm.name} uses vSphere VM encryption: its disk files on the datastore are encrypted with a key held by vCenter's key provider.`, 'Decrypt the VM in vSphere first (Edit Settings → VM Options → Encryption → None), then check again.'));
  }

  if (vm.disks.length === 0) items.push(item('no-disks', 'blocker', 'The VM has no disks', `${vm.name} has no virtual disks to migrate.`, 'Choose another VM.'));

  const datastoreType = new Map(vm.datastores.map((d) => [d.name, d.type.toLowerCase()]));
  for (const disk of vm.disks) {
    const subject = disk.label || disk.fileName;
    if (disk.rdm) {
      items.push(
        item('rdm-disk', 'blocker', 'Raw device mapping', `${subject} is a raw device mapping (${disk.rdm} mode): its data is on a LUN, not in a datastore file that can be downloaded.`, disk.rdm === 'virtual' ? 'Convert it to a virtual disk first (storage vMotion with a disk format change), or detach it and copy the LUN separately.' : 'Copy the LUN\u2019s data separately (physical mode RDMs cannot be converted by vSphere), or detach the RDM before migrating.', { subject }),
      );
    }
    if (disk.independent) {
      items.push(
        item('independent-disk', vm.powerState === 'poweredOn' ? 'warning' : 'info', 'Independent disk', `${subject} is independent (${disk.diskMode}): snapshots do not capture it, so it is copied as it is at the moment of the copy.`, 'Keep the VM powered off during the migration.', { subject }),
      );
    }
    const files = diskFilesProblem(disk, vm.downloads.find((d) => d.diskKey === disk.key));
    if (files) items.push(item(files.id, 'blocker', files.title, files.message, files.hint, { subject }));
    const type = disk.datastore ? datastoreType.get(disk.datastore) : undefined;
    if (type === 'vsan') {
      items.push(item('vsan', 'blocker', 'Disk on vSAN', `${subject} is on the vSAN datastore ${disk.datastore}: vSAN does not serve disk files over the datastore download (/folder) that the migration uses.`, 'Storage-vMotion the VM to a VMFS or NFS datastore first, or export it as OVF/OVA and migrate that file.', { subject }));
    } else if (type === 'vvol') {
      items.push(item('vvol', 'warning', 'Disk on a vVol datastore', `${subject} is on the vVol datastore ${disk.datastore}; vVol disks are often not readable over the datastore download (/folder).`, 'If the download fails, storage-vMotion the VM to a VMFS or NFS datastore first.', { subject }));
    }
  }

  // Snapshots: the current state is what the VM sees; it is rebuilt from the whole chain.
  const snapshotCount = countSnapshots(vm.snapshots);
  const longestChain = Math.max(0, ...vm.disks.map((d) => d.parents.length));
  if (snapshotCount > 0 || longestChain > 0) {
    items.push(
      item(
        'snapshots',
        longestChain > LONG_CHAIN ? 'warning' : 'info',
        'The VM has snapshots',
        `${vm.name} has ${snapshotCount} snapshot${snapshotCount === 1 ? '' : 's'}${longestChain > 0 ? ` (disk chains up to ${longestChain + 1} files deep)` : ''}. The current state is migrated: every file of each chain is downloaded and flattened into one disk. Earlier snapshot points are not kept.`,
        longestChain > LONG_CHAIN ? 'Consolidate or delete snapshots first: a long chain downloads much more than the disk holds.' : 'Nothing to do, unless you need an older snapshot point (revert to it first).',
        longestChain > LONG_CHAIN ? { actions: [{ id: 'consolidate-snapshots', label: 'Consolidate in vSphere' }] } : {},
      ),
    );
  }

  if (vm.firmware === 'uefi' && vm.secureBoot) {
    items.push(item('secure-boot', 'warning', 'UEFI with Secure Boot', `${vm.name} boots with UEFI Secure Boot. The KVM domain gets OVMF firmware with Secure Boot and Microsoft's keys; a guest signed with keys of its own will not boot.`, 'If the guest boots kernels or drivers signed with its own keys, turn Secure Boot off in the domain after the migration.'));
  } else if (vm.firmware === 'uefi') {
    items.push(item('uefi', 'info', 'UEFI firmware', `${vm.name} boots with UEFI. Its EFI boot entries do not survive the move (they are kept in VMware's NVRAM).`, 'Nothing to do: the repairs make sure the fallback boot loader is there.'));
  }

  const guest = guestSupport(vm.guestId, vm.guestFullName);
  const guestName = vm.guestFullName ?? vm.guestId ?? 'unknown';
  if (guest.level === 'unsupported') {
    items.push(item('guest-os', 'warning', 'Guest OS not repaired', `${guestName}: ${guest.why}. The disks are converted, but nothing inside the guest is adapted to KVM, so it may not boot.`, 'Prepare the guest for KVM by hand (virtio drivers, boot configuration) before or after the migration.'));
  } else if (guest.level === 'unknown') {
    items.push(item('guest-os', 'info', 'Guest OS unknown to vCenter', `vCenter does not say which operating system ${vm.name} runs (${guestName}).`, 'Nothing to do: the inspection reads it from the disks.'));
  }

  // Destination.
  const dest = facts.destination;
  if (!dest.usable) {
    items.push(item('destination-missing', 'blocker', 'Destination does not exist', `Neither ${dest.path} nor its parent folder exists.`, 'Create the folder or choose another one.', { actions: [{ id: 'choose-destination', label: 'Choose destination' }] }));
  } else if (!dest.isDirectory) {
    items.push(item('destination-missing', 'blocker', 'Destination is not a folder', `${dest.path} is not a folder.`, 'Choose a folder.', { actions: [{ id: 'choose-destination', label: 'Choose destination' }] }));
  } else if (!dest.writable) {
    items.push(item('destination-not-writable', 'blocker', 'Destination not writable', `You cannot write to ${dest.path}.`, 'Choose a folder you own.', { actions: [{ id: 'choose-destination', label: 'Choose destination' }] }));
  } else {
    const downloadLeft = Math.max(0, facts.downloadBytes - facts.alreadyDownloadedBytes);
    const needed = downloadLeft + facts.outputBytes + SPACE_MARGIN_BYTES;
    if (dest.freeBytes < downloadLeft + SPACE_MARGIN_BYTES) {
      items.push(
        item('destination-space', 'blocker', 'Not enough space', `${dest.path} has ${formatBytes(dest.freeBytes)} free; the download alone needs ${formatBytes(downloadLeft)} and the converted disks up to ${formatBytes(facts.outputBytes)} more.`, `Free at least ${formatBytes(needed - dest.freeBytes)} or choose a destination on a bigger disk.`, { actions: [{ id: 'choose-destination', label: 'Choose destination' }] }),
      );
    } else if (dest.freeBytes < needed) {
      items.push(
        item('destination-space', 'warning', 'Space may run out', `${dest.path} has ${formatBytes(dest.freeBytes)} free: enough for the download (${formatBytes(downloadLeft)}), but the converted disks may need up to ${formatBytes(facts.outputBytes)} more while the download is still there.`, 'Free some space or choose a bigger destination; disks with much empty space need far less than the upper bound.', { actions: [{ id: 'choose-destination', label: 'Choose destination' }] }),
      );
    }
    if (facts.alreadyDownloadedBytes > 0) {
      items.push(item('resume', 'info', 'An earlier download is resumed', `${formatBytes(facts.alreadyDownloadedBytes)} of this VM were downloaded by an earlier migration that did not finish; they are reused.`, 'Nothing to do.'));
    }
  }
  for (const path of facts.existingOutputs) {
    items.push(item('output-exists', 'blocker', 'Output exists', `${path} already exists.`, 'Choose another name or folder, or allow overwriting.', { subject: path, actions: [{ id: 'choose-name', label: 'Choose another name' }] }));
  }

  if (facts.converterReadsHttp === false) {
    items.push(item('converter-http', 'blocker', 'qemu-img cannot read over HTTP', "This machine's qemu-img lacks its HTTP driver, which the conversion reads the disks through while they download.", 'Install it: sudo apt-get install qemu-block-extra'));
  }

  // libvirt: a domain of the same name would collide when the VM is defined.
  if (facts.libvirt.domains === null) {
    items.push(item('libvirt-unavailable', 'info', 'libvirt not reachable', `libvirt at ${facts.libvirt.uri} did not answer${facts.libvirt.error ? ` (${facts.libvirt.error})` : ''}, so name collisions could not be checked.`, 'Start libvirtd before defining the VM (the migration itself does not need it).', { actions: [{ id: 'start-libvirt', label: 'How to start libvirt' }] }));
  } else if (facts.libvirt.domains.includes(facts.domainName)) {
    items.push(item('domain-name-taken', 'warning', 'Name already used in libvirt', `A libvirt domain named "${facts.domainName}" already exists on ${facts.libvirt.uri}.`, 'Choose another name for the migrated VM, or remove the old domain before defining this one.', { actions: [{ id: 'choose-name', label: 'Choose another name' }] }));
  }

  const order = { blocker: 0, warning: 1, info: 2 } as const;
  return items.sort((a, b) => order[a.severity] - order[b.severity]);
}

const STALE_LISTING_HINT = 'Look at the VM\u2019s folder in the datastore browser: if the files are really this size, the disk was never written or was replaced, and there is nothing to migrate; if they are bigger there, refresh the VM details and check again.';

/**
 * A disk whose files, as vCenter lists them, cannot hold it: an empty descriptor (a VMDK
 * descriptor is never empty), or data files that add up to nothing, or a thick disk whose flat
 * extents are smaller than its capacity. Sparse and thin disks may legitimately be far smaller
 * than their capacity, so only what no disk can be is a blocker. Null when the files look
 * possible (or are not listed at all).
 */
export function diskFilesProblem(disk: VmDetails['disks'][number], plan: DiskDownloadPlan | undefined): { id: string; title: string; message: string; hint: string } | null {
  if (!plan || plan.chain.length === 0 || disk.rdm || disk.capacityBytes <= 0) return null;
  const subject = disk.label || disk.fileName;
  const capacity = formatBytes(disk.capacityBytes);
  const files = plan.chain.flatMap((link) => link.files);
  const emptyDescriptors = plan.chain.filter((link) => link.files.find((f) => f.name === link.descriptor)?.sizeBytes === 0).map((link) => link.descriptor);
  const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  if (total === 0 || emptyDescriptors.length > 0) {
    const which = emptyDescriptors.length > 0 ? emptyDescriptors.join(', ') : files.map((f) => f.name).join(', ');
    return {
      id: 'disk-files-empty',
      title: 'Disk files are empty',
      message: `${subject} has a capacity of ${capacity}, but vCenter lists ${total === 0 ? 'all of its files' : emptyDescriptors.length === 1 ? 'its descriptor' : 'its descriptors'} as 0 bytes (${which}): there is no disk to download.`,
      hint: STALE_LISTING_HINT,
    };
  }
  const thick = disk.provisioning === 'thick-lazy' || disk.provisioning === 'thick-eager';
  const top = plan.chain[0]!;
  const flatExtents = top.files.filter((f) => f.type === 'diskExtent' && /-flat\.vmdk$/i.test(f.name));
  const flatBytes = flatExtents.reduce((sum, f) => sum + f.sizeBytes, 0);
  if (thick && plan.chain.length === 1 && flatExtents.length > 0 && flatBytes < disk.capacityBytes) {
    return {
      id: 'disk-files-short',
      title: 'Disk files are too small',
      message: `${subject} is a thick-provisioned ${capacity} disk, but its data file${flatExtents.length === 1 ? ' is' : 's are'} only ${formatBytes(flatBytes)} (${flatExtents.map((f) => f.name).join(', ')}): ${formatBytes(disk.capacityBytes - flatBytes)} of the disk would be missing.`,
      hint: STALE_LISTING_HINT,
    };
  }
  return null;
}

function countSnapshots(nodes: VmDetails['snapshots']): number {
  return nodes.reduce((sum, node) => sum + 1 + countSnapshots(node.children), 0);
}

export function preflightReport(facts: PreflightFacts, now = new Date()): PreflightReport {
  const items = preflightItems(facts);
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const i of items) counts[i.severity]++;
  return {
    vm: { id: facts.vm.id, name: facts.vm.name, powerState: facts.vm.powerState },
    items,
    counts,
    canMigrate: counts.blocker === 0,
    estimate: {
      destination: facts.destination.path,
      downloadBytes: facts.downloadBytes,
      alreadyDownloadedBytes: facts.alreadyDownloadedBytes,
      outputBytes: facts.outputBytes,
      destinationFreeBytes: facts.destination.freeBytes,
    },
    checkedAt: now.toISOString(),
  };
}

/** Upper bound of a converted disk's size: its data cannot exceed its files, nor its capacity. */
export function outputBoundBytes(vm: VmDetails): number {
  return vm.disks.reduce((sum, disk) => {
    const files = vm.downloads.find((d) => d.diskKey === disk.key)?.totalBytes ?? disk.capacityBytes;
    return sum + Math.min(files, disk.capacityBytes > 0 ? disk.capacityBytes : files);
  }, 0);
}
