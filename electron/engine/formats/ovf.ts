import { fail } from '../core/errors';
import type { NicMetadata, VmDiskMetadata, VmMetadata } from '../../../shared/contract/models/vm';
import { canonicalUuid, normaliseMac } from './vmx';
import { XmlParseError, attribute, child, children, descendants, parseXml } from '../core/xml-read';
import type { XmlNode } from '../core/xml-read';

/**
 * The OVF descriptor of an OVF folder or OVA: which files belong to the package, which disks they
 * hold, and the virtual hardware of the VM. Elements are matched by local name, because exporters
 * spell the same namespaces with different prefixes or none (ovftool, vSphere, VirtualBox,
 * XenServer and scripted generators all differ); attributes prefer the OVF namespace, then no
 * namespace. OVF 2.0's StorageItem/EthernetPortItem are read like Item.
 *
 * What ends up in `vm.disks`: every ResourceType 17 disk backed by a file of the package, with
 * `fileName` = the File's href and `slot` = controller kind, bus and AddressOnParent ("scsi0:1").
 * Disks with no file (blank disks the importer would create) are in `disks` with fileRef null but
 * not in `vm.disks`. CD/DVD drives backed by a file of the package are listed with isCdrom: true.
 */

export interface OvfFile {
  id: string;
  href: string;
  size?: number;
  /** "gzip" when the file is compressed inside the package. */
  compression?: string;
  /** Set when the file is split into chunks named href.000000000, href.000000001... */
  chunkSize?: number;
}

export interface OvfDisk {
  diskId: string;
  fileRef: string | null;
  capacityBytes: number;
  /** The format URL, e.g. http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized */
  format: string;
  populatedSize?: number;
}

export interface OvfDescriptor {
  files: OvfFile[];
  disks: OvfDisk[];
  vm: VmMetadata;
}

export const OVF_NS = 'http://schemas.dmtf.org/ovf/envelope/1';
const OVF_ATTRS = [OVF_NS, ''];
/** Descriptors are tens of kilobytes; a multi-megabyte one is not an export. */
const MAX_OVF_CHARS = 16 * 1024 * 1024;

const RESOURCE = { cpu: 3, memory: 4, ide: 5, scsi: 6, nic: 10, cdrom: 15, dvd: 16, disk: 17, otherStorage: 20 } as const;

const HINT = 'The .ovf file is the XML description of the exported VM. Export the VM again, or check that the file was not edited or cut short.';

export function parseOvf(xml: string, source?: string): OvfDescriptor {
  if (xml.length > MAX_OVF_CHARS) garbledOvf(source, `it is ${xml.length} characters long; OVF descriptors are far smaller`);
  const envelope = readXml(xml, source);
  if (envelope.name !== 'Envelope') garbledOvf(source, `its root element is <${envelope.name}>, not <Envelope>`);

  const files = readFiles(envelope, source);
  const disks = readDisks(envelope, files, source);

  const systems = descendants(envelope, 'VirtualSystem');
  if (systems.length === 0) garbledOvf(source, 'it describes no VirtualSystem');
  if (systems.length > 1) {
    fail(
      'SOURCE_UNSUPPORTED',
      `${source ?? 'The OVF descriptor'} describes ${systems.length} virtual machines (a vApp).`,
      'Export each VM of the vApp on its own and convert them one at a time.',
      source === undefined ? undefined : { path: source },
    );
  }
  const vm = readVirtualSystem(systems[0]!, files, disks, source);
  return { files, disks, vm };
}

function readFiles(envelope: XmlNode, source: string | undefined): OvfFile[] {
  const references = child(envelope, 'References');
  const files: OvfFile[] = [];
  for (const element of references ? children(references, 'File') : []) {
    const id = attribute(element, 'id', OVF_ATTRS);
    const href = attribute(element, 'href', OVF_ATTRS);
    if (!id || !href) garbledOvf(source, 'a File in References has no id or href');
    checkHref(href, source);
    const size = optionalInteger(attribute(element, 'size', OVF_ATTRS), `the size of file ${href}`, source);
    const chunkSize = optionalInteger(attribute(element, 'chunkSize', OVF_ATTRS), `the chunk size of file ${href}`, source);
    const compression = attribute(element, 'compression', OVF_ATTRS);
    files.push({
      id,
      href,
      ...(size === undefined ? {} : { size }),
      ...(compression === undefined || compression === 'identity' ? {} : { compression }),
      ...(chunkSize === undefined ? {} : { chunkSize }),
    });
  }
  const ids = new Set<string>();
  for (const file of files) {
    if (ids.has(file.id)) garbledOvf(source, `two files share the id "${file.id}"`);
    ids.add(file.id);
  }
  return files;
}

/**
 * A package's file names must stay inside the package: no absolute paths, no "..", no URLs
 * (OVF allows http:// references; we never fetch them) and no backslashes.
 */
function checkHref(href: string, source: string | undefined): void {
  const unsafe =
    href.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(href) || href.includes('\\') || href.includes('\u0000') || href.split('/').some((part) => part === '..' || part === '');
  if (unsafe) {
    fail('OVF_GARBLED', `${source ?? 'The OVF descriptor'} refers to the file "${href}", which is outside the package.`, 'Only files inside the OVF folder or OVA can be used. Export the VM again.', {
      ...(source === undefined ? {} : { path: source }),
      details: { href },
    });
  }
}

function readDisks(envelope: XmlNode, files: OvfFile[], source: string | undefined): OvfDisk[] {
  const disks: OvfDisk[] = [];
  for (const section of children(envelope, 'DiskSection')) {
    for (const element of children(section, 'Disk')) {
      const diskId = attribute(element, 'diskId', OVF_ATTRS);
      if (!diskId) return garbledOvf(source, 'a Disk has no diskId');
      const fileRef = attribute(element, 'fileRef', OVF_ATTRS) || null;
      if (fileRef !== null && !files.some((file) => file.id === fileRef)) garbledOvf(source, `disk "${diskId}" refers to the file "${fileRef}", which References does not list`);
      const capacity = attribute(element, 'capacity', OVF_ATTRS);
      if (capacity === undefined || !/^\d+$/.test(capacity.trim())) {
        garbledOvf(source, `disk "${diskId}" has the capacity "${capacity ?? ''}", not a number (capacities set by OVF properties are not supported)`);
      }
      const units = attribute(element, 'capacityAllocationUnits', OVF_ATTRS);
      const multiplier = unitMultiplier(units, source, `the capacity units of disk "${diskId}"`);
      const capacityBytes = Number(capacity.trim()) * multiplier;
      if (!Number.isSafeInteger(capacityBytes)) garbledOvf(source, `disk "${diskId}" is impossibly large`);
      const populatedSize = optionalInteger(attribute(element, 'populatedSize', OVF_ATTRS), `the populated size of disk "${diskId}"`, source);
      disks.push({
        diskId,
        fileRef,
        capacityBytes,
        format: attribute(element, 'format', OVF_ATTRS) ?? '',
        ...(populatedSize === undefined ? {} : { populatedSize }),
      });
    }
  }
  return disks;
}

interface Controller {
  kind: NonNullable<VmDiskMetadata['controller']>;
  bus: number;
}

function readVirtualSystem(system: XmlNode, files: OvfFile[], disks: OvfDisk[], source: string | undefined): VmMetadata {
  const hardware = child(system, 'VirtualHardwareSection');
  if (!hardware) return garbledOvf(source, 'its VirtualSystem has no VirtualHardwareSection');
  const items = hardware.children.filter((child) => /Item$/.test(child.name));

  const controllers = new Map<string, Controller>();
  const busesSeen = new Map<string, number>();
  for (const item of items) {
    const kind = controllerKind(item);
    if (kind === null) continue;
    const instanceId = childText(item, 'InstanceID');
    if (instanceId === undefined) continue;
    const address = childText(item, 'Address');
    const fallbackBus = busesSeen.get(kind) ?? 0;
    busesSeen.set(kind, fallbackBus + 1);
    controllers.set(instanceId, { kind, bus: address !== undefined && /^\d+$/.test(address) ? Number(address) : fallbackBus });
  }

  let vcpus: number | undefined;
  let coresPerSocket: number | undefined;
  let memoryMiB: number | undefined;
  const vmDisks: VmDiskMetadata[] = [];
  const nics: NicMetadata[] = [];

  for (const item of items) {
    const resourceType = Number(childText(item, 'ResourceType'));
    const label = childText(item, 'ElementName') ?? childText(item, 'Caption') ?? `item ${childText(item, 'InstanceID') ?? '?'}`;
    switch (resourceType) {
      case RESOURCE.cpu:
        vcpus = requiredPositive(childText(item, 'VirtualQuantity'), 'the number of virtual CPUs', source);
        coresPerSocket = optionalPositive(childText(item, 'CoresPerSocket'), 'the cores per socket', source);
        break;
      case RESOURCE.memory: {
        const quantity = requiredPositive(childText(item, 'VirtualQuantity'), 'the memory size', source);
        const bytes = quantity * unitMultiplier(childText(item, 'AllocationUnits') ?? 'byte * 2^20', source, 'the memory units');
        memoryMiB = Math.max(1, Math.round(bytes / 2 ** 20));
        break;
      }
      case RESOURCE.disk:
      case RESOURCE.cdrom:
      case RESOURCE.dvd: {
        const disk = diskFromItem(item, resourceType === RESOURCE.disk, controllers, files, disks, source);
        if (disk) vmDisks.push(disk);
        break;
      }
      case RESOURCE.nic:
        nics.push(nicFromItem(item, label));
        break;
      default:
        break;
    }
  }

  const config = vmwareConfig(hardware);
  const firmware = config.get('firmware')?.toLowerCase() === 'efi' ? 'uefi' : 'bios';
  const secureBootSetting = config.get('bootOptions.efiSecureBootEnabled') ?? config.get('uefi.secureBoot.enabled');
  const os = child(system, 'OperatingSystemSection');
  const osType = os ? attribute(os, 'osType', ['http://www.vmware.com/schema/ovf', '']) : undefined;
  const osDescription = os ? childText(os, 'Description') : undefined;
  const name = childText(system, 'Name') || attribute(system, 'id', OVF_ATTRS) || undefined;
  const uuid = canonicalUuid(config.get('uuid.bios'));

  const vm: VmMetadata = {
    name,
    guestOs: osType || undefined,
    guestOsFullName: osDescription || undefined,
    vcpus,
    coresPerSocket,
    memoryMiB,
    firmware,
    secureBoot: firmware === 'uefi' && isTrue(secureBootSetting),
    nics,
    disks: vmDisks,
    origin: 'ovf',
    uuid,
  };
  return Object.fromEntries(Object.entries(vm).filter(([, value]) => value !== undefined)) as VmMetadata;
}

/** IDE is 5, SCSI 6; SATA and NVMe share 20 ("other storage") and differ by subtype. */
function controllerKind(item: XmlNode): Controller['kind'] | null {
  const resourceType = Number(childText(item, 'ResourceType'));
  const subtype = (childText(item, 'ResourceSubType') ?? '').toLowerCase();
  if (resourceType === RESOURCE.ide) return 'ide';
  if (resourceType === RESOURCE.scsi) return 'scsi';
  if (resourceType === RESOURCE.otherStorage) {
    if (subtype.includes('nvme')) return 'nvme';
    if (subtype.includes('sata') || subtype.includes('ahci')) return 'sata';
    return 'unknown';
  }
  return null;
}

function diskFromItem(
  item: XmlNode,
  isDisk: boolean,
  controllers: Map<string, Controller>,
  files: OvfFile[],
  disks: OvfDisk[],
  source: string | undefined,
): VmDiskMetadata | null {
  const hostResource = childText(item, 'HostResource') ?? '';
  // "ovf:/disk/vmdisk1" (VMware), "/disk/vmdisk1" (VirtualBox); "ovf:/file/file1" points straight at a file.
  const reference = /^(?:ovf:)?\/(disk|file)\/(.+)$/.exec(hostResource);
  let fileName: string | undefined;
  let capacityBytes: number | undefined;
  if (reference?.[1] === 'disk') {
    const disk = disks.find((candidate) => candidate.diskId === reference[2]);
    if (!disk) return garbledOvf(source, `a disk item refers to "${hostResource}", which DiskSection does not list`);
    capacityBytes = disk.capacityBytes;
    fileName = files.find((file) => file.id === disk.fileRef)?.href;
  } else if (reference?.[1] === 'file') {
    const file = files.find((candidate) => candidate.id === reference[2]);
    if (!file) return garbledOvf(source, `an item refers to "${hostResource}", which References does not list`);
    fileName = file.href;
  } else if (isDisk && hostResource !== '') {
    return garbledOvf(source, `a disk item has the host resource "${hostResource}", which is neither ovf:/disk/ nor ovf:/file/`);
  }
  if (fileName === undefined) return null;

  const parent = childText(item, 'Parent');
  const controller = parent === undefined ? undefined : controllers.get(parent);
  const unit = childText(item, 'AddressOnParent');
  const slot = controller ? `${controller.kind}${controller.bus}:${unit ?? 0}` : `${reference![1]}/${reference![2]}`;
  const mode = configOf(item).get('backing.diskMode');
  return {
    slot,
    controller: controller?.kind ?? 'unknown',
    fileName,
    ...(capacityBytes === undefined ? {} : { capacityBytes }),
    ...(mode === undefined ? {} : { mode: mode.replace(/_/g, '-') }),
    ...(isDisk ? {} : { isCdrom: true }),
  };
}

function nicFromItem(item: XmlNode, label: string): NicMetadata {
  const config = configOf(item);
  const mac = normaliseMac(childText(item, 'Address'));
  const addressType = config.get('addressType')?.toLowerCase();
  const macSource: NicMetadata['macSource'] =
    mac === undefined ? 'unknown' : addressType === 'manual' || addressType === 'static' ? 'static' : addressType === 'generated' || addressType === 'assigned' ? 'generated' : 'unknown';
  const network = childText(item, 'Connection');
  const adapterType = childText(item, 'ResourceSubType')?.toLowerCase();
  const automatic = childText(item, 'AutomaticAllocation')?.toLowerCase();
  return {
    label,
    ...(adapterType ? { adapterType } : {}),
    ...(mac === undefined ? {} : { mac }),
    macSource,
    ...(network ? { network } : {}),
    ...(automatic === undefined ? {} : { connected: automatic === 'true' }),
  };
}

/** The vmw:Config and vmw:ExtraConfig key/value pairs directly under an element. */
function configOf(element: XmlNode): Map<string, string> {
  const settings = new Map<string, string>();
  for (const child of element.children) {
    if (child.name !== 'Config' && child.name !== 'ExtraConfig') continue;
    const key = attribute(child, 'key', ['http://www.vmware.com/schema/ovf', OVF_NS, '']);
    const value = attribute(child, 'value', ['http://www.vmware.com/schema/ovf', OVF_NS, '']);
    if (key !== undefined && value !== undefined) settings.set(key, value);
  }
  return settings;
}

function vmwareConfig(hardware: XmlNode): Map<string, string> {
  return configOf(hardware);
}

/**
 * DMTF programmatic units ("byte", "byte * 2^20", "byte * 10^3") and the words some exporters use
 * instead ("MegaBytes", "GB"), which VMware and VirtualBox read as binary multiples.
 */
export function unitMultiplier(units: string | undefined, source: string | undefined, what: string): number {
  if (units === undefined || units.trim() === '') return 1;
  const text = units.trim();
  const programmatic = /^bytes?(?:\s*\*\s*(\d+)\s*\^\s*(\d+))?$/i.exec(text);
  if (programmatic) {
    const multiplier = programmatic[1] === undefined ? 1 : Number(programmatic[1]) ** Number(programmatic[2]);
    if (Number.isSafeInteger(multiplier)) return multiplier;
  }
  const words: Record<string, number> = { kilobytes: 2 ** 10, kb: 2 ** 10, megabytes: 2 ** 20, mb: 2 ** 20, gigabytes: 2 ** 30, gb: 2 ** 30, terabytes: 2 ** 40, tb: 2 ** 40 };
  const word = words[text.toLowerCase()];
  if (word !== undefined) return word;
  return garbledOvf(source, `${what} "${text}" are not a unit of bytes`);
}

function optionalInteger(value: string | undefined, what: string, source: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value.trim()))) garbledOvf(source, `${what} is "${value}", not a number`);
  return Number(value.trim());
}

function requiredPositive(value: string | undefined, what: string, source: string | undefined): number {
  const number = optionalPositive(value, what, source);
  if (number === undefined) return garbledOvf(source, `${what} is missing`);
  return number;
}

function optionalPositive(value: string | undefined, what: string, source: string | undefined): number | undefined {
  const number = optionalInteger(value, what, source);
  if (number === 0) garbledOvf(source, `${what} is 0`);
  return number;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase());
}

function readXml(xml: string, source: string | undefined): XmlNode {
  try {
    return parseXml(xml);
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    return garbledOvf(source, error.kind === 'refused' ? `it contains ${error.reason}` : `it is not well-formed XML (${error.reason})`, error.line);
  }
}

/** The trimmed text of the first child with this local name. */
function childText(element: XmlNode, name: string): string | undefined {
  return child(element, name)?.text.trim();
}

function garbledOvf(source: string | undefined, problem: string, line?: number): never {
  const name = source ?? 'The OVF descriptor';
  return fail('OVF_GARBLED', line === undefined ? `${name} cannot be read: ${problem}.` : `${name}, line ${line}: ${problem}.`, HINT, {
    ...(source === undefined ? {} : { path: source }),
    ...(line === undefined ? {} : { line }),
  });
}
