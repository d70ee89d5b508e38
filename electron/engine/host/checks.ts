import type { EngineError } from '../../../shared/contract/errors';
import { formatBytes } from '../../../shared/format';
import type { KvmStatus } from '../core/accel';
import type { ToolComponent, ToolReport } from './tool-versions';

/**
 * `hyper2kvm doctor`'s verdicts: pure functions from what was observed on the host to one check
 * each — what was found, and for anything missing what to install or start. The observations
 * themselves are gathered in doctor.ts.
 */

/** ok; warning: a feature will not work or will be slow, conversion still does; problem: nothing will work. */
export type CheckStatus = 'ok' | 'warning' | 'problem';

export interface HostCheck {
  /** Stable id for scripts: "kvm", "libvirtd", "space", "polkit", "polkit-agent", "tool:qemu-img"… */
  id: string;
  /** Short label for people. */
  title: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  summary: string;
  /** What to install or start, when something is missing. */
  fix?: string;
  /** Tool output that shows why (stderr tail). */
  evidence?: string;
  details?: Record<string, unknown>;
}

const GiB = 1024 ** 3;
/** Below this a typical system disk may not fit: warn. */
export const LOW_SPACE_BYTES = 20 * GiB;
/** Below this not even a small disk fits: nothing will work there. */
export const NO_SPACE_BYTES = 1 * GiB;

export function toolCheck(component: ToolComponent, report: ToolReport): HostCheck {
  const id = `tool:${component.tool}`;
  if (!report.path) {
    return {
      id,
      title: component.name,
      status: component.required ? 'problem' : 'warning',
      summary: `${component.tool} is not installed: no ${component.usedFor}.`,
      fix: `sudo apt-get install ${report.package}`,
      details: { package: report.package },
    };
  }
  const version = report.version ? `${report.version}${report.versionFrom === 'dpkg' ? ` (package ${report.package})` : ''}` : 'version unknown';
  return { id, title: component.name, status: 'ok', summary: `${version}, ${report.path}`, details: { path: report.path, version: report.version, package: report.package } };
}

/** The CPU flags that say whether hardware virtualization is offered to this system. */
export function cpuVirtualization(cpuinfo: string): 'vmx' | 'svm' | null {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  return flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : null;
}

const TCG_NOTE = 'Until then guests and inspection appliances run under TCG (software emulation): everything works, several times slower.';

export function kvmCheck(status: KvmStatus, cpu: 'vmx' | 'svm' | null): HostCheck {
  const base = { id: 'kvm', title: 'KVM', details: { reason: status.reason, cpuVirtualization: cpu } };
  if (status.usable) {
    return { ...base, status: 'ok', summary: status.reason === 'forced' ? 'assumed usable: HYPER2KVM_ACCEL=kvm (not probed).' : 'usable: qemu started a vCPU with KVM.' };
  }
  switch (status.reason) {
    case 'forced':
      return { ...base, status: 'warning', summary: 'not used: HYPER2KVM_ACCEL=tcg forces software emulation.', fix: 'Unset HYPER2KVM_ACCEL to use KVM where it works.' };
    case 'no-device':
      return cpu
        ? { ...base, status: 'warning', summary: `not usable: /dev/kvm does not exist, although the CPU offers ${cpu === 'vmx' ? 'Intel VT-x' : 'AMD-V'}.`, fix: `Load the KVM module: sudo modprobe ${cpu === 'vmx' ? 'kvm_intel' : 'kvm_amd'}. ${TCG_NOTE}` }
        : {
            ...base,
            status: 'warning',
            summary: 'not usable: /dev/kvm does not exist and the CPU offers no hardware virtualization to this system.',
            fix: `On a physical host, turn on VT-x/AMD-V in the firmware settings; in a virtual machine, enable nested virtualization on its host. ${TCG_NOTE}`,
          };
    case 'no-access':
      return { ...base, status: 'warning', summary: 'not usable: this user cannot open /dev/kvm.', fix: `Add yourself to the kvm group: sudo adduser "$USER" kvm, then log in again. ${TCG_NOTE}` };
    case 'qemu-failed':
      return {
        ...base,
        status: 'warning',
        summary: `not usable: /dev/kvm exists but qemu cannot run a vCPU with it (${firstErrorLine(status.stderrTail) ?? status.detail}).`,
        fix: `This is common under nested virtualization that lacks features qemu needs: check the host's nested virtualization settings. ${TCG_NOTE}`,
        ...(status.stderrTail ? { evidence: status.stderrTail } : {}),
      };
  }
}

function firstErrorLine(text: string | undefined): string | null {
  const lines = (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? null;
}

/** `virsh version`: "Using library: libvirt 9.0.0", "Running hypervisor: QEMU 7.2.22". */
export function parseVirshVersion(stdout: string): { library: string | null; hypervisor: string | null } {
  return {
    library: /Using library:\s*libvirt\s+(\S+)/.exec(stdout)?.[1] ?? null,
    hypervisor: /Running hypervisor:\s*(.+?)\s*$/m.exec(stdout)?.[1] ?? null,
  };
}

export type VirshOutcome = { ok: true; stdout: string } | { ok: false; error: EngineError } | { ok: false; missing: true };

export function libvirtCheck(uri: string, outcome: VirshOutcome, daemonInstalled: boolean): HostCheck {
  const base = { id: 'libvirtd', title: 'libvirtd', details: { uri } };
  const consequence = 'Converting works without it; creating domains and boot verification do not.';
  if (outcome.ok) {
    const { library, hypervisor } = parseVirshVersion(outcome.stdout);
    return { ...base, status: 'ok', summary: `${uri} answers${library ? `: libvirt ${library}` : ''}${hypervisor ? `, ${hypervisor}` : ''}.`, details: { uri, library, hypervisor } };
  }
  if ('missing' in outcome) return { ...base, status: 'warning', summary: `cannot ask: virsh is not installed. ${consequence}`, fix: 'sudo apt-get install libvirt-clients' };
  const stderr = outcome.error.evidence?.stderrTail ?? outcome.error.message;
  const evidence = { evidence: stderr };
  if (outcome.error.code === 'CANCELLED') {
    return { ...base, status: 'warning', summary: `${uri} did not answer within 15 s. ${consequence}`, fix: 'Check the daemon: sudo systemctl status libvirtd' };
  }
  // Before "not running": a socket the user may not open also fails to connect.
  if (/permission denied|authentication (unavailable|failed)|not authori[sz]ed|access denied/i.test(stderr)) {
    return { ...base, ...evidence, status: 'warning', summary: `${uri} refused this user. ${consequence}`, fix: 'Add yourself to the libvirt group: sudo adduser "$USER" libvirt, then log in again.' };
  }
  if (/no such file or directory|connection refused/i.test(stderr)) {
    return daemonInstalled
      ? { ...base, ...evidence, status: 'warning', summary: `${uri} is not reachable: libvirtd is not running. ${consequence}`, fix: 'Start it: sudo systemctl start libvirtd (on a host without systemd: sudo virtlogd -d && sudo libvirtd -d).' }
      : { ...base, ...evidence, status: 'warning', summary: `${uri} is not reachable: libvirtd is not installed. ${consequence}`, fix: 'sudo apt-get install libvirt-daemon-system' };
  }
  return { ...base, ...evidence, status: 'warning', summary: `${uri} is not reachable: ${outcome.error.message} ${consequence}`, fix: 'See the virsh output below.' };
}

export interface FolderSpace {
  /** What the app keeps there. */
  purpose: string;
  path: string;
  /** The folder itself, or the nearest parent that exists (where it would be created). */
  existing: string;
  /** Device id: folders on one file system are reported together. */
  device: number;
  freeBytes: number;
}

/** One check per file system, naming every folder the app uses on it. */
export function spaceChecks(folders: readonly FolderSpace[]): HostCheck[] {
  const byDevice = new Map<number, FolderSpace[]>();
  for (const f of folders) byDevice.set(f.device, [...(byDevice.get(f.device) ?? []), f]);
  return [...byDevice.values()].map((group) => {
    const { freeBytes } = group[0]!;
    const where = group.map((f) => `${f.path} (${f.purpose})`).join(', ');
    const status: CheckStatus = freeBytes < NO_SPACE_BYTES ? 'problem' : freeBytes < LOW_SPACE_BYTES ? 'warning' : 'ok';
    const check: HostCheck = {
      id: 'space',
      title: 'free space',
      status,
      summary: `${formatBytes(freeBytes)} free for ${where}.`,
      details: { freeBytes, folders: group.map((f) => ({ path: f.path, purpose: f.purpose, existing: f.existing })) },
    };
    if (status !== 'ok') check.fix = `A converted disk needs up to its virtual size there (qcow2: about its used size). Free space on that file system, or convert elsewhere with --out DIR.`;
    return check;
  });
}

export interface PolkitFacts {
  root: boolean;
  /** The installed policy file and the launcher path it names, or null when not installed. */
  policy: { path: string; execPath: string | null } | null;
  /** The launcher the policy names. */
  launcher: { exists: boolean; safe: boolean } | null;
  /** What `pkaction --action-id …` said: polkitd answers, or why not. */
  polkitd: 'answers' | 'no-authority' | 'unknown-action' | 'no-pkaction' | { other: string };
}

export const POLICY_PATH = '/usr/share/polkit-1/actions/org.hyper2kvm.helper.policy';

export function polkitCheck(facts: PolkitFacts): HostCheck {
  const base = { id: 'polkit', title: 'polkit', details: { policy: facts.policy, launcher: facts.launcher, polkitd: facts.polkitd } };
  const rootNote = 'Running as root, the app writes directly and needs neither the policy nor the helper.';
  if (!facts.policy) {
    return {
      ...base,
      status: facts.root ? 'ok' : 'warning',
      summary: `the privileged helper's policy is not installed (${POLICY_PATH}).${facts.root ? ` ${rootNote}` : ' From a source checkout, pkexec asks for its generic "run a program as root" permission instead.'}`,
      ...(facts.root ? {} : { fix: 'Install the hyper2kvm Debian package (npm run package:deb builds it), which installs the policy and the helper.' }),
    };
  }
  if (!facts.launcher?.exists || !facts.launcher.safe) {
    return {
      ...base,
      status: 'warning',
      summary: facts.launcher?.exists
        ? `the helper ${facts.policy.execPath} can be changed by users other than root: it is refused.`
        : `the policy names ${facts.policy.execPath ?? 'no program'}, which is not there.`,
      fix: 'Reinstall the hyper2kvm package: sudo apt-get install --reinstall hyper2kvm',
    };
  }
  const installed = `policy and helper installed (${facts.policy.execPath})`;
  if (facts.polkitd === 'answers') return { ...base, status: 'ok', summary: `${installed}; polkitd answers.` };
  if (facts.root) return { ...base, status: 'ok', summary: `${installed}. ${rootNote}` };
  if (facts.polkitd === 'no-authority') {
    return { ...base, status: 'warning', summary: `${installed}, but polkitd does not answer on the system bus: writing into system folders will be refused.`, fix: 'Start it: sudo systemctl start polkit (it needs the system D-Bus: sudo systemctl start dbus).' };
  }
  if (facts.polkitd === 'unknown-action') {
    return { ...base, status: 'warning', summary: `${installed}, but polkitd does not know the action org.hyper2kvm.helper.`, fix: 'Restart polkitd so it rereads its actions: sudo systemctl restart polkit' };
  }
  if (facts.polkitd === 'no-pkaction') return { ...base, status: 'warning', summary: `${installed}, but polkit's tools are missing.`, fix: 'sudo apt-get install polkitd pkexec' };
  return { ...base, status: 'warning', summary: `${installed}, but asking polkitd failed: ${facts.polkitd.other}` };
}

/** Programs that register as polkit authentication agents (the desktop shells that include one, too). */
export const KNOWN_AGENTS = [
  'polkit-gnome-authentication-agent-1',
  'polkit-kde-authentication-agent-1',
  'polkit-mate-authentication-agent-1',
  'polkit-efl-authentication-agent-1',
  'lxpolkit',
  'lxqt-policykit-agent',
  'xfce-polkit',
  'budgie-polkit-dialog',
  'hyprpolkitagent',
  'soteria',
  'gnome-shell',
  'cinnamon',
  'pkttyagent',
] as const;

/** The agents among processes (argv[0] and owner) that run for `uid`. */
export function findAgents(processes: ReadonlyArray<{ uid: number; argv0: string }>, uid: number): string[] {
  const names = new Set<string>();
  for (const p of processes) {
    const name = p.argv0.slice(p.argv0.lastIndexOf('/') + 1);
    if (p.uid === uid && (KNOWN_AGENTS as readonly string[]).includes(name)) names.add(name);
  }
  return [...names].sort();
}

export function agentCheck(facts: { root: boolean; agents: readonly string[]; terminal: boolean }): HostCheck {
  const base = { id: 'polkit-agent', title: 'polkit agent', details: { agents: facts.agents, terminal: facts.terminal } };
  if (facts.root) return { ...base, status: 'ok', summary: 'not needed: running as root.' };
  if (facts.agents.length) return { ...base, status: 'ok', summary: `${facts.agents.join(', ')} running: it asks for the password when the app writes into a system folder.` };
  // pkexec falls back to a text prompt on its controlling terminal when no agent is registered.
  if (facts.terminal) {
    return { ...base, status: 'ok', summary: 'no graphical agent runs for this user: pkexec asks for the password in the terminal the command runs in (for the wizard, the terminal running hyper2kvm serve).' };
  }
  return {
    ...base,
    status: 'warning',
    summary: 'no authentication agent runs for this user and there is no terminal to ask in: writing into system folders such as /var/lib/libvirt/images will be refused.',
    fix: 'On a desktop, log in to a session that starts an agent (GNOME, KDE and most desktops do). Otherwise run hyper2kvm in a terminal, convert into a folder you own, or run as root.',
  };
}

/** libguestfs builds its appliance from the host's kernel: one must be installed and readable. */
export function kernelCheck(kernels: ReadonlyArray<{ path: string; readable: boolean }>): HostCheck {
  const base = { id: 'appliance-kernel', title: 'appliance kernel', details: { kernels } };
  const readable = kernels.filter((k) => k.readable);
  if (readable.length) return { ...base, status: 'ok', summary: `${readable.at(-1)!.path} (libguestfs builds its appliance from it).` };
  if (kernels.length) {
    return { ...base, status: 'warning', summary: `${kernels.map((k) => k.path).join(', ')} cannot be read by this user: guest inspection will fail.`, fix: 'Make the kernel readable (sudo chmod 0644 /boot/vmlinuz-*) or inspect as root.' };
  }
  return { ...base, status: 'warning', summary: 'no kernel in /boot: libguestfs cannot build its appliance, so guest inspection will fail.', fix: 'sudo apt-get install linux-image-amd64' };
}

export function ovmfCheck(loader: string | null): HostCheck {
  return loader
    ? { id: 'ovmf', title: 'UEFI firmware', status: 'ok', summary: `${loader} (UEFI guests).`, details: { loader } }
    : { id: 'ovmf', title: 'UEFI firmware', status: 'warning', summary: 'OVMF is not installed: UEFI guests cannot be defined or boot-tested.', fix: 'sudo apt-get install ovmf' };
}
