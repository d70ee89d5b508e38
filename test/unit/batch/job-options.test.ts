import { describe, expect, it } from 'vitest';
import { convertOptionsFor, destinationFor, migrateOptionsFor, networkFor, PRE_TAIL_STAGES, stagesRun, tailOptions } from '../../../electron/engine/batch/job-options';
import { CONVERT_STAGES } from '../../../electron/engine/convert/job';
import { MIGRATE_STAGES } from '../../../electron/engine/vcenter/migrate-job';
import { readPlan } from '../../../electron/engine/batch/plan';

const planned = readPlan(
  `defaults:
  destination: /srv/kvm
  format: raw
  compress: true
  repair: { skip: [selinux-relabel], network: pin-name }
  define: { connection: qemu:///session, onCollision: rename, options: { vcpus: 4, firmware: uefi } }
  verifyBoot: { timeoutSeconds: 600 }
  networks: { VM Network: { network: default }, DMZ: { bridge: br-dmz } }
  storage: { fast-ds: /srv/fast }
  transfer: { parallelDisks: 3, limitMBps: 50, retries: 9 }
  vcenter: { server: vc, user: u, passwordEnv: VC_PASSWORD }
vms:
  - name: web-01
    source: /d/web-01.vmx
  - name: db-01
    vm: db-01
`,
  '/p.yaml',
  '/root',
).plan!;
const [local, remote] = planned.vms as [(typeof planned.vms)[0], (typeof planned.vms)[0]];

describe('a VM’s settings as job options', () => {
  it('a local VM runs the convert job with its name, destination, format, compression and the tail', () => {
    expect(convertOptionsFor(local)).toEqual({
      outDir: '/srv/kvm',
      format: 'raw',
      compress: true,
      name: 'web-01',
      overwrite: false,
      // define implies inspect: the domain's shape follows the guest.
      inspect: true,
      repair: { review: false, skip: ['selinux-relabel'], network: 'pin-name' },
      define: { onCollision: 'rename', options: { vcpus: 4, firmware: 'uefi', name: 'web-01', connection: 'qemu:///session' } },
      verifyBoot: { timeoutSeconds: 600 },
    });
    const bare = { ...local, settings: { ...local.settings, repair: false as const, define: false as const, verifyBoot: false as const } };
    expect(convertOptionsFor(bare)).toEqual({ outDir: '/srv/kvm', format: 'raw', compress: true, name: 'web-01', overwrite: false, inspect: false });
    expect(convertOptionsFor({ ...bare, settings: { ...bare.settings, inspect: true } })).toMatchObject({ inspect: true });
  });

  it('a vCenter VM runs the migrate job, into the folder its datastore maps to, with the tail and its defaults filled in', () => {
    const bare = { ...remote, settings: { ...remote.settings, repair: false as const, define: false as const, verifyBoot: false as const } };
    expect(migrateOptionsFor(bare, destinationFor(remote.settings, ['fast-ds']))).toEqual({ outDir: '/srv/fast', format: 'raw', compress: true, name: 'db-01', overwrite: false, inspect: false, parallelDisks: 3, maxBytesPerSecond: 50e6, retries: 9, keepDownloads: false, libvirt: 'qemu:///system' });
    expect(migrateOptionsFor(remote, '/srv/kvm', tailOptions(remote, ['VM Network']).options)).toMatchObject({
      inspect: true,
      libvirt: 'qemu:///session',
      repair: { review: false, skip: ['selinux-relabel'], network: 'pin-name', serialConsole: false, macs: {} },
      define: { onCollision: 'rename', options: { network: { type: 'network', name: 'default' } } },
      verifyBoot: { timeoutSeconds: 600 },
    });
    expect(destinationFor(remote.settings, ['other-ds'])).toBe('/srv/kvm');
  });

  it('maps repair (never waiting for a review), define (with the network of the NICs) and verify boot onto the tail’s option names', () => {
    const { options, notes } = tailOptions(remote, ['DMZ', 'VM Network']);
    expect(options).toEqual({
      inspect: true,
      repair: { review: false, skip: ['selinux-relabel'], network: 'pin-name' },
      define: { onCollision: 'rename', options: { vcpus: 4, firmware: 'uefi', name: 'db-01', connection: 'qemu:///session', network: { type: 'bridge', name: 'br-dmz' } } },
      verifyBoot: { timeoutSeconds: 600 },
    });
    expect(notes).toEqual(['All NICs go to bridge br-dmz (from DMZ): a domain takes one network; VM Network map elsewhere.']);
  });

  it('knows which stages a job runs (for hooks): the job’s own stages, then the tail’s', () => {
    expect(PRE_TAIL_STAGES.local).toEqual(CONVERT_STAGES.map((s) => s.id));
    expect(PRE_TAIL_STAGES.vcenter).toEqual(MIGRATE_STAGES.map((s) => s.id));
    const none = { inspect: false, repair: false as const, define: false as const, verifyBoot: false as const };
    expect([...stagesRun('local', none)]).toEqual(['probe', 'verify', 'preflight', 'convert', 'check', 'finalize']);
    expect([...stagesRun('local', { ...none, inspect: true })]).toEqual(['probe', 'verify', 'preflight', 'convert', 'check', 'inspect', 'finalize']);
    expect([...stagesRun('vcenter', remote.settings)]).toEqual(['preflight', 'plan', 'transfer', 'convert', 'check', 'inspect', 'repair-plan', 'repair', 'finalize', 'define', 'verify-boot']);
  });

  it('networkFor: no mapped NIC leaves the default', () => {
    expect(networkFor({}, ['LAN'])).toEqual({ choice: null, notes: [] });
    expect(networkFor({ LAN: { network: 'lan' } }, ['LAN', 'LAN'])).toEqual({ choice: { type: 'network', name: 'lan' }, notes: [] });
  });
});
