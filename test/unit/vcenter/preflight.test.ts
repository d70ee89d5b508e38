import { describe, expect, it } from 'vitest';
import { PreflightReport } from '../../../shared/contract/api/vcenter';
import type { VmDetails, VsphereDisk } from '../../../shared/contract/models/vsphere';
import { guestSupport } from '../../../electron/engine/vcenter/guest-os';
import { outputBoundBytes, preflightItems, preflightReport, SPACE_MARGIN_BYTES } from '../../../electron/engine/vcenter/preflight';
import type { PreflightFacts } from '../../../electron/engine/vcenter/preflight';

const GiB = 1024 ** 3;

function disk(overrides: Partial<VsphereDisk> = {}): VsphereDisk {
  return { key: 2000, label: 'Hard disk 1', fileName: '[ds1] web01/web01.vmdk', datastore: 'ds1', capacityBytes: 40 * GiB, provisioning: 'thin', diskMode: 'persistent', independent: false, backingType: 'FlatVer2BackingInfo', parents: [], slot: 'scsi0:0', ...overrides };
}

function vm(overrides: Partial<VmDetails> = {}): VmDetails {
  return {
    id: 'vm-42',
    name: 'web01',
    template: false,
    guestId: 'debian12_64Guest',
    guestFullName: 'Debian GNU/Linux 12 (64-bit)',
    firmware: 'bios',
    cpus: 2,
    memoryMiB: 4096,
    powerState: 'poweredOff',
    disks: [disk()],
    nics: [],
    datastores: [{ id: 'datastore-1', name: 'ds1', type: 'VMFS' }],
    snapshots: [],
    files: [],
    ipAddresses: [],
    datacenterPath: 'DC0',
    downloads: [{ diskKey: 2000, label: 'Hard disk 1', chain: [], totalBytes: 12 * GiB }],
    ...overrides,
  };
}

function facts(overrides: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    vm: vm(),
    encrypted: false,
    destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 500 * GiB },
    existingOutputs: [],
    domainName: 'web01',
    libvirt: { uri: 'qemu:///system', domains: ['other'] },
    downloadBytes: 12 * GiB,
    alreadyDownloadedBytes: 0,
    outputBytes: 12 * GiB,
    ...overrides,
  };
}

const ids = (f: PreflightFacts): Array<[string, string]> => preflightItems(f).map((i) => [i.id, i.severity]);

describe('pre-flight rules', () => {
  it('has nothing to say about a powered-off Linux VM with room to spare', () => {
    expect(ids(facts())).toEqual([]);
    const report = preflightReport(facts(), new Date('2026-01-02T03:04:05Z'));
    expect(PreflightReport.parse(report)).toEqual(report);
    expect(report).toMatchObject({ canMigrate: true, counts: { blocker: 0, warning: 0, info: 0 }, checkedAt: '2026-01-02T03:04:05.000Z' });
  });

  it.each<[string, Partial<PreflightFacts>, Array<[string, string]>]>([
    ['powered on, tools running: shutdown or power off', { vm: vm({ powerState: 'poweredOn', toolsRunningStatus: 'guestToolsRunning' }) }, [['powered-on', 'blocker']]],
    ['suspended', { vm: vm({ powerState: 'suspended' }) }, [['suspended', 'blocker']]],
    ['encrypted', { encrypted: true }, [['encrypted', 'blocker']]],
    ['no disks', { vm: vm({ disks: [], downloads: [] }) }, [['no-disks', 'blocker']]],
    ['physical RDM', { vm: vm({ disks: [disk({ rdm: 'physical', backingType: 'RawDiskMappingVer1BackingInfo' })] }) }, [['rdm-disk', 'blocker']]],
    ['independent disk, VM off', { vm: vm({ disks: [disk({ independent: true, diskMode: 'independent_persistent' })] }) }, [['independent-disk', 'info']]],
    ['disk on vSAN', { vm: vm({ datastores: [{ id: 'd', name: 'ds1', type: 'vsan' }] }) }, [['vsan', 'blocker']]],
    ['disk on vVol', { vm: vm({ datastores: [{ id: 'd', name: 'ds1', type: 'VVOL' }] }) }, [['vvol', 'warning']]],
    ['snapshots', { vm: vm({ snapshots: [{ id: 's1', name: 'before upgrade', children: [{ id: 's2', name: 'after', children: [] }] }], disks: [disk({ parents: ['[ds1] web01/web01.vmdk'] })] }) }, [['snapshots', 'info']]],
    ['a long snapshot chain', { vm: vm({ disks: [disk({ parents: Array.from({ length: 9 }, (_, i) => `[ds1] web01/p${i}.vmdk`) })] }) }, [['snapshots', 'warning']]],
    ['UEFI with Secure Boot', { vm: vm({ firmware: 'uefi', secureBoot: true }) }, [['secure-boot', 'warning']]],
    ['UEFI', { vm: vm({ firmware: 'uefi' }) }, [['uefi', 'info']]],
    ['Windows XP', { vm: vm({ guestId: 'winXPProGuest', guestFullName: 'Microsoft Windows XP Professional (32-bit)' }) }, [['guest-os', 'warning']]],
    ['a guest vCenter does not know', { vm: vm({ guestId: 'otherGuest', guestFullName: 'Other (32-bit)' }) }, [['guest-os', 'info']]],
    ['a template', { vm: vm({ template: true }) }, [['template', 'info']]],
    ['destination missing', { destination: { path: '/nope/out', usable: false, isDirectory: false, writable: false, freeBytes: 0 } }, [['destination-missing', 'blocker']]],
    ['destination not writable', { destination: { path: '/srv/out', usable: true, isDirectory: true, writable: false, freeBytes: 500 * GiB } }, [['destination-not-writable', 'blocker']]],
    ['not enough space for the download', { destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 10 * GiB } }, [['destination-space', 'blocker']]],
    ['room for the download, maybe not for the outputs', { destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 20 * GiB } }, [['destination-space', 'warning']]],
    ['a resumed download needs only the rest', { alreadyDownloadedBytes: 11 * GiB, destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 14 * GiB } }, [['resume', 'info']]],
    ['output exists', { existingOutputs: ['/srv/out/web01.qcow2'] }, [['output-exists', 'blocker']]],
    ['libvirt not running', { libvirt: { uri: 'qemu:///system', domains: null, error: 'Failed to connect socket' } }, [['libvirt-unavailable', 'info']]],
    ['domain name taken', { libvirt: { uri: 'qemu:///system', domains: ['web01'] } }, [['domain-name-taken', 'warning']]],
    ['qemu-img without its HTTP driver', { converterReadsHttp: false }, [['converter-http', 'blocker']]],
    ['every privilege the migration needs', { privileges: { checked: true, missingOnDatastores: [], mayPowerOff: true } }, []],
    ['no download privilege on a datastore', { privileges: { checked: true, missingOnDatastores: [{ datastore: 'ds1', privileges: ['Datastore.FileManagement'] }], mayPowerOff: true } }, [['download-privileges', 'blocker']]],
    ['privileges the server would not tell', { privileges: { checked: false, reason: 'MethodNotFound' } }, [['privileges-unchecked', 'info']]],
  ])('%s', (_name, overrides, expected) => {
    expect(ids(facts(overrides))).toEqual(expected);
  });

  it('offers a clean shutdown only when VMware Tools runs, and every action asks first', () => {
    const withTools = preflightItems(facts({ vm: vm({ powerState: 'poweredOn', toolsRunningStatus: 'guestToolsRunning' }) }))[0]!;
    expect(withTools.actions.map((a) => [a.id, a.call])).toEqual([
      ['shutdown-guest', 'vcenter.shutdownGuest'],
      ['power-off', 'vcenter.powerOff'],
    ]);
    expect(withTools.actions.every((a) => a.confirm && a.confirm.length > 20)).toBe(true);
    const withoutTools = preflightItems(facts({ vm: vm({ powerState: 'poweredOn', toolsRunningStatus: 'guestToolsNotRunning' }) }))[0]!;
    expect(withoutTools.actions.map((a) => a.id)).toEqual(['power-off']);
  });

  it('names the datastore and the privileges a download lacks, and what to ask for', () => {
    const [lacking] = preflightItems(facts({ privileges: { checked: true, missingOnDatastores: [{ datastore: 'ds1', privileges: ['Datastore.Browse', 'Datastore.FileManagement'] }], mayPowerOff: true } }));
    expect(lacking).toMatchObject({ subject: 'ds1', severity: 'blocker' });
    expect(lacking!.message).toContain('lacks Datastore.Browse and Datastore.FileManagement on the datastore ds1');
    expect(lacking!.hint).toContain('grant Datastore.Browse and Datastore.FileManagement');
  });

  it.each([
    ['powered on', vm({ powerState: 'poweredOn', toolsRunningStatus: 'guestToolsRunning' }), 'powered-on'],
    ['suspended', vm({ powerState: 'suspended' }), 'suspended'],
  ])('offers no power action to an account that may not power the VM off (%s), and says why', (_name, machine, id) => {
    const [item] = preflightItems(facts({ vm: machine, privileges: { checked: true, missingOnDatastores: [], mayPowerOff: false } }));
    expect(item).toMatchObject({ id, severity: 'blocker', actions: [] });
    expect(item!.hint).toContain('VirtualMachine.Interact.PowerOff');
  });

  it('lists blockers first and says how much space is missing', () => {
    const items = preflightItems(facts({ vm: vm({ firmware: 'uefi' }), destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 1 * GiB } }));
    expect(items.map((i) => i.severity)).toEqual(['blocker', 'info']);
    expect(items[0]!.hint).toMatch(/Free at least [\d.]+ GiB/);
    const report = preflightReport(facts({ destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 1 * GiB } }));
    expect(report.canMigrate).toBe(false);
    expect(report.estimate).toEqual({ destination: '/srv/out', downloadBytes: 12 * GiB, alreadyDownloadedBytes: 0, outputBytes: 12 * GiB, destinationFreeBytes: 1 * GiB });
    expect(SPACE_MARGIN_BYTES).toBeGreaterThan(0);
  });

  it('bounds the converted size by the files and by the capacity, whichever is smaller', () => {
    expect(outputBoundBytes(vm())).toBe(12 * GiB);
    expect(outputBoundBytes(vm({ downloads: [{ diskKey: 2000, label: 'x', chain: [], totalBytes: 80 * GiB }] }))).toBe(40 * GiB);
  });
});

describe('which guests the repairs know', () => {
  it.each([
    ['debian12_64Guest', undefined, 'supported'],
    ['rhel9_64Guest', undefined, 'supported'],
    ['ubuntu64Guest', undefined, 'supported'],
    ['other5xLinux64Guest', undefined, 'supported'],
    ['windows2019srv_64Guest', undefined, 'supported'],
    ['windows9_64Guest', undefined, 'supported'],
    ['windows7Server64Guest', undefined, 'supported'],
    ['winNetEnterpriseGuest', undefined, 'unsupported'],
    ['winXPProGuest', undefined, 'unsupported'],
    ['freebsd13_64Guest', undefined, 'unsupported'],
    ['solaris11_64Guest', undefined, 'unsupported'],
    ['darwin19_64Guest', undefined, 'unsupported'],
    ['otherGuest', undefined, 'unknown'],
    ['otherGuest64', 'Debian GNU/Linux 12 (64-bit)', 'supported'],
    [undefined, undefined, 'unknown'],
  ])('%s (%s) → %s', (id, full, level) => {
    expect(guestSupport(id, full).level).toBe(level);
  });
});

describe('disk files that cannot hold their disk', () => {
  const MiB = 1024 * 1024;
  const file = (name: string, type: string, sizeBytes: number) => ({ name, type, sizeBytes });
  const withFiles = (diskOverrides: Partial<VsphereDisk>, files: Array<ReturnType<typeof file>>): PreflightFacts => {
    const d = disk({ fileName: '[ds1] web01/disk1.vmdk', ...diskOverrides });
    return facts({ vm: vm({ disks: [d], downloads: [{ diskKey: d.key, label: d.label, chain: [{ descriptor: d.fileName, files }], totalBytes: files.reduce((s, f) => s + f.sizeBytes, 0) }] }) });
  };

  it('blocks a disk whose files are all empty (the simulator\u2019s default VMs: 1 MiB, every file 0 B)', () => {
    const f = withFiles({ capacityBytes: MiB }, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 0), file('[ds1] web01/disk1-flat.vmdk', 'diskExtent', 0)]);
    const found = preflightItems(f).find((i) => i.id === 'disk-files-empty');
    expect(found).toMatchObject({ severity: 'blocker', subject: 'Hard disk 1' });
    expect(found!.message).toContain('1.0 MiB');
    expect(found!.message).toContain('0 bytes');
    expect(preflightReport(f).canMigrate).toBe(false);
  });

  it('blocks an empty descriptor even when its extent has data', () => {
    const f = withFiles({}, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 0), file('[ds1] web01/disk1-flat.vmdk', 'diskExtent', 40 * GiB)]);
    expect(ids(f)).toEqual([['disk-files-empty', 'blocker']]);
  });

  it('blocks a thick disk whose flat extent is shorter than its capacity', () => {
    const f = withFiles({ provisioning: 'thick-eager', capacityBytes: 40 * GiB }, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 500), file('[ds1] web01/disk1-flat.vmdk', 'diskExtent', 10 * GiB)]);
    const found = preflightItems(f).find((i) => i.id === 'disk-files-short');
    expect(found?.severity).toBe('blocker');
    expect(found!.message).toContain('30.0 GiB of the disk would be missing');
  });

  it.each([
    ['a thin disk smaller than its capacity', { provisioning: 'thin' as const }, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 500), file('[ds1] web01/disk1-flat.vmdk', 'diskExtent', 3 * GiB)]],
    ['a sparse disk (one self-contained file)', { provisioning: 'thick-lazy' as const }, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 24 * MiB)]],
    ['a thick disk whose extent is whole', { provisioning: 'thick-lazy' as const }, [file('[ds1] web01/disk1.vmdk', 'diskDescriptor', 500), file('[ds1] web01/disk1-flat.vmdk', 'diskExtent', 40 * GiB)]],
  ])('leaves %s alone', (_what, overrides, files) => {
    expect(ids(withFiles(overrides, files))).toEqual([]);
  });
});
