import { useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { Button, Checkbox, Flex, FormSelect, FormSelectOption, Label, SearchInput, Spinner, Title } from '@patternfly/react-core';
import { AngleDownIcon, AngleRightIcon, BuildingIcon, ClusterIcon, EllipsisHIcon, FolderIcon, ServerIcon } from '@patternfly/react-icons';
import type { FacetValue } from '../../../../shared/contract/api/vcenter';
import { ErrorAlert } from '../../components/ErrorAlert';
import { countText, filterRows, initiallyExpanded, isFiltered, POWER_TEXT, powerFacets, scopeLabel, treeItems, visibleTreeLines } from './inventory-model';
import type { TreeItem } from './inventory-model';
import { checkSelection, clearFilter, loadInventory, openVm, setSelection, updateFilter, useVcenterStore } from './store';
import type { InventoryState } from './store';
import { VmTable } from './VmTable';

/** Keystrokes are collected for this long before the table is filtered again. */
export const SEARCH_DEBOUNCE_MS = 150;

function TypeIcon({ type }: { type: TreeItem['type'] }): ReactNode {
  switch (type) {
    case 'datacenter':
      return <BuildingIcon />;
    case 'cluster':
      return <ClusterIcon />;
    case 'host':
      return <ServerIcon />;
    case 'more':
      return <EllipsisHIcon />;
    default:
      return <FolderIcon />;
  }
}

function InventoryTree({ root }: { root: TreeItem }): ReactNode {
  const scope = useVcenterStore((s) => s.filter.scope);
  const [expanded, setExpanded] = useState<Set<string>>(() => initiallyExpanded(root));
  const lines = useMemo(() => visibleTreeLines(root, expanded), [root, expanded]);
  const toggle = (id: string): void => {
    const next = new Set(expanded);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setExpanded(next);
  };
  return (
    <nav className="h2k-vc-tree" aria-label="Inventory tree" data-testid="inventory-tree">
      <div role="tree">
      {lines.map(({ item, depth, expandable, expanded: open }) => {
        const isVm = item.type === 'vm';
        const target = item.type === 'more' ? item.moreOf! : item.id;
        return (
          <div
            key={item.id}
            className={`h2k-vc-tree-line${!isVm && scope === target && item.type !== 'more' ? ' h2k-vc-tree-line--selected' : ''}`}
            style={{ paddingLeft: `${0.25 + depth * 1.1}rem` }}
            data-testid="tree-node"
            data-node-id={item.id}
            data-type={item.type}
            role="treeitem"
            aria-expanded={expandable ? open : undefined}
            aria-level={depth + 1}
            onClick={() => (isVm ? void openVm(item.id) : updateFilter({ scope: target }))}
          >
            {expandable ? (
              <button
                type="button"
                className="h2k-vc-tree-toggle"
                aria-label={open ? `Collapse ${item.name}` : `Expand ${item.name}`}
                onClick={(e) => {
                  e.stopPropagation();
                  toggle(item.id);
                }}
              >
                {open ? <AngleDownIcon /> : <AngleRightIcon />}
              </button>
            ) : (
              <span className="h2k-vc-tree-toggle" />
            )}
            {isVm ? <span className={`h2k-vc-power h2k-vc-power--${item.powerState ?? 'unknown'}`} title={POWER_TEXT[item.powerState ?? 'unknown']} /> : <TypeIcon type={item.type} />}
            <span className={`h2k-vc-tree-name${item.type === 'more' ? ' h2k-muted' : ''}`} title={item.name}>
              {item.name}
            </span>
            {!isVm && item.type !== 'more' ? <span className="h2k-muted">({item.vmCount.toLocaleString('en-US')})</span> : null}
          </div>
        );
      })}
      </div>
      {lines.length === 0 ? <p className="h2k-muted h2k-center">No datacenter visible to this user.</p> : null}
    </nav>
  );
}

function FacetSelect({ id, label, value, options, onChange, format }: { id: string; label: string; value: string; options: FacetValue[]; onChange: (v: string) => void; format?: (v: string) => string }): ReactNode {
  return (
    <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v)} aria-label={label} data-testid={id}>
      <FormSelectOption value="" label={`${label}: any`} />
      {options.map((o) => (
        <FormSelectOption key={o.value} value={o.value} label={`${format ? format(o.value) : o.value} (${o.count.toLocaleString('en-US')})`} />
      ))}
    </FormSelect>
  );
}

function Filters({ inventory }: { inventory: Extract<InventoryState, { status: 'ready' }> }): ReactNode {
  const filter = useVcenterStore((s) => s.filter);
  const [typed, setTyped] = useState(filter.query);
  const facets = inventory.inventory.facets;
  const power = useMemo(() => powerFacets(inventory.index), [inventory.index]);

  useEffect(() => setTyped(filter.query), [filter.query]);
  useEffect(() => {
    if (typed === filter.query) return;
    const timer = setTimeout(() => updateFilter({ query: typed }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const scope = filter.scope ? scopeLabel(inventory.index, filter.scope) : null;
  return (
    <div className="h2k-vc-filters" data-testid="inventory-filters">
      <SearchInput
        className="h2k-vc-search"
        placeholder="Search by name, DNS name or IP"
        value={typed}
        onChange={(_e, v) => setTyped(v)}
        onClear={() => {
          setTyped('');
          updateFilter({ query: '' });
        }}
        aria-label="Search VMs"
        data-testid="inventory-search"
      />
      <FacetSelect id="filter-power" label="Power" value={filter.powerState} options={power} onChange={(v) => updateFilter({ powerState: v as typeof filter.powerState })} format={(v) => POWER_TEXT[v as keyof typeof POWER_TEXT] ?? v} />
      <FacetSelect id="filter-guest" label="Guest OS" value={filter.guestOs} options={facets.guestOs} onChange={(v) => updateFilter({ guestOs: v })} />
      <FacetSelect id="filter-datastore" label="Datastore" value={filter.datastore} options={facets.datastores} onChange={(v) => updateFilter({ datastore: v })} />
      <FacetSelect id="filter-folder" label="Folder" value={filter.folder} options={facets.folders} onChange={(v) => updateFilter({ folder: v })} />
      <Checkbox id="filter-templates" label="Templates" isChecked={filter.showTemplates} onChange={(_e, v) => updateFilter({ showTemplates: v })} />
      {scope ? (
        <Label color="blue" onClose={() => updateFilter({ scope: null })} data-testid="filter-scope">
          In {scope}
        </Label>
      ) : null}
      {isFiltered(filter) ? (
        <Button
          variant="link"
          isInline
          onClick={() => {
            setTyped('');
            clearFilter();
          }}
          data-testid="filter-clear"
        >
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

function Loaded({ inventory }: { inventory: Extract<InventoryState, { status: 'ready' }> }): ReactNode {
  const filter = useVcenterStore((s) => s.filter);
  const sort = useVcenterStore((s) => s.sort);
  const selected = useVcenterStore((s) => s.selected);
  const { index } = inventory;
  const tree = useMemo(() => treeItems(inventory.inventory.tree, index), [inventory.inventory.tree, index.scopes]);
  // Filtering is timed so the benchmark (and anyone curious) can read what a keystroke costs.
  const { shown, filterMs } = useMemo(() => {
    const started = performance.now();
    const rows = filterRows(index, filter, sort);
    return { shown: rows, filterMs: performance.now() - started };
  }, [index, filter, sort]);

  return (
    <div className="h2k-stack">
      <Flex alignItems={{ default: 'alignItemsCenter' }} justifyContent={{ default: 'justifyContentSpaceBetween' }}>
        <Title headingLevel="h2">
          Inventory{' '}
          <span className="h2k-muted" data-testid="inventory-count" data-shown={shown.length} data-total={index.rows.length} data-filter-ms={filterMs.toFixed(2)}>
            {countText(shown.length, index.rows.length)}
          </span>
        </Title>
        <Flex alignItems={{ default: 'alignItemsCenter' }}>
          <span className="h2k-muted" data-testid="inventory-timing" data-listed-ms={inventory.inventory.durationMs} data-loaded-ms={Math.round(inventory.elapsedMs)} data-index-ms={Math.round(inventory.indexMs)}>
            listed in {(inventory.inventory.durationMs / 1000).toFixed(1)} s
          </span>
          <Button variant="secondary" onClick={() => void loadInventory()} data-testid="inventory-refresh">
            Refresh
          </Button>
          <Button variant="primary" isDisabled={selected.size === 0} onClick={() => void checkSelection()} data-testid="check-selected">
            {selected.size <= 1 ? 'Pre-flight selected' : `Pre-flight ${selected.size.toLocaleString('en-US')} selected`}
          </Button>
          {selected.size > 0 ? (
            <Button variant="link" isInline onClick={() => setSelection([])}>
              Clear selection
            </Button>
          ) : null}
        </Flex>
      </Flex>
      <Filters inventory={inventory} />
      <div className="h2k-vc-inventory">
        <InventoryTree root={tree} />
        <VmTable index={index} shown={shown} sort={sort} filterKey={filter} />
      </div>
    </div>
  );
}

function LoadingInventory({ startedAt }: { startedAt: number }): ReactNode {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return (
    <Flex alignItems={{ default: 'alignItemsCenter' }} data-testid="inventory-loading">
      <Spinner size="lg" aria-label="Listing VMs" /> <span>Listing every VM… {((now - startedAt) / 1000).toFixed(1)} s</span>
    </Flex>
  );
}

export function InventoryStep(): ReactNode {
  const inventory = useVcenterStore((s) => s.inventory);
  if (inventory.status === 'loading') return <LoadingInventory startedAt={inventory.startedAt} />;
  if (inventory.status === 'error') {
    return <ErrorAlert error={inventory.error} title={inventory.error.code === 'VSPHERE_NO_PERMISSION' ? 'Missing privileges to list the inventory' : 'The inventory could not be listed'} actions={[{ label: 'Try again', onClick: () => void loadInventory() }]} />;
  }
  if (inventory.status === 'ready') return <Loaded inventory={inventory} />;
  return null;
}
