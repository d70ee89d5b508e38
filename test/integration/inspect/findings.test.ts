import { describe, expect, it } from 'vitest';
import type { Finding, InspectionReport } from '../../../shared/contract/models/inspection';
import { inspectVariants, VMWARE_KERNEL_PARAMS } from '../../support/inspect-fixtures';
import type { InspectVariants } from '../../support/inspect-fixtures';
import { applianceProcesses, runInspect } from './helpers';

/**
 * Each finding on a disk made to have it (test/support/inspect-fixtures.ts). One inspection per
 * variant (one appliance launch each), all assertions about a variant on that one report.
 */

let variants: Promise<InspectVariants> | undefined;
const getVariants = (): Promise<InspectVariants> => (variants ??= inspectVariants());

async function inspect(disks: InspectVariants['linuxLegacy']): Promise<InspectionReport> {
  const run = await runInspect({ disks: disks.map((d) => ({ path: d.path, format: d.format })) });
  await run.finish();
  return run.report;
}

function find(report: InspectionReport, code: string): Finding {
  const finding = report.findings.find((f) => f.code === code);
  if (!finding) throw new Error(`no ${code} finding; got ${report.findings.map((f) => f.code).join(', ')}`);
  return finding;
}

describe('findings on disks made to have them', () => {
  it('an old VMware Linux template: fstab by device, no virtio initramfs, VMware kernel parameters, low space (qcow2)', async () => {
    const v = await getVariants();
    const report = await inspect(v.linuxLegacy);
    expect(report.disks[0]).toMatchObject({ format: 'qcow2', partitionTable: 'mbr' });
    expect(report.os.type).toBe('linux');

    const devname = find(report, 'FSTAB_DEVICE_NAME');
    expect(devname.severity).toBe('blocker');
    expect(devname.evidence).toEqual([{ path: '/etc/fstab', line: 2, excerpt: '/dev/sda1 / ext4 errors=remount-ro' }]);
    expect(devname.fix).toMatchObject({ id: 'fstab-use-uuid', automatic: true });
    const byPath = find(report, 'FSTAB_BY_PATH');
    expect(byPath.severity).toBe('warning');
    expect(byPath.evidence[0]).toMatchObject({ path: '/etc/fstab', line: 3 });

    const initramfs = find(report, 'INITRAMFS_NO_VIRTIO');
    expect(initramfs.severity).toBe('blocker');
    expect(initramfs.evidence[0]!.path).toBe(`/boot/initrd.img-${v.kernelVersion}`);
    expect(report.linux!.kernels[0]!.virtio).toEqual({ virtio_pci: 'missing', virtio_blk: 'missing', virtio_scsi: 'missing' });

    const params = find(report, 'KERNEL_VMWARE_PARAMS');
    expect(params.evidence[0]).toMatchObject({ path: '/boot/grub/grub.cfg', excerpt: VMWARE_KERNEL_PARAMS });

    const space = find(report, 'LOW_FREE_SPACE');
    expect(space.severity).toBe('blocker');
    expect(space.fix.automatic).toBe(false);
    const root = report.filesystems.find((f) => f.mountpoint === '/')!;
    expect(root.free).toBeLessThan(100 * 1024 * 1024);
    expect(report.summary.readiness).toBe('blocked');
  });

  it('UEFI without the fallback loader, and a LUKS volume, on a two-disk VM', async () => {
    const v = await getVariants();
    const report = await inspect(v.linuxUefi);
    expect(report.disks.map((d) => [d.device, d.partitionTable])).toEqual([
      ['/dev/sda', 'mbr'],
      ['/dev/sdb', 'gpt'],
    ]);
    expect(report.os).toMatchObject({ type: 'linux', firmware: 'uefi', root: '/dev/sda1' });
    expect(report.boot.esp).toEqual({ device: '/dev/sdb1', fallbackLoader: false, loaders: ['EFI/debian/grubx64.efi'] });
    expect(report.disks[1]!.partitions[0]).toMatchObject({ typeName: 'EFI System' });
    const uefi = find(report, 'UEFI_NO_FALLBACK');
    expect(uefi).toMatchObject({ severity: 'blocker', fix: { id: 'install-fallback-loader', automatic: true } });
    expect(uefi.evidence[0]).toMatchObject({ device: '/dev/sdb1' });
    const luks = find(report, 'ENCRYPTED_VOLUME');
    expect(luks.evidence).toEqual([{ device: '/dev/sdb2', note: 'crypto_LUKS' }]);
    expect(report.filesystems.find((f) => f.device === '/dev/sdb1')).toMatchObject({ type: 'vfat', label: 'ESP', mountpoint: null });
    expect(report.filesystems.find((f) => f.device === '/dev/sdb1')!.size).toBeGreaterThan(90 * 1024 * 1024);
  });

  it('hibernated Windows with the virtio storage driver installed (qcow2 overlay)', async () => {
    const v = await getVariants();
    const report = await inspect(v.windowsHibernated);
    expect(report.os).toMatchObject({ type: 'windows', productName: 'Windows 10 Pro' });
    const hibernated = find(report, 'WINDOWS_HIBERNATED');
    expect(hibernated).toMatchObject({ severity: 'blocker', fix: { id: 'shut-down-fully', automatic: false } });
    expect(report.windows!.hibernation).toEqual({ hiberfilPresent: true, hibernated: true, fastStartup: true });
    expect(report.windows!.storageDrivers.find((d) => d.service === 'viostor')).toMatchObject({ present: true, start: 'boot', group: 'SCSI miniport', startOverride: null });
    expect(report.findings.map((f) => f.code)).not.toContain('WINDOWS_NO_VIRTIO_STORAGE');
    expect(report.findings.map((f) => f.code)).not.toContain('WINDOWS_VIRTIO_DRIVER_DISABLED');
    expect(report.summary.readiness).toBe('blocked');
  });

  it('a disk with no operating system is a report with a finding, not a failure (raw)', async () => {
    const v = await getVariants();
    const report = await inspect(v.noOs);
    expect(report.os.type).toBe('unknown');
    expect(report.operatingSystems).toEqual([]);
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([['NO_OS_FOUND', 'blocker']]);
    expect(report.filesystems).toEqual([expect.objectContaining({ device: '/dev/sda1', type: 'ext4', label: 'data' })]);
    expect(report.filesystems[0]!.used).toBeGreaterThan(0);
    expect(report.applications).toEqual([]);
    expect(report.linux).toBeNull();
    expect(report.windows).toBeNull();
  });

  it('cancelling during the appliance launch kills it and leaves no process behind', async () => {
    const v = await getVariants();
    const controller = new AbortController();
    const disk = v.noOs[0]!;
    const started = runInspect({ disks: [{ path: disk.path, format: disk.format }] }, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect((await applianceProcesses()).length).toBeGreaterThan(0);
    controller.abort();
    await expect(started).rejects.toMatchObject({ value: { code: 'CANCELLED' } });
    // SIGTERM to the group; SIGKILL after the grace period if anything lingers.
    const deadline = Date.now() + 10_000;
    while ((await applianceProcesses()).length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await applianceProcesses()).toEqual([]);
  });
});
