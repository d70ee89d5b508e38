import type { DeviceStyle, FstabEntry } from '../../../../shared/contract/models/inspection';

/**
 * How an fstab/crypttab line names its device decides whether it survives the move to KVM:
 * UUID=/LABEL=/PARTUUID= and LVM names do, /dev/sdX becomes /dev/vdX on virtio, and
 * /dev/disk/by-path and by-id encode VMware's controller and disk serial.
 */
export function deviceStyle(spec: string): DeviceStyle {
  const upper = spec.toUpperCase();
  if (upper.startsWith('UUID=')) return 'uuid';
  if (upper.startsWith('LABEL=')) return 'label';
  if (upper.startsWith('PARTUUID=')) return 'partuuid';
  if (upper.startsWith('PARTLABEL=')) return 'partlabel';
  if (spec.startsWith('/dev/disk/by-uuid/')) return 'by-uuid';
  if (spec.startsWith('/dev/disk/by-label/')) return 'by-label';
  if (spec.startsWith('/dev/disk/by-partuuid/')) return 'by-partuuid';
  if (spec.startsWith('/dev/disk/by-id/')) return 'by-id';
  if (spec.startsWith('/dev/disk/by-path/')) return 'by-path';
  if (/^\/dev\/(sd|hd|vd|xvd)[a-z]+\d*$/.test(spec) || /^\/dev\/nvme\d+n\d+(p\d+)?$/.test(spec) || /^\/dev\/cciss\//.test(spec)) return 'device-name';
  if (spec.startsWith('/dev/mapper/')) return 'mapper';
  if (/^\/dev\/md\d+/.test(spec) || spec.startsWith('/dev/md/')) return 'md';
  // /dev/<vg>/<lv>: two components under /dev that are not a kernel device folder.
  if (/^\/dev\/[^/]+\/[^/]+$/.test(spec) && !/^\/dev\/(disk|shm|pts|mqueue|hugepages)\//.test(spec)) return 'lvm';
  if (/^[^/\s]+:\/|^\/\/[^/]+\//.test(spec)) return 'network';
  if (!spec.startsWith('/')) return 'pseudo';
  return 'other';
}

/** True for styles whose name changes when the disk moves from VMware's controllers to virtio. */
export function isUnstableStyle(style: DeviceStyle): boolean {
  return style === 'device-name' || style === 'by-path' || style === 'by-id';
}

/** fstab escapes spaces and a few other characters as octal (\040). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function intOrNull(field: string | undefined): number | null {
  if (field === undefined || !/^\d+$/.test(field)) return null;
  return Number(field);
}

export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    if (fields.length < 3) return;
    const [spec, mountpoint, vfstype, options, dump, pass] = fields as [string, string, string, string?, string?, string?];
    entries.push({
      line: index + 1,
      spec: unescapeOctal(spec),
      style: deviceStyle(unescapeOctal(spec)),
      mountpoint: unescapeOctal(mountpoint),
      vfstype,
      options: options ?? 'defaults',
      dump: intOrNull(dump),
      pass: intOrNull(pass),
    });
  });
  return entries;
}

export interface CrypttabEntry {
  line: number;
  name: string;
  device: string;
  style: DeviceStyle;
}

export function parseCrypttab(text: string): CrypttabEntry[] {
  const entries: CrypttabEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [name, device] = line.split(/\s+/);
    if (!name || !device) return;
    entries.push({ line: index + 1, name, device, style: deviceStyle(device) });
  });
  return entries;
}

/** nofail / noauto mounts do not stop the boot when their device is missing. */
export function isOptionalMount(entry: Pick<FstabEntry, 'options'>): boolean {
  return entry.options.split(',').some((o) => o === 'nofail' || o === 'noauto');
}

/**
 * Replaces one whitespace-separated field of one line (1-based), keeping everything else of the
 * file byte for byte: the other fields, the spacing between them, comments and line order.
 * Returns null when the line has no such field.
 */
export function replaceField(text: string, line: number, field: number, value: string): string | null {
  const lines = text.split('\n');
  const target = lines[line - 1];
  if (target === undefined) return null;
  let index = -1;
  const replaced = target.replace(/\S+/g, (word) => (++index === field ? value.replace(/\s/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`) : word));
  if (index < field) return null;
  lines[line - 1] = replaced;
  return lines.join('\n');
}
