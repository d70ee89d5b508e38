import type {
  DiskDownloadPlan,
  DiskProvisioning,
  InventoryNode,
  SnapshotNode,
  VmFile,
  VmSummary,
  VsphereController,
  VsphereDatastore,
  VsphereDisk,
  VsphereNic,
  VspherePowerState,
} from '../../../shared/contract/models/vsphere';
import type { VmMetadata } from '../../../shared/contract/models/vm';
import type { ObjectContent } from './property-collector';
import { arrayItems, booleanOf, child, children, moRefOf, numberOf, textOf } from './xml';
import type { MoRef, XmlNode } from './xml';

/**
 * From PropertyCollector results to the product's models. Pure: everything it needs about the
 * rest of the inventory (host names, datastores, networks, folders) comes in an InventoryIndex.
 */

/** The VM properties a full listing asks for: what a VM's details and the pre-flight rules read. */
export const VM_PROPERTIES = [
  'name',
  'config.uuid',
  'config.instanceUuid',
  'config.template',
  'config.guestId',
  'config.guestFullName',
  'config.firmware',
  // The whole bootOptions, not bootOptions.efiSecureBootEnabled: a path the server's API
  // version does not know fails the entire call, an absent field inside an object does not.
  'config.bootOptions',
  'config.hardware.numCPU',
  'config.hardware.numCoresPerSocket',
  'config.hardware.memoryMB',
  'config.hardware.device',
  'runtime.powerState',
  'runtime.host',
  'summary.config.vmPathName',
  'snapshot',
  'layoutEx.file',
  'layoutEx.disk',
  'guest.toolsRunningStatus',
  'guest.net',
  'guest.ipAddress',
  'datastore',
  'parent',
  'resourcePool',
] as const;

/** Inventory objects other than VMs, for names, paths and the tree. */
export const ENTITY_TYPES = ['Folder', 'Datacenter', 'ComputeResource', 'HostSystem', 'ResourcePool', 'Datastore', 'Network'] as const;

export const ENTITY_PROPERTIES = [
  { type: 'ManagedEntity', paths: ['name', 'parent'] },
  { type: 'Datacenter', paths: ['hostFolder', 'vmFolder'] },
  { type: 'Datastore', paths: ['summary'] },
  { type: 'DistributedVirtualPortgroup', paths: ['key'] },
] as const;

export interface Entity {
  ref: MoRef;
  name: string;
  parent?: MoRef;
}

/** What the VM mapping needs to know about everything else. */
export interface InventoryIndex {
  rootFolder: MoRef;
  entities: Map<string, Entity>;
  datastores: Map<string, VsphereDatastore>;
  /** DVS port group key → name. */
  portgroupsByKey: Map<string, string>;
  /** Datacenter id → its host folder id (the hosts-and-clusters tree starts there). */
  hostFolders: Map<string, string>;
}

export function buildIndex(rootFolder: MoRef, objects: readonly ObjectContent[]): InventoryIndex {
  const index: InventoryIndex = { rootFolder, entities: new Map(), datastores: new Map(), portgroupsByKey: new Map(), hostFolders: new Map() };
  for (const o of objects) {
    const name = o.props.get('name')?.text ?? o.obj.value;
    const parent = moRefOf(o.props.get('parent'));
    index.entities.set(o.obj.value, { ref: o.obj, name, ...(parent ? { parent } : {}) });
    if (o.obj.type === 'Datastore') index.datastores.set(o.obj.value, readDatastore(o.obj, name, o.props.get('summary')));
    if (o.obj.type === 'DistributedVirtualPortgroup') index.portgroupsByKey.set(o.props.get('key')?.text.trim() ?? o.obj.value, name);
    if (o.obj.type === 'Datacenter') {
      const hostFolder = moRefOf(o.props.get('hostFolder'));
      if (hostFolder) index.hostFolders.set(o.obj.value, hostFolder.value);
    }
  }
  return index;
}

export function readDatastore(ref: MoRef, name: string, summary: XmlNode | undefined): VsphereDatastore {
  const capacity = numberOf(summary, 'capacity');
  const free = numberOf(summary, 'freeSpace');
  const accessible = booleanOf(summary, 'accessible');
  const url = textOf(summary, 'url');
  return {
    id: ref.value,
    name: textOf(summary, 'name') ?? name,
    type: textOf(summary, 'type')?.trim() || 'unknown',
    ...(capacity !== undefined ? { capacityBytes: capacity } : {}),
    ...(free !== undefined ? { freeBytes: free } : {}),
    ...(accessible !== undefined ? { accessible } : {}),
    ...(url ? { url } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Small readers

/** "[datastore1] web01/web01.vmdk" → { datastore: "datastore1", path: "web01/web01.vmdk" }. */
export function parseDatastorePath(value: string): { datastore: string; path: string } | undefined {
  const match = /^\s*\[([^\]]+)\]\s*(.*)$/.exec(value);
  if (!match) return undefined;
  return { datastore: match[1] as string, path: (match[2] as string).trim() };
}

export function powerStateOf(value: string | undefined): VspherePowerState {
  return value === 'poweredOn' || value === 'poweredOff' || value === 'suspended' ? value : 'unknown';
}

export function firmwareOf(value: string | undefined): 'bios' | 'uefi' | undefined {
  if (value === 'efi') return 'uefi';
  if (value === 'bios') return 'bios';
  return undefined;
}

/** VirtualVmxnet3 → vmxnet3, VirtualE1000e → e1000e, VirtualPCNet32 → pcnet32. */
export function adapterTypeOf(xsiType: string): string {
  const known: Record<string, string> = {
    VirtualVmxnet3: 'vmxnet3',
    VirtualVmxnet3Vrdma: 'vmxnet3-vrdma',
    VirtualVmxnet2: 'vmxnet2',
    VirtualVmxnet: 'vmxnet',
    VirtualE1000: 'e1000',
    VirtualE1000e: 'e1000e',
    VirtualPCNet32: 'pcnet32',
    VirtualSriovEthernetCard: 'sriov',
  };
  return known[xsiType] ?? xsiType.replace(/^Virtual/, '').toLowerCase();
}

const CONTROLLERS: Record<string, { kind: VsphereController['kind']; model: string }> = {
  ParaVirtualSCSIController: { kind: 'scsi', model: 'pvscsi' },
  VirtualLsiLogicController: { kind: 'scsi', model: 'lsilogic' },
  VirtualLsiLogicSASController: { kind: 'scsi', model: 'lsilogic-sas' },
  VirtualBusLogicController: { kind: 'scsi', model: 'buslogic' },
  VirtualAHCIController: { kind: 'sata', model: 'ahci' },
  VirtualIDEController: { kind: 'ide', model: 'ide' },
  VirtualNVMEController: { kind: 'nvme', model: 'nvme' },
};

const NIC_TYPES = new Set(['VirtualVmxnet3', 'VirtualVmxnet3Vrdma', 'VirtualVmxnet2', 'VirtualVmxnet', 'VirtualE1000', 'VirtualE1000e', 'VirtualPCNet32', 'VirtualSriovEthernetCard']);

function isNic(device: XmlNode): boolean {
  // A MAC address is what every VirtualEthernetCard subtype has and nothing else has.
  return (device.xsiType !== undefined && NIC_TYPES.has(device.xsiType)) || child(device, 'macAddress') !== undefined;
}

export interface NetworkNames {
  portgroupsByKey: ReadonlyMap<string, string>;
  entities: ReadonlyMap<string, Entity>;
}

export function readDevices(devices: readonly XmlNode[], names: NetworkNames): { disks: VsphereDisk[]; nics: VsphereNic[] } {
  const controllers = new Map<number, VsphereController>();
  for (const device of devices) {
    const known = device.xsiType ? CONTROLLERS[device.xsiType] : undefined;
    const key = numberOf(device, 'key');
    if (known && key !== undefined) controllers.set(key, { ...known, bus: numberOf(device, 'busNumber') ?? 0 });
  }
  const disks: VsphereDisk[] = [];
  const nics: VsphereNic[] = [];
  for (const device of devices) {
    if (device.xsiType === 'VirtualDisk') disks.push(readDisk(device, controllers));
    else if (isNic(device)) nics.push(readNic(device, names));
  }
  return { disks, nics };
}

function readDisk(device: XmlNode, controllers: ReadonlyMap<number, VsphereController>): VsphereDisk {
  const backing = child(device, 'backing');
  const backingType = (backing?.xsiType ?? 'unknown').replace(/^VirtualDisk/, '');
  const fileName = textOf(backing, 'fileName')?.trim() ?? '';
  const diskMode = textOf(backing, 'diskMode')?.trim() ?? 'persistent';
  const controllerKey = numberOf(device, 'controllerKey');
  const controller = controllerKey !== undefined ? controllers.get(controllerKey) : undefined;
  const unit = numberOf(device, 'unitNumber');
  const capacityBytes = numberOf(device, 'capacityInBytes') ?? (numberOf(device, 'capacityInKB') ?? 0) * 1024;
  const parents: string[] = [];
  for (let parent = child(backing, 'parent'); parent; parent = child(parent, 'parent')) {
    const name = textOf(parent, 'fileName')?.trim();
    if (name) parents.push(name);
  }
  const rdm = backingType.startsWith('RawDiskMapping') ? (textOf(backing, 'compatibilityMode')?.trim() === 'physicalMode' ? 'physical' : 'virtual') : undefined;
  const datastore = parseDatastorePath(fileName)?.datastore;
  return {
    key: numberOf(device, 'key') ?? 0,
    label: textOf(device, 'deviceInfo', 'label')?.trim() ?? '',
    fileName,
    ...(datastore ? { datastore } : {}),
    capacityBytes,
    provisioning: provisioningOf(backingType, backing),
    diskMode,
    independent: diskMode.startsWith('independent'),
    backingType,
    ...(rdm ? { rdm } : {}),
    ...(controller ? { controller } : {}),
    ...(controller && unit !== undefined ? { slot: `${controller.kind}${controller.bus}:${unit}` } : {}),
    parents,
  };
}

function provisioningOf(backingType: string, backing: XmlNode | undefined): DiskProvisioning {
  if (booleanOf(backing, 'thinProvisioned') === true) return 'thin';
  if (backingType === 'FlatVer2BackingInfo' || backingType === 'FlatVer1BackingInfo') {
    return booleanOf(backing, 'eagerlyScrub') === true ? 'thick-eager' : 'thick-lazy';
  }
  // Sparse and seSparse backings grow on demand.
  if (backingType.includes('Sparse')) return 'thin';
  return 'unknown';
}

function readNic(device: XmlNode, names: NetworkNames): VsphereNic {
  const backing = child(device, 'backing');
  const mac = textOf(device, 'macAddress')?.trim().toLowerCase();
  const addressType = textOf(device, 'addressType')?.trim();
  const connected = booleanOf(device, 'connectable', 'connected');
  const startConnected = booleanOf(device, 'connectable', 'startConnected');
  const network = networkName(backing, names);
  return {
    key: numberOf(device, 'key') ?? 0,
    label: textOf(device, 'deviceInfo', 'label')?.trim() ?? '',
    adapterType: adapterTypeOf(device.xsiType ?? 'unknown'),
    ...(mac ? { mac } : {}),
    ...(addressType ? { addressType } : {}),
    ...(network ? { network } : {}),
    ...(connected !== undefined ? { connected } : {}),
    ...(startConnected !== undefined ? { startConnected } : {}),
  };
}

function networkName(backing: XmlNode | undefined, names: NetworkNames): string | undefined {
  if (!backing) return undefined;
  const portgroupKey = textOf(backing, 'port', 'portgroupKey')?.trim();
  if (portgroupKey) return names.portgroupsByKey.get(portgroupKey) ?? portgroupKey;
  const networkRef = moRefOf(child(backing, 'network'));
  const byRef = networkRef ? names.entities.get(networkRef.value)?.name : undefined;
  return byRef ?? textOf(backing, 'deviceName')?.trim() ?? textOf(backing, 'opaqueNetworkId')?.trim();
}

export function readSnapshotTree(snapshot: XmlNode | undefined): { tree: SnapshotNode[]; current?: string } {
  const read = (node: XmlNode): SnapshotNode => {
    const description = textOf(node, 'description');
    const createdAt = textOf(node, 'createTime')?.trim();
    const state = textOf(node, 'state')?.trim();
    const quiesced = booleanOf(node, 'quiesced');
    return {
      id: moRefOf(child(node, 'snapshot'))?.value ?? '',
      name: textOf(node, 'name') ?? '',
      ...(description ? { description } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(state ? { state } : {}),
      ...(quiesced !== undefined ? { quiesced } : {}),
      children: children(node, 'childSnapshotList').map(read),
    };
  };
  const current = moRefOf(child(snapshot, 'currentSnapshot'))?.value;
  return { tree: children(snapshot, 'rootSnapshotList').map(read), ...(current ? { current } : {}) };
}

export interface LayoutFile extends VmFile {
  key?: number;
}

export function readLayoutFiles(val: XmlNode | undefined): LayoutFile[] {
  return arrayItems(val).map((file) => {
    const key = numberOf(file, 'key');
    return { name: textOf(file, 'name') ?? '', type: textOf(file, 'type')?.trim() ?? 'unknown', sizeBytes: numberOf(file, 'size') ?? 0, ...(key !== undefined ? { key } : {}) };
  });
}

/** layoutEx.disk: per disk key, the chain of units (base first), each a list of file keys. */
export function readLayoutDisks(val: XmlNode | undefined): { key?: number; chain: number[][] }[] {
  return arrayItems(val).map((disk) => {
    const key = numberOf(disk, 'key');
    const chain = children(disk, 'chain').map((unit) => children(unit, 'fileKey').map((k) => Number(k.text)));
    return { ...(key !== undefined ? { key } : {}), chain };
  });
}

// ---------------------------------------------------------------------------------------------
// Paths and the tree

/** Names from the root folder (excluded) down to `ref` (included). */
export function entityPath(index: InventoryIndex, ref: MoRef | undefined): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let current = ref; current && current.value !== index.rootFolder.value && !seen.has(current.value); ) {
    seen.add(current.value);
    const entity = index.entities.get(current.value);
    if (!entity) break;
    names.unshift(entity.name);
    current = entity.parent;
  }
  return names;
}

/** The datacenter above `ref`, if any. */
export function datacenterOf(index: InventoryIndex, ref: MoRef | undefined): Entity | undefined {
  const seen = new Set<string>();
  for (let current = ref; current && !seen.has(current.value); current = index.entities.get(current.value)?.parent) {
    seen.add(current.value);
    if (current.type === 'Datacenter') return index.entities.get(current.value);
  }
  return undefined;
}

/** "Europe/DC1": the dcPath the /folder URL wants. */
export function datacenterPath(index: InventoryIndex, datacenter: Entity): string {
  return entityPath(index, datacenter.ref).join('/');
}

export function mapVm(content: ObjectContent, index: InventoryIndex): VmSummary {
  const p = content.props;
  const text = (name: string): string | undefined => p.get(name)?.text.trim() || undefined;
  const num = (name: string): number | undefined => numberOf(p.get(name));
  const { disks, nics } = readDevices(arrayItems(p.get('config.hardware.device')), index);
  const hostRef = moRefOf(p.get('runtime.host'));
  const host = hostRef ? index.entities.get(hostRef.value) : undefined;
  const clusterRef = host?.parent?.type === 'ClusterComputeResource' ? host.parent : undefined;
  const parent = moRefOf(p.get('parent'));
  const datacenter = datacenterOf(index, parent ?? hostRef);
  const snapshots = readSnapshotTree(p.get('snapshot'));
  const ipAddresses = new Set<string>();
  const primaryIp = text('guest.ipAddress');
  if (primaryIp) ipAddresses.add(primaryIp);
  for (const nic of arrayItems(p.get('guest.net'))) for (const ip of children(nic, 'ipAddress')) if (ip.text.trim()) ipAddresses.add(ip.text.trim());
  const secureBoot = booleanOf(p.get('config.bootOptions'), 'efiSecureBootEnabled');
  const firmware = firmwareOf(text('config.firmware'));
  const datastores = arrayItems(p.get('datastore'))
    .map((node) => moRefOf(node))
    .map((ref) => (ref ? index.datastores.get(ref.value) : undefined))
    .filter((d): d is VsphereDatastore => d !== undefined);
  const optional = {
    uuid: text('config.uuid'),
    instanceUuid: text('config.instanceUuid'),
    guestId: text('config.guestId'),
    guestFullName: text('config.guestFullName'),
    firmware,
    secureBoot,
    cpus: num('config.hardware.numCPU'),
    coresPerSocket: num('config.hardware.numCoresPerSocket'),
    memoryMiB: num('config.hardware.memoryMB'),
    host: host?.name,
    cluster: clusterRef ? index.entities.get(clusterRef.value)?.name : undefined,
    datacenter: datacenter?.name,
    folderPath: parent ? `/${entityPath(index, parent).join('/')}` : undefined,
    vmPathName: text('summary.config.vmPathName'),
    currentSnapshot: snapshots.current,
    toolsRunningStatus: text('guest.toolsRunningStatus'),
  };
  return {
    id: content.obj.value,
    name: p.get('name')?.text ?? content.obj.value,
    template: booleanOf(p.get('config.template')) ?? false,
    ...withoutUndefined(optional),
    powerState: powerStateOf(text('runtime.powerState')),
    disks,
    nics,
    datastores,
    snapshots: snapshots.tree,
    files: readLayoutFiles(p.get('layoutEx.file')).map(({ name, type, sizeBytes }) => ({ name, type, sizeBytes })),
    ipAddresses: [...ipAddresses],
  };
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const EXTENT_SUFFIX = /^-(flat|s\d{3}|f\d{3}|delta|sesparse|rdm|rdmp)\.vmdk$/;

/**
 * The files to download for each disk: every link of its chain, top first. Uses layoutEx.disk
 * when it names the disk by key, else matches file names (descriptor plus its extents).
 */
export function diskDownloadPlans(disks: readonly VsphereDisk[], files: readonly LayoutFile[], layoutDisks: readonly { key?: number; chain: number[][] }[]): DiskDownloadPlan[] {
  const byKey = new Map(files.filter((f) => f.key !== undefined).map((f) => [f.key as number, f]));
  const strip = (f: LayoutFile): VmFile => ({ name: f.name, type: f.type, sizeBytes: f.sizeBytes });
  return disks.map((disk) => {
    const layout = layoutDisks.find((d) => d.key === disk.key);
    let chain: DiskDownloadPlan['chain'];
    if (layout && layout.chain.length > 0 && layout.chain.every((unit) => unit.every((k) => byKey.has(k)))) {
      chain = [...layout.chain].reverse().map((unit) => {
        const unitFiles = unit.map((k) => byKey.get(k) as LayoutFile);
        const descriptor = unitFiles.find((f) => f.type === 'diskDescriptor') ?? unitFiles[0];
        const ordered = descriptor ? [descriptor, ...unitFiles.filter((f) => f !== descriptor)] : unitFiles;
        return { descriptor: descriptor?.name ?? '', files: ordered.map(strip) };
      });
    } else {
      chain = [disk.fileName, ...disk.parents].map((descriptor) => {
        const base = descriptor.replace(/\.vmdk$/i, '');
        const own = files.find((f) => f.name === descriptor);
        const extents = files.filter((f) => f.name.startsWith(base) && EXTENT_SUFFIX.test(f.name.slice(base.length)));
        return { descriptor, files: [own ? strip(own) : { name: descriptor, type: 'diskDescriptor', sizeBytes: 0 }, ...extents.map(strip)] };
      });
    }
    const totalBytes = chain.reduce((sum, link) => sum + link.files.reduce((s, f) => s + f.sizeBytes, 0), 0);
    return { diskKey: disk.key, label: disk.label, chain, totalBytes };
  });
}

/**
 * Datacenters → folders → clusters / hosts → VMs (the "hosts and clusters" view). A standalone
 * host's ComputeResource wrapper and a datacenter's hidden host folder are left out, as the
 * vSphere Client does.
 */
export function buildTree(index: InventoryIndex, vms: readonly Pick<VmSummary, 'id' | 'name' | 'powerState'>[], vmHosts: ReadonlyMap<string, string>): InventoryNode {
  const childrenOf = new Map<string, Entity[]>();
  for (const entity of index.entities.values()) {
    if (!entity.parent) continue;
    const list = childrenOf.get(entity.parent.value) ?? [];
    list.push(entity);
    childrenOf.set(entity.parent.value, list);
  }
  const vmsByHost = new Map<string, InventoryNode[]>();
  for (const vm of vms) {
    const host = vmHosts.get(vm.id) ?? '';
    const list = vmsByHost.get(host) ?? [];
    list.push({ id: vm.id, type: 'vm', name: vm.name, powerState: vm.powerState, children: [] });
    vmsByHost.set(host, list);
  }
  const byName = (a: InventoryNode, b: InventoryNode): number => a.name.localeCompare(b.name);

  const hostNode = (host: Entity): InventoryNode => ({ id: host.ref.value, type: 'host', name: host.name, children: (vmsByHost.get(host.ref.value) ?? []).sort(byName) });
  const hostTreeChildren = (parentId: string): InventoryNode[] => {
    const nodes: InventoryNode[] = [];
    for (const entity of childrenOf.get(parentId) ?? []) {
      switch (entity.ref.type) {
        case 'Folder':
          nodes.push({ id: entity.ref.value, type: 'folder', name: entity.name, children: hostTreeChildren(entity.ref.value) });
          break;
        case 'ClusterComputeResource':
          nodes.push({ id: entity.ref.value, type: 'cluster', name: entity.name, children: (childrenOf.get(entity.ref.value) ?? []).filter((e) => e.ref.type === 'HostSystem').map(hostNode).sort(byName) });
          break;
        case 'ComputeResource':
          nodes.push(...(childrenOf.get(entity.ref.value) ?? []).filter((e) => e.ref.type === 'HostSystem').map(hostNode));
          break;
        default:
          break;
      }
    }
    return nodes.sort(byName);
  };
  const topChildren = (parentId: string): InventoryNode[] => {
    const nodes: InventoryNode[] = [];
    for (const entity of childrenOf.get(parentId) ?? []) {
      if (entity.ref.type === 'Datacenter') {
        const hostFolder = index.hostFolders.get(entity.ref.value);
        nodes.push({ id: entity.ref.value, type: 'datacenter', name: entity.name, children: hostFolder ? hostTreeChildren(hostFolder) : [] });
      } else if (entity.ref.type === 'Folder') {
        nodes.push({ id: entity.ref.value, type: 'folder', name: entity.name, children: topChildren(entity.ref.value) });
      }
    }
    return nodes.sort(byName);
  };
  const root = index.entities.get(index.rootFolder.value);
  const tree: InventoryNode = { id: index.rootFolder.value, type: 'root', name: root?.name ?? 'Datacenters', children: topChildren(index.rootFolder.value) };
  // VMs whose host is unknown (not registered on a host we can see) still belong in the tree.
  const orphans = vmsByHost.get('');
  if (orphans && orphans.length > 0) tree.children.push({ id: 'unplaced', type: 'folder', name: 'VMs without a host', children: orphans.sort(byName) });
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Into the product's VM metadata

export function toVmMetadata(vm: VmSummary): VmMetadata {
  const positive = (n: number | undefined): number | undefined => (n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined);
  const metadata: VmMetadata = {
    name: vm.name,
    nics: vm.nics.map((nic) => ({
      label: nic.label,
      adapterType: nic.adapterType,
      ...(nic.mac ? { mac: nic.mac } : {}),
      macSource: nic.addressType === 'manual' ? 'static' : nic.addressType ? 'generated' : 'unknown',
      ...(nic.network ? { network: nic.network } : {}),
      ...(nic.connected !== undefined ? { connected: nic.connected } : {}),
    })),
    disks: vm.disks.map((disk) => ({
      slot: disk.slot ?? disk.label,
      ...(disk.controller ? { controller: disk.controller.kind } : {}),
      fileName: disk.fileName,
      capacityBytes: disk.capacityBytes,
      mode: disk.diskMode,
    })),
    origin: 'vcenter',
  };
  const optional = {
    guestOs: vm.guestId,
    guestOsFullName: vm.guestFullName,
    vcpus: positive(vm.cpus),
    coresPerSocket: positive(vm.coresPerSocket),
    memoryMiB: positive(vm.memoryMiB),
    firmware: vm.firmware,
    secureBoot: vm.secureBoot,
    uuid: vm.uuid,
  };
  return { ...metadata, ...withoutUndefined(optional) };
}

/** The host id of each VM (for the tree), read alongside mapVm. */
export function hostOf(content: ObjectContent): string | undefined {
  return moRefOf(content.props.get('runtime.host'))?.value;
}
