import { parse as parseYaml } from 'yaml';
import type { NetworkConfig } from '../../../../shared/contract/models/inspection';

/**
 * Network configuration from every tool that may hold it. What matters for a move to KVM: which
 * configurations are pinned to a MAC address (they stop matching when the NIC changes) or to a
 * VMware-era interface name, and which static addresses must be preserved.
 */

type Draft = Omit<NetworkConfig, 'source' | 'file'>;

function blank(line: number | null): Draft {
  return { line, interface: null, mac: null, setsName: null, method: 'unknown', addresses: [], gateway: null, dns: [] };
}

export function normalizeMac(value: string): string | null {
  const hex = value.trim().toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) return null;
  return hex.match(/../g)!.join(':');
}

export function netmaskToPrefix(mask: string): number | null {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) return null;
  return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
}

function withPrefix(address: string, prefix: string | number | null | undefined): string {
  if (address.includes('/') || prefix === null || prefix === undefined || prefix === '') return address;
  return `${address}/${prefix}`;
}

// ---------------------------------------------------------------------------------------------
// INI-style files (systemd units, NetworkManager keyfiles)

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export function parseIni(text: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section = '';
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    entries.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: index + 1 });
  });
  return entries;
}

function iniAll(entries: IniEntry[], section: string, key: string): IniEntry[] {
  return entries.filter((e) => e.section.toLowerCase() === section.toLowerCase() && e.key === key);
}
function iniGet(entries: IniEntry[], section: string, key: string): IniEntry | undefined {
  return iniAll(entries, section, key).at(-1);
}

// ---------------------------------------------------------------------------------------------
// ifupdown (/etc/network/interfaces and interfaces.d)

export function parseIfupdown(text: string): Draft[] {
  const configs: Draft[] = [];
  let current: (Draft & { netmask?: string }) | null = null;
  const finish = (): void => {
    if (!current) return;
    if (current.netmask) {
      const prefix = netmaskToPrefix(current.netmask);
      current.addresses = current.addresses.map((a) => withPrefix(a, prefix));
    }
    delete current.netmask;
    configs.push(current);
    current = null;
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === 'iface') {
      finish();
      const [name, family, method] = args;
      current = blank(index + 1);
      current.interface = name ?? null;
      current.method = method === 'dhcp' ? 'dhcp' : method === 'static' ? 'static' : method === 'manual' ? 'manual' : method === 'loopback' ? 'loopback' : 'unknown';
      if (family === 'inet6' && method === 'auto') current.method = 'dhcp';
      return;
    }
    if (keyword === 'auto' || keyword === 'allow-hotplug' || keyword === 'mapping' || keyword === 'source' || keyword === 'source-directory' || keyword?.startsWith('allow-')) {
      finish();
      return;
    }
    if (!current) return;
    const value = args.join(' ');
    switch (keyword) {
      case 'address':
        current.addresses.push(value);
        break;
      case 'netmask':
        current.netmask = value;
        break;
      case 'gateway':
        current.gateway = value;
        break;
      case 'dns-nameservers':
        current.dns.push(...args);
        break;
      case 'hwaddress': {
        // "hwaddress ether 00:50:56:..." or "hwaddress 00:50:56:...".
        const mac = normalizeMac(args.at(-1) ?? '');
        if (mac) {
          current.mac = mac;
          current.line = index + 1;
        }
        break;
      }
    }
  });
  finish();
  return configs;
}

// ---------------------------------------------------------------------------------------------
// netplan (/etc/netplan/*.yaml)

/** A netplan device as the guest's YAML has it: any value may have any shape. */
interface NetplanDevice {
  match?: unknown;
  'set-name'?: unknown;
  macaddress?: unknown;
  dhcp4?: unknown;
  dhcp6?: unknown;
  addresses?: unknown;
  gateway4?: unknown;
  gateway6?: unknown;
  routes?: unknown;
  nameservers?: unknown;
}

/** Line number of the first line matching `pattern` at or after line `from` (1-based). */
function lineOf(text: string, pattern: RegExp, from = 1): number | null {
  const index = text
    .split('\n')
    .findIndex((l, i) => i + 1 >= from && pattern.test(l));
  return index >= 0 ? index + 1 : null;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A YAML scalar as text (`set-name: 123` is a number to YAML); undefined for anything else. */
function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function parseNetplan(text: string): Draft[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return [];
  }
  const network = (doc as { network?: Record<string, unknown> } | null)?.network;
  if (!network || typeof network !== 'object') return [];
  const configs: Draft[] = [];
  for (const kind of ['ethernets', 'bonds', 'bridges', 'vlans', 'wifis']) {
    const devices = network[kind];
    if (!devices || typeof devices !== 'object') continue;
    for (const [id, raw] of Object.entries(devices as Record<string, unknown>)) {
      // The guest's YAML may hold anything where netplan expects a mapping or a list (a bare
      // `-` is null): only values of the expected shape are read (null items crashed, found by fuzzing).
      const device: NetplanDevice = isMapping(raw) ? raw : {};
      const match = isMapping(device.match) ? device.match : {};
      const draft = blank(lineOf(text, new RegExp(`^\\s*${escapeRegex(id)}\\s*:`)));
      draft.interface = scalar(match.name) ?? scalar(device['set-name']) ?? id;
      draft.setsName = scalar(device['set-name']) ?? null;
      const pinned = scalar(match.macaddress) ?? scalar(device.macaddress);
      if (pinned) {
        draft.mac = normalizeMac(pinned);
        draft.line = lineOf(text, /^\s*macaddress\s*:/, draft.line ?? 1) ?? draft.line;
      }
      for (const a of listOf(device.addresses)) draft.addresses.push(isMapping(a) ? (Object.keys(a)[0] ?? '') : (scalar(a) ?? ''));
      const dhcp = [device.dhcp4, device.dhcp6].some((v) => v === true || v === 'true' || v === 'yes');
      draft.method = dhcp ? 'dhcp' : draft.addresses.length ? 'static' : 'none';
      const defaultRoute = listOf(device.routes)
        .filter(isMapping)
        .find((r) => r.to === 'default' || r.to === '0.0.0.0/0');
      draft.gateway = scalar(device.gateway4) ?? scalar(defaultRoute?.via) ?? scalar(device.gateway6) ?? null;
      draft.dns = listOf(isMapping(device.nameservers) ? device.nameservers.addresses : undefined)
        .map(scalar)
        .filter((v): v is string => v !== undefined);
      configs.push(draft);
    }
  }
  return configs;
}

// ---------------------------------------------------------------------------------------------
// NetworkManager keyfiles (/etc/NetworkManager/system-connections/*.nmconnection)

export function parseNmKeyfile(text: string): Draft[] {
  const ini = parseIni(text);
  const type = iniGet(ini, 'connection', 'type')?.value;
  if (type === 'loopback') return [];
  const draft = blank(iniGet(ini, 'connection', 'id')?.line ?? 1);
  draft.interface = iniGet(ini, 'connection', 'interface-name')?.value ?? null;
  const macEntry = iniGet(ini, 'ethernet', 'mac-address') ?? iniGet(ini, '802-3-ethernet', 'mac-address') ?? iniGet(ini, 'ethernet', 'cloned-mac-address');
  if (macEntry) {
    draft.mac = normalizeMac(macEntry.value);
    draft.line = macEntry.line;
  }
  const method = iniGet(ini, 'ipv4', 'method')?.value;
  draft.method = method === 'auto' ? 'dhcp' : method === 'manual' ? 'static' : method === 'disabled' ? 'none' : method ? 'unknown' : 'unknown';
  for (const entry of ini.filter((e) => e.section === 'ipv4' || e.section === 'ipv6')) {
    if (/^address(es)?\d*$/.test(entry.key)) {
      // address1=10.0.0.5/24,10.0.0.1 (gateway after the comma)
      for (const part of entry.value.split(';').filter(Boolean)) {
        const [address, gateway] = part.split(',');
        if (address) draft.addresses.push(address.trim());
        if (gateway && !draft.gateway) draft.gateway = gateway.trim();
      }
    } else if (entry.key === 'gateway' && !draft.gateway) draft.gateway = entry.value;
    else if (entry.key === 'dns') draft.dns.push(...entry.value.split(/[;,]/).filter(Boolean));
  }
  return [draft];
}

// ---------------------------------------------------------------------------------------------
// ifcfg (/etc/sysconfig/network-scripts/ifcfg-*, SUSE /etc/sysconfig/network/ifcfg-*)

function unquote(value: string): string {
  const v = value.trim();
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return v.slice(1, -1);
  return v;
}

export function parseIfcfg(text: string, fileName: string): Draft[] {
  const vars = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, index) => {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(raw);
    if (m) vars.set(m[1]!, { value: unquote(m[2]!.replace(/\s+#.*$/, '')), line: index + 1 });
  });
  const get = (k: string): string | undefined => vars.get(k)?.value;
  const name = get('DEVICE') ?? get('NAME') ?? fileName.replace(/^ifcfg-/, '');
  if (name === 'lo') return [];
  const draft = blank(1);
  draft.interface = name;
  const macVar = vars.get('HWADDR') ?? vars.get('MACADDR') ?? vars.get('LLADDR');
  if (macVar && macVar.value) {
    draft.mac = normalizeMac(macVar.value);
    draft.line = macVar.line;
  }
  const proto = (get('BOOTPROTO') ?? '').toLowerCase();
  for (const [key, { value }] of vars) {
    const m = /^IPADDR(\d*)$/.exec(key);
    if (!m || !value) continue;
    const suffix = m[1] ?? '';
    const prefix = get(`PREFIX${suffix}`) ?? (get(`NETMASK${suffix}`) ? netmaskToPrefix(get(`NETMASK${suffix}`)!) : null);
    draft.addresses.push(withPrefix(value, prefix));
  }
  draft.method = proto === 'dhcp' || proto === 'bootp' ? 'dhcp' : draft.addresses.length || proto === 'static' ? 'static' : proto === 'none' ? 'none' : 'unknown';
  draft.gateway = get('GATEWAY') ?? null;
  for (const key of ['DNS1', 'DNS2', 'DNS3']) if (get(key)) draft.dns.push(get(key)!);
  return [draft];
}

// ---------------------------------------------------------------------------------------------
// systemd-networkd .network and systemd .link files

export function parseNetworkdNetwork(text: string): Draft[] {
  const ini = parseIni(text);
  const draft = blank(ini[0]?.line ?? 1);
  draft.interface = iniGet(ini, 'Match', 'Name')?.value ?? null;
  const macEntry = iniGet(ini, 'Match', 'MACAddress') ?? iniGet(ini, 'Match', 'PermanentMACAddress');
  if (macEntry) {
    draft.mac = normalizeMac(macEntry.value.split(/\s+/)[0] ?? '');
    draft.line = macEntry.line;
  }
  const dhcp = iniGet(ini, 'Network', 'DHCP')?.value.toLowerCase();
  draft.addresses = [...iniAll(ini, 'Network', 'Address'), ...iniAll(ini, 'Address', 'Address')].map((e) => e.value);
  draft.method = dhcp && dhcp !== 'no' && dhcp !== 'false' ? 'dhcp' : draft.addresses.length ? 'static' : 'unknown';
  draft.gateway = iniGet(ini, 'Network', 'Gateway')?.value ?? iniGet(ini, 'Route', 'Gateway')?.value ?? null;
  draft.dns = iniAll(ini, 'Network', 'DNS').flatMap((e) => e.value.split(/\s+/));
  return [draft];
}

export function parseSystemdLink(text: string): Draft[] {
  const ini = parseIni(text);
  const draft = blank(ini[0]?.line ?? 1);
  const macEntry = iniGet(ini, 'Match', 'MACAddress') ?? iniGet(ini, 'Match', 'PermanentMACAddress') ?? iniGet(ini, 'Link', 'MACAddress');
  if (macEntry) {
    draft.mac = normalizeMac(macEntry.value.split(/\s+/)[0] ?? '');
    draft.line = macEntry.line;
  }
  draft.interface = iniGet(ini, 'Match', 'OriginalName')?.value ?? null;
  draft.setsName = iniGet(ini, 'Link', 'Name')?.value ?? null;
  draft.method = 'none';
  // A .link file without a MAC or a name matches by driver or path: not interesting here.
  if (!draft.mac && !draft.setsName) return [];
  return [draft];
}

// ---------------------------------------------------------------------------------------------
// udev persistent net rules (/etc/udev/rules.d/70-persistent-net.rules)

export function parseUdevNetRules(text: string): Draft[] {
  const configs: Draft[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || !/SUBSYSTEM=="net"/.test(line)) return;
    const mac = /ATTRS?\{address\}=="([^"]+)"/.exec(line)?.[1];
    const name = /NAME:?="([^"]+)"/.exec(line)?.[1];
    if (!mac && !name) return;
    const draft = blank(index + 1);
    draft.mac = mac ? normalizeMac(mac) : null;
    draft.setsName = name ?? null;
    draft.method = 'none';
    configs.push(draft);
  });
  return configs;
}

// ---------------------------------------------------------------------------------------------

/** Which parser reads a file, from where it lives. Null for files no tool reads. */
export function networkSourceFor(path: string): NetworkConfig['source'] | null {
  if (path === '/etc/network/interfaces' || /^\/etc\/network\/interfaces\.d\/[^/]+$/.test(path)) return 'ifupdown';
  if (/^\/(etc|run|lib)\/netplan\/[^/]+\.ya?ml$/.test(path)) return 'netplan';
  if (/^\/etc\/NetworkManager\/system-connections\/[^/]+$/.test(path)) return 'networkmanager';
  if (/^\/etc\/sysconfig\/network(-scripts)?\/ifcfg-[^/]+$/.test(path) && !/\.(bak|orig|rpmsave|rpmnew)$|~$/.test(path)) return 'ifcfg';
  if (/^\/etc\/systemd\/network\/[^/]+\.network$/.test(path)) return 'systemd-networkd';
  if (/^\/etc\/systemd\/network\/[^/]+\.link$/.test(path)) return 'systemd-link';
  if (/^\/etc\/udev\/rules\.d\/[^/]*net[^/]*\.rules$/.test(path)) return 'udev-rule';
  return null;
}

export function parseNetworkFile(path: string, text: string): NetworkConfig[] {
  const source = networkSourceFor(path);
  if (!source) return [];
  const fileName = path.slice(path.lastIndexOf('/') + 1);
  let drafts: Draft[];
  switch (source) {
    case 'ifupdown':
      drafts = parseIfupdown(text).filter((d) => d.method !== 'loopback');
      break;
    case 'netplan':
      drafts = parseNetplan(text);
      break;
    case 'networkmanager':
      drafts = parseNmKeyfile(text);
      break;
    case 'ifcfg':
      drafts = parseIfcfg(text, fileName);
      break;
    case 'systemd-networkd':
      drafts = parseNetworkdNetwork(text);
      break;
    case 'systemd-link':
      drafts = parseSystemdLink(text);
      break;
    default:
      drafts = parseUdevNetRules(text);
  }
  return drafts.map((d) => ({ source, file: path, ...d }));
}
