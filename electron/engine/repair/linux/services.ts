import { parseIni } from '../../guest/linux/network';
import type { FileEdit, FixDraft } from '../draft';
import { notNeeded } from '../draft';
import type { LinuxGuest } from './guest-view';
import { GUEST_AGENT_UNITS, guestText } from './guest-view';

/**
 * Services that belong to VMware go quiet, and the QEMU guest agent takes their place.
 *
 * VMware Tools are disabled, not uninstalled: removing a package offline runs its maintainer
 * scripts inside the appliance, where they fail in ways that differ per distribution and
 * release, and a failure there would cost the whole repair. Their units are disabled (the
 * enablement links removed, which is all `systemctl disable` does), and the plan says how to
 * remove the package once the guest runs on KVM with its network.
 */

const VMWARE_UNIT = /^(open-vm-tools|vmtoolsd|vmware-tools|vmware-vmblock-fuse|vgauth|run-vmblock)/;
const VMWARE_SYSV = /^[SK]\d\d(vmware-tools|open-vm-tools|vmtoolsd)$/;

export function planVmwareTools(guest: LinuxGuest): FixDraft {
  const id = 'remove-vmware-tools';
  const title = 'Disable VMware Tools';
  const findings = ['VMWARE_TOOLS_INSTALLED'];
  const edits: FileEdit[] = [];
  for (const unit of guest.report.linux.systemd?.enabledUnits ?? []) {
    if (!VMWARE_UNIT.test(unit.unit)) continue;
    const entry = guest.tree.get(unit.path);
    edits.push({ path: unit.path, kind: 'unlink', target: entry?.target ?? '?' });
  }
  // SysV links matter only without systemd (with it, the native units above win).
  if (guest.report.linux.systemd === null) {
    for (const path of guest.tree.walk('/etc').filter((p) => /^\/etc\/rc[0-6S]\.d\//.test(p) && VMWARE_SYSV.test(p.split('/').pop()!))) {
      edits.push({ path, kind: 'unlink', target: guest.tree.get(path)?.target ?? '?' });
    }
  }
  if (edits.length === 0) return notNeeded(id, title, findings, guest.report.linux.vmwareTools.present ? 'VMware Tools are installed but no service of theirs is enabled.' : 'VMware Tools are not installed.');
  const packages = guest.report.applications.filter((a) => /^(open-vm-tools|vmware-tools)/.test(a.name)).map((a) => a.name);
  const removal = packages.length
    ? ` ${packages.length > 1 ? `The packages ${packages.join(', ')} stay` : `The package ${packages[0]} stays`} installed: remove ${packages.length > 1 ? 'them' : 'it'} with the package manager once the guest runs on KVM.`
    : ' Remove the tarball install with vmware-uninstall-tools.pl once the guest runs on KVM.';
  const units = [...new Set(edits.map((e) => e.path.split('/').pop()))].join(', ');
  return { id, title, findings, status: 'planned', reason: `Disables ${units} (their enablement links are removed).${removal}`, optional: false, edits, commands: [] };
}

/** The unit's [Install] WantedBy targets, or [] for a static unit (started by udev or a dependency). */
export function wantedBy(unitText: string): string[] {
  return parseIni(unitText)
    .filter((e) => e.section === 'Install' && e.key === 'WantedBy')
    .flatMap((e) => e.value.split(/\s+/))
    .filter(Boolean);
}

export function planGuestAgent(guest: LinuxGuest): FixDraft {
  const id = 'enable-guest-agent';
  const title = 'Enable the QEMU guest agent';
  const installed = guest.report.applications.some((a) => a.name === 'qemu-guest-agent');
  if (!installed) return notNeeded(id, title, [], 'The qemu-guest-agent package is not installed (install it once the guest runs on KVM).');
  const unitPath = GUEST_AGENT_UNITS.find((p) => guestText(guest, p) !== null);
  const text = unitPath ? guestText(guest, unitPath) : null;
  if (!unitPath || text === null) return notNeeded(id, title, [], 'The guest agent has no unit file to enable.');
  const targets = wantedBy(text);
  if (targets.length === 0) return notNeeded(id, title, [], 'The guest agent starts by itself when its virtio channel appears (a static unit).');
  const edits: FileEdit[] = targets
    .map((t) => `/etc/systemd/system/${t}.wants/qemu-guest-agent.service`)
    .filter((link) => !guest.tree.has(link))
    .map((link) => ({ path: link, kind: 'symlink', target: unitPath }));
  if (edits.length === 0) return notNeeded(id, title, [], 'The guest agent is already enabled.');
  return { id, title, findings: [], status: 'planned', reason: `Enables qemu-guest-agent.service for ${targets.join(', ')}.`, optional: false, edits, commands: [] };
}

/** SELinux guests relabel at their next boot when anything was written (the files we wrote carry no labels). */
export function planRelabel(guest: LinuxGuest, writes: boolean): FixDraft {
  const id = 'selinux-relabel';
  const title = 'Relabel the file system at the next boot (SELinux)';
  const mode = guest.report.linux.selinux.mode;
  if (mode !== 'enforcing' && mode !== 'permissive') return notNeeded(id, title, ['SELINUX_RELABEL'], 'SELinux is not in use.');
  if (!writes) return notNeeded(id, title, ['SELINUX_RELABEL'], 'No file is changed, so no label can be wrong.');
  if (guest.tree.has('/.autorelabel')) return notNeeded(id, title, ['SELINUX_RELABEL'], 'A relabel is already scheduled.');
  return { id, title, findings: ['SELINUX_RELABEL'], status: 'planned', reason: `SELinux is ${mode}: the files written above get their labels at the next boot (one extra reboot).`, optional: false, edits: [{ path: '/.autorelabel', kind: 'create', content: '' }], commands: [] };
}
