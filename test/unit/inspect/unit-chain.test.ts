import { describe, expect, it } from 'vitest';
import { GuestTree } from '../../../electron/engine/appliance/guest-tree';
import { systemdUnits, unitGraph } from '../../../electron/engine/inspect/linux/systemd';
import { MAX_CHAIN, REPAIR_UNITS, unitChains } from '../../../electron/engine/inspect/linux/unit-chain';
import type { UnitGraph, UnitNode } from '../../../electron/engine/inspect/linux/unit-chain';
import { REAL_UNIT_FILES } from './samples/unit-files';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { CHAINS_NOT_READ_TEXT, chainEmptyText, chainRows } from '../../../shared/report-facts-services';

/**
 * Boot chains on real unit files: those of the Debian 12 fixture's root file system
 * (debootstrap bookworm minbase + ifupdown, open-vm-tools, dbus; systemd 252), copied with `cat`
 * from its /usr/lib/systemd/system (comment lines left out: systemd skips them; the gettys and
 * open-vm-tools verbatim, shared with systemd.test.ts), with the fixture's own symlinks.
 *
 * The expected chains are systemd's: each layout was made on a copy of that root file system
 * (extracted with test/integration/inspect/systemctl-reference.ts extractUnitFolders), changed
 * with the command given, then loaded by systemd itself —
 *   SYSTEMD_UNIT_PATH=$ROOT/etc/systemd/system:$ROOT/usr/local/lib/systemd/system:$ROOT/usr/lib/systemd/system \
 *     setpriv --reuid=65534 --regid=65534 --clear-groups /lib/systemd/systemd --test --system --no-pager
 * (`systemctl list-dependencies` refuses --root in systemd 252) — and its dump walked breadth-first
 * from the default target it queued (test/integration/inspect/systemd-dump.ts, which the
 * integration test systemd-offline.test.ts runs on the whole fixture). Which units are reached and
 * by which chain are systemd's; the reasons are ours.
 */
const FILES: Record<string, string> = {
  'graphical.target': `[Unit]
Description=Graphical Interface
Documentation=man:systemd.special(7)
Requires=multi-user.target
Wants=display-manager.service
Conflicts=rescue.service rescue.target
After=multi-user.target rescue.service rescue.target display-manager.service
AllowIsolate=yes
`,
  'multi-user.target': `[Unit]
Description=Multi-User System
Documentation=man:systemd.special(7)
Requires=basic.target
Conflicts=rescue.service rescue.target
After=basic.target rescue.service rescue.target
AllowIsolate=yes
`,
  'getty.target': `[Unit]
Description=Login Prompts
Documentation=man:systemd.special(7) man:systemd-getty-generator(8)
Documentation=https://0pointer.de/blog/projects/serial-console.html
`,
  'networking.service': `[Unit]
Description=Raise network interfaces
Documentation=man:interfaces(5)
DefaultDependencies=no
Wants=network.target ifupdown-pre.service
After=local-fs.target network-pre.target apparmor.service systemd-sysctl.service systemd-modules-load.service ifupdown-pre.service
Before=network.target shutdown.target network-online.target
Conflicts=shutdown.target

[Install]
WantedBy=multi-user.target
WantedBy=network-online.target

[Service]
Type=oneshot
EnvironmentFile=-/etc/default/networking
ExecStart=/sbin/ifup -a --read-environment
ExecStart=-/bin/sh -c 'if [ -f /run/network/restart-hotplug ]; then /sbin/ifup -a --read-environment --allow=hotplug; fi'
ExecStop=/sbin/ifdown -a --read-environment --exclude=lo
ExecStopPost=/usr/bin/touch /run/network/restart-hotplug
RemainAfterExit=true
TimeoutStartSec=5min
`,
  'systemd-networkd.service': `[Unit]
Description=Network Configuration
Documentation=man:systemd-networkd.service(8)
Documentation=man:org.freedesktop.network1(5)
ConditionCapability=CAP_NET_ADMIN
DefaultDependencies=no
After=systemd-networkd.socket systemd-udevd.service network-pre.target systemd-sysusers.service systemd-sysctl.service
Before=network.target multi-user.target shutdown.target initrd-switch-root.target
Conflicts=shutdown.target initrd-switch-root.target
Wants=systemd-networkd.socket network.target

[Service]
AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW
BusName=org.freedesktop.network1
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW
DeviceAllow=char-* rw
ExecStart=!!/lib/systemd/systemd-networkd
ExecReload=networkctl reload
FileDescriptorStoreMax=512
LockPersonality=yes
MemoryDenyWriteExecute=yes
NoNewPrivileges=yes
ProtectProc=invisible
ProtectClock=yes
ProtectControlGroups=yes
ProtectHome=yes
ProtectKernelLogs=yes
ProtectKernelModules=yes
ProtectSystem=strict
Restart=on-failure
RestartKillSignal=SIGUSR2
RestartSec=0
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6 AF_PACKET
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RuntimeDirectory=systemd/netif
RuntimeDirectoryPreserve=yes
SystemCallArchitectures=native
SystemCallErrorNumber=EPERM
SystemCallFilter=@system-service
Type=notify
User=systemd-network
WatchdogSec=3min

[Install]
WantedBy=multi-user.target
Also=systemd-networkd.socket
Alias=dbus-org.freedesktop.network1.service

Also=systemd-network-generator.service

Also=systemd-networkd-wait-online.service
`,
  'systemd-networkd-wait-online.service': `[Unit]
Description=Wait for Network to be Configured
Documentation=man:systemd-networkd-wait-online.service(8)
DefaultDependencies=no
Conflicts=shutdown.target
BindsTo=systemd-networkd.service
After=systemd-networkd.service
Before=network-online.target shutdown.target

[Service]
Type=oneshot
ExecStart=/lib/systemd/systemd-networkd-wait-online
RemainAfterExit=yes

[Install]
WantedBy=network-online.target
`,
  'open-vm-tools.service': REAL_UNIT_FILES['open-vm-tools.service']!,
  'serial-getty@.service': REAL_UNIT_FILES['serial-getty@.service']!,
  'getty@.service': REAL_UNIT_FILES['getty@.service']!,
};

const U = '/usr/lib/systemd/system';
const E = '/etc/systemd/system';

/** The fixture's links that matter here, as `find -type l -printf '%p -> %l'` printed them. */
const FIXTURE_LINKS: Record<string, string> = {
  '/lib': 'usr/lib',
  [`${U}/default.target`]: 'graphical.target',
  [`${U}/multi-user.target.wants/dbus.service`]: '../dbus.service',
  [`${U}/multi-user.target.wants/getty.target`]: '../getty.target',
  [`${U}/multi-user.target.wants/systemd-logind.service`]: '../systemd-logind.service',
  [`${U}/multi-user.target.wants/systemd-user-sessions.service`]: '../systemd-user-sessions.service',
  [`${U}/graphical.target.wants/systemd-update-utmp-runlevel.service`]: '../systemd-update-utmp-runlevel.service',
  [`${U}/getty.target.wants/getty-static.service`]: '../getty-static.service',
  [`${E}/multi-user.target.wants/networking.service`]: '/lib/systemd/system/networking.service',
  [`${E}/multi-user.target.wants/open-vm-tools.service`]: '/lib/systemd/system/open-vm-tools.service',
  [`${E}/multi-user.target.wants/e2scrub_reap.service`]: '/lib/systemd/system/e2scrub_reap.service',
  [`${E}/multi-user.target.wants/remote-fs.target`]: '/lib/systemd/system/remote-fs.target',
  [`${E}/network-online.target.wants/networking.service`]: '/lib/systemd/system/networking.service',
  [`${E}/getty.target.wants/getty@tty1.service`]: '/lib/systemd/system/getty@.service',
  [`${E}/open-vm-tools.service.requires/vgauth.service`]: '/lib/systemd/system/vgauth.service',
  [`${E}/vmtoolsd.service`]: '/lib/systemd/system/open-vm-tools.service',
};

/** The fixture, with links and files added (or replaced) and links left out. */
function fixture(change: { links?: Record<string, string>; files?: Record<string, string>; without?: string[] } = {}): GuestTree {
  const t = new GuestTree();
  for (const [name, text] of Object.entries(FILES)) t.addFile(`${U}/${name}`, Buffer.from(text));
  for (const [path, text] of Object.entries(change.files ?? {})) t.addFile(path, Buffer.from(text));
  for (const [path, target] of Object.entries({ ...FIXTURE_LINKS, ...change.links })) if (!change.without?.includes(path)) t.addSymlink(path, target);
  return t;
}

const NOT_INSTALLED = 'not installed: no unit file of this name';
const SERIAL_DISABLED = 'disabled: nothing pulls it in (systemd-getty-generator adds it at boot when the kernel command line names its console)';
const G = 'graphical.target';
const M = 'multi-user.target';
const reached = (unit: string, ...chain: string[]) => ({ unit, reached: true, chain, reason: null });
const down = (unit: string, reason: string) => ({ unit, reached: false, chain: [], reason });

interface Case {
  name: string;
  tree: GuestTree;
  /** Every unit of REPAIR_UNITS but the cloud-init ones (not installed: left out), in that order. */
  chains: ReturnType<typeof reached | typeof down>[];
}

const cases: Case[] = [
  {
    name: 'the fixture as debootstrap left it: ifupdown and open-vm-tools enabled, networkd disabled',
    tree: fixture(),
    chains: [
      down('systemd-networkd.service', 'disabled: only wanted by systemd-networkd-wait-online.service, which graphical.target does not reach'),
      down('NetworkManager.service', NOT_INSTALLED),
      reached('networking.service', G, M, 'networking.service'),
      down('wicked.service', NOT_INSTALLED),
      down('qemu-guest-agent.service', NOT_INSTALLED),
      down('ssh.service', NOT_INSTALLED),
      down('sshd.service', NOT_INSTALLED),
      down('serial-getty@ttyS0.service', SERIAL_DISABLED),
      // Through the vendor link /usr/lib/systemd/system/multi-user.target.wants/getty.target.
      reached('getty.target', G, M, 'getty.target'),
      // An alias: systemd loads it as the unit it names.
      reached('vmtoolsd.service', G, M, 'open-vm-tools.service'),
      reached('open-vm-tools.service', G, M, 'open-vm-tools.service'),
    ],
  },
  {
    // systemctl --root=$ROOT mask networking.service: the .wants links stay, systemd starts nothing.
    name: 'networking.service masked',
    tree: fixture({ links: { [`${E}/networking.service`]: '/dev/null' } }),
    chains: [],
  },
  {
    // ln -s /lib/systemd/system/systemd-networkd.service $ROOT/etc/systemd/system/graphical.target.wants/
    name: 'systemd-networkd enabled for graphical.target only (the default target)',
    tree: fixture({ links: { [`${E}/graphical.target.wants/systemd-networkd.service`]: '/lib/systemd/system/systemd-networkd.service' } }),
    chains: [],
  },
  {
    // The same, then ln -sfn ../../../usr/lib/systemd/system/multi-user.target $ROOT/etc/systemd/system/default.target
    // (what systemctl set-default does, relative so that systemd --test resolves it inside $ROOT).
    name: 'the same with multi-user.target as the default target: graphical.target is never reached',
    tree: fixture({
      links: {
        [`${E}/graphical.target.wants/systemd-networkd.service`]: '/lib/systemd/system/systemd-networkd.service',
        [`${E}/default.target`]: '../../../usr/lib/systemd/system/multi-user.target',
      },
    }),
    chains: [],
  },
  {
    // systemctl --root=$ROOT enable serial-getty@ttyS0.service, and a drop-in
    // $ROOT/etc/systemd/system/multi-user.target.d/networkd.conf with "[Unit]\nWants=systemd-networkd.service".
    name: 'serial-getty@ttyS0 enabled (a template instance), networkd wanted by a drop-in',
    tree: fixture({
      links: { [`${E}/getty.target.wants/serial-getty@ttyS0.service`]: '/lib/systemd/system/serial-getty@.service' },
      files: { [`${E}/multi-user.target.d/networkd.conf`]: '[Unit]\nWants=systemd-networkd.service\n' },
    }),
    chains: [],
  },
];
const [base] = cases;
const replace = (chains: Case['chains'], ...changed: Case['chains']) => chains.map((c) => changed.find((d) => d.unit === c.unit) ?? c);
cases[1]!.chains = replace(base!.chains, down('networking.service', 'masked: systemd will not start it, whatever pulls it in'));
cases[2]!.chains = replace(base!.chains, reached('systemd-networkd.service', G, 'systemd-networkd.service'));
cases[3]!.chains = replace(
  base!.chains,
  down('systemd-networkd.service', 'enabled: only wanted by graphical.target, systemd-networkd-wait-online.service, which multi-user.target does not reach'),
  reached('networking.service', M, 'networking.service'),
  reached('getty.target', M, 'getty.target'),
  reached('vmtoolsd.service', M, 'open-vm-tools.service'),
  reached('open-vm-tools.service', M, 'open-vm-tools.service'),
);
cases[4]!.chains = replace(
  base!.chains,
  reached('systemd-networkd.service', G, M, 'systemd-networkd.service'),
  reached('serial-getty@ttyS0.service', G, M, 'getty.target', 'serial-getty@ttyS0.service'),
);

describe('boot chains from the default target (checked against systemd --test)', () => {
  it.each(cases)('$name', ({ tree, chains }) => {
    expect(systemdUnits(tree).chains).toEqual(chains);
  });

  it('lists every repair unit but cloud-init, which only appears when installed', () => {
    const units = systemdUnits(fixture()).chains.map((c) => c.unit);
    expect(units).toEqual(REPAIR_UNITS.filter((u) => !u.ifInstalled).map((u) => u.unit));
    const withCloudInit = fixture({ files: { [`${U}/cloud-init.service`]: '[Unit]\nDescription=Cloud-init: Network Stage\n[Install]\nWantedBy=cloud-init.target\n' } });
    expect(systemdUnits(withCloudInit).chains.find((c) => c.unit === 'cloud-init.service')).toEqual(
      down('cloud-init.service', 'disabled: nothing pulls it in'),
    );
  });

  it('the default target comes from /etc first, and a missing or masked one reaches nothing', () => {
    expect(unitGraph(fixture()).defaultTarget).toBe(G);
    const dangling = fixture({ links: { [`${U}/default.target`]: 'nothing.target' } });
    expect(systemdUnits(dangling).chains.find((c) => c.unit === 'networking.service')).toEqual(down('networking.service', 'the default target nothing.target is not installed'));
    const noDefault = fixture({ without: [`${U}/default.target`] });
    expect(unitGraph(noDefault).defaultTarget).toBe(null);
    expect(systemdUnits(noDefault).chains.find((c) => c.unit === 'networking.service')).toEqual(down('networking.service', 'no default target: default.target is in no unit folder'));
    const masked = fixture({ links: { [`${E}/graphical.target`]: '/dev/null' } });
    expect(systemdUnits(masked).chains.find((c) => c.unit === 'networking.service')).toEqual(down('networking.service', 'the default target graphical.target is masked'));
  });

  it('serial-getty@ttyS0 is reached through getty.target when the kernel command line names ttyS0 (systemd-getty-generator), not with systemd.getty_auto=0', () => {
    const serial = (cmdline: string | null) => systemdUnits(fixture(), cmdline).chains.find((c) => c.unit === 'serial-getty@ttyS0.service');
    expect(serial('root=UUID=x ro console=tty0 console=ttyS0,115200n8')).toEqual(reached('serial-getty@ttyS0.service', G, M, 'getty.target', 'serial-getty@ttyS0.service'));
    expect(serial('root=UUID=x ro console=ttyS0 systemd.getty_auto=0')).toEqual(down('serial-getty@ttyS0.service', SERIAL_DISABLED));
    expect(serial('root=UUID=x ro console=tty0')).toEqual(down('serial-getty@ttyS0.service', SERIAL_DISABLED));
    // The generator's link lives in /run: the unit files keep the states systemctl gives them offline.
    expect(systemdUnits(fixture(), 'console=ttyS0').unitFiles).toEqual(systemdUnits(fixture()).unitFiles);
  });

  it('a unit wanted only by a masked unit says so (the link in /etc makes it "enabled" for systemctl)', () => {
    const tree = fixture({ links: { [`${E}/open-vm-tools.service.wants/ssh.service`]: '/lib/systemd/system/ssh.service', [`${E}/open-vm-tools.service`]: '/dev/null' } });
    tree.addFile(`${U}/ssh.service`, Buffer.from('[Unit]\nDescription=OpenBSD Secure Shell server\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n'));
    const chains = systemdUnits(tree).chains;
    expect(chains.find((c) => c.unit === 'ssh.service')).toEqual(down('ssh.service', 'enabled: only wanted by open-vm-tools.service, which is masked'));
    expect(chains.find((c) => c.unit === 'open-vm-tools.service')).toEqual(down('open-vm-tools.service', 'masked: systemd will not start it, whatever pulls it in'));
  });
});

describe('the walk is bounded', () => {
  /** A graph of targets t0 → t1 → ... → tN, and t0 ← tN (a cycle). */
  function line(n: number): UnitGraph {
    const nodes = new Map<string, UnitNode>();
    for (let i = 0; i <= n; i++) nodes.set(`t${i}.target`, { id: `t${i}.target`, state: 'static', pulls: [{ unit: `t${(i + 1) % (n + 1)}.target`, how: 'Wants', from: 'test' }] });
    return { defaultTarget: 't0.target', node: (name) => nodes.get(name) ?? null, names: () => [...nodes.keys()] };
  }

  it('follows a cycle once and stops at MAX_CHAIN links', () => {
    const short = unitChains(line(3), [{ unit: 't3.target' }, { unit: 't0.target' }]);
    expect(short).toEqual([reached('t3.target', 't0.target', 't1.target', 't2.target', 't3.target'), reached('t0.target', 't0.target')]);
    const long = unitChains(line(MAX_CHAIN + 2), [{ unit: `t${MAX_CHAIN - 1}.target` }, { unit: `t${MAX_CHAIN}.target` }]);
    expect(long[0]!.chain).toHaveLength(MAX_CHAIN);
    expect(long[1]).toEqual(down(`t${MAX_CHAIN}.target`, `static: only wanted by t${MAX_CHAIN - 1}.target, which t0.target does not reach`));
  });
});

describe('the rows the viewer and the export show', () => {
  it('unit, reached, the chain as arrows or the reason; an older report says it was not read', () => {
    const report = (chains: unknown): InspectionReport => ({ linux: { systemd: { chains } } }) as unknown as InspectionReport;
    const chains = systemdUnits(fixture()).chains;
    expect(chainRows(report(chains)).filter((r) => ['networking.service', 'systemd-networkd.service'].includes(r[0]!))).toEqual([
      ['systemd-networkd.service', 'no', 'disabled: only wanted by systemd-networkd-wait-online.service, which graphical.target does not reach'],
      ['networking.service', 'yes', 'graphical.target → multi-user.target → networking.service'],
    ]);
    expect(chainRows(report(undefined))).toEqual([]);
    expect(chainEmptyText(report(undefined))).toBe(CHAINS_NOT_READ_TEXT);
    expect(chainEmptyText(report([]))).toBe('No unit to check.');
  });
});
