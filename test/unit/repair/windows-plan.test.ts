import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WINDOWS_BLOCKERS, WINDOWS_WARNINGS } from '../../../electron/engine/repair/error-codes';
import { msiProductCode, netmaskFromPrefix } from '../../../electron/engine/repair/windows/actions';
import { guidBytes } from '../../../electron/engine/repair/windows/drivers';
import { runnerCommand, windowsText } from '../../../electron/engine/repair/windows/firstboot';
import type { WindowsGuest } from '../../../electron/engine/repair/windows/guest-view';
import { mergeHive } from '../../../electron/engine/repair/windows/hive';
import { bitlockerBlocker, planWindowsRepair } from '../../../electron/engine/repair/windows/plan';
import { hiveIsDirty, readPlannerRegistry } from '../../../electron/engine/repair/windows/probe';
import type { RegEdit } from '../../../electron/engine/repair/windows/registry-edit';
import { deleteKey, dword, effectiveEdits, multiSz, regFile, setValue, sz } from '../../../electron/engine/repair/windows/registry-edit';
import { chooseDrivers, parseXorrisoFind, releaseFolders } from '../../../electron/engine/repair/windows/virtio-win';
import type { PlannedFix } from '../../../shared/contract/models/repair';
import { RepairPlan } from '../../../shared/contract/models/repair';
import { RegTree } from '../../../electron/engine/inspect/windows/registry';
import type { RegValue } from '../../../electron/engine/inspect/windows/registry';
import { phonyVirtioWinFiles, writePhonyVirtioWin } from '../../support/virtio-win';
import { buildHives, hiveCopy, ntfs, tools, windowsGuest } from '../../support/windows-guest';

/**
 * The Windows repair planner on the three phony guests' real hives (filled from the fixture's
 * .reg files with hivexregedit, read with hivex as the repair reads them), with a phony
 * virtio-win set in the ISO's layout. No appliance: the guest's files come from the spec.
 */

let dir: string;
let virtioWin: string;
const guests: Record<'win2019' | 'win10' | 'win7', { withDrivers: WindowsGuest; without: WindowsGuest }> = {} as never;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h2k-winplan-'));
  virtioWin = await writePhonyVirtioWin(join(dir, 'virtio-win'));
  for (const [id, variant] of [
    ['win2019', 'Server'],
    ['win10', 'Client'],
    ['win7', 'Client'],
  ] as const) {
    const hives = await buildHives(id, await mkdtemp(join(dir, `${id}-`)));
    const withDrivers = await windowsGuest({ hives, variant, virtioWin, workDir: join(dir, `${id}-work`) });
    // The same guest without a driver set: only the driver part of the guest view differs.
    guests[id] = { withDrivers, without: { ...withDrivers, drivers: null } };
  }
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fix = (guest: WindowsGuest, id: string): PlannedFix => {
  const found = planWindowsRepair(guest).plan.fixes.find((f) => f.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};
/** A copy of a tree with one more value (the hives themselves stay as built). */
function withValue(base: RegTree, path: string, name: string, value: RegValue): RegTree {
  const one = new RegTree();
  one.keys.set(RegTree.normalize(path), { path, values: new Map([[name, value]]) });
  const out = new RegTree();
  out.merge(base);
  out.merge(one);
  return out;
}
const registryOf = (f: PlannedFix): string[] => (f.registry ?? []).map((r) => `${r.key}\\${r.value ?? ''}=${r.after ?? '(removed)'}`);

describe('Windows repair plan on the phony guests', () => {
  it.each([
    // id, control set, boot registration, the AHCI fallback driver
    ['win2019', 'ControlSet001', 'DriverDatabase', 'storahci'],
    ['win10', 'ControlSet001', 'DriverDatabase', 'storahci'],
    ['win7', 'ControlSet002', 'CriticalDeviceDatabase', 'msahci'],
  ] as const)('%s: viostor and vioscsi as boot-start services in %s, registered through the %s', (id, cs, registration, sata) => {
    const guest = guests[id].withDrivers;
    const install = fix(guest, 'install-virtio-drivers');
    expect(install.status).toBe('planned');
    const reg = registryOf(install);
    for (const service of ['viostor', 'vioscsi']) {
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${service}\\Start=0x00000000 (0)`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${service}\\Type=0x00000001 (1)`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${service}\\ErrorControl=0x00000001 (1)`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${service}\\Group=SCSI miniport`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${service}\\ImagePath=system32\\drivers\\${service}.sys`);
      expect(install.changes.map((c) => c.path)).toContain(`/Windows/System32/drivers/${service}.sys`);
    }
    const cdb = reg.filter((r) => r.includes('CriticalDeviceDatabase'));
    const ddb = reg.filter((r) => r.includes('DriverDatabase'));
    if (registration === 'CriticalDeviceDatabase') {
      expect(ddb).toEqual([]);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001&subsys_00021af4&rev_00\\Service=viostor`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001&subsys_00021af4&rev_00\\ClassGUID={4D36E97B-E325-11CE-BFC1-08002BE10318}`);
      expect(reg).toContain(`HKLM\\SYSTEM\\${cs}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1004&subsys_00081af4&rev_00\\Service=vioscsi`);
    } else {
      expect(cdb).toEqual([]);
      expect(reg).toContain('HKLM\\SYSTEM\\DriverDatabase\\DriverPackages\\hyper2kvm-viostor.inf_0\\Configurations\\viostor_conf\\Service=viostor');
      expect(reg).toContain('HKLM\\SYSTEM\\DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00\\hyper2kvm-viostor.inf=01 ff 00 00');
    }
    // The first-boot hook and the staged packages.
    expect(reg).toContain('HKLM\\SYSTEM\\Setup\\SetupType=0x00000002 (2)');
    expect(install.firstBoot?.map((a) => a.name)).toEqual(['10-install-virtio-drivers']);
    expect(install.changes.map((c) => c.path)).toEqual(expect.arrayContaining(['/Windows/Drivers/hyper2kvm/viostor/viostor.inf', '/ProgramData/hyper2kvm/firstboot/firstboot.cmd', '/Windows/System32/config/SYSTEM']));
    // The inbox AHCI driver starts at boot too (a fallback should the domain use SATA).
    const fallback = fix(guest, 'enable-sata-driver');
    expect(fallback.status).toBe('planned');
    expect(registryOf(fallback)).toContain(`HKLM\\SYSTEM\\${cs}\\Services\\${sata}\\Start=0x00000000 (0)`);
    expect(RepairPlan.parse(planWindowsRepair(guest).plan)).toBeTruthy();
  });

  it.each([
    ['win2019', '2k19', true],
    ['win10', 'w10', true],
    ['win7', 'w7', false],
  ] as const)('%s: the driver folders of virtio-win %s/amd64 (netkvm: %s), and what the domain gets', (id, release, netkvm) => {
    const install = fix(guests[id].withDrivers, 'install-virtio-drivers');
    const sys = install.changes.find((c) => c.path === '/Windows/System32/drivers/viostor.sys')!;
    expect(sys.size).toBe(Buffer.byteLength(`hyper2kvm test data: placeholder for virtio-win viostor/${release}/amd64/viostor.sys. NOT A REAL DRIVER.\n`));
    expect(sys.afterSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(install.reason).toContain(`virtio-win ${release}/amd64`);
    expect(install.reason).toContain(netkvm ? 'a virtio NIC' : 'the NIC stays e1000e');
    expect(install.changes.some((c) => c.path.endsWith('.pdb'))).toBe(false);
  });

  it('without a driver set: the inbox AHCI driver boots Windows from SATA, stated as such, and a warning says how to get virtio', () => {
    const { plan } = planWindowsRepair(guests.win10.without);
    const byId = Object.fromEntries(plan.fixes.map((f) => [f.id, f]));
    expect(byId['install-virtio-drivers']!.status).toBe('blocked');
    expect(byId['install-virtio-drivers']!.reason).toContain('--virtio-win PATH');
    expect(byId['enable-sata-driver']!.status).toBe('planned');
    expect(byId['enable-sata-driver']!.reason).toContain('SATA disk and an e1000e NIC');
    expect(byId['enable-guest-agent']!.status).toBe('not-needed');
    expect(plan.warnings?.map((w) => w.code)).toContain(WINDOWS_WARNINGS.noVirtioWin);
    expect(plan.blockers).toEqual([]);
  });

  it('win10: Fast Startup is turned off in the hive (HiberbootEnabled 1 → 0)', () => {
    const f = fix(guests.win10.without, 'disable-fast-startup');
    expect(f.status).toBe('planned');
    expect(f.registry).toEqual([{ key: 'HKLM\\SYSTEM\\ControlSet001\\Control\\Session Manager\\Power', value: 'HiberbootEnabled', action: 'set', type: 'REG_DWORD', before: '0x00000001 (1)', after: '0x00000000 (0)' }]);
    expect(fix(guests.win2019.without, 'disable-fast-startup').status).toBe('not-needed');
  });

  it.each([
    ['win2019', '{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}'],
    ['win10', '{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}'],
    ['win7', '{4E7B8C2A-1F3D-4A5E-9B6C-7D8E9F0A1B2C}'],
  ] as const)('%s: VMware Tools uninstalled at the first boot by its product code %s', (id, code) => {
    const f = fix(guests[id].without, 'remove-vmware-tools');
    expect(f.status).toBe('planned');
    const script = f.firstBoot![0]!.script;
    expect(script).toContain(`msiexec.exe" /x ${code} /qn /norestart`);
    expect(script.endsWith('exit /b %RC%\r\n')).toBe(true);
    expect(script.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
  });

  it('win2019 and win7: static addresses carried to the new adapter by a first-boot script; win10 (DHCP) needs none', () => {
    const server = fix(guests.win2019.without, 'reapply-static-addresses');
    expect(server.status).toBe('planned');
    expect(server.firstBoot![0]!.script).toContain("Addresses = @('10.20.30.21'); Masks = @('255.255.255.0'); Gateways = @('10.20.30.1')");
    expect(fix(guests.win7.without, 'reapply-static-addresses').status).toBe('planned');
    expect(fix(guests.win10.without, 'reapply-static-addresses').status).toBe('not-needed');
  });

  it('every first-boot script is ASCII with CRLF line ends, and the runner is started by winlogon through HKLM\\SYSTEM\\Setup', () => {
    const { plan } = planWindowsRepair(guests.win2019.withDrivers);
    const actions = plan.fixes.flatMap((f) => f.firstBoot ?? []);
    expect(actions.map((a) => a.name)).toEqual(['10-install-virtio-drivers', '20-reapply-static-addresses', '30-remove-vmware-tools', '40-enable-guest-agent']);
    for (const a of actions) {
      expect(a.script).toMatch(/^[\t\r\n\x20-\x7e]*$/);
      expect(a.script.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect(a.path).toMatch(/^C:\\ProgramData\\hyper2kvm\\firstboot\\actions\\\d\d-[a-z-]+\.(cmd|ps1)$/);
    }
    // PowerShell scripts: balanced braces (a truncated script would not parse).
    for (const a of actions.filter((x) => x.language === 'powershell')) expect(a.script.split('{').length).toBe(a.script.split('}').length);
    expect(runnerCommand(guests.win2019.withDrivers)).toBe('C:\\Windows\\System32\\cmd.exe /c C:\\ProgramData\\hyper2kvm\\firstboot\\firstboot.cmd');
    expect(() => windowsText(['echo caf\u00e9'])).toThrow(/ASCII/);
  });

  it('a guest whose Windows setup is still pending (SetupType 1) gets no first-boot actions', () => {
    const g = guests.win2019.without;
    const system = withValue(withValue(g.registry.SYSTEM, 'Setup', 'SetupType', { type: 'dword', value: 1 }), 'Setup', 'CmdLine', { type: 'string', value: 'oobe\\windeploy.exe' });
    const f = fix({ ...g, registry: { ...g.registry, SYSTEM: system } }, 'remove-vmware-tools');
    expect(f.status).toBe('blocked');
    expect(f.reason).toContain('Windows setup has not finished');
  });

  it('refuses hibernated Windows and a half-written hive; BitLocker when no OS could be read', () => {
    const g = guests.win10.without;
    const hibernated = { ...g, report: { ...g.report, windows: { ...g.report.windows, hibernation: { hiberfilPresent: true, hibernated: true, fastStartup: true } } } };
    expect(planWindowsRepair(hibernated).plan.blockers.map((b) => b.code)).toEqual([WINDOWS_BLOCKERS.hibernated]);
    expect(planWindowsRepair(hibernated).plan.blockers[0]!.hint).toContain('shut it down fully');
    const dirty = { ...g, hives: { ...g.hives, SYSTEM: { ...g.hives.SYSTEM!, dirty: true } } };
    expect(planWindowsRepair(dirty).plan.blockers.map((b) => b.code)).toEqual([WINDOWS_BLOCKERS.dirtyHive]);
    const locked = bitlockerBlocker({ os: { ...g.report.os, type: 'unknown' }, filesystems: [ntfs('/dev/sda1', null, { type: 'BitLocker', encrypted: true })] });
    expect(locked?.code).toBe(WINDOWS_BLOCKERS.bitlocker);
    expect(locked?.hint).toContain('manage-bde');
    expect(bitlockerBlocker(g.report)).toBeNull();
  });

  it('warns of dynamic disks and a pending reboot, without blocking', () => {
    const g = guests.win2019.without;
    const software = withValue(g.registry.SOFTWARE, 'Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired', 'x', { type: 'dword', value: 1 });
    const disks = [{ device: '/dev/sda', partitions: [{ device: '/dev/sda1', type: '42' }] }] as unknown as WindowsGuest['report']['disks'];
    const { plan } = planWindowsRepair({ ...g, registry: { ...g.registry, SOFTWARE: software }, report: { ...g.report, disks } });
    expect(plan.warnings?.map((w) => w.code)).toEqual(expect.arrayContaining([WINDOWS_WARNINGS.pendingReboot, WINDOWS_WARNINGS.dynamicDisk]));
    expect(plan.blockers).toEqual([]);
  });

  it.each(['win2019', 'win7'] as const)('%s: the merged hives hold every planned change, and planning again on them plans no registry change', async (id) => {
    const guest = guests[id].withDrivers;
    const { drafts } = planWindowsRepair(guest);
    const out = await mkdtemp(join(dir, `${id}-merged-`));
    const merged: Record<'SYSTEM' | 'SOFTWARE', string> = { SYSTEM: guest.hives.SYSTEM!.local, SOFTWARE: guest.hives.SOFTWARE!.local };
    for (const hive of ['SYSTEM', 'SOFTWARE'] as const) {
      const edits = drafts.flatMap((d) => d.edits).flatMap((e) => (e.kind === 'hive' && e.hive === hive ? e.edits : []));
      merged[hive] = join(out, hive);
      // mergeHive reads every edited key back and fails when an edit did not land.
      const result = await mergeHive(tools, new AbortController().signal, guest.hives[hive]!.local, hive, edits, merged[hive]);
      expect(result.sha256).not.toBe(guest.hives[hive]!.sha256);
    }
    const hives = { SYSTEM: await hiveCopy(merged.SYSTEM, '/Windows/System32/config/SYSTEM'), SOFTWARE: await hiveCopy(merged.SOFTWARE, '/Windows/System32/config/SOFTWARE') };
    expect(hives.SYSTEM.dirty).toBe(false);
    const registry = await readPlannerRegistry(tools, hives, guest.report, new AbortController().signal);
    const again = planWindowsRepair({ ...guest, ...registry, hives });
    expect(again.plan.fixes.flatMap((f) => f.registry ?? [])).toEqual([]);
  }, 120_000);
});

describe('registry edits', () => {
  const tree = withValue(withValue(new RegTree(), 'ControlSet001\\Services\\viostor', 'Start', { type: 'dword', value: 3 }), 'ControlSet001\\Services\\viostor\\StartOverride', '0', { type: 'dword', value: 3 });
  const trees = { SYSTEM: tree, SOFTWARE: new RegTree() };

  it.each<[string, RegEdit, string | null]>([
    ['a different DWORD', setValue('SYSTEM', 'ControlSet001\\Services\\viostor', 'Start', dword(0)), '0x00000003 (3) -> 0x00000000 (0)'],
    ['the same DWORD', setValue('SYSTEM', 'ControlSet001\\Services\\viostor', 'Start', dword(3)), null],
    ['a new string', setValue('SYSTEM', 'ControlSet001\\Services\\viostor', 'Group', sz('SCSI miniport')), '(absent) -> SCSI miniport'],
    ['a key that exists', deleteKey('SYSTEM', 'ControlSet001\\Services\\viostor\\StartOverride'), '0 = 0x00000003 (3) -> (removed)'],
    ['a key that does not', deleteKey('SYSTEM', 'ControlSet001\\Services\\vioscsi\\StartOverride'), null],
  ])('%s', (_what, edit, shown) => {
    const { edits, changes } = effectiveEdits([edit], trees);
    expect(edits.length).toBe(shown === null ? 0 : 1);
    if (shown !== null) expect(`${changes[0]!.before ?? '(absent)'} -> ${changes[0]!.after ?? '(removed)'}`).toBe(shown);
  });

  it('writes a .reg text hivexregedit merges: parents first, strings as UTF-16 hex, deleted keys with [-...]', () => {
    const text = regFile('SYSTEM', [setValue('SYSTEM', 'A\\B', 'S', sz('x')), setValue('SYSTEM', 'A\\B', 'M', multiSz(['a', 'b'])), deleteKey('SYSTEM', 'A\\B\\C'), setValue('SYSTEM', 'A\\B', 'D', dword(0x10))]);
    expect(text).toBe(
      [
        'Windows Registry Editor Version 5.00',
        '',
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\A]',
        '',
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\B]',
        '"S"=hex(1):78,00,00,00',
        '"M"=hex(7):61,00,00,00,62,00,00,00,00,00',
        '',
        '[-HKEY_LOCAL_MACHINE\\SYSTEM\\A\\B\\C]',
        '',
        '[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\B]',
        '"D"=dword:00000010',
        '',
        '',
      ].join('\n'),
    );
  });

  it('stores a class GUID as Windows does (first three fields little-endian)', () => {
    expect(guidBytes('{4D36E97B-E325-11CE-BFC1-08002BE10318}').toString('hex')).toBe('7be9364d25e3ce11bfc108002be10318');
  });

  it('tells a half-written hive by its sequence numbers', () => {
    const header = Buffer.alloc(12);
    header.write('regf', 0, 'latin1');
    header.writeUInt32LE(5, 4);
    header.writeUInt32LE(5, 8);
    expect(hiveIsDirty(header)).toBe(false);
    header.writeUInt32LE(6, 4);
    expect(hiveIsDirty(header)).toBe(true);
  });
});

describe('virtio-win driver set', () => {
  it.each([
    ['Windows 7', { majorVersion: 6, minorVersion: 1, build: 7601, variant: 'Client' }, ['w7']],
    ['Server 2008 R2', { majorVersion: 6, minorVersion: 1, build: 7601, variant: 'Server' }, ['2k8R2']],
    ['Server 2012 R2', { majorVersion: 6, minorVersion: 3, build: 9600, variant: 'Server' }, ['2k12R2']],
    ['Windows 10', { majorVersion: 10, minorVersion: 0, build: 19045, variant: 'Client' }, ['w10']],
    ['Windows 11', { majorVersion: 10, minorVersion: 0, build: 22631, variant: 'Client' }, ['w11', 'w10']],
    ['Server 2016', { majorVersion: 10, minorVersion: 0, build: 14393, variant: 'Server' }, ['2k16']],
    ['Server 2019', { majorVersion: 10, minorVersion: 0, build: 17763, variant: 'Server' }, ['2k19']],
    ['Server 2022', { majorVersion: 10, minorVersion: 0, build: 20348, variant: 'Server' }, ['2k22']],
    ['Server 2025', { majorVersion: 10, minorVersion: 0, build: 26100, variant: 'Server' }, ['2k25', '2k22']],
    ['Windows XP', { majorVersion: 5, minorVersion: 1, build: 2600, variant: 'Client' }, []],
  ] as const)('%s → %j', (_name, version, expected) => {
    expect(releaseFolders({ ...version, arch: 'x86_64' })).toEqual(expected);
  });

  it('picks the per-driver folders, without debug symbols, and the guest agent for the architecture', () => {
    const choice = chooseDrivers(phonyVirtioWinFiles(), { majorVersion: 10, minorVersion: 0, build: 17763, variant: 'Server', arch: 'x86_64' });
    expect(choice.drivers.map((d) => d.folder)).toEqual(['viostor/2k19/amd64', 'vioscsi/2k19/amd64', 'NetKVM/2k19/amd64']);
    expect(choice.drivers[0]!.files).toEqual(['viostor/2k19/amd64/viostor.cat', 'viostor/2k19/amd64/viostor.inf', 'viostor/2k19/amd64/viostor.sys']);
    expect(choice.agentMsi).toBe('guest-agent/qemu-ga-x86_64.msi');
  });

  it('also reads the per-release layout (amd64/2k22/viostor.inf) and finds nothing for a release the set lacks', () => {
    const files = ['amd64/2k22/viostor.inf', 'amd64/2k22/viostor.sys', 'amd64/2k22/netkvm.inf', 'amd64/2k22/netkvm.sys'];
    const choice = chooseDrivers(files, { majorVersion: 10, minorVersion: 0, build: 20348, variant: 'Server', arch: 'x86_64' });
    expect(choice.drivers.map((d) => [d.name, d.folder])).toEqual([
      ['viostor', 'amd64/2k22'],
      ['netkvm', 'amd64/2k22'],
    ]);
    expect(chooseDrivers(files, { majorVersion: 6, minorVersion: 1, build: 7601, variant: 'Client', arch: 'x86_64' }).drivers).toEqual([]);
  });

  it("reads xorriso's -find listing", () => {
    expect(parseXorrisoFind("'/viostor/2k19/amd64/viostor.inf'\n'/guest-agent/qemu-ga-x86_64.msi'\n'/it'\"'\"'s.txt'\nxorriso : NOTE : ...\n")).toEqual(['viostor/2k19/amd64/viostor.inf', 'guest-agent/qemu-ga-x86_64.msi', "it's.txt"]);
  });

  it.each([
    ['MsiExec.exe /X{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}', '{8B2E1C7A-5D3F-4E9A-B1C6-0F2D4A6E8C10}'],
    ['MsiExec.exe /I{4e7b8c2a-1f3d-4a5e-9b6c-7d8e9f0a1b2c}', '{4E7B8C2A-1F3D-4A5E-9B6C-7D8E9F0A1B2C}'],
    ['"C:\\Program Files\\VMware\\VMware Tools\\setup.exe" /uninstall', null],
  ])('the product code in %s', (command, code) => {
    expect(msiProductCode(command)).toBe(code);
  });

  it.each([
    [24, '255.255.255.0'],
    [16, '255.255.0.0'],
    [23, '255.255.254.0'],
    [32, '255.255.255.255'],
    [0, '0.0.0.0'],
  ])('/%i is %s', (prefix, mask) => {
    expect(netmaskFromPrefix(prefix)).toBe(mask);
  });
});
