import { describe, expect, it } from 'vitest';
import { GuestTree } from '../../../electron/engine/appliance/guest-tree';
import { REAL_UNIT_FILES } from './samples/unit-files';
import { isUnitName, listValues, parseUnitFile, systemdUnits, templateOf, unitDirsToFetch, unitSearchPath, vmwareOnlyLines } from '../../../electron/engine/inspect/linux/systemd';

// Real unit files (Debian 12), shared with unit-chain.test.ts.
const REAL = REAL_UNIT_FILES;

const U = '/usr/lib/systemd/system';
const E = '/etc/systemd/system';

/** A merged-/usr guest (Debian 12, RHEL 9): /lib links to usr/lib. */
function guest(files: Record<string, string>, links: Record<string, string> = {}, mergedUsr = true): GuestTree {
  const t = new GuestTree();
  if (mergedUsr) t.addSymlink('/lib', 'usr/lib');
  for (const [path, text] of Object.entries(files)) t.addFile(path, Buffer.from(text));
  for (const [path, target] of Object.entries(links)) t.addSymlink(path, target);
  return t;
}

const vendor = (...names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [`${U}/${n.replace(/^.*\//, '')}`, REAL[n]!]));

describe('unit file syntax', () => {
  it('reads sections, keys and values; comments are whole lines; "\\\\u" is not a continuation', () => {
    const d = parseUnitFile(REAL['getty@.service']!, `${U}/getty@.service`);
    expect(d.find((x) => x.key === 'ExecStart')).toEqual({ section: 'Service', key: 'ExecStart', value: "-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM", path: `${U}/getty@.service`, line: 39 });
    expect(d.filter((x) => x.section === 'Install').map((x) => `${x.key}=${x.value}`)).toEqual(['WantedBy=getty.target', 'DefaultInstance=tty1']);
    expect(d.some((x) => x.key.startsWith('#') || x.value.includes('IgnoreOnIsolate causes'))).toBe(false);
  });

  it('joins continuation lines (the backslash becomes a space) and keeps the first line number', () => {
    const d = parseUnitFile(REAL['portable-default-service.conf']!, 'service.conf');
    const caps = d.find((x) => x.key === 'CapabilityBoundingSet')!;
    expect(caps.line).toBe(11);
    expect(caps.value.split(/\s+/)).toHaveLength(19);
    expect(caps.value).toMatch(/^CAP_CHOWN .* CAP_FOWNER \s+CAP_FSETID .* CAP_SYS_RESOURCE$/);
    // The line after the continued one is a directive of its own again.
    expect(d[d.indexOf(caps) + 1]).toMatchObject({ key: 'PrivateTmp', value: 'yes', line: 15 });
  });

  // The example of systemd.syntax(7): comments between continuation lines are skipped.
  const manPageExample = ['[Section A]', 'KeyOne=value 1', 'KeyTwo=value 2', '', '# a comment', '', '[Section B]', 'Setting="something" "some thing" "…"', 'KeyTwo=value 2 \\', '       value 2 continued', '', '[Section C]', 'KeyThree=value 3\\', '# this line is ignored', '; this line is ignored too', '       value 3 continued'].join('\n');
  it.each([
    ['Section A', 'KeyOne', 'value 1', 2],
    ['Section B', 'KeyTwo', 'value 2         value 2 continued', 9],
    ['Section C', 'KeyThree', 'value 3        value 3 continued', 13],
  ])('systemd.syntax(7) example: [%s] %s', (section, key, value, line) => {
    expect(parseUnitFile(manPageExample, 'x').find((d) => d.section === section && d.key === key)).toMatchObject({ value, line });
  });

  it('an empty assignment resets a list (what a drop-in does to replace it)', () => {
    const d = [...parseUnitFile(REAL['fstrim.timer']!, 'a'), ...parseUnitFile('[Timer]\nOnCalendar=\nOnCalendar=daily\n', 'b')];
    expect(listValues(d, 'Timer', ['OnCalendar']).map((x) => `${x.path}:${x.value}`)).toEqual(['b:daily']);
  });

  it.each([
    ['getty@.service', true, 'getty@.service'],
    ['getty@tty1.service', true, 'getty@.service'],
    ['dbus-org.freedesktop.login1.service', true, null],
    ['run-vmblock\\x2dfuse.mount', true, null],
    ['sysinit.target.wants', false, null],
    ['debian.conf', false, null],
  ])('unit name %s', (name, valid, template) => {
    expect(isUnitName(name)).toBe(valid);
    expect(templateOf(name) ?? (name.includes('@.') ? name : null)).toBe(template);
  });
});

describe('the unit search path', () => {
  it.each([
    ['merged /usr (lib -> usr/lib)', 'usr/lib', [E, '/usr/local/lib/systemd/system', U]],
    ['merged /usr (absolute link)', '/usr/lib', [E, '/usr/local/lib/systemd/system', U]],
    ['split /usr (/lib a folder)', null, [E, '/usr/local/lib/systemd/system', U, '/lib/systemd/system']],
  ])('%s', (_name, link, expected) => {
    const t = new GuestTree();
    if (link) t.addSymlink('/lib', link);
    expect(unitSearchPath(t)).toEqual(expected);
    const existing = ['/usr/lib/systemd/system', '/lib/systemd/system'];
    expect(unitDirsToFetch(existing, link)).toEqual(link ? ['/usr/lib/systemd/system'] : existing);
  });
});

interface StateCase {
  name: string;
  tree: GuestTree;
  /** unit → state, as `systemctl list-unit-files --root` printed it for the same files. */
  states: Record<string, string>;
}

const stateCases: StateCase[] = [
  {
    name: 'Debian: timers enabled from /etc, a static timer, a disabled one',
    tree: guest(vendor('fstrim.timer', 'e2scrub_all.timer', 'systemd-tmpfiles-clean.timer'), {
      [`${E}/timers.target.wants/fstrim.timer`]: '/lib/systemd/system/fstrim.timer',
      [`${U}/timers.target.wants/systemd-tmpfiles-clean.timer`]: '../systemd-tmpfiles-clean.timer',
    }),
    states: { 'fstrim.timer': 'enabled', 'e2scrub_all.timer': 'disabled', 'systemd-tmpfiles-clean.timer': 'static' },
  },
  {
    name: 'templates: getty@ enabled by its DefaultInstance, serial-getty@ indirect by another instance, an alias of a template',
    tree: guest(vendor('getty@.service', 'serial-getty@.service'), {
      [`${E}/getty.target.wants/getty@tty1.service`]: '/lib/systemd/system/getty@.service',
      [`${E}/getty.target.wants/serial-getty@ttyS0.service`]: '/lib/systemd/system/serial-getty@.service',
      [`${U}/autovt@.service`]: 'getty@.service',
    }),
    states: { 'getty@.service': 'enabled', 'serial-getty@.service': 'indirect', 'autovt@.service': 'alias' },
  },
  {
    name: 'getty@ linked for another tty than its DefaultInstance: indirect',
    tree: guest(vendor('getty@.service'), { [`${E}/getty.target.wants/getty@tty3.service`]: '/usr/lib/systemd/system/getty@.service' }),
    states: { 'getty@.service': 'indirect' },
  },
  {
    name: 'masked: /dev/null in /etc over a vendor unit, /dev/null in the vendor folder (Debian rc.service), an empty file',
    tree: guest({ ...vendor('fstrim.timer'), [`${U}/empty.service`]: '' }, { [`${E}/fstrim.timer`]: '/dev/null', [`${U}/rc.service`]: '/dev/null' }),
    states: { 'fstrim.timer': 'masked', 'rc.service': 'masked', 'empty.service': 'masked' },
  },
  {
    name: 'aliases: reboot.target by ctrl-alt-del.target; an Alias= link in /etc enables',
    tree: guest(
      { ...vendor('reboot.target'), [`${U}/foo-bar.service`]: '[Unit]\nDescription=Foo bar\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=fb.service\n' },
      { [`${U}/ctrl-alt-del.target`]: 'reboot.target', [`${E}/fb.service`]: '/usr/lib/systemd/system/foo-bar.service' },
    ),
    states: { 'reboot.target': 'disabled', 'ctrl-alt-del.target': 'alias', 'foo-bar.service': 'enabled', 'fb.service': 'alias' },
  },
  {
    name: 'Also= only: indirect; RequiredBy= in /usr/local enabled by a .requires link; a linked unit file; a dangling alias left out',
    tree: guest(
      {
        [`${U}/alsoonly.service`]: '[Service]\nExecStart=/bin/true\n[Install]\nAlso=fstrim.timer\n',
        '/usr/local/lib/systemd/system/local.service': '[Service]\nExecStart=/bin/true\n[Install]\nRequiredBy=multi-user.target\n',
        '/opt/linked.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
      },
      {
        [`${E}/multi-user.target.requires/local.service`]: '/usr/local/lib/systemd/system/local.service',
        [`${E}/linked.service`]: '/opt/linked.service',
        [`${E}/dangling.service`]: 'nothing.service',
      },
    ),
    states: { 'alsoonly.service': 'indirect', 'local.service': 'enabled', 'linked.service': 'linked' },
  },
  {
    name: 'an instance linked in a vendor folder is static, a copy in /etc overrides the vendor file',
    tree: guest(
      { [`${U}/inst@.service`]: '[Service]\nExecStart=/bin/true\n', [`${U}/over.service`]: REAL['rc-local.service']! + '\n[Install]\nWantedBy=multi-user.target\n', [`${E}/over.service`]: REAL['rc-local.service']! },
      { [`${U}/inst@b.service`]: 'inst@.service' },
    ),
    states: { 'inst@.service': 'static', 'inst@b.service': 'static', 'over.service': 'static' },
  },
  {
    name: 'split /usr: /lib/systemd/system is read; with merged /usr a stale /lib link is not',
    tree: guest({ '/lib/systemd/system/fstrim.timer': REAL['fstrim.timer']! }, { [`${E}/timers.target.wants/fstrim.timer`]: '/lib/systemd/system/fstrim.timer' }, false),
    states: { 'fstrim.timer': 'enabled' },
  },
  {
    name: 'merged /usr ignores /lib/systemd/system (the inspection adds the default.target link there)',
    tree: guest(vendor('reboot.target'), { '/lib/systemd/system/default.target': 'graphical.target' }),
    states: { 'reboot.target': 'disabled' },
  },
];

describe('unit file states (what systemctl list-unit-files says)', () => {
  it.each(stateCases)('$name', ({ tree, states }) => {
    const { unitFiles } = systemdUnits(tree);
    expect(Object.fromEntries(unitFiles.map((u) => [u.unit, u.state]))).toEqual(states);
  });

  it('names the file, the type, who wants it and the description', () => {
    const { unitFiles } = systemdUnits(stateCases[1]!.tree);
    expect(unitFiles.find((u) => u.unit === 'getty@.service')).toEqual({
      unit: 'getty@.service',
      type: 'service',
      state: 'enabled',
      path: `${U}/getty@.service`,
      wantedBy: ['getty.target'],
      description: 'Getty on %I',
    });
    const masked = systemdUnits(stateCases[3]!.tree).unitFiles.find((u) => u.unit === 'rc.service');
    expect(masked).toMatchObject({ path: null, description: null });
  });
});

describe('timers and sockets', () => {
  it('timers: schedules as written, the unit they start, Persistent=, started at boot or not', () => {
    const { timers } = systemdUnits(stateCases[0]!.tree);
    expect(timers).toEqual([
      { unit: 'e2scrub_all.timer', schedule: ['OnCalendar=Sun *-*-* 03:10:00'], activates: 'e2scrub_all.service', persistent: true, enabled: false },
      { unit: 'fstrim.timer', schedule: ['OnCalendar=weekly'], activates: 'fstrim.service', persistent: true, enabled: true },
      // Static, but the vendor's timers.target.wants starts it at every boot.
      { unit: 'systemd-tmpfiles-clean.timer', schedule: ['OnBootSec=15min', 'OnUnitActiveSec=1d'], activates: 'systemd-tmpfiles-clean.service', persistent: false, enabled: true },
    ]);
  });

  it('a drop-in in /etc replaces the schedule, the unit and the description; a masked timer is not listed', () => {
    const tree = guest(
      { ...vendor('fstrim.timer', 'e2scrub_all.timer'), [`${E}/fstrim.timer.d/override.conf`]: '[Unit]\nDescription=Trim daily\n[Timer]\nOnCalendar=\nOnCalendar=daily\nUnit=my-trim.service\nPersistent=no\n' },
      { [`${E}/e2scrub_all.timer`]: '/dev/null' },
    );
    const { timers, unitFiles } = systemdUnits(tree);
    expect(timers).toEqual([{ unit: 'fstrim.timer', schedule: ['OnCalendar=daily'], activates: 'my-trim.service', persistent: false, enabled: false }]);
    expect(unitFiles.find((u) => u.unit === 'fstrim.timer')?.description).toBe('Trim daily');
  });

  it('drop-ins apply by file name across folders; the same name in /etc hides the vendor one', () => {
    const tree = guest({
      ...vendor('rc-local.service', 'rc-local.service.d/debian.conf'),
      [`${U}/rc-local.service.d/debian.conf`]: REAL['rc-local.service.d/debian.conf']!,
      [`${E}/rc-local.service.d/debian.conf`]: '[Unit]\nDescription=from /etc\n',
      [`${U}/rc-local.service.d/zz.conf`]: '[Unit]\nDescription=last by name\n',
      [`${E}/rc-local.service.d/aa.conf`]: '[Unit]\nDescription=first by name\n',
    });
    expect(systemdUnits(tree).unitFiles.find((u) => u.unit === 'rc-local.service')?.description).toBe('last by name');
  });

  it('sockets: every Listen*= line in order', () => {
    const { sockets } = systemdUnits(guest(vendor('systemd-journald.socket', 'dbus.socket'), { [`${U}/sockets.target.wants/systemd-journald.socket`]: '../systemd-journald.socket' }));
    expect(sockets).toEqual([
      { unit: 'dbus.socket', listen: ['ListenStream=/run/dbus/system_bus_socket'], enabled: false },
      { unit: 'systemd-journald.socket', listen: ['ListenDatagram=/run/systemd/journal/socket', 'ListenStream=/run/systemd/journal/stdout'], enabled: true },
    ]);
  });
});

describe('what only works on VMware', () => {
  // A shared-folder mount as VMware's documentation for open-vm-tools writes it in fstab
  // (".host:/ /mnt/hgfs fuse.vmhgfs-fuse defaults,allow_other 0 0"), as a unit: no package ships one.
  const hgfsMount = '[Unit]\nDescription=VMware shared folders\n\n[Mount]\nWhat=.host:/\nWhere=/mnt/hgfs\nType=fuse.vmhgfs-fuse\nOptions=defaults,allow_other\n\n[Install]\nWantedBy=multi-user.target\n';
  const toolsTimesync = '[Unit]\nDescription=Sync the clock with the ESXi host\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/vmware-toolbox-cmd timesync enable\n\n[Install]\nWantedBy=multi-user.target\n';

  it.each([
    { name: 'open-vm-tools.service (ConditionVirtualization=vmware)', type: 'service', text: REAL['open-vm-tools.service']!, expected: [] },
    { name: 'the same without its condition', type: 'service', text: REAL['open-vm-tools.service']!.replace('ConditionVirtualization=vmware\n', ''), expected: [{ line: 12, excerpt: 'ExecStart=/usr/bin/vmtoolsd' }] },
    { name: 'vmware-toolbox-cmd in a oneshot', type: 'service', text: toolsTimesync, expected: [{ line: 6, excerpt: 'ExecStart=/usr/bin/vmware-toolbox-cmd timesync enable' }] },
    { name: 'a script from the VMware Tools folder, behind "-"', type: 'service', text: '[Service]\nExecStart=-/etc/vmware-tools/services.sh start\n', expected: [{ line: 2, excerpt: 'ExecStart=-/etc/vmware-tools/services.sh start' }] },
    { name: 'a config file named vmware-* is not a program', type: 'service', text: '[Service]\nExecStart=/usr/bin/app --config /etc/app/vmware-hosts.conf\n', expected: [] },
    { name: 'rc-local.service', type: 'service', text: REAL['rc-local.service']!, expected: [] },
    { name: 'a vmhgfs-fuse mount unit', type: 'mount', text: hgfsMount, expected: [{ line: 5, excerpt: 'What=.host:/' }, { line: 7, excerpt: 'Type=fuse.vmhgfs-fuse' }] },
    { name: 'binfmt_misc mount', type: 'mount', text: REAL['proc-sys-fs-binfmt_misc.mount']!, expected: [] },
  ])('$name', ({ type, text, expected }) => {
    const lines = vmwareOnlyLines(type, parseUnitFile(text, '/x'));
    expect(lines.map(({ line, excerpt }) => ({ line, excerpt }))).toEqual(expected);
  });

  it('marks enabled units, and an automount through its vmhgfs mount unit', () => {
    const tree = guest(
      { [`${E}/mnt-hgfs.mount`]: hgfsMount, [`${E}/mnt-hgfs.automount`]: '[Automount]\nWhere=/mnt/hgfs\n[Install]\nWantedBy=multi-user.target\n', [`${E}/timesync.service`]: toolsTimesync, ...vendor('open-vm-tools.service') },
      { [`${E}/multi-user.target.wants/mnt-hgfs.automount`]: '../mnt-hgfs.automount', [`${E}/multi-user.target.wants/open-vm-tools.service`]: '/lib/systemd/system/open-vm-tools.service' },
    );
    const units = Object.fromEntries(systemdUnits(tree).unitFiles.map((u) => [u.unit, [u.state, (u.vmwareOnly ?? []).map((e) => `${e.path}:${e.line}`)]]));
    expect(units).toEqual({
      'mnt-hgfs.automount': ['enabled', [`${E}/mnt-hgfs.mount:5`, `${E}/mnt-hgfs.mount:7`]],
      'mnt-hgfs.mount': ['disabled', [`${E}/mnt-hgfs.mount:5`, `${E}/mnt-hgfs.mount:7`]],
      'open-vm-tools.service': ['enabled', []],
      'timesync.service': ['disabled', [`${E}/timesync.service:6`]],
    });
  });
});
