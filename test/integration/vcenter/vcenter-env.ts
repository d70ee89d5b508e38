import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ConnectionInfo, MigrateOptions, MigrateResult } from '../../../shared/contract/api/vcenter';
import type { JobEvent } from '../../../shared/contract/events';
import type { RpcClient } from '../../../shared/rpc/client';
import { connectInProcess } from '../../../electron/engine/connect';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { connectVsphere } from '../../../electron/engine/vsphere/connect';
import { sessionFileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { uploadDatastoreFile } from '../../support/vcsim/upload';
import type { FileAccess } from '../../../electron/engine/vsphere/datastore-download';
import type { VsphereSession } from '../../../electron/engine/vsphere/session';
import type { VmdkSamples } from '../../fixtures';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim, VcsimOptions } from '../../support/vcsim/harness';

/**
 * What the vCenter integration tests share: a real simulator, an engine in this process with a
 * home and jobs folder of its own, an admin session for setting the stage (uploading real VMDKs
 * into VM folders, powering VMs off, ending sessions), and small helpers around jobs.
 */

export interface VcenterEnv {
  vcsim: Vcsim;
  work: string;
  engine: Engine;
  client: RpcClient;
  admin: VsphereSession;
  access: FileAccess;
  events: JobEvent[];
  /** Logs the engine in (fingerprint confirmed); `server` defaults to the simulator itself. */
  login(server?: string): Promise<ConnectionInfo>;
  stop(): Promise<void>;
}

export async function startVcenterEnv(options: VcsimOptions = {}): Promise<VcenterEnv> {
  const vcsim = await startVcsim(options);
  const work = mkdtempSync(join(tmpdir(), 'h2k-vcenter-'));
  const engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home'), defaultOutDir: join(work, 'default-out') });
  const client = connectInProcess(engine);
  const events: JobEvent[] = [];
  client.onJobEvent((e) => events.push(e));
  const { session: admin } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 });
  return {
    vcsim,
    work,
    engine,
    client,
    admin,
    access: sessionFileAccess(admin),
    events,
    login: (server = `${vcsim.host}:${vcsim.port}`) => client.call('vcenter.login', { server, user: vcsim.user, password: vcsim.password, trust: { kind: 'fingerprint', sha256: vcsim.sha256 } }),
    async stop() {
      client.close();
      await engine.shutdown();
      await admin.close();
      await vcsim.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export type SampleName = keyof Omit<VmdkSamples, 'raw' | 'virtualSize' | 'snapshotChain'> | 'snapshotChain';

/**
 * Puts a fixture VMDK into a VM's folder so that the VM's disk (disk1.vmdk) is that VMDK: the
 * top file becomes disk1.vmdk (or `diskName`), its extents disk1-*.vmdk (the text descriptor is edited to
 * match); a snapshot chain's parent keeps its name, which the delta's hint uses.
 */
export async function putSample(access: FileAccess, samples: VmdkSamples, sample: SampleName, vmFolder: string, scratch: string, diskName = 'disk1'): Promise<{ expectedRaw: string }> {
  const top = sample === 'snapshotChain' ? samples.snapshotChain.top : samples[sample];
  const folder = dirname(top);
  mkdirSync(scratch, { recursive: true });
  for (const name of readdirSync(folder)) {
    const target = name === basename(top) ? `${diskName}.vmdk` : name.startsWith('disk') ? name.replace(/^disk/, diskName) : name;
    let source = join(folder, name);
    if (isTextDescriptor(source)) {
      source = join(scratch, `${sample}-${diskName}-${name}`);
      writeFileSync(source, readFileSync(join(folder, name), 'utf8').replace(/"disk-/g, `"${diskName}-`));
    }
    await uploadDatastoreFile({ access, source, target: { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: `${vmFolder}/${target}` } });
  }
  return { expectedRaw: sample === 'snapshotChain' ? samples.snapshotChain.expectedRaw : samples.raw };
}

function isTextDescriptor(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(21);
    readSync(fd, head, 0, head.length, 0);
    return head.toString('latin1') === '# Disk DescriptorFile';
  } finally {
    closeSync(fd);
  }
}

export async function vmIdByName(client: RpcClient, connectionId: string, name: string): Promise<string> {
  return (await client.call('vcenter.vm', { connectionId, name })).vm.id;
}

/** Starts a migration and waits for its end; returns the terminal event and the job's events. */
export async function migrate(env: VcenterEnv, connectionId: string, vmId: string, options: MigrateOptions, during?: (event: JobEvent, jobId: string) => void): Promise<{ end: JobEvent; events: JobEvent[]; jobId: string; result?: MigrateResult }> {
  let jobId = '';
  const seen: JobEvent[] = [];
  const stop = env.client.onJobEvent((e) => {
    if (jobId && e.jobId !== jobId) return;
    seen.push(e);
    if (jobId) during?.(e, jobId);
  });
  try {
    jobId = (await env.client.call('migrate.start', { connectionId, vmId, options })).jobId;
    await env.engine.jobs.wait(jobId);
    // Events travel through the in-memory channel: let the last ones arrive.
    for (let i = 0; i < 100 && !seen.some((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled')); i++) await new Promise((r) => setTimeout(r, 10));
    const events = seen.filter((e) => e.jobId === jobId);
    const end = events.at(-1)!;
    return { end, events, jobId, ...(end.type === 'done' ? { result: end.result as MigrateResult } : {}) };
  } finally {
    stop();
  }
}

/** qemu-img compare: exit 0 = identical. */
export async function sameImage(a: string, b: string): Promise<boolean> {
  const run = await runCommand('/usr/bin/qemu-img', ['compare', '-q', a, b], { okExitCodes: [0, 1] });
  return run.exitCode === 0;
}

/** Every file under a folder, relative, sorted (hidden ones included). */
export function filesUnder(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).sort();
  } catch {
    return [];
  }
}
