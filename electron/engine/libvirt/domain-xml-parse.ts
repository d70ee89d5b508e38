import type { ParsedDomain } from '../../../shared/contract/models/libvirt';
import { fail } from '../core/errors';
import { XmlParseError, child, children, parseXml } from '../core/xml-read';
import type { XmlNode } from '../core/xml-read';

/**
 * Reads a domain XML (ours, or libvirt's expanded `dumpxml` of any domain) into the facts we use:
 * name and uuid for collisions, disk paths for "disk already in use", firmware for undefine
 * (--nvram), and enough of the rest to check that what libvirt stored is what we asked for.
 * Unknown elements are ignored; libvirt adds many (addresses, controllers, aliases).
 */
export function parseDomainXml(xml: string): ParsedDomain {
  let domain: XmlNode;
  try {
    domain = parseXml(xml);
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    return fail('LIBVIRT_XML_INVALID', `The domain XML could not be read: ${error.message}.`, 'This is unexpected: report it with the XML.');
  }
  if (domain.name !== 'domain') return fail('LIBVIRT_XML_INVALID', `The document is not a libvirt domain (its root is <${domain.name}>, not <domain>).`, 'Check that the file is a domain XML.');

  const os = child(domain, 'os');
  const machine = attr(child(os, 'type'), 'machine');
  const loader = child(os, 'loader');
  const nvram = child(os, 'nvram');
  const devices = child(domain, 'devices');
  const cpu = child(domain, 'cpu');
  const topology = child(cpu, 'topology');

  const isUefi = attr(os, 'firmware') === 'efi' || attr(loader, 'type') === 'pflash';
  const secureFeature = children(child(os, 'firmware'), 'feature').some((f) => attr(f, 'name') === 'secure-boot' && attr(f, 'enabled') === 'yes');
  const name = text(child(domain, 'name'));
  if (!name) return fail('LIBVIRT_XML_INVALID', 'The domain XML has no name.', 'Check that the file is a domain XML.');

  const parsed: ParsedDomain = {
    name,
    type: attr(domain, 'type') ?? 'unknown',
    machineFamily: machineFamily(machine),
    memoryMiB: toMiB(child(domain, 'memory')),
    vcpus: { count: int(text(child(domain, 'vcpu'))) ?? 1 },
    firmware: {
      type: isUefi ? 'uefi' : 'bios',
      secureBoot: attr(loader, 'secure') === 'yes' || secureFeature,
      useSerial: children(os, 'bios').some((b) => attr(b, 'useserial') === 'yes'),
    },
    disks: children(devices, 'disk').map((disk) => {
      const source = child(disk, 'source');
      const target = child(disk, 'target');
      const order = int(attr(child(disk, 'boot'), 'order'));
      return {
        device: attr(disk, 'device') ?? 'disk',
        ...defined('path', attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'name')),
        ...defined('format', attr(child(disk, 'driver'), 'type')),
        ...defined('bus', attr(target, 'bus')),
        ...defined('target', attr(target, 'dev')),
        ...defined('bootOrder', order),
        readonly: child(disk, 'readonly') !== undefined,
      };
    }),
    nics: children(devices, 'interface').map((nic) => {
      const source = child(nic, 'source');
      return {
        sourceType: attr(nic, 'type') ?? 'unknown',
        ...defined('source', attr(source, 'network') ?? attr(source, 'bridge') ?? attr(source, 'dev')),
        ...defined('mac', attr(child(nic, 'mac'), 'address')?.toLowerCase()),
        ...defined('model', attr(child(nic, 'model'), 'type')),
        linkUp: attr(child(nic, 'link'), 'state') !== 'down',
      };
    }),
    serial: children(devices, 'serial').map((s) => ({ type: attr(s, 'type') ?? 'unknown', ...defined('path', attr(child(s, 'source'), 'path')) })),
    graphics: children(devices, 'graphics').map((g) => {
      const port = int(attr(g, 'port'));
      return {
        type: attr(g, 'type') ?? 'unknown',
        ...defined('listen', attr(g, 'listen') ?? attr(child(g, 'listen'), 'address')),
        ...defined('port', port !== undefined && port > 0 ? port : undefined),
      };
    }),
    guestAgent: children(devices, 'channel').some((c) => attr(child(c, 'target'), 'name') === 'org.qemu.guest_agent.0'),
    rng: children(devices, 'rng').length > 0,
    memballoon: children(devices, 'memballoon').some((m) => attr(m, 'model') !== 'none'),
  };
  assign(parsed, 'uuid', text(child(domain, 'uuid')));
  assign(parsed, 'title', text(child(domain, 'title')));
  assign(parsed, 'description', text(child(domain, 'description')));
  assign(parsed, 'machine', machine);
  assign(parsed, 'cpuMode', attr(cpu, 'mode'));
  if (topology) {
    assign(parsed.vcpus, 'sockets', int(attr(topology, 'sockets')));
    assign(parsed.vcpus, 'cores', int(attr(topology, 'cores')));
    assign(parsed.vcpus, 'threads', int(attr(topology, 'threads')));
  }
  assign(parsed.firmware, 'loader', text(loader));
  assign(parsed.firmware, 'nvram', text(nvram));
  assign(parsed.firmware, 'nvramTemplate', attr(nvram, 'template'));
  assign(parsed, 'clock', attr(child(domain, 'clock'), 'offset'));
  assign(parsed, 'onPoweroff', text(child(domain, 'on_poweroff')));
  assign(parsed, 'onReboot', text(child(domain, 'on_reboot')));
  assign(parsed, 'onCrash', text(child(domain, 'on_crash')));
  return parsed;
}

/** libvirt expands "q35" to "pc-q35-7.2" and "pc" to "pc-i440fx-7.2". */
export function machineFamily(machine: string | undefined): ParsedDomain['machineFamily'] {
  if (machine === undefined) return 'other';
  if (/^(pc-)?q35(-|$)/.test(machine)) return 'q35';
  if (machine === 'pc' || /^pc-i440fx(-|$)/.test(machine)) return 'i440fx';
  return 'other';
}

const UNIT_TO_KIB: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  kb: 1000 / 1024,
  k: 1,
  kib: 1,
  mb: 1e6 / 1024,
  m: 1024,
  mib: 1024,
  gb: 1e9 / 1024,
  g: 1024 * 1024,
  gib: 1024 * 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
  tb: 1e12 / 1024,
};

/** libvirt's default memory unit is KiB; dumpxml always writes KiB. */
export function toMiB(node: XmlNode | undefined): number {
  if (!node) return 0;
  const value = Number(text(node) ?? '0');
  const unit = (attr(node, 'unit') ?? 'KiB').toLowerCase();
  const kib = value * (UNIT_TO_KIB[unit] ?? 1);
  return Math.round((kib / 1024) * 1000) / 1000;
}

/** libvirt's attributes are unprefixed: by local name. */
function attr(node: XmlNode | undefined, name: string): string | undefined {
  return node?.attrs[name];
}

/** An element's trimmed text; undefined when absent or blank. */
function text(node: XmlNode | undefined): string | undefined {
  const value = node?.text.trim();
  return value === undefined || value === '' ? undefined : value;
}

function int(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
