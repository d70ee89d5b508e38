import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullPackageVersion } from '../../../electron/engine/inspect/linux/packages';
import { renderInspectionHtml } from '../../../electron/engine/report/render-html';
import { readInspectionReport } from '../../../shared/contract/models/inspection';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { DEBIAN_IDENTITY, debianGuest } from '../../fixtures/index';
import { debianRootfs } from '../../fixtures/debian/rootfs';
import type { DebianGuest } from '../../fixtures/index';
import { applianceProcesses, runInspect, virtInspector } from './helpers';
import type { StageRun } from './helpers';
import { NEEDS_RUNNING_SYSTEM, extractUnitFolders, systemctlStates } from './systemctl-reference';
import { parseVirtInspector } from './virt-inspector';
import type { ReferenceOs } from './virt-inspector';

/**
 * The Debian guest as VMware left it, inspected from its VMDK (a source: read-only), compared
 * with virt-inspector on the same file. Two appliance launches in all: ours and virt-inspector's.
 */
describe('inspecting the Debian VMDK', () => {
  let guest: DebianGuest;
  let run: StageRun;
  let report: InspectionReport;
  let reference: ReferenceOs;
  let before: { size: number; mtimeMs: number };

  beforeAll(async () => {
    guest = await debianGuest();
    const stat = statSync(guest.vmdk);
    before = { size: stat.size, mtimeMs: stat.mtimeMs };
    // keepSession: the appliance stays up for a later stage; the job's cleanup closes it.
    run = await runInspect({ disks: [{ path: guest.vmdk }], keepSession: true });
    report = run.report;
    const oses = parseVirtInspector(await virtInspector([{ path: guest.vmdk, format: 'vmdk' }]));
    expect(oses).toHaveLength(1);
    reference = oses[0]!;
  });

  afterAll(async () => {
    await run?.finish();
  });

  it('finds the same operating system as virt-inspector', () => {
    expect(report.os).toMatchObject({
      root: reference.root,
      type: reference.name,
      distro: reference.distro,
      productName: reference.productName,
      majorVersion: reference.majorVersion,
      minorVersion: reference.minorVersion,
      arch: reference.arch,
      hostname: reference.hostname,
      osinfo: reference.osinfo,
      packageFormat: reference.packageFormat,
      packageManagement: reference.packageManagement,
      firmware: 'bios',
    });
    expect(report.os.hostname).toBe(guest.facts.hostname);
  });

  it("reads the guest's identity offline as the fixture set it (time zone, locale, keymap, machine-id) and who can log in (issue 15)", () => {
    expect(report.linux!.identity).toEqual({
      hostname: DEBIAN_IDENTITY.hostname,
      prettyHostname: DEBIAN_IDENTITY.prettyHostname,
      timeZone: DEBIAN_IDENTITY.timeZone,
      locale: DEBIAN_IDENTITY.locale,
      keymap: DEBIAN_IDENTITY.keyboardLayout,
      machineId: DEBIAN_IDENTITY.machineId,
    });
    // Only root can log in on the fixture (every other account of a minimal Debian has nologin), with the password it was given.
    expect(report.linux!.users).toEqual([{ name: 'root', uid: 0, fullName: 'root', home: '/root', shell: '/bin/bash', password: 'set' }]);
  });

  it('lists the same file systems and mountpoints, and as many applications', () => {
    for (const fs of reference.filesystems) {
      expect(report.filesystems.find((f) => f.device === fs.device)).toMatchObject({ type: fs.type, uuid: fs.uuid, label: fs.label });
    }
    expect(report.mountpoints).toEqual(reference.mountpoints);
    expect(report.applications).toHaveLength(reference.applications.length);
    const theirs = new Map(reference.applications.map((a) => [a.name, a.version]));
    // libguestfs splits Debian versions at the first dash, we at the last (Debian policy): compare whole.
    for (const app of report.applications) expect(fullPackageVersion(app)).toBe(theirs.get(app.name));
    for (const name of guest.facts.packages) expect(report.applications.map((a) => a.name)).toContain(name);
  });

  it('measures the disk and the root file system', () => {
    expect(report.disks).toEqual([
      expect.objectContaining({ id: 'disk1', format: 'vmdk', device: '/dev/sda', virtualSize: guest.virtualSize, partitionTable: 'mbr' }),
    ]);
    expect(report.disks[0]!.allocatedSize).toBeGreaterThan(100 * 1024 * 1024);
    expect(report.disks[0]!.partitions).toEqual([expect.objectContaining({ device: guest.facts.rootPartition, number: 1, start: 1024 * 1024, bootable: true, type: '83' })]);
    const root = report.filesystems.find((f) => f.mountpoint === '/')!;
    expect(root.uuid).toBe(guest.facts.rootUuid);
    expect(root.size).toBeGreaterThan(2 * 1024 ** 3);
    expect(root.used! + root.free!).toBeLessThanOrEqual(root.size!);
    expect(root.free).toBeGreaterThan(100 * 1024 * 1024);
  });

  it('reads the Linux configuration: fstab, boot loader, kernel with virtio, systemd, network', () => {
    const linux = report.linux!;
    expect(linux.fstab).toEqual([expect.objectContaining({ spec: `UUID=${guest.facts.rootUuid}`, style: 'uuid', mountpoint: '/' })]);
    expect(linux.bootloader).toMatchObject({ kind: 'grub2', configPath: '/boot/grub/grub.cfg', serialConsole: guest.facts.serialConsole, vmwareParams: [] });
    expect(linux.bootloader.kernelCmdline).toContain(`root=UUID=${guest.facts.rootUuid}`);
    expect(linux.kernels).toEqual([
      expect.objectContaining({ version: guest.facts.kernelVersion, initramfs: `/boot/initrd.img-${guest.facts.kernelVersion}`, modules: true, virtioBootable: true }),
    ]);
    expect(Object.values(linux.kernels[0]!.virtio)).not.toContain('missing');
    expect(linux.systemd?.enabledUnits.map((u) => u.unit)).toContain('open-vm-tools.service');
    expect(linux.systemd?.defaultTarget).toMatch(/\.target$/);
    expect(linux.vmwareTools.present).toBe(true);
    expect(linux.selinux.mode).toBe('absent');
    expect(report.network).toContainEqual(expect.objectContaining({ source: 'ifupdown', interface: guest.facts.nicName, method: 'static', addresses: [guest.facts.staticAddress] }));
    expect(report.network).toContainEqual(expect.objectContaining({ source: 'systemd-link', mac: guest.facts.mac, setsName: guest.facts.nicName }));
  });

  it("lists the unit files in the states systemctl gives them on the fixture's root file system, its timers and sockets (issue 15)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'debian-units-'));
    try {
      extractUnitFolders((await debianRootfs()).tarball, root);
      const expected = Object.fromEntries([...systemctlStates(root)].filter(([, state]) => !NEEDS_RUNNING_SYSTEM.has(state)));
      // The guest's assembly enables serial-getty@ttyS0 (test/fixtures/debian/config.ts): an instance the template has no DefaultInstance for.
      if (guest.facts.serialConsole) expected['serial-getty@.service'] = 'indirect';
      const systemd = report.linux!.systemd!;
      // systemctl --root runs no generator: the units of the guest's fstab ("generated") are compared in systemd-offline.test.ts.
      expect(Object.fromEntries(systemd.unitFiles.filter((u) => u.state !== 'generated').map((u) => [u.unit, u.state]))).toEqual(expected);
      expect(systemd.unitFiles.find((u) => u.unit === 'open-vm-tools.service')).toMatchObject({ state: 'enabled', path: '/usr/lib/systemd/system/open-vm-tools.service', wantedBy: ['multi-user.target'], description: 'Service for virtual machines hosted on VMware' });
      expect(systemd.timers).toContainEqual({ unit: 'e2scrub_all.timer', schedule: ['OnCalendar=Sun *-*-* 03:10:00'], activates: 'e2scrub_all.service', persistent: true, enabled: true });
      expect(systemd.timers).toContainEqual({ unit: 'fstrim.timer', schedule: ['OnCalendar=weekly'], activates: 'fstrim.service', persistent: true, enabled: true });
      expect(systemd.sockets).toContainEqual({ unit: 'dbus.socket', listen: ['ListenStream=/run/dbus/system_bus_socket'], enabled: true });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds what VMware left behind, and no blocker', () => {
    const codes = Object.fromEntries(report.findings.map((f) => [f.code, f.severity]));
    expect(codes).toEqual({ NIC_MAC_PINNED: 'warning', VMWARE_TOOLS_INSTALLED: 'warning', STATIC_ADDRESSES: 'info' });
    expect(report.summary).toEqual({ readiness: 'needs-repair', blockers: 0, warnings: 2, infos: 1 });
    const pin = report.findings.find((f) => f.code === 'NIC_MAC_PINNED')!;
    const evidence = pin.evidence[0]!;
    expect(evidence.path).toMatch(/^\/etc\/systemd\/network\/.+\.link$/);
    expect(evidence.line).toBeGreaterThan(0);
    expect(evidence.excerpt).toContain(guest.facts.mac);
  });

  it('stores the report with the job, readable again, and renders it to HTML', () => {
    const stored = readInspectionReport(JSON.parse(readFileSync(run.reportPath, 'utf8')));
    expect(stored.ok).toBe(true);
    expect(run.reportPath).toBe(`${run.jobDir}/inspection.json`);
    const html = renderInspectionHtml(report);
    expect(html).toContain(guest.facts.hostname);
    expect(html).toContain('NIC_MAC_PINNED');
  });

  it('never writes to the source, and keeps its one appliance open (read-only) for the next stage', async () => {
    const stat = statSync(guest.vmdk);
    expect({ size: stat.size, mtimeMs: stat.mtimeMs }).toEqual(before);
    const session = run.session!;
    expect(session.alive).toBe(true);
    expect(session.access).toBe('read-only');
    expect(() => session.assertWritable()).toThrow(/read-only/);
    // The repair stage reuses it: no second launch.
    expect(await session.run('is-file', ['/etc/fstab'])).toBe('true');
    await run.finish();
    expect(session.alive).toBe(false);
    expect(await applianceProcesses()).toEqual([]);
  });
});
