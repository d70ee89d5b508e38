import { describe, expect, it } from 'vitest';
import { GuestTree } from '../../../electron/engine/appliance/guest-tree';
import {
  GENERATOR_DIR,
  GENERATOR_LATE_DIR,
  escapePath,
  fstabUnits,
  generatorOutput,
  gettyConsoles,
  isHiddenOrBackup,
  mangleUnitName,
  parseInitScript,
  sysvServiceName,
  sysvServices,
  udevNode,
  yesNoOption,
} from '../../../electron/engine/inspect/linux/generated-units';
import { systemdUnits, unitGraph } from '../../../electron/engine/inspect/linux/systemd';
import { unitChains } from '../../../electron/engine/inspect/linux/unit-chain';

/*
 * Expected values are what this host's systemd 252 (Debian 12) tools printed or wrote:
 * `systemd-escape --path P`, `systemd-escape --mangle N`, and the generators in
 * /lib/systemd/system-generators run on the samples (SYSTEMD_SYSVINIT_PATH=… SYSTEMD_UNIT_PATH=<empty
 * folder> systemd-sysv-generator OUT OUT OUT; SYSTEMD_FSTAB=… SYSTEMD_PROC_CMDLINE= SYSTEMD_IN_INITRD=0
 * systemd-fstab-generator OUT OUT OUT, under `unshare --pid --fork --mount-proc env container=`
 * so that it writes swap units in this container). The integration test
 * (test/integration/inspect/systemd-offline.test.ts) runs the generators themselves.
 */

describe('unit names from paths (systemd-escape --path)', () => {
  it.each([
    ['/', '-'],
    ['/boot', 'boot'],
    ['/boot/', 'boot'],
    ['//var//lib/x-y', 'var-lib-x\\x2dy'],
    ['/a b', 'a\\x20b'],
    ['/srv/.hidden', 'srv-.hidden'],
    ['/home/jöhn', 'home-j\\xc3\\xb6hn'],
    ['/mnt/back\\slash', 'mnt-back\\x5cslash'],
    ['/run/media/x:y', 'run-media-x:y'],
    ['/dev/disk/by-uuid/0a1b-2c3d', 'dev-disk-by\\x2duuid-0a1b\\x2d2c3d'],
    ['/dev/disk/by-label/my\\x20data', 'dev-disk-by\\x2dlabel-my\\x5cx20data'],
    ['/opt/a_b.c', 'opt-a_b.c'],
    ['/a/./b', 'a-b'],
    // "is not a normalized file system path, failed to escape."
    ['/a/../b', null],
  ])('%s → %s', (path, expected) => {
    expect(escapePath(path)).toBe(expected);
  });

  it('a leading dot is escaped (systemd-escape --path /.dotdir: \\x2edotdir)', () => {
    expect(escapePath('/.dotdir')).toBe('\\x2edotdir');
  });
});

describe('init script names', () => {
  it.each([
    // `systemd-escape --mangle NAME` (the ".service" default suffix) and the file names the generator wrote.
    ['hwclock.sh', 'hwclock.service'],
    ['acme-worker.sh', 'acme-worker.service'],
    ['open-vm-tools', 'open-vm-tools.service'],
    ['foo bar', 'foo\\x20bar.service'],
    ['x@y', 'x@y.service'],
  ])('%s → %s', (file, unit) => {
    expect(sysvServiceName(file)).toBe(unit);
  });

  it('mangles what x-systemd.requires= names: a path becomes its mount unit, a unit name stays', () => {
    expect(mangleUnitName('/srv', '.mount')).toBe('srv.mount');
    expect(mangleUnitName('foo.service', '.mount')).toBe('foo.service');
    expect(mangleUnitName('foo', '.mount')).toBe('foo.mount');
  });

  it.each([
    ['.hidden', true],
    ['acme-app.dpkg-old', true],
    ['acme-app.dpkg-dist', true],
    ['acme-app~', true],
    ['acme-app.rpmsave', true],
    ['network.bak', true],
    ['hwclock.sh', false],
    ['open-vm-tools', false],
    ['README', false],
  ])('%s hidden or a backup: %s', (name, expected) => {
    expect(isHiddenOrBackup(name)).toBe(expected);
  });
});

/** LSB headers verbatim from the Debian 12 fixture's /etc/init.d (dbus, kmod, networking, open-vm-tools: tabs in the original). */
const DEBIAN_SCRIPTS: Record<string, string> = {
  dbus: `#!/bin/sh
### BEGIN INIT INFO
# Provides:          dbus
# Required-Start:    $remote_fs $syslog
# Required-Stop:     $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:
# Short-Description: D-Bus systemwide message bus
# Description:       D-Bus is a simple interprocess messaging system, used
#                    for sending messages between applications.
### END INIT INFO
`,
  'hwclock.sh': `#!/bin/sh

### BEGIN INIT INFO
# Provides:          hwclock
# Required-Start:
# Required-Stop:     mountdevsubfs
# Should-Stop:       umountfs
# Default-Start:     S
# Default-Stop:      0 6
# Short-Description: Save system clock to hardware on shutdown.
### END INIT INFO
`,
  networking: `#!/bin/sh -e
### BEGIN INIT INFO
# Provides:          networking ifupdown
# Required-Start:    mountkernfs $local_fs urandom
# Required-Stop:     $local_fs
# Default-Start:     S
# Default-Stop:      0 6
# Short-Description: Raise network interfaces.
# Description:       Prepare /run/network directory, ifstate file and raise network interfaces, or take them down.
### END INIT INFO
`,
  'open-vm-tools': `#!/bin/sh

### BEGIN INIT INFO
# Provides:\t\topen-vm-tools
# Required-Start:\t$local_fs $remote_fs
# Required-Stop:\t$local_fs $remote_fs
# X-Start-Before:
# X-Stop-After:
# Default-Start:\t2 3 4 5
# Default-Stop:\t\t0 1 6
# Description:\t\tRuns the open-vm-tools services
# Short-Description:\tRuns the open-vm-tools services
### END INIT INFO
`,
};

describe('init script headers (what systemd-sysv-generator writes as Description= and Wants=)', () => {
  it.each([
    ['dbus', DEBIAN_SCRIPTS.dbus!, 'LSB: D-Bus systemwide message bus', []],
    ['hwclock.sh', DEBIAN_SCRIPTS['hwclock.sh']!, 'LSB: Save system clock to hardware on shutdown.', []],
    ['networking', DEBIAN_SCRIPTS.networking!, 'LSB: Raise network interfaces.', []],
    ['open-vm-tools', DEBIAN_SCRIPTS['open-vm-tools']!, 'LSB: Runs the open-vm-tools services', []],
    // Description: continued by a tab-indented comment line; Provides: a facility of its own ($acme → acme.target).
    [
      'acme-worker.sh',
      '#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          acme-worker $acme\n# Required-Start:    $local_fs acme-app\n# X-Start-Before:    $network\n# Default-Start:     3\n# Description:       ACME queue worker\n#\tprocesses the order queue\n### END INIT INFO\n',
      'LSB: ACME queue worker processes the order queue',
      ['acme.target'],
    ],
    // Provides: $network pulls in network-online.target and network.target; "network" without $ is the same facility.
    [
      'netsvc',
      '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: netsvc $network\n# Should-Start: network $named\n# Description: first line\n# not a continuation (one space)\n### END INIT INFO\n',
      'LSB: first line',
      ['network-online.target', 'network.target'],
    ],
    // chkconfig header with a continuation; no LSB block: "SYSV:".
    ['legacy-report', '#!/bin/sh\n# chkconfig: 345 90 10\n# description: Old reporting agent \\\n#              kept for audits.\necho\n', 'SYSV: Old reporting agent kept for audits.', []],
    // The generator escapes % as %% in the file; systemd shows it as written.
    ['pct', '#!/bin/bash\n#\n# chkconfig: - 85 15\n# description: a daemon %s with a percent \n# processname: foo\n', 'SYSV: a daemon %s with a percent', []],
    // An empty Short-Description: falls back to Description:.
    ['emptyshort', '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: x\n# Short-Description:\n# Description: long only\n### END INIT INFO\n', 'LSB: long only', []],
    ['bare', '#!/bin/sh\necho no header\n', null, []],
  ])('%s', (file, text, description, wants) => {
    expect(parseInitScript(text, file)).toEqual({ description, wants });
  });

  it('starting after $network pulls in network-online.target (acme-app, Required-Start: $remote_fs $network $syslog)', () => {
    expect(parseInitScript('### BEGIN INIT INFO\n# Required-Start:    $remote_fs $network $syslog\n# Short-Description: ACME\n### END INIT INFO\n', 'acme-app').wants).toEqual(['network-online.target']);
  });
});

describe('fstab lines (what systemd-fstab-generator writes)', () => {
  const FSTAB = [
    '/dev/sda1 / ext4 defaults 0 1',
    '/dev/sda2 /boot/ vfat defaults 0 2',
    '/dev/sda3 /data xfs defaults,x-systemd.requires=foo.service,x-systemd.wanted-by=multi-user.target 0 2',
    'srv:/x /nfsbg nfs bg 0 0',
    '//srv/share /cifs cifs nofail 0 0',
    'none /dev/shm tmpfs defaults 0 0',
    '/dev/sda4 /a\\040b ext4 defaults 0 0',
    '/dev/sda5 none ext4 defaults 0 0',
    'host:/y /auto nfs x-systemd.automount 0 0',
    'sshfs#u@h:/ /sshfs fuse defaults 0 0',
    'u@h:/ /sshfs2 fuse.sshfs defaults 0 0',
    '/swapfile none swap defaults,nofail 0 0',
    'auto /autofs autofs defaults 0 0',
    '/dev/sda6 /noauto2 ext4 noauto,auto 0 0',
    'LABEL=my\\040data /srv/./labelled// ext4 defaults,x-systemd.required-by=app.service,x-systemd.requires=/srv 0 2',
    'PARTUUID=1234-02 /efi vfat umask=0077,nofail 0 1',
    '/dev/sda7 none swap sw 0 0',
    '/dev/sda8 none swap noauto 0 0',
    '/dev/sda9 none swap _netdev 0 0',
    '/dev/sda10 none swap x-systemd.wanted-by=multi-user.target 0 0',
    '/dev/vg0/home /home ext4 defaults,x-systemd.automount,x-systemd.wanted-by=multi-user.target 0 2',
    '/dev/sdb1 /boot ext4 defaults 0 2',
    '/dev/sdx / ext4 noauto,nofail 0 1',
  ].join('\n');

  // unit → the folders its links are in, and its Requires= lines, as the real generator wrote them.
  const REAL: Record<string, [string[], string[]]> = {
    '-.mount': [['local-fs.target.requires'], []],
    'a\\x20b.mount': [['local-fs.target.requires'], []],
    'auto.automount': [['remote-fs.target.requires'], []],
    'auto.mount': [[], []],
    'boot.mount': [['local-fs.target.requires'], ['systemd-fsck@dev-sda2.service']],
    'cifs.mount': [['remote-fs.target.wants'], []],
    'data.mount': [['multi-user.target.wants'], ['foo.service', 'systemd-fsck@dev-sda3.service']],
    'dev-sda10.swap': [['swap.target.requires'], []],
    'dev-sda7.swap': [['swap.target.requires'], []],
    'dev-sda8.swap': [[], []],
    'dev-sda9.swap': [['swap.target.requires'], []],
    'efi.mount': [['local-fs.target.wants'], ['systemd-fsck@dev-disk-by\\x2dpartuuid-1234\\x2d02.service']],
    'home.automount': [['local-fs.target.requires'], []],
    'home.mount': [[], ['systemd-fsck@dev-vg0-home.service']],
    'nfsbg.mount': [['remote-fs.target.wants'], []],
    'noauto2.mount': [['local-fs.target.requires'], []],
    'srv-labelled.mount': [['app.service.requires'], ['srv.mount', 'systemd-fsck@dev-disk-by\\x2dlabel-my\\x5cx20data.service']],
    'sshfs.mount': [['local-fs.target.requires'], []],
    'sshfs2.mount': [['remote-fs.target.requires'], []],
    'swapfile.swap': [['swap.target.wants'], []],
  };

  it('the same units, linked from the same folders, with the same Requires= (duplicates, autofs, "none" and /dev/shm skipped)', () => {
    const ours = Object.fromEntries(fstabUnits(FSTAB).map((u) => [u.unit, [u.links.map((l) => `${l.target}.${l.kind}`), [...u.requires].sort()]]));
    expect(ours).toEqual(REAL);
  });

  it('local-fs.target pulls in the root fsck (passno 1 on a device) and the remount of /, as links to the vendor units', () => {
    const tree = new GuestTree();
    tree.addFile('/etc/fstab', Buffer.from(FSTAB));
    const { links } = generatorOutput(tree, () => false);
    expect([...links].filter(([path]) => path.includes('.wants/systemd-'))).toEqual([
      [`${GENERATOR_DIR}/local-fs.target.wants/systemd-fsck-root.service`, '/lib/systemd/system/systemd-fsck-root.service'],
      [`${GENERATOR_DIR}/local-fs.target.wants/systemd-remount-fs.service`, '/lib/systemd/system/systemd-remount-fs.service'],
    ]);
  });

  it('names what a tag means as udev does (UUID=, LABEL= with a space, PARTUUID=)', () => {
    expect(udevNode('UUID=0a1b2c3d-1111-2222-3333-444455556666')).toBe('/dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666');
    expect(udevNode('LABEL=my data')).toBe('/dev/disk/by-label/my\\x20data');
    expect(udevNode('PARTUUID=1234-02')).toBe('/dev/disk/by-partuuid/1234-02');
    expect(udevNode('/dev/sda1')).toBe('/dev/sda1');
  });

  it.each([
    ['noauto', true],
    ['noauto,auto', false],
    ['auto,noauto', true],
    ['defaults', false],
  ])('noauto in "%s": %s (the last of noauto/auto wins)', (opts, expected) => {
    expect(yesNoOption(opts, 'noauto', 'auto')).toBe(expected);
  });

  it.each([
    ['/proc', 'proc /proc proc defaults 0 0'],
    ['/sys', 'sysfs /sys sysfs defaults 0 0'],
    ['/dev/pts', 'devpts /dev/pts devpts gid=5,mode=620 0 0'],
    ['/run/lock', 'tmpfs /run/lock tmpfs defaults 0 0'],
    ['/sys/fs/cgroup/x', 'x /sys/fs/cgroup/x tmpfs defaults 0 0'],
    ['/run/host/x', 'x /run/host/x tmpfs defaults 0 0'],
  ])('ignores the API file system %s', (_where, line) => {
    expect(fstabUnits(line)).toEqual([]);
  });

  it.each([
    ['/sys/kernel/debug', 'sys-kernel-debug.mount'],
    ['/dev/hugepages', 'dev-hugepages.mount'],
    ['/proc/sys/fs/binfmt_misc', 'proc-sys-fs-binfmt_misc.mount'],
    ['/run/user', 'run-user.mount'],
  ])('but writes a unit for %s', (where, unit) => {
    expect(fstabUnits(`x ${where} tmpfs defaults 0 0`).map((u) => u.unit)).toEqual([unit]);
  });
});

describe('the generated units in the unit list and the boot chains', () => {
  const U = '/usr/lib/systemd/system';
  const target = (wants = ''): string => `[Unit]\nDescription=t\n${wants}`;

  function guest(files: Record<string, string>, links: Record<string, string> = {}, modes: Record<string, number> = {}): GuestTree {
    const t = new GuestTree();
    t.addSymlink('/lib', 'usr/lib');
    t.addSymlink('/etc/systemd/system/default.target', `${U}/multi-user.target`);
    for (const [path, text] of Object.entries({
      [`${U}/multi-user.target`]: target('Requires=basic.target\n'),
      [`${U}/basic.target`]: target('Requires=sysinit.target\n'),
      [`${U}/sysinit.target`]: target('Wants=local-fs.target swap.target\n'),
      [`${U}/local-fs.target`]: target(),
      [`${U}/remote-fs.target`]: target(),
      [`${U}/swap.target`]: target(),
      [`${U}/graphical.target`]: target('Requires=multi-user.target\n'),
      ...files,
    })) {
      t.add(new Map([[path, { kind: 'file', data: Buffer.from(text), size: text.length, ...(modes[path] === undefined ? {} : { mode: modes[path] }) }]]));
    }
    t.addSymlink(`${U}/multi-user.target.wants/remote-fs.target`, '../remote-fs.target');
    for (const [path, to] of Object.entries(links)) t.addSymlink(path, to);
    return t;
  }

  const ACME = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: acme-app\n# Required-Start: $network\n# Short-Description: ACME order processing daemon\n### END INIT INFO\n';

  it('a SysV-only service wanted by multi-user.target is reached; a native unit of the name wins; a script without x bit is skipped', () => {
    const tree = guest(
      {
        '/etc/init.d/acme-app': ACME,
        '/etc/init.d/ssh': '#!/bin/sh\n### BEGIN INIT INFO\n# Short-Description: OpenBSD Secure Shell server\n### END INIT INFO\n',
        [`${U}/ssh.service`]: '[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n',
        '/etc/init.d/functions': '# functions: sourced by the other scripts\n',
        '/etc/fstab': 'UUID=abc / ext4 errors=remount-ro 0 1\nnas:/x /srv/data nfs defaults 0 0\n',
      },
      { '/etc/rc2.d/S01acme-app': '../init.d/acme-app', '/etc/rc3.d/S01acme-app': '../init.d/acme-app', '/etc/rc2.d/S01ssh': '../init.d/ssh' },
      { '/etc/init.d/functions': 0o644, '/etc/init.d/acme-app': 0o755 },
    );
    expect(sysvServices(tree, (n) => n === 'ssh.service').map((s) => s.name)).toEqual(['acme-app.service']);
    const { unitFiles } = systemdUnits(tree);
    const generated = unitFiles.filter((u) => u.state === 'generated');
    expect(generated).toEqual([
      { unit: '-.mount', type: 'mount', state: 'generated', path: '/etc/fstab', wantedBy: ['local-fs.target'], description: 'Root Mount' },
      { unit: 'acme-app.service', type: 'service', state: 'generated', path: '/etc/init.d/acme-app', wantedBy: ['multi-user.target'], description: 'LSB: ACME order processing daemon' },
      { unit: 'srv-data.mount', type: 'mount', state: 'generated', path: '/etc/fstab', wantedBy: ['remote-fs.target'], description: '/srv/data' },
    ]);
    expect(unitFiles.find((u) => u.unit === 'ssh.service')).toMatchObject({ state: 'disabled', path: `${U}/ssh.service` });
    const chains = unitChains(unitGraph(tree), [{ unit: 'acme-app.service' }, { unit: 'srv-data.mount' }, { unit: 'functions.service' }]);
    expect(chains).toEqual([
      { unit: 'acme-app.service', reached: true, chain: ['multi-user.target', 'acme-app.service'], reason: null },
      { unit: 'srv-data.mount', reached: true, chain: ['multi-user.target', 'remote-fs.target', 'srv-data.mount'], reason: null },
      { unit: 'functions.service', reached: false, chain: [], reason: 'not installed: no unit file of this name' },
    ]);
  });

  it('Red Hat layout: /etc/rc.d/init.d and /etc/rc.d/rcN.d (the /etc/init.d symlink read once); a unit file in /etc wins over an fstab line', () => {
    const tree = guest(
      {
        '/etc/rc.d/init.d/legacy': '#!/bin/sh\n# chkconfig: 345 90 10\n# description: Legacy agent\n',
        '/etc/systemd/system/boot.mount': '[Unit]\nDescription=Boot (hand-written)\n[Mount]\nWhat=/dev/sda1\nWhere=/boot\n',
        '/etc/fstab': '/dev/sda1 /boot xfs defaults 0 0\n',
      },
      { '/etc/init.d': 'rc.d/init.d', '/etc/rc.d/rc5.d/S90legacy': '../init.d/legacy', '/etc/rc5.d': 'rc.d/rc5.d' },
    );
    const units = Object.fromEntries(systemdUnits(tree).unitFiles.map((u) => [u.unit, [u.state, u.path, u.wantedBy.join(), u.description]]));
    expect(units['legacy.service']).toEqual(['generated', '/etc/rc.d/init.d/legacy', 'graphical.target', 'SYSV: Legacy agent']);
    expect(units['boot.mount']).toEqual(['static', '/etc/systemd/system/boot.mount', '', 'Boot (hand-written)']);
    // The generated boot.mount still exists below it, with its link: local-fs.target pulls in the unit from /etc.
    expect(unitChains(unitGraph(tree), [{ unit: 'boot.mount' }])[0]!.chain).toEqual(['multi-user.target', 'basic.target', 'sysinit.target', 'local-fs.target', 'boot.mount']);
  });

  it('writes the late generator output for init scripts, the normal one for fstab', () => {
    const tree = guest({ '/etc/init.d/acme-app': ACME, '/etc/fstab': 'tmpfs /tmp tmpfs defaults 0 0\n' }, { '/etc/rc3.d/S01acme-app': '../init.d/acme-app' });
    const { files, links } = generatorOutput(tree, () => false);
    expect([...files.keys()]).toEqual([`${GENERATOR_LATE_DIR}/acme-app.service`, `${GENERATOR_DIR}/tmp.mount`]);
    expect(links.get(`${GENERATOR_LATE_DIR}/multi-user.target.wants/acme-app.service`)).toBe('../acme-app.service');
    expect(links.get(`${GENERATOR_DIR}/local-fs.target.requires/tmp.mount`)).toBe('../tmp.mount');
  });
});

describe('systemd-getty-generator on the domain hyper2kvm defines (one serial port, ttyS0; no virtio console)', () => {
  it.each<[string | null, string[]]>([
    [null, []],
    ['root=UUID=x ro quiet', []],
    // A virtual terminal gets no serial getty; options after the comma are the port's settings.
    ['console=tty0 console=ttyS0,115200n8', ['ttyS0']],
    ['console=ttyS0 console=ttyS0,9600', ['ttyS0']],
    // The domain has no second serial port and no virtio console: nothing opens there.
    ['console=ttyS1,115200 console=hvc0 console=tty1', []],
    ['console=ttyS0 systemd.getty_auto=0', []],
    // The last switch wins, "-" and "_" are the same in a key, a value systemd cannot parse is ignored.
    ['systemd.getty-auto=no console=ttyS0 systemd.getty_auto', ['ttyS0']],
    ['console=ttyS0 systemd.getty_auto=maybe', ['ttyS0']],
  ])('%s', (cmdline, consoles) => {
    expect(gettyConsoles(cmdline)).toEqual(consoles);
    const { links } = generatorOutput(new GuestTree(), () => false, cmdline);
    expect([...links].filter(([path]) => path.includes('getty.target.wants'))).toEqual(consoles.map((tty) => [`/run/systemd/generator/getty.target.wants/serial-getty@${tty}.service`, '/lib/systemd/system/serial-getty@.service']));
  });
});
