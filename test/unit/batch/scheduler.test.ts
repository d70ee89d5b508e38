import { describe, expect, it } from 'vitest';
import { canStart, pickStarts } from '../../../electron/engine/batch/scheduler';
import type { Schedulable } from '../../../electron/engine/batch/scheduler';

const vm = (name: string, host: string | null = null, datastores: string[] = []): Schedulable => ({ name, host, datastores });
const names = (list: Schedulable[]): string[] => list.map((v) => v.name);

describe('which VMs start', () => {
  it('fills the total limit in plan order', () => {
    expect(names(pickStarts([vm('a'), vm('b'), vm('c')], [], { total: 2, perHost: null, perDatastore: null }))).toEqual(['a', 'b']);
    expect(names(pickStarts([vm('b'), vm('c')], [vm('a')], { total: 2, perHost: null, perDatastore: null }))).toEqual(['b']);
    expect(names(pickStarts([vm('c')], [vm('a'), vm('b')], { total: 2, perHost: null, perDatastore: null }))).toEqual([]);
  });

  it('keeps one ESXi host from being flooded, without holding back VMs on other hosts', () => {
    const queue = [vm('h1-a', 'esx1'), vm('h1-b', 'esx1'), vm('h2-a', 'esx2'), vm('h1-c', 'esx1'), vm('h3-a', 'esx3')];
    expect(names(pickStarts(queue, [], { total: 4, perHost: 1, perDatastore: null }))).toEqual(['h1-a', 'h2-a', 'h3-a']);
    expect(names(pickStarts(queue.slice(1), [vm('h1-a', 'esx1')], { total: 4, perHost: 2, perDatastore: null }))).toEqual(['h1-b', 'h2-a', 'h3-a']);
  });

  it('limits per datastore, counting every datastore a VM reads', () => {
    const limits = { total: 10, perHost: null, perDatastore: 1 };
    expect(names(pickStarts([vm('a', 'h', ['ds1']), vm('b', 'h', ['ds1', 'ds2']), vm('c', 'h', ['ds2']), vm('d', 'h', ['ds3'])], [], limits))).toEqual(['a', 'c', 'd']);
    expect(canStart(vm('x', 'h', ['ds2', 'ds9']), [vm('c', 'h', ['ds2'])], limits)).toBe(false);
  });

  it('puts no host limit on local sources', () => {
    expect(names(pickStarts([vm('a'), vm('b'), vm('c')], [], { total: 3, perHost: 1, perDatastore: 1 }))).toEqual(['a', 'b', 'c']);
  });
});
