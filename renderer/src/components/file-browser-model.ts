import type { FsEntry } from '../../../shared/contract/api/core';

export type PickMode = 'source' | 'folder';

/** Rows shown at once; a folder with more asks for a filter instead of rendering thousands. */
export const MAX_VISIBLE_ENTRIES = 400;

export interface VisibleEntries {
  entries: FsEntry[];
  /** Entries that match but are not shown (type more of the name to see them). */
  hidden: number;
}

/** Disk and VM files the intake understands; other files are shown but dimmed. */
const SOURCE_EXTENSIONS = ['.vmdk', '.vmx', '.ovf', '.ova', '.qcow2', '.raw', '.img'];

export function looksLikeSource(name: string): boolean {
  const lower = name.toLowerCase();
  return SOURCE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Whether an entry can be the answer of the picker (a folder is always a valid source too). */
export function isSelectable(entry: FsEntry, mode: PickMode): boolean {
  if (entry.kind === 'dir') return true;
  return mode === 'source' && entry.kind === 'file';
}

export function visibleEntries(all: readonly FsEntry[], filter: string, mode: PickMode, limit = MAX_VISIBLE_ENTRIES): VisibleEntries {
  const needle = filter.trim().toLowerCase();
  const matching = all.filter((e) => (mode === 'folder' ? e.kind === 'dir' : true) && (needle === '' || e.name.toLowerCase().includes(needle)));
  return { entries: matching.slice(0, limit), hidden: Math.max(matching.length - limit, 0) };
}

/** "/srv/vms/web01" → [{"/", "/"}, {"srv", "/srv"}, {"vms", "/srv/vms"}, {"web01", "/srv/vms/web01"}]. */
export function breadcrumbs(path: string): Array<{ label: string; path: string }> {
  const parts = path.split('/').filter(Boolean);
  const crumbs = [{ label: '/', path: '/' }];
  let acc = '';
  for (const part of parts) {
    acc += `/${part}`;
    crumbs.push({ label: part, path: acc });
  }
  return crumbs;
}
