import type { VmListItem } from '../../../shared/contract/api/vcenter';
import type { InventoryNode, VsphereAbout, VsphereDatastore } from '../../../shared/contract/models/vsphere';
import { fail } from '../core/errors';
import { readIndex } from '../vsphere/inventory';
import { buildTree } from '../vsphere/inventory-map';
import { containerViewObjectSpec, filterSpec, retrievePages, withContainerView } from '../vsphere/property-collector';
import type { VsphereSession } from '../vsphere/session';
import './error-codes';
import { datastoresOf, listedHostOf, mapVmListItem, VM_LIST_PROPERTIES } from './vm-list';

/** The inventory table and tree, read page by page with the light property set of vm-list.ts. */

export interface VmTable {
  about: VsphereAbout;
  tree: InventoryNode;
  vms: VmListItem[];
  datastores: VsphereDatastore[];
}

export interface VmTableOptions {
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (vmsRead: number) => void;
}

export async function listVmTable(session: VsphereSession, options: VmTableOptions = {}): Promise<VmTable> {
  const { signal } = options;
  return session.withRelogin(async (raw) => {
    const index = await readIndex(raw, session, signal);
    const vms: VmListItem[] = [];
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
          filterSpec([{ type: 'VirtualMachine', paths: VM_LIST_PROPERTIES }], [containerViewObjectSpec(view)]),
          (page) => {
            for (const content of page) {
              const item = mapVmListItem(content, index);
              vms.push(item);
              const host = listedHostOf(content);
              if (host) hosts.set(item.id, host);
            }
            options.onProgress?.(vms.length);
          },
          { signal, maxObjects: options.pageSize ?? 1000 },
        ),
      signal,
    );
    return { about: session.serviceContent.about, tree: buildTree(index, vms, hosts), vms, datastores: datastoresOf(index) };
  }, signal);
}

/** VM ids by exact name (case-sensitive, as vCenter names are): only the names are read. */
export async function findVmIdsByName(session: VsphereSession, name: string, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  await session.withRelogin(async (raw) => {
    ids.length = 0;
    const { rootFolder, viewManager, propertyCollector } = session.serviceContent;
    await withContainerView(raw, viewManager, rootFolder, ['VirtualMachine'], (view) =>
      retrievePages(raw, propertyCollector, filterSpec([{ type: 'VirtualMachine', paths: ['name'] }], [containerViewObjectSpec(view)]), (page) => {
        for (const content of page) if (content.props.get('name')?.text === name) ids.push(content.obj.value);
      }, { signal, maxObjects: 5000 }),
    signal);
  }, signal);
  return ids;
}

/** Resolves a VM given by id or by name to its id; names must be unique. */
export async function resolveVmId(session: VsphereSession, selector: { vmId?: string | undefined; name?: string | undefined }, signal?: AbortSignal): Promise<string> {
  if (selector.vmId !== undefined) return selector.vmId;
  const name = selector.name ?? '';
  const ids = await findVmIdsByName(session, name, signal);
  if (ids.length === 0) fail('VCENTER_VM_NOT_FOUND', `There is no VM named "${name}" on ${session.server}.`, 'Check the spelling (names are case-sensitive), or list the VMs with `hyper2kvm vcenter vms`.', { details: { name } });
  if (ids.length > 1) fail('VCENTER_VM_AMBIGUOUS', `${ids.length} VMs are named "${name}" on ${session.server}.`, 'Name the VM by its id instead (listed by `hyper2kvm vcenter vms --json`).', { details: { name, ids } });
  return ids[0]!;
}
