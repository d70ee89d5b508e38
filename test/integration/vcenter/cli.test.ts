import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli';
import { startNetProxy } from '../../support/net-proxy';
import type { NetProxy } from '../../support/net-proxy';
import { processesMatching, waitUntil } from '../../support/processes';
import { makeFlatVmdk, putVmdk } from '../../support/vcsim/vmdk';
import type { LocalVmdk } from '../../support/vcsim/vmdk';
import { filesUnder, sameImage, startVcenterEnv, vmIdByName } from './vcenter-env';
import type { VcenterEnv } from './vcenter-env';

// `npx hyper2kvm vcenter …` and `npx hyper2kvm migrate …` as scripts run them: the real bundled
// CLI in a child process, JSON-lines output, exit codes, and a crash in the middle of a migration.

describe('the vCenter commands of the CLI', () => {
  let env: VcenterEnv;
  let disk: LocalVmdk;
  let proxy: NetProxy | undefined;
  let home: string;
  let passwordFile: string;
  let server: string;

  const run = (args: string[], options: Parameters<typeof runCliProcess>[1] = {}) =>
    runCliProcess(args, { ...options, env: { HYPER2KVM_HOME: home, HYPER2KVM_VCENTER_PASSWORD: '', ...options.env } });
  const login = (): string[] => ['--server', server, '--user', env.vcsim.user, '--password-file', passwordFile];

  beforeAll(async () => {
    env = await startVcenterEnv({ vmsPerPool: 2 });
    home = join(env.work, 'cli-home');
    server = env.vcsim.url;
    passwordFile = join(env.work, 'password');
    writeFileSync(passwordFile, `${env.vcsim.password}\n`, { mode: 0o600 });
    mkdirSync(join(env.work, 'source'));
    disk = await makeFlatVmdk(join(env.work, 'source'), 'disk1', 192);
    await putVmdk(env.access, disk, { datacenterPath: 'DC0', datastore: 'LocalDS_0', vmFolder: 'DC0_H0_VM0' });
    const { connectionId } = await env.login();
    await env.client.call('vcenter.powerOff', { connectionId, vmId: await vmIdByName(env.client, connectionId, 'DC0_H0_VM0'), confirmed: true });
  });

  afterAll(async () => {
    await proxy?.stop();
    await env?.stop();
  });

  it('refuses an unknown certificate with exit 2, printing its fingerprints', async () => {
    const human = await run(['vcenter', 'vms', ...login()]);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('is not trusted yet');
    expect(human.stderr).toContain(`SHA-256:  ${env.vcsim.sha256}`);
    expect(human.stderr).toMatch(/SHA-1: {4}([0-9A-F]{2}:){19}[0-9A-F]{2}/);
    expect(human.stderr).toContain(`--thumbprint ${env.vcsim.sha256}`);
    const json = await run(['vcenter', 'vms', ...login(), '--json']);
    expect(json.code).toBe(2);
    expect(json.result).toMatchObject({ type: 'result', ok: false, error: { code: 'VSPHERE_CERT_UNKNOWN', evidence: { details: { sha256: env.vcsim.sha256 } } } });
  });

  it('lists the VMs as JSON with what scripts need, and remembers the trusted certificate', async () => {
    const first = await run(['vcenter', 'vms', ...login(), '--thumbprint', env.vcsim.sha256.replace(/:/g, ''), '--json']);
    expect(first.code).toBe(0);
    expect(first.lines).toHaveLength(1);
    const vms = first.result.vms as Array<Record<string, unknown>>;
    expect(first.result).toMatchObject({ type: 'result', ok: true });
    expect(vms).toHaveLength(env.vcsim.inventory.vms);
    for (const vm of vms as Array<{ name: string; id: string; powerState: string; disks: Array<{ fileName: string; capacityBytes: number }>; nics: Array<{ mac: string; network: string }> }>) {
      expect(vm).toMatchObject({ cpus: 1, memoryMiB: 32, firmware: 'bios', guestId: 'otherGuest' });
      expect(vm.id).toMatch(/^vm-\d+$/);
      expect(['poweredOn', 'poweredOff']).toContain(vm.powerState);
      expect(vm.disks).toHaveLength(1);
      expect(vm.disks[0]!.fileName).toBe(`[LocalDS_0] ${vm.name}/disk1.vmdk`);
      expect(vm.disks[0]!.capacityBytes).toBeGreaterThan(0);
      expect(vm.nics).toHaveLength(1);
      expect(vm.nics[0]!.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(vm.nics[0]!.network).toBe('DC0_DVPG0');
    }
    // Trusted once: no flag needed any more; the human table names every VM.
    const again = await run(['vcenter', 'vms', ...login()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('DC0_H0_VM0');
    expect(again.stdout).toContain(`${env.vcsim.inventory.vms} VM(s)`);
  });

  it('takes the password from the environment, and never prints a wrong one', async () => {
    const viaEnv = await run(['vcenter', 'vms', '--server', server, '--user', env.vcsim.user, '--json'], { env: { HYPER2KVM_VCENTER_PASSWORD: env.vcsim.password } });
    expect(viaEnv.code).toBe(0);
    const wrongFile = join(env.work, 'wrong-password');
    writeFileSync(wrongFile, 'Wr0ng-Pa55word!\n');
    const wrong = await run(['vcenter', 'vms', '--server', server, '--user', env.vcsim.user, '--password-file', wrongFile, '--json']);
    expect(wrong.code).toBe(2);
    expect(wrong.result.error).toMatchObject({ code: 'VSPHERE_LOGIN_FAILED' });
    expect(wrong.stdout + wrong.stderr).not.toContain('Wr0ng-Pa55word!');
    const none = await run(['vcenter', 'vms', '--server', server, '--user', env.vcsim.user]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('HYPER2KVM_VCENTER_PASSWORD');
  });

  it('shows one VM with its pre-flight', async () => {
    const out = join(env.work, 'show-out');
    const shown = await run(['vcenter', 'show', 'DC0_H0_VM0', ...login(), '--out', out, '--json']);
    expect(shown.code).toBe(0);
    expect(shown.result).toMatchObject({ ok: true, vm: { name: 'DC0_H0_VM0', powerState: 'poweredOff' }, metadata: { origin: 'vcenter' }, preflight: { canMigrate: true, vm: { name: 'DC0_H0_VM0' } } });
    const running = await run(['vcenter', 'show', 'DC0_H0_VM1', ...login()]);
    expect(running.code).toBe(0);
    expect(running.stdout).toContain('BLOCKER');
    expect(running.stdout).toContain('The VM is running');
  });

  it('refuses to migrate a running VM (exit 2) and powers a VM off only with --yes', async () => {
    const out = join(env.work, 'blocked');
    mkdirSync(out);
    const blocked = await run(['migrate', ...login(), '--vm', 'DC0_H0_VM1', '--out', out, '--json']);
    expect(blocked.code).toBe(2);
    expect(blocked.result.error).toMatchObject({ code: 'VCENTER_PREFLIGHT_BLOCKED' });
    expect(filesUnder(out)).toEqual([]);
    expect((await run(['vcenter', 'power-off', 'DC0_H0_VM1', ...login()])).code).toBe(2);
    const off = await run(['vcenter', 'power-off', 'DC0_H0_VM1', '--yes', ...login(), '--json']);
    expect(off.result).toMatchObject({ ok: true, name: 'DC0_H0_VM1', powerState: 'poweredOff' });
  });

  it('resumes after the CLI was killed in the middle of a migration', async () => {
    proxy = await startNetProxy({ targetHost: env.vcsim.host, targetPort: env.vcsim.port, bytesPerSecond: 25e6 });
    const out = join(env.work, 'crash');
    mkdirSync(out);
    // The proxy is another address for the same server: trust it first.
    const viaProxy = ['--server', `127.0.0.1:${proxy.port}`, '--user', env.vcsim.user, '--password-file', passwordFile, '--thumbprint', env.vcsim.sha256];
    let killedAt = 0;
    const crashed = await run(['migrate', ...viaProxy, '--vm', 'DC0_H0_VM0', '--out', out, '--json'], {
      onLine: (line, child) => {
        const progress = line.progress as { fraction?: number } | undefined;
        if (killedAt === 0 && line.type === 'progress' && line.stage === 'transfer' && (progress?.fraction ?? 0) > 0.3) {
          killedAt = progress!.fraction!;
          child.kill('SIGKILL');
        }
      },
    });
    expect(killedAt).toBeGreaterThan(0.3);
    expect(crashed.code).not.toBe(0);
    // The orphaned converter loses its source and exits on its own.
    expect(await waitUntil(() => processesMatching(out).length === 0, 30_000)).toBe(true);
    expect(filesUnder(out).some((f) => f.endsWith('disk1-flat.vmdk.part'))).toBe(true);

    const resumed = await run(['migrate', ...login(), '--vm', 'DC0_H0_VM0', '--out', out, '--json']);
    if (resumed.code !== 0) throw new Error(resumed.stdout.split('\n').filter(Boolean).at(-1));
    const transfer = resumed.result.transfer as { resumedBytes: number; bytes: number };
    expect(transfer.resumedBytes).toBeGreaterThan(0.2 * transfer.bytes);
    expect(transfer.resumedBytes).toBeLessThan(transfer.bytes);
    const outputs = resumed.result.outputs as Array<{ path: string }>;
    expect(await sameImage(outputs[0]!.path, disk.raw)).toBe(true);
    // The killed run's partial output had no one to remove it; the finished run left only its own.
    expect(filesUnder(out).filter((f) => !f.startsWith('.DC0_H0_VM0.qcow2.part-'))).toEqual(['DC0_H0_VM0.qcow2']);
  });
});
