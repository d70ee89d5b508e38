import { describe, expect, it } from 'vitest';
import { newBatchId, selectUploads, sourceAfterUpload, sourceFromPaths } from '../../../renderer/src/features/convert/source-choice';
import type { DroppedFile } from '../../../renderer/src/features/convert/source-choice';

const f = (relativePath: string, size = 1): DroppedFile => ({ name: relativePath.split('/').pop()!, relativePath, size });

describe('selectUploads', () => {
  it('uploads a VMware VM folder without its memory, swap, logs and locks', () => {
    const folder = [
      'web01/web01.vmx',
      'web01/web01.vmdk',
      'web01/web01-flat.vmdk',
      'web01/web01.nvram',
      'web01/web01-3c1a.vmem',
      'web01/web01-3c1a.vswp',
      'web01/web01-Snapshot1.vmsn',
      'web01/vmware.log',
      'web01/vmware-1.log',
      'web01/web01.vmdk.lck/M12345.lck',
      'web01/.DS_Store',
    ].map((p) => f(p));
    const selection = selectUploads(folder);
    expect(selection.problem).toBeNull();
    expect(selection.upload.map((x) => x.name)).toEqual(['web01.vmx', 'web01.vmdk', 'web01-flat.vmdk', 'web01.nvram']);
    expect(selection.skipped.map((s) => [s.file.name, s.reason])).toEqual([
      ['web01-3c1a.vmem', 'memory or swap file (not needed to convert the disks)'],
      ['web01-3c1a.vswp', 'memory or swap file (not needed to convert the disks)'],
      ['web01-Snapshot1.vmsn', 'suspend or snapshot memory state (not needed to convert the disks)'],
      ['vmware.log', 'log file'],
      ['vmware-1.log', 'log file'],
      ['M12345.lck', 'lock file'],
      ['.DS_Store', 'hidden file'],
    ]);
  });

  it('uploads a single disk as it is', () => {
    expect(selectUploads([f('disk.vmdk')])).toMatchObject({ problem: null, upload: [{ name: 'disk.vmdk' }] });
  });

  it('refuses two files of the same name from different subfolders (they would overwrite each other)', () => {
    const selection = selectUploads([f('vms/a/disk.vmdk'), f('vms/b/disk.vmdk')]);
    expect(selection.upload).toEqual([]);
    expect(selection.problem).toContain('vms/a/disk.vmdk and vms/b/disk.vmdk');
  });

  it.each([
    [[], 'Nothing was dropped.'],
    [[f('vm/vmware.log'), f('vm/.hidden')], 'None of the dropped files is a disk or a VM description.'],
  ])('explains an empty selection', (files, problem) => {
    expect(selectUploads(files).problem).toBe(problem);
  });
});

describe('where the plan starts', () => {
  it('plans one uploaded file as itself and several as their batch folder', () => {
    expect(sourceAfterUpload([{ path: '/h/uploads/b1/disk.vmdk', folder: '/h/uploads/b1' }])).toBe('/h/uploads/b1/disk.vmdk');
    expect(sourceAfterUpload([{ path: '/h/uploads/b1/d.vmdk', folder: '/h/uploads/b1' }, { path: '/h/uploads/b1/d-flat.vmdk', folder: '/h/uploads/b1' }])).toBe('/h/uploads/b1');
    expect(sourceAfterUpload([])).toBeNull();
  });

  it.each([
    [['/srv/vms/web01'], { source: '/srv/vms/web01' }],
    [['/srv/vms/web01/web01.vmdk', '/srv/vms/web01/web01-flat.vmdk'], { source: '/srv/vms/web01' }],
    [['/srv/a.vmdk', '/srv/b.vmdk'], { source: '/srv' }],
    [['/a.vmdk', '/b.vmdk'], { source: '/' }],
    [['/srv/a/x.vmdk', '/srv/b/y.vmdk'], { problem: 'The dropped files come from different folders. Drop one VM (its folder, or its files) at a time.' }],
    [[''], { problem: 'The dropped items have no path on this machine.' }],
  ])('real paths %j', (paths, expected) => {
    expect(sourceFromPaths(paths)).toEqual(expected);
  });

  it('makes batch ids the bridge accepts', () => {
    let n = 0;
    const id = newBatchId((count) => Uint8Array.from({ length: count }, () => (n += 37) % 256));
    expect(id).toMatch(/^[A-Za-z0-9-]{8,64}$/);
    expect(id).toHaveLength(24);
  });
});
