import type { VmListItem } from '../../../shared/contract/api/vcenter';
import type { InventoryNode, VsphereAbout, VsphereDatastore } from '../../../shared/contract/models/vsphere';
import { fail } from '../core/errors';
import { listVmsWith } from '../vsphere/inventory';
import type { ListOptions } from '../vsphere/inventory';
import { buildTree } from '../vsphere/inventory-map';
import { containerViewObjectSpec, filterSpec, retrievePages, withContainerView } from '../vsphere/property-collector';
import type { VsphereSession } from '../vsphere/session';
import './error-codes';
import { datastoresOf, mapVmListItem, VM_LIST_PROPERTIES } from './vm-list';

/** The inventory table and tree, read page by page with the light property set of vm-list.ts. */

export interface VmTable {
  about: VsphereAbout;
  tree: InventoryNode;
  vms: VmListItem[];
  datastores: VsphereDatastore[];
}

export type VmTableOptions = ListOptions;

export async function listVmTable(session: VsphereSession, options: VmTableOptions = {}): Promise<VmTable> {
  const { index, vms, hosts } = await listVmsWith(session, VM_LIST_PROPERTIES, mapVmListItem, { ...options, pageSize: options.pageSize ?? 1000 });
  return { about: session.serviceContent.about, tree: buildTree(index, vms, hosts), vms, datastores: datastoresOf(index) };
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
