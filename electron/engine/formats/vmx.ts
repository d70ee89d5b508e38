import { fail } from '../core/errors';
import type { NicMetadata, VmDiskMetadata, VmMetadata } from '../../../shared/contract/models/vm';
import { excerpt, hasControlCharacters, numberedLines } from './text-lines';

/**
 * VMware's .vmx: one `key = "value"` per line. Keys are case-insensitive (Workstation writes
 * `memsize`, ESXi `memSize`), the last of duplicate keys wins, `#` starts a comment (including the
 * `#!/usr/bin/vmware` line Workstation puts first), and VMware escapes characters inside values as
 * `|XX` (hex byte: `|22` is a double quote, `|7C` the pipe itself).
 *
 * What vmxToMetadata decides where VMware leaves things implicit:
 * - A disk counts only when `<dev>.present` is true and its controller is not marked absent
 *   (`scsi0.present = "FALSE"`); VMware ignores such devices too.
 * - CD-ROMs backed by an ISO (`deviceType = "cdrom-image"`) are listed with `isCdrom: true` so a
 *   report can mention them; host drives (`atapi-cdrom`, `cdrom-raw`) are left out because their
 *   "file" is a device on the VMware host. Passthrough SCSI devices are left out as well.
 * - A NIC without `virtualDev` is VMware's default adapter, the AMD PCnet "vlance" (shown as
 *   "Flexible" in vSphere), and a NIC without `startConnected` connects at power-on.
 * - No `numvcpus` means one vCPU, as VMware assumes.
 * - Disks are ordered by controller kind, bus and unit; that is not a boot order.
 */

export interface VmxFile {
  /** Every setting, keyed in lower case, values unescaped. */
  entries: Map<string, string>;
  /** Looks a key up case-insensitively. */
  get(key: string): string | undefined;
  /** The line each key was (last) set on, for error messages. */
  lineOf(key: string): number | undefined;
  /** The file's `.encoding`, when it declares one. */
  encoding: string | undefined;
  source: string | undefined;
}

const HINT = 'A .vmx file is a text file of key = "value" lines written by VMware. Compare it with the copy on the datastore, or register the VM in VMware and export it again.';

export function parseVmx(text: string, source?: string): VmxFile {
  const entries = new Map<string, string>();
  const lines = new Map<string, number>();

  for (const { number, text: raw } of numberedLines(text)) {
    if (hasControlCharacters(raw)) garbledVmx(source, 'binary data where text was expected (is this really a .vmx file?)', number);
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const setting = /^([^\s="#]+)\s*=\s*(.*)$/.exec(line);
    if (!setting) return garbledVmx(source, `"${excerpt(line)}" is not a key = "value" line`, number);
    const key = setting[1]!.toLowerCase();
    entries.set(key, parseValue(setting[2]!, source, number));
    lines.set(key, number);
  }
  if (entries.size === 0) garbledVmx(source, 'it holds no settings');

  return {
    entries,
    get: (key) => entries.get(key.toLowerCase()),
    lineOf: (key) => lines.get(key.toLowerCase()),
    encoding: entries.get('.encoding'),
    source,
  };
}

/** A quoted value with |XX escapes, or a bare word (old hand-written files use `memsize = 512`). */
function parseValue(rest: string, source: string | undefined, line: number): string {
  if (!rest.startsWith('"')) {
    // A bare value ends at a comment; it cannot hold spaces or quotes.
    const bare = rest.replace(/\s+#.*$/, '').trim();
    if (/[\s"]/.test(bare)) garbledVmx(source, `the value "${excerpt(rest)}" needs double quotes`, line);
    return bare;
  }
  const closing = rest.indexOf('"', 1);
  if (closing === -1) return garbledVmx(source, 'the value has no closing double quote', line);
  const after = rest.slice(closing + 1).trim();
  if (after !== '' && !after.startsWith('#')) garbledVmx(source, `unexpected text "${excerpt(after)}" after the quoted value`, line);
  return unescapeVmx(rest.slice(1, closing));
}

/** Undoes VMware's |XX escaping byte-wise, so escaped UTF-8 sequences come back whole. */
export function unescapeVmx(value: string): string {
  if (!value.includes('|')) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const escape = value[i] === '|' ? /^[0-9A-Fa-f]{2}/.exec(value.slice(i + 1, i + 3)) : null;
    if (escape) {
      bytes.push(parseInt(escape[0], 16));
      i += 2;
    } else {
      const codePoint = value.codePointAt(i)!;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Decodes the bytes of a .vmx using the encoding it declares in `.encoding` (Workstation on
 * Windows writes "windows-1252", Chinese Windows "GBK"); UTF-8 when it declares none or one this
 * Node does not know. The declaration itself is plain ASCII, so it can be read before decoding.
 */
export function decodeVmxBytes(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  const declared = /^\s*\.encoding\s*=\s*"([^"]+)"/im.exec(head)?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // Unknown label: fall back to UTF-8 below.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

const DISK_KEY = /^(scsi|sata|ide|nvme)(\d+):(\d+)\.filename$/;
const CONTROLLER_ORDER = ['scsi', 'nvme', 'sata', 'ide'] as const;
type Controller = (typeof CONTROLLER_ORDER)[number];
const HOST_CDROM_TYPES = new Set(['atapi-cdrom', 'cdrom-raw']);
const SKIPPED_DEVICE_TYPES = new Set(['scsi-passthru', 'scsi-nondisk']);
/** VMware's adapter when a NIC has no virtualDev line. */
export const VMX_DEFAULT_NIC = 'vlance';

export function vmxToMetadata(vmx: VmxFile): VmMetadata {
  const firmware = vmx.get('firmware')?.toLowerCase() === 'efi' ? 'uefi' : 'bios';
  const secureBoot = firmware === 'uefi' && booleanSetting(vmx, 'uefi.secureBoot.enabled') === true;
  const uuid = canonicalUuid(vmx.get('uuid.bios'));
  const metadata: VmMetadata = {
    name: nonEmpty(vmx.get('displayName')),
    guestOs: nonEmpty(vmx.get('guestOS')),
    vcpus: positiveInteger(vmx, 'numvcpus') ?? 1,
    coresPerSocket: positiveInteger(vmx, 'cpuid.coresPerSocket'),
    memoryMiB: positiveInteger(vmx, 'memsize'),
    firmware,
    secureBoot,
    nics: nics(vmx),
    disks: disks(vmx),
    origin: 'vmx',
    uuid,
  };
  // Leave unknown fields out rather than present as undefined, so the metadata serialises cleanly.
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)) as VmMetadata;
}

function disks(vmx: VmxFile): VmDiskMetadata[] {
  const found: Array<VmDiskMetadata & { order: [number, number, number] }> = [];
  for (const [key, fileName] of vmx.entries) {
    const match = DISK_KEY.exec(key);
    if (!match) continue;
    const controller = match[1] as Controller;
    const bus = Number(match[2]);
    const unit = Number(match[3]);
    const slot = `${controller}${bus}:${unit}`;
    if (booleanSetting(vmx, `${slot}.present`) !== true) continue;
    if (controller !== 'ide' && booleanSetting(vmx, `${controller}${bus}.present`) === false) continue;

    const deviceType = vmx.get(`${slot}.deviceType`)?.toLowerCase();
    if (deviceType !== undefined && (HOST_CDROM_TYPES.has(deviceType) || SKIPPED_DEVICE_TYPES.has(deviceType))) continue;
    const isCdrom = deviceType === 'cdrom-image';
    const mode = nonEmpty(vmx.get(`${slot}.mode`));
    found.push({
      slot,
      controller,
      fileName,
      ...(mode === undefined ? {} : { mode }),
      ...(isCdrom ? { isCdrom: true } : {}),
      order: [CONTROLLER_ORDER.indexOf(controller), bus, unit],
    });
  }
  found.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  return found.map(({ order: _order, ...disk }) => disk);
}

function nics(vmx: VmxFile): NicMetadata[] {
  const indexes = [...vmx.entries.keys()]
    .map((key) => /^ethernet(\d+)\.present$/.exec(key)?.[1])
    .filter((index): index is string => index !== undefined)
    .map(Number)
    .sort((a, b) => a - b);

  const result: NicMetadata[] = [];
  for (const index of indexes) {
    const label = `ethernet${index}`;
    if (booleanSetting(vmx, `${label}.present`) !== true) continue;
    const addressType = vmx.get(`${label}.addressType`)?.toLowerCase();
    const generated = vmx.get(`${label}.generatedAddress`);
    const fixed = vmx.get(`${label}.address`);
    // "static" uses .address; "generated" (host) and "vpx" (vCenter) use .generatedAddress.
    const rawMac = addressType === 'static' ? fixed : addressType === 'generated' || addressType === 'vpx' ? generated : (fixed ?? generated);
    const mac = normaliseMac(rawMac);
    const macSource: NicMetadata['macSource'] =
      mac === undefined ? 'unknown' : addressType === 'static' ? 'static' : addressType === 'generated' || addressType === 'vpx' ? 'generated' : fixed !== undefined ? 'static' : 'generated';
    const network = nonEmpty(vmx.get(`${label}.networkName`)) ?? workstationNetwork(vmx, label);
    result.push({
      label,
      adapterType: vmx.get(`${label}.virtualDev`)?.toLowerCase() ?? VMX_DEFAULT_NIC,
      ...(mac === undefined ? {} : { mac }),
      macSource,
      ...(network === undefined ? {} : { network }),
      connected: booleanSetting(vmx, `${label}.startConnected`) ?? true,
    });
  }
  return result;
}

/** Workstation names no network; it says how the NIC is attached: nat, bridged, hostonly, or custom with a VMnet. */
function workstationNetwork(vmx: VmxFile, label: string): string | undefined {
  const connectionType = nonEmpty(vmx.get(`${label}.connectionType`));
  if (connectionType?.toLowerCase() === 'custom') return nonEmpty(vmx.get(`${label}.vnet`)) ?? connectionType;
  return connectionType;
}

/** VMware booleans: TRUE/FALSE in any case, also yes/no and 1/0. undefined when absent or unreadable. */
function booleanSetting(vmx: VmxFile, key: string): boolean | undefined {
  const value = vmx.get(key)?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  return undefined;
}

function positiveInteger(vmx: VmxFile, key: string): number | undefined {
  const value = vmx.get(key)?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) === 0 || !Number.isSafeInteger(Number(value))) {
    garbledVmx(vmx.source, `${key} = "${excerpt(value)}" is not a positive whole number`, vmx.lineOf(key));
  }
  return Number(value);
}

/** Lower-case colon form; VMware writes colons, Workstation sometimes dashes. undefined if it is not a MAC. */
export function normaliseMac(value: string | undefined): string | undefined {
  const hex = value?.trim().split(/[:-]/);
  if (!hex || hex.length !== 6 || !hex.every((part) => /^[0-9A-Fa-f]{2}$/.test(part))) return undefined;
  return hex.join(':').toLowerCase();
}

/** "56 4d 99 89 a7 21 91 0d-cc 28 e2 db d5 4b 2b 8c" → "564d9989-a721-910d-cc28-e2dbd54b2b8c". */
export function canonicalUuid(value: string | undefined): string | undefined {
  const hex = value?.replace(/[\s-]/g, '').toLowerCase();
  if (!hex || !/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function garbledVmx(source: string | undefined, problem: string, line?: number): never {
  const name = source ?? 'The .vmx file';
  return fail('VMX_GARBLED', line === undefined ? `${name} is not a usable VMX file: ${problem}.` : `${name}, line ${line}: ${problem}.`, HINT, {
    ...(source === undefined ? {} : { path: source }),
    ...(line === undefined ? {} : { line }),
  });
}
