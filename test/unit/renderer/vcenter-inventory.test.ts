import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFacets } from '../../../electron/engine/vcenter/vm-list';
import {
  buildIndex,
  countText,
  filterRows,
  initiallyExpanded,
  isFiltered,
  MAX_VM_LEAVES,
  NO_FILTER,
  powerFacets,
  queryTerms,
  scopeLabel,
  sortedOrder,
  treeItems,
  visibleTreeLines,
  withPowerState,
} from '../../../renderer/src/features/vcenter/inventory-model';
import type { InventoryFilter, InventoryIndex, SortBy } from '../../../renderer/src/features/vcenter/inventory-model';
import { VcenterInventory } from '../../../shared/contract/api/vcenter';
import type { VmListItem } from '../../../shared/contract/api/vcenter';
import type { InventoryNode } from '../../../shared/contract/models/vsphere';

/** The inventory the real engine listed from the simulator (see samples/vcenter/README.md). */
const recorded = VcenterInventory.parse(JSON.parse(readFileSync(join(import.meta.dirname, 'samples', 'vcenter', 'inventory.json'), 'utf8')));

const BY_NAME: SortBy = { key: 'name', direction: 'asc' };
const names = (index: InventoryIndex, rows: Int32Array): string[] => Array.from(rows, (i) => index.rows[i]!.vm.name);
const filter = (patch: Partial<InventoryFilter>): InventoryFilter => ({ ...NO_FILTER, ...patch });

/**
 * The simulator's VMs are all alike (same guest, power state, datastore). This varies the
 * recorded ones the way a real estate varies, keeping the engine's shape of every field.
 */
const GUESTS = ['Microsoft Windows Server 2019 (64-bit)', 'Debian GNU/Linux 12 (64-bit)', 'Red Hat Enterprise Linux 9 (64-bit)'];
function estate(count: number): { vms: VmListItem[]; tree: InventoryNode } {
  const base = recorded.vms[0]!;
  const hosts: InventoryNode[] = [0, 1, 2, 3].map((h) => ({ id: `host-${h}`, type: 'host', name: `esx${h}.lab`, children: [] }));
  const vms: VmListItem[] = [];
  for (let i = 0; i < count; i++) {
    const vm: VmListItem = {
      ...base,
      id: `vm-${1000 + i}`,
      name: `${i % 3 === 0 ? 'web' : i % 3 === 1 ? 'db' : 'App'}-${String(i).padStart(5, '0')}`,
      powerState: i % 4 === 0 ? 'poweredOff' : i % 17 === 0 ? 'suspended' : 'poweredOn',
      guestFullName: GUESTS[i % 3]!,
      cpus: 1 + (i % 8),
      memoryMiB: 1024 * (1 + (i % 4)),
      host: hosts[i % 4]!.name,
      folderPath: i % 2 === 0 ? '/DC0/vm/Production' : '/DC0/vm/Test',
      datastores: i % 5 === 0 ? ['vsanDatastore'] : ['LocalDS_0', ...(i % 7 === 0 ? ['LocalDS_1'] : [])],
      template: i % 50 === 49,
      ...(i % 10 === 0 ? { ipAddress: `10.1.${Math.floor(i / 256) % 256}.${i % 256}`, guestHostName: `host${i}.corp.example` } : {}),
    };
    if (i % 11 === 0) delete vm.cpus; // not reported
    vms.push(vm);
    hosts[i % 4]!.children.push({ id: vm.id, type: 'vm', name: vm.name, powerState: vm.powerState, children: [] });
  }
  const tree: InventoryNode = {
    id: 'group-d1',
    type: 'root',
    name: 'Datacenters',
    children: [{ id: 'datacenter-2', type: 'datacenter', name: 'DC0', children: [{ id: 'cluster-1', type: 'cluster', name: 'Prod', children: hosts.slice(0, 3) }, hosts[3]!] }],
  };
  return { vms, tree };
}

describe('the inventory index of the recorded listing', () => {
  const index = buildIndex(recorded.vms, recorded.tree);

  it('knows which VMs are under each datacenter, cluster and host of the tree', () => {
    const under = (id: string): string[] => (index.scopes.get(id) ?? []).map((i) => index.rows[i]!.vm.name).sort();
    expect(under('datacenter-2')).toEqual(['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1']);
    expect(under('clustercomputeresource-27')).toEqual(['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
    expect(under('host-21')).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1']);
    expect(scopeLabel(index, 'host-34')).toBe('DC0 › DC0_C0 › DC0_C0_H0');
    expect(scopeLabel(index, 'nowhere')).toBeNull();
  });

  it('searches case-insensitively, every term must match, within a tree node when one is chosen', () => {
    expect(names(index, filterRows(index, filter({ query: 'h0_vm' }), BY_NAME))).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1']);
    expect(names(index, filterRows(index, filter({ query: '  VM1   dc0 ' }), BY_NAME))).toEqual(['DC0_C0_RP0_VM1', 'DC0_H0_VM1']);
    expect(names(index, filterRows(index, filter({ scope: 'clustercomputeresource-27' }), BY_NAME))).toEqual(['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
    expect(names(index, filterRows(index, filter({ scope: 'clustercomputeresource-27', query: 'vm1' }), BY_NAME))).toEqual(['DC0_C0_RP0_VM1']);
    expect(filterRows(index, filter({ query: 'nothing-like-this' }), BY_NAME)).toHaveLength(0);
  });

  it('builds a tree that shows every container with its VM count', () => {
    const root = treeItems(recorded.tree, index);
    const lines = visibleTreeLines(root, initiallyExpanded(root));
    // Datacenter and cluster start open; hosts (which hold the VMs) start closed.
    expect(lines.map((l) => `${'  '.repeat(l.depth)}${l.item.type} ${l.item.name} (${l.item.vmCount})${l.expandable ? (l.expanded ? ' -' : ' +') : ''}`)).toEqual([
      'datacenter DC0 (4) -',
      '  cluster DC0_C0 (2) -',
      '    host DC0_C0_H0 (1) +',
      '    host DC0_C0_H1 (1) +',
      '  host DC0_H0 (2) +',
    ]);
  });
});

describe('filters, sorting and the tree over a varied estate', () => {
  const { vms, tree } = estate(1200);
  const index = buildIndex(vms, tree);
  const facets = inventoryFacets(vms); // what the engine sends along, computed by the engine's own code
  const count = (f: Partial<InventoryFilter>): number => filterRows(index, filter(f), BY_NAME).length;
  const expected = (pred: (vm: VmListItem) => boolean): number => vms.filter(pred).length;

  it.each<[string, Partial<InventoryFilter>, (vm: VmListItem) => boolean]>([
    ['power state', { powerState: 'poweredOff' }, (vm) => vm.powerState === 'poweredOff'],
    ['guest OS (the facet value)', { guestOs: facets.guestOs[0]!.value }, (vm) => vm.guestFullName === facets.guestOs[0]!.value],
    ['datastore (any of the VM\'s)', { datastore: 'LocalDS_1' }, (vm) => vm.datastores.includes('LocalDS_1')],
    ['folder', { folder: '/DC0/vm/Test' }, (vm) => vm.folderPath === '/DC0/vm/Test'],
    ['no templates', { showTemplates: false }, (vm) => !vm.template],
    ['IP address', { query: '10.1.0.' }, (vm) => vm.ipAddress?.startsWith('10.1.0.') ?? false],
    ['DNS name', { query: 'corp.example host12' }, (vm) => vm.guestHostName?.startsWith('host12') ?? false],
    ['a host of the tree', { scope: 'host-2' }, (vm) => vm.host === 'esx2.lab'],
    ['a cluster of the tree', { scope: 'cluster-1' }, (vm) => vm.host !== 'esx3.lab'],
    ['everything at once', { scope: 'cluster-1', powerState: 'poweredOn', guestOs: GUESTS[1]!, folder: '/DC0/vm/Test', query: 'db-' }, (vm) => vm.host !== 'esx3.lab' && vm.powerState === 'poweredOn' && vm.guestFullName === GUESTS[1] && vm.folderPath === '/DC0/vm/Test' && vm.name.startsWith('db-')],
  ])('%s', (_name, f, pred) => {
    expect(expected(pred)).toBeGreaterThan(0);
    expect(count(f)).toBe(expected(pred));
    expect(isFiltered(filter(f))).toBe(true);
  });

  it('counts facets the way the filters match them', () => {
    for (const f of facets.powerStates) expect(count({ powerState: f.value as InventoryFilter['powerState'] })).toBe(f.count);
    for (const f of facets.datastores) expect(count({ datastore: f.value })).toBe(f.count);
    for (const f of facets.folders) expect(count({ folder: f.value })).toBe(f.count);
  });

  it('sorts by any column, ties by name, not-reported values last in both directions', () => {
    const byName = names(index, sortedOrder(index, BY_NAME));
    expect(byName.slice(0, 2)).toEqual(['App-00002', 'App-00005']); // case-insensitive: "App" before "db"
    expect(names(index, sortedOrder(index, { key: 'name', direction: 'desc' }))[0]).toBe('web-01197');
    for (const direction of ['asc', 'desc'] as const) {
      const cpus = Array.from(sortedOrder(index, { key: 'cpus', direction }), (i) => index.rows[i]!.vm.cpus);
      const reported = cpus.filter((c) => c !== undefined);
      expect(cpus.slice(reported.length).every((c) => c === undefined)).toBe(true);
      expect(reported).toEqual([...reported].sort((a, b) => (direction === 'asc' ? a - b : b - a)));
    }
    const power = names(index, filterRows(index, filter({ query: 'web-0000' }), { key: 'powerState', direction: 'asc' }));
    expect(power).toEqual(['web-00003', 'web-00006', 'web-00009', 'web-00000']); // on (by name), then off
  });

  it('keeps each sorted order once computed, and drops only the power orders when a VM is powered off', () => {
    const order = sortedOrder(index, { key: 'memory', direction: 'desc' });
    expect(sortedOrder(index, { key: 'memory', direction: 'desc' })).toBe(order);
    sortedOrder(index, { key: 'powerState', direction: 'asc' });
    const on = vms.find((vm) => vm.powerState === 'poweredOn')!;
    const after = withPowerState(index, on.id, 'poweredOff');
    expect(after).not.toBe(index);
    expect(after.rows[index.byId.get(on.id)!]!.vm.powerState).toBe('poweredOff');
    expect(index.rows[index.byId.get(on.id)!]!.vm.powerState).toBe('poweredOn'); // the old index is unchanged
    expect([...after.orders.keys()].some((k) => k.startsWith('powerState:'))).toBe(false);
    expect(after.orders.get('memory:desc')).toBe(order);
    expect(filterRows(after, filter({ powerState: 'poweredOff' }), BY_NAME).length).toBe(count({ powerState: 'poweredOff' }) + 1);
    expect(withPowerState(after, on.id, 'poweredOff')).toBe(after);
  });

  it('offers the usual power states, counted like the engine counts them, and follows power actions', () => {
    const choices = powerFacets(index);
    expect(choices.map((f) => f.value)).toEqual(['poweredOn', 'poweredOff', 'suspended']);
    expect(Object.fromEntries(choices.map((f) => [f.value, f.count]))).toEqual(Object.fromEntries(facets.powerStates.map((f) => [f.value, f.count])));
    const on = vms.find((vm) => vm.powerState === 'poweredOn')!;
    const after = powerFacets(withPowerState(index, on.id, 'poweredOff'));
    expect(after.find((f) => f.value === 'poweredOff')!.count).toBe(choices.find((f) => f.value === 'poweredOff')!.count + 1);
    // Nothing powered off yet: the choice is there anyway, with its zero.
    expect(powerFacets(buildIndex(recorded.vms, recorded.tree))).toEqual([
      { value: 'poweredOn', count: 4 },
      { value: 'poweredOff', count: 0 },
      { value: 'suspended', count: 0 },
    ]);
  });

  it('shows at most MAX_VM_LEAVES VMs under a node, and a line for the rest', () => {
    const root = treeItems(tree, index);
    const host0 = root.children[0]!.children[0]!.children[0]!;
    expect(host0).toMatchObject({ type: 'host', name: 'esx0.lab', vmCount: 300 });
    expect(host0.children).toHaveLength(MAX_VM_LEAVES + 1);
    expect(host0.children.at(-1)).toMatchObject({ type: 'more', name: '250 more VMs: shown in the table', moreOf: 'host-0' });
    const open = initiallyExpanded(root);
    expect(visibleTreeLines(root, open)).toHaveLength(6); // DC0, Prod, its 3 hosts, esx3
    open.add('host-0');
    expect(visibleTreeLines(root, open)).toHaveLength(6 + MAX_VM_LEAVES + 1);
  });

  it.each([
    ['', []],
    ['  Web  DB ', ['web', 'db']],
  ])('query terms of %j', (query, terms) => {
    expect(queryTerms(query)).toEqual(terms);
  });

  it.each([
    [10000, 10000, '10,000 VMs'],
    [3, 10000, '3 of 10,000 VMs'],
    [1, 1, '1 VM'],
  ])('count text %i of %i', (shown, total, text) => {
    expect(countText(shown, total)).toBe(text);
  });
});

describe('10,000 VMs', () => {
  it('index once, then each keystroke filters well within a frame', () => {
    const { vms, tree } = estate(10_000);
    const built = performance.now();
    const index = buildIndex(vms, tree);
    sortedOrder(index, BY_NAME);
    const buildMs = performance.now() - built;
    const timings: number[] = [];
    let shown = 0;
    for (const query of ['w', 'we', 'web', 'web-', 'web-0', 'web-01', 'web-012', 'web-0123']) {
      const t = performance.now();
      shown = filterRows(index, filter({ query }), BY_NAME).length;
      timings.push(performance.now() - t);
    }
    expect(shown).toBe(vms.filter((vm) => vm.name.toLowerCase().includes('web-0123')).length);
    // A frame is 16 ms; on this 2-core machine one pass takes about 1 ms. The bound is loose on purpose.
    expect(Math.max(...timings)).toBeLessThan(50);
    expect(buildMs).toBeLessThan(1000);
  });
});
