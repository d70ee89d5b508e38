import type { VmListItem } from '../../../../shared/contract/api/vcenter';
import type { InventoryNode, InventoryNodeType, VspherePowerState } from '../../../../shared/contract/models/vsphere';

/**
 * The inventory table's data for thousands of VMs, prepared once when the list arrives so that
 * each keystroke costs one pass over precomputed lower-case strings: no lower-casing, sorting
 * or allocation per VM while the user types. Sorted orders are computed once per column and
 * direction and kept; filtering walks the chosen order, so results come out sorted.
 */

export interface InventoryRow {
  vm: VmListItem;
  /** Name, guest host name and IP address, lower-case, separated so a term cannot span two. */
  haystack: string;
  /** What the guest OS filter and column show: the full name when the server has one. */
  guestOs: string;
}

export type SortKey = 'name' | 'powerState' | 'guestOs' | 'cpus' | 'memory' | 'used' | 'host' | 'folder';
export type SortDirection = 'asc' | 'desc';
export interface SortBy {
  key: SortKey;
  direction: SortDirection;
}

export interface InventoryIndex {
  rows: InventoryRow[];
  byId: Map<string, number>;
  /** Tree node id → indices of the VMs anywhere below it. */
  scopes: Map<string, number[]>;
  /** Tree node id → where it is, for the scope label ("DC0 › DC0_C0 › DC0_C0_H1"). */
  nodes: Map<string, { name: string; type: InventoryNodeType; path: string[] }>;
  /** Sorted orders already computed, by "key:direction". */
  orders: Map<string, Int32Array>;
}

export interface InventoryFilter {
  query: string;
  powerState: VspherePowerState | '';
  guestOs: string;
  datastore: string;
  folder: string;
  /** A tree node: only VMs below it. */
  scope: string | null;
  showTemplates: boolean;
}

export const NO_FILTER: InventoryFilter = { query: '', powerState: '', guestOs: '', datastore: '', folder: '', scope: null, showTemplates: true };

const SEPARATOR = '\u0001';

export function guestOsOf(vm: Pick<VmListItem, 'guestFullName' | 'guestId'>): string {
  return vm.guestFullName ?? vm.guestId ?? '';
}

export function buildIndex(vms: readonly VmListItem[], tree: InventoryNode | null): InventoryIndex {
  const rows: InventoryRow[] = new Array<InventoryRow>(vms.length);
  const byId = new Map<string, number>();
  for (let i = 0; i < vms.length; i++) {
    const vm = vms[i]!;
    rows[i] = {
      vm,
      haystack: [vm.name, vm.guestHostName ?? '', vm.ipAddress ?? ''].join(SEPARATOR).toLowerCase(),
      guestOs: guestOsOf(vm),
    };
    byId.set(vm.id, i);
  }
  const scopes = new Map<string, number[]>();
  const nodes = new Map<string, { name: string; type: InventoryNodeType; path: string[] }>();
  if (tree) collectScopes(tree, [], byId, scopes, nodes);
  return { rows, byId, scopes, nodes, orders: new Map() };
}

function collectScopes(node: InventoryNode, path: string[], byId: Map<string, number>, scopes: Map<string, number[]>, nodes: InventoryIndex['nodes']): number[] {
  if (node.type === 'vm') {
    const i = byId.get(node.id);
    return i === undefined ? [] : [i];
  }
  const here = node.type === 'root' ? path : [...path, node.name];
  nodes.set(node.id, { name: node.name, type: node.type, path: here });
  const under: number[] = [];
  for (const child of node.children) {
    for (const i of collectScopes(child, here, byId, scopes, nodes)) under.push(i);
  }
  scopes.set(node.id, under);
  return under;
}

const POWER_ORDER: Record<VspherePowerState, number> = { poweredOn: 0, suspended: 1, poweredOff: 2, unknown: 3 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value a column sorts by; null (not reported) sorts last in either direction. */
function sortKeyOf(row: InventoryRow, key: SortKey): string | number | null {
  const vm = row.vm;
  switch (key) {
    case 'name':
      return vm.name.toLowerCase();
    case 'powerState':
      return POWER_ORDER[vm.powerState];
    case 'guestOs':
      return row.guestOs === '' ? null : row.guestOs.toLowerCase();
    case 'cpus':
      return vm.cpus ?? null;
    case 'memory':
      return vm.memoryMiB ?? null;
    case 'used':
      return vm.usedBytes ?? null;
    case 'host':
      return vm.host?.toLowerCase() ?? null;
    case 'folder':
      return vm.folderPath?.toLowerCase() ?? null;
  }
}

function compareKeys(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : compareText(String(a), String(b));
}

/** Row indices in the order of `sort`, ties broken by name; computed once per order and kept. */
export function sortedOrder(index: InventoryIndex, sort: SortBy): Int32Array {
  const cacheKey = `${sort.key}:${sort.direction}`;
  const cached = index.orders.get(cacheKey);
  if (cached) return cached;
  const keys = index.rows.map((row) => sortKeyOf(row, sort.key));
  const names = index.rows.map((row) => row.vm.name.toLowerCase());
  const sign = sort.direction === 'asc' ? 1 : -1;
  const order = Array.from(index.rows.keys()).sort((a, b) => {
    const ka = keys[a] ?? null;
    const kb = keys[b] ?? null;
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1;
    } else {
      const primary = compareKeys(ka, kb);
      if (primary !== 0) return sign * primary;
    }
    return compareText(names[a]!, names[b]!) || a - b;
  });
  const result = Int32Array.from(order);
  index.orders.set(cacheKey, result);
  return result;
}

/** Whitespace-separated terms, each of which must appear (in any order). */
export function queryTerms(query: string): string[] {
  return query.trim().toLowerCase().split(/\s+/).filter(Boolean);
}

/** The VMs that pass the filter, as row indices in the sorted order. */
export function filterRows(index: InventoryIndex, filter: InventoryFilter, sort: SortBy): Int32Array {
  const order = sortedOrder(index, sort);
  const terms = queryTerms(filter.query);
  const inScope = filter.scope === null ? null : scopeSet(index, filter.scope);
  const { rows } = index;
  const out = new Int32Array(order.length);
  let n = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const row = rows[i]!;
    const vm = row.vm;
    if (inScope !== null && !inScope.has(i)) continue;
    if (!filter.showTemplates && vm.template) continue;
    if (filter.powerState !== '' && vm.powerState !== filter.powerState) continue;
    if (filter.guestOs !== '' && row.guestOs !== filter.guestOs) continue;
    if (filter.folder !== '' && vm.folderPath !== filter.folder) continue;
    if (filter.datastore !== '' && !vm.datastores.includes(filter.datastore)) continue;
    let matches = true;
    for (const term of terms) {
      if (!row.haystack.includes(term)) {
        matches = false;
        break;
      }
    }
    if (matches) out[n++] = i;
  }
  return out.slice(0, n);
}

/**
 * The index after one VM's power state changed (powered off from the pre-flight): the row is
 * replaced, and only the sorted orders that depend on the power state are dropped.
 */
export function withPowerState(index: InventoryIndex, vmId: string, powerState: VspherePowerState): InventoryIndex {
  const i = index.byId.get(vmId);
  if (i === undefined || index.rows[i]!.vm.powerState === powerState) return index;
  const rows = index.rows.slice();
  rows[i] = { ...rows[i]!, vm: { ...rows[i]!.vm, powerState } };
  const orders = new Map([...index.orders].filter(([key]) => !key.startsWith('powerState:')));
  return { ...index, rows, orders };
}

const scopeSets = new WeakMap<number[], Set<number>>();

function scopeSet(index: InventoryIndex, scope: string): Set<number> {
  const list = index.scopes.get(scope) ?? [];
  let set = scopeSets.get(list);
  if (!set) {
    set = new Set(list);
    scopeSets.set(list, set);
  }
  return set;
}

/**
 * The power filter's choices with their counts. Unlike the engine's facets (counted once, at
 * listing time) these follow power actions taken from the pre-flight, and always offer the
 * three usual states, so "Powered off (0)" can be chosen before anything is powered off.
 */
export function powerFacets(index: InventoryIndex): Array<{ value: VspherePowerState; count: number }> {
  const counts: Record<VspherePowerState, number> = { poweredOn: 0, poweredOff: 0, suspended: 0, unknown: 0 };
  for (const row of index.rows) counts[row.vm.powerState]++;
  return (['poweredOn', 'poweredOff', 'suspended', 'unknown'] as const).filter((state) => state !== 'unknown' || counts.unknown > 0).map((value) => ({ value, count: counts[value] }));
}

export function isFiltered(filter: InventoryFilter): boolean {
  return filter.query.trim() !== '' || filter.powerState !== '' || filter.guestOs !== '' || filter.datastore !== '' || filter.folder !== '' || filter.scope !== null || !filter.showTemplates;
}

/** "3 of 10,000 VMs" / "10,000 VMs". */
export function countText(shown: number, total: number): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const noun = total === 1 ? 'VM' : 'VMs';
  return shown === total ? `${n(total)} ${noun}` : `${n(shown)} of ${n(total)} ${noun}`;
}

/** "DC0 › DC0_C0 › DC0_C0_H1" for the scope chip; null when the node is unknown. */
export function scopeLabel(index: InventoryIndex, scope: string): string | null {
  const node = index.nodes.get(scope);
  return node ? node.path.join(' › ') || node.name : null;
}

// ---- The tree -------------------------------------------------------------------------------

/** VM leaves shown under one node; the rest are one click away in the table (scoped to it). */
export const MAX_VM_LEAVES = 50;

export interface TreeItem {
  id: string;
  type: InventoryNodeType | 'more';
  name: string;
  /** VMs below (containers only). */
  vmCount: number;
  powerState?: VspherePowerState;
  children: TreeItem[];
  /** For "more" items: the container whose VMs they stand for. */
  moreOf?: string;
}

/**
 * The tree as the page draws it: every container, and under each at most MAX_VM_LEAVES VMs
 * followed by a "N more" item, so a host with 5,000 VMs does not put 5,000 elements on the
 * page when it is opened.
 */
export function treeItems(node: InventoryNode, index: InventoryIndex, maxLeaves = MAX_VM_LEAVES): TreeItem {
  const containers: TreeItem[] = [];
  const leaves: TreeItem[] = [];
  let hiddenLeaves = 0;
  for (const child of node.children) {
    if (child.type === 'vm') {
      if (leaves.length < maxLeaves) leaves.push({ id: child.id, type: 'vm', name: child.name, vmCount: 0, ...(child.powerState ? { powerState: child.powerState } : {}), children: [] });
      else hiddenLeaves++;
    } else {
      containers.push(treeItems(child, index, maxLeaves));
    }
  }
  const children = [...containers, ...leaves];
  if (hiddenLeaves > 0) children.push({ id: `${node.id}:more`, type: 'more', name: `${hiddenLeaves.toLocaleString('en-US')} more VMs: shown in the table`, vmCount: hiddenLeaves, children: [], moreOf: node.id });
  return { id: node.id, type: node.type, name: node.name, vmCount: index.scopes.get(node.id)?.length ?? 0, children };
}

/** Nodes opened at first: the root's datacenters and their first level, never a VM list. */
export function initiallyExpanded(root: TreeItem): Set<string> {
  const open = new Set<string>([root.id]);
  for (const dc of root.children) {
    if (dc.type === 'vm' || dc.type === 'more') continue;
    open.add(dc.id);
    for (const child of dc.children) if (child.type === 'folder' || child.type === 'cluster') open.add(child.id);
  }
  return open;
}

/** The tree's visible lines in order, for a flat (and cheap) rendering with indentation. */
export interface TreeLine {
  item: TreeItem;
  depth: number;
  expandable: boolean;
  expanded: boolean;
}

export function visibleTreeLines(root: TreeItem, expanded: ReadonlySet<string>): TreeLine[] {
  const lines: TreeLine[] = [];
  const walk = (item: TreeItem, depth: number): void => {
    const expandable = item.children.length > 0;
    const open = expandable && expanded.has(item.id);
    lines.push({ item, depth, expandable, expanded: open });
    if (open) for (const child of item.children) walk(child, depth + 1);
  };
  // The root ("Datacenters") is implicit: its children are the first level.
  for (const child of root.children) walk(child, 0);
  return lines;
}

/** Power state in words, as the table and the details show it. */
export const POWER_TEXT: Record<VspherePowerState, string> = { poweredOn: 'Powered on', poweredOff: 'Powered off', suspended: 'Suspended', unknown: 'Unknown' };
