import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import type { RemoteError, RpcClient } from '../../../shared/rpc/client';
import { connectVsphere } from '../../../electron/engine/vsphere/connect';
import { sessionFileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { powerOffVm, vmRef } from '../../../electron/engine/vsphere/vm-operations';
import { vmdkSamples } from '../../fixtures';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim } from '../../support/vcsim/harness';
import { putSample } from './vcenter-env';

/**
 * The contract cases of the vcenter.* and migrate.* calls, merged into
 * test/integration/contract/contract.test.ts (which runs every call over the in-memory channel
 * and over the WebSocket bridge). Each case runs once per transport against one shared
 * simulator, so each leaves the simulator as it found it or tolerates a second run.
 */

interface VcenterCtx {
  events: JobEvent[];
}
type VcenterCase = (client: RpcClient, ctx: VcenterCtx) => Promise<void>;
type VcenterMethod = Extract<MethodName, `vcenter.${string}` | `migrate.${string}`>;

let vcsim: Vcsim | undefined;
let work = '';
// The VMs the cases use: one to migrate (off, with a real disk), one to power off, one to shut
// down, one left running for the pre-flight.
const MIGRATE = 'DC0_H0_VM0';
const POWER_OFF = 'DC0_H0_VM1';
const SHUTDOWN = 'DC0_C0_RP0_VM0';
const RUNNING = 'DC0_C0_RP0_VM1';

export async function setUpVcenter(): Promise<void> {
  vcsim = await startVcsim();
  work = mkdtempSync(join(tmpdir(), 'h2k-contract-vcenter-'));
  const { session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 });
  try {
    await putSample(sessionFileAccess(session), await vmdkSamples(), 'streamOptimized', MIGRATE, join(work, 'upload'));
    const { listVms } = await import('../../../electron/engine/vsphere/inventory');
    const vm = (await listVms(session)).find((v) => v.name === MIGRATE)!;
    await powerOffVm(session, vmRef(vm.id));
  } finally {
    await session.close();
  }
}

export async function tearDownVcenter(): Promise<void> {
  await vcsim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}

function sim(): Vcsim {
  if (!vcsim) throw new Error('setUpVcenter() was not called');
  return vcsim;
}

async function login(client: RpcClient): Promise<string> {
  const s = sim();
  return (await client.call('vcenter.login', { server: s.url, user: s.user, password: s.password, trust: { kind: 'fingerprint', sha256: s.sha256 } })).connectionId;
}

async function withLogin(client: RpcClient, work: (connectionId: string) => Promise<void>): Promise<void> {
  const connectionId = await login(client);
  try {
    await work(connectionId);
  } finally {
    await client.call('vcenter.logout', { connectionId });
  }
}

async function vmId(client: RpcClient, connectionId: string, name: string): Promise<string> {
  return (await client.call('vcenter.vm', { connectionId, name })).vm.id;
}

async function waitForEnd(events: JobEvent[], jobId: string): Promise<JobEvent> {
  for (let i = 0; i < 1200; i++) {
    const end = events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

const code = (error: unknown): string => (error as RemoteError).value.code;

export const vcenterCases: Record<VcenterMethod, VcenterCase> = {
  'vcenter.probeCertificate': async (client) => {
    const probe = await client.call('vcenter.probeCertificate', { server: `localhost:${sim().port}` });
    expect(probe.certificate).toMatchObject({ sha256: sim().sha256, subject: 'CN=vcsim-a', selfSigned: true });
    expect(['unknown', 'trusted']).toContain(probe.status);
  },
  'vcenter.trust': async (client) => {
    const server = `localhost:${sim().port}`;
    expect((await client.call('vcenter.trust', { server, sha256: sim().sha256 })).sha256).toBe(sim().sha256);
    expect((await client.call('vcenter.probeCertificate', { server })).status).toBe('trusted');
    const wrong = await client.call('vcenter.trust', { server, sha256: 'AB'.repeat(32) }).catch((e: unknown) => e);
    expect(code(wrong)).toBe('VSPHERE_CERT_CHANGED');
  },
  'vcenter.forgetTrust': async (client) => {
    const server = `127.0.0.1:${sim().port}`;
    await client.call('vcenter.trust', { server: `${server}`, sha256: sim().sha256 });
    expect(await client.call('vcenter.forgetTrust', { server })).toEqual({ forgotten: true });
    expect((await client.call('vcenter.probeCertificate', { server })).status).toBe('unknown');
  },
  'vcenter.login': async (client) => {
    const s = sim();
    const info = await client.call('vcenter.login', { server: s.url, user: s.user, password: s.password, trust: { kind: 'fingerprint', sha256: s.sha256 } });
    expect(info).toMatchObject({ server: { host: '127.0.0.1', port: s.port }, user: s.user, about: { apiType: 'VirtualCenter' }, trust: { kind: 'pinned', sha256: s.sha256 }, passwordRemembered: false });
    expect(JSON.stringify(info)).not.toContain(s.password);
    await client.call('vcenter.logout', { connectionId: info.connectionId });
    const wrong = await client.call('vcenter.login', { server: s.url, user: s.user, password: 'wrong', trust: { kind: 'fingerprint', sha256: s.sha256 } }).catch((e: unknown) => e);
    expect(code(wrong)).toBe('VSPHERE_LOGIN_FAILED');
  },
  'vcenter.logout': async (client) => {
    const connectionId = await login(client);
    expect(await client.call('vcenter.logout', { connectionId })).toEqual({ loggedOut: true });
    expect(await client.call('vcenter.logout', { connectionId })).toEqual({ loggedOut: false });
    const gone = await client.call('vcenter.inventory', { connectionId }).catch((e: unknown) => e);
    expect(code(gone)).toBe('VCENTER_NOT_CONNECTED');
  },
  'vcenter.connections': async (client) =>
    withLogin(client, async (connectionId) => {
      expect((await client.call('vcenter.connections', {})).map((c) => c.connectionId)).toContain(connectionId);
    }),
  'vcenter.savedLogins': async (client) => {
    // No keyring outside the desktop app: nothing is ever remembered.
    expect(await client.call('vcenter.savedLogins', {})).toEqual({ available: false, logins: [] });
  },
  'vcenter.forgetPassword': async (client) => {
    expect(await client.call('vcenter.forgetPassword', { server: sim().url, user: sim().user })).toEqual({ forgotten: false });
  },
  'vcenter.inventory': async (client) =>
    withLogin(client, async (connectionId) => {
      const inventory = await client.call('vcenter.inventory', { connectionId });
      expect(inventory.vms).toHaveLength(sim().inventory.vms);
      expect(inventory.tree.type).toBe('root');
      expect(inventory.facets.datastores).toEqual([{ value: 'LocalDS_0', count: sim().inventory.vms }]);
    }),
  'vcenter.vms': async (client) =>
    withLogin(client, async (connectionId) => {
      const { vms } = await client.call('vcenter.vms', { connectionId });
      expect(vms).toHaveLength(sim().inventory.vms);
      expect(vms[0]!.disks[0]!.fileName).toMatch(/^\[LocalDS_0\] /);
    }),
  'vcenter.vm': async (client) =>
    withLogin(client, async (connectionId) => {
      const { vm, metadata } = await client.call('vcenter.vm', { connectionId, name: MIGRATE });
      expect(vm).toMatchObject({ name: MIGRATE, datacenterPath: 'DC0', powerState: 'poweredOff' });
      expect(metadata).toMatchObject({ origin: 'vcenter', name: MIGRATE, vcpus: 1 });
      expect(code(await client.call('vcenter.vm', { connectionId, vmId: 'vm-999999' }).catch((e: unknown) => e))).toBe('VSPHERE_NOT_FOUND');
    }),
  'vcenter.preflight': async (client) =>
    withLogin(client, async (connectionId) => {
      const report = await client.call('vcenter.preflight', { connectionId, vmId: await vmId(client, connectionId, RUNNING), outDir: work });
      expect(report.canMigrate).toBe(false);
      expect(report.items[0]).toMatchObject({ id: 'powered-on', severity: 'blocker', actions: [expect.objectContaining({ id: 'power-off', call: 'vcenter.powerOff' })] });
      // The simulator answers the privilege check (granting everything): checked, nothing lacking.
      expect(report.items.map((i) => i.id)).not.toContain('privileges-unchecked');
      expect(report.items.map((i) => i.id)).not.toContain('download-privileges');
    }),
  'vcenter.powerOff': async (client) =>
    withLogin(client, async (connectionId) => {
      expect(await client.call('vcenter.powerOff', { connectionId, vmId: await vmId(client, connectionId, POWER_OFF), confirmed: true })).toEqual({ powerState: 'poweredOff' });
    }),
  'vcenter.shutdownGuest': async (client) =>
    withLogin(client, async (connectionId) => {
      expect(await client.call('vcenter.shutdownGuest', { connectionId, vmId: await vmId(client, connectionId, SHUTDOWN), confirmed: true, timeoutSeconds: 60 })).toEqual({ powerState: 'poweredOff' });
    }),
  'migrate.start': async (client, { events }) =>
    withLogin(client, async (connectionId) => {
      const outDir = join(work, `migrate-${Date.now()}`);
      mkdirSync(outDir);
      const { jobId } = await client.call('migrate.start', { connectionId, vmId: await vmId(client, connectionId, MIGRATE), options: { outDir } });
      const end = await waitForEnd(events, jobId);
      expect(end).toMatchObject({ type: 'done', result: { outputs: [{ path: join(outDir, `${MIGRATE}.qcow2`), checked: true }], vm: { origin: 'vcenter' } } });
    }),
  'migrate.discardDownloads': async (client) => {
    const refused = await client.call('migrate.discardDownloads', { stagingDir: work }).catch((e: unknown) => e);
    expect(code(refused)).toBe('VCENTER_STAGING_INVALID');
    expect(await client.call('migrate.discardDownloads', { stagingDir: join(work, '.hyper2kvm-download-none-000000000000') })).toEqual({ removed: false, bytes: 0 });
  },
};
