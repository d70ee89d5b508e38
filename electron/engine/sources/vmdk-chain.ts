import { basename, dirname } from 'node:path';
import type { ChainLink } from '../../../shared/contract/models/source';
import { fail } from '../core/errors';
import { classifyVmdkHead, parseVmdkDescriptor } from '../formats/vmdk-descriptor';
import type { VmdkDescriptor } from '../formats/vmdk-descriptor';
import { VMDK_PARENT_OUTSIDE_FOLDER } from './error-codes';
import { allocatedBytes, readRange, resolveInside, statSource } from './files';

/** How much of a file we read to recognise it: enough for a sparse header and its descriptor. */
const HEAD_BYTES = 64 * 1024;
/** VMware's "no parent" content id. */
const NO_PARENT_CID = 'ffffffff';
/** Longest snapshot chain we follow: VMware allows 32 snapshots per VM. */
const MAX_CHAIN = 64;

export interface VmdkLinkPlan {
  path: string;
  createType: string;
  descriptor: VmdkDescriptor | null;
  /** Descriptor first, then every extent file. */
  files: string[];
  allocatedSize: number;
  parent: string | null;
}

/**
 * Checks a VMDK and its snapshot parents before qemu-img ever opens them: every extent must
 * exist, lie inside the descriptor's folder and be as large as the descriptor says; every
 * parent must exist. qemu-img alone would follow `../` paths and report truncation only
 * half-way through a conversion.
 */
export async function planVmdkChain(topPath: string): Promise<VmdkLinkPlan[]> {
  const links: VmdkLinkPlan[] = [];
  const seen = new Set<string>();
  let next: string | null = topPath;
  while (next !== null) {
    if (seen.has(next)) fail('VMDK_GARBLED', `The snapshot chain of ${basename(topPath)} loops back to ${basename(next)}.`, 'The descriptors\u2019 parentFileNameHint lines are inconsistent; fix them or consolidate the snapshots in VMware.', { path: next });
    if (links.length >= MAX_CHAIN) fail('VMDK_GARBLED', `The snapshot chain of ${basename(topPath)} is longer than ${MAX_CHAIN} links.`, 'Consolidate the snapshots in VMware first.', { path: topPath });
    seen.add(next);
    const link = await planVmdkLink(next);
    links.push(link);
    next = link.parent;
  }
  return links;
}

export async function planVmdkLink(path: string): Promise<VmdkLinkPlan> {
  const stats = await statSource(path);
  if (!stats.isFile()) fail('SOURCE_NOT_A_DISK', `${path} is not a regular file.`, 'Choose the .vmdk descriptor or disk file.', { path });
  const head = await readRange(path, 0, HEAD_BYTES);
  const kind = classifyVmdkHead(head, stats.size);
  if (kind.kind === 'not-vmdk') {
    fail('SOURCE_NOT_A_DISK', `${basename(path)} is not a VMDK disk.`, 'Choose a VMware disk (.vmdk), or the VM\u2019s .vmx, .ovf or .ova file.', { path });
  }
  const folder = dirname(path);
  if (kind.kind === 'sparse') {
    // A single-file disk (monolithicSparse, streamOptimized): its descriptor is embedded.
    const descriptor = kind.embeddedDescriptor ? parseVmdkDescriptor(kind.embeddedDescriptor, path) : null;
    const createType = descriptor?.createType ?? (kind.header.streamOptimized ? 'streamOptimized' : 'monolithicSparse');
    return {
      path,
      createType,
      descriptor,
      files: [path],
      allocatedSize: allocatedBytes(stats),
      parent: descriptor ? await resolveParent(descriptor, folder, path) : null,
    };
  }

  const descriptor = parseVmdkDescriptor(kind.text, path);
  const files = [path];
  let allocated = allocatedBytes(stats);
  for (const extent of descriptor.extents) {
    if (extent.fileName === null) continue; // ZERO extents have no file
    const where = await resolveInside(folder, extent.fileName);
    if (!where.inside) {
      fail('VMDK_EXTENT_OUTSIDE_FOLDER', `${basename(path)} points at an extent outside its folder: "${extent.fileName}".`, 'A descriptor may only name files next to it. Move the extent next to the descriptor and fix the name, or re-export the disk.', {
        path,
        details: { extent: extent.fileName },
      });
    }
    if (!where.exists) {
      fail('VMDK_EXTENT_MISSING', `${basename(path)} needs "${extent.fileName}", which is not there.`, 'Copy every file of the disk (descriptor and all its -flat/-sNNN/-delta files) into the same folder.', {
        path,
        details: { extent: extent.fileName, expectedAt: where.path },
      });
    }
    const extentStats = await statSource(where.path);
    allocated += allocatedBytes(extentStats);
    files.push(where.path);
    if (extent.type === 'FLAT' || extent.type === 'VMFS') {
      const needed = (extent.offsetSectors + extent.sizeSectors) * 512;
      if (extentStats.size < needed) {
        fail('VMDK_TRUNCATED', `${basename(where.path)} is shorter than its descriptor says (${extentStats.size} of ${needed} bytes).`, 'The copy is incomplete: copy the file again from the source.', {
          path: where.path,
          details: { actualBytes: extentStats.size, expectedBytes: needed },
        });
      }
    } else if (extent.type === 'SPARSE' || extent.type === 'VMFSSPARSE' || extent.type === 'SESPARSE') {
      // Truncated sparse extents are caught by the header check (throws VMDK_TRUNCATED).
      const extentHead = await readRange(where.path, 0, HEAD_BYTES);
      const extentKind = classifyVmdkHead(extentHead, extentStats.size);
      if (extentKind.kind === 'not-vmdk' && extent.type === 'SPARSE') {
        fail('VMDK_GARBLED', `${basename(where.path)} should be a sparse VMDK extent but is not.`, 'The file is damaged or not part of this disk; copy it again from the source.', { path: where.path });
      }
    } else if (extent.type === 'VMFSRDM' || extent.type === 'VMFSRAW') {
      fail('SOURCE_UNSUPPORTED', `${basename(path)} is a raw device mapping (RDM); its data lives on a LUN, not in a file.`, 'Copy the LUN to a disk file in VMware first (storage vMotion to a virtual disk), then convert that.', { path });
    }
  }
  return { path, createType: descriptor.createType, descriptor, files, allocatedSize: allocated, parent: await resolveParent(descriptor, folder, path) };
}

async function resolveParent(descriptor: VmdkDescriptor, folder: string, path: string): Promise<string | null> {
  const hint = descriptor.parentFileNameHint;
  if (!hint || descriptor.parentCid.toLowerCase() === NO_PARENT_CID) return null;
  const where = await resolveInside(folder, hint);
  if (!where.inside) {
    fail(VMDK_PARENT_OUTSIDE_FOLDER, `${basename(path)} is a snapshot whose parent "${hint}" is outside its folder.`, 'Copy the whole snapshot chain (every -00000N.vmdk and the base disk) into one folder and give parentFileNameHint the plain file name, or consolidate the snapshots in VMware first.', {
      path,
      details: { parent: hint, resolvedTo: where.path },
    });
  }
  if (!where.exists) {
    fail('VMDK_PARENT_MISSING', `${basename(path)} is a snapshot whose parent "${hint}" is missing.`, 'Copy the whole snapshot chain (every -00000N.vmdk and the base disk) into the folder, or consolidate the snapshots in VMware first.', {
      path,
      details: { parent: hint, expectedAt: where.path },
    });
  }
  return where.path;
}

export function toChainLinks(plans: VmdkLinkPlan[], virtualSizes: number[]): ChainLink[] {
  return plans.map((plan, i) => ({
    path: plan.path,
    format: 'vmdk',
    subformat: plan.createType,
    virtualSize: virtualSizes[i] ?? virtualSizes[0] ?? 0,
    allocatedSize: plan.allocatedSize,
    files: plan.files,
  }));
}
