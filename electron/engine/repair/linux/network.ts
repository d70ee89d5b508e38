import type { NetworkConfig } from '../../../../shared/contract/models/inspection';
import { normalizeMac } from '../../guest/linux/network';
import type { FileEdit, FixDraft } from '../draft';
import { blocked, mapLines, notNeeded } from '../draft';
import type { LinuxGuest } from './guest-view';
import { guestText } from './guest-view';

/**
 * The guest keeps its network identity on KVM. Its NIC becomes virtio and usually gets another
 * name (ens192 on VMware, enp1s0 on q35), and another MAC unless the domain keeps the source's.
 *
 *  - pin-name (default): the configurations stay as they are; the NIC gets the name they use.
 *    A name already pinned to a MAC the NIC keeps needs nothing. A pin on a MAC that changes is
 *    re-keyed on the new MAC (or, when the new MAC is not known yet and the VM has one NIC, on
 *    the virtio driver). A slot-derived name nothing pins gets a systemd .link file.
 *  - rewrite-configs: the configurations that name the old interface are rewritten for the name
 *    it will have, and their MAC matches dropped.
 *
 * Static addresses stay either way. Stale persistent-net rules for a VMware MAC that changes
 * are removed.
 */

const ID = 'keep-network-identity';
const TITLE = 'Keep the interface names and static addresses on the new NIC';
const FINDINGS = ['NIC_MAC_PINNED', 'NIC_NAME_WILL_CHANGE', 'STATIC_ADDRESSES'];
/** Names systemd derives from the PCI slot or firmware index: they change with the virtual hardware. */
const SLOT_NAME = /^(ens\d+|enp\d+s\d+(f\d+)?|eno\d+)$/;
const CONFIG_SOURCES = new Set<NetworkConfig['source']>(['ifupdown', 'netplan', 'networkmanager', 'ifcfg', 'systemd-networkd']);
const LINK_DIR = '/etc/systemd/network';

type Fate = { kind: 'kept' } | { kind: 'new'; mac: string } | { kind: 'unknown' };

function fateOf(guest: LinuxGuest, mac: string): Fate {
  const macs = guest.options.macs;
  if (!Object.prototype.hasOwnProperty.call(macs, mac)) return { kind: 'kept' };
  const next = macs[mac];
  if (next === null || next === undefined) return { kind: 'unknown' };
  const normal = normalizeMac(next);
  return normal && normal !== mac ? { kind: 'new', mac: normal } : { kind: 'kept' };
}

/** How many NICs the VM has: its metadata, else the MACs its configurations know, at least one. */
function nicCount(guest: LinuxGuest): number {
  if (guest.vm?.nics.length) return guest.vm.nics.length;
  return Math.max(1, new Set(guest.report.network.map((n) => n.mac).filter(Boolean)).size);
}

/** The MAC the VM's only NIC has on VMware, when the metadata says. */
function onlyNicMac(guest: LinuxGuest): string | null {
  const nics = guest.vm?.nics ?? [];
  return nics.length === 1 && nics[0]!.mac ? normalizeMac(nics[0]!.mac) : null;
}

const macPattern = (mac: string): RegExp => new RegExp(mac.split(':').join('[:-]?'), 'i');

/** Re-keys one pinned configuration file from `old` to the NIC's MAC on KVM (or its driver). */
type TextEdit = Extract<FileEdit, { kind: 'text' }>;

function rekey(config: NetworkConfig, old: string, fate: Exclude<Fate, { kind: 'kept' }>): TextEdit {
  const re = macPattern(old);
  const path = config.file;
  const next = fate.kind === 'new' ? fate.mac : null;
  const transform = (text: string): string =>
    mapLines(text, (line) => {
      if (!re.test(line)) return line;
      if (next) return line.replace(re, next);
      switch (config.source) {
        case 'systemd-link':
        case 'systemd-networkd':
          return line.replace(/^(\s*)MACAddress\s*=.*$/i, '$1# hyper2kvm: the NIC gets a new MAC on KVM; matched by its driver instead\n$1Driver=virtio_net');
        case 'netplan':
          return line.replace(/^(\s*)macaddress\s*:.*$/i, '$1driver: virtio_net');
        case 'udev-rule':
        case 'ifcfg':
        case 'networkmanager':
          // HWADDR= / mac-address= / a persistent-net rule for a MAC that is gone: dropped.
          return null;
        default:
          return line;
      }
    });
  return { path, kind: 'text', transform };
}

function linkFile(name: string, match: string, why: string): string {
  return [`# Written by hyper2kvm: ${why}`, '[Match]', match, '', '[Link]', `Name=${name}`, ''].join('\n');
}

export function planNetwork(guest: LinuxGuest): FixDraft {
  const configs = guest.report.network.filter((n) => n.source !== 'windows-registry');
  if (configs.length === 0) return notNeeded(ID, TITLE, FINDINGS, 'The guest has no network configuration this product reads.');
  const single = nicCount(guest) === 1;
  return guest.options.network === 'rewrite-configs' ? planRewrite(guest, configs, single) : planPin(guest, configs, single);
}

function planPin(guest: LinuxGuest, configs: readonly NetworkConfig[], single: boolean): FixDraft {
  const edits: FileEdit[] = [];
  const notes: string[] = [];
  const pinnedNames = new Set<string>();
  for (const config of configs) {
    if (!config.mac) {
      // A name matched by something other than a MAC (Driver=, Path=: a repaired guest) holds.
      if (config.setsName) pinnedNames.add(config.setsName);
      continue;
    }
    const fate = fateOf(guest, config.mac);
    if (config.setsName && fate.kind !== 'unknown') pinnedNames.add(config.setsName);
    if (fate.kind === 'kept') continue;
    if (fate.kind === 'unknown' && !single && config.source !== 'udev-rule' && config.source !== 'ifcfg' && config.source !== 'networkmanager') {
      return blocked(ID, TITLE, FINDINGS, `${config.file} is pinned to ${config.mac}, which changes on KVM to a MAC not known yet, and the VM has several NICs: give the new MACs (or keep the source MACs in the domain).`);
    }
    edits.push(rekey(config, config.mac, fate));
    if (config.setsName) pinnedNames.add(config.setsName);
    notes.push(`${config.file}: ${config.mac} → ${fate.kind === 'new' ? fate.mac : config.source === 'udev-rule' || config.source === 'ifcfg' || config.source === 'networkmanager' ? 'no MAC match (the MAC changes)' : 'the virtio driver (new MAC not known yet)'}`);
  }

  const hasSystemd = guest.report.linux.systemd !== null;
  const unpinned = [...new Set(configs.filter((c) => CONFIG_SOURCES.has(c.source) && c.interface && SLOT_NAME.test(c.interface) && !pinnedNames.has(c.interface)).map((c) => c.interface!))];
  if (unpinned.length) {
    if (!hasSystemd) return blocked(ID, TITLE, FINDINGS, `The configurations use ${unpinned.join(', ')}, names that change on KVM, and the guest has no systemd to pin them; choose rewrite-configs.`);
    if (unpinned.length > 1 || !single) return blocked(ID, TITLE, FINDINGS, `The configurations use ${unpinned.join(', ')}, and the VM has several NICs: which NIC had which name cannot be told. Choose rewrite-configs, or pin the names yourself.`);
    const name = unpinned[0]!;
    const mac = onlyNicMac(guest);
    const fate = mac ? fateOf(guest, mac) : null;
    const match = fate?.kind === 'kept' ? `MACAddress=${mac}` : fate?.kind === 'new' ? `MACAddress=${fate.mac}` : 'Driver=virtio_net';
    const path = `${LINK_DIR}/10-hyper2kvm-${name}.link`;
    if (guestText(guest, path) === null) {
      edits.push({ path, kind: 'create', content: linkFile(name, match, `the NIC keeps the name ${name} it had on VMware, where its configuration expects it.`) });
      notes.push(`${path} gives the NIC the name ${name} (matched by ${match})`);
    }
  }
  if (edits.length === 0) {
    return notNeeded(ID, TITLE, FINDINGS, 'The NIC keeps its MAC on KVM, and every interface name the configurations use is pinned to it, so they apply as before.');
  }
  return { id: ID, title: TITLE, findings: FINDINGS, status: 'planned', reason: `${notes.join('; ')}. Static addresses are kept.`, optional: false, edits, commands: [] };
}

/** What the NIC will be called on KVM: the first NIC of a q35 domain sits on PCI bus 1. */
export function predictedName(index: number): string {
  return `enp${index + 1}s0`;
}

function planRewrite(guest: LinuxGuest, configs: readonly NetworkConfig[], single: boolean): FixDraft {
  // Names that survive: set by a pin on a MAC the NIC keeps.
  const kept = new Set(configs.filter((c) => c.setsName && c.mac && fateOf(guest, c.mac).kind === 'kept').map((c) => c.setsName!));
  const names = [...new Set(configs.filter((c) => CONFIG_SOURCES.has(c.source) && c.interface && SLOT_NAME.test(c.interface) && !kept.has(c.interface)).map((c) => c.interface!))];
  const pins = configs.filter((c) => c.mac && fateOf(guest, c.mac).kind !== 'kept');
  if (names.length === 0 && pins.length === 0) return notNeeded(ID, TITLE, FINDINGS, 'Every interface name the configurations use stays the same on KVM.');
  if (names.length > 1 && !single) return blocked(ID, TITLE, FINDINGS, `The configurations use ${names.join(', ')} and the VM has several NICs: which name each gets on KVM cannot be told from here. Use pin-name with the new MACs.`);
  const renames = new Map(names.map((n, i) => [n, predictedName(i)]));
  const edits: FileEdit[] = [];
  const files = new Set(configs.filter((c) => (c.interface && renames.has(c.interface)) || pins.includes(c)).map((c) => c.file));
  for (const file of files) {
    const mine = configs.filter((c) => c.file === file);
    const edit: TextEdit = {
      path: file,
      kind: 'text',
      transform: (text) => {
        let out = text;
        for (const [from, to] of renames) out = out.replace(new RegExp(`(?<![\\w.-])${from}(?![\\w-])`, 'g'), to);
        for (const c of mine.filter((m) => pins.includes(m))) out = rekey(c, c.mac!, { kind: 'unknown' }).transform(out);
        return out;
      },
    };
    // ifcfg files are found by their name too: ifcfg-ens192 becomes ifcfg-enp1s0.
    const m = /^(.*\/ifcfg-)(.+)$/.exec(file);
    const renamed = m ? renames.get(m[2]!) : undefined;
    if (m && renamed) edits.push({ path: `${m[1]}${renamed}`, kind: 'create', content: edit.transform(guestText(guest, file) ?? '') }, { path: file, kind: 'remove' });
    else edits.push(edit);
  }
  const list = [...renames].map(([a, b]) => `${a} → ${b}`);
  return { id: ID, title: TITLE, findings: FINDINGS, status: 'planned', reason: `Rewrites the configurations for the names the NIC gets on KVM (${list.join(', ') || 'names kept'})${pins.length ? ' and drops their matches on VMware MACs' : ''}. Static addresses are kept.`, optional: false, edits, commands: [] };
}
