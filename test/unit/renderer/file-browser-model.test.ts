import { describe, expect, it } from 'vitest';
import { breadcrumbs, isSelectable, looksLikeSource, visibleEntries } from '../../../renderer/src/components/file-browser-model';
import type { FsEntry } from '../../../shared/contract/api/core';

const entry = (name: string, kind: FsEntry['kind'] = 'file'): FsEntry => ({ name, path: `/srv/vms/${name}`, kind, size: 1, mtimeMs: 0 });
const folder = [entry('web01', 'dir'), entry('db01', 'dir'), entry('web01.vmdk'), entry('web01-flat.vmdk'), entry('notes.txt'), entry('fifo', 'other')];

describe('file browser model', () => {
  it('shows only folders when picking a destination', () => {
    expect(visibleEntries(folder, '', 'folder').entries.map((e) => e.name)).toEqual(['web01', 'db01']);
  });

  it('filters by name, case-insensitively', () => {
    expect(visibleEntries(folder, 'WEB', 'source').entries.map((e) => e.name)).toEqual(['web01', 'web01.vmdk', 'web01-flat.vmdk']);
  });

  it('caps what is rendered and says how many are hidden', () => {
    const many = Array.from({ length: 1200 }, (_, i) => entry(`disk${i}.vmdk`));
    const shown = visibleEntries(many, '', 'source', 400);
    expect(shown.entries).toHaveLength(400);
    expect(shown.hidden).toBe(800);
    expect(visibleEntries(many, 'disk1199', 'source', 400)).toMatchObject({ hidden: 0, entries: [{ name: 'disk1199.vmdk' }] });
  });

  it.each([
    ['web01.vmdk', true],
    ['Web01.VMX', true],
    ['appliance.ova', true],
    ['notes.txt', false],
    ['vmware.log', false],
  ])('%s looks like a source: %s', (name, expected) => {
    expect(looksLikeSource(name)).toBe(expected);
  });

  it('lets a source be a file or a folder, a destination only a folder', () => {
    expect(isSelectable(entry('x.vmdk'), 'source')).toBe(true);
    expect(isSelectable(entry('x.vmdk'), 'folder')).toBe(false);
    expect(isSelectable(entry('d', 'dir'), 'folder')).toBe(true);
    expect(isSelectable(entry('fifo', 'other'), 'source')).toBe(false);
  });

  it.each([
    ['/', [['/', '/']]],
    ['/srv/vms/web01', [['/', '/'], ['srv', '/srv'], ['vms', '/srv/vms'], ['web01', '/srv/vms/web01']]],
  ])('breadcrumbs of %s', (path, expected) => {
    expect(breadcrumbs(path).map((c) => [c.label, c.path])).toEqual(expected);
  });
});
