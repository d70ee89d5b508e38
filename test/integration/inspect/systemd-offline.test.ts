import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestTree, readTar } from '../../../electron/engine/appliance/guest-tree';
import { ETC_EXCLUDES } from '../../../electron/engine/inspect/linux/facts';
import { UNIT_SEARCH_PATH, VENDOR_UNIT_DIRS, parseUnitFile, systemdUnits, unitDirsToFetch, unitGraph, withGeneratedUnits } from '../../../electron/engine/inspect/linux/systemd';
import { unitChains } from '../../../electron/engine/inspect/linux/unit-chain';
import type { SystemdUnits } from '../../../electron/engine/inspect/linux/systemd';
import { debianRootfs } from '../../fixtures/debian/rootfs';
import { NEEDS_RUNNING_SYSTEM, extractUnitFolders, systemctlStates, tarOut } from './systemctl-reference';
import { GENERATOR_OUTPUT, loadPathWithGenerators, parseSystemdDump, referenceChains, runGenerators, systemdTestDump } from './systemd-dump';

/**
 * Our offline unit states against the real thing: `systemctl list-unit-files --root=DIR` (this
 * host's systemd 252) on real root file systems — the Debian fixture's, this host's own, and
 * folders laid out for the rarer states —, with the GuestTree built the way the inspection builds
 * it: /etc and the vendor unit folders as tar streams (the inspection's guestfish tar-out), /lib
 * as the symlink readlink reports.
 *
 * Documented exceptions: "bad" (a name that resolves to nothing) is left out of our list;
 * "transient" and the "-runtime" states come from /run, which a stopped guest does not have
 * (systemctl --root on a folder never prints them either). "generated" units are ours to add:
 * systemctl --root runs no generator, so the comparison with it leaves them out, and they are
 * compared with what the real generators write instead (the last describe block).
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
  // Generated units exist only once systemd has run its generators, which systemctl --root does not do.
  const mine = new Map(ours.unitFiles.filter((u) => u.state !== 'generated').map((u) => [u.unit, u.state as string]));
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
    // makes itself without a file; networking.service and open-vm-tools.service among them. The
    // real generators' output is in its load path as at boot (the fixture's fstab is debootstrap's
    // empty one: only local-fs.target's link to systemd-remount-fs.service).
    runGenerators(root, UNIT_SEARCH_PATH);
    chmodSync(scratch, 0o755);
    const dump = parseSystemdDump(systemdTestDump(root, loadPathWithGenerators(UNIT_SEARCH_PATH)));
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

/**
 * Generated units against the real generators: this host's systemd-sysv-generator and
 * systemd-fstab-generator (systemd 252) run on a root folder (see runGenerators), their output
 * compared with what generated-units.ts lays over the unit folders, and the units and boot chains
 * we report with what `systemd --test` loads from the same folders plus that output.
 */
describe('generated units, compared with the real generators', () => {
  /** An LSB init script as a packaged third-party application ships it (the usual header of Debian's init-d-script). */
  const ACME_APP = [
    '#!/bin/sh',
    '### BEGIN INIT INFO',
    '# Provides:          acme-app',
    '# Required-Start:    $remote_fs $network $syslog',
    '# Required-Stop:     $remote_fs $syslog',
    '# Default-Start:     2 3 4 5',
    '# Default-Stop:      0 1 6',
    '# Short-Description: ACME order processing daemon',
    '# Description:       Runs the ACME order processing daemon',
    '#                    from /opt/acme.',
    '### END INIT INFO',
    'case "$1" in',
    '  start) /opt/acme/bin/acmed ;;',
    '  stop) killall acmed ;;',
    '  *) echo "Usage: $0 {start|stop|restart|reload}"; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
  /** A Red Hat style script (chkconfig header, no LSB block), disabled: K links only. */
  const LEGACY_REPORT = '#!/bin/sh\n# chkconfig: 345 90 10\n# description: Old reporting agent \\\n#              kept for audits.\n. /etc/rc.d/init.d/functions\necho\n';
  /** Provides a facility of its own: the generated service pulls in acme.target. */
  const ACME_WORKER = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          acme-worker $acme\n# Required-Start:    $local_fs acme-app\n# X-Start-Before:    $network\n# Default-Start:     3\n# Description:       ACME queue worker\n#\tprocesses the order queue\n### END INIT INFO\n';
  const FSTAB = [
    '# /etc/fstab: static file system information.',
    'UUID=0a1b2c3d-1111-2222-3333-444455556666 /               ext4    errors=remount-ro 0       1',
    'UUID=0a1b2c3d-aaaa-bbbb-cccc-ddddeeeeffff /boot           ext4    defaults        0       2',
    'UUID=5e6f7a8b-0000-1111-2222-333344445555 none            swap    sw              0       0',
    'nas01:/export/data /srv/data nfs _netdev,rw 0 0',
    '/dev/sdb1 /mnt/backup ext4 noauto,nofail 0 2',
    'LABEL=archive /var/lib/x-y xfs x-systemd.automount,nofail 0 0',
    'proc /proc proc defaults 0 0',
    'tmpfs /tmp tmpfs defaults 0 0',
    '/dev/sdc1 /data ext4 defaults 0 2',
    '',
  ].join('\n');

  function writeExecutable(path: string, text: string, mode = 0o755): void {
    writeFileSync(path, text);
    chmodSync(path, mode);
  }

  /** Files and links under the generator folders of a root, relative to it: files with their text, links with their target. */
  function realOutput(root: string): { files: Map<string, string>; links: Map<string, string> } {
    const files = new Map<string, string>();
    const links = new Map<string, string>();
    for (const dir of GENERATOR_OUTPUT) {
      for (const rel of readdirSync(join(root, dir), { recursive: true }) as string[]) {
        const path = join(root, dir, rel);
        const stat = lstatSync(path);
        if (stat.isSymbolicLink()) links.set(`${dir}/${rel}`, readlinkSync(path));
        else if (stat.isFile()) files.set(`${dir}/${rel}`, readFileSync(path, 'utf8'));
      }
    }
    return { files, links };
  }

  /** The lines that say what a unit is and what it pulls in (ordering and documentation lines left out), the root prefix removed. */
  function keyLines(text: string, root: string): string[] {
    const keys = ['SourcePath', 'Description', 'Wants', 'Requires', 'What', 'Where', 'Type', 'Options'];
    return parseUnitFile(text.replaceAll(root, ''), 'x')
      .filter((d) => keys.includes(d.key) && !(d.section === 'Service' && d.key === 'Type'))
      .map((d) => `${d.key}=${d.value}`)
      .sort();
  }

  it('an init script tree and an fstab: the same units, links and lines; reported as generated; chains as systemd --test walks them', async () => {
    const root = mkdtempSync(join(scratch, 'generated-'));
    extractUnitFolders((await debianRootfs()).tarball, root);
    // The fixture's own scripts (dbus, hwclock.sh, kmod, networking, open-vm-tools, udev) all have
    // a unit of their name on Debian 12 (hwclock.service masked): none is generated.
    writeExecutable(join(root, 'etc/init.d/acme-app'), ACME_APP);
    writeExecutable(join(root, 'etc/init.d/legacy-report'), LEGACY_REPORT);
    writeExecutable(join(root, 'etc/init.d/acme-worker.sh'), ACME_WORKER);
    writeExecutable(join(root, 'etc/init.d/acme-app.dpkg-old'), ACME_APP); // a backup: skipped
    writeExecutable(join(root, 'etc/init.d/README'), 'Scripts in this folder are started by their runlevel links.\n', 0o644); // not executable: skipped
    for (const n of [2, 3, 4, 5]) symlinkSync('../init.d/acme-app', join(root, `etc/rc${n}.d/S20acme-app`));
    for (const n of [0, 1, 2, 3, 4, 5, 6]) symlinkSync('../init.d/legacy-report', join(root, `etc/rc${n}.d/K10legacy-report`));
    symlinkSync('../init.d/acme-worker.sh', join(root, 'etc/rc3.d/S30acme-worker.sh'));
    writeFileSync(join(root, 'etc/fstab'), FSTAB);
    // A unit file of the name in /etc wins over the fstab line's generated unit.
    writeFileSync(join(root, 'etc/systemd/system/data.mount'), '[Unit]\nDescription=Data volume (hand-written)\n[Mount]\nWhat=/dev/sdc1\nWhere=/data\n');

    const { log } = runGenerators(root, UNIT_SEARCH_PATH);
    expect(log).toContain("SysV service '");
    const real = realOutput(root);
    const tree = treeOf(root);
    const view = withGeneratedUnits(tree);
    const ours = { files: new Map<string, string>(), links: new Map<string, string>() };
    for (const path of view.walk('/run/systemd')) {
      const entry = view.get(path)!;
      if (entry.kind === 'symlink') ours.links.set(path, entry.target!);
      else if (entry.kind === 'file') ours.files.set(path, view.text(path)!);
    }

    // The same unit files in the same folders, the same links to the same targets.
    expect([...ours.files.keys()].sort()).toEqual([...real.files.keys()].sort());
    expect(Object.fromEntries([...ours.links].sort())).toEqual(Object.fromEntries([...real.links].sort()));
    expect([...real.files.keys()].sort()).toEqual(
      [
        '/run/systemd/generator.late/acme-app.service',
        '/run/systemd/generator.late/acme-worker.service',
        '/run/systemd/generator.late/legacy-report.service',
        '/run/systemd/generator/-.mount',
        '/run/systemd/generator/boot.mount',
        '/run/systemd/generator/data.mount',
        '/run/systemd/generator/dev-disk-by\\x2duuid-5e6f7a8b\\x2d0000\\x2d1111\\x2d2222\\x2d333344445555.swap',
        '/run/systemd/generator/mnt-backup.mount',
        '/run/systemd/generator/srv-data.mount',
        '/run/systemd/generator/tmp.mount',
        '/run/systemd/generator/var-lib-x\\x2dy.automount',
        '/run/systemd/generator/var-lib-x\\x2dy.mount',
      ].sort(),
    );
    // Each unit says the same: source, description, what it pulls in, what it mounts.
    for (const [path, text] of real.files) expect([path, keyLines(ours.files.get(path)!, root)]).toEqual([path, keyLines(text, root)]);

    // Reported as systemd lists them on the running guest: state "generated", the source file as
    // path, wanted by the targets the links are in, systemd's description.
    for (const dir of [scratch, root]) chmodSync(dir, 0o755); // systemd --test reads it as nobody
    const dump = parseSystemdDump(systemdTestDump(root, loadPathWithGenerators(UNIT_SEARCH_PATH)));
    const units = systemdUnits(tree);
    const generated = units.unitFiles.filter((u) => u.state === 'generated');
    const names = [...real.files.keys()].map((p) => p.slice(p.lastIndexOf('/') + 1)).filter((n) => n !== 'data.mount');
    expect(generated.map((u) => u.unit).sort()).toEqual(names.sort());
    for (const u of generated) {
      const path = [...real.files.keys()].find((p) => p.endsWith(`/${u.unit}`))!;
      const sourcePath = /^SourcePath=(.*)$/m.exec(real.files.get(path)!)![1]!.replace(root, '');
      const wantedBy = [...real.links.keys()].filter((l) => l.endsWith(`/${u.unit}`)).map((l) => l.split('/').at(-2)!.replace(/\.(wants|requires)$/, ''));
      expect(u).toMatchObject({ type: u.unit.slice(u.unit.lastIndexOf('.') + 1), path: sourcePath, wantedBy: wantedBy.sort() });
      // systemd shows a unit without a description by its name: we leave it empty.
      const shown = dump.descriptions.get(u.unit);
      if (shown !== undefined) expect([u.unit, u.description ?? u.unit]).toEqual([u.unit, shown]);
    }
    // Loaded by systemd --test (so their descriptions were compared) but for the two nothing pulls in.
    expect(generated.filter((u) => !dump.descriptions.has(u.unit)).map((u) => u.unit)).toEqual(['legacy-report.service', 'mnt-backup.mount']);
    const byName = Object.fromEntries(units.unitFiles.map((u) => [u.unit, u]));
    expect(byName['acme-app.service']).toEqual({
      unit: 'acme-app.service',
      type: 'service',
      state: 'generated',
      path: '/etc/init.d/acme-app',
      wantedBy: ['graphical.target', 'multi-user.target'],
      description: 'LSB: ACME order processing daemon',
    });
    expect(byName['legacy-report.service']).toMatchObject({ wantedBy: [], description: 'SYSV: Old reporting agent kept for audits.' });
    expect(byName['-.mount']).toMatchObject({ path: '/etc/fstab', wantedBy: ['local-fs.target'], description: 'Root Mount' });
    expect(byName['srv-data.mount']).toMatchObject({ wantedBy: ['remote-fs.target'], description: '/srv/data' });
    expect(byName['mnt-backup.mount']).toMatchObject({ wantedBy: [], description: '/mnt/backup' });
    expect(byName['var-lib-x\\x2dy.automount']).toMatchObject({ wantedBy: ['local-fs.target'], description: null });
    expect(byName['var-lib-x\\x2dy.mount']).toMatchObject({ wantedBy: [], description: '/var/lib/x-y' });
    // The unit file in /etc wins: listed as systemctl lists it, not as generated.
    expect(byName['data.mount']).toMatchObject({ state: 'static', path: '/etc/systemd/system/data.mount', description: 'Data volume (hand-written)' });
    expect(units.unitFiles.some((u) => u.vmwareOnly)).toBe(false);

    // Boot chains over the generated units, against systemd's own walk with the generators'
    // output: the same units reached, and every link of our chains a dependency systemd has. Not
    // always systemd's shortest chain: a generated service wanted by graphical.target (rc5.d)
    // gets the implicit Requires=sysinit.target of every service, a shortcut unit-chain.ts leaves
    // out (to sysinit.target, local-fs.target and the mounts, which the default target reaches anyway).
    const reference = referenceChains(dump);
    const loaded = [...dump.loadState.keys()].filter((u) => !/\.(slice|device)$/.test(u)).sort();
    const ourChains = unitChains(unitGraph(tree), loaded.map((unit) => ({ unit })));
    expect(ourChains.filter((c) => c.reached).map((c) => c.unit)).toEqual(loaded.filter((u) => reference.has(u)));
    const notDependencies = ourChains.flatMap((c) => c.chain.slice(1).map((to, i) => [c.chain[i]!, to]).filter(([from, to]) => !(dump.pulls.get(from!) ?? []).includes(to!)));
    expect(notDependencies).toEqual([]);
    const sameAsSystemd = ourChains.filter((c) => c.reached && c.chain.join() === reference.get(c.unit)!.join()).map((c) => c.unit);
    expect(sameAsSystemd).toEqual(expect.arrayContaining(['acme-app.service', 'acme-worker.service', 'srv-data.mount', 'network-online.target']));
    const chains = unitChains(unitGraph(tree), [{ unit: 'acme-app.service' }, { unit: 'acme-worker.service' }, { unit: 'legacy-report.service' }, { unit: 'srv-data.mount' }, { unit: 'network-online.target' }]);
    expect(chains).toEqual([
      // rc5.d/S20acme-app: graphical.target wants it itself (and multi-user.target does, for rc2-4).
      { unit: 'acme-app.service', reached: true, chain: ['graphical.target', 'acme-app.service'], reason: null },
      { unit: 'acme-worker.service', reached: true, chain: ['graphical.target', 'multi-user.target', 'acme-worker.service'], reason: null },
      { unit: 'legacy-report.service', reached: false, chain: [], reason: 'generated: nothing graphical.target reaches pulls it in' },
      { unit: 'srv-data.mount', reached: true, chain: ['graphical.target', 'multi-user.target', 'remote-fs.target', 'srv-data.mount'], reason: null },
      // Only because acme-app starts after $network: its generated unit pulls the target in.
      { unit: 'network-online.target', reached: true, chain: ['graphical.target', 'acme-app.service', 'network-online.target'], reason: null },
    ]);
  });
});
