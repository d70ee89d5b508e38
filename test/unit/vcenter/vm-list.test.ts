import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VmListItem } from '../../../shared/contract/api/vcenter';
import { inventoryFacets, mapVmListItem } from '../../../electron/engine/vcenter/vm-list';
import { hostOf } from '../../../electron/engine/vsphere/inventory-map';
import { buildIndex, buildTree } from '../../../electron/engine/vsphere/inventory-map';
import { readRetrieveResult } from '../../../electron/engine/vsphere/property-collector';
import type { ObjectContent } from '../../../electron/engine/vsphere/property-collector';
import { child, parseXml, path } from '../../../electron/engine/vsphere/xml';
import { sample as vsphereSample, withXsiPrefix } from '../vsphere/fake-vcenter';

const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, 'samples', 'vm-list-page.xml'), 'utf8');

function objectsOf(xml: string): ObjectContent[] {
  return readRetrieveResult(child(path(parseXml(xml), 'Body', 'RetrievePropertiesExResponse'), 'returnval')).objects;
}

describe.each([
  ['as vcsim writes it', (x: string) => x],
  ['as vCenter writes it (xsi:type)', withXsiPrefix],
])('the inventory table from the light property set, %s', (_label, variant) => {
  const index = buildIndex({ type: 'Folder', value: 'group-d1' }, [...objectsOf(variant(vsphereSample('root-folder.xml'))), ...objectsOf(variant(vsphereSample('inventory-entities.xml')))]);
  const objects = objectsOf(variant(page));
  const items = objects.map((o) => mapVmListItem(o, index));

  it('maps every VM of the page with what the table shows and filters on', () => {
    expect(items).toHaveLength(4);
    for (const item of items) expect(() => VmListItem.parse(item)).not.toThrow();
    expect(items.find((i) => i.id === 'vm-57')).toEqual({
      id: 'vm-57',
      name: 'DC0_H0_VM0',
      powerState: 'poweredOff',
      template: false,
      guestId: 'otherGuest',
      guestFullName: 'otherGuest',
      cpus: 1,
      memoryMiB: 32,
      firmware: 'bios',
      host: 'DC0_H0',
      datacenter: 'DC0',
      folderPath: '/DC0/vm',
      datastores: ['LocalDS_0'],
      diskCount: 1,
      nicCount: 1,
      usedBytes: 0,
      provisionedBytes: 0,
      uuid: '265104de-1472-547c-b873-6dc7883fb6cb',
      instanceUuid: 'b4689bed-97f0-5bcd-8a4c-07477cc8f06f',
      vmPathName: '[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmx',
    });
    // A VM on a cluster host names its cluster.
    expect(items.find((i) => i.name === 'DC0_C0_RP0_VM0')).toMatchObject({ cluster: 'DC0_C0', powerState: 'poweredOn' });
  });

  it('hangs the VMs under their hosts in the tree', () => {
    const hosts = new Map(objects.map((o) => [o.obj.value, hostOf(o)!]));
    const tree = buildTree(index, items, hosts);
    const names: string[] = [];
    const walk = (node: typeof tree, trail: string[]): void => {
      if (node.type === 'vm') names.push([...trail, node.name].join('/'));
      for (const c of node.children) walk(c, [...trail, node.name]);
    };
    walk(tree, []);
    expect(names.sort()).toEqual(['Datacenters/DC0/DC0_C0/DC0_C0_H0/DC0_C0_RP0_VM1', 'Datacenters/DC0/DC0_C0/DC0_C0_H1/DC0_C0_RP0_VM0', 'Datacenters/DC0/DC0_H0/DC0_H0_VM0', 'Datacenters/DC0/DC0_H0/DC0_H0_VM1']);
  });

  it('counts the filter values, most frequent first', () => {
    const facets = inventoryFacets(items);
    expect(facets.powerStates).toEqual([
      { value: 'poweredOn', count: 3 },
      { value: 'poweredOff', count: 1 },
    ]);
    expect(facets.datastores).toEqual([{ value: 'LocalDS_0', count: 4 }]);
    expect(facets.guestOs).toEqual([{ value: 'otherGuest', count: 4 }]);
    expect(facets.folders).toEqual([{ value: '/DC0/vm', count: 4 }]);
    expect(facets.hosts).toEqual([
      { value: 'DC0_H0', count: 2 },
      { value: 'DC0_C0_H0', count: 1 },
      { value: 'DC0_C0_H1', count: 1 },
    ]);
  });
});

it('is far smaller than the full listing per VM (the point of the light set)', () => {
  const full = vsphereSample('vm-properties.xml').length;
  expect(page.length / 4).toBeLessThan(full / 2);
});
