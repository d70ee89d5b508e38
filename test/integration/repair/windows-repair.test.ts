import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import type { RepairRecord } from '../../../shared/contract/models/repair';
import { windowsGuests } from '../../fixtures/index';
import { runCliInProcess } from '../../support/cli';
import { inspectVariants } from '../../support/inspect-fixtures';
import { placeholder, writePhonyVirtioWin, writePhonyVirtioWinIso } from '../../support/virtio-win';

/**
 * Windows repair for real, through the CLI: the phony Server 2019 disk (as a VMware VMDK) is
 * converted with --repair and a phony virtio-win ISO, in one appliance (inspect → plan → apply
 * through ntfs-3g → re-inspect → plan again → commit); the Windows 10 and 7 disks repaired by
 * `repair` (each version registers its boot driver its own way); and the hibernated Windows 10
 * variant is refused by `repair`. Four appliance launches for the file.
 */

const tools = new LocalToolRunner();
let work: string;
let iso: string;
const previousHome = process.env.HYPER2KVM_HOME;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function hivexget(hive: string, key: string, value: string): Promise<string> {
  const { stdout } = await tools.run('hivexget', [hive, key, value]);
  return stdout.trim();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'h2k-winrepair-'));
  process.env.HYPER2KVM_HOME = join(work, 'home');
  iso = await writePhonyVirtioWinIso(await writePhonyVirtioWin(join(work, 'virtio-win')), join(work, 'virtio-win.iso'));
});

afterAll(async () => {
  if (previousHome === undefined) delete process.env.HYPER2KVM_HOME;
  else process.env.HYPER2KVM_HOME = previousHome;
  if (work && process.env.HYPER2KVM_KEEP_JOBS !== '1') await rm(work, { recursive: true, force: true });
});

describe('Windows repair', () => {
  it('convert --repair --virtio-win ISO: boot-start virtio storage, drivers and first-boot actions written, recorded, complete, source untouched', async () => {
    const win2019 = (await windowsGuests()).find((g) => g.id === 'win2019')!;
    const source = join(work, 'win2019.vmdk');
    await tools.run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', win2019.raw, source]);
    const sourceHash = await sha256(source);

    const run = await runCliInProcess(['convert', source, '--out', join(work, 'out'), '--repair', '--virtio-win', iso, '--json']);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const record = run.result.repair as RepairRecord;
    const report = run.result.inspection as InspectionReport;
    expect(record.applied).toBe(true);
    expect(record.error).toBeNull();
    expect(record.plan.blockers).toEqual([]);
    const applied = record.fixes.filter((f) => f.applied).map((f) => f.id).sort();
    expect(applied).toEqual(['enable-guest-agent', 'enable-sata-driver', 'install-virtio-drivers', 'reapply-static-addresses', 'remove-vmware-tools']);
    // Planning again on the repaired guest (re-inspected in the same appliance) plans nothing.
    expect(record.reinspected?.stillPlanned).toEqual([]);
    // The re-inspection sees viostor starting at boot, and the first-boot actions waiting.
    const viostor = report.windows!.storageDrivers.find((d) => d.service === 'viostor')!;
    expect(viostor).toMatchObject({ present: true, start: 'boot', startOverride: null });
    expect(report.windows!.firstBoot).toEqual({ logPath: 'C:\\ProgramData\\hyper2kvm\\firstboot\\firstboot.log', log: null, truncated: false });

    // The driver file in the guest is the ISO's (the apply checked each upload's hash in the guest).
    const install = record.fixes.find((f) => f.id === 'install-virtio-drivers')!;
    const sys = install.changes.find((c) => c.path === '/Windows/System32/drivers/viostor.sys')!;
    expect(sys.afterSha256).toBe(createHash('sha256').update(placeholder('viostor/2k19/amd64/viostor.sys')).digest('hex'));
    expect(install.firstBoot?.[0]?.script).toContain("'viostor\\viostor.inf'");

    // The SYSTEM hive written into the guest is the merged copy kept in the job folder (same hash): hivex reads the boot keys there.
    const hive = install.changes.find((c) => c.path === '/Windows/System32/config/SYSTEM')!;
    const edited = join(dirname(run.result.recordPath as string), 'repair', 'SYSTEM.edited');
    expect(await sha256(edited)).toBe(hive.afterSha256);
    for (const service of ['viostor', 'vioscsi']) {
      expect(await hivexget(edited, `ControlSet001\\Services\\${service}`, 'Start')).toBe('0');
      expect(await hivexget(edited, `ControlSet001\\Services\\${service}`, 'Type')).toBe('1');
      expect(await hivexget(edited, `ControlSet001\\Services\\${service}`, 'ImagePath')).toBe(`system32\\drivers\\${service}.sys`);
    }
    expect(await hivexget(edited, 'DriverDatabase\\DriverPackages\\hyper2kvm-viostor.inf_0\\Configurations\\viostor_conf', 'Service')).toBe('viostor');
    expect(await hivexget(edited, 'ControlSet001\\Services\\storahci', 'Start')).toBe('0');
    expect(await hivexget(edited, 'Setup', 'SetupType')).toBe('2');
    expect(await hivexget(edited, 'Setup', 'CmdLine')).toBe('C:\\Windows\\System32\\cmd.exe /c C:\\ProgramData\\hyper2kvm\\firstboot\\firstboot.cmd');
    expect(hive.backup).toBe('/Windows/System32/config/SYSTEM.hyper2kvm-orig');

    const repairJson = JSON.parse(await readFile(join(dirname(run.result.recordPath as string), 'repair.json'), 'utf8')) as RepairRecord;
    expect(repairJson.fixes.map((f) => f.id)).toEqual(record.fixes.map((f) => f.id));
    expect(await sha256(source)).toBe(sourceHash);
  });

  it.each([
    // id, the control set the guest boots from, how it registers boot devices
    ['win10', 'ControlSet001', 'DriverDatabase'],
    ['win7', 'ControlSet002', 'CriticalDeviceDatabase'],
  ] as const)('repair on %s: viostor boot-start in %s, registered through the %s, the disk below untouched, nothing left to plan', async (id, controlSet, registration) => {
    const guest = (await windowsGuests()).find((g) => g.id === id)!;
    // The converted disk is a qcow2 over the fixture: the repair writes the qcow2, never the raw under it.
    const disk = join(work, `${id}.qcow2`);
    await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', guest.raw, disk]);
    const below = statSync(guest.raw).mtimeMs;
    const run = await runCliInProcess(['repair', disk, '--virtio-win', iso, '--json']);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const jobDir = dirname(run.result.recordPath as string);
    const record = JSON.parse(await readFile(join(jobDir, 'repair.json'), 'utf8')) as RepairRecord;
    expect(record.applied).toBe(true);
    expect(record.fixes.find((f) => f.id === 'install-virtio-drivers')?.applied).toBe(true);
    expect(record.reinspected?.stillPlanned).toEqual([]);
    const edited = join(jobDir, 'repair', 'SYSTEM.edited');
    for (const service of ['viostor', 'vioscsi']) {
      expect(await hivexget(edited, `${controlSet}\\Services\\${service}`, 'Start')).toBe('0');
      expect(await hivexget(edited, `${controlSet}\\Services\\${service}`, 'ImagePath')).toBe(`system32\\drivers\\${service}.sys`);
      expect(await hivexget(edited, `${controlSet}\\Services\\${service}`, 'StartOverride').catch(() => 'absent')).toBe('absent');
    }
    if (registration === 'CriticalDeviceDatabase') {
      expect(await hivexget(edited, `${controlSet}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001&subsys_00021af4&rev_00`, 'Service')).toBe('viostor');
    } else {
      expect(await hivexget(edited, 'DriverDatabase\\DriverPackages\\hyper2kvm-viostor.inf_0\\Configurations\\viostor_conf', 'Service')).toBe('viostor');
    }
    expect(statSync(guest.raw).mtimeMs).toBe(below);
  });

  it('repair refuses a hibernated Windows with the reason and what to do, and writes nothing', async () => {
    const [disk] = (await inspectVariants()).windowsHibernated;
    const copy = join(work, 'win10-hibernated.qcow2');
    await tools.run('qemu-img', ['create', '-f', 'qcow2', '-F', 'qcow2', '-b', disk!.path, copy]);
    const before = await sha256(copy);
    const run = await runCliInProcess(['repair', copy, '--virtio-win', iso, '--json']);
    expect(run.code, run.stdout.slice(-2000)).toBe(1);
    expect(run.result.error).toMatchObject({ code: 'REPAIR_BLOCKED' });
    expect(run.result.error!.message).toContain('hibernated');
    expect(run.result.error!.hint).toMatch(/shut it down/i);
    expect(await sha256(copy)).toBe(before);
  });
});
