import { describe, expect, it } from 'vitest';
import { ProgressSnapshot } from '../../../shared/contract/events';
import { engineError } from '../../../shared/contract/errors';
import { PartsProgress } from '../../../electron/engine/vcenter/parts-progress';
import { StagedFile } from '../../../electron/engine/vcenter/staged-file';

const location = { datacenterPath: 'DC0', datastore: 'ds1', path: 'vm/vm-flat.vmdk' };
const file = (): StagedFile => new StagedFile('[ds1] vm/vm-flat.vmdk', location, 1000, '/tmp/none/vm-flat.vmdk', 'disk1');

describe('a file that is read while it downloads', () => {
  it('lets readers wait for the bytes they need, in any order', async () => {
    const f = file();
    const order: string[] = [];
    const a = f.waitFor(600).then(() => order.push('600'));
    const b = f.waitFor(200).then(() => order.push('200'));
    f.setAvailable(100);
    await Promise.resolve();
    expect(order).toEqual([]);
    f.setAvailable(300);
    await b;
    expect(order).toEqual(['200']);
    f.markComplete();
    await a;
    expect(f.available).toBe(1000);
    await f.waitFor(1000); // no wait once there
  });

  it('hands the download failure to every waiting reader', async () => {
    const f = file();
    const waiting = f.waitFor(500);
    f.fail(engineError('VSPHERE_DOWNLOAD_FAILED', 'gone', 'retry'));
    await expect(waiting).rejects.toMatchObject({ value: { code: 'VSPHERE_DOWNLOAD_FAILED' } });
    await expect(f.waitFor(10)).rejects.toMatchObject({ value: { code: 'VSPHERE_DOWNLOAD_FAILED' } });
  });

  it('ends a wait when the reader goes away', async () => {
    const f = file();
    const controller = new AbortController();
    const waiting = f.waitFor(500, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ value: { code: 'CANCELLED' } });
  });

  it('accepts a download that starts over before anything was read, not after', () => {
    const quiet = file();
    quiet.setAvailable(400);
    quiet.setAvailable(0);
    expect(quiet.failure).toBeUndefined();

    const read = file();
    read.setAvailable(400);
    read.noteServed(300);
    read.setAvailable(0);
    expect(read.failure?.code).toBe('VCENTER_SOURCE_CHANGED');
  });

  it('serves a rewritten text descriptor with its own size', () => {
    const f = file();
    expect(f.servedSize).toBe(1000);
    f.served = { kind: 'text', text: Buffer.from('# Disk DescriptorFile\n') };
    expect(f.servedSize).toBe(22);
  });
});

describe('progress of disks moving at once', () => {
  it('reports every disk and the whole, with rates and ETAs over what moves now', () => {
    let now = 0;
    const progress = new PartsProgress(
      [
        { id: 'disk1', label: 'Hard disk 1', total: 1000 },
        { id: 'disk2', label: 'Hard disk 2', total: 3000 },
      ],
      () => now,
    );
    // disk2 had 1000 bytes from an earlier attempt: done, but not speed.
    progress.setBaseline('disk2', 1000);
    now = 1000;
    progress.update('disk1', 500);
    progress.update('disk2', 1500);
    const s = progress.snapshot();
    expect(() => ProgressSnapshot.parse(s)).not.toThrow();
    expect(s).toMatchObject({ bytesDone: 2000, bytesTotal: 4000, fraction: 0.5, bytesPerSecond: 1000, etaSeconds: 2 });
    expect(s.parts).toEqual([
      { id: 'disk1', label: 'Hard disk 1', state: 'running', fraction: 0.5, bytesDone: 500, bytesTotal: 1000, bytesPerSecond: 500, etaSeconds: 1 },
      { id: 'disk2', label: 'Hard disk 2', state: 'running', fraction: 0.5, bytesDone: 1500, bytesTotal: 3000, bytesPerSecond: 500, etaSeconds: 3 },
    ]);
    now = 2000;
    progress.finish('disk1');
    const t = progress.snapshot();
    expect(t.parts?.[0]).toMatchObject({ state: 'done', fraction: 1, etaSeconds: 0, bytesPerSecond: null });
    expect(t.bytesDone).toBe(2500);
    expect(progress.rate()).toBeGreaterThan(0);
  });

  it('never goes backwards', () => {
    const progress = new PartsProgress([{ id: 'd', label: 'd', total: 100 }], () => 0);
    progress.update('d', 60);
    progress.update('d', 40);
    expect(progress.snapshot().bytesDone).toBe(60);
  });
});
