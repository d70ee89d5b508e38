import { describe, expect, it } from 'vitest';
import { deepMerge, withoutNulls } from '../../../electron/engine/batch/merge';

describe('deepMerge: defaults with a VM’s overrides', () => {
  it.each([
    ['scalars replace', { format: 'qcow2', compress: false }, { format: 'raw' }, { format: 'raw', compress: false }],
    ['maps merge key by key at every depth', { define: { options: { vcpus: 2, memoryMiB: 2048 }, connection: 'qemu:///system' } }, { define: { options: { vcpus: 4 } } }, { define: { options: { vcpus: 4, memoryMiB: 2048 }, connection: 'qemu:///system' } }],
    ['lists replace', { repair: { skip: ['a', 'b'] } }, { repair: { skip: ['c'] } }, { repair: { skip: ['c'] } }],
    ['a scalar replaces a map', { repair: { network: 'pin-name' } }, { repair: true }, { repair: true }],
    ['a map replaces a scalar', { repair: true }, { repair: { skip: ['x'] } }, { repair: { skip: ['x'] } }],
    ['null removes a key', { define: { connection: 'qemu:///system' }, format: 'raw' }, { define: null }, { format: 'raw' }],
    ['null deep inside removes there only', { networks: { LAN: { network: 'default' } } }, { networks: { LAN: { network: null, bridge: 'br0' } } }, { networks: { LAN: { bridge: 'br0' } } }],
    ['a null where nothing was is nothing', {}, { hooks: { 'after-convert': null } }, { hooks: {} }],
    ['no override keeps everything', { a: { b: [1, 2] } }, undefined, { a: { b: [1, 2] } }],
  ])('%s', (_name, base, override, expected) => {
    expect(deepMerge(base, override)).toEqual(expected);
  });

  it('never changes its inputs', () => {
    const base = { hooks: { 'after-convert': [{ command: ['a'] }] }, networks: { LAN: { network: 'x' } } };
    const copy = structuredClone(base);
    const merged = deepMerge(base, { networks: { LAN: { network: 'y' } } }) as typeof base;
    merged.hooks['after-convert'].push({ command: ['b'] });
    expect(base).toEqual(copy);
  });

  it('withoutNulls drops null keys at every depth, keeps list items', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }] })).toEqual({ b: { d: 1 }, e: [null, {}] });
  });
});
