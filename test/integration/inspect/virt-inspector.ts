import { XMLParser } from 'fast-xml-parser';

/**
 * virt-inspector's XML, read into the shape our report compares against (the reference the
 * integration tests and bench/inspect.ts hold our inspection to).
 */

export interface ReferenceOs {
  root: string;
  name: string;
  arch: string | null;
  distro: string | null;
  productName: string | null;
  productVariant: string | null;
  majorVersion: number | null;
  minorVersion: number | null;
  hostname: string | null;
  osinfo: string | null;
  packageFormat: string | null;
  packageManagement: string | null;
  windowsSystemRoot: string | null;
  windowsCurrentControlSet: string | null;
  mountpoints: Array<{ device: string; path: string }>;
  filesystems: Array<{ device: string; type: string | null; label: string | null; uuid: string | null }>;
  driveMappings: Array<{ letter: string; device: string }>;
  /** version is the full package version (epoch:version-release), comparable however it was split. */
  applications: Array<{ name: string; version: string | null }>;
  /** Number of leaf values (elements with text, attributes) in this OS's XML: the "field count". */
  fieldCount: number;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['operatingsystem', 'mountpoint', 'filesystem', 'drive_mapping', 'application'].includes(name),
});

type Node = Record<string, unknown>;

/** Text of an element (fast-xml-parser gives a string, or an object with #text when it has attributes). */
function scalar(v: unknown): string | null {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object') return scalar((v as Node)['#text']);
  return null;
}

function text(node: Node | undefined, key: string): string | null {
  return scalar(node?.[key]);
}

function int(node: Node, key: string): number | null {
  const v = text(node, key);
  return v === null ? null : Number(v);
}

function fullVersion(epoch: string | null, version: string | null, release: string | null): string | null {
  if (version === null) return null;
  return `${epoch && epoch !== '0' ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`;
}

function countLeaves(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countLeaves(v), 0);
  if (typeof value === 'object') return Object.values(value as Node).reduce((n: number, v) => n + countLeaves(v), 0);
  return (scalar(value) ?? '').trim() === '' ? 0 : 1;
}

export function parseVirtInspector(xml: string): ReferenceOs[] {
  const doc = parser.parse(xml) as { operatingsystems?: { operatingsystem?: Node[] } | '' };
  const list = typeof doc.operatingsystems === 'object' ? (doc.operatingsystems.operatingsystem ?? []) : [];
  return list.map((os) => {
    const mps = ((os.mountpoints as Node | undefined)?.mountpoint as Node[] | undefined) ?? [];
    const fss = ((os.filesystems as Node | undefined)?.filesystem as Node[] | undefined) ?? [];
    const dms = ((os.drive_mappings as Node | undefined)?.drive_mapping as Node[] | undefined) ?? [];
    const apps = ((os.applications as Node | undefined)?.application as Node[] | undefined) ?? [];
    const withoutIcon = { ...os };
    delete withoutIcon.icon;
    return {
      root: text(os, 'root') ?? '',
      name: text(os, 'name') ?? 'unknown',
      arch: text(os, 'arch'),
      distro: text(os, 'distro'),
      productName: text(os, 'product_name'),
      productVariant: text(os, 'product_variant'),
      majorVersion: int(os, 'major_version'),
      minorVersion: int(os, 'minor_version'),
      hostname: text(os, 'hostname'),
      osinfo: text(os, 'osinfo'),
      packageFormat: text(os, 'package_format'),
      packageManagement: text(os, 'package_management'),
      windowsSystemRoot: text(os, 'windows_systemroot'),
      windowsCurrentControlSet: text(os, 'windows_current_control_set'),
      mountpoints: mps.map((m) => ({ device: scalar(m['@dev']) ?? '', path: scalar(m['#text']) ?? '' })),
      filesystems: fss.map((f) => ({ device: scalar(f['@dev']) ?? '', type: text(f, 'type'), label: text(f, 'label'), uuid: text(f, 'uuid') })),
      driveMappings: dms.map((d) => ({ letter: scalar(d['@name']) ?? '', device: scalar(d['#text']) ?? '' })),
      applications: apps.map((a) => ({ name: text(a, 'name') ?? '', version: fullVersion(text(a, 'epoch'), text(a, 'version'), text(a, 'release')) })),
      fieldCount: countLeaves(withoutIcon),
    };
  });
}

/** Leaf values in our report (non-null scalars), the counterpart of ReferenceOs.fieldCount. */
export function countReportFields(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countReportFields(v), 0);
  if (typeof value === 'object') return Object.values(value as Node).reduce((n: number, v) => n + countReportFields(v), 0);
  return typeof value === 'string' && value.trim() === '' ? 0 : 1;
}
