import type { UnitChain, UnitFileState } from '../../../../shared/contract/models/inspection';

/**
 * Whether the guest's default target pulls in, at boot, the units a repair depends on — and by
 * which chain ("graphical.target → multi-user.target → ssh.service") — or why not. Pure: it walks
 * a UnitGraph, which systemd.ts builds from the unit files read offline.
 *
 * systemd builds the boot transaction from the default target by following, for every unit it
 * adds, the units it pulls in: Wants=, Requires=, BindsTo= and Upholds= lines of the unit file
 * and its drop-ins, and the entries of NAME.wants/, NAME.requires/ and NAME.upholds/ folders in
 * every unit folder (/etc/systemd/system for what `systemctl enable` made, /usr/lib/systemd/system
 * for what the packages ship: multi-user.target.wants/getty.target). A masked or missing unit is
 * not started and pulls in nothing. Breadth-first from the default target gives the shortest chain.
 *
 * The units systemd-fstab-generator and systemd-sysv-generator write to /run at boot are in the
 * graph (systemd.ts lays them over the unit folders, generated-units.ts): an application started
 * only by its /etc/init.d script and rc2-5.d links is reached through multi-user.target.
 *
 * Left out: the implicit dependencies systemd adds itself (a service's Requires=sysinit.target,
 * Requires= on the mounts of its paths, its slice, its .socket): they pull in targets, mounts and
 * slices the default target reaches anyway, never one of the units asked about — though through
 * them systemd may know a shorter chain (a generated service wanted by graphical.target itself
 * reaches sysinit.target in one step): the chain shown is then a longer one systemd has too. And
 * the units other generators write from the hardware or the running system. The serial getty
 * systemd-getty-generator links for console=ttyS0 is in the graph (generated-units.ts), read from
 * the kernel command line the boot loader gives the default kernel.
 */

/**
 * The units a repair cares about, each with why. "ifInstalled": listed only when the guest has
 * it (a guest without cloud-init is the normal case, not worth a row per unit).
 */
export const REPAIR_UNITS: ReadonlyArray<{ unit: string; why: string; ifInstalled?: boolean }> = [
  // The network managers: repair rewrites their configuration for the new virtio NIC; the one the
  // guest uses must start at boot or the converted guest comes up without network.
  { unit: 'systemd-networkd.service', why: 'applies /etc/systemd/network (.network/.link files repair rewrites)' },
  { unit: 'NetworkManager.service', why: 'applies NetworkManager keyfiles and ifcfg files (RHEL, Fedora, SUSE desktops)' },
  { unit: 'networking.service', why: 'ifupdown: applies /etc/network/interfaces (Debian, Ubuntu before netplan)' },
  { unit: 'wicked.service', why: 'applies /etc/sysconfig/network on SUSE' },
  // libvirt talks to the guest through it (shutdown, fsfreeze for snapshots, the guest's addresses).
  { unit: 'qemu-guest-agent.service', why: 'the QEMU guest agent libvirt uses for shutdown, fsfreeze and addresses' },
  // The way in to check the converted guest: Debian names it ssh, Red Hat and SUSE sshd.
  { unit: 'ssh.service', why: 'remote login (Debian, Ubuntu)' },
  { unit: 'sshd.service', why: 'remote login (RHEL, Fedora, SUSE)' },
  // The domain gets a serial console; boot verification watches it and an administrator logs in there.
  { unit: 'serial-getty@ttyS0.service', why: 'a login on the serial console the KVM domain gets' },
  { unit: 'getty.target', why: 'the console logins (getty@tty1, and serial gettys pulled in by it)' },
  // cloud-init may rewrite the network configuration on its first boot on a new platform.
  { unit: 'cloud-init-local.service', why: 'cloud-init: finds its datasource and writes the network configuration', ifInstalled: true },
  { unit: 'cloud-init.service', why: 'cloud-init: network stage', ifInstalled: true },
  { unit: 'cloud-config.service', why: 'cloud-init: config stage', ifInstalled: true },
  { unit: 'cloud-final.service', why: 'cloud-init: final stage', ifInstalled: true },
  // VMware Tools has nothing to talk to on KVM: reached at boot means it still starts there.
  { unit: 'vmtoolsd.service', why: 'VMware Tools daemon (its name on RHEL; an alias of open-vm-tools.service on Debian)' },
  { unit: 'open-vm-tools.service', why: 'VMware Tools daemon (its name on Debian and Ubuntu)' },
];

/** How a unit pulls in another. */
export type PullKind = 'Wants' | 'Requires' | 'BindsTo' | 'Upholds';

export interface UnitPull {
  unit: string;
  how: PullKind;
  /** Where: "/usr/lib/systemd/system/graphical.target:12" or the .wants link's path. */
  from: string;
}

export interface UnitNode {
  /** The name systemd loads it under: an alias resolves to the unit it names, an instance keeps its own name. */
  id: string;
  /** Its `systemctl list-unit-files` state ("masked" stops the walk there). */
  state: UnitFileState;
  /** What it pulls in; a masked unit's .wants links are listed, though systemd follows none of them. */
  pulls: UnitPull[];
}

export interface UnitGraph {
  /** The unit default.target resolves to (graphical.target); null when there is none. */
  defaultTarget: string | null;
  /** A unit as systemd would load it; null when no file defines it (an instance uses its template's). */
  node(name: string): UnitNode | null;
  /** Every unit name with a file, to find who pulls in a unit the walk did not reach. */
  names(): string[];
}

/** A chain longer than this is not followed: systemd's real ones have 2 to 5 links. */
export const MAX_CHAIN = 16;
/** At most this many units are visited (a guest has ~300 unit files, a big server ~1,500). */
export const MAX_UNITS = 20_000;

/** Shortest chains from the default target: unit id → the unit before it (the default target → null). */
function walk(graph: UnitGraph, start: string): Map<string, string | null> {
  const before = new Map<string, string | null>([[start, null]]);
  let frontier = [start];
  for (let depth = 1; depth < MAX_CHAIN && frontier.length && before.size < MAX_UNITS; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      const node = graph.node(id);
      if (!node || node.state === 'masked') continue;
      // Sorted, so that of two chains of the same length the report always shows the same one.
      for (const name of [...new Set(node.pulls.map((p) => p.unit))].sort()) {
        const target = graph.node(name);
        if (!target || before.has(target.id)) continue;
        before.set(target.id, id);
        next.push(target.id);
      }
    }
    frontier = next;
  }
  return before;
}

function chainTo(before: ReadonlyMap<string, string | null>, id: string): string[] {
  const chain: string[] = [];
  for (let at: string | null | undefined = id; at; at = before.get(at)) chain.unshift(at);
  return chain;
}

/** Who names the unit in a pull (unit ids, sorted): built once, only when some unit was not reached. */
function pullers(graph: UnitGraph): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  for (const name of graph.names()) {
    const node = graph.node(name);
    // An alias: its unit lists the same pulls. A template: never started itself, only its instances.
    if (!node || node.id !== name || /@\.[a-z]+$/.test(name)) continue;
    for (const p of node.pulls) {
      const target = graph.node(p.unit)?.id ?? p.unit;
      if (!by.has(target)) by.set(target, new Set());
      by.get(target)!.add(node.id);
    }
  }
  return by;
}

function list(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Why a unit the walk did not reach stays down at boot. */
function whyNot(node: UnitNode, by: ReadonlySet<string> | undefined, defaultTarget: string, masked: ReadonlySet<string>): string {
  if (node.state === 'masked') return 'masked: systemd will not start it, whatever pulls it in';
  const wanters = [...(by ?? [])].sort();
  // Reached but masked: the walk stopped there.
  const stopped = wanters.filter((w) => masked.has(w));
  if (stopped.length) return `${node.state}: only wanted by ${list(stopped)}, which is masked`;
  if (wanters.length) return `${node.state}: only wanted by ${list(wanters)}, which ${defaultTarget} does not reach`;
  const instance = /^(serial-)?getty@.+\.service$/.test(node.id) ? ' (systemd-getty-generator adds it at boot when the kernel command line names its console)' : '';
  if (node.state === 'disabled') return `disabled: nothing pulls it in${instance}`;
  if (node.state === 'static') return `static: nothing pulls it in at boot (it starts on demand: a socket, a timer, D-Bus or udev)${instance}`;
  // Enabled for a unit that does not exist (a .wants folder of a removed target), indirect...
  return `${node.state}: nothing ${defaultTarget} reaches pulls it in${instance}`;
}

/** For each unit asked about (REPAIR_UNITS by default), whether the default target pulls it in at boot, and how. */
export function unitChains(graph: UnitGraph, units: ReadonlyArray<{ unit: string; ifInstalled?: boolean }> = REPAIR_UNITS): UnitChain[] {
  const start = graph.defaultTarget === null ? null : graph.node(graph.defaultTarget);
  const before = start && start.state !== 'masked' ? walk(graph, start.id) : new Map<string, string | null>();
  let by: Map<string, Set<string>> | null = null;
  const chains: UnitChain[] = [];
  for (const { unit, ifInstalled } of units) {
    const node = graph.node(unit);
    if (!node) {
      if (!ifInstalled) chains.push({ unit, reached: false, chain: [], reason: 'not installed: no unit file of this name' });
      continue;
    }
    if (before.has(node.id) && node.state !== 'masked') {
      chains.push({ unit, reached: true, chain: chainTo(before, node.id), reason: null });
      continue;
    }
    let reason: string;
    if (graph.defaultTarget === null) reason = 'no default target: default.target is in no unit folder';
    else if (!start) reason = `the default target ${graph.defaultTarget} is not installed`;
    else if (start.state === 'masked') reason = `the default target ${start.id} is masked`;
    else reason = whyNot(node, (by ??= pullers(graph)).get(node.id), start.id, new Set([...before.keys()].filter((id) => graph.node(id)?.state === 'masked')));
    chains.push({ unit, reached: false, chain: [], reason });
  }
  return chains;
}
