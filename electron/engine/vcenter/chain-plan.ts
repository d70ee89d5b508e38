import { posix } from 'node:path';
import { fail } from '../core/errors';
import { classifyVmdkHead, parseVmdkDescriptor, SECTOR_BYTES } from '../formats/vmdk-descriptor';
import type { VmdkDescriptor, VmdkExtentType } from '../formats/vmdk-descriptor';
import type { DatastoreLocation } from '../vsphere/datastore-download';
import { parseDatastorePath } from '../vsphere/inventory-map';
import './error-codes';

/**
 * The files of a disk's snapshot chain as they are on the datastore, learned from the heads of
 * the files themselves (the descriptor names the extents and the parent), and the source
 * description qemu-img opens them with. Pure: the caller fetches the heads.
 */

/** Enough for a sparse header plus its embedded descriptor, and for any text descriptor. */
export const HEAD_BYTES = 64 * 1024;
const NO_PARENT_CID = 'ffffffff';
export const MAX_CHAIN_LINKS = 64;

export interface ChainLinkPlan {
  /** "[ds] folder/disk.vmdk": the file qemu opens for this link. */
  descriptor: string;
  /** A text descriptor with extent files, or one sparse file with its descriptor embedded. */
  kind: 'text' | 'sparse';
  createType: string;
  /** The extent files in qemu's order (only those qemu opens: RW, with data). */
  extents: string[];
  /** The parent's datastore path, when the disk has one according to its descriptor. */
  parentHint: string | null;
  /** The descriptor text: the whole file (text) or the one embedded in the sparse file. */
  descriptorText: string | null;
  /** Where an embedded descriptor sits in the sparse file, and how much room it has. */
  embedded: { offset: number; length: number } | null;
}

/** Extent types qemu's vmdk driver reads from a file; it skips the others (and read-only extents). */
const QEMU_FILE_EXTENTS: ReadonlySet<VmdkExtentType> = new Set(['FLAT', 'SPARSE', 'VMFS', 'VMFSSPARSE', 'SESPARSE']);

export function planLink(dsPath: string, head: Buffer, fileSize: number): ChainLinkPlan {
  if (fileSize === 0) {
    fail('VCENTER_DISK_UNSUPPORTED', `${dsPath} is empty: the disk has no data file to copy.`, 'Check the VM in vSphere: its disk file may have been replaced or never written.', { details: { file: dsPath } });
  }
  const kind = classifyVmdkHead(head, fileSize, dsPath);
  if (kind.kind === 'not-vmdk') {
    fail('VCENTER_DISK_UNSUPPORTED', `${dsPath} is not a VMDK descriptor or sparse disk.`, 'Refresh the VM details; if the disk is on a vSAN or vVol datastore, its files cannot be read over /folder.', { details: { file: dsPath } });
  }
  if (kind.kind === 'sparse') {
    const descriptor = kind.embeddedDescriptor ? parseVmdkDescriptor(kind.embeddedDescriptor, dsPath) : null;
    const { descriptorOffsetSectors, descriptorSizeSectors } = kind.header;
    return {
      descriptor: dsPath,
      kind: 'sparse',
      createType: descriptor?.createType ?? (kind.header.streamOptimized ? 'streamOptimized' : kind.header.magic === 'COWD' ? 'vmfsSparse' : 'monolithicSparse'),
      extents: [],
      parentHint: descriptor ? parentOf(descriptor, dsPath) : null,
      descriptorText: kind.embeddedDescriptor,
      embedded: kind.embeddedDescriptor !== null ? { offset: descriptorOffsetSectors * SECTOR_BYTES, length: descriptorSizeSectors * SECTOR_BYTES } : null,
    };
  }
  const descriptor = parseVmdkDescriptor(kind.text, dsPath);
  const extents: string[] = [];
  for (const extent of descriptor.extents) {
    if (extent.type === 'VMFSRDM' || extent.type === 'VMFSRAW') {
      fail('VCENTER_DISK_UNSUPPORTED', `${dsPath} is a raw device mapping: its data is on a LUN, not in a datastore file.`, 'Migrate the RDM to a virtual disk first (storage vMotion, "same format as source" off), or copy the LUN separately.', { details: { file: dsPath, extentType: extent.type } });
    }
    if (extent.fileName === null || !QEMU_FILE_EXTENTS.has(extent.type) || extent.access !== 'RW' || extent.sizeSectors <= 0) continue;
    extents.push(siblingPath(dsPath, extent.fileName));
  }
  return { descriptor: dsPath, kind: 'text', createType: descriptor.createType, extents, parentHint: parentOf(descriptor, dsPath), descriptorText: kind.text, embedded: null };
}

function parentOf(descriptor: VmdkDescriptor, dsPath: string): string | null {
  const hint = descriptor.parentFileNameHint;
  if (!hint || descriptor.parentCid.toLowerCase() === NO_PARENT_CID) return null;
  return siblingPath(dsPath, hint);
}

/**
 * A file named in a descriptor, as a datastore path. Names are relative to the descriptor's
 * folder; ESXi also writes absolute /vmfs/volumes/<datastore>/... paths (linked clones). A name
 * that climbs out of the datastore is refused.
 */
export function siblingPath(descriptorPath: string, name: string): string {
  const parsed = parseDatastorePath(descriptorPath);
  if (!parsed) fail('VCENTER_DISK_UNSUPPORTED', `"${descriptorPath}" is not a datastore path.`, 'Refresh the VM details.');
  const absolute = /^\/vmfs\/volumes\/([^/]+)\/(.+)$/.exec(name);
  if (absolute) return `[${absolute[1]}] ${normalizeInside(absolute[2]!, descriptorPath, name)}`;
  if (name.startsWith('/')) {
    fail('VCENTER_DISK_UNSUPPORTED', `${descriptorPath} names a file outside any datastore: "${name}".`, 'Consolidate the disk in vSphere first (or clone the VM), so that its files are on a datastore.', { details: { file: descriptorPath, name } });
  }
  const folder = posix.dirname(parsed.path);
  return `[${parsed.datastore}] ${normalizeInside(folder === '.' ? name : `${folder}/${name}`, descriptorPath, name)}`;
}

function normalizeInside(path: string, descriptorPath: string, name: string): string {
  const normal = posix.normalize(path);
  if (normal.startsWith('../') || normal === '..' || normal.startsWith('/')) {
    fail('VCENTER_DISK_UNSUPPORTED', `${descriptorPath} names a file outside its datastore: "${name}".`, 'Consolidate the disk in vSphere first, so that its files are on one datastore.', { details: { file: descriptorPath, name } });
  }
  return normal;
}

/** Where a datastore path is for /folder: datacenter path, datastore name, path inside it. */
export function locationOf(dsPath: string, datacenterPath: string): DatastoreLocation {
  const parsed = parseDatastorePath(dsPath);
  if (!parsed || parsed.path === '') fail('VCENTER_DISK_UNSUPPORTED', `"${dsPath}" is not a datastore path.`, 'Refresh the VM details.');
  return { datacenterPath, datastore: parsed.datastore, path: parsed.path };
}

/** "[LocalDS_0] web01/web01-flat.vmdk" → "LocalDS_0__web01__web01-flat.vmdk": unique, flat and safe. */
export function localNameFor(dsPath: string): string {
  const parsed = parseDatastorePath(dsPath);
  const parts = parsed ? [parsed.datastore, ...parsed.path.split('/')] : [dsPath];
  return parts
    .filter((p) => p !== '' && p !== '.' && p !== '..')
    .map((p) => p.replace(/[^A-Za-z0-9._+-]/g, '_'))
    .join('__');
}

/** Every file of a chain, in the order the download fetches them: the small ones first. */
export function chainFiles(links: readonly ChainLinkPlan[]): string[] {
  const files: string[] = [];
  for (const link of links) for (const file of [link.descriptor, ...link.extents]) if (!files.includes(file)) files.push(file);
  return files;
}

// ---------------------------------------------------------------------------------------------
// What qemu-img sees

/**
 * qemu opens a disk's extents and its parent by the names written in the descriptors, relative to
 * the descriptor's URL. Datastore names can contain spaces (not valid in a URL), name other
 * folders (linked clones) or absolute /vmfs paths; and vCenter, not a hint in a file, knows the
 * chain. So every file of a chain is served under a short name of its own and the descriptors
 * qemu reads are rewritten to use those names: l0.vmdk is the top, l0e0.vmdk its first extent,
 * l1.vmdk its parent...
 */
export interface ServedChain {
  /** Datastore path → the name it is served under. */
  names: Map<string, string>;
  /** Per link: what qemu reads instead of the original descriptor. */
  rewrites: Array<{ dsPath: string; kind: 'text'; text: Buffer } | { dsPath: string; kind: 'embedded'; offset: number; bytes: Buffer } | null>;
}

export function servedChain(links: readonly ChainLinkPlan[]): ServedChain {
  const names = new Map<string, string>();
  links.forEach((link, i) => {
    names.set(link.descriptor, `l${i}.vmdk`);
    link.extents.forEach((extent, j) => {
      if (!names.has(extent)) names.set(extent, `l${i}e${j}.vmdk`);
    });
  });
  const rewrites = links.map((link, i): ServedChain['rewrites'][number] => {
    if (link.descriptorText === null) return null;
    const parent = links[i + 1] ? names.get(links[i + 1]!.descriptor)! : null;
    const text = rewriteDescriptor(link.descriptorText, link.extents.map((e) => names.get(e)!), parent);
    if (link.kind === 'text') return { dsPath: link.descriptor, kind: 'text', text: Buffer.from(text, 'utf8') };
    const room = link.embedded!;
    const bytes = Buffer.alloc(room.length);
    if (Buffer.byteLength(text, 'utf8') > room.length) {
      fail('VCENTER_DISK_UNSUPPORTED', `The descriptor embedded in ${link.descriptor} has no room for the rewritten file names.`, 'Consolidate the disk in vSphere first.', { details: { file: link.descriptor, room: room.length } });
    }
    bytes.write(text, 'utf8');
    return { dsPath: link.descriptor, kind: 'embedded', offset: room.offset, bytes };
  });
  return { names, rewrites };
}

const EXTENT_LINE = /^(\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+(\S+)\s+)"(.*)"(.*)$/i;

/**
 * The descriptor with the file names qemu opens replaced: the extents it reads (in order) and
 * the parent hint (removed when `parent` is null and the descriptor names none). Everything
 * else, the content ids in particular, stays as it was. Pure.
 */
export function rewriteDescriptor(text: string, extentNames: readonly string[], parent: string | null): string {
  let next = 0;
  const lines = text.split('\n').map((line) => {
    const extent = EXTENT_LINE.exec(line);
    if (extent) {
      const type = extent[2]!.toUpperCase() as VmdkExtentType;
      const access = line.trim().split(/\s+/)[0]!.toUpperCase();
      const sectors = Number(line.trim().split(/\s+/)[1]);
      if (!QEMU_FILE_EXTENTS.has(type) || access !== 'RW' || !(sectors > 0)) return line;
      const name = extentNames[next++];
      return name === undefined ? line : `${extent[1]}"${name}"${extent[4]}`;
    }
    if (/^\s*parentFileNameHint\s*=/i.test(line) && parent !== null) return `parentFileNameHint="${parent}"`;
    return line;
  });
  return lines.join('\n');
}

export interface HttpTuning {
  /** Bytes fetched beyond each read: with reads issued one at a time, this is the pipeline depth. */
  readahead: number;
  /** Seconds one range request may take; ours wait for the download, so this is long. */
  timeoutSeconds: number;
}

export const DEFAULT_HTTP_TUNING: HttpTuning = { readahead: 16 * 1024 * 1024, timeoutSeconds: 3600 };

type Json = { [key: string]: unknown };

/**
 * The json: source qemu-img opens. Only the top has a URL; qemu finds extents and parents by the
 * (rewritten) names in the descriptors, and the nested options give every one of those nodes
 * the same HTTP tuning (without them an extent or a parent would time out after 5 s).
 */
export function qemuSourceSpec(links: readonly ChainLinkPlan[], topUrl: string, tuning: HttpTuning = DEFAULT_HTTP_TUNING): Json {
  if (links.length === 0) throw new Error('a chain has at least one link');
  const http = (url?: string): Json => ({ driver: 'http', ...(url ? { url } : {}), readahead: tuning.readahead, timeout: tuning.timeoutSeconds });
  const node = (i: number): Json => {
    const link = links[i]!;
    const spec: Json = { driver: 'vmdk', file: http(i === 0 ? topUrl : undefined) };
    // An extent opened through "raw" takes its URL from the name in the descriptor.
    link.extents.forEach((_, j) => (spec[`extents.${j}`] = { driver: 'raw', file: http() }));
    if (i + 1 < links.length) spec.backing = node(i + 1);
    return spec;
  };
  return node(0);
}
