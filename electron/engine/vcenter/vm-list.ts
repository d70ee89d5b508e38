import type { FacetValue, InventoryFacets, VmListItem } from '../../../shared/contract/api/vcenter';
import type { VsphereDatastore } from '../../../shared/contract/models/vsphere';
import { datacenterOf, entityPath, firmwareOf, powerStateOf } from '../vsphere/inventory-map';
import type { InventoryIndex } from '../vsphere/inventory-map';
import type { ObjectContent } from '../vsphere/property-collector';
import { arrayItems, booleanOf, moRefOf, numberOf, textOf } from '../vsphere/xml';

/**
 * The inventory table for thousands of VMs. Asking for `config.hardware.device` (every disk,
 * NIC and controller) costs about 5 KB of XML per VM and dominated the listing; the table needs
 * none of it. These few properties (about 1.8 KB per VM) carry everything it shows, searches and
 * filters on; the devices are read when one VM is opened. Pure.
 */
export const VM_LIST_PROPERTIES = [
  // name, template, vmPathName, memorySizeMB, numCpu, numEthernetCards, numVirtualDisks, uuid,
  // instanceUuid, guestId, guestFullName in one object
  'summary.config',
  // toolsRunningStatus, hostName, ipAddress
  'summary.guest',
  // committed / uncommitted bytes
  'summary.storage',
  'runtime.powerState',
  'runtime.host',
  'config.firmware',
  'parent',
  'datastore',
] as const;

export function mapVmListItem(content: ObjectContent, index: InventoryIndex): VmListItem {
  const p = content.props;
  const config = p.get('summary.config');
  const guest = p.get('summary.guest');
  const storage = p.get('summary.storage');
  const text = (node: ReturnType<typeof p.get>, name: string): string | undefined => textOf(node, name)?.trim() || undefined;
  const hostRef = moRefOf(p.get('runtime.host'));
  const host = hostRef ? index.entities.get(hostRef.value) : undefined;
  const clusterRef = host?.parent?.type === 'ClusterComputeResource' ? host.parent : undefined;
  const parent = moRefOf(p.get('parent'));
  const datacenter = datacenterOf(index, parent ?? hostRef);
  const committed = numberOf(storage, 'committed');
  const uncommitted = numberOf(storage, 'uncommitted');
  const datastores: string[] = [];
  for (const node of arrayItems(p.get('datastore'))) {
    const ref = moRefOf(node);
    const ds = ref ? index.datastores.get(ref.value) : undefined;
    if (ds) datastores.push(ds.name);
  }
  const item: VmListItem = {
    id: content.obj.value,
    name: text(config, 'name') ?? content.obj.value,
    powerState: powerStateOf(p.get('runtime.powerState')?.text.trim()),
    template: booleanOf(config, 'template') ?? false,
    datastores,
  };
  const optional: Partial<VmListItem> = {
    guestId: text(config, 'guestId') ?? text(guest, 'guestId'),
    guestFullName: text(config, 'guestFullName') ?? text(guest, 'guestFullName'),
    cpus: numberOf(config, 'numCpu'),
    memoryMiB: numberOf(config, 'memorySizeMB'),
    firmware: firmwareOf(p.get('config.firmware')?.text.trim()),
    host: host?.name,
    cluster: clusterRef ? index.entities.get(clusterRef.value)?.name : undefined,
    datacenter: datacenter?.name,
    folderPath: parent ? `/${entityPath(index, parent).join('/')}` : undefined,
    diskCount: numberOf(config, 'numVirtualDisks'),
    nicCount: numberOf(config, 'numEthernetCards'),
    usedBytes: committed,
    provisionedBytes: committed !== undefined ? committed + (uncommitted ?? 0) : undefined,
    toolsRunningStatus: text(guest, 'toolsRunningStatus'),
    ipAddress: text(guest, 'ipAddress'),
    guestHostName: text(guest, 'hostName'),
    uuid: text(config, 'uuid'),
    instanceUuid: text(config, 'instanceUuid'),
    vmPathName: text(config, 'vmPathName'),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (item as Record<string, unknown>)[key] = value;
  return item;
}

/** Distinct values with counts, most frequent first (ties by name), for the filter menus. */
export function inventoryFacets(vms: readonly VmListItem[]): InventoryFacets {
  const count = (values: Iterable<string | undefined>): FacetValue[] => {
    const counts = new Map<string, number>();
    for (const value of values) if (value !== undefined && value !== '') counts.set(value, (counts.get(value) ?? 0) + 1);
    return [...counts].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  };
  return {
    powerStates: count(vms.map((vm) => vm.powerState)),
    guestOs: count(vms.map((vm) => vm.guestFullName ?? vm.guestId)),
    datastores: count(vms.flatMap((vm) => vm.datastores)),
    folders: count(vms.map((vm) => vm.folderPath)),
    hosts: count(vms.map((vm) => vm.host)),
  };
}

/** A datastore's summary may be missing on an inaccessible datastore; keep what is known. */
export function datastoresOf(index: InventoryIndex): VsphereDatastore[] {
  return [...index.datastores.values()].sort((a, b) => a.name.localeCompare(b.name));
}
