import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestTree, readTar } from '../../../electron/engine/appliance/guest-tree';
import { ETC_EXCLUDES } from '../../../electron/engine/inspect/linux/facts';
import { UNIT_SEARCH_PATH, VENDOR_UNIT_DIRS, systemdUnits, unitDirsToFetch, unitGraph } from '../../../electron/engine/inspect/linux/systemd';
import { unitChains } from '../../../electron/engine/inspect/linux/unit-chain';
import type { SystemdUnits } from '../../../electron/engine/inspect/linux/systemd';
import { debianRootfs } from '../../fixtures/debian/rootfs';
import { NEEDS_RUNNING_SYSTEM, extractUnitFolders, systemctlStates, tarOut } from './systemctl-reference';
import { parseSystemdDump, referenceChains, systemdTestDump } from './systemd-dump';

/**
 * Our offline unit states against the real thing: `systemctl list-unit-files --root=DIR` (this
 * host's systemd 252) on real root file systems — the Debian fixture's, this host's own, and
 * folders laid out for the rarer states —, with the GuestTree built the way the inspection builds
 * it: /etc and the vendor unit folders as tar streams (the inspection's guestfish tar-out), /lib
 * as the symlink readlink reports.
 *
 * Documented exceptions: "bad" (a name that resolves to nothing) is left out of our list;
 * "generated", "transient" and the "-runtime" states come from /run, which a stopped guest does
 * not have (systemctl --root on a folder never prints them either).
 */

/** What the inspection reads of a root: /etc (with its excludes) and the unit folders, each a tar stream. */
function treeOf(root: string): GuestTree {
  const tree = new GuestTree();
  tree.add(readTar(tarOut(join(root, 'etc'), ETC_EXCLUDES), '/etc'));
  const lib = join(root, 'lib');
  const libLink = existsSync(lib) && lstatSync(lib).isSymbolicLink() ? readlinkSync(lib) : null;
  if (libLink) tree.addSymlink('/lib', libLink);
  for (const dir of unitDirsToFetch(VENDOR_UNIT_DIRS.filter((d) => existsSync(join(root, d))), libLink)) tree.add(readTar(tarOut(join(root, dir)), dir));
  return tree;
}

function compare(root: string): { ours: SystemdUnits; theirs: Map<string, string>; differences: string[] } {
  const theirs = systemctlStates(root);
  const ours = systemdUnits(treeOf(root));
  const mine = new Map(ours.unitFiles.map((u) => [u.unit, u.state as string]));
  const differences: string[] = [];
  for (const [unit, state] of theirs) {
    if (NEEDS_RUNNING_SYSTEM.has(state)) continue;
    if (mine.get(unit) !== state) differences.push(`${unit}: systemctl ${state}, ours ${mine.get(unit) ?? 'absent'}`);
  }
  for (const unit of mine.keys()) if (!theirs.has(unit)) differences.push(`${unit}: not listed by systemctl`);
  return { ours, theirs, differences };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'systemd-offline-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('unit file states offline, compared with systemctl --root', () => {
  it('the Debian fixture root file system: every unit systemctl lists, in the same state', async () => {
    const { tarball } = await debianRootfs();
    const root = join(scratch, 'debian');
    extractUnitFolders(tarball, root);
    const { ours, theirs, differences } = compare(root);
    expect(differences).toEqual([]);
    expect(theirs.size).toBeGreaterThan(150);
    // What debootstrap and the packages left (states as systemctl printed them on this tarball).
    const states = Object.fromEntries(ours.unitFiles.map((u) => [u.unit, u.state]));
    expect(states).toMatchObject({
      'getty@.service': 'enabled',
      'open-vm-tools.service': 'enabled',
      'vmtoolsd.service': 'alias',
      'vgauth.service': 'enabled',
      'rc.service': 'masked',
      'systemd-tmpfiles-clean.timer': 'static',
      'e2scrub_all.timer': 'enabled',
    });
    expect(ours.timers.find((t) => t.unit === 'e2scrub_all.timer')).toEqual({
      unit: 'e2scrub_all.timer',
      schedule: ['OnCalendar=Sun *-*-* 03:10:00'],
      activates: 'e2scrub_all.service',
      persistent: true,
      enabled: true,
    });
    expect(ours.timers.find((t) => t.unit === 'fstrim.timer')?.schedule).toEqual(['OnCalendar=weekly']);
    expect(ours.sockets.find((s) => s.unit === 'dbus.socket')).toEqual({ unit: 'dbus.socket', listen: ['ListenStream=/run/dbus/system_bus_socket'], enabled: true });
    // open-vm-tools carries ConditionVirtualization=vmware: nothing of it fails on KVM.
    expect(ours.unitFiles.filter((u) => u.vmwareOnly)).toEqual([]);
    // Boot chains: ours against systemd's own walk of the same folders (systemd --test, run as
    // nobody: see systemd-dump.ts), for every unit systemd loads but the slices and devices it
    // makes itself without a file; networking.service and open-vm-tools.service among them.
    chmodSync(scratch, 0o755);
    const dump = parseSystemdDump(systemdTestDump(root, UNIT_SEARCH_PATH));
    const reference = referenceChains(dump);
    const loaded = [...dump.loadState.keys()].filter((u) => !/\.(slice|device)$/.test(u)).sort();
    expect(unitChains(unitGraph(treeOf(root)), loaded.map((unit) => ({ unit }))).map((c) => [c.unit, c.chain])).toEqual(loaded.map((u) => [u, reference.get(u) ?? []]));
    expect(ours.chains.find((c) => c.unit === 'networking.service')?.chain).toEqual(['graphical.target', 'multi-user.target', 'networking.service']);
  });

  it("this host's own root file system (more packages: libvirt sockets, Also= units, templates)", () => {
    const { theirs, differences } = compare('/');
    expect(differences).toEqual([]);
    expect(theirs.size).toBeGreaterThan(150);
  });

  /**
   * Rarer layouts, written out as files and symlinks (targets as given), with the states systemctl
   * 252 printed for them (so a comparison that matched nothing cannot pass).
   */
  const layouts: Record<string, { files: Record<string, string>; links: Record<string, string>; systemctl: Record<string, string> }> = {
    'linked, Also= only, /usr/local, empty file, instances, a dangling alias': {
      files: {
        'opt/linked.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
        'usr/lib/systemd/system/empty.service': '',
        'usr/lib/systemd/system/alsoonly.service': '[Service]\nExecStart=/bin/true\n[Install]\nAlso=foo-bar.service\n',
        'usr/lib/systemd/system/foo-bar.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=fb.service\n',
        'usr/local/lib/systemd/system/local.service': '[Service]\nExecStart=/bin/true\n[Install]\nRequiredBy=multi-user.target\n',
        'usr/lib/systemd/system/inst@.service': '[Service]\nExecStart=/bin/true\n',
        'usr/lib/systemd/system/tmpl@.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nDefaultInstance=one\n',
        'usr/lib/systemd/system/over.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
        'etc/systemd/system/over.service': '[Service]\nExecStart=/bin/false\n',
      },
      links: {
        lib: 'usr/lib',
        'etc/systemd/system/linked.service': '/opt/linked.service',
        'etc/systemd/system/fb.service': '/usr/lib/systemd/system/foo-bar.service',
        'etc/systemd/system/multi-user.target.requires/local.service': '/usr/local/lib/systemd/system/local.service',
        'etc/systemd/system/multi-user.target.wants/tmpl@two.service': '/usr/lib/systemd/system/tmpl@.service',
        'etc/systemd/system/dangling.service': 'nothing.service',
        'usr/lib/systemd/system/multi-user.target.wants/inst@a.service': '../inst@.service',
        'usr/lib/systemd/system/inst@b.service': 'inst@.service',
      },
      systemctl: {
        'alsoonly.service': 'indirect',
        'dangling.service': 'bad',
        'empty.service': 'masked',
        'fb.service': 'alias',
        'foo-bar.service': 'enabled',
        'inst@.service': 'static',
        'inst@b.service': 'static',
        'linked.service': 'linked',
        'local.service': 'enabled',
        'over.service': 'static',
        'tmpl@.service': 'indirect',
      },
    },
    'split /usr (a real /lib), a VMware shared-folder automount': {
      files: {
        'lib/systemd/system/fstrim.timer': '[Timer]\nOnCalendar=weekly\n[Install]\nWantedBy=timers.target\n',
        'usr/lib/systemd/system/usr.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
        'etc/systemd/system/mnt-hgfs.mount': '[Mount]\nWhat=.host:/\nWhere=/mnt/hgfs\nType=fuse.vmhgfs-fuse\n[Install]\nWantedBy=multi-user.target\n',
        'etc/systemd/system/mnt-hgfs.automount': '[Automount]\nWhere=/mnt/hgfs\n[Install]\nWantedBy=multi-user.target\n',
      },
      links: {
        'etc/systemd/system/timers.target.wants/fstrim.timer': '/lib/systemd/system/fstrim.timer',
        'etc/systemd/system/multi-user.target.wants/usr.service': '/usr/lib/systemd/system/usr.service',
        'etc/systemd/system/multi-user.target.wants/mnt-hgfs.automount': '/etc/systemd/system/mnt-hgfs.automount',
        'etc/systemd/system/rc.service': '/dev/null',
      },
      systemctl: { 'mnt-hgfs.automount': 'enabled', 'mnt-hgfs.mount': 'disabled', 'rc.service': 'masked', 'usr.service': 'enabled', 'fstrim.timer': 'enabled' },
    },
  };

  it.each(Object.keys(layouts))('%s', (name) => {
    const root = mkdtempSync(join(scratch, 'layout-'));
    const { files, links, systemctl } = layouts[name]!;
    for (const dir of ['etc/systemd/system', 'usr/lib/systemd/system']) mkdirSync(join(root, dir), { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    for (const [path, target] of Object.entries(links)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      symlinkSync(target, join(root, path));
    }
    const { ours, theirs, differences } = compare(root);
    expect(differences).toEqual([]);
    expect(Object.fromEntries(theirs)).toEqual(systemctl);
    if (!name.startsWith('linked')) {
      expect(ours.unitFiles.find((u) => u.unit === 'mnt-hgfs.automount')?.vmwareOnly).toEqual([
        { path: '/etc/systemd/system/mnt-hgfs.mount', line: 2, excerpt: 'What=.host:/' },
        { path: '/etc/systemd/system/mnt-hgfs.mount', line: 4, excerpt: 'Type=fuse.vmhgfs-fuse' },
      ]);
    }
  });
});
