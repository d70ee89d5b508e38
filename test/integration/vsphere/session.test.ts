import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectVsphere } from '../../../electron/engine/vsphere/connect';
import { listVms } from '../../../electron/engine/vsphere/inventory';
import { probeRestSession } from '../../../electron/engine/vsphere/rest-session';
import { VsphereSession } from '../../../electron/engine/vsphere/session';
import { TrustStore, createTrustedAgent } from '../../../electron/engine/vsphere/tls-trust';
import { createSnapshot, powerOffVm, powerState, removeSnapshot, shutdownGuest, vmRef } from '../../../electron/engine/vsphere/vm-operations';
import { startNetProxy } from '../../support/net-proxy';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim } from '../../support/vcsim/harness';
import { failureOf } from '../../support/failures';

describe('vSphere session against the real simulator (govmomi vcsim)', () => {
  let vcsim: Vcsim;
  let configDir: string;
  const opened: VsphereSession[] = [];

  beforeAll(async () => {
    vcsim = await startVcsim();
    configDir = mkdtempSync(join(tmpdir(), 'h2k-vsphere-trust-'));
  });

  afterAll(async () => {
    for (const session of opened) await session.close();
    await vcsim?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  const connect = async (overrides: Partial<Parameters<typeof connectVsphere>[0]> = {}): Promise<VsphereSession> => {
    const { session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, store: new TrustStore(configDir), ...overrides });
    opened.push(session);
    return session;
  };

  it('refuses an unknown certificate and hands back its fingerprints for the prompt', async () => {
    const error = await failureOf(connect());
    expect(error.code).toBe('VSPHERE_CERT_UNKNOWN');
    expect(error.kind).toBe('bad-input');
    expect(error.evidence?.details?.sha256).toBe(vcsim.sha256);
    expect(error.evidence?.details?.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(error.evidence?.details?.subject).toBe('CN=vcsim-a');
    expect(error.evidence?.details?.selfSigned).toBe(true);
    expect(error.message).toContain(vcsim.sha256);
  });

  it('connects once the user confirms the fingerprint, and remembers it', async () => {
    const session = await connect({ acceptSha256: vcsim.sha256.replace(/:/g, '').toLowerCase() });
    expect(session.serviceContent.about.apiType).toBe('VirtualCenter');
    const stored = JSON.parse(readFileSync(join(configDir, 'vsphere-trusted-certificates.json'), 'utf8')) as { servers: Record<string, { sha256: string }> };
    expect(stored.servers[`127.0.0.1:${vcsim.port}`]?.sha256).toBe(vcsim.sha256);
    // Next time the store alone is enough.
    const again = await connect();
    expect(await again.sessionIsActive()).toBe(true);
  });

  it('reports a wrong password as a login failure without leaking the credentials', async () => {
    const error = await failureOf(connect({ password: 'not-the-password' }));
    expect(error.code).toBe('VSPHERE_LOGIN_FAILED');
    expect(error.kind).toBe('bad-input');
    const everything = JSON.stringify(error);
    expect(everything).not.toContain('not-the-password');
    expect(everything).not.toContain(vcsim.user);
  });

  it('logs in again once when the session is terminated behind its back, and the call succeeds', async () => {
    const victim = await connect();
    const admin = await connect();
    const key = victim.sessionKey;
    expect(key).toBeTruthy();
    await admin.terminateSessions([key!]);
    expect(await victim.sessionIsActive()).toBe(false);
    const vms = await listVms(victim);
    expect(vms.length).toBe(vcsim.inventory.vms);
    expect(victim.sessionKey).not.toBe(key);
    expect(await victim.sessionIsActive()).toBe(true);
  });

  it('runs tasks: snapshot create/remove, power off, guest shutdown, and reports failures with their fault', async () => {
    const session = await connect();
    const [vm] = (await listVms(session)).filter((v) => v.powerState === 'poweredOn');
    expect(vm).toBeDefined();
    const ref = vmRef(vm!.id);
    const snapshot = await createSnapshot(session, ref, { name: 'before <migration> & copy' });
    expect(snapshot.type).toBe('VirtualMachineSnapshot');
    const withSnapshot = (await listVms(session)).find((v) => v.id === vm!.id);
    expect(withSnapshot?.snapshots.map((s) => s.name)).toEqual(['before <migration> & copy']);
    expect(withSnapshot?.currentSnapshot).toBe(snapshot.value);
    await removeSnapshot(session, snapshot);
    expect((await listVms(session)).find((v) => v.id === vm!.id)?.snapshots).toEqual([]);

    await powerOffVm(session, ref);
    expect(await powerState(session, ref)).toBe('poweredOff');
    const error = await failureOf(powerOffVm(session, ref));
    expect(error.code).toBe('VSPHERE_TASK_FAILED');
    expect(error.evidence?.details?.faultType).toBe('InvalidPowerState');

    const other = (await listVms(session)).find((v) => v.powerState === 'poweredOn' && v.id !== vm!.id);
    await shutdownGuest(session, vmRef(other!.id), { pollMs: 50, timeoutMs: 10_000 });
    expect(await powerState(session, vmRef(other!.id))).toBe('poweredOff');
    const again = await failureOf(shutdownGuest(session, vmRef(other!.id)));
    expect(again.code).toBe('VSPHERE_FAULT');
    expect(again.evidence?.details?.faultType).toBe('InvalidPowerState');
  });

  it('probes the REST API session endpoint (vcsim serves only the /rest flavour)', async () => {
    const session = await connect();
    const result = await probeRestSession({ origin: session.origin, server: session.server, dispatcher: session.dispatcher, user: vcsim.user, password: vcsim.password });
    expect(result.flavour).toBe('rest');
  });
});

describe('vSphere certificate trust across restarts and CA files', () => {
  let configDir: string;
  const servers: Vcsim[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(configDir, { recursive: true, force: true });
  });
  beforeAll(() => {
    configDir = mkdtempSync(join(tmpdir(), 'h2k-vsphere-trust-'));
  });

  it('refuses loudly when the same host:port comes back with another certificate, on new and on open connections', async () => {
    const first = await startVcsim({ certificate: 'a' });
    servers.push(first);
    const store = new TrustStore(configDir);
    const { session } = await connectVsphere({ host: first.host, port: first.port, user: first.user, password: first.password, store, acceptSha256: first.sha256 });
    await first.stop();

    const second = await startVcsim({ certificate: 'b', port: first.port });
    servers.push(second);
    expect(second.sha256).not.toBe(first.sha256);

    const fresh = await failureOf(connectVsphere({ host: second.host, port: second.port, user: second.user, password: second.password, store }));
    expect(fresh.code).toBe('VSPHERE_CERT_CHANGED');
    expect(fresh.evidence?.details?.trustedSha256).toBe(first.sha256);
    expect(fresh.evidence?.details?.presentedSha256).toBe(second.sha256);
    expect(fresh.message).toContain(first.sha256);
    expect(fresh.message).toContain(second.sha256);

    // The session opened before the swap reconnects through its pinned agent: refused too.
    const open = await failureOf(session.call('RetrieveServiceContent', { type: 'ServiceInstance', value: 'ServiceInstance' }));
    expect(open.code).toBe('VSPHERE_CERT_CHANGED');
    await session.dispatcher.close();

    // Once the user confirms the new fingerprint, it replaces the old one.
    const retrusted = await connectVsphere({ host: second.host, port: second.port, user: second.user, password: second.password, store, acceptSha256: second.sha256 });
    expect(store.get(second.host, second.port)?.sha256).toBe(second.sha256);
    await retrusted.session.close();
    const wrongConfirmation = await failureOf(connectVsphere({ host: second.host, port: second.port, user: second.user, password: second.password, store, acceptSha256: first.sha256 }));
    expect(wrongConfirmation.code).toBe('VSPHERE_CERT_CHANGED');
    expect(store.get(second.host, second.port)?.sha256).toBe(second.sha256);
  });

  it('verifies against a CA file (chain and host name), and fails clearly with the wrong CA', async () => {
    const server = await startVcsim({ certificate: 'ca-signed' });
    servers.push(server);
    const { session } = await connectVsphere({ host: server.host, port: server.port, user: server.user, password: server.password, caFile: server.certificateFiles.caCert });
    expect(session.serviceContent.about.apiType).toBe('VirtualCenter');
    await session.close();

    const wrongCa = await failureOf(connectVsphere({ host: server.host, port: server.port, user: server.user, password: server.password, caFile: servers[0]!.certificateFiles.cert }));
    expect(wrongCa.code).toBe('VSPHERE_TLS_FAILED');
  });

  it('says the server is unreachable when it stops in the middle of a session', async () => {
    const server = await startVcsim();
    servers.push(server);
    const { session } = await connectVsphere({ host: server.host, port: server.port, user: server.user, password: server.password, store: new TrustStore(configDir), acceptSha256: server.sha256 });
    expect((await listVms(session)).length).toBe(server.inventory.vms);
    await server.stop();
    const error = await failureOf(listVms(session));
    expect(error.code).toBe('VSPHERE_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    await session.dispatcher.close();
  });

  it('says the server is too slow when it does not answer in time', async () => {
    const server = await startVcsim();
    servers.push(server);
    // 200 bytes/s: the TLS handshake alone (a 2048-bit certificate) takes seconds.
    const proxy = await startNetProxy({ targetHost: server.host, targetPort: server.port, bytesPerSecond: 200 });
    try {
      const agent = createTrustedAgent({ kind: 'pinned', sha256: server.sha256 }, { connectTimeoutMs: 1_000 });
      const error = await failureOf(VsphereSession.open({ host: '127.0.0.1', port: proxy.port, user: server.user, password: server.password, dispatcher: agent }));
      expect(error.code).toBe('VSPHERE_TIMEOUT');
      expect(error.message).toContain(`127.0.0.1:${proxy.port}`);
      await agent.close();
    } finally {
      await proxy.stop();
    }
  });

  it('never sends a request to an unpinned server: a pinned agent with the wrong fingerprint fails before login', async () => {
    const server = await startVcsim();
    servers.push(server);
    const agent = createTrustedAgent({ kind: 'pinned', sha256: '00'.repeat(32) });
    const error = await failureOf(VsphereSession.open({ host: server.host, port: server.port, user: server.user, password: server.password, dispatcher: agent }));
    expect(error.code).toBe('VSPHERE_CERT_CHANGED');
    await agent.close();
  });
});
