import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepairJobResult } from '../../../shared/contract/api/repair';
import type { JobEvent } from '../../../shared/contract/events';
import { ConvertResult } from '../../../shared/contract/models/convert';
import { RepairRecord } from '../../../shared/contract/models/repair';
import type { RpcClient } from '../../../shared/rpc/client';
import { connectInProcess } from '../../../electron/engine/connect';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { bootToLogin, debianGuest, DEBIAN_ROOT_PASSWORD } from '../../fixtures/index';
import { repairGuest, REPAIR_VARIANTS } from '../../fixtures/debian/repair-variants';
import type { RepairVariant } from '../../fixtures/debian/repair-variants';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';
import { removeJobFolders, startVerifyBoot } from '../boot/run-stage';
import { limiter } from '../../support/slots';

/**
 * Guest repair for real: Debian guests broken the ways VMware guests break on KVM are shown to
 * fail to boot, converted with the repair, and booted again. Each pipeline is one engine job
 * (convert → check → inspect → repair-plan → repair → finalize → verify-boot) with one
 * appliance; two run at once (the machine has two cores, each TCG guest or appliance uses one).
 */

let daemon: LibvirtdHandle;
let engine: Engine;
let client: RpcClient;
let work: string;
const events: JobEvent[] = [];

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  work = await mkdtemp(join(tmpdir(), 'h2k-repair-'));
  // libvirt's qemu (another user) boots the outputs from here.
  await chmod(work, 0o755);
  engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home') });
  client = connectInProcess(engine);
  client.onJobEvent((e) => events.push(e));
});

afterAll(async () => {
  client?.close();
  await engine?.shutdown();
  await removeJobFolders();
  if (process.env.HYPER2KVM_KEEP_JOBS !== '1') await rm(work, { recursive: true, force: true });
  await daemon?.release();
});

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function endOf(jobId: string): Promise<Extract<JobEvent, { type: 'done' | 'failed' | 'cancelled' }>> {
  for (;;) {
    const end = events.find((e): e is Extract<JobEvent, { type: 'done' | 'failed' | 'cancelled' }> => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Two pipelines at a time: one per core. */
const slot = limiter(2);

/** What each variant's repair must do, by fix id. */
const EXPECTED_FIXES: Record<RepairVariant, string[]> = {
  'sdx-gpt': ['fstab-use-uuid', 'regenerate-bootloader', 'remove-vmware-tools'],
  'modules-list': ['rebuild-initramfs', 'remove-vmware-tools'],
  'btrfs-snapper': ['fstab-use-uuid', 'regenerate-bootloader', 'remove-vmware-tools'],
};

/** Two pipelines share the machine and the others wait their turn: a generous limit per case. */
const CASE_TIMEOUT_MS = 30 * 60_000;

describe.concurrent('Linux guests that do not boot on KVM until repaired', () => {
  it.each(REPAIR_VARIANTS)('%s: fails to boot, is converted with --repair, then boots', (variant) =>
    slot(async () => {
      const guest = await repairGuest(variant);
      const sourceHash = await sha256(guest.vmdk);
      const before = startVerifyBoot({ disk: guest.raw, format: 'raw', timeoutSeconds: 240 });
      const outDir = join(work, variant);
      const { jobId } = await client.call('convert.start', { source: guest.vmdk, options: { outDir, format: 'qcow2', repair: {}, verifyBoot: { timeoutSeconds: 300 } } });

      // Before: the unrepaired guest stops where VMware's device names and drivers leave it.
      const failed = await (await before).done;
      expect(failed.result?.verdict).toBe('failed');
      expect(failed.result?.reason).toBe(guest.facts.expectedFailure);

      const end = await endOf(jobId);
      expect(end.type === 'failed' ? end.error : null).toBeNull();
      const result = ConvertResult.parse(end.type === 'done' ? end.result : null);
      const record = RepairRecord.parse(result.repair);
      expect(record.error).toBeNull();
      expect(record.applied).toBe(true);
      expect(record.fixes.filter((f) => f.applied).map((f) => f.id).sort()).toEqual([...EXPECTED_FIXES[variant]].sort());
      // Every file change is recorded with its hashes and its backup inside the guest; a symlink
      // (a unit's enablement) has no content: the record says what it pointed to.
      for (const change of record.fixes.flatMap((f) => f.changes)) {
        if (/^(remove )?symlink /.test(change.diff)) {
          expect(change.diff).toMatch(/-> \//);
          continue;
        }
        expect(change.afterSha256 ?? change.beforeSha256).toMatch(/^[0-9a-f]{64}$/);
        if (change.action === 'edit') expect(change.backup).toBe(`${change.path}.hyper2kvm-orig`);
      }
      // The guest as repaired plans nothing more, and has no blocker left.
      expect(record.reinspected?.stillPlanned).toEqual([]);
      expect(result.inspection?.summary.blockers).toBe(0);
      expect(result.inspection?.repair?.applied).toBe(true);
      // After: it boots, and the source was never written.
      expect(result.bootVerification).toMatchObject({ verdict: 'booted' });
      expect(await sha256(guest.vmdk)).toBe(sourceHash);
      const jobDir = join(work, 'jobs', jobId);
      expect(existsSync(join(jobDir, 'repair.json'))).toBe(true);
      expect(existsSync(join(jobDir, 'inspection-before-repair.json'))).toBe(true);

      if (variant === 'sdx-gpt') {
        const fstab = record.fixes.find((f) => f.id === 'fstab-use-uuid')!.changes[0]!;
        for (const uuid of Object.values(guest.facts.uuids)) expect(fstab.diff).toContain(`+UUID=${uuid}`);
        expect(fstab.diff).toContain('x-systemd.device-timeout=180s');
        const grub = record.fixes.find((f) => f.id === 'regenerate-bootloader')!;
        expect(grub.commandOutcomes.map((c) => c.ok)).toEqual([true]);
        expect(grub.changes.find((c) => c.path === '/boot/grub/grub.cfg')?.diff).toContain(`root=UUID=${guest.facts.uuids['/']}`);
      }
      if (variant === 'modules-list') {
        const rebuilt = record.fixes.find((f) => f.id === 'rebuild-initramfs')!;
        expect(rebuilt.changes.map((c) => c.path)).toEqual(['/etc/initramfs-tools/modules', `/boot/initrd.img-${guest.facts.kernelVersion}`]);
        expect(rebuilt.commandOutcomes[0]!.argv).toEqual(['/usr/sbin/update-initramfs', '-u', '-k', guest.facts.kernelVersion]);
      }
      if (variant === 'btrfs-snapper') {
        expect(record.plan.notes.join(' ')).toContain('@/.snapshots/1/snapshot');
        expect(record.fixes.find((f) => f.id === 'regenerate-bootloader')!.changes.find((c) => c.path === '/etc/default/grub')!.diff).toContain('+#GRUB_DISABLE_LINUX_UUID=true');
      }
    }),
    CASE_TIMEOUT_MS,
  );

  it('a static address pinned to a VMware NIC name comes up on the new NIC with a new MAC', () =>
    slot(async () => {
      const guest = await debianGuest();
      const newMac = '52:54:00:12:34:56';
      const login = { user: 'root', password: DEBIAN_ROOT_PASSWORD, commands: ['ip -4 -o addr show scope global'] };
      const before = bootToLogin(guest.raw, { mac: newMac, login, timeoutMs: 300_000 });
      const outDir = join(work, 'network');
      const { jobId } = await client.call('convert.start', { source: guest.vmdk, options: { outDir, format: 'qcow2', repair: { macs: { [guest.facts.mac]: null } } } });

      const unrepaired = await before;
      expect(unrepaired.reachedLogin).toBe(true);
      expect(unrepaired.outputs[0]).not.toContain(guest.facts.staticAddress);

      const end = await endOf(jobId);
      const result = ConvertResult.parse(end.type === 'done' ? end.result : null);
      const network = result.repair!.fixes.find((f) => f.id === 'keep-network-identity')!;
      expect(network.applied).toBe(true);
      expect(network.changes[0]!.diff).toContain('+Driver=virtio_net');
      expect(result.repair!.reinspected?.stillPlanned).toEqual([]);

      const repaired = await bootToLogin(result.outputs[0]!.path, { format: 'qcow2', mac: newMac, login, timeoutMs: 300_000 });
      expect(repaired.reachedLogin).toBe(true);
      expect(repaired.outputs[0]).toMatch(new RegExp(`\\b${guest.facts.nicName}\\s+inet ${guest.facts.staticAddress.replace(/\./g, '\\.')}`));
    }),
    CASE_TIMEOUT_MS,
  );
});

describe('hyper2kvm repair on a converted disk', () => {
  it('--dry-run shows the plan with its diffs and writes nothing', async () => {
    // The unrepaired guest as a raw disk: a dry run opens it read-only.
    const disk = (await repairGuest('sdx-gpt')).raw;
    const hash = await sha256(disk);
    const { jobId } = await client.call('repair.start', { disks: [{ path: disk }], dryRun: true });
    const end = await endOf(jobId);
    const result = RepairJobResult.parse(end.type === 'done' ? end.result : null);
    expect(result.dryRun).toBe(true);
    expect(result.record.applied).toBe(false);
    expect(result.plan.blockers).toEqual([]);
    expect(result.plan.fixes.filter((f) => f.status === 'planned').map((f) => f.id).sort()).toEqual(EXPECTED_FIXES['sdx-gpt']);
    expect(result.plan.fixes.find((f) => f.id === 'fstab-use-uuid')!.changes[0]!.diff).toContain('-/dev/sda3 / ext4');
    expect(await sha256(disk)).toBe(hash);
    expect(readFileSync(join(work, 'jobs', jobId, 'job.json'), 'utf8')).toContain('"--dry-run"');
  });
});
