import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { connectVsphere } from '../../../electron/engine/vsphere/connect';
import { downloadDatastoreFile, partPath, sessionFileAccess, sidecarPath } from '../../../electron/engine/vsphere/datastore-download';
import type { DatastoreLocation, DownloadSidecar, FileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { getVmDetails, listVms } from '../../../electron/engine/vsphere/inventory';
import type { VsphereSession } from '../../../electron/engine/vsphere/session';
import { startNetProxy } from '../../support/net-proxy';
import type { NetProxy } from '../../support/net-proxy';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim } from '../../support/vcsim/harness';
import { makeFlatVmdk, putVmdk, sha256File } from '../../support/vcsim/vmdk';
import type { LocalVmdk } from '../../support/vcsim/vmdk';
import { failureOf } from '../../support/failures';

const VM = 'DC0_H0_VM0';
const SIZE_MIB = 8;

describe('datastore downloads over /folder from the real simulator', () => {
  let vcsim: Vcsim;
  let session: VsphereSession;
  let work: string;
  let vmdk: LocalVmdk;
  let access: FileAccess;
  const proxies: NetProxy[] = [];
  const flat = (): DatastoreLocation => ({ datacenterPath: 'DC0', datastore: 'LocalDS_0', path: `${VM}/disk1-flat.vmdk` });
  const flatSize = (): number => vmdk.sizes['disk1-flat.vmdk']!;
  const flatSha = (): string => vmdk.sha256['disk1-flat.vmdk']!;

  beforeAll(async () => {
    vcsim = await startVcsim();
    ({ session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 }));
    access = sessionFileAccess(session);
    work = mkdtempSync(join(tmpdir(), 'h2k-vsphere-dl-'));
    const source = join(work, 'source');
    mkdirSync(source);
    vmdk = await makeFlatVmdk(source, 'disk1', SIZE_MIB);
    await putVmdk(access, vmdk, { datacenterPath: 'DC0', datastore: 'LocalDS_0', vmFolder: VM });
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop();
    await session?.close();
    await vcsim?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const through = async (options: Parameters<typeof startNetProxy>[0] extends infer O ? Omit<O, 'targetHost' | 'targetPort'> : never): Promise<{ proxy: NetProxy; access: FileAccess }> => {
    const proxy = await startNetProxy({ targetHost: vcsim.host, targetPort: vcsim.port, ...options });
    proxies.push(proxy);
    return { proxy, access: { ...access, origin: `https://127.0.0.1:${proxy.port}` } };
  };

  it('downloads a real VMDK (descriptor and extent) byte for byte, and qemu-img reads it as the same disk', async () => {
    const target = join(work, 'plain');
    mkdirSync(target);
    const details = await getVmDetails(session, (await listVms(session)).find((vm) => vm.name === VM)!.id);
    const plan = details.downloads[0]!.chain[0]!;
    expect(plan.files.map((f) => f.name)).toEqual([`[LocalDS_0] ${VM}/disk1.vmdk`, `[LocalDS_0] ${VM}/disk1-flat.vmdk`]);
    for (const file of plan.files) {
      const name = file.name.slice(file.name.lastIndexOf('/') + 1);
      const result = await downloadDatastoreFile({
        access,
        source: { datacenterPath: details.datacenterPath!, datastore: 'LocalDS_0', path: file.name.replace(/^\[LocalDS_0\] /, '') },
        destination: join(target, name),
        expectedSize: vmdk.sizes[name],
      });
      expect(result).toMatchObject({ bytes: vmdk.sizes[name], resumedFrom: 0, requests: 1, restarts: 0 });
      expect(await sha256File(join(target, name))).toBe(vmdk.sha256[name]);
    }
    expect(readdirSync(target).sort()).toEqual(['disk1-flat.vmdk', 'disk1.vmdk']);
    const compare = await new LocalToolRunner().run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', vmdk.raw, join(target, 'disk1.vmdk')]);
    expect(compare.stdout).toContain('Images are identical');
  });

  it('resumes with a Range request after the connection drops mid-body, and the result is identical', async () => {
    const { proxy, access: viaProxy } = await through({ dropAfterBytes: 3 * 1024 * 1024 });
    const destination = join(work, 'dropped-flat.vmdk');
    const log: string[] = [];
    const result = await downloadDatastoreFile({ access: viaProxy, source: flat(), destination, expectedSize: flatSize(), retryBaseMs: 50, onLog: (line) => log.push(line) });
    expect(proxy.stats.drops).toBe(1);
    expect(result.requests).toBe(2);
    expect(result.restarts).toBe(0);
    expect(log.join('\n')).toContain('broke off');
    expect(log.join('\n')).not.toContain('starting over');
    expect(log.join('\n')).not.toContain('whole file');
    expect(await sha256File(destination)).toBe(flatSha());
    expect(existsSync(partPath(destination))).toBe(false);
    expect(existsSync(sidecarPath(destination))).toBe(false);
  });

  it('leaves only the .part and its sidecar when aborted, and a later call resumes from them', async () => {
    const { access: slow } = await through({ bytesPerSecond: 2 * 1024 * 1024 });
    const destination = join(work, 'aborted-flat.vmdk');
    const controller = new AbortController();
    const error = await failureOf(
      downloadDatastoreFile({
        access: slow,
        source: flat(),
        destination,
        expectedSize: flatSize(),
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 2 * 1024 * 1024) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(readdirSync(work).filter((name) => name.startsWith('aborted-flat')).sort()).toEqual(['aborted-flat.vmdk.part', 'aborted-flat.vmdk.part.json']);
    const partial = statSync(partPath(destination)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(flatSize());
    const sidecar = JSON.parse(readFileSync(sidecarPath(destination), 'utf8')) as DownloadSidecar;
    expect(sidecar).toMatchObject({ version: 1, server: session.server, source: flat(), total: flatSize() });

    const log: string[] = [];
    const result = await downloadDatastoreFile({ access, source: flat(), destination, expectedSize: flatSize(), onLog: (line) => log.push(line) });
    expect(result.resumedFrom).toBe(partial);
    expect(result.requests).toBe(1);
    expect(log).toEqual([]); // a 206 that continued the .part: no restart, no retry
    expect(await sha256File(destination)).toBe(flatSha());
    expect(readdirSync(work).filter((name) => name.startsWith('aborted-flat'))).toEqual(['aborted-flat.vmdk']);
  });

  it('throws away a .part that belongs to another file instead of splicing it in', async () => {
    const destination = join(work, 'stale-flat.vmdk');
    writeFileSync(partPath(destination), Buffer.alloc(1024 * 1024, 7));
    const stale: DownloadSidecar = { version: 1, server: session.server, source: { ...flat(), path: `${VM}/other.vmdk` }, total: flatSize(), startedAt: new Date().toISOString() };
    writeFileSync(sidecarPath(destination), JSON.stringify(stale));
    const result = await downloadDatastoreFile({ access, source: flat(), destination, expectedSize: flatSize() });
    expect(result.resumedFrom).toBe(0);
    expect(await sha256File(destination)).toBe(flatSha());
  });

  it('holds a bandwidth limit', async () => {
    const destination = join(work, 'limited-flat.vmdk');
    const rate = 4 * 1024 * 1024;
    const start = performance.now();
    await downloadDatastoreFile({ access, source: flat(), destination, expectedSize: flatSize(), bytesPerSecond: rate });
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(`[vsphere] ${SIZE_MIB} MiB at a 4 MiB/s limit took ${seconds.toFixed(2)} s\n`);
    // A quarter second of burst, then the rate: at least (8 - 1) / 4 s.
    expect(seconds).toBeGreaterThanOrEqual(1.7);
    expect(await sha256File(destination)).toBe(flatSha());
  });

  it('names a missing datastore file clearly', async () => {
    const error = await failureOf(downloadDatastoreFile({ access, source: { ...flat(), path: `${VM}/no-such-disk.vmdk` }, destination: join(work, 'missing.vmdk') }));
    expect(error.code).toBe('VSPHERE_FILE_NOT_FOUND');
    expect(error.message).toContain(`[LocalDS_0] ${VM}/no-such-disk.vmdk`);
    expect(existsSync(join(work, 'missing.vmdk'))).toBe(false);
  });
});
