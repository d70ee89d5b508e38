import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/contract/events';
import type { RemoteError } from '../../../shared/rpc/client';
import { retrieveOne } from '../../../electron/engine/vsphere/property-collector';
import { arrayItems, textOf } from '../../../electron/engine/vsphere/xml';
import { startNetProxy } from '../../support/net-proxy';
import type { NetProxy } from '../../support/net-proxy';
import { processesMatching } from '../../support/processes';
import { startVcsim } from '../../support/vcsim/harness';
import { makeFlatVmdk, putVmdk } from '../../support/vcsim/vmdk';
import type { LocalVmdk } from '../../support/vcsim/vmdk';
import { filesUnder, migrate, sameImage, startVcenterEnv, vmIdByName } from './vcenter-env';
import type { VcenterEnv } from './vcenter-env';

// Everything that goes wrong in the field, against the real simulator: credentials, certificates,
// a server that is not there or goes away, a session ended behind our back, a connection cut in
// the middle of a download, a cancel, and a second migration resuming the first one's bytes.

const DISK_MIB = 256;
const MB = 1e6;

async function failure(promise: Promise<unknown>): Promise<RemoteError['value']> {
  try {
    await promise;
  } catch (error) {
    if ((error as RemoteError).value) return (error as RemoteError).value;
    throw error;
  }
  throw new Error('expected a failure, but it succeeded');
}

function transferFraction(event: JobEvent): number {
  return event.type === 'progress' && event.stage === 'transfer' ? event.progress.fraction : 0;
}

describe('vCenter faults against the real simulator', () => {
  let env: VcenterEnv;
  let disk: LocalVmdk;
  const proxies: NetProxy[] = [];
  const VMS = ['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'];

  beforeAll(async () => {
    env = await startVcenterEnv({ vmsPerPool: 2 });
    const source = join(env.work, 'source');
    mkdirSync(source);
    disk = await makeFlatVmdk(source, 'disk1', DISK_MIB);
    const { connectionId } = await env.login();
    for (const vm of VMS) {
      await putVmdk(env.access, disk, { datacenterPath: 'DC0', datastore: 'LocalDS_0', vmFolder: vm });
      await env.client.call('vcenter.powerOff', { connectionId, vmId: await vmIdByName(env.client, connectionId, vm), confirmed: true });
    }
    await env.client.call('vcenter.logout', { connectionId });
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop().catch(() => undefined);
    await env?.stop();
  });

  const proxy = async (options: { dropAfterBytes?: number; bytesPerSecond?: number }): Promise<NetProxy> => {
    const p = await startNetProxy({ targetHost: env.vcsim.host, targetPort: env.vcsim.port, ...options });
    proxies.push(p);
    return p;
  };
  const outDir = (name: string): string => {
    const dir = join(env.work, 'out', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  describe('logging in', () => {
    it('reports a wrong password as such, without the password anywhere', async () => {
      const error = await failure(env.client.call('vcenter.login', { server: env.vcsim.url, user: env.vcsim.user, password: 'not-the-password-42', trust: { kind: 'fingerprint', sha256: env.vcsim.sha256 } }));
      expect(error).toMatchObject({ code: 'VSPHERE_LOGIN_FAILED', kind: 'bad-input' });
      expect(JSON.stringify(error)).not.toContain('not-the-password-42');
    });

    it('refuses an unknown certificate with everything the trust prompt shows, then trusts it', async () => {
      // The engine's trust store is empty for this address (the env trusted it by fingerprint under host:port).
      const server = `localhost:${env.vcsim.port}`;
      const error = await failure(env.client.call('vcenter.login', { server, user: env.vcsim.user, password: env.vcsim.password }));
      expect(error.code).toBe('VSPHERE_CERT_UNKNOWN');
      expect(error.evidence?.details).toMatchObject({ sha256: env.vcsim.sha256, subject: 'CN=vcsim-a', issuer: 'CN=vcsim-a', selfSigned: true });
      expect(error.evidence?.details?.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(Date.parse(String(error.evidence?.details?.validTo))).toBeGreaterThan(Date.now());
      const probe = await env.client.call('vcenter.probeCertificate', { server });
      expect(probe).toMatchObject({ status: 'unknown', trusted: null, expired: false, server: { host: 'localhost', port: env.vcsim.port } });
      expect(probe.daysLeft).toBeGreaterThan(300);
      await env.client.call('vcenter.trust', { server, sha256: probe.certificate.sha256 });
      expect((await env.client.call('vcenter.probeCertificate', { server })).status).toBe('trusted');
      const info = await env.client.call('vcenter.login', { server, user: env.vcsim.user, password: env.vcsim.password });
      expect(info.trust).toMatchObject({ kind: 'pinned', sha256: env.vcsim.sha256 });
      await env.client.call('vcenter.logout', { connectionId: info.connectionId });
      expect(await env.client.call('vcenter.forgetTrust', { server })).toEqual({ forgotten: true });
    });

    it('stops loudly when the certificate changed since it was trusted', async () => {
      const first = await startVcsim({ certificate: 'a' });
      const server = `127.0.0.1:${first.port}`;
      await env.client.call('vcenter.trust', { server, sha256: first.sha256 });
      const port = first.port;
      await first.stop();
      const second = await startVcsim({ certificate: 'b', port });
      try {
        const probe = await env.client.call('vcenter.probeCertificate', { server });
        expect(probe.status).toBe('changed');
        expect(probe.trusted?.sha256).toBe(first.sha256);
        const error = await failure(env.client.call('vcenter.login', { server, user: second.user, password: second.password }));
        expect(error.code).toBe('VSPHERE_CERT_CHANGED');
        expect(error.message).toContain('CHANGED');
        expect(error.evidence?.details).toMatchObject({ trustedSha256: first.sha256, presentedSha256: second.sha256 });
        // Confirming the old fingerprint again does not help; only the new one would.
        expect((await failure(env.client.call('vcenter.trust', { server, sha256: first.sha256 }))).code).toBe('VSPHERE_CERT_CHANGED');
      } finally {
        await second.stop();
      }
    });

    it('verifies against a CA file when given one', async () => {
      const signed = await startVcsim({ certificate: 'ca-signed' });
      try {
        const info = await env.client.call('vcenter.login', { server: signed.url, user: signed.user, password: signed.password, trust: { kind: 'ca', caFile: signed.certificateFiles.caCert } });
        expect(info.trust).toEqual({ kind: 'ca', caFile: signed.certificateFiles.caCert });
        await env.client.call('vcenter.logout', { connectionId: info.connectionId });
        // Another server's CA does not verify it.
        const wrong = await failure(env.client.call('vcenter.login', { server: signed.url, user: signed.user, password: signed.password, trust: { kind: 'ca', caFile: env.vcsim.certificateFiles.cert } }));
        expect(wrong.code).toBe('VSPHERE_TLS_FAILED');
      } finally {
        await signed.stop();
      }
    });

    it('remembers a password only when asked, sealed in the secret store, and logs in with it later', async () => {
      const { createEngine } = await import('../../../electron/engine/service');
      const { connectInProcess } = await import('../../../electron/engine/connect');
      const { encryptedFileSecretStore } = await import('../../../electron/engine/vcenter/secret-store');
      const flip = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
      const file = join(env.work, 'secrets', 'vcenter-passwords.json');
      const secrets = encryptedFileSecretStore(file, { available: () => true, encrypt: (p) => flip(Buffer.from(p)), decrypt: (b) => flip(b).toString() });
      const engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(env.work, 'jobs-secrets'), appHome: join(env.work, 'home-secrets'), secrets });
      const client = connectInProcess(engine);
      try {
        const trust = { kind: 'fingerprint', sha256: env.vcsim.sha256 } as const;
        const plain = await client.call('vcenter.login', { server: env.vcsim.url, user: env.vcsim.user, password: env.vcsim.password, trust });
        expect(plain.passwordRemembered).toBe(false);
        expect((await client.call('vcenter.savedLogins', {})).logins).toEqual([]);
        const remembered = await client.call('vcenter.login', { server: env.vcsim.url, user: env.vcsim.user, password: env.vcsim.password, trust, rememberPassword: true });
        expect(remembered.passwordRemembered).toBe(true);
        expect(await client.call('vcenter.savedLogins', {})).toEqual({ available: true, logins: [{ server: `127.0.0.1:${env.vcsim.port}`, user: env.vcsim.user }] });
        expect(readFileSync(file, 'utf8')).not.toContain(env.vcsim.password);
        const again = await client.call('vcenter.login', { server: env.vcsim.url, user: env.vcsim.user });
        expect(again.passwordRemembered).toBe(true);
        expect(await client.call('vcenter.forgetPassword', { server: env.vcsim.url, user: env.vcsim.user })).toEqual({ forgotten: true });
        expect((await failure(client.call('vcenter.login', { server: env.vcsim.url, user: env.vcsim.user }))).code).toBe('VCENTER_PASSWORD_MISSING');
      } finally {
        client.close();
        await engine.shutdown();
      }
    });

    it('says when nothing answers', async () => {
      const gone = await proxy({});
      const port = gone.port;
      await gone.stop();
      const error = await failure(env.client.call('vcenter.login', { server: `127.0.0.1:${port}`, user: 'x', password: 'y', trust: { kind: 'fingerprint', sha256: env.vcsim.sha256 } }));
      expect(error.code).toBe('VSPHERE_UNREACHABLE');
      expect(error.message).toContain('refused');
    });
  });

  describe('migrating', () => {
    it('refuses to start while the VM runs, before anything moves', async () => {
      const { connectionId } = await env.login();
      const vmId = await vmIdByName(env.client, connectionId, 'DC0_C0_RP0_VM1');
      await env.admin.call('PowerOnVM_Task', { type: 'VirtualMachine', value: vmId });
      await new Promise((r) => setTimeout(r, 500));
      const dir = outDir('running');
      const { end } = await migrate(env, connectionId, vmId, { outDir: dir });
      expect(end).toMatchObject({ type: 'failed', stage: 'preflight', error: { code: 'VCENTER_PREFLIGHT_BLOCKED', kind: 'bad-input' } });
      expect((end as Extract<JobEvent, { type: 'failed' }>).error.evidence?.details?.blockers).toEqual([expect.objectContaining({ id: 'powered-on' })]);
      expect(filesUnder(dir)).toEqual([]);
      await env.client.call('vcenter.powerOff', { connectionId, vmId, confirmed: true });
    });

    it('resumes with a Range request when the connection drops mid-download; the result is identical', async () => {
      const cut = await proxy({ dropAfterBytes: 90 * 1024 * 1024 });
      const { connectionId } = await env.login(`127.0.0.1:${cut.port}`);
      const dir = outDir('dropped');
      const { end, events, result } = await migrate(env, connectionId, await vmIdByName(env.client, connectionId, 'DC0_H0_VM0'), { outDir: dir });
      if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
      expect(cut.stats.drops).toBe(1);
      const logs = events.filter((e): e is Extract<JobEvent, { type: 'log' }> => e.type === 'log').map((e) => e.message);
      expect(logs.some((m) => m.includes('broke off'))).toBe(true);
      expect(logs.some((m) => m.includes('starting over'))).toBe(false);
      expect(await sameImage(result!.outputs[0]!.path, disk.raw)).toBe(true);
      expect(filesUnder(dir)).toEqual(['DC0_H0_VM0.qcow2']);
    });

    it('logs in again when the server ends the session mid-transfer, and finishes', async () => {
      const slow = await proxy({ bytesPerSecond: 60 * MB });
      const { connectionId } = await env.login(`127.0.0.1:${slow.port}`);
      const dir = outDir('session');
      let ending: Promise<string[]> | null = null;
      const { end, result } = await migrate(env, connectionId, await vmIdByName(env.client, connectionId, 'DC0_H0_VM1'), { outDir: dir }, (event) => {
        if (ending || transferFraction(event) < 0.3) return;
        ending = endOtherSessions(env);
      });
      if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
      // The session the transfer used was really ended mid-way...
      const endedKeys = await (ending as Promise<string[]> | null);
      expect(endedKeys?.length).toBeGreaterThan(0);
      // ...and the job logged in again: a session the simulator did not have before is there now.
      expect((await otherSessionKeys(env)).filter((k) => !endedKeys!.includes(k)).length).toBeGreaterThan(0);
      expect(await sameImage(result!.outputs[0]!.path, disk.raw)).toBe(true);
      // The connection is usable afterwards: calls log in again by themselves.
      expect((await env.client.call('vcenter.vm', { connectionId, name: 'DC0_H0_VM1' })).vm.powerState).toBe('poweredOff');
    });

    it('cancelled mid-transfer: no converter, no partial output; the download is kept, reported, and a second job resumes it', async () => {
      const slow = await proxy({ bytesPerSecond: 40 * MB });
      const { connectionId } = await env.login(`127.0.0.1:${slow.port}`);
      const dir = outDir('cancelled');
      const vmId = await vmIdByName(env.client, connectionId, 'DC0_C0_RP0_VM0');
      let cancelled = false;
      const first = await migrate(env, connectionId, vmId, { outDir: dir }, (event, jobId) => {
        if (cancelled || transferFraction(event) < 0.3) return;
        cancelled = true;
        void env.client.call('jobs.cancel', { jobId });
      });
      expect(first.end.type).toBe('cancelled');
      expect(processesMatching(dir)).toEqual([]);
      const staging = readdirSync(dir);
      expect(staging).toHaveLength(1);
      expect(staging[0]).toMatch(/^\.hyper2kvm-download-DC0_C0_RP0_VM0-/);
      const kept = readdirSync(join(dir, staging[0]!)).sort();
      expect(kept).toEqual(['LocalDS_0__DC0_C0_RP0_VM0__disk1-flat.vmdk.part', 'LocalDS_0__DC0_C0_RP0_VM0__disk1-flat.vmdk.part.json', 'LocalDS_0__DC0_C0_RP0_VM0__disk1.vmdk', 'hyper2kvm-transfer.json']);
      const note = first.events.find((e): e is Extract<JobEvent, { type: 'log' }> => e.type === 'log' && e.message.startsWith('Kept '));
      expect(note?.message).toContain(join(dir, staging[0]!));

      // A fresh engine (the app restarted) resumes from what is on disk.
      const restarted = await startVcenterEnvOnSame(env);
      try {
        const again = await restarted.login();
        const pre = await restarted.client.call('vcenter.preflight', { connectionId: again.connectionId, vmId, outDir: dir });
        expect(pre.items.map((i) => i.id)).toContain('resume');
        expect(pre.estimate.alreadyDownloadedBytes).toBeGreaterThan(0);
        const second = await migrate(restarted, again.connectionId, vmId, { outDir: dir });
        if (second.end.type === 'failed') throw new Error(JSON.stringify(second.end.error));
        const transfer = second.result!.transfer;
        expect(transfer.resumedBytes).toBeGreaterThan(0.25 * DISK_MIB * 1024 * 1024);
        expect(transfer.resumedBytes).toBeLessThan(transfer.bytes);
        expect(await sameImage(second.result!.outputs[0]!.path, disk.raw)).toBe(true);
        expect(filesUnder(dir)).toEqual(['DC0_C0_RP0_VM0.qcow2']);
      } finally {
        await restarted.stopEngine();
      }
    });

    it('fails clearly when the server goes away, keeps the download and leaves no converter behind', async () => {
      const doomed = await proxy({ bytesPerSecond: 40 * MB });
      const { connectionId } = await env.login(`127.0.0.1:${doomed.port}`);
      const dir = outDir('gone');
      let stopped = false;
      const { end } = await migrate(env, connectionId, await vmIdByName(env.client, connectionId, 'DC0_C0_RP0_VM1'), { outDir: dir, retries: 2 }, (event) => {
        if (stopped || transferFraction(event) < 0.2) return;
        stopped = true;
        void doomed.stop();
      });
      expect(end.type).toBe('failed');
      const error = (end as Extract<JobEvent, { type: 'failed' }>).error;
      expect(['VSPHERE_DOWNLOAD_FAILED', 'VSPHERE_UNREACHABLE']).toContain(error.code);
      expect(error.message).not.toContain('qemu-img');
      expect(processesMatching(dir)).toEqual([]);
      const left = filesUnder(dir);
      expect(left.some((f) => f.endsWith('.qcow2') || f.includes('.part-'))).toBe(false);
      expect(left.some((f) => f.endsWith('disk1-flat.vmdk.part'))).toBe(true);
      // What it downloaded can be thrown away through the contract.
      const staging = readdirSync(dir).find((n) => n.startsWith('.hyper2kvm-download-'))!;
      const discarded = await env.client.call('migrate.discardDownloads', { stagingDir: join(dir, staging) });
      expect(discarded.removed).toBe(true);
      expect(discarded.bytes).toBeGreaterThan(0);
      expect(existsSync(join(dir, staging))).toBe(false);
    });
  });
});

/** The keys of the simulator's sessions other than the admin's. */
async function otherSessionKeys(env: VcenterEnv): Promise<string[]> {
  const manager = env.admin.serviceContent.sessionManager;
  const content = await env.admin.withRelogin((raw) => retrieveOne(raw, env.admin.serviceContent.propertyCollector, manager, ['sessionList']));
  return arrayItems(content?.props.get('sessionList'))
    .map((s) => textOf(s, 'key')?.trim())
    .filter((k): k is string => k !== undefined && k !== env.admin.sessionKey);
}

/** Ends every session of the simulator but the admin's (what an administrator or an idle timeout does); returns their keys. */
async function endOtherSessions(env: VcenterEnv): Promise<string[]> {
  const keys = await otherSessionKeys(env);
  if (keys.length > 0) await env.admin.terminateSessions(keys);
  return keys;
}

/** A second engine on the same simulator and folders: what the app is after a restart. */
async function startVcenterEnvOnSame(env: VcenterEnv): Promise<VcenterEnv & { stopEngine(): Promise<void> }> {
  const { createEngine } = await import('../../../electron/engine/service');
  const { connectInProcess } = await import('../../../electron/engine/connect');
  const engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(env.work, 'jobs-2'), appHome: join(env.work, 'home-2') });
  const client = connectInProcess(engine);
  const events: JobEvent[] = [];
  client.onJobEvent((e) => events.push(e));
  const restarted: VcenterEnv = {
    ...env,
    engine,
    client,
    events,
    login: () => client.call('vcenter.login', { server: `${env.vcsim.host}:${env.vcsim.port}`, user: env.vcsim.user, password: env.vcsim.password, trust: { kind: 'fingerprint', sha256: env.vcsim.sha256 } }),
  };
  return {
    ...restarted,
    stopEngine: async () => {
      client.close();
      await engine.shutdown();
    },
  };
}
