import { XMLParser } from 'fast-xml-parser';
import type { ParsedDomain } from '../../../shared/contract/models/libvirt';
import { fail } from '../core/errors';

/**
 * Reads a domain XML (ours, or libvirt's expanded `dumpxml` of any domain) into the facts we use:
 * name and uuid for collisions, disk paths for "disk already in use", firmware for undefine
 * (--nvram), and enough of the rest to check that what libvirt stored is what we asked for.
 * Unknown elements are ignored; libvirt adds many (addresses, controllers, aliases).
 */

type Node = Record<string, unknown>;

/** Elements that may repeat in a domain document: always read as lists. */
const REPEATING = new Set(['disk', 'interface', 'serial', 'console', 'channel', 'graphics', 'rng', 'memballoon', 'controller', 'timer', 'listen', 'boot']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATING.has(name),
});

export function parseDomainXml(xml: string): ParsedDomain {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    return fail('LIBVIRT_XML_INVALID', `The domain XML could not be read: ${(error as Error).message}`, 'This is unexpected: report it with the XML.');
  }
  const domain = obj(doc.domain);
  if (!domain) return fail('LIBVIRT_XML_INVALID', 'The document is not a libvirt domain (no <domain> element).', 'Check that the file is a domain XML.');

  const os = obj(domain.os) ?? {};
  const osType = obj(os.type) ?? {};
  const machine = attr(osType, 'machine');
  const loader = obj(os.loader);
  const nvram = obj(os.nvram);
  const devices = obj(domain.devices) ?? {};
  const cpu = obj(domain.cpu);
  const topology = obj(cpu?.topology);

  const firmwareAttr = attr(os, 'firmware');
  const isUefi = firmwareAttr === 'efi' || (loader !== undefined && attr(loader, 'type') === 'pflash');
  const secureFeature = list(obj(os.firmware)?.feature).some((f) => attr(f, 'name') === 'secure-boot' && attr(f, 'enabled') === 'yes');
  const name = text(domain.name);
  if (!name) return fail('LIBVIRT_XML_INVALID', 'The domain XML has no name.', 'Check that the file is a domain XML.');

  const parsed: ParsedDomain = {
    name,
    type: attr(domain, 'type') ?? 'unknown',
    machineFamily: machineFamily(machine),
    memoryMiB: toMiB(obj(domain.memory)),
    vcpus: { count: int(text(domain.vcpu)) ?? 1 },
    firmware: {
      type: isUefi ? 'uefi' : 'bios',
      secureBoot: (loader !== undefined && attr(loader, 'secure') === 'yes') || secureFeature,
      useSerial: list(os.bios).some((b) => attr(b, 'useserial') === 'yes'),
    },
    disks: list(devices.disk).map((disk) => {
      const source = obj(disk.source);
      const target = obj(disk.target);
      const driver = obj(disk.driver);
      const boot = list(disk.boot)[0];
      const order = boot ? int(attr(boot, 'order')) : undefined;
      return {
        device: attr(disk, 'device') ?? 'disk',
        ...defined('path', source ? (attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'name')) : undefined),
        ...defined('format', driver ? attr(driver, 'type') : undefined),
        ...defined('bus', target ? attr(target, 'bus') : undefined),
        ...defined('target', target ? attr(target, 'dev') : undefined),
        ...defined('bootOrder', order),
        readonly: 'readonly' in disk,
      };
    }),
    nics: list(devices.interface).map((nic) => {
      const source = obj(nic.source);
      const sourceType = attr(nic, 'type') ?? 'unknown';
      const sourceName = source ? (attr(source, 'network') ?? attr(source, 'bridge') ?? attr(source, 'dev')) : undefined;
      const mac = obj(nic.mac);
      const model = obj(nic.model);
      const link = obj(nic.link);
      return {
        sourceType,
        ...defined('source', sourceName),
        ...defined('mac', mac ? attr(mac, 'address')?.toLowerCase() : undefined),
        ...defined('model', model ? attr(model, 'type') : undefined),
        linkUp: !(link && attr(link, 'state') === 'down'),
      };
    }),
    serial: list(devices.serial).map((s) => {
      const source = obj(s.source);
      return { type: attr(s, 'type') ?? 'unknown', ...defined('path', source ? attr(source, 'path') : undefined) };
    }),
    graphics: list(devices.graphics).map((g) => {
      const listen = list(g.listen)[0];
      const port = int(attr(g, 'port'));
      return {
        type: attr(g, 'type') ?? 'unknown',
        ...defined('listen', attr(g, 'listen') ?? (listen ? attr(listen, 'address') : undefined)),
        ...defined('port', port !== undefined && port > 0 ? port : undefined),
      };
    }),
    guestAgent: list(devices.channel).some((c) => attr(obj(c.target) ?? {}, 'name') === 'org.qemu.guest_agent.0'),
    rng: list(devices.rng).length > 0,
    memballoon: list(devices.memballoon).some((m) => attr(m, 'model') !== 'none'),
  };
  assign(parsed, 'uuid', text(domain.uuid));
  assign(parsed, 'title', text(domain.title));
  assign(parsed, 'description', text(domain.description));
  assign(parsed, 'machine', machine);
  assign(parsed, 'cpuMode', cpu ? attr(cpu, 'mode') : undefined);
  if (topology) {
    assign(parsed.vcpus, 'sockets', int(attr(topology, 'sockets')));
    assign(parsed.vcpus, 'cores', int(attr(topology, 'cores')));
    assign(parsed.vcpus, 'threads', int(attr(topology, 'threads')));
  }
  if (loader) assign(parsed.firmware, 'loader', text(loader));
  if (nvram) {
    assign(parsed.firmware, 'nvram', text(nvram));
    assign(parsed.firmware, 'nvramTemplate', attr(nvram, 'template'));
  }
  assign(parsed, 'clock', attr(obj(domain.clock) ?? {}, 'offset'));
  assign(parsed, 'onPoweroff', text(domain.on_poweroff));
  assign(parsed, 'onReboot', text(domain.on_reboot));
  assign(parsed, 'onCrash', text(domain.on_crash));
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
export function toMiB(node: Node | undefined): number {
  if (!node) return 0;
  const value = Number(text(node) ?? '0');
  const unit = (attr(node, 'unit') ?? 'KiB').toLowerCase();
  const kib = value * (UNIT_TO_KIB[unit] ?? 1);
  return Math.round((kib / 1024) * 1000) / 1000;
}

function obj(value: unknown): Node | undefined {
  if (Array.isArray(value)) return obj(value[0]);
  if (value !== null && typeof value === 'object') return value as Node;
  // <acpi/> parses as '' and <name>x</name> as 'x': give elements with only text a node shape.
  if (typeof value === 'string') return { '#text': value };
  return undefined;
}

function list(value: unknown): Node[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => obj(item) ?? {});
}

function attr(node: Node, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

function text(value: unknown): string | undefined {
  const node = obj(value);
  if (!node) return undefined;
  const t = node['#text'];
  if (typeof t === 'string') return t.trim() === '' ? undefined : t.trim();
  if (typeof t === 'number') return String(t);
  return undefined;
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
