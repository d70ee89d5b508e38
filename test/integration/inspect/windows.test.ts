import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRegistry } from '../../../electron/engine/inspect/collect-windows';
import { windowsFacts } from '../../../electron/engine/inspect/windows/facts';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { windowsGuests } from '../../fixtures/index';
import type { WindowsGuest } from '../../fixtures/index';
import { inspectVariants } from '../../support/inspect-fixtures';
import { applianceProcesses, runInspect, tools, virtInspector } from './helpers';
import type { StageRun } from './helpers';
import { parseVirtInspector } from './virt-inspector';
import type { ReferenceOs } from './virt-inspector';

/**
 * The phony Windows guests (Server 2019, 10, 7). Their registry facts are first read from the
 * hive files on the host (no appliance) for all three; then ONE inspection of a VM holding the
 * three system disks plus a BitLocker data disk is compared with ONE virt-inspector run on the
 * same system disks: two appliance launches for the whole file.
 */
describe('inspecting Windows guests', () => {
  let guests: WindowsGuest[];
  let run: StageRun;
  let report: InspectionReport;
  let reference: ReferenceOs[];

  beforeAll(async () => {
    guests = await windowsGuests();
    const variants = await inspectVariants();
    run = await runInspect({ disks: [...guests.map((g) => ({ path: g.raw, format: 'raw' })), variants.bitlockerData] });
    report = run.report;
    reference = parseVirtInspector(await virtInspector(guests.map((g) => ({ path: g.raw, format: 'raw' }))));
  });

  afterAll(async () => {
    await run?.finish();
  });

  it('reads each guest’s registry on the host like the appliance path does', async () => {
    for (const guest of guests) {
      const registry = await readRegistry(tools, guest.hives, null, new AbortController().signal);
      const { facts, applications } = windowsFacts({ ...registry, systemRoot: '/Windows', hiberfil: { present: false, header: null } });
      expect(facts).toMatchObject({
        productName: guest.productName,
        majorVersion: guest.majorVersion,
        minorVersion: guest.minorVersion,
        build: guest.build,
        hostname: guest.hostname,
        installationType: guest.installationType,
      });
      // The hive keeps subkeys sorted; the .reg file lists them in its own order.
      expect(applications.map((a) => a.displayName).sort()).toEqual([...guest.applications].sort());
      // Same number of applications as virt-inspector found for this guest.
      const theirs = reference.find((r) => r.productName === guest.productName)!;
      expect(applications).toHaveLength(theirs.applications.length);
    }
  });

  it('finds the three systems with the identity virt-inspector gives them', () => {
    expect(reference).toHaveLength(3);
    expect(report.operatingSystems).toHaveLength(3);
    for (const ref of reference) {
      const ours = report.operatingSystems.find((o) => o.root === ref.root);
      expect(ours, ref.root).toMatchObject({
        type: ref.name,
        distro: ref.distro,
        productName: ref.productName,
        productVariant: ref.productVariant,
        majorVersion: ref.majorVersion,
        minorVersion: ref.minorVersion,
        arch: ref.arch,
        hostname: ref.hostname,
        osinfo: ref.osinfo,
        windowsSystemRoot: ref.windowsSystemRoot,
        windowsCurrentControlSet: ref.windowsCurrentControlSet,
      });
    }
  });

  it('details the first system (Server 2019) like virt-inspector: file systems, mountpoints, drive letters, applications', () => {
    const primary = reference.find((r) => r.root === report.os.root)!;
    const guest = guests.find((g) => g.productName === primary.productName)!;
    expect(report.os.build).toBe(guest.build);
    expect(report.mountpoints).toEqual(primary.mountpoints);
    expect(report.driveLetters).toEqual(primary.driveMappings);
    for (const fs of primary.filesystems) expect(report.filesystems.find((f) => f.device === fs.device)).toMatchObject({ type: fs.type, label: fs.label, uuid: fs.uuid });
    expect(report.applications).toHaveLength(primary.applications.length);
    expect(report.applications.map((a) => a.displayName).sort()).toEqual([...guest.applications].sort());
  });

  it('reads the Windows configuration of the first system', () => {
    const w = report.windows!;
    expect(w.hostname).toBe(guests[0]!.hostname);
    expect(w.domain).toBe('corp.example');
    expect(w.networkAdapters.map((a) => [a.dhcp, a.addresses, a.gateways])).toEqual([
      [false, ['10.20.30.21/24'], ['10.20.30.1']],
      [true, [], ['192.168.77.1']],
    ]);
    expect(w.firewall.every((f) => f.enabled === true)).toBe(true);
    expect(w.environment).toContainEqual({ name: 'APP_ENV', value: 'production' });
    expect(w.storageDrivers.find((d) => d.service === 'pvscsi')).toMatchObject({ present: true, start: 'boot' });
    expect(w.storageDrivers.find((d) => d.service === 'viostor')).toMatchObject({ present: false });
    expect(w.vmwareTools.present).toBe(true);
    expect(w.groupPolicy.present).toBe(true);
    expect(w.antivirus.map((a) => a.name)).toEqual([expect.stringMatching(/Symantec/)]);
    expect(w.hibernation).toEqual({ hiberfilPresent: false, hibernated: false, fastStartup: false });
  });

  it('finds no virtio driver, the antivirus and policies, VMware Tools, the BitLocker disk and the other systems', () => {
    const codes = Object.fromEntries(report.findings.map((f) => [f.code, f.severity]));
    expect(codes).toMatchObject({
      WINDOWS_NO_VIRTIO_STORAGE: 'blocker',
      ENCRYPTED_VOLUME: 'blocker',
      VMWARE_TOOLS_INSTALLED: 'warning',
      WINDOWS_GROUP_POLICY: 'warning',
      WINDOWS_ANTIVIRUS: 'warning',
      MULTIPLE_OS: 'info',
      STATIC_ADDRESSES: 'info',
    });
    const virtio = report.findings.find((f) => f.code === 'WINDOWS_NO_VIRTIO_STORAGE')!;
    expect(virtio.evidence.map((e) => e.registryKey)).toEqual(['HKLM\\SYSTEM\\ControlSet001\\Services\\viostor', 'HKLM\\SYSTEM\\ControlSet001\\Services\\vioscsi']);
    expect(report.findings.find((f) => f.code === 'ENCRYPTED_VOLUME')!.evidence).toEqual([{ device: '/dev/sdd1', note: 'BitLocker' }]);
    expect(report.filesystems.find((f) => f.device === '/dev/sdd1')).toMatchObject({ type: 'BitLocker', encrypted: true });
  });

  it('closes its appliance at the end of the job', async () => {
    await run.finish();
    expect(await applianceProcesses()).toEqual([]);
  });
});
