import type { VmDetails, VmSummary, VsphereInventory } from '../../../shared/contract/models/vsphere';
import { fail } from '../core/errors';
import './error-codes';
import {
  ENTITY_PROPERTIES,
  ENTITY_TYPES,
  VM_PROPERTIES,
  buildIndex,
  buildTree,
  datacenterOf,
  datacenterPath,
  diskDownloadPlans,
  hostOf,
  mapVm,
  readLayoutDisks,
  readLayoutFiles,
} from './inventory-map';
import type { InventoryIndex } from './inventory-map';
import { containerViewObjectSpec, filterSpec, retrieveAll, retrieveOne, retrievePages, withContainerView } from './property-collector';
import type { ObjectContent } from './property-collector';
import type { RawCall, VsphereSession } from './session';
import { moRefOf } from './xml';

/**
 * Listing what a vCenter holds: the inventory tree and every VM with what the product shows,
 * read page by page so that inventories of thousands of VMs stay cheap in memory.
 */

export interface ListOptions {
  signal?: AbortSignal;
  /** VMs per page (RetrievePropertiesEx maxObjects). */
  pageSize?: number;
  /** Called after each page with the number of VMs read so far. */
  onProgress?: (vmsRead: number) => void;
}

export const DEFAULT_PAGE_SIZE = 500;

export async function readIndex(raw: RawCall, session: VsphereSession, signal?: AbortSignal): Promise<InventoryIndex> {
  const { rootFolder, viewManager, propertyCollector } = session.serviceContent;
  const objects = await withContainerView(
    raw,
    viewManager,
    rootFolder,
    ENTITY_TYPES,
    (view) => retrieveAll(raw, propertyCollector, filterSpec(ENTITY_PROPERTIES, [containerViewObjectSpec(view)]), { signal, maxObjects: DEFAULT_PAGE_SIZE }),
    signal,
  );
  // The root folder is not inside its own view; its name labels the tree.
  const root = await retrieveOne(raw, propertyCollector, rootFolder, ['name'], signal);
  return buildIndex(rootFolder, root ? [root, ...objects] : objects);
}

/** Every VM mapped by the caller, the host each runs on, and the index the rows were mapped with. */
export interface VmListing<T> {
  index: InventoryIndex;
  vms: T[];
  /** VM id → host id, for placing VMs under their hosts in the tree. */
  hosts: Map<string, string>;
}

/**
 * Every VM with the given properties, read page by page through one container view. The caller
 * chooses the property set and the mapping: a light row for the inventory table of thousands of
 * VMs, or the full summary (devices included) where planning needs it.
 */
export async function listVmsWith<T>(
  session: VsphereSession,
  paths: readonly string[],
  map: (content: ObjectContent, index: InventoryIndex) => T,
  options: ListOptions = {},
): Promise<VmListing<T>> {
  const { signal } = options;
  return session.withRelogin(async (raw) => {
    const index = await readIndex(raw, session, signal);
    const vms: T[] = [];
    const hosts = new Map<string, string>();
    const { rootFolder, viewManager, propertyCollector } = session.serviceContent;
    await withContainerView(
      raw,
      viewManager,
      rootFolder,
      ['VirtualMachine'],
      (view) =>
        retrievePages(
          raw,
          propertyCollector,
          filterSpec([{ type: 'VirtualMachine', paths: [...paths] }], [containerViewObjectSpec(view)]),
          (page) => {
            for (const content of page) {
              vms.push(map(content, index));
              const host = hostOf(content);
              if (host) hosts.set(content.obj.value, host);
            }
            options.onProgress?.(vms.length);
          },
          { signal, maxObjects: options.pageSize ?? DEFAULT_PAGE_SIZE },
        ),
      signal,
    );
    return { index, vms, hosts };
  }, signal);
}

export async function listInventory(session: VsphereSession, options: ListOptions = {}): Promise<VsphereInventory> {
  const { index, vms, hosts } = await listVmsWith(session, VM_PROPERTIES, mapVm, options);
  return {
    about: session.serviceContent.about,
    tree: buildTree(index, vms, hosts),
    vms,
    datastores: [...index.datastores.values()],
  };
}

export async function listVms(session: VsphereSession, options: ListOptions = {}): Promise<VmSummary[]> {
  return (await listInventory(session, options)).vms;
}

/** One VM with what planning its copy needs (dcPath for downloads, the files of each disk). */
export async function getVmDetails(session: VsphereSession, vmId: string, options: { signal?: AbortSignal } = {}): Promise<VmDetails> {
  const { signal } = options;
  // The file sizes a pre-flight judges (layoutEx) are only as fresh as the host's last look:
  // ask it to look again (vCenter's own RefreshStorageInfo; best effort, a refusal costs nothing).
  await session.call('RefreshStorageInfo', { type: 'VirtualMachine', value: vmId }, [], signal).catch((error: unknown) => {
    if (signal?.aborted) throw error;
  });
  return session.withRelogin(async (raw) => {
    const index = await readIndex(raw, session, signal);
    const content = await retrieveOne(raw, session.serviceContent.propertyCollector, { type: 'VirtualMachine', value: vmId }, VM_PROPERTIES, signal);
    if (!content) return fail('VSPHERE_NOT_FOUND', `There is no VM with id ${vmId} on ${session.server}.`, 'Refresh the list of VMs; it may have been removed or re-registered.', { details: { vm: vmId } });
    const summary = mapVm(content, index);
    const parent = moRefOf(content.props.get('parent')) ?? moRefOf(content.props.get('runtime.host'));
    const datacenter = datacenterOf(index, parent);
    const pool = moRefOf(content.props.get('resourcePool'));
    const resourcePool = pool ? index.entities.get(pool.value)?.name : undefined;
    const downloads = diskDownloadPlans(summary.disks, readLayoutFiles(content.props.get('layoutEx.file')), readLayoutDisks(content.props.get('layoutEx.disk')));
    return {
      ...summary,
      ...(datacenter ? { datacenterPath: datacenterPath(index, datacenter) } : {}),
      ...(resourcePool ? { resourcePool } : {}),
      downloads,
    };
  }, signal);
}
